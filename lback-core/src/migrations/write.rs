//! Changing the migrations directory: writing a new migration, deleting the
//! newest ones.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::directory::{names, replay, Migrations, NewMigration};
use super::files::{first_repeat, io_error, write_atomic, DialectName};
use super::folder::{dialect_file, touched_tables, validate_name, LbackFile, MigrationFolder};
use super::layout::{LBACK_DIR, LBACK_FILE, METADATA_FILE, MIGRATION_FORMAT};
use super::settings::Settings;
use super::version::next_version;
use crate::diff::{diff, inverse};
use crate::sql::{Dialect, Rendered};
use crate::Error;

impl Migrations {
    /// Writes a new migration folder and then the new snapshot, and returns
    /// the migration as read back.
    ///
    /// The name is checked first; the operations must turn the schema the
    /// existing migrations build into `schema_after`. Nothing existing is
    /// overwritten except the snapshot, which is replaced last; on any
    /// failure the half-written folder is removed.
    pub fn write(&mut self, new: NewMigration) -> Result<&MigrationFolder, Error> {
        let dialects = self.check_new(&new)?;
        let generated = !new.operations.is_empty();
        let version = next_version(new.now, self.folders.last().map(|f| f.version.as_str()))
            .map_err(|message| self.caller_error(message))?;
        let id = format!("{version}_{}", new.name);
        let path = self.dir.join(&id);
        // An empty migration given dialects gets a file pair per dialect
        // too: one up.sql for all would run one database's SQL on another.
        let primary = dialects.first().copied();
        let (rebuilds, autocommit) = self.transaction_modes(&new.sql, generated)?;
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

        let mut files = sql_files(&id, &new.sql, generated);
        if let Some(metadata) = metadata_file(autocommit, primary, &folder.rebuilds) {
            files.push((METADATA_FILE.into(), metadata));
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

        self.write_files(&path, &files, new_settings.as_ref(), &snapshot)?;
        if let Some(settings) = new_settings {
            self.settings = settings;
            self.settings_file = true;
        }
        self.snapshot = Some(snapshot);
        self.folders.push(folder);
        Ok(self.folders.last().expect("just pushed"))
    }

    /// The checks [`Migrations::write`] makes before it writes anything;
    /// returns the dialects of the new migration's SQL.
    fn check_new(&self, new: &NewMigration) -> Result<Vec<Dialect>, Error> {
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
        Ok(dialects)
    }

    /// The dialects whose SQL rebuilds a SQLite table (sorted), and whether
    /// the migration runs outside a transaction (online forms).
    fn transaction_modes(
        &self,
        sql: &[(Dialect, Rendered, Rendered)],
        generated: bool,
    ) -> Result<(Vec<Dialect>, bool), Error> {
        let mut rebuilds: Vec<Dialect> = sql
            .iter()
            .filter(|(_, up, down)| {
                generated && (up.needs_foreign_keys_off || down.needs_foreign_keys_off)
            })
            .map(|(d, _, _)| *d)
            .collect();
        rebuilds.sort_by_key(|d| d.name());
        // Online forms that cannot run in a transaction (CREATE INDEX
        // CONCURRENTLY): the whole migration runs statement by statement.
        let autocommit: Vec<Dialect> = sql
            .iter()
            .filter(|(_, up, down)| {
                !up.outside_transaction.is_empty() || !down.outside_transaction.is_empty()
            })
            .map(|(d, _, _)| *d)
            .collect();
        if !autocommit.is_empty() && !rebuilds.is_empty() {
            return Err(self.caller_error(format!(
                "the new migration's {} SQL must run outside a transaction (online forms), but \
                 its {} SQL rebuilds a SQLite table, which keeps PostgreSQL in a transaction; \
                 render this migration without the online forms (nothing was written)",
                names(&autocommit),
                names(&rebuilds)
            )));
        }
        let autocommit = !autocommit.is_empty();
        Ok((rebuilds, autocommit))
    }

    /// Writes the new folder's `files`, then the settings (when they are
    /// new), then the snapshot; on a failure removes the folder and puts the
    /// settings file back as it was.
    fn write_files(
        &self,
        path: &Path,
        files: &[(String, String)],
        new_settings: Option<&Settings>,
        snapshot: &str,
    ) -> Result<(), Error> {
        let lback_dir = self.dir.join(LBACK_DIR);
        fs::create_dir_all(&lback_dir).map_err(|e| io_error(&lback_dir, "create", &e))?;
        fs::create_dir(path).map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => Error::Migrations {
                path: path.to_path_buf(),
                message: "already exists; lback never overwrites a migration: nothing was \
                          written, run the command again"
                    .into(),
            },
            _ => io_error(path, "create", &e),
        })?;
        let mut settings_written = false;
        let result = (|| {
            for (file, contents) in files {
                write_atomic(&path.join(file), contents, false)?;
            }
            if let Some(settings) = new_settings {
                write_atomic(
                    &self.settings_path(),
                    &settings.to_json(),
                    self.settings_file,
                )?;
                settings_written = true;
            }
            write_atomic(&self.snapshot_path(), snapshot, true)
        })();
        if let Err(e) = result {
            let _ = fs::remove_dir_all(path);
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
        Ok(())
    }

