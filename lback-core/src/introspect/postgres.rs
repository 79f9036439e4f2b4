//! PostgreSQL: `pg_catalog` (`pg_class`, `pg_attribute`, `pg_attrdef`,
//! `pg_constraint`, `pg_index`) of `current_schema()`.

use crate::schema::ColumnType;

/// Reads a type as `format_type` prints it (also lback's and common
/// spellings: `int4`, `varchar(n)`, `timestamptz`...).
pub(super) fn read_type(text: &str) -> ColumnType {
    use ColumnType as T;
    let normal = {
        let lower = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let lower = lower.to_ascii_lowercase();
        lower
            .replace(" (", "(")
            .replace("( ", "(")
            .replace(" )", ")")
            .replace(", ", ",")
            .replace(" ,", ",")
    };
    let number = |s: &str| s.parse::<u32>().ok();
    match normal.as_str() {
        "smallint" | "int2" => T::SmallInt,
        "integer" | "int" | "int4" => T::Integer,
        "bigint" | "int8" => T::BigInt,
        "real" | "float4" => T::Real,
        "double precision" | "float8" => T::Double,
        "boolean" | "bool" => T::Boolean,
        "text" => T::Text,
        "bytea" => T::Binary,
        "date" => T::Date,
        "time" | "time without time zone" => T::Time,
        "timestamp" | "timestamp without time zone" => T::Timestamp,
        "timestamptz" | "timestamp with time zone" => T::TimestampTz,
        "uuid" => T::Uuid,
        "jsonb" | "json" => T::Json,
        "numeric" | "decimal" => T::Decimal {
            precision: None,
            scale: None,
        },
        other => other
            .strip_suffix(')')
            .and_then(|t| t.split_once('('))
            .and_then(|(head, args)| match head {
                "character varying" | "varchar" => number(args).map(T::Varchar),
                "numeric" | "decimal" => super::read_decimal_args(args, None),
                _ => None,
            })
            .unwrap_or_else(|| T::Custom(text.to_owned().into())),
    }
}

#[cfg(feature = "postgres")]
pub use connected::postgres;

#[cfg(feature = "postgres")]
mod connected {
    use std::collections::BTreeMap;

    use diesel::query_builder::SqlQuery;
    use diesel::query_dsl::LoadQuery;
    use diesel::sql_types::{Bool, Integer, Nullable, Text};
    use diesel::{sql_query, PgConnection, QueryableByName};

    use super::super::catalog::{
        add_index_columns, distribute, load, read_foreign_key, schema_of, ForeignKeyColumnRow,
        IndexColumnRow, IndexesRead, TableNameRow,
    };
    use super::super::{build_table, name, read_default, split_quoted, Literal};
    use super::read_type;
    use crate::schema::{Column, Index, ReferentialAction, Schema, Table, UniqueConstraint};
    use crate::sql::Dialect;
    use crate::Error;

    /// Keeps the tables of the current schema, without lback's and diesel's
    /// own (`c` is the table's `pg_class` row, `n` its namespace); stands
    /// for `{in_schema}` in the queries below.
    const IN_SCHEMA: &str = "n.nspname = current_schema()
          AND c.relkind IN ('r', 'p')
          AND NOT c.relispartition
          AND left(c.relname, 2) <> '__'";

    const TABLES: &str = "SELECT c.relname::text AS table_name
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE {in_schema}";

    const COLUMNS: &str = "SELECT c.relname::text AS table_name,
                    a.attname::text AS column_name,
                    format_type(a.atttypid, a.atttypmod) AS type_name,
                    a.attnotnull AS not_null,
                    a.attidentity::text AS identity,
                    CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END
                        AS default_expr
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
             WHERE {in_schema}
             ORDER BY c.relname, a.attnum";

