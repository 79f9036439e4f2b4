//! Command-line edges that need a database of each kind, shared by
//! `cli_edges.rs` (SQLite) and `cli_edges_servers.rs`.

#![allow(dead_code)]

use lback::schema::{Column, ColumnType, Schema, Table};

use crate::targets::Target;
use crate::workflow::{status, stderr, Project};

/// `makemigrations --empty` in a project with three dialects: the SQL the
/// user writes into each dialect's file is what runs on that database.
pub fn an_empty_migration_runs_the_sql_of_each_dialect<T: Target>(
    target: &mut T,
    project: &Project,
) {
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
