//! Introspection of MySQL/MariaDB (needs `MYSQL_DATABASE_URL`): tables
//! written the way lback renders them read back to the exact schema, and
//! `canonical` of the model they came from equals what was read.
//!
//! Written against MariaDB, the server CI runs; the forms MySQL 8 refuses
//! (`SET DEFAULT`, `DATETIME(6) DEFAULT CURRENT_TIMESTAMP`) are MariaDB's
//! to accept.

use super::model::*;
use super::rendered::*;
use crate::db;
use lback_core::introspect::{self, canonical};
use lback_core::schema::{ColumnType as T, DefaultValue as D, ReferentialAction as A, Table};
use lback_core::sql::Dialect;

/// lback's rendering (see `Dialect::type_name` and `default_literal`) of
/// [`rendered_schema`], written by hand, plus bookkeeping tables to skip.
pub(super) const RENDERED: &str = r#"
CREATE TABLE `__lback_migrations` (`version` VARCHAR(255) NOT NULL, PRIMARY KEY (`version`));
CREATE TABLE `users` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `email` VARCHAR(255) NOT NULL,
    `name` VARCHAR(100) NULL,
    `active` BOOLEAN NOT NULL DEFAULT 1,
    `verified` BOOLEAN NOT NULL DEFAULT 0,
    `score` DOUBLE NOT NULL DEFAULT 1.0,
    `ratio` FLOAT NULL DEFAULT -0.0025,
    `tiny` DOUBLE NULL DEFAULT -1e-10,
    `level` SMALLINT NOT NULL DEFAULT -5,
    `karma` INT NULL DEFAULT 5,
    `big` BIGINT NOT NULL DEFAULT 9000000000,
    `status` VARCHAR(20) NOT NULL DEFAULT 'it''s "draft"',
    `created_at` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    `born` DATE NULL DEFAULT '2000-01-02',
    `wakes` TIME(6) NULL DEFAULT '07:30:00',
    `stamp` DATETIME(6) NULL DEFAULT '2020-01-01 10:00:00.5',
    `seen` DATETIME(6) NULL DEFAULT NOW(),
    `token` CHAR(36) NULL DEFAULT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
    `doc ``x``` JSON NULL,
    `body` LONGTEXT NULL,
    `avatar` LONGBLOB NULL,
    `balance` DECIMAL(10,2) NOT NULL DEFAULT 0,
    `price` DECIMAL(6,2) NOT NULL DEFAULT 2.555,
    `rate` DECIMAL(5) NULL,
    `amount` DECIMAL(65,30) NULL,
    `legacy` tinyint(4) NULL DEFAULT 1,
    `kind` enum('a','b') NOT NULL DEFAULT 'a',
    PRIMARY KEY (`id`),
    CONSTRAINT `uq_users_email` UNIQUE (`email`)
);
CREATE INDEX `ix_users_name_level` ON `users` (`name`, `level`);
CREATE UNIQUE INDEX `ux_users_token_born` ON `users` (`token`, `born`);
CREATE TABLE `order` (
    `id` BIGINT NOT NULL AUTO_INCREMENT,
    `user_id` BIGINT NOT NULL,
    `it's "odd" col` VARCHAR(50) NULL,
    `parent_id` BIGINT NULL,
    `note` VARCHAR(20) NOT NULL DEFAULT 'a\\b',
    `code` VARCHAR(40) NULL DEFAULT (uuid()),
    PRIMARY KEY (`id`),
    CONSTRAINT `fk_order_user_id` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT `fk_order_parent_id` FOREIGN KEY (`parent_id`) REFERENCES `order` (`id`) ON DELETE SET NULL ON UPDATE RESTRICT
);
CREATE INDEX `ix_order_odd` ON `order` (`it's "odd" col`);
CREATE TABLE `products` (
    `vendor` VARCHAR(20) NOT NULL,
    `code` VARCHAR(20) NOT NULL,
    `name` LONGTEXT NOT NULL,
    PRIMARY KEY (`vendor`, `code`)
);
CREATE TABLE `order_items` (
    `order_id` BIGINT NOT NULL,
    `line` INT NOT NULL,
    `vendor` VARCHAR(20) NULL DEFAULT 'acme',
    `code` VARCHAR(20) NULL,
    `qty` INT NOT NULL DEFAULT 1,
    PRIMARY KEY (`order_id`, `line`),
    CONSTRAINT `fk_order_items_order_id` FOREIGN KEY (`order_id`) REFERENCES `order` (`id`) ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT `fk_order_items_vendor_code` FOREIGN KEY (`vendor`, `code`) REFERENCES `products` (`vendor`, `code`) ON DELETE SET NULL ON UPDATE SET DEFAULT
);
"#;