    /// Deletes the newest migrations, given by id or version in any order,
    /// and rewinds `.lback/schema.json` by applying their inverse
    /// operations. Refuses (deleting nothing) unless they are exactly the
    /// newest `ids.len()` migrations. Whether they are applied anywhere is
    /// the caller's business: revert them first.
    pub fn delete_newest(&mut self, ids: &[String]) -> Result<(), Error> {
        let Some(first) = self.first_to_delete(ids)? else {
            return Ok(());
        };
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

    /// The position of the first of `ids` (ids or versions) in
    /// [`Migrations::delete_newest`], `None` for no ids; an error unless
    /// they are exactly the newest migrations.
    fn first_to_delete(&self, ids: &[String]) -> Result<Option<usize>, Error> {
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
            return Ok(None);
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
        Ok(Some(first))
    }
}

/// `up.sql` / `down.sql` (and a pair per further dialect): the generated SQL
/// under lback's first line, or the comment of an empty migration.
fn sql_files(
    id: &str,
    sql: &[(Dialect, Rendered, Rendered)],
    generated: bool,
) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for (i, (dialect, up, down)) in sql.iter().enumerate() {
        let file_dialect = (i > 0).then_some(*dialect);
        let (up_file, down_file) = (
            dialect_file("up", file_dialect),
            dialect_file("down", file_dialect),
        );
        let (up, down) = if generated {
            let header = format!("-- lback: {id}, {dialect}, generated; review before applying\n");
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
    if sql.is_empty() {
        // No dialect known yet: one pair, which serves every dialect.
        files.push((
            "up.sql".into(),
            format!("-- lback: {id}, an empty migration: write the SQL that applies it here.\n"),
        ));
        files.push((
            "down.sql".into(),
            format!(
                "-- lback: {id}, an empty migration: write the SQL that reverts up.sql here.\n"
            ),
        ));
    }
    files
}

/// diesel's `metadata.toml`, when the migration runs outside a transaction:
/// online forms (`autocommit`), or the primary dialect rebuilds a table.
fn metadata_file(
    autocommit: bool,
    primary: Option<Dialect>,
    rebuilds: &[Dialect],
) -> Option<String> {
    if autocommit {
        Some(
            "# lback: online schema change: statements that cannot run in a transaction\n\
             # (CREATE INDEX CONCURRENTLY, VALIDATE CONSTRAINT); each commits on its own.\n\
             # Every statement can run again after a failure: `resolve --not-applied`,\n\
             # then `migrate` runs it from the top.\n\
             run_in_transaction = false\n"
                .into(),
        )
    } else {
        primary.filter(|p| rebuilds.contains(p)).map(|primary| {
            format!(
                "# lback: the {primary} SQL of this migration rebuilds a table, which needs\n\
                 # `PRAGMA foreign_keys = OFF`; SQLite ignores that inside a transaction.\n\
                 run_in_transaction = false\n"
            )
        })
    }
}
