//! The tables, the schema changes applied to them, and the migrations lback
//! writes for each change.

use std::path::Path;
use std::time::SystemTime;

use lback_core::migrations::{Draft, MigrationFolder, Migrations};
use lback_core::schema::{Column, ColumnType, DefaultValue, ReferentialAction, Schema, Table};
use lback_core::sql::Dialect;

use crate::support;

/// One schema change, applied on its own to the `before` tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Change {
    AddIndex,
    AddUnique,
    AddForeignKey,
    AddColumnWithDefault,
    SetNotNull,
    RenameColumn,
}

pub(crate) const CHANGES: [Change; 6] = [
    Change::AddIndex,
    Change::AddUnique,
    Change::AddForeignKey,
    Change::AddColumnWithDefault,
    Change::SetNotNull,
    Change::RenameColumn,
];

impl Change {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Change::AddIndex => "add_index",
            Change::AddUnique => "add_unique",
            Change::AddForeignKey => "add_foreign_key",
            Change::AddColumnWithDefault => "add_not_null_column_with_default",
            Change::SetNotNull => "set_not_null",
            Change::RenameColumn => "rename_column",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Change::AddIndex => "add index (name)",
            Change::AddUnique => "add unique (code)",
            Change::AddForeignKey => "add foreign key (account_id → accounts)",
            Change::AddColumnWithDefault => "add column status INTEGER NOT NULL DEFAULT 0",
            Change::SetNotNull => "set NOT NULL (note)",
            Change::RenameColumn => "rename column (label → title)",
        }
    }
}

fn accounts() -> Table {
    Table::new("accounts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("name", ColumnType::Varchar(100)))
        .with_primary_key(["id"])
}

/// `items` before any change; the writers use every column but `label`
/// (the one renamed).
fn items() -> Table {
    Table::new("items")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("account_id", ColumnType::BigInt))
        .with_column(Column::new("code", ColumnType::Varchar(40)))
        .with_column(Column::new("name", ColumnType::Varchar(100)))
        .with_column(Column::new("quantity", ColumnType::Integer))
        .with_column(Column::new("note", ColumnType::Varchar(100)).nullable())
        .with_column(Column::new("label", ColumnType::Varchar(100)).nullable())
        .with_primary_key(["id"])
}

fn before() -> Schema {
    Schema::from_tables([accounts(), items()]).expect("two tables")
}

pub(crate) fn after(change: Change) -> Schema {
    let mut items = items();
    match change {
        Change::AddIndex => items = items.with_index(support::index("ix_items_name", &["name"])),
        Change::AddUnique => items = items.with_unique(support::unique("uq_items_code", &["code"])),
        Change::AddForeignKey => {
            items = items.with_foreign_key(support::foreign_key(
                "fk_items_account_id",
                "account_id",
                "accounts",
                ReferentialAction::NoAction,
            ))
        }
        Change::AddColumnWithDefault => {
            items = items.with_column(
                Column::new("status", ColumnType::Integer).with_default(DefaultValue::Int(0)),
            )
        }
        Change::SetNotNull => column_mut(&mut items, "note").nullable = false,
        Change::RenameColumn => {
            *column_mut(&mut items, "label") = Column::new("title", ColumnType::Varchar(100))
                .nullable()
                .renamed_from("label");
        }
    }
    Schema::from_tables([accounts(), items]).expect("two tables")
}

/// The column of `items` named `name`, to change.
fn column_mut<'a>(items: &'a mut Table, name: &str) -> &'a mut Column {
    items
        .columns
        .to_mut()
        .iter_mut()
        .find(|c| c.name.as_ref() == name)
        .unwrap_or_else(|| panic!("items.{name}"))
}

/// The two forms of lback's SQL: the project setting `online_ddl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// `online_ddl` off (`sql::render`): the plain, blocking DDL.
    Plain,
    /// `online_ddl` on (`sql::render_with(.., &RenderOptions { online:
    /// true })`), what a new project gets.
    Online,
}

impl Form {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Form::Plain => "plain",
            Form::Online => "online",
        }
    }
}

/// Writes, as `makemigrations` does, a migrations folder for `dialect`:
/// the migration creating the `before` tables, then the one(s) making
/// `change` (with the online forms, PostgreSQL's part that runs outside a
/// transaction is a second migration, `run_in_transaction = false`).
/// Returns the folders read back, oldest first.
pub(crate) fn write_migrations(
    dir: &Path,
    change: Change,
    form: Form,
    dialect: Dialect,
) -> Vec<MigrationFolder> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("remove the previous migrations folder");
    }
    let mut migrations = Migrations::open(dir).expect("a new migrations folder");
    if form == Form::Online {
        // A new project: `"online_ddl": true` in its settings.
        migrations.start_project();
    }
    let now = SystemTime::now();
    for (name, models) in [("create_tables", before()), (change.name(), after(change))] {
        let draft = Draft::new(&migrations, models).expect("diff the models");
        draft
            .check_dialects(&[dialect])
            .expect("the dialect holds the models");
        assert!(!draft.is_empty(), "{name}: lback sees no change");
        if name != "create_tables" {
            if let Some(op) = draft.operations.iter().find(|op| op.table() != "items") {
                panic!("{name}: unexpected operation {op}");
            }
        }
        let sql = draft.sql(&[dialect]);
        for migration in draft.into_migrations(name.to_owned(), sql, now) {
            migrations.write(migration).expect("write the migration");
        }
    }
    let folders = Migrations::open(dir)
        .expect("read the migrations back")
        .folders()
        .to_vec();
    assert_eq!(
        folders[0].name, "create_tables",
        "the first migration creates the tables"
    );
    folders
}
