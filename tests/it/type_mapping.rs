//! The two readings of a field's type agree: `HasColumnType` (what the
//! derive uses) and the type's spelling (what the build script can see).

use lback::HasColumnType;
use lback_core::parse::spelled_type;

macro_rules! assert_agree {
    ($($ty:ty),* $(,)?) => {$(
        let spelled = spelled_type(&syn::parse_str::<syn::Type>(stringify!($ty)).unwrap());
        assert_eq!(
            spelled.column_type.as_ref(),
            Some(&<$ty as HasColumnType>::COLUMN_TYPE),
            "column type of {}", stringify!($ty)
        );
        assert_eq!(
            spelled.nullable,
            <$ty as HasColumnType>::NULLABLE,
            "nullability of {}", stringify!($ty)
        );
    )*};
}

#[test]
fn every_supported_type_reads_the_same_both_ways() {
    assert_agree!(
        i16,
        i32,
        i64,
        f32,
        f64,
        bool,
        String,
        Vec<u8>,
        std::string::String,
        std::vec::Vec<u8>,
        std::primitive::i64,
        chrono::NaiveDate,
        chrono::NaiveTime,
        chrono::NaiveDateTime,
        chrono::DateTime<chrono::Utc>,
        chrono::DateTime<chrono::FixedOffset>,
        time::Date,
        time::Time,
        time::PrimitiveDateTime,
        time::OffsetDateTime,
        uuid::Uuid,
        serde_json::Value,
        bigdecimal::BigDecimal,
        Option<i16>,
        Option<String>,
        Option<Vec<u8>>,
        std::option::Option<i32>,
        Option<chrono::NaiveDateTime>,
        Option<time::OffsetDateTime>,
        Option<uuid::Uuid>,
        Option<serde_json::Value>,
        Option<bigdecimal::BigDecimal>,
    );
}

#[test]
fn imported_names_read_the_same_as_paths() {
    use chrono::{DateTime, NaiveDate, Utc};
    use uuid::Uuid;
    assert_agree!(NaiveDate, DateTime<Utc>, Uuid, Option<NaiveDate>);
}
