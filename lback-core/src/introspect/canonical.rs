//! [`canonical`]: a schema in the form a dialect stores and reports it.

use crate::schema::{
    constraint_name, ColumnType, DefaultValue, Index, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use crate::sql::Dialect;

use super::literal::{jsonb_text, Temporal};
use super::{read_type, sort_keys};

/// What `dialect` can store and report of `schema`: the form to compare an
/// introspected schema with.
///
/// Applied to a model schema, the result equals what introspecting a
/// database built by lback from that schema reports; applied to an
/// introspected schema, it changes nothing (with one exception: an inline
/// `UNIQUE` written by hand in an SQLite table is reported as a unique
/// constraint, since its automatic index cannot be dropped, and `canonical`
/// turns every SQLite unique constraint into the unique index lback writes
/// for it). The rules:
///
/// - every dialect: `renamed_from` is cleared on tables and columns; a
///   [`ColumnType::Custom`] that spells a type lback knows becomes that type
///   (`Custom("integer")` is [`ColumnType::Integer`]); integer defaults of
///   boolean columns become booleans and those of float and decimal columns
///   floats; indexes, unique constraints and foreign keys are sorted by
///   name;
/// - SQLite: an auto-increment column is `INTEGER` (the only type SQLite
///   auto-increments); unique constraints are unique indexes (lback writes
///   them as `CREATE UNIQUE INDEX`); foreign keys are named
///   `fk_<table>_<columns>` (SQLite keeps no foreign key names); a boolean
///   default of a custom-typed column is `1`/`0`;
/// - PostgreSQL: `decimal(p)` is `decimal(p,0)`; text defaults of uuid
///   columns are lowercase, those of date, time and timestamp columns in
///   PostgreSQL's output form (`2020-01-01 00:00:00`, fractions without
///   trailing zeros), those of json columns in `jsonb`'s key order and
///   spacing (when every number in them is an integer); the SQL value
///   functions `current_timestamp`, `current_date`, `current_time`,
///   `localtime` and `localtimestamp` are uppercase, as PostgreSQL prints
///   them;
/// - MySQL/MariaDB: `decimal(p)` is `decimal(p,0)` and a bare `decimal` is
///   `decimal(65,30)` (what lback writes for it); float defaults of decimal
///   columns are rounded to the scale; unique indexes are unique
///   constraints (MySQL keeps one kind); `SET DEFAULT` foreign key actions
///   are `RESTRICT` (InnoDB on MariaDB accepts `SET DEFAULT` and stores
///   `RESTRICT`; MySQL 8 refuses it); text defaults of time and datetime
///   columns carry six fractional digits (`12:00:00.000000`), those of
///   date columns are zero-padded (`2020-01-02`);
///   `CURRENT_TIMESTAMP`, `NOW()` and their variants are
///   `current_timestamp(6)` on lback's timestamp types (both `DATETIME(6)`,
///   so a zoned timestamp reads back as a plain one) and
///   `current_timestamp(<fsp>)` on custom ones; a
///   boolean default of a custom-typed column is `1`/`0`.
///
/// What stays different, because no rule can predict the database's form:
/// SQL expression defaults other than the ones above (PostgreSQL and
/// MariaDB reprint them, MariaDB folds constant ones such as `(1)` into
/// literals), custom types the database spells another way (`int4` comes
/// back as `integer`), date/time literals with a zone on PostgreSQL (printed
/// in the session's time zone), and float defaults of `REAL`/`FLOAT` columns
/// that the database rounds.
///
/// ```
/// use lback_core::introspect::canonical;
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
/// use lback_core::sql::Dialect;
///
/// let model = Schema::from_tables([Table::new("prices")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_column(Column::new("amount", ColumnType::Decimal { precision: Some(10), scale: None }))
///     .with_primary_key(["id"])]).unwrap();
///
/// let pg = canonical(&model, Dialect::Postgres);
/// let amount = &pg.table("prices").unwrap().columns[1];
/// assert_eq!(amount.ty, ColumnType::Decimal { precision: Some(10), scale: Some(0) });
///
/// let sqlite = canonical(&model, Dialect::Sqlite);
/// assert_eq!(sqlite.table("prices").unwrap().columns[0].ty, ColumnType::Integer);
/// ```
pub fn canonical(schema: &Schema, dialect: Dialect) -> Schema {
    schema
        .tables()
        .map(|table| canonical_table(table, dialect))
        .collect()
}

fn canonical_table(table: &Table, dialect: Dialect) -> Table {
    let mut table = table.clone();
    table.renamed_from = None;
    for column in table.columns.to_mut() {
        column.renamed_from = None;
        column.ty = canonical_type(&column.ty, dialect);
        if dialect == Dialect::Sqlite && column.auto_increment {
            column.ty = ColumnType::Integer;
        }
        if let Some(default) = column.default.take() {
            column.default = Some(canonical_default(default, &column.ty, dialect));
        }
    }
    match dialect {
        Dialect::Sqlite => {
            let uniques = std::mem::take(table.unique_constraints.to_mut());
            table
                .indexes
                .to_mut()
                .extend(uniques.into_iter().map(|u| Index {
                    name: u.name,
                    columns: u.columns,
                    unique: true,
                }));
            let name = table.name.clone();
            for fk in table.foreign_keys.to_mut() {
                let columns: Vec<&str> = fk.columns.iter().map(|c| c.as_ref()).collect();
                fk.name = constraint_name("fk", &name, &columns, None).into();
            }
        }
        Dialect::Mysql => {
            let (unique, plain): (Vec<Index>, Vec<Index>) = std::mem::take(table.indexes.to_mut())
                .into_iter()
                .partition(|i| i.unique);
            table.indexes = plain.into();
            table
                .unique_constraints
                .to_mut()
                .extend(unique.into_iter().map(|i| UniqueConstraint {
                    name: i.name,
                    columns: i.columns,
                }));
            for fk in table.foreign_keys.to_mut() {
                for action in [&mut fk.on_delete, &mut fk.on_update] {
                    if *action == ReferentialAction::SetDefault {
                        *action = ReferentialAction::Restrict;
                    }
                }
            }
        }
        Dialect::Postgres => {}
    }
    sort_keys(&mut table);
    table
}

fn canonical_type(ty: &ColumnType, dialect: Dialect) -> ColumnType {
    let ty = match ty {
        ColumnType::Custom(text) => read_type(dialect, text),
        other => other.clone(),
    };
    match (dialect, ty) {
        (
            Dialect::Postgres | Dialect::Mysql,
            ColumnType::Decimal {
                precision: Some(p),
                scale: None,
            },
        ) => ColumnType::Decimal {
            precision: Some(p),
            scale: Some(0),
        },
        (
            Dialect::Mysql,
            ColumnType::Decimal {
                precision: None, ..
            },
        ) => ColumnType::Decimal {
            precision: Some(65),
            scale: Some(30),
        },
        // lback writes both as DATETIME(6) (TIMESTAMP ends in 2038).
        (Dialect::Mysql, ColumnType::TimestampTz) => ColumnType::Timestamp,
        (_, ty) => ty,
    }
}

fn canonical_default(default: DefaultValue, ty: &ColumnType, dialect: Dialect) -> DefaultValue {
    use ColumnType as T;
    use DefaultValue as D;
    match (default, ty) {
        (D::Int(n), T::Boolean) => D::Bool(n != 0),
        (D::Int(n), T::Real | T::Double | T::Decimal { .. }) => {
            canonical_default(D::Float(n as f64), ty, dialect)
        }
        (D::Float(f), T::Decimal { scale: Some(s), .. }) if dialect == Dialect::Mysql => {
            D::Float(round_half_up(f, *s as usize))
        }
        (D::Bool(b), T::Custom(_)) if dialect != Dialect::Postgres => D::Int(i64::from(b)),
        (D::Text(text), ty) => D::Text(match canonical_text(&text, ty, dialect) {
            Some(normal) => normal.into(),
            None => text,
        }),
        (D::Sql(sql), ty) => D::Sql(match canonical_sql(&sql, ty, dialect) {
            Some(normal) => normal.into(),
            None => sql,
        }),
        (default, _) => default,
    }
}

/// `value` rounded to `scale` decimals the way MySQL rounds a decimal
/// literal: on its shortest decimal spelling, half away from zero
/// (`2.555` is `2.56`, though the nearest f64 is below it).
fn round_half_up(value: f64, scale: usize) -> f64 {
    let text = format!("{:?}", value.abs());
    let Some((int, frac)) = text.split_once('.') else {
        return value;
    };
    if text.contains(['e', 'E']) || frac.len() <= scale {
        return value;
    }
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes().take(scale)).collect();
    if frac.as_bytes()[scale] >= b'5' {
        let mut i = digits.len();
        loop {
            if i == 0 {
                digits.insert(0, b'1');
                break;
            }
            i -= 1;
            if digits[i] == b'9' {
                digits[i] = b'0';
            } else {
                digits[i] += 1;
                break;
            }
        }
    }
    let split = digits.len() - scale;
    let rounded = format!(
        "{}.{}0",
        String::from_utf8_lossy(&digits[..split]),
        String::from_utf8_lossy(&digits[split..])
    );
    rounded.parse::<f64>().map_or(value, |r| r.copysign(value))
}

