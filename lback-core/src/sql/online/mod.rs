//! Online DDL ([`RenderOptions::online`](super::RenderOptions)): the forms
//! that let writers go on while a busy table changes.
//!
//! PostgreSQL: an operation with an online form is *deferred*: its
//! statements run after the migration's transactional part, outside any
//! transaction, each committing on its own (`CREATE INDEX CONCURRENTLY`
//! cannot run in a transaction, and a `VALIDATE CONSTRAINT` must not hold
//! the lock the `NOT VALID` constraint took). Moving an operation to the
//! end is only sound when no later operation that stays in the transaction
//! touches one of its tables; such an operation keeps its plain form.
//! An operation on a table created in the same migration keeps its plain
//! form too: the table has no rows yet.
//!
//! Every deferred form can be run again from its first statement after a
//! failure or a kill (`resolve --not-applied`, then `migrate`): each
//! starts by removing what a previous, interrupted run may have left (an
//! INVALID index of a failed concurrent build, a constraint added before
//! the kill). An index or constraint of that name cannot be anything
//! else: the schema lback tracks has none before the migration.
//!
//! MySQL/MariaDB: the `ALTER`s get `ALGORITHM=INSTANT` or
//! `ALGORITHM=INPLACE, LOCK=NONE` where the server can do the operation so
//! (each form tried on MariaDB 10.11 with rows; MySQL 8.0 documents the
//! same ones, not tried here), so that it refuses
//! rather than copying the table under a lock when it cannot; operations
//! without an online form (a new foreign key with `foreign_key_checks`
//! on, a type change) keep the plain form, and the lock report says they
//! block.

use std::collections::BTreeSet;

use crate::diff::Operation;
use crate::schema::{constraint_name, Column};

use super::ddl::{columns, foreign_key_clause};
use super::Dialect;

/// PostgreSQL: which of `operations` are deferred
/// to the part outside the transaction.
pub(super) fn deferred(operations: &[Operation]) -> Vec<bool> {
    // Tables created in this migration, as named when each operation runs.
    let mut fresh: BTreeSet<&str> = BTreeSet::new();
    let mut online = Vec::with_capacity(operations.len());
    for op in operations {
        online.push(!fresh.contains(op.table()) && has_online_form(op));
        match op {
            Operation::CreateTable(t) => {
                fresh.insert(&t.name);
            }
            Operation::RenameTable { from, to } if fresh.remove(from.as_ref()) => {
                fresh.insert(to);
            }
            _ => {}
        }
    }
    // From the end: an operation is deferred when no later operation that
    // stays in the transaction touches its tables.
    let mut blocked: BTreeSet<&str> = BTreeSet::new();
    let mut out = vec![false; operations.len()];
    for (i, op) in operations.iter().enumerate().rev() {
        let tables = touched(op);
        if online[i] && tables.iter().all(|t| !blocked.contains(t)) {
            out[i] = true;
        } else {
            blocked.extend(tables);
        }
    }
    out
}

/// Splits `operations` in two for PostgreSQL's online forms
/// ([`RenderOptions::online`](super::RenderOptions)): those that stay in
/// the migration's transaction (in order), and those deferred to a part
/// that runs after it, outside any transaction (in order). Applying the
/// first list and then the second builds the same schema as applying
/// `operations`: an operation is deferred only when no later operation of
/// the first list touches its tables.
pub fn split_online(operations: &[Operation]) -> (Vec<Operation>, Vec<Operation>) {
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    for (op, deferred) in operations.iter().zip(deferred(operations)) {
        if deferred {
            outside.push(op.clone());
        } else {
            inside.push(op.clone());
        }
    }
    (inside, outside)
}

/// Whether PostgreSQL has an online form of `op`.
fn has_online_form(op: &Operation) -> bool {
    match op {
        Operation::AddIndex { .. }
        | Operation::DropIndex { .. }
        | Operation::AddUnique { .. }
        | Operation::AddForeignKey { .. } => true,
        Operation::AlterColumn { from, to, .. } => only_sets_not_null(from, to),
        _ => false,
    }
}

/// The change is `NOT NULL` and nothing else.
fn only_sets_not_null(from: &Column, to: &Column) -> bool {
    from.nullable
        && !to.nullable
        && from.ty == to.ty
        && from.default == to.default
        && from.auto_increment == to.auto_increment
}

