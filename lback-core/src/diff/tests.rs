//! Tests of [`Operation`]: destructiveness, the JSON form.

use super::Operation;
use crate::schema::{Column, ColumnType, Table};

#[test]
fn widening_is_not_destructive_narrowing_is() {
    let alter = |from: ColumnType, to: ColumnType| Operation::AlterColumn {
        table: "t".into(),
        from: Column::new("c", from),
        to: Column::new("c", to),
        fill: None,
    };
    assert!(!alter(ColumnType::Integer, ColumnType::BigInt).is_destructive());
    assert!(alter(ColumnType::BigInt, ColumnType::Integer).is_destructive());
    assert!(!alter(ColumnType::Varchar(10), ColumnType::Text).is_destructive());
    assert!(alter(ColumnType::Text, ColumnType::Varchar(10)).is_destructive());
    assert!(alter(ColumnType::Text, ColumnType::Integer).is_destructive());
}

#[test]
fn making_a_column_not_null_without_default_is_destructive() {
    let op = Operation::AlterColumn {
        table: "t".into(),
        from: Column::new("c", ColumnType::Text).nullable(),
        to: Column::new("c", ColumnType::Text),
        fill: None,
    };
    assert!(op.is_destructive());
    assert!(!op.inverse().is_destructive());
}

#[test]
fn serde_form_is_tagged_by_op() {
    let table = Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt))
        .with_primary_key(["id"]);
    let create = Operation::CreateTable(table.clone());
    let json = serde_json::to_string(&create).unwrap();
    assert_eq!(
        json,
        r#"{"op":"create_table","table":{"name":"users","columns":[{"name":"id","type":"bigint"}],"primary_key":["id"]}}"#
    );
    assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), create);
    let drop = Operation::DropTable(table);
    let json = serde_json::to_string(&drop).unwrap();
    assert!(
        json.starts_with(r#"{"op":"drop_table","table":{"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), drop);

    let rename = Operation::RenameColumn {
        table: "t".into(),
        from: "a".into(),
        to: "b".into(),
    };
    let json = serde_json::to_string(&rename).unwrap();
    assert_eq!(
        json,
        r#"{"op":"rename_column","table":"t","from":"a","to":"b"}"#
    );
    assert_eq!(serde_json::from_str::<Operation>(&json).unwrap(), rename);

    for bad in [
        r#"{"op":"rename_table","from":"a","to":"b","extra":1}"#,
        r#"{"op":"create_table","table":{"name":"t","columns":[]},"extra":1}"#,
        r#"{"op":"create_table","name":"t","columns":[]}"#,
        r#"{"op":"explode","table":"t"}"#,
    ] {
        assert!(serde_json::from_str::<Operation>(bad).is_err(), "{bad}");
    }
}
