//! The little each database needs its own SQL for: the tracking tables.
//!
//! - `__diesel_schema_migrations` (diesel's own): the applied versions.
//! - `__lback_checksums`: the checksum of the up SQL each version ran.
//! - `__lback_attempts`: migrations whose last run did not finish
//!   ([`Attempt`]); on MySQL a row is written before a migration runs and
//!   kept up to date statement by statement.

use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::state::{Attempt, Direction};
use crate::sql::Dialect;

/// One applied migration, as the database records it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Applied {
    /// The version.
    #[diesel(sql_type = Text)]
    pub version: String,
    /// When it was applied (the database's text).
    #[diesel(sql_type = Text)]
    pub run_on: String,
    /// The checksum of the up SQL that ran (`None` when applied by another
    /// tool, such as diesel_cli).
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub checksum: Option<String>,
}

/// What the tracking tables hold, read in one query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracking {
    /// Applied migrations.
    pub applied: Vec<Applied>,
    /// Runs that did not finish.
    pub attempts: Vec<Attempt>,
}

/// A row of the one tracking query: an applied version (`direction` null)
/// or an attempt.
#[derive(QueryableByName)]
struct TrackingRow {
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = Text)]
    run_on: String,
    #[diesel(sql_type = Nullable<Text>)]
    checksum: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    direction: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    state: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    statements_done: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    statements_total: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    current_statement: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error_message: Option<String>,
}

fn split_rows(rows: Vec<TrackingRow>) -> Tracking {
    let mut tracking = Tracking::default();
    for row in rows {
        match row.direction.as_deref().map(Direction::from_name) {
            None => tracking.applied.push(Applied {
                version: row.version,
                run_on: row.run_on,
                checksum: row.checksum,
            }),
            Some(direction) => tracking.attempts.push(Attempt {
                version: row.version,
                // A direction this version does not know is treated as the
                // safer of the two readings: a run that did not finish.
                direction: direction.unwrap_or(Direction::Up),
                interrupted: row.state.as_deref() != Some(FAILED),
                statements_done: usize::try_from(row.statements_done.unwrap_or(0)).unwrap_or(0),
                statements_total: usize::try_from(row.statements_total.unwrap_or(0)).unwrap_or(0),
                statement: row.current_statement,
                error: row.error_message,
                started_on: row.run_on,
            }),
        }
    }
    tracking
}

const STARTED: &str = "started";
const FAILED: &str = "failed";

/// Longest statement or error text stored (the message keeps all of it).
const STORED_TEXT: usize = 4000;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A diesel backend lback can migrate.
pub trait TrackedBackend: Backend + Sized {
    /// Its dialect.
    const DIALECT: Dialect;

    /// The type of the columns holding statements and error messages
    /// (MySQL: utf8mb4, so any text can be stored whatever the database's
    /// default charset; the keys keep the database's, so they compare with
    /// diesel's table).
    const WIDE_TEXT: &'static str = "TEXT";

