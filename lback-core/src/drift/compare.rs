//! The pure comparison: the schema the migrations say against the schema a
//! database holds, both in the form the dialect stores (see
//! [`canonical`](crate::introspect::canonical)).

use std::collections::BTreeMap;

use super::Difference;
use crate::introspect::canonical;
use crate::schema::{Column, ColumnType, DefaultValue, ForeignKey, Schema, Table};
use crate::sql::Dialect;

/// Every difference between `expected` (the schema the migrations build)
/// and `actual` (what `dialect`'s database reports), both brought into the
/// dialect's form first ([`canonical`]): what the dialect cannot store or
/// report is never a difference. Sorted by table, then as the kinds are
/// declared.
///
/// SQL expression defaults are compared loosely (case, spaces, parentheses
/// and PostgreSQL `::type` casts aside), since PostgreSQL and MariaDB print
/// them in their own way; an expression MariaDB folded into a literal
/// matches that literal.
///
/// ```
/// use lback_core::drift::{compare, Difference};
/// use lback_core::schema::{Column, ColumnType, Schema, Table};
/// use lback_core::sql::Dialect;
///
/// let users = Table::new("users")
///     .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
///     .with_primary_key(["id"]);
/// let expected = Schema::from_tables([users.clone()]).unwrap();
/// let actual = Schema::from_tables([users.with_column(Column::new("hotfix", ColumnType::Text).nullable())]).unwrap();
/// assert_eq!(
///     compare(&expected, &actual, Dialect::Postgres),
///     [Difference::ExtraColumn { table: "users".into(), column: "hotfix".into() }]
/// );
/// ```
pub fn compare(expected: &Schema, actual: &Schema, dialect: Dialect) -> Vec<Difference> {
    let expected = canonical(expected, dialect);
    let actual = canonical(actual, dialect);
    let mut out = Vec::new();
    let mut names: Vec<&str> = expected
        .tables()
        .chain(actual.tables())
        .map(|t| t.name.as_ref())
        .collect();
    names.sort_unstable();
    names.dedup();
    for name in names {
        match (expected.table(name), actual.table(name)) {
            (Some(_), None) => out.push(Difference::MissingTable {
                table: name.to_owned(),
            }),
            (None, Some(_)) => out.push(Difference::ExtraTable {
                table: name.to_owned(),
            }),
            (Some(e), Some(a)) => compare_table(e, a, dialect, &mut out),
            (None, None) => unreachable!("the name came from one of them"),
        }
    }
    out
}

fn compare_table(expected: &Table, actual: &Table, dialect: Dialect, out: &mut Vec<Difference>) {
    let table = expected.name.to_string();
    compare_columns(&table, expected, actual, dialect, out);
    if expected.primary_key != actual.primary_key {
        out.push(Difference::PrimaryKey {
            table: table.clone(),
            expected: expected.primary_key.iter().map(|n| n.to_string()).collect(),
            actual: actual.primary_key.iter().map(|n| n.to_string()).collect(),
        });
    }
    compare_indexes(&table, expected, actual, out);
    compare_foreign_keys(&table, expected, actual, out);
}

/// The columns missing, extra or different in `actual`.
fn compare_columns(
    table: &str,
    expected: &Table,
    actual: &Table,
    dialect: Dialect,
    out: &mut Vec<Difference>,
) {
    for e in expected.columns.iter() {
        match actual.column(&e.name) {
            None => out.push(Difference::MissingColumn {
                table: table.to_owned(),
                column: e.name.to_string(),
            }),
            Some(a) => compare_column(table, e, a, dialect, out),
        }
    }
    for a in actual.columns.iter() {
        if expected.column(&a.name).is_none() {
            out.push(Difference::ExtraColumn {
                table: table.to_owned(),
                column: a.name.to_string(),
            });
        }
    }
}

/// The indexes and unique constraints missing, extra or different in
/// `actual`.
fn compare_indexes(table: &str, expected: &Table, actual: &Table, out: &mut Vec<Difference>) {
    paired(
        &expected.indexes,
        &actual.indexes,
        |i| &i.name,
        |pair| {
            out.push(match pair {
                Pair::Missing(index) => Difference::MissingIndex {
                    table: table.to_owned(),
                    index: index.clone(),
                },
                Pair::Extra(index) => Difference::ExtraIndex {
                    table: table.to_owned(),
                    index: index.clone(),
                },
                Pair::Both(e, a) if e != a => Difference::IndexChanged {
                    table: table.to_owned(),
                    expected: e.clone(),
                    actual: a.clone(),
                },
                Pair::Both(..) => return,
            })
        },
    );
    paired(
        &expected.unique_constraints,
        &actual.unique_constraints,
        |u| &u.name,
        |pair| {
            out.push(match pair {
                Pair::Missing(unique) => Difference::MissingUnique {
                    table: table.to_owned(),
                    unique: unique.clone(),
                },
                Pair::Extra(unique) => Difference::ExtraUnique {
                    table: table.to_owned(),
                    unique: unique.clone(),
                },
                Pair::Both(e, a) if e != a => Difference::UniqueChanged {
                    table: table.to_owned(),
                    expected: e.clone(),
                    actual: a.clone(),
                },
                Pair::Both(..) => return,
            })
        },
    );
}

