use super::split_online;
use crate::diff::{diff, Operation};
use crate::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use crate::sql::{render, render_down_with, render_with, Dialect, RenderOptions};

const ONLINE: RenderOptions = RenderOptions { online: true };

fn users() -> Table {
    Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Varchar(100)).nullable())
        .with_primary_key(["id"])
}

fn orders() -> Table {
    Table::new("orders")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("user_id", ColumnType::BigInt).nullable())
        .with_primary_key(["id"])
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema::from_tables(tables).unwrap()
}

fn index(name: &str, column: &str) -> Index {
    Index {
        name: name.to_owned().into(),
        columns: vec![column.to_owned().into()].into(),
        unique: false,
    }
}

fn fk() -> ForeignKey {
    ForeignKey {
        name: "fk_orders_user_id".into(),
        columns: vec!["user_id".into()].into(),
        referenced_table: "users".into(),
        referenced_columns: vec!["id".into()].into(),
        on_delete: ReferentialAction::Cascade,
        on_update: ReferentialAction::NoAction,
    }
}

#[test]
fn default_options_are_the_plain_form() {
    let before = schema(vec![users()]);
    let after = schema(vec![users().with_index(index("ix_users_email", "email"))]);
    let ops = diff(&before, &after);
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let plain = render(&ops, &before, d);
        assert_eq!(
            render_with(&ops, &before, d, &RenderOptions::default()),
            plain
        );
        assert!(plain.outside_transaction.is_empty());
    }
    assert_eq!(
        render(&ops, &before, Dialect::Postgres).statements,
        ["CREATE INDEX \"ix_users_email\" ON \"users\" (\"email\")"]
    );
}

#[test]
fn postgres_index_is_built_concurrently_after_cleaning_an_invalid_one() {
    let before = schema(vec![users()]);
    let after = schema(vec![users().with_index(index("ix_users_email", "email"))]);
    let ops = diff(&before, &after);
    let up = render_with(&ops, &before, Dialect::Postgres, &ONLINE);
    assert!(up.statements.is_empty(), "{:?}", up.statements);
    let save = "SELECT set_config('lback.lock_timeout', current_setting('lock_timeout'), false)";
    let restore = "SELECT set_config('lock_timeout', current_setting('lback.lock_timeout'), false)";
    assert_eq!(
        up.outside_transaction,
        [
            save,
            "SET lock_timeout = 0",
            "DROP INDEX CONCURRENTLY IF EXISTS \"ix_users_email\"",
            "CREATE INDEX CONCURRENTLY \"ix_users_email\" ON \"users\" (\"email\")",
            restore,
        ]
    );
    let down = render_down_with(&ops, &after, Dialect::Postgres, &ONLINE);
    assert_eq!(
        down.outside_transaction,
        [
            save,
            "SET lock_timeout = 0",
            "DROP INDEX CONCURRENTLY IF EXISTS \"ix_users_email\"",
            restore,
        ]
    );
    assert!(up.to_sql().contains("-- lback: outside a transaction"));
}

#[test]
fn postgres_unique_foreign_key_and_not_null_online_forms() {
    let before = schema(vec![users(), orders()]);
    let users_after = Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Varchar(100)))
        .with_primary_key(["id"])
        .with_unique(UniqueConstraint {
            name: "uq_users_email".into(),
            columns: vec!["email".into()].into(),
        });
    let after = schema(vec![users_after, orders().with_foreign_key(fk())]);
    let mut ops = diff(&before, &after);
    for op in &mut ops {
        if let Operation::AlterColumn { fill, .. } = op {
            *fill = Some(DefaultValue::Text("none".into()));
        }
    }
    let up = render_with(&ops, &before, Dialect::Postgres, &ONLINE);
    let all = up.outside_transaction.join(";\n");
    for expected in [
        "DO $lback$ BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = 'uq_users_email' AND conrelid = to_regclass('\"users\"')) THEN ALTER TABLE \"users\" DROP CONSTRAINT \"uq_users_email\"; END IF; END $lback$",
        "CREATE UNIQUE INDEX CONCURRENTLY \"uq_users_email\" ON \"users\" (\"email\")",
        "ALTER TABLE \"users\" ADD CONSTRAINT \"uq_users_email\" UNIQUE USING INDEX \"uq_users_email\"",
        "UPDATE \"users\" SET \"email\" = 'none' WHERE \"email\" IS NULL",
        "ALTER TABLE \"users\" ADD CONSTRAINT \"ck_users_email_not_null\" CHECK (\"email\" IS NOT NULL) NOT VALID",
        "ALTER TABLE \"users\" VALIDATE CONSTRAINT \"ck_users_email_not_null\"",
        "ALTER TABLE \"users\" ALTER COLUMN \"email\" SET NOT NULL",
        "ALTER TABLE \"users\" DROP CONSTRAINT \"ck_users_email_not_null\"",
        "ALTER TABLE \"orders\" ADD CONSTRAINT \"fk_orders_user_id\" FOREIGN KEY (\"user_id\") REFERENCES \"users\" (\"id\") ON DELETE CASCADE ON UPDATE NO ACTION NOT VALID",
        "ALTER TABLE \"orders\" VALIDATE CONSTRAINT \"fk_orders_user_id\"",
    ] {
        assert!(all.contains(expected), "missing {expected} in\n{all}");
    }
    // The check is validated before NOT NULL is set, and dropped after.
    let at = |s: &str| {
        up.outside_transaction
            .iter()
            .position(|x| x.contains(s))
            .unwrap()
    };
    assert!(at("VALIDATE CONSTRAINT \"ck_") < at("SET NOT NULL"));
    let dropped = up
        .outside_transaction
        .iter()
        .position(|x| x.starts_with("ALTER TABLE \"users\" DROP CONSTRAINT \"ck_"))
        .unwrap();
    assert!(at("SET NOT NULL") < dropped);
    // A check left by an interrupted run is dropped before adding it.
    assert!(
        at("conname = 'ck_users_email_not_null'") < at("CHECK (\"email\" IS NOT NULL) NOT VALID")
    );
    assert!(!up.statements.iter().any(|s| s.contains("SET NOT NULL")));
    // The plain form is unchanged.
    let plain = render(&ops, &before, Dialect::Postgres);
    assert!(plain
        .statements
        .iter()
        .any(|s| s.ends_with("ALTER COLUMN \"email\" SET NOT NULL")));
}