/// The form `dialect` reports a text default of a column of type `ty` in,
/// where it differs from the text.
fn canonical_text(text: &str, ty: &ColumnType, dialect: Dialect) -> Option<String> {
    use ColumnType as T;
    match (dialect, ty) {
        (Dialect::Postgres, T::Uuid) => Some(text.to_ascii_lowercase()),
        (Dialect::Postgres, T::Json) => jsonb_text(text),
        (Dialect::Postgres, T::Date | T::Time | T::Timestamp) => {
            Temporal::parse(text).map(|t| t.render(None))
        }
        (Dialect::Mysql, T::Time | T::Timestamp | T::TimestampTz) => {
            Temporal::parse(text).map(|t| t.render(Some(6)))
        }
        (Dialect::Mysql, T::Date) => Temporal::parse(text).map(|t| t.render(None)),
        _ => None,
    }
}

/// The form `dialect` reports an SQL default of a column of type `ty` in,
/// where lback can predict it.
fn canonical_sql(sql: &str, ty: &ColumnType, dialect: Dialect) -> Option<String> {
    match dialect {
        Dialect::Postgres => {
            let upper = sql.trim().to_ascii_uppercase();
            matches!(
                upper.as_str(),
                "CURRENT_TIMESTAMP"
                    | "CURRENT_DATE"
                    | "CURRENT_TIME"
                    | "LOCALTIME"
                    | "LOCALTIMESTAMP"
            )
            .then_some(upper)
        }
        Dialect::Mysql => {
            let explicit = mysql_current_timestamp(sql)?;
            let fsp = match ty {
                ColumnType::Timestamp | ColumnType::TimestampTz => Some(6),
                ColumnType::Custom(text) => mysql_fsp(text),
                _ => None,
            };
            Some(match fsp.or(explicit) {
                Some(n) if n > 0 => format!("current_timestamp({n})"),
                _ => "current_timestamp()".to_owned(),
            })
        }
        Dialect::Sqlite => None,
    }
}

