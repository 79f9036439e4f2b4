//! Failures and crashes in the middle of a migration on SQLite: a failing
//! statement at each position, a failing down migration, and `lback
//! migrate` killed with SIGKILL half way (see `support/faults.rs`).

#[path = "support/db.rs"]
mod db;
#[path = "support/faults.rs"]
mod faults;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use diesel::connection::SimpleConnection;
use diesel::RunQueryDsl;
use faults::Slow;
use targets::{SqliteFile, Target};
use workflow::Project;

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

#[test]
fn a_failing_statement_at_each_position_on_sqlite() {
    for k in 1..=faults::N {
        for p in [1, 2, 3] {
            let project = Project::new("fault-sqlite");
            let mut target = SqliteFile::new(&project.dir);
            faults::fault_at(&mut target, k, p);
        }
    }
}

#[test]
fn a_migration_without_statements_is_refused_on_sqlite() {
    let project = Project::new("empty-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    faults::a_migration_without_statements_is_refused(&mut target);
}

#[test]
fn transaction_control_is_refused_on_sqlite() {
    let project = Project::new("transaction-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    faults::transaction_control_is_refused(&mut target);
}

#[test]
fn a_failing_down_migration_on_sqlite() {
    let project = Project::new("fault-down-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    faults::fault_reverting(&mut target);
}

#[test]
fn migrate_killed_half_way_on_sqlite() {
    let project = Project::new("kill-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    faults::kill_mid_migration(&mut target, &project);
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
    let project = Project::new("rebuild-sqlite");
    let mut target = SqliteFile::new(&project.dir);
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
