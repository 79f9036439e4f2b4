//! The build script's reading of the source and its runs, on scratch
//! crates in the temporary directory (no cargo involved; the end-to-end
//! test with cargo is `tests/it/build_script.rs` of the `lback` package).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::*;
use crate::migrations::tests::TempDir;
use crate::schema::{Column, ColumnType};

/// A scratch crate folder, removed afterwards.
struct Project {
    dir: PathBuf,
    _scratch: TempDir,
}

impl Project {
    fn new() -> Self {
        let scratch = TempDir::new("build");
        Project {
            dir: scratch.0.clone(),
            _scratch: scratch,
        }
    }

    fn write(&self, path: &str, text: &str) -> &Self {
        let path = self.dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
        self
    }

    fn builder(&self) -> Builder {
        Builder::new().manifest_dir(&self.dir).cfg(Cfg::new())
    }

    /// Runs `builder` with `env`; the result and the lines printed.
    fn run(&self, builder: Builder, env: &Env) -> (Result<Report, Error>, Vec<String>) {
        let mut out = Vec::new();
        let result = builder.run_with(env, &mut out);
        let lines = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect();
        (result, lines)
    }

    /// Runs the default builder (SQLite) in generate mode.
    fn generate(&self) -> (Result<Report, Error>, Vec<String>) {
        self.run(self.builder().dialects([Dialect::Sqlite]), &Env::default())
    }

    /// The migration folders, sorted.
    fn migrations(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("migrations")) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        names
    }

    fn models(&self, builder: Builder) -> Result<Schema, Error> {
        builder.read_models().map(|m| m.schema)
    }
}

fn env(mode: Option<&str>, name: Option<&str>, profile: Option<&str>) -> Env {
    Env {
        mode: mode.map(Into::into),
        name: name.map(Into::into),
        profile: profile.map(Into::into),
        ..Env::default()
    }
}

const USER: &str = "
#[derive(lback::Model)]
pub struct User {
    #[lback(primary_key)]
    pub id: i64,
    pub email: String,
}
";

/// [`USER`] with more fields after `email`.
fn user_with(fields: &str) -> String {
    USER.replace(
        "pub email: String,",
        &format!("pub email: String,\n{fields}"),
    )
}

fn table_names(schema: &Schema) -> Vec<String> {
    schema.tables().map(|t| t.name.to_string()).collect()
}

fn source_errors(error: Error) -> Vec<String> {
    match error {
        Error::ModelSource(errors) => errors.iter().map(ToString::to_string).collect(),
        other => panic!("expected source errors, got {other}"),
    }
}

// ---- reading the source -------------------------------------------------

#[test]
fn the_module_tree_is_walked_as_rustc_walks_it() {
    let p = Project::new();
    p.write(
        "src/lib.rs",
        "mod models;\npub mod nested;\n#[path = \"elsewhere/custom.rs\"]\nmod custom;\n\
         mod inline {\n    mod deep;\n    #[derive(lback::Model)]\n    struct Inline { #[lback(primary_key)] id: i64 }\n}\n",
    )
    .write(
        "src/models.rs",
        &format!("{USER}\nmod below;\n"),
    )
    .write(
        "src/models/below.rs",
        "#[derive(lback::Model)] struct Below { #[lback(primary_key)] id: i64 }",
    )
    .write(
        "src/nested/mod.rs",
        "mod child;\n#[derive(lback::Model)] struct Nested { #[lback(primary_key)] id: i64 }",
    )
    .write(
        "src/nested/child.rs",
        "#[derive(lback::Model)] struct Child { #[lback(primary_key)] id: i64 }",
    )
    .write(
        "src/elsewhere/custom.rs",
        "mod sibling;\n#[derive(lback::Model)] struct Custom { #[lback(primary_key)] id: i64 }",
    )
    .write(
        "src/elsewhere/sibling.rs",
        "#[derive(lback::Model)] struct Sibling { #[lback(primary_key)] id: i64 }",
    )
    .write(
        "src/inline/deep.rs",
        "#[derive(lback::Model)] struct Deep { #[lback(primary_key)] id: i64 }",
    )
    .write(
        "src/unrelated.rs",
        "#[derive(lback::Model)] struct Unreached { #[lback(primary_key)] id: i64 }",
    );
    let models = p.builder().read_models().unwrap();
    assert_eq!(
        table_names(&models.schema),
        ["belows", "childs", "customs", "deeps", "inlines", "nesteds", "siblings", "users"]
    );
    let mut read: Vec<String> = models
        .sources
        .iter()
        .map(|f| relative(&p.dir, f).display().to_string())
        .collect();
    read.sort();
    assert_eq!(
        read,
        [
            "src/elsewhere/custom.rs",
            "src/elsewhere/sibling.rs",
            "src/inline/deep.rs",
            "src/lib.rs",
            "src/models.rs",
            "src/models/below.rs",
            "src/nested/child.rs",
            "src/nested/mod.rs",
        ],
        "every file of the module tree, and no other"
    );
}

