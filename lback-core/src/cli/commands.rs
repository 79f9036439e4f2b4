//! The commands.

use std::process::ExitCode;

use super::args::{Cli, Command};
use super::connect::{dialect_of, with_connection, Db, OnConnection};
use super::makemigrations::{makemigrations, online_folder, report_schema_rs};
use super::migrate::{rollback_command, Migrate};
use std::path::Path;

use crate::migrations::{schema_file, write_schema_rs, Migrations};
use crate::runner::{
    self, MigrateOptions, MigrationSql, MigrationState, Resolution, TrackedBackend,
};
use crate::schema::Schema;
use crate::schema_rs::SchemaFileSetting;
use crate::sql::Dialect;
use crate::Error;

pub(super) fn run(cli: Cli, models: Schema) -> Result<ExitCode, Error> {
    let url = cli.database_url.clone();
    let schema_setting = cli.schema_file.as_deref().map(SchemaFileSetting::parse);
    match cli.command {
        Command::Makemigrations {
            name,
            check,
            deny_blocking,
            dry_run,
            empty,
            dialects,
            fills,
            ..
        } => makemigrations(
            &cli.migrations_dir,
            models,
            name,
            (check, deny_blocking),
            dry_run,
            empty,
            dialects,
            &fills,
            url.as_deref(),
            schema_setting.as_ref(),
        ),
        Command::Schema { check } => {
            let migrations = open(&cli.migrations_dir)?;
            let Some(file) = schema_file(Path::new(""), &migrations, schema_setting.as_ref())?
            else {
                println!("schema.rs is turned off (schema_file: none); nothing to do.");
                return Ok(ExitCode::SUCCESS);
            };
            if check {
                return report_schema_rs(&migrations, Some(&file));
            }
            if write_schema_rs(&migrations, &file)? {
                println!("Wrote {} from the snapshot.", file.path.display());
            } else {
                println!("{} is up to date.", file.path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate {
            version,
            dry_run,
            allow_changed,
            fake,
            quiet,
        } => {
            let (migrations, url) = open_with_url(&cli.migrations_dir, url, "migrate")?;
            let options = if allow_changed {
                MigrateOptions::default().warn_on_changed()
            } else {
                MigrateOptions::default()
            };
            if fake {
                let fake = super::adopt::Fake {
                    migrations: &migrations,
                    target: version.as_deref(),
                    options,
                };
                return with_connection(&url, fake);
            }
            let options = project_lock_timeout(&migrations, options);
            with_connection(
                &url,
                Migrate {
                    migrations: &migrations,
                    target: version,
                    dry_run,
                    options,
                    quiet,
                },
            )
        }
        Command::Rollback {
            table,
            dry_run,
            delete,
            yes,
        } => {
            let url = need_url(url, "rollback")?;
            rollback_command(&cli.migrations_dir, &url, &table, dry_run, delete, yes)
        }
        Command::Showmigrations => {
            let (migrations, url) = open_with_url(&cli.migrations_dir, url, "showmigrations")?;
            with_connection(
                &url,
                Show {
                    migrations: &migrations,
                },
            )
        }
        Command::Resolve {
            version,
            applied,
            not_applied: _,
        } => {
            let (migrations, url) = open_with_url(&cli.migrations_dir, url, "resolve")?;
            with_connection(
                &url,
                Resolve {
                    migrations: &migrations,
                    version: &version,
                    resolution: if applied {
                        Resolution::Applied
                    } else {
                        Resolution::NotApplied
                    },
                },
            )
        }
        Command::Check => {
            let (migrations, url) = open_with_url(&cli.migrations_dir, url, "check")?;
            with_connection(
                &url,
                super::check::Check {
                    migrations: &migrations,
                },
            )
        }
        Command::Inspect {
            output,
            name,
            force,
        } => {
            let url = need_url(url, "inspect")?;
            let inspect = super::inspect::Inspect {
                dir: &cli.migrations_dir,
                output,
                name,
                force,
                schema_setting: schema_setting.as_ref(),
            };
            with_connection(&url, inspect)
        }
        Command::Sqlmigrate {
            version,
            down,
            dialect,
        } => sqlmigrate(&cli.migrations_dir, url.as_deref(), &version, down, dialect),
    }
}

/// `sqlmigrate`: a migration's SQL for the dialect asked for, else the
/// database URL's, else the project's primary one.
fn sqlmigrate(
    dir: &std::path::Path,
    url: Option<&str>,
    version: &str,
    down: bool,
    dialect: Option<Dialect>,
) -> Result<ExitCode, Error> {
    let migrations = open(dir)?;
    let list = sources(&migrations);
    let migration = runner::find(&list, version)?;
    let from_url = match (dialect, url) {
        (None, Some(url)) => Some(dialect_of(url)?),
        _ => None,
    };
    let dialect = dialect
        .or(from_url)
        .or(migrations.settings().dialects.first().copied())
        .unwrap_or(Dialect::Sqlite);
    let sql = if down {
        migration
            .down(dialect)?
            .map(|s| s.into_owned())
            .unwrap_or_default()
    } else {
        migration.up(dialect)?.into_owned()
    };
    print!("{sql}");
    // What it locks and how it runs, on stderr (stdout stays SQL to pipe
    // into the database's client).
    if let Some(folder) = migrations
        .folders()
        .iter()
        .find(|f| f.version == migration.version())
    {
        let operations = if down {
            crate::diff::inverse(&folder.operations)
        } else {
            folder.operations.clone()
        };
        let online = online_folder(folder, dialect);
        for op in &operations {
            if let Some(report) = crate::sql::lock_report_with(op, dialect, online) {
                eprintln!("-- lock on {dialect}: {op}: {report}");
            }
        }
        if folder.runs_outside_transaction(dialect) {
            eprintln!(
                "-- runs outside a transaction (run_in_transaction = false): statement by \
                 statement, each committing on its own"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn open(dir: &std::path::Path) -> Result<Migrations, Error> {
    let migrations = Migrations::open(dir)?;
    migrations.check_linear()?;
    Ok(migrations)
}

/// The migrations of `dir` ([`open`]), and the database URL that `command`
/// needs.
fn open_with_url(
    dir: &Path,
    url: Option<String>,
    command: &str,
) -> Result<(Migrations, String), Error> {
    let migrations = open(dir)?;
    Ok((migrations, need_url(url, command)?))
}

fn need_url(url: Option<String>, command: &str) -> Result<String, Error> {
    url.filter(|u| !u.trim().is_empty()).ok_or_else(|| {
        Error::Usage(format!(
            "`{command}` needs a database: give --database-url or set DATABASE_URL \
             (a SQLite file path, postgres://... or mysql://...)"
        ))
    })
}

pub(super) fn sources(migrations: &Migrations) -> Vec<&dyn MigrationSql> {
    migrations
        .folders()
        .iter()
        .map(|f| f as &dyn MigrationSql)
        .collect()
}

struct Show<'a> {
    migrations: &'a Migrations,
}

impl OnConnection for Show<'_> {
    type Output = ExitCode;
    fn run<C: Db>(self, conn: &mut C) -> Result<ExitCode, Error> {
        let list = sources(self.migrations);
        let (statuses, unknown) = runner::status(conn, &list)?;
        if statuses.is_empty() && unknown.is_empty() {
            println!("No migrations.");
        }
        for status in &statuses {
            println!("{status}");
        }
        for version in unknown {
            println!(
                "[?] {version}  (applied to the database, but not in {})",
                self.migrations.dir().display()
            );
        }
        let dialect = <C::Backend as TrackedBackend>::DIALECT;
        for status in statuses {
            if let (MigrationState::Dirty, Some(attempt)) = (status.state(), &status.last_attempt) {
                println!("\n{}", runner::recovery_steps(&status.id, attempt, dialect));
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}

struct Resolve<'a> {
    migrations: &'a Migrations,
    version: &'a str,
    resolution: Resolution,
}

impl OnConnection for Resolve<'_> {
    type Output = ExitCode;
    fn run<C: Db>(self, conn: &mut C) -> Result<ExitCode, Error> {
        let list = sources(self.migrations);
        println!(
            "{}",
            runner::resolve(conn, &list, self.version, self.resolution)?
        );
        Ok(ExitCode::SUCCESS)
    }
}

/// The project's lock timeout (`.lback/settings.json`'s `lock_timeout_ms`;
/// 0: none) over lback's default.
pub(super) fn project_lock_timeout(
    migrations: &Migrations,
    options: MigrateOptions,
) -> MigrateOptions {
    match migrations.settings().lock_timeout_ms {
        None => options,
        Some(0) => options.lock_timeout(None),
        Some(ms) => options.lock_timeout(Some(std::time::Duration::from_millis(ms))),
    }
}
