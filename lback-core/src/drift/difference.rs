//! [`Difference`]: one way a live database differs from what its
//! migrations built, and its one-line message.

use std::fmt;

use crate::schema::{
    ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, UniqueConstraint,
};

/// One way a live database differs from what its migrations built.
///
/// "Expected" is the schema the migrations build (the snapshot), "actual"
/// what the database reports.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Difference {
    /// A table the migrations create is not in the database.
    MissingTable {
        /// The table.
        table: String,
    },
    /// The database has a table no migration creates.
    ExtraTable {
        /// The table.
        table: String,
    },
    /// A column the migrations create is not in the database.
    MissingColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// The database has a column no migration creates.
    ExtraColumn {
        /// The table.
        table: String,
        /// The column.
        column: String,
    },
    /// A column has another type.
    Type {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What the migrations made.
        expected: ColumnType,
        /// What the database has.
        actual: ColumnType,
    },
    /// A column accepts NULL where it should not, or the reverse.
    Nullability {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether the migrations made it nullable.
        expected: bool,
        /// Whether it is nullable in the database.
        actual: bool,
    },
    /// A column has another default (or none, or one where it should not).
    Default {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// What the migrations made.
        expected: Option<DefaultValue>,
        /// What the database has.
        actual: Option<DefaultValue>,
    },
    /// A column generates its values where it should not, or the reverse.
    AutoIncrement {
        /// The table.
        table: String,
        /// The column.
        column: String,
        /// Whether the migrations made it auto-increment.
        expected: bool,
        /// Whether it is in the database.
        actual: bool,
    },
    /// The primary key has other columns.
    PrimaryKey {
        /// The table.
        table: String,
        /// What the migrations made (empty: none).
        expected: Vec<String>,
        /// What the database has.
        actual: Vec<String>,
    },
    /// An index the migrations create is not in the database.
    MissingIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// The database has an index no migration creates.
    ExtraIndex {
        /// The table.
        table: String,
        /// The index.
        index: Index,
    },
    /// An index of that name covers other columns, or differs in uniqueness.
    IndexChanged {
        /// The table.
        table: String,
        /// What the migrations made.
        expected: Index,
        /// What the database has.
        actual: Index,
    },
    /// A unique constraint the migrations create is not in the database.
    MissingUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: UniqueConstraint,
    },
    /// The database has a unique constraint no migration creates.
    ExtraUnique {
        /// The table.
        table: String,
        /// The constraint.
        unique: UniqueConstraint,
    },
    /// A unique constraint of that name covers other columns.
    UniqueChanged {
        /// The table.
        table: String,
        /// What the migrations made.
        expected: UniqueConstraint,
        /// What the database has.
        actual: UniqueConstraint,
    },
    /// A foreign key the migrations create is not in the database.
    MissingForeignKey {
        /// The table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// The database has a foreign key no migration creates.
    ExtraForeignKey {
        /// The table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKey,
    },
    /// A foreign key of that name has other columns or points elsewhere.
    ForeignKeyChanged {
        /// The table.
        table: String,
        /// What the migrations made.
        expected: ForeignKey,
        /// What the database has.
        actual: ForeignKey,
    },
    /// A foreign key does something else on delete or on update.
    ForeignKeyAction {
        /// The table.
        table: String,
        /// The foreign key's name.
        foreign_key: String,
        /// `ON DELETE` and `ON UPDATE` as the migrations made them.
        expected: (ReferentialAction, ReferentialAction),
        /// What the database has.
        actual: (ReferentialAction, ReferentialAction),
    },
}

impl Difference {
    /// The table the difference is in.
    pub fn table(&self) -> &str {
        use Difference as D;
        match self {
            D::MissingTable { table }
            | D::ExtraTable { table }
            | D::MissingColumn { table, .. }
            | D::ExtraColumn { table, .. }
            | D::Type { table, .. }
            | D::Nullability { table, .. }
            | D::Default { table, .. }
            | D::AutoIncrement { table, .. }
            | D::PrimaryKey { table, .. }
            | D::MissingIndex { table, .. }
            | D::ExtraIndex { table, .. }
            | D::IndexChanged { table, .. }
            | D::MissingUnique { table, .. }
            | D::ExtraUnique { table, .. }
            | D::UniqueChanged { table, .. }
            | D::MissingForeignKey { table, .. }
            | D::ExtraForeignKey { table, .. }
            | D::ForeignKeyChanged { table, .. }
            | D::ForeignKeyAction { table, .. } => table,
        }
    }
}