#[test]
fn constant_default_column_stays_one_statement_in_the_transaction() {
    let before = schema(vec![users()]);
    let after = schema(vec![users().with_column(
        Column::new("active", ColumnType::Boolean).with_default(DefaultValue::Bool(true)),
    )]);
    let ops = diff(&before, &after);
    let up = render_with(&ops, &before, Dialect::Postgres, &ONLINE);
    assert_eq!(up, render(&ops, &before, Dialect::Postgres));
    assert_eq!(up.statements.len(), 1);
    let my = render_with(&ops, &before, Dialect::Mysql, &ONLINE);
    let plain = render(&ops, &before, Dialect::Mysql);
    assert_eq!(
        my.statements,
        [format!("{}, ALGORITHM=INSTANT", plain.statements[0])]
    );
}

#[test]
fn new_tables_and_later_changes_keep_the_plain_form() {
    // An index of a table created in the same migration: no rows yet.
    let after = schema(vec![users().with_index(index("ix_users_email", "email"))]);
    let ops = diff(&Schema::new(), &after);
    let up = render_with(&ops, &Schema::new(), Dialect::Postgres, &ONLINE);
    assert!(up.outside_transaction.is_empty());

    // An index followed by a rename on the same table stays in order.
    let before = schema(vec![users()]);
    let ops = vec![
        Operation::AddIndex {
            table: "users".into(),
            index: index("ix_users_email", "email"),
        },
        Operation::RenameColumn {
            table: "users".into(),
            from: "email".into(),
            to: "mail".into(),
        },
    ];
    let up = render_with(&ops, &before, Dialect::Postgres, &ONLINE);
    assert!(up.outside_transaction.is_empty(), "{up:?}");
    assert_eq!(split_online(&ops).1, Vec::new());

    // ...but one on another table moves after the transaction.
    let before = schema(vec![users(), orders()]);
    let ops = vec![
        Operation::AddIndex {
            table: "users".into(),
            index: index("ix_users_email", "email"),
        },
        Operation::RenameColumn {
            table: "orders".into(),
            from: "user_id".into(),
            to: "buyer_id".into(),
        },
    ];
    let up = render_with(&ops, &before, Dialect::Postgres, &ONLINE);
    assert_eq!(up.statements.len(), 1);
    assert_eq!(up.outside_transaction.len(), 5);
    let (inside, outside) = split_online(&ops);
    assert_eq!(
        (inside, outside),
        (vec![ops[1].clone()], vec![ops[0].clone()])
    );
}

#[test]
fn split_builds_the_same_schema() {
    let before = schema(vec![users(), orders()]);
    let after = schema(vec![
        users()
            .with_index(index("ix_users_email", "email"))
            .with_column(Column::new("nick", ColumnType::Text).nullable()),
        orders().with_foreign_key(fk()),
    ]);
    let ops = diff(&before, &after);
    let (inside, outside) = split_online(&ops);
    assert!(!inside.is_empty() && !outside.is_empty(), "{ops:?}");
    let mut built = before.clone();
    for op in inside.iter().chain(&outside) {
        op.apply(&mut built);
    }
    assert_eq!(built.normalized(), after.normalized());
}

#[test]
fn mysql_gets_algorithm_clauses_where_the_server_has_them() {
    let before = schema(vec![users(), orders()]);
    let after = schema(vec![
        users().with_index(index("ix_users_email", "email")),
        orders().with_foreign_key(fk()),
    ]);
    let ops = diff(&before, &after);
    let up = render_with(&ops, &before, Dialect::Mysql, &ONLINE);
    assert!(up.outside_transaction.is_empty());
    assert!(up.statements.contains(
        &"CREATE INDEX `ix_users_email` ON `users` (`email`) ALGORITHM=INPLACE LOCK=NONE"
            .to_owned()
    ));
    // No online way to add a foreign key: plain.
    let fk_sql = up
        .statements
        .iter()
        .find(|s| s.contains("FOREIGN KEY"))
        .unwrap();
    assert!(!fk_sql.contains("ALGORITHM"), "{fk_sql}");
    let down = render_down_with(&ops, &after, Dialect::Mysql, &ONLINE);
    assert!(down.statements.contains(
        &"ALTER TABLE `users` DROP INDEX `ix_users_email`, ALGORITHM=INPLACE, LOCK=NONE".to_owned()
    ));
    assert!(down.statements.contains(
        &"ALTER TABLE `orders` DROP FOREIGN KEY `fk_orders_user_id`, ALGORITHM=INPLACE, LOCK=NONE"
            .to_owned()
    ));
    // SQLite: nothing changes.
    assert_eq!(
        render_with(&ops, &before, Dialect::Sqlite, &ONLINE),
        render(&ops, &before, Dialect::Sqlite)
    );
}
