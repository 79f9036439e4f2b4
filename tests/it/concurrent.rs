//! Sixteen processes start at once and migrate one fresh database, as ten
//! replicas of an application do on deploy: every process must succeed and
//! every migration must be applied exactly once.
//!
//! The processes are either this test binary itself, running an ignored
//! test that calls `lback::migrate` on the embedded fixture migrations (as
//! an application's `main` does), or the `lback` command's `migrate`.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Stdio};

pub const PROCESSES: usize = 16;

/// The variable that hands the database URL to a child process.
pub const CHILD_URL: &str = "LBACK_CHILD_URL";

/// How each process migrates.
#[derive(Clone, Copy)]
pub enum Via {
    /// `lback::migrate`: the named ignored test of this test binary.
    Library(&'static str),
    /// The `lback` command's `migrate`.
    Command,
}

/// In a child process: the URL to migrate.
pub fn child_url() -> String {
    std::env::var(CHILD_URL).unwrap_or_else(|_| {
        panic!("{CHILD_URL} is not set: this test is a child process of the concurrency tests")
    })
}

/// Starts every process before waiting for any; returns their outputs.
pub fn migrate_at_once(url: &str, via: Via) -> Vec<(i32, String)> {
    let migrations =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/library/migrations");
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            let mut command = match via {
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
pub fn assert_each_applied_once(outputs: &[(i32, String)], recorded: i64) {
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
