//! `inspect` on a database the size of a real app (33 tables: composite
//! keys, foreign keys with every action, indexes, uniques, defaults,
//! nullable and sized types), plus what models cannot say (a view, a
//! trigger, a CHECK constraint, a table without a primary key). Written
//! once for every database.
//!
//! The proof: the generated models, read as the build script reads them,
//! have no changes against the baseline (`makemigrations --check` too);
//! the original database is recorded at the baseline; a fresh database
//! migrated from the baseline equals the original when both are read with
//! the database's own catalog.

use lback::schema::{
    constraint_name, Column, ColumnType as T, DefaultValue as D, ForeignKey, Index,
    ReferentialAction as A, Schema, Table, UniqueConstraint,
};
use lback_core::diff::diff;
use lback_core::sql::{render, Dialect};

use super::use_source_models;
use crate::targets::Target;
use crate::workflow::Project;

fn col(name: &str, ty: T) -> Column {
    Column::new(name.to_owned(), ty)
}

fn names(list: &[&str]) -> lback::schema::Names {
    list.iter().map(|n| n.to_string().into()).collect()
}

fn fk(table: &str, column: &str, to: &str, on_delete: A, on_update: A) -> ForeignKey {
    ForeignKey {
        name: constraint_name("fk", table, &[column], None).into(),
        columns: names(&[column]),
        referenced_table: to.to_owned().into(),
        referenced_columns: names(&["id"]),
        on_delete,
        on_update,
    }
}

fn index(table: &str, columns: &[&str], unique: bool) -> Index {
    let prefix = if unique { "ux" } else { "ix" };
    Index {
        name: constraint_name(prefix, table, columns, None).into(),
        columns: names(columns),
        unique,
    }
}

/// 33 tables: a self-referencing root, a chain of 30 tables each pointing
/// at the one before with a cycling action, and two link tables with
/// composite keys.
pub fn app_schema() -> Schema {
    let mut tables = vec![Table::new("categories")
        .with_column(col("id", T::BigInt).auto_increment())
        .with_column(col("name", T::Varchar(50)))
        .with_column(col("parent_id", T::BigInt).nullable())
        .with_primary_key(["id"])
        .with_unique(UniqueConstraint {
            name: "uq_categories_name".into(),
            columns: names(&["name"]),
        })
        .with_index(index("categories", &["parent_id"], false))
        .with_foreign_key(fk(
            "categories",
            "parent_id",
            "categories",
            A::SetNull,
            A::NoAction,
        ))];
    let actions = [A::Cascade, A::SetNull, A::Restrict, A::NoAction];
    for i in 1..=30_usize {
        let name = format!("t{i:02}");
        let previous = if i == 1 {
            "categories".to_owned()
        } else {
            format!("t{:02}", i - 1)
        };
        let action = actions[i % actions.len()];
        let mut ref_col = col("ref_id", T::BigInt);
        if action == A::SetNull {
            ref_col = ref_col.nullable();
        }
        let mut table = Table::new(name.clone())
            .with_column(col("id", T::BigInt).auto_increment())
            .with_column(col("label", T::Varchar(20 + i as u32)))
            .with_column(col("qty", T::Integer).with_default(D::Int(i as i64)))
            .with_column(col("note", T::Text).nullable())
            .with_column(ref_col)
            .with_column(col("flag", T::Boolean).with_default(D::Bool(i % 2 == 0)))
            .with_primary_key(["id"])
            .with_index(index(&name, &["ref_id"], false))
            .with_foreign_key(fk(&name, "ref_id", &previous, action, A::NoAction));
        if i % 3 == 0 {
            table = table
                .with_column(
                    col(
                        "amount",
                        T::Decimal {
                            precision: Some(10),
                            scale: Some(2),
                        },
                    )
                    .with_default(D::Float(0.5)),
                )
                .with_unique(UniqueConstraint {
                    name: constraint_name("uq", &name, &["label", "qty"], None).into(),
                    columns: names(&["label", "qty"]),
                });
        }
        if i % 2 == 0 {
            table = table.with_index(index(&name, &["qty"], false));
        }
        if i % 4 == 0 {
            table = table.with_column(
                col("created", T::Timestamp).with_default(D::Sql("CURRENT_TIMESTAMP".into())),
            );
        }
        if i % 5 == 0 {
            table = table
                .with_column(col("day", T::Date).nullable())
                .with_index(index(&name, &["day", "label"], true));
        }
        if i % 6 == 0 {
            table = table.with_column(
                col("ratio", T::Double)
                    .nullable()
                    .with_default(D::Float(0.25)),
            );
        }
        if i % 7 == 0 {
            table = table.with_column(col("small", T::SmallInt).with_default(D::Int(-1)));
        }
        if i % 8 == 0 {
            table = table
                .with_column(col("status", T::Varchar(10)).with_default(D::Text("new".into())));
        }
        tables.push(table);
    }
    for (name, a, b) in [("links", "t01", "t02"), ("tags", "t03", "categories")] {
        let a_col = format!("{a}_id");
        let b_col = format!("{b}_id");
        tables.push(
            Table::new(name)
                .with_column(col(&a_col, T::BigInt))
                .with_column(col(&b_col, T::BigInt))
                .with_column(col("weight", T::Integer).with_default(D::Int(1)))
                .with_primary_key([a_col.clone(), b_col.clone()])
                .with_index(index(name, &[&b_col], false))
                .with_foreign_key(fk(name, &a_col, a, A::Cascade, A::Cascade))
                .with_foreign_key(fk(name, &b_col, b, A::Cascade, A::NoAction)),
        );
    }
    let schema = Schema::from_tables(tables).unwrap();
    schema.validate().unwrap();
    schema
}

