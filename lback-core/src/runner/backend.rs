//! The little each database needs its own SQL for: the tracking tables.
//!
//! - `__diesel_schema_migrations` (diesel's own): the applied versions, plus
//!   a `checksum` column lback adds (the checksum of the up SQL that ran;
//!   diesel and diesel_cli insert only `version`, so theirs stay `NULL`).
//!   A start reads this one table, version and checksum: nothing else.
//! - `__lback_attempts`: migrations whose last run did not finish
//!   ([`Attempt`]); on MySQL a row is written before a migration runs and
//!   kept up to date statement by statement.
//!
//! Databases set up by an earlier lback kept the checksums in a table of
//! their own, `__lback_checksums`; [`TrackedBackend::setup`] moves them into
//! the column and drops that table.

use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use super::state::{Attempt, Direction};
use super::verify::Recorded;
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
    #[diesel(sql_type = Nullable<Text>)]
    pub checksum: Option<String>,
}

impl Applied {
    /// The version and checksum, as [`verify`](super::verify) takes them.
    pub fn recorded(&self) -> Recorded<'_> {
        Recorded {
            version: &self.version,
            checksum: self.checksum.as_deref().map(str::as_bytes),
        }
    }
}

/// What the tracking tables hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracking {
    /// Applied migrations.
    pub applied: Vec<Applied>,
    /// Runs that did not finish.
    pub attempts: Vec<Attempt>,
}

diesel::table! {
    /// diesel's tracking table, with lback's `checksum` column: read with a
    /// typed query, whose prepared statement the connection caches (a start
    /// then sends no SQL text to parse).
    __diesel_schema_migrations (version) {
        version -> Text,
        checksum -> Nullable<Text>,
    }
}

/// An applied version and the checksum it ran with: what a start reads.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, diesel::Queryable)]
pub struct AppliedVersion {
    /// The version.
    #[diesel(sql_type = Text)]
    pub version: String,
    /// The checksum of the up SQL that ran (`None`: applied by another tool).
    #[diesel(sql_type = Nullable<Text>)]
    pub checksum: Option<StoredChecksum>,
}

impl AppliedVersion {
    /// The version and checksum, as [`verify`](super::verify) takes them.
    pub fn recorded(&self) -> Recorded<'_> {
        Recorded {
            version: &self.version,
            checksum: self.checksum.as_ref().map(StoredChecksum::as_bytes),
        }
    }
}

/// A checksum as stored (at most 64 bytes of text), held inline: a start
/// reads one per applied migration, and a `String` each was a tenth of its
/// time. Longer text fails to load (lback stores 16 hex digits), which
/// sends the start the way that reads every column as text.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct StoredChecksum {
    len: u8,
    bytes: [u8; 64],
}

impl StoredChecksum {
    /// The checksum's text.
    pub fn as_str(&self) -> &str {
        // Built only from a whole `&str`, so never empty for want of UTF-8.
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }

    /// The checksum's text, as bytes (what a start compares).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// Copies `text`, when it fits.
    pub fn new(text: &str) -> Option<Self> {
        let len = u8::try_from(text.len()).ok().filter(|len| *len <= 64)?;
        let mut bytes = [0; 64];
        bytes[..text.len()].copy_from_slice(text.as_bytes());
        Some(StoredChecksum { len, bytes })
    }

    fn from_text(text: &str) -> diesel::deserialize::Result<Self> {
        Self::new(text).ok_or_else(|| {
            format!(
                "a checksum of {} bytes (lback stores 16 hex digits)",
                text.len()
            )
            .into()
        })
    }

    #[cfg(any(feature = "postgres", feature = "mysql"))]
    fn from_bytes(bytes: &[u8]) -> diesel::deserialize::Result<Self> {
        Self::from_text(std::str::from_utf8(bytes)?)
    }
}

impl std::fmt::Debug for StoredChecksum {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(feature = "sqlite")]
impl diesel::deserialize::FromSql<Text, diesel::sqlite::Sqlite> for StoredChecksum {
    fn from_sql(
        mut value: diesel::sqlite::SqliteValue<'_, '_, '_>,
    ) -> diesel::deserialize::Result<Self> {
        Self::from_text(value.read_text())
    }
}

