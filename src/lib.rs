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

pub use lback_core::runner::{MigrateOptions, MigrationReport, OnChanged};

/// The command line: put `fn main() -> std::process::ExitCode {
/// lback::cli::main() }` in `src/bin/manage.rs`.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub mod cli {
    pub use lback_core::cli::{
        main, main_with, run, Cli, Command, Models, EXIT_CHANGES, EXIT_FAILED,
    };
}

/// Applies the pending migrations that [`embed_migrations!`] compiled into
/// the binary, each in a transaction where the database allows; returns
/// what ran.
///
/// Replicas starting at once are safe: a lock per database makes them run
/// one after the other, each planning under the lock. An applied migration
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
    lback_core::runner::migrate_embedded(conn, MigrateOptions::default())
}

/// [`migrate`] with options: e.g. only warn (in the report) about an applied
/// migration whose SQL changed since, instead of refusing to run.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub fn migrate_with<C>(conn: &mut C, options: MigrateOptions) -> Result<MigrationReport, Error>
where
    C: lback_core::diesel::Connection + lback_core::diesel::connection::LoadConnection,
    C::Backend: lback_core::runner::TrackedBackend,
{
    lback_core::runner::migrate_embedded(conn, options)
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
    lback_core::runner::rollback_embedded(conn, table, MigrateOptions::default())
}

/// Build-script generation: a plain `cargo build` writes the migration
/// when the models changed, and embeds it.
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
