//! The one run path: lock → read → verify → plan → execute, with hooks
//! for what the caller shows or decides on the way ([`Hooks`]). Used by
//! `lback::migrate`, `lback::rollback`, the command line and the tests.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use diesel::connection::LoadConnection;

use super::backend::stored;
use super::backend::{AppliedVersion, TrackedBackend, Tracking};
use super::checks::{refuse_empty, refuse_transaction_control};
use super::lock::{fenced, Fence};
use super::resume::Resume;
use super::step::{describe, Phase, Script};
use super::tracking::Access;
use super::verify::verify_counting;
use super::{
    plan_migrate, plan_rollback, refuse_dirty, verify, Attempt, Direction, MigrateOptions,
    MigrationReport, MigrationSql, Plan, Recorded, Step,
};
use crate::schema::Schema;
use crate::sql::Dialect;
use crate::Error;

/// What a run is for.
#[derive(Clone, Copy)]
pub enum Job<'a> {
    /// `migrate [<target>]`: every pending migration, or forwards or
    /// backwards to a version ([`plan_migrate`]).
    Migrate {
        /// The version to migrate to; `None`: every pending migration.
        target: Option<&'a str>,
    },
    /// `rollback <table>` ([`plan_rollback`]).
    Rollback {
        /// The table.
        table: &'a str,
        /// The current models, for the foreign keys between tables.
        schema: &'a Schema,
    },
}

impl Job<'_> {
    fn plan<'m>(
        &self,
        migrations: &[&'m dyn MigrationSql],
        applied: &[String],
    ) -> Result<Plan<'m>, Error> {
        match *self {
            Job::Migrate { target } => plan_migrate(migrations, applied, target),
            Job::Rollback { table, schema } => plan_rollback(migrations, applied, table, schema),
        }
    }
}

/// A migration as it starts or ends, for [`Hooks`].
#[derive(Debug, Clone, Copy)]
pub struct StepInfo<'a> {
    /// `<version>_<name>`.
    pub id: &'a str,
    /// Applying or reverting.
    pub direction: Direction,
    /// Its place in the run (1-based).
    pub number: usize,
    /// Migrations in the run.
    pub of: usize,
}

/// How far a rollback reaches beyond the table asked for: what
/// [`Hooks::confirm_rollback`] is asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach<'a> {
    /// The table asked for.
    pub table: &'a str,
    /// Other tables the reverted migrations change.
    pub other_tables: Vec<String>,
    /// What reverting drops, `<id>: <operation>` (as far as known).
    pub losses: Vec<String>,
}

