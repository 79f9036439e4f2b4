//! What the runner needs of a migration, wherever it comes from: embedded
//! in the binary by `embed_migrations!` or read from the folder on disk.

use std::borrow::Cow;

use crate::sql::Dialect;
use crate::Error;

/// One migration as the runner sees it.
pub trait MigrationSql {
    /// The 14-digit version (diesel's key in `__diesel_schema_migrations`).
    fn version(&self) -> &str;
    /// `<version>_<name>`, the folder name.
    fn id(&self) -> Cow<'_, str>;
    /// The up SQL for a dialect.
    fn up(&self, dialect: Dialect) -> Result<Cow<'_, str>, Error>;
    /// The down SQL for a dialect; `None` when the migration has none.
    fn down(&self, dialect: Dialect) -> Result<Option<Cow<'_, str>>, Error>;
    /// The [`checksum`](super::checksum) of [`up`](Self::up). Embedded
    /// migrations carry it, computed at compile time, so starting an
    /// application hashes nothing.
    fn checksum(&self, dialect: Dialect) -> Result<Cow<'_, str>, Error> {
        Ok(Cow::Owned(super::checksum(&self.up(dialect)?)))
    }
    /// Whether the dialect's SQL rebuilds a SQLite table, so it must run
    /// with foreign keys off (set outside the transaction).
    fn needs_foreign_keys_off(&self, dialect: Dialect) -> bool;
    /// The tables the migration touches (empty for a hand-written one).
    fn tables(&self) -> Vec<&str>;
    /// What reverting the migration drops (a table, a column, data
    /// narrowed), as `makemigrations` words the destructive operations of
    /// its down; empty when not known (a hand-written migration).
    fn reverting_loses(&self) -> Vec<String> {
        Vec::new()
    }
    /// The name of the file whose SQL runs in `direction` on `dialect`
    /// (`up.sql`, `down.postgres.sql`...), for messages.
    fn file_name(&self, direction: super::Direction, dialect: Dialect) -> String {
        let _ = dialect;
        format!("{}.sql", direction.name())
    }

    /// Whether the dialect's SQL runs outside a transaction, statement by
    /// statement, each committing on its own (`run_in_transaction = false`
    /// in `metadata.toml`, as diesel reads it; see
    /// [`MigrationFolder::runs_outside_transaction`](crate::migrations::MigrationFolder::runs_outside_transaction)).
    /// Honoured on PostgreSQL (MySQL always
    /// runs so; SQLite keeps its transaction and turns foreign keys off
    /// for a rebuild).
    fn outside_transaction(&self, dialect: Dialect) -> bool {
        let _ = dialect;
        false
    }
    /// The migration's own lock timeout (`lock_timeout_ms` in its
    /// `metadata.toml`), over the run's
    /// ([`MigrateOptions::lock_timeout`](super::MigrateOptions)).
    fn lock_timeout(&self) -> Option<std::time::Duration> {
        None
    }
}

/// SQL of one dialect in an embedded migration; `dialect: None` is the
/// primary `up.sql` / `down.sql`.
#[derive(Debug)]
pub struct DialectSql {
    /// `Some("postgres")` for `up.postgres.sql`, `None` for `up.sql`.
    pub dialect: Option<&'static str>,
    /// The file's text.
    pub sql: &'static str,
    /// [`checksum`](super::checksum) of the text, computed by the macro.
    pub checksum: &'static str,
}

/// A migration compiled into the binary by `lback::embed_migrations!()`.
#[derive(Debug)]
pub struct EmbeddedMigration {
    /// The version.
    pub version: &'static str,
    /// The folder name, `<version>_<name>`.
    pub id: &'static str,
    /// Up SQL per dialect.
    pub up: &'static [DialectSql],
    /// Down SQL per dialect (absent files are absent here).
    pub down: &'static [DialectSql],
    /// Dialects whose SQL needs foreign keys off.
    pub rebuilds: &'static [&'static str],
    /// Tables touched.
    pub tables: &'static [&'static str],
    /// The project's primary dialect (the one `up.sql` is written for), if known.
    pub primary: Option<&'static str>,
    /// Dialects whose SQL runs outside a transaction
    /// ([`MigrationSql::outside_transaction`]).
    pub outside_transaction: &'static [&'static str],
    /// Its own lock timeout in milliseconds ([`MigrationSql::lock_timeout`]).
    pub lock_timeout_ms: Option<u64>,
}

impl EmbeddedMigration {
    fn pick(&self, files: &'static [DialectSql], dialect: Dialect) -> Option<&'static str> {
        self.pick_file(files, dialect).map(|f| f.sql)
    }

    fn pick_file(
        &self,
        files: &'static [DialectSql],
        dialect: Dialect,
    ) -> Option<&'static DialectSql> {
        files
            .iter()
            .find(|f| f.dialect == Some(dialect.name()))
            .or_else(|| {
                files.iter().find(|f| {
                    f.dialect.is_none() && self.primary.is_none_or(|p| p == dialect.name())
                })
            })
    }

    fn no_sql(&self, dialect: Dialect) -> Error {
        Error::NoSqlForDialect {
            migration: self.id.to_owned(),
            dialect: dialect.name(),
            primary: self.primary.unwrap_or("unknown").to_owned(),
        }
    }
}

