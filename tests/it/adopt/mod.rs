//! Adopting lback and detecting drift, on each database: drift of every
//! kind made by hand and none on a fresh schema, `check`, diesel_cli
//! histories, `migrate --fake`, and `inspect` of an application's
//! database (the suites are `drift.rs`, `history.rs`, `inspect.rs`).

mod drift;
mod history;
mod inspect;

use crate::targets::{SqliteFile, Target};
use crate::workflow::Project;
use drift::{check_command, drift_and_migrate, hand_made_drift, no_false_drift};
use history::{
    diesel_project_continues, diesel_schema_rs_is_taken_over, fake_allow_changed, fake_apply,
    fresh_database_from_diesel_history, inspect_refuses_pending_history,
};

backend_tests!(
    no_false_drift,
    hand_made_drift,
    check_command,
    drift_and_migrate,
    inspect_an_app_database,
    diesel_project_continues,
    fresh_database_from_diesel_history,
    fake_apply,
    diesel_schema_rs_is_taken_over,
    inspect_refuses_pending_history,
    fake_allow_changed
);

/// `inspect` of a 33-table database, compared by catalog with a fresh one
/// built from the baseline.
fn inspect_an_app_database<T: Target>(original: &mut T, project: &Project)
where
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, T::Conn, inspect::Line>,
{
    let fresh_dir = project.dir.join("fresh");
    std::fs::create_dir_all(&fresh_dir).unwrap();
    let mut fresh = T::in_dir(&fresh_dir);
    inspect::inspect_proof(original, &mut fresh, project);
}

/// A baseline written but not recorded (the database refused the write)
/// says what was written and how to finish; that way finishes it.
#[test]
fn inspect_says_how_to_finish_when_recording_fails_on_sqlite() {
    let (project, mut target) = crate::scratch::<SqliteFile>("inspect-unrecorded");
    Target::execute(
        &mut target,
        "CREATE TABLE users (id INTEGER PRIMARY KEY NOT NULL)",
    );
    project.models(&lback::schema::Schema::new());
    let read_only = format!("file:{}?mode=ro", Target::url(&target));
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
    let out = project.lback(&Target::url(&target), &["migrate", "--fake", &version]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        Target::count(
            &mut target,
            "SELECT COUNT(*) AS n FROM __diesel_schema_migrations"
        ),
        1
    );
}

/// `migrate --fake` under the lease lock (`LBACK_LOCK=lease`) records
/// through the lease's fence: once another process has taken the lease
/// over, the fake-apply records nothing. The takeover is a trigger that
/// bumps the lease's token when lback records the checksum of a version
/// diesel applied (the write before the fake-apply's own records).
#[cfg(feature = "mysql")]
#[test]
fn fake_after_losing_the_lease_records_nothing_on_mysql() {
    let project = Project::new("fake-lease-lost-my");
    let mut target = crate::targets::MysqlServer::new();
    let dir = project.migrations();
    drift::write_migration(
        &dir,
        drift::drift_targets(),
        <crate::targets::MysqlServer as Target>::DIALECT,
        "first",
    );
    let mut next = drift::drift_targets();
    next.upsert(
        lback::schema::Table::new("later")
            .with_column(
                lback::schema::Column::new("id", lback::schema::ColumnType::BigInt)
                    .auto_increment(),
            )
            .with_primary_key(["id"]),
    );
    drift::write_migration(
        &dir,
        next.clone(),
        <crate::targets::MysqlServer as Target>::DIALECT,
        "later",
    );
    project.models(&next);
    let folders = project.folders();
    let first = folders[0].split('_').next().unwrap().to_owned();
    let url = target.url();
    let lback = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lback"))
            .current_dir(&project.dir)
            .env("DATABASE_URL", &url)
            .env("LBACK_LOCK", "lease")
            .arg("--models")
            .arg("models.json")
            .args(args)
            .output()
            .expect("the lback command runs")
    };
    let said = |out: &std::process::Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    let out = lback(&["migrate", &first]);
    assert!(out.status.success(), "{}", said(&out));
    // As diesel_cli left it: no checksum. Recording it steals the lease.
    target.execute("UPDATE __diesel_schema_migrations SET checksum = NULL");
    target.execute(
        "CREATE TRIGGER steal_the_lease BEFORE UPDATE ON __diesel_schema_migrations \
         FOR EACH ROW UPDATE __lback_lock SET token = token + 1, owner = 'another process'",
    );

    let out = lback(&["migrate", "--fake"]);
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        said(&out).contains("lback's migration lease was taken over by another process"),
        "{}",
        said(&out)
    );
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations"),
        1,
        "nothing recorded after the lease was lost"
    );
}

/// The models in the project's `src/models.rs`, read as the build script
/// reads them, made the models the command is given.
fn use_source_models(project: &Project) -> lback::schema::Schema {
    let schema = lback::build::Builder::new()
        .manifest_dir(&project.dir)
        .models_in("src/models.rs")
        .cfg(lback::build::Cfg::new())
        .read_models()
        .unwrap()
        .schema;
    project.models(&schema);
    schema
}
