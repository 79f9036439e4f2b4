//! One MariaDB server (`MYSQL_DATABASE_URL`), its session lock
//! (`GET_LOCK`): a process killed with SIGKILL in the middle of a migration,
//! while others wait for the lock. The lock is free only once the killed
//! process's session ended, after its statement in flight; the next holder
//! goes on with the migration where lback can tell what that statement did
//! (DDL on one named object, checked before it ran), and refuses with the
//! recovery steps where it cannot (a data change). `GET_LOCK` proves
//! nothing about a holder of the lease (`LBACK_LOCK=lease`), which does
//! not take it: such a holder, alive, is not resumed; nor, the other way
//! round, is a holder of `GET_LOCK` by a process that took over the
//! lease. The same on a Galera
//! cluster, under the lease, is in `tests/cluster_galera.rs`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use lback_core::sql::Dialect;

use crate::cluster_fixture::{applied_lines, copy_fixture, fixture_ids, models, text};
use crate::db;
use crate::db::mysql_count as count;

/// Processes that wait for the lock while the holder is killed.
const WAITERS: usize = 3;

/// A copy of the fixture, with a lock timeout long enough for the test to
/// act while a statement waits.
fn fixture_copy(name: &str) -> PathBuf {
    let dir = copy_fixture(name);
    std::fs::write(
        dir.join(".lback/settings.json"),
        "{\n  \"dialects\": [\"mysql\"],\n  \"lock_timeout_ms\": 60000\n}\n",
    )
    .unwrap();
    dir
}

