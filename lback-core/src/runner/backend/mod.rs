//! What each database does its own way, behind [`TrackedBackend`]: the
//! tracking tables' SQL, the execution strategy of a migration, and the
//! optional abilities it has (a run-wide [`Locker`]).
//!
//! Like sqlx's `Migrate`, one implementation per database owns its
//! strategy, in a module of its own:
//! - [`sqlite`]: each migration in a transaction whose first statement
//!   takes the write lock, checked again once held; statement by statement;
//!   a table rebuild with foreign keys off outside the transaction and
//!   `pragma_foreign_key_check` before commit. No session lock.
//! - [`postgres`]: each migration and its bookkeeping as one batch in a
//!   transaction; the failing statement found afterwards. Advisory lock.
//! - [`mysql`]: statement by statement with progress rows in
//!   `__lback_attempts` (DDL commits at once); `GET_LOCK`, or on a Galera
//!   cluster the lease (`runner::lease`), which fences every record.
//!
//! The tables and the SQL every database shares are in [`tables`].

// First: its macros are used by the others.
#[macro_use]
mod tables;
#[cfg(feature = "mysql")]
mod mysql;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::QueryResult;

pub(crate) use self::tables::{clear_attempt, forget_sql, record_sql, setup, stored};
pub use self::tables::{Applied, AppliedVersion, StartupRead, StoredChecksum, Tracking};
use super::lock::Fence;
use super::resume::Resume;
use super::step::{Failed, Script};
use super::Attempt;
use crate::sql::Dialect;
use crate::Error;

/// A diesel backend lback can migrate.
pub trait TrackedBackend: Backend + Sized {
    /// Its dialect.
    const DIALECT: Dialect;

    /// The type of the columns holding statements and error messages
    /// (MySQL: utf8mb4, so any text can be stored whatever the database's
    /// default charset; the keys keep the database's, so they compare with
    /// diesel's table). The default: `TEXT`.
    const WIDE_TEXT: &'static str = "TEXT";

    /// The type to cast a timestamp to, to read it as text. The default:
    /// `TEXT`.
    const TEXT_CAST: &'static str = "TEXT";

    /// The type to cast an integer to, to read it as 64 bits. The default:
    /// `BIGINT`.
    const INT_CAST: &'static str = "BIGINT";

    /// Whether each migration runs in a transaction of lback's (SQLite,
    /// PostgreSQL: the default), so its own transaction control is refused
    /// up front.
    const IN_TRANSACTION: bool = true;

