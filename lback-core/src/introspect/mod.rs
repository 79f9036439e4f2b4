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

// Without a database feature only `canonical` is compiled in; the readers
// of catalog text stay (and stay unit-tested) for the features to use.
#![cfg_attr(
    not(any(feature = "sqlite", feature = "postgres", feature = "mysql")),
    allow(dead_code)
)]

use std::borrow::Cow;

use crate::schema::{
    constraint_name, ColumnType, DefaultValue, Index, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
use crate::schema::{Column, Name};
use crate::sql::Dialect;

mod mysql;
mod postgres;
mod sqlite;

#[cfg(feature = "mysql")]
pub use self::mysql::mysql;
#[cfg(feature = "postgres")]
pub use self::postgres::postgres;
#[cfg(feature = "sqlite")]
pub use self::sqlite::sqlite;

/// What `dialect` can store and report of `schema`: the form to compare an
/// introspected schema with.
///
/// Applied to a model schema, the result equals what introspecting a
/// database built by lback from that schema reports; applied to an
/// introspected schema, it changes nothing (with one exception: an inline
/// `UNIQUE` written by hand in an SQLite table is reported as a unique
/// constraint, since its automatic index cannot be dropped, and `canonical`
/// turns every SQLite unique constraint into the unique index lback writes
/// for it). The rules:
///
/// - every dialect: `renamed_from` is cleared on tables and columns; a
///   [`ColumnType::Custom`] that spells a type lback knows becomes that type
///   (`Custom("integer")` is [`ColumnType::Integer`]); integer defaults of
///   boolean columns become booleans and those of float and decimal columns
///   floats; indexes, unique constraints and foreign keys are sorted by
///   name;
/// - SQLite: an auto-increment column is `INTEGER` (the only type SQLite
///   auto-increments); unique constraints are unique indexes (lback writes
///   them as `CREATE UNIQUE INDEX`); foreign keys are named
///   `fk_<table>_<columns>` (SQLite keeps no foreign key names); a boolean
///   default of a custom-typed column is `1`/`0`;
/// - PostgreSQL: `decimal(p)` is `decimal(p,0)`; text defaults of uuid
///   columns are lowercase, those of date, time and timestamp columns in
///   PostgreSQL's output form (`2020-01-01 00:00:00`, fractions without
///   trailing zeros), those of json columns in `jsonb`'s key order and
///   spacing (when every number in them is an integer); the SQL value
///   functions `current_timestamp`, `current_date`, `current_time`,
///   `localtime` and `localtimestamp` are uppercase, as PostgreSQL prints
///   them;
/// - MySQL/MariaDB: `decimal(p)` is `decimal(p,0)` and a bare `decimal` is
///   `decimal(65,30)` (what lback writes for it); float defaults of decimal
///   columns are rounded to the scale; unique indexes are unique
///   constraints (MySQL keeps one kind); `SET DEFAULT` foreign key actions
///   are `RESTRICT` (InnoDB on MariaDB accepts `SET DEFAULT` and stores
///   `RESTRICT`; MySQL 8 refuses it); text defaults of time and datetime
///   columns carry six fractional digits (`12:00:00.000000`);
///   `CURRENT_TIMESTAMP`, `NOW()` and their variants are
///   `current_timestamp(6)` on lback's timestamp types (both `DATETIME(6)`,
///   so a zoned timestamp reads back as a plain one) and `current_timestamp(<fsp>)` on custom ones; a
///   boolean default of a custom-typed column is `1`/`0`.
///
/// What stays different, because no rule can predict the database's form:
/// SQL expression defaults other than the ones above (PostgreSQL and
/// MariaDB reprint them, MariaDB folds constant ones such as `(1)` into
/// literals), custom types the database spells another way (`int4` comes
/// back as `integer`), date/time literals with a zone on PostgreSQL (printed
/// in the session's time zone), and float defaults of `REAL`/`FLOAT` columns
/// that the database rounds.
///
/// ```
/// use lback_core::introspect::canonical;
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
/// use lback_core::sql::Dialect;
///
/// let model = Schema::from_tables([Table::new("prices")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_column(Column::new("amount", ColumnType::Decimal { precision: Some(10), scale: None }))
///     .with_primary_key(["id"])]).unwrap();
///
/// let pg = canonical(&model, Dialect::Postgres);
/// let amount = &pg.table("prices").unwrap().columns[1];
/// assert_eq!(amount.ty, ColumnType::Decimal { precision: Some(10), scale: Some(0) });
///
/// let sqlite = canonical(&model, Dialect::Sqlite);
/// assert_eq!(sqlite.table("prices").unwrap().columns[0].ty, ColumnType::Integer);
/// ```
pub fn canonical(schema: &Schema, dialect: Dialect) -> Schema {
    schema
        .tables()
        .map(|table| canonical_table(table, dialect))
        .collect()
}

fn canonical_table(table: &Table, dialect: Dialect) -> Table {
    let mut table = table.clone();
    table.renamed_from = None;
    for column in table.columns.to_mut() {
        column.renamed_from = None;
        column.ty = canonical_type(&column.ty, dialect);
        if dialect == Dialect::Sqlite && column.auto_increment {
            column.ty = ColumnType::Integer;
        }
        if let Some(default) = column.default.take() {
            column.default = Some(canonical_default(default, &column.ty, dialect));
        }
    }
    match dialect {
        Dialect::Sqlite => {
            let uniques = std::mem::take(table.unique_constraints.to_mut());
            table
                .indexes
                .to_mut()
                .extend(uniques.into_iter().map(|u| Index {
                    name: u.name,
                    columns: u.columns,
                    unique: true,
                }));
            let name = table.name.clone();
            for fk in table.foreign_keys.to_mut() {
                let columns: Vec<&str> = fk.columns.iter().map(|c| c.as_ref()).collect();
                fk.name = constraint_name("fk", &name, &columns, None).into();
            }
        }
        Dialect::Mysql => {
            let (unique, plain): (Vec<Index>, Vec<Index>) = std::mem::take(table.indexes.to_mut())
                .into_iter()
                .partition(|i| i.unique);
            table.indexes = plain.into();
            table
                .unique_constraints
                .to_mut()
                .extend(unique.into_iter().map(|i| UniqueConstraint {
                    name: i.name,
                    columns: i.columns,
                }));
            for fk in table.foreign_keys.to_mut() {
                for action in [&mut fk.on_delete, &mut fk.on_update] {
                    if *action == ReferentialAction::SetDefault {
                        *action = ReferentialAction::Restrict;
                    }
                }
            }
        }
        Dialect::Postgres => {}
    }
    sort_keys(&mut table);
    table
}

fn canonical_type(ty: &ColumnType, dialect: Dialect) -> ColumnType {
    let ty = match ty {
        ColumnType::Custom(text) => read_type(dialect, text),
        other => other.clone(),
    };
    match (dialect, ty) {
        (
            Dialect::Postgres | Dialect::Mysql,
            ColumnType::Decimal {
                precision: Some(p),
                scale: None,
            },
        ) => ColumnType::Decimal {
            precision: Some(p),
            scale: Some(0),
        },
        (
            Dialect::Mysql,
            ColumnType::Decimal {
                precision: None, ..
            },
        ) => ColumnType::Decimal {
            precision: Some(65),
            scale: Some(30),
        },
        // lback writes both as DATETIME(6) (TIMESTAMP ends in 2038).
        (Dialect::Mysql, ColumnType::TimestampTz) => ColumnType::Timestamp,
        (_, ty) => ty,
    }
}

fn canonical_default(default: DefaultValue, ty: &ColumnType, dialect: Dialect) -> DefaultValue {
    use ColumnType as T;
    use DefaultValue as D;
    match (default, ty) {
        (D::Int(n), T::Boolean) => D::Bool(n != 0),
        (D::Int(n), T::Real | T::Double | T::Decimal { .. }) => {
            canonical_default(D::Float(n as f64), ty, dialect)
        }
        (D::Float(f), T::Decimal { scale: Some(s), .. }) if dialect == Dialect::Mysql => {
            D::Float(round_half_up(f, *s as usize))
        }
        (D::Bool(b), T::Custom(_)) if dialect != Dialect::Postgres => D::Int(i64::from(b)),
        (D::Text(text), ty) => D::Text(match canonical_text(&text, ty, dialect) {
            Some(normal) => normal.into(),
            None => text,
        }),
        (D::Sql(sql), ty) => D::Sql(match canonical_sql(&sql, ty, dialect) {
            Some(normal) => normal.into(),
            None => sql,
        }),
        (default, _) => default,
    }
}

/// `value` rounded to `scale` decimals the way MySQL rounds a decimal
/// literal: on its shortest decimal spelling, half away from zero
/// (`2.555` is `2.56`, though the nearest f64 is below it).
fn round_half_up(value: f64, scale: usize) -> f64 {
    let text = format!("{:?}", value.abs());
    let Some((int, frac)) = text.split_once('.') else {
        return value;
    };
    if text.contains(['e', 'E']) || frac.len() <= scale {
        return value;
    }
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes().take(scale)).collect();
    if frac.as_bytes()[scale] >= b'5' {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - scale;
    let rounded = format!(
        "{}.{}0",
        String::from_utf8_lossy(&digits[..split]),
        String::from_utf8_lossy(&digits[split..])
    );
    rounded.parse::<f64>().map_or(value, |r| r.copysign(value))
}

/// The form `dialect` reports a text default of a column of type `ty` in,
/// where it differs from the text.
fn canonical_text(text: &str, ty: &ColumnType, dialect: Dialect) -> Option<String> {
    use ColumnType as T;
    match (dialect, ty) {
        (Dialect::Postgres, T::Uuid) => Some(text.to_ascii_lowercase()),
        (Dialect::Postgres, T::Json) => jsonb_text(text),
        (Dialect::Postgres, T::Date | T::Time | T::Timestamp) => {
            Temporal::parse(text).map(|t| t.render(None))
        }
        (Dialect::Mysql, T::Time | T::Timestamp | T::TimestampTz) => {
            Temporal::parse(text).map(|t| t.render(Some(6)))
        }
        _ => None,
    }
}

/// The form `dialect` reports an SQL default of a column of type `ty` in,
/// where lback can predict it.
fn canonical_sql(sql: &str, ty: &ColumnType, dialect: Dialect) -> Option<String> {
    match dialect {
        Dialect::Postgres => {
            let upper = sql.trim().to_ascii_uppercase();
            matches!(
                upper.as_str(),
                "CURRENT_TIMESTAMP"
                    | "CURRENT_DATE"
                    | "CURRENT_TIME"
                    | "LOCALTIME"
                    | "LOCALTIMESTAMP"
            )
            .then_some(upper)
        }
        Dialect::Mysql => {
            let explicit = mysql_current_timestamp(sql)?;
            let fsp = match ty {
                ColumnType::Timestamp | ColumnType::TimestampTz => Some(6),
                ColumnType::Custom(text) => mysql_fsp(text),
                _ => None,
            };
            Some(match fsp.or(explicit) {
                Some(n) if n > 0 => format!("current_timestamp({n})"),
                _ => "current_timestamp()".to_owned(),
            })
        }
        Dialect::Sqlite => None,
    }
}

/// Whether `sql` is MySQL's current-timestamp default in one of its
/// spellings; `Some(Some(n))` when it names a precision.
fn mysql_current_timestamp(sql: &str) -> Option<Option<u32>> {
    let lower = sql.trim().to_ascii_lowercase();
    let names = ["current_timestamp", "now", "localtime", "localtimestamp"];
    for name in names {
        let Some(rest) = lower.strip_prefix(name) else {
            continue;
        };
        if rest.is_empty() && name != "now" {
            return Some(None);
        }
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?.trim();
        if inner.is_empty() {
            return Some(None);
        }
        return inner.parse().ok().map(Some);
    }
    None
}

/// The fractional-seconds precision of a MySQL `datetime(n)`/`timestamp(n)`.
fn mysql_fsp(type_text: &str) -> Option<u32> {
    let lower = type_text.trim().to_ascii_lowercase();
    let args = ["datetime", "timestamp"]
        .iter()
        .find_map(|name| lower.strip_prefix(name))?;
    if args.is_empty() {
        return Some(0);
    }
    args.strip_prefix('(')?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()
}

/// Reads a type spelled the way `dialect`'s catalog reports it (also used
/// on [`ColumnType::Custom`] text by [`canonical`]).
fn read_type(dialect: Dialect, text: &str) -> ColumnType {
    match dialect {
        Dialect::Sqlite => sqlite::read_type(text),
        Dialect::Postgres => postgres::read_type(text),
        Dialect::Mysql => mysql::read_type(text),
    }
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

/// A default as a catalog spells it, once the dialect's wrapping (casts,
/// quoting) is taken off.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    /// A quoted string literal, unescaped.
    Quoted(String),
    /// Anything else, verbatim: a number, `TRUE`, or an expression.
    Bare(String),
}

/// The default a literal stands for in a column of type `ty`, or `None`
/// when it is not a literal of that type (it is then an SQL expression).
fn interpret(literal: &Literal, ty: &ColumnType, dialect: Dialect) -> Option<DefaultValue> {
    use ColumnType as T;
    let text = match literal {
        Literal::Quoted(text) | Literal::Bare(text) => text.as_str(),
    };
    match ty {
        T::SmallInt | T::Integer | T::BigInt => {
            is_number(text).then(|| text.parse().ok().map(DefaultValue::Int))?
        }
        T::Real | T::Double | T::Decimal { .. } => read_float(text).map(DefaultValue::Float),
        T::Boolean => read_bool(text).map(DefaultValue::Bool),
        T::Custom(_) => match literal {
            Literal::Quoted(text) => Some(DefaultValue::Text(Cow::Owned(text.clone()))),
            Literal::Bare(text) => {
                if let Some(int) = is_number(text).then(|| text.parse().ok()).flatten() {
                    Some(DefaultValue::Int(int))
                } else if let Some(float) = read_float(text) {
                    Some(DefaultValue::Float(float))
                } else if dialect == Dialect::Postgres {
                    match text.as_str() {
                        "true" => Some(DefaultValue::Bool(true)),
                        "false" => Some(DefaultValue::Bool(false)),
                        _ => None,
                    }
                } else {
                    None
                }
            }
        },
        T::Text
        | T::Varchar(_)
        | T::Binary
        | T::Date
        | T::Time
        | T::Timestamp
        | T::TimestampTz
        | T::Uuid
        | T::Json => match literal {
            Literal::Quoted(text) => Some(DefaultValue::Text(Cow::Owned(text.clone()))),
            Literal::Bare(_) => None,
        },
    }
}

/// The default of a column whose catalog reports `raw`, already split into
/// a literal: `None` for `NULL`, the literal read by type, else `raw` as SQL.
fn read_default(
    raw: &str,
    literal: Literal,
    ty: &ColumnType,
    dialect: Dialect,
) -> Option<DefaultValue> {
    if matches!(&literal, Literal::Bare(text) if text.eq_ignore_ascii_case("null")) {
        return None;
    }
    Some(
        interpret(&literal, ty, dialect)
            .unwrap_or_else(|| DefaultValue::Sql(Cow::Owned(raw.to_owned()))),
    )
}

fn read_bool(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "t" | "1" => Some(true),
        "false" | "f" | "0" => Some(false),
        _ => None,
    }
}

