//! Adopting lback and detecting drift on PostgreSQL and MariaDB/MySQL
//! (features `postgres` and `mysql`, servers from `PG_DATABASE_URL` and
//! `MYSQL_DATABASE_URL`; a missing server fails the test). The suites are
//! shared with `adopt_sqlite.rs`.

#[path = "support/db.rs"]
mod db;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

#[path = "adopt/drift.rs"]
mod drift;
#[path = "adopt/history.rs"]
mod history;
#[path = "adopt/inspect.rs"]
mod inspect;

use targets::{MysqlServer, PgServer};
use workflow::Project;

macro_rules! on_servers {
    ($($name:ident => $suite:path;)*) => {
        mod postgres {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let project = Project::new(concat!(stringify!($name), "-pg"));
                    let mut target = PgServer::new();
                    $suite(&mut target, &project);
                }
            )*
        }
        mod mysql {
            use super::*;
            $(
                #[test]
                fn $name() {
                    let project = Project::new(concat!(stringify!($name), "-my"));
                    let mut target = MysqlServer::new();
                    $suite(&mut target, &project);
                }
            )*
        }
    };
}

on_servers! {
    no_false_drift => drift::no_false_drift;
    hand_made_drift => drift::hand_made_drift;
    check_command => drift::check_command;
    drift_and_migrate => drift::drift_and_migrate;
    diesel_project_continues => history::diesel_project_continues;
    fresh_database_from_diesel_history => history::fresh_database_from_diesel_history;
    fake_apply => history::fake_apply;
    diesel_schema_rs_is_taken_over => history::diesel_schema_rs_is_taken_over;
}

#[test]
fn inspect_an_app_database_on_postgres() {
    let project = Project::new("inspect-pg");
    let (mut original, mut fresh) = (PgServer::new(), PgServer::new());
    inspect::inspect_proof(&mut original, &mut fresh, &project);
}

#[test]
fn inspect_an_app_database_on_mysql() {
    let project = Project::new("inspect-my");
    let (mut original, mut fresh) = (MysqlServer::new(), MysqlServer::new());
    inspect::inspect_proof(&mut original, &mut fresh, &project);
}
