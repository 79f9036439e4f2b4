//! Introspection of SQLite: tables written the way lback renders them read
//! back to the exact schema, and `canonical` of the model they came from
//! equals what was read.

use super::model::*;
use super::rendered::*;
use crate::db;
use lback_core::introspect::{self, canonical};
use lback_core::schema::{ColumnType as T, DefaultValue as D, ReferentialAction as A, Table};
use lback_core::sql::Dialect;

/// lback's rendering (see `Dialect::type_name` and `default_literal`) of
/// [`rendered_schema`], written by hand, plus bookkeeping tables to skip.
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

fn users(model: bool) -> Table {
    let users = Table::new("users")
        .with_column(col("id", pick(model, T::BigInt, T::Integer)).auto_increment())
        .with_column(col("email", T::Varchar(255)))
        .with_column(col("name", T::Text).nullable());
    let users = with_counters(with_flags(users, model))
        .with_column(col("created_at", T::Timestamp).with_default(sql("CURRENT_TIMESTAMP")))
        .with_column(optional("born", T::Date, text("2000-01-01")))
        .with_column(col("wakes", T::Time).nullable())
        .with_column(col("seen", T::TimestampTz).nullable())
        .with_column(col("token", T::Uuid).nullable())
        .with_column(col("prefs", T::Json).with_default(text("{}")))
        .with_column(col("avatar", T::Binary).nullable())
        .with_column(balance(model))
        .with_column(col("rate", decimal(Some(5), None)).nullable())
        .with_column(col("amount", decimal(None, None)).nullable())
        .with_column(optional(
            "legacy",
            custom("TINYINT"),
            pick(model, D::Bool(true), D::Int(1)),
        ))
        .with_column(col("nick", custom("CITEXT")).nullable());
    let users = with_users_keys(users, model).with_index(index(
        "ux_users_token_born",
        &["token", "born"],
        true,
    ));
    // SQLite writes a unique constraint as a unique index.
    if model {
        users.with_unique(unique("uq_users_email", &["email"]))
    } else {
        users.with_index(index("uq_users_email", &["email"], true))
    }
}

fn order(model: bool) -> Table {
    let id = pick(model, T::BigInt, T::Integer);
    let order = order_columns(model, id, T::Text, T::Text).with_column(optional(
        "placed_at",
        T::Timestamp,
        sql("datetime('now')"),
    ));
    // SQLite keeps no foreign key names: the generated one.
    with_order_keys(order, pick(model, "fk_parent", "fk_order_parent_id"))
}

/// The models behind [`RENDERED`] (`model`), or what SQLite reports for
/// it, written out in full.
pub(super) fn rendered_schema(model: bool) -> lback_core::schema::Schema {
    let order_items = order_items(A::SetDefault);
    schema([users(model), order(model), products(), order_items])
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
        .with_column(optional("c", custom("Some Type"), text("x")))
        .with_column(optional("n", custom("numeric"), D::Int(1)))
        .with_column(optional("f", custom("bool"), sql("TRUE")))
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
