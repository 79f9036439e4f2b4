//! PostgreSQL and MySQL/MariaDB: every operation has an `ALTER` (or a
//! `CREATE`/`DROP`) of its own, so each renders on its own.

use crate::diff::Operation;
use crate::schema::{Column, DefaultValue, ForeignKey, Name, Schema, Table};

use super::ddl::{
    column_definition, columns, create_index, create_table_statement, foreign_key_clause,
    primary_key_clause, primary_key_name, rename_column, unique_clause,
};
use super::{online, Dialect};

/// Renders `operations`, which apply to `before`, walking a copy of the
/// schema so each statement sees the tables as they are then: the
/// statements of the transaction, and (PostgreSQL, `online`) those to run
/// after it outside any transaction (see `online.rs`).
pub(super) fn render_all(
    operations: &[Operation],
    before: &Schema,
    d: Dialect,
    online: bool,
) -> (Vec<String>, Vec<String>) {
    let mut state = before.clone();
    let mut statements = Vec::new();
    let mut outside = Vec::new();
    let deferred = if online && d == Dialect::Postgres {
        online::deferred(operations)
    } else {
        vec![false; operations.len()]
    };
    for (op, deferred) in operations.iter().zip(deferred) {
        if deferred {
            outside.extend(online::postgres(op));
            op.apply(&mut state);
            continue;
        }
        let mut sql = render_alter(op, &state, d);
        if d != Dialect::Mysql {
            statements.extend(sql);
            op.apply(&mut state);
            continue;
        }
        let clause = online.then(|| online::mysql_clause(op)).flatten();
        if let (Some(_), Operation::DropIndex { table, index }) = (clause, op) {
            // `DROP INDEX ... ON` takes no ALGORITHM on MariaDB.
            sql = vec![format!(
                "ALTER TABLE {} DROP INDEX {}",
                d.quote(table),
                d.quote(&index.name)
            )];
        }
        if let Some(clause) = clause {
            sql = sql
                .into_iter()
                .map(|s| online::with_mysql_clause(s, clause))
                .collect();
        }
        // The foreign keys' own indexes change in place.
        let index_clause = |s: String| {
            if online {
                online::with_mysql_clause(s, online::MYSQL_INPLACE)
            } else {
                s
            }
        };
        // MySQL: a foreign key has an index of its own exactly while no
        // other index serves it. A change of indexes or of the primary key
        // may move that line: the key's own index is added before the one
        // serving it goes, and dropped after another starts serving it.
        let table_before = state.table(op.table()).cloned();
        op.apply(&mut state);
        let table_after = state.table(op.table());
        let (own_before, own_after) = match (&table_before, table_after) {
            (Some(a), Some(b)) if a.name == b.name => (own_indexes(a), own_indexes(b)),
            _ => (Vec::new(), Vec::new()),
        };
        let q = |name: &str| d.quote(name);
        for fk in &own_after {
            if !own_before.iter().any(|f| f.name == fk.name)
                && table_before
                    .as_ref()
                    .is_some_and(|t| t.foreign_keys.iter().any(|f| f.name == fk.name))
            {
                statements.push(index_clause(format!(
                    "ALTER TABLE {} ADD {}",
                    q(op.table()),
                    mysql_foreign_key_index(fk)
                )));
            }
        }
        statements.extend(sql);
        for fk in &own_before {
            let kept =
                table_after.is_some_and(|t| t.foreign_keys.iter().any(|f| f.name == fk.name));
            if kept && !own_after.iter().any(|f| f.name == fk.name) {
                statements.push(index_clause(format!(
                    "ALTER TABLE {} DROP INDEX {}",
                    q(op.table()),
                    q(&fk.name)
                )));
            }
        }
    }
    (statements, outside)
}

/// Whether an index of `table` (the primary key, a unique constraint or an
/// index) starts with `columns`, as MySQL requires of the index serving a
/// foreign key.
fn served(table: &Table, columns: &[Name]) -> bool {
    let starts = |list: &[Name]| list.len() >= columns.len() && list[..columns.len()] == *columns;
    starts(&table.primary_key)
        || table.unique_constraints.iter().any(|u| starts(&u.columns))
        || table.indexes.iter().any(|i| starts(&i.columns))
}

/// MySQL: the foreign keys of `table` that need an index of their own.
fn own_indexes(table: &Table) -> Vec<ForeignKey> {
    table
        .foreign_keys
        .iter()
        .filter(|fk| !served(table, &fk.columns))
        .cloned()
        .collect()
}

