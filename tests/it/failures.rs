//! Failures and crashes in the middle of a migration, on each database: a
//! failing statement at each position, a failing down migration, `lback
//! migrate` killed with SIGKILL half way, a migration without statements,
//! top-level transaction control (SQLite, PostgreSQL); the bodies are in
//! `faults.rs`. Then what concerns one database: SQLite's table rebuilds
//! and foreign keys, MariaDB's collations and `LOCK TABLES`.

use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;

use crate::faults::{self, Slow};
#[cfg(feature = "mysql")]
use crate::targets::MysqlServer;
#[cfg(feature = "postgres")]
use crate::targets::PgServer;
use crate::targets::{SqliteFile, Target};
use crate::workflow::Project;

backend_tests!(
    a_failing_statement_at_each_position,
    a_migration_without_statements_is_refused,
    a_failing_down_migration,
    migrate_killed_half_way;
    sqlite: transaction_control_is_refused;
    postgres: transaction_control_is_refused;
);

/// Each statement of each migration fails in turn, each on a fresh database.
fn a_failing_statement_at_each_position<T: Target>(_: &mut T, _: &Project) {
    for k in 1..=faults::N {
        for p in [1, 2, 3] {
            let (_project, mut target) = crate::scratch::<T>("fault");
            faults::fault_at(&mut target, k, p);
        }
    }
}

fn a_migration_without_statements_is_refused<T: Target>(target: &mut T, _: &Project) {
    faults::a_migration_without_statements_is_refused(target);
}

fn transaction_control_is_refused<T: Target>(target: &mut T, _: &Project) {
    faults::transaction_control_is_refused(target);
}

fn a_failing_down_migration<T: Target>(target: &mut T, _: &Project) {
    faults::fault_reverting(target);
}

fn migrate_killed_half_way<T: Slow>(target: &mut T, project: &Project) {
    faults::kill_mid_migration(target, project);
}

