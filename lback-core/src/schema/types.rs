//! Column types and default values, independent of any SQL dialect.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use super::Name;

/// The type of a column, independent of any SQL dialect.
///
/// Each dialect renders these to its own spelling (`bigint` is `INTEGER` in
/// SQLite, `BIGINT` in PostgreSQL and MySQL). [`ColumnType::Custom`] is the
/// escape hatch written with `#[lback(sql_type = "...")]`: its text is used
/// verbatim on every dialect.
///
/// The textual form (used by the snapshot and by error messages) is the
/// lowercase name, with parameters in parentheses:
///
/// ```
/// use lback_core::schema::ColumnType;
///
/// assert_eq!(ColumnType::Varchar(255).to_string(), "varchar(255)");
/// assert_eq!("decimal(10,2)".parse::<ColumnType>().unwrap(),
///            ColumnType::Decimal { precision: Some(10), scale: Some(2) });
/// assert_eq!("custom:citext".parse::<ColumnType>().unwrap(),
///            ColumnType::Custom("citext".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// 16-bit integer (`i16`).
    SmallInt,
    /// 32-bit integer (`i32`).
    Integer,
    /// 64-bit integer (`i64`).
    BigInt,
    /// 32-bit float (`f32`).
    Real,
    /// 64-bit float (`f64`).
    Double,
    /// Boolean (`bool`).
    Boolean,
    /// Text of any length (`String`).
    Text,
    /// Text of at most this many characters (`String` with `max_length`).
    Varchar(u32),
    /// Bytes (`Vec<u8>`).
    Binary,
    /// Calendar date (`chrono::NaiveDate`, `time::Date`).
    Date,
    /// Time of day (`chrono::NaiveTime`, `time::Time`).
    Time,
    /// Date and time without a zone (`chrono::NaiveDateTime`, `time::PrimitiveDateTime`).
    Timestamp,
    /// Date and time with a zone (`chrono::DateTime<Utc>`, `time::OffsetDateTime`).
    TimestampTz,
    /// UUID (`uuid::Uuid`).
    Uuid,
    /// JSON document (`serde_json::Value`).
    Json,
    /// Exact decimal (`bigdecimal::BigDecimal`), with optional precision and scale.
    Decimal {
        /// Total number of digits.
        precision: Option<u32>,
        /// Digits after the decimal point.
        scale: Option<u32>,
    },
    /// A type written by hand with `sql_type`, used verbatim on every dialect.
    Custom(Name),
}

impl ColumnType {
    /// Whether this is one of the integer types (the ones that can auto-increment).
    pub const fn is_integer(&self) -> bool {
        matches!(self, Self::SmallInt | Self::Integer | Self::BigInt)
    }

    /// Whether this is a text type (`text` or `varchar`).
    pub const fn is_text(&self) -> bool {
        matches!(self, Self::Text | Self::Varchar(_))
    }

    /// Whether a column of this type holds a number (integer, float or decimal).
    pub const fn is_numeric(&self) -> bool {
        matches!(
            self,
            Self::SmallInt
                | Self::Integer
                | Self::BigInt
                | Self::Real
                | Self::Double
                | Self::Decimal { .. }
        )
    }