/// PostgreSQL and MySQL: every operation has an `ALTER`.
fn render_alter(op: &Operation, state: &Schema, d: Dialect) -> Vec<String> {
    let q = |name: &str| d.quote(name);
    let mysql = d == Dialect::Mysql;
    match op {
        Operation::CreateTable(table) => create_table(table, d),
        Operation::DropTable(table) => vec![format!("DROP TABLE {}", q(&table.name))],
        Operation::RenameTable { from, to } => rename_table(from, to, state, d),
        Operation::AddColumn { table, column } => add_column(table, column, d),
        Operation::DropColumn { table, column } => {
            vec![alter_table(
                table,
                &format!("DROP COLUMN {}", q(&column.name)),
                d,
            )]
        }
        Operation::RenameColumn { table, from, to } => {
            vec![rename_column(table, from, to, d)]
        }
        Operation::AlterColumn {
            table,
            from,
            to,
            fill,
        } => alter_column(table, from, to, fill.as_ref(), d),
        Operation::AddIndex { table, index } => vec![create_index(table, index, d)],
        Operation::DropIndex { table, index } => vec![if mysql {
            format!("DROP INDEX {} ON {}", q(&index.name), q(table))
        } else {
            format!("DROP INDEX {}", q(&index.name))
        }],
        Operation::AddUnique { table, unique } => {
            vec![alter_table(
                table,
                &format!("ADD {}", unique_clause(unique, d)),
                d,
            )]
        }
        Operation::DropUnique { table, unique } => {
            let kind = if mysql { "INDEX" } else { "CONSTRAINT" };
            vec![alter_table(
                table,
                &format!("DROP {kind} {}", q(&unique.name)),
                d,
            )]
        }
        Operation::AddForeignKey { table, foreign_key } => {
            add_foreign_key(table, foreign_key, state, d)
        }
        Operation::DropForeignKey { table, foreign_key } => {
            drop_foreign_key(table, foreign_key, state, d)
        }
        Operation::RenameIndex { table, from, index } => vec![if mysql {
            let rename = format!("RENAME INDEX {} TO {}", q(from), q(&index.name));
            alter_table(table, &rename, d)
        } else {
            format!("ALTER INDEX {} RENAME TO {}", q(from), q(&index.name))
        }],
        Operation::RenameUnique {
            table,
            from,
            unique,
        } => {
            let kind = if mysql { "INDEX" } else { "CONSTRAINT" };
            let rename = format!("RENAME {kind} {} TO {}", q(from), q(&unique.name));
            vec![alter_table(table, &rename, d)]
        }
        Operation::RenameForeignKey {
            table,
            from,
            foreign_key,
        } => rename_foreign_key(table, from, foreign_key, state, d),
        Operation::SetPrimaryKey { table, from, to } => set_primary_key(table, from, to, d),
    }
}

/// `ALTER TABLE <table> <action>`.
fn alter_table(table: &str, action: &str, d: Dialect) -> String {
    format!("ALTER TABLE {} {action}", d.quote(table))
}

/// MySQL: whether a foreign key of `table` (as `state` has it) needs an
/// index of its own, no other index serving it.
fn needs_own_index(state: &Schema, table: &str, foreign_key: &ForeignKey) -> bool {
    state
        .table(table)
        .is_none_or(|t| !served(t, &foreign_key.columns))
}

/// A table renamed; on PostgreSQL its primary key follows its name.
fn rename_table(from: &str, to: &str, state: &Schema, d: Dialect) -> Vec<String> {
    let q = |name: &str| d.quote(name);
    let mut sql = vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))];
    if d != Dialect::Mysql && state.table(from).is_some_and(|t| !t.primary_key.is_empty()) {
        // Keep the invariant that the key is named after its table,
        // so a later change of key can name it.
        let (key_from, key_to) = (primary_key_name(from), primary_key_name(to));
        let rename = format!("RENAME CONSTRAINT {} TO {}", q(&key_from), q(&key_to));
        sql.push(alter_table(to, &rename, d));
    }
    sql
}

/// A foreign key added; on MySQL with its own index where no other serves
/// it.
fn add_foreign_key(
    table: &str,
    foreign_key: &ForeignKey,
    state: &Schema,
    d: Dialect,
) -> Vec<String> {
    let clause = foreign_key_clause(foreign_key, d);
    if d == Dialect::Mysql && needs_own_index(state, table, foreign_key) {
        let index = mysql_foreign_key_index(foreign_key);
        vec![alter_table(table, &format!("ADD {index}, ADD {clause}"), d)]
    } else {
        vec![alter_table(table, &format!("ADD {clause}"), d)]
    }
}

