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
mod reverse;
mod steps;
mod summary;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::collections::BTreeSet;

pub use operation::Operation;
pub use reverse::{inverse, irreversible, rename_hints, RenameHint};

use steps::{
    dependency_order, existing_key_unchanged, ordered_renames, renamed_keys, same_column,
    table_renames, valid_renames, Named, Steps,
};

use crate::schema::{ForeignKey, Index, Name, Schema, Table, UniqueConstraint};

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
    let table_renames = table_renames(old, new);
    let work = apply_renames(old, new, &table_renames, &mut steps);

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

    let altered = altered_columns(&surviving);

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
        let before_renames = old
            .table(&old_name(&n.name))
            .expect("a surviving table exists in `old`");
        diff_table(w, n, before_renames, &altered, &mut steps);
    }

    drop_tables(old, &dropped, &mut steps);
    create_tables(&work, new, &created, &mut steps);

    steps.into_operations()
}

/// The table renames, then the column renames, applied to a working copy of
/// `old` (made only when there is a rename) and added to `steps`.
fn apply_renames<'a>(
    old: &'a Schema,
    new: &Schema,
    table_renames: &[(Name, Name)],
    steps: &mut Steps,
) -> Cow<'a, Schema> {
    let mut work = Cow::Borrowed(old);
    for (from, to) in ordered_renames(table_renames, |name| old.table(name).is_some()) {
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
    work
}

/// Columns whose definition changes: foreign keys on either end of them
/// are dropped and re-added around the change.
fn altered_columns(surviving: &[(&Table, &Table)]) -> BTreeSet<(Name, Name)> {
    let mut altered: BTreeSet<(Name, Name)> = BTreeSet::new();
    for (w, n) in surviving {
        for column in n.columns.iter() {
            if let Some(before) = w.column(&column.name) {
                if !same_column(before, column) {
                    altered.insert((n.name.clone(), column.name.clone()));
                }
            }
        }
    }
    altered
}

/// Whether a column on either end of `fk` (of `table`) is in `altered`.
fn touches_altered(altered: &BTreeSet<(Name, Name)>, table: &Name, fk: &ForeignKey) -> bool {
    fk.columns
        .iter()
        .any(|c| altered.contains(&(table.clone(), c.clone())))
        || fk
            .referenced_columns
            .iter()
            .any(|c| altered.contains(&(fk.referenced_table.clone(), c.clone())))
}

