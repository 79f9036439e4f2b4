//! One migration folder: its name, its files and `lback.json`.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::files::{io_error, json_error, read_optional, read_text, DialectName};
use super::layout::{LBACK_FILE, MAX_NAME_LEN, METADATA_FILE, MIGRATION_FORMAT};
use crate::diff::Operation;
use crate::sql::Dialect;
use crate::Error;

/// Checks a migration name: 1 to 100 ASCII letters, digits and underscores.
///
/// The name becomes part of a folder name, so anything that could leave the
/// migrations directory (`../x`, `a/b`, `..`) or trip a shell is refused.
///
/// ```
/// use lback_core::migrations::validate_name;
///
/// assert!(validate_name("add_users").is_ok());
/// assert!(validate_name("../x").is_err());
/// assert!(validate_name("").is_err());
/// ```
pub fn validate_name(name: &str) -> Result<(), Error> {
    let refuse = |reason: String| {
        Err(Error::InvalidMigrationName {
            name: name.to_owned(),
            reason,
        })
    };
    if name.is_empty() {
        return refuse("it is empty".into());
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_'))
    {
        return refuse(format!("it contains {bad:?}"));
    }
    if name.len() > MAX_NAME_LEN {
        return refuse(format!(
            "it is {} characters long, more than {MAX_NAME_LEN}",
            name.len()
        ));
    }
    Ok(())
}

/// One migration, as read from its folder `<version>_<name>/`.
#[derive(Debug, Clone, PartialEq)]
pub struct MigrationFolder {
    /// The 14-digit version, `YYYYMMDDHHMMSS` in UTC when lback made it
    /// (diesel's key in `__diesel_schema_migrations`); a diesel_cli folder
    /// `2024-01-15-093000_name` has version `20240115093000`, as diesel
    /// records it.
    pub version: String,
    /// The name after the version.
    pub name: String,
    /// The folder.
    pub path: PathBuf,
    /// The version of the migration that was the newest when this one was
    /// made (`None`: it was the first). For a folder without `lback.json`,
    /// the version of the folder before it.
    pub parent: Option<String>,
    /// Every table whose definition the operations change, sorted (both
    /// names of a renamed table).
    pub tables: Vec<String>,
    /// The operations, in order (empty without `lback.json`).
    pub operations: Vec<Operation>,
    /// Dialects whose SQL rebuilds a SQLite table, so it must run with
    /// foreign keys off, set outside the transaction.
    pub rebuilds: Vec<Dialect>,
    /// Whether the folder has `lback.json`; `false` for a migration written
    /// by hand (or by diesel_cli), which is valid but opaque to lback.
    pub lback_data: bool,
    /// The dialect `up.sql` / `down.sql` are for, as recorded in
    /// `lback.json` (an empty migration, `makemigrations --empty`, has a
    /// file pair per dialect too); `None` for a hand-made migration (or an
    /// empty one written without dialects), whose `up.sql` serves every
    /// dialect without a file of its own.
    pub primary: Option<Dialect>,
    /// `run_in_transaction` from `metadata.toml`; `None` without the file.
    pub run_in_transaction: Option<bool>,
    /// `lock_timeout_ms` from `metadata.toml`: how long this migration's
    /// statements wait for a lock, over the project's default.
    pub lock_timeout_ms: Option<u64>,
}

impl MigrationFolder {
    /// The folder name: `<version>_<name>`, or with diesel_cli's dashed
    /// version (`2024-01-15-093000_create_users`) as diesel_cli made it.
    pub fn id(&self) -> String {
        match self.path.file_name().and_then(|n| n.to_str()) {
            Some(folder) if folder.ends_with(&format!("_{}", self.name)) => folder.to_owned(),
            _ => format!("{}_{}", self.version, self.name),
        }
    }

    /// Whether the migration runs outside a transaction on `dialect`,
    /// statement by statement: `run_in_transaction = false` on PostgreSQL
    /// (diesel's meaning), unless lback wrote it for a SQLite rebuild in
    /// the same folder (then PostgreSQL keeps its transaction). MySQL runs
    /// every migration so anyway; SQLite keeps its transaction.
    pub fn runs_outside_transaction(&self, dialect: Dialect) -> bool {
        dialect == Dialect::Postgres
            && self.run_in_transaction == Some(false)
            && self.rebuilds.is_empty()
    }

    /// The up SQL for a dialect: `up.<dialect>.sql` if the folder has it,
    /// else `up.sql` when that was generated for the dialect or when lback
    /// generated no SQL here (an empty or hand-made migration).
    pub fn up_sql(&self, dialect: Dialect) -> Result<String, Error> {
        let file = self.sql_file("up", dialect)?;
        read_text(&self.path.join(file))
    }

    /// The down SQL for a dialect, chosen as [`up_sql`](Self::up_sql)
    /// chooses; `None` when that file is missing (an empty file stays
    /// `Some("")`).
    pub fn down_sql(&self, dialect: Dialect) -> Result<Option<String>, Error> {
        let file = self.sql_file("down", dialect)?;
        let path = self.path.join(file);
        match fs::read_to_string(&path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io_error(&path, "read", &e)),
        }
    }

    /// The file of `direction` (`up`/`down`) for a dialect.
    fn sql_file(&self, direction: &str, dialect: Dialect) -> Result<String, Error> {
        let own = dialect_file(direction, Some(dialect));
        if self.path.join(dialect_file("up", Some(dialect))).is_file() {
            return Ok(own);
        }
        match self.primary {
            None => Ok(dialect_file(direction, None)),
            Some(primary) if primary == dialect => Ok(dialect_file(direction, None)),
            Some(primary) => Err(Error::NoSqlForDialect {
                migration: self.id(),
                dialect: dialect.name(),
                primary: primary.name().to_owned(),
            }),
        }
    }

    /// Reads the folder at `path`, named `dir_name`. `parent` of a folder
    /// without `lback.json` is left `None` for the caller to fill in.
    pub(super) fn read(path: &Path, dir_name: &str) -> Result<Self, Error> {
        let (version, name) = split_folder_name(path, dir_name)?;
        if !path.join("up.sql").is_file() {
            return Err(Error::Migrations {
                path: path.to_path_buf(),
                message: format!(
                    "migration `{dir_name}` has no up.sql, so diesel cannot run it; add up.sql \
                     with the migration's SQL, or move the folder out of the migrations directory \
                     if it is not a migration"
                ),
            });
        }
        let mut folder = MigrationFolder {
            version,
            name,
            path: path.to_path_buf(),
            parent: None,
            tables: Vec::new(),
            operations: Vec::new(),
            rebuilds: Vec::new(),
            lback_data: false,
            primary: None,
            run_in_transaction: None,
            lock_timeout_ms: None,
        };
        let lback_path = path.join(LBACK_FILE);
        if let Some(text) = read_optional(&lback_path)? {
            let data = LbackFile::parse(&text, &lback_path)?;
            folder.parent = data.parent;
            folder.tables = data.tables;
            folder.operations = data.operations;
            folder.rebuilds = data.rebuilds.into_iter().map(|d| d.0).collect();
            folder.primary = data.primary.map(|d| d.0);
            folder.lback_data = true;
        } else if let Some(header) = lback_header(&path.join("up.sql"))? {
            // Made by lback, but without its data the operations vanish
            // from the replay (the snapshot would then look edited by hand)
            // and up.sql would be taken for every dialect's SQL.
            return Err(Error::Migrations {
                path: lback_path,
                message: format!(
                    "is missing: migration `{dir_name}` was generated by lback (its up.sql \
                     begins `{header}`), and lback.json holds its operations and the dialect \
                     of up.sql; restore the file from version control (e.g. `git checkout -- \
                     <this path>`). Only if the migration is to be a hand-written one from now \
                     on, remove that first line of up.sql instead"
                ),
            });
        }
        (folder.run_in_transaction, folder.lock_timeout_ms) = folder.check_metadata()?;
        Ok(folder)
    }

    /// `metadata.toml`, read as diesel reads it: present without
    /// `run_in_transaction`, it turns the transaction off; and a migration
    /// whose `up.sql` rebuilds a SQLite table must run outside one.
    fn check_metadata(&self) -> Result<(Option<bool>, Option<u64>), Error> {
        #[derive(Deserialize)]
        struct Metadata {
            run_in_transaction: Option<bool>,
            lock_timeout_ms: Option<u64>,
        }
        let path = self.path.join(METADATA_FILE);
        let mut lock_timeout_ms = None;
        let run_in_transaction = match read_optional(&path)? {
            None => None,
            Some(text) => {
                let metadata: Metadata = toml::from_str(&text).map_err(|e| {
                    let place = e.span().map_or_else(String::new, |span| {
                        let before = text.get(..span.start).unwrap_or(&text);
                        let line = before.matches('\n').count() + 1;
                        let column = before.len() - before.rfind('\n').map_or(0, |n| n + 1) + 1;
                        format!(" at line {line}, column {column}")
                    });
                    Error::Migrations {
                        path: path.clone(),
                        message: format!(
                            "not valid TOML{place} ({}); diesel would ignore the file and run the \
                             migration in a transaction: write `run_in_transaction = true` (or \
                             `= false` for a migration that must run outside a transaction)",
                            e.message().trim_end()
                        ),
                    }
                })?;
                lock_timeout_ms = metadata.lock_timeout_ms;
                match metadata.run_in_transaction {
                    Some(value) => Some(value),
                    None => {
                        return Err(Error::Migrations {
                            path,
                            message: "has no `run_in_transaction` key, and diesel then runs the \
                                      migration outside a transaction (a failure halfway would \
                                      leave it half applied); write `run_in_transaction = true` \
                                      to keep the transaction, or `run_in_transaction = false` \
                                      if the migration must run outside one"
                                .into(),
                        })
                    }
                }
            }
        };
        if let Some(primary) = self.primary.filter(|p| self.rebuilds.contains(p)) {
            if run_in_transaction != Some(false) {
                let state = match run_in_transaction {
                    None => "there is no metadata.toml",
                    Some(_) => "metadata.toml says `run_in_transaction = true`",
                };
                return Err(Error::Migrations {
                    path: self.path.clone(),
                    message: format!(
                        "the {primary} SQL in up.sql/down.sql rebuilds a table, which must run \
                         outside a transaction with foreign keys off (inside one SQLite ignores \
                         `PRAGMA foreign_keys`, and dropping the old table would fire ON DELETE \
                         actions), but {state}; write `run_in_transaction = false` to {METADATA_FILE}"
                    ),
                });
            }
        }
        Ok((run_in_transaction, lock_timeout_ms))
    }
}

