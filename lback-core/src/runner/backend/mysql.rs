//! MySQL/MariaDB: every DDL statement commits, so there is no transaction
//! to use. A run is recorded in `__lback_attempts` as `started` before its
//! first statement and kept up to date before each (its progress rows), so
//! a failure or crash leaves a record of how far it got; success records
//! the version and deletes the row in one InnoDB transaction. `GET_LOCK`
//! serializes runs; on a Galera cluster (or with `LBACK_LOCK=lease`) the
//! lease of [`lease`](crate::runner::lease) does, and every one of those
//! records is fenced by it (committed with a renewal, or not at all).

use std::cell::Cell;

use diesel::connection::LoadConnection;
use diesel::mysql::Mysql;
use diesel::sql_types::{BigInt, Nullable};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::tables::{attempt_row_in, failed_state, progress_sql, stored_text, Count, STARTED};
use super::{AppliedVersion, Locker, StartupRead, TrackedBackend};
use crate::runner::lease::{self, LeaseLock, LockKind, Settings};
use crate::runner::lock::Fence;
use crate::runner::resume::{atomic_ddl, changes_the_session, Repeat, Resume, CHECKED};
use crate::runner::step::{done_already, At, Failed, Phase, Script};
use crate::runner::Attempt;
use crate::sql::Dialect;
use diesel::result::Error as DieselError;

impl TrackedBackend for Mysql {
    const DIALECT: Dialect = Dialect::Mysql;
    const WIDE_TEXT: &'static str = "TEXT CHARACTER SET utf8mb4";
    const TEXT_CAST: &'static str = "CHAR";
    const INT_CAST: &'static str = "SIGNED";
    const IN_TRANSACTION: bool = false;

    shared_queries!();

    fn column_count_sql(table: &str, column: &str) -> String {
        format!(
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = {table} AND column_name = {column}"
        )
    }

    fn startup_read<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<StartupRead> {
        // An attempt row may be a dirty run, which must stop a start: one
        // marker row (an empty version, which no migration has) says there
        // is one, in the same query. Only literals come from the second
        // table, so the columns keep diesel's table's collation.
        let mut applied = diesel::sql_query(
            "SELECT version, checksum FROM __diesel_schema_migrations \
             UNION ALL SELECT '', NULL FROM (SELECT 1 FROM __lback_attempts LIMIT 1) AS a",
        )
        .load::<AppliedVersion>(conn)?;
        let before = applied.len();
        applied.retain(|a| !a.version.is_empty());
        Ok(StartupRead {
            unfinished: applied.len() != before,
            applied,
        })
    }

    fn run_script<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        script: &Script<'_>,
        fence: &Fence<'_, C>,
    ) -> Result<bool, Failed> {
        let ran = match script.lock_timeout {
            None => run(conn, script, fence),
            Some(timeout) => with_lock_wait_timeout(conn, timeout, |conn| run(conn, script, fence)),
        };
        if ran.is_err() {
            // A script that locked tables and failed would keep them locked
            // on this session (and lback could not record the failure).
            let _ = conn.batch_execute("UNLOCK TABLES");
        }
        ran
    }

    fn after_failure<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        attempt: &Attempt,
        fence: &Fence<'_, C>,
    ) -> String {
        // The `started` row becomes `failed`, in place. Best effort: when
        // even this fails (the connection is gone), the row written before
        // the run says as much.
        let d = Self::DIALECT;
        let failed = format!(
            "UPDATE __lback_attempts SET state = {}, statements_done = {}, \
             current_statement = {}, error_message = {} WHERE version = {}",
            d.string_literal(failed_state(attempt)),
            attempt.statements_done,
            stored_text(d, attempt.statement.as_deref()),
            stored_text(d, attempt.error.as_deref()),
            d.string_literal(&attempt.version)
        );
        let recorded = fence.record(conn, |conn| conn.batch_execute(&failed));
        crate::runner::recovery::outcome_outside(attempt, d, recorded.is_ok())
    }

    fn resume_point<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        script: &Script<'_>,
        attempt: &Attempt,
    ) -> QueryResult<Option<Resume>> {
        resume_point(conn, script, attempt)
    }

    /// `GET_LOCK`, or the lease where it applies ([`lease::lock_kind`]:
    /// on Galera, or as `LBACK_LOCK` says).
    fn locker<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<Option<Box<dyn Locker<C>>>> {
        Ok(Some(match lease::lock_kind(conn)? {
            LockKind::Session => Box::new(GetLock::default()),
            LockKind::Lease => Box::new(LeaseLock::new(Settings::from_env()?)),
        }))
    }
}

