//! Short builders for hand-written expected schemas, and a comparison that
//! reports the first differing table instead of two whole schemas.
#![allow(dead_code)]

use lback_core::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, Name, Names, ReferentialAction, Schema,
    Table, UniqueConstraint,
};

/// Owned names.
pub fn names(list: &[&str]) -> Names {
    list.iter().map(|n| Name::from(n.to_string())).collect()
}

/// A NOT NULL column without default.
pub fn col(name: &str, ty: ColumnType) -> Column {
    Column::new(name.to_string(), ty)
}

/// A nullable column with a default.
pub fn optional(name: &str, ty: ColumnType, default: DefaultValue) -> Column {
    col(name, ty).nullable().with_default(default)
}

/// A text default.
pub fn text(value: &str) -> DefaultValue {
    DefaultValue::Text(value.to_string().into())
}

/// An SQL expression default.
pub fn sql(expression: &str) -> DefaultValue {
    DefaultValue::Sql(expression.to_string().into())
}

/// A custom type.
pub fn custom(sql: &str) -> ColumnType {
    ColumnType::Custom(sql.to_string().into())
}

/// A decimal type.
pub fn decimal(precision: Option<u32>, scale: Option<u32>) -> ColumnType {
    ColumnType::Decimal { precision, scale }
}

/// An index (unique or not).
pub fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index {
        name: name.to_string().into(),
        columns: names(columns),
        unique,
    }
}

/// A unique constraint.
pub fn unique(name: &str, columns: &[&str]) -> UniqueConstraint {
    UniqueConstraint {
        name: name.to_string().into(),
        columns: names(columns),
    }
}

/// A foreign key.
pub fn fk(
    name: &str,
    columns: &[&str],
    table: &str,
    referenced: &[&str],
    on_delete: ReferentialAction,
    on_update: ReferentialAction,
) -> ForeignKey {
    ForeignKey {
        name: name.to_string().into(),
        columns: names(columns),
        referenced_table: table.to_string().into(),
        referenced_columns: names(referenced),
        on_delete,
        on_update,
    }
}

/// A table with its keys sorted by name, as the parser and introspection
/// produce them (so expected tables can list keys in any order).
pub fn sorted(mut table: Table) -> Table {
    table.indexes.to_mut().sort_by_key(|k| k.name.clone());
    table
        .unique_constraints
        .to_mut()
        .sort_by_key(|k| k.name.clone());
    table.foreign_keys.to_mut().sort_by_key(|k| k.name.clone());
    table
}

/// A schema of these tables (keys sorted by name).
pub fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    Schema::from_tables(tables.into_iter().map(sorted)).expect("distinct table names")
}

/// Asserts two schemas are equal, comparing table by table (then column by
/// column) so a failure shows the part that differs.
#[track_caller]
pub fn assert_same(actual: &Schema, expected: &Schema, what: &str) {
    let actual_names: Vec<&str> = actual.tables().map(|t| t.name.as_ref()).collect();
    let expected_names: Vec<&str> = expected.tables().map(|t| t.name.as_ref()).collect();
    assert_eq!(actual_names, expected_names, "{what}: table names");
    for (a, e) in actual.tables().zip(expected.tables()) {
        let a_columns: Vec<&str> = a.columns.iter().map(|c| c.name.as_ref()).collect();
        let e_columns: Vec<&str> = e.columns.iter().map(|c| c.name.as_ref()).collect();
        assert_eq!(
            a_columns, e_columns,
            "{what}: columns of table `{}`",
            a.name
        );
        for (ac, ec) in a.columns.iter().zip(e.columns.iter()) {
            assert_eq!(ac, ec, "{what}: column `{}`.`{}`", a.name, ac.name);
        }
        assert_eq!(a, e, "{what}: table `{}`", a.name);
    }
    assert_eq!(actual, expected, "{what}");
}
