//! `Schema::validate` reports every inconsistency the models have as a
//! whole, each with what to do.

use lback::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, Name, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use lback::Error;
use lback_core::sql::{check_dialect, Dialect};

fn names(list: &[&str]) -> Vec<Name> {
    list.iter().map(|n| n.to_string().into()).collect()
}

fn users() -> Table {
    Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Varchar(255)))
        .with_column(Column::new("nick", ColumnType::Text))
        .with_primary_key(["id"])
        .with_unique(UniqueConstraint {
            name: "uq_users_email".into(),
            columns: names(&["email"]).into(),
        })
}

fn fk(name: &str, column: &str, table: &str, referenced: &str) -> ForeignKey {
    ForeignKey {
        name: name.to_string().into(),
        columns: names(&[column]).into(),
        referenced_table: table.to_string().into(),
        referenced_columns: names(&[referenced]).into(),
        on_delete: ReferentialAction::NoAction,
        on_update: ReferentialAction::NoAction,
    }
}

fn problems(tables: Vec<Table>) -> Vec<String> {
    match Schema::from_tables(tables).unwrap().validate() {
        Ok(()) => Vec::new(),
        Err(Error::InvalidSchema(problems)) => problems.iter().map(|p| p.to_string()).collect(),
        Err(other) => panic!("unexpected error {other}"),
    }
}

#[test]
fn a_consistent_schema_passes() {
    let posts = Table::new("posts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("author_email", ColumnType::Varchar(255)))
        .with_primary_key(["id"])
        .with_foreign_key(fk(
            "fk_posts_author_email",
            "author_email",
            "users",
            "email",
        ));
    assert_eq!(problems(vec![users(), posts]), Vec::<String>::new());
}

#[test]
fn foreign_keys_must_reach_an_existing_unique_key_of_the_same_type() {
    let posts = Table::new("posts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("a", ColumnType::BigInt))
        .with_column(Column::new("b", ColumnType::Integer))
        .with_column(Column::new("c", ColumnType::Text))
        .with_column(Column::new("d", ColumnType::BigInt))
        .with_primary_key(["id"])
        .with_foreign_key(fk("fk_a", "a", "accounts", "id"))
        .with_foreign_key(fk("fk_b", "b", "users", "id"))
        .with_foreign_key(fk("fk_c", "c", "users", "nick"))
        .with_foreign_key(fk("fk_d", "d", "users", "missing"));
    assert_eq!(
        problems(vec![users(), posts]),
        [
            "table `posts`: `a` references table `accounts`, which no model declares (if its model lives in another crate, make sure the binary links that crate: `use that_crate as _;`)",
            "table `posts`: `b` is integer but references `users(id)`, which is bigint; use the same type",
            "table `posts`: `c` references `users(nick)`, which is neither its primary key nor unique; every database requires one of the two",
            "table `posts`: `d` references `users(missing)`, but that table has no column `missing`",
        ]
    );
}

#[test]
fn set_null_needs_a_nullable_column() {
    let mut key = fk("fk_posts_author", "author", "users", "id");
    key.on_delete = ReferentialAction::SetNull;
    let posts = Table::new("posts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("author", ColumnType::BigInt))
        .with_primary_key(["id"])
        .with_foreign_key(key);
    assert_eq!(
        problems(vec![users(), posts]),
        ["table `posts`: foreign key on `author` uses set_null but the column is NOT NULL; make the field an Option"]
    );
}

#[test]
fn keys_columns_defaults_and_names_are_checked() {
    let broken = Table::new("broken")
        .with_column(
            Column::new("id", ColumnType::Text)
                .nullable()
                .auto_increment(),
        )
        .with_column(
            Column::new("n", ColumnType::Integer).with_default(DefaultValue::Text("x".into())),
        )
        .with_column(Column::new("n", ColumnType::Integer))
        .with_column(Column::new("x".repeat(64), ColumnType::Integer))
        .with_primary_key(["id", "ghost"])
        .with_index(Index {
            name: "uq_users_email".into(),
            columns: names(&["nope"]).into(),
            unique: false,
        });
    assert_eq!(
        problems(vec![users(), broken]),
        [
            "table `broken`: column `id` is auto_increment but of type text; only integer columns can be",
            "table `broken`: column `id` is auto_increment but is not the table's only primary key column",
            "table `broken`: column `n` of type integer cannot default to \"x\"",
            "table `broken`: column `n` appears twice",
            &format!(
                "table `broken`: column name `{}` is 64 bytes long; PostgreSQL keeps only 63, so choose a shorter one",
                "x".repeat(64)
            ),
            "table `broken`: primary key column `id` is nullable; use a non-Option type",
            "table `broken`: primary key column `ghost` does not exist",
            "table `broken`: `uq_users_email` names column `nope`, which does not exist",
            "table `users`: the index or constraint name `uq_users_email` is also used in table `broken`; give one of them another `name = \"...\"`",
        ]
    );
}

#[test]
fn a_table_without_primary_key_or_columns_is_refused() {
    assert_eq!(
        problems(vec![Table::new("empty")]),
        [
            "table `empty`: a table needs at least one column",
            "table `empty`: a table needs a primary key: mark a field `#[lback(primary_key)]`",
        ]
    );
}

/// Orders keyed by (shop_id, number); lines pointing at them.
fn composite(own: &[&str], referenced: &[&str]) -> Vec<Table> {
    let orders = Table::new("orders")
        .with_column(Column::new("shop_id", ColumnType::BigInt))
        .with_column(Column::new("number", ColumnType::Integer))
        .with_column(Column::new("note", ColumnType::Text))
        .with_primary_key(["shop_id", "number"]);
    let lines = Table::new("lines")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("shop_id", ColumnType::BigInt))
        .with_column(Column::new("number", ColumnType::Integer))
        .with_primary_key(["id"])
        .with_foreign_key(ForeignKey {
            name: "fk_lines_order".into(),
            columns: names(own).into(),
            referenced_table: "orders".into(),
            referenced_columns: names(referenced).into(),
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::NoAction,
        });
    vec![orders, lines]
}

#[test]
fn a_composite_foreign_key_must_match_a_key_and_on_mysql_its_order() {
    assert_eq!(
        problems(composite(&["shop_id", "number"], &["shop_id", "number"])),
        Vec::<String>::new()
    );
    assert_eq!(
        problems(composite(&["shop_id", "number"], &["shop_id", "note"])),
        ["table `lines`: `number` is integer but references `orders(note)`, which is text; use the same type",
         "table `lines`: `shop_id, number` references `orders(shop_id, note)`, which is neither its primary key nor unique; every database requires one of the two"]
    );
    assert_eq!(
        problems(composite(&["shop_id", "number"], &["shop_id"])),
        ["table `lines`: foreign key `fk_lines_order` has 2 column(s) but references 1"]
    );

    // The key's columns in another order: PostgreSQL and SQLite match the
    // key as a set, MySQL/MariaDB need its order.
    let swapped =
        Schema::from_tables(composite(&["number", "shop_id"], &["number", "shop_id"])).unwrap();
    swapped.validate().unwrap();
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        check_dialect(&swapped, dialect).unwrap();
    }
    let message = check_dialect(&swapped, Dialect::Mysql)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains(
            "foreign key `fk_lines_order` references `orders(number, shop_id)`, but MySQL/MariaDB \
             need the referenced columns in the order of the key they match, (shop_id, number)"
        ),
        "{message}"
    );
}
