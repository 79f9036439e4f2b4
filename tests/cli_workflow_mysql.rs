//! The workflow on Mysql (feature `mysql`, server from the environment),
//! through the `lback` command as a process.

#[path = "support/db.rs"]
mod db;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use targets::MysqlServer;
use workflow::Project;

#[test]
fn the_workflow_over_six_revisions_on_mysql() {
    let project = Project::new("workflow-mysql");
    let mut target = MysqlServer::new();
    workflow::workflow(&mut target, &project);
}

#[test]
fn bad_input_on_mysql() {
    let project = Project::new("bad-input-mysql");
    let mut target = MysqlServer::new();
    workflow::bad_input(&mut target, &project);
}

#[test]
fn progress_on_a_terminal_on_mysql() {
    let project = Project::new("progress-mysql");
    let mut target = MysqlServer::new();
    workflow::progress_on_a_terminal(&mut target, &project);
}
