//! A diesel_cli project continuing with lback, and fake-applying; written
//! once for every database, through the `lback` command.

use std::process::Output;

use lback::schema::{Column, ColumnType as Ty, Schema, Table};
use lback_core::sql::Dialect;

use super::drift::{drift_targets, write_migration};
use super::use_source_models;
use crate::targets::Target;
use crate::workflow::Project;

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn stdout_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// diesel_cli's folders: two in its dashed form, one in the compact one.
const DIESEL: &[(&str, &str, &str)] = &[
    (
        "2024-01-15-093000_create_users",
        "CREATE TABLE users (id BIGINT PRIMARY KEY NOT NULL, email VARCHAR(100) NOT NULL);\n",
        "DROP TABLE users;\n",
    ),
    (
        "20240115093001_create_posts",
        "CREATE TABLE posts (id BIGINT PRIMARY KEY NOT NULL, user_id BIGINT NOT NULL, \
         CONSTRAINT fk_posts_user_id FOREIGN KEY (user_id) REFERENCES users (id));\n",
        "DROP TABLE posts;\n",
    ),
    (
        "2024-01-16-000000_add_bio",
        "ALTER TABLE users ADD COLUMN bio TEXT;\n",
        "ALTER TABLE users DROP COLUMN bio;\n",
    ),
];

/// Applies the first `applied` diesel migrations as diesel_cli does: its
/// table, the SQL, the version without dashes, no checksum.
fn diesel_applies<T: Target>(target: &mut T, project: &Project, applied: usize) {
    let dir = project.migrations();
    for (name, up, down) in DIESEL {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("up.sql"), up).unwrap();
        std::fs::write(folder.join("down.sql"), down).unwrap();
    }
    target.execute(
        "CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
    );
    for (name, up, _) in &DIESEL[..applied] {
        target.execute(up);
        let version = name.split('_').next().unwrap().replace('-', "");
        target.execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ('{version}')"
        ));
    }
}