    /// Applies the `max_length`, `precision` and `scale` attributes to a
    /// type found through [`HasColumnType`](crate::HasColumnType).
    ///
    /// Used in constant evaluation by the code `#[derive(Model)]` generates:
    /// a modifier that does not fit the type stops the compile with the
    /// message of the panic.
    #[doc(hidden)]
    pub const fn with_modifiers(
        self,
        max_length: Option<u32>,
        precision: Option<u32>,
        scale: Option<u32>,
    ) -> Self {
        if max_length.is_none() && precision.is_none() && scale.is_none() {
            return self;
        }
        let is_text = self.is_text();
        let is_decimal = matches!(self, Self::Decimal { .. });
        // Only `Custom` can own a string, and it is refused below; in
        // constant evaluation nothing is ever owned.
        std::mem::forget(self);
        if let Some(n) = max_length {
            if !is_text {
                panic!("lback: `max_length` applies only to String fields");
            }
            return Self::Varchar(n);
        }
        if !is_decimal {
            panic!("lback: `precision` and `scale` apply only to decimal fields");
        }
        Self::Decimal { precision, scale }
    }
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SmallInt => f.write_str("smallint"),
            Self::Integer => f.write_str("integer"),
            Self::BigInt => f.write_str("bigint"),
            Self::Real => f.write_str("real"),
            Self::Double => f.write_str("double"),
            Self::Boolean => f.write_str("boolean"),
            Self::Text => f.write_str("text"),
            Self::Varchar(n) => write!(f, "varchar({n})"),
            Self::Binary => f.write_str("binary"),
            Self::Date => f.write_str("date"),
            Self::Time => f.write_str("time"),
            Self::Timestamp => f.write_str("timestamp"),
            Self::TimestampTz => f.write_str("timestamptz"),
            Self::Uuid => f.write_str("uuid"),
            Self::Json => f.write_str("json"),
            Self::Decimal {
                precision: None,
                scale: None,
            } => f.write_str("decimal"),
            Self::Decimal {
                precision: Some(p),
                scale: None,
            } => write!(f, "decimal({p})"),
            Self::Decimal {
                precision: Some(p),
                scale: Some(s),
            } => write!(f, "decimal({p},{s})"),
            // Not produced by the parser (scale needs precision); kept readable.
            Self::Decimal {
                precision: None,
                scale: Some(s),
            } => write!(f, "decimal(,{s})"),
            Self::Custom(sql) => write!(f, "custom:{sql}"),
        }
    }
}

/// The text could not be read as a [`ColumnType`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown column type `{0}`: expected one of smallint, integer, bigint, real, double, boolean, text, varchar(N), binary, date, time, timestamp, timestamptz, uuid, json, decimal, decimal(P), decimal(P,S) or custom:<sql>")]
pub struct ParseColumnTypeError(pub String);

impl FromStr for ColumnType {
    type Err = ParseColumnTypeError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = || ParseColumnTypeError(text.to_owned());
        if let Some(sql) = text.strip_prefix("custom:") {
            if sql.trim().is_empty() {
                return Err(err());
            }
            return Ok(Self::Custom(Cow::Owned(sql.to_owned())));
        }
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| err());
        Ok(match text {
            "smallint" => Self::SmallInt,
            "integer" => Self::Integer,
            "bigint" => Self::BigInt,
            "real" => Self::Real,
            "double" => Self::Double,
            "boolean" => Self::Boolean,
            "text" => Self::Text,
            "binary" => Self::Binary,
            "date" => Self::Date,
            "time" => Self::Time,
            "timestamp" => Self::Timestamp,
            "timestamptz" => Self::TimestampTz,
            "uuid" => Self::Uuid,
            "json" => Self::Json,
            "decimal" => Self::Decimal {
                precision: None,
                scale: None,
            },
            _ => {
                let (head, args) = text
                    .strip_suffix(')')
                    .and_then(|t| t.split_once('('))
                    .ok_or_else(err)?;
                match head {
                    "varchar" => Self::Varchar(number(args)?),
                    "decimal" => match args.split_once(',') {
                        Some((p, s)) => Self::Decimal {
                            precision: Some(number(p)?),
                            scale: Some(number(s)?),
                        },
                        None => Self::Decimal {
                            precision: Some(number(args)?),
                            scale: None,
                        },
                    },
                    _ => return Err(err()),
                }
            }
        })
    }
}

impl serde::Serialize for ColumnType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ColumnType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A column's default value.
///
/// Literals (`#[lback(default = 0)]`) are escaped by each dialect;
/// [`DefaultValue::Sql`] (`#[lback(default_sql = "CURRENT_TIMESTAMP")]`) is
/// an expression written into the SQL verbatim.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DefaultValue {
    /// `true` / `false`.
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A floating-point literal.
    Float(f64),
    /// A string literal.
    Text(Name),
    /// An SQL expression, used verbatim.
    Sql(Name),
}

impl DefaultValue {
    /// Whether this default can be stored in a column of type `ty`.
    ///
    /// SQL expressions and custom types are not checked: only the database knows.
    pub fn fits(&self, ty: &ColumnType) -> bool {
        use ColumnType as T;
        match (self, ty) {
            (Self::Sql(_), _) | (_, T::Custom(_)) => true,
            (Self::Bool(_), T::Boolean) => true,
            (Self::Int(_), t) => t.is_numeric(),
            (Self::Float(_), T::Real | T::Double | T::Decimal { .. }) => true,
            (Self::Text(text), T::Varchar(n)) => text.chars().count() <= *n as usize,
            (
                Self::Text(_),
                T::Text | T::Date | T::Time | T::Timestamp | T::TimestampTz | T::Uuid | T::Json,
            ) => true,
            _ => false,
        }
    }
}

