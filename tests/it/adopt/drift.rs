//! Drift, written once for every database: a freshly migrated schema that
//! uses every type, default and key lback supports shows no drift; each
//! kind of hand-made change shows as exactly its difference; `check` exits
//! 0 and then 3; `MigrateOptions` warns or refuses.

use std::time::SystemTime;

use lback::schema::{
    Column, ColumnType as T, DefaultValue as D, ForeignKey, Index, ReferentialAction as A, Schema,
    Table, UniqueConstraint,
};
use lback_core::drift::{self, Difference, OnDrift};
use lback_core::introspect::Introspect;
use lback_core::migrations::{Draft, Migrations};
use lback_core::runner::{self, MigrateOptions, MigrationReport, MigrationSql};
use lback_core::sql::Dialect;

use crate::targets::Target;
use crate::workflow::Project;

fn col(name: &str, ty: T) -> Column {
    Column::new(name.to_owned(), ty)
}

fn names(list: &[&str]) -> lback::schema::Names {
    list.iter().map(|n| n.to_string().into()).collect()
}

fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index {
        name: name.to_owned().into(),
        columns: names(columns),
        unique,
    }
}

fn unique(name: &str, columns: &[&str]) -> UniqueConstraint {
    UniqueConstraint {
        name: name.to_owned().into(),
        columns: names(columns),
    }
}

fn fk(table: &str, column: &str, to: &str, on_delete: A, on_update: A) -> ForeignKey {
    ForeignKey {
        name: format!("fk_{table}_{column}").into(),
        columns: names(&[column]),
        referenced_table: to.to_owned().into(),
        referenced_columns: names(&["id"]),
        on_delete,
        on_update,
    }
}

fn id() -> Column {
    col("id", T::BigInt).auto_increment()
}

/// A type the dialect has but lback does not know, kept as the database
/// spells it.
fn custom_type(dialect: Dialect) -> T {
    T::Custom(
        match dialect {
            Dialect::Sqlite => "MONEY",
            Dialect::Postgres => "text[]",
            Dialect::Mysql => "enum('a','b')",
        }
        .into(),
    )
}

/// Every type, default and key lback supports, in a form `dialect` holds.
pub fn every_kind(dialect: Dialect) -> Schema {
    let text = |s: &str| D::Text(s.to_owned().into());
    let decimal = |p, s| T::Decimal {
        precision: p,
        scale: s,
    };
    let every_type = Table::new("every_type")
        .with_column(id())
        .with_column(col("small", T::SmallInt).with_default(D::Int(-5)))
        .with_column(col("int", T::Integer).nullable().with_default(D::Int(7)))
        .with_column(col("big", T::BigInt).with_default(D::Int(9_000_000_000)))
        .with_column(col("real", T::Real).with_default(D::Float(1.5)))
        .with_column(col("dbl", T::Double).with_default(D::Float(-0.25)))
        .with_column(col("flag", T::Boolean).with_default(D::Bool(true)))
        .with_column(col("off", T::Boolean).nullable().with_default(D::Int(0)))
        .with_column(col("txt", T::Text).nullable())
        .with_column(col("name", T::Varchar(100)).with_default(text("it's")))
        .with_column(col("bin", T::Binary).nullable())
        .with_column(col("day", T::Date).with_default(text("2020-1-2")))
        .with_column(col("at", T::Time).with_default(text("12:30")))
        .with_column(col("ts", T::Timestamp).with_default(D::Sql("CURRENT_TIMESTAMP".into())))
        .with_column(col("tstz", T::TimestampTz).nullable())
        .with_column(col("uid", T::Uuid).nullable())
        .with_column(col("doc", T::Json).nullable())
        .with_column(col("price", decimal(Some(10), Some(2))).with_default(D::Int(1)))
        .with_column(col("qty", decimal(Some(5), None)).nullable())
        .with_column(col("amount", decimal(None, None)).nullable())
        .with_column(col("odd", custom_type(dialect)).nullable())
        .with_primary_key(["id"])
        .with_unique(unique("uq_every_type_name", &["name"]))
        .with_index(index("ix_every_type_small_int", &["small", "int"], false))
        .with_index(index("ux_every_type_day_at", &["day", "at"], true));
    let pair = Table::new("pair_keys")
        .with_column(col("vendor", T::Varchar(20)))
        .with_column(col("line", T::Integer))
        .with_column(col("note", T::Text).nullable())
        .with_primary_key(["vendor", "line"]);
    let child = Table::new("child")
        .with_column(id())
        .with_column(col("parent_id", T::BigInt))
        .with_column(col("opt_id", T::BigInt).nullable())
        .with_primary_key(["id"])
        .with_index(index("ix_child_parent_id", &["parent_id"], false))
        .with_index(index("ix_child_opt_id", &["opt_id"], false))
        .with_foreign_key(fk(
            "child",
            "parent_id",
            "every_type",
            A::Cascade,
            A::NoAction,
        ))
        .with_foreign_key(fk("child", "opt_id", "every_type", A::SetNull, A::Restrict));
    Schema::from_tables([every_type, pair, child]).unwrap()
}

