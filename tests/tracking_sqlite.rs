//! lback's tracking tables on SQLite: databases set up by diesel or by an
//! earlier lback, and a failure recording a migration (see
//! `support/tracking.rs`).

#[path = "support/db.rs"]
mod db;
#[path = "support/faults.rs"]
mod faults;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/tracking.rs"]
mod tracking;
#[path = "support/workflow.rs"]
mod workflow;

use targets::SqliteFile;
use workflow::Project;

/// A SQLite file in a project directory of its own (kept with the project).
fn sqlite(name: &str) -> (Project, SqliteFile) {
    let project = Project::new(name);
    let target = SqliteFile::new(&project.dir);
    (project, target)
}

#[test]
fn upgrade_from_the_checksums_table_on_sqlite() {
    let (_project, mut target) = sqlite("upgrade-checksums");
    tracking::upgrade_from_the_checksums_table(&mut target);
}

#[test]
fn upgrade_from_diesels_table_on_sqlite() {
    let (_project, mut target) = sqlite("upgrade-diesel");
    tracking::upgrade_from_diesels_table(&mut target);
}

#[test]
fn a_failure_recording_the_migration_on_sqlite() {
    let (_project, mut target) = sqlite("recording-fails");
    tracking::a_failure_recording_the_migration(&mut target);
}

#[test]
fn a_failure_at_commit_on_sqlite() {
    let (_project, mut target) = sqlite("commit-fails");
    tracking::a_failure_at_commit(&mut target);
}

#[test]
fn status_for_a_reader_on_sqlite() {
    use diesel::Connection;
    let (project, mut target) = sqlite("reader");
    let path = project.dir.join("app.db");
    let mut reader =
        diesel::SqliteConnection::establish(&format!("file:{}?mode=ro", path.display())).unwrap();
    tracking::status_for_a_reader(&mut target, &mut reader);
}
