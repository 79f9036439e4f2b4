//! Guards as SQL: one `DO` block on PostgreSQL, a helper procedure on
//! MySQL/MariaDB, a temporary table with a raising trigger on SQLite; and
//! how the runner recognises them.

use super::{Condition, Guard, Rows, GUARD};
use crate::schema::Name;
use crate::sql::Dialect;

/// Whether `statement` is the one that runs a migration's guards: MySQL's
/// `CALL` of the helper procedure, or PostgreSQL's `DO` block. When it
/// fails, no statement before it changed a table (on MySQL they only
/// replaced the helper procedure), so the migration is not dirty.
///
/// ```
/// assert!(lback_core::sql::is_guard_call("-- lback guards\nCALL `__lback_guard`()"));
/// assert!(lback_core::sql::is_guard_call("DO $lback_guard$\nBEGIN\nEND\n$lback_guard$"));
/// assert!(!lback_core::sql::is_guard_call("CALL `other`()"));
/// ```
pub fn is_guard_call(statement: &str) -> bool {
    let code: Vec<&str> = code_lines(statement).collect();
    code == [format!("CALL `{GUARD}`()")]
        || (code.first() == Some(&"DO $lback_guard$") && code.last() == Some(&"$lback_guard$"))
}

/// A statement's lines, trimmed, without blank lines and `--` comments.
fn code_lines(statement: &str) -> impl Iterator<Item = &str> {
    statement
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("--"))
}

/// How many of a script's first `statements` are its guards (written by
/// [`render`](crate::sql::render)), which change no table: a failure
/// there, or a lock timeout at the first
/// statement after them, leaves the database as it was. SQLite's run in the
/// migration's transaction and are not counted.
///
/// ```
/// use lback_core::sql::{guard_statements, Dialect};
/// let mysql = [
///     "DROP PROCEDURE IF EXISTS `__lback_guard`",
///     "CREATE PROCEDURE `__lback_guard`()\nBEGIN\nEND",
///     "CALL `__lback_guard`()",
///     "DROP PROCEDURE `__lback_guard`",
///     "ALTER TABLE `t` MODIFY `a` INT NOT NULL",
/// ];
/// assert_eq!(guard_statements(&mysql, Dialect::Mysql), 4);
/// assert_eq!(guard_statements(&mysql[4..], Dialect::Mysql), 0);
/// let pg = ["DO $lback_guard$\nBEGIN\nEND\n$lback_guard$", "ALTER TABLE t ALTER a SET NOT NULL"];
/// assert_eq!(guard_statements(&pg, Dialect::Postgres), 1);
/// assert_eq!(guard_statements(&pg[1..], Dialect::Postgres), 0);
/// ```
pub fn guard_statements(statements: &[&str], d: Dialect) -> usize {
    match d {
        Dialect::Postgres => usize::from(statements.first().is_some_and(|s| is_guard_call(s))),
        Dialect::Mysql => {
            let name = d.quote(GUARD);
            let prelude = [
                format!("DROP PROCEDURE IF EXISTS {name}"),
                format!("CREATE PROCEDURE {name}()"),
                format!("CALL {name}()"),
                format!("DROP PROCEDURE {name}"),
            ];
            statements
                .iter()
                .zip(&prelude)
                .take_while(|(statement, start)| {
                    code_lines(statement).next() == Some(start.as_str())
                })
                .count()
        }
        Dialect::Sqlite => 0,
    }
}

/// The guards as SQL statements for `d`, to run first.
pub(in crate::sql) fn render(guards: &[Guard], d: Dialect) -> Vec<String> {
    // A check the dialect does not need (SQLite stores `real` like
    // `double`) is left out.
    let guards: Vec<&Guard> = guards
        .iter()
        .filter(|g| !matches!(&g.rows, Rows::Where(c) if c.sql(d).is_none()))
        .collect();
    let guards = &guards[..];
    if guards.is_empty() {
        return Vec::new();
    }
    match d {
        Dialect::Postgres => vec![postgres(guards)],
        Dialect::Mysql => mysql(guards),
        Dialect::Sqlite => sqlite(guards),
    }
}

