//! The runner: applies and reverts migrations on a live connection. One
//! engine serves `lback::migrate` (embedded migrations) and the command
//! line (migrations read from disk), through [`MigrationSql`].
//!
//! Applied versions live in diesel's own `__diesel_schema_migrations`, so
//! diesel_cli and lback agree on what has run.

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod backend;
#[cfg(feature = "mysql")]
pub mod lease;
mod plan;
mod source;
mod state;
mod verify;

use std::fmt;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use self::connected::*;
pub use plan::{find, plan_migrate, plan_rollback, Plan, Step};
pub use source::{embedded, DialectSql, EmbeddedMigration, EmbeddedSet, MigrationSql};
pub use state::{
    recovery_steps, refuse_dirty, Attempt, Direction, FailedStatement, MigrationState,
    MigrationStatus, Resolution,
};
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

/// Everything that talks to a database (needs one of the database features).
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod connected {
    use std::cell::Cell;

    use diesel::connection::LoadConnection;
    use diesel::Connection;

    pub use super::backend::{
        Applied, AppliedVersion, StartupRead, StoredChecksum, TrackedBackend, Tracking,
    };
    use super::{
        Direction, FailedStatement, MigrateOptions, MigrationReport, MigrationSql, MigrationStatus,
        Plan, Recorded, Resolution, Step,
    };
    use crate::sql::{split_cleanly, split_statements, Dialect};
    use crate::Error;

    /// What the tracking tables hold: applied versions (oldest first) and
    /// unfinished runs. The tables are created (or brought up to date) only
    /// when reading them fails.
    pub fn tracking<C>(conn: &mut C) -> Result<Tracking, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let mut tracking = match <C::Backend as TrackedBackend>::tracking(conn) {
            Ok(tracking) => tracking,
            Err(_) => {
                <C::Backend as TrackedBackend>::setup(conn)
                    .map_err(db("creating lback's tracking tables"))?;
                <C::Backend as TrackedBackend>::tracking(conn)
                    .map_err(db("reading applied migrations"))?
            }
        };
        tracking.applied.sort_by(|a, b| a.version.cmp(&b.version));
        tracking.attempts.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(tracking)
    }

    /// The tracking tables read as they are, changing nothing: applied
    /// versions without checksums when the table lacks lback's column, no
    /// attempts when lback's table is missing. `None` when even diesel's
    /// table cannot be read.
    fn tracking_as_it_is<C>(conn: &mut C) -> Option<Tracking>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        type B<C> = <C as Connection>::Backend;
        let mut applied = <B<C> as TrackedBackend>::read_applied(conn, true)
            .or_else(|_| <B<C> as TrackedBackend>::read_applied(conn, false))
            .ok()?;
        applied.sort_by(|a, b| a.version.cmp(&b.version));
        let mut attempts = <B<C> as TrackedBackend>::read_attempts(conn).unwrap_or_default();
        attempts.sort_by(|a, b| a.version.cmp(&b.version));
        Some(Tracking { applied, attempts })
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

    /// Every migration with its state (applied, pending, failed, dirty),
    /// plus versions applied to the database that `migrations` does not
    /// know. Dirty runs of versions `migrations` does not know are listed
    /// as statuses with the version as id.
    pub fn status<C>(
        conn: &mut C,
        migrations: &[&dyn MigrationSql],
    ) -> Result<(Vec<MigrationStatus>, Vec<String>), Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let dialect = <C::Backend as TrackedBackend>::DIALECT;
        // A user who may only read (monitoring) cannot set the tables up:
        // read them as they are.
        let tracking = match tracking(conn) {
            Ok(tracking) => tracking,
            Err(error) => tracking_as_it_is(conn).ok_or(error)?,
        };
        // A run recorded as started is going on right now if another
        // session holds the lock (MySQL); otherwise it died.
        let lock_free = !tracking.attempts.iter().any(|a| a.interrupted)
            || <C::Backend as TrackedBackend>::lock_is_free(conn).unwrap_or(true);
        let of = |version: &str, id: String| {
            let last_attempt = tracking
                .attempts
                .iter()
                .find(|a| a.version == version)
                .cloned();
            MigrationStatus {
                id,
                version: version.to_owned(),
                applied_on: tracking
                    .applied
                    .iter()
                    .find(|a| a.version == version)
                    .map(|a| a.run_on.clone()),
                running: !lock_free && last_attempt.as_ref().is_some_and(|a| a.interrupted),
                dirty: lock_free && last_attempt.as_ref().is_some_and(|a| a.is_dirty(dialect)),
                last_attempt,
            }
        };
        let mut statuses: Vec<MigrationStatus> = migrations
            .iter()
            .map(|m| of(m.version(), m.id().into_owned()))
            .collect();
        let known = |v: &str| migrations.iter().any(|m| m.version() == v);
        statuses.extend(
            tracking
                .attempts
                .iter()
                .filter(|a| !known(&a.version))
                .map(|a| of(&a.version, a.version.clone())),
        );
        let unknown = tracking
            .applied
            .iter()
            .map(|a| a.version.clone())
            .filter(|v| !known(v))
            .collect();
        Ok((statuses, unknown))
    }

    /// Runs a plan: each step applies or reverts one migration, each in its
    /// own transaction where the database has transactional DDL (SQLite,
    /// PostgreSQL). SQLite and MySQL run it statement by statement;
    /// PostgreSQL as one batch with its bookkeeping, naming the failing
    /// statement afterwards. On MySQL/MariaDB the run is recorded in
    /// `__lback_attempts` before its first statement and kept up to date, so
    /// a failure or crash leaves a record of how far it got. Stops at the
    /// first failure; the error names the migration, the statement and the
    /// database's message, and says what had already run.
    ///
    /// Call it inside [`locked`], with a plan made there from [`tracking`]
    /// (through [`applied_and_verified`]): on PostgreSQL the lock is what
    /// keeps two runs from executing the same plan (SQLite and MySQL also
    /// check each migration again as it starts), and reading the tracking
    /// tables is what sets them up.
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
        #[cfg(feature = "mysql")]
        if dialect == Dialect::Mysql {
            for (step, sql) in plan.steps.iter().zip(&scripts) {
                let (Step::Apply(migration) | Step::Revert(migration)) = step;
                refuse_under_lease(*migration, sql)?;
            }
        }
        let mut report = MigrationReport::default();
        for (step, sql) in plan.steps.iter().zip(&scripts) {
            let (migration, direction) = match step {
                Step::Apply(m) => (*m, Direction::Up),
                Step::Revert(m) => (*m, Direction::Down),
            };
            let ran = match run_one(conn, dialect, migration, sql, direction) {
                Ok(ran) => ran,
                Err(failure) => {
                    let outcome = failure
                        .outcome
                        .unwrap_or_else(|| "Nothing of the migration ran.".to_owned());
                    return Err(Error::MigrationFailed {
                        migration: migration.id().into_owned(),
                        direction: direction.verb(),
                        statement: failure.statement,
                        message: failure.message,
                        outcome,
                        done: Box::new(report),
                    });
                }
            };
            if !ran {
                // Another process did it first (SQLite, where there is no
                // run-wide lock); nothing to report.
                continue;
            }
            let id = migration.id().into_owned();
            match direction {
                Direction::Up => report.applied.push(id),
                Direction::Down => report.reverted.push(id),
            }
        }
        Ok(report)
    }

    /// Refuses a migration that cannot run under the lease (`LOCK TABLES`),
    /// when this thread holds one; before anything runs.
    #[cfg(feature = "mysql")]
    fn refuse_under_lease(migration: &dyn MigrationSql, sql: &str) -> Result<(), Error> {
        let Some(lease) = super::lease::held() else {
            return Ok(());
        };
        let statements = split_statements(sql, Dialect::Mysql);
        match super::lease::unsupported_with_lease(&statements, lease.on_galera()) {
            None => Ok(()),
            Some((index, statement, reason)) => Err(Error::UnsupportedOnCluster {
                migration: migration.id().into_owned(),
                index: index + 1,
                total: statements.len(),
                statement: statement.trim().to_owned(),
                reason,
            }),
        }
    }

    /// How one step failed.
    struct StepFailure {
        statement: Option<Box<FailedStatement>>,
        message: String,
        /// What the failure left: rolled back, or (MySQL) what took effect
        /// and the ways out; `None` when nothing of the migration ran.
        outcome: Option<String>,
    }

    /// Runs one step; `Ok(false)` when, checked again inside its run
    /// (SQLite, MySQL: [`TrackedBackend::RECHECK`]), it turns out done
    /// already.
    fn run_one<C>(
        conn: &mut C,
        dialect: Dialect,
        migration: &dyn MigrationSql,
        sql: &str,
        direction: Direction,
    ) -> Result<bool, StepFailure>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        type B<C> = <C as Connection>::Backend;
        let version = migration.version();
        let apply = direction == Direction::Up;
        // One pass of the lexer: whether the script ends cleanly (PostgreSQL
        // then appends its bookkeeping) and its statements.
        let split = split_cleanly(sql, dialect);
        let clean = dialect == Dialect::Postgres && split.is_some();
        let statements = split.unwrap_or_else(|| split_statements(sql, dialect));
        let total = statements.len();
        let mysql = dialect == Dialect::Mysql;
        // How far the step got, for the report if it fails.
        let phase = Cell::new(Phase::Before);
        let bookkeeping = if apply {
            <B<C> as TrackedBackend>::record_sql(version, &super::checksum(sql))
        } else {
            <B<C> as TrackedBackend>::forget_sql(version)
        };
        // Claims the write lock (SQLite), checks the step is still due, runs
        // it statement by statement and records it.
        let step = |conn: &mut C| -> diesel::QueryResult<bool> {
            <B<C> as TrackedBackend>::claim(conn)?;
            if <B<C> as TrackedBackend>::RECHECK
                && <B<C> as TrackedBackend>::is_applied(conn, version)? == apply
            {
                return Ok(false);
            }
            if mysql {
                <B<C> as TrackedBackend>::fenced(conn, |conn| {
                    <B<C> as TrackedBackend>::write_attempt(
                        conn,
                        version,
                        direction,
                        false,
                        0,
                        total,
                        statements.first().copied(),
                        None,
                    )
                })?;
            }
            for (i, statement) in statements.iter().enumerate() {
                if mysql && i > 0 {
                    phase.set(Phase::Recording(i));
                    <B<C> as TrackedBackend>::fenced(conn, |conn| {
                        <B<C> as TrackedBackend>::progress(conn, version, i, statement)
                    })?;
                }
                phase.set(Phase::Statement(i));
                conn.batch_execute(statement)?;
            }
            phase.set(Phase::Finishing);
            if mysql {
                // The bookkeeping is InnoDB rows: one transaction.
                <B<C> as TrackedBackend>::fenced(conn, |conn| {
                    conn.transaction(|conn| conn.batch_execute(&bookkeeping))
                })?;
            } else {
                conn.batch_execute(&bookkeeping)?;
            }
            phase.set(Phase::Commit);
            Ok(true)
        };
        let result = match dialect {
            Dialect::Sqlite if migration.needs_foreign_keys_off(dialect) => {
                // The pragma is a no-op inside a transaction: set it outside,
                // check the keys before committing, restore it afterwards.
                let setup = <B<C> as TrackedBackend>::foreign_keys_on(conn).and_then(|was_on| {
                    conn.batch_execute("PRAGMA foreign_keys = OFF")
                        .map(|()| was_on)
                });
                match setup {
                    Err(e) => Err(e),
                    Ok(was_on) => {
                        let result = conn.transaction::<_, diesel::result::Error, _>(|conn| {
                            let ran = step(conn)?;
                            phase.set(Phase::ForeignKeyCheck);
                            let broken =
                                <B<C> as TrackedBackend>::foreign_key_violations(conn)?;
                            if broken > 0 {
                                return Err(diesel::result::Error::QueryBuilderError(
                                    format!("{broken} row(s) would break a foreign key (PRAGMA foreign_key_check)").into(),
                                ));
                            }
                            phase.set(Phase::Commit);
                            Ok(ran)
                        });
                        let restored = if was_on {
                            conn.batch_execute("PRAGMA foreign_keys = ON")
                        } else {
                            Ok(())
                        };
                        match (result, restored) {
                            // Applied and committed: only the setting is wrong.
                            (Ok(_), Err(e)) => {
                                phase.set(Phase::Restore);
                                Err(e)
                            }
                            (result, _) => result,
                        }
                    }
                }
            }
            Dialect::Sqlite => conn.transaction(step),
            // One round trip for the whole migration and its bookkeeping:
            // statement by statement costs a round trip each, which is what
            // applying many small migrations spends most on. Which statement
            // failed is found afterwards ([`diagnose`]).
            Dialect::Postgres => conn.transaction(|conn| {
                phase.set(Phase::Batch);
                if clean {
                    conn.batch_execute(&format!("{sql}\n;\n{bookkeeping}"))?;
                } else {
                    conn.batch_execute(sql)?;
                    phase.set(Phase::Finishing);
                    conn.batch_execute(&bookkeeping)?;
                }
                phase.set(Phase::Commit);
                Ok(true)
            }),
            // MySQL commits every DDL statement: there is no transaction to use.
            Dialect::Mysql => step(conn),
        };
        let error = match result {
            Ok(ran) => return Ok(ran),
            Err(e) => e,
        };
        let mut phase = phase.get();
        let mut note = None;
        if let Phase::Batch = phase {
            match diagnose(conn, sql, clean, &statements, &bookkeeping, &error) {
                Diagnosis::Found(found) => phase = found,
                Diagnosis::Other(found, other) => {
                    note = Some(format!(
                        "(run again statement by statement, in a transaction rolled back \
                         afterwards, it failed {} instead, with: {other})",
                        match found {
                            Phase::Statement(i) => format!("at statement {} of {total}", i + 1),
                            _ => "recording the migration".to_owned(),
                        }
                    ))
                }
                Diagnosis::Passed => {
                    note = Some(
                        "(run again statement by statement, in a transaction rolled back \
                         afterwards, no statement failed: the failure may depend on timing, \
                         such as a lock or a timeout)"
                            .to_owned(),
                    )
                }
                Diagnosis::NotRun(other) => {
                    note = Some(format!(
                        "(it could not be run again statement by statement to find the failing \
                         statement: {other})"
                    ))
                }
            }
        }
        if mysql {
            // A script that locked tables and failed would keep them locked
            // on this session (and lback could not record the failure).
            let _ = conn.batch_execute("UNLOCK TABLES");
        }
        let (done, statement, message) = match phase {
            // Nothing of the migration ran (and on MySQL nothing was
            // recorded): an ordinary error.
            Phase::Before => {
                return Err(StepFailure {
                    statement: None,
                    message: error.to_string(),
                    outcome: None,
                })
            }
            Phase::Statement(i) => (i, Some(statements[i]), error.to_string()),
            Phase::Batch => (
                0,
                None,
                match note {
                    Some(note) => format!("{error} {note}"),
                    None => error.to_string(),
                },
            ),
            Phase::Recording(i) => (
                i,
                Some(statements[i]),
                format!("{}: {error}", super::state::PROGRESS_NOT_RECORDED),
            ),
            Phase::Finishing => (
                total,
                None,
                format!("every statement ran, then recording the migration failed: {error}"),
            ),
            Phase::ForeignKeyCheck => (
                total,
                None,
                format!(
                    "every statement ran, then the foreign key check before COMMIT failed: {error}"
                ),
            ),
            Phase::Commit => (
                total,
                None,
                format!(
                    "every statement ran and the migration was recorded, then COMMIT failed \
                     (a deferred constraint?): {error}"
                ),
            ),
            Phase::Restore => (
                total,
                None,
                format!(
                    "the migration was applied, then turning foreign keys back on \
                     (PRAGMA foreign_keys = ON) failed: {error}"
                ),
            ),
        };
        // COMMIT failed without an answer from the database (the connection
        // was lost): it may have committed. And a SQLite migration whose
        // foreign keys could not be turned on again was applied.
        let unknown =
            phase == Phase::Commit && !matches!(error, diesel::result::Error::DatabaseError(..));
        if unknown || phase == Phase::Restore {
            return Err(StepFailure {
                statement: None,
                message,
                outcome: Some(if unknown {
                    "lback lost the connection while committing: the migration may or may not \
                     have been applied. See `showmigrations` (or `lback::status`), then run \
                     migrate again."
                        .to_owned()
                } else {
                    "The migration was applied and recorded; only the connection's foreign \
                     keys are still off (run `PRAGMA foreign_keys = ON` on it)."
                        .to_owned()
                }),
            });
        }
        // Best effort: when even this fails (the connection is gone), MySQL
        // keeps the row written before the run, which says as much.
        let recorded = if mysql {
            <B<C> as TrackedBackend>::fenced(conn, |conn| {
                <B<C> as TrackedBackend>::fail_attempt(conn, version, done, statement, &message)
            })
        } else {
            <B<C> as TrackedBackend>::write_attempt(
                conn,
                version,
                direction,
                true,
                done,
                total,
                statement,
                Some(&message),
            )
        };
        let attempt = super::Attempt {
            version: version.to_owned(),
            direction,
            interrupted: false,
            statements_done: done,
            statements_total: total,
            statement: statement.map(str::to_owned),
            error: Some(message.clone()),
            started_on: String::new(),
        };
        let mut outcome = match dialect {
            Dialect::Mysql => super::state::ways_out(&attempt, dialect),
            Dialect::Sqlite | Dialect::Postgres => {
                "The migration was rolled back: none of it took effect. \
                 Correct the cause, then run migrate again."
                    .to_owned()
            }
        };
        if mysql && recorded.is_err() {
            outcome.push_str(
                "\n(lback could not record this failure either; the next migrate will report \
                 the run as stopped at the last point it recorded.)",
            );
        }
        Err(StepFailure {
            statement: match phase {
                Phase::Statement(i) => Some(Box::new(FailedStatement {
                    index: i + 1,
                    total,
                    sql: statements[i].to_owned(),
                })),
                _ => None,
            },
            message,
            outcome: Some(outcome),
        })
    }

    /// What running a failed batch again statement by statement showed.
    enum Diagnosis {
        /// The same error, at this phase (a statement, or the bookkeeping).
        Found(Phase),
        /// Another error, at this phase.
        Other(Phase, diesel::result::Error),
        /// Nothing failed the second time.
        Passed,
        /// It could not be run again.
        NotRun(diesel::result::Error),
    }

    /// Which part of a PostgreSQL batch (`sql`, then `"\n;\n"` and
    /// `bookkeeping`) failed with `error`. When PostgreSQL gives the
    /// error's position in the text (syntax errors, unknown tables and
    /// columns: most failures), the statement holding it, without running
    /// anything again. Otherwise the statements and the bookkeeping run
    /// again one by one in a transaction that is always rolled back; a
    /// migration that fails that way therefore runs twice before the error
    /// is reported.
    fn diagnose<C>(
        conn: &mut C,
        sql: &str,
        appended: bool,
        statements: &[&str],
        bookkeeping: &str,
        error: &diesel::result::Error,
    ) -> Diagnosis
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        if let diesel::result::Error::DatabaseError(_, info) = error {
            if let Some(found) = info
                .statement_position()
                .and_then(|position| phase_at(sql, statements, appended, position))
            {
                return Diagnosis::Found(found);
            }
        }
        let mut found = None;
        let run = conn.transaction::<(), diesel::result::Error, _>(|conn| {
            for (i, statement) in statements.iter().enumerate() {
                if let Err(e) = conn.batch_execute(statement) {
                    found = Some((Phase::Statement(i), e));
                    return Err(diesel::result::Error::RollbackTransaction);
                }
            }
            if let Err(e) = conn.batch_execute(bookkeeping) {
                found = Some((Phase::Finishing, e));
            }
            Err(diesel::result::Error::RollbackTransaction)
        });
        match (found, run) {
            (Some((phase, e)), _) if same_error(&e, error) => Diagnosis::Found(phase),
            (Some((phase, e)), _) => Diagnosis::Other(phase, e),
            // The closure always ends in a rollback; any other error is
            // the transaction's own.
            (None, Err(diesel::result::Error::RollbackTransaction) | Ok(())) => Diagnosis::Passed,
            (None, Err(e)) => Diagnosis::NotRun(e),
        }
    }

    /// Whether two errors are the same failure: kind, message, detail and the
    /// table and constraint they name.
    fn same_error(a: &diesel::result::Error, b: &diesel::result::Error) -> bool {
        use diesel::result::Error::DatabaseError;
        match (a, b) {
            (DatabaseError(kind_a, a), DatabaseError(kind_b, b)) => {
                format!("{kind_a:?}") == format!("{kind_b:?}")
                    && a.message() == b.message()
                    && a.details() == b.details()
                    && a.table_name() == b.table_name()
                    && a.constraint_name() == b.constraint_name()
            }
            _ => a.to_string() == b.to_string(),
        }
    }

    /// The part of the batch that holds PostgreSQL's error position
    /// (1-based, in characters): the last statement starting at or before
    /// it. The batch is `sql`, then, when `appended`, `"\n;\n"` and the
    /// bookkeeping: a position in the bookkeeping is `Finishing`; one just
    /// past the script (the `;` lback added, or the end of the text: a
    /// statement cut short) is the last statement's.
    fn phase_at(sql: &str, statements: &[&str], appended: bool, position: i32) -> Option<Phase> {
        let index = usize::try_from(position).ok()?.checked_sub(1)?;
        let Some((at, _)) = sql.char_indices().nth(index) else {
            let past = index - sql.chars().count();
            return if appended && past >= "\n;\n".len() {
                Some(Phase::Finishing)
            } else {
                statements.len().checked_sub(1).map(Phase::Statement)
            };
        };
        // The statements are slices of `sql`: their offsets are where they start.
        let base = sql.as_ptr() as usize;
        statements
            .iter()
            .rposition(|s| s.as_ptr() as usize - base <= at)
            .map(Phase::Statement)
    }

    /// How far a step got.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    enum Phase {
        /// Checking and (MySQL) recording the start: nothing ran.
        Before,
        /// Running the whole migration and its bookkeeping as one batch
        /// (PostgreSQL): which statement failed is not known yet.
        Batch,
        /// Recording (MySQL) that statement `i` (0-based) is next.
        Recording(usize),
        /// Running statement `i`.
        Statement(usize),
        /// Recording the outcome, after every statement ran.
        Finishing,
        /// SQLite, after a rebuild: `PRAGMA foreign_key_check`.
        ForeignKeyCheck,
        /// Everything ran and was recorded: committing.
        Commit,
        /// SQLite, after a rebuild committed: turning foreign keys back on.
        Restore,
    }

    fn db(context: &'static str) -> impl Fn(diesel::result::Error) -> Error {
        move |e| Error::Database {
            context: context.to_owned(),
            message: e.to_string(),
        }
    }

    /// Applies every pending migration of `migrations` under the lock,
    /// after checking what was applied ([`applied_and_verified`]).
    pub fn migrate<C>(
        conn: &mut C,
        migrations: &[&dyn MigrationSql],
        options: MigrateOptions,
    ) -> Result<MigrationReport, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        if let Some(report) = nothing_pending(conn, migrations, options)? {
            return Ok(report);
        }
        locked(conn, |conn| {
            let (applied, warnings) = applied_and_verified(conn, migrations, options)?;
            let plan = super::plan_migrate(migrations, &applied, None)?;
            let mut report = execute(conn, &plan)?;
            report.warnings = warnings;
            Ok(report)
        })
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
    pub fn nothing_pending<C>(
        conn: &mut C,
        migrations: &[&dyn MigrationSql],
        options: MigrateOptions,
    ) -> Result<Option<MigrationReport>, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let dialect = <C::Backend as TrackedBackend>::DIALECT;
        <C::Backend as TrackedBackend>::before_read(conn)
            .map_err(db("reading applied migrations"))?;
        let Ok(read) = <C::Backend as TrackedBackend>::startup_read(conn) else {
            return Ok(None);
        };
        if read.unfinished {
            return Ok(None);
        }
        let records: Vec<Recorded<'_>> =
            read.applied.iter().map(AppliedVersion::recorded).collect();
        let (warnings, applied) =
            super::verify::verify_counting(migrations, &records, dialect, options)?;
        if applied < migrations.len() {
            return Ok(None);
        }
        Ok(Some(MigrationReport {
            warnings,
            ..MigrationReport::default()
        }))
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
        migrate(conn, &set.list(), options)
    }

    /// The applied versions, after checking them against `migrations`
    /// ([`verify`](super::verify)) and refusing to go on from a dirty
    /// migration ([`refuse_dirty`](super::refuse_dirty)); and the warnings.
    pub fn applied_and_verified<C>(
        conn: &mut C,
        migrations: &[&dyn MigrationSql],
        options: MigrateOptions,
    ) -> Result<(Vec<String>, Vec<String>), Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let dialect = <C::Backend as TrackedBackend>::DIALECT;
        let tracking = tracking(conn)?;
        super::refuse_dirty(
            &tracking.attempts,
            |v| {
                migrations
                    .iter()
                    .find(|m| m.version() == v)
                    .map(|m| m.id().into_owned())
            },
            dialect,
        )?;
        let records: Vec<Recorded<'_>> = tracking.applied.iter().map(Applied::recorded).collect();
        let warnings = super::verify(migrations, &records, dialect, options)?;
        Ok((
            tracking.applied.into_iter().map(|a| a.version).collect(),
            warnings,
        ))
    }

    /// Records how a dirty migration was put right (`resolve <version>
    /// --applied | --not-applied`), under the lock: as applied (with the
    /// checksum of its up SQL) or as not applied; either way its unfinished
    /// run is cleared. Refuses when the migration has no unfinished run.
    /// Returns a sentence saying what it recorded.
    pub fn resolve<C>(
        conn: &mut C,
        migrations: &[&dyn MigrationSql],
        version: &str,
        resolution: Resolution,
    ) -> Result<String, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let dialect = <C::Backend as TrackedBackend>::DIALECT;
        // A migration here, or (its folder since deleted) the version of a
        // dirty run, which can still be cleared.
        let found = match super::find(migrations, version) {
            Ok(m) => Ok((
                m.version().to_owned(),
                m.id().into_owned(),
                Some(m.up(dialect)?.into_owned()),
            )),
            Err(unknown) => Err(unknown),
        };
        locked(conn, |conn| {
            let tracking = tracking(conn)?;
            let (version, id, up) = match found {
                Ok(found) => found,
                Err(unknown) => match tracking.attempts.iter().find(|a| a.version == version) {
                    Some(a) => (a.version.clone(), a.version.clone(), None),
                    None => return Err(unknown),
                },
            };
            let applied = tracking.applied.iter().any(|a| a.version == version);
            let attempt = tracking.attempts.iter().find(|a| a.version == version);
            match attempt {
                Some(a) if a.is_dirty(dialect) => {}
                Some(_) => {
                    return Err(Error::NothingToResolve {
                        migration: id.clone(),
                        state: "failed and rolled back, so the database is as before it; \
                                correct it and run migrate again",
                    })
                }
                None => {
                    return Err(Error::NothingToResolve {
                        migration: id.clone(),
                        state: if applied { "applied" } else { "pending" },
                    })
                }
            }
            let done = <C::Backend as TrackedBackend>::fenced(conn, |conn| {
                conn.transaction::<_, diesel::result::Error, _>(|conn| {
                match (resolution, applied, &up) {
                    (Resolution::Applied, false, Some(up)) => {
                        <C::Backend as TrackedBackend>::record(conn, &version, &super::checksum(up))
                    }
                    (Resolution::Applied, false, None) => Err(diesel::result::Error::QueryBuilderError(
                        format!(
                            "no migration here has version {version}, so it cannot be recorded as applied; \
                             restore its folder, or put the database back and use --not-applied"
                        )
                        .into(),
                    )),
                    (Resolution::NotApplied, true, _) => {
                        <C::Backend as TrackedBackend>::forget(conn, &version)
                    }
                    _ => <C::Backend as TrackedBackend>::clear_attempt(conn, &version),
                }
                })
            });
            done.map_err(db("recording the resolution"))?;
            Ok(match resolution {
                Resolution::Applied => format!(
                    "Recorded {id} as applied; migrate goes on with the migrations after it."
                ),
                Resolution::NotApplied => format!(
                    "Recorded {id} as not applied; the next migrate runs it from its first statement."
                ),
            })
        })
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
        let list = set.list();
        locked(conn, |conn| {
            let (applied, warnings) = applied_and_verified(conn, &list, options)?;
            let plan = super::plan_rollback(&list, &applied, table, &schema)?;
            let mut report = execute(conn, &plan)?;
            report.warnings = warnings;
            Ok(report)
        })
    }

    /// [`status`] of the migrations `lback::embed_migrations!()` compiled
    /// into the binary.
    pub fn status_embedded<C>(conn: &mut C) -> Result<Vec<MigrationStatus>, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let set = super::embedded()?;
        Ok(status(conn, &set.list())?.0)
    }

    /// [`resolve`] on the migrations `lback::embed_migrations!()` compiled
    /// into the binary.
    pub fn resolve_embedded<C>(
        conn: &mut C,
        version: &str,
        resolution: Resolution,
    ) -> Result<String, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let set = super::embedded()?;
        resolve(conn, &set.list(), version, resolution)
    }

    #[cfg(test)]
    mod tests {
        use super::{phase_at, Phase};
        use crate::sql::{split_statements, Dialect};

        #[test]
        fn an_error_position_names_the_statement_holding_it() {
            let sql = "-- é first\nCREATE TABLE a (id INT);\n\nINSERT INTO nope VALUES (1);\n";
            let statements = split_statements(sql, Dialect::Postgres);
            assert_eq!(statements.len(), 2);
            // Positions count characters from 1: `é` is one.
            let at = |needle: &str| {
                let byte = sql.find(needle).unwrap();
                i32::try_from(sql[..byte].chars().count() + 1).unwrap()
            };
            assert_eq!(
                phase_at(sql, &statements, true, at("CREATE")),
                Some(Phase::Statement(0))
            );
            assert_eq!(
                phase_at(sql, &statements, true, at("a (id")),
                Some(Phase::Statement(0))
            );
            assert_eq!(
                phase_at(sql, &statements, true, at("nope")),
                Some(Phase::Statement(1))
            );
            // In the comment before the first statement: not known.
            assert_eq!(phase_at(sql, &statements, true, 2), None);
            // Past the script: "\n;\n", then the bookkeeping appended.
            let n = sql.chars().count();
            let after = |k: usize| i32::try_from(n + k).unwrap();
            let last = Some(Phase::Statement(1));
            // The end of the text, or the `;` lback adds: a statement cut short.
            assert_eq!(phase_at(sql, &statements, false, after(1)), last);
            assert_eq!(phase_at(sql, &statements, true, after(1)), last);
            assert_eq!(phase_at(sql, &statements, true, after(2)), last);
            assert_eq!(phase_at(sql, &statements, true, after(3)), last);
            assert_eq!(
                phase_at(sql, &statements, true, after(4)),
                Some(Phase::Finishing)
            );
            assert_eq!(phase_at(sql, &statements, false, after(4)), last);
            assert_eq!(phase_at(sql, &statements, true, 0), None);
        }
    }
}
