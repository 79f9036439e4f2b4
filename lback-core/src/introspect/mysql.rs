//! MySQL and MariaDB: `information_schema` of `DATABASE()`.

use crate::schema::ColumnType;

/// Reads a type as `information_schema.COLUMNS.COLUMN_TYPE` spells it (also
/// lback's own spellings: `INT`, `BOOLEAN`, `DATETIME(6)`...). Display widths
/// of integer types (`int(11)`) are ignored.
pub(super) fn read_type(text: &str) -> ColumnType {
    use ColumnType as T;
    let lower = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_lowercase()
        .replace(" (", "(")
        .replace(", ", ",");
    let (head, args) = match lower.strip_suffix(')').and_then(|t| t.split_once('(')) {
        Some((head, args)) => (head, Some(args.trim())),
        None => (lower.as_str(), None),
    };
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let width = args.map(|a| number(a).is_some()).unwrap_or(true);
    let parsed = match (head, args) {
        ("tinyint", Some("1")) | ("bool" | "boolean", None) => Some(T::Boolean),
        ("smallint", _) if width => Some(T::SmallInt),
        ("int" | "integer", _) if width => Some(T::Integer),
        ("bigint", _) if width => Some(T::BigInt),
        ("float", None) => Some(T::Real),
        ("double" | "double precision", None) => Some(T::Double),
        ("longtext", None) => Some(T::Text),
        ("longblob", None) => Some(T::Binary),
        ("date", None) => Some(T::Date),
        ("time", Some("6")) => Some(T::Time),
        ("datetime", Some("6")) => Some(T::Timestamp),
        ("timestamp", Some("6")) => Some(T::TimestampTz),
        ("char", Some("36")) => Some(T::Uuid),
        ("json", None) => Some(T::Json),
        ("varchar", Some(n)) => number(n).map(T::Varchar),
        // MySQL's DECIMAL is DECIMAL(10,0), DECIMAL(p) is DECIMAL(p,0).
        ("decimal" | "numeric", None) => Some(T::Decimal {
            precision: Some(10),
            scale: Some(0),
        }),
        ("decimal" | "numeric", Some(args)) => super::read_decimal_args(args, Some(0)),
        _ => None,
    };
    parsed.unwrap_or_else(|| T::Custom(text.to_owned().into()))
}

#[cfg(feature = "mysql")]
pub use connected::mysql;

#[cfg(feature = "mysql")]
mod connected {
    use std::collections::{BTreeMap, BTreeSet};

    use diesel::query_builder::SqlQuery;
    use diesel::query_dsl::LoadQuery;
    use diesel::sql_types::{BigInt, Nullable, Text};
    use diesel::{sql_query, MysqlConnection, QueryableByName};

    use super::super::catalog::{
        add_index_columns, distribute, load, read_foreign_key, schema_of, ForeignKeyColumnRow,
        IndexColumnRow, IndexRead, IndexesRead, TableNameRow,
    };
    use super::super::{
        build_table, is_number, is_skipped_table, mysql_current_timestamp, name, read_action,
        read_default, split_quoted, Literal,
    };
    use super::read_type;
    use crate::schema::{
        Column, ColumnType, DefaultValue, ForeignKey, Index, Name, ReferentialAction, Schema,
        Table, UniqueConstraint,
    };
    use crate::sql::Dialect;
    use crate::Error;

    const TABLES: &str = "SELECT TABLE_NAME AS table_name
             FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'";

    const COLUMNS: &str = "SELECT TABLE_NAME AS table_name,
                    COLUMN_NAME AS column_name,
                    CAST(ORDINAL_POSITION AS SIGNED) AS position,
                    COLUMN_TYPE AS column_type,
                    DATA_TYPE AS data_type,
                    IS_NULLABLE AS is_nullable,
                    COLUMN_DEFAULT AS column_default,
                    EXTRA AS extra
             FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE()";

    /// MariaDB stores JSON as LONGTEXT with a CHECK (json_valid(col));
    /// MySQL 8 has a json type (and CHECK_CONSTRAINTS without TABLE_NAME).
    const MARIADB_CHECKS: &str = "SELECT TABLE_NAME AS table_name, CHECK_CLAUSE AS clause
                 FROM information_schema.CHECK_CONSTRAINTS
                 WHERE CONSTRAINT_SCHEMA = DATABASE()";

