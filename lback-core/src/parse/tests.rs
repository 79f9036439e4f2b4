use super::*;
use crate::schema::{Column, ColumnType, ForeignKey, Name, ReferentialAction, Table};
use syn::DeriveInput;

#[test]
fn table_names_follow_diesel() {
    assert_eq!(infer_table_name("User"), "users");
    assert_eq!(infer_table_name("BlogPost"), "blog_posts");
    assert_eq!(infer_table_name("FooBarBaz"), "foo_bar_bazs");
}

fn table_of(source: &str) -> Table {
    let input: DeriveInput = syn::parse_str(source).unwrap();
    parse_model(&input).unwrap().to_table().unwrap()
}

fn errors_of(source: &str) -> Vec<String> {
    let input: DeriveInput = syn::parse_str(source).unwrap();
    parse_model(&input)
        .unwrap_err()
        .into_iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn a_reference_to_a_table_whose_name_has_a_space() {
    let table = table_of(
        "#[lback(table = \"odd items\")] struct OddItem { #[lback(primary_key)] id: i64, \
         #[lback(references = \"odd name(my id)\", on_delete = \"cascade\")] odd_id: i64 }",
    );
    assert_eq!(table.foreign_keys[0].referenced_table, "odd name");
    assert_eq!(table.foreign_keys[0].referenced_columns[..], ["my id"]);
    let errors = errors_of(
        "struct Item { #[lback(primary_key)] id: i64, #[lback(references = \"shops(a, b)\")] shop: i64 }",
    );
    assert!(
        errors[0].contains("`references` on a field names one column, this names 2"),
        "{errors:?}"
    );
}

#[test]
fn a_foreign_key_over_several_columns_goes_on_the_struct() {
    let table = table_of(
        "#[lback(primary_key(id))] \
         #[lback(foreign_key(shop, order_no, references = \"orders(shop_id, number)\", \
             on_delete = \"cascade\"))] \
         #[lback(foreign_key(maybe_shop, maybe_no, references = \"orders(shop_id, number)\", \
             on_delete = \"set_null\", on_update = \"cascade\", name = \"fk_lines_maybe\"))] \
         struct OrderLine { id: i64, shop: i64, #[lback(column = \"order_no\")] number: i32, \
             maybe_shop: Option<i64>, maybe_no: Option<i32> }",
    );
    assert_eq!(
        table.foreign_keys[..],
        [
            ForeignKey {
                name: "fk_lines_maybe".into(),
                columns: vec![Name::from("maybe_shop"), Name::from("maybe_no")].into(),
                referenced_table: "orders".into(),
                referenced_columns: vec![Name::from("shop_id"), Name::from("number")].into(),
                on_delete: ReferentialAction::SetNull,
                on_update: ReferentialAction::Cascade,
            },
            ForeignKey {
                name: "fk_order_lines_shop_order_no".into(),
                columns: vec![Name::from("shop"), Name::from("order_no")].into(),
                referenced_table: "orders".into(),
                referenced_columns: vec![Name::from("shop_id"), Name::from("number")].into(),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            },
        ]
    );

    let errors = errors_of(
        "#[lback(foreign_key(shop, number, references = \"orders(shop_id)\"))] \
         #[lback(foreign_key(shop, nope, references = \"orders(shop_id, number)\"))] \
         #[lback(foreign_key(shop, number))] \
         #[lback(foreign_key(shop, number, references = \"orders(a, b)\", on_delete = \"set_null\"))] \
         #[lback(foreign_key(references = \"orders(a)\"))] \
         #[lback(foreign_key)] \
         struct Line { #[lback(primary_key)] id: i64, shop: i64, number: i32 }",
    );
    let expected = [
        "`foreign_key(...)` needs `references`",
        "`foreign_key(...)` needs at least one column",
        "`foreign_key` on a struct lists its columns and what they reference",
        "`foreign_key` lists 2 column(s) but `references` names 1",
        "`foreign_key(...)` names `nope`, which is not a field of this struct",
        "`set_null` sets every column of the foreign key to NULL, but `shop` is not nullable",
    ];
    for wanted in expected {
        assert!(
            errors.iter().any(|e| e.starts_with(wanted)),
            "{wanted}: {errors:#?}"
        );
    }
    assert_eq!(errors.len(), 7, "{errors:#?}");
}

#[test]
fn a_plain_struct_becomes_a_table() {
    let table = table_of(
        "struct User { #[lback(primary_key)] id: i64, #[lback(unique, max_length = 255)] email: String, bio: Option<String> }",
    );
    assert_eq!(table.name, "users");
    assert_eq!(
        table.columns[0],
        Column::new("id", ColumnType::BigInt).auto_increment()
    );
    assert_eq!(
        table.columns[1],
        Column::new("email", ColumnType::Varchar(255))
    );
    assert_eq!(
        table.columns[2],
        Column::new("bio", ColumnType::Text).nullable()
    );
    assert_eq!(table.unique_constraints[0].name, "uq_users_email");
}

#[test]
fn every_mistake_of_a_struct_is_reported_at_once() {
    let errors = errors_of(
        "struct X { #[lback(primay_key)] a: i64, #[lback(max_length = 3)] b: i32, #[lback(references = \"nope\")] c: i64 }",
    );
    // The misspelled key, the max_length and the references; not also
    // "no primary key", which only repeats the misspelling.
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(errors[0].contains("did you mean `primary_key`"));
    assert!(
        errors.iter().all(|e| !e.contains("no primary key")),
        "{errors:#?}"
    );
}

#[test]
fn a_bad_value_does_not_hide_the_keys_after_it() {
    let errors = errors_of(
        "struct X { #[lback(max_length = \"64\", primary_key = true, on_delete = \"cascade\")] a: String }",
    );
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert!(
        errors[0].contains("`max_length` takes a whole number"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("`primary_key` takes no value"),
        "{errors:#?}"
    );
    assert!(errors[2].contains("need `references"), "{errors:#?}");
}

#[test]
fn a_nullable_column_of_a_composite_key_is_refused() {
    let errors = errors_of("#[lback(primary_key(a, b))] struct X { a: Option<i64>, b: i64 }");
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("cannot be nullable"), "{errors:#?}");
}

#[test]
fn the_build_script_reading_refuses_types_it_cannot_know() {
    let input: DeriveInput =
        syn::parse_str("struct T { #[lback(primary_key)] id: UserId }").unwrap();
    let model = parse_model(&input).unwrap();
    let error = model.to_table().unwrap_err().to_string();
    assert!(error.contains("add `#[lback(sql_type"), "{error}");
}

#[test]
fn sql_type_takes_portable_names_and_verbatim_sql() {
    let table = table_of(
        "struct T { #[lback(primary_key, sql_type = \"bigint\")] id: Id, #[lback(sql_type = \"citext\")] name: Option<Name> }",
    );
    assert_eq!(table.columns[0].ty, ColumnType::BigInt);
    assert!(table.columns[0].auto_increment);
    assert_eq!(table.columns[1].ty, ColumnType::Custom("citext".into()));
    assert!(table.columns[1].nullable);
}
