//! PostgreSQL: each migration and its bookkeeping as one batch in one
//! transaction (one round trip: statement by statement costs a round trip
//! each, which is what applying many small migrations spends most on).
//! Which statement failed is found afterwards ([`diagnose`]). A session
//! advisory lock per schema serializes runs.

use diesel::connection::LoadConnection;
use diesel::pg::Pg;
use diesel::result::Error as DieselError;
use diesel::{QueryResult, RunQueryDsl};

use super::tables::{record_failed, Count};
use super::{Locker, TrackedBackend};
use crate::runner::lock::Fence;
use crate::runner::step::{in_transaction, phase_at, At, Failed, Phase, Script, ROLLED_BACK};
use crate::runner::Attempt;
use crate::sql::Dialect;

plain_startup_read!(Pg);

impl TrackedBackend for Pg {
    const DIALECT: Dialect = Dialect::Postgres;
    const WIDE_TEXT: &'static str = "TEXT";
    const TEXT_CAST: &'static str = "TEXT";
    const INT_CAST: &'static str = "BIGINT";
    // Two sessions moving at once would deadlock between the UPDATE's read
    // and the DROP: one waits here instead.
    const IN_TRANSACTION: bool = true;
    const BEFORE_CHECKSUM_MOVE: &'static [&'static str] =
        &["LOCK TABLE __lback_checksums IN ACCESS EXCLUSIVE MODE"];

    shared_queries!();

    fn startup_read<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<super::StartupRead> {
        plain_startup_read(conn)
    }

    fn has_column<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        table: &str,
        column: &str,
    ) -> QueryResult<bool> {
        // The table the unqualified name resolves to, through search_path.
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM pg_catalog.pg_attribute \
             WHERE attrelid = to_regclass({}) AND attname = {} AND NOT attisdropped",
            Self::DIALECT.string_literal(table),
            Self::DIALECT.string_literal(column)
        ))
        .get_result::<Count>(conn)
        .map(|c| c.n > 0)
    }

    /// The records are in the migration's transaction, under a lock that
    /// cannot be lost: no fence needed.
    fn run_script<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        script: &Script<'_>,
        _fence: &Fence<'_, C>,
    ) -> Result<bool, Failed> {
        let sql = script.sql;
        let ran = in_transaction(conn, |conn| {
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
        // Best effort: the row only explains the failure in `status`.
        let _ = fence.record(conn, |conn| record_failed(conn, attempt));
        ROLLED_BACK.to_owned()
    }

    fn locker<C: LoadConnection<Backend = Self>>(
        _conn: &mut C,
    ) -> QueryResult<Option<Box<dyn Locker<C>>>> {
        Ok(Some(Box::new(AdvisoryLock)))
    }
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
/// runs twice before the error is reported. The original error is kept.
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
        for (i, statement) in script.statements.iter().enumerate() {
            conn.batch_execute(statement).at(Phase::Statement(i))?;
        }
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
