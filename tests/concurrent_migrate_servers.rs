//! Sixteen processes migrate one PostgreSQL schema, and one MariaDB
//! database, at once: through `lback::migrate` in the process, and through
//! the `lback` command.

#[path = "support/concurrent.rs"]
mod concurrent;
#[path = "support/db.rs"]
mod db;
#[path = "support/targets.rs"]
mod targets;

use concurrent::Via;
use diesel::prelude::*;
use targets::{MysqlServer, PgServer, Target};

lback::embed_migrations!("tests/fixtures/library/migrations");

/// A child process: what an application's `main` does, on PostgreSQL.
#[test]
#[ignore = "a child process of the concurrency tests"]
fn child_migrates_postgres_with_the_library() {
    let mut conn = PgConnection::establish(&concurrent::child_url()).unwrap();
    let report = lback::migrate(&mut conn).unwrap();
    // On a line of its own (libtest has written `test ... ` before it).
    println!("\n{report}");
}

/// A child process: what an application's `main` does, on MySQL.
#[test]
#[ignore = "a child process of the concurrency tests"]
fn child_migrates_mysql_with_the_library() {
    let mut conn = MysqlConnection::establish(&concurrent::child_url()).unwrap();
    let report = lback::migrate(&mut conn).unwrap();
    // On a line of its own (libtest has written `test ... ` before it).
    println!("\n{report}");
}

/// Sixteen processes on one fresh scratch schema or database.
fn sixteen_on<T: Target>(mut target: T, via: Via) {
    let outputs = concurrent::migrate_at_once(&target.url(), via);
    let recorded = target.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations");
    concurrent::assert_each_applied_once(&outputs, recorded);
}

#[test]
fn sixteen_processes_call_lback_migrate_on_one_postgres_schema_at_once() {
    sixteen_on(
        PgServer::new(),
        Via::Library("child_migrates_postgres_with_the_library"),
    );
}

#[test]
fn sixteen_lback_commands_migrate_one_postgres_schema_at_once() {
    sixteen_on(PgServer::new(), Via::Command);
}

#[test]
fn sixteen_processes_call_lback_migrate_on_one_mysql_database_at_once() {
    sixteen_on(
        MysqlServer::new(),
        Via::Library("child_migrates_mysql_with_the_library"),
    );
}

#[test]
fn sixteen_lback_commands_migrate_one_mysql_database_at_once() {
    sixteen_on(MysqlServer::new(), Via::Command);
}

#[derive(QueryableByName)]
struct Free {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    free: bool,
}

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

#[test]
fn the_postgres_lock_is_released_after_an_error_and_a_panic() {
    let (mut conn, scratch) = db::pg();
    let mut other = PgConnection::establish(&db::server_url("PG_DATABASE_URL")).unwrap();
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

#[test]
fn the_mysql_lock_is_released_after_an_error_and_a_panic() {
    let (mut conn, scratch) = db::mysql();
    let mut other = MysqlConnection::establish(&db::with_database(
        &db::server_url("MYSQL_DATABASE_URL"),
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
