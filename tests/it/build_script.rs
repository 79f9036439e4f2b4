//! Build-script generation end to end, with cargo, on a scratch copy of
//! `examples/buildgen` (whose `build.rs` calls `lback::build`): a changed
//! model becomes exactly one migration at the next `cargo build`, which the
//! binary applies; a build with nothing changed neither writes nor reruns
//! the build script; check mode fails a build whose models changed and
//! passes one in step; off mode writes nothing.

use crate::example::Example;
use diesel::prelude::*;
use diesel::sql_types::Text;

const TASK_FIELDS: &str = "    pub done: bool,\n}";
const WITH_PRIORITY: &str =
    "    pub done: bool,\n    #[lback(default = 0)]\n    pub priority: i32,\n}";

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = Text)]
    name: String,
}

fn columns(app: &Example, table: &str) -> Vec<String> {
    let mut conn = SqliteConnection::establish(&app.database().to_string_lossy()).unwrap();
    diesel::sql_query(format!("SELECT name FROM pragma_table_info('{table}')"))
        .load::<ColumnName>(&mut conn)
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect()
}

/// Whether cargo's verbose output shows the app's build script running.
fn ran_build_script(cargo_output: &str) -> bool {
    cargo_output.lines().any(|l| {
        l.contains("Running `")
            && l.contains("/build/buildgen-")
            && l.contains("build-script-build")
    })
}

fn modified(path: &std::path::Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn cargo_build_writes_one_migration_for_a_changed_model_and_then_stays_fresh() {
    let app = Example::copy("buildgen");
    let committed = app.migrations();
    assert_eq!(committed.len(), 1, "{committed:?}");

    // The committed example is in step: nothing is generated.
    let first = app.cargo(&["build"]);
    assert!(!first.contains("lback: wrote"), "{first}");
    assert_eq!(app.migrations(), committed);
    let started = app.run("buildgen");
    assert!(
        started.contains(&format!("Applied {}", committed[0])),
        "{started}"
    );

    // A new field: the next plain build writes its migration.
    app.edit("src/models.rs", TASK_FIELDS, WITH_PRIORITY);
    let built = app.cargo(&["build", "-v"]);
    assert!(ran_build_script(&built), "{built}");
    let after = app.migrations();
    assert_eq!(after.len(), 2, "exactly one new migration: {after:?}");
    let new = &after[1];
    assert!(new.ends_with("_add_tasks_priority"), "{new}");
    assert!(
        built.contains(&format!(
            "warning: buildgen@0.0.0: lback: wrote migrations/{new}/ for the model changes below"
        )) && built.contains("lback:   + add column tasks.priority: integer default 0"),
        "cargo shows what was generated:\n{built}"
    );

    // ... and the same build embedded it: the binary applies it.
    let applied = app.run("buildgen");
    assert!(applied.contains(&format!("Applied {new}")), "{applied}");
    assert!(
        columns(&app, "tasks").contains(&"priority".to_owned()),
        "{:?}",
        columns(&app, "tasks")
    );

    // Nothing changed: no migration, no build script run, no recompile.
    let binary = modified(&app.binary("buildgen"));
    let again = app.cargo(&["build", "-v"]);
    assert!(
        !ran_build_script(&again),
        "the build script ran again although nothing changed:\n{again}"
    );
    assert!(again.contains("Fresh buildgen"), "{again}");
    assert_eq!(app.migrations(), after);
    assert_eq!(modified(&app.binary("buildgen")), binary, "not relinked");

    // A migration folder added by hand (no Rust source touched) reruns the
    // build script, whose run makes the build embed it.
    let seed = app.dir.join("migrations/29990101000000_seed");
    std::fs::create_dir(&seed).unwrap();
    std::fs::write(
        seed.join("up.sql"),
        "INSERT INTO lists (name) VALUES ('someday');\n",
    )
    .unwrap();
    std::fs::write(
        seed.join("down.sql"),
        "DELETE FROM lists WHERE name = 'someday';\n",
    )
    .unwrap();
    let with_seed = app.cargo(&["build", "-v"]);
    assert!(ran_build_script(&with_seed), "{with_seed}");
    assert!(!with_seed.contains("lback: wrote"), "{with_seed}");
    let seeded = app.run("buildgen");
    assert!(seeded.contains("Applied 29990101000000_seed"), "{seeded}");
    let fresh = app.cargo(&["build", "-v"]);
    assert!(!ran_build_script(&fresh), "{fresh}");
}

#[test]
fn check_mode_fails_a_build_whose_models_changed_and_off_mode_writes_nothing() {
    let app = Example::copy("buildgen");
    let check = [("LBACK_BUILD", "check")];
    app.cargo_ok(&["build"], &check);

    app.edit("src/models.rs", TASK_FIELDS, WITH_PRIORITY);
    let failed = app.cargo_with(&["build"], &check);
    assert!(!failed.success, "{}", failed.text);
    assert!(
        failed.text.contains(
            "error: the models have changes that no migration covers (LBACK_BUILD=check):\n    \
             + add column tasks.priority: integer default 0"
        ) && failed.text.contains("Generate the migration"),
        "{}",
        failed.text
    );
    assert_eq!(app.migrations().len(), 1, "check writes nothing");

    let off = app.cargo_ok(&["build", "-v"], &[("LBACK_BUILD", "off")]);
    assert!(ran_build_script(&off), "the variable changed: {off}");
    assert!(!off.contains("lback: wrote"), "{off}");
    assert_eq!(app.migrations().len(), 1, "off writes nothing");

    // Generated under its own name, then the check passes.
    app.cargo_ok(&["build"], &[("LBACK_MIGRATION_NAME", "task_priorities")]);
    let migrations = app.migrations();
    assert_eq!(migrations.len(), 2, "{migrations:?}");
    assert!(
        migrations[1].ends_with("_task_priorities"),
        "{migrations:?}"
    );
    app.cargo_ok(&["build"], &check);
}
