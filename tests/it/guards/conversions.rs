//! Type changes across type families on a table with rows, one case per
//! guarded pair (the decision table is in the rustdoc of
//! `lback_core::sql::check_type_changes`): rows that would fail or change
//! stop the migration at its guard, before anything changed (not dirty on
//! MySQL), with table, column, count and an example key; once those rows
//! are corrected it applies, the values are what they should be, and the
//! down applies too. Included by `guards.rs`.

use lback::schema::{Column, ColumnType};
use lback_core::introspect::canonical;

use super::{id_column, one_table, schema, table, Scenario};
use crate::targets::Target;

/// One type change and its rows.
pub struct Case {
    /// Names the table (`conv_<name>`).
    pub name: &'static str,
    pub from: ColumnType,
    pub to: ColumnType,
    /// Values (SQL literals) that convert, with a condition on the new
    /// column each row must meet afterwards (`v = ...`).
    pub good: &'static [(&'static str, &'static str)],
    /// Values that would fail or change.
    pub bad: &'static [&'static str],
    /// What the guard says about them (after "N row(s) of table t ").
    pub problem: &'static str,
    /// What the bad rows are set to before the second try.
    pub fix: &'static str,
    /// SQLite stores the two types alike: no guard there, the bad rows
    /// apply as they are.
    pub same_on_sqlite: bool,
}

/// Runs `case` on `target`.
pub fn convert<T: Target>(target: &mut T, case: &Case) {
    let name = format!("conv_{}", case.name);
    let column = |ty: &ColumnType| Column::new("v", ty.clone()).nullable();
    let before = one_table(&name, column(&case.from));
    let after = one_table(&name, column(&case.to));
    let mut rows = vec![format!("INSERT INTO {name} (id, v) VALUES (99, NULL)")];
    for (i, (value, _)) in case.good.iter().enumerate() {
        rows.push(format!(
            "INSERT INTO {name} (id, v) VALUES ({}, {value})",
            i + 1
        ));
    }
    let first_bad = case.good.len() + 1;
    for (i, value) in case.bad.iter().enumerate() {
        rows.push(format!(
            "INSERT INTO {name} (id, v) VALUES ({}, {value})",
            first_bad + i
        ));
    }
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let s = Scenario::new(target, before.clone(), after.clone(), &[], &rows);
    let unchecked = case.same_on_sqlite && T::DIALECT == lback_core::sql::Dialect::Sqlite;
    if case.bad.is_empty() {
        assert!(
            !s.up_sql().contains("lback guard"),
            "{}: a safe change has no guard:\n{}",
            case.name,
            s.up_sql()
        );
    } else if !unchecked {
        s.assert_up_stopped(
            target,
            &format!("{}: the guard stops it:\n{}", case.name, s.up_sql()),
            &[
                &format!(
                    "lback guard: {} row(s) of table {name} {}",
                    case.bad.len(),
                    case.problem
                ),
                &format!("(e.g. id = {first_bad})"),
                "then run this migration again",
            ],
        );
        assert_eq!(
            target.count(&format!("SELECT COUNT(*) AS n FROM {name}")),
            rows.len() as i64,
            "{}: every row is still there",
            case.name
        );
        target.execute(&format!(
            "UPDATE {name} SET v = {} WHERE id >= {first_bad} AND id < 99",
            case.fix
        ));
    }
    s.up(target).unwrap_or_else(|e| {
        panic!(
            "{}: applies once the rows fit: {e}\n{}",
            case.name,
            s.up_sql()
        )
    });
    assert_eq!(
        target.introspect(),
        canonical(&after, T::DIALECT),
        "{}",
        case.name
    );
    for (i, (_, expected)) in case.good.iter().enumerate() {
        assert_eq!(
            target.count(&format!(
                "SELECT COUNT(*) AS n FROM {name} WHERE id = {} AND {expected}",
                i + 1
            )),
            1,
            "{}: row {} holds {expected} after the change",
            case.name,
            i + 1
        );
    }
    assert_eq!(
        target.count(&format!(
            "SELECT COUNT(*) AS n FROM {name} WHERE id = 99 AND v IS NULL"
        )),
        1
    );
    s.down(target)
        .unwrap_or_else(|e| panic!("{}: the down applies: {e}", case.name));
    assert_eq!(
        target.introspect(),
        canonical(&before, T::DIALECT),
        "{}",
        case.name
    );
    assert_eq!(
        target.count(&format!("SELECT COUNT(*) AS n FROM {name}")),
        rows.len() as i64
    );
}

fn decimal(precision: u32, scale: u32) -> ColumnType {
    ColumnType::Decimal {
        precision: Some(precision),
        scale: Some(scale),
    }
}

