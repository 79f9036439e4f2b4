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
//! Guards are written against the schema as the migration starts: the
//! operations are walked keeping track of where each column's values come
//! from (a column of the start, renamed or not, or a value every row got
//! when the column was added), so a check after a rename names the old
//! column, and a unique key on a column added with one value for every row
//! is checked as "the table has more than one row".

use std::collections::{BTreeMap, BTreeSet};

use crate::diff::Operation;
use crate::schema::{Column, ColumnType, Name, Names, Schema};

use super::Dialect;

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

/// A condition on one column, spelled per dialect.
#[derive(Debug, Clone, PartialEq)]
enum Condition {
    IsNull(Name),
    NotNull(Names),
    LongerThan(Name, u32),
    OutsideRange(Name, i128, i128),
    /// Text that is not an integer (optional sign, digits, spaces around).
    NotInteger(Name),
    /// Text whose number lies outside the range.
    TextOutsideRange(Name, i128, i128),
    HasFraction(Name, u32),
    /// `abs(c) >= 10^digits`.
    TooManyDigits(Name, u32),
    NotBoolean(Name),
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

fn guards_of(
    op: &Operation,
    state: &Schema,
    origins: &BTreeMap<Name, TableOrigin>,
    before: &Schema,
) -> Vec<Guard> {
    let table_name = op.table();
    let Some((start, columns)) = start_table(origins, table_name) else {
        // A table created in this migration has no rows; only a foreign
        // key from an existing table can fail (handled below).
        return Vec::new();
    };
    let table = state.table(table_name);
    let pk: Vec<Name> = table.map(|t| t.primary_key.to_vec()).unwrap_or_default();
    let origin = |c: &Name| columns.get(c).cloned().unwrap_or(Origin::Generated);
    let mut out = Vec::new();
    match op {
        Operation::AlterColumn { from, to, fill, .. } => {
            let Origin::Column(c) = origin(&to.name) else {
                // Every row holds the same value: a NULL made NOT NULL is
                // checked below; a constant that does not fit a new type
                // is the column's own default, which the models chose.
                if matches!(origin(&to.name), Origin::Constant { null: true, .. })
                    && from.nullable
                    && !to.nullable
                    && fill.is_none()
                    && to.default.is_none()
                {
                    out.push(Guard {
                        table: start.clone(),
                        key: key_of(&pk, columns, &[]),
                        rows: Rows::Count { more_than: 0 },
                        problem: format!("would have NULL in the new NOT NULL column {}", to.name),
                        remedy: fill_remedy(table_name, &to.name),
                    });
                }
                return out;
            };
            let key = key_of(&pk, columns, std::slice::from_ref(&c));
            for (condition, problem, remedy) in narrowing(&c, from, to) {
                out.push(Guard {
                    table: start.clone(),
                    key: key.clone(),
                    rows: Rows::Where(condition),
                    problem,
                    remedy,
                });
            }
            if from.nullable && !to.nullable && fill.is_none() && to.default.is_none() {
                out.push(Guard {
                    table: start.clone(),
                    key,
                    rows: Rows::Where(Condition::IsNull(c.clone())),
                    problem: format!("hold NULL in {c}, which becomes NOT NULL"),
                    remedy: fill_remedy(table_name, &to.name),
                });
            }
        }
        Operation::AddUnique { unique, .. } => {
            out.extend(unique_guard(
                before,
                start,
                columns,
                &pk,
                &unique.columns,
                &format!("unique key {}", unique.name),
            ));
        }
        Operation::AddIndex { index, .. } if index.unique => {
            out.extend(unique_guard(
                before,
                start,
                columns,
                &pk,
                &index.columns,
                &format!("unique index {}", index.name),
            ));
        }
        Operation::SetPrimaryKey { to, .. } if !to.is_empty() => {
            out.extend(unique_guard(before, start, columns, &[], to, "primary key"));
        }
        Operation::AddForeignKey { foreign_key, .. } => {
            let zero_filled: Vec<&Name> = foreign_key
                .columns
                .iter()
                .filter(|c| matches!(origin(c), Origin::Constant { zero: true, .. }))
                .collect();
            if !zero_filled.is_empty() {
                // A NOT NULL column added back without default (the down of
                // a drop): every row holds the type's zero value, which no
                // referenced row is known to have.
                out.push(Guard {
                    table: start.clone(),
                    key: key_of(&pk, columns, &[]),
                    rows: Rows::Count { more_than: 0 },
                    problem: format!(
                        "would all get the type's zero value in ({}), which foreign key {} refuses (the values were not kept)",
                        zero_filled.iter().map(|c| c.as_ref()).collect::<Vec<_>>().join(", "),
                        foreign_key.name
                    ),
                    remedy: "delete those rows, or restore the values by hand instead of with this migration"
                        .to_owned(),
                });
                return out;
            }
            let mapped: Option<Vec<Name>> = foreign_key
                .columns
                .iter()
                .map(|c| match origin(c) {
                    Origin::Column(start) => Some(start),
                    // NULLs never violate a foreign key; a default in
                    // every row is the model's choice: left alone.
                    _ => None,
                })
                .collect();
            let Some(fk_columns) = mapped else {
                return out;
            };
            let key = key_of(&pk, columns, &fk_columns);
            let target = foreign_key.referenced_table.as_ref();
            let remedy =
                "delete or correct those rows (or set them to NULL), then run this migration again"
                    .to_owned();
            match start_table(origins, target) {
                Some((referenced_start, referenced_columns)) => {
                    let referenced: Option<Vec<Name>> = foreign_key
                        .referenced_columns
                        .iter()
                        .map(|c| match referenced_columns.get(c) {
                            Some(Origin::Column(start)) => Some(start.clone()),
                            _ => None,
                        })
                        .collect();
                    let existed = |referenced: &[Name]| {
                        before.table(start).is_some_and(|t| {
                            t.foreign_keys.iter().any(|f| {
                                *f.columns == fk_columns[..]
                                    && f.referenced_table == *referenced_start
                                    && *f.referenced_columns == *referenced
                            })
                        })
                    };
                    if let Some(referenced) = referenced.filter(|r| !existed(r)) {
                        out.push(Guard {
                            table: start.clone(),
                            key,
                            rows: Rows::Orphans {
                                columns: fk_columns.clone().into(),
                                referenced_table: referenced_start.clone(),
                                referenced_columns: referenced.into(),
                            },
                            problem: format!(
                                "have ({}) values with no match in table {} ({}), which foreign key {} requires",
                                fk_columns.join(", "),
                                target,
                                foreign_key.referenced_columns.join(", "),
                                foreign_key.name
                            ),
                            remedy,
                        });
                    }
                }
                None => out.push(Guard {
                    table: start.clone(),
                    key,
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
        _ => {}
    }
    out
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

/// The check a type change needs, when some values of `from` may not fit
/// `to` (or would be changed to fit: PostgreSQL's casts truncate text to a
/// `VARCHAR(n)` and round numbers).
fn narrowing(c: &Name, from: &Column, to: &Column) -> Vec<(Condition, String, String)> {
    use ColumnType as T;
    let keep = |what: &str| {
        format!(
            "shorten or correct those values first (or keep the field's {what}), then run this migration again"
        )
    };
    let int_range = |t: &ColumnType| -> Option<(i128, i128)> {
        match t {
            T::SmallInt => Some((i16::MIN.into(), i16::MAX.into())),
            T::Integer => Some((i32::MIN.into(), i32::MAX.into())),
            T::BigInt => Some((i64::MIN.into(), i64::MAX.into())),
            _ => None,
        }
    };
    let fractional = |t: &ColumnType| {
        matches!(t, T::Real | T::Double)
            || matches!(t, T::Decimal { scale, .. } if scale.unwrap_or(0) > 0 || scale.is_none())
    };
    match (&from.ty, &to.ty) {
        (a, b) if a == b => Vec::new(),
        (T::Varchar(m), T::Varchar(n)) if m <= n => Vec::new(),
        // Text to an integer: SQLite would keep the text as it is,
        // MySQL refuse it half way.
        (T::Text | T::Varchar(_), b) if int_range(b).is_some() => {
            let (low, high) = int_range(b).expect("checked");
            vec![
                (
                    Condition::NotInteger(c.clone()),
                    format!("have {c} that is not an integer, which type {b} cannot hold"),
                    keep("type"),
                ),
                (
                    Condition::TextOutsideRange(c.clone(), low, high),
                    format!("have {c} outside {low}..={high}, the range of type {b}"),
                    keep("type"),
                ),
            ]
        }
        (T::Text | T::Varchar(_) | T::Custom(_), T::Varchar(n)) => vec![(
            Condition::LongerThan(c.clone(), *n),
            format!("have {c} longer than {n} characters, the new max_length"),
            keep("max_length"),
        )],
        (a, b) if int_range(b).is_some() && (int_range(a).is_some() || fractional(a)) => {
            let (low, high) = int_range(b).expect("checked");
            let mut checks = Vec::new();
            if fractional(a) {
                checks.push((
                    Condition::HasFraction(c.clone(), 0),
                    format!("have a fraction in {c}, which type {b} would round away"),
                    keep("type"),
                ));
            }
            let narrower = int_range(a).is_none_or(|(a_low, a_high)| a_low < low || a_high > high);
            if narrower {
                checks.push((
                    Condition::OutsideRange(c.clone(), low, high),
                    format!("have {c} outside {low}..={high}, the range of type {b}"),
                    keep("type"),
                ));
            }
            checks
        }
        (a, T::Decimal { precision, scale }) => {
            let scale_to = scale.unwrap_or(0);
            let (source_digits, source_scale): (Option<u32>, Option<u32>) = match a {
                T::SmallInt => (Some(5), Some(0)),
                T::Integer => (Some(10), Some(0)),
                T::BigInt => (Some(19), Some(0)),
                T::Decimal {
                    precision: Some(p),
                    scale: s,
                } => (Some(p.saturating_sub(s.unwrap_or(0))), Some(s.unwrap_or(0))),
                T::Decimal {
                    precision: None, ..
                }
                | T::Real
                | T::Double => (None, None),
                _ => return Vec::new(),
            };
            let Some(precision) = precision else {
                return Vec::new();
            };
            let integer_digits = precision.saturating_sub(scale_to);
            let mut checks = Vec::new();
            if source_scale.is_none_or(|s| s > scale_to) {
                checks.push((
                    Condition::HasFraction(c.clone(), scale_to),
                    format!("have more than {scale_to} decimal places in {c}, which type {} would round away", to.ty),
                    keep("scale"),
                ));
            }
            if source_digits.is_none_or(|d| d > integer_digits) {
                checks.push((
                    Condition::TooManyDigits(c.clone(), integer_digits),
                    format!("have {c} with more than {integer_digits} digits before the point, which type {} cannot hold", to.ty),
                    keep("precision"),
                ));
            }
            checks
        }
        (a, T::Boolean) if int_range(a).is_some() => vec![(
            Condition::NotBoolean(c.clone()),
            format!("have {c} other than 0 and 1, which a boolean cannot hold"),
            keep("type"),
        )],
        _ => Vec::new(),
    }
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

/// Whether `statement` is the one that runs a migration's guards: MySQL's
/// `CALL` of the helper procedure, or PostgreSQL's `DO` block. When it
/// fails, no statement before it changed a table (on MySQL they only
/// replaced the helper procedure), so the migration is not dirty.
///
/// ```
/// assert!(lback_core::sql::is_guard_call("-- lback guards\nCALL `__lback_guard`()"));
/// assert!(lback_core::sql::is_guard_call("DO $lback_guard$\nBEGIN\nEND\n$lback_guard$"));
/// assert!(!lback_core::sql::is_guard_call("CALL `other`()"));
/// ```
pub fn is_guard_call(statement: &str) -> bool {
    let code: Vec<&str> = code_lines(statement).collect();
    code == [format!("CALL `{GUARD}`()")]
        || (code.first() == Some(&"DO $lback_guard$") && code.last() == Some(&"$lback_guard$"))
}

/// A statement's lines, trimmed, without blank lines and `--` comments.
fn code_lines(statement: &str) -> impl Iterator<Item = &str> {
    statement
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("--"))
}

/// How many of a script's first `statements` are its guards (written by
/// [`render`](crate::sql::render)), which change no table: a failure
/// there, or a lock timeout at the first
/// statement after them, leaves the database as it was. SQLite's run in the
/// migration's transaction and are not counted.
///
/// ```
/// use lback_core::sql::{guard_statements, Dialect};
/// let mysql = [
///     "DROP PROCEDURE IF EXISTS `__lback_guard`",
///     "CREATE PROCEDURE `__lback_guard`()\nBEGIN\nEND",
///     "CALL `__lback_guard`()",
///     "DROP PROCEDURE `__lback_guard`",
///     "ALTER TABLE `t` MODIFY `a` INT NOT NULL",
/// ];
/// assert_eq!(guard_statements(&mysql, Dialect::Mysql), 4);
/// assert_eq!(guard_statements(&mysql[4..], Dialect::Mysql), 0);
/// let pg = ["DO $lback_guard$\nBEGIN\nEND\n$lback_guard$", "ALTER TABLE t ALTER a SET NOT NULL"];
/// assert_eq!(guard_statements(&pg, Dialect::Postgres), 1);
/// assert_eq!(guard_statements(&pg[1..], Dialect::Postgres), 0);
/// ```
pub fn guard_statements(statements: &[&str], d: Dialect) -> usize {
    match d {
        Dialect::Postgres => usize::from(statements.first().is_some_and(|s| is_guard_call(s))),
        Dialect::Mysql => {
            let name = d.quote(GUARD);
            let prelude = [
                format!("DROP PROCEDURE IF EXISTS {name}"),
                format!("CREATE PROCEDURE {name}()"),
                format!("CALL {name}()"),
                format!("DROP PROCEDURE {name}"),
            ];
            statements
                .iter()
                .zip(&prelude)
                .take_while(|(statement, start)| {
                    code_lines(statement).next() == Some(start.as_str())
                })
                .count()
        }
        Dialect::Sqlite => 0,
    }
}

/// The guards as SQL statements for `d`, to run first.
pub(super) fn render(guards: &[Guard], d: Dialect) -> Vec<String> {
    if guards.is_empty() {
        return Vec::new();
    }
    match d {
        Dialect::Postgres => vec![postgres(guards)],
        Dialect::Mysql => mysql(guards),
        Dialect::Sqlite => sqlite(guards),
    }
}

const HEADER: &str = "-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it";

fn postgres(guards: &[Guard]) -> String {
    let d = Dialect::Postgres;
    let mut body = String::new();
    for guard in guards {
        body.push_str(&format!(
            "  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (\n    {}\n  ) AS failing_rows;\n  IF failing > 0 THEN\n    RAISE EXCEPTION USING MESSAGE = {};\n  END IF;\n",
            failing_rows(guard, d),
            message(guard, d, "failing", "example"),
        ));
    }
    format!(
        "DO $lback_guard$\n{HEADER}\nDECLARE\n  failing bigint;\n  example text;\nBEGIN\n{body}END\n$lback_guard$"
    )
}

fn mysql(guards: &[Guard]) -> Vec<String> {
    let d = Dialect::Mysql;
    let name = d.quote(GUARD);
    let mut body = String::new();
    for guard in guards {
        body.push_str(&format!(
            "  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (\n    {}\n  ) AS failing_rows;\n  IF v_failing > 0 THEN\n    SET v_message = {};\n    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;\n  END IF;\n",
            failing_rows(guard, d),
            message(guard, d, "v_failing", "v_example"),
        ));
    }
    vec![
        format!("DROP PROCEDURE IF EXISTS {name}"),
        format!(
            "CREATE PROCEDURE {name}()\n{HEADER}\n-- (MySQL raises an error only from a stored program: this one, called next and dropped)\nBEGIN\n  DECLARE v_failing BIGINT;\n  DECLARE v_example TEXT;\n  DECLARE v_message TEXT;\n{body}END"
        ),
        format!("CALL {name}()"),
        format!("DROP PROCEDURE {name}"),
    ]
}

fn sqlite(guards: &[Guard]) -> Vec<String> {
    let d = Dialect::Sqlite;
    let table = d.quote(GUARD);
    let mut sql = vec![
        format!("CREATE TEMP TABLE {table} (\n{HEADER}\n-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)\n  \"failure\" TEXT NOT NULL\n)"),
        format!(
            "CREATE TEMP TRIGGER {} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, NEW.\"failure\"); END",
            d.quote(&format!("{GUARD}_fails"))
        ),
    ];
    for guard in guards {
        sql.push(format!(
            "INSERT INTO {table} (\"failure\")\nSELECT {} FROM (\n  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (\n    {}\n  ) AS failing_rows\n) WHERE failing > 0",
            message(guard, d, "failing", "example"),
            failing_rows(guard, d),
        ));
    }
    sql.push(format!("DROP TABLE {table}"));
    sql
}

/// `SELECT <example> AS example FROM ... WHERE ...`: one row per failure.
fn failing_rows(guard: &Guard, d: Dialect) -> String {
    let t = d.quote(&guard.table);
    match &guard.rows {
        Rows::Where(condition) => format!(
            "SELECT {} AS example FROM {t} WHERE {}",
            describe_row(&guard.key, "", d),
            condition_sql(condition, d)
        ),
        Rows::Count { more_than } => {
            let example = describe_row(&guard.key, "", d);
            if *more_than == 0 {
                format!("SELECT {example} AS example FROM {t}")
            } else {
                format!(
                    "SELECT {example} AS example FROM {t} WHERE (SELECT COUNT(*) FROM {t}) > {more_than}"
                )
            }
        }
        Rows::Duplicates(columns) => {
            let list = columns
                .iter()
                .map(|c| d.quote(c))
                .collect::<Vec<_>>()
                .join(", ");
            let not_null = columns
                .iter()
                .map(|c| format!("{} IS NOT NULL", d.quote(c)))
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(
                "SELECT {} AS example FROM {t} WHERE {not_null} GROUP BY {list} HAVING COUNT(*) > 1",
                describe_row(columns, "", d)
            )
        }
        Rows::Orphans {
            columns,
            referenced_table,
            referenced_columns,
        } => {
            let not_null = columns
                .iter()
                .map(|c| format!("{t}.{} IS NOT NULL", d.quote(c)))
                .collect::<Vec<_>>()
                .join(" AND ");
            let r = d.quote(referenced_table);
            // Aliases keep a self-reference apart.
            let matches = columns
                .iter()
                .zip(referenced_columns.iter())
                .map(|(c, rc)| {
                    format!(
                        "{}.{} = {}.{}",
                        d.quote("referenced"),
                        d.quote(rc),
                        t,
                        d.quote(c)
                    )
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(
                "SELECT {} AS example FROM {t} WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {r} AS {} WHERE {matches})",
                describe_row(&guard.key, &format!("{t}."), d),
                d.quote("referenced")
            )
        }
    }
}

fn condition_sql(condition: &Condition, d: Dialect) -> String {
    let q = |c: &Name| d.quote(c);
    match condition {
        Condition::IsNull(c) => format!("{} IS NULL", q(c)),
        Condition::NotNull(columns) => columns
            .iter()
            .map(|c| format!("{} IS NOT NULL", q(c)))
            .collect::<Vec<_>>()
            .join(" AND "),
        Condition::LongerThan(c, n) => {
            let length = match d {
                Dialect::Postgres => "char_length",
                Dialect::Mysql => "CHAR_LENGTH",
                Dialect::Sqlite => "length",
            };
            format!("{length}({}) > {n}", q(c))
        }
        Condition::OutsideRange(c, low, high) => {
            format!("({} < {low} OR {} > {high})", q(c), q(c))
        }
        Condition::NotInteger(c) => match d {
            Dialect::Postgres => format!("{} !~ '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$'", q(c)),
            Dialect::Mysql => format!("{} NOT REGEXP '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$'", q(c)),
            // No REGEXP in SQLite: the sign off, then only digits.
            Dialect::Sqlite => format!(
                "(TRIM({c}) IN ('', '+', '-') OR (CASE WHEN TRIM({c}) GLOB '[-+]*' THEN SUBSTR(TRIM({c}), 2) ELSE TRIM({c}) END) GLOB '*[^0-9]*')",
                c = q(c)
            ),
        },
        Condition::TextOutsideRange(c, low, high) => {
            let number = match d {
                Dialect::Postgres => format!("CAST({} AS numeric)", q(c)),
                Dialect::Mysql => format!("CAST({} AS DECIMAL(65,0))", q(c)),
                Dialect::Sqlite => format!("CAST({} AS INTEGER)", q(c)),
            };
            format!("({number} < {low} OR {number} > {high})")
        }
        Condition::HasFraction(c, places) => {
            // Compared as exact numbers: a float column's values are what
            // they are, and ROUND of a DECIMAL is exact.
            format!("{} <> ROUND({}, {places})", q(c), q(c))
        }
        Condition::TooManyDigits(c, digits) => {
            format!("ABS({}) >= 1{}", q(c), "0".repeat(*digits as usize))
        }
        Condition::NotBoolean(c) => format!("{} NOT IN (0, 1)", q(c)),
    }
}

/// `'id = ' || CAST("id" AS TEXT) || ...`: a row's key as text.
fn describe_row(columns: &[Name], prefix: &str, d: Dialect) -> String {
    if columns.is_empty() {
        return d.string_literal("(no key)");
    }
    let mut parts = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let label = if i == 0 {
            format!("{c} = ")
        } else {
            format!(", {c} = ")
        };
        parts.push(d.string_literal(&label));
        let column = format!("{prefix}{}", d.quote(c));
        parts.push(match d {
            Dialect::Mysql => format!("COALESCE(CAST({column} AS CHAR), 'NULL')"),
            _ => format!("COALESCE(CAST({column} AS TEXT), 'NULL')"),
        });
    }
    concat(&parts, d)
}

/// The failure message as a SQL expression.
fn message(guard: &Guard, d: Dialect, count: &str, example: &str) -> String {
    let parts = [
        d.string_literal("lback guard: "),
        match d {
            Dialect::Mysql => count.to_owned(),
            _ => format!("CAST({count} AS TEXT)"),
        },
        d.string_literal(&format!(
            " row(s) of table {} {} (e.g. ",
            guard.table, guard.problem
        )),
        example.to_owned(),
        d.string_literal(&format!("); {}", guard.remedy)),
    ];
    concat(&parts, d)
}

fn concat(parts: &[String], d: Dialect) -> String {
    match d {
        Dialect::Mysql => format!("CONCAT({})", parts.join(", ")),
        _ => parts.join(" || "),
    }
}
