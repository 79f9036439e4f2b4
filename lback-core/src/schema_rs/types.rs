//! A column's diesel SQL type, per dialect, as `diesel print-schema` infers
//! it from the column lback creates (diesel_cli's `determine_column_type`
//! for SQLite, PostgreSQL's `udt_name`, MySQL's `column_type`), plus the
//! portable types for a project that targets several dialects.

use std::fmt;

use super::names::upper_camel_case;
use crate::schema::{Column, ColumnType};
use crate::sql::Dialect;

/// The diesel SQL type of one column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DieselType {
    /// The type's Rust name (`Int8`, `Varchar`, a custom type's name).
    pub name: String,
    /// `Array<Nullable<...>>` (PostgreSQL `x[]`).
    pub array: bool,
    /// `Unsigned<...>` (MySQL `... unsigned`).
    pub unsigned: bool,
    /// `Nullable<...>`.
    pub nullable: bool,
    /// `#[max_length = N]`.
    pub max_length: Option<u64>,
    /// A type diesel does not provide: declared in the `sql_types` module.
    pub custom: Option<CustomType>,
}

/// A type for the `sql_types` module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CustomType {
    /// The name in the `#[diesel(<backend>_type(name = ...))]` attribute.
    pub sql_name: String,
    /// The backend attribute: `postgres_type`, `mysql_type`, `sqlite_type`.
    pub backend: &'static str,
}

impl fmt::Display for DieselType {
    /// As diesel_cli prints it: `Nullable<Array<Nullable<Text>>>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut open = 0;
        if self.nullable {
            f.write_str("Nullable<")?;
            open += 1;
        }
        if self.array {
            f.write_str("Array<Nullable<")?;
            open += 2;
        }
        if self.unsigned {
            f.write_str("Unsigned<")?;
            open += 1;
        }
        f.write_str(&self.name)?;
        for _ in 0..open {
            f.write_str(">")?;
        }
        Ok(())
    }
}

impl DieselType {
    fn plain(name: &str) -> Self {
        DieselType {
            name: name.to_owned(),
            array: false,
            unsigned: false,
            nullable: false,
            max_length: None,
            custom: None,
        }
    }

    fn with_max_length(mut self, max_length: Option<u64>) -> Self {
        self.max_length = max_length;
        self
    }
}

/// The diesel type of `column` of `table` in `dialect`.
pub(super) fn for_dialect(dialect: Dialect, table: &str, column: &Column) -> DieselType {
    let mut ty = match dialect {
        Dialect::Sqlite => sqlite(&column.ty),
        Dialect::Postgres => postgres(&dialect.type_name(&column.ty)),
        Dialect::Mysql => mysql(&column.ty, table, &column.name),
    };
    ty.nullable = column.nullable;
    ty
}

/// A diesel type every dialect of a project shares, if there is one.
pub(super) fn portable(column: &Column, table: &str, dialects: &[Dialect]) -> Option<DieselType> {
    use ColumnType as T;
    let ty = match &column.ty {
        T::SmallInt => DieselType::plain("SmallInt"),
        T::Integer => DieselType::plain("Integer"),
        T::BigInt => DieselType::plain("BigInt"),
        T::Real => DieselType::plain("Float"),
        T::Double => DieselType::plain("Double"),
        T::Boolean => DieselType::plain("Bool"),
        T::Text => DieselType::plain("Text"),
        T::Varchar(n) => DieselType::plain("Varchar").with_max_length(Some(u64::from(*n))),
        T::Binary => DieselType::plain("Binary"),
        T::Date => DieselType::plain("Date"),
        T::Time => DieselType::plain("Time"),
        T::Timestamp => DieselType::plain("Timestamp"),
        T::Decimal { .. } => DieselType::plain("Numeric"),
        // Each dialect has its own type for these: portable only when the
        // dialects happen to agree (a custom type all read the same way).
        T::TimestampTz | T::Uuid | T::Json | T::Custom(_) => {
            let mut each = dialects.iter().map(|d| for_dialect(*d, table, column));
            let first = each.next()?;
            return (first.custom.is_none() && each.all(|t| t == first)).then_some(first);
        }
    };
    Some(DieselType {
        nullable: column.nullable,
        ..ty
    })
}

