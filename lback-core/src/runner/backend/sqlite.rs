//! SQLite: each migration in one transaction whose first statement takes
//! the write lock, statement by statement. No session lock: two processes
//! wait on the write lock instead, and each checks again, once it holds
//! it, that the migration is still pending.

use diesel::connection::LoadConnection;
use diesel::sql_types::BigInt;
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::tables::{record_attempt, Count};
use super::{Locker, TrackedBackend};
use crate::runner::lock::Fence;
use crate::runner::step::{
    done_already, in_transaction, run_statements, At, Failed, Phase, Script, ROLLED_BACK,
};
use crate::runner::Attempt;
use crate::sql::Dialect;

plain_startup_read!(Sqlite);

impl TrackedBackend for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
    const INT_CAST: &'static str = "INTEGER";

    shared_queries!();

    fn startup_read<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<super::StartupRead> {
        wait_for_writers(conn)?;
        plain_startup_read(conn)
    }

    fn column_count_sql(table: &str, column: &str) -> String {
        format!("SELECT COUNT(*) AS n FROM pragma_table_info({table}) WHERE name = {column}")
    }

    /// The records are in the migration's transaction, under a lock that
    /// cannot be lost: no fence needed.
    fn run_script<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        script: &Script<'_>,
        _fence: &Fence<'_, C>,
    ) -> Result<bool, Failed> {
        if script.migration.needs_foreign_keys_off(Dialect::Sqlite) {
            with_foreign_keys_off(conn, script)
        } else {
            in_transaction(conn, |conn| run(conn, script))
        }
    }

    fn after_failure<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        attempt: &Attempt,
        fence: &Fence<'_, C>,
    ) -> String {
        // Best effort: the row only explains the failure in `status`.
        let _ = fence.record(conn, |conn| record_attempt(conn, attempt, true));
        ROLLED_BACK.to_owned()
    }

    /// No session lock; the session waits for other writers.
    fn locker<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<Option<Box<dyn Locker<C>>>> {
        wait_for_writers(conn)?;
        Ok(None)
    }
}

/// Other processes' write locks are waited for (up to a minute), not
/// failed on. (The plain pragma, not the `pragma_busy_timeout` table:
/// reading a table needs the schema, which a committing writer may have
/// locked.)
fn wait_for_writers<C: LoadConnection<Backend = Sqlite>>(conn: &mut C) -> QueryResult<()> {
    #[derive(QueryableByName)]
    struct Timeout {
        #[diesel(sql_type = BigInt)]
        timeout: i64,
    }
    let current = diesel::sql_query("PRAGMA busy_timeout").get_result::<Timeout>(conn)?;
    if current.timeout < 60_000 {
        conn.batch_execute("PRAGMA busy_timeout = 60000")?;
    }
    Ok(())
}

/// Inside the migration's transaction: takes the write lock, checks the
/// migration is still due, runs it and records it.
fn run<C: LoadConnection<Backend = Sqlite>>(
    conn: &mut C,
    script: &Script<'_>,
) -> Result<bool, Failed> {
    // A write as the transaction's first statement takes the RESERVED lock
    // before anything is read (a read first would make two processes
    // deadlock on the upgrade instead of waiting).
    conn.batch_execute("DELETE FROM __diesel_schema_migrations WHERE 1 = 0")
        .at(Phase::Before)?;
    if done_already(conn, script)? {
        return Ok(false);
    }
    run_statements(conn, script)?;
    conn.batch_execute(&script.bookkeeping)
        .at(Phase::Finishing)?;
    Ok(true)
}

/// A table rebuild: `PRAGMA foreign_keys` does nothing inside a
/// transaction, so it is turned off outside, the keys are checked before
/// COMMIT, and the setting is restored afterwards.
fn with_foreign_keys_off<C: LoadConnection<Backend = Sqlite>>(
    conn: &mut C,
    script: &Script<'_>,
) -> Result<bool, Failed> {
    let was_on = diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
        .get_result::<Count>(conn)
        .map(|c| c.n != 0)
        .and_then(|on| conn.batch_execute("PRAGMA foreign_keys = OFF").map(|()| on))
        .at(Phase::Before)?;
    let result = in_transaction(conn, |conn| {
        let ran = run(conn, script)?;
        let broken = diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
            .get_result::<Count>(conn)
            .at(Phase::ForeignKeyCheck)?
            .n;
        if broken > 0 {
            return Err(diesel::result::Error::QueryBuilderError(
                format!("{broken} row(s) would break a foreign key (PRAGMA foreign_key_check)")
                    .into(),
            ))
            .at(Phase::ForeignKeyCheck);
        }
        Ok(ran)
    });
    let restored = if was_on {
        conn.batch_execute("PRAGMA foreign_keys = ON")
    } else {
        Ok(())
    };
    match (result, restored) {
        // Applied and committed: only the setting is wrong.
        (Ok(_), Err(error)) => Err(error).at(Phase::Restore),
        (result, _) => result,
    }
}
