//! What a schema asks of a dialect that the dialect cannot do: found when
//! the migration is generated, not when it runs in production.

use crate::schema::{ColumnType, ReferentialAction, Schema, SchemaProblem};
use crate::Error;

use super::Dialect;

/// InnoDB's largest index key (DYNAMIC/COMPRESSED rows, the default since
/// MySQL 5.7 and MariaDB 10.2).
const MAX_KEY_BYTES: u64 = 3072;

/// The bytes InnoDB counts for a key over `columns`, text counted as
/// utf8mb4; `None` when a column's size is not known (custom types, or a
/// type MySQL cannot index at all, refused on its own).
fn key_bytes(table: &crate::schema::Table, columns: &[crate::schema::Name]) -> Option<u64> {
    use ColumnType as T;
    let mut total = 0;
    for name in columns {
        let column = table.column(name)?;
        total += match &column.ty {
            T::Boolean => 1,
            T::SmallInt => 2,
            T::Integer | T::Real => 4,
            T::BigInt | T::Double => 8,
            T::Date => 3,
            T::Time => 6,
            T::Timestamp | T::TimestampTz => 8,
            T::Uuid => 36 * 4,
            T::Varchar(n) => u64::from(*n) * 4,
            // 9 digits in 4 bytes, on each side of the point.
            T::Decimal { precision, scale } => {
                let p = u64::from(precision.unwrap_or(65));
                let s = u64::from(scale.unwrap_or(if precision.is_some() { 0 } else { 30 }));
                let side = |digits: u64| {
                    digits / 9 * 4 + [0, 1, 1, 2, 2, 3, 3, 4, 4][(digits % 9) as usize]
                };
                side(p.saturating_sub(s)) + side(s)
            }
            T::Text | T::Binary | T::Json | T::Custom(_) => return None,
        };
    }
    Some(total)
}

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
            let fk_indexes = table.foreign_keys.iter().map(|fk| {
                (
                    format!("the index of foreign key `{}`", fk.name),
                    &fk.columns,
                )
            });
            for (what, columns) in keyed.chain(fk_indexes) {
                if let Some(bytes) = key_bytes(table, columns) {
                    if bytes > MAX_KEY_BYTES {
                        problems.push(SchemaProblem {
                            table: table.name.to_string(),
                            message: format!(
                                "{what} on ({}) takes {bytes} bytes in utf8mb4 (4 bytes a character), more than \
                                 InnoDB's {MAX_KEY_BYTES}; MariaDB would silently index only a prefix or turn a unique \
                                 key into a hash, and MySQL refuses it: lower the columns' `max_length` (at most 768 \
                                 characters for a key of one text column) or leave some out of the key",
                                columns.join(", ")
                            ),
                        });
                    }
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Index, Table, UniqueConstraint};

    fn schema(table: Table) -> Schema {
        Schema::from_tables([table]).unwrap()
    }

    fn keyed(columns: &[(&str, u32)], unique: bool) -> Schema {
        let mut table = Table::new("t")
            .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
            .with_primary_key(["id"]);
        for (name, length) in columns {
            table = table.with_column(Column::new(name.to_string(), ColumnType::Varchar(*length)));
        }
        let names: Vec<crate::schema::Name> =
            columns.iter().map(|(n, _)| n.to_string().into()).collect();
        let table = if unique {
            table.with_unique(UniqueConstraint {
                name: "uq_t".into(),
                columns: names.into(),
            })
        } else {
            table.with_index(Index {
                name: "ix_t".into(),
                columns: names.into(),
                unique: false,
            })
        };
        schema(table)
    }

    #[test]
    fn keys_past_innodbs_3072_bytes_are_refused_on_mysql_only() {
        // MariaDB: VARCHAR(769) would become a 768-character prefix index,
        // two VARCHAR(500) a hash unique.
        for (columns, unique) in [
            (&[("a", 769)][..], false),
            (&[("a", 500), ("b", 500)][..], true),
        ] {
            let schema = keyed(columns, unique);
            let error = check_dialect(&schema, Dialect::Mysql)
                .unwrap_err()
                .to_string();
            assert!(error.contains("more than InnoDB's 3072"), "{error}");
            assert!(check_dialect(&schema, Dialect::Postgres).is_ok());
            assert!(check_dialect(&schema, Dialect::Sqlite).is_ok());
        }
        for (columns, unique) in [
            (&[("a", 768)][..], false),
            (&[("a", 384), ("b", 384)][..], true),
        ] {
            assert!(check_dialect(&keyed(columns, unique), Dialect::Mysql).is_ok());
        }
    }
}
