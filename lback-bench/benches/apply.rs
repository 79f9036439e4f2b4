//! Applying 1,000 small migrations to an empty database.
//!
//! Each iteration starts from a new database (a new SQLite file, a new
//! PostgreSQL schema; made and removed outside the timing) and measures:
//! `lback::migrate`; the floor, the same SQL executed directly on one
//! connection with each migration in its own transaction and nothing
//! recorded; and, for reference, diesel_migrations' `run_pending_migrations`.
//!
//! The floor keeps one transaction per migration because that is what makes
//! a migration atomic, which every runner must give; without it SQLite would
//! commit each statement on its own and the floor would be slower, not faster.

use std::time::{Duration, Instant};

use diesel::connection::LoadConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use lback_core::runner::{MigrationSql, TrackedBackend};

mod support;
use support::{Id, Suite};

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// Every embedded migration's up SQL for the backend, fetched before timing.
fn scripts<DB: TrackedBackend>() -> Vec<&'static str> {
    let set = lback_core::runner::embedded().expect("the migrations are embedded");
    set.migrations
        .iter()
        .map(|m| match m.up(DB::DIALECT).expect("up SQL") {
            std::borrow::Cow::Borrowed(sql) => sql,
            std::borrow::Cow::Owned(_) => unreachable!("embedded SQL is static"),
        })
        .collect()
}

/// Runs `work` on a fresh database per iteration; only `work` is timed.
fn timed<C>(
    iterations: u64,
    fresh: &mut impl FnMut() -> C,
    done: &mut impl FnMut(C),
    work: impl Fn(&mut C),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let mut conn = fresh();
        let start = Instant::now();
        work(&mut conn);
        total += start.elapsed();
        done(conn);
    }
    total
}

fn apply<C>(suite: &mut Suite, group: &str, mut fresh: impl FnMut() -> C, mut done: impl FnMut(C))
where
    C: Connection + LoadConnection + MigrationHarness<C::Backend>,
    C::Backend: TrackedBackend,
{
    let scripts = scripts::<C::Backend>();
    let mut g = suite.criterion.benchmark_group(group);
    // One iteration applies 1,000 migrations (seconds on a disk): few samples.
    g.sample_size(10)
        .sampling_mode(criterion::SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("lback_migrate", |b| {
        b.iter_custom(|iters| {
            timed(iters, &mut fresh, &mut done, |conn| {
                let report = lback::migrate(conn).expect("lback::migrate");
                assert_eq!(report.applied.len(), MIGRATION_COUNT);
            })
        })
    });
    g.bench_function("floor", |b| {
        b.iter_custom(|iters| {
            timed(iters, &mut fresh, &mut done, |conn| {
                for sql in &scripts {
                    conn.transaction(|conn| conn.batch_execute(sql))
                        .expect("run a migration's SQL");
                }
            })
        })
    });
    g.bench_function("diesel_migrations", |b| {
        b.iter_custom(|iters| {
            timed(iters, &mut fresh, &mut done, |conn| {
                let ran = conn
                    .run_pending_migrations(DIESEL_MIGRATIONS)
                    .expect("run_pending_migrations");
                assert_eq!(ran.len(), MIGRATION_COUNT);
            })
        })
    });
    g.finish();

    let label = group.trim_start_matches("apply_");
    suite.ratio(
        &format!("apply {MIGRATION_COUNT} migrations, {label}: lback vs floor"),
        Id(group, "lback_migrate"),
        Id(group, "floor"),
        Some(1.15),
    );
    suite.ratio(
        &format!("apply {MIGRATION_COUNT} migrations, {label}: lback vs diesel_migrations"),
        Id(group, "lback_migrate"),
        Id(group, "diesel_migrations"),
        None,
    );
}

fn main() {
    let mut suite = Suite::new("apply");
    suite.note(format!(
        "{MIGRATION_COUNT} migrations (each: CREATE TABLE + CREATE INDEX) on an empty \
         database made outside the timing; floor = each migration's SQL in its own \
         transaction on one connection, nothing recorded"
    ));

    let path = support::fresh_sqlite_file("apply.db");
    let url = path.to_str().expect("UTF-8 path").to_owned();
    let mut probe = SqliteConnection::establish(&url).expect("open the SQLite file");
    suite.note(format!(
        "SQLite {} (bundled), a file on disk, default pragmas (rollback journal, \
         synchronous = FULL)",
        support::sqlite_version(&mut probe)
    ));
    drop(probe);
    apply(
        &mut suite,
        "apply_sqlite",
        || {
            support::remove_sqlite_file(&path);
            SqliteConnection::establish(&url).expect("open the SQLite file")
        },
        drop,
    );
    support::remove_sqlite_file(&path);

    #[cfg(feature = "postgres")]
    {
        let (mut admin, schema) = support::pg_scratch("apply");
        suite.note(format!(
            "PostgreSQL {} on loopback TCP, a new schema per iteration",
            support::pg_version(&mut admin)
        ));
        let url = support::pg_url();
        apply(
            &mut suite,
            "apply_postgres",
            || {
                let mut conn = PgConnection::establish(&url).expect("connect to PostgreSQL");
                support::pg_reset_schema(&mut conn, &schema);
                conn
            },
            |mut conn: PgConnection| support::pg_drop_schema(&mut conn, &schema),
        );
        support::pg_drop_schema(&mut admin, &schema);
    }

    suite.finish();
}
