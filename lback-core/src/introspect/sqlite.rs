//! SQLite: `sqlite_master` and the `pragma_*` table-valued functions.

use crate::schema::ColumnType;

/// Reads a declared SQLite type (kept verbatim by SQLite; compared
/// case-insensitively, spaces inside parentheses ignored).
pub(super) fn read_type(text: &str) -> ColumnType {
    use ColumnType as T;
    let normal: String = {
        let upper = text.trim().to_ascii_uppercase();
        match upper.split_once('(') {
            Some((head, args)) => format!(
                "{}({}",
                head.trim_end(),
                args.chars()
                    .filter(|c| !c.is_whitespace())
                    .collect::<String>()
            ),
            None => upper,
        }
    };
    let number = |s: &str| s.parse::<u32>().ok();
    match normal.as_str() {
        "SMALLINT" => T::SmallInt,
        "INTEGER" => T::Integer,
        "BIGINT" => T::BigInt,
        "REAL" => T::Real,
        "DOUBLE" => T::Double,
        "BOOLEAN" => T::Boolean,
        "TEXT" => T::Text,
        "BLOB" => T::Binary,
        "DATE" => T::Date,
        "TIME" => T::Time,
        "TIMESTAMP" => T::Timestamp,
        "TIMESTAMPTZ" => T::TimestampTz,
        "UUID" => T::Uuid,
        "JSON" => T::Json,
        "DECIMAL" => T::Decimal {
            precision: None,
            scale: None,
        },
        // SQLite (3.37+) stores the STRICT type names it knows in uppercase,
        // whatever the CREATE TABLE said.
        "INT" | "ANY" => T::Custom(normal.clone().into()),
        other => {
            let parsed = other
                .strip_suffix(')')
                .and_then(|t| t.split_once('('))
                .and_then(|(head, args)| match head {
                    "VARCHAR" => number(args).map(T::Varchar),
                    "DECIMAL" => super::read_decimal_args(args, None),
                    _ => None,
                });
            parsed.unwrap_or_else(|| T::Custom(text.to_owned().into()))
        }
    }
}

#[cfg(feature = "sqlite")]
pub use connected::sqlite;

#[cfg(feature = "sqlite")]
mod connected {
    use std::collections::BTreeMap;

    use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
    use diesel::query_dsl::LoadQuery;
    use diesel::sql_types::{Integer, Nullable, Text};
    use diesel::sqlite::Sqlite;
    use diesel::{sql_query, QueryableByName, SqliteConnection};

    use super::super::catalog::load;
    use super::super::{
        build_table, is_skipped_table, name, read_action, read_actions, read_default, Literal,
    };
    use super::read_type;
    use crate::schema::{
        constraint_name, Column, ColumnType, ForeignKey, Index, Schema, Table, UniqueConstraint,
    };
    use crate::sql::Dialect;
    use crate::Error;