fn read_float(text: &str) -> Option<f64> {
    if !is_number(text) {
        return None;
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Whether `text` is a plain decimal number: an optional sign, digits with
/// an optional fraction, an optional exponent.
fn is_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    if matches!(bytes.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

/// Reads a single-quoted SQL string at the start of `text` (`''` is a
/// quote; with `backslashes`, MySQL's backslash escapes too), returning its
/// value and the text after the closing quote.
fn split_quoted(text: &str, backslashes: bool) -> Option<(String, &str)> {
    let mut chars = text.strip_prefix('\'')?.char_indices();
    let body = &text[1..];
    let mut value = String::new();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' => {
                if body[i + 1..].starts_with('\'') {
                    chars.next();
                    value.push('\'');
                } else {
                    return Some((value, &body[i + 1..]));
                }
            }
            '\\' if backslashes => {
                let (_, escaped) = chars.next()?;
                value.push(match escaped {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    '0' => '\0',
                    'b' => '\u{8}',
                    'Z' => '\u{1a}',
                    other => other,
                });
            }
            c => value.push(c),
        }
    }
    None
}

/// Hours, minutes, seconds and the fraction's digits.
type Clock = (u32, u32, u32, String);

/// A date, a time of day or both, as written in a default literal.
#[derive(Debug, Clone, PartialEq)]
struct Temporal {
    date: Option<(u32, u32, u32)>,
    time: Option<Clock>,
    /// Whatever follows (a zone), verbatim.
    rest: String,
}

