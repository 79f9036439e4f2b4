#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// The README and `lback::build` show build scripts: their `fn main` is the point.
#![allow(clippy::needless_doctest_main)]

pub use lback_core::schema;
pub use lback_core::schema::Schema;
pub use lback_core::schema_rs;
pub use lback_core::sql::Dialect;
pub use lback_core::{models, registry, try_registry, Error, HasColumnType, Model, ModelEntry};

/// Records the struct's table in lback's registry.
///
/// See [the crate documentation](crate#attributes) for the attributes, and
/// [`registry`] for how models are collected.
#[cfg(feature = "derive")]
pub use lback_derive::Model;

/// Embeds the migrations folder into the binary, for [`migrate`].
///
/// `lback::embed_migrations!();` embeds `./migrations` (relative to the
/// crate's `Cargo.toml`); `lback::embed_migrations!("db/migrations");`
/// another folder. A migration generated after the last build is embedded
/// by the next `cargo build`: the macro tracks the snapshot that every
/// `makemigrations` rewrites.
#[cfg(feature = "derive")]
pub use lback_derive::embed_migrations;

pub use lback_core::drift::{Difference, Drift, OnDrift};
pub use lback_core::runner::{
    Attempt, Direction, MigrateOptions, MigrationReport, MigrationState, MigrationStatus,
    OnChanged, Resolution,
};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use lback_core::runner::{Hooks, Reach, StepInfo};

/// Keeps lback's migration lease renewed from a second connection to
/// `url` (the database `conn` is connected to) while [`migrate`] and the
/// other runs on this thread hold it, until the returned guard is dropped.
///
/// The lease is lback's lock on a MariaDB Galera cluster (or with
/// `LBACK_LOCK=lease`): a row that another process takes over when its
/// holder has not renewed it for `LBACK_LEASE_SECONDS` (60 by default).
/// Given only a connection, `migrate` renews it between statements, so a
/// single statement that runs longer than that lets a waiting process take
/// over. With the guard, a thread of lback's renews it every third of the
/// time, from its own connection, while a statement runs (the `lback`
/// command does this with its `--database-url`). Elsewhere the guard does
/// nothing. See the README, "Running on a cluster".
///
/// ```no_run
/// use diesel::Connection;
///
/// let url = std::env::var("DATABASE_URL")?;
/// let mut conn = diesel::MysqlConnection::establish(&url)?;
/// let _lease = lback::keep_lease_alive(&url);
/// lback::migrate(&mut conn)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(feature = "mysql")]
pub fn keep_lease_alive(url: &str) -> lback_core::runner::lease::KeepaliveUrl {
    lback_core::runner::lease::keep_alive_from(url)
}

/// The command line: put `fn main() -> std::process::ExitCode {
/// lback::cli::main() }` in `src/bin/manage.rs`.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub mod cli {
    pub use lback_core::cli::{
        main, main_with, run, Cli, Command, Models, EXIT_CHANGES, EXIT_FAILED, EXIT_USAGE,
    };
}

/// Applies the pending migrations that [`embed_migrations!`] compiled into
/// the binary, each in a transaction where the database allows; returns
/// what ran.
///
/// A start with nothing pending costs one query of the tracking table and
/// takes no lock. When something is pending, replicas starting at once are
/// safe: a lock per database makes them run one after the other, each
/// planning again under the lock. An applied migration
/// whose SQL changed since is refused ([`migrate_with`] can make that a
/// warning); an applied version no migration has is reported.
///
/// Works on `SqliteConnection`, `PgConnection`, `MysqlConnection` and, with
/// the `r2d2` feature, their pooled connections.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn migrate<C>(conn: &mut C) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    let migrations = lback_core::runner::embedded()?.list();
    let job = lback_core::runner::Job::Migrate { target: None };
    lback_core::runner::run(conn, &migrations, job, MigrateOptions::default(), &mut ())
}

/// [`migrate`] with options: e.g. only warn (in the report) about an applied
/// migration whose SQL changed since, instead of refusing to run; or, after
/// applying, look for drift ([`check_drift`]) and warn
/// ([`MigrateOptions::warn_on_drift`]) or fail with [`Error::Drift`]
/// ([`MigrateOptions::refuse_drift`]).
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn migrate_with<C>(conn: &mut C, options: MigrateOptions) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection
        + lback_core::diesel::connection::LoadConnection
        + lback_core::introspect::Introspect,
    C::Backend: lback_core::runner::TrackedBackend,
{
    migrate_with_hooks(conn, options, &mut ())
}

