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
