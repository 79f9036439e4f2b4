//! What the catalog readers share: loading a query's rows, handing rows to
//! the table they describe, and (PostgreSQL and MySQL, which read every
//! table at once) the rows that name a table and an index column.

use diesel::query_dsl::LoadQuery;
use diesel::RunQueryDsl;

use super::query_error;
use crate::Error;

/// Loads the rows of a catalog query; a failure says what was being read.
pub(super) fn load<C, Q, R>(
    conn: &mut C,
    query: Q,
    context: impl Into<String>,
) -> Result<Vec<R>, Error>
where
    Q: RunQueryDsl<C> + LoadQuery<'static, C, R>,
{
    query.load(conn).map_err(query_error(context))
}

/// Hands each row to the parts of the table it describes (`table_of`);
/// rows of tables not in `parts` (skipped ones) are dropped.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(super) fn distribute<P, R>(
    parts: &mut std::collections::BTreeMap<String, P>,
    rows: Vec<R>,
    table_of: impl Fn(&R) -> &str,
    mut add: impl FnMut(&mut P, R),
) {
    for row in rows {
        if let Some(part) = parts.get_mut(table_of(&row)) {
            add(part, row);
        }
    }
}

#[cfg(feature = "mysql")]
pub(super) use self::shared_rows::IndexRead;
/// Hands each index column row to the indexes (`indexes_of`) of its
/// table's parts.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(super) fn add_index_columns<P>(
    parts: &mut std::collections::BTreeMap<String, P>,
    rows: Vec<IndexColumnRow>,
    indexes_of: fn(&mut P) -> &mut IndexesRead,
) {
    distribute(
        parts,
        rows,
        |r| &r.table_name,
        |part, row| indexes_of(part).add(row),
    );
}

/// The schema of the tables gathered in `parts` (by name), each made a
/// table by `into_table`.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(super) fn schema_of<P>(
    parts: std::collections::BTreeMap<String, P>,
    into_table: impl Fn(P, &str) -> Result<crate::schema::Table, Error>,
) -> Result<crate::schema::Schema, Error> {
    parts
        .into_iter()
        .map(|(table_name, part)| into_table(part, &table_name))
        .collect()
}

#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(super) use self::shared_rows::{read_foreign_key, ForeignKeyColumnRow};
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(super) use self::shared_rows::{IndexColumnRow, IndexesRead, TableNameRow};

#[cfg(any(feature = "postgres", feature = "mysql"))]
mod shared_rows {
    use std::collections::BTreeMap;

    use diesel::sql_types::{BigInt, Bool, Nullable, Text};
    use diesel::QueryableByName;

    use crate::introspect::{name, read_actions};
    use crate::schema::{ForeignKey, Name, ReferentialAction};
    use crate::Error;

    /// A table of the database, one row each.
    #[derive(QueryableByName)]
    pub(in crate::introspect) struct TableNameRow {
        #[diesel(sql_type = Text)]
        pub table_name: String,
    }

    /// One column of an index, one row each (`column_name` is NULL for an
    /// expression).
    #[derive(QueryableByName)]
    pub(in crate::introspect) struct IndexColumnRow {
        #[diesel(sql_type = Text)]
        pub table_name: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Bool)]
        is_unique: bool,
        #[diesel(sql_type = BigInt)]
        position: i64,
        #[diesel(sql_type = Nullable<Text>)]
        column_name: Option<String>,
    }

    /// The indexes of one table, gathered from [`IndexColumnRow`]s in any
    /// order.
    #[derive(Default)]
    pub(in crate::introspect) struct IndexesRead {
        /// By index name: whether unique, its columns with their positions.
        by_name: BTreeMap<String, (bool, Vec<PositionedColumn>)>,
    }

    /// A key column at its position (`None`: an expression).
    type PositionedColumn = (i64, Option<String>);

    /// One index as read: its columns in order, `None` for an expression.
    pub(in crate::introspect) struct IndexRead {
        pub name: String,
        pub unique: bool,
        pub columns: Vec<Option<String>>,
    }

    impl IndexesRead {
        /// Adds one column of an index.
        pub fn add(&mut self, row: IndexColumnRow) {
            self.by_name
                .entry(row.name)
                .or_insert_with(|| (row.is_unique, Vec::new()))
                .1
                .push((row.position, row.column_name));
        }

        /// The indexes by name, each with its columns in position order.
        pub fn into_ordered(self) -> Vec<IndexRead> {
            self.by_name
                .into_iter()
                .map(|(name, (unique, mut columns))| {
                    columns.sort_by_key(|(position, _)| *position);
                    IndexRead {
                        name,
                        unique,
                        columns: columns.into_iter().map(|(_, c)| c).collect(),
                    }
                })
                .collect()
        }
    }

    impl IndexRead {
        /// The column names, or `None` when a key part is an expression
        /// (such an index is not reported).
        pub fn column_names(&self) -> Option<Vec<Name>> {
            self.columns
                .iter()
                .map(|c| c.as_deref().map(name))
                .collect()
        }
    }

    /// A catalog row that is one column of a foreign key.
    pub(in crate::introspect) trait ForeignKeyColumnRow {
        /// Reads the catalog's spelling of a referential action.
        const READ_ACTION: fn(&str) -> Option<ReferentialAction>;
        /// What an unknown action is called in an error.
        const ACTION_IS: &'static str;
        /// The column's position in the key.
        fn position(&self) -> i64;
        /// The key's `ON DELETE` and `ON UPDATE` actions, as spelled.
        fn actions(&self) -> (&str, &str);
        /// The referenced table, or what is missing.
        fn referenced_table(&self) -> Result<String, &'static str>;
        /// The column and the column it references, or what is missing.
        fn columns(self) -> Result<(String, String), &'static str>;
    }

    /// Foreign key `fk_name` of `table_name` from its rows, one column
    /// each, in any order.
    pub(in crate::introspect) fn read_foreign_key<R: ForeignKeyColumnRow>(
        table_name: &str,
        fk_name: &str,
        mut rows: Vec<R>,
    ) -> Result<ForeignKey, Error> {
        rows.sort_by_key(R::position);
        let context = || format!("reading foreign key `{fk_name}` of table `{table_name}`");
        let missing = |message: &str| Error::Database {
            context: context(),
            message: message.into(),
        };
        let (on_delete, on_update) = rows[0].actions();
        let (on_delete, on_update) =
            read_actions(on_delete, on_update, R::READ_ACTION, R::ACTION_IS, context)?;
        let referenced_table = rows[0].referenced_table().map_err(missing)?;
        let mut columns = Vec::with_capacity(rows.len());
        let mut referenced_columns = Vec::with_capacity(rows.len());
        for row in rows {
            let (column, referenced) = row.columns().map_err(missing)?;
            columns.push(name(column));
            referenced_columns.push(name(referenced));
        }
        Ok(ForeignKey {
            name: name(fk_name),
            columns: columns.into(),
            referenced_table: name(referenced_table),
            referenced_columns: referenced_columns.into(),
            on_delete,
            on_update,
        })
    }
}
