//! One migration's run, as every strategy shares it: the script cut into
//! statements once ([`Script`]), how far a run got (its [`Phase`], which a
//! failure carries as data: [`Failed`]), and what a failure becomes in the
//! error ([`StepFailure`]).

use diesel::connection::LoadConnection;
use diesel::result::Error as DieselError;
use diesel::QueryResult;

use super::backend::{forget_sql, record_sql, TrackedBackend};
use super::lock::Fence;
use super::{Attempt, Direction, FailedStatement, MigrationSql};
use crate::sql::{split_cleanly, split_statements, Dialect};

/// One migration about to run: its SQL, cut into statements once, and the
/// bookkeeping that records it.
pub struct Script<'a> {
    /// The migration.
    pub migration: &'a dyn MigrationSql,
    /// Applying or reverting.
    pub direction: Direction,
    /// The whole script.
    pub sql: &'a str,
    /// Its statements, slices of `sql`.
    pub statements: Vec<&'a str>,
    /// Whether the script ends cleanly ([`split_cleanly`]), so text can be
    /// appended after `"\n;\n"` as a statement of its own.
    pub ends_cleanly: bool,
    /// Records the version (applying) or forgets it (reverting), and clears
    /// its attempt.
    pub bookkeeping: String,
    /// Whether it runs statement by statement outside a transaction, each
    /// committing on its own: always on MySQL/MariaDB, and on PostgreSQL
    /// when the migration says so ([`MigrationSql::outside_transaction`]).
    pub outside_transaction: bool,
    /// How long each statement waits for a lock (`None`: the server's
    /// setting): the migration's own, else the run's.
    pub lock_timeout: Option<std::time::Duration>,
    /// How many of its first statements are its guards, which change no
    /// table ([`crate::sql::guard_statements`]).
    pub guard_statements: usize,
    /// Where a run of it left half way by a process that died goes on
    /// (MySQL/MariaDB); `None`: from the start.
    pub(crate) resume: Option<super::resume::Resume>,
}

impl<'a> Script<'a> {
    /// The script of `migration` run in `direction`, for `dialect`.
    pub fn new(
        migration: &'a dyn MigrationSql,
        direction: Direction,
        sql: &'a str,
        dialect: Dialect,
    ) -> Self {
        // One pass of the lexer: whether the script ends cleanly and its
        // statements.
        let split = split_cleanly(sql, dialect);
        let ends_cleanly = split.is_some();
        let statements = split.unwrap_or_else(|| split_statements(sql, dialect));
        let guard_statements = crate::sql::guard_statements(&statements, dialect);
        let version = migration.version();
        let bookkeeping = match direction {
            Direction::Up => record_sql(dialect, version, &super::checksum(sql)),
            Direction::Down => forget_sql(dialect, version),
        };
        Script {
            migration,
            direction,
            sql,
            statements,
            ends_cleanly,
            bookkeeping,
            outside_transaction: dialect == Dialect::Mysql
                || migration.outside_transaction(dialect),
            lock_timeout: migration.lock_timeout(),
            guard_statements,
            resume: None,
        }
    }

    /// The migration's version.
    pub fn version(&self) -> &'a str {
        self.migration.version()
    }

    /// Whether it applies (rather than reverts) the migration.
    pub fn applies(&self) -> bool {
        self.direction == Direction::Up
    }

    /// Its run as `__lback_attempts` records it: `done` statements took
    /// effect and `statement` is the one failing or about to run. With the
    /// database's `error` it failed; without, it is in progress (so, read
    /// back, interrupted unless it records an end).
    pub(crate) fn attempt(
        &self,
        done: usize,
        statement: Option<&str>,
        error: Option<String>,
    ) -> Attempt {
        Attempt {
            version: self.version().to_owned(),
            direction: self.direction,
            interrupted: error.is_none(),
            statements_done: done,
            statements_total: self.statements.len(),
            statement: statement.map(str::to_owned),
            error,
            started_on: String::new(),
            outside_transaction: self.outside_transaction,
            guard_statements: self.guard_statements,
        }
    }

    /// [`attempt`](Self::attempt) as a run outside a transaction records
    /// its start, before its first statement.
    #[cfg(any(feature = "postgres", feature = "mysql"))]
    pub(crate) fn started(&self) -> Attempt {
        self.attempt(0, self.statements.first().copied(), None)
    }
}

/// Whether the migration turns out done already (applied when applying,
/// not applied when reverting), checked again as its run starts: another
/// process may have run it meanwhile (diesel_cli takes no lock).
pub(crate) fn done_already<B, C>(conn: &mut C, script: &Script<'_>) -> Result<bool, Failed>
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    Ok(B::is_applied(conn, script.version()).at(Phase::Before)? == script.applies())
}