/// Checks the migration is still due (diesel_cli takes no lock, and a MySQL
/// migration run twice commits its statements twice), records the start,
/// runs it statement by statement with its progress, records it; every
/// record through `fence`.
fn run<C: LoadConnection<Backend = Mysql>>(
    conn: &mut C,
    script: &Script<'_>,
    fence: &Fence<'_, C>,
) -> Result<bool, Failed> {
    if done_already(conn, script)? {
        return Ok(false);
    }
    let mut atomic = None;
    let resume = script.resume.as_ref();
    if resume.is_none() {
        let state = state_before(conn, script.statements.first().copied(), &mut atomic);
        // One statement, so an earlier row is never gone without its
        // replacement.
        let start = format!(
            "REPLACE INTO __lback_attempts {}",
            attempt_row_in(Mysql::DIALECT, &script.started(), state)
        );
        fence
            .record(conn, |conn| conn.batch_execute(&start))
            .at(Phase::Before)?;
    }
    let first = resume.map_or(0, |r| r.from);
    for (i, statement) in script.statements.iter().enumerate().skip(first) {
        // The statement in flight when the holder died, run again.
        let in_flight = resume.filter(|_| i == first);
        if i > 0 || in_flight.is_some() {
            let state = match in_flight {
                // Checked before its first run; it may have taken effect since.
                Some(Resume {
                    in_flight: Some(_), ..
                }) => CHECKED,
                _ => state_before(conn, Some(statement), &mut atomic),
            };
            let progress = progress_sql(Mysql::DIALECT, script.version(), i, statement, state);
            fence
                .record(conn, |conn| conn.batch_execute(&progress))
                .at(Phase::Recording(i))?;
        }
        match conn.batch_execute(statement) {
            Err(DieselError::DatabaseError(_, info))
                if in_flight
                    .and_then(|r| r.in_flight.as_ref())
                    .is_some_and(|ddl| ddl.already_done(info.message())) => {}
            ran => ran.at(Phase::Statement(i))?,
        }
    }
    // The bookkeeping is InnoDB rows: one transaction.
    fence
        .record(conn, |conn| {
            conn.transaction(|conn| conn.batch_execute(&script.bookkeeping))
        })
        .at(Phase::Finishing)?;
    Ok(true)
}

/// Runs `work` with the session's `lock_wait_timeout` (whole seconds, at
/// least 1) set to `timeout`, and puts the session's value back.
fn with_lock_wait_timeout<C: LoadConnection<Backend = Mysql>>(
    conn: &mut C,
    timeout: std::time::Duration,
    work: impl FnOnce(&mut C) -> Result<bool, Failed>,
) -> Result<bool, Failed> {
    #[derive(QueryableByName)]
    struct Setting {
        #[diesel(sql_type = BigInt)]
        value: i64,
    }
    let before = diesel::sql_query("SELECT CAST(@@SESSION.lock_wait_timeout AS SIGNED) AS value")
        .get_result::<Setting>(conn)
        .at(Phase::Before)?;
    let seconds = timeout.as_millis().div_ceil(1000).max(1);
    conn.batch_execute(&format!("SET SESSION lock_wait_timeout = {seconds}"))
        .at(Phase::Before)?;
    let ran = work(conn);
    let _ = conn.batch_execute(&format!("SET SESSION lock_wait_timeout = {}", before.value));
    ran
}

/// The state to record a run in before `statement` runs: `checked` when it
/// is DDL on one named object ([`Repeat::Ddl`]), the server's DDL is
/// atomic, and the object is as before the statement (absent for a
/// create, present for a drop), so that, should the process die during
/// it, a new holder can tell from the server's error whether it took
/// effect; `started` otherwise (also when the check cannot be made).
/// `atomic` caches whether the server's DDL is atomic.
fn state_before<C: LoadConnection<Backend = Mysql>>(
    conn: &mut C,
    statement: Option<&str>,
    atomic: &mut Option<bool>,
) -> &'static str {
    let Some(Repeat::Ddl(ddl)) = statement.and_then(Repeat::of) else {
        return STARTED;
    };
    if !*atomic.get_or_insert_with(|| server_has_atomic_ddl(conn)) {
        return STARTED;
    }
    match diesel::sql_query(ddl.probe_sql()).get_result::<Count>(conn) {
        Ok(found) if (found.n > 0) != ddl.present_after() => CHECKED,
        _ => STARTED,
    }
}

/// Whether the server's DDL is atomic ([`atomic_ddl`]); `false` when its
/// version cannot be read.
fn server_has_atomic_ddl<C: LoadConnection<Backend = Mysql>>(conn: &mut C) -> bool {
    #[derive(QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    diesel::sql_query("SELECT VERSION() AS v")
        .get_result::<Version>(conn)
        .is_ok_and(|found| atomic_ddl(&found.v))
}

