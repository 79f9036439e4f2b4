//! lback's tracking tables and the start with nothing pending, on each
//! database: databases set up by diesel or by an earlier lback are brought
//! up to date without losing a checksum; a start with nothing pending reads
//! without the lock (and still stops at a dirty run); PostgreSQL's one-batch
//! migrations still name the failing statement, or say when none fails on
//! the second run.
//! On SQLite too where it applies; the bodies take the database and the
//! project `backend_tests!` makes.

use std::sync::mpsc;
use std::time::Duration;

use diesel::Connection;
use lback::Error;
use lback_core::runner::{self, MigrateOptions, TrackedBackend};
use lback_core::sql::Dialect;

use crate::faults::{self, id, migrations, version, Mem, N};
use crate::targets::Target;
use crate::workflow::Project;

backend_tests!(
    upgrade_from_the_checksums_table,
    upgrade_from_diesels_table;
    sqlite: a_failure_recording_the_migration, a_failure_at_commit;
    postgres:
        a_failure_recording_the_migration,
        a_failure_at_commit,
        a_start_with_nothing_pending_does_not_wait,
        a_failure_the_second_run_does_not_repeat,
        a_runtime_failure_is_named,
        a_statement_cut_short_is_named;
    mysql: a_start_with_nothing_pending_does_not_wait;
);

/// The failing statement, the message and the outcome of a
/// [`Error::MigrationFailed`]; panics on any other error.
fn parts(error: &Error) -> (Option<&runner::FailedStatement>, &str, &str) {
    match error {
        Error::MigrationFailed {
            statement,
            message,
            outcome,
            ..
        } => (statement.as_deref(), message, outcome),
        other => panic!("{other}"),
    }
}

fn has_column<T: Target>(target: &mut T, table: &str, column: &str) -> bool {
    <T::Backend as TrackedBackend>::has_column(target.conn(), table, column).unwrap()
}

/// Puts the tracking tables back the way an earlier lback left them: the
/// checksums in `__lback_checksums`, no column in diesel's table. `tamper`
/// changes the stored checksum of migration 2, so a test can tell the
/// checksums were moved, not dropped.
fn earlier_layout<T: Target>(target: &mut T, tamper: bool) {
    target.execute(
        "CREATE TABLE __lback_checksums (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         checksum VARCHAR(64) NOT NULL)",
    );
    target.execute(
        "INSERT INTO __lback_checksums (version, checksum) \
         SELECT version, checksum FROM __diesel_schema_migrations",
    );
    if tamper {
        target.execute(&format!(
            "UPDATE __lback_checksums SET checksum = '0000000000000000' WHERE version = '{}'",
            version(2)
        ));
    }
    target.execute("ALTER TABLE __diesel_schema_migrations DROP COLUMN checksum");
    assert!(!has_column(
        target,
        "__diesel_schema_migrations",
        "checksum"
    ));
}

/// A database an earlier lback set up: its checksums are moved into
/// diesel's table (a changed migration is still caught) and its table
/// dropped; the next start reads one table.
fn upgrade_from_the_checksums_table<T: Target>(target: &mut T, _: &Project) {
    let good = migrations(None, None);
    faults::migrate(target, &good).unwrap();
    earlier_layout(target, true);

    // The stored checksum of migration 2 no longer matches its SQL.
    let refused = faults::migrate(target, &good).unwrap_err();
    assert!(
        matches!(&refused, Error::ChangedAfterApplied { migration } if *migration == id(2)),
        "{refused}"
    );
    assert!(has_column(target, "__diesel_schema_migrations", "checksum"));
    assert!(
        !has_column(target, "__lback_checksums", "checksum"),
        "the old table is dropped once its checksums are moved"
    );
    // The others were moved as they were.
    let recorded = runner::Tracking::read(target.conn(), runner::Access::SetUp)
        .unwrap()
        .applied;
    assert_eq!(recorded.len(), N);
    for (i, applied) in (1..=N).zip(&recorded) {
        let expected = if i == 2 {
            "0000000000000000".to_owned()
        } else {
            runner::checksum(
                &lback_core::runner::MigrationSql::up(&good[i - 1], T::DIALECT).unwrap(),
            )
        };
        assert_eq!(applied.checksum.as_deref(), Some(expected.as_str()));
    }

    // Put right (as if the SQL had been restored), a start records the
    // checksum again (the locked way), and then has nothing to do.
    target.execute(&format!(
        "UPDATE __diesel_schema_migrations SET checksum = NULL WHERE version = '{}'",
        version(2)
    ));
    assert!(runner::nothing_pending(
        target.conn(),
        &faults::list(&good),
        MigrateOptions::default()
    )
    .unwrap()
    .is_none());
    let report = faults::migrate(target, &good).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(report.warnings.len(), 1, "{report}");
    assert!(report.warnings[0].starts_with(&format!("recorded the checksum of {}", id(2))));
    let start = runner::nothing_pending(
        target.conn(),
        &faults::list(&good),
        MigrateOptions::default(),
    )
    .unwrap()
    .expect("nothing pending");
    assert!(start.is_empty() && start.warnings.is_empty(), "{start}");
}