/// A foreign key dropped; on MySQL with its own index.
fn drop_foreign_key(
    table: &str,
    foreign_key: &ForeignKey,
    state: &Schema,
    d: Dialect,
) -> Vec<String> {
    let name = d.quote(&foreign_key.name);
    if d != Dialect::Mysql {
        return vec![alter_table(table, &format!("DROP CONSTRAINT {name}"), d)];
    }
    let mut sql = vec![alter_table(table, &format!("DROP FOREIGN KEY {name}"), d)];
    if needs_own_index(state, table, foreign_key) {
        sql.push(alter_table(table, &format!("DROP INDEX {name}"), d));
    }
    sql
}

/// A foreign key renamed to `foreign_key`'s name.
fn rename_foreign_key(
    table: &str,
    from: &str,
    foreign_key: &ForeignKey,
    state: &Schema,
    d: Dialect,
) -> Vec<String> {
    let (from, to) = (d.quote(from), d.quote(&foreign_key.name));
    if d != Dialect::Mysql {
        return vec![alter_table(
            table,
            &format!("RENAME CONSTRAINT {from} TO {to}"),
            d,
        )];
    }
    // MySQL cannot rename a foreign key: it is dropped and added
    // again under its new name; its own index (named after it,
    // when no other index serves it) is renamed in between, so
    // the new key finds it.
    let mut sql = vec![alter_table(table, &format!("DROP FOREIGN KEY {from}"), d)];
    if needs_own_index(state, table, foreign_key) {
        sql.push(alter_table(
            table,
            &format!("RENAME INDEX {from} TO {to}"),
            d,
        ));
    }
    let clause = foreign_key_clause(foreign_key, d);
    sql.push(alter_table(table, &format!("ADD {clause}"), d));
    sql
}

/// The primary key changed from `from`'s columns to `to`'s (either may be
/// none): one `ALTER TABLE`, or nothing when both are.
fn set_primary_key(table: &str, from: &[Name], to: &[Name], d: Dialect) -> Vec<String> {
    let mut parts = Vec::new();
    if !from.is_empty() {
        parts.push(if d == Dialect::Mysql {
            "DROP PRIMARY KEY".to_owned()
        } else {
            format!("DROP CONSTRAINT {}", d.quote(&primary_key_name(table)))
        });
    }
    if !to.is_empty() {
        parts.push(format!("ADD {}", primary_key_clause(table, to, d)));
    }
    if parts.is_empty() {
        return Vec::new();
    }
    vec![alter_table(table, &parts.join(", "), d)]
}

/// `CREATE TABLE` (unique constraints and foreign keys inline; on MySQL
/// each foreign key with its own index) plus the indexes of the table.
fn create_table(table: &Table, d: Dialect) -> Vec<String> {
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| column_definition(c, d))
        .collect();
    if !table.primary_key.is_empty() {
        lines.push(primary_key_clause(&table.name, &table.primary_key, d));
    }
    for unique in table.unique_constraints.iter() {
        lines.push(unique_clause(unique, d));
    }
    for fk in table.foreign_keys.iter() {
        if d == Dialect::Mysql && !served(table, &fk.columns) {
            lines.push(mysql_foreign_key_index(fk));
        }
        lines.push(foreign_key_clause(fk, d));
    }
    let mut sql = vec![create_table_statement(&table.name, &lines, d)];
    for index in table.indexes.iter() {
        sql.push(create_index(&table.name, index, d));
    }
    sql
}

/// MySQL needs an index on foreign key columns and creates one silently
/// when none exists, which later blocks dropping other indexes and outlives
/// the key. lback declares it itself, named after the key, and drops it
/// with the key, but only while no other index serves the key: an `index`
/// on the column too would otherwise be a second, identical index.
fn mysql_foreign_key_index(fk: &ForeignKey) -> String {
    let d = Dialect::Mysql;
    format!("INDEX {} ({})", d.quote(&fk.name), columns(&fk.columns, d))
}

