//! The workflow on Postgres (feature `postgres`, server from the environment),
//! through the `lback` command as a process.

#[path = "support/db.rs"]
mod db;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use targets::PgServer;
use workflow::Project;

#[test]
fn the_workflow_over_six_revisions_on_postgres() {
    let project = Project::new("workflow-postgres");
    let mut target = PgServer::new();
    workflow::workflow(&mut target, &project);
}

#[test]
fn bad_input_on_postgres() {
    let project = Project::new("bad-input-postgres");
    let mut target = PgServer::new();
    workflow::bad_input(&mut target, &project);
}

#[test]
fn progress_on_a_terminal_on_postgres() {
    let project = Project::new("progress-postgres");
    let mut target = PgServer::new();
    workflow::progress_on_a_terminal(&mut target, &project);
}