/// A table of `id` only.
fn table(name: &str) -> Table {
    Table::new(name.to_owned())
        .with_column(id())
        .with_primary_key(["id"])
}

/// One small table per kind of hand-made change, so each change shows as
/// exactly one difference.
pub fn drift_targets() -> Schema {
    let a = |ty: T| col("a", ty);
    Schema::from_tables([
        table("d_type").with_column(a(T::Integer)),
        table("d_null").with_column(a(T::Integer)),
        table("d_default").with_column(a(T::Integer).with_default(D::Int(1))),
        table("d_cols")
            .with_column(a(T::Integer))
            .with_column(col("gone", T::Integer).nullable()),
        table("d_gone"),
        table("d_index")
            .with_column(a(T::Integer))
            .with_column(col("b", T::Integer))
            .with_index(index("ix_d_index_a", &["a"], false)),
        table("d_unique")
            .with_column(a(T::Integer))
            .with_unique(unique("uq_d_unique_a", &["a"])),
        table("d_parent"),
        referencing_parent("d_action", A::Cascade),
        referencing_parent("d_fk", A::NoAction),
        parent_id_indexed("d_extra_fk"),
    ])
    .unwrap()
}

/// Table `name` with an indexed `parent_id`.
fn parent_id_indexed(name: &str) -> Table {
    table(name)
        .with_column(col("parent_id", T::BigInt))
        .with_index(index(
            &format!("ix_{name}_parent_id"),
            &["parent_id"],
            false,
        ))
}

/// [`parent_id_indexed`], `parent_id` referencing `d_parent` (ON DELETE
/// `on_delete`).
fn referencing_parent(name: &str, on_delete: A) -> Table {
    parent_id_indexed(name).with_foreign_key(fk(
        name,
        "parent_id",
        "d_parent",
        on_delete,
        A::NoAction,
    ))
}

/// Writes a migration from the schema the folder builds to `models`, as
/// `makemigrations` does.
pub fn write_migration(dir: &std::path::Path, models: Schema, dialect: Dialect, name: &str) {
    let mut migrations = Migrations::open(dir).unwrap();
    let draft = Draft::new(&migrations, models).unwrap();
    draft.check_dialects(&[dialect]).unwrap();
    let sql = draft.sql(&[dialect]);
    migrations
        .write(draft.into_migration(name.to_owned(), sql, SystemTime::now()))
        .unwrap();
}

/// The folder's migrations, as the runner takes them.
fn sql_of(migrations: &Migrations) -> Vec<&dyn MigrationSql> {
    migrations
        .folders()
        .iter()
        .map(|f| f as &dyn MigrationSql)
        .collect()
}

/// Applies the folder's pending migrations.
pub fn migrate<T: Target>(target: &mut T, dir: &std::path::Path) -> MigrationReport {
    let migrations = Migrations::open(dir).unwrap();
    let list = sql_of(&migrations);
    runner::migrate(target.conn(), &list, MigrateOptions::default()).unwrap()
}

/// The drift of the database against the folder.
pub fn check<T: Target>(target: &mut T, dir: &std::path::Path) -> drift::Drift
where
    T::Conn: Introspect,
{
    let migrations = Migrations::open(dir).unwrap();
    let list = sql_of(&migrations);
    drift::check(target.conn(), &migrations.snapshot().unwrap(), &list).unwrap()
}

