//! The migrations folder: reading it, writing a new migration into it and
//! deleting the newest ones. Pure filesystem and data; no database.
//!
//! The layout stays runnable by diesel_cli and diesel_migrations, which take
//! every directory of `migrations/` not starting with a dot for a migration,
//! run its `up.sql` (and `down.sql` to revert), ignore other files, and read
//! `metadata.toml`:
//!
//! ```text
//! migrations/
//!   .lback/schema.json          the snapshot after the newest migration (Schema::to_snapshot)
//!   .lback/settings.json        {"dialects": ["sqlite", "postgres"]}, the first one primary
//!   20261124233500_add_users/   <14-digit version>_<name>
//!     up.sql  down.sql          SQL of the primary dialect (what diesel_cli runs)
//!     up.postgres.sql  down.postgres.sql   one pair per further dialect
//!     lback.json                the operations, parent, touched tables, rebuilds
//!     metadata.toml             only when up.sql rebuilds a SQLite table:
//!                               `run_in_transaction = false`
//! ```
//!
//! Writing never loses or overwrites anything: the folder is created with
//! `create_dir` (which fails if it exists), every file goes to a temporary
//! name first and is renamed into place, the snapshot is written last, and
//! a failure removes the half-written folder.

mod draft;
mod files;
mod folder;
#[cfg(test)]
pub(crate) mod tests;

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

pub use draft::{
    check_schema_rs, expected_schema_rs, parse_fill, schema_file, write_schema_rs, Draft,
    SchemaRsState,
};
pub use folder::{validate_name, MigrationFolder};

use files::{first_repeat, write_atomic, DialectName};
use folder::{dialect_file, io_error, read_optional, touched_tables, LbackFile};

use crate::diff::{diff, inverse, Operation};
use crate::schema::Schema;
use crate::sql::{Dialect, RenderOptions, Rendered};
use crate::Error;

/// The directory of lback's own files inside the migrations directory
/// (diesel skips it: its name starts with a dot).
pub const LBACK_DIR: &str = ".lback";
/// The snapshot file inside [`LBACK_DIR`].
pub const SNAPSHOT_FILE: &str = "schema.json";
/// The settings file inside [`LBACK_DIR`].
pub const SETTINGS_FILE: &str = "settings.json";
/// lback's data file inside a migration folder.
pub const LBACK_FILE: &str = "lback.json";
/// diesel's per-migration settings file.
pub const METADATA_FILE: &str = "metadata.toml";
/// The version of the `lback.json` form this build writes and reads.
pub const MIGRATION_FORMAT: u32 = 1;
/// The longest migration name [`validate_name`] accepts.
pub const MAX_NAME_LEN: usize = 100;

/// The project's settings, `.lback/settings.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The dialects migrations are generated for; the first is primary (its
    /// SQL goes to `up.sql` / `down.sql`). Empty until the first migration
    /// is written.
    pub dialects: Vec<Dialect>,
    /// Where diesel's schema module goes (`"schema_file": "src/db/schema.rs"`),
    /// or `"none"` for no schema.rs; `diesel.toml`'s `[print_schema] file`
    /// comes first, `src/schema.rs` is the default.
    pub schema_file: Option<String>,
    /// How long a migration's statements wait for a lock, in milliseconds
    /// (`"lock_timeout_ms"`); `None`: lback's default,
    /// [`DEFAULT_LOCK_TIMEOUT`](crate::runner::DEFAULT_LOCK_TIMEOUT)
    /// (5 s); 0: no limit (the server's setting).
    pub lock_timeout_ms: Option<u64>,
    /// Whether generated SQL uses the online forms (`"online_ddl"`, see
    /// [`RenderOptions::online`]): PostgreSQL builds indexes
    /// `CONCURRENTLY` and validates constraints outside the lock that adds
    /// them, in a migration of their own that runs outside a transaction;
    /// MySQL/MariaDB are told `ALGORITHM=..., LOCK=NONE`. The first
    /// migration of a new project writes `true`; absent (projects made
    /// before the setting existed) means off, so their SQL stays as it was.
    pub online_ddl: Option<bool>,
}

impl Settings {
    /// The primary dialect, if any is configured.
    pub fn primary(&self) -> Option<Dialect> {
        self.dialects.first().copied()
    }

    /// How to render this project's SQL.
    pub fn render_options(&self) -> RenderOptions {
        RenderOptions {
            online: self.online_ddl == Some(true),
        }
    }
}

