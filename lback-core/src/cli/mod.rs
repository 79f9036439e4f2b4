//! The command line: `makemigrations`, `migrate`, `rollback`,
//! `showmigrations`, `sqlmigrate`, `resolve`, `check`, `inspect`. An application puts
//! `fn main() -> ExitCode { lback::cli::main() }` in `src/bin/manage.rs`, so
//! the command sees the application's models (the analogue of Django's
//! manage.py).
//!
//! Exit status: 0 done, 1 failed (the message says why and what to do),
//! 2 the command line itself was wrong, 3 `makemigrations --check` found
//! model changes no migration covers, or `check` found drift.

// First: its printing macros shadow std's in the modules below.
#[macro_use]
mod print;

mod adopt;
mod args;
mod check;
mod commands;
mod connect;
mod inspect;
mod makemigrations;
mod migrate;
mod source;

use std::process::ExitCode;

use clap::Parser;

pub use args::{Cli, Command};

use crate::schema::Schema;
use crate::Error;

/// Exit status of a failed command.
pub const EXIT_FAILED: u8 = 1;
/// Exit status of a command line that cannot work as given (clap's).
pub const EXIT_USAGE: u8 = 2;
/// Exit status of `makemigrations --check` when the models have changes.
pub const EXIT_CHANGES: u8 = 3;

/// Where the models come from.
#[derive(Debug, Clone)]
pub enum Models {
    /// Every `#[derive(lback::Model)]` linked into this binary.
    Registry,
    /// An explicit list (see [`Schema::from_tables`]).
    Given(Schema),
}

/// Runs the command line with the models compiled into this binary.
///
/// ```no_run
/// // src/bin/manage.rs
/// fn main() -> std::process::ExitCode {
///     lback_core::cli::main()
/// }
/// ```
pub fn main() -> ExitCode {
    main_with(Models::Registry)
}

/// Runs the command line with models given explicitly: for a binary that
/// cannot rely on automatic collection.
pub fn main_with(models: Models) -> ExitCode {
    let cli = Cli::parse();
    match run(cli, models) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(match error {
                Error::Usage(_) => EXIT_USAGE,
                _ => EXIT_FAILED,
            })
        }
    }
}

/// Runs one parsed command; the exit status on success.
pub fn run(cli: Cli, models: Models) -> Result<ExitCode, Error> {
    // Only makemigrations compares with the models.
    let Command::Makemigrations {
        from_source,
        allow_no_models,
        ..
    } = &cli.command
    else {
        return commands::run(cli, Schema::new());
    };
    let (from_source, allow_no_models) = (*from_source, *allow_no_models);
    let models = match (&cli.models, models) {
        (Some(path), _) => {
            let text = std::fs::read_to_string(path).map_err(|e| Error::Migrations {
                path: path.clone(),
                message: format!("cannot read the models file: {e}"),
            })?;
            let schema = Schema::from_snapshot(&text)?;
            schema.validate()?;
            schema
        }
        (None, Models::Given(schema)) => {
            schema.validate()?;
            schema
        }
        (None, Models::Registry) => {
            let registry = crate::registry::try_registry()?;
            if registry.is_empty() || from_source {
                source::read_models(allow_no_models)?
            } else {
                registry
            }
        }
    };
    commands::run(cli, models)
}
