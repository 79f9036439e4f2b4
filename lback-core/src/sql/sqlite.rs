//! SQLite: what `ALTER TABLE` can do directly, and the table rebuild SQLite
//! documents for the rest (<https://www.sqlite.org/lang_altertable.html>,
//! "Making Other Kinds Of Table Schema Changes"): create the new table under
//! a temporary name, copy every row, drop the old table, rename the new one,
//! recreate the indexes. The foreign keys are checked by the runner, once
//! for the whole database before it commits (`Rendered::needs_foreign_keys_off`):
//! a `PRAGMA foreign_key_check` in the SQL itself would only repeat that
//! work (a fifth of the rebuild of a 1,000,000-row table, see BENCHMARKS.md)
//! and enforce nothing, since a script's pragma results are discarded.

use std::collections::BTreeMap;

use crate::diff::Operation;
use crate::schema::{Column, DefaultValue, Index, Name, Schema, Table, UniqueConstraint};

use super::ddl::{
    column_definition, create_index, create_table_statement, foreign_key_clause,
    primary_key_clause, rename_column,
};
use super::Dialect;

const D: Dialect = Dialect::Sqlite;

/// Renders a list of operations into `out`. Consecutive operations that
/// each need a rebuild of the same table share one rebuild: from the table
/// before the first to the table after the last. Returns whether any table
/// is rebuilt (the migration then runs with foreign keys off, see
/// `Rendered::needs_foreign_keys_off`).
pub(super) fn render_all(operations: &[Operation], before: &Schema, out: &mut Vec<String>) -> bool {
    let mut rebuilds = false;
    let mut state = before.clone();
    let mut i = 0;
    while i < operations.len() {
        let op = &operations[i];
        if !needs_rebuild(op, &state) {
            out.extend(render_direct(op));
            op.apply(&mut state);
            i += 1;
            continue;
        }
        let table = op.table().to_owned();
        let old = state.table(&table).cloned();
        let mut fills = BTreeMap::new();
        note_fill(op, &mut fills);
        op.apply(&mut state);
        i += 1;
        while let Some(next) = operations.get(i) {
            if next.table() != table || !needs_rebuild(next, &state) {
                break;
            }
            note_fill(next, &mut fills);
            next.apply(&mut state);
            i += 1;
        }
        match (old, state.table(&table)) {
            (Some(old), Some(new)) => {
                rebuilds = true;
                out.extend(rebuild(&old, new, &fills));
            }
            // Not in the schema the operations start from: a hand-made
            // operation list; nothing sound can be rendered.
            _ => out.push(format!(
                "-- lback: table {} is unknown here; write this change by hand",
                D.quote(&table)
            )),
        }
    }
    rebuilds
}

/// The value the user chose for the NULLs of a column made NOT NULL.
fn note_fill(op: &Operation, fills: &mut BTreeMap<Name, DefaultValue>) {
    if let Operation::AlterColumn {
        to,
        fill: Some(value),
        ..
    } = op
    {
        fills.insert(to.name.clone(), value.clone());
    }
}

fn needs_rebuild(op: &Operation, state: &Schema) -> bool {
    match op {
        Operation::AddColumn { column, .. } => !can_add_directly(column),
        Operation::DropColumn { table, column } => {
            !can_drop_directly(state.table(table), &column.name)
        }
        Operation::AlterColumn { .. }
        | Operation::AddForeignKey { .. }
        | Operation::DropForeignKey { .. }
        | Operation::SetPrimaryKey { .. } => true,
        _ => false,
    }
}

fn render_direct(op: &Operation) -> Vec<String> {
    let q = |name: &str| D.quote(name);
    match op {
        Operation::CreateTable(table) => create_table(table),
        Operation::DropTable(table) => vec![format!("DROP TABLE {}", q(&table.name))],
        // SQLite compares table names without case: `MixedCase` →
        // `mixedcase` would find its own table "already there", so it goes
        // through a temporary name.
        Operation::RenameTable { from, to } if from.eq_ignore_ascii_case(to) => {
            let temporary = format!("__lback_tmp_{to}");
            vec![
                format!("ALTER TABLE {} RENAME TO {}", q(from), q(&temporary)),
                format!("ALTER TABLE {} RENAME TO {}", q(&temporary), q(to)),
            ]
        }
        Operation::RenameTable { from, to } => {
            vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))]
        }
        Operation::RenameColumn { table, from, to } => {
            vec![rename_column(table, from, to, D)]
        }
        Operation::AddIndex { table, index } => vec![create_index(table, index, D)],
        Operation::DropIndex { index, .. } => vec![format!("DROP INDEX {}", q(&index.name))],
        // Unique constraints live as named unique indexes (see `create_table`).
        Operation::AddUnique { table, unique } => {
            vec![create_index(table, &unique_as_index(unique), D)]
        }
        Operation::DropUnique { unique, .. } => vec![format!("DROP INDEX {}", q(&unique.name))],
        // SQLite has no ALTER INDEX: the index is built again under its
        // new name.
        Operation::RenameIndex { table, from, index } => vec![
            format!("DROP INDEX {}", q(from)),
            create_index(table, index, D),
        ],
        Operation::RenameUnique {
            table,
            from,
            unique,
        } => vec![
            format!("DROP INDEX {}", q(from)),
            create_index(table, &unique_as_index(unique), D),
        ],
        // SQLite keeps no name of a foreign key: nothing to rename.
        Operation::RenameForeignKey { .. } => Vec::new(),
        Operation::AddColumn { table, column } => {
            vec![format!(
                "ALTER TABLE {} ADD COLUMN {}",
                q(table),
                column_definition(column, D)
            )]
        }
        Operation::DropColumn { table, column } => {
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                q(table),
                q(&column.name)
            )]
        }
        Operation::AlterColumn { .. }
        | Operation::AddForeignKey { .. }
        | Operation::DropForeignKey { .. }
        | Operation::SetPrimaryKey { .. } => unreachable!("these always rebuild"),
    }
}

