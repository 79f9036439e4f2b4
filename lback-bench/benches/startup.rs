//! Startup with nothing pending: what every application start pays.
//!
//! 1,000 migrations are embedded and applied. Measured on one open
//! connection: `lback::migrate` (lock, one query of the tracking table,
//! checksums verified, nothing to plan), diesel_migrations'
//! `run_pending_migrations` on the same folder, and the floor: one query
//! reading every version of the tracking table. Also lback's tracking query
//! alone, to tell lback's own work from the database's.

use std::hint::black_box;

use diesel::connection::LoadConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use lback_core::runner::TrackedBackend;

mod support;
use support::{Id, Suite};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

const FLOOR_SQL: &str = "SELECT version FROM __diesel_schema_migrations";

fn startup<C>(suite: &mut Suite, group: &str, conn: &mut C, floor: fn(&mut C) -> Vec<String>)
where
    C: Connection + LoadConnection + MigrationHarness<C::Backend>,
    C::Backend: TrackedBackend,
{
    let report = lback::migrate(conn).expect("apply the generated migrations");
    assert_eq!(report.applied.len(), MIGRATION_COUNT);
    assert!(
        conn.run_pending_migrations(DIESEL_MIGRATIONS)
            .expect("diesel_migrations reads lback's tracking table")
            .is_empty(),
        "diesel_migrations finds nothing pending either"
    );
    assert_eq!(floor(conn).len(), MIGRATION_COUNT);

    let mut g = suite.criterion.benchmark_group(group);
    g.bench_function("lback_migrate", |b| {
        b.iter(|| {
            let report = lback::migrate(conn).expect("lback::migrate");
            assert!(report.is_empty());
            black_box(report)
        })
    });
    g.bench_function("diesel_migrations", |b| {
        b.iter(|| {
            let ran = conn
                .run_pending_migrations(DIESEL_MIGRATIONS)
                .expect("run_pending_migrations");
            assert!(ran.is_empty());
            black_box(ran.len())
        })
    });
    g.bench_function("floor", |b| b.iter(|| black_box(floor(conn))));
    // Not a figure of the issue: the one query lback's startup runs (the
    // tracking table joined with lback's checksums), to show what of
    // `lback_migrate` is the database's.
    g.bench_function("lback_query", |b| {
        b.iter(|| black_box(lback_core::runner::tracking(conn).expect("tracking")))
    });
    g.finish();

    let figure = |what: &str| format!("startup, nothing pending, {what}");
    let label = group.trim_start_matches("startup_");
    suite.ratio(
        &figure(&format!("{label}: lback vs diesel_migrations")),
        Id(group, "lback_migrate"),
        Id(group, "diesel_migrations"),
        Some(1.0),
    );
    suite.ratio(
        &figure(&format!("{label}: lback vs floor")),
        Id(group, "lback_migrate"),
        Id(group, "floor"),
        Some(2.0),
    );
    suite.ratio(
        &figure(&format!("{label}: lback's query alone vs floor")),
        Id(group, "lback_query"),
        Id(group, "floor"),
        None,
    );
    suite.ratio(
        &figure(&format!("{label}: diesel_migrations vs floor")),
        Id(group, "diesel_migrations"),
        Id(group, "floor"),
        None,
    );
}

fn sqlite_floor(conn: &mut SqliteConnection) -> Vec<String> {
    let rows: Vec<Version> = diesel::sql_query(FLOOR_SQL)
        .load(conn)
        .expect("floor query");
    rows.into_iter().map(|r| r.version).collect()
}

#[cfg(feature = "postgres")]
fn pg_floor(conn: &mut PgConnection) -> Vec<String> {
    let rows: Vec<Version> = diesel::sql_query(FLOOR_SQL)
        .load(conn)
        .expect("floor query");
    rows.into_iter().map(|r| r.version).collect()
}

fn main() {
    let mut suite = Suite::new("startup");
    suite.note(format!(
        "{MIGRATION_COUNT} applied migrations embedded (each: CREATE TABLE + CREATE INDEX); \
         one open connection; floor = `{FLOOR_SQL}`, every row loaded"
    ));

    let path = support::fresh_sqlite_file("startup.db");
    let mut conn = SqliteConnection::establish(path.to_str().expect("UTF-8 path"))
        .expect("open the SQLite file");
    suite.note(format!(
        "SQLite {} (bundled), a file on disk, default pragmas",
        support::sqlite_version(&mut conn)
    ));
    startup(&mut suite, "startup_sqlite", &mut conn, sqlite_floor);
    drop(conn);
    support::remove_sqlite_file(&path);

    #[cfg(feature = "postgres")]
    {
        let (mut conn, schema) = support::pg_scratch("startup");
        suite.note(format!(
            "PostgreSQL {} on loopback TCP, a scratch schema",
            support::pg_version(&mut conn)
        ));
        startup(&mut suite, "startup_postgres", &mut conn, pg_floor);
        support::pg_drop_schema(&mut conn, &schema);
    }

    suite.finish();
}