    /// Statements that run first in the transaction that moves an earlier
    /// lback's checksums into diesel's table (PostgreSQL locks the old
    /// table, so two sessions moving at once wait instead of deadlocking).
    /// The default: none.
    const BEFORE_CHECKSUM_MOVE: &'static [&'static str] = &[];

    /// Whether `table` (found the way an unqualified name is) has `column`;
    /// `false` when there is no such table. (Each backend's is its
    /// [`column_count_sql`](Self::column_count_sql) run.)
    fn has_column<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        table: &str,
        column: &str,
    ) -> QueryResult<bool>;

    /// The query that counts, as `n`, the columns named `column` of the
    /// table named `table` (both given as string literals): what
    /// [`has_column`](Self::has_column) runs.
    fn column_count_sql(table: &str, column: &str) -> String;

    /// What a start needs, in one query: applied versions with their
    /// checksums (and, on MySQL, whether an attempt is recorded). Fails when
    /// the tables are missing or need setting up.
    fn startup_read<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<StartupRead>;

    /// The applied migrations, with when; with their checksums, or (from a
    /// table lback has not set up, read without changing it) without.
    fn read_applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        with_checksums: bool,
    ) -> QueryResult<Vec<Applied>>;

    /// The unfinished runs in `__lback_attempts`.
    fn read_attempts<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Vec<Attempt>>;

    /// Whether `version` is recorded as applied.
    fn is_applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
    ) -> QueryResult<bool>;

    /// The execution strategy: runs one migration's script and its
    /// bookkeeping. `Ok(false)` when, checked again as its run starts, it
    /// turns out done already (by another process); a failure says how far
    /// the run got ([`Failed::phase`](super::step::Failed)).
    /// Every write that records the run's progress or outcome goes through
    /// `fence` ([`Fence::record`]), so it commits only while the run holds
    /// the lock.
    fn run_script<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        script: &Script<'_>,
        fence: &Fence<'_, C>,
    ) -> Result<bool, Failed>;

    /// After a failed run: records it in `__lback_attempts` (best effort)
    /// and says what the failure left, for the error: rolled back, or
    /// (MySQL) what took effect and the ways out. The record goes through
    /// `fence`, as in [`run_script`](Self::run_script).
    fn after_failure<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        attempt: &Attempt,
        fence: &Fence<'_, C>,
    ) -> String;

    /// Where a run of `script` that stopped half way (`attempt`, recorded
    /// as started by a process that ended: [`Locker::took_over`]) may go
    /// on, when lback can be certain of what its statement in flight did
    /// ([`Resume`]); `None` keeps it dirty. The default: never.
    fn resume_point<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        script: &Script<'_>,
        attempt: &Attempt,
    ) -> QueryResult<Option<Resume>> {
        let _ = (conn, script, attempt);
        Ok(None)
    }

    /// The lock that serializes lback runs on this database, if it has
    /// one: an optional ability, asked for once per run (see [`Locker`]).
    /// Also readies the session for a run (SQLite raises its busy timeout,
    /// so other processes' write locks are waited for).
    fn locker<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<Option<Box<dyn Locker<C>>>>;
}

/// A lock that serializes lback runs on one database: PostgreSQL's
/// advisory lock, MySQL's `GET_LOCK`, or (a MariaDB Galera cluster, whose
/// nodes do not share `GET_LOCK`, or `LBACK_LOCK=lease`) the lease row of
/// [`lease`](crate::runner::lease). A database without one (SQLite) has
/// no `Locker`; its strategy takes the write lock per migration.
///
/// A lock that can be lost while held (the lease, taken over when its
/// holder stops renewing it) fences the run's records
/// ([`fenced`](Self::fenced)) and refuses what cannot run under it
/// ([`refuse`](Self::refuse)); a session lock keeps the defaults.
pub trait Locker<C> {
    /// Takes the lock, waiting for another run to finish; fails when it
    /// cannot be had (after a long wait).
    fn acquire(&self, conn: &mut C) -> QueryResult<()>;

    /// Releases it (also released when the session ends).
    fn release(&self, conn: &mut C) -> QueryResult<()>;

    /// Whether no session holds it now, so a run recorded as started
    /// is one that died, not one in progress.
    fn is_free(&self, conn: &mut C) -> QueryResult<bool>;

    /// Whether, as held now, any run recorded as started by another
    /// process is known to have ended, its writes fenced off: a session
    /// lock (`GET_LOCK`) is released only when its session ends, after the
    /// statement it was running; a lease taken over from a holder that
    /// stopped renewing it can no longer record anything. Only then may a run left half way
    /// be resumed (MySQL/MariaDB). The default: not known.
    ///
    /// (The lease's side: `lease::Lease::took_over`, feature `mysql`.)
    fn took_over(&self) -> bool {
        false
    }

    /// Runs `record`, a write that records a run's progress or outcome, so
    /// that it commits only while this lock is held by this run. A session
    /// lock cannot be lost: the default just runs it.
    fn fenced(
        &self,
        conn: &mut C,
        record: &mut dyn FnMut(&mut C) -> QueryResult<()>,
    ) -> QueryResult<()> {
        record(conn)
    }

    /// Refuses, before anything runs, a script that cannot run under this
    /// lock while it is held. The default refuses nothing.
    fn refuse(&self, scripts: &[Script<'_>]) -> Result<(), Error> {
        let _ = scripts;
        Ok(())
    }
}