/// SQLite: lback's own types by what they hold; a custom type by diesel's
/// affinity rules.
fn sqlite(ty: &ColumnType) -> DieselType {
    use ColumnType as T;
    let name = match ty {
        T::SmallInt => "SmallInt",
        // diesel reads an `INTEGER PRIMARY KEY` as `Integer` unless
        // `sqlite_integer_primary_key_is_bigint`; the model says which.
        T::Integer => "Integer",
        T::BigInt => "BigInt",
        T::Real => "Float",
        T::Double => "Double",
        T::Boolean => "Bool",
        T::Text | T::Varchar(_) => "Text",
        T::Binary => "Binary",
        T::Date => "Date",
        T::Time => "Time",
        T::Timestamp => "Timestamp",
        // diesel_cli cannot infer these three; diesel has the first two.
        T::TimestampTz => "TimestamptzSqlite",
        T::Json => "Json",
        T::Uuid => return custom_sqlite("uuid"),
        // diesel_cli says `Double` (its affinity rule); `Numeric` is what
        // diesel maps `BigDecimal` from on SQLite.
        T::Decimal { .. } => "Numeric",
        T::Custom(sql) => return sqlite_affinity(sql),
    };
    DieselType::plain(name)
}

/// diesel_cli's SQLite rules, in its order.
fn sqlite_affinity(declared: &str) -> DieselType {
    let t = declared.trim().to_lowercase();
    let name = if t == "boolean" || t == "bool" || (t.contains("tiny") && t.contains("int")) {
        "Bool"
    } else if t == "int2" || (t.contains("small") && t.contains("int")) {
        "SmallInt"
    } else if t == "int8" || (t.contains("big") && t.contains("int")) {
        "BigInt"
    } else if t.contains("int") {
        "Integer"
    } else if t.contains("char") || t.contains("clob") || t.contains("text") {
        "Text"
    } else if t.contains("blob") || t.contains("binary") || t.is_empty() {
        "Binary"
    } else if t.contains("float") || t.contains("real") {
        "Float"
    } else if t.contains("double") || t.contains("num") || t.contains("dec") {
        "Double"
    } else if t == "datetime" || t == "timestamp" {
        "Timestamp"
    } else if t == "date" {
        "Date"
    } else if t == "time" {
        "Time"
    } else {
        return custom_sqlite(&t);
    };
    DieselType::plain(name)
}

/// A SQLite type diesel has no name for: stored as text, declared in
/// `sql_types` (diesel_cli refuses such a column).
fn custom_sqlite(sql: &str) -> DieselType {
    DieselType {
        custom: Some(CustomType {
            sql_name: "Text".into(),
            backend: "sqlite_type",
        }),
        ..DieselType::plain(&upper_camel_case(sql))
    }
}

/// The types diesel provides for PostgreSQL (diesel_cli's `pg_diesel_types`).
const PG_DIESEL_TYPES: &[&str] = &[
    "Cidr",
    "Citext",
    "Inet",
    "Jsonb",
    "MacAddr",
    "MacAddr8",
    "Money",
    "Oid",
    "Range",
    "Timestamptz",
    "Uuid",
    "Json",
    "PgLsn",
    "Record",
    "Interval",
    "Int4range",
    "Int8range",
    "Daterange",
    "Numrange",
    "Tsrange",
    "Tstzrange",
    "Int4multirange",
    "Int8multirange",
    "Datemultirange",
    "Nummultirange",
    "Tsmultirange",
    "Tstzmultirange",
    "SmallSerial",
    "BigSerial",
    "Serial",
    "Bytea",
    "Bpchar",
    "Macaddr",
    "Macaddr8",
];

/// The types diesel provides on every backend (diesel_cli's `common_diesel_types`).
const COMMON_DIESEL_TYPES: &[&str] = &[
    "Bool",
    "Integer",
    "SmallInt",
    "BigInt",
    "Binary",
    "Text",
    "Double",
    "Float",
    "Numeric",
    "Timestamp",
    "Date",
    "Time",
    "Float4",
    "Smallint",
    "Int2",
    "Int4",
    "Int8",
    "Bigint",
    "Float8",
    "Decimal",
    "VarChar",
    "Varchar",
    "Char",
    "Tinytext",
    "Mediumtext",
    "Longtext",
    "Tinyblob",
    "Blob",
    "Mediumblob",
    "Longblob",
    "Varbinary",
    "Bit",
];

/// The types diesel provides for MySQL besides the common ones.
const MYSQL_DIESEL_TYPES: &[&str] = &["TinyInt", "Tinyint", "Datetime", "Json"];

/// Removes every `(...)`, returning the text and the first number found
/// inside (a length).
fn strip_parameters(text: &str) -> (String, Option<u64>) {
    let mut out = String::with_capacity(text.len());
    let mut depth = 0;
    let mut inside = String::new();
    let mut first: Option<u64> = None;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => {
                depth -= 1;
                if depth == 0 && first.is_none() {
                    first = inside.split(',').next().and_then(|n| n.trim().parse().ok());
                }
                inside.clear();
            }
            _ if depth > 0 => inside.push(c),
            _ => out.push(c),
        }
    }
    (out.split_whitespace().collect::<Vec<_>>().join(" "), first)
}

