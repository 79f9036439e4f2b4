//! Build-script generation for [lback](https://docs.rs/lback): a plain
//! `cargo build` keeps the migrations in step with the models, writing the
//! new migration when a model changed, and the same build embeds it.
//!
//! ```toml
//! # Cargo.toml
//! [build-dependencies]
//! lback-build = "0.1"
//! ```
//!
//! ```no_run
//! // build.rs
//! fn main() {
//!     lback_build::Builder::new()
//!         // only for the project's first migration; then migrations/.lback/settings.json decides
//!         .dialects([lback_build::Dialect::Sqlite])
//!         .run();
//! }
//! ```
//!
//! This crate is the build-script side of lback and nothing else: it
//! brings no database, no diesel, no command line. It is a crate of its own
//! (the convention of prost-build and tonic-build) because cargo applies a
//! feature the application forwards to lback (`[features] pg =
//! ["lback/postgres"]`) to every dependency named `lback`, build
//! dependencies included: a build script depending on `lback` would then
//! compile diesel with other features than the application, which fails.
//! No feature is ever forwarded to `lback-build`.
//!
//! The modes (`LBACK_BUILD=generate|check|off`), the migration's name
//! (`LBACK_MIGRATION_NAME`), what cargo watches and the limits of reading
//! models from source are described on [`Builder`] and in lback's README
//! ("Build-script generation").

// The examples are build scripts: their `fn main` is the point.
#![allow(clippy::needless_doctest_main)]
#![warn(missing_docs)]

pub use lback_core::build::{
    run, Builder, Cfg, Dialect, FoundModels, Mode, Report, SourceError, MODE_VAR, NAME_VAR,
};