/// `ALTER TABLE ADD COLUMN` takes no key, no NOT NULL without a default, and
/// only constant defaults.
fn can_add_directly(column: &Column) -> bool {
    let constant_default = match &column.default {
        None => true,
        Some(crate::schema::DefaultValue::Sql(_)) => false,
        Some(_) => true,
    };
    !column.auto_increment && constant_default && (column.nullable || column.default.is_some())
}

/// `ALTER TABLE DROP COLUMN` refuses a column in the key, an index, a
/// unique constraint or a foreign key.
fn can_drop_directly(table: Option<&Table>, column: &str) -> bool {
    let Some(table) = table else {
        return false;
    };
    let used = |list: &[crate::schema::Name]| list.iter().any(|c| c == column);
    !used(&table.primary_key)
        && !table.indexes.iter().any(|i| used(&i.columns))
        && !table.unique_constraints.iter().any(|u| used(&u.columns))
        && !table.foreign_keys.iter().any(|f| used(&f.columns))
}

/// The rebuild of `old` into `new` (same name), keeping every row: columns
/// both have are copied, a new NOT NULL column gets its default or the
/// type's zero value, a column made NOT NULL has its NULLs replaced by the
/// chosen fill or its default (with neither, the migration's guard has made
/// sure there is no NULL to replace).
fn rebuild(old: &Table, new: &Table, fills: &BTreeMap<Name, DefaultValue>) -> Vec<String> {
    let q = |name: &str| D.quote(name);
    let temporary = format!("__lback_new_{}", new.name);
    let mut definition = new.clone();
    definition.name = temporary.clone().into();
    // Indexes are recreated after the rename, under their own names.
    definition.indexes = Default::default();
    definition.unique_constraints = Default::default();
    let create = create_table(&definition);

    let mut targets = Vec::new();
    let mut sources = Vec::new();
    for column in new.columns.iter() {
        let source = match old.column(&column.name) {
            Some(before) => {
                // SQLite keeps values as they are: a change between a date
                // and a date and time rewrites them in the new type's form.
                let value =
                    super::guard::sqlite_conversion(&q(&column.name), &before.ty, &column.ty)
                        .unwrap_or_else(|| q(&column.name));
                match fills.get(&column.name).or(column.default.as_ref()) {
                    Some(fill) if before.nullable && !column.nullable => {
                        format!("COALESCE({value}, {})", D.default_literal(fill, &column.ty))
                    }
                    _ => value,
                }
            }
            None if column.nullable && column.default.is_none() => continue,
            None if column.auto_increment => continue,
            None => fill(column),
        };
        targets.push(q(&column.name));
        sources.push(source);
    }
    let mut sql = create;
    if !targets.is_empty() {
        sql.push(format!(
            "INSERT INTO {} ({}) SELECT {} FROM {}",
            q(&temporary),
            targets.join(", "),
            sources.join(", "),
            q(&old.name)
        ));
    }
    sql.push(format!("DROP TABLE {}", q(&old.name)));
    sql.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        q(&temporary),
        q(&new.name)
    ));
    sql.extend(table_indexes(new));
    sql
}

fn fill(column: &Column) -> String {
    match &column.default {
        Some(default) => D.default_literal(default, &column.ty),
        None => D.zero_value(&column.ty),
    }
}

/// `CREATE TABLE` plus the table's indexes. Unique constraints become named
/// unique indexes (addable and droppable without a rebuild, names kept);
/// an auto-increment key is declared on its column
/// (`INTEGER PRIMARY KEY AUTOINCREMENT`), the only form that makes it the
/// rowid.
fn create_table(table: &Table) -> Vec<String> {
    let inline_key = inline_key(table);
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| {
            if inline_key == Some(c.name.as_ref()) {
                format!(
                    "{} INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL",
                    D.quote(&c.name)
                )
            } else {
                column_definition(c, D)
            }
        })
        .collect();
    if !table.primary_key.is_empty() && inline_key.is_none() {
        lines.push(primary_key_clause(&table.name, &table.primary_key, D));
    }
    for fk in table.foreign_keys.iter() {
        lines.push(foreign_key_clause(fk, D));
    }
    let mut sql = vec![create_table_statement(&table.name, &lines, D)];
    sql.extend(table_indexes(table));
    sql
}

/// The indexes `CREATE TABLE` does not declare: unique constraints (as
/// named unique indexes) and indexes.
fn table_indexes(table: &Table) -> Vec<String> {
    let uniques = table.unique_constraints.iter().map(unique_as_index);
    uniques
        .chain(table.indexes.iter().cloned())
        .map(|index| create_index(&table.name, &index, D))
        .collect()
}

fn unique_as_index(unique: &UniqueConstraint) -> Index {
    Index {
        name: unique.name.clone(),
        columns: unique.columns.clone(),
        unique: true,
    }
}

/// The single auto-increment key column, declared inline.
fn inline_key(table: &Table) -> Option<&str> {
    if table.primary_key.len() != 1 {
        return None;
    }
    let key = table.primary_key[0].as_ref();
    table
        .column(key)
        .filter(|c| c.auto_increment)
        .map(|c| c.name.as_ref())
}
