//! The workflow on SQLite, through the `lback` command as a process.

#[path = "support/db.rs"]
mod db;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use targets::SqliteFile;
use workflow::Project;

#[test]
fn the_workflow_over_six_revisions_on_sqlite() {
    let project = Project::new("workflow-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    workflow::workflow(&mut target, &project);
}

#[test]
fn bad_input_on_sqlite() {
    let project = Project::new("bad-input-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    workflow::bad_input(&mut target, &project);
}

#[test]
fn progress_on_a_terminal_on_sqlite() {
    let project = Project::new("progress-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    workflow::progress_on_a_terminal(&mut target, &project);
}
