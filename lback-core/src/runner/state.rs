//! Migrations that did not finish: what lback records about them, how they
//! show in the status, and the recovery steps it prints.
//!
//! A migration's run is recorded in `__lback_attempts` when it fails, and on
//! MySQL/MariaDB also *before* it runs (MySQL commits every DDL statement,
//! so a failure or crash can leave a migration half applied). On SQLite and
//! PostgreSQL a failed migration was rolled back: the record only explains
//! the failure, and the next run tries again. On MySQL the record makes the
//! migration *dirty*: `migrate` and `rollback` refuse until someone has put
//! the database right and said so with `resolve`; except that a run whose
//! process ended during it (the lock proves it: `Locker::took_over`) is
//! resumed by the next `migrate` when lback is certain what its statement in
//! flight did (`runner::resume`).

use std::fmt;

use crate::sql::{is_guard_call, Dialect};

/// Which way a migration ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Its up SQL (applying).
    Up,
    /// Its down SQL (reverting).
    Down,
}

impl Direction {
    /// `up` / `down`, as stored.
    pub const fn name(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }

    /// `applying` / `reverting`.
    pub const fn verb(self) -> &'static str {
        match self {
            Direction::Up => "applying",
            Direction::Down => "reverting",
        }
    }

    /// Parses the stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "up" => Some(Direction::Up),
            "down" => Some(Direction::Down),
            _ => None,
        }
    }
}

/// A run of a migration that did not finish, as `__lback_attempts` records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The migration's version.
    pub version: String,
    /// Applying or reverting.
    pub direction: Direction,
    /// `true` when the run stopped without recording an outcome: the
    /// process or its connection died (or, on MySQL, another process is
    /// running it right now). `false` when a statement failed.
    pub interrupted: bool,
    /// Statements that completed and (on MySQL) took effect.
    pub statements_done: usize,
    /// Statements in the script.
    pub statements_total: usize,
    /// The statement that failed, or that was running when the run stopped.
    pub statement: Option<String>,
    /// The database's message.
    pub error: Option<String>,
    /// When the run started (the database's text).
    pub started_on: String,
    /// Whether the run committed statement by statement, outside a
    /// transaction: every run on MySQL/MariaDB, and on PostgreSQL a
    /// migration whose `metadata.toml` says `run_in_transaction = false`.
    /// Statements before the failing one then took effect.
    pub outside_transaction: bool,
    /// How many of the script's first statements are known to change no
    /// table: its guards ([`crate::sql::guard_statements`]). Read back from
    /// a row recorded as having changed nothing, every statement up to and
    /// including the one it stopped at; otherwise 0 for a row.
    pub guard_statements: usize,
}

impl Attempt {
    /// Whether the migration is *dirty*: `migrate` and `rollback` refuse to
    /// go on until it is resolved. A statement that failed in a transaction
    /// was rolled back and is not dirty; nor is a MySQL migration stopped
    /// by its guard ([`crate::sql::is_guard_call`]), which runs before
    /// anything changes a table. A run outside a transaction
    /// ([`outside_transaction`](Self::outside_transaction): MySQL, or a
    /// PostgreSQL migration with `run_in_transaction = false`) that failed
    /// is dirty.
    pub fn is_dirty(&self, dialect: Dialect) -> bool {
        self.interrupted
            || ((dialect == Dialect::Mysql || self.outside_transaction) && !self.changed_nothing())
    }

    /// Whether the run failed before anything changed: at one of its
    /// guard statements ([`guard_statements`](Self::guard_statements)), at
    /// its guard's call, or at its first statement after the guards
    /// waiting for a lock (a statement that timed out waiting for its lock
    /// did nothing).
    pub fn changed_nothing(&self) -> bool {
        self.statements_done < self.guard_statements
            || self.statement.as_deref().is_some_and(is_guard_call)
            || (self.statements_done <= self.guard_statements
                && !self.interrupted
                && self.error.as_deref().is_some_and(is_lock_timeout_message))
    }

    /// The number of the statement that failed or was running (1-based).
    pub fn current_statement(&self) -> usize {
        self.statements_done + 1
    }
}

