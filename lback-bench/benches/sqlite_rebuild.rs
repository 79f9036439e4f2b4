//! SQLite table rebuild: changing a column's type on a table of 1,000,000
//! rows (`items.quantity` from INTEGER to BIGINT; SQLite has no ALTER
//! COLUMN, so the table is rebuilt).
//!
//! Both sides run under the same protocol, the one SQLite documents and
//! lback's runner follows: `PRAGMA foreign_keys = OFF` outside the
//! transaction, the rebuild in one transaction, a foreign key check before
//! `COMMIT`, the pragma restored afterwards.
//!
//! - `lback`: the SQL lback renders for the change (diff + render), applied
//!   by lback's runner (`runner::migrate`, which also records the version
//!   and checksum and checks the foreign keys of the whole database).
//! - `hand_written`: the rebuild written by hand following SQLite's
//!   documentation (create, copy, drop, rename, indexes), then `PRAGMA
//!   foreign_key_check`, copying with `INSERT INTO items_new SELECT * FROM
//!   items`, which SQLite runs with its transfer optimization (rows copied
//!   without decoding them). That is only right when the table's columns
//!   are in the new table's order, which the person writing it knows.
//! - `hand_written_columns`: the same, copying with named columns (as lback
//!   does, since it does not manage column order and cannot know the
//!   database's), which SQLite's transfer optimization does not apply to.
//!
//! Each iteration works on a fresh copy of a prepared database file (the
//! copy is not timed).

use std::borrow::Cow;
use std::path::Path;
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use lback_core::diff::diff;
use lback_core::runner::{MigrateOptions, MigrationSql};
use lback_core::schema::{Column, ColumnType, DefaultValue, ReferentialAction, Schema, Table};
use lback_core::sql::{render, Dialect, Rendered};
use lback_core::Error;

mod support;
use support::{Id, Suite};

const ROWS: u64 = 1_000_000;
const CATEGORIES: u64 = 100;

fn items(quantity: ColumnType) -> Table {
    Table::new("items")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("category_id", ColumnType::BigInt))
        .with_column(Column::new("sku", ColumnType::Varchar(32)))
        .with_column(Column::new("name", ColumnType::Varchar(100)))
        .with_column(Column::new("quantity", quantity).with_default(DefaultValue::Int(0)))
        .with_column(Column::new("price", ColumnType::Double))
        .with_column(Column::new("created_at", ColumnType::Timestamp))
        .with_primary_key(["id"])
        .with_index(support::index("ix_items_name", &["name"]))
        .with_unique(support::unique("uq_items_sku", &["sku"]))
        .with_foreign_key(support::foreign_key(
            "fk_items_category_id",
            "category_id",
            "categories",
            ReferentialAction::Cascade,
        ))
}

fn schema(quantity: ColumnType) -> Schema {
    let categories = Table::new("categories")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("name", ColumnType::Varchar(100)))
        .with_primary_key(["id"]);
    Schema::from_tables([categories, items(quantity)]).expect("two tables")
}

/// What a person writes for the same change, following SQLite's
/// "Making Other Kinds Of Table Schema Changes"; `{copy}` is one of the
/// two copies below.
const HAND_WRITTEN: &str = r#"
CREATE TABLE items_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  category_id BIGINT NOT NULL REFERENCES categories (id) ON DELETE CASCADE,
  sku VARCHAR(32) NOT NULL,
  name VARCHAR(100) NOT NULL,
  quantity BIGINT NOT NULL DEFAULT 0,
  price DOUBLE NOT NULL,
  created_at TIMESTAMP NOT NULL
);
{copy};
DROP TABLE items;
ALTER TABLE items_new RENAME TO items;
CREATE UNIQUE INDEX uq_items_sku ON items (sku);
CREATE INDEX ix_items_name ON items (name);
"#;

const COPY_ALL: &str = "INSERT INTO items_new SELECT * FROM items";
const COPY_COLUMNS: &str = "INSERT INTO items_new \
     (id, category_id, sku, name, quantity, price, created_at) \
     SELECT id, category_id, sku, name, quantity, price, created_at FROM items";

/// The rendered change as a migration for lback's runner.
struct Rebuild(Rendered, String);

impl MigrationSql for Rebuild {
    fn version(&self) -> &str {
        "20260201000000"
    }
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed("20260201000000_widen_quantity")
    }
    fn up(&self, _: Dialect) -> Result<Cow<'_, str>, Error> {
        Ok(Cow::Borrowed(&self.1))
    }
    fn down(&self, _: Dialect) -> Result<Option<Cow<'_, str>>, Error> {
        Ok(None)
    }
    fn needs_foreign_keys_off(&self, _: Dialect) -> bool {
        self.0.needs_foreign_keys_off
    }
    fn tables(&self) -> Vec<&str> {
        vec!["items"]
    }
}

