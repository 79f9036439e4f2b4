#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

pub use lback_core::schema;
pub use lback_core::schema::Schema;
pub use lback_core::{models, registry, try_registry, Error, HasColumnType, Model, ModelEntry};

/// Records the struct's table in lback's registry.
///
/// See [the crate documentation](crate#attributes) for the attributes, and
/// [`registry`] for how models are collected.
#[cfg(feature = "derive")]
pub use lback_derive::Model;

#[doc(hidden)]
pub mod __private {
    pub use lback_core::__private::*;
}
