//! Introspection of MySQL/MariaDB (needs `MYSQL_DATABASE_URL`): tables
//! written the way lback renders them read back to the exact schema, and
//! `canonical` of the model they came from equals what was read.
//!
//! Written against MariaDB, the server CI runs; the forms MySQL 8 refuses
//! (`SET DEFAULT`, `DATETIME(6) DEFAULT CURRENT_TIMESTAMP`) are MariaDB's
//! to accept.

use super::model::*;
use crate::db;
use lback_core::introspect::{self, canonical};
use lback_core::schema::{ColumnType as T, DefaultValue as D, ReferentialAction as A, Table};
use lback_core::sql::Dialect;

/// lback's rendering (see `Dialect::type_name` and `default_literal`) of
/// [`model_schema`], written by hand, plus bookkeeping tables to skip.
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
    // Where the model and the database differ, `pick(model form, db form)`.
    let pick = |m: D, db: D| if model { m } else { db };
    let mut table = Table::new("users")
        .with_column(col("id", T::BigInt).auto_increment())
        .with_column(col("email", T::Varchar(255)))
        .with_column(col("name", T::Varchar(100)).nullable())
        .with_column(col("active", T::Boolean).with_default(D::Bool(true)))
        .with_column(col("verified", T::Boolean).with_default(pick(D::Int(0), D::Bool(false))))
        .with_column(col("score", T::Double).with_default(D::Float(1.0)))
        .with_column(
            col("ratio", T::Real)
                .nullable()
                .with_default(D::Float(-0.0025)),
        )
        .with_column(
            col("tiny", T::Double)
                .nullable()
                .with_default(D::Float(-1e-10)),
        )
        .with_column(col("level", T::SmallInt).with_default(D::Int(-5)))
        .with_column(col("karma", T::Integer).nullable().with_default(D::Int(5)))
        .with_column(col("big", T::BigInt).with_default(D::Int(9_000_000_000)))
        .with_column(col("status", T::Varchar(20)).with_default(text(r#"it's "draft""#)))
        .with_column(
            col("created_at", T::Timestamp)
                .with_default(pick(sql("CURRENT_TIMESTAMP"), sql("current_timestamp(6)"))),
        )
        .with_column(
            col("born", T::Date)
                .nullable()
                .with_default(text("2000-01-02")),
        )
        .with_column(
            col("wakes", T::Time)
                .nullable()
                .with_default(pick(text("07:30:00"), text("07:30:00.000000"))),
        )
        .with_column(col("stamp", T::Timestamp).nullable().with_default(pick(
            text("2020-01-01 10:00:00.5"),
            text("2020-01-01 10:00:00.500000"),
        )))
        .with_column(
            // lback writes a zoned timestamp as DATETIME(6), read back plain.
            col("seen", if model { T::TimestampTz } else { T::Timestamp })
                .nullable()
                .with_default(pick(sql("NOW()"), sql("current_timestamp(6)"))),
        )
        .with_column(
            col("token", T::Uuid)
                .nullable()
                .with_default(text("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")),
        )
        .with_column(col("doc `x`", T::Json).nullable())
        .with_column(col("body", T::Text).nullable())
        .with_column(col("avatar", T::Binary).nullable())
        .with_column(
            col("balance", decimal(Some(10), Some(2))).with_default(pick(D::Int(0), D::Float(0.0))),
        )
        .with_column(
            col("price", decimal(Some(6), Some(2)))
                .with_default(pick(D::Float(2.555), D::Float(2.56))),
        )
        .with_column(
            col(
                "rate",
                if model {
                    decimal(Some(5), None)
                } else {
                    decimal(Some(5), Some(0))
                },
            )
            .nullable(),
        )
        .with_column(
            col(
                "amount",
                if model {
                    decimal(None, None)
                } else {
                    decimal(Some(65), Some(30))
                },
            )
            .nullable(),
        )
        .with_column(
            col("legacy", custom("tinyint(4)"))
                .nullable()
                .with_default(pick(D::Bool(true), D::Int(1))),
        )
        .with_column(col("kind", custom("enum('a','b')")).with_default(text("a")))
        .with_primary_key(["id"])
        .with_unique(unique("uq_users_email", &["email"]))
        .with_index(index("ix_users_name_level", &["name", "level"], false));
    // MySQL keeps no difference between a unique index and a unique constraint.
    table = if model {
        table.with_index(index("ux_users_token_born", &["token", "born"], true))
    } else {
        table.with_unique(unique("ux_users_token_born", &["token", "born"]))
    };
    if model {
        table.renamed_from = Some("people".into());
    }
    table
}

fn order(model: bool) -> Table {
    let mut odd = col(r#"it's "odd" col"#, T::Varchar(50)).nullable();
    if model {
        odd = odd.renamed_from("odd");
    }
    // The indexes MariaDB adds for the foreign keys are not reported.
    Table::new("order")
        .with_column(col("id", T::BigInt).auto_increment())
        .with_column(col("user_id", T::BigInt))
        .with_column(odd)
        .with_column(col("parent_id", T::BigInt).nullable())
        .with_column(col("note", T::Varchar(20)).with_default(text(r"a\b")))
        .with_column(
            col("code", T::Varchar(40))
                .nullable()
                .with_default(sql("uuid()")),
        )
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
            "fk_order_parent_id",
            &["parent_id"],
            "order",
            &["id"],
            A::SetNull,
            A::Restrict,
        ))
}

fn products() -> Table {
    Table::new("products")
        .with_column(col("vendor", T::Varchar(20)))
        .with_column(col("code", T::Varchar(20)))
        .with_column(col("name", T::Text))
        .with_primary_key(["vendor", "code"])
}

fn order_items(model: bool) -> Table {
    Table::new("order_items")
        .with_column(col("order_id", T::BigInt))
        .with_column(col("line", T::Integer))
        .with_column(
            col("vendor", T::Varchar(20))
                .nullable()
                .with_default(text("acme")),
        )
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
            // MariaDB accepts SET DEFAULT and stores RESTRICT.
            if model { A::SetDefault } else { A::Restrict },
        ))
}

/// The models behind [`RENDERED`].
pub(super) fn model_schema() -> lback_core::schema::Schema {
    schema([users(true), order(true), products(), order_items(true)])
}

/// What MariaDB reports for [`RENDERED`], written out in full.
pub(super) fn expected_schema() -> lback_core::schema::Schema {
    schema([users(false), order(false), products(), order_items(false)])
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
        .with_column(
            col("word", T::Varchar(10))
                .nullable()
                .with_default(text("NULL")),
        )
        .with_column(col("must", T::Varchar(10)))
        .with_column(
            col("sum", T::Double)
                .nullable()
                .with_default(sql("(1 + 2)")),
        )
        // MariaDB folds a constant expression into a literal.
        .with_column(col("one", T::Double).nullable().with_default(D::Float(1.0)))
        .with_column(
            col("day", custom("datetime"))
                .nullable()
                .with_default(sql("current_timestamp()")),
        )
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
