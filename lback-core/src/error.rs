//! The one error type of lback.
//!
//! Layers below keep their own small error types where they have failures
//! of their own (the runner's [`QueryError`](crate::runner::QueryError));
//! each converts into [`Error`] and stays reachable through
//! [`source()`](std::error::Error::source).

use std::path::PathBuf;

use crate::schema::SchemaProblem;

/// The cause behind an error, kept for [`source()`](std::error::Error::source).
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong in lback, each with a message that says
/// what to do.
///
/// `Debug` shows the message too (and the causes it does not already
/// show), so an application whose `main` returns `Result<(), Box<dyn
/// std::error::Error>>` prints something a person can act on; match on the
/// variants for their fields.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A snapshot file could not be read.
    #[error("the schema snapshot is malformed at line {line}, column {column}: {message}")]
    Snapshot {
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// What is wrong there.
        message: String,
    },

    /// Two tables of one schema share a name.
    #[error("table `{table}` appears twice in one schema")]
    DuplicateTable {
        /// The shared name.
        table: String,
    },

    /// Two models declare the same table.
    #[error(
        "table `{table}` is declared by two models, `{first}` and `{second}`; \
         derive lback::Model on only one struct per table (the others can keep their diesel derives)"
    )]
    DuplicateModel {
        /// The shared table name.
        table: String,
        /// The first model's path.
        first: String,
        /// The second model's path.
        second: String,
    },

    /// A query against the database failed.
    #[error("{context}: {message}")]
    Database {
        /// What lback was doing.
        context: String,
        /// The database's message.
        message: String,
    },

    /// No `lback::embed_migrations!()` in the binary.
    #[error(
        "no migrations are embedded in this binary: add `lback::embed_migrations!();` \
         to the crate that calls lback::migrate (it embeds ./migrations)"
    )]
    NothingEmbedded,

    /// Two `embed_migrations!()` in one binary.
    #[error(
        "migrations are embedded twice in this binary (from {first} and from {second}); \
         keep one `lback::embed_migrations!()`"
    )]
    EmbeddedTwice {
        /// The first directory.
        first: String,
        /// The second directory.
        second: String,
    },

    /// A migration has no SQL for the connection's database.
    #[error(
        "migration {migration} has no SQL for {dialect} (it was generated for {primary}); \
         add {dialect} to the dialects in migrations/.lback/settings.json and generate the migrations again, \
         or write up.{dialect}.sql by hand"
    )]
    NoSqlForDialect {
        /// The migration's id.
        migration: String,
        /// The connection's dialect.
        dialect: &'static str,
        /// What the migration was generated for.
        primary: String,
    },

    /// A migration to revert has no down SQL.
    #[error(
        "migration {migration} cannot be reverted: its down.sql is missing or empty; \
         write the SQL that undoes it, then run the command again (nothing was changed)"
    )]
    NoDownMigration {
        /// The migration's id.
        migration: String,
    },

    /// A migration to apply has no statement (its up SQL is empty or only
    /// comments).
    #[error(
        "migration {migration} has no statement to run: its up SQL is empty or only comments \
         (as `makemigrations --empty` leaves it); write the SQL it should run, or delete the \
         migration if it is not needed, then run the command again (nothing was changed)"
    )]
    EmptyMigration {
        /// The migration's id.
        migration: String,
    },

    /// A migration that lback runs in a transaction of its own begins, ends
    /// or rolls back a transaction itself.
    #[error(
        "migration {migration} has `{keyword}` at line {line} of its {direction} SQL ({file}): \
         lback runs the migration in a transaction of its own, which this would end (a later \
         failure could then not be rolled back) or conflict with. Remove it: lback commits the \
         migration when all of it ran. A migration that must control its own transactions has \
         to run outside one, as diesel_cli does with `run_in_transaction = false` in its \
         metadata.toml (lback does not run migrations that way yet). Nothing was changed"
    )]
    TransactionControl {
        /// The migration's id.
        migration: String,
        /// `up` or `down`.
        direction: &'static str,
        /// The file, as the migration's folder names it.
        file: String,
        /// The line the statement starts on (1-based).
        line: usize,
        /// The statement's first word: `BEGIN`, `COMMIT`...
        keyword: String,
    },

    /// A migration failed; what ran before it stays applied.
    #[error(
        "{direction} migration {migration} failed{}\n{outcome}{}",
        match statement {
            Some(s) => format!(" at {s}\nwith: {message}"),
            None => format!(": {message}"),
        },
        done_text(done)
    )]
    MigrationFailed {
        /// The migration's id.
        migration: String,
        /// `applying` or `reverting`.
        direction: &'static str,
        /// The statement that failed (`None` when the failure came after
        /// the statements, e.g. from recording the migration).
        statement: Option<Box<crate::runner::FailedStatement>>,
        /// The database's message.
        message: String,
        /// What the failure left: rolled back, or (MySQL) the recovery steps.
        outcome: String,
        /// What ran before the failure.
        done: Box<crate::runner::MigrationReport>,
        /// The database's error, when there was one.
        #[source]
        cause: Option<Cause>,
    },

    /// A query of lback's own failed: reading or setting up its tracking
    /// tables, taking its lock, recording a resolution.
    #[error(transparent)]
    Query(#[from] crate::runner::QueryError),

    /// The command line asked for something it cannot do as given.
    #[error("{0}")]
    Usage(String),

    /// A rollback that reaches other tables or drops data was not confirmed.
    #[error("rollback of `{table}` not confirmed: {why}; nothing was changed")]
    RollbackNotConfirmed {
        /// The table asked for.
        table: String,
        /// Why it needed confirming, and how to give it.
        why: String,
    },

    /// `rollback --delete` would delete migrations that are not the newest.
    #[error(
        "--delete removes only the newest migrations, but {} would leave later ones behind; \
         run without --delete (the folders stay) or roll back the later migrations first",
        ids.join(", ")
    )]
    DeleteNotNewest {
        /// The migrations the rollback reverts.
        ids: Vec<String>,
    },

    /// A migration's last run stopped half way (MySQL/MariaDB commit each
    /// DDL statement), so lback refuses to go on until someone resolves it.
    #[error("{message}")]
    Dirty {
        /// The migration's id.
        migration: String,
        /// What happened and the recovery steps.
        message: String,
    },

    /// A migration has a statement that cannot run under lback's lease
    /// lock (on a Galera cluster, or with `LBACK_LOCK=lease`), such as
    /// `LOCK TABLES`; refused before anything ran.
    #[error(
        "migration {migration} cannot run under lback's cluster lock (the lease, taken on a \
         Galera cluster or with LBACK_LOCK=lease): statement {index} of {total}, \
         `{statement}`: {reason}. Nothing ran. Remove the statement (lback's lease already \
         keeps other lback runs out while a migration runs) and run migrate again"
    )]
    UnsupportedOnCluster {
        /// The migration's id.
        migration: String,
        /// The statement's number (1-based).
        index: usize,
        /// Statements in the script.
        total: usize,
        /// The statement.
        statement: String,
        /// Why the cluster cannot run it.
        reason: &'static str,
    },

    /// `resolve` was asked about a migration with no unfinished run.
    #[error(
        "migration {migration} has no unfinished run to resolve (it is {state}); \
         `resolve` only records how a dirty migration was put right"
    )]
    NothingToResolve {
        /// The migration's id.
        migration: String,
        /// `applied` or `pending`.
        state: &'static str,
    },

    /// An applied migration's SQL changed afterwards.
    #[error(
        "migration {migration} was applied, but its up SQL has changed since: the database may not be \
         what the files say. Restore the file as it was applied (see git log), or, if the database \
         already matches the new SQL, run with `migrate --allow-changed` (library: \
         `lback::migrate_with(conn, MigrateOptions::default().warn_on_changed())`)"
    )]
    ChangedAfterApplied {
        /// The migration's id.
        migration: String,
    },

    /// No migration matches a version given on the command line.
    #[error("there is no migration `{wanted}`; known migrations: {}", known.join(", "))]
    UnknownMigration {
        /// What was asked for.
        wanted: String,
        /// Every migration's id.
        known: Vec<String>,
    },

    /// A version prefix matches several migrations.
    #[error("`{wanted}` matches several migrations ({}); give more of the version", matching.join(", "))]
    AmbiguousMigration {
        /// What was asked for.
        wanted: String,
        /// The matching ids.
        matching: Vec<String>,
    },

    /// `rollback <table>` found no applied migration that touched the table.
    #[error("no applied migration touched table `{table}`; tables with applied migrations: {}", if known.is_empty() { "none".to_owned() } else { known.join(", ") })]
    NothingToRollback {
        /// The table asked for.
        table: String,
        /// Tables that applied migrations touched.
        known: Vec<String>,
    },

    /// The models do not fit together (foreign keys, names...).
    #[error("the models are inconsistent:\n{}", list(.0))]
    InvalidSchema(Vec<SchemaProblem>),

    /// The migrations directory, a migration in it or one of its files is
    /// not as lback and diesel expect, or could not be read or written.
    #[error("{}: {message}", path.display())]
    Migrations {
        /// The directory or file at fault.
        path: PathBuf,
        /// What is wrong and what to do about it.
        message: String,
    },

    /// The build script could not read the models from the crate's source
    /// (every mistake, each at its place).
    #[error("lback cannot read the models in the crate's source:\n{}", list(.0))]
    ModelSource(Vec<SourceError>),

    /// The build script checked (did not generate) and found model changes
    /// no migration covers.
    #[error(
        "the models have changes that no migration covers ({why}):\n{}\n\
         Generate the migration (a debug `cargo build` does, or `LBACK_BUILD=generate cargo build`, \
         or `makemigrations <name>`), review it and commit it with the models",
        indented(.changes)
    )]
    ModelsChanged {
        /// Why the build only checked: `LBACK_BUILD=check`, a release
        /// build, or the build script's own setting.
        why: String,
        /// The summary lines, as `makemigrations` prints them.
        changes: Vec<String>,
    },

    /// diesel's schema module (schema.rs) cannot be written, or is not
    /// what the models say.
    #[error("{0}")]
    DieselSchema(String),

    /// A setting of the build script is wrong or missing.
    #[error("{0}")]
    BuildSetting(String),

    /// A column becomes NOT NULL and its existing NULLs need a value the
    /// user chooses (never `''` or 0 by surprise), or a `--fill` names no
    /// such column or gives a value its type cannot take.
    #[error("{0}")]
    Fill(String),
    /// The database differs from what its migrations built (hand-made
    /// changes), found after migrating with drift refused
    /// (`MigrateOptions::refuse_drift`).
    #[error(
        "the database has drifted from its migrations (changed by hand?):\n{}\n\
         Undo the change by hand, or make the models say the same and write a migration for it \
         (`makemigrations`), then record that migration as applied (`migrate --fake <version>`); \
         `check` lists the differences again. What migrate applied stays applied: {}",
        indented(.differences),
        if done.is_empty() { "nothing".to_owned() } else { done.applied.join(", ") }
    )]
    Drift {
        /// The differences, one line each.
        differences: Vec<String>,
        /// What the run had applied before the check.
        done: Box<crate::runner::MigrationReport>,
    },

    /// A migration name that cannot be part of a folder name.
    #[error(
        "invalid migration name {name:?}: {reason}; use 1 to 100 ASCII letters, digits \
         and underscores, such as `add_users`"
    )]
    InvalidMigrationName {
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl std::fmt::Debug for Error {
    /// `{:?}` (what `main` prints of an error it returns): the message and
    /// the causes behind it. `{:#?}`: the same as a structure, `Error {
    /// message, causes }`; the fields of each kind are the variant's.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = self.to_string();
        // Causes whose text the message already shows are not repeated.
        let mut causes = Vec::new();
        let mut cause = std::error::Error::source(self);
        while let Some(error) = cause {
            let text = error.to_string();
            if !message.contains(&text) {
                causes.push(text);
            }
            cause = error.source();
        }
        if f.alternate() {
            return f
                .debug_struct("Error")
                .field("message", &message)
                .field("causes", &causes)
                .finish();
        }
        f.write_str(&message)?;
        for text in causes {
            write!(f, "\n\nCaused by:\n    {text}")?;
        }
        Ok(())
    }
}

