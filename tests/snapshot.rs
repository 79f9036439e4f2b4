//! The snapshot form: byte-stable, read back to an equal schema, and every
//! malformed input refused with the line at fault.

use std::path::Path;

use lback::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, Name, ReferentialAction, Table,
    UniqueConstraint,
};
use lback::{Error, Schema};
use proptest::prelude::*;

#[derive(lback::Model)]
pub struct Customer {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(unique, max_length = 255)]
    pub email: String,
    #[lback(default = "it's \"quoted\" \\ and ünïcode")]
    pub motto: String,
    #[lback(default = 0.1)]
    pub discount: f64,
}

#[derive(lback::Model)]
#[lback(
    table = "order",
    index(customer_id, placed_at, name = "ix_order_recent")
)]
pub struct Order {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "customers(id)", on_delete = "cascade")]
    pub customer_id: i64,
    #[lback(default_sql = "CURRENT_TIMESTAMP")]
    pub placed_at: chrono::NaiveDateTime,
    #[lback(sql_type = "enum('new', 'paid')", renamed_from = "status")]
    pub state: String,
}

const GOLDEN: &str = "tests/snapshots/registry.json";

/// The registry's snapshot is compared byte for byte with the reviewed file.
/// After an intended change of the form, rewrite it with `LBACK_BLESS=1`.
#[test]
fn the_snapshot_of_the_models_matches_the_reviewed_file() {
    let text = lback::registry().to_snapshot();
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("LBACK_BLESS").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let golden = std::fs::read_to_string(&path).expect("the golden snapshot exists");
    assert_eq!(
        text, golden,
        "run with LBACK_BLESS=1 to accept an intended change"
    );
}

#[test]
fn reading_and_writing_again_changes_no_byte() {
    let golden =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN)).unwrap();
    let schema = Schema::from_snapshot(&golden).unwrap();
    assert_eq!(schema, lback::registry());
    assert_eq!(schema.to_snapshot(), golden);
}

fn snapshot_error(text: &str) -> (usize, String) {
    match Schema::from_snapshot(text) {
        Err(Error::Snapshot { line, message, .. }) => (line, message),
        other => panic!("expected a snapshot error, got {other:?}"),
    }
}

const VALID: &str = r#"{
  "lback_snapshot": 1,
  "tables": [
    {
      "name": "t",
      "columns": [
        {"name": "id", "type": "bigint", "auto_increment": true}
      ],
      "primary_key": ["id"]
    }
  ]
}
"#;

#[test]
fn the_valid_sample_reads() {
    let schema = Schema::from_snapshot(VALID).unwrap();
    assert_eq!(schema.to_snapshot(), VALID);
}

#[test]
fn an_unknown_field_is_named_with_its_line() {
    let text = VALID.replace(
        r#""auto_increment": true"#,
        r#""auto_increment": true, "colour": 1"#,
    );
    let (line, message) = snapshot_error(&text);
    assert_eq!(line, 7);
    assert!(message.contains("unknown field `colour`"), "{message}");
}

