//! Adopting lback and detecting drift on SQLite (no server needed). The
//! suites are shared with `adopt_servers.rs`.

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

use targets::SqliteFile;
use workflow::Project;

/// Runs `suite` on a fresh SQLite file in a fresh project.
fn on_sqlite(label: &str, suite: fn(&mut SqliteFile, &Project)) {
    let project = Project::new(label);
    let mut target = SqliteFile::new(&project.dir);
    suite(&mut target, &project);
}

#[test]
fn no_false_drift_on_sqlite() {
    on_sqlite("drift-none-sqlite", drift::no_false_drift);
}

#[test]
fn hand_made_drift_on_sqlite() {
    on_sqlite("drift-hand-sqlite", drift::hand_made_drift);
}

#[test]
fn check_command_on_sqlite() {
    on_sqlite("drift-check-sqlite", drift::check_command);
}

#[test]
fn drift_and_migrate_on_sqlite() {
    on_sqlite("drift-migrate-sqlite", drift::drift_and_migrate);
}

#[test]
fn inspect_an_app_database_on_sqlite() {
    let project = Project::new("inspect-sqlite");
    let mut original = SqliteFile::new(&project.dir);
    let fresh_dir = project.dir.join("fresh");
    std::fs::create_dir_all(&fresh_dir).unwrap();
    let mut fresh = SqliteFile::new(&fresh_dir);
    inspect::inspect_proof(&mut original, &mut fresh, &project);
}

#[test]
fn diesel_project_continues_on_sqlite() {
    on_sqlite("diesel-continues-sqlite", history::diesel_project_continues);
}

#[test]
fn fresh_database_from_diesel_history_on_sqlite() {
    on_sqlite(
        "diesel-fresh-sqlite",
        history::fresh_database_from_diesel_history,
    );
}

#[test]
fn fake_apply_on_sqlite() {
    on_sqlite("fake-sqlite", history::fake_apply);
}

#[test]
fn diesel_schema_rs_is_taken_over_on_sqlite() {
    on_sqlite(
        "diesel-schema-rs-sqlite",
        history::diesel_schema_rs_is_taken_over,
    );
}

#[test]
fn inspect_refuses_pending_history_on_sqlite() {
    on_sqlite(
        "diesel-pending-sqlite",
        history::inspect_refuses_pending_history,
    );
}

/// A baseline written but not recorded (the database refused the write)
/// says what was written and how to finish; that way finishes it.
#[test]
fn inspect_says_how_to_finish_when_recording_fails_on_sqlite() {
    let project = Project::new("inspect-unrecorded-sqlite");
    let mut target = SqliteFile::new(&project.dir);
    targets::Target::execute(
        &mut target,
        "CREATE TABLE users (id INTEGER PRIMARY KEY NOT NULL)",
    );
    project.models(&lback::schema::Schema::new());
    let read_only = format!("file:{}?mode=ro", targets::Target::url(&target));
    let out = project.lback(&read_only, &["inspect", "--output", "src/models.rs"]);
    assert_eq!(out.status.code(), Some(1));
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let folders = project.folders();
    assert_eq!(folders.len(), 1, "{folders:?}");
    let version = folders[0].split('_').next().unwrap().to_owned();
    assert!(
        said.contains("recording the baseline as applied failed: "),
        "{said}"
    );
    assert!(said.contains("Written: src/models.rs, "), "{said}");
    assert!(
        said.contains(&format!(
            "finish with `lback migrate --fake {version}` (running `inspect` again refuses"
        )),
        "{said}"
    );
    assert!(project.dir.join("src/models.rs").exists());
    let out = project.lback(
        &targets::Target::url(&target),
        &["migrate", "--fake", &version],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        targets::Target::count(
            &mut target,
            "SELECT COUNT(*) AS n FROM __diesel_schema_migrations"
        ),
        1
    );
}

#[test]
fn fake_allow_changed_on_sqlite() {
    on_sqlite("fake-allow-changed-sqlite", history::fake_allow_changed);
}
