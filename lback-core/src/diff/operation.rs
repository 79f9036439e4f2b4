//! One schema change, with its exact inverse.

use crate::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, Name, Names, Table, UniqueConstraint,
};

/// One change to a schema.
///
/// The declaration order here is not the emission order: [`diff`](super::diff)
/// orders operations so each one finds what it needs (tables created in
/// foreign-key order, columns before the indexes on them...). Every
/// operation carries what its [inverse](Operation::inverse) needs, so down
/// migrations are generated, never written by hand.
///
/// The serde form (a migration's `lback.json`) is tagged by `op`:
/// `{"op": "rename_table", "from": "a", "to": "b"}`; the table of
/// `create_table` / `drop_table` sits under `table`:
/// `{"op": "create_table", "table": {"name": "users", ...}}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum Operation {
    /// Create a table (with the foreign keys that can be declared inline).
    CreateTable(#[serde(with = "table_field")] Table),
    /// Drop a table (its whole definition kept for the inverse).
    DropTable(#[serde(with = "table_field")] Table),
    /// Rename a table.
    RenameTable {
        /// Old name.
        from: Name,
        /// New name.
        to: Name,
    },
    /// Add a column.
    AddColumn {
        /// The table.
        table: Name,
        /// The new column.
        column: Column,
    },
    /// Drop a column (its definition kept for the inverse).
    DropColumn {
        /// The table.
        table: Name,
        /// The dropped column.
        column: Column,
    },
    /// Rename a column.
    RenameColumn {
        /// The table.
        table: Name,
        /// Old name.
        from: Name,
        /// New name.
        to: Name,
    },
    /// Change a column's type, nullability, default or auto-increment.
    AlterColumn {
        /// The table.
        table: Name,
        /// The column before.
        from: Column,
        /// The column after (same name).
        to: Column,
        /// The value existing NULLs get when the column becomes NOT NULL:
        /// the user's decision (`makemigrations --fill`), visible in the
        /// SQL. Without it (and without a default) a guard refuses to run
        /// the migration while the column holds NULLs.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fill: Option<DefaultValue>,
    },
    /// Create an index.
    AddIndex {
        /// The table.
        table: Name,
        /// The index.
        index: Index,
    },
    /// Drop an index.
    DropIndex {
        /// The table.
        table: Name,
        /// The index.
        index: Index,
    },
    /// Add a unique constraint.
    AddUnique {
        /// The table.
        table: Name,
        /// The constraint.
        unique: UniqueConstraint,
    },
    /// Drop a unique constraint.
    DropUnique {
        /// The table.
        table: Name,
        /// The constraint.
        unique: UniqueConstraint,
    },
    /// Add a foreign key.
    AddForeignKey {
        /// The referencing table.
        table: Name,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// Drop a foreign key.
    DropForeignKey {
        /// The referencing table.
        table: Name,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// Rename an index whose definition stays (its generated name follows
    /// a renamed table or column): no rebuild where the database can
    /// rename one.
    RenameIndex {
        /// The table.
        table: Name,
        /// The old name.
        from: Name,
        /// The index, with its new name.
        index: Index,
    },
    /// Rename a unique constraint whose definition stays.
    RenameUnique {
        /// The table.
        table: Name,
        /// The old name.
        from: Name,
        /// The constraint, with its new name.
        unique: UniqueConstraint,
    },
    /// Rename a foreign key whose definition stays.
    RenameForeignKey {
        /// The referencing table.
        table: Name,
        /// The old name.
        from: Name,
        /// The foreign key, with its new name.
        foreign_key: ForeignKey,
    },
    /// Replace the primary key (empty: none).
    SetPrimaryKey {
        /// The table.
        table: Name,
        /// Key columns before.
        from: Names,
        /// Key columns after.
        to: Names,
    },
}

impl Operation {
    /// The operation that undoes this one exactly.
    ///
    /// ```
    /// use lback_core::diff::Operation;
    ///
    /// let rename = Operation::RenameTable { from: "a".into(), to: "b".into() };
    /// assert_eq!(rename.inverse(), Operation::RenameTable { from: "b".into(), to: "a".into() });
    /// assert_eq!(rename.inverse().inverse(), rename);
    /// ```
    pub fn inverse(&self) -> Operation {
        use Operation::*;
        match self.clone() {
            CreateTable(t) => DropTable(t),
            DropTable(t) => CreateTable(t),
            RenameTable { from, to } => RenameTable { from: to, to: from },
            AddColumn { table, column } => DropColumn { table, column },
            DropColumn { table, column } => AddColumn { table, column },
            RenameColumn { table, from, to } => RenameColumn {
                table,
                from: to,
                to: from,
            },
            // The way back never needs a fill: a NOT NULL column made
            // nullable again, or a NULL put back is not known.
            AlterColumn {
                table, from, to, ..
            } => AlterColumn {
                table,
                from: to,
                to: from,
                fill: None,
            },
            AddIndex { table, index } => DropIndex { table, index },
            DropIndex { table, index } => AddIndex { table, index },
            AddUnique { table, unique } => DropUnique { table, unique },
            DropUnique { table, unique } => AddUnique { table, unique },
            AddForeignKey { table, foreign_key } => DropForeignKey { table, foreign_key },
            DropForeignKey { table, foreign_key } => AddForeignKey { table, foreign_key },
            SetPrimaryKey { table, from, to } => SetPrimaryKey {
                table,
                from: to,
                to: from,
            },
            RenameIndex {
                table,
                from,
                mut index,
            } => {
                let to = std::mem::replace(&mut index.name, from);
                RenameIndex {
                    table,
                    from: to,
                    index,
                }
            }
            RenameUnique {
                table,
                from,
                mut unique,
            } => {
                let to = std::mem::replace(&mut unique.name, from);
                RenameUnique {
                    table,
                    from: to,
                    unique,
                }
            }
            RenameForeignKey {
                table,
                from,
                mut foreign_key,
            } => {
                let to = std::mem::replace(&mut foreign_key.name, from);
                RenameForeignKey {
                    table,
                    from: to,
                    foreign_key,
                }
            }
        }
    }

    /// Whether applying this operation can lose data: dropping a table or
    /// column, narrowing a type, or making a column NOT NULL with no default
    /// to fill existing NULLs.
    pub fn is_destructive(&self) -> bool {
        match self {
            Operation::DropTable(_) | Operation::DropColumn { .. } => true,
            Operation::AlterColumn { from, to, .. } => {
                !widens(&from.ty, &to.ty) || (from.nullable && !to.nullable && to.default.is_none())
            }
            _ => false,
        }
    }

    /// The table this operation changes (for a rename, the new name).
    pub fn table(&self) -> &str {
        use Operation::*;
        match self {
            CreateTable(t) | DropTable(t) => &t.name,
            RenameTable { to, .. } => to,
            AddColumn { table, .. }
            | DropColumn { table, .. }
            | RenameColumn { table, .. }
            | AlterColumn { table, .. }
            | AddIndex { table, .. }
            | DropIndex { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | RenameIndex { table, .. }
            | RenameUnique { table, .. }
            | RenameForeignKey { table, .. }
            | SetPrimaryKey { table, .. } => table,
        }
    }

    /// Applies the operation to a schema in memory, as the database would.
    ///
    /// Renderers walk operations with it, so each one sees the table as it
    /// is at that point (SQLite's table rebuild needs the whole table).
    pub fn apply(&self, schema: &mut crate::schema::Schema) {
        use Operation::*;
        match self {
            CreateTable(t) => {
                schema.upsert(t.clone());
            }
            DropTable(t) => {
                schema.remove(&t.name);
            }
            RenameTable { from, to } => rename_table(schema, from, to),
            _ => {
                let Some(t) = schema.table_mut(self.table()) else {
                    return;
                };
                self.apply_to_table(t);
            }
        }
        if let RenameColumn {
            table: name,
            from,
            to,
        } = self
        {
            follow_renamed_column(schema, name, from, to);
        }
    }

    /// [`Operation::apply`] for an operation on one existing table `t`.
    fn apply_to_table(&self, t: &mut Table) {
        use Operation::*;
        match self {
            AddColumn { column, .. } => t.columns.to_mut().push(column.clone()),
            DropColumn { column, .. } => t.columns.to_mut().retain(|c| c.name != column.name),
            RenameColumn { from, to, .. } => rename_column(t, from, to),
            AlterColumn { to, .. } => {
                if let Some(c) = t.columns.to_mut().iter_mut().find(|c| c.name == to.name) {
                    *c = to.clone();
                }
            }
            AddIndex { index, .. } => t.indexes.to_mut().push(index.clone()),
            DropIndex { index, .. } => t.indexes.to_mut().retain(|i| i.name != index.name),
            AddUnique { unique, .. } => t.unique_constraints.to_mut().push(unique.clone()),
            DropUnique { unique, .. } => t
                .unique_constraints
                .to_mut()
                .retain(|u| u.name != unique.name),
            AddForeignKey { foreign_key, .. } => t.foreign_keys.to_mut().push(foreign_key.clone()),
            DropForeignKey { foreign_key, .. } => t
                .foreign_keys
                .to_mut()
                .retain(|f| f.name != foreign_key.name),
            SetPrimaryKey { to, .. } => t.primary_key = to.clone(),
            RenameIndex { from, index, .. } => {
                if let Some(i) = t.indexes.to_mut().iter_mut().find(|i| i.name == *from) {
                    *i = index.clone();
                }
                t.indexes.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
            }
            RenameUnique { from, unique, .. } => {
                let list = t.unique_constraints.to_mut();
                if let Some(u) = list.iter_mut().find(|u| u.name == *from) {
                    *u = unique.clone();
                }
                list.sort_by(|a, b| a.name.cmp(&b.name));
            }
            RenameForeignKey {
                from, foreign_key, ..
            } => {
                let list = t.foreign_keys.to_mut();
                if let Some(f) = list.iter_mut().find(|f| f.name == *from) {
                    *f = foreign_key.clone();
                }
                list.sort_by(|a, b| a.name.cmp(&b.name));
            }
            CreateTable(_) | DropTable(_) | RenameTable { .. } => {
                unreachable!("handled above")
            }
        }
    }
}

/// The serde form of the table of `CreateTable` / `DropTable`: a `table`
/// field next to `op`, rather than the table's fields mixed in with it.
mod table_field {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::schema::Table;

    #[derive(Serialize)]
    struct Out<'a> {
        table: &'a Table,
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct In {
        table: Table,
    }

    pub(super) fn serialize<S: Serializer>(
        table: &Table,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        Out { table }.serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Table, D::Error> {
        In::deserialize(deserializer).map(|wrapped| wrapped.table)
    }
}

/// [`Operation::RenameTable`] applied to `schema`: the table, and the
/// foreign keys that reference it.
fn rename_table(schema: &mut crate::schema::Schema, from: &Name, to: &Name) {
    let table =
        |schema: &mut crate::schema::Schema, name: &str| -> Option<Table> { schema.remove(name) };
    if let Some(mut t) = table(schema, from) {
        t.name = to.clone();
        for fk in t.foreign_keys.to_mut() {
            if fk.referenced_table == *from {
                fk.referenced_table = to.clone();
            }
        }
        schema.upsert(t);
    }
    let names: Vec<Name> = schema.tables().map(|t| t.name.clone()).collect();
    for name in names {
        let t = schema.table_mut(&name).expect("listed above");
        if t.foreign_keys.iter().any(|fk| fk.referenced_table == *from) {
            for fk in t.foreign_keys.to_mut() {
                if fk.referenced_table == *from {
                    fk.referenced_table = to.clone();
                }
            }
        }
    }
}

/// After [`Operation::RenameColumn`] of `name`: foreign keys of other
/// tables follow the renamed column too.
fn follow_renamed_column(schema: &mut crate::schema::Schema, name: &Name, from: &Name, to: &Name) {
    // Foreign keys of other tables follow the renamed column too.
    let names: Vec<Name> = schema.tables().map(|t| t.name.clone()).collect();
    for other in names {
        let t = schema.table_mut(&other).expect("listed above");
        if t.foreign_keys.iter().any(|fk| fk.referenced_table == *name) {
            for fk in t
                .foreign_keys
                .to_mut()
                .iter_mut()
                .filter(|fk| fk.referenced_table == *name)
            {
                for c in fk.referenced_columns.to_mut() {
                    if c == from {
                        *c = to.clone();
                    }
                }
            }
        }
    }
}

fn rename_column(t: &mut Table, from: &Name, to: &Name) {
    let rename = |list: &mut Names| {
        if list.iter().any(|c| c == from) {
            for c in list.to_mut() {
                if c == from {
                    *c = to.clone();
                }
            }
        }
    };
    if let Some(c) = t.columns.to_mut().iter_mut().find(|c| c.name == *from) {
        c.name = to.clone();
    }
    rename(&mut t.primary_key);
    for i in t.indexes.to_mut() {
        rename(&mut i.columns);
    }
    for u in t.unique_constraints.to_mut() {
        rename(&mut u.columns);
    }
    for f in t.foreign_keys.to_mut() {
        rename(&mut f.columns);
        if f.referenced_table == t.name {
            rename(&mut f.referenced_columns);
        }
    }
}

/// Whether every value of `from` fits `to` unchanged.
fn widens(from: &ColumnType, to: &ColumnType) -> bool {
    use ColumnType::*;
    let rank = |t: &ColumnType| match t {
        SmallInt => Some(1),
        Integer => Some(2),
        BigInt => Some(3),
        _ => None,
    };
    match (from, to) {
        _ if from == to => true,
        (a, b) if rank(a).is_some() && rank(b).is_some() => rank(a) <= rank(b),
        (Real, Double) => true,
        (Varchar(a), Varchar(b)) => a <= b,
        (Varchar(_), Text) => true,
        (
            Decimal {
                precision: Some(p1),
                scale: s1,
            },
            Decimal {
                precision: Some(p2),
                scale: s2,
            },
        ) => {
            let (s1, s2) = (s1.unwrap_or(0), s2.unwrap_or(0));
            s2 >= s1 && p2 - s2 >= p1.saturating_sub(s1)
        }
        (
            Decimal { .. },
            Decimal {
                precision: None, ..
            },
        ) => true,
        _ => false,
    }
}
