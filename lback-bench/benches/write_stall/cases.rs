//! One case (a change, in one form, on one server) measured, and every
//! case of a server run in rounds.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use lback_core::introspect::Introspect;
use lback_core::migrations::MigrationFolder;
use lback_core::runner::{MigrateOptions, MigrationSql};
use lback_core::sql::Dialect;

use crate::report::ms;
use crate::schemas::{after, write_migrations, Change, Form, CHANGES};
use crate::servers::Server;
use crate::support;
use crate::writers::{figures, writer, Figures, Log};
use crate::Config;

pub(crate) struct Outcome {
    pub(crate) database: &'static str,
    /// The server's product name (PostgreSQL, MariaDB, MySQL).
    pub(crate) product: String,
    pub(crate) change: Change,
    pub(crate) form: Form,
    pub(crate) migration: Duration,
    /// When the longest stall began, from the start of the migration
    /// (zero: before it).
    pub(crate) stall_at: Duration,
    pub(crate) during: Figures,
    pub(crate) before: Figures,
    pub(crate) statements: Vec<String>,
    /// The folders applied during the measurement.
    pub(crate) migrations: Vec<String>,
}

fn run_case<S: Server>(server: &S, cfg: &Config, change: Change, form: Form) -> Outcome {
    let case = case_name::<S>(change, form);
    let dir = support::scratch_dir("tmp")
        .join("write_stall")
        .join(format!("{}_{}_{}", S::NAME, change.name(), form.name()));
    let folders = write_migrations(&dir, change, form, S::DIALECT);
    let (create, steps) = folders.split_first().expect("the tables' migration");
    server.reset();
    let mut conn = server.connect();
    lback_core::runner::migrate(
        &mut conn,
        &[create as &dyn MigrationSql],
        MigrateOptions::default(),
    )
    .expect("create the tables with lback's runner");
    server.fill(&mut conn, cfg.rows);

    let Measured {
        logs,
        from,
        to,
        applied,
    } = migrate_while_writing(server, cfg, &mut conn, &folders, &case);
    assert_eq!(applied, steps.len(), "every step applied");
    // The database now is what the models say, with nothing left over (a
    // temporary CHECK, an INVALID index).
    let differences = lback_core::drift::compare(
        &after(change),
        &conn.introspect().expect("read the schema back"),
        S::DIALECT,
    );
    assert!(
        differences.is_empty(),
        "{case}: after the migration the database differs from the models: {differences:?}"
    );
    let extra = conn.outside_models().expect("read the rest of the schema");
    assert!(
        extra.is_empty(),
        "{case}: the migration left {extra:?} behind"
    );
    let errors: Vec<&String> = logs.iter().flat_map(|l| &l.errors).collect();
    assert!(
        errors.is_empty(),
        "{case}: writers failed during the change: {errors:?}"
    );
    let during = figures(&logs, from, to, false);
    assert!(
        during.writes > 0,
        "{case}: no write overlapped the migration"
    );
    let warm = from.saturating_sub(cfg.warmup) + cfg.warmup / 5;
    Outcome {
        database: S::NAME,
        product: server
            .version()
            .split_whitespace()
            .next()
            .unwrap_or(S::NAME)
            .to_owned(),
        change,
        form,
        migration: to - from,
        stall_at: during.stall_began.saturating_sub(from),
        during,
        before: figures(&logs, warm, from, true),
        statements: statements(steps, S::DIALECT),
        migrations: steps.iter().map(|m| m.name.clone()).collect(),
    }
}

/// What the writers did while lback's migration ran, and when it ran
/// (from the writers' epoch).
struct Measured {
    logs: Vec<Log>,
    from: Duration,
    to: Duration,
    /// The migrations the runner applied.
    applied: usize,
}