/// A diesel_cli project: its history is read in diesel's order, what diesel
/// applied gets a checksum the first time (and lback says so), `inspect`
/// adds a baseline after it that runs nothing, and lback's migrations
/// follow.
pub fn diesel_project_continues<T: Target>(target: &mut T, project: &Project) {
    diesel_applies(target, project, 2);
    project.models(&Schema::new());
    let url = target.url();

    let out = project.lback(&url, &["showmigrations"]);
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[0].starts_with("[X] 2024-01-15-093000_create_users"),
        "{lines:?}"
    );
    assert!(
        lines[1].starts_with("[X] 20240115093001_create_posts"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("[ ] 2024-01-16-000000_add_bio"),
        "{lines:?}"
    );

    let unchecked = "SELECT COUNT(*) AS n FROM __diesel_schema_migrations WHERE checksum IS NULL";
    let out = project.lback(&url, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    for id in [
        "2024-01-15-093000_create_users",
        "20240115093001_create_posts",
    ] {
        assert!(
            said.contains(&format!(
                "recorded the checksum of {id}, applied without one"
            )),
            "{said}"
        );
    }
    assert!(said.contains("Applied 2024-01-16-000000_add_bio"), "{said}");
    assert_eq!(target.count(unchecked), 0);
    let out = project.lback(&url, &["migrate"]);
    assert!(
        !text(&out).contains("recorded the checksum"),
        "{}",
        text(&out)
    );

    // The recorded checksum is what notices an edit now.
    let up = project.migrations().join(DIESEL[0].0).join("up.sql");
    std::fs::write(&up, format!("{}-- edited\n", DIESEL[0].1)).unwrap();
    let out = project.lback(&url, &["migrate"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("its up SQL has changed since"),
        "{}",
        text(&out)
    );
    std::fs::write(&up, DIESEL[0].1).unwrap();

    // inspect: the baseline comes after diesel's migrations and runs nothing.
    let out = project.lback(&url, &["inspect", "--output", "src/models.rs"]);
    assert!(out.status.success(), "{}", text(&out));
    let folders = project.folders();
    assert_eq!(folders.len(), 4, "{folders:?}");
    assert!(folders[3].ends_with("_baseline"), "{folders:?}");
    assert!(folders[3].as_str() > "20240116000000", "{folders:?}");
    let baseline_up =
        std::fs::read_to_string(project.migrations().join(&folders[3]).join("up.sql")).unwrap();
    assert!(baseline_up.contains("nothing to run"), "{baseline_up}");
    // Once lback has migrations here, the models are the source of truth.
    let out = project.lback(
        &url,
        &["inspect", "--output", "src/other.rs", "--name", "again"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("already holds migrations made by lback"),
        "{}",
        text(&out)
    );
    assert_eq!(project.folders().len(), 4);
    let models = use_source_models(project);
    assert_eq!(models.len(), 2);
    let out = project.lback(&url, &["makemigrations", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = project.lback(&url, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let lines = stdout_lines(&project.lback(&url, &["showmigrations"]));
    assert!(lines.iter().all(|l| l.starts_with("[X] ")), "{lines:?}");

    // lback's own migrations follow, on the adopted database.
    let mut next = models.clone();
    next.upsert(
        Table::new("tags")
            .with_column(Column::new("id", Ty::BigInt).auto_increment())
            .with_column(Column::new("name", Ty::Varchar(30)))
            .with_primary_key(["id"]),
    );
    project.models(&next);
    let out = project.lback(&url, &["makemigrations", "add_tags"]);
    assert!(out.status.success(), "{}", text(&out));
    let folders = project.folders();
    assert!(
        folders[4].ends_with("_add_tags") && folders[4] > folders[3],
        "{folders:?}"
    );
    let out = project.lback(&url, &["migrate"]);
    assert!(text(&out).contains("_add_tags"), "{}", text(&out));
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM tags"), 0);
}

/// A fresh database runs diesel's migrations, the baseline (nothing) and
/// lback's, and matches the models.
pub fn fresh_database_from_diesel_history<T: Target>(target: &mut T, project: &Project) {
    diesel_applies(target, project, 3);
    project.models(&Schema::new());
    let url = target.url();
    // A models file of the user's is not overwritten without --force.
    let models = project.dir.join("src/models.rs");
    std::fs::create_dir_all(models.parent().unwrap()).unwrap();
    std::fs::write(&models, "// mine\n").unwrap();
    let out = project.lback(&url, &["inspect", "--output", "src/models.rs"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("exists; give another --output, or --force to overwrite it"),
        "{}",
        text(&out)
    );
    assert_eq!(std::fs::read_to_string(&models).unwrap(), "// mine\n");
    assert_eq!(project.folders().len(), 3);
    let out = project.lback(&url, &["inspect", "--output", "src/models.rs", "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    // Clear the database: a new one has only the files to go by.
    for table in [
        "posts",
        "users",
        "__diesel_schema_migrations",
        "__lback_attempts",
    ] {
        target.execute(&format!("DROP TABLE {table}"));
    }
    let out = project.lback(&url, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let said = text(&out);
    let order: Vec<usize> = [
        "Applied 2024-01-15-093000_create_users",
        "Applied 20240115093001_create_posts",
        "Applied 2024-01-16-000000_add_bio",
        "_baseline",
    ]
    .iter()
    .map(|needle| {
        said.find(needle)
            .unwrap_or_else(|| panic!("{needle}: {said}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{said}");
    let out = project.lback(&url, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// Two migrations for `dialect`: `first` ([`drift_targets`]), and `later`
/// adding table `later`, with the models of the second; the folders,
/// oldest first.
fn first_and_later(project: &Project, dialect: Dialect) -> Vec<String> {
    let dir = project.migrations();
    write_migration(&dir, drift_targets(), dialect, "first");
    let mut next = drift_targets();
    next.upsert(
        Table::new("later")
            .with_column(Column::new("id", Ty::BigInt).auto_increment())
            .with_primary_key(["id"]),
    );
    write_migration(&dir, next.clone(), dialect, "later");
    project.models(&next);
    project.folders()
}

/// `migrate --fake`: records without running, both ways; unknown versions
/// are refused.
pub fn fake_apply<T: Target>(target: &mut T, project: &Project) {
    let dir = project.migrations();
    let folders = first_and_later(project, T::DIALECT);
    let first = folders[0].split('_').next().unwrap().to_owned();
    let url = target.url();
    // The database already has the first migration's changes.
    let up = std::fs::read_to_string(dir.join(&folders[0]).join("up.sql")).unwrap();
    target.execute(&up);

    let out = project.lback(&url, &["migrate", "--fake", "19990101000000"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("there is no migration `19990101000000`"),
        "{}",
        text(&out)
    );
    let out = project.lback(&url, &["migrate", "--fake", &first]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stdout_lines(&out),
        [format!(
            "Recorded {} as applied (its SQL did not run)",
            folders[0]
        )]
    );
    let checked = "SELECT COUNT(*) AS n FROM __diesel_schema_migrations WHERE checksum IS NOT NULL";
    assert_eq!(target.count(checked), 1);
    let out = project.lback(&url, &["migrate"]);
    assert!(
        text(&out).contains(&format!("Applied {}", folders[1])),
        "{}",
        text(&out)
    );
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM later"), 0);

    // Back to the first: `later` is recorded as not applied, and stays.
    let out = project.lback(&url, &["migrate", "--fake", &first]);
    assert_eq!(
        stdout_lines(&out),
        [format!(
            "Recorded {} as not applied (its down SQL did not run)",
            folders[1]
        )]
    );
    assert_eq!(target.count("SELECT COUNT(*) AS n FROM later"), 0);
    let lines = stdout_lines(&project.lback(&url, &["showmigrations"]));
    assert!(lines[1].starts_with("[ ] "), "{lines:?}");
    // Without a version: every pending one.
    let out = project.lback(&url, &["migrate", "--fake"]);
    assert_eq!(
        stdout_lines(&out),
        [format!(
            "Recorded {} as applied (its SQL did not run)",
            folders[1]
        )]
    );
    let out = project.lback(&url, &["migrate", "--fake"]);
    assert_eq!(
        stdout_lines(&out),
        ["Nothing to record: the database already is at that migration."]
    );
    let out = project.lback(&url, &["check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert_eq!(target.count(checked), 2);
}

/// A diesel_cli project has diesel's schema.rs already. `inspect` writes
/// lback's in its place when the two differ in their header only (what
/// `diesel print-schema` printed for this database); one the user changed
/// otherwise is refused without --force, and nothing is written. After
/// inspect, the checks find schema.rs in step.
pub fn diesel_schema_rs_is_taken_over<T: Target>(target: &mut T, project: &Project) {
    diesel_applies(target, project, 3);
    project.models(&Schema::new());
    let url = target.url();
    let schema_rs = project.dir.join("src/schema.rs");
    std::fs::create_dir_all(schema_rs.parent().unwrap()).unwrap();
    let edited = "// @generated automatically by Diesel CLI.\n\ndiesel::table! {\n    users (id) {\n        \
                  id -> Integer,\n    }\n}\n\n// mine\n";
    std::fs::write(&schema_rs, edited).unwrap();
    let models = project.dir.join("src/models.rs");

    let out = project.lback(&url, &["inspect", "--output", "src/models.rs"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(said.contains("give --force to replace it"), "{said}");
    assert!(said.contains("-         id -> Integer,"), "{said}");
    assert_eq!(std::fs::read_to_string(&schema_rs).unwrap(), edited);
    assert!(!models.exists());
    assert_eq!(project.folders().len(), 3);

    // --force replaces it with lback's.
    let out = project.lback(&url, &["inspect", "--output", "src/models.rs", "--force"]);
    assert!(out.status.success(), "{}", text(&out));
    let lback_text = std::fs::read_to_string(&schema_rs).unwrap();
    assert!(
        lback_text.starts_with(lback::schema_rs::HEADER),
        "{lback_text}"
    );
    assert!(
        lback_text.contains("diesel::table! {\n    posts (id) {"),
        "{lback_text}"
    );
    assert!(
        text(&out).contains("Wrote src/schema.rs (diesel's schema for the models)."),
        "{}",
        text(&out)
    );

    // Back to before inspect: the baseline unrecorded and deleted.
    let folders = project.folders();
    let out = project.lback(&url, &["migrate", "--fake", "20240116000000"]);
    assert!(out.status.success(), "{}", text(&out));
    lback_core::migrations::Migrations::open(&project.migrations())
        .unwrap()
        .delete_newest(&[folders[3].clone()])
        .unwrap();
    std::fs::remove_file(&models).unwrap();
    std::fs::remove_file(project.migrations().join(".lback/settings.json")).ok();
    // What diesel_cli prints for this database: lback's body, diesel's header.
    let body: String = lback_text
        .lines()
        .skip_while(|l| l.starts_with("//"))
        .map(|l| format!("{l}\n"))
        .collect();
    let diesel_text = format!("// @generated automatically by Diesel CLI.\n{body}");
    std::fs::write(&schema_rs, &diesel_text).unwrap();

    let out = project.lback(&url, &["inspect", "--output", "src/models.rs"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(std::fs::read_to_string(&schema_rs).unwrap(), lback_text);
    use_source_models(project);
    let out = project.lback(&url, &["makemigrations", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = project.lback(&url, &["schema", "--check"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

/// `inspect` on a database where part of diesel's history is not applied
/// refuses before writing anything: the baseline would record those
/// migrations as applied though their SQL never ran. After `migrate` it
/// adopts the database.
pub fn inspect_refuses_pending_history<T: Target>(target: &mut T, project: &Project) {
    diesel_applies(target, project, 2);
    project.models(&Schema::new());
    let url = target.url();
    let models = project.dir.join("src/models.rs");
    let recorded = "SELECT COUNT(*) AS n FROM __diesel_schema_migrations";

    let out = project.lback(&url, &["inspect", "--output", "src/models.rs"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(
        said.contains(
            "holds migrations not applied to this database (2024-01-16-000000_add_bio): the \
             baseline would record them as applied though their SQL never ran here; nothing \
             was written. Run `lback migrate` first, or `lback migrate --fake 20240116000000` \
             if the database already has those changes, then `inspect` again"
        ),
        "{said}"
    );
    assert!(!models.exists());
    assert_eq!(project.folders().len(), 3);
    assert_eq!(target.count(recorded), 2);

    let out = project.lback(&url, &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = project.lback(&url, &["inspect", "--output", "src/models.rs"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(project.folders().len(), 4);
    assert_eq!(target.count(recorded), 4);
}

/// `migrate --fake --allow-changed`: an applied migration whose SQL changed
/// is a warning then, as for `migrate --allow-changed`, not a refusal.
pub fn fake_allow_changed<T: Target>(target: &mut T, project: &Project) {
    let dir = project.migrations();
    let folders = first_and_later(project, T::DIALECT);
    let first = folders[0].split('_').next().unwrap().to_owned();
    let url = target.url();
    let out = project.lback(&url, &["migrate", &first]);
    assert!(out.status.success(), "{}", text(&out));
    let up = dir.join(&folders[0]).join("up.sql");
    let sql = std::fs::read_to_string(&up).unwrap();
    std::fs::write(&up, format!("{sql}-- edited\n")).unwrap();

    let out = project.lback(&url, &["migrate", "--fake"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("its up SQL has changed since"),
        "{}",
        text(&out)
    );
    let out = project.lback(&url, &["migrate", "--fake", "--allow-changed"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        stdout_lines(&out),
        [
            format!("Recorded {} as applied (its SQL did not run)", folders[1]),
            format!(
                "warning: migration {} was applied, but its up SQL has changed since",
                folders[0]
            )
        ]
    );
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations"),
        2
    );
}
