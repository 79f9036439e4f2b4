//! Golden SQL: for each case, the up and down SQL of every dialect is
//! compared with a reviewed file under `tests/golden/`, so any change in
//! output shows up as a diff. Rewrite the files with `LBACK_BLESS=1` after
//! an intended change, and review them.

use std::path::Path;

use lback::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, Name, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use lback_core::diff::{diff, inverse, rename_hints, Operation};
use lback_core::sql::{render, render_down, split_statements, Dialect};

fn names(list: &[&str]) -> Vec<Name> {
    list.iter().map(|n| n.to_string().into()).collect()
}

fn id(name: &str) -> Column {
    Column::new(name.to_string(), ColumnType::BigInt).auto_increment()
}

fn fk(table: &str, column: &str, target: &str, on_delete: ReferentialAction) -> ForeignKey {
    ForeignKey {
        name: format!("fk_{table}_{column}").into(),
        columns: names(&[column]).into(),
        referenced_table: target.to_string().into(),
        referenced_columns: names(&["id"]).into(),
        on_delete,
        on_update: ReferentialAction::NoAction,
    }
}

fn index(name: &str, columns: &[&str], unique: bool) -> Index {
    Index {
        name: name.to_string().into(),
        columns: names(columns).into(),
        unique,
    }
}

/// `user` and `order` are reserved words; `we"ird col` has a quote and a space.
fn user_table() -> Table {
    Table::new("user")
        .with_column(id("id"))
        .with_column(Column::new("email", ColumnType::Varchar(255)))
        .with_column(Column::new("we\"ird col", ColumnType::Text).nullable())
        .with_primary_key(["id"])
        .with_unique(UniqueConstraint {
            name: "uq_user_email".into(),
            columns: names(&["email"]).into(),
        })
}

fn order_table() -> Table {
    Table::new("order")
        .with_column(id("id"))
        .with_column(Column::new("user_id", ColumnType::BigInt))
        .with_column(
            Column::new(
                "total",
                ColumnType::Decimal {
                    precision: Some(10),
                    scale: Some(2),
                },
            )
            .with_default(DefaultValue::Float(0.0)),
        )
        .with_column(
            Column::new("note", ColumnType::Text).with_default(DefaultValue::Text("it's".into())),
        )
        .with_primary_key(["id"])
        .with_index(index("ix_order_user_id", &["user_id"], false))
        .with_foreign_key(fk("order", "user_id", "user", ReferentialAction::Cascade))
}

fn every_type() -> Table {
    use ColumnType::*;
    let types = [
        ("small", SmallInt),
        ("int", Integer),
        ("big", BigInt),
        ("real", Real),
        ("double", Double),
        ("flag", Boolean),
        ("text", Text),
        ("name", Varchar(40)),
        ("bytes", Binary),
        ("day", Date),
        ("clock", Time),
        ("at", Timestamp),
        ("at_tz", TimestampTz),
        ("uid", Uuid),
        ("doc", Json),
        (
            "money",
            Decimal {
                precision: Some(12),
                scale: Some(4),
            },
        ),
        (
            "any_number",
            Decimal {
                precision: None,
                scale: None,
            },
        ),
        ("custom", Custom("CHAR(3)".into())),
    ];
    let mut table =
        Table::new("every_type").with_column(Column::new("id", Integer).auto_increment());
    for (name, ty) in types {
        table = table.with_column(Column::new(name, ty).nullable());
    }
    table
        .with_column(Column::new("count", Integer).with_default(DefaultValue::Int(-1)))
        .with_column(Column::new("ratio", Double).with_default(DefaultValue::Float(0.5)))
        .with_column(Column::new("on", Boolean).with_default(DefaultValue::Bool(true)))
        .with_column(
            Column::new("created", Timestamp)
                .with_default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
        )
        .with_primary_key(["id"])
}

fn schema(tables: Vec<Table>) -> Schema {
    Schema::from_tables(tables).unwrap()
}

fn with(table: Table, change: impl FnOnce(&mut Table)) -> Table {
    let mut table = table;
    change(&mut table);
    table
}

