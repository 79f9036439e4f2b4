//! Rendering operations to SQL for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Every identifier goes through [`Dialect::quote`], every literal through
//! [`Dialect::string_literal`] / [`Dialect::default_literal`].

mod check;
mod dialect;
mod render;
mod split;
mod sqlite;

pub use check::check_dialect;
pub use dialect::Dialect;
pub use render::{primary_key_name, render, Rendered};
pub use split::{split_cleanly, split_statements};
