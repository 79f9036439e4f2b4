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
//! their own, `__lback_checksums`; [`setup`] moves them into the column and
//! drops that table.
//!
//! The rows, and the SQL every database shares; the queries diesel loads
//! through a concrete backend are written once here as macros
//! ([`shared_queries`], [`plain_startup_read`]) expanded in each backend.

use diesel::connection::LoadConnection;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{QueryResult, QueryableByName};

use super::TrackedBackend;
use crate::runner::state::{shorten, Attempt, Direction};
use crate::runner::verify::Recorded;
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
    /// The version and checksum, as [`verify`](crate::runner::verify) takes them.
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
    /// The version and checksum, as [`verify`](crate::runner::verify) takes them.
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
pub(super) struct AttemptRow {
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
            interrupted: row.state != FAILED && row.state != PARTIAL && row.state != UNTOUCHED,
            statements_done: usize::try_from(row.statements_done).unwrap_or(0),
            statements_total: usize::try_from(row.statements_total).unwrap_or(0),
            statement: row.current_statement,
            error: row.error_message,
            // Only runs outside a transaction record their start.
            outside_transaction: row.state != FAILED,
            started_on: row.started_on,
            guard_statements: if row.state == UNTOUCHED {
                usize::try_from(row.statements_done).map_or(0, |done| done + 1)
            } else {
                0
            },
        }
    }
}

pub(super) const STARTED: &str = "started";
const FAILED: &str = "failed";
/// PostgreSQL: a run outside a transaction (`run_in_transaction = false`)
/// failed at a statement; the ones before it took effect.
const PARTIAL: &str = "partial";
/// A run outside a transaction failed before it changed anything
/// ([`Attempt::changed_nothing`]): at a guard, or timed out waiting for a
/// lock at the first statement after the guards.
const UNTOUCHED: &str = "intact";

/// Longest statement or error text stored (the message keeps all of it).
const STORED_TEXT: usize = 4000;

/// One integer, as `n`.
#[derive(QueryableByName)]
pub(super) struct Count {
    #[diesel(sql_type = BigInt)]
    pub(super) n: i64,
}

/// The queries whose SQL every backend shares, or whose running does
/// (diesel loads rows only through a concrete backend, so they are
/// written once here and expanded in each).
macro_rules! shared_queries {
    () => {
        fn has_column<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
            table: &str,
            column: &str,
        ) -> QueryResult<bool> {
            let d = Self::DIALECT;
            diesel::sql_query(Self::column_count_sql(
                &d.string_literal(table),
                &d.string_literal(column),
            ))
            .get_result::<super::tables::Count>(conn)
            .map(|c| c.n > 0)
        }

        fn read_applied<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
            with_checksums: bool,
        ) -> QueryResult<Vec<super::tables::Applied>> {
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
            .load::<super::tables::Applied>(conn)
        }

        fn read_attempts<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
        ) -> QueryResult<Vec<crate::runner::Attempt>> {
            let cast = Self::TEXT_CAST;
            let attempts = diesel::sql_query(format!(
                "SELECT version, direction, state, \
                 CAST(statements_done AS {int}) AS statements_done, \
                 CAST(statements_total AS {int}) AS statements_total, \
                 current_statement, error_message, CAST(started_on AS {cast}) AS started_on \
                 FROM __lback_attempts",
                int = Self::INT_CAST,
            ))
            .load::<super::tables::AttemptRow>(conn)?;
            Ok(attempts
                .into_iter()
                .map(crate::runner::Attempt::from)
                .collect())
        }

        fn is_applied<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
            version: &str,
        ) -> QueryResult<bool> {
            diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM __diesel_schema_migrations WHERE version = {}",
                Self::DIALECT.string_literal(version)
            ))
            .get_result::<super::tables::Count>(conn)
            .map(|c| c.n > 0)
        }
    };
}

/// The start's read of the applied versions: one table, a typed query
/// whose prepared statement the connection caches (SQLite, where no
/// attempt row can make the database dirty; PostgreSQL adds its own check
/// of the attempts).
#[cfg_attr(
    not(any(feature = "sqlite", feature = "postgres")),
    allow(unused_macros)
)]
macro_rules! plain_startup_read {
    ($backend:ty) => {
        fn plain_startup_read<C: LoadConnection<Backend = $backend>>(
            conn: &mut C,
        ) -> QueryResult<super::tables::StartupRead> {
            use super::tables::__diesel_schema_migrations as table;
            use diesel::QueryDsl;
            table::table
                .select((table::version, table::checksum))
                .load::<super::tables::AppliedVersion>(conn)
                .map(|applied| super::tables::StartupRead {
                    applied,
                    unfinished: false,
                })
        }
    };
}

/// Creates `__diesel_schema_migrations` (diesel's definition plus lback's
/// `checksum` column) and `__lback_attempts` when missing; adds the column
/// to a table diesel made; moves the checksums of a database an earlier
/// lback set up out of `__lback_checksums`.
pub(crate) fn setup<B, C>(conn: &mut C) -> QueryResult<()>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    conn.batch_execute(
        "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\
         version VARCHAR(50) PRIMARY KEY NOT NULL, \
         run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
         checksum VARCHAR(64))",
    )?;
    if !B::has_column(conn, "__diesel_schema_migrations", "checksum")? {
        let added = conn.batch_execute(
            "ALTER TABLE __diesel_schema_migrations ADD COLUMN checksum VARCHAR(64)",
        );
        // Another process may have added it meanwhile (SQLite, `status`).
        if added.is_err() && !B::has_column(conn, "__diesel_schema_migrations", "checksum")? {
            return added;
        }
    }
    if B::has_column(conn, "__lback_checksums", "checksum")? {
        move_checksums::<B, C>(conn)?;
    }
    let text = B::WIDE_TEXT;
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

