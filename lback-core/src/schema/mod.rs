//! The schema model: tables, columns, keys, indexes and foreign keys.
//!
//! One family of types serves both ends: `#[derive(Model)]` builds them in
//! constant evaluation (every string and list is a borrowed [`Cow`]), and the
//! snapshot reader builds owned ones. Comparing the two compares contents.

mod naming;
mod snapshot;
mod types;
mod validate;

use std::borrow::Cow;
use std::collections::BTreeMap;

pub use naming::{constraint_name, MAX_IDENTIFIER_LEN};
pub use snapshot::SNAPSHOT_FORMAT;
pub use types::{ColumnType, DefaultValue, ParseColumnTypeError, ReferentialAction};
pub use validate::SchemaProblem;

use crate::Error;

/// A name (of a table, column, index...). Borrowed when it comes from a
/// model compiled into the binary, owned when it was read from a file.
pub type Name = Cow<'static, str>;

/// A list of names, such as the columns of an index.
pub type Names = Cow<'static, [Name]>;

/// A set of tables: what the models describe, what a snapshot stored, or
/// what a live database holds.
///
/// Tables are kept sorted by name, so iteration, comparison and the
/// snapshot form are deterministic.
///
/// ```
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
///
/// let users = Table::new("users")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_column(Column::new("email", ColumnType::Varchar(255)))
///     .with_primary_key(["id"]);
/// let schema = Schema::from_tables([users]).unwrap();
/// assert_eq!(schema.table("users").unwrap().columns.len(), 2);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    tables: BTreeMap<Name, Table>,
}

impl Schema {
    /// An empty schema.
    pub fn new() -> Self {
        Self::default()
    }

    /// Builds a schema from tables; two tables with one name are an error.
    ///
    /// This is also the explicit alternative to automatic model collection:
    /// `Schema::from_tables([User::table().clone(), Post::table().clone()])`.
    pub fn from_tables<I, T>(tables: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<Table>,
    {
        let mut schema = Self::new();
        for table in tables {
            schema.insert(table.into())?;
        }
        Ok(schema)
    }

    /// Adds a table; a table of the same name already present is an error.
    pub fn insert(&mut self, table: Table) -> Result<(), Error> {
        if self.tables.contains_key(&table.name) {
            return Err(Error::DuplicateTable {
                table: table.name.into_owned(),
            });
        }
        self.tables.insert(table.name.clone(), table);
        Ok(())
    }

    /// Adds or replaces a table.
    pub fn upsert(&mut self, table: Table) -> Option<Table> {
        self.tables.insert(table.name.clone(), table)
    }

    /// Removes a table by name.
    pub fn remove(&mut self, name: &str) -> Option<Table> {
        self.tables.remove(name)
    }

    /// The table of that name.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.get(name)
    }

    /// The table of that name, mutably.
    pub fn table_mut(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(name)
    }

    /// Every table, sorted by name.
    pub fn tables(&self) -> impl ExactSizeIterator<Item = &Table> + '_ {
        self.tables.values()
    }

    /// Number of tables.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether there is no table.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The schema without what no database keeps: `renamed_from` hints, and
    /// the order of columns (an added column comes last; PostgreSQL cannot
    /// place one), indexes, unique constraints and foreign keys. Two schemas
    /// equal in this form describe the same database.
    pub fn normalized(&self) -> Schema {
        self.tables()
            .map(|table| {
                let mut table = table.clone();
                table.renamed_from = None;
                let columns = table.columns.to_mut();
                for column in columns.iter_mut() {
                    column.renamed_from = None;
                }
                columns.sort_by(|a, b| a.name.cmp(&b.name));
                table.with_keys_sorted()
            })
            .collect()
    }
}

impl FromIterator<Table> for Schema {
    /// Collects tables; a later table replaces an earlier one of the same name.
    /// Use [`Schema::from_tables`] to have duplicates reported instead.
    fn from_iter<I: IntoIterator<Item = Table>>(iter: I) -> Self {
        let mut schema = Self::new();
        for table in iter {
            schema.upsert(table);
        }
        schema
    }
}

/// One table: its columns in declaration order, its primary key, indexes,
/// unique constraints and foreign keys.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// The table's name in the database.
    pub name: Name,
    /// Columns, in the order of the struct's fields.
    pub columns: Cow<'static, [Column]>,
    /// The primary key's columns, in key order (empty: no primary key).
    #[serde(default, skip_serializing_if = "is_empty")]
    pub primary_key: Names,
    /// Indexes, unique or not.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub indexes: Cow<'static, [Index]>,
    /// Unique constraints.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub unique_constraints: Cow<'static, [UniqueConstraint]>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub foreign_keys: Cow<'static, [ForeignKey]>,
    /// The table's previous name (`#[lback(renamed_from = "...")]`), a hint
    /// that turns a drop plus a create into a rename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Name>,
}

