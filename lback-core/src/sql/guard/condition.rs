//! The conditions guards test on one column, spelled per dialect. Every
//! condition is false for NULL (NULL fits every type). Casts that could
//! fail inside the check itself (PostgreSQL raises on `'x'::numeric`) are
//! reached only in a `CASE` branch after the tests that rule such values
//! out, since neither PostgreSQL nor MySQL promises an order for `AND`.

use crate::schema::{Name, Names};
use crate::sql::Dialect;

/// A condition on one column.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Condition {
    IsNull(Name),
    NotNull(Names),
    /// Text longer than this many characters.
    LongerThan(Name, u32),
    /// A non-text value whose text form (what the type change stores) is
    /// longer than this; `zoned`: a timestamptz, written in UTC.
    TextFormLongerThan {
        column: Name,
        length: u32,
        zoned: bool,
    },
    OutsideRange(Name, i128, i128),
    /// Text that is not an integer (optional sign, digits, spaces around).
    NotInteger(Name),
    /// Text whose number lies outside the range.
    TextOutsideRange(Name, i128, i128),
    /// A number with digits beyond this many decimal places.
    HasFraction(Number, u32),
    /// `abs(n) >= 10^digits`.
    TooManyDigits(Number, u32),
    /// A number other than 0 and 1.
    NotBoolean(Name),
    /// Text other than exactly `0` and `1`.
    NotBooleanText(Name),
    /// Text that is not a decimal number (`-1.5e3`; spaces around).
    NotNumber(Name),
    /// Beyond the range of a 32-bit float (±3.4028235e38).
    BeyondReal(Number),
    /// A float or decimal that reads back as another number once stored
    /// as `real` (32-bit float).
    InexactReal(Number),
    /// A decimal that reads back as another number once stored as
    /// `double`.
    InexactDouble(Name),
    /// Text not in the form `YYYY-MM-DD`, or not a day of the calendar.
    NotDate(Name),
    /// Text not in the form `HH:MM:SS[.ffffff]`, or not a time of day.
    NotTime(Name),
    /// Text not in the form `YYYY-MM-DD HH:MM:SS[.ffffff]` (or with `T`).
    NotTimestamp(Name),
    /// Text not in the form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hex).
    NotUuid(Name),
    /// Text that is not a JSON document. On PostgreSQL, which has no test
    /// for it before version 16, the guard tries the cast row by row.
    NotJson(Name),
    /// A date and time whose time of day is not midnight (in UTC when
    /// `zoned`).
    HasTime {
        column: Name,
        zoned: bool,
    },
}

/// A number a check reads from a column.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Number {
    /// An integer or decimal column.
    Exact(Name),
    /// A `real` or `double` column.
    Float(Name),
    /// A text column holding numbers (checked by [`Condition::NotNumber`]
    /// or [`Condition::NotInteger`] first).
    Text(Name),
}

/// The largest finite 32-bit float, and the smallest normal one.
const REAL_MAX: &str = "3.4028234663852886e38";
const REAL_MIN_NORMAL: &str = "1.1754943508222875e-38";