impl fmt::Display for DefaultValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Int(i) => write!(f, "{i}"),
            Self::Float(x) => write!(f, "{x:?}"),
            Self::Text(t) => write!(f, "{t:?}"),
            Self::Sql(sql) => write!(f, "sql({sql})"),
        }
    }
}

/// What the database does to referencing rows when the referenced row is
/// deleted or its key updated (`on_delete = "cascade"`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ReferentialAction {
    /// Refuse, checked at the end of the statement (the SQL default).
    #[default]
    NoAction,
    /// Refuse immediately.
    Restrict,
    /// Delete or update the referencing rows too.
    Cascade,
    /// Set the referencing columns to NULL (they must be nullable).
    SetNull,
    /// Set the referencing columns to their default.
    SetDefault,
}

impl ReferentialAction {
    /// Every action, with the spelling used in `#[lback(on_delete = "...")]`.
    pub const ALL: [(&'static str, Self); 5] = [
        ("cascade", Self::Cascade),
        ("set_null", Self::SetNull),
        ("set_default", Self::SetDefault),
        ("restrict", Self::Restrict),
        ("no_action", Self::NoAction),
    ];

    /// Reads the attribute spelling (`"cascade"`, `"set_null"`, ...).
    pub fn from_attribute(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, action)| *action)
    }

    /// The SQL spelling (`CASCADE`, `SET NULL`, ...), the same on every dialect.
    pub const fn sql(self) -> &'static str {
        match self {
            Self::NoAction => "NO ACTION",
            Self::Restrict => "RESTRICT",
            Self::Cascade => "CASCADE",
            Self::SetNull => "SET NULL",
            Self::SetDefault => "SET DEFAULT",
        }
    }

    pub(crate) fn is_default(&self) -> bool {
        *self == Self::NoAction
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_type_reads_back_from_its_text() {
        let all = [
            ColumnType::SmallInt,
            ColumnType::Integer,
            ColumnType::BigInt,
            ColumnType::Real,
            ColumnType::Double,
            ColumnType::Boolean,
            ColumnType::Text,
            ColumnType::Varchar(255),
            ColumnType::Binary,
            ColumnType::Date,
            ColumnType::Time,
            ColumnType::Timestamp,
            ColumnType::TimestampTz,
            ColumnType::Uuid,
            ColumnType::Json,
            ColumnType::Decimal {
                precision: None,
                scale: None,
            },
            ColumnType::Decimal {
                precision: Some(12),
                scale: None,
            },
            ColumnType::Decimal {
                precision: Some(12),
                scale: Some(4),
            },
            ColumnType::Custom("enum('a', 'b')".into()),
        ];
        for ty in all {
            assert_eq!(ty.to_string().parse::<ColumnType>(), Ok(ty.clone()), "{ty}");
        }
    }

    #[test]
    fn malformed_column_types_are_refused() {
        for text in [
            "",
            "int",
            "varchar",
            "varchar()",
            "varchar(x)",
            "decimal(1,",
            "custom:",
            "TEXT",
        ] {
            assert!(text.parse::<ColumnType>().is_err(), "{text:?} was accepted");
        }
    }

    #[test]
    fn modifiers_turn_text_into_varchar_and_set_decimal_precision() {
        assert_eq!(
            ColumnType::Text.with_modifiers(Some(40), None, None),
            ColumnType::Varchar(40)
        );
        assert_eq!(
            ColumnType::Decimal {
                precision: None,
                scale: None
            }
            .with_modifiers(None, Some(10), Some(2)),
            ColumnType::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        );
    }

    #[test]
    fn defaults_fit_only_matching_types() {
        assert!(DefaultValue::Int(0).fits(&ColumnType::BigInt));
        assert!(DefaultValue::Int(0).fits(&ColumnType::Double));
        assert!(!DefaultValue::Int(0).fits(&ColumnType::Text));
        assert!(!DefaultValue::Text("abc".into()).fits(&ColumnType::Varchar(2)));
        assert!(DefaultValue::Text("ab".into()).fits(&ColumnType::Varchar(2)));
        assert!(!DefaultValue::Bool(true).fits(&ColumnType::Integer));
        assert!(DefaultValue::Sql("now()".into()).fits(&ColumnType::Integer));
    }
}