/// How far a run of one migration got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Checking and (MySQL) recording the start: nothing ran.
    Before,
    /// Running the whole migration and its bookkeeping as one batch
    /// (PostgreSQL): which statement failed is not known yet.
    Batch,
    /// Recording (MySQL) that statement `i` (0-based) is next.
    Recording(usize),
    /// Running statement `i`.
    Statement(usize),
    /// Recording the outcome, after every statement ran.
    Finishing,
    /// SQLite, after a rebuild: `PRAGMA foreign_key_check`.
    ForeignKeyCheck,
    /// Everything ran and was recorded: committing.
    Commit,
    /// SQLite, after a rebuild committed: turning foreign keys back on.
    Restore,
}

/// A run that failed: where, and the database's error.
#[derive(Debug)]
pub struct Failed {
    /// How far the run got.
    pub phase: Phase,
    /// The database's error.
    pub error: DieselError,
    /// What lback found out about it afterwards (PostgreSQL's second run).
    pub note: Option<String>,
}

/// Tags a query's error with the phase it failed in.
pub(crate) trait At<T> {
    /// The error as a [`Failed`] at `phase`.
    fn at(self, phase: Phase) -> Result<T, Failed>;
}

impl<T> At<T> for QueryResult<T> {
    fn at(self, phase: Phase) -> Result<T, Failed> {
        self.map_err(|error| Failed {
            phase,
            error,
            note: None,
        })
    }
}

/// Runs `work` in a transaction, as diesel's `Connection::transaction`
/// does, with BEGIN failing as [`Phase::Before`] and COMMIT as
/// [`Phase::Commit`].
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn in_transaction<C, T>(
    conn: &mut C,
    work: impl FnOnce(&mut C) -> Result<T, Failed>,
) -> Result<T, Failed>
where
    C: diesel::Connection,
{
    use diesel::connection::TransactionManager;
    C::TransactionManager::begin_transaction(conn).at(Phase::Before)?;
    match work(conn) {
        Ok(value) => {
            C::TransactionManager::commit_transaction(conn).at(Phase::Commit)?;
            Ok(value)
        }
        Err(failed) => match C::TransactionManager::rollback_transaction(conn) {
            // A broken transaction manager, or a transaction the database
            // ended itself (SQLite does on some failures, e.g. a full disk):
            // the original error says more.
            Ok(()) | Err(DieselError::BrokenTransactionManager | DieselError::NotInTransaction) => {
                Err(failed)
            }
            Err(error) => Err(Failed { error, ..failed }),
        },
    }
}

/// Runs each statement in turn (in the transaction of a strategy that
/// has one).
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) fn run_statements<C: diesel::Connection>(
    conn: &mut C,
    script: &Script<'_>,
) -> Result<(), Failed> {
    for (i, statement) in script.statements.iter().enumerate() {
        conn.batch_execute(statement).at(Phase::Statement(i))?;
    }
    Ok(())
}

/// How one migration's run failed, as the error tells it.
pub(crate) struct StepFailure {
    /// The statement that failed.
    pub statement: Option<Box<FailedStatement>>,
    /// The database's message, and what lback knows about it.
    pub message: String,
    /// What the failure left: rolled back, or (MySQL) what took effect
    /// and the ways out; `None` when nothing of the migration ran.
    pub outcome: Option<String>,
    /// The database's error.
    pub cause: DieselError,
}

/// What `failed` means for the migration: the error's parts, after the
/// backend recorded the failure ([`TrackedBackend::after_failure`]).
pub(crate) fn describe<B, C>(
    conn: &mut C,
    script: &Script<'_>,
    failed: Failed,
    fence: &Fence<'_, C>,
) -> StepFailure
where
    B: TrackedBackend,
    C: LoadConnection<Backend = B>,
{
    let Some((done, statement, message)) = account(script, &failed) else {
        // Nothing of the migration ran (and on MySQL nothing was recorded).
        return StepFailure {
            statement: None,
            message: failed.error.to_string(),
            outcome: None,
            cause: failed.error,
        };
    };
    let outcome = match settled_outcome(&failed) {
        Some(outcome) => outcome.to_owned(),
        None => {
            let attempt = script.attempt(done, statement, Some(message.clone()));
            B::after_failure(conn, &attempt, fence)
        }
    };
    StepFailure {
        statement: match (failed.phase, statement) {
            (Phase::Statement(i), Some(sql)) => Some(Box::new(FailedStatement {
                index: i + 1,
                total: script.statements.len(),
                sql: sql.to_owned(),
            })),
            _ => None,
        },
        message,
        outcome: Some(outcome),
        cause: failed.error,
    }
}

