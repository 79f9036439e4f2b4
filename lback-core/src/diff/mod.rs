//! The schema diff: what operations turn one schema into another.
//!
//! [`diff`] is pure and deterministic: set algebra over name-sorted maps,
//! renames only from `renamed_from` hints. The down migration is
//! [`inverse`] of the up operations, never written by hand.
//!
//! Emission order, chosen so that the up sequence and its inverse (the same
//! operations reversed, each inverted) both find what they need:
//!
//! 1. drop foreign keys of surviving tables (removed, changed, or touching an
//!    altered column), and those that close a cycle among dropped tables
//! 2. drop tables, dependents first
//! 3. drop indexes and unique constraints of surviving tables
//! 4. rename tables, 5. rename columns, then the foreign keys, unique
//!    constraints and indexes whose definition stays but whose name
//!    changes (a generated name following the renamed table or column)
//! 6. add columns, 7. alter columns, 8. change primary keys,
//! 9. turn auto-increment on (needs the key in place)
//! 10. add unique constraints and indexes of surviving tables
//! 11. create tables, referenced tables first; a foreign key that closes a
//!     cycle, or needs a key created later, is added in step 12
//! 12. add foreign keys
//! 13. drop columns

mod operation;

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

pub use operation::Operation;

use crate::schema::{Column, ForeignKey, Name, Schema, Table};

