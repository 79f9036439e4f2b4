//! `migrate` and `rollback`: runs of the one run path, and what the command
//! line shows of them (warnings, a dry run's SQL, progress, the rollback's
//! confirmation).

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use super::commands::{open, project_lock_timeout, sources};
use super::connect::{with_connection, Db, OnConnection};
use crate::migrations::{MigrationFolder, Migrations};
use crate::runner::{
    self, Direction, Hooks, Job, MigrateOptions, MigrationReport, Reach, Script, StepInfo,
};
use crate::sql::Dialect;
use crate::Error;

/// `rollback`, then with `--delete` the folders of what it reverted.
pub(super) fn rollback_command(
    dir: &std::path::Path,
    url: &str,
    table: &str,
    dry_run: bool,
    delete: bool,
    yes: bool,
) -> Result<ExitCode, Error> {
    let mut migrations = open(dir)?;
    let command = Rollback {
        migrations: &migrations,
        table,
        dry_run,
        delete,
        yes,
    };
    let reverted = with_connection(url, command)?;
    if delete && !reverted.is_empty() {
        migrations.delete_newest(&reverted)?;
        for id in &reverted {
            println!("Deleted {}/{id}/ and rewound the snapshot", dir.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) struct Migrate<'a> {
    pub migrations: &'a Migrations,
    pub target: Option<String>,
    pub dry_run: bool,
    pub options: MigrateOptions,
    pub quiet: bool,
}

impl OnConnection for Migrate<'_> {
    type Output = ExitCode;
    fn run<C: Db>(self, conn: &mut C) -> Result<ExitCode, Error> {
        let list = sources(self.migrations);
        let job = Job::Migrate {
            target: self.target.as_deref(),
        };
        let mut shown = Shown {
            quiet: self.quiet,
            progress: !self.quiet && std::io::stdout().is_terminal(),
            ..Shown::new(self.dry_run)
        };
        let report = runner::run(conn, &list, job, self.options, &mut shown)?;
        shown.report(report);
        Ok(ExitCode::SUCCESS)
    }
}

/// What the command line shows of a run: warnings on stderr, the plan of a
/// dry run with its SQL, then what ran.
struct Shown<'a> {
    dry_run: bool,
    /// `rollback`: the table, and whether to check the plan for `--delete`.
    rollback: Option<(&'a str, Option<&'a Migrations>)>,
    /// The run ended at the plan (a dry run).
    stopped: bool,
    /// Show each migration as it starts and ends (`migrate` on a terminal).
    progress: bool,
    /// Show nothing but warnings and errors.
    quiet: bool,
    /// `rollback --yes`: do not ask.
    yes: bool,
}

impl<'a> Shown<'a> {
    fn new(dry_run: bool) -> Self {
        Shown {
            dry_run,
            rollback: None,
            stopped: false,
            progress: false,
            quiet: false,
            yes: false,
        }
    }

    /// Prints what ran (its warnings went to stderr already), unless the
    /// progress showed it.
    fn report(&self, mut report: MigrationReport) {
        if self.stopped || self.quiet || (self.progress && !report.is_empty()) {
            return;
        }
        report.warnings.clear();
        println!("{report}");
    }
}