/// A migration to write with [`Migrations::write`].
#[derive(Debug, Clone)]
pub struct NewMigration {
    /// Its name (checked with [`validate_name`]).
    pub name: String,
    /// The operations; empty for a migration whose SQL the user writes
    /// (`makemigrations --empty`), which gets `up.sql` / `down.sql` holding
    /// only a comment.
    pub operations: Vec<Operation>,
    /// The schema after the migration: the snapshot to store.
    pub schema_after: Schema,
    /// `(dialect, up, down)` for every configured dialect, primary first.
    /// On the first write it becomes `.lback/settings.json`; later it must
    /// list the dialects the settings list, in their order. When any of
    /// them has statements [outside the
    /// transaction](Rendered::outside_transaction), the migration gets
    /// `run_in_transaction = false` and runs statement by statement, each
    /// committing on its own.
    pub sql: Vec<(Dialect, Rendered, Rendered)>,
    /// Now. The version is `now` in UTC as `YYYYMMDDHHMMSS`, or one second
    /// after the newest existing version when that is not earlier.
    pub now: SystemTime,
}

/// The migrations directory: settings, every migration sorted by version,
/// and the snapshot.
#[derive(Debug, Clone)]
pub struct Migrations {
    dir: PathBuf,
    settings: Settings,
    settings_file: bool,
    folders: Vec<MigrationFolder>,
    snapshot: Option<String>,
    /// The next write records the defaults of a new project
    /// ([`Migrations::start_project`]).
    new_project: bool,
}

impl Migrations {
    /// Reads the migrations directory. A directory that does not exist yet
    /// is an empty set (a new project).
    ///
    /// Every directory not starting with a dot must be a migration
    /// `<14-digit version>_<name>/` with `up.sql`, a readable `lback.json`
    /// if it has one, and a `metadata.toml` that states
    /// `run_in_transaction`; two migrations may not share a version.
    pub fn open(dir: &Path) -> Result<Self, Error> {
        let mut set = Migrations {
            dir: dir.to_path_buf(),
            settings: Settings::default(),
            settings_file: false,
            folders: Vec::new(),
            snapshot: None,
            new_project: false,
        };
        match fs::metadata(dir) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(set),
            Err(e) => return Err(io_error(dir, "read", &e)),
            Ok(meta) if !meta.is_dir() => {
                return Err(Error::Migrations {
                    path: dir.to_path_buf(),
                    message: "is not a directory; the migrations directory must be one (or not \
                              exist yet)"
                        .into(),
                })
            }
            Ok(_) => {}
        }
        let settings_path = set.settings_path();
        if let Some(text) = read_optional(&settings_path)? {
            set.settings = Settings::from_json(&text, &settings_path)?;
            set.settings_file = true;
        }
        set.snapshot = read_optional(&set.snapshot_path())?;

