//! Sixteen processes start at once and migrate one fresh database, as ten
//! replicas of an application do on deploy: every process must succeed and
//! every migration must be applied exactly once.
//!
//! The processes are either this test binary itself, running an ignored
//! test that calls `lback::migrate` on the embedded fixture migrations (as
//! an application's `main` does), or the `lback` command's `migrate`. On
//! each database; then, on the servers, the run-wide lock released after
//! an error and after a panic.

use std::path::Path;
use std::process::{Command, Stdio};

use diesel::connection::LoadConnection;
use diesel::prelude::*;
use lback_core::runner::TrackedBackend;

use crate::targets::Target;
use crate::workflow::Project;

backend_tests!(
    sixteen_processes_call_lback_migrate_at_once,
    sixteen_lback_commands_migrate_at_once
);

const PROCESSES: usize = 16;

/// The variable that hands the database URL to a child process.
const CHILD_URL: &str = "LBACK_CHILD_URL";

/// How each process migrates.
pub enum Via {
    /// `lback::migrate`: the named ignored test of this test binary.
    Library(String),
    /// The `lback` command's `migrate`.
    Command,
}

/// In a child process: the URL to migrate.
fn child_url() -> String {
    std::env::var(CHILD_URL).unwrap_or_else(|_| {
        panic!("{CHILD_URL} is not set: this test is a child process of the concurrency tests")
    })
}

/// Starts every process before waiting for any; returns their outputs.
fn migrate_at_once(url: &str, via: Via) -> Vec<(i32, String)> {
    let migrations =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/library/migrations");
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            let mut command = match &via {
                Via::Library(test) => {
                    let mut command = Command::new(std::env::current_exe().unwrap());
                    command
                        .args([
                            test,
                            "--exact",
                            "--ignored",
                            "--nocapture",
                            "--test-threads=1",
                        ])
                        .env(CHILD_URL, url);
                    command
                }
                Via::Command => {
                    let mut command = Command::new(env!("CARGO_BIN_EXE_lback"));
                    command
                        .arg("--migrations-dir")
                        .arg(&migrations)
                        .arg("migrate")
                        .env("DATABASE_URL", url);
                    command
                }
            };
            command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the lback command starts")
        })
        .collect();
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
            (output.status.code().unwrap_or(-1), text)
        })
        .collect()
}

/// Every process succeeded; across all of them each migration was applied once.
fn assert_each_applied_once(outputs: &[(i32, String)], recorded: i64) {
    for (status, text) in outputs {
        assert_eq!(*status, 0, "a process failed:\n{text}");
    }
    let mut applied: Vec<&str> = outputs
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter_map(|line| line.strip_prefix("Applied "))
        .collect();
    applied.sort();
    let migrations = std::fs::read_dir(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/library/migrations"),
    )
    .unwrap()
    .filter_map(|e| e.ok())
    .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
    .count();
    assert_eq!(
        applied.len(),
        migrations,
        "each migration applied by exactly one process: {applied:?}"
    );
    applied.dedup();
    assert_eq!(applied.len(), migrations, "no migration applied twice");
    assert_eq!(
        recorded, migrations as i64,
        "__diesel_schema_migrations has one row per migration"
    );
}

/// A child process: what an application's `main` does.
fn child_migrates<C>()
where
    C: Connection + LoadConnection,
    C::Backend: TrackedBackend,
{
    let mut conn = C::establish(&child_url()).unwrap();
    let report = lback::migrate(&mut conn).unwrap();
    // On a line of its own (libtest has written `test ... ` before it).
    println!("\n{report}");
}

#[test]
#[ignore = "a child process of the concurrency tests"]
fn child_migrates_sqlite_with_the_library() {
    child_migrates::<SqliteConnection>();
}

#[cfg(feature = "postgres")]
#[test]
#[ignore = "a child process of the concurrency tests"]
fn child_migrates_postgres_with_the_library() {
    child_migrates::<PgConnection>();
}

#[cfg(feature = "mysql")]
#[test]
#[ignore = "a child process of the concurrency tests"]
fn child_migrates_mysql_with_the_library() {
    child_migrates::<MysqlConnection>();
}

/// Sixteen processes on one fresh database (a SQLite file, a scratch
/// schema or database).
fn sixteen_on<T: Target>(target: &mut T, via: Via) {
    let outputs = migrate_at_once(&target.url(), via);
    let recorded = target.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations");
    assert_each_applied_once(&outputs, recorded);
}

fn sixteen_processes_call_lback_migrate_at_once<T: Target>(target: &mut T, _: &Project) {
    // The child test's full name in this binary, for `--exact`.
    let module = module_path!().split_once("::").unwrap().1;
    let child = format!(
        "{module}::child_migrates_{}_with_the_library",
        T::DIALECT.name()
    );
    sixteen_on(target, Via::Library(child));
}

fn sixteen_lback_commands_migrate_at_once<T: Target>(target: &mut T, _: &Project) {
    sixteen_on(target, Via::Command);
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
#[derive(QueryableByName)]
struct Free {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    free: bool,
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
/// Runs `locked` with an error and with a panic; after each, `is_free`
/// (asked on another connection) must find the lock free.
fn released_after_error_and_panic<C>(conn: &mut C, mut is_free: impl FnMut() -> bool)
where
    C: diesel::Connection + diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    let failed = lback_core::runner::locked(conn, |_| Err::<(), _>(lback::Error::NothingEmbedded));
    assert!(failed.is_err());
    assert!(is_free(), "released after an error");
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lback_core::runner::locked(conn, |_| -> Result<(), lback::Error> {
            panic!("a migration step panicked")
        })
    }));
    assert!(panicked.is_err(), "the panic reaches the caller");
    assert!(is_free(), "released after a panic");
}

#[cfg(feature = "postgres")]
#[test]
fn the_postgres_lock_is_released_after_an_error_and_a_panic() {
    let (mut conn, scratch) = crate::db::pg();
    let mut other = PgConnection::establish(&crate::db::server_url("PG_DATABASE_URL")).unwrap();
    diesel::connection::SimpleConnection::batch_execute(
        &mut other,
        &format!(r#"SET search_path TO "{}""#, scratch.schema),
    )
    .unwrap();
    released_after_error_and_panic(&mut conn, || {
        let got = diesel::sql_query(
            "SELECT pg_try_advisory_lock(hashtext('lback migrate ' || current_schema())) AS free",
        )
        .get_result::<Free>(&mut other)
        .unwrap()
        .free;
        diesel::sql_query("SELECT pg_advisory_unlock_all()")
            .execute(&mut other)
            .unwrap();
        got
    });
}

#[cfg(feature = "mysql")]
#[test]
fn the_mysql_lock_is_released_after_an_error_and_a_panic() {
    let (mut conn, scratch) = crate::db::mysql();
    let mut other = MysqlConnection::establish(&crate::db::with_database(
        &crate::db::server_url("MYSQL_DATABASE_URL"),
        &scratch.database,
    ))
    .unwrap();
    released_after_error_and_panic(&mut conn, || {
        diesel::sql_query("SELECT IS_FREE_LOCK(CONCAT('lback migrate ', DATABASE())) = 1 AS free")
            .get_result::<Free>(&mut other)
            .unwrap()
            .free
    });
}