const HEADER: &str = "-- lback guards: stop the migration, before it changes anything, when existing rows do not fit it";

fn postgres(guards: &[&Guard]) -> String {
    let d = Dialect::Postgres;
    let mut body = String::new();
    let mut row_by_row = false;
    for guard in guards {
        let count = match &guard.rows {
            // No test for JSON before PostgreSQL 16: each value is cast in
            // a block of its own, whose failure is counted.
            Rows::Where(Condition::NotJson(c)) => {
                row_by_row = true;
                format!(
                    "  failing := 0;\n  example := NULL;\n  FOR row_example, row_value IN SELECT {}, CAST({c} AS text) FROM {} WHERE {c} IS NOT NULL LOOP\n    BEGIN\n      PERFORM CAST(row_value AS jsonb);\n    EXCEPTION WHEN others THEN\n      failing := failing + 1;\n      IF example IS NULL OR row_example < example THEN\n        example := row_example;\n      END IF;\n    END;\n  END LOOP;\n",
                    describe_row(&guard.key, "", d),
                    d.quote(&guard.table),
                    c = d.quote(c),
                )
            }
            _ => format!(
                "  SELECT count(*), min(failing_rows.example) INTO failing, example FROM (\n    {}\n  ) AS failing_rows;\n",
                failing_rows(guard, d)
            ),
        };
        body.push_str(&count);
        body.push_str(&format!(
            "  IF failing > 0 THEN\n    RAISE EXCEPTION USING MESSAGE = {};\n  END IF;\n",
            message(guard, d, "failing", "example"),
        ));
    }
    let rows = if row_by_row {
        "  row_example text;\n  row_value text;\n"
    } else {
        ""
    };
    format!(
        "DO $lback_guard$\n{HEADER}\nDECLARE\n  failing bigint;\n  example text;\n{rows}BEGIN\n{body}END\n$lback_guard$"
    )
}

fn mysql(guards: &[&Guard]) -> Vec<String> {
    let d = Dialect::Mysql;
    let name = d.quote(GUARD);
    let mut body = String::new();
    for guard in guards {
        body.push_str(&format!(
            "  SELECT COUNT(*), MIN(failing_rows.example) INTO v_failing, v_example FROM (\n    {}\n  ) AS failing_rows;\n  IF v_failing > 0 THEN\n    SET v_message = {};\n    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = v_message;\n  END IF;\n",
            failing_rows(guard, d),
            message(guard, d, "v_failing", "v_example"),
        ));
    }
    vec![
        format!("DROP PROCEDURE IF EXISTS {name}"),
        format!(
            "CREATE PROCEDURE {name}()\n{HEADER}\n-- (MySQL raises an error only from a stored program: this one, called next and dropped)\nBEGIN\n  DECLARE v_failing BIGINT;\n  DECLARE v_example TEXT;\n  DECLARE v_message TEXT;\n{body}END"
        ),
        format!("CALL {name}()"),
        format!("DROP PROCEDURE {name}"),
    ]
}

fn sqlite(guards: &[&Guard]) -> Vec<String> {
    let d = Dialect::Sqlite;
    let table = d.quote(GUARD);
    let mut sql = vec![
        format!("CREATE TEMP TABLE {table} (\n{HEADER}\n-- (SQLite raises an error only from a trigger: a failure inserted here stops the migration with its text)\n  \"failure\" TEXT NOT NULL\n)"),
        format!(
            "CREATE TEMP TRIGGER {} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, NEW.\"failure\"); END",
            d.quote(&format!("{GUARD}_fails"))
        ),
    ];
    for guard in guards {
        sql.push(format!(
            "INSERT INTO {table} (\"failure\")\nSELECT {} FROM (\n  SELECT count(*) AS failing, min(failing_rows.example) AS example FROM (\n    {}\n  ) AS failing_rows\n) WHERE failing > 0",
            message(guard, d, "failing", "example"),
            failing_rows(guard, d),
        ));
    }
    sql.push(format!("DROP TABLE {table}"));
    sql
}

