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
        ("decimal" | "numeric", Some(args)) => match args.split_once(',') {
            Some((p, s)) => number(p).zip(number(s)).map(|(p, s)| T::Decimal {
                precision: Some(p),
                scale: Some(s),
            }),
            None => number(args).map(|p| T::Decimal {
                precision: Some(p),
                scale: Some(0),
            }),
        },
        _ => None,
    };
    parsed.unwrap_or_else(|| T::Custom(text.to_owned().into()))
}

#[cfg(feature = "mysql")]
pub use connected::mysql;

#[cfg(feature = "mysql")]
mod connected {
    use std::collections::{BTreeMap, BTreeSet};

    use diesel::sql_types::{BigInt, Nullable, Text};
    use diesel::{sql_query, MysqlConnection, QueryableByName, RunQueryDsl};

    use super::super::{
        build_table, is_number, is_skipped_table, mysql_current_timestamp, name, query_error,
        read_action, read_default, split_quoted, Literal,
    };
    use super::read_type;
    use crate::schema::{
        Column, ColumnType, DefaultValue, ForeignKey, Index, Name, Schema, UniqueConstraint,
    };
    use crate::sql::Dialect;
    use crate::Error;

    #[derive(QueryableByName)]
    struct VersionRow {
        #[diesel(sql_type = Text)]
        version: String,
    }

