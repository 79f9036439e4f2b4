//! The runner on the migrations `lback::embed_migrations!()` compiled into
//! the binary: what `lback::{migrate, rollback, status, resolve}` call.

use diesel::connection::LoadConnection;

use super::backend::TrackedBackend;
use super::run::{run, Hooks, Job};
use super::{embedded, MigrateOptions, MigrationReport, MigrationStatus, Resolution};
use crate::schema::Schema;
use crate::Error;

/// Applies every pending embedded migration, telling `hooks` as each
/// starts and ends: the library side of `migrate`.
pub fn migrate_embedded<B, C>(
    conn: &mut C,
    options: MigrateOptions,
    hooks: &mut dyn Hooks,
) -> Result<MigrationReport, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let set = embedded()?;
    run(
        conn,
        &set.list(),
        Job::Migrate { target: None },
        options,
        hooks,
    )
}

/// Reverts the latest applied change to `table` and every later applied
/// migration that depends on it: the library side of `rollback <table>`.
pub fn rollback_embedded<B, C>(
    conn: &mut C,
    table: &str,
    options: MigrateOptions,
    hooks: &mut dyn Hooks,
) -> Result<MigrationReport, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let set = embedded()?;
    let schema = match set.snapshot {
        Some(text) => Schema::from_snapshot(text)?,
        None => Schema::new(),
    };
    let job = Job::Rollback {
        table,
        schema: &schema,
    };
    run(conn, &set.list(), job, options, hooks)
}

/// [`status`](super::status) of the embedded migrations.
pub fn status_embedded<B, C>(conn: &mut C) -> Result<Vec<MigrationStatus>, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let set = embedded()?;
    Ok(super::status(conn, &set.list())?.0)
}

/// [`resolve`](super::resolve) on the embedded migrations.
pub fn resolve_embedded<B, C>(
    conn: &mut C,
    version: &str,
    resolution: Resolution,
) -> Result<String, Error>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let set = embedded()?;
    super::resolve(conn, &set.list(), version, resolution)
}