/// The operations that turn `old` into `new`, in emission order.
///
/// ```
/// use lback_core::diff::{diff, Operation};
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
///
/// let v1 = Schema::from_tables([Table::new("users")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_primary_key(["id"])]).unwrap();
/// let mut v2 = v1.clone();
/// let users = v2.table("users").unwrap().clone()
///     .with_column(Column::new("bio", ColumnType::Text).nullable());
/// v2.upsert(users);
///
/// let ops = diff(&v1, &v2);
/// assert_eq!(ops.len(), 1);
/// assert_eq!(ops[0].to_string(), "+ add column users.bio: text null");
/// ```
pub fn diff(old: &Schema, new: &Schema) -> Vec<Operation> {
    let mut steps = Steps::default();

    // Renames first, applied to a working copy of `old`: afterwards every
    // surviving table and column has its new name on both sides. The copy
    // is made only when there is a rename: copying 10,000 tables was most of
    // the time of a diff that finds nothing (see BENCHMARKS.md).
    let mut work = Cow::Borrowed(old);
    let table_renames = table_renames(old, new);
    for (from, to) in ordered_renames(&table_renames, |name| old.table(name).is_some()) {
        let op = Operation::RenameTable { from, to };
        op.apply(work.to_mut());
        steps.rename_tables.push(op);
    }
    for table in new.tables() {
        let Some(current) = work.table(&table.name) else {
            continue;
        };
        let hinted: Vec<(Name, Name)> = table
            .columns
            .iter()
            .filter_map(|c| c.renamed_from.clone().map(|from| (from, c.name.clone())))
            .collect();
        let renames = valid_renames(
            hinted,
            |name| current.column(name).is_some(),
            |name| table.column(name).is_some(),
        );
        let ops: Vec<Operation> = ordered_renames(&renames, |name| current.column(name).is_some())
            .into_iter()
            .map(|(from, to)| Operation::RenameColumn {
                table: table.name.clone(),
                from,
                to,
            })
            .collect();
        for op in ops {
            op.apply(work.to_mut());
            steps.rename_columns.push(op);
        }
    }

    let dropped: Vec<&Table> = work
        .tables()
        .filter(|t| new.table(&t.name).is_none())
        .collect();
    let created: Vec<&Table> = new
        .tables()
        .filter(|t| work.table(&t.name).is_none())
        .collect();
    // Sized up front: usually every table survives, and growing by doubling
    // would hold up to twice that at the peak.
    let mut surviving: Vec<(&Table, &Table)> = Vec::with_capacity(new.len());
    surviving.extend(
        new.tables()
            .filter_map(|n| work.table(&n.name).map(|w| (w, n))),
    );

    // Columns whose definition changes: foreign keys on either end of them
    // are dropped and re-added around the change.
    let mut altered: BTreeSet<(Name, Name)> = BTreeSet::new();
    for (w, n) in &surviving {
        for column in n.columns.iter() {
            if let Some(before) = w.column(&column.name) {
                if !same_column(before, column) {
                    altered.insert((n.name.clone(), column.name.clone()));
                }
            }
        }
    }
    let touches_altered = |table: &Name, fk: &ForeignKey| {
        fk.columns
            .iter()
            .any(|c| altered.contains(&(table.clone(), c.clone())))
            || fk
                .referenced_columns
                .iter()
                .any(|c| altered.contains(&(fk.referenced_table.clone(), c.clone())))
    };

    // Drops emitted before the renames name things as `old` does: the
    // table's old name and the definitions with old column names. Their
    // inverses run in the down migration after the renames are undone.
    let old_name = |new_name: &Name| -> Name {
        table_renames
            .iter()
            .find(|(_, to)| to == new_name)
            .map_or_else(|| new_name.clone(), |(from, _)| from.clone())
    };
    for (w, n) in &surviving {
        let table = &n.name;
        let before_renames = old
            .table(&old_name(table))
            .expect("a surviving table exists in `old`");
        let original_fk = |name: &Name| {
            before_renames
                .foreign_keys
                .iter()
                .find(|f| f.name == *name)
                .cloned()
        };
        let original_index = |name: &Name| {
            before_renames
                .indexes
                .iter()
                .find(|i| i.name == *name)
                .cloned()
        };
        let original_unique = |name: &Name| {
            before_renames
                .unique_constraints
                .iter()
                .find(|u| u.name == *name)
                .cloned()
        };
        // Keys whose definition stays but whose name changes (a generated
        // name following a renamed table or column): renamed, not dropped
        // and built again.
        let renamed_fks = renamed_keys(&w.foreign_keys, &n.foreign_keys, |f| {
            !touches_altered(table, f)
        });
        let renamed_indexes = renamed_keys(&w.indexes, &n.indexes, |_| true);
        let renamed_uniques = renamed_keys(&w.unique_constraints, &n.unique_constraints, |_| true);
        for (from, fk) in &renamed_fks {
            steps.rename_keys.push(Operation::RenameForeignKey {
                table: table.clone(),
                from: (*from).clone(),
                foreign_key: (*fk).clone(),
            });
        }
        for (from, unique) in &renamed_uniques {
            steps.rename_keys.push(Operation::RenameUnique {
                table: table.clone(),
                from: (*from).clone(),
                unique: (*unique).clone(),
            });
        }
        for (from, index) in &renamed_indexes {
            steps.rename_keys.push(Operation::RenameIndex {
                table: table.clone(),
                from: (*from).clone(),
                index: (*index).clone(),
            });
        }
        // Foreign keys.
        for fk in w.foreign_keys.iter() {
            if renamed_fks.iter().any(|(f, _)| **f == fk.name) {
                continue;
            }
            let kept = n.foreign_keys.iter().find(|f| f.name == fk.name);
            if kept != Some(fk) || touches_altered(table, fk) {
                steps.drop_foreign_keys.push(Operation::DropForeignKey {
                    table: before_renames.name.clone(),
                    foreign_key: original_fk(&fk.name)
                        .expect("same names on both sides of a rename"),
                });
            }
        }
        for fk in n.foreign_keys.iter() {
            if renamed_fks.iter().any(|(_, f)| f.name == fk.name) {
                continue;
            }
            let before = w.foreign_keys.iter().find(|f| f.name == fk.name);
            if before != Some(fk) || touches_altered(table, fk) {
                steps.add_foreign_keys.push(Operation::AddForeignKey {
                    table: table.clone(),
                    foreign_key: fk.clone(),
                });
            }
        }
        // Indexes and unique constraints, matched by name.
        for index in w.indexes.iter() {
            if renamed_indexes.iter().any(|(f, _)| **f == index.name) {
                continue;
            }
            if n.indexes.iter().find(|i| i.name == index.name) != Some(index) {
                steps.drop_indexes.push(Operation::DropIndex {
                    table: before_renames.name.clone(),
                    index: original_index(&index.name)
                        .expect("same names on both sides of a rename"),
                });
            }
        }
        for unique in w.unique_constraints.iter() {
            if renamed_uniques.iter().any(|(f, _)| **f == unique.name) {
                continue;
            }
            if n.unique_constraints.iter().find(|u| u.name == unique.name) != Some(unique) {
                steps.drop_indexes.push(Operation::DropUnique {
                    table: before_renames.name.clone(),
                    unique: original_unique(&unique.name)
                        .expect("same names on both sides of a rename"),
                });
            }
        }
        for unique in n.unique_constraints.iter() {
            if renamed_uniques.iter().any(|(_, u)| u.name == unique.name) {
                continue;
            }
            if w.unique_constraints.iter().find(|u| u.name == unique.name) != Some(unique) {
                steps.add_indexes.push(Operation::AddUnique {
                    table: table.clone(),
                    unique: unique.clone(),
                });
            }
        }
        for index in n.indexes.iter() {
            if renamed_indexes.iter().any(|(_, i)| i.name == index.name) {
                continue;
            }
            if w.indexes.iter().find(|i| i.name == index.name) != Some(index) {
                steps.add_indexes.push(Operation::AddIndex {
                    table: table.clone(),
                    index: index.clone(),
                });
            }
        }
        // Columns.
        for column in n.columns.iter() {
            match w.column(&column.name) {
                None => steps.add_columns.push(Operation::AddColumn {
                    table: table.clone(),
                    column: column.clone(),
                }),
                Some(before) if !same_column(before, column) => {
                    let op = Operation::AlterColumn {
                        table: table.clone(),
                        from: before.clone(),
                        to: column.clone(),
                        fill: None,
                    };
                    if column.auto_increment && !before.auto_increment {
                        steps.enable_auto_increment.push(op);
                    } else {
                        steps.alter_columns.push(op);
                    }
                }
                Some(_) => {}
            }
        }
        for column in w.columns.iter() {
            if n.column(&column.name).is_none() {
                steps.drop_columns.push(Operation::DropColumn {
                    table: table.clone(),
                    column: column.clone(),
                });
            }
        }
        if w.primary_key != n.primary_key {
            steps.primary_keys.push(Operation::SetPrimaryKey {
                table: table.clone(),
                from: w.primary_key.clone(),
                to: n.primary_key.clone(),
            });
        }
    }

    // Dropped tables, dependents first; a foreign key closing a cycle among
    // them is dropped on its own beforehand.
    let (order, cyclic) = dependency_order(&dropped);
    for table in order.into_iter().rev() {
        // As `old` has it: the foreign keys may name tables renamed later.
        let mut table = old
            .table(&table.name)
            .expect("dropped tables are not renamed")
            .clone();
        table.foreign_keys.to_mut().retain(|fk| {
            let closes_cycle = cyclic.contains(&(table.name.clone(), fk.name.clone()));
            if closes_cycle {
                steps.drop_foreign_keys.push(Operation::DropForeignKey {
                    table: table.name.clone(),
                    foreign_key: fk.clone(),
                });
            }
            !closes_cycle
        });
        steps.drop_tables.push(Operation::DropTable(table));
    }

    // Created tables, referenced tables first. A foreign key stays inline
    // when its target exists by then with an unchanged key; otherwise it is
    // added after every table exists.
    let (order, cyclic) = dependency_order(&created);
    let created_names: BTreeSet<&str> = created.iter().map(|t| t.name.as_ref()).collect();
    for table in order {
        let mut table = table.clone();
        table.foreign_keys.to_mut().retain(|fk| {
            let target_ready = if created_names.contains(fk.referenced_table.as_ref()) {
                !cyclic.contains(&(table.name.clone(), fk.name.clone()))
            } else {
                existing_key_unchanged(&work, new, fk)
            };
            if !target_ready {
                steps.add_foreign_keys.push(Operation::AddForeignKey {
                    table: table.name.clone(),
                    foreign_key: fk.clone(),
                });
            }
            target_ready
        });
        steps.create_tables.push(Operation::CreateTable(table));
    }

    steps.into_operations()
}

