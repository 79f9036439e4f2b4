//! Which column type a Rust type maps to.

use crate::schema::ColumnType;

/// Maps a Rust field type to a column type.
///
/// lback implements it for `i16`, `i32`, `i64`, `f32`, `f64`, `bool`,
/// `String`, `Vec<u8>` and `Option<T>` (nullable), and, behind lback's
/// features of the same name, for the `chrono`, `time`, `uuid`,
/// `serde_json` and `decimal` (bigdecimal) types. Implement it for your own
/// newtypes:
///
/// ```
/// use lback_core::{schema::ColumnType, HasColumnType};
///
/// pub struct Email(pub String);
///
/// impl HasColumnType for Email {
///     const COLUMN_TYPE: ColumnType = ColumnType::Varchar(320);
/// }
/// ```
///
/// A field of a type without it needs `#[lback(sql_type = "...")]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no lback column type",
    label = "lback cannot map this field to a column",
    note = "add `#[lback(sql_type = \"...\")]` to the field, or implement `lback::HasColumnType` for `{Self}`",
    note = "chrono, time, uuid, serde_json and bigdecimal types need lback's feature of the same name (`decimal` for bigdecimal)"
)]
pub trait HasColumnType {
    /// The column type.
    const COLUMN_TYPE: ColumnType;
    /// Whether the column accepts NULL.
    const NULLABLE: bool = false;
}

impl<T: HasColumnType> HasColumnType for Option<T> {
    const COLUMN_TYPE: ColumnType = T::COLUMN_TYPE;
    const NULLABLE: bool = true;
}

macro_rules! map {
    ($($ty:ty => $column:expr),* $(,)?) => {
        $(impl HasColumnType for $ty {
            const COLUMN_TYPE: ColumnType = $column;
        })*
    };
}

map! {
    i16 => ColumnType::SmallInt,
    i32 => ColumnType::Integer,
    i64 => ColumnType::BigInt,
    f32 => ColumnType::Real,
    f64 => ColumnType::Double,
    bool => ColumnType::Boolean,
    String => ColumnType::Text,
    Vec<u8> => ColumnType::Binary,
}

#[cfg(feature = "chrono")]
map! {
    chrono::NaiveDate => ColumnType::Date,
    chrono::NaiveTime => ColumnType::Time,
    chrono::NaiveDateTime => ColumnType::Timestamp,
    chrono::DateTime<chrono::Utc> => ColumnType::TimestampTz,
    chrono::DateTime<chrono::FixedOffset> => ColumnType::TimestampTz,
}

#[cfg(feature = "time")]
map! {
    time::Date => ColumnType::Date,
    time::Time => ColumnType::Time,
    time::PrimitiveDateTime => ColumnType::Timestamp,
    time::OffsetDateTime => ColumnType::TimestampTz,
}

#[cfg(feature = "uuid")]
map! { uuid::Uuid => ColumnType::Uuid }

#[cfg(feature = "serde_json")]
map! { serde_json::Value => ColumnType::Json }

#[cfg(feature = "decimal")]
map! { bigdecimal::BigDecimal => ColumnType::Decimal { precision: None, scale: None } }
