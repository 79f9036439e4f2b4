//! Adopting lback on a database that other tools migrated: checksums for
//! versions diesel applied, and fake-applying (recording migrations as
//! applied, or as reverted, without running them).

use diesel::connection::LoadConnection;
use diesel::Connection;

use crate::runner::{self, Applied, Fence, MigrateOptions, MigrationReport, MigrationSql, Step};
use crate::runner::{Direction, TrackedBackend};
use crate::Error;

/// Records the checksum of every applied migration that has none yet (one
/// diesel_cli or diesel's `run_pending_migrations` applied: they write only
/// the version), so a later edit of its SQL is noticed. Returns a line per
/// migration recorded, saying so.
///
/// The checksum is that of the SQL here now: lback cannot know what ran
/// before it watched.
///
/// Each record goes through `fence` (the run's lock, [`runner::Fence`]): it
/// commits only while the lock is held.
pub fn record_missing_checksums<C>(
    conn: &mut C,
    fence: &Fence<'_, C>,
    migrations: &[&dyn MigrationSql],
    applied: &[Applied],
) -> Result<Vec<String>, Error>
where
    C: Connection + LoadConnection,
    C::Backend: TrackedBackend,
{
    let dialect = <C::Backend as TrackedBackend>::DIALECT;
    let mut notes = Vec::new();
    for record in applied.iter().filter(|a| a.checksum.is_none()) {
        let Some(migration) = migrations.iter().find(|m| m.version() == record.version) else {
            continue;
        };
        let checksum = migration.checksum(dialect)?;
        let sql = format!(
            "UPDATE __diesel_schema_migrations SET checksum = {} WHERE version = {} AND \
             checksum IS NULL",
            dialect.string_literal(&checksum),
            dialect.string_literal(&record.version)
        );
        fence
            .record(conn, |conn| conn.batch_execute(&sql))
            .map_err(|e| Error::Database {
                context: format!("recording the checksum of {}", migration.id()),
                message: e.to_string(),
            })?;
        notes.push(format!(
            "recorded the checksum of {}, applied without one (by diesel_cli?): from now on \
             a change to its SQL is noticed",
            migration.id()
        ));
    }
    Ok(notes)
}

/// Whether a start must take the locked way to record checksums: some
/// applied version of `migrations` has none.
pub fn checksums_missing<'a>(
    migrations: &[&dyn MigrationSql],
    mut unchecked: impl Iterator<Item = &'a str>,
) -> bool {
    unchecked.any(|version| migrations.iter().any(|m| m.version() == version))
}

/// Records migrations as applied (with the checksum of their SQL) or as
/// reverted, without running them: `migrate --fake [<target>]`. Without a
/// target, every pending migration is recorded as applied; with one, the
/// migrations `migrate <target>` would apply are recorded as applied and
/// those it would revert as not applied. An unknown target is refused.
///
/// For a database whose schema is already what the migrations make (a
/// baseline, or changes made by hand): the report lists what was recorded.
pub fn fake<C>(
    conn: &mut C,
    migrations: &[&dyn MigrationSql],
    target: Option<&str>,
) -> Result<MigrationReport, Error>
where
    C: Connection + LoadConnection,
    C::Backend: TrackedBackend,
{
    fake_with(conn, migrations, target, MigrateOptions::default())
}

/// [`fake`] with `options` for checking what is applied (e.g.
/// [`MigrateOptions::warn_on_changed`]: an applied migration whose SQL
/// changed is a warning, not a refusal): `migrate --fake --allow-changed`.
pub fn fake_with<C>(
    conn: &mut C,
    migrations: &[&dyn MigrationSql],
    target: Option<&str>,
    options: MigrateOptions,
) -> Result<MigrationReport, Error>
where
    C: Connection + LoadConnection,
    C::Backend: TrackedBackend,
{
    let dialect = <C::Backend as TrackedBackend>::DIALECT;
    if let Some(target) = target {
        runner::find(migrations, target)?;
    }
    runner::fenced(conn, |conn, fence| {
        let (applied, warnings) = runner::applied_and_verified(conn, fence, migrations, options)?;
        let plan = runner::plan_migrate(migrations, &applied, target)?;
        let mut report = MigrationReport {
            warnings,
            ..MigrationReport::default()
        };
        let mut steps = Vec::new();
        for step in &plan.steps {
            steps.push(match step {
                Step::Apply(m) => (*m, Direction::Up, Some(m.checksum(dialect)?.into_owned())),
                Step::Revert(m) => (*m, Direction::Down, None),
            });
        }
        // One transaction, committed only while the lock is held.
        fence
            .record(conn, |conn| {
                conn.transaction::<_, diesel::result::Error, _>(|conn| {
                    for (m, _, checksum) in &steps {
                        let sql = match checksum {
                            Some(checksum) => runner::record_sql(dialect, m.version(), checksum),
                            None => runner::forget_sql(dialect, m.version()),
                        };
                        conn.batch_execute(&sql)?;
                    }
                    Ok(())
                })
            })
            .map_err(|e| Error::Database {
                context: "recording fake-applied migrations".into(),
                message: e.to_string(),
            })?;
        for (m, direction, _) in steps {
            match direction {
                Direction::Up => report.applied.push(m.id().into_owned()),
                Direction::Down => report.reverted.push(m.id().into_owned()),
            }
        }
        Ok(report)
    })
}

/// [`fake`] on the migrations `lback::embed_migrations!()` compiled into
/// the binary.
pub fn fake_embedded<C>(conn: &mut C, target: Option<&str>) -> Result<MigrationReport, Error>
where
    C: Connection + LoadConnection,
    C::Backend: TrackedBackend,
{
    let set = runner::embedded()?;
    fake(conn, &set.list(), target)
}

/// What `migrate --fake` prints: one line per migration recorded.
pub fn fake_lines(report: &MigrationReport) -> Vec<String> {
    let mut lines: Vec<String> = report
        .applied
        .iter()
        .map(|id| format!("Recorded {id} as applied (its SQL did not run)"))
        .chain(
            report
                .reverted
                .iter()
                .map(|id| format!("Recorded {id} as not applied (its down SQL did not run)")),
        )
        .collect();
    if lines.is_empty() {
        lines.push("Nothing to record: the database already is at that migration.".into());
    }
    lines.extend(report.warnings.iter().map(|w| format!("warning: {w}")));
    lines
}
