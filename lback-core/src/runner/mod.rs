//! The runner: applies and reverts migrations on a live connection. One
//! run path ([`run`]: lock → read → verify → plan → execute) serves
//! `lback::migrate` and `lback::rollback` (embedded migrations), the
//! command line (migrations read from disk) and the tests, through
//! [`MigrationSql`].
//!
//! Layers, top to bottom:
//! - `run.rs` — the one run path and its [`Hooks`]; `checks.rs` — what
//!   is refused before anything runs; `status.rs`,
//!   `resolve.rs` — the other two things done on a database (on the
//!   migrations `embed_migrations!` compiled in, [`embedded`] gives them).
//! - `lock.rs` — holding the lock a backend may have ([`Locker`]);
//!   `tracking.rs` — the one read of the tracking tables ([`Tracking::read`]).
//! - `step.rs` — one migration's run: its [`Script`], how far it got
//!   ([`Phase`], carried by the failure as data), what a failure becomes.
//! - `backend/` — [`TrackedBackend`], one implementation per database
//!   owning its execution strategy (`sqlite.rs`, `postgres.rs`,
//!   `mysql.rs`), and the tracking tables' rows and shared SQL.
//! - pure, tested without a database: `plan.rs` (what to run), `verify.rs`
//!   (checksums), `state.rs` (unfinished runs, recovery steps), `source.rs`
//!   (where a migration's SQL comes from), `error.rs` (the runner's
//!   [`QueryError`] and its context helper).
//!
//! Applied versions live in diesel's own `__diesel_schema_migrations`, so
//! diesel_cli and lback agree on what has run.

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod backend;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod checks;
mod error;
#[cfg(feature = "mysql")]
pub mod lease;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod lock;
mod plan;
mod recovery;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod resolve;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod resume;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod run;
mod source;
mod state;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod status;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod step;
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
mod tracking;
mod verify;

use std::fmt;

#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub(crate) use self::{
    backend::{forget_sql, record_sql},
    lock::fenced,
    run::applied_and_verified,
};
#[cfg(any(feature = "sqlite", feature = "postgres", feature = "mysql"))]
pub use self::{
    backend::{
        Applied, AppliedVersion, Locker, StartupRead, StoredChecksum, TrackedBackend, Tracking,
    },
    lock::{locked, Fence},
    resolve::resolve,
    resume::{atomic_ddl, changes_the_session, Ddl, Object, Repeat, Resume},
    run::{migrate, nothing_pending, run, Hooks, Job, Reach, StepInfo},
    status::status,
    step::{Failed, Phase, Script},
    tracking::Access,
};
pub use error::QueryError;
pub use plan::{find, plan_migrate, plan_rollback, Plan, Step};
pub use recovery::{recovery_steps, refuse_dirty};
pub use source::{embedded, DialectSql, EmbeddedMigration, EmbeddedSet, MigrationSql};
pub use state::{Attempt, Direction, FailedStatement, MigrationState, MigrationStatus, Resolution};
pub use verify::{checksum, verify, MigrateOptions, OnChanged, Recorded, DEFAULT_LOCK_TIMEOUT};

/// What a run did: migrations applied and reverted, in the order they ran.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MigrationReport {
    /// Ids (`<version>_<name>`) applied, oldest first.
    pub applied: Vec<String>,
    /// Ids reverted, newest first.
    pub reverted: Vec<String>,
    /// What the run noticed but did not stop for: applied versions no
    /// migration here has, applied migrations changed since (when allowed).
    pub warnings: Vec<String>,
}

impl MigrationReport {
    /// Whether nothing ran.
    pub fn is_empty(&self) -> bool {
        self.applied.is_empty() && self.reverted.is_empty()
    }
}

impl fmt::Display for MigrationReport {
    /// One line per migration (`Applied <id>` / `Reverted <id>`), or `No
    /// migrations to apply.`; no trailing newline.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut lines: Vec<String> = self
            .applied
            .iter()
            .map(|id| format!("Applied {id}"))
            .chain(self.reverted.iter().map(|id| format!("Reverted {id}")))
            .collect();
        if lines.is_empty() {
            lines.push("No migrations to apply.".to_owned());
        }
        lines.extend(self.warnings.iter().map(|w| format!("warning: {w}")));
        f.write_str(&lines.join("\n"))
    }
}