/// The operations that undo `operations`: reversed, each inverted.
pub fn inverse(operations: &[Operation]) -> Vec<Operation> {
    operations.iter().rev().map(Operation::inverse).collect()
}

/// What the down migration of `operations` cannot restore: the rows of a
/// dropped table, the values of a dropped column, NULLs replaced by a
/// fill. Written at the top of down.sql (so `rollback --dry-run` shows
/// it too).
///
/// lback does not keep dropped data aside until a purge: the space would
/// stay taken (a dropped table frees nothing), the kept table's keys and
/// indexes would still block names and slow writes to tables it
/// references, and every drift check would have to tell it apart. A down
/// says plainly what it cannot bring back, and its guards stop it before
/// it changes anything when the rows left cannot take the old schema.
pub fn irreversible(operations: &[Operation]) -> Vec<String> {
    let mut notes = Vec::new();
    for op in operations {
        match op {
            Operation::DropTable(table) => notes.push(format!(
                "the up migration dropped table {}: this down creates it again empty (its rows are not restored)",
                table.name
            )),
            Operation::DropColumn { table, column } => {
                let value = match (&column.default, column.nullable) {
                    (Some(default), _) => format!("its default {default}"),
                    (None, true) => "NULL".to_owned(),
                    (None, false) => "the type's zero value".to_owned(),
                };
                notes.push(format!(
                    "the up migration dropped {table}.{}: this down adds it again with {value} in every row (its values are not restored)",
                    column.name
                ));
            }
            Operation::AlterColumn {
                table,
                from,
                to,
                fill,
            } if from.nullable && !to.nullable => {
                if let Some(value) = fill.as_ref().or(to.default.as_ref()) {
                    notes.push(format!(
                        "the up migration replaced NULLs in {table}.{} by {value}: this down leaves them",
                        to.name
                    ));
                }
            }
            _ => {}
        }
    }
    notes
}

