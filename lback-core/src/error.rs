//! The one error type of lback.

use crate::schema::SchemaProblem;

/// Everything that can go wrong in lback, each with a message that says
/// what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A snapshot file could not be read.
    #[error("the schema snapshot is malformed at line {line}, column {column}: {message}")]
    Snapshot {
        /// 1-based line of the fault.
        line: usize,
        /// 1-based column of the fault.
        column: usize,
        /// What is wrong there.
        message: String,
    },

    /// Two tables of one schema share a name.
    #[error("table `{table}` appears twice in one schema")]
    DuplicateTable {
        /// The shared name.
        table: String,
    },

    /// Two models declare the same table.
    #[error(
        "table `{table}` is declared by two models, `{first}` and `{second}`; \
         derive lback::Model on only one struct per table (the others can keep their diesel derives)"
    )]
    DuplicateModel {
        /// The shared table name.
        table: String,
        /// The first model's path.
        first: String,
        /// The second model's path.
        second: String,
    },

    /// A query against the database failed.
    #[error("{context}: {message}")]
    Database {
        /// What lback was doing.
        context: String,
        /// The database's message.
        message: String,
    },

    /// The models do not fit together (foreign keys, names...).
    #[error("the models are inconsistent:\n{}", list(.0))]
    InvalidSchema(Vec<SchemaProblem>),
}

fn list(problems: &[SchemaProblem]) -> String {
    problems
        .iter()
        .map(|p| format!("  - {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}