#[test]
fn lib_and_main_are_both_read_and_a_shared_module_once() {
    let p = Project::new();
    p.write("src/lib.rs", "pub mod models;")
        .write(
            "src/main.rs",
            "mod models;\n#[derive(lback::Model)] struct Job { #[lback(primary_key)] id: i64 }",
        )
        .write("src/models.rs", USER);
    assert_eq!(
        table_names(&p.models(p.builder()).unwrap()),
        ["jobs", "users"]
    );
}

#[test]
fn models_in_reads_the_given_files_only() {
    let p = Project::new();
    p.write(
        "src/lib.rs",
        "#[derive(lback::Model)] struct Ignored { #[lback(primary_key)] id: i64 }",
    )
    .write("src/models.rs", &format!("{USER}\nmod more;"))
    .write(
        "src/models/more.rs",
        "#[derive(lback::Model)] struct More { #[lback(primary_key)] id: i64 }",
    )
    .write(
        "db/extra.rs",
        "#[derive(lback::Model)] struct Extra { #[lback(primary_key)] id: i64 }",
    );
    let builder = p
        .builder()
        .models_in("src/models.rs")
        .models_in("db/extra.rs");
    assert_eq!(
        table_names(&p.models(builder).unwrap()),
        ["extras", "mores", "users"]
    );
}