impl Hooks for Shown<'_> {
    fn warnings(&mut self, warnings: &[String]) {
        for warning in warnings {
            eprintln!("warning: {warning}");
        }
    }

    fn review(&mut self, scripts: &[Script<'_>], _dialect: Dialect) -> Result<bool, Error> {
        if let Some((table, delete)) = self.rollback {
            println!("Rolling back `{table}`:");
            for script in scripts {
                println!("  revert {}", script.migration.id());
                let tables = script.migration.tables();
                if !tables.is_empty() {
                    println!("    tables: {}", tables.join(", "));
                }
                for loss in script.migration.reverting_loses() {
                    println!("    destructive: {loss}");
                }
            }
            if let Some(migrations) = delete {
                refuse_unless_newest(migrations, scripts)?;
            }
        }
        if scripts.is_empty() || !self.dry_run {
            return Ok(true);
        }
        for script in scripts {
            let verb = match script.direction {
                Direction::Up => "apply",
                Direction::Down => "revert",
            };
            println!("-- {verb} {}\n{}", script.migration.id(), script.sql);
        }
        println!("(dry run: nothing changed)");
        self.stopped = true;
        Ok(false)
    }

    fn confirm_rollback(&mut self, reach: &Reach<'_>) -> Result<(), Error> {
        if self.yes {
            return Ok(());
        }
        let refused = |why: String| Error::RollbackNotConfirmed {
            table: reach.table.to_owned(),
            why,
        };
        if !std::io::stdin().is_terminal() {
            return Err(refused(format!(
                "{}; run it on a terminal to be asked, or pass --yes",
                reach.reasons()
            )));
        }
        print!(
            "This rollback {}. Go on? [y/N] ",
            reach.reasons().replacen("it ", "", 1)
        );
        let _ = std::io::stdout().flush();
        let mut answer = String::new();
        std::io::stdin()
            .read_line(&mut answer)
            .map_err(|e| refused(format!("reading the answer failed: {e}")))?;
        match answer.trim() {
            "y" | "Y" | "yes" | "Yes" => Ok(()),
            _ => Err(refused(format!(
                "{}, and the answer was not yes",
                reach.reasons()
            ))),
        }
    }

    fn started(&mut self, step: &StepInfo<'_>) {
        if self.progress {
            let verb = match step.direction {
                Direction::Up => "Applying",
                Direction::Down => "Reverting",
            };
            println!("{verb} {} ({}/{}) ...", step.id, step.number, step.of);
        }
    }

    fn finished(&mut self, step: &StepInfo<'_>, elapsed: Duration, ran: bool) {
        if !self.progress {
            return;
        }
        if !ran {
            println!("Skipped {}: another process ran it meanwhile", step.id);
            return;
        }
        let verb = match step.direction {
            Direction::Up => "Applied",
            Direction::Down => "Reverted",
        };
        println!("{verb} {} in {}", step.id, duration(elapsed));
    }
}

/// `12 ms`, `3.4 s`.
fn duration(elapsed: Duration) -> String {
    if elapsed < Duration::from_secs(1) {
        format!("{} ms", elapsed.as_millis())
    } else {
        format!("{:.1} s", elapsed.as_secs_f64())
    }
}

/// `--delete` removes only the newest migrations: refused before reverting
/// anything, so nothing may be lost.
fn refuse_unless_newest(migrations: &Migrations, scripts: &[Script<'_>]) -> Result<(), Error> {
    let ids: Vec<String> = scripts
        .iter()
        .map(|s| s.migration.id().into_owned())
        .collect();
    let newest: Vec<String> = migrations
        .folders()
        .iter()
        .rev()
        .take(ids.len())
        .map(MigrationFolder::id)
        .collect();
    if newest != ids {
        return Err(Error::DeleteNotNewest { ids });
    }
    Ok(())
}

struct Rollback<'a> {
    migrations: &'a Migrations,
    table: &'a str,
    dry_run: bool,
    delete: bool,
    yes: bool,
}

impl OnConnection for Rollback<'_> {
    /// The ids reverted.
    type Output = Vec<String>;
    fn run<C: Db>(self, conn: &mut C) -> Result<Vec<String>, Error> {
        let list = sources(self.migrations);
        let schema = self.migrations.snapshot()?;
        let job = Job::Rollback {
            table: self.table,
            schema: &schema,
        };
        let mut shown = Shown {
            rollback: Some((self.table, self.delete.then_some(self.migrations))),
            yes: self.yes,
            ..Shown::new(self.dry_run)
        };
        let options = project_lock_timeout(self.migrations, MigrateOptions::default());
        let report = runner::run(conn, &list, job, options, &mut shown)?;
        let reverted = if shown.stopped {
            Vec::new()
        } else {
            report.reverted.clone()
        };
        shown.report(report);
        Ok(reverted)
    }
}
