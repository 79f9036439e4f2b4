//! `resolve <version> --applied | --not-applied`: recording how a dirty
//! migration was put right by hand.

use diesel::connection::LoadConnection;

use super::backend::{clear_attempt, forget_sql, record_sql, TrackedBackend, Tracking};
use super::error::Context;
use super::lock::fenced;
use super::tracking::Access;
use super::{find, Attempt, MigrationSql, Resolution};
use crate::sql::Dialect;
use crate::Error;

/// Records how a dirty migration was put right, under the lock: as applied
/// (with the checksum of its up SQL) or as not applied; either way its
/// unfinished run is cleared. Refuses when the migration has no unfinished
/// run. Returns a sentence saying what it recorded.
pub fn resolve<B, C>(
    conn: &mut C,
    migrations: &[&dyn MigrationSql],
    version: &str,
    resolution: Resolution,
) -> Result<String, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    // A migration here, or (its folder since deleted) the version of a
    // dirty run, which can still be cleared.
    let found = match find(migrations, version) {
        Ok(m) => Ok((
            m.version().to_owned(),
            m.id().into_owned(),
            Some(m.up(B::DIALECT)?.into_owned()),
        )),
        Err(unknown) => Err(unknown),
    };
    fenced(conn, |conn, fence| {
        let tracking = Tracking::read(conn, Access::SetUp)?;
        let (version, id, up) = match found {
            Ok(found) => found,
            Err(unknown) => match tracking.attempts.iter().find(|a| a.version == version) {
                Some(a) => (a.version.clone(), a.version.clone(), None),
                None => return Err(unknown),
            },
        };
        let applied = tracking.applied.iter().any(|a| a.version == version);
        let attempt = tracking.attempts.iter().find(|a| a.version == version);
        refuse_unless_dirty(attempt, &id, applied, B::DIALECT)?;
        let sql = resolution_sql(B::DIALECT, resolution, applied, &version, up.as_deref())?;
        fence
            .record(conn, |conn| {
                conn.transaction(|conn| conn.batch_execute(&sql))
            })
            .context("recording the resolution")?;
        Ok(match resolution {
            Resolution::Applied => {
                format!("Recorded {id} as applied; migrate goes on with the migrations after it.")
            }
            Resolution::NotApplied => format!(
                "Recorded {id} as not applied; the next migrate runs it from its first statement."
            ),
        })
    })
}

/// Only a dirty migration has anything to resolve.
fn refuse_unless_dirty(
    attempt: Option<&Attempt>,
    id: &str,
    applied: bool,
    dialect: Dialect,
) -> Result<(), Error> {
    match attempt {
        Some(a) if a.is_dirty(dialect) => Ok(()),
        Some(_) => Err(Error::NothingToResolve {
            migration: id.to_owned(),
            state: "failed and rolled back, so the database is as before it; \
                    correct it and run migrate again",
        }),
        None => Err(Error::NothingToResolve {
            migration: id.to_owned(),
            state: if applied { "applied" } else { "pending" },
        }),
    }
}

/// The SQL that records the resolution (it also clears the attempt).
fn resolution_sql(
    dialect: Dialect,
    resolution: Resolution,
    applied: bool,
    version: &str,
    up: Option<&str>,
) -> Result<String, Error> {
    Ok(match (resolution, applied, up) {
        (Resolution::Applied, false, Some(up)) => {
            record_sql(dialect, version, &super::checksum(up))
        }
        (Resolution::Applied, false, None) => {
            return Err(Error::Usage(format!(
                "no migration here has version {version}, so it cannot be recorded as applied; \
                 restore its folder, or put the database back and use --not-applied"
            )))
        }
        (Resolution::NotApplied, true, _) => forget_sql(dialect, version),
        _ => clear_attempt(dialect, version),
    })
}