#[cfg(feature = "postgres")]
impl diesel::deserialize::FromSql<Text, diesel::pg::Pg> for StoredChecksum {
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        Self::from_bytes(value.as_bytes())
    }
}

#[cfg(feature = "mysql")]
impl diesel::deserialize::FromSql<Text, diesel::mysql::Mysql> for StoredChecksum {
    fn from_sql(value: diesel::mysql::MysqlValue<'_>) -> diesel::deserialize::Result<Self> {
        Self::from_bytes(value.as_bytes())
    }
}

/// What a start reads, in one query: the applied versions with their
/// checksums and whether a run may have been left unfinished.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StartupRead {
    /// Applied versions, in the order the database returned them.
    pub applied: Vec<AppliedVersion>,
    /// Whether `__lback_attempts` has a row that could make the database
    /// dirty (MySQL; always `false` elsewhere, where a failed run is rolled
    /// back and its row is for `status` only).
    pub unfinished: bool,
}

/// A row of `__lback_attempts`.
#[derive(QueryableByName)]
struct AttemptRow {
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = Text)]
    direction: String,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = BigInt)]
    statements_done: i64,
    #[diesel(sql_type = BigInt)]
    statements_total: i64,
    #[diesel(sql_type = Nullable<Text>)]
    current_statement: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error_message: Option<String>,
    #[diesel(sql_type = Text)]
    started_on: String,
}

impl From<AttemptRow> for Attempt {
    fn from(row: AttemptRow) -> Self {
        Attempt {
            version: row.version,
            // A direction this version does not know is treated as the
            // safer of the two readings: a run that did not finish.
            direction: Direction::from_name(&row.direction).unwrap_or(Direction::Up),
            interrupted: row.state != FAILED,
            statements_done: usize::try_from(row.statements_done).unwrap_or(0),
            statements_total: usize::try_from(row.statements_total).unwrap_or(0),
            statement: row.current_statement,
            error: row.error_message,
            started_on: row.started_on,
        }
    }
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

    /// Whether each migration checks again, as its run starts, that it is
    /// still due ([`is_applied`](Self::is_applied)). SQLite has no run-wide
    /// lock, so another lback process may have applied it meanwhile. MySQL
    /// has one, but diesel_cli does not take it, and a MySQL migration run
    /// twice commits its statements twice. On PostgreSQL a version applied
    /// meanwhile by another tool makes the recording fail, and the whole
    /// migration is rolled back: nothing to check for.
    const RECHECK: bool = false;

    /// The type to cast a timestamp to, to read it as text.
    const TEXT_CAST: &'static str = "TEXT";

    /// The type to cast an integer to, to read it as 64 bits.
    const INT_CAST: &'static str = "BIGINT";