/// The tables whose definition (or whose rows' meaning) `op` depends on.
fn touched(op: &Operation) -> Vec<&str> {
    let mut tables = vec![op.table()];
    match op {
        Operation::RenameTable { from, .. } => tables.push(from),
        Operation::AddForeignKey { foreign_key, .. }
        | Operation::DropForeignKey { foreign_key, .. }
        | Operation::RenameForeignKey { foreign_key, .. } => {
            tables.push(&foreign_key.referenced_table)
        }
        Operation::CreateTable(t) | Operation::DropTable(t) => {
            tables.extend(t.foreign_keys.iter().map(|fk| fk.referenced_table.as_ref()))
        }
        _ => {}
    }
    tables
}

/// The name of the temporary `CHECK (c IS NOT NULL)` constraint that lets
/// PostgreSQL 12+ set `NOT NULL` without scanning under its lock.
pub(super) fn not_null_check_name(table: &str, column: &str) -> String {
    constraint_name("ck", table, &[column], Some("not_null"))
}

/// PostgreSQL: the online form of a deferred operation, every statement
/// to run on its own in autocommit.
pub(super) fn postgres(op: &Operation) -> Vec<String> {
    let d = Dialect::Postgres;
    let q = |name: &str| d.quote(name);
    match op {
        Operation::AddIndex { table, index } => without_lock_timeout(vec![
            // A failed or killed concurrent build leaves an INVALID index
            // behind, which the next build would collide with.
            format!("DROP INDEX CONCURRENTLY IF EXISTS {}", q(&index.name)),
            format!(
                "CREATE {}INDEX CONCURRENTLY {} ON {} ({})",
                if index.unique { "UNIQUE " } else { "" },
                q(&index.name),
                q(table),
                columns(&index.columns, d)
            ),
        ]),
        Operation::DropIndex { index, .. } => without_lock_timeout(vec![format!(
            "DROP INDEX CONCURRENTLY IF EXISTS {}",
            q(&index.name)
        )]),
        Operation::AddUnique { table, unique } => {
            let (t, u) = (q(table), q(&unique.name));
            let mut sql = vec![drop_left_constraint(table, &unique.name)];
            sql.extend(without_lock_timeout(vec![
                format!("DROP INDEX CONCURRENTLY IF EXISTS {u}"),
                format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {u} ON {t} ({})",
                    columns(&unique.columns, d)
                ),
            ]));
            sql.push(format!(
                "ALTER TABLE {t} ADD CONSTRAINT {u} UNIQUE USING INDEX {u}"
            ));
            sql
        }
        Operation::AddForeignKey { table, foreign_key } => {
            let (t, f) = (q(table), q(&foreign_key.name));
            vec![
                drop_left_constraint(table, &foreign_key.name),
                format!(
                    "ALTER TABLE {t} ADD {} NOT VALID",
                    foreign_key_clause(foreign_key, d)
                ),
                format!("ALTER TABLE {t} VALIDATE CONSTRAINT {f}"),
            ]
        }
        Operation::AlterColumn {
            table,
            from,
            to,
            fill,
        } if only_sets_not_null(from, to) => {
            let (t, c) = (q(table), q(&to.name));
            let check_name = not_null_check_name(table, &to.name);
            let check = q(&check_name);
            let mut sql = Vec::new();
            if let Some(value) = fill.as_ref().or(to.default.as_ref()) {
                let value = d.default_literal(value, &to.ty);
                sql.push(format!("UPDATE {t} SET {c} = {value} WHERE {c} IS NULL"));
            }
            sql.extend([
                drop_left_constraint(table, &check_name),
                format!("ALTER TABLE {t} ADD CONSTRAINT {check} CHECK ({c} IS NOT NULL) NOT VALID"),
                format!("ALTER TABLE {t} VALIDATE CONSTRAINT {check}"),
                // PostgreSQL 12+: the valid check proves there is no NULL,
                // so this skips its scan.
                format!("ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL"),
                format!("ALTER TABLE {t} DROP CONSTRAINT {check}"),
            ]);
            sql
        }
        _ => unreachable!("only operations with an online form are deferred"),
    }
}

/// Drops constraint `name` of `table` if a previous, interrupted run left
/// it, in a `DO` block, so the usual run (nothing to drop) takes no lock
/// (`ALTER TABLE ... DROP CONSTRAINT IF EXISTS` would take ACCESS
/// EXCLUSIVE either way).
fn drop_left_constraint(table: &str, name: &str) -> String {
    let d = Dialect::Postgres;
    format!(
        "DO $lback$ BEGIN IF EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = {} \
         AND conrelid = to_regclass({})) THEN ALTER TABLE {} DROP CONSTRAINT {}; END IF; END $lback$",
        d.string_literal(name),
        d.string_literal(&d.quote(table)),
        d.quote(table),
        d.quote(name)
    )
}