    const CONSTRAINTS: &str = "SELECT c.relname::text AS table_name,
                    k.conname::text AS name,
                    k.contype::text AS kind,
                    u.ord::int4 AS position,
                    a.attname::text AS column_name,
                    r.relname::text AS referenced_table,
                    ra.attname::text AS referenced_column,
                    k.confdeltype::text AS on_delete,
                    k.confupdtype::text AS on_update
             FROM pg_constraint k
             JOIN pg_class c ON c.oid = k.conrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             CROSS JOIN LATERAL unnest(k.conkey, coalesce(k.confkey, k.conkey))
                 WITH ORDINALITY AS u(attnum, refnum, ord)
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = u.attnum
             LEFT JOIN pg_class r ON r.oid = k.confrelid
             LEFT JOIN pg_attribute ra ON ra.attrelid = k.confrelid AND ra.attnum = u.refnum
             WHERE {in_schema}
               AND k.contype IN ('p', 'u', 'f')
             ORDER BY 1, 2, 4";

    const INDEXES: &str = "SELECT c.relname::text AS table_name,
                    ic.relname::text AS name,
                    i.indisunique AS is_unique,
                    k.ord AS position,
                    a.attname::text AS column_name
             FROM pg_index i
             JOIN pg_class c ON c.oid = i.indrelid
             JOIN pg_class ic ON ic.oid = i.indexrelid
             JOIN pg_namespace n ON n.oid = c.relnamespace
             CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
             LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
             WHERE {in_schema}
               AND k.ord <= i.indnkeyatts
               AND NOT EXISTS (
                   SELECT 1 FROM pg_constraint x
                   WHERE x.conindid = i.indexrelid
                     AND x.conrelid = i.indrelid
                     AND x.contype IN ('p', 'u', 'x'))
             ORDER BY 1, 2, 4";