/// `SELECT <example> AS example FROM ... WHERE ...`: one row per failure.
fn failing_rows(guard: &Guard, d: Dialect) -> String {
    let t = d.quote(&guard.table);
    match &guard.rows {
        Rows::Where(condition) => format!(
            "SELECT {} AS example FROM {t} WHERE {}",
            describe_row(&guard.key, "", d),
            condition.sql(d).expect("guards without SQL are left out")
        ),
        Rows::Count { more_than } => {
            let example = describe_row(&guard.key, "", d);
            if *more_than == 0 {
                format!("SELECT {example} AS example FROM {t}")
            } else {
                format!(
                    "SELECT {example} AS example FROM {t} WHERE (SELECT COUNT(*) FROM {t}) > {more_than}"
                )
            }
        }
        Rows::Duplicates(columns) => {
            let list = columns
                .iter()
                .map(|c| d.quote(c))
                .collect::<Vec<_>>()
                .join(", ");
            let not_null = columns
                .iter()
                .map(|c| format!("{} IS NOT NULL", d.quote(c)))
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(
                "SELECT {} AS example FROM {t} WHERE {not_null} GROUP BY {list} HAVING COUNT(*) > 1",
                describe_row(columns, "", d)
            )
        }
        Rows::Orphans {
            columns,
            referenced_table,
            referenced_columns,
        } => {
            let not_null = columns
                .iter()
                .map(|c| format!("{t}.{} IS NOT NULL", d.quote(c)))
                .collect::<Vec<_>>()
                .join(" AND ");
            let r = d.quote(referenced_table);
            // Aliases keep a self-reference apart.
            let matches = columns
                .iter()
                .zip(referenced_columns.iter())
                .map(|(c, rc)| {
                    format!(
                        "{}.{} = {}.{}",
                        d.quote("referenced"),
                        d.quote(rc),
                        t,
                        d.quote(c)
                    )
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            format!(
                "SELECT {} AS example FROM {t} WHERE {not_null} AND NOT EXISTS (SELECT 1 FROM {r} AS {} WHERE {matches})",
                describe_row(&guard.key, &format!("{t}."), d),
                d.quote("referenced")
            )
        }
    }
}

/// `'id = ' || CAST("id" AS TEXT) || ...`: a row's key as text.
fn describe_row(columns: &[Name], prefix: &str, d: Dialect) -> String {
    if columns.is_empty() {
        return d.string_literal("(no key)");
    }
    let mut parts = Vec::new();
    for (i, c) in columns.iter().enumerate() {
        let label = if i == 0 {
            format!("{c} = ")
        } else {
            format!(", {c} = ")
        };
        parts.push(d.string_literal(&label));
        let column = format!("{prefix}{}", d.quote(c));
        parts.push(match d {
            Dialect::Mysql => format!("COALESCE(CAST({column} AS CHAR), 'NULL')"),
            _ => format!("COALESCE(CAST({column} AS TEXT), 'NULL')"),
        });
    }
    concat(&parts, d)
}

/// The failure message as a SQL expression.
fn message(guard: &Guard, d: Dialect, count: &str, example: &str) -> String {
    let parts = [
        d.string_literal("lback guard: "),
        match d {
            Dialect::Mysql => count.to_owned(),
            _ => format!("CAST({count} AS TEXT)"),
        },
        d.string_literal(&format!(
            " row(s) of table {} {} (e.g. ",
            guard.table, guard.problem
        )),
        example.to_owned(),
        d.string_literal(&format!("); {}", guard.remedy)),
    ];
    concat(&parts, d)
}

fn concat(parts: &[String], d: Dialect) -> String {
    match d {
        Dialect::Mysql => format!("CONCAT({})", parts.join(", ")),
        _ => parts.join(" || "),
    }
}