/// Moves an earlier lback's checksums into diesel's table and drops
/// theirs: one transaction where DDL is transactional (SQLite,
/// PostgreSQL), so the checksums are never gone from both places.
fn move_checksums<B, C>(conn: &mut C) -> QueryResult<()>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let moved = conn.transaction(|conn| {
        for statement in B::BEFORE_CHECKSUM_MOVE {
            conn.batch_execute(statement)?;
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
    if moved.is_err() && B::has_column(conn, "__lback_checksums", "checksum")? {
        return moved;
    }
    Ok(())
}

/// The SQL that records a version as applied, with the checksum of its
/// up SQL, and clears its attempt.
pub(crate) fn record_sql(dialect: Dialect, version: &str, checksum: &str) -> String {
    let version = dialect.string_literal(version);
    format!(
        "INSERT INTO __diesel_schema_migrations (version, checksum) VALUES ({version}, {});\n\
         DELETE FROM __lback_attempts WHERE version = {version}",
        dialect.string_literal(checksum)
    )
}

/// The SQL that forgets a version (after reverting it) and clears its
/// attempt.
pub(crate) fn forget_sql(dialect: Dialect, version: &str) -> String {
    let version = dialect.string_literal(version);
    format!(
        "DELETE FROM __diesel_schema_migrations WHERE version = {version};\n\
         DELETE FROM __lback_attempts WHERE version = {version}"
    )
}

/// The SQL that clears a version's attempt (after `resolve`).
pub(crate) fn clear_attempt(dialect: Dialect, version: &str) -> String {
    format!(
        "DELETE FROM __lback_attempts WHERE version = {}",
        dialect.string_literal(version)
    )
}

/// Text as stored: at most [`STORED_TEXT`] characters.
pub(crate) fn stored(text: &str) -> String {
    shorten(text, STORED_TEXT)
}

/// Stored text: at most [`STORED_TEXT`] characters, as a literal, or `NULL`.
pub(super) fn stored_text(dialect: Dialect, text: Option<&str>) -> String {
    text.map_or_else(
        || "NULL".to_owned(),
        |t| dialect.string_literal(&shorten(t, STORED_TEXT)),
    )
}

/// The columns and values of an attempt row: `started` (before its first
/// statement, a run outside a transaction) or, `failed`, `failed` (after
/// rolling back, SQLite and PostgreSQL) or `partial` (PostgreSQL outside a
/// transaction: what ran before took effect). `statement` is the
/// statement that failed, or the one about to run.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
fn attempt_row(dialect: Dialect, attempt: &Attempt, failed: bool) -> String {
    attempt_row_in(
        dialect,
        attempt,
        match (failed, attempt.outside_transaction) {
            (false, _) => STARTED,
            (true, false) => FAILED,
            (true, true) if attempt.changed_nothing() => UNTOUCHED,
            (true, true) => PARTIAL,
        },
    )
}

/// [`attempt_row`] in a given state (MySQL: `started`, or `checked`).
pub(super) fn attempt_row_in(dialect: Dialect, attempt: &Attempt, state: &str) -> String {
    format!(
        "(version, direction, state, statements_done, statements_total, \
         current_statement, error_message) VALUES ({}, {}, {}, {}, {}, {}, {})",
        dialect.string_literal(&attempt.version),
        dialect.string_literal(attempt.direction.name()),
        dialect.string_literal(state),
        attempt.statements_done,
        attempt.statements_total,
        stored_text(dialect, attempt.statement.as_deref()),
        stored_text(dialect, attempt.error.as_deref()),
    )
}

/// SQLite and PostgreSQL: records `attempt`, replacing any earlier row of
/// its version (one statement): as failed (after a failed migration was
/// rolled back, or PostgreSQL outside a transaction: [`attempt_row`]), or
/// as `started` (PostgreSQL, before a run outside a transaction).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(super) fn record_attempt<B, C>(conn: &mut C, attempt: &Attempt, failed: bool) -> QueryResult<()>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    conn.batch_execute(&format!(
        "INSERT INTO __lback_attempts {} \
         ON CONFLICT (version) DO UPDATE SET direction = excluded.direction, \
         state = excluded.state, statements_done = excluded.statements_done, \
         statements_total = excluded.statements_total, \
         current_statement = excluded.current_statement, \
         error_message = excluded.error_message, started_on = CURRENT_TIMESTAMP",
        attempt_row(B::DIALECT, attempt, failed)
    ))
}

/// Before statement `done + 1` of a run outside a transaction runs: how
/// far the run got, and in which state (`started`, or on MySQL `checked`).
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(super) fn progress_sql(
    dialect: Dialect,
    version: &str,
    done: usize,
    statement: &str,
    state: &str,
) -> String {
    format!(
        "UPDATE __lback_attempts SET state = {}, statements_done = {done}, \
         current_statement = {} WHERE version = {}",
        dialect.string_literal(state),
        stored_text(dialect, Some(statement)),
        dialect.string_literal(version)
    )
}

/// MySQL: `state` column value of a failed run.
#[cfg(feature = "mysql")]
pub(super) fn failed_state(attempt: &Attempt) -> &'static str {
    if attempt.changed_nothing() {
        UNTOUCHED
    } else {
        FAILED
    }
}
