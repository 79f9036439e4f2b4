//! PostgreSQL: each migration and its bookkeeping as one batch in one
//! transaction (one round trip: statement by statement costs a round trip
//! each, which is what applying many small migrations spends most on).
//! Which statement failed is found afterwards ([`diagnose`]). A session
//! advisory lock per schema serializes runs.

use diesel::connection::LoadConnection;
use diesel::pg::Pg;
use diesel::result::Error as DieselError;
use diesel::{QueryResult, RunQueryDsl};

use super::tables::{progress_sql, record_attempt, Count, STARTED};
use super::{Locker, TrackedBackend};
use crate::runner::lock::Fence;
use crate::runner::step::{
    done_already, in_transaction, phase_at, run_statements, At, Failed, Phase, Script, ROLLED_BACK,
};
use crate::runner::Attempt;
use crate::sql::Dialect;

plain_startup_read!(Pg);

diesel::table! {
    /// lback's record of runs that did not finish, as far as a start reads
    /// it: whether any is dirty.
    __lback_attempts (version) {
        version -> Text,
        state -> Text,
    }
}

impl TrackedBackend for Pg {
    const DIALECT: Dialect = Dialect::Postgres;
    // Two sessions moving at once would deadlock between the UPDATE's read
    // and the DROP: one waits here instead.
    const BEFORE_CHECKSUM_MOVE: &'static [&'static str] =
        &["LOCK TABLE __lback_checksums IN ACCESS EXCLUSIVE MODE"];

    shared_queries!();

    fn startup_read<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<super::StartupRead> {
        // A run outside a transaction (`run_in_transaction = false`) can
        // leave a dirty attempt row (any but `failed`, which was rolled
        // back, and `intact`), which must stop a start. Two typed queries,
        // whose prepared statements the connection caches: one text query
        // with a UNION was parsed and planned on every start, and cost
        // more than the second round trip.
        use __lback_attempts::dsl as a;
        use diesel::{ExpressionMethods, QueryDsl};
        let mut read = plain_startup_read(conn)?;
        read.unfinished = diesel::select(diesel::dsl::exists(
            a::__lback_attempts
                .filter(a::state.ne("failed"))
                .filter(a::state.ne("intact")),
        ))
        .get_result::<bool>(conn)?;
        Ok(read)
    }

    fn column_count_sql(table: &str, column: &str) -> String {
        // The table the unqualified name resolves to, through search_path.
        format!(
            "SELECT COUNT(*) AS n FROM pg_catalog.pg_attribute \
             WHERE attrelid = to_regclass({table}) AND attname = {column} AND NOT attisdropped"
        )
    }

    /// The records are in the migration's transaction, under a lock that
    /// cannot be lost: no fence needed.
    fn run_script<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        script: &Script<'_>,
        _fence: &Fence<'_, C>,
    ) -> Result<bool, Failed> {
        if script.outside_transaction {
            return run_outside_transaction(conn, script);
        }
        let sql = script.sql;
        let ran = in_transaction(conn, |conn| {
            set_local_lock_timeout(conn, script).at(Phase::Before)?;
            if script.ends_cleanly {
                conn.batch_execute(&format!("{sql}\n;\n{}", script.bookkeeping))
                    .at(Phase::Batch)?;
            } else {
                conn.batch_execute(sql).at(Phase::Batch)?;
                conn.batch_execute(&script.bookkeeping)
                    .at(Phase::Finishing)?;
            }
            Ok(true)
        });
        ran.map_err(|failed| match failed.phase {
            Phase::Batch => diagnose(conn, script, failed),
            _ => failed,
        })
    }

    fn after_failure<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        attempt: &Attempt,
        fence: &Fence<'_, C>,
    ) -> String {
        // Best effort: in a transaction, the row only explains the failure
        // in `status`; outside one (`partial`), it makes the migration
        // dirty, as the `started` row written before the run already did.
        let recorded = fence.record(conn, |conn| record_attempt(conn, attempt, true));
        if !attempt.outside_transaction {
            return ROLLED_BACK.to_owned();
        }
        crate::runner::recovery::outcome_outside(attempt, Self::DIALECT, recorded.is_ok())
    }

    fn locker<C: LoadConnection<Backend = Self>>(
        _conn: &mut C,
    ) -> QueryResult<Option<Box<dyn Locker<C>>>> {
        Ok(Some(Box::new(AdvisoryLock)))
    }
}