/// PostgreSQL: the column's `udt_name` (what diesel_cli reads) from the
/// type as lback writes it.
fn postgres(sql: &str) -> DieselType {
    let lower = sql.trim().to_lowercase();
    let (base, array) = match lower.strip_suffix("[]") {
        Some(base) => (base.trim_end().to_owned(), true),
        None => (lower, false),
    };
    let (base, length) = strip_parameters(&base);
    let (udt, max_length) = match base.as_str() {
        "smallint" | "int2" | "smallserial" | "serial2" => ("int2", None),
        "integer" | "int" | "int4" | "serial" | "serial4" => ("int4", None),
        "bigint" | "int8" | "bigserial" | "serial8" => ("int8", None),
        "real" | "float4" => ("float4", None),
        "double precision" | "float8" | "float" => ("float8", None),
        "boolean" | "bool" => ("bool", None),
        "character varying" | "varchar" => ("varchar", length),
        "character" | "char" | "bpchar" => ("bpchar", Some(length.unwrap_or(1))),
        "numeric" | "decimal" => ("numeric", None),
        "timestamp with time zone" | "timestamptz" => ("timestamptz", None),
        "timestamp" | "timestamp without time zone" => ("timestamp", None),
        "time" | "time without time zone" => ("time", None),
        "time with time zone" | "timetz" => ("timetz", None),
        other => (other, None),
    };
    let name = upper_camel_case(udt);
    let known =
        PG_DIESEL_TYPES.contains(&name.as_str()) || COMMON_DIESEL_TYPES.contains(&name.as_str());
    DieselType {
        array,
        custom: (!known).then(|| CustomType {
            sql_name: udt.to_owned(),
            backend: "postgres_type",
        }),
        ..DieselType::plain(&name).with_max_length(max_length)
    }
}

/// MySQL/MariaDB: from the `column_type` the server reports for the type
/// lback writes. MariaDB reports `JSON` as `longtext`; lback says `Json`,
/// the type `serde_json::Value` maps from.
fn mysql(ty: &ColumnType, table: &str, column: &str) -> DieselType {
    if *ty == ColumnType::Json {
        return DieselType::plain("Json");
    }
    let sql = Dialect::Mysql.type_name(ty).trim().to_lowercase();
    let unsigned = sql.split_whitespace().any(|w| w == "unsigned");
    let without_flags: Vec<&str> = sql
        .split_whitespace()
        .filter(|w| !matches!(*w, "unsigned" | "signed" | "zerofill"))
        .collect();
    let (base, length) = strip_parameters(&without_flags.join(" "));
    let type_name = match base.as_str() {
        "boolean" | "bool" => "bool".to_owned(),
        "tinyint" if length == Some(1) => "bool".to_owned(),
        b if b.starts_with("int") => "integer".to_owned(),
        "real" | "double precision" => "double".to_owned(),
        "numeric" | "dec" | "fixed" => "decimal".to_owned(),
        other => other.to_owned(),
    };
    let max_length = match type_name.as_str() {
        "varchar" | "char" | "binary" | "varbinary" => length.or(Some(1)),
        // MySQL reports the longest value (a set: all of them, with commas).
        "enum" => quoted_values(&sql)
            .iter()
            .map(|v| v.chars().count() as u64)
            .max(),
        "set" => {
            let values = quoted_values(&sql);
            let total: usize = values.iter().map(|v| v.chars().count()).sum();
            Some((total + values.len().saturating_sub(1)) as u64)
        }
        _ => None,
    };
    let name = upper_camel_case(&type_name);
    let known =
        COMMON_DIESEL_TYPES.contains(&name.as_str()) || MYSQL_DIESEL_TYPES.contains(&name.as_str());
    if known {
        return DieselType {
            unsigned,
            ..DieselType::plain(&name).with_max_length(max_length)
        };
    }
    // diesel_cli names MySQL's own types after the column.
    let mut sql_name = type_name.clone();
    if let Some(first) = sql_name.get(..1) {
        sql_name = format!("{}{}", first.to_uppercase(), &sql_name[1..]);
    }
    DieselType {
        unsigned,
        custom: Some(CustomType {
            sql_name,
            backend: "mysql_type",
        }),
        ..DieselType::plain(&upper_camel_case(&format!("{table} {column} {type_name}")))
            .with_max_length(max_length)
    }
}