impl Condition {
    /// The condition as SQL, or `None` where `d` needs no check: SQLite
    /// stores `real` and `double` alike in 8 bytes, so no value changes.
    pub(super) fn sql(&self, d: Dialect) -> Option<String> {
        let q = |c: &Name| d.quote(c);
        let length = match d {
            Dialect::Postgres => "char_length",
            Dialect::Mysql => "CHAR_LENGTH",
            Dialect::Sqlite => "length",
        };
        Some(match self {
            Condition::IsNull(c) => format!("{} IS NULL", q(c)),
            Condition::NotNull(columns) => columns
                .iter()
                .map(|c| format!("{} IS NOT NULL", q(c)))
                .collect::<Vec<_>>()
                .join(" AND "),
            Condition::LongerThan(c, n) => format!("{length}({}) > {n}", q(c)),
            Condition::TextFormLongerThan {
                column,
                length: n,
                zoned,
            } => format!("{length}({}) > {n}", text_form(column, *zoned, d)),
            Condition::OutsideRange(c, low, high) => {
                format!("({} < {low} OR {} > {high})", q(c), q(c))
            }
            Condition::NotInteger(c) => match d {
                Dialect::Postgres => {
                    format!("{} !~ '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$'", q(c))
                }
                Dialect::Mysql => {
                    format!(
                        "{} NOT REGEXP '^[[:space:]]*[-+]?[0-9]+[[:space:]]*$'",
                        q(c)
                    )
                }
                // No REGEXP in SQLite: the sign off, then only digits.
                Dialect::Sqlite => format!(
                    "(TRIM({c}) IN ('', '+', '-') OR {} GLOB '*[^0-9]*')",
                    unsigned(&format!("TRIM({})", q(c))),
                    c = q(c)
                ),
            },
            Condition::TextOutsideRange(c, low, high) => {
                let number = match d {
                    Dialect::Postgres => format!("CAST({} AS numeric)", q(c)),
                    Dialect::Mysql => format!("CAST({} AS DECIMAL(65,0))", q(c)),
                    Dialect::Sqlite => return Some(sqlite_text_outside(&q(c), *low, *high)),
                };
                format!("({number} < {low} OR {number} > {high})")
            }
            Condition::HasFraction(n, places) => {
                // Compared as exact numbers where the dialect has them.
                let x = number(n, d);
                format!("{x} <> ROUND({x}, {places})")
            }
            Condition::TooManyDigits(n, digits) => {
                format!("ABS({}) >= 1{}", number(n, d), "0".repeat(*digits as usize))
            }
            Condition::NotBoolean(c) => format!("{} NOT IN (0, 1)", q(c)),
            Condition::NotBooleanText(c) => {
                format!("({} NOT IN ('0', '1') OR {length}({}) <> 1)", q(c), q(c))
            }
            Condition::NotNumber(c) => not_number(&q(c), d),
            Condition::BeyondReal(n) => format!("ABS({}) > {REAL_MAX}", value(n, d)),
            Condition::InexactReal(n) => {
                let x = value(n, d);
                let back = match (d, n) {
                    (Dialect::Sqlite, _) => return None,
                    (Dialect::Postgres, Number::Float(_)) => {
                        format!("CAST(CAST(CAST({x} AS real) AS text) AS double precision)")
                    }
                    (Dialect::Postgres, _) => {
                        format!("CAST(CAST(CAST({x} AS real) AS text) AS numeric)")
                    }
                    (Dialect::Mysql, Number::Float(_)) => {
                        format!("CAST(CAST(CAST({x} AS FLOAT) AS CHAR) AS DOUBLE)")
                    }
                    (Dialect::Mysql, _) => {
                        format!("CAST(CAST(CAST({x} AS FLOAT) AS CHAR) AS DECIMAL(65,30))")
                    }
                };
                // Out of range is BeyondReal's; a value too small for a
                // normal float (PostgreSQL refuses to cast it) is inexact.
                format!(
                    "(CASE WHEN ABS({x}) > {REAL_MAX} THEN 0 WHEN {x} <> 0 AND ABS({x}) < {REAL_MIN_NORMAL} THEN 1 WHEN {back} <> {x} THEN 1 ELSE 0 END) = 1"
                )
            }
            Condition::InexactDouble(c) => {
                let x = q(c);
                match d {
                    Dialect::Sqlite => return None,
                    Dialect::Postgres => format!(
                        "(CASE WHEN ABS({x}) >= 1e308 THEN 1 WHEN CAST(CAST(CAST({x} AS double precision) AS text) AS numeric) <> {x} THEN 1 ELSE 0 END) = 1"
                    ),
                    Dialect::Mysql => format!(
                        "CAST(CAST(CAST({x} AS DOUBLE) AS CHAR) AS DECIMAL(65,30)) <> {x}"
                    ),
                }
            }
            Condition::NotDate(c) => failing_in_order(&q(c), &date_failures(&q(c), d)),
            Condition::NotTime(c) => failing_in_order(&q(c), &time_failures(&q(c), 1, d)),
            Condition::NotTimestamp(c) => {
                let x = q(c);
                let date = substr(&x, 1, Some(10), d);
                let time = substr(&x, 12, None, d);
                let mut tests = vec![format!("{length}({x}) < 19")];
                tests.push(format!("{} NOT IN (' ', 'T')", substr(&x, 11, Some(1), d)));
                tests.extend(date_failures(&date, d));
                tests.extend(time_failures(&time, 1, d));
                failing_in_order(&x, &tests)
            }
            Condition::NotUuid(c) => {
                let x = q(c);
                match d {
                    Dialect::Postgres => format!("{x} !~ '^{}$'", uuid_regex()),
                    Dialect::Mysql => format!("{x} NOT REGEXP '^{}$'", uuid_regex()),
                    Dialect::Sqlite => {
                        let hex = |n: usize| "[0-9a-fA-F]".repeat(n);
                        format!(
                            "{x} NOT GLOB '{}-{}-{}-{}-{}'",
                            hex(8),
                            hex(4),
                            hex(4),
                            hex(4),
                            hex(12)
                        )
                    }
                }
            }
            Condition::NotJson(c) => match d {
                // Only used in the row-by-row loop (see render.rs).
                Dialect::Postgres => format!("{} IS NOT NULL", q(c)),
                Dialect::Mysql => format!("JSON_VALID({}) = 0", q(c)),
                Dialect::Sqlite => format!("json_valid({}) = 0", q(c)),
            },
            Condition::HasTime { column, zoned } => {
                let x = q(column);
                match (d, zoned) {
                    (Dialect::Postgres, false) => {
                        format!("CAST({x} AS time) <> '00:00:00'")
                    }
                    (Dialect::Postgres, true) => {
                        format!("CAST(({x} AT TIME ZONE 'UTC') AS time) <> '00:00:00'")
                    }
                    (Dialect::Mysql, _) => format!("TIME({x}) <> '00:00:00'"),
                    // Text: an offset or a fraction beyond milliseconds
                    // counts as a time (SQLite's functions see milliseconds).
                    (Dialect::Sqlite, _) => format!(
                        "(strftime('%H:%M:%f', {x}) <> '00:00:00.000' OR substr({x}, 20) GLOB '*[1-9]*')"
                    ),
                }
            }
        })
    }
}