/// Where a migration stands in one database, in a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MigrationState {
    /// Not applied.
    Pending,
    /// Applied.
    Applied,
    /// Its last run failed and was rolled back (SQLite, PostgreSQL): the
    /// database is as before the run, and running it again is safe.
    Failed,
    /// Its last run stopped half way (MySQL/MariaDB, or a run that never
    /// recorded its end): `migrate` and `rollback` refuse until it is
    /// resolved.
    Dirty,
    /// Another process is running it right now (it holds lback's lock).
    Running,
}

/// One migration's state in a database ([`status`](super::status)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// `<version>_<name>`.
    pub id: String,
    /// The version.
    pub version: String,
    /// When it was applied (the database's text), or `None` when it is not.
    pub applied_on: Option<String>,
    /// Its last run, when that did not finish.
    pub last_attempt: Option<Attempt>,
    /// Whether that run left it dirty ([`Attempt::is_dirty`]).
    pub dirty: bool,
    /// Whether that run is still going: another session holds lback's
    /// migration lock (then it is not dirty, only unfinished).
    pub running: bool,
}

impl MigrationStatus {
    /// Where it stands, in a word.
    pub fn state(&self) -> MigrationState {
        if self.running {
            MigrationState::Running
        } else if self.dirty {
            MigrationState::Dirty
        } else if self.last_attempt.is_some() {
            MigrationState::Failed
        } else if self.applied_on.is_some() {
            MigrationState::Applied
        } else {
            MigrationState::Pending
        }
    }
}

impl fmt::Display for MigrationStatus {
    /// One line, as `showmigrations` prints it: `[X]` applied, `[ ]`
    /// pending, `[!]` dirty, with the last failure when there was one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mark = match (self.dirty, &self.applied_on) {
            _ if self.running => "[~]",
            (true, _) => "[!]",
            (false, Some(_)) => "[X]",
            (false, None) => "[ ]",
        };
        write!(f, "{mark} {}", self.id)?;
        if let (true, Some(a)) = (self.running, &self.last_attempt) {
            return write!(
                f,
                "  ({} now, started {}, at statement {} of {})",
                a.direction.verb(),
                a.started_on,
                a.current_statement(),
                a.statements_total
            );
        }
        let applied = self.applied_on.as_ref().map(|on| format!("applied {on}"));
        let Some(a) = &self.last_attempt else {
            return match applied {
                Some(applied) => write!(f, "  ({applied})"),
                None => Ok(()),
            };
        };
        let at = if a.statement.is_none() && a.statements_done >= a.statements_total {
            "after its statements".to_owned()
        } else {
            format!(
                "statement {} of {}",
                a.current_statement(),
                a.statements_total
            )
        };
        if self.dirty {
            write!(
                f,
                "  (DIRTY: {} started {} and {} at {at}; `migrate` prints the recovery steps)",
                a.direction.verb(),
                a.started_on,
                if a.interrupted { "stopped" } else { "failed" },
            )
        } else {
            let after = match a.direction {
                Direction::Up => "rolled back; the next migrate runs it again",
                Direction::Down => "rolled back; it stays applied",
            };
            let prefix = applied.map(|a| format!("{a}; ")).unwrap_or_default();
            write!(
                f,
                "  ({prefix}{} failed {} at {at}: {}; {after})",
                a.direction.verb(),
                a.started_on,
                one_line(a.error.as_deref().unwrap_or("unknown error")),
            )
        }
    }
}

/// A statement of a migration script, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailedStatement {
    /// Its number in the script (1-based).
    pub index: usize,
    /// Statements in the script.
    pub total: usize,
    /// Its SQL.
    pub sql: String,
}

impl fmt::Display for FailedStatement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "statement {} of {}:\n{}",
            self.index,
            self.total,
            indent(&shorten(&self.sql, 2000))
        )
    }
}

/// The error of a run that stopped because lback could not record that
/// the next statement was about to run (so it did not run).
pub(crate) const PROGRESS_NOT_RECORDED: &str =
    "lback could not record its progress before this statement ran";

/// Whether a database's message says a statement timed out waiting for a
/// lock (PostgreSQL `lock_timeout`, MySQL/MariaDB `lock_wait_timeout`).
pub(crate) fn is_lock_timeout_message(message: &str) -> bool {
    message.contains("canceling statement due to lock timeout")
        || message.contains("Lock wait timeout exceeded")
}

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