#[test]
fn only_structs_deriving_lbacks_model_count() {
    let p = Project::new();
    p.write(
        "src/lib.rs",
        r#"
use lback::Model as Table;
use other::Entity;

#[derive(Debug, Clone)]
struct Plain { id: i64 }

#[derive(other::Model)]
struct ForeignDerive { id: i64 }

#[derive(Entity)]
#[lback(table = "not_ours")]
struct ImportedElsewhere { #[lback(primary_key)] id: i64 }

#[derive(Debug, lback::Model)]
struct Qualified { #[lback(primary_key)] id: i64 }

#[derive(::lback::Model)]
struct Absolute { #[lback(primary_key)] id: i64 }

#[derive(Table)]
struct Renamed { #[lback(primary_key)] id: i64 }

#[derive(Model)]
struct Bare { #[lback(primary_key)] id: i64 }

#[derive(Model)]
struct BareWithoutLbackAttributes { id: i64 }

fn body() {
    #[derive(lback::Model)]
    struct InsideAFunction { #[lback(primary_key)] id: i64 }
}

mod shadowed {
    use some_orm::Model;

    #[derive(Model)]
    struct TheirModel { #[lback(primary_key)] id: i64 }
}
"#,
    );
    assert_eq!(
        table_names(&p.models(p.builder()).unwrap()),
        ["absolutes", "bares", "qualifieds", "renameds"]
    );
}

#[test]
fn cfg_and_cfg_attr_are_applied() {
    let p = Project::new();
    p.write(
        "src/lib.rs",
        r#"
#[cfg(test)]
mod tests {
    #[derive(lback::Model)]
    struct Fixture { #[lback(primary_key)] id: i64 }
}

#[cfg(test)]
mod never_read;

#[cfg(feature = "audit")]
#[derive(lback::Model)]
struct Audit { #[lback(primary_key)] id: i64 }

#[cfg(not(feature = "audit"))]
#[derive(lback::Model)]
struct NoAudit { #[lback(primary_key)] id: i64 }

#[cfg_attr(feature = "audit", derive(lback::Model), lback(table = "audit_log"))]
struct Log {
    #[lback(primary_key)]
    id: i64,
    #[cfg(feature = "audit")]
    detail: String,
    #[cfg(not(feature = "audit"))]
    summary: String,
    #[cfg_attr(feature = "audit", lback(max_length = 20))]
    kind: String,
}
"#,
    );
    let off = p.models(p.builder()).unwrap();
    assert_eq!(table_names(&off), ["no_audits"]);

    let on = p
        .models(p.builder().cfg(Cfg::new().with_feature("audit")))
        .unwrap();
    assert_eq!(table_names(&on), ["audit_log", "audits"]);
    let log = on.table("audit_log").unwrap();
    assert_eq!(
        log.columns.as_ref(),
        [
            Column::new("id", ColumnType::BigInt).auto_increment(),
            Column::new("detail", ColumnType::Text),
            Column::new("kind", ColumnType::Varchar(20)),
        ],
        "cfg'd-out fields leave the table, cfg_attr'd attributes apply"
    );
}

#[test]
fn every_mistake_is_reported_with_its_place() {
    let p = Project::new();
    p.write("src/lib.rs", "mod a;\nmod b;\nmod missing;\n")
        .write(
            "src/a.rs",
            "pub struct UserId(i64);\n\n#[derive(lback::Model)]\nstruct A {\n    #[lback(primary_key)]\n    id: UserId,\n}\n",
        )
        .write(
            "src/b.rs",
            "#[derive(lback::Model)]\nstruct B {\n    #[lback(primay_key)]\n    id: i64,\n}\n",
        );
    let errors = source_errors(p.models(p.builder()).unwrap_err());
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].starts_with("src/a.rs:6:9: ")
            && errors[0].contains("field `id`")
            && errors[0].contains("#[lback(sql_type = \"...\")]"),
        "the newtype, with what to add: {errors:#?}"
    );
    assert!(
        errors[1].starts_with("src/b.rs:3:13: ")
            && errors[1].contains("did you mean `primary_key`"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("src/lib.rs:3:5: module `missing` has no file"),
        "{errors:#?}"
    );
}

#[test]
fn a_file_that_does_not_parse_is_an_error_at_its_line() {
    let p = Project::new();
    p.write("src/lib.rs", &format!("{USER}\nfn broken( {{\n"));
    let errors = source_errors(p.models(p.builder()).unwrap_err());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("src/lib.rs:"), "{errors:#?}");
}

#[test]
fn two_structs_for_one_table_are_refused_naming_both() {
    let p = Project::new();
    p.write("src/lib.rs", &format!("{USER}\nmod other;"))
        .write(
            "src/other.rs",
            "#[derive(lback::Model)]\n#[lback(table = \"users\")]\nstruct Account { #[lback(primary_key)] id: i64 }",
        );
    let errors = source_errors(p.models(p.builder()).unwrap_err());
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "src/other.rs:3:8: table `users` is also declared by `User` at src/lib.rs:3:12"
        ),
        "{errors:#?}"
    );
}

#[test]
fn models_that_do_not_fit_together_are_refused() {
    let p = Project::new();
    p.write(
        "src/lib.rs",
        "#[derive(lback::Model)] struct Post { #[lback(primary_key)] id: i64, #[lback(references = \"authors(id)\")] author_id: i64 }",
    );
    let error = p.models(p.builder()).unwrap_err().to_string();
    assert!(error.contains("authors"), "{error}");
}

#[test]
fn a_models_file_that_is_not_there_is_named() {
    let p = Project::new();
    let errors = source_errors(
        p.models(p.builder().models_in("src/modles.rs"))
            .unwrap_err(),
    );
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with("src/modles.rs: cannot read ") && errors[0].contains("src/modles.rs"),
        "{errors:#?}"
    );
}

#[test]
fn a_crate_without_roots_is_told_to_name_its_models() {
    let p = Project::new();
    let error = p.models(p.builder()).unwrap_err().to_string();
    assert!(error.contains("models_in"), "{error}");
}

// ---- runs ---------------------------------------------------------------

#[test]
fn a_run_generates_the_migration_once_and_says_what_it_watches() {
    let p = Project::new();
    p.write("src/lib.rs", "mod models;")
        .write("src/models.rs", USER);
    let (report, lines) = p.generate();
    let Report::Generated { id, changes, .. } = report.unwrap() else {
        panic!("expected a migration");
    };
    assert!(id.ends_with("_create_users"), "{id}");
    assert_eq!(changes, ["+ create table users"]);
    assert_eq!(p.migrations(), std::slice::from_ref(&id));
    assert_eq!(
        lines,
        [
            "cargo:rerun-if-env-changed=LBACK_BUILD".to_owned(),
            "cargo:rerun-if-env-changed=LBACK_MIGRATION_NAME".to_owned(),
            "cargo:rerun-if-changed=src/lib.rs".to_owned(),
            "cargo:rerun-if-changed=src/models.rs".to_owned(),
            format!(
                "cargo:warning=lback: wrote migrations/{id}/ for the model changes below; review it and \
                 commit it with the models (cargo repeats this note until the build script runs again):"
            ),
            "cargo:warning=lback:   + create table users".to_owned(),
            "cargo:rerun-if-changed=migrations".to_owned(),
        ]
    );
    let up = std::fs::read_to_string(p.dir.join("migrations").join(&id).join("up.sql")).unwrap();
    assert!(up.contains("CREATE TABLE \"users\""), "{up}");

    let (again, lines) = p.generate();
    assert_eq!(again.unwrap(), Report::InStep);
    assert_eq!(p.migrations(), [id], "nothing new");
    assert!(lines.iter().all(|l| !l.contains("warning")), "{lines:#?}");
}

#[test]
fn the_written_files_are_no_newer_than_the_run_start() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    let hour_ago = SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(p.dir.join("src/lib.rs"))
        .unwrap()
        .set_modified(hour_ago)
        .unwrap();
    let started = SystemTime::now();
    let (report, _) = p.generate();
    assert!(matches!(report.unwrap(), Report::Generated { .. }));
    let newest = freshness::newest(&p.dir.join("migrations")).unwrap();
    assert!(
        newest <= started,
        "cargo would see the migrations folder as changed since the run started: {newest:?} > {started:?}"
    );
}

#[test]
fn a_new_project_needs_its_dialects() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    let (report, _) = p.run(p.builder(), &Env::default());
    let error = report.unwrap_err().to_string();
    assert!(
        error.contains(".dialects([Dialect::Sqlite])") && error.contains("+ create table users"),
        "{error}"
    );
    assert!(p.migrations().is_empty());
}

#[test]
fn the_settings_decide_the_dialects_once_there_are_migrations() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    p.generate().0.unwrap();
    p.write("src/lib.rs", &user_with("    pub name: Option<String>,"));
    let (report, _) = p.run(p.builder().dialects([Dialect::Postgres]), &Env::default());
    let error = report.unwrap_err().to_string();
    assert!(error.contains("configures sqlite"), "{error}");
    assert_eq!(p.migrations().len(), 1);
}

#[test]
fn check_mode_fails_on_changes_and_passes_in_step() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    p.generate().0.unwrap();
    let check = env(Some("check"), None, None);
    assert_eq!(p.run(p.builder(), &check).0.unwrap(), Report::InStep);

    p.write("src/lib.rs", &user_with("    pub name: Option<String>,"));
    let (report, lines) = p.run(p.builder(), &check);
    match report.unwrap_err() {
        Error::ModelsChanged { why, changes } => {
            assert_eq!(why, "LBACK_BUILD=check");
            assert_eq!(changes, ["+ add column users.name: text null"]);
        }
        other => panic!("{other}"),
    }
    assert_eq!(p.migrations().len(), 1, "check writes nothing");
    assert!(lines.contains(&"cargo:rerun-if-changed=migrations".to_owned()));
}

#[test]
fn the_check_failure_says_what_changed_and_what_to_do() {
    let error = Error::ModelsChanged {
        why: "LBACK_BUILD=check".into(),
        changes: vec!["+ add column users.name: text null".into()],
    }
    .to_string();
    assert_eq!(
        error,
        "the models have changes that no migration covers (LBACK_BUILD=check):\n  \
         + add column users.name: text null\nGenerate the migration (a debug `cargo build` does, \
         or `LBACK_BUILD=generate cargo build`, or `makemigrations <name>`), review it and commit \
         it with the models"
    );
}

#[test]
fn off_mode_reads_and_writes_nothing() {
    let p = Project::new();
    p.write("src/lib.rs", "this is not Rust");
    let (report, lines) = p.run(p.builder(), &env(Some("off"), None, None));
    assert_eq!(report.unwrap(), Report::Off);
    assert_eq!(
        lines,
        [
            "cargo:rerun-if-env-changed=LBACK_BUILD",
            "cargo:rerun-if-env-changed=LBACK_MIGRATION_NAME"
        ]
    );
    assert!(!p.dir.join("migrations").exists());
}

#[test]
fn the_mode_comes_from_the_variable_then_build_rs_then_the_profile() {
    let b = Builder::new();
    let mode = |b: &Builder, e: Env| b.resolve_mode(&e).unwrap().0;
    assert_eq!(mode(&b, env(None, None, None)), Mode::Generate);
    assert_eq!(mode(&b, env(None, None, Some("debug"))), Mode::Generate);
    assert_eq!(mode(&b, env(None, None, Some("release"))), Mode::Check);
    assert_eq!(mode(&b, env(Some(""), None, Some("release"))), Mode::Check);
    let generate = Builder::new().mode(Mode::Generate);
    assert_eq!(
        mode(&generate, env(None, None, Some("release"))),
        Mode::Generate
    );
    assert_eq!(mode(&generate, env(Some("CHECK"), None, None)), Mode::Check);
    assert_eq!(mode(&generate, env(Some("off"), None, None)), Mode::Off);
    let error = b
        .resolve_mode(&env(Some("yes"), None, None))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("LBACK_BUILD=\"yes\"") && error.contains("generate"),
        "{error}"
    );
}