    /// Creates `__diesel_schema_migrations` (diesel's definition) and
    /// lback's `__lback_checksums` and `__lback_attempts` beside it, when
    /// missing.
    fn setup<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\
             version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )?;
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS __lback_checksums (\
             version VARCHAR(50) PRIMARY KEY NOT NULL, \
             checksum VARCHAR(64) NOT NULL)",
        )?;
        let text = Self::WIDE_TEXT;
        conn.batch_execute(&format!(
            "CREATE TABLE IF NOT EXISTS __lback_attempts (\
             version VARCHAR(50) PRIMARY KEY NOT NULL, \
             direction VARCHAR(8) NOT NULL, \
             state VARCHAR(8) NOT NULL, \
             statements_done INTEGER NOT NULL, \
             statements_total INTEGER NOT NULL, \
             current_statement {text}, \
             error_message {text}, \
             started_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)"
        ))
    }

    /// Applied migrations (with when and the checksum of what ran) and
    /// unfinished runs: one query.
    fn tracking<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Tracking>;

    /// Records a version as applied, with the checksum of its up SQL, and
    /// clears its attempt: one round trip.
    fn record<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
        checksum: &str,
    ) -> QueryResult<()> {
        let version = Self::DIALECT.string_literal(version);
        conn.batch_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ({version});\n\
             DELETE FROM __lback_checksums WHERE version = {version};\n\
             INSERT INTO __lback_checksums (version, checksum) VALUES ({version}, {});\n\
             DELETE FROM __lback_attempts WHERE version = {version}",
            Self::DIALECT.string_literal(checksum)
        ))
    }

    /// Forgets a version (after reverting it) and clears its attempt.
    fn forget<C: LoadConnection<Backend = Self>>(conn: &mut C, version: &str) -> QueryResult<()> {
        let version = Self::DIALECT.string_literal(version);
        conn.batch_execute(&format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = {version};\n\
             DELETE FROM __lback_checksums WHERE version = {version};\n\
             DELETE FROM __lback_attempts WHERE version = {version}"
        ))
    }

    /// Clears a version's attempt (after `resolve`).
    fn clear_attempt<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
    ) -> QueryResult<()> {
        conn.batch_execute(&format!(
            "DELETE FROM __lback_attempts WHERE version = {}",
            Self::DIALECT.string_literal(version)
        ))
    }

    /// Records that a run of `version` has started (MySQL, before its first
    /// statement) or has failed (any database, after rolling back): any
    /// earlier attempt is replaced. `statement` is the statement that
    /// failed, or the one about to run.
    #[allow(clippy::too_many_arguments)]
    fn write_attempt<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
        direction: Direction,
        failed: bool,
        done: usize,
        total: usize,
        statement: Option<&str>,
        error: Option<&str>,
    ) -> QueryResult<()> {
        let d = Self::DIALECT;
        let text = |t: Option<&str>| {
            t.map_or_else(
                || "NULL".to_owned(),
                |t| d.string_literal(&super::state::shorten(t, STORED_TEXT)),
            )
        };
        let values = format!(
            "({}, {}, {}, {done}, {total}, {}, {})",
            d.string_literal(version),
            d.string_literal(direction.name()),
            d.string_literal(if failed { FAILED } else { STARTED }),
            text(statement),
            text(error),
        );
        // One statement, so an earlier row is never gone without its
        // replacement (MySQL commits each statement).
        let columns = "(version, direction, state, statements_done, statements_total, \
                       current_statement, error_message)";
        conn.batch_execute(&match d {
            Dialect::Mysql => format!("REPLACE INTO __lback_attempts {columns} VALUES {values}"),
            Dialect::Sqlite | Dialect::Postgres => format!(
                "INSERT INTO __lback_attempts {columns} VALUES {values} \
                 ON CONFLICT (version) DO UPDATE SET direction = excluded.direction, \
                 state = excluded.state, statements_done = excluded.statements_done, \
                 statements_total = excluded.statements_total, \
                 current_statement = excluded.current_statement, \
                 error_message = excluded.error_message, started_on = CURRENT_TIMESTAMP"
            ),
        })
    }

    /// MySQL, when a run whose `started` row exists fails: the row becomes
    /// `failed`, in place (one statement).
    fn fail_attempt<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
        done: usize,
        statement: Option<&str>,
        error: &str,
    ) -> QueryResult<()> {
        let d = Self::DIALECT;
        conn.batch_execute(&format!(
            "UPDATE __lback_attempts SET state = {}, statements_done = {done}, \
             current_statement = {}, error_message = {} WHERE version = {}",
            d.string_literal(FAILED),
            statement.map_or_else(
                || "NULL".to_owned(),
                |t| d.string_literal(&super::state::shorten(t, STORED_TEXT))
            ),
            d.string_literal(&super::state::shorten(error, STORED_TEXT)),
            d.string_literal(version)
        ))
    }

    /// Whether no session holds lback's migration lock now (so a `started`
    /// row is a run that died, not one in progress). Databases whose
    /// migrations leave no `started` row answer `true`.
    fn lock_is_free<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<bool> {
        Ok(true)
    }

    /// MySQL, before statement `done + 1` runs: how far the run got.
    fn progress<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
        done: usize,
        statement: &str,
    ) -> QueryResult<()> {
        let d = Self::DIALECT;
        conn.batch_execute(&format!(
            "UPDATE __lback_attempts SET statements_done = {done}, current_statement = {} \
             WHERE version = {}",
            d.string_literal(&super::state::shorten(statement, STORED_TEXT)),
            d.string_literal(version)
        ))
    }

    /// Takes the lock that serializes lback runs on this database (released
    /// by [`unlock`](Self::unlock), or when the session ends). SQLite has no
    /// such lock: each migration's transaction takes the write lock first
    /// ([`claim`](Self::claim)) and checks again that it is still pending.
    fn lock<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Releases [`lock`](Self::lock).
    fn unlock<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Inside a migration's transaction, before anything else: SQLite takes
    /// the write lock now (waiting for other writers), so two processes
    /// cannot both find a migration pending.
    fn claim<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Whether `version` is recorded as applied (checked again under the lock).
    fn is_applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
    ) -> QueryResult<bool>;

    /// SQLite: whether `PRAGMA foreign_keys` is on.
    fn foreign_keys_on<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<bool> {
        Ok(false)
    }

    /// SQLite: rows `PRAGMA foreign_key_check` reports.
    fn foreign_key_violations<C: LoadConnection<Backend = Self>>(
        _conn: &mut C,
    ) -> QueryResult<i64> {
        Ok(0)
    }
}

/// `is_applied` by one keyed count (the same SQL on every backend).
macro_rules! is_applied_by_count {
    () => {
        fn is_applied<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
            version: &str,
        ) -> QueryResult<bool> {
            diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM __diesel_schema_migrations WHERE version = {}",
                Self::DIALECT.string_literal(version)
            ))
            .get_result::<Count>(conn)
            .map(|c| c.n > 0)
        }
    };
}