/// The first line of an `up.sql` lback wrote (`-- lback: <id>, sqlite,
/// generated; ...` or `-- lback: <id>, an empty migration: ...`), if it
/// has one.
fn lback_header(up: &Path) -> Result<Option<String>, Error> {
    let text = read_text(up)?;
    let first = text.lines().next().unwrap_or_default();
    let ours = first.starts_with("-- lback: ")
        && (first.contains(", generated;") || first.contains(", an empty migration:"));
    Ok(ours.then(|| first.to_owned()))
}

/// `up.sql` (`dialect: None`) or `up.<dialect>.sql`.
pub(super) fn dialect_file(direction: &str, dialect: Option<Dialect>) -> String {
    match dialect {
        None => format!("{direction}.sql"),
        Some(d) => format!("{direction}.{d}.sql"),
    }
}

/// Splits `<version>_<name>`: the version is 14 digits (`YYYYMMDDHHMMSS`)
/// or diesel_cli's dashed form (`YYYY-MM-DD-HHMMSS`), which diesel records
/// without its dashes, and so does lback.
fn split_folder_name(path: &Path, dir_name: &str) -> Result<(String, String), Error> {
    if let Some((version, name)) = dir_name.split_once('_') {
        if !name.is_empty() {
            if is_version(version) {
                return Ok((version.to_owned(), name.to_owned()));
            }
            if let Some(compact) = dashed_version(version) {
                return Ok((compact, name.to_owned()));
            }
        }
    }
    Err(Error::Migrations {
        path: path.to_path_buf(),
        message: format!(
            "`{dir_name}` is not a migration folder: diesel and lback take every directory \
             here for a migration named `<14-digit version>_<name>` (such as \
             `20261124233500_add_users`, or diesel_cli's `2026-11-24-233500_add_users`) \
             holding up.sql; rename it, or move it out of the migrations directory"
        ),
    })
}