#[test]
fn a_release_build_checks_instead_of_writing() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    let (report, _) = p.run(
        p.builder().dialects([Dialect::Sqlite]),
        &env(None, None, Some("release")),
    );
    match report.unwrap_err() {
        Error::ModelsChanged { why, .. } => assert!(why.contains("release"), "{why}"),
        other => panic!("{other}"),
    }
    assert!(p.migrations().is_empty());
}

#[test]
fn the_name_comes_from_the_variable_then_build_rs_then_the_changes() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    let named = |report: Result<Report, Error>| match report.unwrap() {
        Report::Generated { id, .. } => id.split_once('_').unwrap().1.to_owned(),
        other => panic!("{other:?}"),
    };
    let builder = || {
        p.builder()
            .dialects([Dialect::Sqlite])
            .migration_name("from_build_rs")
    };
    assert_eq!(
        named(p.run(builder(), &env(None, Some("initial"), None)).0),
        "initial"
    );
    p.write("src/lib.rs", &user_with("    pub a: Option<i32>,"));
    assert_eq!(named(p.run(builder(), &Env::default()).0), "from_build_rs");
    p.write(
        "src/lib.rs",
        &user_with("    pub a: Option<i32>,\n    pub b: Option<i32>,"),
    );
    assert_eq!(named(p.generate().0), "add_users_b");

    p.write("src/lib.rs", USER);
    let (report, _) = p.run(builder(), &env(None, Some("../escape"), None));
    let error = report.unwrap_err().to_string();
    assert!(
        error.starts_with("LBACK_MIGRATION_NAME: invalid migration name"),
        "{error}"
    );
    assert_eq!(p.migrations().len(), 3, "nothing written");
}

