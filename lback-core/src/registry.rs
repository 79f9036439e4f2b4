//! The registry of models: every `#[derive(Model)]` linked into the binary.

use crate::schema::{Schema, Table};
use crate::Error;

/// A struct that maps to a table. Implemented by `#[derive(lback::Model)]`.
///
/// ```
/// # use lback_core::{Model, schema::{Table, Column, ColumnType}};
/// # struct Tag;
/// # impl Model for Tag { fn table() -> &'static Table {
/// #   static T: std::sync::LazyLock<Table> = std::sync::LazyLock::new(|| Table::new("tags")
/// #     .with_column(Column::new("id", ColumnType::BigInt).auto_increment()).with_primary_key(["id"]));
/// #   &T } }
/// assert_eq!(Tag::table().name, "tags");
/// ```
pub trait Model {
    /// The table this struct describes.
    fn table() -> &'static Table;
}

/// One registered model: the table and the struct that declared it.
///
/// Created only by the code `#[derive(Model)]` generates.
#[derive(Debug)]
pub struct ModelEntry {
    rust_path: &'static str,
    table: &'static Table,
}

impl ModelEntry {
    #[doc(hidden)]
    pub const fn new(rust_path: &'static str, table: &'static Table) -> Self {
        Self { rust_path, table }
    }

    /// The declaring struct, as `module::path::Struct`.
    pub fn rust_path(&self) -> &'static str {
        self.rust_path
    }

    /// The table it declares.
    pub fn table(&self) -> &'static Table {
        self.table
    }
}

inventory::collect!(ModelEntry);

/// Every model linked into the binary, sorted by table name.
pub fn models() -> Vec<&'static ModelEntry> {
    let mut entries: Vec<_> = inventory::iter::<ModelEntry>.into_iter().collect();
    entries.sort_by(|a, b| (&a.table.name, a.rust_path).cmp(&(&b.table.name, b.rust_path)));
    entries
}

/// The schema of every model linked into the binary, checked for
/// consistency (see [`Schema::validate`]).
///
/// Models are collected automatically, also from other crates, with one
/// caveat: a crate the binary never refers to is not linked, and its models
/// are missing. Refer to such a crate once (`use my_models as _;`) or build
/// the schema from an explicit list with [`Schema::from_tables`].
pub fn try_registry() -> Result<Schema, Error> {
    let mut schema = Schema::new();
    let mut declared_by: Vec<&ModelEntry> = Vec::new();
    for entry in models() {
        if let Some(first) = declared_by
            .iter()
            .find(|e| e.table.name == entry.table.name)
        {
            // The same struct registered twice (a crate linked in two
            // versions) is harmless when it declares the same table.
            if first.rust_path == entry.rust_path && first.table == entry.table {
                continue;
            }
            return Err(Error::DuplicateModel {
                table: entry.table.name.to_string(),
                first: first.rust_path.to_owned(),
                second: entry.rust_path.to_owned(),
            });
        }
        declared_by.push(entry);
        schema.upsert(entry.table.clone());
    }
    schema.validate()?;
    Ok(schema)
}

/// The schema of every model linked into the binary, in deterministic order.
///
/// See [`try_registry`] for how models are found.
///
/// # Panics
///
/// When the models are inconsistent (two declare one table, a foreign key
/// names a table no model declares, ...); the message lists every problem.
/// [`try_registry`] returns them instead.
pub fn registry() -> Schema {
    try_registry().unwrap_or_else(|e| panic!("{e}"))
}
