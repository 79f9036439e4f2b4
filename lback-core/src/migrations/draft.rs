//! The next migration as `makemigrations` and the build script compute it:
//! the stored snapshot, the models, the operations between them, what to
//! tell the user about them, and their SQL.

use std::path::Path;
use std::time::SystemTime;

use super::files::write_atomic;
use super::{MigrationFolder, Migrations, NewMigration};
use crate::diff::{diff, inverse, rename_hints, Operation};
use crate::schema::Schema;
use crate::schema_rs::{self, SchemaFile, SchemaFileSetting};
use crate::sql::{check_dialect, render, Dialect, Rendered};
use crate::Error;

/// The changes from the schema the migrations build to the models.
///
/// ```
/// use lback_core::migrations::{Draft, Migrations};
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
/// use lback_core::sql::Dialect;
///
/// let migrations = Migrations::open("no/such/dir".as_ref()).unwrap(); // a new project
/// let users = Table::new("users")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_primary_key(["id"]);
/// let models = Schema::from_tables([users]).unwrap();
/// let draft = Draft::new(&migrations, models).unwrap();
/// draft.check_dialects(&[Dialect::Sqlite]).unwrap();
/// assert_eq!(draft.summary(), ["+ create table users"]);
/// ```
#[derive(Debug, Clone)]
pub struct Draft {
    /// The schema the existing migrations build (the stored snapshot).
    pub old: Schema,
    /// The models.
    pub models: Schema,
    /// The operations from `old` to `models`, in emission order.
    pub operations: Vec<Operation>,
}

impl Draft {
    /// Reads the snapshot of `migrations` and diffs it with the models.
    ///
    /// The caller checks that the migrations form one line
    /// ([`Migrations::check_linear`]) first: a snapshot after merged
    /// branches is not one to diff against.
    pub fn new(migrations: &Migrations, models: Schema) -> Result<Self, Error> {
        let old = migrations.snapshot()?;
        let operations = diff(&old, &models);
        Ok(Draft {
            old,
            models,
            operations,
        })
    }

    /// Checks that every dialect can hold the models (e.g. MySQL cannot
    /// index a JSON column).
    pub fn check_dialects(&self, dialects: &[Dialect]) -> Result<(), Error> {
        for dialect in dialects {
            check_dialect(&self.models, *dialect)?;
        }
        Ok(())
    }

    /// Whether the models and the migrations agree.
    pub fn is_empty(&self) -> bool {
        self.operations.is_empty()
    }

    /// The same draft with no operations, for a migration whose SQL the
    /// user writes (`makemigrations --empty`): the schema stays as it is.
    pub fn without_operations(self) -> Self {
        Draft {
            models: self.old.clone(),
            old: self.old,
            operations: Vec::new(),
        }
    }

    /// What `makemigrations` prints about the changes: one line per
    /// operation (destructive ones marked), then likely renames (`hint:
    /// ...`), then changes that are hard on existing rows (`warning: ...`).
    pub fn summary(&self) -> Vec<String> {
        let mut lines: Vec<String> = self.operations.iter().map(|op| op.to_string()).collect();
        lines.extend(
            rename_hints(&self.operations)
                .iter()
                .map(|hint| format!("hint: {hint}")),
        );
        lines.extend(self.warnings().iter().map(|w| format!("warning: {w}")));
        lines
    }

    /// Whether a change can lose data (a dropped table or column, a
    /// narrowed type...).
    pub fn is_destructive(&self) -> bool {
        self.operations.iter().any(Operation::is_destructive)
    }

    /// Changes that are fine for the schema but hard on rows already there.
    pub fn warnings(&self) -> Vec<String> {
        let old = &self.old;
        let mut out = Vec::new();
        for op in &self.operations {
            match op {
                Operation::AddColumn { table, column }
                    if !column.nullable
                        && column.default.is_none()
                        && !column.auto_increment
                        && old.table(table).is_some() =>
                {
                    out.push(format!(
                        "{table}.{} is NOT NULL without a default: existing rows get an empty/zero value; \
                         add a default to the field if that is wrong",
                        column.name
                    ));
                }
                Operation::DropColumn { table, column } => {
                    let in_foreign_key = old.table(table).is_some_and(|t| {
                        t.foreign_keys
                            .iter()
                            .any(|fk| fk.columns.contains(&column.name))
                    });
                    if in_foreign_key && !column.nullable {
                        out.push(format!(
                            "dropping {table}.{}: the down migration cannot restore a NOT NULL foreign key on a table with rows",
                            column.name
                        ));
                    }
                }
                _ => {}
            }
        }
        out
    }

    /// The up and down SQL for every dialect, in the order given (primary
    /// first).
    pub fn sql(&self, dialects: &[Dialect]) -> Vec<(Dialect, Rendered, Rendered)> {
        dialects
            .iter()
            .map(|d| {
                (
                    *d,
                    render(&self.operations, &self.old, *d),
                    render(&inverse(&self.operations), &self.models, *d),
                )
            })
            .collect()
    }