impl Temporal {
    /// Reads `YYYY-MM-DD`, `HH:MM[:SS[.f]]` or both separated by a space or
    /// `T`, followed by anything (kept as is).
    fn parse(text: &str) -> Option<Self> {
        fn number(text: &str, max_len: usize) -> Option<(u32, &str)> {
            let len = text.bytes().take_while(u8::is_ascii_digit).count();
            if len == 0 || len > max_len {
                return None;
            }
            Some((text[..len].parse().ok()?, &text[len..]))
        }
        fn date(text: &str) -> Option<((u32, u32, u32), &str)> {
            let (y, rest) = number(text, 4)?;
            let (m, rest) = number(rest.strip_prefix('-')?, 2)?;
            let (d, rest) = number(rest.strip_prefix('-')?, 2)?;
            Some(((y, m, d), rest))
        }
        fn time(text: &str) -> Option<(Clock, &str)> {
            let (h, rest) = number(text, 2)?;
            let (m, mut rest) = number(rest.strip_prefix(':')?, 2)?;
            let mut s = 0;
            let mut fraction = String::new();
            if let Some(after) = rest.strip_prefix(':') {
                let (sec, after) = number(after, 2)?;
                s = sec;
                rest = after;
                if let Some(after) = rest.strip_prefix('.') {
                    let len = after.bytes().take_while(u8::is_ascii_digit).count();
                    fraction = after[..len].to_owned();
                    rest = &after[len..];
                }
            }
            Some(((h, m, s, fraction), rest))
        }
        if let Some((d, rest)) = date(text) {
            let Some(after) = rest.strip_prefix([' ', 'T']) else {
                return rest.is_empty().then(|| Self {
                    date: Some(d),
                    time: None,
                    rest: String::new(),
                });
            };
            let (t, rest) = time(after)?;
            return Some(Self {
                date: Some(d),
                time: Some(t),
                rest: rest.to_owned(),
            });
        }
        let (t, rest) = time(text)?;
        Some(Self {
            date: None,
            time: Some(t),
            rest: rest.to_owned(),
        })
    }