    /// Creates `__diesel_schema_migrations` (diesel's definition plus
    /// lback's `checksum` column) and `__lback_attempts` when missing; adds
    /// the column to a table diesel made; moves the checksums of a database
    /// an earlier lback set up out of `__lback_checksums`.
    fn setup<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\
             version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
             checksum VARCHAR(64))",
        )?;
        if !Self::has_column(conn, "__diesel_schema_migrations", "checksum")? {
            let added = conn.batch_execute(
                "ALTER TABLE __diesel_schema_migrations ADD COLUMN checksum VARCHAR(64)",
            );
            // Another process may have added it meanwhile (SQLite, `status`).
            if added.is_err() && !Self::has_column(conn, "__diesel_schema_migrations", "checksum")?
            {
                return added;
            }
        }
        if Self::has_column(conn, "__lback_checksums", "checksum")? {
            // One transaction where DDL is transactional (SQLite,
            // PostgreSQL): the checksums are never gone from both places.
            let moved = conn.transaction(|conn| {
                if Self::DIALECT == Dialect::Postgres {
                    // Two sessions moving at once would deadlock between the
                    // UPDATE's read and the DROP: one waits here instead.
                    conn.batch_execute("LOCK TABLE __lback_checksums IN ACCESS EXCLUSIVE MODE")?;
                }
                conn.batch_execute(
                    "UPDATE __diesel_schema_migrations SET checksum = (\
                     SELECT c.checksum FROM __lback_checksums c \
                     WHERE c.version = __diesel_schema_migrations.version) \
                     WHERE checksum IS NULL",
                )?;
                conn.batch_execute("DROP TABLE __lback_checksums")
            });
            // Moved and dropped by another process meanwhile: done.
            if moved.is_err() && Self::has_column(conn, "__lback_checksums", "checksum")? {
                return moved;
            }
        }
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

    /// Whether `table` (found the way an unqualified name is) has `column`;
    /// `false` when there is no such table.
    fn has_column<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        table: &str,
        column: &str,
    ) -> QueryResult<bool>;

    /// What a start needs, in one query: applied versions with their
    /// checksums (and, on MySQL, whether an attempt is recorded). Fails when
    /// the tables are missing or need [`setup`](Self::setup).
    fn startup_read<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<StartupRead>;

    /// Applied migrations (with when and the checksum of what ran) and
    /// unfinished runs: a query for each table.
    fn tracking<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Tracking> {
        Ok(Tracking {
            applied: Self::read_applied(conn, true)?,
            attempts: Self::read_attempts(conn)?,
        })
    }

    /// The applied migrations, with when; with their checksums, or (from a
    /// table lback has not set up, read without changing it) without.
    fn read_applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        with_checksums: bool,
    ) -> QueryResult<Vec<Applied>>;

    /// The unfinished runs in `__lback_attempts`.
    fn read_attempts<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Vec<Attempt>>;

    /// The SQL that records a version as applied, with the checksum of its
    /// up SQL, and clears its attempt.
    fn record_sql(version: &str, checksum: &str) -> String {
        let version = Self::DIALECT.string_literal(version);
        format!(
            "INSERT INTO __diesel_schema_migrations (version, checksum) VALUES ({version}, {});\n\
             DELETE FROM __lback_attempts WHERE version = {version}",
            Self::DIALECT.string_literal(checksum)
        )
    }

    /// The SQL that forgets a version (after reverting it) and clears its
    /// attempt.
    fn forget_sql(version: &str) -> String {
        let version = Self::DIALECT.string_literal(version);
        format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = {version};\n\
             DELETE FROM __lback_attempts WHERE version = {version}"
        )
    }

    /// Runs [`record_sql`](Self::record_sql): one round trip.
    fn record<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
        checksum: &str,
    ) -> QueryResult<()> {
        conn.batch_execute(&Self::record_sql(version, checksum))
    }

    /// Runs [`forget_sql`](Self::forget_sql): one round trip.
    fn forget<C: LoadConnection<Backend = Self>>(conn: &mut C, version: &str) -> QueryResult<()> {
        conn.batch_execute(&Self::forget_sql(version))
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

    /// Before reading the tracking tables: SQLite waits for other
    /// processes' write locks rather than failing on them.
    fn before_read<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Takes the lock that serializes lback runs on this database (released
    /// by [`unlock`](Self::unlock), or when the session ends). SQLite has no
    /// such lock: each migration's transaction takes the write lock first
    /// ([`claim`](Self::claim)) and checks again that it is still pending
    /// ([`RECHECK`](Self::RECHECK)).
    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        Self::before_read(conn)
    }

    /// Releases [`lock`](Self::lock).
    fn unlock<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Runs `record`, a write that records a run's progress or outcome, so
    /// that it commits only while this process holds lback's lock: with
    /// MySQL's lease (`runner::lease`) in one transaction with a
    /// renewal; elsewhere (a session lock cannot be lost) just runs it.
    fn fenced<C: LoadConnection<Backend = Self>, T>(
        conn: &mut C,
        mut record: impl FnMut(&mut C) -> QueryResult<T>,
    ) -> QueryResult<T> {
        record(conn)
    }

    /// Inside a migration's transaction, before anything else: SQLite takes
    /// the write lock now (waiting for other writers), so two processes
    /// cannot both find a migration pending.
    fn claim<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Whether `version` is recorded as applied (checked again as a
    /// migration's run starts where [`RECHECK`](Self::RECHECK) says so).
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

/// The queries whose SQL every backend shares (diesel loads rows only
/// through a concrete backend, so they are written once here and expanded
/// in each).
macro_rules! shared_queries {
    () => {
        fn read_applied<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
            with_checksums: bool,
        ) -> QueryResult<Vec<Applied>> {
            let cast = Self::TEXT_CAST;
            let checksum = if with_checksums {
                "checksum".to_owned()
            } else {
                format!("CAST(NULL AS {cast}) AS checksum")
            };
            diesel::sql_query(format!(
                "SELECT version, CAST(run_on AS {cast}) AS run_on, {checksum} \
                 FROM __diesel_schema_migrations"
            ))
            .load::<Applied>(conn)
        }

        fn read_attempts<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
        ) -> QueryResult<Vec<Attempt>> {
            let cast = Self::TEXT_CAST;
            let attempts = diesel::sql_query(format!(
                "SELECT version, direction, state, \
                 CAST(statements_done AS {int}) AS statements_done, \
                 CAST(statements_total AS {int}) AS statements_total, \
                 current_statement, error_message, CAST(started_on AS {cast}) AS started_on \
                 FROM __lback_attempts",
                int = Self::INT_CAST,
            ))
            .load::<AttemptRow>(conn)?;
            Ok(attempts.into_iter().map(Attempt::from).collect())
        }

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

/// The start's read where no attempt row can make the database dirty
/// (SQLite, PostgreSQL: a failed run was rolled back): one table.
macro_rules! plain_startup_read {
    () => {
        fn startup_read<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
        ) -> QueryResult<StartupRead> {
            use diesel::QueryDsl;
            __diesel_schema_migrations::table
                .select((
                    __diesel_schema_migrations::version,
                    __diesel_schema_migrations::checksum,
                ))
                .load::<AppliedVersion>(conn)
                .map(|applied| StartupRead {
                    applied,
                    unfinished: false,
                })
        }
    };
}

#[cfg(feature = "sqlite")]
impl TrackedBackend for diesel::sqlite::Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;
    const RECHECK: bool = true;
    const INT_CAST: &'static str = "INTEGER";

    shared_queries!();
    plain_startup_read!();

    fn has_column<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        table: &str,
        column: &str,
    ) -> QueryResult<bool> {
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM pragma_table_info({}) WHERE name = {}",
            Self::DIALECT.string_literal(table),
            Self::DIALECT.string_literal(column)
        ))
        .get_result::<Count>(conn)
        .map(|c| c.n > 0)
    }

    fn before_read<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
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

    shared_queries!();
    plain_startup_read!();

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
}