fn add_column(table: &str, column: &Column, d: Dialect) -> Vec<String> {
    let q = |name: &str| d.quote(name);
    if column.nullable || column.default.is_some() || column.auto_increment {
        return vec![format!(
            "ALTER TABLE {} ADD COLUMN {}",
            q(table),
            column_definition(column, d)
        )];
    }
    // NOT NULL without default: existing rows need a value. Add it with
    // the type's zero value as a temporary default, then drop the default.
    let zero = d.zero_value(&column.ty);
    let with_default = format!("{} DEFAULT {zero}", column_definition(column, d));
    vec![
        format!("ALTER TABLE {} ADD COLUMN {with_default}", q(table)),
        format!(
            "ALTER TABLE {} ALTER COLUMN {} DROP DEFAULT",
            q(table),
            q(&column.name)
        ),
    ]
}

fn alter_column(
    table: &str,
    from: &Column,
    to: &Column,
    fill: Option<&DefaultValue>,
    d: Dialect,
) -> Vec<String> {
    let q = |name: &str| d.quote(name);
    let (t, c) = (q(table), q(&to.name));
    let mut sql = Vec::new();
    if from.nullable && !to.nullable {
        // Rows holding NULL need a value before NOT NULL can hold: the one
        // the user chose, else the column's default. Without either, the
        // migration's guard has made sure there is no NULL.
        if let Some(value) = fill.or(to.default.as_ref()) {
            let value = d.default_literal(value, &to.ty);
            sql.push(format!("UPDATE {t} SET {c} = {value} WHERE {c} IS NULL"));
        }
    }
    if d == Dialect::Mysql {
        sql.push(format!(
            "ALTER TABLE {t} MODIFY COLUMN {}",
            column_definition(to, d)
        ));
        return sql;
    }
    // PostgreSQL: one property at a time; the default goes first and comes
    // back last so a type change never has to cast it.
    if from.auto_increment && !to.auto_increment {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP IDENTITY"));
    }
    if from.default.is_some() && (from.default != to.default || from.ty != to.ty) {
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} DROP DEFAULT"));
    }
    if from.ty != to.ty {
        let type_name = d.type_name(&to.ty);
        sql.push(match postgres_cast(&c, from, to) {
            Some(using) => {
                format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {type_name} USING {using}")
            }
            None => format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {type_name}"),
        });
    }
    if from.nullable != to.nullable {
        let verb = if to.nullable { "DROP" } else { "SET" };
        sql.push(format!("ALTER TABLE {t} ALTER COLUMN {c} {verb} NOT NULL"));
    }
    if let Some(default) = &to.default {
        if from.default.as_ref() != Some(default) || from.ty != to.ty {
            sql.push(format!(
                "ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {}",
                d.default_literal(default, &to.ty)
            ));
        }
    }
    if to.auto_increment && !from.auto_increment {
        sql.push(format!(
            "ALTER TABLE {t} ALTER COLUMN {c} ADD GENERATED BY DEFAULT AS IDENTITY"
        ));
        // Existing values: start the sequence after the largest one.
        sql.push(format!(
            "SELECT setval(pg_get_serial_sequence({}, {}), COALESCE(MAX({c}), 0) + 1, false) FROM {t}",
            d.string_literal(&t),
            d.string_literal(&to.name),
        ));
    }
    sql
}

/// `USING` expression for a PostgreSQL type change, when one is needed.
///
/// Between text types and between numeric types there is none: the
/// assignment cast then applies, which fails on a value too long for a
/// `VARCHAR(n)` where an explicit cast (`USING c::varchar(n)`) would
/// truncate it silently. (Numbers are still rounded by either cast to a
/// smaller scale or to an integer: the migration's guard checks those
/// first.) Booleans have no direct cast to or from most types; go through
/// integer or text.
fn postgres_cast(column: &str, from: &Column, to: &Column) -> Option<String> {
    use crate::schema::ColumnType as T;
    let d = Dialect::Postgres;
    let target = d.type_name(&to.ty);
    let text = |t: &T| matches!(t, T::Text | T::Varchar(_));
    if let Some(using) = super::guard::postgres_zone_cast(column, &from.ty, &to.ty, &target) {
        return Some(using);
    }
    Some(match (&from.ty, &to.ty) {
        (a, b) if text(a) && text(b) => return None,
        (a, b) if a.is_numeric() && b.is_numeric() => return None,
        (T::Boolean, t) if t.is_numeric() => format!("{column}::integer::{target}"),
        (t, T::Boolean) if t.is_numeric() => format!("{column} <> 0"),
        (T::Json, _) | (_, T::Json) => format!("{column}::text::{target}"),
        _ => format!("{column}::{target}"),
    })
}