#[test]
fn an_unknown_type_is_named_with_its_line() {
    let text = VALID.replace(r#""type": "bigint""#, r#""type": "bigint2""#);
    let (line, message) = snapshot_error(&text);
    assert_eq!(line, 7);
    assert!(
        message.contains("unknown column type `bigint2`"),
        "{message}"
    );
}

#[test]
fn a_duplicate_table_is_named_with_its_line() {
    let table =
        r#"{"name": "t", "columns": [{"name": "id", "type": "bigint"}], "primary_key": ["id"]}"#;
    let text = format!("{{\n\"lback_snapshot\": 1,\n\"tables\": [\n{table},\n{table}\n]\n}}\n");
    let (line, message) = snapshot_error(&text);
    assert_eq!(line, 5);
    assert!(message.contains("table `t` appears twice"), "{message}");
}

#[test]
fn a_missing_field_an_unknown_format_and_broken_json_are_refused() {
    let (_, message) = snapshot_error(&VALID.replace(r#""name": "id", "#, ""));
    assert!(message.contains("missing field `name`"), "{message}");

    let (line, message) =
        snapshot_error(&VALID.replace(r#""lback_snapshot": 1"#, r#""lback_snapshot": 2"#));
    assert_eq!(line, 2);
    assert!(
        message.contains("snapshot format 2 is not supported"),
        "{message}"
    );

    let (line, _) = snapshot_error(&VALID[..VALID.len() / 2]);
    assert!(line > 1);

    let (line, _) = snapshot_error("tables:\n  - t\n");
    assert_eq!(line, 1, "not JSON at all");

    let error =
        Schema::from_snapshot(&VALID.replace(r#""primary_key": ["id"]"#, r#""primary_key": "id""#))
            .unwrap_err()
            .to_string();
    assert!(
        error.starts_with("the schema snapshot is malformed at line 9, column"),
        "{error}"
    );
    assert!(error.contains("expected a sequence"), "{error}");
}

fn name() -> impl Strategy<Value = Name> {
    // Names with quotes, spaces, reserved words and non-ASCII must survive too.
    prop_oneof![
        "[a-z][a-z0-9_]{0,12}",
        Just("order".to_string()),
        Just("we\"ird na'me".to_string()),
        Just("ünï".to_string()),
    ]
    .prop_map(Name::from)
}

fn column_type() -> impl Strategy<Value = ColumnType> {
    use ColumnType::*;
    prop_oneof![
        Just(SmallInt),
        Just(Integer),
        Just(BigInt),
        Just(Real),
        Just(Double),
        Just(Boolean),
        Just(Text),
        (1u32..10_000).prop_map(Varchar),
        Just(Binary),
        Just(Date),
        Just(Time),
        Just(Timestamp),
        Just(TimestampTz),
        Just(Uuid),
        Just(Json),
        (
            proptest::option::of(1u32..60),
            proptest::option::of(0u32..30)
        )
            .prop_map(|(precision, scale)| Decimal {
                precision,
                scale: precision.and(scale)
            }),
        "[A-Za-z(), ']{1,20}"
            .prop_filter("not blank", |s| !s.trim().is_empty())
            .prop_map(|s| Custom(s.into())),
    ]
}

fn default_value() -> impl Strategy<Value = DefaultValue> {
    prop_oneof![
        any::<bool>().prop_map(DefaultValue::Bool),
        any::<i64>().prop_map(DefaultValue::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(DefaultValue::Float),
        ".{0,20}".prop_map(|s| DefaultValue::Text(s.into())),
        ".{1,20}".prop_map(|s| DefaultValue::Sql(s.into())),
    ]
}

fn action() -> impl Strategy<Value = ReferentialAction> {
    proptest::sample::select(ReferentialAction::ALL.map(|(_, a)| a).to_vec())
}

fn table() -> impl Strategy<Value = Table> {
    let column = (
        name(),
        column_type(),
        any::<bool>(),
        proptest::option::of(default_value()),
        any::<bool>(),
        proptest::option::of(name()),
    )
        .prop_map(
            |(name, ty, nullable, default, auto_increment, renamed_from)| Column {
                name,
                ty,
                nullable,
                default,
                auto_increment,
                renamed_from,
            },
        );
    let names = || proptest::collection::vec(name(), 0..3).prop_map(|v| v.into());
    let index = (name(), names(), any::<bool>()).prop_map(|(name, columns, unique)| Index {
        name,
        columns,
        unique,
    });
    let unique = (name(), names()).prop_map(|(name, columns)| UniqueConstraint { name, columns });
    let fk = (name(), names(), name(), names(), action(), action()).prop_map(
        |(name, columns, referenced_table, referenced_columns, on_delete, on_update)| ForeignKey {
            name,
            columns,
            referenced_table,
            referenced_columns,
            on_delete,
            on_update,
        },
    );
    (
        name(),
        proptest::collection::vec(column, 0..6),
        names(),
        proptest::collection::vec(index, 0..3),
        proptest::collection::vec(unique, 0..3),
        proptest::collection::vec(fk, 0..3),
        proptest::option::of(name()),
    )
        .prop_map(
            |(name, columns, primary_key, indexes, uniques, fks, renamed_from)| Table {
                name,
                columns: columns.into(),
                primary_key,
                indexes: indexes.into(),
                unique_constraints: uniques.into(),
                foreign_keys: fks.into(),
                renamed_from,
            },
        )
}

proptest! {
    /// Any schema — valid or not, the form must not lose a thing — reads
    /// back equal, and writing is a function of the schema alone.
    #[test]
    fn any_schema_round_trips_byte_for_byte(tables in proptest::collection::vec(table(), 0..5)) {
        let schema: Schema = tables.into_iter().collect();
        let text = schema.to_snapshot();
        let read = Schema::from_snapshot(&text).unwrap();
        prop_assert_eq!(&read, &schema);
        prop_assert_eq!(read.to_snapshot(), text);
    }
}