/// Every guarded pair the suite runs.
pub fn cases() -> Vec<Case> {
    use ColumnType as T;
    vec![
        Case {
            name: "text_bool",
            from: T::Varchar(10),
            to: T::Boolean,
            good: &[("'1'", "v = (1 = 1)"), ("'0'", "v = (1 = 0)")],
            bad: &["'yes'", "' 1'"],
            problem: "have v other than '0' and '1'",
            fix: "'1'",
            same_on_sqlite: false,
        },
        Case {
            name: "text_date",
            from: T::Text,
            to: T::Date,
            good: &[("'2024-02-29'", "v = '2024-02-29'")],
            bad: &["'2023-02-29'", "'05/01/2024'", "'2024-13-01'"],
            problem: "have v that is not a date written YYYY-MM-DD",
            fix: "'2024-01-05'",
            same_on_sqlite: false,
        },
        Case {
            name: "text_time",
            from: T::Varchar(20),
            to: T::Time,
            good: &[("'23:59:59.5'", "v > '23:59:59'")],
            bad: &["'10:61:00'", "'7pm'"],
            problem: "have v that is not a time written HH:MM:SS[.ffffff]",
            fix: "'19:00:00'",
            same_on_sqlite: false,
        },
        Case {
            name: "text_timestamp",
            from: T::Text,
            to: T::Timestamp,
            good: &[("'2024-01-05 10:30:00'", "v = '2024-01-05 10:30:00'")],
            bad: &["'2024-01-05 25:00:00'", "'2024-02-30 10:00:00'"],
            problem: "have v that is not a date and time written YYYY-MM-DD HH:MM:SS[.ffffff]",
            fix: "'2024-01-05 11:00:00'",
            same_on_sqlite: false,
        },
        Case {
            name: "text_uuid",
            from: T::Varchar(40),
            to: T::Uuid,
            good: &[(
                "'123e4567-e89b-12d3-a456-426614174000'",
                "v = '123e4567-e89b-12d3-a456-426614174000'",
            )],
            bad: &["'123e4567e89b12d3a456426614174000'"],
            problem: "have v that is not a UUID",
            fix: "'00000000-0000-0000-0000-000000000001'",
            same_on_sqlite: false,
        },
        Case {
            name: "text_double",
            from: T::Text,
            to: T::Double,
            good: &[("' -12.5 '", "v = -12.5"), ("'1e3'", "v = 1000")],
            bad: &["'12,5'", "'1.2.3'", "'e5'"],
            problem: "have v that is not a number",
            fix: "'0'",
            same_on_sqlite: false,
        },
        Case {
            name: "text_decimal",
            from: T::Varchar(20),
            to: decimal(6, 2),
            good: &[("'1234.5'", "v = 1234.5")],
            bad: &["'1.234'"],
            problem: "have more than 2 decimal places in v",
            fix: "'1.23'",
            same_on_sqlite: false,
        },
        Case {
            name: "text_json",
            from: T::Text,
            to: T::Json,
            good: &[("'{\"a\": [1, 2]}'", "v IS NOT NULL")],
            bad: &["'{\"a\": }'", "'{a: 1}'"],
            problem: "have v that is not a JSON document",
            fix: "'{}'",
            same_on_sqlite: false,
        },
        Case {
            // Beyond bigint's range: SQLite's CAST(... AS INTEGER) saturates
            // at the 64-bit bounds, so the check must not rely on it.
            name: "text_bigint",
            from: T::Varchar(30),
            to: T::BigInt,
            good: &[
                ("'9223372036854775807'", "v = 9223372036854775807"),
                ("'-9223372036854775808'", "v = -9223372036854775807 - 1"),
                ("'-42'", "v = -42"),
            ],
            bad: &[
                "'9223372036854775808'",
                "'99999999999999999999'",
                "'-9223372036854775809'",
            ],
            problem: "have v outside -9223372036854775808..=9223372036854775807, the range of type bigint",
            fix: "'0'",
            same_on_sqlite: false,
        },
        Case {
            name: "double_integer",
            from: T::Double,
            to: T::Integer,
            good: &[("3.0", "v = 3"), ("-7", "v = -7")],
            bad: &["2.5"],
            problem: "have a fraction in v, which type integer would round away",
            fix: "2",
            same_on_sqlite: false,
        },
        Case {
            name: "double_real",
            from: T::Double,
            to: T::Real,
            good: &[("0.5", "v = 0.5"), ("0.1", "v IS NOT NULL")],
            bad: &["123456789.123"],
            problem: "have v with more digits than type real keeps",
            fix: "123.5",
            same_on_sqlite: true,
        },
        Case {
            name: "decimal_integer",
            from: decimal(10, 2),
            to: T::Integer,
            good: &[("3.00", "v = 3")],
            bad: &["2.50"],
            problem: "have a fraction in v, which type integer would round away",
            fix: "2",
            same_on_sqlite: false,
        },
        Case {
            name: "decimal_double",
            from: decimal(30, 0),
            to: T::Double,
            good: &[("12345", "v = 12345")],
            bad: &["123456789012345678901"],
            problem: "have v with more digits than type double keeps",
            fix: "5",
            same_on_sqlite: true,
        },
        Case {
            name: "bigint_double",
            from: T::BigInt,
            to: T::Double,
            good: &[("9007199254740992", "v = 9007199254740992")],
            bad: &["9007199254740993"],
            problem: "have v beyond ±9007199254740992",
            fix: "5",
            same_on_sqlite: false,
        },
        Case {
            name: "integer_bool",
            from: T::Integer,
            to: T::Boolean,
            good: &[("1", "v = (1 = 1)")],
            bad: &["2", "-1"],
            problem: "have v other than 0 and 1",
            fix: "0",
            same_on_sqlite: false,
        },
        Case {
            name: "integer_varchar",
            from: T::Integer,
            to: T::Varchar(3),
            good: &[("42", "v = '42'")],
            bad: &["12345"],
            problem: "have v whose text is longer than 3 characters",
            fix: "7",
            same_on_sqlite: false,
        },
        Case {
            name: "timestamp_date",
            from: T::Timestamp,
            to: T::Date,
            good: &[("'2024-01-05 00:00:00'", "v = '2024-01-05'")],
            bad: &["'2024-01-05 10:00:00'"],
            problem: "have a time of day other than midnight in v",
            fix: "'2024-01-06 00:00:00'",
            same_on_sqlite: false,
        },
        // Safe (no guard); SQLite's rebuild rewrites the text.
        Case {
            name: "date_timestamp",
            from: T::Date,
            to: T::Timestamp,
            good: &[("'2024-01-05'", "v = '2024-01-05 00:00:00'")],
            bad: &[],
            problem: "",
            fix: "",
            same_on_sqlite: false,
        },
    ]
}

