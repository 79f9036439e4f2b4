//! Applying 1,000 small migrations to an empty database.
//!
//! Each iteration starts from a new database (a new SQLite file, a new
//! PostgreSQL schema; made and removed outside the timing) and measures:
//! `lback::migrate`; the floor, the same SQL executed directly on one
//! connection with each migration in its own transaction and nothing
//! recorded; and, for reference, diesel_migrations' `run_pending_migrations`.
//!
//! The figure held to the target comes from paired rounds (the three run
//! back to back, in rotating order, and the median of the rounds' ratios is
//! taken), because a database drifts over the minutes criterion's
//! benchmarks take one after the other; criterion's figures are shown too.
//!
//! The floor keeps one transaction per migration because that is what makes
//! a migration atomic, which every runner must give; without it SQLite would
//! commit each statement on its own and the floor would be slower, not faster.

use std::time::Duration;

use diesel::connection::LoadConnection;
use diesel::prelude::*;
use diesel_migrations::MigrationHarness;
use lback_core::runner::{MigrationSql, TrackedBackend};

mod support;
use support::{timed, Id, Suite};

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

fn apply<C>(suite: &mut Suite, group: &str, mut fresh: impl FnMut() -> C, mut done: impl FnMut(C))
where
    C: Connection + LoadConnection + MigrationHarness<C::Backend>,
    C::Backend: TrackedBackend,
{
    let scripts = scripts::<C::Backend>();
    let lback_work = |conn: &mut C| {
        let report = lback::migrate(conn).expect("lback::migrate");
        assert_eq!(report.applied.len(), MIGRATION_COUNT);
    };
    let floor_work = |conn: &mut C| {
        for sql in &scripts {
            conn.transaction(|conn| conn.batch_execute(sql))
                .expect("run a migration's SQL");
        }
    };
    let diesel_work = |conn: &mut C| {
        let ran = conn
            .run_pending_migrations(DIESEL_MIGRATIONS)
            .expect("run_pending_migrations");
        assert_eq!(ran.len(), MIGRATION_COUNT);
    };
    let label = group.trim_start_matches("apply_");

    // Paired rounds first: each round runs the three, in an order that
    // rotates, and the figure is the median of the rounds' ratios. A
    // database's speed drifts over minutes (PostgreSQL's catalogs grow and
    // are vacuumed as schemas of 2,000 objects come and go, checkpoints
    // come when they come), and criterion's benchmarks below run one after
    // the other: that drift lands on whichever runs first. Pairing cancels
    // it.
    let works: [&dyn Fn(&mut C); 3] = [&lback_work, &floor_work, &diesel_work];
    let mut times: [Vec<Duration>; 3] = Default::default();
    let mut vs_floor = Vec::new();
    let mut vs_diesel = Vec::new();
    for round in 0..rounds() {
        let mut t = [Duration::ZERO; 3];
        for k in 0..3 {
            let v = (round + k) % 3;
            t[v] = timed(1, &mut fresh, &mut done, works[v]);
            times[v].push(t[v]);
        }
        vs_floor.push(t[0].as_secs_f64() / t[1].as_secs_f64());
        vs_diesel.push(t[0].as_secs_f64() / t[2].as_secs_f64());
    }
    let [lback_times, floor_times, diesel_times] = times.map(|mut t| {
        t.sort();
        t[t.len() / 2]
    });
    let spread = |ratios: &[f64]| {
        let (low, high) = ratios
            .iter()
            .fold((f64::MAX, f64::MIN), |(l, h), r| (l.min(*r), h.max(*r)));
        format!("{low:.2}–{high:.2}×")
    };
    suite.note(format!(
        "{label}, paired rounds: {} rounds; lback vs floor per round {}, vs diesel_migrations {}; \
         the times shown are each one's median over the rounds",
        vs_floor.len(),
        spread(&vs_floor),
        spread(&vs_diesel)
    ));
    suite.row(
        &format!("apply {MIGRATION_COUNT} migrations, {label}: lback vs floor (paired rounds)"),
        &support::time(lback_times),
        &format!("floor {}", support::time(floor_times)),
        median(vs_floor),
        Some(1.15),
    );
    suite.row(
        &format!(
            "apply {MIGRATION_COUNT} migrations, {label}: lback vs diesel_migrations (paired rounds)"
        ),
        &support::time(lback_times),
        &format!("diesel_migrations {}", support::time(diesel_times)),
        median(vs_diesel),
        None,
    );

    let mut g = suite.criterion.benchmark_group(group);
    g.sample_size(10)
        .sampling_mode(criterion::SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(1))
        .measurement_time(Duration::from_secs(10));
    g.bench_function("lback_migrate", |b| {
        b.iter_custom(|iters| timed(iters, &mut fresh, &mut done, lback_work))
    });
    g.bench_function("floor", |b| {
        b.iter_custom(|iters| timed(iters, &mut fresh, &mut done, floor_work))
    });
    g.bench_function("diesel_migrations", |b| {
        b.iter_custom(|iters| timed(iters, &mut fresh, &mut done, diesel_work))
    });
    g.finish();

    suite.ratio(
        &format!(
            "apply {MIGRATION_COUNT} migrations, {label}: lback vs floor (criterion, one after the other)"
        ),
        Id(group, "lback_migrate"),
        Id(group, "floor"),
        None,
    );
    suite.ratio(
        &format!(
            "apply {MIGRATION_COUNT} migrations, {label}: lback vs diesel_migrations (criterion, one after the other)"
        ),
        Id(group, "lback_migrate"),
        Id(group, "diesel_migrations"),
        None,
    );
}

/// Rounds of the paired measurement: `LBACK_BENCH_ROUNDS`, by default 11.
fn rounds() -> usize {
    std::env::var("LBACK_BENCH_ROUNDS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(11)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
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
        let (mut admin, schema) =
            support::pg_scratch_noted(&mut suite, "apply", "a new schema per iteration");
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