impl MigrationSql for EmbeddedMigration {
    fn version(&self) -> &str {
        self.version
    }

    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.id)
    }

    fn up(&self, dialect: Dialect) -> Result<Cow<'_, str>, Error> {
        self.pick(self.up, dialect)
            .map(Cow::Borrowed)
            .ok_or_else(|| self.no_sql(dialect))
    }

    fn down(&self, dialect: Dialect) -> Result<Option<Cow<'_, str>>, Error> {
        if self.pick(self.up, dialect).is_none() {
            return Err(self.no_sql(dialect));
        }
        Ok(self.pick(self.down, dialect).map(Cow::Borrowed))
    }

    fn checksum(&self, dialect: Dialect) -> Result<Cow<'_, str>, Error> {
        self.pick_file(self.up, dialect)
            .map(|f| Cow::Borrowed(f.checksum))
            .ok_or_else(|| self.no_sql(dialect))
    }

    fn needs_foreign_keys_off(&self, dialect: Dialect) -> bool {
        self.rebuilds.contains(&dialect.name())
    }

    fn tables(&self) -> Vec<&str> {
        self.tables.to_vec()
    }

    fn outside_transaction(&self, dialect: Dialect) -> bool {
        self.outside_transaction.contains(&dialect.name())
    }

    fn lock_timeout(&self) -> Option<std::time::Duration> {
        self.lock_timeout_ms.map(std::time::Duration::from_millis)
    }

    fn file_name(&self, direction: super::Direction, dialect: Dialect) -> String {
        let own = self.up.iter().any(|f| f.dialect == Some(dialect.name()));
        sql_file_name(direction, own.then_some(dialect))
    }
}

/// `up.sql`, or with the dialect's own file `up.postgres.sql`.
fn sql_file_name(direction: super::Direction, dialect: Option<Dialect>) -> String {
    match dialect {
        Some(d) => format!("{}.{}.sql", direction.name(), d.name()),
        None => format!("{}.sql", direction.name()),
    }
}

/// The migrations one `embed_migrations!()` compiled in.
#[derive(Debug)]
pub struct EmbeddedSet {
    /// Where they came from (for messages).
    pub directory: &'static str,
    /// The migrations, sorted by version.
    pub migrations: &'static [EmbeddedMigration],
    /// The schema snapshot stored with them (`.lback/schema.json`), if any.
    pub snapshot: Option<&'static str>,
}

inventory::collect!(EmbeddedSet);

impl EmbeddedSet {
    /// The migrations as the runner takes them.
    pub fn list(&self) -> Vec<&dyn MigrationSql> {
        self.migrations
            .iter()
            .map(|m| m as &dyn MigrationSql)
            .collect()
    }

    /// The schema they build, from the stored snapshot (empty without
    /// one): what a rollback follows the foreign keys in
    /// ([`Job::Rollback`](super::Job::Rollback)).
    pub fn schema(&self) -> Result<crate::schema::Schema, Error> {
        match self.snapshot {
            Some(text) => crate::schema::Schema::from_snapshot(text),
            None => Ok(crate::schema::Schema::new()),
        }
    }
}

/// The migrations `embed_migrations!()` put into this binary.
pub fn embedded() -> Result<&'static EmbeddedSet, Error> {
    let mut sets = inventory::iter::<EmbeddedSet>.into_iter();
    let first = sets.next().ok_or(Error::NothingEmbedded)?;
    if let Some(second) = sets.next() {
        return Err(Error::EmbeddedTwice {
            first: first.directory.to_owned(),
            second: second.directory.to_owned(),
        });
    }
    Ok(first)
}

impl MigrationSql for crate::migrations::MigrationFolder {
    fn version(&self) -> &str {
        &self.version
    }

    fn id(&self) -> Cow<'_, str> {
        Cow::Owned(crate::migrations::MigrationFolder::id(self))
    }

    fn up(&self, dialect: Dialect) -> Result<Cow<'_, str>, Error> {
        self.up_sql(dialect).map(Cow::Owned)
    }

    fn down(&self, dialect: Dialect) -> Result<Option<Cow<'_, str>>, Error> {
        self.down_sql(dialect).map(|sql| sql.map(Cow::Owned))
    }

    fn needs_foreign_keys_off(&self, dialect: Dialect) -> bool {
        self.rebuilds.contains(&dialect)
    }

    fn tables(&self) -> Vec<&str> {
        self.tables.iter().map(String::as_str).collect()
    }

    fn reverting_loses(&self) -> Vec<String> {
        crate::diff::inverse(&self.operations)
            .iter()
            .filter(|op| op.is_destructive())
            .map(|op| {
                // The summary line without its mark and note.
                let line = op.to_string();
                let line = line.trim_end_matches("(destructive)").trim_end();
                line.trim_start_matches(['-', '~', '+'])
                    .trim_start()
                    .to_owned()
            })
            .collect()
    }

    fn file_name(&self, direction: super::Direction, dialect: Dialect) -> String {
        // As the folder picks it: the dialect's own files when it has an up file.
        let own = self
            .path
            .join(sql_file_name(super::Direction::Up, Some(dialect)))
            .is_file();
        sql_file_name(direction, own.then_some(dialect))
    }

    fn outside_transaction(&self, dialect: Dialect) -> bool {
        self.runs_outside_transaction(dialect)
    }

    fn lock_timeout(&self) -> Option<std::time::Duration> {
        self.lock_timeout_ms.map(std::time::Duration::from_millis)
    }
}
