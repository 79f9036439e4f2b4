//! Guards: checks on the rows already in the database, run before a
//! migration changes anything, for every change whose success depends on
//! them (a narrower type or length, NOT NULL on a column holding NULLs, a
//! new unique or primary key, a new foreign key). A guard that finds rows
//! that do not fit stops the migration with a message naming the table,
//! the column, how many rows and an example key, and what to do.
//!
//! Why up front: MySQL/MariaDB commit every DDL statement, so a change
//! refused half way leaves the migration dirty; SQLite does not enforce
//! types at all, so without a guard a narrowed column keeps values the
//! models say it cannot hold; PostgreSQL's explicit casts truncate text
//! and round numbers instead of failing.
//!
//! How a guard fails in plain SQL (the files are what runs, under diesel_cli
//! too):
//! - PostgreSQL: one `DO` block that counts and `RAISE`s.
//! - MySQL/MariaDB: `SIGNAL` works only in stored programs, so a helper
//!   procedure `__lback_guard` is created, called and dropped. Its failing
//!   `CALL` is recognised by the runner ([`is_guard_call`]): nothing before
//!   it changed a table, so the migration is not dirty.
//! - SQLite: `RAISE` works only in triggers, so a temporary table with a
//!   trigger that raises the text inserted into it; a failure is inserted
//!   (needs SQLite 3.47 for an expression in `RAISE`; lback bundles a newer
//!   one). Everything runs in the migration's transaction.
//!
//! Type changes across kinds (text to a date, a double to an integer, a
//! timestamp to a date, anything to `varchar(n)`...) are decided pair by
//! pair in `convert.rs`: safe, guarded, or refused when the migration is
//! generated; the table is in the docs of
//! [`check_type_changes`](crate::sql::check_type_changes). The checks are
//! spelled per dialect in `condition.rs`, and never depend on MySQL's
//! `sql_mode`.
//!
//! Guards are written against the schema as the migration starts: the
//! operations are walked keeping track of where each column's values come
//! from (a column of the start, renamed or not, or a value every row got
//! when the column was added), so a check after a rename names the old
//! column, and a unique key on a column added with one value for every row
//! is checked as "the table has more than one row".

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::Operation;
use crate::schema::{Column, DefaultValue, ForeignKey, Name, Names, Schema};

mod condition;
mod convert;
mod render;
#[cfg(test)]
mod tests;

use condition::Condition;
pub use convert::check_type_changes;
pub(super) use convert::{postgres_zone_cast, sqlite_conversion};
pub(super) use render::render;
pub use render::{guard_statements, is_guard_call};

/// The name of the helper objects (procedure, temporary table).
const GUARD: &str = "__lback_guard";

/// One check on existing rows.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Guard {
    /// The table, as named when the migration starts.
    table: Name,
    /// Columns naming a row in the message (the primary key, or else the
    /// checked columns).
    key: Names,
    rows: Rows,
    /// What is wrong with those rows, after "N row(s) of table t ".
    problem: String,
    /// What to do.
    remedy: String,
}

/// Which rows fail.
#[derive(Debug, Clone, PartialEq)]
enum Rows {
    /// Rows where the condition holds.
    Where(Condition),
    /// Every row (a value no row can be given), when there is more than
    /// `more_than` of them.
    Count { more_than: u32 },
    /// Groups of rows with the same non-NULL values in these columns.
    Duplicates(Names),
    /// Rows whose values in `columns` (all non-NULL) have no match in
    /// `referenced_table`'s `referenced_columns`.
    Orphans {
        columns: Names,
        referenced_table: Name,
        referenced_columns: Names,
    },
}

/// Where a column's values come from, relative to the start of the
/// migration.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    /// This column of the start (its name then).
    Column(Name),
    /// Every row got the same value when the column was added; `null`
    /// says whether that value is NULL, `zero` whether it is the type's
    /// zero value lback puts into a NOT NULL column without default.
    Constant { null: bool, zero: bool },
    /// Generated distinct values (auto-increment).
    Generated,
}

#[derive(Debug, Clone)]
enum TableOrigin {
    /// A table of the start (its name then), with its columns' origins.
    Start {
        name: Name,
        columns: BTreeMap<Name, Origin>,
    },
    /// Created in this migration: no rows yet.
    New,
}

