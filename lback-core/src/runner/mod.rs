//! The runner: applies and reverts migrations on a live connection. One
//! engine serves `lback::migrate` (embedded migrations) and the command
//! line (migrations read from disk), through [`MigrationSql`].
//!
//! Applied versions live in diesel's own `__diesel_schema_migrations`, so
//! diesel_cli and lback agree on what has run.

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod backend;
mod plan;
mod source;
mod verify;

use std::fmt;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use self::connected::*;
pub use plan::{find, plan_migrate, plan_rollback, Plan, Step};
pub use source::{embedded, DialectSql, EmbeddedMigration, EmbeddedSet, MigrationSql};
pub use verify::{checksum, verify, MigrateOptions, OnChanged, Recorded};

/// What a run did: migrations applied and reverted, in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationReport {
    /// Ids (`<version>_<name>`) applied, oldest first.
    pub applied: Vec<String>,
    /// Ids reverted, newest first.
    pub reverted: Vec<String>,
    /// What the run noticed but did not stop for: applied versions no
    /// migration here has, applied migrations changed since (when allowed).
    pub warnings: Vec<String>,
}

impl MigrationReport {
    /// Whether nothing ran.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.reverted.is_empty()
    }
}

impl fmt::Display for MigrationReport {
    /// One line per migration (`Applied <id>` / `Reverted <id>`), or `No
    /// migrations to apply.`; no trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Vec<String> = self
            .applied
            .iter()
            .map(|id| format!("Applied {id}"))
            .chain(self.reverted.iter().map(|id| format!("Reverted {id}")))
            .collect();
        if lines.is_empty() {
            lines.push("No migrations to apply.".to_owned());
        }
        lines.extend(self.warnings.iter().map(|w| format!("warning: {w}")));
        f.write_str(&lines.join("\n"))
    }
}

/// One migration's state in a database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// `<version>_<name>`.
    pub id: String,
    /// The version.
    pub version: String,
    /// When it was applied (the database's text), or `None` when pending.
    pub applied_on: Option<String>,
}