    #[derive(QueryableByName)]
    struct ColumnRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Text)]
        type_name: String,
        #[diesel(sql_type = Bool)]
        not_null: bool,
        #[diesel(sql_type = Text)]
        identity: String,
        #[diesel(sql_type = Nullable<Text>)]
        default_expr: Option<String>,
    }

    #[derive(QueryableByName)]
    struct ConstraintRow {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = Text)]
        kind: String,
        #[diesel(sql_type = Integer)]
        position: i32,
        #[diesel(sql_type = Text)]
        column_name: String,
        #[diesel(sql_type = Nullable<Text>)]
        referenced_table: Option<String>,
        #[diesel(sql_type = Nullable<Text>)]
        referenced_column: Option<String>,
        #[diesel(sql_type = Text)]
        on_delete: String,
        #[diesel(sql_type = Text)]
        on_update: String,
    }

    /// Reads the tables of the connection's `current_schema()` into a
    /// [`Schema`].
    ///
    /// - types come from `format_type(atttypid, atttypmod)`: `numeric(10)`
    ///   reads back as `decimal(10,0)`, `json` and `jsonb` both as
    ///   [`ColumnType::Json`](crate::schema::ColumnType::Json);
    /// - defaults from `pg_get_expr`: casts (`'draft'::character varying`)
    ///   are taken off literals; an identity column
    ///   (`GENERATED ... AS IDENTITY`) or a `serial` one (default
    ///   `nextval(...)`) is `auto_increment` without default;
    /// - `UNIQUE` constraints (`contype 'u'`) are [`UniqueConstraint`]s; a
    ///   unique index that backs no constraint is an [`Index`] with
    ///   `unique: true`;
    /// - foreign key actions are read exactly (`NO ACTION` and `RESTRICT`
    ///   differ).
    ///
    /// Tables whose names start with `__` and partitions are skipped.
    pub fn postgres(conn: &mut PgConnection) -> Result<Schema, Error> {
        let tables: Vec<TableNameRow> = read(conn, TABLES, "listing the tables")?;
        let mut parts: BTreeMap<String, Parts> = tables
            .into_iter()
            .map(|t| (t.table_name, Parts::default()))
            .collect();
        let columns: Vec<ColumnRow> = read(conn, COLUMNS, "reading the columns")?;
        // Rows arrive ordered by table then attnum; columns keep that order.
        distribute(
            &mut parts,
            columns,
            |r| &r.table_name,
            |part, row| part.columns.push(read_column(row)),
        );
        let constraints: Vec<ConstraintRow> = read(conn, CONSTRAINTS, "reading the constraints")?;
        distribute(
            &mut parts,
            constraints,
            |r| &r.table_name,
            Parts::add_constraint,
        );
        let indexes: Vec<IndexColumnRow> = read(conn, INDEXES, "reading the indexes")?;
        add_index_columns(&mut parts, indexes, |part| &mut part.indexes);
        schema_of(parts, Parts::into_table)
    }

    /// Loads the rows of one catalog query over the current schema;
    /// `doing` says what it reads, for an error.
    fn read<R>(conn: &mut PgConnection, sql: &str, doing: &str) -> Result<Vec<R>, Error>
    where
        SqlQuery: LoadQuery<'static, PgConnection, R>,
    {
        load(
            conn,
            sql_query(sql.replace("{in_schema}", IN_SCHEMA)),
            format!("{doing} of the current PostgreSQL schema"),
        )
    }

    /// What one table's rows say, gathered.
    #[derive(Default)]
    struct Parts {
        columns: Vec<Column>,
        primary_key: Vec<(i32, String)>,
        uniques: BTreeMap<String, Vec<(i32, String)>>,
        foreign_keys: BTreeMap<String, Vec<ConstraintRow>>,
        indexes: IndexesRead,
    }

    impl Parts {
        /// Adds one column of a primary key, unique or foreign key constraint.
        fn add_constraint(&mut self, row: ConstraintRow) {
            match row.kind.as_str() {
                "p" => self.primary_key.push((row.position, row.column_name)),
                "u" => self
                    .uniques
                    .entry(row.name)
                    .or_default()
                    .push((row.position, row.column_name)),
                _ => self
                    .foreign_keys
                    .entry(row.name.clone())
                    .or_default()
                    .push(row),
            }
        }

        fn into_table(mut self, table_name: &str) -> Result<Table, Error> {
            self.primary_key.sort();
            let primary_key = self.primary_key.into_iter().map(|(_, c)| c).collect();
            let uniques = self
                .uniques
                .into_iter()
                .map(|(name, cols)| UniqueConstraint {
                    name: super::super::name(name),
                    columns: ordered(cols),
                })
                .collect();
            let indexes = self
                .indexes
                .into_ordered()
                .into_iter()
                .filter_map(|index| {
                    // An expression has no column: such an index is skipped.
                    let columns = index.column_names()?;
                    Some(Index {
                        name: name(index.name),
                        columns: columns.into(),
                        unique: index.unique,
                    })
                })
                .collect();
            let foreign_keys = self
                .foreign_keys
                .into_iter()
                .map(|(fk_name, rows)| read_foreign_key(table_name, &fk_name, rows))
                .collect::<Result<_, _>>()?;
            Ok(build_table(
                table_name,
                self.columns,
                primary_key,
                indexes,
                uniques,
                foreign_keys,
            ))
        }
    }

    impl ForeignKeyColumnRow for ConstraintRow {
        const READ_ACTION: fn(&str) -> Option<ReferentialAction> = read_action_code;
        const ACTION_IS: &'static str = "referential action code";
        fn position(&self) -> i64 {
            self.position.into()
        }
        fn actions(&self) -> (&str, &str) {
            (&self.on_delete, &self.on_update)
        }
        fn referenced_table(&self) -> Result<String, &'static str> {
            let table = self.referenced_table.clone();
            table.ok_or("the referenced table is missing from pg_class")
        }
        fn columns(self) -> Result<(String, String), &'static str> {
            let referenced = self.referenced_column;
            let referenced =
                referenced.ok_or("a referenced column is missing from pg_attribute")?;
            Ok((self.column_name, referenced))
        }
    }

    fn ordered(mut columns: Vec<(i32, String)>) -> crate::schema::Names {
        columns.sort_by_key(|(position, _)| *position);
        columns.into_iter().map(|(_, c)| name(c)).collect()
    }

    fn read_column(row: ColumnRow) -> Column {
        let ty = read_type(&row.type_name);
        let mut column = Column::new(name(row.column_name), ty);
        column.nullable = !row.not_null;
        let serial = row
            .default_expr
            .as_deref()
            .is_some_and(|d| d.starts_with("nextval("));
        column.auto_increment = matches!(row.identity.as_str(), "a" | "d") || serial;
        if !serial {
            column.default = row.default_expr.as_deref().and_then(|raw| {
                read_default(raw, split_default(raw), &column.ty, Dialect::Postgres)
            });
        }
        column
    }

    /// `confdeltype`/`confupdtype` codes.
    fn read_action_code(code: &str) -> Option<ReferentialAction> {
        Some(match code {
            "a" => ReferentialAction::NoAction,
            "r" => ReferentialAction::Restrict,
            "c" => ReferentialAction::Cascade,
            "n" => ReferentialAction::SetNull,
            "d" => ReferentialAction::SetDefault,
            _ => return None,
        })
    }

    /// Takes the casts off a literal as `pg_get_expr` prints it:
    /// `'draft'::character varying`, `'-5'::integer`, `2.5`, `true`.
    fn split_default(raw: &str) -> Literal {
        if raw.starts_with('\'') {
            if let Some((value, rest)) = split_quoted(raw, false) {
                if is_cast_chain(rest) {
                    return Literal::Quoted(value);
                }
            }
            return Literal::Bare(raw.to_owned());
        }
        let (head, rest) = match raw.find("::") {
            Some(at) => raw.split_at(at),
            None => (raw, ""),
        };
        let is_literal = super::super::is_number(head)
            || ["true", "false", "null"]
                .iter()
                .any(|k| head.eq_ignore_ascii_case(k));
        if is_literal && is_cast_chain(rest) {
            Literal::Bare(head.to_owned())
        } else {
            Literal::Bare(raw.to_owned())
        }
    }

    /// Whether `text` is nothing but casts: `::integer`,
    /// `::character varying`, `::numeric(10,2)`, `::text[]`.
    fn is_cast_chain(text: &str) -> bool {
        text.split("::").enumerate().all(|(i, part)| {
            if i == 0 {
                return part.is_empty();
            }
            !part.trim().is_empty()
                && part.chars().all(|c| {
                    c.is_alphanumeric()
                        || matches!(c, '_' | ' ' | '(' | ')' | ',' | '.' | '"' | '[' | ']')
                })
        })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn casts_come_off_literals_only() {
            let quoted = |t: &str| Literal::Quoted(t.to_owned());
            let bare = |t: &str| Literal::Bare(t.to_owned());
            assert_eq!(split_default("'draft'::character varying"), quoted("draft"));
            assert_eq!(split_default("'it''s'::text"), quoted("it's"));
            assert_eq!(split_default("'-5'::integer"), quoted("-5"));
            assert_eq!(split_default("2.5"), bare("2.5"));
            assert_eq!(split_default("true"), bare("true"));
            assert_eq!(split_default("NULL::text"), bare("NULL"));
            assert_eq!(
                split_default("('a'::text || 'b'::text)"),
                bare("('a'::text || 'b'::text)")
            );
            assert_eq!(
                split_default("'a'::text || 'b'::text"),
                bare("'a'::text || 'b'::text")
            );
            assert_eq!(
                split_default("nextval('s'::regclass)"),
                bare("nextval('s'::regclass)")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_type_spellings_read_back() {
        assert_eq!(read_type("character varying(20)"), ColumnType::Varchar(20));
        assert_eq!(
            read_type("timestamp with time zone"),
            ColumnType::TimestampTz
        );
        assert_eq!(
            read_type("numeric(10,0)"),
            ColumnType::Decimal {
                precision: Some(10),
                scale: Some(0)
            }
        );
        assert_eq!(read_type("INT4"), ColumnType::Integer);
        assert_eq!(
            read_type("character varying"),
            ColumnType::Custom("character varying".into())
        );
        assert_eq!(read_type("citext"), ColumnType::Custom("citext".into()));
    }
}
