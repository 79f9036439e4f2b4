//! What differs between databases at the level of single tokens: quoting,
//! type names and literals. Statements are built in the per-dialect modules.

use std::fmt;
use std::str::FromStr;

use crate::schema::{ColumnType, DefaultValue};

/// A SQL dialect lback renders for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dialect {
    /// SQLite 3.35 or later.
    Sqlite,
    /// PostgreSQL 12 or later.
    Postgres,
    /// MySQL 8 or MariaDB 10.5 or later.
    Mysql,
}

impl Dialect {
    /// Every dialect.
    pub const ALL: [Dialect; 3] = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];

    /// The dialect's short name (`sqlite`, `postgres`, `mysql`).
    pub const fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::Mysql => "mysql",
        }
    }

    /// Quotes an identifier: the only way names enter lback's SQL, so
    /// reserved words (`order`, `user`) and names with quotes or spaces work.
    ///
    /// ```
    /// use lback_core::sql::Dialect;
    ///
    /// assert_eq!(Dialect::Postgres.quote("order"), r#""order""#);
    /// assert_eq!(Dialect::Sqlite.quote(r#"say "hi""#), r#""say ""hi""""#);
    /// assert_eq!(Dialect::Mysql.quote("we`ird"), "`we``ird`");
    /// ```
    pub fn quote(self, identifier: &str) -> String {
        let q = match self {
            Dialect::Mysql => '`',
            Dialect::Sqlite | Dialect::Postgres => '"',
        };
        let mut out = String::with_capacity(identifier.len() + 2);
        out.push(q);
        for c in identifier.chars() {
            if c == q {
                out.push(q);
            }
            out.push(c);
        }
        out.push(q);
        out
    }

    /// A string literal, escaped for the dialect.
    ///
    /// ```
    /// use lback_core::sql::Dialect;
    ///
    /// assert_eq!(Dialect::Postgres.string_literal("it's"), "'it''s'");
    /// assert_eq!(Dialect::Mysql.string_literal(r"a\b"), r"'a\\b'");
    /// ```
    pub fn string_literal(self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 2);
        out.push('\'');
        for c in text.chars() {
            match c {
                '\'' => out.push_str("''"),
                // MySQL treats backslash as an escape in string literals
                // (unless NO_BACKSLASH_ESCAPES, where doubling is still right
                // for `''` but would double the backslash: lback assumes the
                // default mode).
                '\\' if self == Dialect::Mysql => out.push_str("\\\\"),
                _ => out.push(c),
            }
        }
        out.push('\'');
        out
    }

    /// The literal for a default value in this dialect.
    pub fn default_literal(self, value: &DefaultValue, ty: &ColumnType) -> String {
        match value {
            DefaultValue::Bool(b) => match self {
                Dialect::Postgres => if *b { "TRUE" } else { "FALSE" }.to_owned(),
                // SQLite keeps the text of a default; 1/0 read back the same
                // on every SQLite version.
                Dialect::Sqlite | Dialect::Mysql => if *b { "1" } else { "0" }.to_owned(),
            },
            DefaultValue::Int(i) => match ty {
                ColumnType::Boolean => self.default_literal(&DefaultValue::Bool(*i != 0), ty),
                _ => i.to_string(),
            },
            DefaultValue::Float(f) => float_literal(*f),
            DefaultValue::Text(text) => self.string_literal(text),
            DefaultValue::Sql(sql) => match self {
                // MySQL 8 wants the fractional precision of the column
                // repeated (`DATETIME(6) DEFAULT CURRENT_TIMESTAMP(6)`).
                Dialect::Mysql
                    if is_current_timestamp(sql)
                        && matches!(ty, ColumnType::Timestamp | ColumnType::TimestampTz) =>
                {
                    "CURRENT_TIMESTAMP(6)".to_owned()
                }
                // MySQL takes other expression defaults only in parentheses.
                Dialect::Mysql if !is_bare_default(sql) => format!("({sql})"),
                // SQLite too, except for literals and the CURRENT_* keywords.
                Dialect::Sqlite if !is_bare_default(sql) => format!("({sql})"),
                _ => sql.to_string(),
            },
        }
    }

    /// The column type as this dialect spells it.
    ///
    /// Introspection reads these spellings back; see `introspect`.
    pub fn type_name(self, ty: &ColumnType) -> String {
        use ColumnType as T;
        use Dialect::*;
        match (self, ty) {
            (_, T::Custom(sql)) => sql.to_string(),
            (_, T::SmallInt) => "SMALLINT".into(),
            (Mysql, T::Integer) => "INT".into(),
            (_, T::Integer) => "INTEGER".into(),
            (_, T::BigInt) => "BIGINT".into(),
            (Mysql, T::Real) => "FLOAT".into(),
            (_, T::Real) => "REAL".into(),
            (Postgres, T::Double) => "DOUBLE PRECISION".into(),
            (_, T::Double) => "DOUBLE".into(),
            (_, T::Boolean) => "BOOLEAN".into(),
            (Mysql, T::Text) => "LONGTEXT".into(),
            (_, T::Text) => "TEXT".into(),
            (_, T::Varchar(n)) => format!("VARCHAR({n})"),
            (Sqlite, T::Binary) => "BLOB".into(),
            (Postgres, T::Binary) => "BYTEA".into(),
            (Mysql, T::Binary) => "LONGBLOB".into(),
            (_, T::Date) => "DATE".into(),
            (Mysql, T::Time) => "TIME(6)".into(),
            (_, T::Time) => "TIME".into(),
            (Mysql, T::Timestamp) => "DATETIME(6)".into(),
            (_, T::Timestamp) => "TIMESTAMP".into(),
            // Not TIMESTAMP(6): it ends in 2038. diesel reads and writes a
            // zoned time on MySQL as a DATETIME in UTC, which holds years
            // 1000 to 9999.
            (Mysql, T::TimestampTz) => "DATETIME(6)".into(),
            (_, T::TimestampTz) => "TIMESTAMPTZ".into(),
            (Mysql, T::Uuid) => "CHAR(36)".into(),
            (_, T::Uuid) => "UUID".into(),
            (Postgres, T::Json) => "JSONB".into(),
            (_, T::Json) => "JSON".into(),
            (dialect, T::Decimal { precision, scale }) => {
                let name = if dialect == Postgres {
                    "NUMERIC"
                } else {
                    "DECIMAL"
                };
                match (precision, scale) {
                    (Some(p), Some(s)) => format!("{name}({p},{s})"),
                    (Some(p), None) => format!("{name}({p})"),
                    // MySQL's bare DECIMAL is DECIMAL(10,0): it would drop
                    // every fraction. Take the widest exact type instead.
                    (None, _) if dialect == Mysql => "DECIMAL(65,30)".into(),
                    (None, _) => name.into(),
                }
            }
        }
    }

    /// A value of the type to put into existing rows where a NOT NULL
    /// column needs one (a column added or made NOT NULL without default).
    pub fn zero_value(self, ty: &ColumnType) -> String {
        use ColumnType as T;
        match ty {
            T::SmallInt | T::Integer | T::BigInt | T::Real | T::Double | T::Decimal { .. } => {
                "0".into()
            }
            T::Boolean => self.default_literal(&DefaultValue::Bool(false), ty),
            T::Text | T::Varchar(_) | T::Custom(_) => "''".into(),
            T::Binary => match self {
                Dialect::Postgres => "''::bytea".into(),
                Dialect::Sqlite => "X''".into(),
                Dialect::Mysql => "''".into(),
            },
            T::Date => "'1970-01-01'".into(),
            T::Time => "'00:00:00'".into(),
            // MySQL's TIMESTAMP starts after the epoch (in UTC): stay clear of it.
            T::Timestamp | T::TimestampTz => "'2000-01-01 00:00:00'".into(),
            T::Uuid => "'00000000-0000-0000-0000-000000000000'".into(),
            T::Json => match self {
                Dialect::Postgres => "'null'::jsonb".into(),
                _ => "'null'".into(),
            },
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Dialect {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "sqlite" => Ok(Dialect::Sqlite),
            "postgres" | "postgresql" => Ok(Dialect::Postgres),
            "mysql" | "mariadb" => Ok(Dialect::Mysql),
            other => Err(format!(
                "unknown dialect `{other}`: expected sqlite, postgres or mysql"
            )),
        }
    }
}