/// Every type, default and key, freshly migrated: no drift.
pub fn no_false_drift<T: Target>(target: &mut T, project: &Project)
where
    T::Conn: Introspect,
{
    let dir = project.migrations();
    write_migration(&dir, every_kind(T::DIALECT), T::DIALECT, "every_kind");
    migrate(target, &dir);
    let drift = check(target, &dir);
    assert!(drift.is_empty(), "{drift}");
    assert!(drift.pending.is_empty());
    // The same seen from the catalog's side: the live schema, read back,
    // is not what the models say word for word (the dialect is lossy), so
    // `canonical` is what keeps the check quiet.
    assert_ne!(
        target.introspect().normalized(),
        every_kind(T::DIALECT).normalized()
    );
}

/// The SQL that makes each change by hand, as a DBA would.
fn hand_changes(dialect: Dialect) -> Vec<String> {
    let common = [
        "CREATE TABLE hotfix_table (id INTEGER PRIMARY KEY NOT NULL)",
        "DROP TABLE d_gone",
        "ALTER TABLE d_cols ADD COLUMN hotfix TEXT",
        "ALTER TABLE d_cols DROP COLUMN gone",
        "CREATE INDEX ix_hotfix ON d_index (b)",
        "DROP INDEX ix_d_index_a",
    ];
    let mut sql: Vec<String> = common.iter().map(|s| s.to_string()).collect();
    let specific: &[&str] = match dialect {
        Dialect::Postgres => &[
            "ALTER TABLE d_type ALTER COLUMN a TYPE TEXT",
            "ALTER TABLE d_null ALTER COLUMN a DROP NOT NULL",
            "ALTER TABLE d_default ALTER COLUMN a SET DEFAULT 2",
            "ALTER TABLE d_unique DROP CONSTRAINT uq_d_unique_a",
            "ALTER TABLE d_action DROP CONSTRAINT fk_d_action_parent_id, ADD CONSTRAINT \
             fk_d_action_parent_id FOREIGN KEY (parent_id) REFERENCES d_parent (id) ON DELETE \
             RESTRICT ON UPDATE NO ACTION",
            "ALTER TABLE d_fk DROP CONSTRAINT fk_d_fk_parent_id",
            "ALTER TABLE d_extra_fk ADD CONSTRAINT fk_d_extra_fk_parent_id FOREIGN KEY \
             (parent_id) REFERENCES d_parent (id)",
        ],
        Dialect::Mysql => &[
            "ALTER TABLE d_type MODIFY a TEXT NOT NULL",
            "ALTER TABLE d_null MODIFY a INTEGER NULL",
            "ALTER TABLE d_default ALTER COLUMN a SET DEFAULT 2",
            "ALTER TABLE d_unique DROP INDEX uq_d_unique_a",
            "ALTER TABLE d_action DROP FOREIGN KEY fk_d_action_parent_id",
            "ALTER TABLE d_action ADD CONSTRAINT fk_d_action_parent_id FOREIGN KEY (parent_id) \
             REFERENCES d_parent (id) ON DELETE RESTRICT ON UPDATE NO ACTION",
            "ALTER TABLE d_fk DROP FOREIGN KEY fk_d_fk_parent_id",
            "ALTER TABLE d_extra_fk ADD CONSTRAINT fk_d_extra_fk_parent_id FOREIGN KEY \
             (parent_id) REFERENCES d_parent (id)",
        ],
        Dialect::Sqlite => &["DROP INDEX uq_d_unique_a"],
    };
    sql.extend(specific.iter().map(|s| s.to_string()));
    if dialect == Dialect::Mysql {
        // MySQL wants `DROP INDEX` with its table.
        for s in &mut sql {
            if s == "DROP INDEX ix_d_index_a" {
                *s = "DROP INDEX ix_d_index_a ON d_index".into();
            }
        }
    }
    sql
}