#[cfg(feature = "mysql")]
impl TrackedBackend for diesel::mysql::Mysql {
    const DIALECT: Dialect = Dialect::Mysql;
    const WIDE_TEXT: &'static str = "TEXT CHARACTER SET utf8mb4";
    const TEXT_CAST: &'static str = "CHAR";
    const INT_CAST: &'static str = "SIGNED";
    const RECHECK: bool = true;

    shared_queries!();

    fn has_column<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        table: &str,
        column: &str,
    ) -> QueryResult<bool> {
        diesel::sql_query(format!(
            "SELECT COUNT(*) AS n FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name = {} AND column_name = {}",
            Self::DIALECT.string_literal(table),
            Self::DIALECT.string_literal(column)
        ))
        .get_result::<Count>(conn)
        .map(|c| c.n > 0)
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

    fn lock_is_free<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<bool> {
        if let Some(free) = super::lease::is_free(conn)? {
            return Ok(free);
        }
        #[derive(QueryableByName)]
        struct Free {
            #[diesel(sql_type = Nullable<BigInt>)]
            free: Option<i64>,
        }
        diesel::sql_query("SELECT IS_FREE_LOCK(CONCAT('lback migrate ', DATABASE())) AS free")
            .get_result::<Free>(conn)
            .map(|f| f.free != Some(0))
    }

    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        // Galera (or LBACK_LOCK=lease): GET_LOCK holds on one node only.
        if super::lease::lock(conn)? {
            return Ok(());
        }
        #[derive(QueryableByName)]
        struct Got {
            #[diesel(sql_type = Nullable<BigInt>)]
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
        if super::lease::unlock(conn)? {
            return Ok(());
        }
        conn.batch_execute("DO RELEASE_LOCK(CONCAT('lback migrate ', DATABASE()))")
    }

    fn fenced<C: LoadConnection<Backend = Self>, T>(
        conn: &mut C,
        record: impl FnMut(&mut C) -> QueryResult<T>,
    ) -> QueryResult<T> {
        super::lease::fenced(conn, record)
    }
}
