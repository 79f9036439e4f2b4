//! The recovery steps of a dirty migration ([`recovery_steps`]): what
//! happened, what took effect, and the two ways out, in words a person can
//! follow; and the refusal that carries them ([`refuse_dirty`]).

use super::state::{indent, shorten, Attempt, Direction, PROGRESS_NOT_RECORDED};
use crate::sql::Dialect;

/// What a dirty migration's recovery takes, in words a person can follow:
/// what happened, what took effect, and the two ways out.
pub fn recovery_steps(id: &str, attempt: &Attempt, dialect: Dialect) -> String {
    let total = attempt.statements_total;
    let current = attempt.current_statement();
    let file = attempt.direction.name();
    let mut text = format!(
        "migration {id} did not finish {} on this {} database: the run started {} and ",
        attempt.direction.verb(),
        dialect_label(dialect),
        attempt.started_on
    );
    let statement = attempt
        .statement
        .as_ref()
        .map(|sql| format!(":\n{}", indent(&shorten(sql, 2000))))
        .unwrap_or_default();
    if all_ran(attempt) {
        text.push_str("recording its outcome failed");
    } else if attempt.interrupted {
        text.push_str(&format!(
            "stopped during statement {current} of {total} of its {file} SQL \
             (the process or its connection ended){statement}"
        ));
    } else {
        text.push_str(&format!(
            "failed at statement {current} of {total} of its {file} SQL{statement}"
        ));
    }
    if !attempt.interrupted {
        text.push_str(&format!(
            "\nwith: {}",
            attempt.error.as_deref().unwrap_or("unknown error")
        ));
    }
    text.push('\n');
    text.push_str(&ways_out(attempt, dialect));
    text
}

/// Every statement ran; recording the outcome failed.
fn all_ran(attempt: &Attempt) -> bool {
    attempt.statement.is_none()
        && attempt.statements_done >= attempt.statements_total
        && !attempt.interrupted
}

/// What a failed run outside a transaction (MySQL/MariaDB, or PostgreSQL
/// with `run_in_transaction = false`) left, for its error: what took
/// effect and the ways out ([`ways_out`]) when it is dirty; else why
/// nothing changed (its guard stopped it, or it timed out waiting for a
/// lock). `recorded`: whether its failure could be recorded.
#[cfg(any(feature = "postgres", feature = "mysql"))]
pub(crate) fn outcome_outside(attempt: &Attempt, dialect: Dialect, recorded: bool) -> String {
    let mut outcome = if attempt.is_dirty(dialect) {
        ways_out(attempt, dialect)
    } else if attempt
        .statement
        .as_deref()
        .is_some_and(crate::sql::is_guard_call)
    {
        // Its guard (`sql::is_guard_call`) runs before anything changes a
        // table.
        "The migration's guard stopped it before it changed anything. Correct the rows as \
         the message says, then run it again."
            .to_owned()
    } else {
        "It timed out waiting for a lock before it changed anything (after its guards, if \
         any), so nothing of it took effect."
            .to_owned()
    };
    if !recorded {
        outcome.push_str(
            "\n(lback could not record this failure either; the next migrate will report the \
             run as stopped at the last point it recorded.)",
        );
    }
    outcome
}

/// The second half of [`recovery_steps`]: what took effect and the two
/// ways out (also the end of the error of the run that failed).
pub(crate) fn ways_out(attempt: &Attempt, dialect: Dialect) -> String {
    if all_ran(attempt) {
        return all_took_effect(attempt);
    }
    let mut text = what_took_effect(attempt, dialect);
    text.push_str(&the_two_ways(attempt));
    text
}

/// [`ways_out`] when every statement ran: check, then record.
fn all_took_effect(attempt: &Attempt) -> String {
    let version = &attempt.version;
    let total = attempt.statements_total;
    let file = attempt.direction.name();
    let (mark, state) = match attempt.direction {
        Direction::Up => ("--applied", "applied"),
        Direction::Down => ("--not-applied", "reverted"),
    };
    format!(
        "All {total} statements of its {file} SQL took effect. Check that the database is as \
         the migration leaves it, then run `resolve {version} {mark}` (lback's command line) \
         to record that it is {state}."
    )
}

/// `statement 1` / `statements 1-<done>`: the statements that took effect
/// (`None` when none did).
fn statements_done(done: usize) -> Option<String> {
    match done {
        0 => None,
        1 => Some("statement 1".to_owned()),
        n => Some(format!("statements 1-{n}")),
    }
}

/// The first part of [`ways_out`]: which statements took effect, what the
/// current one did, which did not run; ends with a line break.
fn what_took_effect(attempt: &Attempt, dialect: Dialect) -> String {
    let current = attempt.current_statement();
    let total = attempt.statements_total;
    let took_effect = statements_done(attempt.statements_done).map_or_else(
        || "no statement before it took effect".to_owned(),
        |done| format!("{done} took effect"),
    );
    let mut text = if dialect == Dialect::Mysql {
        format!("MySQL/MariaDB commit every DDL statement, so {took_effect}")
    } else if attempt.outside_transaction {
        format!(
            "The migration runs outside a transaction (run_in_transaction = false), \
             each statement committed on its own, so {took_effect}"
        )
    } else {
        format!("By lback's record, {took_effect}")
    };
    let never_ran = attempt
        .error
        .as_deref()
        .is_some_and(|e| e.starts_with(PROGRESS_NOT_RECORDED));
    if never_ran {
        text.push_str(&format!(
            "; lback stopped before statement {current}, which did not run"
        ));
    } else if attempt.interrupted {
        text.push_str(&format!(
            "; statement {current} may or may not have (look at the database)"
        ));
    } else if dialect == Dialect::Mysql {
        text.push_str(&format!(
            "; statement {current} failed (MySQL/MariaDB can keep part of a failed statement, \
             e.g. a multi-table DROP: look at the database)"
        ));
    } else if attempt.outside_transaction {
        text.push_str(&format!(
            "; statement {current} failed and PostgreSQL undid it, except that a failed \
             CREATE INDEX CONCURRENTLY leaves its index behind, INVALID (drop it with \
             DROP INDEX CONCURRENTLY)"
        ));
    }
    let after = match total - current.min(total) {
        0 => String::new(),
        1 => format!(", and statement {total} did not run"),
        _ => format!(", and statements {}-{total} did not run", current + 1),
    };
    text.push_str(&format!(
        "{after}. lback will not guess how to go on: the database needs a person.\n"
    ));
    text
}