/// A likely rename the hints did not declare: in one table, a column dropped
/// and a column of the same type added (or a table dropped and one with the
/// same columns created).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenameHint {
    /// The table (for a table rename, the new table).
    pub table: String,
    /// The dropped name.
    pub dropped: String,
    /// The added name.
    pub added: String,
    /// Whether it is about a column (else a table).
    pub column: bool,
}

impl std::fmt::Display for RenameHint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column {
            write!(
                f,
                "did you mean to rename {}.{} to {}? add #[lback(renamed_from = \"{}\")] to the field, or the data in `{}` is dropped",
                self.table, self.dropped, self.added, self.dropped, self.dropped
            )
        } else {
            write!(
                f,
                "did you mean to rename table {} to {}? add #[lback(renamed_from = \"{}\")] to the struct, or table `{}` and its rows are dropped",
                self.dropped, self.added, self.dropped, self.dropped
            )
        }
    }
}

/// Likely renames among `operations`: what the command line shows with the
/// summary, so a drop plus an add is never a silent data loss.
pub fn rename_hints(operations: &[Operation]) -> Vec<RenameHint> {
    let mut hints = Vec::new();
    for op in operations {
        match op {
            Operation::DropColumn { table, column } => {
                for other in operations {
                    if let Operation::AddColumn {
                        table: t,
                        column: added,
                    } = other
                    {
                        if t == table && added.ty == column.ty {
                            hints.push(RenameHint {
                                table: table.to_string(),
                                dropped: column.name.to_string(),
                                added: added.name.to_string(),
                                column: true,
                            });
                        }
                    }
                }
            }
            Operation::DropTable(dropped) => {
                for other in operations {
                    if let Operation::CreateTable(created) = other {
                        let shape = |t: &Table| -> Vec<(String, String)> {
                            t.columns
                                .iter()
                                .map(|c| (c.name.to_string(), c.ty.to_string()))
                                .collect()
                        };
                        if shape(dropped) == shape(created) {
                            hints.push(RenameHint {
                                table: created.name.to_string(),
                                dropped: dropped.name.to_string(),
                                added: created.name.to_string(),
                                column: false,
                            });
                        }
                    }
                }
            }
            _ => {}
        }
    }
    hints
}

#[derive(Default)]
struct Steps {
    drop_foreign_keys: Vec<Operation>,
    drop_tables: Vec<Operation>,
    drop_indexes: Vec<Operation>,
    rename_tables: Vec<Operation>,
    rename_columns: Vec<Operation>,
    rename_keys: Vec<Operation>,
    add_columns: Vec<Operation>,
    alter_columns: Vec<Operation>,
    primary_keys: Vec<Operation>,
    enable_auto_increment: Vec<Operation>,
    add_indexes: Vec<Operation>,
    create_tables: Vec<Operation>,
    add_foreign_keys: Vec<Operation>,
    drop_columns: Vec<Operation>,
}

