//! The oracle for lback's schema.rs is diesel itself: a database is
//! migrated with lback's migration for a schema using every column type
//! lback maps, `diesel print-schema` reads it back, and its output must be
//! exactly lback's schema.rs, up to the header and the differences
//! ARCHITECTURE.md lists as deliberate. SQLite, PostgreSQL and MariaDB.
//!
//! Needs the `diesel` command (diesel_cli, installed by `.ci/run`) and the
//! servers of `PG_DATABASE_URL` / `MYSQL_DATABASE_URL`; fails without them.

use crate::db;

use std::path::Path;
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::Connection;
use lback_core::migrations::{Draft, Migrations};
use lback_core::schema::{
    Column, ColumnType, ForeignKey, ReferentialAction, Schema, Table, UniqueConstraint,
};
use lback_core::schema_rs::{render, SchemaFile};
use lback_core::sql::Dialect;

fn fk(child: &str, column: &str, parent: &str) -> ForeignKey {
    ForeignKey {
        name: format!("fk_{child}_{column}").replace(' ', "_").into(),
        columns: vec![column.to_owned().into()].into(),
        referenced_table: parent.to_owned().into(),
        referenced_columns: vec!["id".into()].into(),
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
    }
}

/// Every type lback maps (both nullabilities), keyword and odd names, a
/// composite key, foreign keys diesel can and cannot express.
fn schema(dialect: Dialect) -> Schema {
    use ColumnType as T;
    let mut every = Table::new("every_type")
        .with_column(Column::new("id", T::BigInt).auto_increment())
        .with_primary_key(["id"]);
    let mut types = vec![
        T::SmallInt,
        T::Integer,
        T::BigInt,
        T::Real,
        T::Double,
        T::Boolean,
        T::Text,
        T::Varchar(120),
        T::Binary,
        T::Date,
        T::Time,
        T::Timestamp,
        T::Decimal {
            precision: Some(12),
            scale: Some(3),
        },
    ];
    // diesel print-schema cannot read these on SQLite at all (it stops
    // with "unsupported type"): lback's choices there are documented.
    if dialect != Dialect::Sqlite {
        types.extend([T::TimestampTz, T::Uuid, T::Json]);
    }
    for ty in &types {
        let name = ty
            .to_string()
            .replace(['(', ')', ','], "_")
            .trim_end_matches('_')
            .to_owned();
        every = every
            .with_column(Column::new(format!("{name}_value"), ty.clone()))
            .with_column(Column::new(format!("{name}_or_null"), ty.clone()).nullable());
    }
    let users = Table::new("users")
        .with_column(Column::new("id", T::BigInt).auto_increment())
        .with_column(Column::new("type", T::Varchar(20)))
        .with_column(Column::new("users", T::Text).nullable())
        .with_column(Column::new("Mixed Case", T::Integer))
        .with_primary_key(["id"]);
    let posts = Table::new("posts")
        .with_column(Column::new("id", T::BigInt).auto_increment())
        .with_column(Column::new("author_id", T::BigInt))
        .with_column(Column::new("editor_id", T::BigInt).nullable())
        .with_column(Column::new("reviewer_id", T::BigInt).nullable())
        .with_primary_key(["id"])
        .with_foreign_key(fk("posts", "author_id", "users"))
        .with_foreign_key(fk("posts", "editor_id", "every_type"))
        .with_foreign_key(fk("posts", "reviewer_id", "posts"));
    let tags = Table::new("post tags")
        .with_column(Column::new("post_id", T::BigInt))
        .with_column(Column::new("tag", T::Varchar(40)))
        .with_primary_key(["post_id", "tag"])
        .with_unique(UniqueConstraint {
            name: "uq_post_tags_tag".into(),
            columns: vec!["tag".into(), "post_id".into()].into(),
        })
        .with_foreign_key(fk("post tags", "post_id", "posts"));
    // Types written with `sql_type`, as each database reports them.
    let custom: &[&str] = match dialect {
        Dialect::Sqlite => &["datetime", "varchar(8)", "int8", "clob"],
        // `mood` is an enum the test creates first: a type of the
        // database's own, declared in diesel's `sql_types` module.
        Dialect::Postgres => &["inet", "text[]", "mood", "character varying(7)"],
        Dialect::Mysql => &["enum('a','b')", "tinyint(1)", "mediumtext", "int unsigned"],
    };
    let mut custom_table = Table::new("customs")
        .with_column(Column::new("id", T::BigInt).auto_increment())
        .with_primary_key(["id"]);
    for (i, sql) in custom.iter().enumerate() {
        custom_table = custom_table
            .with_column(Column::new(
                format!("c{i}"),
                T::Custom((*sql).to_owned().into()),
            ))
            .with_column(
                Column::new(format!("c{i}_or_null"), T::Custom((*sql).to_owned().into()))
                    .nullable(),
            );
    }
    Schema::from_tables([every, users, posts, tags, custom_table]).unwrap()
}

/// lback's migration SQL for the schema, from an empty project.
fn migration(schema: &Schema, dialect: Dialect) -> String {
    let migrations = Migrations::open(Path::new("no/such/migrations")).unwrap();
    let draft = Draft::new(&migrations, schema.clone()).unwrap();
    draft.check_dialects(&[dialect]).unwrap();
    let (_, up, _) = draft.sql(&[dialect]).remove(0);
    up.to_sql()
}

/// The project's diesel.toml, read by both diesel_cli and lback.
fn write_config(dir: &Path) {
    std::fs::write(
        dir.join("diesel.toml"),
        "[print_schema]\n\
         file = \"src/schema.rs\"\n\
         # lback writes an i64 primary key as BigInt; diesel reads SQLite's\n\
         # INTEGER PRIMARY KEY as Integer unless told.\n\
         sqlite_integer_primary_key_is_bigint = true\n\
         custom_type_derives = [\"diesel::query_builder::QueryId\", \"Clone\", \"Debug\"]\n\
         import_types = [\"diesel::sql_types::*\"]\n",
    )
    .unwrap();
}

