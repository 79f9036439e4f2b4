//! The next migration as `makemigrations` and the build script compute it:
//! the stored snapshot, the models, the operations between them, what to
//! tell the user about them, and their SQL.

use std::path::Path;
use std::time::SystemTime;

use super::directory::{Migrations, NewMigration};
use super::files::write_atomic;
use super::folder::MigrationFolder;
use crate::diff::{diff, rename_hints, Operation};
use crate::schema::{Column, ColumnType, DefaultValue, Name, Schema};
use crate::schema_rs::{self, SchemaFile, SchemaFileSetting};
use crate::sql::{
    check_dialect, check_type_changes, render_down_with, render_with, split_online, Dialect,
    RenderOptions, Rendered,
};
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
    /// How its SQL is rendered: the project's settings
    /// ([`Settings::render_options`](super::Settings::render_options)).
    pub options: RenderOptions,
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
            options: migrations.settings().render_options(),
        })
    }

    /// Checks that every dialect can hold the models (e.g. MySQL cannot
    /// index a JSON column), and that every type change has a sound
    /// conversion ([`check_type_changes`]).
    pub fn check_dialects(&self, dialects: &[Dialect]) -> Result<(), Error> {
        for dialect in dialects {
            check_dialect(&self.models, *dialect)?;
        }
        // A type change no conversion makes sound on every database.
        check_type_changes(&self.operations)
    }

    /// The columns this draft makes NOT NULL with nothing to put into
    /// their existing NULLs (no fill, no default), as `(table, column)`.
    /// `makemigrations` asks for each value (or takes it from `--fill`)
    /// and refuses without one; a migration generated without one (a
    /// build script) still guards: it refuses to run while NULLs remain.
    pub fn fills_needed(&self) -> Vec<(String, String)> {
        self.operations
            .iter()
            .filter_map(unfilled_not_null)
            .map(|(table, to)| (table.to_string(), to.name.to_string()))
            .collect()
    }

    /// Sets the value the NULLs of `table.column` get when it becomes NOT
    /// NULL. `value` is read for the column's type: a number for numeric
    /// types, `true`/`false` for booleans, else the text itself (quoted in
    /// the SQL).
    pub fn set_fill(&mut self, table: &str, column: &str, value: &str) -> Result<(), Error> {
        let op = self.operations.iter_mut().find_map(|op| match op {
            Operation::AlterColumn {
                table: t,
                from,
                to,
                fill,
            } if t.as_ref() == table
                && to.name.as_ref() == column
                && from.nullable
                && !to.nullable =>
            {
                Some((&to.ty, fill))
            }
            _ => None,
        });
        let Some((ty, fill)) = op else {
            return Err(Error::Fill(format!(
                "--fill {table}.{column}: this migration makes no column {table}.{column} NOT NULL; \
                 give --fill only for a column that changes from Option<T> to T"
            )));
        };
        *fill = Some(
            fill_value(value, ty)
                .map_err(|why| Error::Fill(format!("--fill {table}.{column}={value}: {why}")))?,
        );
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
            options: self.options,
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
                _ => {
                    if let Some((table, to)) = unfilled_not_null(op) {
                        out.push(format!(
                            "{table}.{} becomes NOT NULL with no value for existing NULLs: the migration \
                             refuses to run while any remain; choose one with `makemigrations --fill {table}.{}=<value>`",
                            to.name, to.name
                        ));
                    }
                }
            }
        }
        out
    }

    /// The up and down SQL for every dialect, in the order given (primary
    /// first), of the whole change as one migration (with the online forms,
    /// PostgreSQL's part outside the transaction comes last; [`write`]
    /// puts it into a migration of its own).
    ///
    /// [`write`]: Draft::write
    pub fn sql(&self, dialects: &[Dialect]) -> Vec<(Dialect, Rendered, Rendered)> {
        render_part(
            &self.operations,
            &self.old,
            &self.models,
            dialects,
            self.options,
        )
    }

    /// The migration to hand to [`Migrations::write`], all in one folder.
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

    /// The migrations to hand to [`Migrations::write`], in order: one, or
    /// two when PostgreSQL's online forms
    /// ([`RenderOptions::online`]) need a part outside the transaction
    /// and the change also has a part that can stay in one. The first,
    /// `<name>`, holds the operations that stay in the transaction; the
    /// second, `<name>_online` (one second newer), the deferred ones
    /// ([`split_online`]), with `run_in_transaction = false`. Each has
    /// its own up and down SQL, rendered here (`sql`, the whole change's,
    /// is used when there is one migration).
    pub fn into_migrations(
        self,
        name: String,
        sql: Vec<(Dialect, Rendered, Rendered)>,
        now: SystemTime,
    ) -> Vec<NewMigration> {
        let dialects: Vec<Dialect> = sql.iter().map(|(d, _, _)| *d).collect();
        let split = (self.options.online && dialects.contains(&Dialect::Postgres))
            .then(|| split_online(&self.operations))
            .filter(|(inside, outside)| !inside.is_empty() && !outside.is_empty());
        let Some((inside, outside)) = split else {
            return vec![self.into_migration(name, sql, now)];
        };
        let mut middle = self.old.clone();
        for op in &inside {
            op.apply(&mut middle);
        }
        let first = render_part(&inside, &self.old, &middle, &dialects, self.options);
        let second = render_part(&outside, &middle, &self.models, &dialects, self.options);
        let plain = |sql: &[(Dialect, Rendered, Rendered)]| {
            sql.iter().all(|(_, up, down)| {
                up.outside_transaction.is_empty() && down.outside_transaction.is_empty()
            })
        };
        if !plain(&first) || plain(&second) {
            // The second part fell back to the plain forms (a SQLite
            // rebuild): one migration says the same.
            return vec![self.into_migration(name, sql, now)];
        }
        let second_name = online_name(&name);
        vec![
            NewMigration {
                name,
                operations: inside,
                schema_after: middle,
                sql: first,
                now,
            },
            NewMigration {
                name: second_name,
                operations: outside,
                schema_after: self.models,
                sql: second,
                now,
            },
        ]
    }
}

