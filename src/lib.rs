#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
// The README and `lback::build` show build scripts: their `fn main` is the point.
#![allow(clippy::needless_doctest_main)]

pub use lback_core::schema;
pub use lback_core::schema::Schema;
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

pub use lback_core::runner::{
    Attempt, Direction, MigrateOptions, MigrationReport, MigrationState, MigrationStatus,
    OnChanged, Resolution,
};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use lback_core::runner::{Hooks, StepInfo};

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
    lback_core::runner::migrate_embedded(conn, MigrateOptions::default(), &mut ())
}

/// [`migrate`] with options: e.g. only warn (in the report) about an applied
/// migration whose SQL changed since, instead of refusing to run.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn migrate_with<C>(conn: &mut C, options: MigrateOptions) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    lback_core::runner::migrate_embedded(conn, options, &mut ())
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
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    lback_core::runner::migrate_embedded(conn, options, hooks)
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
    lback_core::runner::rollback_embedded(conn, table, MigrateOptions::default(), &mut ())
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
    lback_core::runner::status_embedded(conn)
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
    lback_core::runner::resolve_embedded(conn, version, resolution)
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
