//! The engine behind [lback](https://docs.rs/lback): the schema model, the
//! attribute parser shared by the derive and the build script, and the
//! model registry.
//!
//! Applications depend on the `lback` crate, which re-exports what is public
//! here; this crate is an implementation detail whose API may change.

#![warn(missing_docs)]

#[cfg(feature = "build")]
pub mod build;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub mod cli;
pub mod diff;
mod error;
pub mod introspect;
mod mapping;
pub mod migrations;
#[cfg(feature = "parse")]
pub mod parse;
mod registry;
pub mod runner;
pub mod schema;
pub mod sql;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use diesel;
pub use error::{Cause, Error, SourceError};
pub use mapping::HasColumnType;
pub use registry::{models, registry, try_registry, Model, ModelEntry};

#[doc(hidden)]
pub mod __private {
    pub use crate::runner::{DialectSql, EmbeddedMigration, EmbeddedSet};
    pub use crate::schema::{
        Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Table,
        UniqueConstraint,
    };
    pub use crate::{HasColumnType, ModelEntry};
    pub use inventory;
    pub use std::borrow::Cow;

    /// `ColumnType::is_integer` on a value, for constant evaluation (a
    /// borrowed temporary with drop glue is not allowed there).
    pub const fn is_integer(ty: ColumnType) -> bool {
        let integer = ty.is_integer();
        std::mem::forget(ty);
        integer
    }
}