/// Where a run left half way goes on, when certain (see `runner::resume`):
/// from the start of its guard
/// prelude when it died there; at its statement in flight when that
/// statement changes nothing, or is DDL on one named object that was
/// checked before it ran (the row's state is `checked`) on a server whose
/// DDL is atomic.
fn resume_point<C: LoadConnection<Backend = Mysql>>(
    conn: &mut C,
    script: &Script<'_>,
    attempt: &Attempt,
) -> QueryResult<Option<Resume>> {
    #[derive(QueryableByName)]
    struct State {
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
    }
    let done = attempt.statements_done;
    let total = script.statements.len();
    let Some(statement) = script.statements.get(done) else {
        return Ok(None);
    };
    let id = script.migration.id();
    if done < script.guard_statements {
        return Ok(Some(Resume::from_guards(&id, done, total)));
    }
    // A new session lacks what the statements before changed in the dead
    // one's (a `SET`, a `USE`, a temporary table).
    let before = &script.statements[script.guard_statements..done];
    if before.iter().any(|s| changes_the_session(s)) {
        return Ok(None);
    }
    let resume = match Repeat::of(statement) {
        Some(Repeat::Harmless) => Resume::harmless(&id, done, total),
        Some(Repeat::Ddl(ddl)) => {
            let state = diesel::sql_query(format!(
                "SELECT state FROM __lback_attempts WHERE version = {}",
                Mysql::DIALECT.string_literal(&attempt.version)
            ))
            .get_result::<State>(conn)?;
            if state.state != CHECKED || !server_has_atomic_ddl(conn) {
                return Ok(None);
            }
            Resume::ddl(&id, done, total, ddl)
        }
        None => return Ok(None),
    };
    Ok(Some(resume))
}

/// `GET_LOCK`, named after the database (lock names are server-wide).
#[derive(Default)]
struct GetLock {
    /// Set when taken: whether holding it proves that every other lback
    /// run ended ([`session_lock_is_alone`]).
    alone: Cell<bool>,
}

/// Whether holding `GET_LOCK` proves that no other lback run is in
/// progress: not on Galera (where each node has a `GET_LOCK` of its own,
/// as with `LBACK_LOCK=session` there), and no lease held in
/// `__lback_lock` (a process run with `LBACK_LOCK=lease` takes no
/// `GET_LOCK`). `false` when it cannot be told.
fn session_lock_is_alone<C: LoadConnection<Backend = Mysql>>(conn: &mut C) -> bool {
    if !matches!(lease::is_galera(conn), Ok(false)) {
        return false;
    }
    match Mysql::has_column(conn, "__lback_lock", "owner") {
        Ok(false) => true,
        Ok(true) => {
            diesel::sql_query("SELECT COUNT(*) AS n FROM __lback_lock WHERE owner IS NOT NULL")
                .get_result::<Count>(conn)
                .is_ok_and(|held| held.n == 0)
        }
        Err(_) => false,
    }
}

impl<C: LoadConnection<Backend = Mysql>> Locker<C> for GetLock {
    fn acquire(&self, conn: &mut C) -> QueryResult<()> {
        #[derive(QueryableByName)]
        struct Got {
            #[diesel(sql_type = Nullable<BigInt>)]
            got: Option<i64>,
        }
        // Waits up to ten minutes for another process's run to finish.
        let got =
            diesel::sql_query("SELECT GET_LOCK(CONCAT('lback migrate ', DATABASE()), 600) AS got")
                .get_result::<Got>(conn)?;
        if got.got == Some(1) {
            self.alone.set(session_lock_is_alone(conn));
            Ok(())
        } else {
            Err(diesel::result::Error::QueryBuilderError(
                "another process held lback's migration lock (GET_LOCK) for ten minutes; \
                 is a migration stuck?"
                    .into(),
            ))
        }
    }

    fn release(&self, conn: &mut C) -> QueryResult<()> {
        conn.batch_execute("DO RELEASE_LOCK(CONCAT('lback migrate ', DATABASE()))")
    }

    /// A session that recorded a run as started held this lock; it is
    /// free only once that session ended, after its last statement. That
    /// proves the run ended only where every run takes this lock
    /// ([`session_lock_is_alone`]).
    fn took_over(&self) -> bool {
        self.alone.get()
    }

    fn is_free(&self, conn: &mut C) -> QueryResult<bool> {
        #[derive(QueryableByName)]
        struct Free {
            #[diesel(sql_type = Nullable<BigInt>)]
            free: Option<i64>,
        }
        diesel::sql_query("SELECT IS_FREE_LOCK(CONCAT('lback migrate ', DATABASE())) AS free")
            .get_result::<Free>(conn)
            .map(|f| f.free != Some(0))
    }
}