/// The script's lock timeout, for the transaction only.
fn set_local_lock_timeout<C: LoadConnection<Backend = Pg>>(
    conn: &mut C,
    script: &Script<'_>,
) -> QueryResult<()> {
    match script.lock_timeout {
        Some(timeout) => conn.batch_execute(&format!(
            "SET LOCAL lock_timeout = '{}ms'",
            timeout.as_millis()
        )),
        None => Ok(()),
    }
}

/// `run_in_transaction = false`: statement by statement, each committing
/// on its own (what `CREATE INDEX CONCURRENTLY` needs), with its progress
/// in `__lback_attempts` as on MySQL, so a failure or a kill leaves a
/// dirty migration that `migrate` reports and `resolve` clears. Checked
/// again first (diesel_cli takes no lock).
fn run_outside_transaction<C: LoadConnection<Backend = Pg>>(
    conn: &mut C,
    script: &Script<'_>,
) -> Result<bool, Failed> {
    let Some(timeout) = script.lock_timeout else {
        return run_statements_outside(conn, script);
    };
    // The session's own setting, put back afterwards.
    #[derive(diesel::QueryableByName)]
    struct Setting {
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let before = diesel::sql_query("SELECT current_setting('lock_timeout') AS value")
        .get_result::<Setting>(conn)
        .at(Phase::Before)?;
    conn.batch_execute(&format!("SET lock_timeout = '{}ms'", timeout.as_millis()))
        .at(Phase::Before)?;
    let ran = run_statements_outside(conn, script);
    // Best effort: the run's outcome is what matters.
    let _ = conn.batch_execute(&format!(
        "SET lock_timeout = {}",
        Pg::DIALECT.string_literal(&before.value)
    ));
    ran
}

fn run_statements_outside<C: LoadConnection<Backend = Pg>>(
    conn: &mut C,
    script: &Script<'_>,
) -> Result<bool, Failed> {
    if done_already(conn, script)? {
        return Ok(false);
    }
    record_attempt(conn, &script.started(), false).at(Phase::Before)?;
    for (i, statement) in script.statements.iter().enumerate() {
        if i > 0 {
            let progress = progress_sql(Pg::DIALECT, script.version(), i, statement, STARTED);
            conn.batch_execute(&progress).at(Phase::Recording(i))?;
        }
        // One statement per query: a query of several runs as one implicit
        // transaction, which CREATE INDEX CONCURRENTLY refuses.
        conn.batch_execute(statement).at(Phase::Statement(i))?;
    }
    in_transaction(conn, |conn| {
        conn.batch_execute(&script.bookkeeping).at(Phase::Finishing)
    })
    .map_err(|failed| match failed.phase {
        // Every statement took effect: the bookkeeping's BEGIN or COMMIT
        // failing is recording failing, not "nothing ran".
        Phase::Before | Phase::Commit => Failed {
            phase: Phase::Finishing,
            ..failed
        },
        _ => failed,
    })?;
    Ok(true)
}

/// A session advisory lock, one per schema: lback runs on other schemas
/// do not wait.
struct AdvisoryLock;

const LOCK_KEY: &str = "hashtext('lback migrate ' || current_schema())";

impl<C: LoadConnection<Backend = Pg>> Locker<C> for AdvisoryLock {
    fn acquire(&self, conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))
    }

    fn release(&self, conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))
    }

    fn is_free(&self, conn: &mut C) -> QueryResult<bool> {
        // A bigint key shows as classid (high half) and objid (low half).
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM pg_catalog.pg_locks WHERE locktype = 'advisory' \
             AND granted AND objsubid = 1 \
             AND database = (SELECT oid FROM pg_catalog.pg_database \
             WHERE datname = current_database()) \
             AND classid = ((({LOCK_KEY})::bigint >> 32) & 4294967295)::oid \
             AND objid = (({LOCK_KEY})::bigint & 4294967295)::oid"
        ))
        .get_result::<Count>(conn)
        .map(|c| c.n == 0)
    }
}

