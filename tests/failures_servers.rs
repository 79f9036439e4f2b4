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