/// diesel_cli's `YYYY-MM-DD-HHMMSS` as the 14 digits diesel records.
fn dashed_version(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let dashes_at = [4, 7, 10];
    let shaped = bytes.len() == 17
        && bytes.iter().enumerate().all(|(i, b)| {
            if dashes_at.contains(&i) {
                *b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    shaped.then(|| text.replace('-', ""))
}

/// Whether `text` is 14 ASCII digits.
pub(super) fn is_version(text: &str) -> bool {
    text.len() == 14 && text.bytes().all(|b| b.is_ascii_digit())
}

/// The form of `lback.json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LbackFile {
    #[serde(deserialize_with = "known_format")]
    pub lback_migration: u32,
    #[serde(deserialize_with = "parent_version")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<DialectName>,
    pub tables: Vec<String>,
    pub operations: Vec<Operation>,
    pub rebuilds: Vec<DialectName>,
}

impl LbackFile {
    /// Pretty JSON ending in a newline; deterministic for equal data.
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("lback.json always converts");
        text.push('\n');
        text
    }

    fn parse(text: &str, path: &Path) -> Result<Self, Error> {
        serde_json::from_str(text).map_err(|e| Error::Migrations {
            path: path.to_path_buf(),
            message: format!(
                "{}; lback writes this file: restore it from version control",
                json_error(&e)
            ),
        })
    }
}

fn known_format<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let version = u32::deserialize(deserializer)?;
    if version != MIGRATION_FORMAT {
        return Err(serde::de::Error::custom(format_args!(
            "lback_migration {version} is not supported by this lback (it reads format \
             {MIGRATION_FORMAT}); use the lback version that wrote it"
        )));
    }
    Ok(version)
}

fn parent_version<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    let parent = Option::<String>::deserialize(deserializer)?;
    if let Some(version) = &parent {
        if !is_version(version) {
            return Err(serde::de::Error::custom(format_args!(
                "parent `{version}` is not a 14-digit version (or null)"
            )));
        }
    }
    Ok(parent)
}

/// Every table `operations` touch, sorted and without repeats.
pub(super) fn touched_tables(operations: &[Operation]) -> Vec<String> {
    // The tables whose definition changes. A table a new foreign key points
    // at is not changed by it: `rollback <table>` finds the latest change to
    // the table itself, and the runner's planner follows foreign keys (in
    // the current schema) to find the migrations that depend on it.
    let mut tables = BTreeSet::new();
    for op in operations {
        if let Operation::RenameTable { from, .. } = op {
            tables.insert(from.to_string());
        }
        tables.insert(op.table().to_owned());
    }
    tables.into_iter().collect()
}