    const INDEXES: &str = "SELECT TABLE_NAME AS table_name,
                    INDEX_NAME AS name,
                    NON_UNIQUE = 0 AS is_unique,
                    CAST(SEQ_IN_INDEX AS SIGNED) AS position,
                    COLUMN_NAME AS column_name
             FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = DATABASE()";

    const FOREIGN_KEYS: &str = "SELECT k.TABLE_NAME AS table_name,
                    k.CONSTRAINT_NAME AS constraint_name,
                    CAST(k.ORDINAL_POSITION AS SIGNED) AS position,
                    k.COLUMN_NAME AS column_name,
                    k.REFERENCED_TABLE_NAME AS referenced_table,
                    k.REFERENCED_COLUMN_NAME AS referenced_column,
                    r.UPDATE_RULE AS update_rule,
                    r.DELETE_RULE AS delete_rule
             FROM information_schema.KEY_COLUMN_USAGE k
             JOIN information_schema.REFERENTIAL_CONSTRAINTS r
               ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA
              AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME
              AND r.TABLE_NAME = k.TABLE_NAME
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL";

    #[derive(QueryableByName)]
    struct VersionRow {
        #[diesel(sql_type = Text)]
        version: String,
    }

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = BigInt)]
        position: i64,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        column_type: String,
        #[diesel(sql_type = Text)]
        data_type: String,
        #[diesel(sql_type = Text)]
        is_nullable: String,
        #[diesel(sql_type = Nullable<Text>)]
        column_default: Option<String>,
        #[diesel(sql_type = Text)]
        extra: String,
    }

    #[derive(QueryableByName)]
    struct CheckRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        clause: String,
    }

    #[derive(QueryableByName)]
    struct ForeignKeyRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        constraint_name: String,
        #[diesel(sql_type = BigInt)]
        position: i64,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        referenced_table: String,
        #[diesel(sql_type = Text)]
        referenced_column: String,
        #[diesel(sql_type = Text)]
        update_rule: String,
        #[diesel(sql_type = Text)]
        delete_rule: String,
    }

    /// Reads the tables of the connection's `DATABASE()` (MySQL 8 or
    /// MariaDB) into a [`Schema`].
    ///
    /// - types come from `COLUMN_TYPE`, display widths of integer types
    ///   ignored; `tinyint(1)` is boolean, `char(36)` uuid; a `longtext`
    ///   column with MariaDB's `CHECK (json_valid(col))` is json;
    /// - defaults from `COLUMN_DEFAULT` (MariaDB quotes strings and says
    ///   `NULL` for a nullable column without default; MySQL 8 marks
    ///   expressions `DEFAULT_GENERATED`); `CURRENT_TIMESTAMP`, `NOW()` and
    ///   their variants read as `current_timestamp(<fsp>)`, or
    ///   `current_timestamp()` without precision, on both;
    /// - unique constraints and unique indexes are one thing in MySQL: every
    ///   unique index but the primary key is a [`UniqueConstraint`];
    /// - the index MySQL creates for a foreign key (named like it, over its
    ///   columns) is not reported, unless another index starts with the
    ///   same columns (a duplicate, which lback no longer creates);
    /// - foreign key actions are read from `REFERENTIAL_CONSTRAINTS`, which
    ///   keeps `NO ACTION` and `RESTRICT` apart; MariaDB stores `SET DEFAULT`
    ///   as `RESTRICT`.
    ///
    /// Tables whose names start with `__` are skipped.
    pub fn mysql(conn: &mut MysqlConnection) -> Result<Schema, Error> {
        let version: Vec<VersionRow> = load(
            conn,
            sql_query("SELECT VERSION() AS version"),
            "asking the MySQL server for its version",
        )?;
        let mariadb = version
            .first()
            .is_some_and(|v| v.version.to_ascii_lowercase().contains("mariadb"));
        let tables: Vec<TableNameRow> = read(conn, TABLES, "listing the tables")?;
        let mut parts: BTreeMap<String, Parts> = tables
            .into_iter()
            .filter(|t| !is_skipped_table(&t.table_name))
            .map(|t| (t.table_name, Parts::default()))
            .collect();
        let columns: Vec<ColumnRow> = read(conn, COLUMNS, "reading the columns")?;
        if mariadb {
            let checks: Vec<CheckRow> = load(
                conn,
                sql_query(MARIADB_CHECKS),
                "reading the check constraints of the current MariaDB database",
            )?;
            distribute(
                &mut parts,
                checks,
                |r| &r.table_name,
                |part, check| {
                    part.json_columns.insert(check.clause);
                },
            );
        }
        distribute(
            &mut parts,
            columns,
            |r| &r.table_name,
            |part, row| part.add_column(row, mariadb),
        );
        let indexes: Vec<IndexColumnRow> = read(conn, INDEXES, "reading the indexes")?;
        add_index_columns(&mut parts, indexes, |part| &mut part.indexes);
        let foreign_keys: Vec<ForeignKeyRow> =
            read(conn, FOREIGN_KEYS, "reading the foreign keys")?;
        distribute(
            &mut parts,
            foreign_keys,
            |r| &r.table_name,
            |part, row| {
                let key = row.constraint_name.clone();
                part.foreign_keys.entry(key).or_default().push(row)
            },
        );
        schema_of(parts, Parts::into_table)
    }

    /// Loads the rows of one catalog query over the current database;
    /// `doing` says what it reads, for an error.
    fn read<R>(conn: &mut MysqlConnection, sql: &str, doing: &str) -> Result<Vec<R>, Error>
    where
        SqlQuery: LoadQuery<'static, MysqlConnection, R>,
    {
        let context = format!("{doing} of the current MySQL database");
        load(conn, sql_query(sql), context)
    }

    /// What one table's rows say, gathered.
    #[derive(Default)]
    struct Parts {
        columns: Vec<(i64, Column)>,
        /// The clauses of MariaDB's checks on the table.
        json_columns: BTreeSet<String>,
        indexes: IndexesRead,
        foreign_keys: BTreeMap<String, Vec<ForeignKeyRow>>,
    }

    impl Parts {
        /// Adds a column, json when MariaDB checks it is (needs the checks
        /// added first).
        fn add_column(&mut self, row: ColumnRow, mariadb: bool) {
            let json_check = format!("json_valid({})", Dialect::Mysql.quote(&row.column_name));
            let is_json = row.data_type.eq_ignore_ascii_case("longtext")
                && self.json_columns.contains(&json_check);
            self.columns
                .push((row.position, read_column(row, is_json, mariadb)));
        }

        fn into_table(mut self, table_name: &str) -> Result<Table, Error> {
            self.columns.sort_by_key(|(position, _)| *position);
            let columns = self.columns.into_iter().map(|(_, c)| c).collect();
            let fks = self
                .foreign_keys
                .into_iter()
                .map(|(fk_name, rows)| read_foreign_key(table_name, &fk_name, rows))
                .collect::<Result<Vec<_>, _>>()?;
            let keys = sort_indexes(self.indexes.into_ordered(), &fks);
            Ok(build_table(
                table_name,
                columns,
                keys.primary_key,
                keys.plain,
                keys.uniques,
                fks,
            ))
        }
    }

    impl ForeignKeyColumnRow for ForeignKeyRow {
        const READ_ACTION: fn(&str) -> Option<ReferentialAction> = read_action;
        const ACTION_IS: &'static str = "referential action";
        fn position(&self) -> i64 {
            self.position
        }
        fn actions(&self) -> (&str, &str) {
            (&self.delete_rule, &self.update_rule)
        }
        fn referenced_table(&self) -> Result<String, &'static str> {
            Ok(self.referenced_table.clone())
        }
        fn columns(self) -> Result<(String, String), &'static str> {
            Ok((self.column_name, self.referenced_column))
        }
    }

    /// A table's indexes as the model has them.
    #[derive(Default)]
    struct Keys {
        primary_key: Vec<String>,
        uniques: Vec<UniqueConstraint>,
        plain: Vec<Index>,
    }

    /// Sorts MySQL's indexes into the primary key, unique constraints (every
    /// unique index) and plain indexes, leaving out the index MySQL made for
    /// a foreign key unless another index starts with the same columns (then
    /// it is a duplicate, made by hand).
    fn sort_indexes(indexes: Vec<IndexRead>, fks: &[ForeignKey]) -> Keys {
        let served_elsewhere = |index_name: &str, columns: &[Name]| {
            indexes.iter().any(|other| {
                other.name != index_name
                    && other.columns.len() >= columns.len()
                    && other
                        .columns
                        .iter()
                        .zip(columns)
                        .all(|(c, column)| c.as_deref() == Some(column.as_ref()))
            })
        };
        let mut keys = Keys::default();
        for index in &indexes {
            // A functional key part (MySQL 8) has no column name.
            let Some(columns) = index.column_names() else {
                continue;
            };
            let index_name = index.name.as_str();
            if index_name == "PRIMARY" {
                keys.primary_key = columns.iter().map(|c| c.to_string()).collect();
            } else if index.unique {
                keys.uniques.push(UniqueConstraint {
                    name: name(index_name),
                    columns: columns.into(),
                });
            } else if !fks
                .iter()
                .any(|fk| fk.name == index_name && fk.columns.as_ref() == columns.as_slice())
                || served_elsewhere(index_name, &columns)
            {
                keys.plain.push(Index {
                    name: name(index_name),
                    columns: columns.into(),
                    unique: false,
                });
            }
        }
        keys
    }

    fn read_column(row: ColumnRow, is_json: bool, mariadb: bool) -> Column {
        let ty = if is_json {
            ColumnType::Json
        } else {
            read_type(&row.column_type)
        };
        let mut column = Column::new(name(row.column_name), ty);
        column.nullable = row.is_nullable.eq_ignore_ascii_case("YES");
        let extra = row.extra.to_ascii_lowercase();
        column.auto_increment = extra.contains("auto_increment");
        column.default = row
            .column_default
            .as_deref()
            .and_then(|raw| read_mysql_default(raw, &column.ty, &extra, mariadb));
        column
    }

    fn read_mysql_default(
        raw: &str,
        ty: &ColumnType,
        extra: &str,
        mariadb: bool,
    ) -> Option<DefaultValue> {
        if let Some(fsp) = mysql_current_timestamp(raw) {
            return Some(DefaultValue::Sql(
                match fsp {
                    Some(n) if n > 0 => format!("current_timestamp({n})"),
                    _ => "current_timestamp()".to_owned(),
                }
                .into(),
            ));
        }
        let literal = if mariadb {
            // MariaDB writes defaults as SQL: quoted strings, bare numbers,
            // `NULL`, expressions.
            match split_quoted(raw, true) {
                Some((value, "")) => Literal::Quoted(value),
                _ => Literal::Bare(raw.to_owned()),
            }
        } else if extra.contains("default_generated") {
            return Some(DefaultValue::Sql(raw.to_owned().into()));
        } else {
            // MySQL 8 gives a literal's value unquoted.
            let texty = ty.is_text()
                || matches!(
                    ty,
                    ColumnType::Binary
                        | ColumnType::Date
                        | ColumnType::Time
                        | ColumnType::Timestamp
                        | ColumnType::TimestampTz
                        | ColumnType::Uuid
                        | ColumnType::Json
                );
            if texty || (matches!(ty, ColumnType::Custom(_)) && !is_number(raw)) {
                Literal::Quoted(raw.to_owned())
            } else {
                Literal::Bare(raw.to_owned())
            }
        };
        read_default(raw, literal, ty, Dialect::Mysql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_types_read_back() {
        assert_eq!(read_type("int(11)"), ColumnType::Integer);
        assert_eq!(read_type("INT"), ColumnType::Integer);
        assert_eq!(read_type("smallint(6)"), ColumnType::SmallInt);
        assert_eq!(read_type("tinyint(1)"), ColumnType::Boolean);
        assert_eq!(
            read_type("tinyint(4)"),
            ColumnType::Custom("tinyint(4)".into())
        );
        assert_eq!(
            read_type("int(10) unsigned"),
            ColumnType::Custom("int(10) unsigned".into())
        );
        assert_eq!(read_type("DATETIME(6)"), ColumnType::Timestamp);
        assert_eq!(read_type("datetime"), ColumnType::Custom("datetime".into()));
        assert_eq!(
            read_type("decimal(10,2)"),
            ColumnType::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(
            read_type("DECIMAL"),
            ColumnType::Decimal {
                precision: Some(10),
                scale: Some(0)
            }
        );
        assert_eq!(read_type("char(36)"), ColumnType::Uuid);
        assert_eq!(read_type("varchar(255)"), ColumnType::Varchar(255));
    }
}