fn columns(names: &[crate::schema::Name]) -> String {
    names
        .iter()
        .map(|n| n.as_ref())
        .collect::<Vec<_>>()
        .join(", ")
}

fn default_text(default: &Option<DefaultValue>) -> String {
    match default {
        None => "none".to_owned(),
        Some(d) => d.to_string(),
    }
}

fn null_text(nullable: bool) -> &'static str {
    if nullable {
        "NULL"
    } else {
        "NOT NULL"
    }
}

fn index_text(index: &Index) -> String {
    let kind = if index.unique {
        "unique index"
    } else {
        "index"
    };
    format!("{kind} `{}` ({})", index.name, columns(&index.columns))
}

fn fk_text(fk: &ForeignKey) -> String {
    format!(
        "foreign key `{}` ({}) -> {}({})",
        fk.name,
        columns(&fk.columns),
        fk.referenced_table,
        columns(&fk.referenced_columns)
    )
}

impl fmt::Display for Difference {
    /// One line: what differs, the migrations' form, the database's form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use Difference as D;
        match self {
            D::MissingTable { table } => write!(f, "missing table `{table}`"),
            D::ExtraTable { table } => write!(f, "extra table `{table}`"),
            D::MissingColumn { table, column } => write!(f, "missing column `{table}.{column}`"),
            D::ExtraColumn { table, column } => write!(f, "extra column `{table}.{column}`"),
            D::Type {
                table,
                column,
                expected,
                actual,
            } => write!(
                f,
                "type of `{table}.{column}`: migrations {expected}, database {actual}"
            ),
            D::Nullability {
                table,
                column,
                expected,
                actual,
            } => write!(
                f,
                "nullability of `{table}.{column}`: migrations {}, database {}",
                null_text(*expected),
                null_text(*actual)
            ),
            D::Default {
                table,
                column,
                expected,
                actual,
            } => write!(
                f,
                "default of `{table}.{column}`: migrations {}, database {}",
                default_text(expected),
                default_text(actual)
            ),
            D::AutoIncrement {
                table,
                column,
                expected,
                actual,
            } => write!(
                f,
                "auto-increment of `{table}.{column}`: migrations {expected}, database {actual}"
            ),
            D::PrimaryKey {
                table,
                expected,
                actual,
            } => write!(
                f,
                "primary key of `{table}`: migrations ({}), database ({})",
                expected.join(", "),
                actual.join(", ")
            ),
            D::MissingIndex { table, index } => {
                write!(f, "missing {} on `{table}`", index_text(index))
            }
            D::ExtraIndex { table, index } => write!(f, "extra {} on `{table}`", index_text(index)),
            D::IndexChanged {
                table,
                expected,
                actual,
            } => write!(
                f,
                "index `{}` on `{table}`: migrations {}, database {}",
                expected.name,
                index_text(expected),
                index_text(actual)
            ),
            D::MissingUnique { table, unique } => write!(
                f,
                "missing unique constraint `{}` ({}) on `{table}`",
                unique.name,
                columns(&unique.columns)
            ),
            D::ExtraUnique { table, unique } => write!(
                f,
                "extra unique constraint `{}` ({}) on `{table}`",
                unique.name,
                columns(&unique.columns)
            ),
            D::UniqueChanged {
                table,
                expected,
                actual,
            } => write!(
                f,
                "unique constraint `{}` on `{table}`: migrations ({}), database ({})",
                expected.name,
                columns(&expected.columns),
                columns(&actual.columns)
            ),
            D::MissingForeignKey { table, foreign_key } => {
                write!(f, "missing {} on `{table}`", fk_text(foreign_key))
            }
            D::ExtraForeignKey { table, foreign_key } => {
                write!(f, "extra {} on `{table}`", fk_text(foreign_key))
            }
            D::ForeignKeyChanged {
                table,
                expected,
                actual,
            } => write!(
                f,
                "foreign key `{}` on `{table}`: migrations {}, database {}",
                expected.name,
                fk_text(expected),
                fk_text(actual)
            ),
            D::ForeignKeyAction {
                table,
                foreign_key,
                expected,
                actual,
            } => write!(
                f,
                "actions of foreign key `{foreign_key}` on `{table}`: migrations ON DELETE {} ON \
                 UPDATE {}, database ON DELETE {} ON UPDATE {}",
                expected.0.sql(),
                expected.1.sql(),
                actual.0.sql(),
                actual.1.sql()
            ),
        }
    }
}
