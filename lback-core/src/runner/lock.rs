//! Holding lback's migration lock around a run: asked of the backend once
//! ([`TrackedBackend::locker`]); a database without one (SQLite) runs
//! without, its strategy taking the write lock per migration.

use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use diesel::connection::LoadConnection;

use super::backend::TrackedBackend;
use super::error::Context;
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
    let Some(locker) = B::locker(conn).context("taking lback's migration lock")? else {
        return work(conn);
    };
    locker
        .acquire(conn)
        .context("taking lback's migration lock")?;
    let result = catch_unwind(AssertUnwindSafe(|| work(conn)));
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