/// The table and the new column of an operation that makes a column NOT
/// NULL with nothing to put into its existing NULLs: no fill, no default.
fn unfilled_not_null(op: &Operation) -> Option<(&Name, &Column)> {
    match op {
        Operation::AlterColumn {
            table,
            from,
            to,
            fill: None,
        } if from.nullable && !to.nullable && to.default.is_none() => Some((table, to)),
        _ => None,
    }
}

/// The name of the part outside the transaction: `<name>_online`, the
/// name shortened to fit [`MAX_NAME_LEN`](super::MAX_NAME_LEN).
fn online_name(name: &str) -> String {
    const SUFFIX: &str = "_online";
    let keep = name.len().min(super::layout::MAX_NAME_LEN - SUFFIX.len());
    format!("{}{SUFFIX}", &name[..keep])
}

/// The SQL of `operations` (from `before` to `after`) for every dialect.
/// A migration whose up runs in a transaction reverts in one too: its
/// down then keeps the plain forms. A SQLite table rebuild keeps
/// PostgreSQL in a transaction, so with one the plain forms are used
/// throughout, with a note.
fn render_part(
    operations: &[Operation],
    before: &Schema,
    after: &Schema,
    dialects: &[Dialect],
    options: RenderOptions,
) -> Vec<(Dialect, Rendered, Rendered)> {
    let render = |options: &RenderOptions| -> Vec<(Dialect, Rendered, Rendered)> {
        dialects
            .iter()
            .map(|d| {
                let up = render_with(operations, before, *d, options);
                let mut down = render_down_with(operations, after, *d, options);
                if up.outside_transaction.is_empty() && !down.outside_transaction.is_empty() {
                    let notes = down.notes;
                    down = render_down_with(operations, after, *d, &RenderOptions::default());
                    down.notes = notes;
                    down.notes.push(
                        "the up runs in a transaction, so this down does too: plain (blocking) \
                         forms, not the online ones"
                            .into(),
                    );
                }
                (*d, up, down)
            })
            .collect()
    };
    let sql = render(&options);
    let rebuilds = sql
        .iter()
        .any(|(_, up, down)| up.needs_foreign_keys_off || down.needs_foreign_keys_off);
    let outside = sql.iter().any(|(_, up, down)| {
        !up.outside_transaction.is_empty() || !down.outside_transaction.is_empty()
    });
    if !(rebuilds && outside) {
        return sql;
    }
    let mut sql = render(&RenderOptions { online: false });
    for (d, up, _) in &mut sql {
        if *d == Dialect::Postgres {
            up.notes.push(
                "plain (blocking) forms, not the online ones: the SQLite SQL of this migration \
                 rebuilds a table, so the migration keeps its transaction"
                    .into(),
            );
        }
    }
    sql
}

