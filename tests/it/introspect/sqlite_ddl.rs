//! Introspection of SQLite: tables written the way lback renders them read
//! back to the exact schema, and `canonical` of the model they came from
//! equals what was read.

use super::model::*;
use crate::db;
use lback_core::introspect::{self, canonical};
use lback_core::schema::{ColumnType as T, DefaultValue as D, ReferentialAction as A, Table};
use lback_core::sql::Dialect;

/// lback's rendering (see `Dialect::type_name` and `default_literal`) of
/// [`model_schema`], written by hand, plus bookkeeping tables to skip.
pub(super) const RENDERED: &str = r#"
CREATE TABLE "__lback_migrations" ("version" TEXT PRIMARY KEY NOT NULL);
CREATE TABLE "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "email" VARCHAR(255) NOT NULL,
    "name" TEXT,
    "active" BOOLEAN NOT NULL DEFAULT 1,
    "verified" BOOLEAN NOT NULL DEFAULT 0,
    "score" DOUBLE NOT NULL DEFAULT 1.0,
    "ratio" REAL DEFAULT -0.0025,
    "level" SMALLINT NOT NULL DEFAULT -5,
    "karma" INTEGER DEFAULT 5,
    "big" BIGINT NOT NULL DEFAULT 9000000000,
    "status" VARCHAR(20) NOT NULL DEFAULT 'it''s "draft"',
    "created_at" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "born" DATE DEFAULT '2000-01-01',
    "wakes" TIME,
    "seen" TIMESTAMPTZ,
    "token" UUID,
    "prefs" JSON NOT NULL DEFAULT '{}',
    "avatar" BLOB,
    "balance" DECIMAL(10,2) NOT NULL DEFAULT 0,
    "rate" DECIMAL(5),
    "amount" DECIMAL,
    "legacy" TINYINT DEFAULT 1,
    "nick" CITEXT
);
CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email");
CREATE INDEX "ix_users_name_level" ON "users" ("name", "level");
CREATE UNIQUE INDEX "ux_users_token_born" ON "users" ("token", "born");
CREATE TABLE "order" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT,
    "user_id" BIGINT NOT NULL,
    "it's ""odd"" col" TEXT,
    "parent_id" BIGINT,
    "note" TEXT NOT NULL DEFAULT 'a\b',
    "placed_at" TIMESTAMP DEFAULT (datetime('now')),
    CONSTRAINT "fk_order_user_id" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON DELETE CASCADE ON UPDATE NO ACTION,
    CONSTRAINT "fk_parent" FOREIGN KEY ("parent_id") REFERENCES "order" ("id") ON DELETE SET NULL ON UPDATE RESTRICT
);
CREATE INDEX "ix_order_odd" ON "order" ("it's ""odd"" col");
CREATE TABLE "products" (
    "vendor" VARCHAR(20) NOT NULL,
    "code" VARCHAR(20) NOT NULL,
    "name" TEXT NOT NULL,
    PRIMARY KEY ("vendor", "code")
);
CREATE TABLE "order_items" (
    "order_id" BIGINT NOT NULL,
    "line" INTEGER NOT NULL,
    "vendor" VARCHAR(20) DEFAULT 'acme',
    "code" VARCHAR(20),
    "qty" INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY ("order_id", "line"),
    CONSTRAINT "fk_order_items_order_id" FOREIGN KEY ("order_id") REFERENCES "order" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "fk_order_items_vendor_code" FOREIGN KEY ("vendor", "code") REFERENCES "products" ("vendor", "code") ON DELETE SET NULL ON UPDATE SET DEFAULT
);
"#;