/// The value of `n` as a number to compare exactly.
fn number(n: &Number, d: Dialect) -> String {
    match (n, d) {
        (Number::Exact(c), _) => d.quote(c),
        // PostgreSQL has ROUND(x, places) for numeric only.
        (Number::Float(c), Dialect::Postgres) => format!("CAST({} AS numeric)", d.quote(c)),
        (Number::Float(c), _) => d.quote(c),
        (Number::Text(c), Dialect::Postgres) => format!("CAST({} AS numeric)", d.quote(c)),
        (Number::Text(c), Dialect::Mysql) => format!("CAST({} AS DECIMAL(65,30))", d.quote(c)),
        (Number::Text(c), Dialect::Sqlite) => format!("CAST({} AS REAL)", d.quote(c)),
    }
}

/// The value of `n` as it is (a float stays a float: PostgreSQL's
/// numeric holds only 15 of its digits).
fn value(n: &Number, d: Dialect) -> String {
    match n {
        Number::Exact(c) | Number::Float(c) => d.quote(c),
        Number::Text(_) => number(n, d),
    }
}

/// A non-text column as the text a change to a text type stores.
pub(super) fn text_form(c: &Name, zoned: bool, d: Dialect) -> String {
    let x = d.quote(c);
    match d {
        Dialect::Postgres if zoned => format!("CAST(({x} AT TIME ZONE 'UTC') AS text)"),
        Dialect::Postgres => format!("CAST({x} AS text)"),
        Dialect::Mysql => x,
        Dialect::Sqlite => format!("CAST({x} AS TEXT)"),
    }
}

/// `CASE WHEN x IS NULL THEN 0 WHEN <test> THEN 1 ... ELSE 0 END = 1`:
/// the tests run in order, each only when the ones before found nothing.
fn failing_in_order(x: &str, tests: &[String]) -> String {
    let mut out = format!("(CASE WHEN {x} IS NULL THEN 0");
    for test in tests {
        out.push_str(&format!(" WHEN {test} THEN 1"));
    }
    out.push_str(" ELSE 0 END) = 1");
    out
}

fn substr(x: &str, from: u32, length: Option<u32>, d: Dialect) -> String {
    let _ = d; // SUBSTR(x, from[, length]) is spelled alike in all three
    match length {
        Some(n) => format!("SUBSTR({x}, {from}, {n})"),
        None => format!("SUBSTR({x}, {from})"),
    }
}

/// `x` without a leading sign.
fn unsigned(x: &str) -> String {
    format!("(CASE WHEN {x} GLOB '[-+]*' THEN SUBSTR({x}, 2) ELSE {x} END)")
}

