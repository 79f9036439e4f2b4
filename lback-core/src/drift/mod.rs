//! Drift: a live database that no longer is what its migrations built (a
//! hotfix made by hand, a dropped foreign key).
//!
//! The database is read with [`introspect`](crate::introspect) and compared
//! with the migrations' snapshot, both in the form the dialect stores
//! ([`canonical`](crate::introspect::canonical)), so what a dialect cannot
//! report (SQLite's foreign key names, MariaDB's unique indexes against
//! unique constraints) is never called drift. [`compare`] is the pure part.
//!
//! While migrations are pending, the database is expected to differ from
//! the snapshot in the tables they change: differences in those tables are
//! left out (and the pending migrations listed), since only the tables a
//! migration touches are known, not its effect. A migration written by
//! hand touches no known table; its effect shows as drift until it ran.

mod compare;
mod difference;

use std::fmt;

pub use compare::compare;
pub use difference::Difference;

/// What [`check`] found.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct Drift {
    /// Every difference, sorted by table.
    pub differences: Vec<Difference>,
    /// Migrations not applied yet (ids, oldest first); differences in the
    /// tables they change are not listed.
    pub pending: Vec<String>,
}

impl Drift {
    /// Whether the database is what its migrations built.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }

    /// The differences, one line each.
    pub fn lines(&self) -> Vec<String> {
        self.differences.iter().map(ToString::to_string).collect()
    }
}

impl fmt::Display for Drift {
    /// `The database matches its migrations.` or one line per difference;
    /// then the pending migrations, if any. No trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.differences.is_empty() {
            f.write_str("The database matches its migrations.")?;
        } else {
            write!(
                f,
                "The database differs from its migrations in {} place(s):",
                self.differences.len()
            )?;
            for difference in &self.differences {
                write!(f, "\n  {difference}")?;
            }
        }
        if !self.pending.is_empty() {
            write!(
                f,
                "\n{} migration(s) pending (their tables are not compared): {}",
                self.pending.len(),
                self.pending.join(", ")
            )?;
        }
        Ok(())
    }
}

/// What `migrate` does when the database has drifted after applying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnDrift {
    /// Do not look (the default: reading the catalog costs a few queries).
    #[default]
    Ignore,
    /// Look, and list each difference in the report's warnings.
    Warn,
    /// Look, and fail with [`Error::Drift`](crate::Error::Drift).
    Refuse,
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use self::connected::*;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod connected {
    use diesel::connection::LoadConnection;
    use diesel::Connection;

    use super::{compare, Drift, OnDrift};
    use crate::introspect::Introspect;
    use crate::runner::{self, MigrationReport, MigrationSql, MigrationState, TrackedBackend};
    use crate::schema::Schema;
    use crate::Error;

    /// Compares the database with `snapshot`, the schema `migrations`
    /// build: see the [module docs](super).
    pub fn check<C>(
        conn: &mut C,
        snapshot: &Schema,
        migrations: &[&dyn MigrationSql],
    ) -> Result<Drift, Error>
    where
        C: Connection + LoadConnection + Introspect,
        C::Backend: TrackedBackend,
    {
        let (statuses, _) = runner::status(conn, migrations)?;
        let pending: Vec<&dyn MigrationSql> = migrations
            .iter()
            .zip(&statuses)
            .filter(|(_, s)| s.state() != MigrationState::Applied)
            .map(|(m, _)| *m)
            .collect();
        let live = conn.introspect()?;
        let mut differences = compare(snapshot, &live, C::DIALECT);
        differences.retain(|d| !pending.iter().any(|m| m.tables().contains(&d.table())));
        Ok(Drift {
            differences,
            pending: pending.iter().map(|m| m.id().into_owned()).collect(),
        })
    }

    /// [`check`] with the migrations and snapshot `lback::embed_migrations!()`
    /// compiled into the binary: the library side of `check`.
    pub fn check_embedded<C>(conn: &mut C) -> Result<Drift, Error>
    where
        C: Connection + LoadConnection + Introspect,
        C::Backend: TrackedBackend,
    {
        let set = runner::embedded()?;
        let snapshot = match set.snapshot {
            Some(text) => Schema::from_snapshot(text)?,
            None => Schema::new(),
        };
        check(conn, &snapshot, &set.list())
    }

    /// After a migrate run: looks for drift as `on_drift` says, adding
    /// warnings to `report` or failing with [`Error::Drift`].
    pub fn after_migrate<C>(
        conn: &mut C,
        snapshot: &Schema,
        migrations: &[&dyn MigrationSql],
        on_drift: OnDrift,
        report: MigrationReport,
    ) -> Result<MigrationReport, Error>
    where
        C: Connection + LoadConnection + Introspect,
        C::Backend: TrackedBackend,
    {
        report_drift(on_drift, report, || check(conn, snapshot, migrations))
    }

    /// [`after_migrate`] on the migrations `lback::embed_migrations!()`
    /// compiled into the binary.
    pub fn after_migrate_embedded<C>(
        conn: &mut C,
        on_drift: OnDrift,
        report: MigrationReport,
    ) -> Result<MigrationReport, Error>
    where
        C: Connection + LoadConnection + Introspect,
        C::Backend: TrackedBackend,
    {
        report_drift(on_drift, report, || check_embedded(conn))
    }

    /// Looks for drift with `check` unless `on_drift` says to ignore it, and
    /// adds it to `report` as warnings or fails with it, as `on_drift` says.
    fn report_drift(
        on_drift: OnDrift,
        report: MigrationReport,
        check: impl FnOnce() -> Result<Drift, Error>,
    ) -> Result<MigrationReport, Error> {
        if on_drift == OnDrift::Ignore {
            return Ok(report);
        }
        let drift = check()?;
        if drift.is_empty() {
            return Ok(report);
        }
        match on_drift {
            OnDrift::Refuse => Err(Error::Drift {
                differences: drift.lines(),
                done: Box::new(report),
            }),
            _ => {
                let mut report = report;
                report.warnings.extend(
                    drift
                        .lines()
                        .into_iter()
                        .map(|line| format!("drift: {line}")),
                );
                Ok(report)
            }
        }
    }
}
