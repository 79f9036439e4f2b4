//! Introspection: reading a live database back into a [`Schema`].
//!
//! [`sqlite`], [`postgres`] and [`mysql`] read the catalogs of a connected
//! database (each behind the lback-core feature of the same name) and build
//! the schema lback's renderers would have had to write to produce it: types
//! are read back from [`Dialect::type_name`]'s spellings, defaults from
//! [`Dialect::default_literal`]'s, and everything else from the catalog's own
//! tables, never from parsing `CREATE TABLE` text (except SQLite's
//! `AUTOINCREMENT`, which only that text records).
//!
//! A database does not store everything a model says: PostgreSQL turns
//! `NUMERIC(10)` into `numeric(10,0)`, MariaDB keeps no difference between a
//! unique constraint and a unique index, SQLite does not name foreign keys.
//! [`canonical`] turns a model schema into what a dialect can store and
//! report, so `canonical(&model, dialect) == introspected` is the test that
//! a database matches its models.
//!
//! What is read and how:
//!
//! - Tables whose names start with `__` (diesel's and lback's bookkeeping)
//!   and SQLite's own `sqlite_*` tables are skipped. PostgreSQL reads the
//!   tables of `current_schema()`, MySQL those of `DATABASE()`.
//! - Columns come in ordinal order; indexes, unique constraints and foreign
//!   keys each sorted by name (as the attribute parser sorts them).
//! - A type no lback type renders to is [`ColumnType::Custom`] with the
//!   database's own spelling (`format_type` on PostgreSQL, `COLUMN_TYPE` on
//!   MySQL, the declared text on SQLite).
//! - A default that is a literal is read by the column's type (integer
//!   columns give [`DefaultValue::Int`], float and decimal columns
//!   [`DefaultValue::Float`], boolean columns [`DefaultValue::Bool`], text,
//!   date/time, uuid and json columns a quoted [`DefaultValue::Text`]);
//!   anything else is [`DefaultValue::Sql`] with the text the database
//!   reports (PostgreSQL and MariaDB reformat expressions: `(1+2)` comes
//!   back as `(1 + 2)`).
//! - Indexes over expressions are skipped (no column list describes them);
//!   the `WHERE` of a partial index, sort orders, operator classes and MySQL
//!   prefix lengths are not part of the model and are not reported.
//! - `renamed_from` is never set: a database does not remember names.
//!
//! [`Schema`]: crate::schema::Schema
//! [`DefaultValue::Int`]: crate::schema::DefaultValue::Int
//! [`DefaultValue::Float`]: crate::schema::DefaultValue::Float
//! [`DefaultValue::Bool`]: crate::schema::DefaultValue::Bool
//! [`DefaultValue::Text`]: crate::schema::DefaultValue::Text
//! [`DefaultValue::Sql`]: crate::schema::DefaultValue::Sql

// Without a database feature only `canonical` is compiled in; the readers
// of catalog text stay (and stay unit-tested) for the features to use.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code)
)]

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use std::borrow::Cow;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use crate::schema::{Column, Index, Name, ReferentialAction, UniqueConstraint};
use crate::schema::{ColumnType, Table};
use crate::sql::Dialect;

mod canonical;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod catalog;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod connection;
mod literal;
mod mysql;
mod postgres;
mod sqlite;

pub use self::canonical::canonical;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use self::connection::Introspect;
// The per-dialect readers reach these through `super::super::`.
#[allow(unused_imports)]
use self::canonical::mysql_current_timestamp;
#[allow(unused_imports)]
use self::literal::{is_number, read_default, split_quoted, Literal};
#[cfg(feature = "mysql")]
pub use self::mysql::mysql;
#[cfg(feature = "postgres")]
pub use self::postgres::postgres;
#[cfg(feature = "sqlite")]
pub use self::sqlite::sqlite;