#[test]
fn merged_branches_fail_with_the_steps_to_fix_them() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    let first = match p.generate().0.unwrap() {
        Report::Generated { path, .. } => path,
        other => panic!("{other:?}"),
    };
    // A second migration made on top of nothing, as on another branch.
    let copy = p.dir.join("migrations/20000101000000_other_branch");
    std::fs::create_dir(&copy).unwrap();
    for file in ["up.sql", "down.sql", "lback.json"] {
        std::fs::copy(first.join(file), copy.join(file)).unwrap();
    }
    let (report, _) = p.generate();
    let error = report.unwrap_err().to_string();
    assert!(
        error.contains("two branches since merged") && error.contains("To fix it"),
        "{error}"
    );
}

#[test]
fn models_from_a_schema_watch_only_the_migrations() {
    let p = Project::new();
    let users = crate::schema::Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_primary_key(["id"]);
    let builder = Builder::new()
        .manifest_dir(&p.dir)
        .schema(Schema::from_tables([users]).unwrap())
        .dialects([Dialect::Sqlite]);
    let (report, lines) = p.run(builder, &Env::default());
    assert!(matches!(report.unwrap(), Report::Generated { .. }));
    let watched: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("rerun-if-changed"))
        .collect();
    assert_eq!(watched, ["cargo:rerun-if-changed=migrations"]);
}