impl Steps {
    fn into_operations(self) -> Vec<Operation> {
        [
            self.drop_foreign_keys,
            self.drop_tables,
            self.drop_indexes,
            self.rename_tables,
            self.rename_columns,
            self.rename_keys,
            self.add_columns,
            self.alter_columns,
            self.primary_keys,
            self.enable_auto_increment,
            self.add_indexes,
            self.create_tables,
            self.add_foreign_keys,
            self.drop_columns,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Keys of `before` (a surviving table, after the renames) whose name is
/// gone from `after` while a key of `after` with a name `before` lacks has
/// the same definition: `(old name, key as after has it)`, one to one.
/// `eligible` leaves out keys that are dropped and added anyway.
fn renamed_keys<'a, K: Clone + PartialEq + Named>(
    before: &'a [K],
    after: &'a [K],
    eligible: impl Fn(&K) -> bool,
) -> Vec<(&'a Name, &'a K)> {
    let mut pairs: Vec<(&Name, &K)> = Vec::new();
    for old in before {
        if !eligible(old) || after.iter().any(|k| k.name() == old.name()) {
            continue;
        }
        let found = after.iter().find(|new| {
            !before.iter().any(|k| k.name() == new.name())
                && !pairs.iter().any(|(_, taken)| taken.name() == new.name())
                && eligible(new)
                && old.renamed(new.name()) == **new
        });
        if let Some(new) = found {
            pairs.push((old.name(), new));
        }
    }
    pairs
}

/// An index, unique constraint or foreign key: its name, and it renamed.
trait Named: Sized {
    fn name(&self) -> &Name;
    fn renamed(&self, name: &Name) -> Self;
}

macro_rules! named {
    ($($t:ty),*) => {$(
        impl Named for $t {
            fn name(&self) -> &Name {
                &self.name
            }
            fn renamed(&self, name: &Name) -> Self {
                Self {
                    name: name.clone(),
                    ..self.clone()
                }
            }
        }
    )*};
}

named!(
    crate::schema::Index,
    crate::schema::UniqueConstraint,
    ForeignKey
);

fn same_column(a: &Column, b: &Column) -> bool {
    a.ty == b.ty
        && a.nullable == b.nullable
        && a.default == b.default
        && a.auto_increment == b.auto_increment
}

/// Table renames declared with `renamed_from`: the old name exists, and
/// the new one is free or freed by another rename (a swap, a cycle).
fn table_renames(old: &Schema, new: &Schema) -> Vec<(Name, Name)> {
    let hinted: Vec<(Name, Name)> = new
        .tables()
        .filter_map(|t| t.renamed_from.clone().map(|from| (from, t.name.clone())))
        .collect();
    valid_renames(
        hinted,
        |name| old.table(name).is_some(),
        |name| new.table(name).is_some(),
    )
}

/// The renames among `hinted` (old name → new name, in one namespace)
/// that can be carried out: the old name exists before; each old and new
/// name is used once; the new name is free before, or another rename
/// frees it; the old name is gone afterwards, or another rename takes it.
/// So `a` ← `b` with `b` ← `a` is a swap, while `b` ← `a` with `a` kept
/// is no rename (the hint is stale).
fn valid_renames(
    hinted: Vec<(Name, Name)>,
    exists_before: impl Fn(&str) -> bool,
    exists_after: impl Fn(&str) -> bool,
) -> Vec<(Name, Name)> {
    let mut sources = BTreeSet::new();
    let mut targets = BTreeSet::new();
    let mut renames: Vec<(Name, Name)> = hinted
        .into_iter()
        .filter(|(from, to)| from != to && exists_before(from))
        .filter(|(from, to)| sources.insert(from.clone()) && targets.insert(to.clone()))
        .collect();
    loop {
        let valid = |(from, to): &(Name, Name), all: &[(Name, Name)]| {
            let target_free = !exists_before(to) || all.iter().any(|(f, _)| f == to);
            let source_gone = !exists_after(from) || all.iter().any(|(_, t)| t == from);
            target_free && source_gone
        };
        let before = renames.len();
        let snapshot = renames.clone();
        renames.retain(|r| valid(r, &snapshot));
        if renames.len() == before {
            return renames;
        }
    }
}

/// `renames` in an order where each new name is free when its rename
/// runs. A swap or cycle goes through a temporary name
/// (`__lback_tmp_<old name>`): `a → tmp, b → a, tmp → b`.
fn ordered_renames(renames: &[(Name, Name)], taken: impl Fn(&str) -> bool) -> Vec<(Name, Name)> {
    let mut pending: Vec<(Name, Name)> = renames.to_vec();
    let mut out = Vec::new();
    while !pending.is_empty() {
        let ready = pending
            .iter()
            .position(|(_, to)| !pending.iter().any(|(from, _)| from == to));
        match ready {
            Some(i) => out.push(pending.remove(i)),
            None => {
                let (from, to) = pending.remove(0);
                let mut temporary = format!("__lback_tmp_{from}");
                while taken(&temporary)
                    || pending
                        .iter()
                        .any(|(f, t)| *f == *temporary || *t == *temporary)
                {
                    temporary.push('_');
                }
                let temporary: Name = temporary.into();
                out.push((from, temporary.clone()));
                pending.push((temporary, to));
            }
        }
    }
    out
}

/// Whether a foreign key of a new table can be declared inline: its target
/// table survives and the referenced columns and key exist unchanged before
/// any other change of this migration.
fn existing_key_unchanged(work: &Schema, new: &Schema, fk: &ForeignKey) -> bool {
    let (Some(before), Some(after)) = (
        work.table(&fk.referenced_table),
        new.table(&fk.referenced_table),
    ) else {
        return false;
    };
    fk.referenced_columns
        .iter()
        .all(|c| match (before.column(c), after.column(c)) {
            (Some(a), Some(b)) => same_column(a, b),
            _ => false,
        })
        && before.is_unique_key(&fk.referenced_columns)
        && after.is_unique_key(&fk.referenced_columns)
        && before.primary_key == after.primary_key
        && same_unique_keys(before, after)
}

fn same_unique_keys(a: &Table, b: &Table) -> bool {
    let keys = |t: &Table| -> BTreeSet<(String, Vec<String>)> {
        t.unique_constraints
            .iter()
            .map(|u| {
                (
                    u.name.to_string(),
                    u.columns.iter().map(|c| c.to_string()).collect(),
                )
            })
            .chain(t.indexes.iter().filter(|i| i.unique).map(|i| {
                (
                    i.name.to_string(),
                    i.columns.iter().map(|c| c.to_string()).collect(),
                )
            }))
            .collect()
    };
    keys(a) == keys(b)
}

/// Orders tables so a referenced table comes before those referencing it
/// (ties by name). Returns the order and the foreign keys, as
/// `(table, foreign key name)`, that had to be set aside to break cycles.
fn dependency_order<'a>(tables: &[&'a Table]) -> (Vec<&'a Table>, BTreeSet<(Name, Name)>) {
    let by_name: BTreeMap<&str, &Table> = tables.iter().map(|t| (t.name.as_ref(), *t)).collect();
    fn depends_on<'t>(t: &'t Table, among: &BTreeMap<&str, &Table>) -> BTreeSet<&'t str> {
        t.foreign_keys
            .iter()
            .map(|fk| fk.referenced_table.as_ref())
            .filter(|r| *r != t.name && among.contains_key(r))
            .collect()
    }
    let mut remaining: BTreeMap<&str, &Table> = by_name.clone();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut order = Vec::new();
    let mut set_aside = BTreeSet::new();
    while !remaining.is_empty() {
        let ready = remaining
            .iter()
            .find(|(_, t)| depends_on(t, &by_name).iter().all(|d| done.contains(d)))
            .map(|(name, _)| *name);
        let name = match ready {
            Some(name) => name,
            None => {
                // A cycle: take the first remaining table and set aside its
                // foreign keys to tables not placed yet.
                let (name, table) = remaining
                    .iter()
                    .next()
                    .map(|(n, t)| (*n, *t))
                    .expect("not empty");
                for fk in table.foreign_keys.iter() {
                    let target = fk.referenced_table.as_ref();
                    if target != name && remaining.contains_key(target) {
                        set_aside.insert((table.name.clone(), fk.name.clone()));
                    }
                }
                name
            }
        };
        let table = remaining.remove(name).expect("present");
        done.insert(name);
        order.push(table);
    }
    (order, set_aside)
}