fn lback(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lback"));
    command
        .arg("--migrations-dir")
        .arg(dir)
        .args(args)
        .env("DATABASE_URL", url)
        .env_remove("LBACK_LOCK")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Waits until `sql` counts at least one row (panics after a minute).
fn wait_for(conn: &mut MysqlConnection, sql: &str, what: &str) {
    let started = Instant::now();
    while count(conn, sql) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited a minute for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A database with the first two migrations applied and one customer;
/// its URL, the migrations and a connection.
fn two_applied(name: &str) -> (db::MysqlScratch, String, PathBuf, MysqlConnection) {
    let (mut conn, scratch) = db::mysql();
    let url = db::with_database(&db::server_url("MYSQL_DATABASE_URL"), &scratch.database);
    let dir = fixture_copy(name);
    let ids = fixture_ids();
    let first = lback(&dir, &url, &["migrate", &ids[1][..14]])
        .output()
        .unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    db::exec(
        &mut conn,
        "INSERT INTO customers (email, name) VALUES ('ada@example.com', 'Ada')",
    );
    (scratch, url, dir, conn)
}

/// Starts the holder, waits until its statement `running` (a `LIKE`
/// pattern of the processlist's text) runs in the server, then starts the
/// waiters and waits until they wait for the lock.
fn holder_and_waiters(
    conn: &mut MysqlConnection,
    database: &str,
    dir: &Path,
    url: &str,
    running: &str,
) -> (Child, Vec<Child>) {
    let holder = lback(dir, url, &["migrate"]).spawn().unwrap();
    wait_for_holder(conn, database, running);
    let waiters: Vec<Child> = (0..WAITERS)
        .map(|_| lback(dir, url, &["migrate"]).spawn().unwrap())
        .collect();
    wait_for(
        conn,
        &format!(
            "SELECT CAST(COUNT(*) >= {WAITERS} AS SIGNED) AS n \
             FROM information_schema.PROCESSLIST \
             WHERE DB = '{database}' AND INFO LIKE '%GET_LOCK(%'"
        ),
        "the waiters",
    );
    (holder, waiters)
}

/// [`holder_and_waiters`], the holder's `ALTER TABLE customers` waiting
/// for the metadata lock of the transaction returned first
/// ([`block_customers`]).
fn waiters_behind_customers(
    conn: &mut MysqlConnection,
    database: &str,
    dir: &Path,
    url: &str,
) -> (MysqlConnection, Child, Vec<Child>) {
    let blocker = block_customers(url);
    let (holder, waiters) = holder_and_waiters(
        conn,
        database,
        dir,
        url,
        "ALTER TABLE `customers` ADD COLUMN%",
    );
    (blocker, holder, waiters)
}

fn kill(mut holder: Child) {
    holder.kill().unwrap(); // SIGKILL
    let status = holder.wait().unwrap();
    assert_eq!(status.code(), None, "the holder was killed");
}

/// A connection whose open transaction read `customers`: an `ALTER TABLE
/// customers` waits for its metadata lock until it commits.
fn block_customers(url: &str) -> MysqlConnection {
    let mut blocker = MysqlConnection::establish(url).unwrap();
    blocker
        .batch_execute("START TRANSACTION; SELECT COUNT(*) FROM customers")
        .unwrap();
    blocker
}

/// Waits until a statement of `database` like `running` (a `LIKE` pattern
/// of the processlist's text) runs in the server.
fn wait_for_holder(conn: &mut MysqlConnection, database: &str, running: &str) {
    wait_for(
        conn,
        &format!(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST \
             WHERE DB = '{database}' AND INFO LIKE '{running}'"
        ),
        "the holder's statement",
    );
}

/// Asserts a process (`said` its output) gave the recovery steps for
/// `migration` instead of going on with it.
fn assert_not_resumed(said: &str, migration: &str) {
    assert!(
        said.contains(&format!("migration {migration} did not finish applying")),
        "the recovery steps:\n{said}"
    );
    assert!(!said.contains("was left at statement"), "{said}");
}

/// Asserts the live schema equals the models.
fn assert_schema_is_models(conn: &mut MysqlConnection) {
    let expected = lback_core::introspect::canonical(&models(), Dialect::Mysql).normalized();
    let live = lback_core::introspect::mysql(conn).unwrap().normalized();
    assert_eq!(live, expected, "the schema equals the models");
}

#[derive(QueryableByName)]
struct State {
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    done: i64,
}

fn attempt(conn: &mut MysqlConnection, version: &str) -> State {
    diesel::sql_query(format!(
        "SELECT state, CAST(statements_done AS SIGNED) AS done FROM __lback_attempts \
         WHERE version = '{version}'"
    ))
    .get_result::<State>(conn)
    .unwrap()
}

/// Asserts the unfinished run of `version` is recorded in `state`, with
/// `done` statements done.
fn assert_attempt(conn: &mut MysqlConnection, version: &str, state: &str, done: i64) {
    let attempt = attempt(conn, version);
    assert_eq!((attempt.state.as_str(), attempt.done), (state, done));
}

#[test]
fn a_holder_killed_during_a_ddl_statement_is_resumed_by_the_next_and_all_finish() {
    let (scratch, url, dir, mut conn) = two_applied("resume_ddl");
    let ids = fixture_ids();
    let third = &ids[2];
    // The third migration's one statement, `ALTER TABLE customers ADD
    // COLUMN phone`, waits for this transaction's metadata lock.
    let (mut blocker, holder, waiters) =
        waiters_behind_customers(&mut conn, &scratch.database, &dir, &url);
    // Checked before it ran: the column was not there.
    assert_attempt(&mut conn, &third[..14], "checked", 0);
    kill(holder);
    // The killed process's statement goes on in the server (or is
    // abandoned); either way its session ends after it, freeing the lock.
    blocker.batch_execute("COMMIT").unwrap();
    let outputs: Vec<String> = waiters
        .into_iter()
        .map(|w| {
            let output = w.wait_with_output().unwrap();
            let said = text(&output);
            assert_eq!(output.status.code(), Some(0), "{said}");
            said
        })
        .collect();
    let went_on = outputs
        .iter()
        .filter(|o| o.contains(&format!("migration {third} was left at statement 1 of 1")))
        .count();
    assert_eq!(went_on, 1, "one process went on: {outputs:#?}");
    assert_eq!(
        applied_lines(outputs.iter().map(String::as_str)),
        ids[2..].to_vec(),
        "each migration once"
    );
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM __diesel_schema_migrations"
        ),
        6
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM __lback_attempts"),
        0
    );
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM customers"),
        1,
        "the row is still there"
    );
    assert_schema_is_models(&mut conn);
}