/// The guards `operations` (which apply to `before`) need, in order.
pub(super) fn guards(operations: &[Operation], before: &Schema) -> Vec<Guard> {
    // Only the tables the operations name are followed (and copied): a
    // migration of one table in a schema of thousands copies one.
    let mut involved: BTreeSet<&str> = BTreeSet::new();
    for op in operations {
        involved.insert(op.table());
        match op {
            Operation::RenameTable { from, .. } => {
                involved.insert(from);
            }
            Operation::AddForeignKey { foreign_key, .. } => {
                involved.insert(&foreign_key.referenced_table);
            }
            _ => {}
        }
    }
    let mut state = Schema::new();
    let mut origins: BTreeMap<Name, TableOrigin> = BTreeMap::new();
    for t in involved.iter().filter_map(|name| before.table(name)) {
        state.upsert(t.clone());
        let columns = t
            .columns
            .iter()
            .map(|c| (c.name.clone(), Origin::Column(c.name.clone())))
            .collect();
        origins.insert(
            t.name.clone(),
            TableOrigin::Start {
                name: t.name.clone(),
                columns,
            },
        );
    }
    let mut out: Vec<Guard> = Vec::new();
    for op in operations {
        for guard in guards_of(op, &state, &origins, before) {
            if !out.contains(&guard) {
                out.push(guard);
            }
        }
        track(op, &mut origins);
        op.apply(&mut state);
    }
    out
}

fn start_table<'a>(
    origins: &'a BTreeMap<Name, TableOrigin>,
    table: &str,
) -> Option<(&'a Name, &'a BTreeMap<Name, Origin>)> {
    match origins.get(table) {
        Some(TableOrigin::Start { name, columns }) => Some((name, columns)),
        _ => None,
    }
}

/// The start's key of a table, to name a row in messages.
fn key_of(before_key: &[Name], columns: &BTreeMap<Name, Origin>, fallback: &[Name]) -> Names {
    let mapped: Option<Vec<Name>> = before_key
        .iter()
        .map(|c| match columns.get(c) {
            Some(Origin::Column(start)) => Some(start.clone()),
            _ => None,
        })
        .collect();
    match mapped {
        Some(key) if !key.is_empty() => key.into(),
        _ => fallback.to_vec().into(),
    }
}

/// A table of the start as one operation's guards see it.
struct StartTable<'a> {
    /// Its name when the migration starts.
    name: &'a Name,
    /// Where its columns' values come from.
    columns: &'a BTreeMap<Name, Origin>,
    /// Its primary key as the operation finds it.
    pk: &'a [Name],
}

impl StartTable<'_> {
    /// Where the values of column `c` come from (a column unknown to the
    /// start is generated).
    fn origin(&self, c: &Name) -> Origin {
        self.columns.get(c).cloned().unwrap_or(Origin::Generated)
    }
}