/// What models cannot say, as a DBA would have added it.
fn extras(dialect: Dialect) -> Vec<&'static str> {
    let mut sql = vec![
        "CREATE TABLE audit_log (line TEXT)",
        "CREATE VIEW v_labels AS SELECT id, label FROM t01",
    ];
    sql.extend(match dialect {
        Dialect::Sqlite => vec![
            "CREATE TABLE checked (id INTEGER PRIMARY KEY NOT NULL, qty INTEGER NOT NULL CHECK (qty >= 0))",
            "CREATE TRIGGER trg_t01 AFTER INSERT ON t01 BEGIN SELECT 1; END",
        ],
        Dialect::Postgres => vec![
            "CREATE TABLE checked (id BIGINT PRIMARY KEY NOT NULL, qty INTEGER NOT NULL, \
             CONSTRAINT ck_checked_qty CHECK (qty >= 0))",
            "CREATE FUNCTION trg_fn() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$",
            "CREATE TRIGGER trg_t01 BEFORE INSERT ON t01 FOR EACH ROW EXECUTE FUNCTION trg_fn()",
        ],
        Dialect::Mysql => vec![
            "CREATE TABLE checked (id BIGINT PRIMARY KEY NOT NULL, qty INTEGER NOT NULL, \
             CONSTRAINT ck_checked_qty CHECK (qty >= 0))",
            "CREATE TRIGGER trg_t01 BEFORE INSERT ON t01 FOR EACH ROW SET NEW.qty = NEW.qty",
        ],
    });
    sql
}

/// The database's own description of its tables, one line per column,
/// index and foreign key (bookkeeping tables left out).
fn catalog_sql(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            r#"
SELECT 'column ' || m.name || '.' || p.name || ' ' || p.type || ' notnull=' || p."notnull"
       || ' default=' || coalesce(p.dflt_value, '-') || ' pk=' || p.pk AS v
  FROM sqlite_master m, pragma_table_info(m.name) p
 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_\_%' ESCAPE '\'
UNION ALL
SELECT 'index ' || m.name || ' ' || l.name || ' unique=' || l."unique" || ' cols='
       || (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno))
  FROM sqlite_master m, pragma_index_list(m.name) l
 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\' AND m.name NOT LIKE '\_\_%' ESCAPE '\'
UNION ALL
SELECT 'fk ' || m.name || ' ' || f."from" || ' -> ' || f."table" || '.' || f."to" || ' update '
       || f.on_update || ' delete ' || f.on_delete
  FROM sqlite_master m, pragma_foreign_key_list(m.name) f
 WHERE m.type = 'table' AND m.name NOT LIKE '\_\_%' ESCAPE '\'
UNION ALL
SELECT 'autoincrement ' || name FROM sqlite_master
 WHERE type = 'table' AND upper(sql) LIKE '%AUTOINCREMENT%'"#
        }
        Dialect::Postgres => {
            r#"
SELECT 'column ' || table_name || '.' || column_name || ' ' || data_type
       || coalesce('(' || character_maximum_length || ')', '')
       || coalesce(' p' || numeric_precision || ',' || numeric_scale, '')
       || ' null=' || is_nullable || ' default=' || coalesce(column_default, '-')
       || ' identity=' || is_identity AS v
  FROM information_schema.columns
 WHERE table_schema = current_schema() AND table_name NOT LIKE '\_\_%'
UNION ALL
SELECT 'index ' || tablename || ' ' || replace(indexdef, current_schema() || '.', '')
  FROM pg_indexes WHERE schemaname = current_schema() AND tablename NOT LIKE '\_\_%'
UNION ALL
SELECT 'constraint ' || cls.relname || ' ' || con.conname || ' ' || pg_get_constraintdef(con.oid)
  FROM pg_constraint con JOIN pg_class cls ON cls.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = cls.relnamespace
 WHERE n.nspname = current_schema() AND cls.relname NOT LIKE '\_\_%'"#
        }
        Dialect::Mysql => {
            r#"
SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE, ' null=', IS_NULLABLE,
              ' default=', COALESCE(COLUMN_DEFAULT, '-'), ' extra=', EXTRA) AS v
  FROM information_schema.COLUMNS
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\_\_%'
UNION ALL
SELECT CONCAT('index ', TABLE_NAME, ' ', INDEX_NAME, ' unique=', 1 - NON_UNIQUE, ' ',
              GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX))
  FROM information_schema.STATISTICS
 WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME NOT LIKE '\_\_%'
 GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE
UNION ALL
SELECT CONCAT('fk ', TABLE_NAME, ' ', CONSTRAINT_NAME, ' -> ', REFERENCED_TABLE_NAME,
              ' update ', UPDATE_RULE, ' delete ', DELETE_RULE)
  FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()
UNION ALL
SELECT CONCAT('fkcol ', TABLE_NAME, ' ', CONSTRAINT_NAME, ' ', COLUMN_NAME, ' -> ',
              REFERENCED_COLUMN_NAME)
  FROM information_schema.KEY_COLUMN_USAGE
 WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL"#
        }
    }
}

#[derive(diesel::QueryableByName)]
pub struct Line {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// The catalog's lines, sorted, without those of `left_out` objects.
fn catalog<T: Target>(target: &mut T, left_out: &[&str]) -> Vec<String>
where
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, T::Conn, Line>,
{
    use diesel::RunQueryDsl;
    let mut lines: Vec<String> = diesel::sql_query(catalog_sql(T::DIALECT))
        .load::<Line>(target.conn())
        .unwrap()
        .into_iter()
        .map(|l| l.v)
        .filter(|l| !left_out.iter().any(|name| l.contains(name)))
        .collect();
    lines.sort();
    lines
}

/// The proof, on `original` (made here) and `fresh` (empty).
pub fn inspect_proof<T: Target>(original: &mut T, fresh: &mut T, project: &Project)
where
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, T::Conn, Line>,
{
    let dialect = T::DIALECT;
    let schema = app_schema();
    assert!(schema.len() >= 33);
    let created = render(&diff(&Schema::new(), &schema), &Schema::new(), dialect);
    original.execute(&created.to_sql());
    for sql in extras(dialect) {
        original.execute(sql);
    }
    // Rows, so the baseline is recorded on a database in use.
    original.execute("INSERT INTO categories (name) VALUES ('root')");

    project.models(&Schema::new());
    let out = project.lback(&original.url(), &["inspect", "--output", "src/models.rs"]);
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("Wrote src/models.rs (34 model(s))."),
        "{stdout}"
    );
    assert!(
        stdout.contains("_baseline as applied (its SQL did not run)"),
        "{stdout}"
    );
    for left_out in [
        "left out table `audit_log`: it has no primary key",
        "view `v_labels`",
        "trigger `trg_t01` on `t01`",
        "CHECK constraint",
    ] {
        assert!(stderr.contains(left_out), "{left_out:?} not in:\n{stderr}");
    }
    let source = std::fs::read_to_string(project.dir.join("src/models.rs")).unwrap();
    assert!(
        source.contains("//! - left out view `v_labels`"),
        "{source}"
    );
    assert!(
        source.contains("#[lback(primary_key(t01_id, t02_id))]"),
        "{source}"
    );

    // The build script's reading of the models: nothing to generate.
    let report = lback::build::Builder::new()
        .manifest_dir(&project.dir)
        .models_in("src/models.rs")
        .cfg(lback::build::Cfg::new())
        .mode(lback::build::Mode::Check)
        .try_run();
    assert!(report.is_ok(), "{:?}", report.err().map(|e| e.to_string()));
    // `makemigrations --check` on those models.
    use_source_models(project);
    let out = project.lback(&original.url(), &["makemigrations", "--check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "No changes detected.\n"
    );

    // The original is at the baseline; its drift is the table left out.
    let out = project.lback(&original.url(), &["showmigrations"]);
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("[X] "));
    let out = project.lback(&original.url(), &["check"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with(
            "The database differs from its migrations in 1 place(s):\n  extra table `audit_log`\n"
        ),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A fresh database migrated from the baseline equals the original.
    let out = project.lback(&fresh.url(), &["migrate"]);
    assert!(out.status.success());
    let left_out = ["audit_log", "v_labels", "ck_checked_qty", "trg_"];
    let original_catalog = catalog(original, &left_out);
    let fresh_catalog = catalog(fresh, &left_out);
    assert!(original_catalog.len() > 200, "{}", original_catalog.len());
    assert_eq!(original_catalog, fresh_catalog);
    let out = project.lback(&fresh.url(), &["check"]);
    assert_eq!(out.status.code(), Some(0));
}
