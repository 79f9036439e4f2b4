//! The type-change decision table, pair by pair, and a property over all
//! pairs: rendering never panics, a guarded pair's migration starts with
//! its guard, a refused pair is refused both ways.

use proptest::prelude::*;

use super::convert::{decide, Decision};
use crate::diff::diff;
use crate::schema::{Column, ColumnType, Name, Schema, Table};
use crate::sql::{check_type_changes, render, Dialect};

fn all_types() -> Vec<ColumnType> {
    use ColumnType as T;
    vec![
        T::SmallInt,
        T::Integer,
        T::BigInt,
        T::Real,
        T::Double,
        T::Boolean,
        T::Text,
        T::Varchar(10),
        T::Varchar(40),
        T::Binary,
        T::Date,
        T::Time,
        T::Timestamp,
        T::TimestampTz,
        T::Uuid,
        T::Json,
        T::Decimal {
            precision: Some(5),
            scale: Some(2),
        },
        T::Decimal {
            precision: Some(20),
            scale: Some(0),
        },
        T::Decimal {
            precision: None,
            scale: None,
        },
        T::Custom("INET".into()),
    ]
}

/// `s` safe, `g` guarded, `r` refused.
fn letter(from: &ColumnType, to: &ColumnType) -> char {
    let name: Name = "c".into();
    match decide(
        &name,
        &Column::new("c", from.clone()),
        &Column::new("c", to.clone()),
    ) {
        Decision::Safe => 's',
        Decision::Guard(_) => 'g',
        Decision::Refuse(_) => 'r',
    }
}

#[test]
fn the_decision_table() {
    let types = all_types();
    let mut table = String::new();
    for from in &types {
        let row: String = types.iter().map(|to| letter(from, to)).collect();
        table.push_str(&format!("{from:>14} {row}\n"));
    }
    // The whole table is printed on a failure, to compare with the docs.
    for (from, row) in types.iter().zip(table.lines()) {
        let letters: Vec<char> = row.split_whitespace().last().unwrap().chars().collect();
        for (to, &l) in types.iter().zip(&letters) {
            // Spot checks of the documented decisions.
            use ColumnType as T;
            let want = match (from, to) {
                (a, b) if a == b => 's',
                (_, T::Custom(_)) => 's',
                (T::Custom(_), T::Varchar(_)) => 'g',
                (T::Custom(_), _) => 's',
                (T::Binary, _) | (_, T::Binary) => 'r',
                (_, T::Text) => 's',
                (T::Varchar(10), T::Varchar(40)) => 's',
                (T::SmallInt | T::Boolean, T::Varchar(_)) => 's',
                (T::Integer | T::BigInt, T::Varchar(40)) => 's',
                (
                    T::Decimal {
                        precision: Some(5), ..
                    },
                    T::Varchar(_),
                ) => 's',
                (
                    T::Decimal {
                        precision: Some(20),
                        ..
                    },
                    T::Varchar(40),
                ) => 's',
                (T::Date | T::Time | T::Uuid | T::Timestamp, T::Varchar(40)) => 's',
                (T::TimestampTz, T::Varchar(40)) => 's',
                (_, T::Varchar(_)) => 'g',
                (T::Text | T::Varchar(_), _) => 'g',
                (T::Boolean, b) if b.is_numeric() => 's',
                (a, T::Boolean) if a.is_numeric() => 'g',
                (T::SmallInt, T::Integer | T::BigInt | T::Real | T::Double) => 's',
                (T::Integer, T::BigInt | T::Double) => 's',
                (T::Real, T::Double) => 's',
                (
                    T::SmallInt | T::Integer,
                    T::Decimal {
                        precision: None, ..
                    },
                ) => 's',
                (
                    T::SmallInt | T::Integer | T::BigInt,
                    T::Decimal {
                        precision: Some(20),
                        ..
                    },
                ) => 's',
                (
                    T::BigInt,
                    T::Decimal {
                        precision: None, ..
                    },
                ) => 's',
                (
                    T::Real | T::Double,
                    T::Decimal {
                        precision: None, ..
                    },
                ) => 's',
                (
                    T::Decimal {
                        precision: Some(5), ..
                    },
                    T::Real | T::Double,
                ) => 's',
                (
                    T::Decimal { .. },
                    T::Decimal {
                        precision: None, ..
                    },
                ) => 's',
                (a, b) if a.is_numeric() && b.is_numeric() => 'g',
                (T::Timestamp | T::TimestampTz, T::Date) => 'g',
                (T::Date | T::Timestamp | T::TimestampTz, T::Timestamp | T::TimestampTz) => 's',
                _ => 'r',
            };
            assert_eq!(l, want, "{from} → {to}\n{table}");
        }
    }
}

fn column_type() -> impl Strategy<Value = ColumnType> {
    prop_oneof![
        prop::sample::select(all_types()),
        (1u32..300).prop_map(ColumnType::Varchar),
        (1u32..40, 0u32..10).prop_map(|(p, s)| ColumnType::Decimal {
            precision: Some(p.max(s)),
            scale: Some(s),
        }),
    ]
}

fn schema(ty: ColumnType, nullable: bool) -> Schema {
    let mut column = Column::new("value", ty);
    if nullable {
        column = column.nullable();
    }
    Schema::from_tables([Table::new("t")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(column)
        .with_primary_key(["id"])])
    .unwrap()
}

proptest! {
    #[test]
    fn every_type_change_renders_and_guarded_ones_start_with_their_guard(
        from in column_type(),
        to in column_type(),
        nullable in any::<bool>(),
    ) {
        let before = schema(from.clone(), nullable);
        let after = schema(to.clone(), nullable);
        let ops = diff(&before, &after);
        let decision = decide(
            &"value".into(),
            &Column::new("value", from.clone()),
            &Column::new("value", to.clone()),
        );
        prop_assert_eq!(check_type_changes(&ops).is_err(), matches!(decision, Decision::Refuse(_)));
        let back = decide(
            &"value".into(),
            &Column::new("value", to.clone()),
            &Column::new("value", from.clone()),
        );
        prop_assert_eq!(
            matches!(decision, Decision::Refuse(_)),
            matches!(back, Decision::Refuse(_)),
            "refused one way only: {} / {}", from, to
        );
        for dialect in Dialect::ALL {
            let sql = render(&ops, &before, dialect).to_sql();
            if let Decision::Guard(checks) = &decision {
                let needed = checks.iter().any(|(c, _, _)| c.sql(dialect).is_some());
                prop_assert_eq!(
                    sql.starts_with(match dialect {
                        Dialect::Postgres => "DO $lback_guard$",
                        Dialect::Mysql => "DROP PROCEDURE IF EXISTS `__lback_guard`",
                        Dialect::Sqlite => "CREATE TEMP TABLE \"__lback_guard\"",
                    }),
                    needed,
                    "{} → {} on {}:\n{}", from, to, dialect, sql
                );
                prop_assert_eq!(sql.contains("lback guard: "), needed, "{}", sql);
            }
        }
    }
}