fn guards_of(
    op: &Operation,
    state: &Schema,
    origins: &BTreeMap<Name, TableOrigin>,
    before: &Schema,
) -> Vec<Guard> {
    let table_name = op.table();
    let Some((name, columns)) = start_table(origins, table_name) else {
        // A table created in this migration has no rows; only a foreign
        // key from an existing table can fail (handled below).
        return Vec::new();
    };
    let table = state.table(table_name);
    let pk: Vec<Name> = table.map(|t| t.primary_key.to_vec()).unwrap_or_default();
    let start = StartTable {
        name,
        columns,
        pk: &pk,
    };
    let unique = |key_columns: &[Name], what: &str| -> Vec<Guard> {
        let guard = unique_guard(before, name, columns, &pk, key_columns, what);
        guard.into_iter().collect()
    };
    match op {
        Operation::AlterColumn { from, to, fill, .. } => {
            alter_column_guards(&start, table_name, from, to, fill.as_ref())
        }
        Operation::AddUnique { unique: u, .. } => {
            unique(&u.columns, &format!("unique key {}", u.name))
        }
        Operation::AddIndex { index, .. } if index.unique => {
            unique(&index.columns, &format!("unique index {}", index.name))
        }
        Operation::SetPrimaryKey { to, .. } if !to.is_empty() => {
            unique_guard(before, name, columns, &[], to, "primary key")
                .into_iter()
                .collect()
        }
        Operation::AddForeignKey { foreign_key, .. } => {
            foreign_key_guard(&start, foreign_key, origins, before)
                .into_iter()
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The guards of a column's change of type or nullability.
fn alter_column_guards(
    start: &StartTable,
    table_name: &str,
    from: &Column,
    to: &Column,
    fill: Option<&DefaultValue>,
) -> Vec<Guard> {
    let unfilled_not_null = from.nullable && !to.nullable && fill.is_none() && to.default.is_none();
    let Origin::Column(c) = start.origin(&to.name) else {
        // Every row holds the same value: a NULL made NOT NULL is
        // checked below; a constant that does not fit a new type
        // is the column's own default, which the models chose.
        if matches!(start.origin(&to.name), Origin::Constant { null: true, .. })
            && unfilled_not_null
        {
            return vec![Guard {
                table: start.name.clone(),
                key: key_of(start.pk, start.columns, &[]),
                rows: Rows::Count { more_than: 0 },
                problem: format!("would have NULL in the new NOT NULL column {}", to.name),
                remedy: fill_remedy(table_name, &to.name),
            }];
        }
        return Vec::new();
    };
    let key = key_of(start.pk, start.columns, std::slice::from_ref(&c));
    let checks = match convert::decide(&c, from, to) {
        convert::Decision::Guard(checks) => checks,
        // Refused when the migration is generated
        // (`check_type_changes`); a hand-made list gets no guard.
        convert::Decision::Safe | convert::Decision::Refuse(_) => Vec::new(),
    };
    let mut out: Vec<Guard> = checks
        .into_iter()
        .map(|(condition, problem, remedy)| Guard {
            table: start.name.clone(),
            key: key.clone(),
            rows: Rows::Where(condition),
            problem,
            remedy,
        })
        .collect();
    if unfilled_not_null {
        out.push(Guard {
            table: start.name.clone(),
            key,
            rows: Rows::Where(Condition::IsNull(c.clone())),
            problem: format!("hold NULL in {c}, which becomes NOT NULL"),
            remedy: fill_remedy(table_name, &to.name),
        });
    }
    out
}

/// The guard of a new foreign key: rows whose values no referenced row
/// has.
fn foreign_key_guard(
    start: &StartTable,
    foreign_key: &ForeignKey,
    origins: &BTreeMap<Name, TableOrigin>,
    before: &Schema,
) -> Option<Guard> {
    let zero_filled: Vec<&Name> = foreign_key
        .columns
        .iter()
        .filter(|c| matches!(start.origin(c), Origin::Constant { zero: true, .. }))
        .collect();
    if !zero_filled.is_empty() {
        // A NOT NULL column added back without default (the down of
        // a drop): every row holds the type's zero value, which no
        // referenced row is known to have.
        return Some(Guard {
            table: start.name.clone(),
            key: key_of(start.pk, start.columns, &[]),
            rows: Rows::Count { more_than: 0 },
            problem: format!(
                "would all get the type's zero value in ({}), which foreign key {} refuses (the values were not kept)",
                zero_filled.iter().map(|c| c.as_ref()).collect::<Vec<_>>().join(", "),
                foreign_key.name
            ),
            remedy: "delete those rows, or restore the values by hand instead of with this migration"
                .to_owned(),
        });
    }
    let fk_columns: Vec<Name> = foreign_key
        .columns
        .iter()
        .map(|c| match start.origin(c) {
            Origin::Column(start) => Some(start),
            // NULLs never violate a foreign key; a default in
            // every row is the model's choice: left alone.
            _ => None,
        })
        .collect::<Option<_>>()?;
    let target = foreign_key.referenced_table.as_ref();
    match start_table(origins, target) {
        Some(referenced) => orphan_guard(start, foreign_key, fk_columns, referenced, before),
        None => Some(Guard {
            table: start.name.clone(),
            key: key_of(start.pk, start.columns, &fk_columns),
            rows: Rows::Where(Condition::NotNull(fk_columns.clone().into())),
            problem: format!(
                "reference table {target} through ({}), which this migration creates empty (its rows are not restored), so foreign key {} would fail",
                fk_columns.join(", "),
                foreign_key.name
            ),
            remedy: format!(
                "delete those rows or set ({}) to NULL first, or put the rows of {target} back by hand after the migration instead",
                fk_columns.join(", ")
            ),
        }),
    }
}

/// The guard of a new foreign key over `fk_columns` (named as at the
/// start) to a table of the start (`referenced`: its name then and its
/// columns' origins), unless the start already had that key.
fn orphan_guard(
    start: &StartTable,
    foreign_key: &ForeignKey,
    fk_columns: Vec<Name>,
    (referenced_start, referenced_columns): (&Name, &BTreeMap<Name, Origin>),
    before: &Schema,
) -> Option<Guard> {
    let referenced: Vec<Name> = foreign_key
        .referenced_columns
        .iter()
        .map(|c| match referenced_columns.get(c) {
            Some(Origin::Column(start)) => Some(start.clone()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let existed = before.table(start.name).is_some_and(|t| {
        t.foreign_keys.iter().any(|f| {
            *f.columns == fk_columns[..]
                && f.referenced_table == *referenced_start
                && *f.referenced_columns == *referenced
        })
    });
    if existed {
        return None;
    }
    Some(Guard {
        table: start.name.clone(),
        key: key_of(start.pk, start.columns, &fk_columns),
        problem: format!(
            "have ({}) values with no match in table {} ({}), which foreign key {} requires",
            fk_columns.join(", "),
            foreign_key.referenced_table,
            foreign_key.referenced_columns.join(", "),
            foreign_key.name
        ),
        rows: Rows::Orphans {
            columns: fk_columns.into(),
            referenced_table: referenced_start.clone(),
            referenced_columns: referenced.into(),
        },
        remedy: "delete or correct those rows (or set them to NULL), then run this migration again"
            .to_owned(),
    })
}

fn fill_remedy(table: &str, column: &str) -> String {
    format!(
        "set a value in those rows first, or generate the migration with `makemigrations --fill {table}.{column}=<value>` (or give the field a default)"
    )
}

/// Whether the start already holds these columns unique (the key is only
/// dropped and added again around another change).
fn already_unique(before: &Schema, table: &Name, columns: &[Name]) -> bool {
    before.table(table).is_some_and(|t| {
        let same = |list: &[Name]| list == columns;
        same(&t.primary_key)
            || t.unique_constraints.iter().any(|u| same(&u.columns))
            || t.indexes.iter().any(|i| i.unique && same(&i.columns))
    })
}

fn unique_guard(
    before: &Schema,
    start: &Name,
    columns: &BTreeMap<Name, Origin>,
    pk: &[Name],
    key_columns: &[Name],
    what: &str,
) -> Option<Guard> {
    let mut from_start = Vec::new();
    for c in key_columns {
        match columns.get(c) {
            Some(Origin::Column(s)) => from_start.push(s.clone()),
            // NULL is distinct from NULL; generated values are distinct.
            Some(Origin::Constant { null: true, .. }) | Some(Origin::Generated) | None => {
                return None
            }
            Some(Origin::Constant { null: false, .. }) => {}
        }
    }
    let listed = key_columns.join(", ");
    if !from_start.is_empty()
        && from_start.len() == key_columns.len()
        && already_unique(before, start, &from_start)
    {
        return None;
    }
    if from_start.is_empty() {
        // Every row gets the same value: more than one row repeats it.
        return Some(Guard {
            table: start.clone(),
            key: key_of(pk, columns, &[]),
            rows: Rows::Count { more_than: 1 },
            problem: format!(
                "would all get the same value in ({listed}), which {what} refuses (its values were not kept)"
            ),
            remedy: "delete all rows but one, or restore the values by hand instead of with this migration"
                .to_owned(),
        });
    }
    Some(Guard {
        table: start.clone(),
        key: from_start.clone().into(),
        rows: Rows::Duplicates(from_start.clone().into()),
        problem: format!("share their values of ({listed}) with another row, which {what} refuses"),
        remedy: "make those values unique (or delete the duplicates) first, then run this migration again"
            .to_owned(),
    })
}

/// Follows where values come from through one operation.
fn track(op: &Operation, origins: &mut BTreeMap<Name, TableOrigin>) {
    match op {
        Operation::CreateTable(t) => {
            origins.insert(t.name.clone(), TableOrigin::New);
        }
        Operation::DropTable(t) => {
            origins.remove(&t.name);
        }
        Operation::RenameTable { from, to } => {
            if let Some(origin) = origins.remove(from) {
                origins.insert(to.clone(), origin);
            }
        }
        Operation::AddColumn { table, column } => {
            if let Some(TableOrigin::Start { columns, .. }) = origins.get_mut(table) {
                let origin = if column.auto_increment {
                    Origin::Generated
                } else {
                    Origin::Constant {
                        null: column.nullable && column.default.is_none(),
                        zero: !column.nullable && column.default.is_none(),
                    }
                };
                columns.insert(column.name.clone(), origin);
            }
        }
        Operation::DropColumn { table, column } => {
            if let Some(TableOrigin::Start { columns, .. }) = origins.get_mut(table) {
                columns.remove(&column.name);
            }
        }
        Operation::RenameColumn { table, from, to } => {
            if let Some(TableOrigin::Start { columns, .. }) = origins.get_mut(table) {
                if let Some(origin) = columns.remove(from) {
                    columns.insert(to.clone(), origin);
                }
            }
        }
        _ => {}
    }
}
