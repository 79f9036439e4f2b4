//! The `lback` command on a project's source, as a new user meets it:
//! `makemigrations` reads the models from `src/` (nothing compiled) and
//! writes the migration with diesel's schema.rs; `--check` and `schema`
//! keep schema.rs in step; no model at all is never "drop every table".

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Project {
    dir: PathBuf,
}

impl Project {
    fn new(models: &str) -> Project {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "lback-schema-rs-cli-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"app\"\nversion = \"0.0.0\"\n",
        )
        .unwrap();
        let project = Project { dir };
        project.models(models);
        project
    }

    fn models(&self, models: &str) {
        std::fs::write(
            self.dir.join("src/lib.rs"),
            format!("pub mod schema;\nuse diesel::prelude::*;\n{models}"),
        )
        .unwrap();
    }

    fn lback(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lback"))
            .args(args)
            .current_dir(&self.dir)
            .env_remove("DATABASE_URL")
            .output()
            .unwrap()
    }

    fn schema_rs(&self) -> String {
        std::fs::read_to_string(self.dir.join("src/schema.rs")).unwrap_or_default()
    }

    fn migrations(&self) -> usize {
        std::fs::read_dir(self.dir.join("migrations"))
            .map(|d| {
                d.flatten()
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count()
            })
            .unwrap_or(0)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const USER: &str = "
#[derive(Queryable, Selectable, Insertable, lback::Model)]
#[diesel(table_name = crate::schema::users)]
pub struct User {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(max_length = 255)]
    pub email: String,
}
";

