//! A build script never shares cargo features with the runtime `lback`:
//! an application that forwards a feature to lback (`[features] pg =
//! ["lback/postgres"]`, the usual way to pick a backend) still builds, its
//! build script generates, and the binary migrates.
//!
//! cargo applies such a feature to every dependency named `lback`, build
//! dependencies included; a build script depending on `lback` compiled
//! diesel with other features than the application, against the one
//! diesel_derives both share, and failed (`could not find sqlite in the
//! crate root`). The build script depends on `lback-build` instead.
//!
//! Needs libpq, as the application then links it: runs with the
//! `postgres` feature (`.ci/run`'s server suites), no server needed.

use crate::example::Example;

#[test]
fn an_app_forwarding_a_database_feature_to_lback_builds_and_generates() {
    let app = Example::copy("buildgen");
    app.edit(
        "Cargo.toml",
        "[dependencies]",
        "[features]\npg = [\"lback/postgres\", \"diesel/postgres\"]\n\n[dependencies]",
    );

    let built = app.cargo_ok(&["build", "--features", "pg"], &[]);
    assert!(!built.contains("lback: wrote"), "{built}");
    let started = app.run("buildgen");
    assert!(started.contains("Applied "), "{started}");

    // The build script still generates with the feature on.
    app.edit(
        "src/models.rs",
        "    pub done: bool,\n}",
        "    pub done: bool,\n    #[lback(default = 0)]\n    pub priority: i32,\n}",
    );
    let built = app.cargo_ok(
        &["build", "--features", "pg"],
        &[("LBACK_BUILD", "generate")],
    );
    assert!(
        built.contains("lback:   + add column tasks.priority: integer default 0"),
        "{built}"
    );
    let applied = app.run("buildgen");
    assert!(applied.contains("_add_tasks_priority"), "{applied}");
}
