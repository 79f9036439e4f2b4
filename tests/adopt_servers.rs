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
    inspect_refuses_pending_history => history::inspect_refuses_pending_history;
    fake_allow_changed => history::fake_allow_changed;
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

/// `migrate --fake` under the lease lock (`LBACK_LOCK=lease`) records
/// through the lease's fence: once another process has taken the lease
/// over, the fake-apply records nothing. The takeover is a trigger that
/// bumps the lease's token when lback records the checksum of a version
/// diesel applied (the write before the fake-apply's own records).
#[test]
fn fake_after_losing_the_lease_records_nothing_on_mysql() {
    use targets::Target;
    let project = Project::new("fake-lease-lost-my");
    let mut target = MysqlServer::new();
    let dir = project.migrations();
    drift::write_migration(
        &dir,
        drift::drift_targets(),
        <MysqlServer as Target>::DIALECT,
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
        <MysqlServer as Target>::DIALECT,
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
