//! Rendering operations to SQL, one module per dialect.

mod dialect;

pub use dialect::Dialect;
