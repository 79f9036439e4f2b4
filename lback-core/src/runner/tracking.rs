//! Reading the tracking tables: one way, [`Tracking::read`], which either
//! sets them up when they cannot be read ([`Access::SetUp`], what a run
//! does) or reads them as they are ([`Access::AsItIs`], for a user who may
//! only read). A start's cheaper projection of the same table,
//! [`nothing_pending`](super::nothing_pending), reads versions and
//! checksums in one query ([`TrackedBackend::startup_read`]).

use diesel::connection::LoadConnection;

use super::backend::{setup, TrackedBackend, Tracking};
use super::error::Context;
use crate::Error;

/// How the tracking tables may be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Set them up (create, or bring up to date) when reading fails: what
    /// a run does, under the lock.
    SetUp,
    /// Change nothing: applied versions without checksums when diesel's
    /// table lacks lback's column, no attempts when lback's table is
    /// missing. Fails only when even diesel's table cannot be read.
    AsItIs,
}

impl Tracking {
    /// What the tracking tables hold: applied versions (oldest first) and
    /// unfinished runs (by version).
    pub fn read<B, C>(conn: &mut C, access: Access) -> Result<Tracking, Error>
    where
        B: TrackedBackend,
        C: LoadConnection<Backend = B>,
    {
        let mut tracking = match access {
            Access::SetUp => Self::read_or_set_up(conn)?,
            Access::AsItIs => Self::read_as_it_is(conn)?,
        };
        tracking.applied.sort_by(|a, b| a.version.cmp(&b.version));
        tracking.attempts.sort_by(|a, b| a.version.cmp(&b.version));
        Ok(tracking)
    }

    fn read_or_set_up<B, C>(conn: &mut C) -> Result<Tracking, Error>
    where
        B: TrackedBackend,
        C: LoadConnection<Backend = B>,
    {
        let read = |conn: &mut C| {
            Ok::<_, diesel::result::Error>(Tracking {
                applied: B::read_applied(conn, true)?,
                attempts: B::read_attempts(conn)?,
            })
        };
        if let Ok(tracking) = read(conn) {
            return Ok(tracking);
        }
        setup::<B, C>(conn).context("creating lback's tracking tables")?;
        Ok(read(conn).context("reading applied migrations")?)
    }

    fn read_as_it_is<B, C>(conn: &mut C) -> Result<Tracking, Error>
    where
        B: TrackedBackend,
        C: LoadConnection<Backend = B>,
    {
        let applied = B::read_applied(conn, true)
            .or_else(|_| B::read_applied(conn, false))
            .context("reading applied migrations")?;
        let attempts = B::read_attempts(conn).unwrap_or_default();
        Ok(Tracking { applied, attempts })
    }
}