/// A mistake in the crate's source, found by the build script, at its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The file.
    pub path: PathBuf,
    /// 1-based line; 0 when the mistake has no place in the file (it
    /// could not be read).
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl std::fmt::Display for SourceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.path.display(), self.message)
        } else {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        }
    }
}

fn indented(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn list<T: std::fmt::Display>(problems: &[T]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn done_text(done: &crate::runner::MigrationReport) -> String {
    if done.is_empty() {
        String::new()
    } else {
        let mut text = String::from("\nBefore it, these ran and stay done:");
        for id in &done.applied {
            text.push_str(&format!(" applied {id};"));
        }
        for id in &done.reverted {
            text.push_str(&format!(" reverted {id};"));
        }
        text.pop();
        text
    }
}

#[cfg(test)]
mod tests {
    use super::Error;

    #[test]
    fn debug_is_the_message_with_the_causes_it_does_not_show() {
        let shown = Error::Query(crate::runner::QueryError {
            context: "taking lback's migration lock",
            source: "lock wait timeout".into(),
        });
        assert_eq!(
            format!("{shown:?}"),
            "taking lback's migration lock: lock wait timeout"
        );
        let hidden = Error::MigrationFailed {
            migration: "20260101000000_a".into(),
            direction: "applying",
            statement: None,
            message: "every statement ran, then COMMIT failed".into(),
            outcome: "The migration was rolled back.".into(),
            done: Box::default(),
            cause: Some("connection reset".into()),
        };
        assert_eq!(
            format!("{hidden:?}"),
            format!("{hidden}\n\nCaused by:\n    connection reset")
        );
        assert_eq!(
            format!("{hidden:#?}"),
            format!(
                "Error {{\n    message: {:?},\n    causes: [\n        \"connection reset\",\n    ],\n}}",
                hidden.to_string()
            )
        );
    }
}