/// Whether `sql` is MySQL's current-timestamp default in one of its
/// spellings; `Some(Some(n))` when it names a precision.
pub(super) fn mysql_current_timestamp(sql: &str) -> Option<Option<u32>> {
    let lower = sql.trim().to_ascii_lowercase();
    let names = ["current_timestamp", "now", "localtime", "localtimestamp"];
    for name in names {
        let Some(rest) = lower.strip_prefix(name) else {
            continue;
        };
        if rest.is_empty() && name != "now" {
            return Some(None);
        }
        let inner = rest.strip_prefix('(')?.strip_suffix(')')?.trim();
        if inner.is_empty() {
            return Some(None);
        }
        return inner.parse().ok().map(Some);
    }
    None
}

/// The fractional-seconds precision of a MySQL `datetime(n)`/`timestamp(n)`.
fn mysql_fsp(type_text: &str) -> Option<u32> {
    let lower = type_text.trim().to_ascii_lowercase();
    let args = ["datetime", "timestamp"]
        .iter()
        .find_map(|name| lower.strip_prefix(name))?;
    if args.is_empty() {
        return Some(0);
    }
    args.strip_prefix('(')?
        .strip_suffix(')')?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_round_like_mysql() {
        assert_eq!(round_half_up(2.555, 2), 2.56);
        assert_eq!(round_half_up(-2.555, 2), -2.56);
        assert_eq!(round_half_up(9.995, 2), 10.0);
        assert_eq!(round_half_up(0.5, 0), 1.0);
        assert_eq!(round_half_up(2.5, 2), 2.5);
        assert_eq!(round_half_up(3.0, 2), 3.0);
    }

    #[test]
    fn current_timestamp_spellings() {
        assert_eq!(mysql_current_timestamp("CURRENT_TIMESTAMP"), Some(None));
        assert_eq!(mysql_current_timestamp("now()"), Some(None));
        assert_eq!(
            mysql_current_timestamp("current_timestamp(3)"),
            Some(Some(3))
        );
        assert_eq!(mysql_current_timestamp("now"), None);
        assert_eq!(mysql_current_timestamp("uuid()"), None);
        assert_eq!(mysql_fsp("datetime(3)"), Some(3));
        assert_eq!(mysql_fsp("TIMESTAMP"), Some(0));
        assert_eq!(mysql_fsp("date"), None);
    }

    #[test]
    fn mysql_date_defaults_are_zero_padded() {
        let ty = ColumnType::Date;
        assert_eq!(
            canonical_default(DefaultValue::Text("2020-1-2".into()), &ty, Dialect::Mysql),
            DefaultValue::Text("2020-01-02".into())
        );
    }
}