/// The foreign keys missing, extra or different in `actual`.
fn compare_foreign_keys(table: &str, expected: &Table, actual: &Table, out: &mut Vec<Difference>) {
    paired(
        &expected.foreign_keys,
        &actual.foreign_keys,
        |k| &k.name,
        |pair| {
            out.push(match pair {
                Pair::Missing(fk) => Difference::MissingForeignKey {
                    table: table.to_owned(),
                    foreign_key: fk.clone(),
                },
                Pair::Extra(fk) => Difference::ExtraForeignKey {
                    table: table.to_owned(),
                    foreign_key: fk.clone(),
                },
                Pair::Both(e, a) => {
                    let target = |k: &ForeignKey| {
                        (
                            k.columns.clone(),
                            k.referenced_table.clone(),
                            k.referenced_columns.clone(),
                        )
                    };
                    if target(e) != target(a) {
                        Difference::ForeignKeyChanged {
                            table: table.to_owned(),
                            expected: e.clone(),
                            actual: a.clone(),
                        }
                    } else if (e.on_delete, e.on_update) != (a.on_delete, a.on_update) {
                        Difference::ForeignKeyAction {
                            table: table.to_owned(),
                            foreign_key: e.name.to_string(),
                            expected: (e.on_delete, e.on_update),
                            actual: (a.on_delete, a.on_update),
                        }
                    } else {
                        return;
                    }
                }
            })
        },
    );
}

fn compare_column(
    table: &str,
    expected: &Column,
    actual: &Column,
    dialect: Dialect,
    out: &mut Vec<Difference>,
) {
    let at = || (table.to_owned(), expected.name.to_string());
    let same_type = match (&expected.ty, &actual.ty) {
        // SQL type names ignore case.
        (ColumnType::Custom(e), ColumnType::Custom(a)) => e.eq_ignore_ascii_case(a),
        (e, a) => e == a,
    };
    if !same_type {
        let (table, column) = at();
        out.push(Difference::Type {
            table,
            column,
            expected: expected.ty.clone(),
            actual: actual.ty.clone(),
        });
    }
    if expected.nullable != actual.nullable {
        let (table, column) = at();
        out.push(Difference::Nullability {
            table,
            column,
            expected: expected.nullable,
            actual: actual.nullable,
        });
    }
    if expected.auto_increment != actual.auto_increment {
        let (table, column) = at();
        out.push(Difference::AutoIncrement {
            table,
            column,
            expected: expected.auto_increment,
            actual: actual.auto_increment,
        });
    }
    if !same_default(
        expected.default.as_ref(),
        actual.default.as_ref(),
        &actual.ty,
        dialect,
    ) {
        let (table, column) = at();
        out.push(Difference::Default {
            table,
            column,
            expected: expected.default.clone(),
            actual: actual.default.clone(),
        });
    }
}

/// Whether two defaults (already in the dialect's form) are the same, with
/// SQL expressions read loosely and `REAL` floats at their own precision.
fn same_default(
    expected: Option<&DefaultValue>,
    actual: Option<&DefaultValue>,
    ty: &ColumnType,
    dialect: Dialect,
) -> bool {
    use DefaultValue as D;
    let (e, a) = match (expected, actual) {
        (None, None) => return true,
        (Some(e), Some(a)) => (e, a),
        _ => return false,
    };
    if e == a {
        return true;
    }
    match (e, a) {
        (D::Float(x), D::Float(y)) if matches!(ty, ColumnType::Real) => (*x as f32) == (*y as f32),
        (D::Sql(x), D::Sql(y)) => loose(x) == loose(y),
        (D::Sql(sql), literal) | (literal, D::Sql(sql)) => {
            loose(sql) == loose(&literal_text(literal, dialect))
        }
        _ => false,
    }
}

/// A literal as SQL would spell it, for comparing with an expression.
fn literal_text(value: &DefaultValue, dialect: Dialect) -> String {
    match value {
        DefaultValue::Bool(b) if dialect == Dialect::Postgres => b.to_string(),
        DefaultValue::Bool(b) => i64::from(*b).to_string(),
        DefaultValue::Int(n) => n.to_string(),
        DefaultValue::Float(x) => format!("{x:?}"),
        DefaultValue::Text(text) => format!("'{}'", text.replace('\'', "''")),
        DefaultValue::Sql(sql) => sql.to_string(),
    }
}

/// An SQL expression without what databases reprint: case outside quotes,
/// spaces, parentheses, PostgreSQL casts (`::text`, `::character varying`).
fn loose(sql: &str) -> String {
    let mut out = String::new();
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            out.push(c);
            if c == '\'' {
                quoted = false;
            }
            continue;
        }
        match c {
            '\'' => {
                quoted = true;
                out.push(c);
            }
            ':' if chars.peek() == Some(&':') => {
                chars.next();
                // A cast: its type name runs to the next operator.
                while chars
                    .peek()
                    .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | ' ' | '[' | ']'))
                {
                    chars.next();
                }
            }
            '(' | ')' => {}
            c if c.is_whitespace() => {}
            c => out.push(c.to_ascii_lowercase()),
        }
    }
    out
}

