//! The runner's own failures, and the one helper that gives them context.
//!
//! A query of lback's (its tracking tables, its lock) that fails becomes a
//! [`QueryError`]: what lback was doing, with the database's error as its
//! [`source`](std::error::Error::source). It converts into
//! [`Error::Query`](crate::Error::Query), so `?` carries it up.

use crate::error::Cause;

/// A query of lback's own failed.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source}")]
pub struct QueryError {
    /// What lback was doing, e.g. `taking lback's migration lock`.
    pub context: &'static str,
    /// The database's error.
    #[source]
    pub source: Cause,
}

/// Says what lback was doing when a query failed: the runner's one
/// context helper.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(crate) trait Context<T> {
    /// The error, as a [`QueryError`] saying what lback was `doing`.
    fn context(self, doing: &'static str) -> Result<T, QueryError>;
}

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
impl<T, E> Context<T> for Result<T, E>
where
    E: std::error::Error + Send + Sync + 'static,
{
    fn context(self, doing: &'static str) -> Result<T, QueryError> {
        self.map_err(|e| QueryError {
            context: doing,
            source: Box::new(e),
        })
    }
}