/// The models behind [`RENDERED`].
pub(super) fn model_schema() -> lback_core::schema::Schema {
    let users = Table::new("users")
        .with_column(col("id", T::BigInt).auto_increment())
        .with_column(col("email", T::Varchar(255)))
        .with_column(col("name", T::Text).nullable())
        .with_column(col("active", T::Boolean).with_default(D::Bool(true)))
        .with_column(col("verified", T::Boolean).with_default(D::Int(0)))
        .with_column(col("score", T::Double).with_default(D::Float(1.0)))
        .with_column(
            col("ratio", T::Real)
                .nullable()
                .with_default(D::Float(-0.0025)),
        )
        .with_column(col("level", T::SmallInt).with_default(D::Int(-5)))
        .with_column(col("karma", T::Integer).nullable().with_default(D::Int(5)))
        .with_column(col("big", T::BigInt).with_default(D::Int(9_000_000_000)))
        .with_column(col("status", T::Varchar(20)).with_default(text(r#"it's "draft""#)))
        .with_column(col("created_at", T::Timestamp).with_default(sql("CURRENT_TIMESTAMP")))
        .with_column(
            col("born", T::Date)
                .nullable()
                .with_default(text("2000-01-01")),
        )
        .with_column(col("wakes", T::Time).nullable())
        .with_column(col("seen", T::TimestampTz).nullable())
        .with_column(col("token", T::Uuid).nullable())
        .with_column(col("prefs", T::Json).with_default(text("{}")))
        .with_column(col("avatar", T::Binary).nullable())
        .with_column(col("balance", decimal(Some(10), Some(2))).with_default(D::Int(0)))
        .with_column(col("rate", decimal(Some(5), None)).nullable())
        .with_column(col("amount", decimal(None, None)).nullable())
        .with_column(
            col("legacy", custom("TINYINT"))
                .nullable()
                .with_default(D::Bool(true)),
        )
        .with_column(col("nick", custom("CITEXT")).nullable())
        .with_primary_key(["id"])
        .with_unique(unique("uq_users_email", &["email"]))
        .with_index(index("ix_users_name_level", &["name", "level"], false))
        .with_index(index("ux_users_token_born", &["token", "born"], true));
    let mut users = users;
    users.renamed_from = Some("people".into());
    let order = Table::new("order")
        .with_column(col("id", T::BigInt).auto_increment())
        .with_column(col("user_id", T::BigInt))
        .with_column(
            col(r#"it's "odd" col"#, T::Text)
                .nullable()
                .renamed_from("odd"),
        )
        .with_column(col("parent_id", T::BigInt).nullable())
        .with_column(col("note", T::Text).with_default(text(r"a\b")))
        .with_column(
            col("placed_at", T::Timestamp)
                .nullable()
                .with_default(sql("datetime('now')")),
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
            "fk_parent",
            &["parent_id"],
            "order",
            &["id"],
            A::SetNull,
            A::Restrict,
        ));
    schema([users, order, products(), order_items()])
}

fn products() -> Table {
    Table::new("products")
        .with_column(col("vendor", T::Varchar(20)))
        .with_column(col("code", T::Varchar(20)))
        .with_column(col("name", T::Text))
        .with_primary_key(["vendor", "code"])
}

fn order_items() -> Table {
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
            A::SetDefault,
        ))
}

/// What SQLite reports for [`RENDERED`], written out in full.
pub(super) fn expected_schema() -> lback_core::schema::Schema {
    let users = Table::new("users")
        .with_column(col("id", T::Integer).auto_increment())
        .with_column(col("email", T::Varchar(255)))
        .with_column(col("name", T::Text).nullable())
        .with_column(col("active", T::Boolean).with_default(D::Bool(true)))
        .with_column(col("verified", T::Boolean).with_default(D::Bool(false)))
        .with_column(col("score", T::Double).with_default(D::Float(1.0)))
        .with_column(
            col("ratio", T::Real)
                .nullable()
                .with_default(D::Float(-0.0025)),
        )
        .with_column(col("level", T::SmallInt).with_default(D::Int(-5)))
        .with_column(col("karma", T::Integer).nullable().with_default(D::Int(5)))
        .with_column(col("big", T::BigInt).with_default(D::Int(9_000_000_000)))
        .with_column(col("status", T::Varchar(20)).with_default(text(r#"it's "draft""#)))
        .with_column(col("created_at", T::Timestamp).with_default(sql("CURRENT_TIMESTAMP")))
        .with_column(
            col("born", T::Date)
                .nullable()
                .with_default(text("2000-01-01")),
        )
        .with_column(col("wakes", T::Time).nullable())
        .with_column(col("seen", T::TimestampTz).nullable())
        .with_column(col("token", T::Uuid).nullable())
        .with_column(col("prefs", T::Json).with_default(text("{}")))
        .with_column(col("avatar", T::Binary).nullable())
        .with_column(col("balance", decimal(Some(10), Some(2))).with_default(D::Float(0.0)))
        .with_column(col("rate", decimal(Some(5), None)).nullable())
        .with_column(col("amount", decimal(None, None)).nullable())
        .with_column(
            col("legacy", custom("TINYINT"))
                .nullable()
                .with_default(D::Int(1)),
        )
        .with_column(col("nick", custom("CITEXT")).nullable())
        .with_primary_key(["id"])
        .with_index(index("uq_users_email", &["email"], true))
        .with_index(index("ix_users_name_level", &["name", "level"], false))
        .with_index(index("ux_users_token_born", &["token", "born"], true));
    let order = Table::new("order")
        .with_column(col("id", T::Integer).auto_increment())
        .with_column(col("user_id", T::BigInt))
        .with_column(col(r#"it's "odd" col"#, T::Text).nullable())
        .with_column(col("parent_id", T::BigInt).nullable())
        .with_column(col("note", T::Text).with_default(text(r"a\b")))
        .with_column(
            col("placed_at", T::Timestamp)
                .nullable()
                .with_default(sql("datetime('now')")),
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
        // SQLite keeps no foreign key names: the generated one.
        .with_foreign_key(fk(
            "fk_order_parent_id",
            &["parent_id"],
            "order",
            &["id"],
            A::SetNull,
            A::Restrict,
        ));
    schema([users, order, products(), order_items()])
}

#[test]
fn hand_written_sqlite_forms() {
    let mut conn = db::sqlite();
    db::exec(
        &mut conn,
        r#"
        CREATE TABLE "__diesel_schema_migrations" ("version" VARCHAR(50) PRIMARY KEY NOT NULL);
        CREATE TABLE parent (id integer primary key, code text not null unique, a int, b int, unique (a, b));
        CREATE TABLE child (
            id INTEGER PRIMARY KEY,
            parent_id INT REFERENCES parent,
            a int, b int,
            label varchar(10) default NULL,
            c "Some Type" default 'x',
            n numeric default 1,
            f bool default TRUE,
            FOREIGN KEY (a, b) REFERENCES parent (a, b)
        );
        CREATE INDEX ix_child_expr ON child (lower(label));
        CREATE INDEX ix_child_partial ON child (a) WHERE a > 0;
        CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
        "#,
    );
    let read = introspect::sqlite(&mut conn).unwrap();
    // SQLite reports `int` as `INT` (the STRICT type names are kept in
    // uppercase), other declared types verbatim.
    let parent = Table::new("parent")
        .with_column(col("id", T::Integer))
        .with_column(col("code", T::Text))
        .with_column(col("a", custom("INT")).nullable())
        .with_column(col("b", custom("INT")).nullable())
        .with_primary_key(["id"])
        // Inline UNIQUE: automatic indexes that cannot be dropped, so
        // constraints, named as lback names them.
        .with_unique(unique("uq_parent_code", &["code"]))
        .with_unique(unique("uq_parent_a_b", &["a", "b"]));
    let child = Table::new("child")
        .with_column(col("id", T::Integer))
        .with_column(col("parent_id", custom("INT")).nullable())
        .with_column(col("a", custom("INT")).nullable())
        .with_column(col("b", custom("INT")).nullable())
        .with_column(col("label", T::Varchar(10)).nullable())
        .with_column(
            col("c", custom("Some Type"))
                .nullable()
                .with_default(text("x")),
        )
        .with_column(
            col("n", custom("numeric"))
                .nullable()
                .with_default(D::Int(1)),
        )
        .with_column(
            col("f", custom("bool"))
                .nullable()
                .with_default(sql("TRUE")),
        )
        .with_primary_key(["id"])
        // The expression index has no columns to report; the partial one
        // loses its WHERE.
        .with_index(index("ix_child_partial", &["a"], false))
        // `REFERENCES parent` means parent's primary key.
        .with_foreign_key(fk(
            "fk_child_parent_id",
            &["parent_id"],
            "parent",
            &["id"],
            A::NoAction,
            A::NoAction,
        ))
        .with_foreign_key(fk(
            "fk_child_a_b",
            &["a", "b"],
            "parent",
            &["a", "b"],
            A::NoAction,
            A::NoAction,
        ));
    let kv = Table::new("kv")
        .with_column(col("k", T::Text))
        .with_column(col("v", T::Text).nullable())
        .with_primary_key(["k"]);
    assert_same(&read, &schema([parent, child, kv]), "introspected");
    // canonical changes nothing here but the inline UNIQUEs: it maps every
    // unique constraint to the unique index lback writes on SQLite, and
    // those of `parent` come from hand-written SQL lback never renders.
    let again = canonical(&read, Dialect::Sqlite);
    for table in read.tables().filter(|t| t.name != "parent") {
        assert_eq!(
            again.table(&table.name),
            Some(table),
            "canonical({})",
            table.name
        );
    }
    let parent = again.table("parent").unwrap();
    assert!(parent.unique_constraints.is_empty());
    assert_eq!(parent.indexes.len(), 2);
}
