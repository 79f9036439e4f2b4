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
//! flight did (`runner::resume`). The recovery steps themselves are in
//! `runner::recovery`.

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

/// At most `max` characters, with `…` when cut.
pub(crate) fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

pub(super) fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn one_line(text: &str) -> String {
    shorten(&text.split_whitespace().collect::<Vec<_>>().join(" "), 300)
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// A failed (or, `interrupted`, stopped) run of a four-statement MySQL
    /// migration, `done` statements in (also `recovery`'s tests').
    pub(in crate::runner) fn attempt(
        direction: Direction,
        interrupted: bool,
        done: usize,
    ) -> Attempt {
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
