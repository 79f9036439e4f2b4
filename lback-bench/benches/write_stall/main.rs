//! Availability during a migration: how long writers stall while lback
//! changes the schema of a big table they keep writing to.
//!
//! For each database (PostgreSQL; MariaDB/MySQL with the `mysql` feature)
//! and each change, one at a time, on a fresh copy of the tables:
//!
//! 1. lback writes a migrations folder, as `makemigrations` does (`Draft`,
//!    `Migrations::write`): one migration creating `items` and its parent
//!    `accounts`, then the change's. With the project setting
//!    `online_ddl` off (*plain*: `sql::render`, the blocking DDL a person
//!    writes) or on (*online*: `sql::render_with(.., &RenderOptions {
//!    online: true })`; on PostgreSQL the part that cannot run in a
//!    transaction becomes a migration of its own with
//!    `run_in_transaction = false`, which the runner applies statement by
//!    statement in autocommit);
//! 2. lback's runner creates the tables, which are filled in one statement
//!    (`generate_series` / MariaDB's `seq_1_to_N`; 1,000,000 rows by
//!    default), then vacuumed/analyzed and checkpointed;
//! 3. several writers (threads, each with its own connection) insert and
//!    update `items` as fast as they can, each write its own autocommit
//!    statement, every write's start and end recorded;
//! 4. after a warm-up, lback's runner (`runner::migrate`, the default
//!    options: lback's lock timeout) applies the change's migration(s),
//!    and the writers keep going for a moment after it;
//! 5. the schema is read back and must match the models, nothing left
//!    over; no write may have failed.
//!
//! Both forms go through the same runner with the same options, so the
//! SQL is the only difference.
//!
//! Figures per change and form, over the writes that overlap the
//! migration: the longest stall (the largest gap between two consecutive
//! completed writes of one writer), the slowest single write, and the p99
//! write latency; the same before the change (the noise floor).
//!
//! Settings (environment): `LBACK_STALL_ROWS` (default 1000000),
//! `LBACK_STALL_WRITERS` (default 4), `LBACK_STALL_ROUNDS` (default 3:
//! every case that many times, medians reported), `LBACK_STALL_WARMUP_MS` (default
//! 1000: writing before the change starts, also the baseline),
//! `LBACK_STALL_DATABASES` (default: every one compiled in, e.g.
//! `postgres,mysql`). A positional argument filters the cases by name
//! (`write_stall/postgres/add_index/online`). The results go to
//! `target/lback-bench/results/write_stall.md`.

use std::thread;
use std::time::Duration;

#[path = "../support/mod.rs"]
mod support;

mod cases;
mod report;
mod schemas;
mod servers;
mod writers;

/// The target for every change a database can make online.
const TARGET: Duration = Duration::from_millis(100);
/// Rows of `accounts`, the parent of the foreign key.
const ACCOUNTS: u64 = 1000;

// ---------------------------------------------------------------- settings

/// The run's settings: the environment's, and the command line's filters.
struct Config {
    rows: u64,
    writers: usize,
    rounds: usize,
    warmup: Duration,
    /// Writing after the migration returned.
    cooldown: Duration,
    filters: Vec<String>,
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().unwrap_or_else(|_| {
            panic!("{name}={text:?} is not a whole number (unset it for the default, {default})")
        }),
        _ => default,
    }
}

impl Config {
    fn from_env() -> Self {
        let rows = env_number("LBACK_STALL_ROWS", 1_000_000);
        let writers = env_number("LBACK_STALL_WRITERS", 4);
        assert!(
            rows >= ACCOUNTS,
            "LBACK_STALL_ROWS={rows}: at least {ACCOUNTS} rows"
        );
        assert!(writers >= 1, "LBACK_STALL_WRITERS=0: at least one writer");
        Config {
            rows,
            writers: writers as usize,
            rounds: env_number("LBACK_STALL_ROUNDS", 3).max(1) as usize,
            warmup: Duration::from_millis(env_number("LBACK_STALL_WARMUP_MS", 1000)),
            cooldown: Duration::from_millis(300),
            // `cargo bench -- <filter>`: cargo adds `--bench`; flags are
            // criterion's (the other suites), ignored here.
            filters: std::env::args()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .collect(),
        }
    }

    fn wanted(&self, case: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| case.contains(f.as_str()))
    }
}

fn main() {
    let cfg = Config::from_env();
    let load_before = report::load_average();
    let databases = std::env::var("LBACK_STALL_DATABASES").unwrap_or_default();
    let wants =
        |name: &str| databases.trim().is_empty() || databases.split(',').any(|d| d.trim() == name);
    let mut results = cases::Results::default();
    #[cfg(feature = "postgres")]
    if wants("postgres") {
        cases::run_server(&servers::pg::Postgres::new(), &cfg, &mut results);
    }
    #[cfg(feature = "mysql")]
    if wants("mysql") {
        cases::run_server(&servers::my::Mysql::new(), &cfg, &mut results);
    }
    let cases::Results {
        outcomes,
        mut notes,
        failures,
    } = results;
    notes.push(format!(
        "load average before: {load_before}; after: {} ({} cores)",
        report::load_average(),
        thread::available_parallelism().map_or(0, |n| n.get())
    ));
    for failure in &failures {
        notes.push(format!(
            "**failed**, the rest of that database's cases left out: {failure}"
        ));
    }
    report::report(&cfg, &outcomes, &notes);
    assert!(
        failures.is_empty(),
        "write_stall: {} case(s) failed (above)",
        failures.len()
    );
}