/// Floats written so they read back exactly, and always with a decimal
/// point or exponent (so they stay floats when read back).
fn float_literal(f: f64) -> String {
    let text = format!("{f:?}");
    if text.contains(['.', 'e', 'E']) || !f.is_finite() {
        text
    } else {
        format!("{text}.0")
    }
}

fn is_current_timestamp(sql: &str) -> bool {
    let upper = sql.trim().to_ascii_uppercase();
    matches!(
        upper.as_str(),
        "CURRENT_TIMESTAMP" | "CURRENT_TIMESTAMP()" | "NOW()"
    )
}

/// A default both MySQL and SQLite take without parentheses: a keyword
/// such as CURRENT_TIMESTAMP, or a plain literal.
fn is_bare_default(sql: &str) -> bool {
    let text = sql.trim();
    let upper = text.to_ascii_uppercase();
    let keyword = matches!(
        upper.as_str(),
        "CURRENT_TIMESTAMP" | "CURRENT_DATE" | "CURRENT_TIME" | "NULL" | "TRUE" | "FALSE"
    ) || upper.starts_with("CURRENT_TIMESTAMP(");
    let number = text.parse::<f64>().is_ok();
    let quoted = text.len() >= 2 && text.starts_with('\'') && text.ends_with('\'');
    let string = quoted && !text[1..text.len() - 1].replace("''", "").contains('\'');
    keyword || number || string
}