#[test]
fn a_holder_killed_during_a_data_change_leaves_the_migration_to_a_person() {
    let (scratch, url, dir, mut conn) = two_applied("resume_dml");
    let ids = fixture_ids();
    let third = &ids[2];
    // A data change first: what it did cannot be told afterwards.
    let up = dir.join(third).join("up.sql");
    let sql = std::fs::read_to_string(&up).unwrap();
    std::fs::write(
        &up,
        format!("UPDATE customers SET name = CONCAT(name, '!') WHERE SLEEP(5) = 0;\n{sql}"),
    )
    .unwrap();
    let (holder, waiters) = holder_and_waiters(
        &mut conn,
        &scratch.database,
        &dir,
        &url,
        "UPDATE customers SET name%",
    );
    kill(holder);
    for waiter in waiters {
        let output = waiter.wait_with_output().unwrap();
        let said = text(&output);
        assert_eq!(output.status.code(), Some(1), "{said}");
        assert!(
            said.contains(&format!("migration {third} did not finish applying")),
            "the recovery steps:\n{said}"
        );
        assert!(!said.contains("Applied "), "{said}");
    }
    assert_attempt(&mut conn, &third[..14], "started", 0);
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM information_schema.COLUMNS \
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'customers' \
             AND COLUMN_NAME = 'phone'"
        ),
        0,
        "the statement after it never ran"
    );
}

#[test]
fn a_holder_killed_while_its_ddl_runs_on_to_the_end_is_resumed_past_it() {
    let (mut conn, scratch) = db::mysql();
    let url = db::with_database(&db::server_url("MYSQL_DATABASE_URL"), &scratch.database);
    let dir = fixture_copy("resume_done");
    let ids = fixture_ids();
    let five = lback(&dir, &url, &["migrate", &ids[4][..14]])
        .output()
        .unwrap();
    assert_eq!(five.status.code(), Some(0), "{}", text(&five));
    // Enough rows that the last migration's `CREATE INDEX` takes a moment.
    db::exec(
        &mut conn,
        "INSERT INTO products (name, price) \
         SELECT CONCAT('product ', seq), 1 FROM seq_1_to_400000",
    );
    let holder = lback(&dir, &url, &["migrate"]).spawn().unwrap();
    let building = format!(
        "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST \
         WHERE DB = '{}' AND INFO LIKE 'CREATE INDEX%'",
        scratch.database
    );
    wait_for(&mut conn, &building, "the index build");
    kill(holder);
    // The server builds the index to the end for the dead session.
    let started = Instant::now();
    while count(&mut conn, &building) > 0 {
        assert!(started.elapsed() < Duration::from_secs(60));
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_attempt(&mut conn, &ids[5][..14], "checked", 0);
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(DISTINCT INDEX_NAME) AS n FROM information_schema.STATISTICS \
             WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = 'ix_products_name'"
        ),
        1,
        "the dead process's statement took effect"
    );
    // The next run finds it done (its second run fails: the index is
    // there) and records the migration.
    let next = lback(&dir, &url, &["migrate"]).output().unwrap();
    let said = text(&next);
    assert_eq!(next.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!(
            "migration {} was left at statement 1 of 1",
            ids[5]
        )),
        "{said}"
    );
    assert_eq!(applied_lines([said.as_str()]), vec![ids[5].clone()]);
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM __lback_attempts"),
        0
    );
    assert_schema_is_models(&mut conn);
}