/// The case named `name`.
pub fn case(name: &str) -> Case {
    cases()
        .into_iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no case {name}"))
}

/// MySQL/MariaDB in non-strict mode (`sql_mode = ''`) would store zero
/// dates, zeros and rounded numbers for what strict mode refuses: the
/// guards find the same rows either way.
pub fn in_non_strict_mode<T: Target>(target: &mut T, name: &str) {
    if T::DIALECT == lback_core::sql::Dialect::Mysql {
        target.execute("SET SESSION sql_mode = ''");
    }
    convert(target, &case(name));
}

/// The cases [`in_non_strict_mode`] runs (each on a database of its own).
pub const NON_STRICT: [&str; 4] = [
    "text_date",
    "text_bool",
    "double_integer",
    "decimal_integer",
];

/// Zoned timestamps are UTC whatever the session's time zone: a plain
/// timestamp becomes the same instant in UTC, and back.
pub fn zoned_changes_are_utc<T: Target>(target: &mut T) {
    use lback_core::sql::Dialect;
    if T::DIALECT == Dialect::Postgres {
        target.execute("SET TIME ZONE 'America/New_York'");
    }
    let name = "conv_zoned";
    let column = |ty: ColumnType| Column::new("v", ty);
    let plain = schema(vec![table(
        name,
        vec![id_column("id"), column(ColumnType::Timestamp)],
    )]);
    let zoned = schema(vec![table(
        name,
        vec![id_column("id"), column(ColumnType::TimestampTz)],
    )]);
    let s = Scenario::new(
        target,
        plain.clone(),
        zoned.clone(),
        &[],
        &[&format!(
            "INSERT INTO {name} (id, v) VALUES (1, '2024-01-05 10:30:00')"
        )],
    );
    s.up(target).expect("applies");
    assert_eq!(target.introspect(), canonical(&zoned, T::DIALECT));
    let utc = match T::DIALECT {
        Dialect::Postgres => "v = '2024-01-05 10:30:00+00'",
        _ => "v = '2024-01-05 10:30:00'",
    };
    assert_eq!(
        target.count(&format!("SELECT COUNT(*) AS n FROM {name} WHERE {utc}")),
        1,
        "read as UTC, not in the session's zone"
    );
    s.down(target).expect("the down applies");
    assert_eq!(
        target.count(&format!(
            "SELECT COUNT(*) AS n FROM {name} WHERE v = '2024-01-05 10:30:00'"
        )),
        1,
        "back to the same wall-clock time"
    );
}