enum Pair<'a, T> {
    Missing(&'a T),
    Extra(&'a T),
    Both(&'a T, &'a T),
}

/// Pairs two lists by name, in name order.
fn paired<'a, T>(
    expected: &'a [T],
    actual: &'a [T],
    name: impl Fn(&T) -> &crate::schema::Name,
    mut each: impl FnMut(Pair<'a, T>),
) {
    let mut by_name: BTreeMap<&str, (Option<&'a T>, Option<&'a T>)> = BTreeMap::new();
    for e in expected {
        by_name.entry(name(e).as_ref()).or_default().0 = Some(e);
    }
    for a in actual {
        by_name.entry(name(a).as_ref()).or_default().1 = Some(a);
    }
    for (_, pair) in by_name {
        match pair {
            (Some(e), None) => each(Pair::Missing(e)),
            (None, Some(a)) => each(Pair::Extra(a)),
            (Some(e), Some(a)) => each(Pair::Both(e, a)),
            (None, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ColumnType as T;
    use crate::schema::{Index, ReferentialAction};

    fn users() -> Table {
        Table::new("users")
            .with_column(Column::new("id", T::BigInt).auto_increment())
            .with_column(Column::new("email", T::Varchar(255)))
            .with_column(Column::new("karma", T::Integer).with_default(DefaultValue::Int(0)))
            .with_column(
                Column::new("seen", T::Timestamp)
                    .nullable()
                    .with_default(DefaultValue::Sql("now()".into())),
            )
            .with_primary_key(["id"])
            .with_index(Index {
                name: "ix_users_email".into(),
                columns: vec!["email".into()].into(),
                unique: false,
            })
    }

    fn posts() -> Table {
        Table::new("posts")
            .with_column(Column::new("id", T::BigInt).auto_increment())
            .with_column(Column::new("author_id", T::BigInt))
            .with_primary_key(["id"])
            .with_foreign_key(ForeignKey {
                name: "fk_posts_author_id".into(),
                columns: vec!["author_id".into()].into(),
                referenced_table: "users".into(),
                referenced_columns: vec!["id".into()].into(),
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::NoAction,
            })
    }

    fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
        Schema::from_tables(tables).unwrap()
    }

    #[test]
    fn a_schema_equals_itself_in_every_dialect() {
        let s = schema([users(), posts()]);
        for dialect in Dialect::ALL {
            assert_eq!(compare(&s, &s, dialect), []);
        }
    }

    #[test]
    fn every_kind_of_change_is_named() {
        let expected = schema([users(), posts()]);
        let mut u = users();
        let cols = u.columns.to_mut();
        cols[1].ty = T::Text;
        cols[1].nullable = true;
        cols[2].default = Some(DefaultValue::Int(1));
        cols.remove(3);
        cols.push(Column::new("hotfix", T::Text).nullable());
        u.indexes = vec![Index {
            name: "ix_users_email".into(),
            columns: vec!["email".into()].into(),
            unique: true,
        }]
        .into();
        let mut p = posts();
        p.foreign_keys.to_mut()[0].on_delete = ReferentialAction::Restrict;
        let extra = Table::new("audit").with_column(Column::new("id", T::Integer));
        let actual = schema([u, p, extra]);
        let lines: Vec<String> = compare(&expected, &actual, Dialect::Postgres)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "extra table `audit`",
                "actions of foreign key `fk_posts_author_id` on `posts`: migrations ON DELETE \
                 CASCADE ON UPDATE NO ACTION, database ON DELETE RESTRICT ON UPDATE NO ACTION",
                "type of `users.email`: migrations varchar(255), database text",
                "nullability of `users.email`: migrations NOT NULL, database NULL",
                "default of `users.karma`: migrations 0, database 1",
                "missing column `users.seen`",
                "extra column `users.hotfix`",
                "index `ix_users_email` on `users`: migrations index `ix_users_email` (email), \
                 database unique index `ix_users_email` (email)",
            ]
        );
    }

    #[test]
    fn reprinted_expressions_are_not_drift() {
        let pg = Dialect::Postgres;
        let sql = |s: &str| Some(DefaultValue::Sql(s.to_owned().into()));
        let same = |a: &Option<DefaultValue>, b: &Option<DefaultValue>| {
            same_default(a.as_ref(), b.as_ref(), &T::Text, pg)
        };
        assert!(same(&sql("(1+2)"), &sql("(1 + 2)")));
        assert!(same(&sql("lower('A')"), &sql("lower('A'::text)")));
        assert!(!same(&sql("lower('A')"), &sql("lower('a')")));
        assert!(same(&sql("(1)"), &Some(DefaultValue::Int(1))));
        assert!(!same(&sql("now()"), &None));
        assert!(same_default(
            Some(&DefaultValue::Float(0.1)),
            Some(&DefaultValue::Float(f64::from(0.1_f32))),
            &T::Real,
            pg
        ));
    }
}