#[test]
fn two_builds_at_once_write_one_migration() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    p.generate().0.unwrap();
    p.write("src/lib.rs", &user_with("    pub name: Option<String>,"));
    let reports: Vec<Report> = std::thread::scope(|s| {
        let runs: Vec<_> = (0..2).map(|_| s.spawn(|| p.generate().0)).collect();
        runs.into_iter()
            .map(|r| r.join().unwrap().unwrap())
            .collect()
    });
    let generated = reports
        .iter()
        .filter(|r| matches!(r, Report::Generated { .. }))
        .count();
    assert_eq!(generated, 1, "{reports:?}");
    assert!(reports.contains(&Report::InStep), "{reports:?}");
    assert_eq!(p.migrations().len(), 2);
}

#[test]
fn paths_in_messages_are_relative_to_the_crate() {
    let p = Project::new();
    assert_eq!(
        relative(&p.dir, &p.dir.join("src/lib.rs")),
        Path::new("src/lib.rs")
    );
    assert_eq!(
        relative(&p.dir, Path::new("/elsewhere/x.rs")),
        Path::new("/elsewhere/x.rs")
    );
}

#[test]
fn a_generated_migration_writes_schema_rs_and_a_check_fails_when_it_is_stale() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    p.generate().0.unwrap();
    let schema_rs = p.dir.join("src/schema.rs");
    let written = std::fs::read_to_string(&schema_rs).unwrap();
    assert!(
        written.contains("    users (id) {\n        id -> BigInt,\n        email -> Text,\n    }"),
        "{written}"
    );
    let check = env(Some("check"), None, None);
    assert_eq!(p.run(p.builder(), &check).0.unwrap(), Report::InStep);

    // Edited by hand: a check names the difference, and writes nothing.
    std::fs::write(
        &schema_rs,
        written.replace("email -> Text", "email -> Integer"),
    )
    .unwrap();
    let error = p.run(p.builder(), &check).0.unwrap_err().to_string();
    assert!(
        error.starts_with("src/schema.rs is not what the migrations say"),
        "{error}"
    );
    assert!(
        error.contains("+         email -> Text,") && error.contains("-         email -> Integer,"),
        "{error}"
    );
    assert!(std::fs::read_to_string(&schema_rs)
        .unwrap()
        .contains("email -> Integer"));

    // A generating run puts it right; a new column lands in it with the migration.
    p.generate().0.unwrap();
    assert_eq!(std::fs::read_to_string(&schema_rs).unwrap(), written);
    p.write("src/lib.rs", &user_with("    pub bio: Option<String>,"));
    p.generate().0.unwrap();
    assert!(std::fs::read_to_string(&schema_rs)
        .unwrap()
        .contains("        bio -> Nullable<Text>,\n"));
    assert_eq!(p.migrations().len(), 2);
}

#[test]
fn diesel_toml_and_the_setting_say_where_schema_rs_goes() {
    let p = Project::new();
    p.write("src/lib.rs", USER);
    p.write(
        "diesel.toml",
        "[print_schema]\nfile = \"src/db/schema.rs\"\n",
    );
    p.generate().0.unwrap();
    assert!(p.dir.join("src/db/schema.rs").is_file());
    assert!(!p.dir.join("src/schema.rs").exists());

    let q = Project::new();
    q.write("src/lib.rs", USER);
    q.run(
        q.builder().dialects([Dialect::Sqlite]).schema_file("none"),
        &Env::default(),
    )
    .0
    .unwrap();
    assert!(!q.dir.join("src/schema.rs").exists());
}