/// [`migrate_with`], telling `hooks` what happens as it happens: each
/// migration as it starts and ends, with its time (progress), and the
/// warnings.
///
/// ```
/// use std::time::Duration;
///
/// use diesel::Connection;
///
/// lback::embed_migrations!("tests/fixtures/library/migrations");
///
/// struct Progress;
///
/// impl lback::Hooks for Progress {
///     fn started(&mut self, step: &lback::StepInfo<'_>) {
///         println!("applying {} ({}/{})", step.id, step.number, step.of);
///     }
///     fn finished(&mut self, step: &lback::StepInfo<'_>, elapsed: Duration, _ran: bool) {
///         println!("applied {} in {elapsed:?}", step.id);
///     }
/// }
///
/// let mut conn = diesel::SqliteConnection::establish(":memory:")?;
/// lback::migrate_with_hooks(&mut conn, lback::MigrateOptions::default(), &mut Progress)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn migrate_with_hooks<C>(
    conn: &mut C,
    options: MigrateOptions,
    hooks: &mut dyn Hooks,
) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection
        + lback_core::diesel::connection::LoadConnection
        + lback_core::introspect::Introspect,
    C::Backend: lback_core::runner::TrackedBackend,
{
    let migrations = lback_core::runner::embedded()?.list();
    let job = lback_core::runner::Job::Migrate { target: None };
    let report = lback_core::runner::run(conn, &migrations, job, options, hooks)?;
    lback_core::drift::after_migrate_embedded(conn, options.on_drift, report)
}

/// Compares the live database with the schema its embedded migrations
/// build (the snapshot `embed_migrations!` compiled in): the library side
/// of `manage check`. Each difference (extra or missing table or column,
/// another type, nullability or default, index, unique constraint, foreign
/// key or its actions) is a [`Difference`]; what the database cannot store
/// or report is never one.
///
/// ```
/// use diesel::connection::SimpleConnection;
/// use diesel::Connection;
///
/// lback::embed_migrations!("tests/fixtures/library/migrations");
///
/// let mut conn = diesel::SqliteConnection::establish(":memory:")?;
/// lback::migrate(&mut conn)?;
/// assert!(lback::check_drift(&mut conn)?.is_empty());
/// conn.batch_execute("ALTER TABLE authors ADD COLUMN hotfix TEXT")?;
/// let drift = lback::check_drift(&mut conn)?;
/// assert_eq!(drift.lines(), ["extra column `authors.hotfix`"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn check_drift<C>(conn: &mut C) -> Result<Drift, Error>
where
    C: lback_core::diesel::Connection
        + lback_core::diesel::connection::LoadConnection
        + lback_core::introspect::Introspect,
    C::Backend: lback_core::runner::TrackedBackend,
{
    lback_core::drift::check_embedded(conn)
}

/// Reverts the latest applied migration that changed `table`, and every
/// later applied migration that depends on it, newest first: the library
/// side of `manage rollback <table>`.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn rollback<C>(conn: &mut C, table: &str) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    rollback_with(conn, table, MigrateOptions::default(), &mut ())
}

/// [`rollback`] with options and [`Hooks`]: e.g. refuse a rollback that
/// reaches tables other than `table` or drops data, as the command line
/// asks about it first ([`Hooks::confirm_rollback`]; [`rollback`] goes on,
/// the call being its caller's decision).
///
/// ```
/// use diesel::Connection;
///
/// lback::embed_migrations!("tests/fixtures/library/migrations");
///
/// struct OnlyThatTable;
///
/// impl lback::Hooks for OnlyThatTable {
///     fn confirm_rollback(&mut self, reach: &lback::Reach<'_>) -> Result<(), lback::Error> {
///         Err(lback::Error::RollbackNotConfirmed {
///             table: reach.table.to_owned(),
///             why: reach.reasons(),
///         })
///     }
/// }
///
/// let mut conn = diesel::SqliteConnection::establish(":memory:")?;
/// lback::migrate(&mut conn)?;
/// // Reverting `authors` reverts `books` first: refused, nothing changed.
/// let options = lback::MigrateOptions::default();
/// assert!(lback::rollback_with(&mut conn, "authors", options, &mut OnlyThatTable).is_err());
/// assert!(lback::migrate(&mut conn)?.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn rollback_with<C>(
    conn: &mut C,
    table: &str,
    options: MigrateOptions,
    hooks: &mut dyn Hooks,
) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    let set = lback_core::runner::embedded()?;
    let schema = set.schema()?;
    let job = lback_core::runner::Job::Rollback {
        table,
        schema: &schema,
    };
    lback_core::runner::run(conn, &set.list(), job, options, hooks)
}