/// Everything that talks to a database (needs one of the database features).
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod connected {
    use diesel::connection::LoadConnection;
    use diesel::Connection;

    pub use super::backend::{Applied, TrackedBackend};
    use super::{
        MigrateOptions, MigrationReport, MigrationSql, MigrationStatus, Plan, Recorded, Step,
    };
    use crate::sql::Dialect;
    use crate::Error;

    /// The versions applied to the database, with when (oldest first).
    pub fn applied<C>(conn: &mut C) -> Result<Vec<Applied>, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        // One query when the table exists (every start but the first); the
        // table is created only when reading it fails.
        let mut rows = match <C::Backend as TrackedBackend>::applied(conn) {
            Ok(rows) => rows,
            Err(_) => {
                <C::Backend as TrackedBackend>::setup(conn)
                    .map_err(db("creating __diesel_schema_migrations"))?;
                <C::Backend as TrackedBackend>::applied(conn)
                    .map_err(db("reading applied migrations"))?
            }
        };
        rows.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(rows)
    }

    /// Runs `work` holding lback's migration lock, so processes that start at
    /// once run one after the other and each plans under the lock (what is
    /// pending is computed after it is held). The lock is released on every
    /// path, errors and panics included (a pooled connection would keep it).
    pub fn locked<C, T>(
        conn: &mut C,
        work: impl FnOnce(&mut C) -> Result<T, Error>,
    ) -> Result<T, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        <C::Backend as TrackedBackend>::lock(conn).map_err(db("taking lback's migration lock"))?;
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(conn)));
        let released = <C::Backend as TrackedBackend>::unlock(conn);
        match result {
            Ok(Ok(value)) => {
                released.map_err(db("releasing lback's migration lock"))?;
                Ok(value)
            }
            Ok(Err(error)) => Err(error),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// Every migration with its state, plus versions applied to the database
    /// that `migrations` does not know.
    pub fn status<C>(
        conn: &mut C,
        migrations: &[&dyn MigrationSql],
    ) -> Result<(Vec<MigrationStatus>, Vec<String>), Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let applied = applied(conn)?;
        let statuses = migrations
            .iter()
            .map(|m| MigrationStatus {
                id: m.id().into_owned(),
                version: m.version().to_owned(),
                applied_on: applied
                    .iter()
                    .find(|a| a.version == m.version())
                    .map(|a| a.run_on.clone()),
            })
            .collect();
        let unknown = applied
            .into_iter()
            .map(|a| a.version)
            .filter(|v| !migrations.iter().any(|m| m.version() == v))
            .collect();
        Ok((statuses, unknown))
    }

    /// Runs a plan: each step applies or reverts one migration, each in its own
    /// transaction where the database has transactional DDL (SQLite,
    /// PostgreSQL). Stops at the first failure; the error names the migration
    /// and says what had already run.
    pub fn execute<C>(conn: &mut C, plan: &Plan<'_>) -> Result<MigrationReport, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        if plan.is_empty() {
            return Ok(MigrationReport::default());
        }
        let dialect = <C::Backend as TrackedBackend>::DIALECT;
        // Every SQL text is fetched before anything runs, so a missing file or
        // dialect stops the run before it starts.
        let mut scripts = Vec::new();
        for step in &plan.steps {
            let sql = match step {
                Step::Apply(m) => m.up(dialect)?.into_owned(),
                Step::Revert(m) => match m.down(dialect)? {
                    Some(sql) if !sql.trim().is_empty() => sql.into_owned(),
                    _ => {
                        return Err(Error::NoDownMigration {
                            migration: m.id().into_owned(),
                        })
                    }
                },
            };
            scripts.push(sql);
        }
        <C::Backend as TrackedBackend>::setup(conn)
            .map_err(db("creating __diesel_schema_migrations"))?;
        let mut report = MigrationReport::default();
        for (step, sql) in plan.steps.iter().zip(&scripts) {
            let (migration, apply) = match step {
                Step::Apply(m) => (*m, true),
                Step::Revert(m) => (*m, false),
            };
            let ran = match run_one(conn, dialect, migration, sql, apply) {
                Ok(ran) => ran,
                Err(message) => {
                    return Err(Error::MigrationFailed {
                        migration: migration.id().into_owned(),
                        direction: if apply { "applying" } else { "reverting" },
                        message,
                        done: Box::new(report),
                    })
                }
            };
            if !ran {
                // Another process did it first (SQLite, where there is no
                // run-wide lock); nothing to report.
                continue;
            }
            let id = migration.id().into_owned();
            if apply {
                report.applied.push(id);
            } else {
                report.reverted.push(id);
            }
        }
        Ok(report)
    }

    /// Runs one step; `Ok(false)` when, checked again under the lock, it
    /// turns out done already.
    fn run_one<C>(
        conn: &mut C,
        dialect: Dialect,
        migration: &dyn MigrationSql,
        sql: &str,
        apply: bool,
    ) -> Result<bool, String>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let version = migration.version();
        let text = |e: diesel::result::Error| e.to_string();
        // Claims the write lock (SQLite), checks the step is still due, runs
        // it and records it.
        let step = |conn: &mut C| -> diesel::QueryResult<bool> {
            <C::Backend as TrackedBackend>::claim(conn)?;
            if <C::Backend as TrackedBackend>::is_applied(conn, version)? != apply {
                conn.batch_execute(sql)?;
                if apply {
                    <C::Backend as TrackedBackend>::record(conn, version, &super::checksum(sql))?;
                } else {
                    <C::Backend as TrackedBackend>::forget(conn, version)?;
                }
                Ok(true)
            } else {
                Ok(false)
            }
        };
        match dialect {
            Dialect::Sqlite if migration.needs_foreign_keys_off(dialect) => {
                // The pragma is a no-op inside a transaction: set it outside,
                // check the keys before committing, restore it afterwards.
                let was_on = <C::Backend as TrackedBackend>::foreign_keys_on(conn).map_err(text)?;
                conn.batch_execute("PRAGMA foreign_keys = OFF")
                    .map_err(text)?;
                let result = conn.transaction::<_, diesel::result::Error, _>(|conn| {
                    let ran = step(conn)?;
                    let broken = <C::Backend as TrackedBackend>::foreign_key_violations(conn)?;
                    if broken > 0 {
                        return Err(diesel::result::Error::QueryBuilderError(
                            format!("{broken} row(s) would break a foreign key (PRAGMA foreign_key_check); nothing was changed").into(),
                        ));
                    }
                    Ok(ran)
                });
                if was_on {
                    conn.batch_execute("PRAGMA foreign_keys = ON")
                        .map_err(text)?;
                }
                result.map_err(text)
            }
            Dialect::Sqlite | Dialect::Postgres => conn.transaction(step).map_err(text),
            // MySQL commits every DDL statement: there is no transaction to use.
            Dialect::Mysql => step(conn).map_err(text),
        }
    }

    fn db(context: &'static str) -> impl Fn(diesel::result::Error) -> Error {
        move |e| Error::Database {
            context: context.to_owned(),
            message: e.to_string(),
        }
    }

    /// Applies every pending migration that `lback::embed_migrations!()`
    /// compiled into the binary: the library side of `migrate`.
    pub fn migrate_embedded<C>(
        conn: &mut C,
        options: MigrateOptions,
    ) -> Result<MigrationReport, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let set = super::embedded()?;
        let list: Vec<&dyn MigrationSql> = set
            .migrations
            .iter()
            .map(|m| m as &dyn MigrationSql)
            .collect();
        locked(conn, |conn| {
            let (applied, warnings) = applied_and_verified(conn, &list, options)?;
            let plan = super::plan_migrate(&list, &applied, None)?;
            let mut report = execute(conn, &plan)?;
            report.warnings = warnings;
            Ok(report)
        })
    }

    /// The applied versions, after checking them against `migrations`
    /// ([`verify`](super::verify)); and the warnings.
    pub fn applied_and_verified<C>(
        conn: &mut C,
        migrations: &[&dyn MigrationSql],
        options: MigrateOptions,
    ) -> Result<(Vec<String>, Vec<String>), Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let rows = applied(conn)?;
        let records: Vec<Recorded<'_>> = rows
            .iter()
            .map(|a| Recorded {
                version: &a.version,
                checksum: a.checksum.as_deref(),
            })
            .collect();
        let warnings = super::verify(
            migrations,
            &records,
            <C::Backend as TrackedBackend>::DIALECT,
            options,
        )?;
        Ok((rows.into_iter().map(|a| a.version).collect(), warnings))
    }

    /// Reverts the latest applied change to `table` and every later applied
    /// migration that depends on it: the library side of `rollback <table>`.
    pub fn rollback_embedded<C>(
        conn: &mut C,
        table: &str,
        options: MigrateOptions,
    ) -> Result<MigrationReport, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let set = super::embedded()?;
        let schema = match set.snapshot {
            Some(text) => crate::schema::Schema::from_snapshot(text)?,
            None => crate::schema::Schema::new(),
        };
        let list: Vec<&dyn MigrationSql> = set
            .migrations
            .iter()
            .map(|m| m as &dyn MigrationSql)
            .collect();
        locked(conn, |conn| {
            let (applied, warnings) = applied_and_verified(conn, &list, options)?;
            let plan = super::plan_rollback(&list, &applied, table, &schema)?;
            let mut report = execute(conn, &plan)?;
            report.warnings = warnings;
            Ok(report)
        })
    }
}
