//! Holding lback's migration lock around a run: asked of the backend once
//! ([`TrackedBackend::locker`]); a database without one (SQLite) runs
//! without, its strategy taking the write lock per migration.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use diesel::connection::LoadConnection;
use diesel::QueryResult;

use super::backend::{Locker, TrackedBackend};
use super::error::Context;
use super::step::Script;
use crate::Error;

/// Runs `work` holding lback's migration lock, so processes that start at
/// once run one after the other and each plans under the lock (what is
/// pending is computed after it is held). The lock is released on every
/// path, errors and panics included (a pooled connection would keep it).
pub fn locked<B, C, T>(
    conn: &mut C,
    work: impl FnOnce(&mut C) -> Result<T, Error>,
) -> Result<T, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    fenced(conn, |conn, _| work(conn))
}

/// [`locked`], and `work` is given the lock as held ([`Fence`]), for the
/// run's records and refusals.
pub(crate) fn fenced<B, C, T>(
    conn: &mut C,
    work: impl FnOnce(&mut C, &Fence<'_, C>) -> Result<T, Error>,
) -> Result<T, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let Some(locker) = B::locker(conn).context("taking lback's migration lock")? else {
        return work(conn, &Fence::none());
    };
    locker
        .acquire(conn)
        .context("taking lback's migration lock")?;
    let fence = Fence {
        locker: Some(&*locker),
    };
    let result = catch_unwind(AssertUnwindSafe(|| work(conn, &fence)));
    let released = locker.release(conn);
    match result {
        Ok(Ok(value)) => {
            released.context("releasing lback's migration lock")?;
            Ok(value)
        }
        Ok(Err(error)) => Err(error),
        Err(panic) => resume_unwind(panic),
    }
}

/// The lock as a run holds it, handed to what records the run: a record
/// goes through [`record`](Self::record), so it commits only while the
/// lock is held (the lease's fence); [`refuse`](Self::refuse) checks the
/// scripts against what the lock cannot run under.
pub struct Fence<'a, C> {
    locker: Option<&'a dyn Locker<C>>,
}

impl<C> Fence<'_, C> {
    /// No lock held (SQLite): records just run.
    pub fn none() -> Self {
        Fence { locker: None }
    }

    /// Runs `record` fenced by the lock ([`Locker::fenced`]).
    pub fn record(
        &self,
        conn: &mut C,
        mut record: impl FnMut(&mut C) -> QueryResult<()>,
    ) -> QueryResult<()> {
        match self.locker {
            Some(locker) => locker.fenced(conn, &mut record),
            None => record(conn),
        }
    }

    /// Whether runs recorded as started by others are known to have ended
    /// ([`Locker::took_over`]).
    pub fn took_over(&self) -> bool {
        self.locker.is_some_and(|locker| locker.took_over())
    }

    /// Refuses scripts that cannot run under the lock ([`Locker::refuse`]).
    pub fn refuse(&self, scripts: &[Script<'_>]) -> Result<(), Error> {
        self.locker.map_or(Ok(()), |locker| locker.refuse(scripts))
    }
}

/// Whether no session holds lback's migration lock now (so a run recorded
/// as started died, rather than goes on). `true` where there is no lock,
/// or when asking fails.
pub(crate) fn lock_is_free<B, C>(conn: &mut C) -> bool
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    match B::locker(conn) {
        Ok(Some(locker)) => locker.is_free(conn).unwrap_or(true),
        _ => true,
    }
}