/// Tests, in order, that find text `x` not a date `YYYY-MM-DD`.
fn date_failures(x: &str, d: Dialect) -> Vec<String> {
    let day = |n: u32| substr(x, n, Some(2), d);
    let mut tests = vec![match d {
        Dialect::Postgres => format!("{x} !~ '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'"),
        Dialect::Mysql => format!("{x} NOT REGEXP '^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}$'"),
        Dialect::Sqlite => {
            format!("{x} NOT GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]'")
        }
    }];
    tests.push(format!(
        "{} NOT BETWEEN '01' AND '12' OR {} = '0000'",
        day(6),
        substr(x, 1, Some(4), d)
    ));
    // The first of the month plus (day - 1) days, written back: another
    // text for a day past the month's end (or day 00).
    let month = substr(x, 1, Some(7), d);
    let days = format!("CAST({} AS INTEGER) - 1", day(9));
    tests.push(match d {
        Dialect::Postgres => format!(
            "to_char(CAST({month} || '-01' AS date) + ({days}), 'YYYY-MM-DD') <> {x}"
        ),
        Dialect::Mysql => format!(
            "DATE_FORMAT(DATE_ADD(CONCAT({month}, '-01'), INTERVAL CAST({} AS SIGNED) - 1 DAY), '%Y-%m-%d') <> {x}",
            day(9)
        ),
        Dialect::Sqlite => {
            format!("date({month} || '-01', ({days}) || ' days') IS NOT {x}")
        }
    });
    tests
}

/// Tests, in order, that find text `x` not a time `HH:MM:SS[.ffffff]`
/// starting at character `at`.
fn time_failures(x: &str, at: u32, d: Dialect) -> Vec<String> {
    let part = |n: u32| substr(x, at + n, Some(2), d);
    let format = match d {
        Dialect::Postgres => {
            format!("{x} !~ '^[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}([.][0-9]{{1,6}})?$'")
        }
        Dialect::Mysql => {
            format!("{x} NOT REGEXP '^[0-9]{{2}}:[0-9]{{2}}:[0-9]{{2}}([.][0-9]{{1,6}})?$'")
        }
        Dialect::Sqlite => format!(
            "NOT ({x} GLOB '[0-9][0-9]:[0-9][0-9]:[0-9][0-9]' OR ({x} GLOB '[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9]*' AND length({x}) <= 15 AND SUBSTR({x}, 10) NOT GLOB '*[^0-9]*'))"
        ),
    };
    vec![
        format,
        format!(
            "{} > '23' OR {} > '59' OR {} > '59'",
            part(0),
            part(3),
            part(6)
        ),
    ]
}

fn uuid_regex() -> String {
    let hex = |n: usize| format!("[0-9a-fA-F]{{{n}}}");
    format!("{}-{}-{}-{}-{}", hex(8), hex(4), hex(4), hex(4), hex(12))
}

/// Text `x` that is not a decimal number (spaces around allowed).
fn not_number(x: &str, d: Dialect) -> String {
    const NUMBER: &str =
        "^[[:space:]]*[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?[[:space:]]*$";
    match d {
        Dialect::Postgres => format!("{x} !~ '{NUMBER}'"),
        Dialect::Mysql => format!("{x} NOT REGEXP '{NUMBER}'"),
        // No REGEXP: mantissa and exponent taken apart by hand.
        Dialect::Sqlite => {
            let u = unsigned(&format!("TRIM({x})"));
            let e = format!("INSTR(LOWER({u}), 'e')");
            let mantissa = format!("(CASE WHEN {e} > 0 THEN SUBSTR({u}, 1, {e} - 1) ELSE {u} END)");
            let exponent = unsigned(&format!("SUBSTR({u}, {e} + 1)"));
            format!(
                "({mantissa} IN ('', '.') OR {mantissa} GLOB '*[^0-9.]*' OR {mantissa} GLOB '*.*.*' OR ({e} > 0 AND ({exponent} = '' OR {exponent} GLOB '*[^0-9]*')))"
            )
        }
    }
}

/// SQLite: text (an integer, as `NotInteger` checked) outside `low..=high`.
/// `CAST(.. AS INTEGER)` saturates at the 64-bit bounds, so the text is
/// compared as a `REAL`; at the 64-bit bounds themselves, where a `REAL`
/// cannot tell the bound from the numbers just past it, anything that
/// rounds to the bound is outside unless it is the bound written plainly.
fn sqlite_text_outside(column: &str, low: i128, high: i128) -> String {
    let real = format!("CAST({column} AS REAL)");
    let text = format!("TRIM({column})");
    let above = if high >= i128::from(i64::MAX) {
        format!("({real} >= {high}.0 AND {text} <> '{high}')")
    } else {
        format!("{real} > {high}")
    };
    let below = if low <= i128::from(i64::MIN) {
        format!("({real} <= {low}.0 AND {text} <> '{low}')")
    } else {
        format!("{real} < {low}")
    };
    format!("({above} OR {below})")
}