impl<'a> Reach<'a> {
    /// What reverting `scripts` reaches beyond `table`.
    pub fn of(table: &'a str, scripts: &[Script<'_>]) -> Self {
        let mut other_tables: Vec<String> = scripts
            .iter()
            .flat_map(|s| s.migration.tables())
            .filter(|t| *t != table)
            .map(str::to_owned)
            .collect();
        other_tables.sort();
        other_tables.dedup();
        let losses = scripts
            .iter()
            .flat_map(|s| {
                let id = s.migration.id().into_owned();
                s.migration
                    .reverting_loses()
                    .into_iter()
                    .map(move |loss| format!("{id}: {loss}"))
            })
            .collect();
        Reach {
            table,
            other_tables,
            losses,
        }
    }

    /// Whether it reaches other tables or drops data, so a person should
    /// confirm it.
    pub fn is_wide(&self) -> bool {
        !self.other_tables.is_empty() || !self.losses.is_empty()
    }

    /// Why it needs confirming, in words.
    pub fn reasons(&self) -> String {
        let mut reasons = Vec::new();
        if !self.other_tables.is_empty() {
            reasons.push(format!(
                "it also changes {}",
                self.other_tables
                    .iter()
                    .map(|t| format!("`{t}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !self.losses.is_empty() {
            reasons.push(format!("it drops data ({})", self.losses.join("; ")));
        }
        reasons.join(" and ")
    }
}

/// What a run shows or asks on its way; each method has a default that
/// shows nothing and goes on (a library run with no one watching).
pub trait Hooks {
    /// What the run noticed but does not stop for (as in
    /// [`MigrationReport::warnings`]), once the applied migrations are
    /// verified.
    fn warnings(&mut self, warnings: &[String]) {
        let _ = warnings;
    }

    /// The plan, under the lock, every script read, before anything runs:
    /// `Ok(false)` ends the run here (a dry run), an error ends it with
    /// that error (a confirmation refused).
    fn review(&mut self, scripts: &[Script<'_>], dialect: Dialect) -> Result<bool, Error> {
        let _ = (scripts, dialect);
        Ok(true)
    }

    /// A rollback that reaches other tables or drops data
    /// ([`Reach::is_wide`]), after [`review`](Self::review): an error ends
    /// the run before anything is reverted. The default goes on (a library
    /// call is its caller's decision).
    fn confirm_rollback(&mut self, reach: &Reach<'_>) -> Result<(), Error> {
        let _ = reach;
        Ok(())
    }

    /// A migration starts.
    fn started(&mut self, step: &StepInfo<'_>) {
        let _ = step;
    }

    /// A migration ended after `elapsed`; `ran` is `false` when it turned
    /// out done already by another process (SQLite, MySQL).
    fn finished(&mut self, step: &StepInfo<'_>, elapsed: Duration, ran: bool) {
        let _ = (step, elapsed, ran);
    }
}

/// No one watching.
impl Hooks for () {}

/// Runs `job` on `migrations`. A plain `migrate` first tries the start's
/// one unlocked read ([`nothing_pending`]); otherwise, under the lock
/// ([`locked`](super::locked)): the tracking tables are read (and set
/// up), a dirty migration refused, the applied ones verified, the plan
/// made, every script read and checked (also against what the lock
/// cannot run under: [`Locker::refuse`](super::Locker::refuse)), the plan shown to `hooks`, and executed.
pub fn run<B, C>(
    conn: &mut C,
    migrations: &[&dyn MigrationSql],
    job: Job<'_>,
    options: MigrateOptions,
    hooks: &mut dyn Hooks,
) -> Result<MigrationReport, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    if let Job::Migrate { target: None } = job {
        if let Some(report) = nothing_pending(conn, migrations, options)? {
            hooks.warnings(&report.warnings);
            return Ok(report);
        }
    }
    fenced(conn, |conn, fence| {
        let may_resume = matches!(job, Job::Migrate { .. });
        let Verified {
            applied,
            mut warnings,
            resumed,
        } = read_and_verify(conn, fence, migrations, options, may_resume)?;
        if let Some(r) = &resumed {
            warnings.push(r.resume.note.clone());
        }
        hooks.warnings(&warnings);
        let plan = job.plan(migrations, &applied)?;
        let texts = scripts_of(&plan, B::DIALECT)?;
        let scripts = as_they_run(&plan, &texts, B::DIALECT, options, resumed)?;
        refuse_empty(&scripts)?;
        if B::IN_TRANSACTION {
            refuse_transaction_control(&scripts, B::DIALECT)?;
        }
        fence.refuse(&scripts)?;
        let mut report = MigrationReport::default();
        if hooks.review(&scripts, B::DIALECT)? {
            if let Job::Rollback { table, .. } = job {
                let reach = Reach::of(table, &scripts);
                if reach.is_wide() {
                    hooks.confirm_rollback(&reach)?;
                }
            }
            report = execute(conn, &scripts, options, fence, hooks)?;
        }
        report.warnings = warnings;
        Ok(report)
    })
}

/// The plan's scripts as they run: each with its lock timeout (the
/// migration's own, else the run's; zero: none), the first going on where
/// `resumed` left it; when the plan does not start with that migration,
/// the run refuses as it would without resuming.
fn as_they_run<'a>(
    plan: &Plan<'a>,
    texts: &'a [Cow<'a, str>],
    dialect: Dialect,
    options: MigrateOptions,
    resumed: Option<Resumed>,
) -> Result<Vec<Script<'a>>, Error> {
    let mut scripts: Vec<Script<'a>> = plan
        .steps
        .iter()
        .zip(texts)
        .map(|(step, sql)| {
            let (migration, direction) = step.parts();
            let mut script = Script::new(migration, direction, sql, dialect);
            script.lock_timeout = script
                .lock_timeout
                .or(options.lock_timeout)
                .filter(|t| !t.is_zero());
            script
        })
        .collect();
    if let Some(r) = resumed {
        match scripts.first_mut() {
            Some(first) if first.applies() && first.version() == r.version => {
                first.resume = Some(r.resume);
            }
            _ => return Err(r.refusal),
        }
    }
    Ok(scripts)
}

/// Applies every pending migration of `migrations`: [`run`] with no one
/// watching.
pub fn migrate<B, C>(
    conn: &mut C,
    migrations: &[&dyn MigrationSql],
    options: MigrateOptions,
) -> Result<MigrationReport, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    run(
        conn,
        migrations,
        Job::Migrate { target: None },
        options,
        &mut (),
    )
}

/// Every script of the plan, read before anything runs, so a missing file
/// or dialect, or a missing down migration, stops the run before it starts.
fn scripts_of<'m>(plan: &Plan<'m>, dialect: Dialect) -> Result<Vec<Cow<'m, str>>, Error> {
    plan.steps
        .iter()
        .map(|step| match *step {
            Step::Apply(m) => m.up(dialect),
            Step::Revert(m) => match m.down(dialect)? {
                Some(sql) if !sql.trim().is_empty() => Ok(sql),
                _ => Err(Error::NoDownMigration {
                    migration: m.id().into_owned(),
                }),
            },
        })
        .collect()
}

