//! The pieces [`diff`](super::diff) is built from: the operations sorted
//! into its steps, rename detection, key comparison, dependency order.

use std::collections::{BTreeMap, BTreeSet};

use super::operation::Operation;
use crate::schema::{Column, ForeignKey, Name, Schema, Table};

#[derive(Default)]
pub(super) struct Steps {
    pub(super) drop_foreign_keys: Vec<Operation>,
    pub(super) drop_tables: Vec<Operation>,
    pub(super) drop_indexes: Vec<Operation>,
    pub(super) rename_tables: Vec<Operation>,
    pub(super) rename_columns: Vec<Operation>,
    pub(super) rename_keys: Vec<Operation>,
    pub(super) add_columns: Vec<Operation>,
    pub(super) alter_columns: Vec<Operation>,
    pub(super) primary_keys: Vec<Operation>,
    pub(super) enable_auto_increment: Vec<Operation>,
    pub(super) add_indexes: Vec<Operation>,
    pub(super) create_tables: Vec<Operation>,
    pub(super) add_foreign_keys: Vec<Operation>,
    pub(super) drop_columns: Vec<Operation>,
}

impl Steps {
    pub(super) fn into_operations(self) -> Vec<Operation> {
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
pub(super) fn renamed_keys<'a, K: Clone + PartialEq + Named>(
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
pub(super) trait Named: Sized {
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

pub(super) fn same_column(a: &Column, b: &Column) -> bool {
    a.ty == b.ty
        && a.nullable == b.nullable
        && a.default == b.default
        && a.auto_increment == b.auto_increment
}

/// Table renames declared with `renamed_from`: the old name exists, and
/// the new one is free or freed by another rename (a swap, a cycle).
pub(super) fn table_renames(old: &Schema, new: &Schema) -> Vec<(Name, Name)> {
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
pub(super) fn valid_renames(
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
pub(super) fn ordered_renames(
    renames: &[(Name, Name)],
    taken: impl Fn(&str) -> bool,
) -> Vec<(Name, Name)> {
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
pub(super) fn existing_key_unchanged(work: &Schema, new: &Schema, fk: &ForeignKey) -> bool {
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
pub(super) fn dependency_order<'a>(
    tables: &[&'a Table],
) -> (Vec<&'a Table>, BTreeSet<(Name, Name)>) {
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
