//! Startup with nothing pending: what every application start pays.
//!
//! 1,000 migrations are embedded and applied. Measured on one open
//! connection: `lback::migrate` (one query of the tracking table, checksums
//! verified, nothing to plan, so no lock taken), diesel_migrations'
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

diesel::table! {
    __diesel_schema_migrations (version) {
        version -> Text,
    }
}

fn startup<C>(
    suite: &mut Suite,
    group: &str,
    conn: &mut C,
    floor: fn(&mut C) -> Vec<String>,
    floor_typed: fn(&mut C) -> Vec<String>,
) where
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
    g.bench_function("floor_typed", |b| b.iter(|| black_box(floor_typed(conn))));
    // Not a figure of the issue: the one query lback's startup runs
    // (versions and checksums of the tracking table), to show what of
    // `lback_migrate` is the database's.
    g.bench_function("lback_query", |b| {
        b.iter(|| black_box(C::Backend::startup_read(conn).expect("startup read")))
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
        &figure(&format!("{label}: lback vs typed floor")),
        Id(group, "lback_migrate"),
        Id(group, "floor_typed"),
        None,
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

fn sqlite_floor_typed(conn: &mut SqliteConnection) -> Vec<String> {
    __diesel_schema_migrations::table
        .select(__diesel_schema_migrations::version)
        .load(conn)
        .expect("floor query")
}

#[cfg(feature = "postgres")]
fn pg_floor_typed(conn: &mut PgConnection) -> Vec<String> {
    __diesel_schema_migrations::table
        .select(__diesel_schema_migrations::version)
        .load(conn)
        .expect("floor query")
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

/// Repetitions of the work in one instruction count.
const COUNTED_RUNS: usize = 100;

/// `LBACK_BENCH_ONCE=<lback_migrate|diesel_migrations|floor|floor_typed|lback_query>`:
/// applies the migrations to a SQLite file, then runs that work
/// [`COUNTED_RUNS`] times inside [`counted_work`] and exits, for an
/// instruction count (`valgrind --tool=callgrind
/// --toggle-collect=*counted_work*`; `run.sh` does it). Counts do not
/// depend on caches or on other processes, so they show lback's own share
/// of a start without the noise of timings in microseconds.
fn run_once(what: &str) {
    let path = support::fresh_sqlite_file("startup-once.db");
    let mut conn = SqliteConnection::establish(path.to_str().expect("UTF-8 path"))
        .expect("open the SQLite file");
    lback::migrate(&mut conn).expect("apply the generated migrations");
    // One more run first (counted too): it fills the statement cache and
    // sets lback's busy timeout, as an application's first start does.
    counted_work(what, &mut conn);
    let rows = (0..COUNTED_RUNS)
        .map(|_| counted_work(what, &mut conn))
        .sum::<usize>();
    println!("{what}: {rows} rows in {COUNTED_RUNS} runs");
    drop(conn);
    support::remove_sqlite_file(&path);
}

#[inline(never)]
fn counted_work(what: &str, conn: &mut SqliteConnection) -> usize {
    match what {
        "lback_migrate" => {
            let report = lback::migrate(conn).expect("lback::migrate");
            assert!(report.is_empty());
            MIGRATION_COUNT
        }
        "diesel_migrations" => {
            let ran = conn
                .run_pending_migrations(DIESEL_MIGRATIONS)
                .expect("run_pending_migrations");
            assert!(ran.is_empty());
            MIGRATION_COUNT
        }
        "floor" => sqlite_floor(conn).len(),
        "floor_typed" => sqlite_floor_typed(conn).len(),
        "lback_query" => <diesel::sqlite::Sqlite as TrackedBackend>::startup_read(conn)
            .expect("startup read")
            .applied
            .len(),
        other => panic!("unknown work `{other}`"),
    }
}

fn main() {
    if let Ok(what) = std::env::var("LBACK_BENCH_ONCE") {
        return run_once(&what);
    }
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
    startup(
        &mut suite,
        "startup_sqlite",
        &mut conn,
        sqlite_floor,
        sqlite_floor_typed,
    );
    drop(conn);
    support::remove_sqlite_file(&path);

    #[cfg(feature = "postgres")]
    {
        let (mut conn, schema) =
            support::pg_scratch_noted(&mut suite, "startup", "a scratch schema");
        startup(
            &mut suite,
            "startup_postgres",
            &mut conn,
            pg_floor,
            pg_floor_typed,
        );
        support::pg_drop_schema(&mut conn, &schema);
    }

    suite.finish();
}