impl Table {
    /// A table with no columns yet.
    pub fn new(name: impl Into<Name>) -> Self {
        Self {
            name: name.into(),
            columns: Cow::Borrowed(&[]),
            primary_key: Cow::Borrowed(&[]),
            indexes: Cow::Borrowed(&[]),
            unique_constraints: Cow::Borrowed(&[]),
            foreign_keys: Cow::Borrowed(&[]),
            renamed_from: None,
        }
    }

    /// Adds a column.
    pub fn with_column(mut self, column: Column) -> Self {
        self.columns.to_mut().push(column);
        self
    }

    /// Sets the primary key.
    pub fn with_primary_key<I, N>(mut self, columns: I) -> Self
    where
        I: IntoIterator<Item = N>,
        N: Into<Name>,
    {
        self.primary_key = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Adds an index.
    pub fn with_index(mut self, index: Index) -> Self {
        self.indexes.to_mut().push(index);
        self
    }

    /// Adds a unique constraint.
    pub fn with_unique(mut self, unique: UniqueConstraint) -> Self {
        self.unique_constraints.to_mut().push(unique);
        self
    }

    /// Adds a foreign key.
    pub fn with_foreign_key(mut self, foreign_key: ForeignKey) -> Self {
        self.foreign_keys.to_mut().push(foreign_key);
        self
    }

    /// The table with its indexes, unique constraints and foreign keys
    /// sorted by name, the order the attribute parser and introspection
    /// give them (so a table listing its keys in another order compares
    /// equal to theirs).
    pub fn with_keys_sorted(mut self) -> Self {
        self.indexes.to_mut().sort_by(|a, b| a.name.cmp(&b.name));
        self.unique_constraints
            .to_mut()
            .sort_by(|a, b| a.name.cmp(&b.name));
        self.foreign_keys
            .to_mut()
            .sort_by(|a, b| a.name.cmp(&b.name));
        self
    }

    /// The column of that name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Whether `columns` are exactly the primary key or a unique constraint or
    /// unique index (what a foreign key may reference).
    pub fn is_unique_key(&self, columns: &[Name]) -> bool {
        let same =
            |key: &[Name]| key.len() == columns.len() && key.iter().all(|k| columns.contains(k));
        same(&self.primary_key)
            || self.unique_constraints.iter().any(|u| same(&u.columns))
            || self.indexes.iter().any(|i| i.unique && same(&i.columns))
    }
}

impl From<&Table> for Table {
    fn from(table: &Table) -> Self {
        table.clone()
    }
}

/// One column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// The column's name in the database.
    pub name: Name,
    /// Its type.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Whether it accepts NULL (`Option<T>` fields).
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    /// Its default value, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<DefaultValue>,
    /// Whether the database generates its values (integer primary keys).
    #[serde(default, skip_serializing_if = "is_false")]
    pub auto_increment: bool,
    /// The column's previous name, a hint that turns a drop plus an add
    /// into a rename.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renamed_from: Option<Name>,
}

impl Column {
    /// A NOT NULL column without default.
    pub fn new(name: impl Into<Name>, ty: ColumnType) -> Self {
        Self {
            name: name.into(),
            ty,
            nullable: false,
            default: None,
            auto_increment: false,
            renamed_from: None,
        }
    }

    /// Makes the column nullable.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Gives the column a default.
    pub fn with_default(mut self, default: DefaultValue) -> Self {
        self.default = Some(default);
        self
    }

    /// Makes the column auto-increment.
    pub fn auto_increment(mut self) -> Self {
        self.auto_increment = true;
        self
    }

    /// Records the column's previous name.
    pub fn renamed_from(mut self, old: impl Into<Name>) -> Self {
        self.renamed_from = Some(old.into());
        self
    }
}

/// An index over one or more columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// Its name (generated unless given with `name = "..."`).
    pub name: Name,
    /// Indexed columns, in order.
    pub columns: Names,
    /// Whether it is a unique index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
}

/// A unique constraint over one or more columns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueConstraint {
    /// Its name (generated unless given with `name = "..."`).
    pub name: Name,
    /// Constrained columns, in order.
    pub columns: Names,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// Its name (generated).
    pub name: Name,
    /// Referencing columns of this table.
    pub columns: Names,
    /// The referenced table.
    pub referenced_table: Name,
    /// The referenced columns, matching `columns` one to one.
    pub referenced_columns: Names,
    /// What happens on delete of the referenced row.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_delete: ReferentialAction,
    /// What happens on update of the referenced key.
    #[serde(default, skip_serializing_if = "ReferentialAction::is_default")]
    pub on_update: ReferentialAction,
}

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_empty<T>(list: &[T]) -> bool {
    list.is_empty()
}