/// A database whose tracking table diesel made (no `checksum` column, no
/// lback tables): the column is added; what diesel applied gets the
/// checksum of its SQL on that first run (and the report says so), what
/// lback applies from then on has one too.
fn upgrade_from_diesels_table<T: Target>(target: &mut T, _: &Project) {
    let mut list = migrations(None, None);
    let third = list.pop().unwrap();
    faults::migrate(target, &list).unwrap();
    target.execute("DROP TABLE __lback_attempts");
    target.execute("ALTER TABLE __diesel_schema_migrations DROP COLUMN checksum");
    // A start cannot read the table as it is: it takes the locked way and
    // brings the tables up to date; nothing to apply.
    assert!(runner::nothing_pending(
        target.conn(),
        &faults::list(&list),
        MigrateOptions::default()
    )
    .unwrap()
    .is_none());
    let report = faults::migrate(target, &list).unwrap();
    assert!(report.is_empty(), "{report}");
    assert_eq!(report.warnings.len(), 2, "{report}");
    assert!(has_column(target, "__diesel_schema_migrations", "checksum"));
    assert!(has_column(target, "__lback_attempts", "version"));

    list.push(third);
    let report = faults::migrate(target, &list).unwrap();
    assert_eq!(report.applied, [id(N)]);
    let recorded = runner::Tracking::read(target.conn(), runner::Access::SetUp)
        .unwrap()
        .applied;
    let checksums: Vec<bool> = recorded.iter().map(|a| a.checksum.is_some()).collect();
    assert_eq!(checksums, [true, true, true]);
    // And the next start reads them in one query, without the lock.
    assert!(runner::nothing_pending(
        target.conn(),
        &faults::list(&list),
        MigrateOptions::default()
    )
    .unwrap()
    .is_some());
}

/// Runs `lback::migrate`'s engine on a connection of its own, in a thread;
/// the result arrives on the channel.
fn migrate_in_thread<T: Target>(
    url: String,
    list: Vec<Mem>,
) -> mpsc::Receiver<Result<lback::MigrationReport, String>>
where
    T::Conn: 'static,
{
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut conn = T::Conn::establish(&url).unwrap();
        let result = runner::migrate(&mut conn, &faults::list(&list), MigrateOptions::default())
            .map_err(|e| e.to_string());
        let _ = send.send(result);
    });
    receive
}

/// A query counting (as `n`) the sessions waiting for lback's lock on the
/// target's schema or database.
fn waiting_for_lock_sql<T: Target>() -> String {
    match T::DIALECT {
        // A bigint advisory key is shown as classid (high half) and objid
        // (low half).
        Dialect::Postgres => {
            "SELECT COUNT(*) AS n FROM pg_locks WHERE locktype = 'advisory' \
             AND NOT granted AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
             AND classid = ((hashtext('lback migrate ' || current_schema())::bigint >> 32) \
             & 4294967295)::oid \
             AND objid = (hashtext('lback migrate ' || current_schema())::bigint & 4294967295)::oid"
                .to_owned()
        }
        Dialect::Mysql => "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST \
             WHERE DB = DATABASE() AND STATE = 'User lock'"
            .to_owned(),
        Dialect::Sqlite => unreachable!("SQLite has no run-wide lock"),
    }
}