/// Starts the writers, applies `folders` with lback's runner after the
/// warm-up, and stops the writers after the cool-down.
fn migrate_while_writing<S: Server>(
    server: &S,
    cfg: &Config,
    conn: &mut S::Conn,
    folders: &[MigrationFolder],
    case: &str,
) -> Measured {
    let epoch = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..cfg.writers)
        .map(|who| {
            let conn = server.connect();
            let stop = Arc::clone(&stop);
            let rows = cfg.rows;
            thread::spawn(move || writer(conn, who, rows, epoch, &stop))
        })
        .collect();
    thread::sleep(cfg.warmup);
    let from = epoch.elapsed();
    let all: Vec<&dyn MigrationSql> = folders.iter().map(|f| f as &dyn MigrationSql).collect();
    let report =
        lback_core::runner::migrate(conn, &all, MigrateOptions::default()).unwrap_or_else(|e| {
            stop.store(true, Ordering::Relaxed);
            panic!("{case}: lback's migration failed: {e}")
        });
    let to = epoch.elapsed();
    thread::sleep(cfg.cooldown);
    stop.store(true, Ordering::Relaxed);
    let logs: Vec<Log> = handles
        .into_iter()
        .map(|h| h.join().expect("a writer panicked"))
        .collect();
    Measured {
        logs,
        from,
        to,
        applied: report.applied.len(),
    }
}

/// The statements of `steps`, one line each, those run outside a
/// transaction tagged `[autocommit]`.
fn statements(steps: &[MigrationFolder], dialect: Dialect) -> Vec<String> {
    steps
        .iter()
        .flat_map(|m| {
            let tag = if m.runs_outside_transaction(dialect) {
                "[autocommit] "
            } else {
                ""
            };
            let sql = m.up_sql(dialect).expect("the migration's up SQL");
            lback_core::sql::split_statements(&sql, dialect)
                .into_iter()
                .map(|st| format!("{tag}{}", one_line(st)))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn one_line(statement: &str) -> String {
    let words: Vec<&str> = statement.split_whitespace().collect();
    if words.len() > 14 {
        format!("{} …", words[..14].join(" "))
    } else {
        words.join(" ")
    }
}

/// What the servers' runs gather for the report.
#[derive(Default)]
pub(crate) struct Results {
    pub(crate) outcomes: Vec<Outcome>,
    /// Lines under the report's table (each server's version first).
    pub(crate) notes: Vec<String>,
    /// The cases that failed, each ending its database's rounds.
    pub(crate) failures: Vec<String>,
}

/// `postgres add_index (online)`: a case, in messages.
fn case_name<S: Server>(change: Change, form: Form) -> String {
    format!("{} {} ({})", S::NAME, change.name(), form.name())
}

/// Every case the filters leave of `server`, `cfg.rounds` times over; a
/// failed case ends the rounds of this server.
pub(crate) fn run_server<S: Server>(server: &S, cfg: &Config, results: &mut Results) {
    let cases: Vec<(Change, Form)> = CHANGES
        .iter()
        .flat_map(|&c| [(c, Form::Plain), (c, Form::Online)])
        .filter(|(c, f)| {
            cfg.wanted(&format!(
                "write_stall/{}/{}/{}",
                S::NAME,
                c.name(),
                f.name()
            ))
        })
        .collect();
    if cases.is_empty() {
        return;
    }
    results.notes.push(server.version());
    for (round, (change, form)) in (1..=cfg.rounds).flat_map(|r| cases.iter().map(move |c| (r, *c)))
    {
        eprintln!(
            "write_stall: round {round}/{}: {} …",
            cfg.rounds,
            case_name::<S>(change, form)
        );
        // A failed case still lets the report show what was measured.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_case(server, cfg, change, form)
        }));
        let outcome = match ran {
            Ok(outcome) => outcome,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "a panic".to_owned());
                let case = case_name::<S>(change, form);
                results
                    .failures
                    .push(format!("round {round}, {case}: {why}"));
                break;
            }
        };
        eprintln!(
            "  migration {}, longest stall {}, slowest write {}, p99 {}",
            ms(outcome.migration),
            ms(outcome.during.longest_stall),
            ms(outcome.during.max_latency),
            ms(outcome.during.p99)
        );
        results.outcomes.push(outcome);
    }
    server.drop_all();
}