/// What `diesel print-schema` prints for the database at `url`.
fn print_schema(url: &str, dir: &Path) -> String {
    let config = dir.join("diesel.toml");
    let output = Command::new("diesel")
        .current_dir(dir)
        .args(["print-schema", "--database-url", url, "--config-file"])
        .arg(&config)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `diesel` ({e}): install diesel_cli (`cargo install diesel_cli \
                 --no-default-features --features postgres,sqlite,mysql`; .ci/run does)"
            )
        });
    assert!(
        output.status.success(),
        "diesel print-schema failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// lback's schema.rs without its header, with the documented deliberate
/// differences turned into what diesel prints.
fn as_diesel_prints(lback: &str, dialect: Dialect, mariadb: bool) -> String {
    let body: String = lback
        .lines()
        .skip_while(|l| l.starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut text = format!("// @generated automatically by Diesel CLI.\n{body}");
    if dialect == Dialect::Sqlite {
        // diesel_cli's SQLite affinity rule reads DECIMAL as Double; lback
        // writes Numeric, the type diesel maps BigDecimal from.
        text = text.replace("-> Numeric,", "-> Double,");
        text = text.replace("-> Nullable<Numeric>,", "-> Nullable<Double>,");
    }
    if mariadb {
        // MariaDB reports JSON as LONGTEXT; lback writes Json, the type
        // serde_json::Value maps from.
        text = text.replace("-> Json,", "-> Longtext,");
        text = text.replace("-> Nullable<Json>,", "-> Nullable<Longtext>,");
    }
    text
}

fn compare(dialect: Dialect, url: &str, conn: &mut impl SimpleConnection, mariadb: bool) {
    let schema = schema(dialect);
    let mut sql = migration(&schema, dialect);
    if dialect == Dialect::Postgres {
        sql = format!("CREATE TYPE mood AS ENUM ('sad', 'ok');\n{sql}");
    }
    if let Err(e) = conn.batch_execute(&sql) {
        panic!("lback's migration failed on {dialect}: {e}\n{sql}");
    }
    let dir = tempdir(dialect.name());
    write_config(&dir);
    let file = SchemaFile::locate(&dir, None).unwrap().unwrap();
    assert_eq!(file.path, dir.join("src/schema.rs"));
    let lback = render(&schema, &[dialect], &file.options).unwrap();
    let diesel = print_schema(url, &dir);
    let expected = as_diesel_prints(&lback, dialect, mariadb);
    if diesel != expected {
        let diff = lback_core::schema_rs::differences(&expected, &diesel, 60);
        panic!(
            "on {dialect}, diesel print-schema (-) and lback (+) differ:\n{}\n\n--- diesel:\n{diesel}\n--- lback:\n{expected}",
            diff.join("\n")
        );
    }
    // The schema really has what the comparison is about.
    for needle in [
        "#[sql_name = \"post tags\"]",
        "post_tags (post_id, tag)",
        "#[sql_name = \"type\"]",
        "type_ -> ",
        "users_ -> Nullable<",
        "#[sql_name = \"Mixed Case\"]",
        "diesel::joinable!(posts -> users (author_id));",
        "diesel::joinable!(post_tags -> posts (post_id));",
    ] {
        assert!(diesel.contains(needle), "{needle} missing:\n{diesel}");
    }
    let own_type = match dialect {
        Dialect::Sqlite => "c0 -> Timestamp,",
        Dialect::Postgres => "use super::sql_types::Mood;",
        Dialect::Mysql => "#[diesel(mysql_type(name = \"Enum\"))]",
    };
    assert!(diesel.contains(own_type), "{own_type} missing:\n{diesel}");
    assert!(
        !diesel.contains("joinable!(posts -> posts") && !diesel.contains("reviewer_id))"),
        "{diesel}"
    );
}

fn tempdir(prefix: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(db::unique_name(&format!("lback_oracle_{prefix}")));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn sqlite_schema_rs_is_what_diesel_print_schema_prints() {
    let dir = tempdir("sqlite_db");
    let path = dir.join("oracle.db");
    let url = path.to_str().unwrap().to_owned();
    let mut conn = diesel::SqliteConnection::establish(&url).unwrap();
    compare(Dialect::Sqlite, &url, &mut conn, false);
}

#[test]
fn postgres_schema_rs_is_what_diesel_print_schema_prints() {
    // A database of its own: print-schema reads the `public` schema.
    let url = db::server_url("PG_DATABASE_URL");
    let name = db::unique_name("lback_oracle");
    let mut admin = diesel::PgConnection::establish(&url).unwrap();
    db::exec(&mut admin, &format!("CREATE DATABASE \"{name}\""));
    let scratch = db::with_database(&url, &name);
    let result = std::panic::catch_unwind(|| {
        let mut conn = diesel::PgConnection::establish(&scratch).unwrap();
        compare(Dialect::Postgres, &scratch, &mut conn, false);
    });
    let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

#[test]
fn mariadb_schema_rs_is_what_diesel_print_schema_prints() {
    let (mut conn, scratch) = db::mysql();
    let url = db::with_database(&db::server_url("MYSQL_DATABASE_URL"), &scratch.database);
    let version: String = {
        use diesel::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        diesel::sql_query("SELECT VERSION() AS v")
            .get_result::<V>(&mut conn)
            .unwrap()
            .v
    };
    compare(
        Dialect::Mysql,
        &url,
        &mut conn,
        version.to_lowercase().contains("mariadb"),
    );
}
