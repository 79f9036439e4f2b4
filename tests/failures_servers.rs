//! Failures and crashes in the middle of a migration on PostgreSQL and
//! MariaDB/MySQL (features `postgres` and `mysql`, servers from the
//! environment): see `support/faults.rs`.

#[path = "support/db.rs"]
mod db;
#[path = "support/faults.rs"]
mod faults;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use faults::Slow;
use targets::{MysqlServer, PgServer, Target};
use workflow::Project;

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

#[test]
fn a_failing_statement_at_each_position_on_postgres() {
    for k in 1..=faults::N {
        for p in [1, 2, 3] {
            faults::fault_at(&mut PgServer::new(), k, p);
        }
    }
}

#[test]
fn a_failing_statement_at_each_position_on_mysql() {
    for k in 1..=faults::N {
        for p in [1, 2, 3] {
            faults::fault_at(&mut MysqlServer::new(), k, p);
        }
    }
}

#[test]
fn failures_on_a_mysql_database_with_another_collation() {
    // Tables take the database's collation, literals the connection's:
    // lback's one tracking query must not mix them.
    let mut server = MysqlServer::with_charset("utf8mb4", "utf8mb4_unicode_ci");
    faults::fault_at(&mut server, 2, 2);
}

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

#[test]
fn a_migration_without_statements_is_refused_on_postgres() {
    faults::a_migration_without_statements_is_refused(&mut PgServer::new());
}

#[test]
fn a_migration_without_statements_is_refused_on_mysql() {
    faults::a_migration_without_statements_is_refused(&mut MysqlServer::new());
}

#[test]
fn a_failing_down_migration_on_postgres() {
    faults::fault_reverting(&mut PgServer::new());
}

#[test]
fn a_failing_down_migration_on_mysql() {
    faults::fault_reverting(&mut MysqlServer::new());
}

#[test]
fn migrate_killed_half_way_on_postgres() {
    let project = Project::new("kill-postgres");
    faults::kill_mid_migration(&mut PgServer::new(), &project);
}

#[test]
fn migrate_killed_half_way_on_mysql() {
    let project = Project::new("kill-mysql");
    faults::kill_mid_migration(&mut MysqlServer::new(), &project);
}