/// The tracking query: applied versions with their checksums, and the
/// attempts, in one statement. `$text` and `$int` are the dialect's cast
/// targets for text and 64-bit integers.
/// The tracking query: applied versions with their checksums, and the
/// attempts, in one statement. `$text` and `$int` are the dialect's cast
/// targets for text and 64-bit integers. Every text column is cast on both
/// sides of the UNION: on MySQL that gives them all the connection's
/// collation, whatever the tables were created with.
macro_rules! tracking_query {
    ($conn:expr, $text:literal, $int:literal) => {
        diesel::sql_query(concat!(
            "SELECT CAST(d.version AS ", $text, ") AS version, CAST(d.run_on AS ", $text, ") AS run_on, \
             CAST(c.checksum AS ", $text, ") AS checksum, CAST(NULL AS ", $text, ") AS direction, \
             CAST(NULL AS ", $text, ") AS state, CAST(NULL AS ", $int, ") AS statements_done, \
             CAST(NULL AS ", $int, ") AS statements_total, \
             CAST(NULL AS ", $text, ") AS current_statement, CAST(NULL AS ", $text, ") AS error_message \
             FROM __diesel_schema_migrations d LEFT JOIN __lback_checksums c ON c.version = d.version \
             UNION ALL \
             SELECT CAST(version AS ", $text, "), CAST(started_on AS ", $text, "), NULL, \
             CAST(direction AS ", $text, "), CAST(state AS ", $text, "), \
             CAST(statements_done AS ", $int, "), CAST(statements_total AS ", $int, "), \
             CAST(current_statement AS ", $text, "), CAST(error_message AS ", $text, ") \
             FROM __lback_attempts"
        ))
        .load::<TrackingRow>($conn)
        .map(split_rows)
    };
}

#[cfg(feature = "sqlite")]
impl TrackedBackend for diesel::sqlite::Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;

    is_applied_by_count!();

    fn tracking<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Tracking> {
        tracking_query!(conn, "TEXT", "INTEGER")
    }

    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        // Other processes' write locks are waited for, not failed on. (The
        // plain pragma, not the `pragma_busy_timeout` table: reading a table
        // needs the schema, which a committing writer may have locked.)
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

    fn claim<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        // A write as the transaction's first statement takes the RESERVED
        // lock before anything is read (a read first would make two
        // processes deadlock on the upgrade instead of waiting).
        conn.batch_execute("DELETE FROM __diesel_schema_migrations WHERE 1 = 0")
    }

    fn foreign_keys_on<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<bool> {
        diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
            .get_result::<Count>(conn)
            .map(|c| c.n != 0)
    }

    fn foreign_key_violations<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<i64> {
        diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
            .get_result::<Count>(conn)
            .map(|c| c.n)
    }
}

#[cfg(feature = "postgres")]
impl TrackedBackend for diesel::pg::Pg {
    const DIALECT: Dialect = Dialect::Postgres;

    is_applied_by_count!();

    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        // One lock per schema: lback runs on other schemas do not wait.
        conn.batch_execute(
            "SELECT pg_advisory_lock(hashtext('lback migrate ' || current_schema()))",
        )
    }

    fn unlock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(
            "SELECT pg_advisory_unlock(hashtext('lback migrate ' || current_schema()))",
        )
    }

    fn tracking<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Tracking> {
        tracking_query!(conn, "TEXT", "BIGINT")
    }
}

#[cfg(feature = "mysql")]
impl TrackedBackend for diesel::mysql::Mysql {
    const DIALECT: Dialect = Dialect::Mysql;
    const WIDE_TEXT: &'static str = "TEXT CHARACTER SET utf8mb4";

    fn lock_is_free<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<bool> {
        #[derive(QueryableByName)]
        struct Free {
            #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
            free: Option<i64>,
        }
        diesel::sql_query("SELECT IS_FREE_LOCK(CONCAT('lback migrate ', DATABASE())) AS free")
            .get_result::<Free>(conn)
            .map(|f| f.free != Some(0))
    }

    is_applied_by_count!();

    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        #[derive(QueryableByName)]
        struct Got {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
            got: Option<i64>,
        }
        // Named after the database (lock names are server-wide); waits up
        // to ten minutes for another process's run to finish.
        let got =
            diesel::sql_query("SELECT GET_LOCK(CONCAT('lback migrate ', DATABASE()), 600) AS got")
                .get_result::<Got>(conn)?;
        if got.got == Some(1) {
            Ok(())
        } else {
            Err(diesel::result::Error::QueryBuilderError(
                "another process held lback's migration lock (GET_LOCK) for ten minutes; is a migration stuck?".into(),
            ))
        }
    }

    fn unlock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute("DO RELEASE_LOCK(CONCAT('lback migrate ', DATABASE()))")
    }

    fn tracking<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Tracking> {
        tracking_query!(conn, "CHAR", "SIGNED")
    }
}