    #[derive(QueryableByName)]
    struct TableRow {
        #[diesel(sql_type = Text)]
        table_name: String,
    }

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = BigInt)]
        position: i64,
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
    struct IndexRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        index_name: String,
        #[diesel(sql_type = BigInt)]
        non_unique: i64,
        #[diesel(sql_type = BigInt)]
        position: i64,
        #[diesel(sql_type = Nullable<Text>)]
        column_name: Option<String>,
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
        let version = sql_query("SELECT VERSION() AS version")
            .load::<VersionRow>(conn)
            .map_err(query_error("asking the MySQL server for its version"))?;
        let mariadb = version
            .first()
            .is_some_and(|v| v.version.to_ascii_lowercase().contains("mariadb"));

        let tables = sql_query(
            "SELECT TABLE_NAME AS table_name
             FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'",
        )
        .load::<TableRow>(conn)
        .map_err(query_error(
            "listing the tables of the current MySQL database",
        ))?;

        let columns = sql_query(
            "SELECT TABLE_NAME AS table_name,
                    COLUMN_NAME AS column_name,
                    CAST(ORDINAL_POSITION AS SIGNED) AS position,
                    COLUMN_TYPE AS column_type,
                    DATA_TYPE AS data_type,
                    IS_NULLABLE AS is_nullable,
                    COLUMN_DEFAULT AS column_default,
                    EXTRA AS extra
             FROM information_schema.COLUMNS
             WHERE TABLE_SCHEMA = DATABASE()",
        )
        .load::<ColumnRow>(conn)
        .map_err(query_error(
            "reading the columns of the current MySQL database",
        ))?;

        // MariaDB stores JSON as LONGTEXT with a CHECK (json_valid(col));
        // MySQL 8 has a json type (and CHECK_CONSTRAINTS without TABLE_NAME).
        let checks = if mariadb {
            sql_query(
                "SELECT TABLE_NAME AS table_name, CHECK_CLAUSE AS clause
                 FROM information_schema.CHECK_CONSTRAINTS
                 WHERE CONSTRAINT_SCHEMA = DATABASE()",
            )
            .load::<CheckRow>(conn)
            .map_err(query_error(
                "reading the check constraints of the current MariaDB database",
            ))?
        } else {
            Vec::new()
        };

        let indexes = sql_query(
            "SELECT TABLE_NAME AS table_name,
                    INDEX_NAME AS index_name,
                    CAST(NON_UNIQUE AS SIGNED) AS non_unique,
                    CAST(SEQ_IN_INDEX AS SIGNED) AS position,
                    COLUMN_NAME AS column_name
             FROM information_schema.STATISTICS
             WHERE TABLE_SCHEMA = DATABASE()",
        )
        .load::<IndexRow>(conn)
        .map_err(query_error(
            "reading the indexes of the current MySQL database",
        ))?;

        let foreign_keys = sql_query(
            "SELECT k.TABLE_NAME AS table_name,
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
             WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL",
        )
        .load::<ForeignKeyRow>(conn)
        .map_err(query_error(
            "reading the foreign keys of the current MySQL database",
        ))?;

        assemble(mariadb, tables, columns, checks, indexes, foreign_keys)
    }

    /// Whether an index is unique, and its columns by position (`None`: an
    /// expression).
    type IndexParts = (bool, Vec<(i64, Option<String>)>);

    #[derive(Default)]
    struct Parts {
        columns: Vec<(i64, Column)>,
        json_columns: BTreeSet<String>,
        indexes: BTreeMap<String, IndexParts>,
        foreign_keys: BTreeMap<String, Vec<ForeignKeyRow>>,
    }

    fn assemble(
        mariadb: bool,
        tables: Vec<TableRow>,
        columns: Vec<ColumnRow>,
        checks: Vec<CheckRow>,
        indexes: Vec<IndexRow>,
        foreign_keys: Vec<ForeignKeyRow>,
    ) -> Result<Schema, Error> {
        let mut parts: BTreeMap<String, Parts> = tables
            .into_iter()
            .filter(|t| !is_skipped_table(&t.table_name))
            .map(|t| (t.table_name, Parts::default()))
            .collect();
        for check in checks {
            if let Some(table) = parts.get_mut(&check.table_name) {
                table.json_columns.insert(check.clause);
            }
        }
        for row in columns {
            let Some(table) = parts.get_mut(&row.table_name) else {
                continue;
            };
            let json_check = format!("json_valid({})", Dialect::Mysql.quote(&row.column_name));
            let is_json = row.data_type.eq_ignore_ascii_case("longtext")
                && table.json_columns.contains(&json_check);
            table
                .columns
                .push((row.position, read_column(row, is_json, mariadb)));
        }
        for row in indexes {
            let Some(table) = parts.get_mut(&row.table_name) else {
                continue;
            };
            table
                .indexes
                .entry(row.index_name)
                .or_insert_with(|| (row.non_unique == 0, Vec::new()))
                .1
                .push((row.position, row.column_name));
        }
        for row in foreign_keys {
            let Some(table) = parts.get_mut(&row.table_name) else {
                continue;
            };
            table
                .foreign_keys
                .entry(row.constraint_name.clone())
                .or_default()
                .push(row);
        }

        let mut schema = Schema::new();
        for (table_name, mut part) in parts {
            part.columns.sort_by_key(|(position, _)| *position);
            let columns = part.columns.into_iter().map(|(_, c)| c).collect();

            let mut fks = Vec::new();
            for (fk_name, mut rows) in part.foreign_keys {
                rows.sort_by_key(|r| r.position);
                let action = |text: &str| {
                    read_action(text).ok_or_else(|| Error::Database {
                        context: format!("reading foreign key `{fk_name}` of table `{table_name}`"),
                        message: format!("unknown referential action `{text}`"),
                    })
                };
                let on_delete = action(&rows[0].delete_rule)?;
                let on_update = action(&rows[0].update_rule)?;
                fks.push(ForeignKey {
                    name: name(fk_name.as_str()),
                    columns: rows.iter().map(|r| name(r.column_name.as_str())).collect(),
                    referenced_table: name(rows[0].referenced_table.as_str()),
                    referenced_columns: rows
                        .iter()
                        .map(|r| name(r.referenced_column.as_str()))
                        .collect(),
                    on_delete,
                    on_update,
                });
            }

            let mut primary_key = Vec::new();
            let mut uniques = Vec::new();
            let mut plain = Vec::new();
            // A foreign key's own index is reported when another index
            // starts with the same columns: then it is a duplicate.
            let starts: Vec<(String, Vec<Option<String>>)> = part
                .indexes
                .iter()
                .map(|(n, (_, cols))| {
                    let mut cols = cols.clone();
                    cols.sort_by_key(|(position, _)| *position);
                    (n.clone(), cols.into_iter().map(|(_, c)| c).collect())
                })
                .collect();
            let served_elsewhere = |index_name: &str, columns: &[Name]| {
                starts.iter().any(|(other, cols)| {
                    other != index_name
                        && cols.len() >= columns.len()
                        && cols
                            .iter()
                            .zip(columns)
                            .all(|(c, column)| c.as_deref() == Some(column.as_ref()))
                })
            };
            for (index_name, (unique, mut cols)) in part.indexes {
                cols.sort_by_key(|(position, _)| *position);
                // A functional key part (MySQL 8) has no column name.
                let Some(columns) = cols
                    .into_iter()
                    .map(|(_, c)| c.map(name))
                    .collect::<Option<Vec<Name>>>()
                else {
                    continue;
                };
                if index_name == "PRIMARY" {
                    primary_key = columns.iter().map(|c| c.to_string()).collect();
                } else if unique {
                    uniques.push(UniqueConstraint {
                        name: name(index_name),
                        columns: columns.into(),
                    });
                } else if !fks
                    .iter()
                    .any(|fk| fk.name == index_name && fk.columns.as_ref() == columns.as_slice())
                    || served_elsewhere(&index_name, &columns)
                {
                    plain.push(Index {
                        name: name(index_name),
                        columns: columns.into(),
                        unique: false,
                    });
                }
            }
            schema.upsert(build_table(
                &table_name,
                columns,
                primary_key,
                plain,
                uniques,
                fks,
            ));
        }
        Ok(schema)
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