/// The second part of [`ways_out`]: finish the migration by hand, or undo
/// what took effect, then `resolve`.
fn the_two_ways(attempt: &Attempt) -> String {
    let version = &attempt.version;
    let current = attempt.current_statement();
    let total = attempt.statements_total;
    let file = attempt.direction.name();
    let rest = if current == total {
        format!("statement {current}")
    } else {
        format!("statements {current}-{total}")
    };
    let (finish_mark, undo_mark, finish_word, undo_word, state, resolution, sqlmigrate) =
        match attempt.direction {
            Direction::Up => (
                "--applied",
                "--not-applied",
                "apply",
                "revert",
                "applied",
                "Applied",
                format!("sqlmigrate {version}"),
            ),
            Direction::Down => (
                "--not-applied",
                "--applied",
                "revert",
                "re-apply",
                "reverted",
                "NotApplied",
                format!("sqlmigrate {version} --down"),
            ),
        };
    let undo = match statements_done(attempt.statements_done) {
        None => format!(
            "nothing before statement {current} took effect, so {undo_word} only what statement \
             {current} itself may have done"
        ),
        Some(took) => format!("{undo_word} what {took} did"),
    };
    format!(
        "Either\n  \
         1. finish it: make {rest} of the {file} SQL take effect by hand (`{sqlmigrate}` prints the SQL; fix what made statement {current} fail), \
         then run `resolve {version} {finish_mark}` to record that the migration is {state}; or\n  \
         2. undo it: {undo} by hand, then run `resolve {version} {undo_mark}`; the next migrate will {finish_word} it again from its first statement (correct its SQL first if it was wrong).\n\
         `resolve` is a command of lback's command line (`lback resolve ...`, or your application's manage binary); \
         from code: `lback::resolve(&mut conn, \"{version}\", lback::Resolution::{resolution})`."
    )
}

/// The oldest dirty attempt, as the error that refuses to go on.
pub fn refuse_dirty(
    attempts: &[Attempt],
    id_of: impl Fn(&str) -> Option<String>,
    dialect: Dialect,
) -> Result<(), crate::Error> {
    let mut dirty: Vec<&Attempt> = attempts.iter().filter(|a| a.is_dirty(dialect)).collect();
    dirty.sort_by(|a, b| a.version.cmp(&b.version));
    match dirty.first() {
        None => Ok(()),
        Some(attempt) => {
            let id = id_of(&attempt.version).unwrap_or_else(|| attempt.version.clone());
            Err(crate::Error::Dirty {
                message: recovery_steps(&id, attempt, dialect),
                migration: id,
            })
        }
    }
}

fn dialect_label(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "SQLite",
        Dialect::Postgres => "PostgreSQL",
        Dialect::Mysql => "MySQL/MariaDB",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::state::tests::attempt;
    #[test]
    fn failed_while_applying() {
        let text = recovery_steps(
            "20261125000000_add_x",
            &attempt(Direction::Up, false, 2),
            Dialect::Mysql,
        );
        for part in [
            "migration 20261125000000_add_x did not finish applying on this MySQL/MariaDB database",
            "failed at statement 3 of 4 of its up SQL:\n    ALTER TABLE `t` ADD COLUMN `x` INT\nwith: Duplicate column name 'x'",
            "statements 1-2 took effect; statement 3 failed (MySQL/MariaDB can keep part of a failed statement",
            "look at the database), and statement 4 did not run.",
            "make statements 3-4 of the up SQL take effect by hand (`sqlmigrate 20261125000000` prints the SQL",
            "then run `resolve 20261125000000 --applied`",
            "2. undo it: revert what statements 1-2 did by hand, then run `resolve 20261125000000 --not-applied`",
            "lback::Resolution::Applied",
        ] {
            assert!(text.contains(part), "missing {part:?} in\n{text}");
        }
        assert!(!text.contains("may or may not"), "{text}");
    }

    #[test]
    fn stopped_while_reverting() {
        let text = recovery_steps(
            "20261125000000_add_x",
            &attempt(Direction::Down, true, 0),
            Dialect::Mysql,
        );
        for part in [
            "did not finish reverting",
            "stopped during statement 1 of 4 of its down SQL (the process or its connection ended)",
            "no statement before it took effect; statement 1 may or may not have (look at the database)",
            "`sqlmigrate 20261125000000 --down`",
            "then run `resolve 20261125000000 --not-applied` to record that the migration is reverted",
            "nothing before statement 1 took effect, so re-apply only what statement 1 itself may have done by hand, then run `resolve 20261125000000 --applied`",
        ] {
            assert!(text.contains(part), "missing {part:?} in\n{text}");
        }
    }
}