/// Which part of the batch (the script, then `"\n;\n"` and the
/// bookkeeping) failed. When PostgreSQL gives the error's position in the
/// text (syntax errors, unknown tables and columns: most failures), the
/// statement holding it, without running anything again. Otherwise the
/// statements and the bookkeeping run again one by one in a transaction
/// that is always rolled back; a migration that fails that way therefore
/// runs twice before the error is reported (not after a lock timeout,
/// which says no more run again). The original error is kept.
fn diagnose<C: LoadConnection<Backend = Pg>>(
    conn: &mut C,
    script: &Script<'_>,
    failed: Failed,
) -> Failed {
    if let DieselError::DatabaseError(_, info) = &failed.error {
        if let Some(phase) = info
            .statement_position()
            .and_then(|position| phase_at(script, position))
        {
            return Failed { phase, ..failed };
        }
        // A lock wait that timed out has no position, and running again
        // would only wait as long again (a retry runs it anyway).
        if crate::runner::state::is_lock_timeout_message(info.message()) {
            return failed;
        }
    }
    let note = match run_again(conn, script) {
        Ok(Some((phase, again))) if same_error(&again, &failed.error) => {
            return Failed { phase, ..failed }
        }
        Ok(Some((phase, other))) => format!(
            "(run again statement by statement, in a transaction rolled back \
             afterwards, it failed {} instead, with: {other})",
            match phase {
                Phase::Statement(i) => {
                    format!("at statement {} of {}", i + 1, script.statements.len())
                }
                _ => "recording the migration".to_owned(),
            }
        ),
        Ok(None) => "(run again statement by statement, in a transaction rolled back \
                     afterwards, no statement failed: the failure may depend on timing, \
                     such as a lock or a timeout)"
            .to_owned(),
        Err(other) => format!(
            "(it could not be run again statement by statement to find the failing \
             statement: {other})"
        ),
    };
    Failed {
        note: Some(note),
        ..failed
    }
}

/// Runs the statements and the bookkeeping again, one by one, in a
/// transaction that is always rolled back: where it fails (`None`: it did
/// not), or the error of the transaction itself.
fn run_again<C: LoadConnection<Backend = Pg>>(
    conn: &mut C,
    script: &Script<'_>,
) -> Result<Option<(Phase, DieselError)>, DieselError> {
    let outcome = in_transaction(conn, |conn| {
        // With the same lock timeout: a statement that waited for a lock
        // must not wait for ever here.
        set_local_lock_timeout(conn, script).at(Phase::Before)?;
        run_statements(conn, script)?;
        conn.batch_execute(&script.bookkeeping)
            .at(Phase::Finishing)?;
        // Never committed.
        Err(DieselError::RollbackTransaction).at(Phase::Commit)
    });
    match outcome {
        Err(Failed {
            phase: Phase::Commit,
            error: DieselError::RollbackTransaction,
            ..
        }) => Ok(None),
        Err(Failed {
            phase: phase @ (Phase::Statement(_) | Phase::Finishing),
            error,
            ..
        }) => Ok(Some((phase, error))),
        Err(Failed { error, .. }) => Err(error),
        Ok(()) => Ok(None),
    }
}

/// Whether two errors are the same failure: kind, message, detail and the
/// table and constraint they name.
fn same_error(a: &DieselError, b: &DieselError) -> bool {
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