/// The `'...'` values of `enum('a','b')` (`''` is a quote).
fn quoted_values(sql: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            if c == '\'' {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                    value.push('\'');
                    continue;
                }
                break;
            }
            value.push(c);
        }
        values.push(value);
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on(dialect: Dialect, ty: ColumnType) -> String {
        for_dialect(dialect, "t", &Column::new("c", ty)).to_string()
    }

    #[test]
    fn every_lback_type_has_the_diesel_type_print_schema_reads() {
        use ColumnType as T;
        let decimal = T::Decimal {
            precision: Some(10),
            scale: Some(2),
        };
        let cases = [
            (T::SmallInt, ["SmallInt", "Int2", "Smallint"]),
            (T::Integer, ["Integer", "Int4", "Integer"]),
            (T::BigInt, ["BigInt", "Int8", "Bigint"]),
            (T::Real, ["Float", "Float4", "Float"]),
            (T::Double, ["Double", "Float8", "Double"]),
            (T::Boolean, ["Bool", "Bool", "Bool"]),
            (T::Text, ["Text", "Text", "Longtext"]),
            (T::Varchar(40), ["Text", "Varchar", "Varchar"]),
            (T::Binary, ["Binary", "Bytea", "Longblob"]),
            (T::Date, ["Date", "Date", "Date"]),
            (T::Time, ["Time", "Time", "Time"]),
            (T::Timestamp, ["Timestamp", "Timestamp", "Datetime"]),
            (T::Uuid, ["Uuid", "Uuid", "Char"]),
            (T::Json, ["Json", "Jsonb", "Json"]),
            (decimal, ["Numeric", "Numeric", "Decimal"]),
        ];
        for (ty, expected) in cases {
            let got = Dialect::ALL.map(|d| on(d, ty.clone()));
            assert_eq!(got, expected, "{ty}");
        }
    }

    #[test]
    fn lengths_and_nullability_are_kept() {
        let column = Column::new("c", ColumnType::Varchar(255)).nullable();
        let pg = for_dialect(Dialect::Postgres, "t", &column);
        assert_eq!(pg.to_string(), "Nullable<Varchar>");
        assert_eq!(pg.max_length, Some(255));
        let uuid = for_dialect(Dialect::Mysql, "t", &Column::new("c", ColumnType::Uuid));
        assert_eq!(uuid.max_length, Some(36));
    }

    #[test]
    fn custom_types_are_read_as_each_database_reports_them() {
        let custom = |sql: &str| ColumnType::Custom(sql.to_owned().into());
        assert_eq!(
            on(Dialect::Postgres, custom("text[]")),
            "Array<Nullable<Text>>"
        );
        assert_eq!(on(Dialect::Postgres, custom("citext")), "Citext");
        assert_eq!(
            on(Dialect::Postgres, custom("timestamp(3) with time zone")),
            "Timestamptz"
        );
        let mood = postgres("mood");
        assert_eq!(mood.name, "Mood");
        assert_eq!(mood.custom.unwrap().sql_name, "mood");
        assert_eq!(
            on(Dialect::Mysql, custom("int unsigned")),
            "Unsigned<Integer>"
        );
        assert_eq!(on(Dialect::Mysql, custom("tinyint(1)")), "Bool");
        let status = mysql(&custom("enum('a','b')"), "posts", "status");
        assert_eq!(status.name, "PostsStatusEnum");
        assert_eq!(status.max_length, Some(1));
        assert_eq!(status.custom.unwrap().sql_name, "Enum");
        assert_eq!(quoted_values("set('ab','c''d')"), ["ab", "c'd"]);
        assert_eq!(on(Dialect::Sqlite, custom("varchar(8)")), "Text");
        assert_eq!(on(Dialect::Sqlite, custom("datetime")), "Timestamp");
    }

    #[test]
    fn portable_types_exist_only_where_the_dialects_agree() {
        let all = Dialect::ALL;
        let column = |ty| Column::new("c", ty);
        assert_eq!(
            portable(&column(ColumnType::BigInt), "t", &all)
                .unwrap()
                .to_string(),
            "BigInt"
        );
        assert!(portable(&column(ColumnType::TimestampTz), "t", &all).is_none());
        assert!(portable(&column(ColumnType::Uuid), "t", &all).is_none());
        let text = column(ColumnType::Custom("text".into()));
        assert_eq!(
            portable(&text, "t", &[Dialect::Sqlite, Dialect::Postgres])
                .unwrap()
                .name,
            "Text"
        );
    }
}