/// SQLite cannot alter a column or a foreign key: a hand-made change there
/// edits the table's definition in `sqlite_master` (what a rebuild by hand
/// ends with).
fn sqlite_definition_edits() -> Vec<(&'static str, &'static str, &'static str)> {
    vec![
        ("d_type", r#""a" INTEGER NOT NULL"#, r#""a" TEXT NOT NULL"#),
        ("d_null", r#""a" INTEGER NOT NULL"#, r#""a" INTEGER"#),
        ("d_default", "DEFAULT 1", "DEFAULT 2"),
        ("d_action", "ON DELETE CASCADE", "ON DELETE RESTRICT"),
        (
            "d_extra_fk",
            r#""parent_id" BIGINT NOT NULL"#,
            r#""parent_id" BIGINT NOT NULL REFERENCES "d_parent" ("id")"#,
        ),
    ]
}

fn edit_sqlite_definitions<T: Target>(target: &mut T) {
    let mut sql = String::from("PRAGMA writable_schema = ON;\n");
    for (table, from, to) in sqlite_definition_edits() {
        sql.push_str(&format!(
            "UPDATE sqlite_master SET sql = replace(sql, '{}', '{}') WHERE type = 'table' AND \
             name = '{table}';\n",
            from.replace('\'', "''"),
            to.replace('\'', "''")
        ));
    }
    // The foreign key of d_fk, its whole clause taken out.
    sql.push_str(
        "UPDATE sqlite_master SET sql = substr(sql, 1, instr(sql, ',\n  CONSTRAINT \
         \"fk_d_fk_parent_id\"') - 1) || char(10) || ')' WHERE type = 'table' AND name = \
         'd_fk';\n",
    );
    let version = target.count("SELECT schema_version AS n FROM pragma_schema_version");
    sql.push_str(&format!(
        "PRAGMA schema_version = {};\nPRAGMA writable_schema = OFF;",
        version + 1
    ));
    target.execute(&sql);
}

fn kind(d: &Difference) -> &'static str {
    match d {
        Difference::MissingTable { .. } => "missing table",
        Difference::ExtraTable { .. } => "extra table",
        Difference::MissingColumn { .. } => "missing column",
        Difference::ExtraColumn { .. } => "extra column",
        Difference::Type { .. } => "type",
        Difference::Nullability { .. } => "nullability",
        Difference::Default { .. } => "default",
        Difference::AutoIncrement { .. } => "auto-increment",
        Difference::PrimaryKey { .. } => "primary key",
        Difference::MissingIndex { .. } => "missing index",
        Difference::ExtraIndex { .. } => "extra index",
        Difference::IndexChanged { .. } => "index",
        Difference::MissingUnique { .. } => "missing unique",
        Difference::ExtraUnique { .. } => "extra unique",
        Difference::UniqueChanged { .. } => "unique",
        Difference::MissingForeignKey { .. } => "missing foreign key",
        Difference::ExtraForeignKey { .. } => "extra foreign key",
        Difference::ForeignKeyChanged { .. } => "foreign key",
        Difference::ForeignKeyAction { .. } => "action",
        _ => "unknown",
    }
}

/// The project's migrations folder, its one migration ([`drift_targets`])
/// applied.
fn drift_targets_applied<T: Target>(target: &mut T, project: &Project) -> std::path::PathBuf {
    let dir = project.migrations();
    write_migration(&dir, drift_targets(), T::DIALECT, "drift_targets");
    migrate(target, &dir);
    dir
}

/// Every kind of hand-made change shows as its difference, and only that.
pub fn hand_made_drift<T: Target>(target: &mut T, project: &Project)
where
    T::Conn: Introspect,
{
    let dir = drift_targets_applied(target, project);
    let drift = check(target, &dir);
    assert!(drift.is_empty(), "{drift}");

    if T::DIALECT == Dialect::Sqlite {
        edit_sqlite_definitions(target);
    }
    for sql in hand_changes(T::DIALECT) {
        target.execute(&sql);
    }
    let drift = check(target, &dir);
    let mut found: Vec<(String, &str)> = drift
        .differences
        .iter()
        .map(|d| (d.table().to_owned(), kind(d)))
        .collect();
    found.sort();
    let mut expected: Vec<(String, &str)> = [
        ("d_action", "action"),
        ("d_cols", "extra column"),
        ("d_cols", "missing column"),
        ("d_default", "default"),
        ("d_extra_fk", "extra foreign key"),
        ("d_fk", "missing foreign key"),
        ("d_gone", "missing table"),
        ("d_index", "extra index"),
        ("d_index", "missing index"),
        ("d_null", "nullability"),
        ("d_type", "type"),
        (
            "d_unique",
            if T::DIALECT == Dialect::Sqlite {
                "missing index"
            } else {
                "missing unique"
            },
        ),
        ("hotfix_table", "extra table"),
    ]
    .into_iter()
    .map(|(t, k)| (t.to_owned(), k))
    .collect();
    // On MySQL, lback's declared index `ix_d_fk_parent_id` is in the
    // CREATE TABLE and serves the foreign key, so InnoDB makes none of its
    // own: dropping the key leaves no extra index.
    expected.sort();
    assert_eq!(found, expected, "{drift}");
    // Each line names the place, and both sides where there are two.
    let text = drift.to_string();
    for needle in [
        "extra table `hotfix_table`",
        "missing table `d_gone`",
        "extra column `d_cols.hotfix`",
        "missing column `d_cols.gone`",
        "nullability of `d_null.a`: migrations NOT NULL, database NULL",
        "default of `d_default.a`: migrations 1, database 2",
        "actions of foreign key `fk_d_action_parent_id` on `d_action`: migrations ON DELETE \
         CASCADE ON UPDATE NO ACTION, database ON DELETE RESTRICT ON UPDATE NO ACTION",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
}

/// `check` as a command: 0 in step, 3 with every difference listed.
pub fn check_command<T: Target>(target: &mut T, project: &Project)
where
    T::Conn: Introspect,
{
    let dir = project.migrations();
    write_migration(&dir, drift_targets(), T::DIALECT, "drift_targets");
    project.models(&drift_targets());
    let url = target.url();
    let out = project.lback(&url, &["migrate"]);
    assert!(out.status.success());
    let out = project.lback(&url, &["check"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "The database matches its migrations.\n"
    );
    target.execute("ALTER TABLE d_cols ADD COLUMN hotfix TEXT");
    target.execute("CREATE TABLE hotfix_table (id INTEGER PRIMARY KEY NOT NULL)");
    let out = project.lback(&url, &["check"]);
    assert_eq!(out.status.code(), Some(3));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(
            "The database differs from its migrations in 2 place(s):\n  extra column \
             `d_cols.hotfix`\n  extra table `hotfix_table`\n"
        ),
        "{stdout}"
    );
}

/// A pending migration's tables are not drift; after migrating, drift is
/// warned about or refused as `MigrateOptions` says.
pub fn drift_and_migrate<T: Target>(target: &mut T, project: &Project)
where
    T::Conn: Introspect,
{
    let dir = drift_targets_applied(target, project);
    let mut next = drift_targets();
    next.upsert(
        Table::new("later")
            .with_column(id())
            .with_primary_key(["id"]),
    );
    write_migration(&dir, next, T::DIALECT, "later");
    let drift = check(target, &dir);
    assert!(drift.is_empty(), "{drift}");
    assert_eq!(drift.pending.len(), 1, "{drift}");
    assert!(drift.to_string().contains("1 migration(s) pending"));

    target.execute("ALTER TABLE d_cols ADD COLUMN hotfix TEXT");
    let migrations = Migrations::open(&dir).unwrap();
    let list: Vec<&dyn MigrationSql> = migrations
        .folders()
        .iter()
        .map(|f| f as &dyn MigrationSql)
        .collect();
    let snapshot = migrations.snapshot().unwrap();
    let report = runner::migrate(target.conn(), &list, MigrateOptions::default()).unwrap();
    assert_eq!(report.applied.len(), 1);
    let warned = drift::after_migrate(
        target.conn(),
        &snapshot,
        &list,
        MigrateOptions::default().warn_on_drift().on_drift,
        report.clone(),
    )
    .unwrap();
    assert_eq!(
        warned.warnings,
        ["drift: extra column `d_cols.hotfix`".to_owned()]
    );
    let refused = drift::after_migrate(
        target.conn(),
        &snapshot,
        &list,
        OnDrift::Refuse,
        report.clone(),
    )
    .unwrap_err();
    let message = refused.to_string();
    assert!(
        message.contains("  extra column `d_cols.hotfix`") && message.contains("_later"),
        "{message}"
    );
    let ignored = drift::after_migrate(
        target.conn(),
        &snapshot,
        &list,
        OnDrift::Ignore,
        report.clone(),
    )
    .unwrap();
    assert_eq!(ignored, report);
}