    /// The migration to hand to [`Migrations::write`].
    pub fn into_migration(
        self,
        name: String,
        sql: Vec<(Dialect, Rendered, Rendered)>,
        now: SystemTime,
    ) -> NewMigration {
        NewMigration {
            name,
            operations: self.operations,
            schema_after: self.models,
            sql,
            now,
        }
    }
}

impl Draft {
    /// Writes the migration and, with it, diesel's schema module for the
    /// models (`schema_file`; `None`: no schema.rs). Both or neither: the
    /// schema.rs text is rendered before anything is written (a column no
    /// diesel type serves stops here), and a schema.rs that cannot be
    /// written takes the new migration folder back out. A schema.rs that
    /// already says the same is left alone.
    pub fn write(
        self,
        migrations: &mut Migrations,
        name: String,
        sql: Vec<(Dialect, Rendered, Rendered)>,
        now: SystemTime,
        schema_file: Option<&SchemaFile>,
    ) -> Result<MigrationFolder, Error> {
        let dialects: Vec<Dialect> = sql.iter().map(|(d, _, _)| *d).collect();
        let text = match schema_file {
            Some(file) if !dialects.is_empty() => Some((
                file,
                schema_rs::render(&self.models, &dialects, &file.options)?,
            )),
            _ => None,
        };
        let folder = migrations
            .write(self.into_migration(name, sql, now))?
            .clone();
        if let Some((file, text)) = text {
            if let Err(e) = write_schema_text(&file.path, &text) {
                let _ = migrations.delete_newest(&[folder.id()]);
                return Err(e);
            }
        }
        Ok(folder)
    }
}

/// Where the project's schema.rs is (`root`: the crate's folder, where
/// `diesel.toml` and `src/` are): `diesel.toml`, else `explicit` (a
/// command line or build script setting), else the settings file's
/// `schema_file`, else `src/schema.rs`; `None` when turned off.
pub fn schema_file(
    root: &Path,
    migrations: &Migrations,
    explicit: Option<&SchemaFileSetting>,
) -> Result<Option<SchemaFile>, Error> {
    let from_settings = migrations
        .settings()
        .schema_file
        .as_deref()
        .map(SchemaFileSetting::parse);
    SchemaFile::locate(root, explicit.or(from_settings.as_ref()))
}

/// How schema.rs compares with what the migrations' snapshot says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaRsState {
    /// The same text (or nothing to compare: no schema.rs wanted, or no
    /// migration yet).
    InStep,
    /// The file is missing or says something else: the differing lines
    /// (`-` the file, `+` the snapshot).
    Differs {
        /// The file.
        path: std::path::PathBuf,
        /// What differs, at most 40 lines.
        lines: Vec<String>,
    },
}

/// The schema.rs the migrations' snapshot gives, `None` when there is no
/// migration yet (no dialect known).
pub fn expected_schema_rs(
    migrations: &Migrations,
    file: &SchemaFile,
) -> Result<Option<String>, Error> {
    let dialects = &migrations.settings().dialects;
    if dialects.is_empty() {
        return Ok(None);
    }
    let snapshot = migrations.snapshot()?;
    schema_rs::render(&snapshot, dialects, &file.options).map(Some)
}

/// Compares schema.rs with the snapshot.
pub fn check_schema_rs(
    migrations: &Migrations,
    file: Option<&SchemaFile>,
) -> Result<SchemaRsState, Error> {
    let Some(file) = file else {
        return Ok(SchemaRsState::InStep);
    };
    let Some(expected) = expected_schema_rs(migrations, file)? else {
        return Ok(SchemaRsState::InStep);
    };
    let actual = std::fs::read_to_string(&file.path).ok();
    match actual {
        Some(actual) if actual == expected => Ok(SchemaRsState::InStep),
        Some(actual) => Ok(SchemaRsState::Differs {
            path: file.path.clone(),
            lines: schema_rs::differences(&expected, &actual, 40),
        }),
        None => Ok(SchemaRsState::Differs {
            path: file.path.clone(),
            lines: vec!["(the file does not exist)".into()],
        }),
    }
}

/// Rewrites schema.rs from the snapshot alone (`lback schema`); whether it
/// changed.
pub fn write_schema_rs(migrations: &Migrations, file: &SchemaFile) -> Result<bool, Error> {
    let Some(expected) = expected_schema_rs(migrations, file)? else {
        return Err(Error::DieselSchema(format!(
            "{} has no migration yet, so lback does not know the databases to write \
             {} for; run `makemigrations <name>` first",
            migrations.dir().display(),
            file.path.display()
        )));
    };
    if std::fs::read_to_string(&file.path).ok().as_deref() == Some(expected.as_str()) {
        return Ok(false);
    }
    write_schema_text(&file.path, &expected)?;
    Ok(true)
}

/// Writes schema.rs atomically unless it already holds `text`.
fn write_schema_text(path: &Path, text: &str) -> Result<(), Error> {
    if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
        return Ok(());
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::DieselSchema(format!("cannot create {}: {e}", parent.display())))?;
    }
    write_atomic(path, text, true)
}