/// Reads a type spelled the way `dialect`'s catalog reports it (also used
/// on [`ColumnType::Custom`] text by [`canonical`]).
fn read_type(dialect: Dialect, text: &str) -> ColumnType {
    match dialect {
        Dialect::Sqlite => sqlite::read_type(text),
        Dialect::Postgres => postgres::read_type(text),
        Dialect::Mysql => mysql::read_type(text),
    }
}

/// Reads the arguments of `DECIMAL(p,s)` or `DECIMAL(p)` (spaces around
/// the numbers aside); `scale_when_omitted` is the scale of `DECIMAL(p)`.
fn read_decimal_args(args: &str, scale_when_omitted: Option<u32>) -> Option<ColumnType> {
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let (precision, scale) = match args.split_once(',') {
        Some((p, s)) => (number(p)?, Some(number(s)?)),
        None => (number(args)?, scale_when_omitted),
    };
    Some(ColumnType::Decimal {
        precision: Some(precision),
        scale,
    })
}

/// Sorts indexes, unique constraints and foreign keys by name, as the
/// attribute parser does (ties by the rest, so the order is total).
fn sort_keys(table: &mut Table) {
    table
        .indexes
        .to_mut()
        .sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
    table
        .unique_constraints
        .to_mut()
        .sort_by(|a, b| (&a.name, &a.columns).cmp(&(&b.name, &b.columns)));
    table.foreign_keys.to_mut().sort_by(|a, b| {
        (&a.name, &a.columns, &a.referenced_table).cmp(&(&b.name, &b.columns, &b.referenced_table))
    });
}

/// Whether a table with this name belongs to bookkeeping, not to the models.
#[cfg(any(feature = "sqlite", feature = "mysql"))]
fn is_skipped_table(name: &str) -> bool {
    name.starts_with("__")
}

/// A query failure as lback's error, saying what was being read.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn query_error(context: impl Into<String>) -> impl FnOnce(diesel::result::Error) -> crate::Error {
    let context = context.into();
    move |error| crate::Error::Database {
        context,
        message: error.to_string(),
    }
}

/// An owned name.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn name(text: impl Into<String>) -> Name {
    Cow::Owned(text.into())
}

/// Builds a table from parts read in any order: columns by position, keys
/// grouped by name with their columns by position.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn build_table(
    table_name: &str,
    columns: Vec<Column>,
    primary_key: Vec<String>,
    indexes: Vec<Index>,
    uniques: Vec<UniqueConstraint>,
    foreign_keys: Vec<crate::schema::ForeignKey>,
) -> Table {
    let mut table = Table::new(name(table_name));
    table.columns = columns.into();
    table.primary_key = primary_key.into_iter().map(name).collect();
    table.indexes = indexes.into();
    table.unique_constraints = uniques.into();
    table.foreign_keys = foreign_keys.into();
    sort_keys(&mut table);
    table
}

/// A foreign key's `ON DELETE` and `ON UPDATE` actions, each read from the
/// catalog's text by `read`. An unknown one is an error in `context` (what
/// was being read) naming the text as a `what`.
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
fn read_actions(
    on_delete: &str,
    on_update: &str,
    read: fn(&str) -> Option<ReferentialAction>,
    what: &str,
    context: impl Fn() -> String,
) -> Result<(ReferentialAction, ReferentialAction), crate::Error> {
    let action = |text: &str| {
        read(text).ok_or_else(|| crate::Error::Database {
            context: context(),
            message: format!("unknown {what} `{text}`"),
        })
    };
    Ok((action(on_delete)?, action(on_update)?))
}

/// Reads a referential action from its SQL spelling (`NO ACTION`,
/// `SET NULL`...).
#[cfg(any(feature = "sqlite", feature = "mysql"))]
fn read_action(text: &str) -> Option<ReferentialAction> {
    let normal = text.trim().to_ascii_uppercase();
    [
        ReferentialAction::NoAction,
        ReferentialAction::Restrict,
        ReferentialAction::Cascade,
        ReferentialAction::SetNull,
        ReferentialAction::SetDefault,
    ]
    .into_iter()
    .find(|action| action.sql() == normal)
}