    /// Writes the value back with zero-padded fields; the fraction padded
    /// to `digits`, or without trailing zeros when `None`.
    fn render(&self, digits: Option<usize>) -> String {
        let mut out = String::new();
        if let Some((y, m, d)) = self.date {
            out.push_str(&format!("{y:04}-{m:02}-{d:02}"));
        }
        if let Some((h, m, s, fraction)) = &self.time {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&format!("{h:02}:{m:02}:{s:02}"));
            let fraction = match digits {
                Some(n) => {
                    let mut f: String = fraction.chars().take(n).collect();
                    while f.len() < n {
                        f.push('0');
                    }
                    f
                }
                None => fraction.trim_end_matches('0').to_owned(),
            };
            if !fraction.is_empty() {
                out.push('.');
                out.push_str(&fraction);
            }
        }
        out.push_str(&self.rest);
        out
    }
}

/// A JSON text as PostgreSQL's `jsonb` prints it: object keys ordered by
/// length, then bytes, `": "` and `", "` separators. `None` when the text
/// is not JSON or holds a non-integer number (whose printing lback cannot
/// predict without reading it as jsonb's `numeric`).
fn jsonb_text(text: &str) -> Option<String> {
    fn write(value: &serde_json::Value, out: &mut String) -> Option<()> {
        use serde_json::Value as V;
        match value {
            V::Null | V::Bool(_) | V::String(_) => {
                out.push_str(&serde_json::to_string(value).ok()?)
            }
            V::Number(n) => {
                if !(n.is_i64() || n.is_u64()) {
                    return None;
                }
                out.push_str(&n.to_string());
            }
            V::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write(item, out)?;
                }
                out.push(']');
            }
            V::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|(a, _), (b, _)| {
                    (a.len(), a.as_bytes()).cmp(&(b.len(), b.as_bytes()))
                });
                out.push('{');
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&serde_json::to_string(key).ok()?);
                    out.push_str(": ");
                    write(item, out)?;
                }
                out.push('}');
            }
        }
        Some(())
    }
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut out = String::new();
    write(&value, &mut out)?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_recognised_strictly() {
        for yes in ["5", "-5", "+5", "2.5", "-0.5", ".5", "5.", "1e10", "1.5E-3"] {
            assert!(is_number(yes), "{yes}");
        }
        for no in [
            "", "-", ".", "e5", "1e", "1.2.3", "0x10", "5 ", "(5)", "NaN", "inf",
        ] {
            assert!(!is_number(no), "{no}");
        }
    }

    #[test]
    fn quoted_strings_unescape() {
        assert_eq!(
            split_quoted("'it''s'::text", false),
            Some(("it's".to_owned(), "::text"))
        );
        assert_eq!(
            split_quoted(r"'a\\b\'c'", true),
            Some((r"a\b'c".to_owned(), ""))
        );
        assert_eq!(split_quoted(r"'a\b'", false), Some((r"a\b".to_owned(), "")));
        assert_eq!(split_quoted("'open", false), None);
        assert_eq!(split_quoted("plain", false), None);
    }

    #[test]
    fn temporal_literals_normalise_per_dialect() {
        let t = Temporal::parse("2020-1-2T3:04:05.120").unwrap();
        assert_eq!(t.render(None), "2020-01-02 03:04:05.12");
        assert_eq!(t.render(Some(6)), "2020-01-02 03:04:05.120000");
        assert_eq!(Temporal::parse("12:00").unwrap().render(None), "12:00:00");
        assert_eq!(
            Temporal::parse("2020-01-01 00:00:00+00")
                .unwrap()
                .render(None),
            "2020-01-01 00:00:00+00"
        );
        assert_eq!(
            Temporal::parse("2020-01-01").unwrap().render(Some(6)),
            "2020-01-01"
        );
        assert_eq!(Temporal::parse("tomorrow"), None);
    }

    #[test]
    fn decimals_round_like_mysql() {
        assert_eq!(round_half_up(2.555, 2), 2.56);
        assert_eq!(round_half_up(-2.555, 2), -2.56);
        assert_eq!(round_half_up(9.995, 2), 10.0);
        assert_eq!(round_half_up(0.5, 0), 1.0);
        assert_eq!(round_half_up(2.5, 2), 2.5);
        assert_eq!(round_half_up(3.0, 2), 3.0);
    }

    #[test]
    fn jsonb_order_and_spacing() {
        assert_eq!(
            jsonb_text(r#"{"bb":1,"a":[1,{"c":null}],"ab":"x"}"#).as_deref(),
            Some(r#"{"a": [1, {"c": null}], "ab": "x", "bb": 1}"#)
        );
        assert_eq!(jsonb_text("{}").as_deref(), Some("{}"));
        assert_eq!(jsonb_text(r#"{"a":1.5}"#), None);
        assert_eq!(jsonb_text("not json"), None);
    }

    #[test]
    fn current_timestamp_spellings() {
        assert_eq!(mysql_current_timestamp("CURRENT_TIMESTAMP"), Some(None));
        assert_eq!(mysql_current_timestamp("now()"), Some(None));
        assert_eq!(
            mysql_current_timestamp("current_timestamp(3)"),
            Some(Some(3))
        );
        assert_eq!(mysql_current_timestamp("now"), None);
        assert_eq!(mysql_current_timestamp("uuid()"), None);
        assert_eq!(mysql_fsp("datetime(3)"), Some(3));
        assert_eq!(mysql_fsp("TIMESTAMP"), Some(0));
        assert_eq!(mysql_fsp("date"), None);
    }

    #[test]
    fn literals_are_read_by_column_type() {
        let bare = |t: &str| Literal::Bare(t.to_owned());
        let quoted = |t: &str| Literal::Quoted(t.to_owned());
        let pg = Dialect::Postgres;
        assert_eq!(
            interpret(&quoted("-5"), &ColumnType::Integer, pg),
            Some(DefaultValue::Int(-5))
        );
        assert_eq!(
            interpret(&bare("5"), &ColumnType::Double, pg),
            Some(DefaultValue::Float(5.0))
        );
        assert_eq!(
            interpret(&bare("t"), &ColumnType::Boolean, pg),
            Some(DefaultValue::Bool(true))
        );
        assert_eq!(interpret(&bare("now()"), &ColumnType::Integer, pg), None);
        assert_eq!(interpret(&bare("5"), &ColumnType::Text, pg), None);
        assert_eq!(
            read_default("NULL", bare("NULL"), &ColumnType::Text, pg),
            None
        );
        assert_eq!(
            read_default("now()", bare("now()"), &ColumnType::TimestampTz, pg),
            Some(DefaultValue::Sql("now()".into()))
        );
    }
}