/// Runs the scripts in order, each as its backend's strategy does
/// ([`TrackedBackend::run_script`]). Stops at the first failure; the error
/// names the migration, the statement and the database's message, and
/// says what the failure left and what had already run. The run's
/// records go through `fence`.
fn execute<B, C>(
    conn: &mut C,
    scripts: &[Script<'_>],
    options: MigrateOptions,
    fence: &Fence<'_, C>,
    hooks: &mut dyn Hooks,
) -> Result<MigrationReport, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let mut report = MigrationReport::default();
    for (i, script) in scripts.iter().enumerate() {
        let id = script.migration.id();
        let info = StepInfo {
            id: &id,
            direction: script.direction,
            number: i + 1,
            of: scripts.len(),
        };
        hooks.started(&info);
        let start = Instant::now();
        let mut retries = options.lock_retries;
        let ran = loop {
            let failed = match B::run_script(conn, script, fence) {
                Ok(ran) => break ran,
                Err(failed) => failed,
            };
            let timed_out = is_lock_timeout(&failed.error);
            // Again only when nothing of it took effect: rolled back, or
            // stopped at its first statement after its guards.
            let nothing_took_effect = !script.outside_transaction
                || match failed.phase {
                    Phase::Before => true,
                    Phase::Recording(i) | Phase::Statement(i) => i <= script.guard_statements,
                    _ => false,
                };
            if timed_out && nothing_took_effect && retries > 0 {
                retries -= 1;
                std::thread::sleep(options.retry_delay);
                continue;
            }
            {
                let failure = describe(conn, script, failed, fence);
                let mut message = failure.message;
                if timed_out {
                    message.push_str(&lock_timeout_note(script, options));
                }
                return Err(Error::MigrationFailed {
                    migration: id.into_owned(),
                    direction: script.direction.verb(),
                    statement: failure.statement,
                    message,
                    outcome: failure
                        .outcome
                        .unwrap_or_else(|| "Nothing of the migration ran.".to_owned()),
                    done: Box::new(report),
                    cause: Some(Box::new(failure.cause)),
                });
            }
        };
        hooks.finished(&info, start.elapsed(), ran);
        // Not run: another process did it first; nothing to report.
        if ran {
            match script.direction {
                Direction::Up => report.applied.push(id.into_owned()),
                Direction::Down => report.reverted.push(id.into_owned()),
            }
        }
    }
    Ok(report)
}

/// Whether a database error is a lock wait that timed out (PostgreSQL
/// `lock_timeout`, SQLSTATE 55P03; MySQL/MariaDB `lock_wait_timeout`,
/// error 1205, or a metadata lock's).
fn is_lock_timeout(error: &diesel::result::Error) -> bool {
    let diesel::result::Error::DatabaseError(_, info) = error else {
        return false;
    };
    super::state::is_lock_timeout_message(info.message())
}

/// What to do about a migration that timed out waiting for a lock.
fn lock_timeout_note(script: &Script<'_>, options: MigrateOptions) -> String {
    let waited = script
        .lock_timeout
        .map_or_else(|| "the server's limit".to_owned(), |t| format!("{t:?}"));
    let retried = if options.lock_retries > 0 {
        format!(" (run {} times)", options.lock_retries + 1)
    } else {
        String::new()
    };
    format!(
        "\nThe migration waited {waited}{retried} for a lock another session holds, most \
         likely a long transaction on the same table (look in pg_stat_activity / SHOW \
         PROCESSLIST); lback gives up rather than make every query on the table queue behind \
         it. Run migrate again once that transaction ends, or allow a longer wait: \
         `lock_timeout_ms` in the migration's metadata.toml; from code, \
         MigrateOptions::lock_timeout / retry_on_lock_timeout; with the lback command, \
         also `lock_timeout_ms` in .lback/settings.json (code calling lback does not read \
         that file)."
    )
}

