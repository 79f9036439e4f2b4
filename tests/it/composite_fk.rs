//! Foreign keys over two columns, declared with the struct-level
//! `#[lback(foreign_key(...))]`, through the whole chain on a database:
//! the derive's tables, makemigrations (snapshot, diff, SQL), migrate onto
//! a table that has rows, the live schema read back, rows that break a key
//! refused, a cascade, rollback and migrate again; on each database.

use lback::schema::Schema;
use lback::Model as _;

use crate::targets::Target;
use crate::workflow::{assert_live, status, stderr, Project};

backend_tests!(composite_foreign_keys);

/// Orders are keyed by shop and number; a code is unique per shop.
#[derive(lback::Model)]
#[lback(
    table = "shop orders",
    primary_key(shop_id, number),
    unique(shop_id, code)
)]
#[allow(dead_code)] // The models give their tables; no row is read into them.
pub struct ShopOrder {
    pub shop_id: i64,
    pub number: i32,
    #[lback(max_length = 20)]
    pub code: String,
}

/// Order lines before their foreign keys.
#[derive(lback::Model)]
#[lback(table = "order lines")]
#[allow(dead_code)]
pub struct OrderLine {
    #[lback(primary_key)]
    pub id: i64,
    pub shop_id: i64,
    pub order_number: i32,
    #[lback(max_length = 20)]
    pub order_code: Option<String>,
}

/// The same table with two composite foreign keys: onto the primary key
/// (deleting an order deletes its lines) and onto the unique key.
// `shop_id` in both lists trips clippy's `duplicated_attributes`, which
// wrongly assumes every attribute is a set (rust-clippy#13238).
#[allow(clippy::duplicated_attributes)]
#[derive(lback::Model)]
#[lback(table = "order lines")]
#[lback(foreign_key(
    shop_id,
    order_number,
    references = "shop orders(shop_id, number)",
    on_delete = "cascade"
))]
#[lback(foreign_key(shop_id, order_code, references = "shop orders(shop_id, code)"))]
#[allow(dead_code)]
pub struct OrderLineWithKeys {
    #[lback(primary_key)]
    pub id: i64,
    pub shop_id: i64,
    pub order_number: i32,
    #[lback(max_length = 20)]
    pub order_code: Option<String>,
}

pub fn without_keys() -> Schema {
    Schema::from_tables([ShopOrder::table().clone(), OrderLine::table().clone()]).unwrap()
}

pub fn with_keys() -> Schema {
    Schema::from_tables([
        ShopOrder::table().clone(),
        OrderLineWithKeys::table().clone(),
    ])
    .unwrap()
}

/// Runs `sql` and insists the database refuses it.
fn refused<T: Target>(target: &mut T, sql: &str) {
    use diesel::connection::SimpleConnection;
    assert!(
        target.conn().batch_execute(sql).is_err(),
        "the database accepted {sql}"
    );
}

fn composite_foreign_keys<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let dialect = T::DIALECT.name();
    let lback = |args: &[&str]| {
        let output = project.lback(&url, args);
        assert_eq!(status(&output), 0, "{args:?}: {}", stderr(&output));
        output
    };
    let models = with_keys();
    let keys = &models.table("order lines").unwrap().foreign_keys;
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|fk| fk.columns.len() == 2));
    with_keys().validate().unwrap();
    // The statements below quote names the standard way; MySQL's way too.
    let q = |sql: &str| {
        if T::DIALECT == lback_core::sql::Dialect::Mysql {
            sql.replace('"', "`")
        } else {
            sql.to_owned()
        }
    };

    project.models(&without_keys());
    lback(&["makemigrations", "create_orders", "--dialect", dialect]);
    lback(&["migrate"]);
    target.execute(&q(
        "INSERT INTO \"shop orders\" (shop_id, number, code) VALUES (1, 1, 'A'), (1, 2, 'B'), (2, 1, 'A');
         INSERT INTO \"order lines\" (id, shop_id, order_number, order_code)
             VALUES (10, 1, 1, 'A'), (11, 1, 2, NULL), (12, 2, 1, 'A');",
    ));

    // The keys are added to a table with rows.
    project.models(&with_keys());
    lback(&["makemigrations", "add_order_keys"]);
    lback(&["migrate"]);
    assert_live(target, &with_keys(), "with the composite keys");
    let output = lback(&["makemigrations", "--check"]);
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("No changes detected."),
        "the snapshot reads back as the models"
    );

    let lines = "SELECT COUNT(*) AS n FROM \"order lines\"";
    // No order (1, 3); no code 'B' in shop 2; no code 'Z' in shop 1.
    refused(target, &q("INSERT INTO \"order lines\" (id, shop_id, order_number, order_code) VALUES (13, 1, 3, NULL)"));
    refused(target, &q("INSERT INTO \"order lines\" (id, shop_id, order_number, order_code) VALUES (14, 2, 1, 'B')"));
    refused(
        target,
        &q("UPDATE \"order lines\" SET order_code = 'Z' WHERE id = 10"),
    );
    assert_eq!(target.count(&q(lines)), 3);
    // Both columns are checked together: shop 2 has an order 1 and shop 1
    // an order 2, but shop 2 has no order 2.
    refused(target, &q("INSERT INTO \"order lines\" (id, shop_id, order_number, order_code) VALUES (15, 2, 2, NULL)"));
    // A row that fits both keys is taken; a NULL in a key column skips that key.
    target.execute(&q("INSERT INTO \"order lines\" (id, shop_id, order_number, order_code) VALUES (16, 1, 2, 'B')"));
    // Deleting an order deletes its lines (on delete cascade).
    target.execute(&q("DELETE FROM \"order lines\" WHERE id = 16"));
    target.execute(&q(
        "DELETE FROM \"shop orders\" WHERE shop_id = 1 AND number = 2",
    ));
    assert_eq!(target.count(&q(lines)), 2);
    assert_eq!(
        target.count(&q(
            "SELECT COUNT(*) AS n FROM \"order lines\" WHERE id = 11"
        )),
        0
    );

    // Rolled back: the keys are gone, the rows stay.
    lback(&["rollback", "order lines"]);
    assert_live(target, &without_keys(), "after rollback");
    assert_eq!(target.count(&q(lines)), 2);
    target.execute(&q("INSERT INTO \"order lines\" (id, shop_id, order_number, order_code) VALUES (17, 1, 1, 'A')"));
    // ... and migrated again.
    lback(&["migrate"]);
    assert_live(target, &with_keys(), "migrated again");
    assert_eq!(target.count(&q(lines)), 3);
    refused(target, &q("INSERT INTO \"order lines\" (id, shop_id, order_number, order_code) VALUES (18, 9, 9, NULL)"));
}
