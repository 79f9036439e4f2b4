//! Where each migration stands in a database (`showmigrations`,
//! `lback::status`).

use diesel::connection::LoadConnection;

use super::backend::{TrackedBackend, Tracking};
use super::lock::lock_is_free;
use super::tracking::Access;
use super::{MigrationSql, MigrationStatus};
use crate::Error;

/// Every migration with its state (applied, pending, failed, dirty),
/// plus versions applied to the database that `migrations` does not
/// know. Dirty runs of versions `migrations` does not know are listed
/// as statuses with the version as id.
pub fn status<B, C>(
    conn: &mut C,
    migrations: &[&dyn MigrationSql],
) -> Result<(Vec<MigrationStatus>, Vec<String>), Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    // A user who may only read (monitoring) cannot set the tables up:
    // read them as they are.
    let tracking = match Tracking::read(conn, Access::SetUp) {
        Ok(tracking) => tracking,
        Err(error) => Tracking::read(conn, Access::AsItIs).map_err(|_| error)?,
    };
    // A run recorded as started is going on right now if another
    // session holds the lock; otherwise it died.
    let lock_free = !tracking.attempts.iter().any(|a| a.interrupted) || lock_is_free::<B, C>(conn);
    let of = |version: &str, id: String| {
        let last_attempt = tracking
            .attempts
            .iter()
            .find(|a| a.version == version)
            .cloned();
        MigrationStatus {
            id,
            version: version.to_owned(),
            applied_on: tracking
                .applied
                .iter()
                .find(|a| a.version == version)
                .map(|a| a.run_on.clone()),
            running: !lock_free && last_attempt.as_ref().is_some_and(|a| a.interrupted),
            dirty: lock_free
                && last_attempt
                    .as_ref()
                    .is_some_and(|a| a.is_dirty(B::DIALECT)),
            last_attempt,
        }
    };
    let mut statuses: Vec<MigrationStatus> = migrations
        .iter()
        .map(|m| of(m.version(), m.id().into_owned()))
        .collect();
    let known = |v: &str| migrations.iter().any(|m| m.version() == v);
    statuses.extend(
        tracking
            .attempts
            .iter()
            .filter(|a| !known(&a.version))
            .map(|a| of(&a.version, a.version.clone())),
    );
    let unknown = tracking
        .applied
        .iter()
        .map(|a| a.version.clone())
        .filter(|v| !known(v))
        .collect();
    Ok((statuses, unknown))
}