/// PostgreSQL, MySQL: with nothing pending, a start does not take the lock,
/// so it does not wait for another process's run; with something pending it
/// waits for the lock, then applies.
fn a_start_with_nothing_pending_does_not_wait<T: Target>(target: &mut T, _: &Project)
where
    T::Conn: 'static,
{
    let mut list = migrations(None, None);
    let third = list.pop().unwrap();
    faults::migrate(target, &list).unwrap();

    let mut holder = T::Conn::establish(&target.url()).unwrap();
    let lock = <T::Backend as TrackedBackend>::locker(&mut holder)
        .unwrap()
        .expect("the database has a run-wide lock");
    lock.acquire(&mut holder).unwrap();
    let done = migrate_in_thread::<T>(target.url(), list.clone());
    let report = done
        .recv_timeout(Duration::from_secs(30))
        .expect("a start with nothing pending waited for the lock")
        .unwrap();
    assert!(report.is_empty(), "{report}");

    list.push(third);
    let done = migrate_in_thread::<T>(target.url(), list);
    // The server shows the run waiting for the lock (and it has not
    // finished meanwhile).
    let waiting = waiting_for_lock_sql::<T>();
    let mut seen = false;
    for _ in 0..200 {
        if target.count(&waiting) > 0 {
            seen = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(seen, "with a migration pending, migrate waits for the lock");
    assert!(
        done.try_recv().is_err(),
        "migrate finished while the lock was held"
    );
    lock.release(&mut holder).unwrap();
    let report = done
        .recv_timeout(Duration::from_secs(30))
        .expect("migrate goes on once the lock is released")
        .unwrap();
    assert_eq!(report.applied, [id(N)]);
}

/// PostgreSQL runs a migration as one batch; when it fails, the migration is
/// run again statement by statement (and rolled back) to name the
/// statement. Here the failure depends on a sequence, which a rollback does
/// not reset: the second run passes, and the error says so. The statement
/// that failed the first time is not named, and nothing is applied.
fn a_failure_the_second_run_does_not_repeat<T: Target>(target: &mut T, _: &Project) {
    assert_eq!(T::DIALECT, Dialect::Postgres);
    target.execute("CREATE SEQUENCE lback_flaky");
    let flaky = vec![Mem::new(
        1,
        &[
            "CREATE TABLE t1 (id INTEGER)",
            // 1/0 on the first call only.
            "SELECT 1 / (nextval('lback_flaky') - 1)",
        ],
        &["DROP TABLE t1"],
    )];
    let error = faults::migrate(target, &flaky).unwrap_err();
    let (statement, message, outcome) = parts(&error);
    assert!(statement.is_none(), "{error}");
    assert!(message.contains("division by zero"), "{message}");
    assert!(message.contains("no statement failed"), "{message}");
    assert!(outcome.contains("rolled back"), "{outcome}");
    assert_eq!(faults::table_rows(target, "t1"), None);
    assert!(faults::applied_versions(target).is_empty());
    // The third call divides by 2: it applies.
    let report = faults::migrate(target, &flaky).unwrap();
    assert_eq!(report.applied, [id(1)]);
}

/// The statements all run, and recording the migration fails (here because
/// the SQL records its own version, as a hand-written diesel migration
/// might): the migration is rolled back (SQLite, PostgreSQL) and the error
/// says the statements ran and the recording failed.
fn a_failure_recording_the_migration<T: Target>(target: &mut T, _: &Project) {
    assert_ne!(T::DIALECT, Dialect::Mysql);
    let insert = format!(
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('{}')",
        version(1)
    );
    let selfrecording = vec![Mem::new(
        1,
        &["CREATE TABLE t1 (id INTEGER)", &insert],
        &["DROP TABLE t1"],
    )];
    let error = faults::migrate(target, &selfrecording).unwrap_err();
    let (statement, _, outcome) = parts(&error);
    assert!(statement.is_none(), "{error}");
    let text = error.to_string();
    assert!(text.contains("every statement ran"), "{text}");
    assert!(outcome.contains("rolled back"), "{outcome}");
    assert_eq!(faults::table_rows(target, "t1"), None);
    assert!(faults::applied_versions(target).is_empty());
}

/// PostgreSQL: a failure without a position in the text (a duplicate key)
/// is found by running the statements again one by one; the error names
/// the statement and keeps the database's message.
fn a_runtime_failure_is_named<T: Target>(target: &mut T, _: &Project) {
    assert_eq!(T::DIALECT, Dialect::Postgres);
    let duplicate = vec![Mem::new(
        1,
        &[
            "CREATE TABLE t1 (id INTEGER PRIMARY KEY)",
            "INSERT INTO t1 (id) VALUES (1)",
            "INSERT INTO t1 (id) VALUES (1)",
        ],
        &["DROP TABLE t1"],
    )];
    let error = faults::migrate(target, &duplicate).unwrap_err();
    let (statement, message, _) = parts(&error);
    let statement = statement.expect("the statement is named");
    assert_eq!((statement.index, statement.total), (3, 3), "{error}");
    assert!(message.contains("duplicate key"), "{message}");
    assert!(!message.contains("run again"), "{message}");
    assert_eq!(faults::table_rows(target, "t1"), None);
}

/// A constraint checked at COMMIT (deferred) fails: the error says every
/// statement ran and COMMIT failed, and nothing is applied (SQLite with
/// foreign keys on, PostgreSQL).
fn a_failure_at_commit<T: Target>(target: &mut T, _: &Project) {
    assert_ne!(T::DIALECT, Dialect::Mysql);
    if T::DIALECT == Dialect::Sqlite {
        target.execute("PRAGMA foreign_keys = ON");
    }
    let deferred = vec![Mem::new(
        1,
        &[
            "CREATE TABLE p (id INTEGER PRIMARY KEY)",
            "CREATE TABLE c (p_id INTEGER REFERENCES p (id) DEFERRABLE INITIALLY DEFERRED)",
            "INSERT INTO c (p_id) VALUES (5)",
        ],
        &["DROP TABLE c", "DROP TABLE p"],
    )];
    let error = faults::migrate(target, &deferred).unwrap_err();
    let (statement, message, outcome) = parts(&error);
    assert!(statement.is_none(), "{error}");
    assert!(
        message
            .starts_with("every statement ran and the migration was recorded, then COMMIT failed"),
        "{message}"
    );
    assert!(outcome.contains("rolled back"), "{outcome}");
    assert_eq!(faults::table_rows(target, "c"), None);
    assert!(faults::applied_versions(target).is_empty());
}

/// PostgreSQL: a last statement cut short fails at the `;` lback puts
/// between the script and its bookkeeping; the error names that statement,
/// not the bookkeeping.
fn a_statement_cut_short_is_named<T: Target>(target: &mut T, _: &Project) {
    assert_eq!(T::DIALECT, Dialect::Postgres);
    let cut = vec![Mem::new(
        1,
        &["CREATE TABLE t1 (id INTEGER)", "ALTER TABLE t1 ADD COLUMN"],
        &["DROP TABLE t1"],
    )];
    let error = faults::migrate(target, &cut).unwrap_err();
    let (statement, message, _) = parts(&error);
    let statement = statement.expect("the statement is named");
    assert_eq!((statement.index, statement.total), (2, 2), "{error}");
    assert!(message.contains("syntax error"), "{message}");
    assert_eq!(faults::table_rows(target, "t1"), None);
}

/// A user who may only read (monitoring) asks for the status of a database
/// whose tracking table diesel made: lback cannot set its tables up, and
/// reads them as they are instead of failing; nothing changes.
fn status_for_a_reader<T: Target>(target: &mut T, reader: &mut T::Conn) {
    let list = migrations(None, None);
    faults::migrate(target, &list).unwrap();
    target.execute("DROP TABLE __lback_attempts");
    target.execute("ALTER TABLE __diesel_schema_migrations DROP COLUMN checksum");

    let (statuses, unknown) = runner::status(reader, &faults::list(&list)).unwrap();
    assert!(unknown.is_empty());
    let states: Vec<_> = statuses.iter().map(|s| s.state()).collect();
    assert_eq!(states, vec![lback::MigrationState::Applied; N]);
    assert!(statuses.iter().all(|s| s.applied_on.is_some()));
    assert!(!has_column(
        target,
        "__diesel_schema_migrations",
        "checksum"
    ));
    assert!(!has_column(target, "__lback_attempts", "version"));
}

#[test]
fn status_for_a_reader_on_sqlite() {
    use diesel::Connection;
    let (project, mut target) = crate::scratch::<crate::targets::SqliteFile>("reader");
    let path = project.dir.join("app.db");
    let mut reader =
        diesel::SqliteConnection::establish(&format!("file:{}?mode=ro", path.display())).unwrap();
    status_for_a_reader(&mut target, &mut reader);
}

#[cfg(feature = "postgres")]
#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[cfg(feature = "postgres")]
#[test]
fn status_for_a_reader_on_postgres() {
    use diesel::{Connection, RunQueryDsl};
    let mut target = crate::targets::PgServer::new();
    let schema = diesel::sql_query("SELECT current_schema() AS name")
        .get_result::<Name>(target.conn())
        .unwrap()
        .name;
    // A role that may read the scratch schema's tables and nothing more
    // (trust authentication: it logs in without a password).
    let role = crate::db::unique_name("lback_reader");
    target.execute(&format!(
        "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {schema} TO {role}; \
         ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}"
    ));
    let url = target.url();
    let (scheme, rest) = url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    let mut reader = diesel::PgConnection::establish(&format!("{scheme}://{role}@{host}")).unwrap();
    status_for_a_reader(&mut target, &mut reader);
    drop(reader);
    target.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"));
}
