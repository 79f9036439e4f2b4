//! Composite foreign keys on SQLite, end to end (see
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
fn composite_foreign_keys_on_sqlite() {
    let project = workflow::Project::new("composite-fk-sqlite");
    let mut target = targets::SqliteFile::new(&project.dir);
    composite_fk::composite_foreign_keys(&mut target, &project);
}
