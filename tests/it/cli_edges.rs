//! The `lback` command at its edges, as a process: database URLs it must
//! refuse, a reader that closes the pipe early, empty migrations in a
//! project with several dialects, names only case tells apart; and, on
//! each database, the SQL written into each dialect's file of an empty
//! migration is what runs.

use std::process::{Command, Stdio};

use lback::schema::{Column, ColumnType, Schema, Table};

use crate::targets::Target;
use crate::workflow::{status, stderr, stdout, Project, EVERY_DIALECT};

backend_tests!(an_empty_migration_runs_the_sql_of_each_dialect);

fn users() -> Schema {
    Schema::from_tables([Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Varchar(255)))
        .with_primary_key(["id"])])
    .unwrap()
}

/// Every file and folder name in the project, sorted.
fn listing(project: &Project) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(&project.dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn an_unknown_url_scheme_is_refused_and_creates_no_file() {
    let project = Project::new("url-schemes");
    project.models(&users());
    let db = project.dir.join("app.db").display().to_string();
    let made = project.lback(&db, &["makemigrations", "first", "--dialect", "sqlite"]);
    assert_eq!(status(&made), 0, "{}", stderr(&made));
    let first = project.folders().pop().unwrap();
    let before = listing(&project);
    let files = project.files();

    for (url, context) in [
        ("mssql:prod", "unknown database URL scheme `mssql:`"),
        (
            "postgress://me:secret@localhost/app",
            "unknown database URL scheme `postgress:`",
        ),
        ("sqlite:app.db", "lacks the `//` after `sqlite:`"),
    ] {
        for args in [
            vec!["migrate"],
            vec!["showmigrations"],
            vec!["rollback", "users"],
            vec!["sqlmigrate", &first],
        ] {
            let output = project.lback(url, &args);
            let message = stderr(&output);
            assert_eq!(status(&output), 1, "{url} {args:?}: {message}");
            assert!(
                message.contains(context)
                    && message.contains("postgres://") == cfg!(feature = "postgres")
                    && message.contains("mysql://") == cfg!(feature = "mysql")
                    && message.contains("sqlite://<path>, file:<path> or :memory:"),
                "{url} {args:?}: {message}"
            );
            assert!(!message.contains("secret"), "{message}");
        }
        assert_eq!(listing(&project), before, "{url}: no file was created");
        assert_eq!(project.files(), files, "{url}: no migration changed");
    }

    // A new project takes its dialect from the URL: refused too.
    let fresh = Project::new("url-schemes-fresh");
    fresh.models(&users());
    let output = fresh.lback("mssql:prod", &["makemigrations", "first"]);
    assert_eq!(status(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("unknown database URL scheme `mssql:`"),
        "{}",
        stderr(&output)
    );
    assert!(fresh.folders().is_empty());

    // What is SQLite still works: a path (with a colon after a `./`),
    // sqlite://, file:.
    for url in [
        "./with:colon.db",
        "sqlite://via-sqlite.db",
        "file:via-file.db",
    ] {
        let output = project.lback(url, &["migrate"]);
        assert_eq!(status(&output), 0, "{url}: {}", stderr(&output));
    }
    for made in ["with:colon.db", "via-sqlite.db", "via-file.db"] {
        assert!(project.dir.join(made).is_file(), "{made}");
    }
}

#[test]
fn a_reader_that_closes_the_pipe_ends_the_output_quietly() {
    let project = Project::new("closed-pipe");
    project.models(&users());
    let db = project.dir.join("app.db").display().to_string();
    let made = project.lback(&db, &["makemigrations", "first", "--dialect", "sqlite"]);
    assert_eq!(status(&made), 0, "{}", stderr(&made));
    let first = project.folders().pop().unwrap();

    // `lback <args> | head -0`: the reader is gone before the first write,
    // so every write meets a closed pipe (without the fix: "failed printing
    // to stdout: Broken pipe", exit status 101).
    let closed_pipe = |args: &[&str]| {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let output = Command::new(env!("CARGO_BIN_EXE_lback"))
            .current_dir(&project.dir)
            .env("DATABASE_URL", &db)
            .args(["--models", "models.json"])
            .args(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        (output.status.code(), stderr(&output))
    };
    for args in [
        vec!["migrate"],
        vec!["showmigrations"],
        vec!["sqlmigrate", &first],
        vec!["makemigrations", "--check"],
        vec!["makemigrations", "more", "--empty", "--dry-run"],
    ] {
        let (code, message) = closed_pipe(&args);
        assert_eq!(code, Some(0), "{args:?}: {message}");
        assert_eq!(message, "", "{args:?}");
    }
    // The migrate above finished its work although nobody read its output.
    let shown = project.lback(&db, &["showmigrations"]);
    assert!(stdout(&shown).starts_with("[X] "), "{}", stdout(&shown));
    // A failure still says so, on stderr, with its status.
    let (code, message) = closed_pipe(&["sqlmigrate", "1999"]);
    assert_eq!(code, Some(1));
    assert!(message.contains("no migration `1999`"), "{message}");
}

#[test]
fn an_empty_migration_has_a_file_per_dialect() {
    let project = Project::new("empty-dialects");
    project.models(&users());
    let made = project.lback(
        "",
        &[&["makemigrations", "first"][..], &EVERY_DIALECT].concat(),
    );
    assert_eq!(status(&made), 0, "{}", stderr(&made));
    let made = project.lback("", &["makemigrations", "backfill", "--empty"]);
    assert_eq!(status(&made), 0, "{}", stderr(&made));
    let folder = project.folders().pop().unwrap();
    assert!(folder.ends_with("_backfill"), "{folder}");
    let path = project.migrations().join(&folder);
    for file in [
        "up.sql",
        "down.sql",
        "up.postgres.sql",
        "down.postgres.sql",
        "up.mysql.sql",
        "down.mysql.sql",
    ] {
        assert!(path.join(file).is_file(), "{folder}/{file}");
    }
    std::fs::write(
        path.join("up.sql"),
        "UPDATE users SET email = lower(email);\n",
    )
    .unwrap();
    std::fs::write(
        path.join("up.postgres.sql"),
        "UPDATE users SET email = lower(email) WHERE email <> lower(email);\n",
    )
    .unwrap();
    for (dialect, expected) in [
        ("sqlite", "UPDATE users SET email = lower(email);\n"),
        (
            "postgres",
            "UPDATE users SET email = lower(email) WHERE email <> lower(email);\n",
        ),
    ] {
        let shown = project.lback("", &["sqlmigrate", &folder, "--dialect", dialect]);
        assert_eq!(status(&shown), 0, "{}", stderr(&shown));
        assert_eq!(stdout(&shown), expected, "{dialect}");
    }
    let shown = project.lback("", &["sqlmigrate", &folder, "--dialect", "mysql"]);
    assert!(
        stdout(&shown).contains("an empty migration: write the mysql SQL"),
        "{}",
        stdout(&shown)
    );
}

#[test]
fn names_only_case_tells_apart_are_refused_where_the_database_folds_case() {
    let project = Project::new("case-names");
    let items = Table::new("items")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("Name", ColumnType::Varchar(50)))
        .with_column(Column::new("name", ColumnType::Varchar(50)))
        .with_primary_key(["id"]);
    let dup = |name: &str| {
        Table::new(name.to_owned())
            .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
            .with_primary_key(["id"])
    };
    project.models(&Schema::from_tables([items, dup("Dup"), dup("dup")]).unwrap());
    for dialect in ["sqlite", "mysql"] {
        let output = project.lback("", &["makemigrations", "first", "--dialect", dialect]);
        let message = stderr(&output);
        assert_eq!(status(&output), 1, "{dialect}: {message}");
        assert!(
            message.contains("column `Name` and column `name` differ only by case")
                && message.contains("table `Dup` and table `dup` differ only by case"),
            "{dialect}: {message}"
        );
        assert!(project.folders().is_empty(), "{dialect}: nothing written");
    }
    let output = project.lback("", &["makemigrations", "first", "--dialect", "postgres"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
}

/// `makemigrations --empty` in a project with three dialects: the SQL the
/// user writes into each dialect's file is what runs on that database.
fn an_empty_migration_runs_the_sql_of_each_dialect<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let lback = |args: &[&str]| {
        let output = project.lback(&url, args);
        assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
    };
    let notes = Table::new("notes")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("written_by", ColumnType::Varchar(20)))
        .with_primary_key(["id"]);
    project.models(&Schema::from_tables([notes]).unwrap());
    let mut first = vec!["makemigrations", "create_notes"];
    for dialect in ["sqlite", "postgres", "mysql"] {
        first.extend(["--dialect", dialect]);
    }
    lback(&first);
    lback(&["migrate"]);
    target.execute("INSERT INTO notes (id, written_by) VALUES (1, 'nobody')");

    lback(&["makemigrations", "backfill", "--empty"]);
    let folder = project.migrations().join(project.folders().pop().unwrap());
    for (file, dialect) in [
        ("up.sql", "sqlite"),
        ("up.postgres.sql", "postgres"),
        ("up.mysql.sql", "mysql"),
    ] {
        let path = folder.join(file);
        let written = std::fs::read_to_string(&path).unwrap();
        assert!(
            written.contains(&format!("write the {dialect} SQL")),
            "{written}"
        );
        std::fs::write(
            path,
            format!("{written}UPDATE notes SET written_by = '{dialect}';\n"),
        )
        .unwrap();
    }
    lback(&["migrate"]);
    assert_eq!(
        target.count(&format!(
            "SELECT COUNT(*) AS n FROM notes WHERE written_by = '{}'",
            T::DIALECT.name()
        )),
        1,
        "the {} file ran",
        T::DIALECT.name()
    );
}
