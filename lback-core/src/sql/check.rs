//! What a schema asks of a dialect that the dialect cannot do: found when
//! the migration is generated, not when it runs in production.

use crate::schema::{ColumnType, ReferentialAction, Schema, SchemaProblem};
use crate::Error;

use super::Dialect;

/// Checks that `dialect` can hold `schema`.
///
/// Names that differ only by case where the dialect folds case are refused,
/// and what else [`Schema::dialect_problems`] finds.
///
/// MySQL/MariaDB index no `LONGTEXT`, `LONGBLOB` or JSON column (lback's
/// `String` without `max_length`, `Vec<u8>`, `serde_json::Value`): a key,
/// index or unique constraint on one needs `max_length`. And InnoDB has no
/// `ON DELETE/UPDATE SET DEFAULT` (MySQL refuses it, MariaDB silently
/// stores RESTRICT).
///
/// ```
/// use lback_core::schema::{Column, ColumnType, Schema, Table, UniqueConstraint};
/// use lback_core::sql::{check_dialect, Dialect};
///
/// let users = Table::new("users")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_column(Column::new("email", ColumnType::Text))
///     .with_primary_key(["id"])
///     .with_unique(UniqueConstraint { name: "uq_users_email".into(), columns: vec!["email".into()].into() });
/// let schema = Schema::from_tables([users]).unwrap();
/// assert!(check_dialect(&schema, Dialect::Postgres).is_ok());
/// let error = check_dialect(&schema, Dialect::Mysql).unwrap_err().to_string();
/// assert!(error.contains("give it `max_length`"), "{error}");
/// ```
pub fn check_dialect(schema: &Schema, dialect: Dialect) -> Result<(), Error> {
    let mut problems = schema.dialect_problems(dialect);
    if dialect == Dialect::Mysql {
        for table in schema.tables() {
            for fk in table.foreign_keys.iter() {
                if fk.on_delete == ReferentialAction::SetDefault
                    || fk.on_update == ReferentialAction::SetDefault
                {
                    problems.push(SchemaProblem {
                        table: table.name.to_string(),
                        message: format!(
                            "foreign key `{}` uses set_default, which MySQL/MariaDB (InnoDB) do not support; \
                             use restrict, no_action, cascade or set_null",
                            fk.name
                        ),
                    });
                }
            }
            let keyed = std::iter::once(("the primary key".to_owned(), &table.primary_key))
                .chain(
                    table
                        .indexes
                        .iter()
                        .map(|i| (format!("index `{}`", i.name), &i.columns)),
                )
                .chain(
                    table
                        .unique_constraints
                        .iter()
                        .map(|u| (format!("unique constraint `{}`", u.name), &u.columns)),
                );
            for (what, columns) in keyed {
                for name in columns.iter() {
                    let Some(column) = table.column(name) else {
                        continue;
                    };
                    if matches!(
                        column.ty,
                        ColumnType::Text | ColumnType::Binary | ColumnType::Json
                    ) {
                        problems.push(SchemaProblem {
                            table: table.name.to_string(),
                            message: format!(
                                "{what} uses column `{name}` of type {}, which MySQL cannot index; \
                                 give it `max_length` (at most 768 for utf8mb4), or leave it out of keys",
                                column.ty
                            ),
                        });
                    }
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidSchema(problems))
    }
}