#[test]
fn a_live_lease_holder_is_not_taken_for_dead_by_a_process_with_the_session_lock() {
    let (scratch, url, dir, mut conn) = two_applied("resume_mixed_locks");
    let ids = fixture_ids();
    let third = &ids[2];
    // The holder takes the lease (no GET_LOCK) and its `ALTER TABLE`
    // waits for this transaction's metadata lock.
    let mut blocker = block_customers(&url);
    let holder = lback(&dir, &url, &["migrate"])
        .env("LBACK_LOCK", "lease")
        .spawn()
        .unwrap();
    wait_for_holder(
        &mut conn,
        &scratch.database,
        "ALTER TABLE `customers` ADD COLUMN%",
    );
    assert_eq!(attempt(&mut conn, &third[..14]).state, "checked");
    // A process with GET_LOCK gets it at once: the holder is alive, so the
    // migration is dirty to it, not left by a process that ended.
    let other = lback(&dir, &url, &["migrate"]).output().unwrap();
    let said = text(&other);
    assert_eq!(other.status.code(), Some(1), "{said}");
    assert_not_resumed(&said, third);
    blocker.batch_execute("COMMIT").unwrap();
    let output = holder.wait_with_output().unwrap();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert_eq!(applied_lines([said.as_str()]), ids[2..].to_vec());
    assert_eq!(
        count(&mut conn, "SELECT COUNT(*) AS n FROM __lback_attempts"),
        0
    );
}

#[test]
fn a_run_left_after_a_statement_that_changed_its_session_is_left_to_a_person() {
    let (scratch, url, dir, mut conn) = two_applied("resume_session");
    let ids = fixture_ids();
    let third = &ids[2];
    // A user variable first: a new session would go on without it.
    let up = dir.join(third).join("up.sql");
    let sql = std::fs::read_to_string(&up).unwrap();
    std::fs::write(&up, format!("SET @lback_test = 1;\n{sql}")).unwrap();
    let (mut blocker, holder, waiters) =
        waiters_behind_customers(&mut conn, &scratch.database, &dir, &url);
    // Checked before it ran, as in the first test: only the `SET` differs.
    assert_attempt(&mut conn, &third[..14], "checked", 1);
    kill(holder);
    blocker.batch_execute("COMMIT").unwrap();
    for waiter in waiters {
        let output = waiter.wait_with_output().unwrap();
        let said = text(&output);
        assert_eq!(output.status.code(), Some(1), "{said}");
        assert_not_resumed(&said, third);
    }
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM __diesel_schema_migrations"
        ),
        2
    );
}

#[test]
fn a_lease_taken_over_does_not_prove_a_holder_of_the_session_lock_dead() {
    let (scratch, url, dir, mut conn) = two_applied("resume_takeover_mixed");
    let ids = fixture_ids();
    let third = &ids[2];
    // A lease whose holder stopped renewing it (as if killed): the next
    // process with the lease takes it over after a second.
    db::exec(&mut conn, lback_core::runner::lease::SETUP_SQL);
    db::exec(
        &mut conn,
        "INSERT INTO __lback_lock (name, owner, pid, token, beat, ttl_seconds) \
         VALUES ('migrate', 'pid 1 on gone', 1, 1, 1, 1)",
    );
    // The holder takes GET_LOCK; its `ALTER TABLE` waits for this
    // transaction's metadata lock.
    let mut blocker = block_customers(&url);
    let holder = lback(&dir, &url, &["migrate"]).spawn().unwrap();
    wait_for_holder(
        &mut conn,
        &scratch.database,
        "ALTER TABLE `customers` ADD COLUMN%",
    );
    assert_eq!(attempt(&mut conn, &third[..14]).state, "checked");
    let other = lback(&dir, &url, &["migrate"])
        .env("LBACK_LOCK", "lease")
        .env("LBACK_LEASE_SECONDS", "1")
        .output()
        .unwrap();
    let said = text(&other);
    assert_eq!(other.status.code(), Some(1), "{said}");
    assert_not_resumed(&said, third);
    blocker.batch_execute("COMMIT").unwrap();
    let output = holder.wait_with_output().unwrap();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert_eq!(applied_lines([said.as_str()]), ids[2..].to_vec());
}