/// The second half of [`recovery_steps`]: what took effect and the two
/// ways out (also the end of the error of the run that failed).
pub(crate) fn ways_out(attempt: &Attempt, dialect: Dialect) -> String {
    let version = &attempt.version;
    let done = attempt.statements_done;
    let total = attempt.statements_total;
    let current = attempt.current_statement();
    let file = attempt.direction.name();
    if all_ran(attempt) {
        let (mark, state) = match attempt.direction {
            Direction::Up => ("--applied", "applied"),
            Direction::Down => ("--not-applied", "reverted"),
        };
        return format!(
            "All {total} statements of its {file} SQL took effect. Check that the database is as \
             the migration leaves it, then run `resolve {version} {mark}` (lback's command line) \
             to record that it is {state}."
        );
    }
    let mut text = String::new();
    let took_effect = match done {
        0 => "no statement before it took effect".to_owned(),
        1 => "statement 1 took effect".to_owned(),
        n => format!("statements 1-{n} took effect"),
    };
    let rest = if current == total {
        format!("statement {current}")
    } else {
        format!("statements {current}-{total}")
    };
    if dialect == Dialect::Mysql {
        text.push_str(&format!(
            "MySQL/MariaDB commit every DDL statement, so {took_effect}"
        ));
    } else if attempt.outside_transaction {
        text.push_str(&format!(
            "The migration runs outside a transaction (run_in_transaction = false), \
             each statement committed on its own, so {took_effect}"
        ));
    } else {
        text.push_str(&format!("By lback's record, {took_effect}"));
    }
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
    let after = if current < total {
        format!(
            ", and {} did not run",
            if current + 1 == total {
                format!("statement {total}")
            } else {
                format!("statements {}-{total}", current + 1)
            }
        )
    } else {
        String::new()
    };
    text.push_str(&format!(
        "{after}. lback will not guess how to go on: the database needs a person.\n"
    ));
    let (finish_mark, undo_mark, finish_word, undo_word) = match attempt.direction {
        Direction::Up => ("--applied", "--not-applied", "apply", "revert"),
        Direction::Down => ("--not-applied", "--applied", "revert", "re-apply"),
    };
    let sqlmigrate = match attempt.direction {
        Direction::Up => format!("sqlmigrate {version}"),
        Direction::Down => format!("sqlmigrate {version} --down"),
    };
    text.push_str(&format!(
        "Either\n  \
         1. finish it: make {rest} of the {file} SQL take effect by hand (`{sqlmigrate}` prints the SQL; fix what made statement {current} fail), \
         then run `resolve {version} {finish_mark}` to record that the migration is {state}; or\n  \
         2. undo it: {undo} by hand, then run `resolve {version} {undo_mark}`; the next migrate will {finish_word} it again from its first statement (correct its SQL first if it was wrong).\n\
         `resolve` is a command of lback's command line (`lback resolve ...`, or your application's manage binary); \
         from code: `lback::resolve(&mut conn, \"{version}\", lback::Resolution::{resolution})`.",
        state = if attempt.direction == Direction::Up { "applied" } else { "reverted" },
        undo = if done == 0 {
            format!("nothing before statement {current} took effect, so {undo_word} only what statement {current} itself may have done")
        } else {
            format!("{undo_word} what {took} did", took = if done == 1 { "statement 1".to_owned() } else { format!("statements 1-{done}") })
        },
        resolution = if finish_mark == "--applied" { "Applied" } else { "NotApplied" },
    ));
    text
}

/// What `resolve` records about a dirty migration, once a person has put
/// the database right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    /// The migration's changes are all in the database: record it as
    /// applied (with the checksum of its up SQL).
    Applied,
    /// None of them are: record it as not applied, so the next `migrate`
    /// runs it from its first statement.
    NotApplied,
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

