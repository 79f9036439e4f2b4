//! Composite foreign keys on PostgreSQL and MariaDB, end to end (see
//! `support/composite_fk.rs`).

#[path = "support/composite_fk.rs"]
mod composite_fk;
#[path = "support/db.rs"]
mod db;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

#[test]
fn composite_foreign_keys_on_postgres() {
    let project = workflow::Project::new("composite-fk-postgres");
    let mut target = targets::PgServer::new();
    composite_fk::composite_foreign_keys(&mut target, &project);
}

#[test]
fn composite_foreign_keys_on_mysql() {
    let project = workflow::Project::new("composite-fk-mysql");
    let mut target = targets::MysqlServer::new();
    composite_fk::composite_foreign_keys(&mut target, &project);
}
