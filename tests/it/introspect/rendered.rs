//! The parts of each dialect's rendered fixture (`RENDERED`, its models and
//! what the database reports) that every dialect writes alike: built once
//! here, with what a dialect changes passed in. `model` says which side is
//! built: the model (`true`) or the schema the database reports (`false`).

use super::model::*;
use lback_core::schema::{
    Column, ColumnType as T, DefaultValue as D, ReferentialAction as A, Table,
};

/// `m` for the model, `db` for what the database reports.
pub fn pick<V>(model: bool, m: V, db: V) -> V {
    if model {
        m
    } else {
        db
    }
}

/// `users`' `active`, `verified`, `score` and `ratio` columns.
pub fn with_flags(table: Table, model: bool) -> Table {
    table
        .with_column(col("active", T::Boolean).with_default(D::Bool(true)))
        .with_column(col("verified", T::Boolean).with_default(pick(
            model,
            D::Int(0),
            D::Bool(false),
        )))
        .with_column(col("score", T::Double).with_default(D::Float(1.0)))
        .with_column(optional("ratio", T::Real, D::Float(-0.0025)))
}

/// `users`' `level`, `karma`, `big` and `status` columns.
pub fn with_counters(table: Table) -> Table {
    table
        .with_column(col("level", T::SmallInt).with_default(D::Int(-5)))
        .with_column(optional("karma", T::Integer, D::Int(5)))
        .with_column(col("big", T::BigInt).with_default(D::Int(9_000_000_000)))
        .with_column(col("status", T::Varchar(20)).with_default(text(r#"it's "draft""#)))
}

/// `users`' `balance` column.
pub fn balance(model: bool) -> Column {
    col("balance", decimal(Some(10), Some(2))).with_default(pick(model, D::Int(0), D::Float(0.0)))
}

/// `users`' primary key and `ix_users_name_level` index, which every
/// dialect reports alike, and the model's rename.
pub fn with_users_keys(table: Table, model: bool) -> Table {
    let mut table = table.with_primary_key(["id"]).with_index(index(
        "ix_users_name_level",
        &["name", "level"],
        false,
    ));
    if model {
        table.renamed_from = Some("people".into());
    }
    table
}

/// `order`'s first columns: `id` (of type `id`), `user_id`, the oddly
/// named one (of type `odd`, renamed in the model), `parent_id` and `note`
/// (of type `note`).
pub fn order_columns(model: bool, id: T, odd: T, note: T) -> Table {
    let odd = col(r#"it's "odd" col"#, odd).nullable();
    Table::new("order")
        .with_column(col("id", id).auto_increment())
        .with_column(col("user_id", T::BigInt))
        .with_column(if model { odd.renamed_from("odd") } else { odd })
        .with_column(col("parent_id", T::BigInt).nullable())
        .with_column(col("note", note).with_default(text(r"a\b")))
}

/// `order`'s primary key, index and foreign keys, its self-reference named
/// `parent_fk`.
pub fn with_order_keys(table: Table, parent_fk: &str) -> Table {
    table
        .with_primary_key(["id"])
        .with_index(index("ix_order_odd", &[r#"it's "odd" col"#], false))
        .with_foreign_key(fk(
            "fk_order_user_id",
            &["user_id"],
            "users",
            &["id"],
            A::Cascade,
            A::NoAction,
        ))
        .with_foreign_key(fk(
            parent_fk,
            &["parent_id"],
            "order",
            &["id"],
            A::SetNull,
            A::Restrict,
        ))
}

/// The `products` table.
pub fn products() -> Table {
    Table::new("products")
        .with_column(col("vendor", T::Varchar(20)))
        .with_column(col("code", T::Varchar(20)))
        .with_column(col("name", T::Text))
        .with_primary_key(["vendor", "code"])
}

/// The `order_items` table, its composite foreign key's ON UPDATE as
/// `vendor_on_update` (rendered `SET DEFAULT`).
pub fn order_items(vendor_on_update: A) -> Table {
    Table::new("order_items")
        .with_column(col("order_id", T::BigInt))
        .with_column(col("line", T::Integer))
        .with_column(optional("vendor", T::Varchar(20), text("acme")))
        .with_column(col("code", T::Varchar(20)).nullable())
        .with_column(col("qty", T::Integer).with_default(D::Int(1)))
        .with_primary_key(["order_id", "line"])
        .with_foreign_key(fk(
            "fk_order_items_order_id",
            &["order_id"],
            "order",
            &["id"],
            A::Restrict,
            A::Cascade,
        ))
        .with_foreign_key(fk(
            "fk_order_items_vendor_code",
            &["vendor", "code"],
            "products",
            &["vendor", "code"],
            A::SetNull,
            vendor_on_update,
        ))
}
