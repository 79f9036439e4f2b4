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
        Operation::RenameTable { from, to } => {
            let mut sql = vec![format!("ALTER TABLE {} RENAME TO {}", q(from), q(to))];
            if !mysql && state.table(from).is_some_and(|t| !t.primary_key.is_empty()) {
                // Keep the invariant that the key is named after its table,
                // so a later change of key can name it.
                sql.push(format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                    q(to),
                    q(&primary_key_name(from)),
                    q(&primary_key_name(to))
                ));
            }
            sql
        }
        Operation::AddColumn { table, column } => add_column(table, column, d),
        Operation::DropColumn { table, column } => {
            vec![format!(
                "ALTER TABLE {} DROP COLUMN {}",
                q(table),
                q(&column.name)
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
        Operation::AddUnique { table, unique } => vec![format!(
            "ALTER TABLE {} ADD {}",
            q(table),
            unique_clause(unique, d)
        )],
        Operation::DropUnique { table, unique } => vec![if mysql {
            format!("ALTER TABLE {} DROP INDEX {}", q(table), q(&unique.name))
        } else {
            format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                q(table),
                q(&unique.name)
            )
        }],
        Operation::AddForeignKey { table, foreign_key } => {
            let own_index = state
                .table(table)
                .is_none_or(|t| !served(t, &foreign_key.columns));
            if mysql && own_index {
                vec![format!(
                    "ALTER TABLE {} ADD {}, ADD {}",
                    q(table),
                    mysql_foreign_key_index(foreign_key),
                    foreign_key_clause(foreign_key, d)
                )]
            } else {
                vec![format!(
                    "ALTER TABLE {} ADD {}",
                    q(table),
                    foreign_key_clause(foreign_key, d)
                )]
            }
        }
        Operation::DropForeignKey { table, foreign_key } => {
            if mysql {
                let mut sql = vec![format!(
                    "ALTER TABLE {} DROP FOREIGN KEY {}",
                    q(table),
                    q(&foreign_key.name)
                )];
                let own_index = state
                    .table(table)
                    .is_none_or(|t| !served(t, &foreign_key.columns));
                if own_index {
                    sql.push(format!(
                        "ALTER TABLE {} DROP INDEX {}",
                        q(table),
                        q(&foreign_key.name)
                    ));
                }
                sql
            } else {
                vec![format!(
                    "ALTER TABLE {} DROP CONSTRAINT {}",
                    q(table),
                    q(&foreign_key.name)
                )]
            }
        }
        Operation::RenameIndex { table, from, index } => vec![if mysql {
            format!(
                "ALTER TABLE {} RENAME INDEX {} TO {}",
                q(table),
                q(from),
                q(&index.name)
            )
        } else {
            format!("ALTER INDEX {} RENAME TO {}", q(from), q(&index.name))
        }],
        Operation::RenameUnique {
            table,
            from,
            unique,
        } => vec![format!(
            "ALTER TABLE {} RENAME {} {} TO {}",
            q(table),
            if mysql { "INDEX" } else { "CONSTRAINT" },
            q(from),
            q(&unique.name)
        )],
        Operation::RenameForeignKey {
            table,
            from,
            foreign_key,
        } => {
            if !mysql {
                return vec![format!(
                    "ALTER TABLE {} RENAME CONSTRAINT {} TO {}",
                    q(table),
                    q(from),
                    q(&foreign_key.name)
                )];
            }
            // MySQL cannot rename a foreign key: it is dropped and added
            // again under its new name; its own index (named after it,
            // when no other index serves it) is renamed in between, so
            // the new key finds it.
            let mut sql = vec![format!(
                "ALTER TABLE {} DROP FOREIGN KEY {}",
                q(table),
                q(from)
            )];
            if state
                .table(table)
                .is_none_or(|t| !served(t, &foreign_key.columns))
            {
                sql.push(format!(
                    "ALTER TABLE {} RENAME INDEX {} TO {}",
                    q(table),
                    q(from),
                    q(&foreign_key.name)
                ));
            }
            sql.push(format!(
                "ALTER TABLE {} ADD {}",
                q(table),
                foreign_key_clause(foreign_key, d)
            ));
            sql
        }
        Operation::SetPrimaryKey { table, from, to } => {
            let mut parts = Vec::new();
            if !from.is_empty() {
                parts.push(if mysql {
                    "DROP PRIMARY KEY".to_owned()
                } else {
                    format!("DROP CONSTRAINT {}", q(&primary_key_name(table)))
                });
            }
            if !to.is_empty() {
                parts.push(format!("ADD {}", primary_key_clause(table, to, d)));
            }
            if parts.is_empty() {
                return Vec::new();
            }
            vec![format!("ALTER TABLE {} {}", q(table), parts.join(", "))]
        }
    }
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