        let mut entries = Vec::new();
        for entry in fs::read_dir(dir).map_err(|e| io_error(dir, "list", &e))? {
            let entry = entry.map_err(|e| io_error(dir, "list", &e))?;
            let path = entry.path();
            let file_name = entry.file_name();
            if file_name.to_string_lossy().starts_with('.') {
                continue;
            }
            // Files are ignored, as diesel ignores them; symbolic links are
            // followed.
            let meta = fs::metadata(&path).map_err(|e| io_error(&path, "read", &e))?;
            if !meta.is_dir() {
                continue;
            }
            let Some(name) = file_name.to_str() else {
                return Err(Error::Migrations {
                    path,
                    message: "the folder name is not valid UTF-8; rename it to \
                              `<14-digit version>_<name>`"
                        .into(),
                });
            };
            entries.push((name.to_owned(), path));
        }
        entries.sort();
        for (name, path) in &entries {
            set.folders.push(MigrationFolder::read(path, name)?);
        }
        set.folders
            .sort_by(|a, b| (&a.version, &a.name).cmp(&(&b.version, &b.name)));
        for pair in set.folders.windows(2) {
            if pair[0].version == pair[1].version {
                return Err(Error::Migrations {
                    path: set.dir.clone(),
                    message: format!(
                        "migrations `{}` and `{}` share the version {}, but diesel records \
                         applied migrations by version alone, so it would take one for the \
                         other; give the one that was added later a newer version (rename its \
                         folder, e.g. with the current UTC time as YYYYMMDDHHMMSS), or delete \
                         it if it is a copy",
                        pair[0].id(),
                        pair[1].id(),
                        pair[0].version
                    ),
                });
            }
        }
        for i in 0..set.folders.len() {
            if !set.folders[i].lback_data {
                set.folders[i].parent = i.checked_sub(1).map(|p| set.folders[p].version.clone());
            }
        }
        Ok(set)
    }

    /// Marks a project without migrations as new, so that the first write
    /// records the settings new projects start with: `"online_ddl": true`
    /// (`makemigrations` and the build script do this; a settings key
    /// already there is kept). Does nothing once a migration exists.
    pub fn start_project(&mut self) {
        self.new_project = self.folders.is_empty();
    }

    /// The migrations directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The settings (empty dialect list when there is no settings file).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Every migration, sorted by version.
    pub fn folders(&self) -> &[MigrationFolder] {
        &self.folders
    }

    /// `.lback/schema.json`.
    pub fn snapshot_path(&self) -> PathBuf {
        self.dir.join(LBACK_DIR).join(SNAPSHOT_FILE)
    }

    /// `.lback/settings.json`.
    pub fn settings_path(&self) -> PathBuf {
        self.dir.join(LBACK_DIR).join(SETTINGS_FILE)
    }

    /// The schema after the newest migration, as stored in
    /// `.lback/schema.json`; empty when no migration was made by lback.
    ///
    /// The snapshot must equal what replaying every migration's operations
    /// from an empty schema builds (ignoring the order of columns, indexes,
    /// unique constraints and foreign keys, and `renamed_from` hints): a
    /// snapshot edited by hand or merged badly is refused.
    pub fn snapshot(&self) -> Result<Schema, Error> {
        let path = self.snapshot_path();
        let newest = self.folders.iter().rev().find(|f| f.lback_data);
        let Some(text) = &self.snapshot else {
            return match newest {
                None => Ok(Schema::new()),
                Some(newest) => Err(Error::Migrations {
                    path,
                    message: format!(
                        "is missing, but {} migration(s) made by lback are here (the newest is \
                         `{}`) and lback needs the schema they build to generate the next one; \
                         restore the file from version control as committed with `{}`",
                        self.folders.iter().filter(|f| f.lback_data).count(),
                        newest.id(),
                        newest.id()
                    ),
                }),
            };
        };
        let stored = Schema::from_snapshot(text).map_err(|e| Error::Migrations {
            path: path.clone(),
            message: format!("{e}; restore the file from version control"),
        })?;
        let replayed = replay(&self.folders);
        let (stored_n, replayed_n) = (stored.normalized(), replayed.normalized());
        if stored_n != replayed_n {
            // Branches merged are the likely cause: say so, with the fix.
            self.check_linear()?;
            let restore = match newest {
                Some(newest) => format!(
                    "restore it from version control as committed with the newest migration, \
                     `{}`",
                    newest.id()
                ),
                None => "no migration made by lback is here, so delete it, or restore the \
                         migrations it belongs to"
                    .to_owned(),
            };
            let mut changes: Vec<String> = diff(&replayed_n, &stored_n)
                .iter()
                .map(|op| format!("  {op}"))
                .collect();
            const SHOWN: usize = 20;
            if changes.len() > SHOWN {
                let more = changes.len() - SHOWN;
                changes.truncate(SHOWN);
                changes.push(format!("  ... and {more} more"));
            }
            return Err(Error::Migrations {
                path,
                message: format!(
                    "the snapshot does not match the migrations (it was edited by hand, or \
                     merged badly); {restore}. From the schema the migrations build to the \
                     snapshot:\n{}",
                    changes.join("\n")
                ),
            });
        }
        Ok(stored)
    }

    /// Checks that the migrations form one line, each made on top of the one
    /// before it. Two made on top of the same one come from two branches
    /// merged together: an error naming both, their shared parent and the
    /// steps to fix it.
    pub fn check_linear(&self) -> Result<(), Error> {
        let mut by_parent: HashMap<Option<&str>, &MigrationFolder> = HashMap::new();
        for newer in &self.folders {
            if let Some(older) = by_parent.insert(newer.parent.as_deref(), newer) {
                return Err(self.branch_error(older, newer));
            }
        }
        for (i, folder) in self.folders.iter().enumerate() {
            let before = i.checked_sub(1).map(|b| &self.folders[b]);
            if folder.parent.as_deref() == before.map(|b| b.version.as_str()) {
                continue;
            }
            let parent = folder.parent.as_deref().unwrap_or_default();
            let place = match before {
                Some(before) => format!("the migration before it is `{}`", before.id()),
                None => "it is the first migration here".to_owned(),
            };
            let fix = match self.folders.iter().find(|f| f.version == parent) {
                None => format!(
                    "`{parent}` is not here: restore its folder from version control, or delete \
                     the folder {} (revert it first wherever it was applied), restore \
                     {} as committed with the migration before it, and run makemigrations again",
                    folder.path.display(),
                    self.snapshot_path().display()
                ),
                Some(_) => format!(
                    "a migration with an older version was added in between; delete the folder \
                     {} (revert it first wherever it was applied), restore {} as committed with \
                     the migration before it, and run makemigrations again",
                    folder.path.display(),
                    self.snapshot_path().display()
                ),
            };
            return Err(Error::Migrations {
                path: self.dir.clone(),
                message: format!(
                    "migration `{}` was made on top of `{parent}`, but {place}: {fix}",
                    folder.id()
                ),
            });
        }
        Ok(())
    }

    fn branch_error(&self, older: &MigrationFolder, newer: &MigrationFolder) -> Error {
        let (older_id, newer_id) = (older.id(), newer.id());
        let on_top = match &newer.parent {
            Some(parent) => {
                let parent = self
                    .folders
                    .iter()
                    .find(|f| &f.version == parent)
                    .map_or_else(|| parent.clone(), MigrationFolder::id);
                format!("were both made on top of `{parent}`")
            }
            None => "were both made as the first migration".to_owned(),
        };
        let regenerate = if newer.lback_data {
            format!("run makemigrations again: it generates the changes of `{newer_id}` anew, on top of `{older_id}`")
        } else {
            format!("add the SQL of `{newer_id}` again as a new migration, on top of `{older_id}`")
        };
        Error::Migrations {
            path: self.dir.clone(),
            message: format!(
                "migrations `{older_id}` and `{newer_id}` {on_top}, on two branches since merged: \
                 the newer one was generated without the older one's changes, so they cannot be \
                 applied one after the other. To fix it:\n\
                 \x20 1. keep the older one, `{older_id}`;\n\
                 \x20 2. wherever `{newer_id}` has been applied, revert it first (with the code \
                 of its branch, where it is the newest migration);\n\
                 \x20 3. delete the folder {};\n\
                 \x20 4. restore {} as it is on the branch of `{older_id}` (e.g. `git checkout \
                 <that branch> -- {}`);\n\
                 \x20 5. {regenerate}.",
                newer.path.display(),
                self.snapshot_path().display(),
                self.snapshot_path().display(),
            ),
        }
    }

    /// Writes a new migration folder and then the new snapshot, and returns
    /// the migration as read back.
    ///
    /// The name is checked first; the operations must turn the schema the
    /// existing migrations build into `schema_after`. Nothing existing is
    /// overwritten except the snapshot, which is replaced last; on any
    /// failure the half-written folder is removed.
    pub fn write(&mut self, new: NewMigration) -> Result<&MigrationFolder, Error> {
        validate_name(&new.name)?;
        let dialects: Vec<Dialect> = new.sql.iter().map(|(d, _, _)| *d).collect();
        if let Some(twice) = first_repeat(&dialects) {
            return Err(self.caller_error(format!(
                "the SQL for the new migration names dialect `{twice}` twice; give each dialect once"
            )));
        }
        if !new.sql.is_empty()
            && !self.settings.dialects.is_empty()
            && dialects != self.settings.dialects
        {
            return Err(self.caller_error(format!(
                "the SQL for the new migration is for {}, but {} configures {}; render every \
                 configured dialect, primary first (or edit the settings file to change them)",
                names(&dialects),
                self.settings_path().display(),
                names(&self.settings.dialects)
            )));
        }
        let generated = !new.operations.is_empty();
        if generated && new.sql.is_empty() {
            return Err(self.caller_error(
                "the new migration has operations but no SQL; render them for every configured \
                 dialect"
                    .into(),
            ));
        }
        let mut built = replay(&self.folders);
        for op in &new.operations {
            op.apply(&mut built);
        }
        let (built, after) = (built.normalized(), new.schema_after.normalized());
        if built != after {
            let changes: Vec<String> = diff(&built, &after)
                .iter()
                .map(|op| format!("  {op}"))
                .collect();
            return Err(self.caller_error(format!(
                "the new migration's operations do not turn the schema of the existing \
                 migrations into the schema to store (this is a bug in the caller; nothing was \
                 written). Missing:\n{}",
                changes.join("\n")
            )));
        }

        let version = next_version(new.now, self.folders.last().map(|f| f.version.as_str()))
            .map_err(|message| self.caller_error(message))?;
        let id = format!("{version}_{}", new.name);
        let path = self.dir.join(&id);
        // An empty migration given dialects gets a file pair per dialect
        // too: one up.sql for all would run one database's SQL on another.
        let primary = dialects.first().copied();
        let mut rebuilds: Vec<Dialect> = new
            .sql
            .iter()
            .filter(|(_, up, down)| {
                generated && (up.needs_foreign_keys_off || down.needs_foreign_keys_off)
            })
            .map(|(d, _, _)| *d)
            .collect();
        rebuilds.sort_by_key(|d| d.name());
        // Online forms that cannot run in a transaction (CREATE INDEX
        // CONCURRENTLY): the whole migration runs statement by statement.
        let autocommit: Vec<Dialect> = new
            .sql
            .iter()
            .filter(|(_, up, down)| {
                !up.outside_transaction.is_empty() || !down.outside_transaction.is_empty()
            })
            .map(|(d, _, _)| *d)
            .collect();
        if !autocommit.is_empty() && !rebuilds.is_empty() {
            return Err(self.caller_error(format!(
                "the new migration's {} SQL must run outside a transaction (online forms), but                  its {} SQL rebuilds a SQLite table, which keeps PostgreSQL in a transaction;                  render this migration without the online forms (nothing was written)",
                names(&autocommit),
                names(&rebuilds)
            )));
        }
        let autocommit = !autocommit.is_empty();
        let folder = MigrationFolder {
            version: version.clone(),
            name: new.name.clone(),
            path: path.clone(),
            parent: self.folders.last().map(|f| f.version.clone()),
            tables: touched_tables(&new.operations),
            operations: new.operations,
            run_in_transaction: (primary.is_some_and(|p| rebuilds.contains(&p)) || autocommit)
                .then_some(false),
            lock_timeout_ms: None,
            rebuilds,
            lback_data: true,
            primary,
        };

        let mut files: Vec<(String, String)> = Vec::new();
        for (i, (dialect, up, down)) in new.sql.iter().enumerate() {
            let file_dialect = (i > 0).then_some(*dialect);
            let (up_file, down_file) = (
                dialect_file("up", file_dialect),
                dialect_file("down", file_dialect),
            );
            let (up, down) = if generated {
                let header =
                    format!("-- lback: {id}, {dialect}, generated; review before applying\n");
                (
                    format!("{header}{}", up.to_sql()),
                    format!("{header}{}", down.to_sql()),
                )
            } else {
                (
                    format!(
                        "-- lback: {id}, an empty migration: write the {dialect} SQL that \
                         applies it here.\n"
                    ),
                    format!(
                        "-- lback: {id}, an empty migration: write the {dialect} SQL that \
                         reverts {up_file} here.\n"
                    ),
                )
            };
            files.push((up_file, up));
            files.push((down_file, down));
        }
        if new.sql.is_empty() {
            // No dialect known yet: one pair, which serves every dialect.
            files.push((
                "up.sql".into(),
                format!(
                    "-- lback: {id}, an empty migration: write the SQL that applies it here.\n"
                ),
            ));
            files.push((
                "down.sql".into(),
                format!(
                    "-- lback: {id}, an empty migration: write the SQL that reverts up.sql here.\n"
                ),
            ));
        }
        if autocommit {
            files.push((
                METADATA_FILE.into(),
                "# lback: online schema change: statements that cannot run in a transaction\n\
                 # (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT); each commits on its own.\n\
                 # Every statement can run again after a failure: `resolve --not-applied`,\n\
                 # then `migrate` runs it from the top.\n\
                 run_in_transaction = false\n"
                    .into(),
            ));
        } else if let Some(primary) = primary.filter(|p| folder.rebuilds.contains(p)) {
            files.push((
                METADATA_FILE.into(),
                format!(
                    "# lback: the {primary} SQL of this migration rebuilds a table, which needs\n\
                     # `PRAGMA foreign_keys = OFF`; SQLite ignores that inside a transaction.\n\
                     run_in_transaction = false\n"
                ),
            ));
        }
        let data = LbackFile {
            lback_migration: MIGRATION_FORMAT,
            parent: folder.parent.clone(),
            primary: primary.map(DialectName),
            tables: folder.tables.clone(),
            operations: folder.operations.clone(),
            rebuilds: folder.rebuilds.iter().copied().map(DialectName).collect(),
        };
        files.push((LBACK_FILE.into(), data.to_json()));
        // The first write with SQL records its dialects.
        let new_settings =
            (self.settings.dialects.is_empty() && !dialects.is_empty()).then(|| Settings {
                dialects: dialects.clone(),
                // A new project starts with the online forms.
                online_ddl: self
                    .settings
                    .online_ddl
                    .or(self.new_project.then_some(true)),
                ..self.settings.clone()
            });
        let snapshot = new.schema_after.to_snapshot();

        let lback_dir = self.dir.join(LBACK_DIR);
        fs::create_dir_all(&lback_dir).map_err(|e| io_error(&lback_dir, "create", &e))?;
        fs::create_dir(&path).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => Error::Migrations {
                path: path.clone(),
                message: "already exists; lback never overwrites a migration: nothing was \
                          written, run the command again"
                    .into(),
            },
            _ => io_error(&path, "create", &e),
        })?;
        let mut settings_written = false;
        let result = (|| {
            for (file, contents) in &files {
                write_atomic(&path.join(file), contents, false)?;
            }
            if let Some(settings) = &new_settings {
                write_atomic(
                    &self.settings_path(),
                    &settings.to_json(),
                    self.settings_file,
                )?;
                settings_written = true;
            }
            write_atomic(&self.snapshot_path(), &snapshot, true)
        })();
        if let Err(e) = result {
            let _ = fs::remove_dir_all(&path);
            if settings_written {
                // Put back what was there: the file as it was, or no file.
                if self.settings_file {
                    let _ = write_atomic(&self.settings_path(), &self.settings.to_json(), true);
                } else {
                    let _ = fs::remove_file(self.settings_path());
                }
            }
            return Err(e);
        }
        if let Some(settings) = new_settings {
            self.settings = settings;
            self.settings_file = true;
        }
        self.snapshot = Some(snapshot);
        self.folders.push(folder);
        Ok(self.folders.last().expect("just pushed"))
    }

    /// Deletes the newest migrations, given by id or version in any order,
    /// and rewinds `.lback/schema.json` by applying their inverse
    /// operations. Refuses (deleting nothing) unless they are exactly the
    /// newest `ids.len()` migrations. Whether they are applied anywhere is
    /// the caller's business: revert them first.
    pub fn delete_newest(&mut self, ids: &[String]) -> Result<(), Error> {
        let mut positions = Vec::new();
        for id in ids {
            let position = self
                .folders
                .iter()
                .position(|f| f.version == *id || f.id() == *id)
                .ok_or_else(|| Error::UnknownMigration {
                    wanted: id.clone(),
                    known: self.folders.iter().map(MigrationFolder::id).collect(),
                })?;
            if !positions.contains(&position) {
                positions.push(position);
            }
        }
        if positions.is_empty() {
            return Ok(());
        }
        let first = self.folders.len() - positions.len();
        if let Some(&old) = positions.iter().find(|&&p| p < first) {
            let newest: Vec<String> = self.folders[first..]
                .iter()
                .map(MigrationFolder::id)
                .collect();
            return Err(Error::Migrations {
                path: self.dir.clone(),
                message: format!(
                    "`{}` is not among the newest {} migration(s) ({}); only the newest \
                     migrations can be deleted, so the snapshot can be rewound: delete the later \
                     ones too, or none (nothing was deleted)",
                    self.folders[old].id(),
                    positions.len(),
                    newest.join(", ")
                ),
            });
        }
        let doomed = &self.folders[first..];
        let snapshot = if doomed.iter().any(|f| !f.operations.is_empty()) {
            let mut schema = self.snapshot()?;
            for folder in doomed.iter().rev() {
                for op in inverse(&folder.operations) {
                    op.apply(&mut schema);
                }
            }
            Some(schema.to_snapshot())
        } else {
            None
        };

        // Move the folders aside first (diesel and lback skip dot names),
        // so a failure to write the snapshot can put them back.
        let lback_dir = self.dir.join(LBACK_DIR);
        fs::create_dir_all(&lback_dir).map_err(|e| io_error(&lback_dir, "create", &e))?;
        let mut moved: Vec<(PathBuf, PathBuf)> = Vec::new();
        let put_back = |moved: &[(PathBuf, PathBuf)]| {
            for (from, to) in moved.iter().rev() {
                let _ = fs::rename(to, from);
            }
        };
        for folder in doomed {
            let aside = lback_dir.join(format!(".deleting-{}-{}", folder.id(), std::process::id()));
            if let Err(e) = fs::rename(&folder.path, &aside) {
                put_back(&moved);
                return Err(io_error(&folder.path, "move aside for deletion", &e));
            }
            moved.push((folder.path.clone(), aside));
        }
        if let Some(snapshot) = &snapshot {
            if let Err(e) = write_atomic(&self.snapshot_path(), snapshot, true) {
                put_back(&moved);
                return Err(e);
            }
            self.snapshot = Some(snapshot.clone());
        }
        self.folders.truncate(first);
        for (from, aside) in &moved {
            fs::remove_dir_all(aside).map_err(|e| Error::Migrations {
                path: aside.clone(),
                message: format!(
                    "{} was deleted and the snapshot rewound, but its files, moved here, \
                     could not be removed ({e}); remove this directory by hand",
                    from.display()
                ),
            })?;
        }
        Ok(())
    }

    fn caller_error(&self, message: String) -> Error {
        Error::Migrations {
            path: self.dir.clone(),
            message,
        }
    }
}