fn users(model: bool) -> Table {
    // Where the model and the database differ, `pick(model, model form, db form)`.
    let users = Table::new("users")
        .with_column(col("id", T::BigInt).auto_increment())
        .with_column(col("email", T::Varchar(255)))
        .with_column(col("name", T::Varchar(100)).nullable());
    let users = with_flags(users, model).with_column(optional("tiny", T::Double, D::Float(-1e-10)));
    let table = with_counters(users)
        .with_column(col("created_at", T::Timestamp).with_default(pick(
            model,
            sql("CURRENT_TIMESTAMP"),
            sql("current_timestamp(6)"),
        )))
        .with_column(optional("born", T::Date, text("2000-01-02")))
        .with_column(optional(
            "wakes",
            T::Time,
            pick(model, text("07:30:00"), text("07:30:00.000000")),
        ))
        .with_column(optional(
            "stamp",
            T::Timestamp,
            pick(
                model,
                text("2020-01-01 10:00:00.5"),
                text("2020-01-01 10:00:00.500000"),
            ),
        ))
        .with_column(
            // lback writes a zoned timestamp as DATETIME(6), read back plain.
            col("seen", pick(model, T::TimestampTz, T::Timestamp))
                .nullable()
                .with_default(pick(model, sql("NOW()"), sql("current_timestamp(6)"))),
        )
        .with_column(optional(
            "token",
            T::Uuid,
            text("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"),
        ))
        .with_column(col("doc `x`", T::Json).nullable())
        .with_column(col("body", T::Text).nullable())
        .with_column(col("avatar", T::Binary).nullable())
        .with_column(balance(model))
        .with_column(col("price", decimal(Some(6), Some(2))).with_default(pick(
            model,
            D::Float(2.555),
            D::Float(2.56),
        )))
        .with_column(col("rate", decimal(Some(5), pick(model, None, Some(0)))).nullable())
        .with_column(
            col(
                "amount",
                pick(model, decimal(None, None), decimal(Some(65), Some(30))),
            )
            .nullable(),
        )
        .with_column(
            col("legacy", custom("tinyint(4)"))
                .nullable()
                .with_default(pick(model, D::Bool(true), D::Int(1))),
        )
        .with_column(col("kind", custom("enum('a','b')")).with_default(text("a")));
    let table = with_users_keys(table, model).with_unique(unique("uq_users_email", &["email"]));
    // MySQL keeps no difference between a unique index and a unique constraint.
    if model {
        table.with_index(index("ux_users_token_born", &["token", "born"], true))
    } else {
        table.with_unique(unique("ux_users_token_born", &["token", "born"]))
    }
}

fn order(model: bool) -> Table {
    // The indexes MariaDB adds for the foreign keys are not reported.
    let order = order_columns(model, T::BigInt, T::Varchar(50), T::Varchar(20))
        .with_column(optional("code", T::Varchar(40), sql("uuid()")));
    with_order_keys(order, "fk_order_parent_id")
}

/// The models behind [`RENDERED`] (`model`), or what MariaDB reports for
/// it, written out in full.
pub(super) fn rendered_schema(model: bool) -> lback_core::schema::Schema {
    // MariaDB accepts SET DEFAULT and stores RESTRICT.
    let order_items = order_items(pick(model, A::SetDefault, A::Restrict));
    schema([users(model), order(model), products(), order_items])
}

#[test]
fn hand_written_mysql_forms() {
    let (mut conn, _guard) = db::mysql();
    db::exec(
        &mut conn,
        r#"
        CREATE TABLE `__diesel_schema_migrations` (`version` VARCHAR(50) PRIMARY KEY);
        CREATE TABLE parent (
            id int(10) unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY,
            a int NOT NULL,
            b int NOT NULL,
            blurb text,
            UNIQUE KEY parent_ab (a, b),
            KEY parent_blurb (blurb(20))
        );
        CREATE TABLE child (
            id int NOT NULL PRIMARY KEY,
            pid int(10) unsigned,
            a int, b int,
            label varchar(10) DEFAULT NULL,
            word varchar(10) DEFAULT 'NULL',
            must varchar(10) NOT NULL,
            sum double DEFAULT (1+2),
            one double DEFAULT (1),
            day datetime DEFAULT current_timestamp,
            KEY child_b_a (a, b),
            FOREIGN KEY (pid) REFERENCES parent (id),
            CONSTRAINT child_ab FOREIGN KEY (a, b) REFERENCES parent (a, b) ON DELETE CASCADE
        );
        "#,
    );
    let read = introspect::mysql(&mut conn).unwrap();
    let parent = Table::new("parent")
        .with_column(col("id", custom("int(10) unsigned")).auto_increment())
        .with_column(col("a", T::Integer))
        .with_column(col("b", T::Integer))
        .with_column(col("blurb", custom("text")).nullable())
        .with_primary_key(["id"])
        .with_unique(unique("parent_ab", &["a", "b"]))
        // The prefix length is not part of the model.
        .with_index(index("parent_blurb", &["blurb"], false));
    let child = Table::new("child")
        .with_column(col("id", T::Integer))
        .with_column(col("pid", custom("int(10) unsigned")).nullable())
        .with_column(col("a", T::Integer).nullable())
        .with_column(col("b", T::Integer).nullable())
        .with_column(col("label", T::Varchar(10)).nullable())
        .with_column(optional("word", T::Varchar(10), text("NULL")))
        .with_column(col("must", T::Varchar(10)))
        .with_column(optional("sum", T::Double, sql("(1 + 2)")))
        // MariaDB folds a constant expression into a literal.
        .with_column(optional("one", T::Double, D::Float(1.0)))
        .with_column(optional(
            "day",
            custom("datetime"),
            sql("current_timestamp()"),
        ))
        .with_primary_key(["id"])
        // `child_b_a` covers (a, b), so no index was added for `child_ab`.
        // For the unnamed foreign key MariaDB adds an index named after the
        // column, not the key: nothing tells it from one written by hand.
        .with_index(index("child_b_a", &["a", "b"], false))
        .with_index(index("pid", &["pid"], false))
        .with_foreign_key(fk(
            "child_ab",
            &["a", "b"],
            "parent",
            &["a", "b"],
            A::Cascade,
            A::Restrict,
        ))
        .with_foreign_key(fk(
            "child_ibfk_1",
            &["pid"],
            "parent",
            &["id"],
            A::Restrict,
            A::Restrict,
        ));
    assert_same(&read, &schema([parent, child]), "introspected");
    assert_same(
        &canonical(&read, Dialect::Mysql),
        &read,
        "canonical(introspected)",
    );
}