/// At most `max` characters, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn one_line(text: &str) -> String {
    shorten(&text.split_whitespace().collect::<Vec<_>>().join(" "), 300)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(direction: Direction, interrupted: bool, done: usize) -> Attempt {
        Attempt {
            version: "20261125000000".into(),
            direction,
            interrupted,
            statements_done: done,
            statements_total: 4,
            statement: Some("ALTER TABLE `t` ADD COLUMN `x` INT".into()),
            error: (!interrupted).then(|| "Duplicate column name 'x'".into()),
            started_on: "2026-11-25 10:00:00".into(),
            outside_transaction: false,
            guard_statements: 0,
        }
    }

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

    #[test]
    fn dirty_only_where_ddl_commits_or_the_run_died() {
        let failed = attempt(Direction::Up, false, 1);
        assert!(failed.is_dirty(Dialect::Mysql));
        assert!(!failed.is_dirty(Dialect::Postgres));
        assert!(!failed.is_dirty(Dialect::Sqlite));
        assert!(attempt(Direction::Up, true, 1).is_dirty(Dialect::Postgres));
        let outside = Attempt {
            outside_transaction: true,
            guard_statements: 0,
            ..failed
        };
        assert!(outside.is_dirty(Dialect::Postgres));
    }

    #[test]
    fn a_lock_timeout_right_after_the_guards_changed_nothing() {
        let timed_out = |done, guard_statements| Attempt {
            statements_done: done,
            guard_statements,
            error: Some("Lock wait timeout exceeded; try restarting transaction".to_owned()),
            ..attempt(Direction::Up, false, done)
        };
        assert!(!timed_out(4, 4).is_dirty(Dialect::Mysql));
        assert!(timed_out(5, 4).is_dirty(Dialect::Mysql));
        assert!(timed_out(4, 0).is_dirty(Dialect::Mysql));
        assert!(!timed_out(0, 0).is_dirty(Dialect::Mysql));
    }

    #[test]
    fn status_lines() {
        let line = |applied_on: Option<&str>, last_attempt: Option<Attempt>, dirty| {
            let status = MigrationStatus {
                id: "20261125000000_add_x".into(),
                version: "20261125000000".into(),
                applied_on: applied_on.map(str::to_owned),
                last_attempt,
                dirty,
                running: false,
            };
            (status.state(), status.to_string())
        };
        assert_eq!(
            line(None, None, false),
            (MigrationState::Pending, "[ ] 20261125000000_add_x".into())
        );
        assert_eq!(
            line(Some("then"), None, false),
            (
                MigrationState::Applied,
                "[X] 20261125000000_add_x  (applied then)".into()
            )
        );
        assert_eq!(
            line(None, Some(attempt(Direction::Up, false, 2)), false),
            (
                MigrationState::Failed,
                "[ ] 20261125000000_add_x  (applying failed 2026-11-25 10:00:00 at statement 3 of 4: \
                 Duplicate column name 'x'; rolled back; the next migrate runs it again)"
                    .into()
            )
        );
        assert_eq!(
            line(
                Some("then"),
                Some(attempt(Direction::Down, false, 0)),
                false
            ),
            (
                MigrationState::Failed,
                "[X] 20261125000000_add_x  (applied then; reverting failed 2026-11-25 10:00:00 at \
                 statement 1 of 4: Duplicate column name 'x'; rolled back; it stays applied)"
                    .into()
            )
        );
        assert_eq!(
            line(None, Some(attempt(Direction::Up, true, 2)), true),
            (
                MigrationState::Dirty,
                "[!] 20261125000000_add_x  (DIRTY: applying started 2026-11-25 10:00:00 and stopped \
                 at statement 3 of 4; `migrate` prints the recovery steps)"
                    .into()
            )
        );
    }

    #[test]
    fn a_run_in_progress_is_not_dirty() {
        let status = MigrationStatus {
            id: "20261125000000_add_x".into(),
            version: "20261125000000".into(),
            applied_on: None,
            last_attempt: Some(attempt(Direction::Up, true, 1)),
            dirty: false,
            running: true,
        };
        assert_eq!(status.state(), MigrationState::Running);
        assert_eq!(
            status.to_string(),
            "[~] 20261125000000_add_x  (applying now, started 2026-11-25 10:00:00, at statement 2 of 4)"
        );
    }

    #[test]
    fn shortening_respects_characters() {
        assert_eq!(shorten("ééé", 2), "éé…");
        assert_eq!(shorten("abc", 3), "abc");
    }
}
