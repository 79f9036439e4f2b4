//! The command-line edges of `cli_edges.rs` that concern PostgreSQL and
//! MariaDB, on those servers.

#[path = "support/db.rs"]
mod db;
#[path = "support/edges.rs"]
mod edges;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use workflow::Project;

#[test]
fn an_empty_migration_runs_the_sql_of_each_dialect_on_postgres() {
    let project = Project::new("empty-runs-postgres");
    let mut target = targets::PgServer::new();
    edges::an_empty_migration_runs_the_sql_of_each_dialect(&mut target, &project);
}

#[test]
fn an_empty_migration_runs_the_sql_of_each_dialect_on_mysql() {
    let project = Project::new("empty-runs-mysql");
    let mut target = targets::MysqlServer::new();
    edges::an_empty_migration_runs_the_sql_of_each_dialect(&mut target, &project);
}
