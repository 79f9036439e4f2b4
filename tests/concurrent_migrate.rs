//! Sixteen processes migrate one SQLite file at once: through
//! `lback::migrate` in the process, and through the `lback` command.

#[path = "support/concurrent.rs"]
mod concurrent;

use concurrent::Via;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

lback::embed_migrations!("tests/fixtures/library/migrations");

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A child process: what an application's `main` does.
#[test]
#[ignore = "a child process of the concurrency tests"]
fn child_migrates_with_the_library() {
    let mut conn = SqliteConnection::establish(&concurrent::child_url()).unwrap();
    let report = lback::migrate(&mut conn).unwrap();
    // On a line of its own (libtest has written `test ... ` before it).
    println!("\n{report}");
}

fn sixteen_at_once(via: Via, label: &str) {
    let path = std::env::temp_dir().join(format!(
        "lback-concurrent-{label}-{}.db",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&path);
    let url = path.to_string_lossy().into_owned();
    let outputs = concurrent::migrate_at_once(&url, via);
    let mut conn = SqliteConnection::establish(&url).unwrap();
    let recorded = diesel::sql_query("SELECT COUNT(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n;
    concurrent::assert_each_applied_once(&outputs, recorded);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn sixteen_processes_call_lback_migrate_on_one_sqlite_database_at_once() {
    sixteen_at_once(Via::Library("child_migrates_with_the_library"), "library");
}

#[test]
fn sixteen_lback_commands_migrate_one_sqlite_database_at_once() {
    sixteen_at_once(Via::Command, "command");
}