/// A fill given as text, read for the column's type.
fn fill_value(raw: &str, ty: &ColumnType) -> Result<DefaultValue, String> {
    use ColumnType as T;
    match ty {
        T::SmallInt | T::Integer | T::BigInt => raw
            .trim()
            .parse::<i64>()
            .map(DefaultValue::Int)
            .map_err(|_| format!("{ty} needs an integer")),
        T::Real | T::Double | T::Decimal { .. } => {
            let text = raw.trim();
            if text.parse::<f64>().is_ok_and(f64::is_finite) {
                // Kept as written, so a decimal is not rounded through f64.
                Ok(DefaultValue::Sql(text.to_owned().into()))
            } else {
                Err(format!("{ty} needs a number"))
            }
        }
        T::Boolean => match raw.trim() {
            "true" | "1" => Ok(DefaultValue::Bool(true)),
            "false" | "0" => Ok(DefaultValue::Bool(false)),
            _ => Err("a boolean needs true or false".to_owned()),
        },
        _ => Ok(DefaultValue::Text(raw.to_owned().into())),
    }
}

/// A `--fill table.column=value` option, split.
pub fn parse_fill(option: &str) -> Result<(String, String, String), Error> {
    let bad = || {
        Error::Fill(format!(
            "--fill {option}: expected table.column=value (e.g. --fill users.nick=anonymous)"
        ))
    };
    let (target, value) = option.split_once('=').ok_or_else(bad)?;
    let (table, column) = target.rsplit_once('.').ok_or_else(bad)?;
    if table.is_empty() || column.is_empty() {
        return Err(bad());
    }
    Ok((table.to_owned(), column.to_owned(), value.to_owned()))
}

impl Draft {
    /// Writes the migration (or the two of [`into_migrations`]) and, with
    /// it, diesel's schema module for the
    /// models (`schema_file`; `None`: no schema.rs). Both or neither: the
    /// schema.rs text is rendered before anything is written (a column no
    /// diesel type serves stops here), and a schema.rs that cannot be
    /// written takes the new migration folder back out. A schema.rs that
    /// already says the same is left alone. Returns the folders written,
    /// oldest first.
    ///
    /// [`into_migrations`]: Draft::into_migrations
    pub fn write(
        self,
        migrations: &mut Migrations,
        name: String,
        sql: Vec<(Dialect, Rendered, Rendered)>,
        now: SystemTime,
        schema_file: Option<&SchemaFile>,
    ) -> Result<Vec<MigrationFolder>, Error> {
        let dialects: Vec<Dialect> = sql.iter().map(|(d, _, _)| *d).collect();
        let text = match schema_file {
            Some(file) if !dialects.is_empty() => Some((
                file,
                schema_rs::render(&self.models, &dialects, &file.options)?,
            )),
            _ => None,
        };
        migrations.start_project();
        let mut written: Vec<MigrationFolder> = Vec::new();
        let undo = |migrations: &mut Migrations, written: &[MigrationFolder]| {
            let ids: Vec<String> = written.iter().map(MigrationFolder::id).collect();
            let _ = migrations.delete_newest(&ids);
        };
        for new in self.into_migrations(name, sql, now) {
            match migrations.write(new) {
                Ok(folder) => written.push(folder.clone()),
                Err(e) => {
                    undo(migrations, &written);
                    return Err(e);
                }
            }
        }
        if let Some((file, text)) = text {
            if let Err(e) = write_schema_text(&file.path, &text) {
                undo(migrations, &written);
                return Err(e);
            }
        }
        Ok(written)
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