/// Every case: name, old schema, new schema.
fn cases() -> Vec<(&'static str, Schema, Schema)> {
    let base = schema(vec![user_table(), order_table()]);
    let mut cases = vec![
        (
            "create_tables",
            Schema::new(),
            schema(vec![user_table(), order_table(), every_type()]),
        ),
        ("drop_tables", base.clone(), Schema::new()),
        (
            "rename_table",
            base.clone(),
            schema(vec![
                user_table(),
                with(order_table(), |t| {
                    t.name = "purchase".into();
                    t.renamed_from = Some("order".into());
                    t.indexes = vec![index("ix_purchase_user_id", &["user_id"], false)].into();
                    t.foreign_keys = vec![fk(
                        "purchase",
                        "user_id",
                        "user",
                        ReferentialAction::Cascade,
                    )]
                    .into();
                }),
            ]),
        ),
        (
            "add_columns",
            base.clone(),
            schema(vec![
                with(user_table(), |t| {
                    t.columns
                        .to_mut()
                        .push(Column::new("bio", ColumnType::Text).nullable());
                    t.columns
                        .to_mut()
                        .push(Column::new("karma", ColumnType::Integer));
                    t.columns.to_mut().push(
                        Column::new("joined", ColumnType::Timestamp)
                            .with_default(DefaultValue::Sql("CURRENT_TIMESTAMP".into())),
                    );
                }),
                order_table(),
            ]),
        ),
        (
            "rename_column",
            base.clone(),
            schema(vec![
                with(user_table(), |t| {
                    let c = &mut t.columns.to_mut()[2];
                    c.name = "nickname".into();
                    c.renamed_from = Some("we\"ird col".into());
                }),
                order_table(),
            ]),
        ),
        (
            // The generated names of the index, unique constraint and
            // foreign key follow the columns: renamed, not rebuilt.
            "rename_columns_with_keys",
            base.clone(),
            schema(vec![
                with(user_table(), |t| {
                    let c = &mut t.columns.to_mut()[1];
                    c.name = "mail".into();
                    c.renamed_from = Some("email".into());
                    t.unique_constraints = vec![UniqueConstraint {
                        name: "uq_user_mail".into(),
                        columns: names(&["mail"]).into(),
                    }]
                    .into();
                }),
                with(order_table(), |t| {
                    let c = &mut t.columns.to_mut()[1];
                    c.name = "buyer_id".into();
                    c.renamed_from = Some("user_id".into());
                    t.indexes = vec![index("ix_order_buyer_id", &["buyer_id"], false)].into();
                    t.foreign_keys =
                        vec![fk("order", "buyer_id", "user", ReferentialAction::Cascade)].into();
                }),
            ]),
        ),
        (
            "alter_columns",
            base.clone(),
            schema(vec![
                with(user_table(), |t| {
                    let columns = t.columns.to_mut();
                    columns[1].ty = ColumnType::Text; // widen
                    columns[2].nullable = false; // NULLs must be filled
                    columns[2].default = Some(DefaultValue::Text("none".into()));
                }),
                with(order_table(), |t| {
                    t.columns.to_mut()[2].ty = ColumnType::Decimal {
                        precision: Some(8),
                        scale: Some(2),
                    }; // narrow
                    t.columns.to_mut()[3].default = None;
                }),
            ]),
        ),
        (
            "indexes_and_uniques",
            base.clone(),
            schema(vec![
                with(user_table(), |t| {
                    t.unique_constraints = vec![UniqueConstraint {
                        name: "uq_user_email_nick".into(),
                        columns: names(&["email", "we\"ird col"]).into(),
                    }]
                    .into();
                    t.indexes = vec![index("ux_user_weird", &["we\"ird col"], true)].into();
                }),
                with(order_table(), |t| {
                    t.indexes = vec![index(
                        "ix_order_user_id_total",
                        &["user_id", "total"],
                        false,
                    )]
                    .into();
                }),
            ]),
        ),
        (
            "foreign_keys",
            base.clone(),
            schema(vec![
                user_table(),
                with(order_table(), |t| {
                    t.columns
                        .to_mut()
                        .push(Column::new("parent_id", ColumnType::BigInt).nullable());
                    t.foreign_keys = vec![
                        fk("order", "parent_id", "order", ReferentialAction::SetNull),
                        fk("order", "user_id", "user", ReferentialAction::Restrict),
                    ]
                    .into();
                }),
            ]),
        ),
        (
            "primary_key",
            base.clone(),
            schema(vec![
                user_table(),
                with(order_table(), |t| {
                    t.columns.to_mut()[0].auto_increment = false;
                    t.primary_key = names(&["id", "user_id"]).into();
                }),
            ]),
        ),
    ];
    // Tables that reference each other in a cycle are created first, and
    // the key closing the cycle added after.
    let a = Table::new("a")
        .with_column(id("id"))
        .with_column(Column::new("b_id", ColumnType::BigInt).nullable())
        .with_primary_key(["id"])
        .with_foreign_key(fk("a", "b_id", "b", ReferentialAction::NoAction));
    let b = Table::new("b")
        .with_column(id("id"))
        .with_column(Column::new("a_id", ColumnType::BigInt).nullable())
        .with_primary_key(["id"])
        .with_foreign_key(fk("b", "a_id", "a", ReferentialAction::NoAction));
    let c = Table::new("c")
        .with_column(id("id"))
        .with_column(Column::new("b_id", ColumnType::BigInt))
        .with_primary_key(["id"])
        .with_foreign_key(fk("c", "b_id", "b", ReferentialAction::Cascade));
    cases.push(("foreign_key_cycle", Schema::new(), schema(vec![c, b, a])));
    cases.push(composite_foreign_keys());
    cases
}

