//! Type changes: for every pair of [`ColumnType`]s, whether every value of
//! the old type converts to the new one unchanged (no guard), which rows
//! would fail or change (a guard), or whether no conversion is sound on
//! every dialect (refused when the migration is generated). The table is
//! in the rustdoc of [`crate::sql::check_type_change`] and in
//! ARCHITECTURE.md.

use crate::diff::Operation;
use crate::schema::{Column, ColumnType, Name, SchemaProblem};
use crate::Error;

use super::condition::{Condition, Number};

/// Refuses the type changes among `operations` that no conversion makes
/// sound on every database, each with what to do instead. `makemigrations`
/// (and the build script) run it before writing a migration; the changes
/// it lets through are either safe or guarded (see below).
///
/// The decision for each pair of types (`from` down, `to` across; "text"
/// is `text` and `varchar(n)`; a type is unchanged by a change to itself):
///
/// | from → to          | integers            | real / double                | decimal(p,s)               | boolean   | text / varchar(n)  | date / time / timestamp(tz) | uuid / json | binary |
/// |---------------------|---------------------|------------------------------|----------------------------|-----------|--------------------|-----------------------------|-------------|--------|
/// | integers            | safe if wider, else guard range | guard beyond ±2^24 / ±2^53 (safe for smallint, and integer → double) | guard digits before the point | guard not 0/1 | safe / guard length | refuse | refuse | refuse |
/// | real, double        | guard fraction, range | real → double safe; double → real guard range and digits | guard places, digits | guard not 0/1 | safe / guard length | refuse | refuse | refuse |
/// | decimal             | guard fraction, range | safe if p ≤ 6 / 15, else guard digits kept | guard places, digits | guard not 0/1 | safe / guard length | refuse | refuse | refuse |
/// | boolean             | safe                | safe                         | safe (refuse if no digit before the point) | – | safe / guard length | refuse | refuse | refuse |
/// | text                | guard not an integer, range | guard not a number (real: range) | guard not a number, places, digits | guard not exactly `0`/`1` | guard length | guard not `YYYY-MM-DD`, `HH:MM:SS[.f]`, `YYYY-MM-DD HH:MM:SS[.f]` (timestamptz: read as UTC) | guard not a UUID / not JSON | refuse |
/// | date                | refuse              | refuse                       | refuse                     | refuse    | safe / guard length | → timestamp(tz): safe (midnight, UTC); → time: refuse | refuse | refuse |
/// | time                | refuse              | refuse                       | refuse                     | refuse    | safe / guard length | refuse | refuse | refuse |
/// | timestamp(tz)       | refuse              | refuse                       | refuse                     | refuse    | safe / guard length | ↔ each other: safe (UTC); → date: guard not midnight; → time: refuse | refuse | refuse |
/// | uuid, json          | refuse              | refuse                       | refuse                     | refuse    | safe / guard length | refuse | refuse (uuid ↔ json) | refuse |
/// | binary              | refuse              | refuse                       | refuse                     | refuse    | refuse             | refuse | refuse | – |
///
/// A `custom:` type (the user's own SQL) on either side is left to the
/// database, except that a change to `varchar(n)` checks the length.
/// "Guard" checks the rows that would fail or change; on SQLite, which
/// does not enforce types, it is what keeps the values true to the schema.
/// SQLite stores `real` and `double` alike, so double → real and decimal →
/// float need no check there. Text forms differ between databases (a
/// boolean becomes `true`/`false` on PostgreSQL, `1`/`0` elsewhere; a
/// timestamp gets six decimals on MySQL).
///
/// ```
/// use lback_core::diff::diff;
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
/// use lback_core::sql::check_type_changes;
///
/// let table = |ty| Schema::from_tables([Table::new("events")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_column(Column::new("at", ty))
///     .with_primary_key(["id"])]).unwrap();
/// let guarded = diff(&table(ColumnType::Text), &table(ColumnType::Date));
/// assert!(check_type_changes(&guarded).is_ok());
/// let refused = diff(&table(ColumnType::Date), &table(ColumnType::Integer));
/// let error = check_type_changes(&refused).unwrap_err().to_string();
/// assert!(error.contains("add a new field"), "{error}");
/// ```
pub fn check_type_changes(operations: &[Operation]) -> Result<(), Error> {
    let mut problems = Vec::new();
    for op in operations {
        if let Operation::AlterColumn {
            table, from, to, ..
        } = op
        {
            if let Decision::Refuse(why) = decide(&to.name, from, to) {
                problems.push(SchemaProblem {
                    table: table.to_string(),
                    message: format!(
                        "column `{}` cannot change from {} to {}: {why}. Instead add a new field of the new type, \
                         fill it from the old one in a migration of your own (`makemigrations --empty`), then remove \
                         the old field (or keep the old type)",
                        to.name, from.ty, to.ty
                    ),
                });
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidSchema(problems))
    }
}

/// The `USING` expression of a PostgreSQL type change that involves a
/// zoned timestamp: its plain casts read and write in the session's time
/// zone; lback's zoned timestamps are UTC (MySQL stores them as UTC
/// `DATETIME`s).
pub(in crate::sql) fn postgres_zone_cast(
    column: &str,
    from: &ColumnType,
    to: &ColumnType,
    target: &str,
) -> Option<String> {
    use ColumnType as T;
    Some(match (from, to) {
        (T::Timestamp, T::TimestampTz) | (T::TimestampTz, T::Timestamp) => {
            format!("{column} AT TIME ZONE 'UTC'")
        }
        (T::Date | T::Text | T::Varchar(_), T::TimestampTz) => {
            format!("CAST({column} AS timestamp) AT TIME ZONE 'UTC'")
        }
        (T::TimestampTz, T::Date | T::Text | T::Varchar(_)) => {
            format!("CAST({column} AT TIME ZONE 'UTC' AS {target})")
        }
        _ => return None,
    })
}

/// A check: the rows where `.0` holds fail with problem `.1`, remedy `.2`.
pub(super) type Check = (Condition, String, String);

/// What a type change needs.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Decision {
    /// Every value converts unchanged (or the type is the user's own SQL,
    /// which lback cannot reason about).
    Safe,
    /// Rows these conditions find would fail or change.
    Guard(Vec<Check>),
    /// No conversion is sound: why.
    Refuse(&'static str),
}

fn int_range(t: &ColumnType) -> Option<(i128, i128)> {
    use ColumnType as T;
    match t {
        T::SmallInt => Some((i16::MIN.into(), i16::MAX.into())),
        T::Integer => Some((i32::MIN.into(), i32::MAX.into())),
        T::BigInt => Some((i64::MIN.into(), i64::MAX.into())),
        _ => None,
    }
}

fn temporal(t: &ColumnType) -> bool {
    use ColumnType as T;
    matches!(t, T::Date | T::Time | T::Timestamp | T::TimestampTz)
}

/// The longest text form of a value of `t` (as PostgreSQL or MySQL write
/// it), when bounded: a change to `VARCHAR(n)` at least this long is safe.
fn text_length(t: &ColumnType) -> Option<u32> {
    use ColumnType as T;
    Some(match t {
        T::Boolean => 5,
        T::SmallInt => 6,
        T::Integer => 11,
        T::BigInt => 20,
        T::Date => 13,
        T::Time => 15,
        T::Timestamp => 29,
        T::TimestampTz => 32,
        T::Uuid => 36,
        T::Varchar(n) => *n,
        T::Decimal {
            precision: Some(p), ..
        } => p + 2,
        _ => return None,
    })
}

/// What changing column `c` from `from`'s type to `to`'s needs.
pub(super) fn decide(c: &Name, from: &Column, to: &Column) -> Decision {
    use ColumnType as T;
    let (a, b) = (&from.ty, &to.ty);
    if a == b {
        return Decision::Safe;
    }
    // The user's own SQL type: the database's conversion applies, as
    // written by hand; only a length is checked.
    if matches!(b, T::Custom(_)) {
        return Decision::Safe;
    }
    if matches!(a, T::Custom(_)) && !matches!(b, T::Varchar(_)) {
        return Decision::Safe;
    }
    if matches!((a, b), (T::Binary, _) | (_, T::Binary)) {
        return Decision::Refuse(
            "bytes and other types have no conversion that keeps every value on every database (PostgreSQL reads text as escapes and writes bytes as hex)",
        );
    }
    if b.is_text() {
        into_text(c, a, b)
    } else if a.is_text() {
        from_text(c, b)
    } else if temporal(a) || temporal(b) {
        between_dates(c, a, b)
    } else {
        between_numbers(c, a, b)
    }
}

/// A change into text: every value has a text form; only its length is
/// checked.
fn into_text(c: &Name, a: &ColumnType, b: &ColumnType) -> Decision {
    use ColumnType as T;
    match (a, b) {
        (T::Text | T::Varchar(_), T::Varchar(n)) => match a {
            T::Varchar(m) if m <= n => Decision::Safe,
            _ => guard(vec![(
                Condition::LongerThan(c.clone(), *n),
                format!("have {c} longer than {n} characters, the new max_length"),
                keep("max_length"),
            )]),
        },
        (_, T::Varchar(n)) if text_length(a).is_none_or(|max| max > *n) => guard(vec![(
            Condition::TextFormLongerThan {
                column: c.clone(),
                length: *n,
                zoned: *a == T::TimestampTz,
            },
            format!("have {c} whose text is longer than {n} characters, the new max_length"),
            keep("max_length"),
        )]),
        _ => Decision::Safe,
    }
}

/// A change from text into another type: the text must be the new type's
/// form.
fn from_text(c: &Name, b: &ColumnType) -> Decision {
    use ColumnType as T;
    match b {
        b if int_range(b).is_some() || matches!(b, T::Real | T::Double | T::Decimal { .. }) => {
            text_to_number(c, b)
        }
        T::Boolean => guard(vec![(
            Condition::NotBooleanText(c.clone()),
            format!("have {c} other than '0' and '1', which type boolean cannot hold"),
            correct("'0' or '1'"),
        )]),
        T::Date => guard(vec![(
            Condition::NotDate(c.clone()),
            format!("have {c} that is not a date written YYYY-MM-DD"),
            correct("dates written YYYY-MM-DD"),
        )]),
        T::Time => guard(vec![(
            Condition::NotTime(c.clone()),
            format!("have {c} that is not a time written HH:MM:SS[.ffffff]"),
            correct("times written HH:MM:SS"),
        )]),
        T::Timestamp | T::TimestampTz => guard(vec![(
            Condition::NotTimestamp(c.clone()),
            format!(
                "have {c} that is not a date and time written YYYY-MM-DD HH:MM:SS[.ffffff]{}",
                if *b == T::TimestampTz {
                    " (read as UTC)"
                } else {
                    ""
                }
            ),
            correct("dates and times written YYYY-MM-DD HH:MM:SS (in UTC, without offset)"),
        )]),
        T::Uuid => guard(vec![(
            Condition::NotUuid(c.clone()),
            format!("have {c} that is not a UUID written as 32 hex digits in groups 8-4-4-4-12"),
            correct("UUIDs such as 123e4567-e89b-12d3-a456-426614174000"),
        )]),
        T::Json => guard(vec![(
            Condition::NotJson(c.clone()),
            format!("have {c} that is not a JSON document"),
            correct("JSON documents"),
        )]),
        _ => Decision::Refuse(NO_CONVERSION),
    }
}

/// A change from text to an integer, float or decimal type.
fn text_to_number(c: &Name, b: &ColumnType) -> Decision {
    use ColumnType as T;
    if let Some((low, high)) = int_range(b) {
        return guard(vec![
            (
                Condition::NotInteger(c.clone()),
                format!("have {c} that is not an integer, which type {b} cannot hold"),
                keep("type"),
            ),
            (
                Condition::TextOutsideRange(c.clone(), low, high),
                format!("have {c} outside {low}..={high}, the range of type {b}"),
                keep("type"),
            ),
        ]);
    }
    let mut checks = vec![(
        Condition::NotNumber(c.clone()),
        format!("have {c} that is not a number, which type {b} cannot hold"),
        correct("numbers such as -12.5"),
    )];
    match b {
        T::Real => checks.push(beyond_real(Number::Text(c.clone()), c)),
        T::Decimal { precision, scale } => checks.extend(decimal_checks(
            Number::Text(c.clone()),
            None,
            None,
            *precision,
            *scale,
            c,
            b,
        )),
        _ => {}
    }
    guard(checks)
}

/// A change between types that are neither text, temporal nor binary:
/// numbers and booleans convert, checked where needed; uuid and json do not.
fn between_numbers(c: &Name, a: &ColumnType, b: &ColumnType) -> Decision {
    use ColumnType as T;
    match (a, b) {
        (
            T::Boolean,
            T::Decimal {
                precision: Some(p),
                scale,
            },
        )
        | (
            T::Decimal {
                precision: Some(p),
                scale,
            },
            T::Boolean,
        ) if p.saturating_sub(scale.unwrap_or(0)) < 1 => {
            Decision::Refuse("a decimal with no digit before the point cannot hold true (1)")
        }
        (T::Boolean, b) if b.is_numeric() => Decision::Safe,
        (a, T::Boolean) if a.is_numeric() => guard(vec![(
            Condition::NotBoolean(c.clone()),
            format!("have {c} other than 0 and 1, which a boolean cannot hold"),
            keep("type"),
        )]),
        (a, b) if int_range(b).is_some() && a.is_numeric() => {
            let (low, high) = int_range(b).expect("checked");
            let mut checks = Vec::new();
            if fractional(a) {
                checks.push((
                    Condition::HasFraction(exact(a, c), 0),
                    format!("have a fraction in {c}, which type {b} would round away"),
                    keep("type"),
                ));
            }
            let narrower = int_range(a).is_none_or(|(a_low, a_high)| a_low < low || a_high > high);
            if narrower {
                checks.push((
                    Condition::OutsideRange(c.clone(), low, high),
                    format!("have {c} outside {low}..={high}, the range of type {b}"),
                    keep("type"),
                ));
            }
            guard(checks)
        }
        (a, T::Decimal { precision, scale }) if a.is_numeric() => {
            let (digits, places): (Option<u32>, Option<u32>) = match a {
                T::SmallInt => (Some(5), Some(0)),
                T::Integer => (Some(10), Some(0)),
                T::BigInt => (Some(19), Some(0)),
                T::Decimal {
                    precision: Some(p),
                    scale: s,
                } => (Some(p.saturating_sub(s.unwrap_or(0))), Some(s.unwrap_or(0))),
                _ => (None, None),
            };
            guard(decimal_checks(
                exact(a, c),
                digits,
                places,
                *precision,
                *scale,
                c,
                b,
            ))
        }
        (a, T::Real | T::Double) if a.is_numeric() => into_float(c, a, b),
        _ => Decision::Refuse(NO_CONVERSION),
    }
}

/// A change from a number to `real` or `double`: checked where the new type
/// cannot hold every value exactly.
fn into_float(c: &Name, a: &ColumnType, b: &ColumnType) -> Decision {
    use ColumnType as T;
    // Integers up to 2^24 (real) or 2^53 (double) are exact.
    let (bits, name) = if *b == T::Real {
        (24, "real")
    } else {
        (53, "double")
    };
    let limit: i128 = 1 << bits;
    let too_big = |t: &ColumnType| int_range(t).is_some_and(|(_, high)| high > limit);
    match a {
        a if too_big(a) => guard(vec![(
            Condition::OutsideRange(c.clone(), -limit, limit),
            format!("have {c} beyond ±{limit}, past which type {name} does not hold every integer exactly"),
            keep("type"),
        )]),
        T::Double => guard(real_checks(Number::Float(c.clone()), c)),
        T::Decimal { precision, .. } => {
            let kept = if *b == T::Real { 6 } else { 15 };
            if precision.is_some_and(|p| p <= kept) {
                Decision::Safe
            } else if *b == T::Real {
                guard(real_checks(Number::Exact(c.clone()), c))
            } else {
                guard(vec![(
                    Condition::InexactDouble(c.clone()),
                    format!("have {c} with more digits than type double keeps (15 to 17), which it would change"),
                    keep("type"),
                )])
            }
        }
        _ => Decision::Safe,
    }
}

/// A change from or to a date or time type (neither side text).
fn between_dates(c: &Name, a: &ColumnType, b: &ColumnType) -> Decision {
    use ColumnType as T;
    match (a, b) {
        (T::Timestamp | T::TimestampTz, T::Date) => guard(vec![(
            Condition::HasTime {
                column: c.clone(),
                zoned: *a == T::TimestampTz,
            },
            format!(
                "have a time of day other than midnight{} in {c}, which type date would drop",
                if *a == T::TimestampTz { " (UTC)" } else { "" }
            ),
            "set those values to midnight (or keep the field's type), then run this migration again"
                .to_owned(),
        )]),
        (T::Date | T::Timestamp | T::TimestampTz, T::Timestamp | T::TimestampTz) => Decision::Safe,
        _ => Decision::Refuse(
            "dates and times convert only from text, to text, between date and date-and-time types, and from a date and time to a date (guarded): this change would lose or invent parts of every value",
        ),
    }
}

/// Why a change between two types that no rule covers is refused.
const NO_CONVERSION: &str =
    "the two types have no conversion that keeps every value on every database";

/// A guard with `checks`, or safe when there are none.
fn guard(checks: Vec<Check>) -> Decision {
    if checks.is_empty() {
        Decision::Safe
    } else {
        Decision::Guard(checks)
    }
}

/// The remedy for values too long or too big for the new `what` (type,
/// max_length, precision, scale).
fn keep(what: &str) -> String {
    format!(
        "shorten or correct those values first (or keep the field's {what}), then run this migration again"
    )
}

/// The remedy for text not in the new type's `form`.
fn correct(form: &str) -> String {
    format!(
        "correct those values to {form} first (or keep the field's type), then run this migration again"
    )
}

/// Whether values of `t` may have a fraction.
fn fractional(t: &ColumnType) -> bool {
    use ColumnType as T;
    matches!(t, T::Real | T::Double)
        || matches!(t, T::Decimal { scale, .. } if scale.unwrap_or(0) > 0 || scale.is_none())
}

/// Column `c` read as a number of type `t`: a float or an exact number.
fn exact(t: &ColumnType, c: &Name) -> Number {
    use ColumnType as T;
    if matches!(t, T::Real | T::Double) {
        Number::Float(c.clone())
    } else {
        Number::Exact(c.clone())
    }
}

/// The check that values `n` of column `c` fit type real's range.
fn beyond_real(n: Number, c: &Name) -> Check {
    (
        Condition::BeyondReal(n),
        format!("have {c} beyond ±3.4e38, the range of type real"),
        keep("type"),
    )
}

/// The checks for a change of values `n` of column `c` to type real: its
/// range, and the digits it keeps.
fn real_checks(n: Number, c: &Name) -> Vec<Check> {
    vec![
        beyond_real(n.clone(), c),
        (
            Condition::InexactReal(n),
            format!(
                "have {c} with more digits than type real keeps (about 7), which it would change"
            ),
            keep("type"),
        ),
    ]
}

/// Checks for a change to `DECIMAL(precision, scale)` from numbers with
/// at most `digits` digits before the point and `places` after (`None`:
/// not known, e.g. floats and text).
fn decimal_checks(
    n: Number,
    digits: Option<u32>,
    places: Option<u32>,
    precision: Option<u32>,
    scale: Option<u32>,
    c: &Name,
    to: &ColumnType,
) -> Vec<Check> {
    let Some(precision) = precision else {
        return Vec::new();
    };
    let scale_to = scale.unwrap_or(0);
    let integer_digits = precision.saturating_sub(scale_to);
    let mut checks = Vec::new();
    if places.is_none_or(|s| s > scale_to) {
        checks.push((
            Condition::HasFraction(n.clone(), scale_to),
            format!(
                "have more than {scale_to} decimal places in {c}, which type {to} would round away"
            ),
            keep("scale"),
        ));
    }
    if digits.is_none_or(|d| d > integer_digits) {
        checks.push((
            Condition::TooManyDigits(n, integer_digits),
            format!("have {c} with more than {integer_digits} digits before the point, which type {to} cannot hold"),
            keep("precision"),
        ));
    }
    checks
}

/// How SQLite's table rebuild copies a value whose type changes, where
/// copying it as it is would leave text the new type cannot read: a date
/// becomes `YYYY-MM-DD 00:00:00`, a date and time its date (a guard has
/// made sure the time was midnight).
pub(in crate::sql) fn sqlite_conversion(
    column: &str,
    from: &ColumnType,
    to: &ColumnType,
) -> Option<String> {
    use ColumnType as T;
    match (from, to) {
        // Text that is no date (SQLite enforces no type) stays as it is.
        (T::Date, T::Timestamp | T::TimestampTz) => {
            Some(format!("COALESCE(datetime({column}), {column})"))
        }
        (T::Timestamp | T::TimestampTz, T::Date) => {
            Some(format!("COALESCE(date({column}), {column})"))
        }
        _ => None,
    }
}