/// Every embedded migration with its state in the database: applied (with
/// when), pending, failed (rolled back; the next [`migrate`] tries again) or
/// dirty (a run stopped half way on MySQL/MariaDB; [`migrate`] refuses until
/// it is [resolved](resolve)). The library side of `manage showmigrations`.
///
/// ```
/// use diesel::Connection;
///
/// lback::embed_migrations!("tests/fixtures/library/migrations");
///
/// let mut conn = diesel::SqliteConnection::establish(":memory:")?;
/// lback::migrate(&mut conn)?;
/// for status in lback::status(&mut conn)? {
///     assert_eq!(status.state(), lback::MigrationState::Applied);
///     println!("{status}"); // [X] 20261125004509_create_authors  (applied ...)
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn status<C>(conn: &mut C) -> Result<Vec<MigrationStatus>, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    let migrations = lback_core::runner::embedded()?.list();
    Ok(lback_core::runner::status(conn, &migrations)?.0)
}

/// Records how a dirty migration was put right by hand, so [`migrate`] can
/// go on: the library side of `manage resolve <version> --applied |
/// --not-applied`. The error [`migrate`] refuses with
/// ([`Error::Dirty`]) says which to use, and what to do first. Refuses
/// when the migration has no unfinished run. Returns what it recorded.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn resolve<C>(conn: &mut C, version: &str, resolution: Resolution) -> Result<String, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    let migrations = lback_core::runner::embedded()?.list();
    lback_core::runner::resolve(conn, &migrations, version, resolution)
}

/// Records embedded migrations as applied without running them (with the
/// checksum of their SQL), for a database that already has their changes
/// (a baseline made by `inspect`, a tool that set the schema up): the
/// library side of `manage migrate --fake [<version>]`. Without a target,
/// every pending migration; with one, what `migrate <version>` would apply
/// is recorded as applied and what it would revert as not applied. An
/// unknown version is refused. The report lists what was recorded.
///
/// ```
/// use diesel::Connection;
///
/// lback::embed_migrations!("tests/fixtures/library/migrations");
///
/// let mut conn = diesel::SqliteConnection::establish(":memory:")?;
/// let report = lback::fake(&mut conn, Some("20261125004509"))?;
/// assert_eq!(report.applied, ["20261125004509_create_authors"]);
/// assert!(lback::fake(&mut conn, Some("19990101000000")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn fake<C>(conn: &mut C, target: Option<&str>) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    lback_core::adopt::fake_embedded(conn, target)
}

/// Build-script generation: a plain `cargo build` writes the migration
/// when the models changed, and embeds it.
///
/// A build script should depend on the `lback-build` crate (the same API,
/// `lback_build::run()`): cargo applies a feature an application forwards
/// to lback (`pg = ["lback/postgres"]`) to every dependency named `lback`,
/// build dependencies included. This module serves build scripts that
/// depend on `lback` with its `build` feature and forward no feature to it.
///
/// ```no_run
/// // build.rs, with `[build-dependencies] lback = { version = "0.1",
/// // default-features = false, features = ["build"] }`
/// fn main() {
///     lback::build::run();
/// }
/// ```
///
/// See [the crate documentation](crate#build-script-generation) for the
/// modes, the environment variables and what cargo watches, and
/// [`Builder`](build::Builder) for the settings.
#[cfg(feature = "build")]
pub mod build {
    pub use lback_core::build::{
        run, Builder, Cfg, Dialect, FoundModels, Mode, Report, SourceError, MODE_VAR, NAME_VAR,
    };
}

#[doc(hidden)]
pub mod __private {
    pub use lback_core::__private::*;
}
