//! The integration tests, one binary: every suite is a module here, and a
//! suite that concerns the databases is written once and instantiated for
//! each backend by [`backend_tests!`] — SQLite always, PostgreSQL with the
//! `postgres` feature, MariaDB/MySQL with the `mysql` feature. A plain
//! `cargo test` therefore needs no server; `cargo test --features
//! postgres,mysql --test it` runs every case on all three databases, and a
//! server case panics (it never skips) when `PG_DATABASE_URL` /
//! `MYSQL_DATABASE_URL` is unset or the server unreachable.
//!
//! The test database is [`targets::Target`] (`tests/support/targets.rs`):
//! a SQLite file (or memory), a scratch PostgreSQL schema, a scratch
//! MariaDB database, each made for the test and dropped after it, so the
//! cases run in parallel. A test's name says its backend:
//! `cli_workflow::postgres::bad_input`; `cargo test --test it mysql` runs
//! the MariaDB cases (with the feature).
//!
//! Suites for the servers only are modules under their features:
//! `online_servers` (both), `lease_mysql` and `resume_mysql` (`mysql`).
//!
//! Not here, each a binary of its own: the suites that depend on exactly
//! which models the global registry holds (`attributes`, `registry`,
//! `registry_conflicts`, `snapshot`: this binary's models, e.g.
//! `composite_fk`'s two `order lines` structs, would change what they
//! read), trybuild's `compile_fail`, and `cluster_galera` (it needs the
//! Galera cluster, `.ci/galera.sh`; it also uses `tests/support/`).
//! Nothing in this binary reads the model registry (the `lback` command
//! runs as a process, without models); a case that does would see every
//! model derived here.

// A case listed for one server only is unused when that server's feature
// is off (a plain `cargo test`).
#![cfg_attr(not(all(feature = "postgres", feature = "mysql")), allow(dead_code))]

// `tests/support/` is shared with `cluster_galera`, a binary of its own.
#[cfg(feature = "mysql")]
#[path = "../support/cluster_fixture.rs"]
mod cluster_fixture;
#[path = "../support/db.rs"]
mod db;
#[path = "../support/targets.rs"]
mod targets;
#[path = "../support/workflow.rs"]
mod workflow;

/// Instantiates the cases of a suite for every enabled backend.
///
/// Each case is `fn case<T: Target>(db: &mut T, project: &Project)`: a
/// fresh database of the backend (a SQLite file in the project's
/// directory, a scratch schema or database on a server) and a temporary
/// project directory. The first list runs on every backend; the optional
/// `sqlite:`, `postgres:` and `mysql:` lists add cases that concern only
/// those backends:
///
/// ```ignore
/// backend_tests!(workflow, bad_input; postgres: concurrent_index);
/// ```
///
/// gives `sqlite::workflow`, `sqlite::bad_input`, and with the features
/// `postgres::workflow`, `postgres::bad_input`, `postgres::concurrent_index`,
/// `mysql::workflow`, `mysql::bad_input`.
macro_rules! backend_tests {
    (
        $($case:ident),* $(,)?
        $(; sqlite: $($s:ident),* $(,)?)?
        $(; postgres: $($p:ident),* $(,)?)?
        $(; mysql: $($m:ident),* $(,)?)?
        $(;)?
    ) => {
        backend_tests!(@backend sqlite, SqliteFile, [$($case)* $($($s)*)?]);
        backend_tests!(@backend #[cfg(feature = "postgres")] postgres, PgServer, [$($case)* $($($p)*)?]);
        backend_tests!(@backend #[cfg(feature = "mysql")] mysql, MysqlServer, [$($case)* $($($m)*)?]);
    };
    (@backend $(#[$cfg:meta])* $backend:ident, $db:ident, [$($case:ident)*]) => {
        $(#[$cfg])*
        mod $backend {
            $(
                #[test]
                fn $case() {
                    $crate::run_case::<$crate::targets::$db>(stringify!($case), super::$case);
                }
            )*
        }
    };
}

/// Runs one case on a fresh database of `T` in a fresh project.
fn run_case<T: targets::Target>(name: &str, case: fn(&mut T, &workflow::Project)) {
    let (project, mut db) = scratch::<T>(name);
    case(&mut db, &project);
    // The database first: a SQLite file lives in the project's directory.
    drop(db);
    drop(project);
}

/// A fresh project directory and a fresh database of `T` (a SQLite file
/// in that directory), for a case that needs more than one.
fn scratch<T: targets::Target>(label: &str) -> (workflow::Project, T) {
    let project = workflow::Project::new(&format!("{label}-{}", T::DIALECT.name()));
    let db = T::in_dir(&project.dir);
    (project, db)
}

// `lback::migrate` runs what one `embed_migrations!` compiled into the
// binary: the library fixture, shared by `library_api` and `concurrent`.
lback::embed_migrations!("tests/fixtures/library/migrations");

mod adopt;
#[cfg(feature = "postgres")]
mod build_features;
mod build_script;
mod cli_edges;
mod cli_workflow;
mod composite_fk;
mod concurrent;
#[cfg(all(feature = "postgres", feature = "mysql"))]
mod diesel_evolution;
#[cfg(all(feature = "postgres", feature = "mysql"))]
mod diesel_oracle;
mod embed_rebuild;
mod example;
mod failures;
mod faults;
mod golden_sql;
mod guards;
mod introspect;
#[cfg(feature = "mysql")]
mod lease_mysql;
mod library_api;
#[cfg(all(feature = "postgres", feature = "mysql"))]
mod online_servers;
#[cfg(feature = "mysql")]
mod resume_mysql;
mod roundtrip;
mod schema_rs_cli;
mod tracking;
mod type_mapping;
mod validate;