/// What a start reads when nothing is pending, which is nearly every
/// start: one query of the tracking table ([`TrackedBackend::startup_read`]),
/// without the lock. When every migration is applied (as one consistent
/// read shows: a migration is recorded in the transaction that runs it,
/// or on MySQL announced by an attempt row before its first statement),
/// there is nothing to wait for: the checksums are verified and the
/// report returned. `None` sends the caller the locked way: something is
/// pending, an attempt is recorded (MySQL), or the tables are missing or
/// out of date.
pub fn nothing_pending<B, C>(
    conn: &mut C,
    migrations: &[&dyn MigrationSql],
    options: MigrateOptions,
) -> Result<Option<MigrationReport>, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let Ok(read) = B::startup_read(conn) else {
        return Ok(None);
    };
    if read.unfinished {
        return Ok(None);
    }
    // A version diesel applied without a checksum: the locked way records it.
    let unchecked = read.applied.iter().filter(|a| a.checksum.is_none());
    if crate::adopt::checksums_missing(migrations, unchecked.map(|a| a.version.as_str())) {
        return Ok(None);
    }
    let records: Vec<Recorded<'_>> = read.applied.iter().map(AppliedVersion::recorded).collect();
    let (warnings, applied) = verify_counting(migrations, &records, B::DIALECT, options)?;
    if applied < migrations.len() {
        return Ok(None);
    }
    Ok(Some(MigrationReport {
        warnings,
        ..MigrationReport::default()
    }))
}

/// The applied versions, after refusing to go on from a dirty migration
/// ([`refuse_dirty`]) and checking them against `migrations`
/// ([`verify`]); and the warnings.
pub(crate) fn applied_and_verified<B, C>(
    conn: &mut C,
    fence: &Fence<'_, C>,
    migrations: &[&dyn MigrationSql],
    options: MigrateOptions,
) -> Result<(Vec<String>, Vec<String>), Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    read_and_verify(conn, fence, migrations, options, false).map(|v| (v.applied, v.warnings))
}

/// What [`read_and_verify`] found: the applied versions, the warnings and
/// the migration the run goes on with, if any.
struct Verified {
    applied: Vec<String>,
    warnings: Vec<String>,
    resumed: Option<Resumed>,
}

/// A migration left half way by a process that died, which this run goes
/// on with ([`TrackedBackend::resume_point`]).
struct Resumed {
    version: String,
    resume: Resume,
    /// The refusal the run returns if the plan does not start with it.
    refusal: Error,
}

/// [`applied_and_verified`]; with `may_resume`, a dirty migration whose
/// run was interrupted is resumed instead of refused where the lock says
/// its process ended ([`Fence::took_over`]) and the backend can tell what
/// its statement in flight did.
fn read_and_verify<B, C>(
    conn: &mut C,
    fence: &Fence<'_, C>,
    migrations: &[&dyn MigrationSql],
    options: MigrateOptions,
    may_resume: bool,
) -> Result<Verified, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let tracking = Tracking::read(conn, Access::SetUp)?;
    let id_of = |v: &str| {
        migrations
            .iter()
            .find(|m| m.version() == v)
            .map(|m| m.id().into_owned())
    };
    let mut resumed = None;
    if let Err(refusal) = refuse_dirty(&tracking.attempts, id_of, B::DIALECT) {
        let found = if may_resume && fence.took_over() {
            resume_point::<B, C>(conn, &tracking.attempts, migrations)
        } else {
            None
        };
        let Some((version, resume)) = found else {
            return Err(refusal);
        };
        resumed = Some(Resumed {
            version,
            resume,
            refusal,
        });
    }
    let records: Vec<Recorded<'_>> = tracking.applied.iter().map(|a| a.recorded()).collect();
    let mut warnings = verify(migrations, &records, B::DIALECT, options)?;
    // Versions diesel applied get their checksum the first time lback sees them.
    warnings.extend(crate::adopt::record_missing_checksums(
        conn,
        fence,
        migrations,
        &tracking.applied,
    )?);
    let applied = tracking.applied.into_iter().map(|a| a.version).collect();
    Ok(Verified {
        applied,
        warnings,
        resumed,
    })
}

/// Where the one dirty migration goes on, when it can: its run was
/// interrupted while applying it (not failed: a failure is for a person),
/// no other run is dirty, its script is the one that ran (as many
/// statements, the same statement in flight), and the backend is certain
/// of what that statement did.
fn resume_point<B, C>(
    conn: &mut C,
    attempts: &[Attempt],
    migrations: &[&dyn MigrationSql],
) -> Option<(String, Resume)>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let mut dirty = attempts.iter().filter(|a| a.is_dirty(B::DIALECT));
    let (Some(attempt), None) = (dirty.next(), dirty.next()) else {
        return None;
    };
    if !attempt.interrupted || attempt.direction != Direction::Up {
        return None;
    }
    let migration = migrations.iter().find(|m| m.version() == attempt.version)?;
    let sql = migration.up(B::DIALECT).ok()?;
    let script = Script::new(*migration, Direction::Up, &sql, B::DIALECT);
    let done = attempt.statements_done;
    let in_flight = script.statements.get(done)?;
    if attempt.statements_total != script.statements.len()
        || attempt.statement.as_deref() != Some(stored(in_flight).as_str())
    {
        return None;
    }
    let resume = B::resume_point(conn, &script, attempt).ok()??;
    Some((attempt.version.clone(), resume))
}