/// What replaying every migration's operations from an empty schema builds.
fn replay(folders: &[MigrationFolder]) -> Schema {
    let mut schema = Schema::new();
    for op in folders.iter().flat_map(|f| &f.operations) {
        op.apply(&mut schema);
    }
    schema
}

/// `sqlite, postgres`: dialects for messages.
pub(crate) fn names(dialects: &[Dialect]) -> String {
    if dialects.is_empty() {
        return "no dialect".into();
    }
    dialects
        .iter()
        .map(|d| d.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The version of a new migration: `now` in UTC, or one second after
/// `newest` when `now` is not later (two in one second stay distinct and
/// ordered). Always 14 digits.
fn next_version(now: SystemTime, newest: Option<&str>) -> Result<String, String> {
    let now = OffsetDateTime::from(now);
    let candidate = format_version(PrimitiveDateTime::new(now.date(), now.time()));
    let Some(newest) = newest else {
        return candidate.ok_or_else(|| out_of_range(now.year()));
    };
    if let Some(candidate) = candidate.filter(|c| c.as_str() > newest) {
        return Ok(candidate);
    }
    let next = match parse_version(newest) {
        Some(at) => at
            .checked_add(time::Duration::SECOND)
            .and_then(format_version),
        // Not a date (written by hand): the next number.
        None => newest
            .parse::<u64>()
            .ok()
            .map(|n| format!("{:014}", n + 1))
            .filter(|n| n.len() == 14),
    };
    next.ok_or_else(|| {
        format!(
            "no 14-digit version is left after the newest migration's, {newest}; give the \
             newest migrations smaller versions"
        )
    })
}

fn out_of_range(year: i32) -> String {
    format!("the clock says year {year}, which does not fit a 14-digit version; fix the clock")
}

/// `YYYYMMDDHHMMSS`, if the year has four digits.
fn format_version(at: PrimitiveDateTime) -> Option<String> {
    let year = at.year();
    (0..=9999).contains(&year).then(|| {
        format!(
            "{year:04}{:02}{:02}{:02}{:02}{:02}",
            u8::from(at.month()),
            at.day(),
            at.hour(),
            at.minute(),
            at.second()
        )
    })
}

/// A 14-digit version read as a date and time, if it is one.
fn parse_version(version: &str) -> Option<PrimitiveDateTime> {
    if !folder::is_version(version) {
        return None;
    }
    let part = |range: std::ops::Range<usize>| version[range].parse::<u16>().ok();
    let month = Month::try_from(u8::try_from(part(4..6)?).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::from(part(0..4)?),
        month,
        u8::try_from(part(6..8)?).ok()?,
    )
    .ok()?;
    let time = Time::from_hms(
        u8::try_from(part(8..10)?).ok()?,
        u8::try_from(part(10..12)?).ok()?,
        u8::try_from(part(12..14)?).ok()?,
    )
    .ok()?;
    Some(PrimitiveDateTime::new(date, time))
}
