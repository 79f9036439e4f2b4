//! `inspect`: adopting lback on an existing database. The live schema
//! (read by [`introspect`](crate::introspect)) becomes Rust model source
//! (`#[derive(lback::Model)]` structs), and the schema those models say,
//! which the baseline migration creates.
//!
//! What the models cannot say is kept honestly: a type lback does not know
//! is written with `sql_type` (its exact spelling), an expression default
//! with `default_sql`; what no attribute can express (a table without a
//! primary key, a composite or oddly named foreign key, views, triggers,
//! CHECK constraints, expression indexes) is left out of the models, with
//! a comment in the source and a warning naming each object. The schema the
//! baseline records is then what the models say, and `check` reports the
//! rest as drift until the database or the models change.

mod codegen;
mod expressible;

pub use codegen::model_source;
pub use expressible::expressible;

use crate::schema::Schema;
use crate::sql::Dialect;

/// What [`inspect`] makes of a live schema.
#[derive(Debug, Clone)]
pub struct Inspection {
    /// The schema the generated models say: what the baseline creates.
    pub schema: Schema,
    /// The Rust source of the models.
    pub source: String,
    /// One line per object left out of (or changed in) the models.
    pub warnings: Vec<String>,
}

/// Turns a live schema of `dialect` into models. `outside` lists objects
/// the database holds besides tables (views, triggers, CHECK constraints,
/// expression indexes), each as a line saying what it is; they are left
/// out and named in the warnings and the source.
///
/// ```
/// use lback_core::inspect::inspect;
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
/// use lback_core::sql::Dialect;
///
/// let live = Schema::from_tables([Table::new("users")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_column(Column::new("email", ColumnType::Varchar(255)))
///     .with_primary_key(["id"])]).unwrap();
/// let inspection = inspect(&live, Dialect::Postgres, Vec::new());
/// assert!(inspection.source.contains("pub struct User {"));
/// assert!(inspection.source.contains("#[lback(max_length = 255)]"));
/// assert!(inspection.warnings.is_empty());
/// assert_eq!(inspection.schema, live);
/// ```
pub fn inspect(live: &Schema, dialect: Dialect, outside: Vec<String>) -> Inspection {
    let (schema, mut warnings) = expressible(live, dialect);
    warnings.extend(
        outside
            .into_iter()
            .map(|object| format!("left out {object}: models cannot say it")),
    );
    let source = model_source(&schema, dialect, &warnings);
    Inspection {
        schema,
        source,
        warnings,
    }
}