/// The statements that took effect, the statement at fault and the
/// message; `None` when nothing of the migration ran.
fn account<'a>(script: &Script<'a>, failed: &Failed) -> Option<(usize, Option<&'a str>, String)> {
    let total = script.statements.len();
    let error = &failed.error;
    Some(match failed.phase {
        Phase::Before => return None,
        Phase::Statement(i) => (i, Some(script.statements[i]), error.to_string()),
        Phase::Batch => (
            0,
            None,
            match &failed.note {
                Some(note) => format!("{error} {note}"),
                None => error.to_string(),
            },
        ),
        Phase::Recording(i) => (
            i,
            Some(script.statements[i]),
            format!("{}: {error}", super::state::PROGRESS_NOT_RECORDED),
        ),
        Phase::Finishing => (
            total,
            None,
            format!("every statement ran, then recording the migration failed: {error}"),
        ),
        Phase::ForeignKeyCheck => (
            total,
            None,
            format!(
                "every statement ran, then the foreign key check before COMMIT failed: {error}"
            ),
        ),
        Phase::Commit => (
            total,
            None,
            format!(
                "every statement ran and the migration was recorded, then COMMIT failed \
                 (a deferred constraint?): {error}"
            ),
        ),
        Phase::Restore => (
            total,
            None,
            format!(
                "the migration was applied, then turning foreign keys back on \
                 (PRAGMA foreign_keys = ON) failed: {error}"
            ),
        ),
    })
}

/// Failures after which the migration may be applied, which nothing is
/// recorded about: COMMIT failed without an answer from the database (the
/// connection was lost: it may have committed), and a SQLite migration
/// whose foreign keys could not be turned on again (it was applied).
fn settled_outcome(failed: &Failed) -> Option<&'static str> {
    match failed.phase {
        Phase::Commit if !matches!(failed.error, DieselError::DatabaseError(..)) => Some(
            "lback lost the connection while committing: the migration may or may not \
             have been applied. See `showmigrations` (or `lback::status`), then run \
             migrate again.",
        ),
        Phase::Restore => Some(
            "The migration was applied and recorded; only the connection's foreign \
             keys are still off (run `PRAGMA foreign_keys = ON` on it).",
        ),
        _ => None,
    }
}

/// What a failure leaves where a migration runs in one transaction.
#[cfg(any(feature = "sqlite", feature = "postgres"))]
pub(crate) const ROLLED_BACK: &str = "The migration was rolled back: none of it took effect. \
                                      Correct the cause, then run migrate again.";

/// The part of the batch that holds PostgreSQL's error position (1-based,
/// in characters): the last statement starting at or before it. The batch
/// is the script, then, when it ends cleanly, `"\n;\n"` and the
/// bookkeeping: a position in the bookkeeping is `Finishing`; one just past
/// the script (the `;` lback added, or the end of the text: a statement
/// cut short) is the last statement's.
#[cfg_attr(not(feature = "postgres"), allow(dead_code))]
pub(crate) fn phase_at(script: &Script<'_>, position: i32) -> Option<Phase> {
    let (sql, statements) = (script.sql, &script.statements);
    let index = usize::try_from(position).ok()?.checked_sub(1)?;
    let Some((at, _)) = sql.char_indices().nth(index) else {
        let past = index - sql.chars().count();
        return if script.ends_cleanly && past >= "\n;\n".len() {
            Some(Phase::Finishing)
        } else {
            statements.len().checked_sub(1).map(Phase::Statement)
        };
    };
    // The statements are slices of `sql`: their offsets are where they start.
    let base = sql.as_ptr() as usize;
    statements
        .iter()
        .rposition(|s| s.as_ptr() as usize - base <= at)
        .map(Phase::Statement)
}

#[cfg(test)]
mod tests {
    use super::{phase_at, Phase, Script};
    use crate::runner::verify::tests::Fake;
    use crate::runner::Direction;
    use crate::sql::Dialect;

    #[test]
    fn an_error_position_names_the_statement_holding_it() {
        let sql = "-- é first\nCREATE TABLE a (id INT);\n\nINSERT INTO nope VALUES (1);\n";
        let fake = Fake("20260101000000", sql);
        let mut script = Script::new(&fake, Direction::Up, sql, Dialect::Postgres);
        assert_eq!(script.statements.len(), 2);
        // Positions count characters from 1: `é` is one.
        let at = |needle: &str| {
            let byte = sql.find(needle).unwrap();
            i32::try_from(sql[..byte].chars().count() + 1).unwrap()
        };
        assert!(script.ends_cleanly);
        assert_eq!(phase_at(&script, at("CREATE")), Some(Phase::Statement(0)));
        assert_eq!(phase_at(&script, at("a (id")), Some(Phase::Statement(0)));
        assert_eq!(phase_at(&script, at("nope")), Some(Phase::Statement(1)));
        // In the comment before the first statement: not known.
        assert_eq!(phase_at(&script, 2), None);
        // Past the script: "\n;\n", then the bookkeeping appended.
        let n = sql.chars().count();
        let after = |k: usize| i32::try_from(n + k).unwrap();
        let last = Some(Phase::Statement(1));
        // The end of the text, or the `;` lback adds: a statement cut short.
        assert_eq!(phase_at(&script, after(1)), last);
        assert_eq!(phase_at(&script, after(2)), last);
        assert_eq!(phase_at(&script, after(3)), last);
        assert_eq!(phase_at(&script, after(4)), Some(Phase::Finishing));
        assert_eq!(phase_at(&script, 0), None);
        // Nothing appended (a script that does not end cleanly).
        script.ends_cleanly = false;
        assert_eq!(phase_at(&script, after(1)), last);
        assert_eq!(phase_at(&script, after(4)), last);
    }
}
