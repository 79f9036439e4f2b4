//! Rendering operations to SQL for SQLite, PostgreSQL and MySQL/MariaDB.
//!
//! Every identifier goes through [`Dialect::quote`], every literal through
//! [`Dialect::string_literal`] / [`Dialect::default_literal`].

mod check;
mod ddl;
mod dialect;
mod guard;
mod locks;
mod online;
mod render;
mod server;
mod split;
mod sqlite;

pub use check::check_dialect;
pub use ddl::primary_key_name;
pub use dialect::Dialect;
pub use guard::{guard_statements, is_guard_call};
pub use locks::{lock_report, lock_report_with, LockReport};
pub use online::split_online;
pub use render::{render, render_down, render_down_with, render_with, RenderOptions, Rendered};
pub use split::{split_cleanly, split_statements};
