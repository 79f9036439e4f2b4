//! The migrations directory as read: settings, migrations, snapshot.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::files::{io_error, read_optional};
use super::folder::MigrationFolder;
use super::layout::{LBACK_DIR, SETTINGS_FILE, SNAPSHOT_FILE};
use super::settings::Settings;
use crate::diff::{diff, Operation};
use crate::schema::Schema;
use crate::sql::{Dialect, Rendered};
use crate::Error;

/// A migration to write with [`Migrations::write`].
#[derive(Debug, Clone)]
pub struct NewMigration {
    /// Its name (checked with [`validate_name`](super::validate_name)).
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
    pub(super) dir: PathBuf,
    pub(super) settings: Settings,
    pub(super) settings_file: bool,
    pub(super) folders: Vec<MigrationFolder>,
    pub(super) snapshot: Option<String>,
    /// The next write records the defaults of a new project
    /// ([`Migrations::start_project`]).
    pub(super) new_project: bool,
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

        let mut entries = migration_dirs(dir)?;
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
    pub(super) fn caller_error(&self, message: String) -> Error {
        Error::Migrations {
            path: self.dir.clone(),
            message,
        }
    }
}

/// The directories of `dir` not starting with a dot, as `(name, path)`,
/// unsorted: the migration folders.
fn migration_dirs(dir: &Path) -> Result<Vec<(String, PathBuf)>, Error> {
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
    Ok(entries)
}

/// What replaying every migration's operations from an empty schema builds.
pub(super) fn replay(folders: &[MigrationFolder]) -> Schema {
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