impl Slow for SqliteFile {
    fn slow_statement(marker: &str) -> String {
        // SQLite has no sleep: count to fifteen million (seconds of work).
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 15000000) \
             SELECT count(*) AS {marker} FROM c"
        )
    }

    fn running(&mut self, _marker: &str) -> bool {
        // The first migration is committed and another connection holds
        // the write lock: the second migration's transaction is open.
        // (A locked database while the other commits reads as "not yet".)
        let conn = self.conn();
        conn.batch_execute("PRAGMA busy_timeout = 0").unwrap();
        let committed = diesel::sql_query("SELECT COUNT(*) AS n FROM __diesel_schema_migrations")
            .get_result::<Count>(conn)
            .is_ok_and(|c| c.n == 1);
        if !committed {
            return false;
        }
        match conn.batch_execute("BEGIN IMMEDIATE") {
            Ok(()) => {
                conn.batch_execute("ROLLBACK").unwrap();
                false
            }
            Err(_) => true,
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

#[cfg(feature = "postgres")]
impl Slow for PgServer {
    fn slow_statement(marker: &str) -> String {
        format!("SELECT pg_sleep(3) AS {marker}")
    }

    fn running(&mut self, marker: &str) -> bool {
        self.count(&format!(
            "SELECT COUNT(*) AS n FROM pg_stat_activity WHERE state = 'active' \
             AND query LIKE '%{marker}%' AND pid <> pg_backend_pid()"
        )) > 0
    }
}

#[cfg(feature = "mysql")]
impl Slow for MysqlServer {
    fn slow_statement(marker: &str) -> String {
        format!("SELECT SLEEP(3) AS {marker}")
    }

    fn running(&mut self, marker: &str) -> bool {
        self.count(&format!(
            "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST \
             WHERE INFO LIKE '%{marker}%' AND ID <> CONNECTION_ID()"
        )) > 0
    }
}

/// The foreign keys setting of the test's connection.
fn foreign_keys(target: &mut SqliteFile) -> i64 {
    target.count("SELECT foreign_keys AS n FROM pragma_foreign_keys")
}

/// A table rebuild (create new, copy, drop old, rename) on a connection with
/// foreign keys on: the runner turns them off outside the transaction, so
/// dropping the old table does not cascade to the rows that reference it;
/// `foreign_key_check` runs before commit and refuses a rebuild that would
/// orphan rows; the setting is back on afterwards either way.
#[test]
fn sqlite_table_rebuilds_keep_foreign_keys_intact() {
    let (_project, mut target) = crate::scratch::<SqliteFile>("rebuild");
    target.execute("PRAGMA foreign_keys = ON");
    let create = faults::Mem::new(
        1,
        &[
            "CREATE TABLE p (id INTEGER PRIMARY KEY, name TEXT)",
            "CREATE TABLE c (id INTEGER PRIMARY KEY, p_id INTEGER NOT NULL REFERENCES p (id) ON DELETE CASCADE)",
            "INSERT INTO p (id, name) VALUES (1, 'a'), (2, 'b')",
            "INSERT INTO c (id, p_id) VALUES (10, 1), (20, 2)",
        ],
        &["DROP TABLE c", "DROP TABLE p"],
    );
    let rebuild = |i: usize, filter: &str| {
        faults::Mem::rebuilding(
            i,
            &[
                "CREATE TABLE __new_p (id INTEGER PRIMARY KEY, name VARCHAR(100))",
                &format!("INSERT INTO __new_p (id, name) SELECT id, name FROM p{filter}"),
                "DROP TABLE p",
                "ALTER TABLE __new_p RENAME TO p",
            ],
            &["SELECT 1"],
        )
    };

    // Keeps every row: nothing cascades.
    let good = [create, rebuild(2, "")];
    faults::migrate(&mut target, &good).unwrap();
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM c"), 2, "no cascade");
    assert_eq!(foreign_keys(&mut target), 1, "foreign keys back on");

    // Drops a referenced row: refused before commit, nothing changes.
    let orphaning = [
        faults::Mem::new(1, &["SELECT 1"], &["SELECT 1"]),
        faults::Mem::new(2, &["SELECT 1"], &["SELECT 1"]),
        rebuild(3, " WHERE id <> 1"),
    ];
    let error = lback_core::runner::migrate(
        target.conn(),
        &faults::list(&orphaning),
        lback::MigrateOptions::default().warn_on_changed(),
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("would break a foreign key"), "{error}");
    assert!(error.contains("rolled back"), "{error}");
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM p"),
        2,
        "rolled back"
    );
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM c"), 2);
    assert_eq!(foreign_keys(&mut target), 1, "foreign keys back on");
}

#[cfg(feature = "mysql")]
#[test]
fn failures_on_a_mysql_database_with_another_collation() {
    // Tables take the database's collation, literals the connection's:
    // lback's one tracking query must not mix them.
    let mut server = MysqlServer::with_charset("utf8mb4", "utf8mb4_unicode_ci");
    faults::fault_at(&mut server, 2, 2);
}

#[cfg(feature = "mysql")]
#[test]
fn a_failure_with_text_latin1_cannot_hold_on_mysql() {
    // The database defaults to latin1; lback's tables are utf8mb4, so the
    // failing statement and the error are recorded whatever they contain.
    let mut server = MysqlServer::with_charset("latin1", "latin1_swedish_ci");
    let bad = "INSERT INTO `nö_such_→` (id) VALUES (1)";
    let broken = [faults::Mem::new(
        1,
        &["CREATE TABLE t1 (id INTEGER PRIMARY KEY)", bad],
        &["DROP TABLE t1"],
    )];
    let error = faults::migrate(&mut server, &broken)
        .unwrap_err()
        .to_string();
    assert!(error.contains(bad), "{error}");
    let refused = faults::migrate(&mut server, &broken).unwrap_err();
    let text = refused.to_string();
    assert!(matches!(refused, lback::Error::Dirty { .. }), "{text}");
    assert!(
        text.contains(&format!(
            "failed at statement 2 of 2 of its up SQL:\n    {bad}\nwith: "
        )),
        "{text}"
    );
    assert!(text.contains("nö_such_→"), "{text}");
}

#[cfg(feature = "mysql")]
#[test]
fn lback_reports_where_its_own_bookkeeping_failed_on_mysql() {
    // LOCK TABLES keeps lback from recording its progress before statement
    // 2: the report must say statement 1 took effect and 2 never ran (not
    // that everything did), and the tables are unlocked again.
    let mut server = MysqlServer::new();
    let good = [faults::Mem::new(
        1,
        &[
            "CREATE TABLE t1 (id INTEGER PRIMARY KEY)",
            "INSERT INTO t1 (id) VALUES (1)",
        ],
        &["DROP TABLE t1"],
    )];
    faults::migrate(&mut server, &good).unwrap();
    let locking = [
        faults::Mem::new(
            1,
            &[
                "CREATE TABLE t1 (id INTEGER PRIMARY KEY)",
                "INSERT INTO t1 (id) VALUES (1)",
            ],
            &["DROP TABLE t1"],
        ),
        faults::Mem::new(
            2,
            &[
                "LOCK TABLES t1 WRITE",
                "UPDATE t1 SET id = id + 100",
                "UNLOCK TABLES",
            ],
            &["SELECT 1"],
        ),
    ];
    let error = faults::migrate(&mut server, &locking).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(
            &error,
            lback::Error::MigrationFailed {
                statement: None,
                ..
            }
        ),
        "not a failing statement of the migration: {error:?}"
    );
    assert!(
        text.contains("lback could not record its progress before this statement ran"),
        "{text}"
    );
    assert!(
        text.contains(
            "statement 1 took effect; lback stopped before statement 2, which did not run, \
             and statement 3 did not run"
        ),
        "{text}"
    );
    assert_eq!(
        server.count("SELECT MAX(id) AS n FROM t1"),
        1,
        "the UPDATE never ran"
    );
    // UNLOCK TABLES ran: the session can write other tables again.
    server.execute("CREATE TABLE after_lock (id INTEGER)");
    let status = lback_core::runner::status(server.conn(), &faults::list(&locking))
        .unwrap()
        .0;
    let attempt = status[1].last_attempt.as_ref().expect("recorded");
    assert_eq!(
        (status[1].state(), attempt.statements_done),
        (lback::MigrationState::Dirty, 1)
    );
    // The migration is abandoned: its folder is deleted, and its dirty run
    // can still be cleared by version.
    lback_core::runner::resolve(
        server.conn(),
        &faults::list(&good),
        &faults::version(2),
        lback::Resolution::NotApplied,
    )
    .unwrap();
    assert!(faults::migrate(&mut server, &good)
        .unwrap()
        .applied
        .is_empty());
}
