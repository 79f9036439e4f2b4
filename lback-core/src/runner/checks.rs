//! What the run path refuses before anything runs, over the scripts of
//! the plan: pure, tested here.

use super::step::Script;
use crate::sql::Dialect;
use crate::Error;

/// A migration to apply with no statement (an empty or comment-only up
/// SQL) is refused: recording it as applied would hide that its SQL was
/// never written.
pub(crate) fn refuse_empty(scripts: &[Script<'_>]) -> Result<(), Error> {
    match scripts
        .iter()
        .find(|s| s.applies() && s.statements.is_empty())
    {
        Some(script) => Err(Error::EmptyMigration {
            migration: script.migration.id().into_owned(),
        }),
        None => Ok(()),
    }
}

/// Where lback runs each migration in a transaction of its own (SQLite,
/// PostgreSQL): a top-level statement that begins, ends or rolls back a
/// transaction would end lback's (or fail), and lback could then neither
/// roll back what ran before it nor say truly what took effect.
pub(crate) fn refuse_transaction_control(
    scripts: &[Script<'_>],
    dialect: Dialect,
) -> Result<(), Error> {
    for script in scripts {
        let Some(statement) = script.statements.iter().find(|s| controls_transaction(s)) else {
            continue;
        };
        // The statements are slices of the script: their offsets are where
        // they start.
        let offset = statement.as_ptr() as usize - script.sql.as_ptr() as usize;
        return Err(Error::TransactionControl {
            migration: script.migration.id().into_owned(),
            direction: script.direction.name(),
            file: script.migration.file_name(script.direction, dialect),
            line: script.sql[..offset].matches('\n').count() + 1,
            keyword: first_words(statement, 1).join(" "),
        });
    }
    Ok(())
}

/// Whether a statement begins, ends or rolls back a transaction: `BEGIN`,
/// `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK` (not `ROLLBACK TO` a
/// savepoint), PostgreSQL's `ABORT`. Bodies (`BEGIN ... END` of a trigger
/// or function) are inside their `CREATE` statement, not at the top level.
fn controls_transaction(statement: &str) -> bool {
    let words = first_words(statement, 4);
    let word = |i: usize| words.get(i).map(String::as_str);
    match word(0) {
        Some("BEGIN" | "COMMIT" | "END" | "ABORT") => true,
        Some("START") => word(1) == Some("TRANSACTION"),
        Some("ROLLBACK") => {
            let rest = words[1..]
                .iter()
                .find(|w| !matches!(w.as_str(), "WORK" | "TRANSACTION"));
            rest.is_none_or(|w| w != "TO")
        }
        _ => false,
    }
}

/// The first `n` words of a statement, upper case.
fn first_words(statement: &str, n: usize) -> Vec<String> {
    statement
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::controls_transaction;

    #[test]
    fn transaction_control_is_told_from_savepoints_and_bodies() {
        for yes in [
            "BEGIN",
            "begin transaction",
            "BEGIN IMMEDIATE",
            "START TRANSACTION ISOLATION LEVEL SERIALIZABLE",
            "COMMIT",
            "commit work",
            "END",
            "END TRANSACTION",
            "ROLLBACK",
            "ROLLBACK WORK",
            "ABORT",
        ] {
            assert!(controls_transaction(yes), "{yes}");
        }
        for no in [
            "SAVEPOINT a",
            "ROLLBACK TO SAVEPOINT a",
            "rollback transaction to a",
            "RELEASE SAVEPOINT a",
            "CREATE TRIGGER t AFTER INSERT ON x BEGIN SELECT 1; END",
            "DO $$ BEGIN PERFORM 1; END $$",
            "INSERT INTO ending (id) VALUES (1)",
            "START_DATE",
            "COMMITS",
        ] {
            assert!(!controls_transaction(no), "{no}");
        }
    }
}