/// Foreign keys over two columns, onto a composite primary key and a
/// composite unique key: added to a table that exists (with rows, in the
/// round trips) and declared by a new table.
fn composite_foreign_keys() -> (&'static str, Schema, Schema) {
    let shop = Table::new("shop order")
        .with_column(Column::new("shop_id", ColumnType::BigInt))
        .with_column(Column::new("number", ColumnType::Integer))
        .with_column(Column::new("code", ColumnType::Varchar(20)))
        .with_primary_key(["shop_id", "number"])
        .with_unique(UniqueConstraint {
            name: "uq_shop_order_shop_id_code".into(),
            columns: names(&["shop_id", "code"]).into(),
        });
    let line = Table::new("line")
        .with_column(id("id"))
        .with_column(Column::new("shop_id", ColumnType::BigInt))
        .with_column(Column::new("order_number", ColumnType::Integer))
        .with_column(Column::new("order_code", ColumnType::Varchar(20)).nullable())
        .with_primary_key(["id"]);
    let composite = |name: &str, columns: &[&str], referenced: &[&str], on_delete| ForeignKey {
        name: name.to_string().into(),
        columns: names(columns).into(),
        referenced_table: "shop order".into(),
        referenced_columns: names(referenced).into(),
        on_delete,
        on_update: ReferentialAction::Cascade,
    };
    let new_line = with(line.clone(), |t| {
        t.foreign_keys = vec![
            composite(
                "fk_line_order",
                &["shop_id", "order_number"],
                &["shop_id", "number"],
                ReferentialAction::Cascade,
            ),
            composite(
                "fk_line_code",
                &["shop_id", "order_code"],
                &["shop_id", "code"],
                ReferentialAction::NoAction,
            ),
        ]
        .into();
    });
    let shipment = Table::new("shipment")
        .with_column(id("id"))
        .with_column(Column::new("shop_id", ColumnType::BigInt))
        .with_column(Column::new("order_number", ColumnType::Integer))
        .with_primary_key(["id"])
        .with_foreign_key(composite(
            "fk_shipment_order",
            &["shop_id", "order_number"],
            &["shop_id", "number"],
            ReferentialAction::Restrict,
        ));
    let (old, new) = (
        schema(vec![shop.clone(), line]),
        schema(vec![shop, new_line, shipment]),
    );
    old.validate().unwrap();
    new.validate().unwrap();
    ("composite_foreign_keys", old, new)
}

fn render_case(old: &Schema, new: &Schema) -> String {
    let up = diff(old, new);
    let mut out = String::from("-- summary\n");
    for op in &up {
        out.push_str(&format!("--   {op}\n"));
    }
    for hint in rename_hints(&up) {
        out.push_str(&format!("--   hint: {hint}\n"));
    }
    for dialect in Dialect::ALL {
        let rendered_up = render(&up, old, dialect);
        let rendered_down = render_down(&up, new, dialect);
        for (direction, rendered) in [("up", rendered_up), ("down", rendered_down)] {
            // The runner runs files statement by statement.
            let script = rendered.to_sql();
            let statements: Vec<&str> = rendered.statements.iter().map(|s| s.trim()).collect();
            assert_eq!(split_statements(&script, dialect), statements, "{script}");
            out.push_str(&format!("\n-- {dialect} {direction}"));
            if rendered.needs_foreign_keys_off {
                out.push_str(" (needs PRAGMA foreign_keys = OFF)");
            }
            out.push('\n');
            out.push_str(&rendered.to_sql());
        }
    }
    out
}

#[test]
fn every_case_renders_as_reviewed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let bless = std::env::var_os("LBACK_BLESS").is_some();
    let mut mismatched = Vec::new();
    for (name, old, new) in cases() {
        let text = render_case(&old, &new);
        let path = dir.join(format!("{name}.sql"));
        if bless {
            std::fs::write(&path, &text).unwrap();
        }
        let golden = std::fs::read_to_string(&path).unwrap_or_default();
        if golden != text {
            mismatched.push(name);
        }
    }
    assert!(
        mismatched.is_empty(),
        "rendered SQL differs from tests/golden for {mismatched:?}; review, then LBACK_BLESS=1"
    );
}

#[test]
fn the_diff_is_deterministic_and_applying_it_reaches_the_new_schema() {
    for (name, old, new) in cases() {
        let ops = diff(&old, &new);
        assert_eq!(ops, diff(&old, &new), "{name}");
        let mut state = old.clone();
        for op in &ops {
            op.apply(&mut state);
        }
        assert_eq!(state.normalized(), new.normalized(), "up of {name}");
        for op in inverse(&ops) {
            op.apply(&mut state);
        }
        assert_eq!(state.normalized(), old.normalized(), "down of {name}");
    }
}

#[test]
fn no_change_means_no_operation() {
    for (_, old, new) in cases() {
        assert_eq!(diff(&old, &old), Vec::<Operation>::new());
        assert_eq!(diff(&new, &new), Vec::<Operation>::new());
    }
}

#[test]
fn a_drop_plus_an_add_of_the_same_type_yields_a_rename_hint() {
    let old = schema(vec![user_table()]);
    let new = schema(vec![with(user_table(), |t| {
        t.columns.to_mut()[2].name = "nick".into()
    })]);
    let hints = rename_hints(&diff(&old, &new));
    assert_eq!(hints.len(), 1);
    assert_eq!(
        hints[0].to_string(),
        "did you mean to rename user.we\"ird col to nick? add #[lback(renamed_from = \"we\"ird col\")] to the field, or the data in `we\"ird col` is dropped"
    );
}