fn open(path: &Path) -> SqliteConnection {
    let mut conn =
        SqliteConnection::establish(path.to_str().expect("UTF-8 path")).expect("open SQLite");
    conn.batch_execute("PRAGMA foreign_keys = ON")
        .expect("foreign keys on");
    conn
}

/// The prepared database: both tables (lback's SQL), filled, and the
/// tracking tables lback's runner reads.
fn prepare(path: &Path, before: &Schema) {
    support::remove_sqlite_file(path);
    let mut conn = open(path);
    let empty = Schema::new();
    let create = render(&diff(&empty, before), &empty, Dialect::Sqlite).to_sql();
    conn.batch_execute(&create).expect("create the tables");
    conn.batch_execute(&format!(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {CATEGORIES})
         INSERT INTO categories (id, name) SELECT i, 'category ' || i FROM n;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
         INSERT INTO items (id, category_id, sku, name, quantity, price, created_at)
         SELECT i, 1 + i % {CATEGORIES}, printf('SKU-%09d', i), 'item number ' || i,
                i % 1000, (i % 100000) / 100.0, '2026-01-01 00:00:00'
         FROM n;
         COMMIT;"
    ))
    .expect("fill the tables");
    lback_core::runner::Tracking::read(&mut conn, lback_core::runner::Access::SetUp)
        .expect("create lback's tracking tables");
}

fn hand_written(conn: &mut SqliteConnection, copy: &str) {
    conn.batch_execute("PRAGMA foreign_keys = OFF")
        .expect("foreign keys off");
    conn.transaction(|conn| {
        conn.batch_execute(&HAND_WRITTEN.replace("{copy}", copy))?;
        #[derive(QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let broken = diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
            .get_result::<Count>(conn)?;
        assert_eq!(broken.n, 0);
        diesel::QueryResult::Ok(())
    })
    .expect("hand-written rebuild");
    conn.batch_execute("PRAGMA foreign_keys = ON")
        .expect("foreign keys on");
}

fn main() {
    let mut suite = Suite::new("sqlite_rebuild");
    let before = schema(ColumnType::Integer);
    let after = schema(ColumnType::BigInt);
    let rendered = render(&diff(&before, &after), &before, Dialect::Sqlite);
    assert!(rendered.needs_foreign_keys_off, "a type change rebuilds");
    let migration = Rebuild(rendered.clone(), rendered.to_sql());

    let template = support::scratch_dir("tmp").join("rebuild-template.db");
    let work = support::scratch_dir("tmp").join("rebuild-work.db");
    prepare(&template, &before);
    let mut fresh = || {
        support::remove_sqlite_file(&work);
        std::fs::copy(&template, &work).expect("copy the prepared database");
        open(&work)
    };
    {
        let mut conn = fresh();
        suite.note(format!(
            "SQLite {} (bundled), a file on disk, default pragmas; `items`: {ROWS} rows, \
             7 columns, a unique and a plain index, a foreign key to `categories` \
             ({CATEGORIES} rows)",
            support::sqlite_version(&mut conn)
        ));
    }

    let mut g = suite.criterion.benchmark_group("sqlite_rebuild");
    // Disk-bound and seconds long: 20 samples of one rebuild each.
    g.sample_size(20)
        .sampling_mode(criterion::SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(30));
    let mut timed = |iters: u64, work: &dyn Fn(&mut SqliteConnection)| {
        support::timed(iters, &mut fresh, &mut drop, work)
    };
    g.bench_function("lback", |b| {
        b.iter_custom(|iters| {
            timed(iters, &|conn| {
                let report = lback_core::runner::migrate(
                    conn,
                    &[&migration as &dyn MigrationSql],
                    MigrateOptions::default(),
                )
                .expect("lback's rebuild");
                assert_eq!(report.applied.len(), 1);
            })
        })
    });
    g.bench_function("hand_written", |b| {
        b.iter_custom(|iters| timed(iters, &|conn| hand_written(conn, COPY_ALL)))
    });
    g.bench_function("hand_written_columns", |b| {
        b.iter_custom(|iters| timed(iters, &|conn| hand_written(conn, COPY_COLUMNS)))
    });
    g.finish();
    support::remove_sqlite_file(&work);

    suite.ratio(
        &format!("SQLite rebuild (column type change), {ROWS} rows: lback vs hand-written"),
        Id("sqlite_rebuild", "lback"),
        Id("sqlite_rebuild", "hand_written"),
        Some(1.1),
    );
    suite.ratio(
        &format!(
            "SQLite rebuild, {ROWS} rows: lback vs hand-written with named columns \
             (no transfer optimization)"
        ),
        Id("sqlite_rebuild", "lback"),
        Id("sqlite_rebuild", "hand_written_columns"),
        None,
    );
    suite.note(format!(
        "lback's SQL ({} statements): {}",
        rendered.statements.len(),
        rendered
            .statements
            .iter()
            .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("; ")
    ));
    suite.finish();
}