    #[derive(QueryableByName)]
    struct TableRow {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Nullable<Text>)]
        sql: Option<String>,
    }

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        declared: String,
        #[diesel(sql_type = Integer)]
        not_null: i32,
        #[diesel(sql_type = Nullable<Text>)]
        dflt_value: Option<String>,
        #[diesel(sql_type = Integer)]
        pk: i32,
    }

    #[derive(QueryableByName)]
    struct IndexRow {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Integer)]
        is_unique: i32,
        #[diesel(sql_type = Text)]
        origin: String,
    }

    #[derive(QueryableByName)]
    struct IndexColumnRow {
        #[diesel(sql_type = Nullable<Text>)]
        name: Option<String>,
    }

    #[derive(QueryableByName)]
    struct ForeignKeyRow {
        #[diesel(sql_type = Integer)]
        id: i32,
        #[diesel(sql_type = Integer)]
        seq: i32,
        #[diesel(sql_type = Text)]
        referenced_table: String,
        #[diesel(sql_type = Text)]
        from_column: String,
        #[diesel(sql_type = Nullable<Text>)]
        to_column: Option<String>,
        #[diesel(sql_type = Text)]
        on_update: String,
        #[diesel(sql_type = Text)]
        on_delete: String,
    }

    /// Reads the tables of an SQLite database into a [`Schema`].
    ///
    /// Columns come from `pragma_table_info`, keys and indexes from
    /// `pragma_index_list`/`pragma_index_info`, foreign keys from
    /// `pragma_foreign_key_list`. What SQLite does not keep is made up the
    /// way [`canonical`](crate::introspect::canonical) makes it up for a model:
    ///
    /// - foreign keys have no name in SQLite's catalog: each is named
    ///   `constraint_name("fk", table, columns, None)`;
    /// - a unique index created by `CREATE UNIQUE INDEX` (how lback writes
    ///   unique constraints) is an [`Index`] with `unique: true`; an inline
    ///   `UNIQUE` written by hand (an automatic index of origin `u`) is a
    ///   [`UniqueConstraint`] named `constraint_name("uq", table, columns,
    ///   None)`; the automatic index of the primary key is not reported;
    /// - a column is `auto_increment` when it is the only primary key
    ///   column, declared `INTEGER`, and the table was created with
    ///   `AUTOINCREMENT`;
    /// - a column is nullable unless declared `NOT NULL`, except the
    ///   `INTEGER PRIMARY KEY` of a rowid table and the primary key of a
    ///   `WITHOUT ROWID` table, which cannot hold NULL.
    ///
    /// Tables named `sqlite_*` or `__*` are skipped.
    ///
    /// ```
    /// use diesel::{Connection, RunQueryDsl, SqliteConnection};
    ///
    /// let mut conn = SqliteConnection::establish(":memory:").unwrap();
    /// diesel::sql_query(r#"CREATE TABLE "users" ("id" INTEGER PRIMARY KEY AUTOINCREMENT, "name" TEXT NOT NULL)"#)
    ///     .execute(&mut conn)
    ///     .unwrap();
    /// let schema = lback_core::introspect::sqlite(&mut conn).unwrap();
    /// let users = schema.table("users").unwrap();
    /// assert!(users.columns[0].auto_increment);
    /// assert_eq!(users.primary_key.as_ref(), ["id"]);
    /// ```
    pub fn sqlite(conn: &mut SqliteConnection) -> Result<Schema, Error> {
        let tables: Vec<TableRow> = load(
            conn,
            sql_query("SELECT name, sql FROM sqlite_master WHERE type = 'table'"),
            "listing the tables of the SQLite database",
        )?;
        let mut schema = Schema::new();
        for table in tables {
            if is_skipped_table(&table.name)
                || table.name.to_ascii_lowercase().starts_with("sqlite_")
            {
                continue;
            }
            let read = read_table(conn, &table.name, table.sql.as_deref().unwrap_or(""))?;
            schema.upsert(read);
        }
        Ok(schema)
    }

    /// Loads the rows a query over `table` (its one parameter) returns;
    /// `doing` says what it reads, for an error.
    fn read<R>(
        conn: &mut SqliteConnection,
        sql: &str,
        table: &str,
        doing: String,
    ) -> Result<Vec<R>, Error>
    where
        BoxedSqlQuery<'static, Sqlite, SqlQuery>: LoadQuery<'static, SqliteConnection, R>,
    {
        let query = sql_query(sql).into_boxed::<Sqlite>();
        load(conn, query.bind::<Text, _>(table.to_owned()), doing)
    }

    fn read_table(conn: &mut SqliteConnection, table: &str, sql: &str) -> Result<Table, Error> {
        let (columns, primary_key) = read_columns(conn, table, sql)?;
        let (indexes, uniques) = read_indexes(conn, table)?;
        let foreign_keys = read_foreign_keys(conn, table)?;
        Ok(build_table(
            table,
            columns,
            primary_key,
            indexes,
            uniques,
            foreign_keys,
        ))
    }

    /// The columns of `table` (created by `sql`) and its primary key.
    fn read_columns(
        conn: &mut SqliteConnection,
        table: &str,
        sql: &str,
    ) -> Result<(Vec<Column>, Vec<String>), Error> {
        let columns: Vec<ColumnRow> = read(
            conn,
            r#"SELECT name, type AS declared, "notnull" AS not_null, dflt_value, pk
               FROM pragma_table_info(?) ORDER BY cid"#,
            table,
            format!("reading the columns of table `{table}`"),
        )?;

        let normal_sql = sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        let autoincrement = normal_sql.contains("AUTOINCREMENT");
        let without_rowid = normal_sql.contains("WITHOUT ROWID");

        let mut primary_key: Vec<(i32, String)> = columns
            .iter()
            .filter(|c| c.pk > 0)
            .map(|c| (c.pk, c.name.clone()))
            .collect();
        primary_key.sort();
        let primary_key: Vec<String> = primary_key.into_iter().map(|(_, n)| n).collect();

        let mut model_columns = Vec::with_capacity(columns.len());
        for row in &columns {
            let ty = read_type(&row.declared);
            let sole_pk = primary_key.len() == 1 && primary_key[0] == row.name;
            let rowid_alias = sole_pk && ty == ColumnType::Integer && !without_rowid;
            let mut column = Column::new(name(row.name.as_str()), ty);
            column.nullable = row.not_null == 0 && !rowid_alias && !(without_rowid && row.pk > 0);
            column.auto_increment = rowid_alias && autoincrement;
            column.default = row
                .dflt_value
                .as_deref()
                .and_then(|raw| read_default(raw, split_default(raw), &column.ty, Dialect::Sqlite));
            model_columns.push(column);
        }
        Ok((model_columns, primary_key))
    }

    /// The indexes of `table` and the unique constraints written inline.
    fn read_indexes(
        conn: &mut SqliteConnection,
        table: &str,
    ) -> Result<(Vec<Index>, Vec<UniqueConstraint>), Error> {
        let index_rows: Vec<IndexRow> = read(
            conn,
            r#"SELECT name, "unique" AS is_unique, origin FROM pragma_index_list(?)"#,
            table,
            format!("listing the indexes of table `{table}`"),
        )?;
        let mut indexes = Vec::new();
        let mut uniques = Vec::new();
        for index in index_rows {
            if index.origin == "pk" {
                continue;
            }
            let index_columns: Vec<IndexColumnRow> = read(
                conn,
                "SELECT name FROM pragma_index_info(?) ORDER BY seqno",
                &index.name,
                format!(
                    "reading the columns of index `{}` of table `{table}`",
                    index.name
                ),
            )?;
            // An index over an expression has no column name to report.
            let Some(index_columns) = index_columns
                .into_iter()
                .map(|c| c.name)
                .collect::<Option<Vec<String>>>()
            else {
                continue;
            };
            if index.origin == "u" {
                let refs: Vec<&str> = index_columns.iter().map(String::as_str).collect();
                uniques.push(UniqueConstraint {
                    name: constraint_name("uq", table, &refs, None).into(),
                    columns: index_columns.into_iter().map(name).collect(),
                });
            } else {
                indexes.push(Index {
                    name: name(index.name),
                    columns: index_columns.into_iter().map(name).collect(),
                    unique: index.is_unique != 0,
                });
            }
        }
        Ok((indexes, uniques))
    }

    /// The foreign keys of `table`, named as lback names them.
    fn read_foreign_keys(
        conn: &mut SqliteConnection,
        table: &str,
    ) -> Result<Vec<ForeignKey>, Error> {
        let context = || format!("reading the foreign keys of table `{table}`");
        let fk_rows: Vec<ForeignKeyRow> = read(
            conn,
            r#"SELECT id, seq, "table" AS referenced_table, "from" AS from_column,
                      "to" AS to_column, on_update, on_delete
               FROM pragma_foreign_key_list(?) ORDER BY id, seq"#,
            table,
            context(),
        )?;
        let mut grouped: BTreeMap<i32, Vec<ForeignKeyRow>> = BTreeMap::new();
        for row in fk_rows {
            grouped.entry(row.id).or_default().push(row);
        }
        let mut foreign_keys = Vec::new();
        for (_, mut rows) in grouped {
            rows.sort_by_key(|r| r.seq);
            let first = &rows[0];
            let (on_delete, on_update) = read_actions(
                &first.on_delete,
                &first.on_update,
                read_action,
                "referential action",
                context,
            )?;
            let referenced_table = first.referenced_table.clone();
            let from: Vec<String> = rows.iter().map(|r| r.from_column.clone()).collect();
            // `REFERENCES t` without columns means t's primary key.
            let to: Vec<String> = match rows
                .iter()
                .map(|r| r.to_column.clone())
                .collect::<Option<Vec<_>>>()
            {
                Some(to) => to,
                None => referenced_primary_key(conn, &referenced_table)?,
            };
            let refs: Vec<&str> = from.iter().map(String::as_str).collect();
            foreign_keys.push(ForeignKey {
                name: constraint_name("fk", table, &refs, None).into(),
                columns: from.into_iter().map(name).collect(),
                referenced_table: name(referenced_table),
                referenced_columns: to.into_iter().map(name).collect(),
                on_delete,
                on_update,
            });
        }
        Ok(foreign_keys)
    }

    fn referenced_primary_key(
        conn: &mut SqliteConnection,
        table: &str,
    ) -> Result<Vec<String>, Error> {
        let columns: Vec<ColumnRow> = read(
            conn,
            r#"SELECT name, type AS declared, "notnull" AS not_null, dflt_value, pk
               FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk"#,
            table,
            format!("reading the primary key of referenced table `{table}`"),
        )?;
        Ok(columns.into_iter().map(|c| c.name).collect())
    }

    /// SQLite keeps a default's text as written: a quoted string is a
    /// literal, anything else is bare (a number, `TRUE`, an expression).
    fn split_default(raw: &str) -> Literal {
        match super::super::split_quoted(raw, false) {
            Some((value, "")) => Literal::Quoted(value),
            _ => Literal::Bare(raw.to_owned()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_read_case_insensitively() {
        assert_eq!(read_type("integer"), ColumnType::Integer);
        assert_eq!(read_type("VARCHAR( 12 )"), ColumnType::Varchar(12));
        assert_eq!(
            read_type("decimal(10, 2)"),
            ColumnType::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(read_type("citext"), ColumnType::Custom("citext".into()));
        assert_eq!(
            read_type("VARCHAR(x)"),
            ColumnType::Custom("VARCHAR(x)".into())
        );
    }
}