/// One surviving table: `w` as `old` has it after the renames, `n` as
/// `new` has it, `before_renames` as `old` has it.
fn diff_table(
    w: &Table,
    n: &Table,
    before_renames: &Table,
    altered: &BTreeSet<(Name, Name)>,
    steps: &mut Steps,
) {
    let table = &n.name;
    // Keys whose definition stays but whose name changes (a generated
    // name following a renamed table or column): renamed, not dropped
    // and built again.
    let renamed_fks = renamed_keys(&w.foreign_keys, &n.foreign_keys, |f| {
        !touches_altered(altered, table, f)
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
    diff_foreign_keys(w, n, before_renames, &renamed_fks, altered, steps);
    diff_indexes(
        w,
        n,
        before_renames,
        &renamed_indexes,
        &renamed_uniques,
        steps,
    );
    diff_columns(w, n, steps);
}

/// The foreign keys of one surviving table (see [`diff_table`]).
fn diff_foreign_keys(
    w: &Table,
    n: &Table,
    before_renames: &Table,
    renamed_fks: &[(&Name, &ForeignKey)],
    altered: &BTreeSet<(Name, Name)>,
    steps: &mut Steps,
) {
    let table = &n.name;
    let touched = |fk: &ForeignKey| touches_altered(altered, table, fk);
    let (old_names, new_names) = rename_sides(renamed_fks);
    for fk in changed_keys(&w.foreign_keys, &n.foreign_keys, &old_names, touched) {
        steps.drop_foreign_keys.push(Operation::DropForeignKey {
            table: before_renames.name.clone(),
            foreign_key: key_before_renames(&before_renames.foreign_keys, &fk.name),
        });
    }
    for fk in changed_keys(&n.foreign_keys, &w.foreign_keys, &new_names, touched) {
        steps.add_foreign_keys.push(Operation::AddForeignKey {
            table: table.clone(),
            foreign_key: fk.clone(),
        });
    }
}

/// The indexes and unique constraints of one surviving table, matched by
/// name (see [`diff_table`]).
fn diff_indexes(
    w: &Table,
    n: &Table,
    before_renames: &Table,
    renamed_indexes: &[(&Name, &Index)],
    renamed_uniques: &[(&Name, &UniqueConstraint)],
    steps: &mut Steps,
) {
    let table = &n.name;
    let (old_indexes, new_indexes) = rename_sides(renamed_indexes);
    let (old_uniques, new_uniques) = rename_sides(renamed_uniques);
    for index in changed_keys(&w.indexes, &n.indexes, &old_indexes, |_| false) {
        steps.drop_indexes.push(Operation::DropIndex {
            table: before_renames.name.clone(),
            index: key_before_renames(&before_renames.indexes, &index.name),
        });
    }
    let (w_uniques, n_uniques) = (&w.unique_constraints, &n.unique_constraints);
    for unique in changed_keys(w_uniques, n_uniques, &old_uniques, |_| false) {
        steps.drop_indexes.push(Operation::DropUnique {
            table: before_renames.name.clone(),
            unique: key_before_renames(&before_renames.unique_constraints, &unique.name),
        });
    }
    for unique in changed_keys(n_uniques, w_uniques, &new_uniques, |_| false) {
        steps.add_indexes.push(Operation::AddUnique {
            table: table.clone(),
            unique: unique.clone(),
        });
    }
    for index in changed_keys(&n.indexes, &w.indexes, &new_indexes, |_| false) {
        steps.add_indexes.push(Operation::AddIndex {
            table: table.clone(),
            index: index.clone(),
        });
    }
}

/// The names a list of renames goes from, and those it goes to.
fn rename_sides<'a, K: Named>(renamed: &[(&'a Name, &'a K)]) -> (Vec<&'a Name>, Vec<&'a Name>) {
    renamed
        .iter()
        .map(|(from, key)| (*from, key.name()))
        .unzip()
}

/// The keys of `keys`, in order, that are not among the `renamed` names and
/// whose namesake in `other` is missing or different, or for which `also`
/// holds: on the old side those to drop, on the new side those to add.
fn changed_keys<'a, K: PartialEq + Named>(
    keys: &'a [K],
    other: &'a [K],
    renamed: &'a [&'a Name],
    also: impl Fn(&K) -> bool + 'a,
) -> impl Iterator<Item = &'a K> + 'a {
    keys.iter().filter(move |key| {
        !renamed.contains(&key.name())
            && (other.iter().find(|k| k.name() == key.name()) != Some(*key) || also(key))
    })
}

/// The key named `name` in `keys`, the table as it was before this
/// migration's renames.
fn key_before_renames<K: Clone + Named>(keys: &[K], name: &Name) -> K {
    keys.iter()
        .find(|k| k.name() == name)
        .cloned()
        .expect("same names on both sides of a rename")
}

/// The columns and primary key of one surviving table (see [`diff_table`]).
fn diff_columns(w: &Table, n: &Table, steps: &mut Steps) {
    let table = &n.name;
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

/// Dropped tables, dependents first; a foreign key closing a cycle among
/// them is dropped on its own beforehand.
fn drop_tables(old: &Schema, dropped: &[&Table], steps: &mut Steps) {
    let (order, cyclic) = dependency_order(dropped);
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
}

/// Created tables, referenced tables first. A foreign key stays inline
/// when its target exists by then with an unchanged key; otherwise it is
/// added after every table exists.
fn create_tables(work: &Schema, new: &Schema, created: &[&Table], steps: &mut Steps) {
    let (order, cyclic) = dependency_order(created);
    let created_names: BTreeSet<&str> = created.iter().map(|t| t.name.as_ref()).collect();
    for table in order {
        let mut table = table.clone();
        table.foreign_keys.to_mut().retain(|fk| {
            let target_ready = if created_names.contains(fk.referenced_table.as_ref()) {
                !cyclic.contains(&(table.name.clone(), fk.name.clone()))
            } else {
                existing_key_unchanged(work, new, fk)
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
}