/// The session setting that keeps the lock timeout of the run while a
/// concurrent index statement runs without one.
const SAVED_LOCK_TIMEOUT: &str = "lback.lock_timeout";

/// `statements` (concurrent index builds and drops) run with no lock
/// timeout, the run's own put back after them. PostgreSQL applies
/// `lock_timeout` to a concurrent build's waits for every older
/// transaction of the database, so any transaction older than the
/// timeout would fail the build and leave its index INVALID; those waits
/// hold up no writer (the build's SHARE UPDATE EXCLUSIVE lets writes
/// through), unlike the brief ACCESS EXCLUSIVE of `ADD CONSTRAINT ...
/// USING INDEX`, which keeps the timeout. Plain SQL, so it works whoever
/// runs the file; a failure leaves the session with no timeout, which the
/// runner restores at the end of its run.
fn without_lock_timeout(statements: Vec<String>) -> Vec<String> {
    let mut sql = vec![
        format!(
            "SELECT set_config('{SAVED_LOCK_TIMEOUT}', current_setting('lock_timeout'), false)"
        ),
        "SET lock_timeout = 0".to_owned(),
    ];
    sql.extend(statements);
    sql.push(format!(
        "SELECT set_config('lock_timeout', current_setting('{SAVED_LOCK_TIMEOUT}'), false)"
    ));
    sql
}

/// MySQL/MariaDB: an in-place change that lets writes go on.
pub(super) const MYSQL_INPLACE: &str = "ALGORITHM=INPLACE, LOCK=NONE";

/// MySQL/MariaDB: the clause that makes the server do `op` online or
/// refuse, if it can do it online at all.
pub(super) fn mysql_clause(op: &Operation) -> Option<&'static str> {
    const INPLACE: &str = MYSQL_INPLACE;
    const INSTANT: &str = "ALGORITHM=INSTANT";
    match op {
        // MariaDB 10.3+ / MySQL 8.0.12+ add a column (at the end) in the
        // metadata; an AUTO_INCREMENT one fills every row (a copy).
        Operation::AddColumn { column, .. } if !column.auto_increment => Some(INSTANT),
        Operation::DropColumn { .. } => Some(INPLACE),
        Operation::RenameColumn { .. } => Some(INPLACE),
        Operation::AlterColumn { from, to, fill, .. } => {
            let same_but =
                |f: &Column, t: &Column| f.ty == t.ty && f.auto_increment == t.auto_increment;
            if !same_but(from, to) {
                // A type change copies the table.
                None
            } else if from.nullable != to.nullable {
                // NULL -> NOT NULL rebuilds in place (rows keep flowing);
                // a fill's UPDATE runs before it anyway.
                let _ = fill;
                Some(INPLACE)
            } else {
                // Only the default changes: metadata.
                Some(INSTANT)
            }
        }
        Operation::AddIndex { .. }
        | Operation::DropIndex { .. }
        | Operation::AddUnique { .. }
        | Operation::DropUnique { .. }
        | Operation::RenameIndex { .. }
        | Operation::RenameUnique { .. }
        | Operation::DropForeignKey { .. } => Some(INPLACE),
        // With foreign_key_checks on, InnoDB copies the table to add a
        // foreign key; the primary key and renamed foreign keys likewise
        // (in MySQL's eyes). A new or dropped table has no online question.
        Operation::AddColumn { .. }
        | Operation::AddForeignKey { .. }
        | Operation::RenameForeignKey { .. }
        | Operation::SetPrimaryKey { .. }
        | Operation::CreateTable(_)
        | Operation::DropTable(_)
        | Operation::RenameTable { .. } => None,
    }
}

/// Appends `clause` to a MySQL statement that can take one: an `ALTER
/// TABLE` (`, ALGORITHM=...`) or a `CREATE INDEX` (` ALGORITHM=...`
/// without the commas). Others (an `UPDATE` filling NULLs) stay as they are.
pub(super) fn with_mysql_clause(statement: String, clause: &str) -> String {
    if statement.starts_with("ALTER TABLE ") {
        format!("{statement}, {clause}")
    } else if statement.starts_with("CREATE INDEX ")
        || statement.starts_with("CREATE UNIQUE INDEX ")
    {
        format!("{statement} {}", clause.replace(", ", " "))
    } else {
        statement
    }
}

#[cfg(test)]
mod tests;