#[test]
fn makemigrations_reads_the_source_and_writes_schema_rs_with_the_migration() {
    let p = Project::new(USER);
    let made = p.lback(&["makemigrations", "create_users", "--dialect", "postgres"]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(
        text(&made).contains("+ create table users"),
        "{}",
        text(&made)
    );
    assert_eq!(p.migrations(), 1);
    let schema = p.schema_rs();
    assert!(
        schema.contains(
            "    users (id) {\n        id -> Int8,\n        #[max_length = 255]\n        email -> Varchar,\n    }"
        ),
        "{schema}"
    );

    // The loop: a field added (the crate would not compile now), one command.
    p.models(&USER.replace(
        "pub email: String,",
        "pub email: String,\n    pub bio: Option<String>,",
    ));
    let check = p.lback(&["makemigrations", "--check"]);
    assert_eq!(check.status.code(), Some(3), "{}", text(&check));
    let made = p.lback(&["makemigrations", "add_bio"]);
    assert!(made.status.success(), "{}", text(&made));
    assert!(p.schema_rs().contains("        bio -> Nullable<Text>,\n"));
    assert_eq!(p.migrations(), 2);

    // Nothing changed: nothing written, schema.rs not touched.
    let before = std::fs::metadata(p.dir.join("src/schema.rs"))
        .unwrap()
        .modified()
        .unwrap();
    let same = p.lback(&["makemigrations", "again"]);
    assert!(
        text(&same).contains("No changes detected."),
        "{}",
        text(&same)
    );
    let check = p.lback(&["makemigrations", "--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert_eq!(p.migrations(), 2);
    let after = std::fs::metadata(p.dir.join("src/schema.rs"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(before, after);
}

#[test]
fn a_stale_schema_rs_fails_the_check_naming_the_lines_and_schema_rewrites_it() {
    let p = Project::new(USER);
    assert!(p
        .lback(&["makemigrations", "create_users", "--dialect", "sqlite"])
        .status
        .success());
    let good = p.schema_rs();
    std::fs::write(
        p.dir.join("src/schema.rs"),
        good.replace("email -> Text", "mail -> Text"),
    )
    .unwrap();
    let check = p.lback(&["makemigrations", "--check"]);
    let out = text(&check);
    assert_eq!(check.status.code(), Some(3), "{out}");
    assert!(
        out.contains("src/schema.rs is not what the migrations say")
            && out.contains("-         mail -> Text,")
            && out.contains("+         email -> Text,"),
        "{out}"
    );
    let schema_check = p.lback(&["schema", "--check"]);
    assert_eq!(schema_check.status.code(), Some(3));
    let rewrite = p.lback(&["schema"]);
    assert!(rewrite.status.success(), "{}", text(&rewrite));
    assert_eq!(p.schema_rs(), good);
    assert_eq!(
        p.lback(&["makemigrations", "--check"]).status.code(),
        Some(0)
    );
    assert_eq!(p.migrations(), 1, "schema writes no migration");
}

#[test]
fn no_model_at_all_is_an_error_saying_where_lback_looked_never_drop_every_table() {
    let p = Project::new(USER);
    assert!(p
        .lback(&["makemigrations", "create_users", "--dialect", "sqlite"])
        .status
        .success());
    // The models moved away (or lback runs in the wrong folder).
    p.models("pub struct NotAModel;\n");
    let made = p.lback(&["makemigrations", "oops"]);
    let out = text(&made);
    assert_eq!(made.status.code(), Some(1), "{out}");
    assert!(
        out.contains("lback found no model in") && out.contains("src/lib.rs"),
        "{out}"
    );
    assert!(!out.contains("drop table"), "{out}");
    assert_eq!(p.migrations(), 1);
    // Said on purpose: the migration drops the table.
    let made = p.lback(&["makemigrations", "drop_all", "--allow-no-models"]);
    assert!(text(&made).contains("drop table users"), "{}", text(&made));

    // A new project with no models: the same error, not "No changes".
    let empty = Project::new("");
    let made = empty.lback(&["makemigrations", "step_1", "--dialect", "sqlite"]);
    assert_eq!(made.status.code(), Some(1), "{}", text(&made));
    assert!(text(&made).contains("lback found no model"));
}

#[test]
fn empty_migrations_and_dry_runs_leave_schema_rs_alone_and_none_turns_it_off() {
    let p = Project::new(USER);
    let dry = p.lback(&[
        "makemigrations",
        "create_users",
        "--dialect",
        "sqlite",
        "--dry-run",
    ]);
    assert!(dry.status.success(), "{}", text(&dry));
    assert!(!p.dir.join("src/schema.rs").exists());
    let off = p.lback(&[
        "makemigrations",
        "create_users",
        "--dialect",
        "sqlite",
        "--schema-file",
        "none",
    ]);
    assert!(off.status.success(), "{}", text(&off));
    assert!(!p.dir.join("src/schema.rs").exists());
    let empty = p.lback(&["makemigrations", "data", "--empty"]);
    assert!(empty.status.success(), "{}", text(&empty));
    assert!(!p.dir.join("src/schema.rs").exists());
}

#[test]
fn help_describes_the_command_not_lback_core() {
    let help = Command::new(env!("CARGO_BIN_EXE_lback"))
        .arg("--help")
        .output()
        .unwrap();
    let out = text(&help);
    assert!(
        out.starts_with(
            "Model-first migrations for diesel: generate migrations and diesel's schema.rs"
        ),
        "{out}"
    );
    assert!(!out.contains("(later)"), "{out}");
    assert!(Path::new(env!("CARGO_BIN_EXE_lback")).exists());
}

#[test]
fn a_schema_rs_that_cannot_be_written_takes_the_migration_back_out() {
    let p = Project::new(USER);
    // A folder where the file should go: the write fails after the
    // migration folder was written.
    std::fs::create_dir_all(p.dir.join("src/schema.rs")).unwrap();
    let made = p.lback(&["makemigrations", "create_users", "--dialect", "sqlite"]);
    assert_eq!(made.status.code(), Some(1), "{}", text(&made));
    assert_eq!(p.migrations(), 0, "both or neither: {}", text(&made));
    let snapshot =
        std::fs::read_to_string(p.dir.join("migrations/.lback/schema.json")).unwrap_or_default();
    assert!(!snapshot.contains("users"), "{snapshot}");
    // With the obstacle gone, the same command works.
    std::fs::remove_dir(p.dir.join("src/schema.rs")).unwrap();
    let made = p.lback(&["makemigrations", "create_users", "--dialect", "sqlite"]);
    assert!(made.status.success(), "{}", text(&made));
    assert_eq!(p.migrations(), 1);
}
