//! The commands.

use std::process::ExitCode;
use std::time::SystemTime;

use diesel::connection::LoadConnection;
use diesel::Connection;

use super::args::{Cli, Command};
use super::connect::{dialect_of, with_connection, OnConnection};
use super::EXIT_CHANGES;
use std::path::Path;

use crate::migrations::{
    check_schema_rs, schema_file, validate_name, write_schema_rs, Draft, MigrationFolder,
    Migrations, SchemaRsState,
};
use crate::runner::{
    self, MigrateOptions, MigrationSql, MigrationState, Plan, Resolution, Step, TrackedBackend,
};
use crate::schema::Schema;
use crate::schema_rs::{SchemaFile, SchemaFileSetting};
use crate::sql::Dialect;
use crate::Error;

pub(super) fn run(cli: Cli, models: Schema) -> Result<ExitCode, Error> {
    let url = cli.database_url.clone();
    let schema_setting = cli.schema_file.as_deref().map(SchemaFileSetting::parse);
    match cli.command {
        Command::Makemigrations {
            name,
            check,
            dry_run,
            empty,
            dialects,
            fills,
            ..
        } => makemigrations(
            &cli.migrations_dir,
            models,
            name,
            check,
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
        } => {
            let migrations = open(&cli.migrations_dir)?;
            let url = need_url(url, "migrate")?;
            if fake {
                let fake = super::adopt::Fake {
                    migrations: &migrations,
                    target: version.as_deref(),
                };
                return with_connection(&url, fake);
            }
            let options = if allow_changed {
                MigrateOptions::default().warn_on_changed()
            } else {
                MigrateOptions::default()
            };
            with_connection(
                &url,
                Migrate {
                    migrations: &migrations,
                    target: version,
                    dry_run,
                    options,
                },
            )
        }
        Command::Rollback {
            table,
            dry_run,
            delete,
        } => {
            let mut migrations = open(&cli.migrations_dir)?;
            let url = need_url(url, "rollback")?;
            let reverted = with_connection(
                &url,
                Rollback {
                    migrations: &migrations,
                    table: &table,
                    dry_run,
                    delete,
                },
            )?;
            if delete && !reverted.is_empty() {
                migrations.delete_newest(&reverted)?;
                for id in &reverted {
                    println!(
                        "Deleted {}/{id}/ and rewound the snapshot",
                        cli.migrations_dir.display()
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Showmigrations => {
            let migrations = open(&cli.migrations_dir)?;
            let url = need_url(url, "showmigrations")?;
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
            let migrations = open(&cli.migrations_dir)?;
            let url = need_url(url, "resolve")?;
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
            let migrations = open(&cli.migrations_dir)?;
            let url = need_url(url, "check")?;
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
            };
            with_connection(&url, inspect)
        }
        Command::Sqlmigrate {
            version,
            down,
            dialect,
        } => {
            let migrations = open(&cli.migrations_dir)?;
            let list = sources(&migrations);
            let migration = runner::find(&list, &version)?;
            let from_url = match (dialect, url.as_deref()) {
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
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn open(dir: &std::path::Path) -> Result<Migrations, Error> {
    let migrations = Migrations::open(dir)?;
    migrations.check_linear()?;
    Ok(migrations)
}

fn need_url(url: Option<String>, command: &str) -> Result<String, Error> {
    url.filter(|u| !u.trim().is_empty()).ok_or_else(|| Error::Database {
        context: format!("`{command}` needs a database"),
        message: "give --database-url or set DATABASE_URL (a SQLite file path, postgres://... or mysql://...)".into(),
    })
}

fn sources(migrations: &Migrations) -> Vec<&dyn MigrationSql> {
    migrations
        .folders()
        .iter()
        .map(|f| f as &dyn MigrationSql)
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn makemigrations(
    dir: &std::path::Path,
    models: Schema,
    name: Option<String>,
    check: bool,
    dry_run: bool,
    empty: bool,
    requested: Vec<Dialect>,
    fills: &[String],
    url: Option<&str>,
    schema_setting: Option<&SchemaFileSetting>,
) -> Result<ExitCode, Error> {
    if let Some(name) = &name {
        validate_name(name)?;
    }
    let mut migrations = open(dir)?;
    let schema_file = schema_file(Path::new(""), &migrations, schema_setting)?;
    let mut draft = Draft::new(&migrations, models)?;
    if !check && !empty {
        decide_fills(&mut draft, fills)?;
    }
    let dialects = dialects(migrations.settings().dialects.clone(), requested, url)?;
    draft.check_dialects(&dialects)?;
    if check {
        if draft.is_empty() {
            println!("No changes detected.");
            return report_schema_rs(&migrations, schema_file.as_ref());
        }
        println!("The models have changes that no migration covers:");
        print_summary(&draft);
        println!("Run `makemigrations <name>` and commit the migration with the models.");
        return Ok(ExitCode::from(EXIT_CHANGES));
    }
    if draft.is_empty() && !empty {
        println!("No changes detected.");
        if let SchemaRsState::Differs { path, .. } =
            check_schema_rs(&migrations, schema_file.as_ref())?
        {
            println!(
                "{} is not what the migrations say; `schema` rewrites it.",
                path.display()
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let draft = if empty {
        draft.without_operations()
    } else {
        draft
    };
    let name = name.expect("clap requires a name unless --check");
    if !draft.is_empty() {
        println!("Changes for `{name}`:");
        print_summary(&draft);
    }
    let sql = draft.sql(&dialects);
    if dry_run {
        for (dialect, up, down) in &sql {
            println!("\n-- {dialect} up\n{}", up.to_sql());
            println!("-- {dialect} down\n{}", down.to_sql());
        }
        println!("(dry run: nothing written)");
        return Ok(ExitCode::SUCCESS);
    }
    // An empty migration changes no table: schema.rs stays as it is.
    let schema_file = schema_file.filter(|_| !empty);
    let folder = draft.write(
        &mut migrations,
        name,
        sql,
        SystemTime::now(),
        schema_file.as_ref(),
    )?;
    println!(
        "Created {}/ — review it, then run `migrate`.",
        folder.path.display()
    );
    if let Some(file) = &schema_file {
        println!(
            "Wrote {} (diesel's schema for the models).",
            file.path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The values for NULLs of columns made NOT NULL: from `--fill`, else
/// asked for on a terminal; refused without one (never `''` or 0 by
/// surprise).
fn decide_fills(draft: &mut Draft, fills: &[String]) -> Result<(), Error> {
    use std::io::{BufRead, IsTerminal, Write};
    for option in fills {
        let (table, column, value) = crate::migrations::parse_fill(option)?;
        draft.set_fill(&table, &column, &value)?;
    }
    for (table, column) in draft.fills_needed() {
        let stdin = std::io::stdin();
        if !stdin.is_terminal() {
            return Err(Error::Fill(format!(
                "{table}.{column} becomes NOT NULL, and rows already there may hold NULL in it: \
                 choose the value they get with `--fill {table}.{column}=<value>` \
                 (or give the field a default, or keep it Option<T>)"
            )));
        }
        print!(
            "{table}.{column} becomes NOT NULL. Value for the rows that hold NULL in it \
             (written into up.sql; empty line to stop): "
        );
        std::io::stdout().flush().ok();
        let mut line = String::new();
        stdin.lock().read_line(&mut line).ok();
        let value = line.trim_end_matches(['\n', '\r']);
        if value.is_empty() {
            return Err(Error::Fill(format!(
                "no value for the NULLs of {table}.{column}: nothing written; run again with \
                 `--fill {table}.{column}=<value>`"
            )));
        }
        draft.set_fill(&table, &column, value)?;
    }
    Ok(())
}

/// `--check` of schema.rs: exit status 3 when it is not what the
/// snapshot says, with the lines that differ.
fn report_schema_rs(migrations: &Migrations, file: Option<&SchemaFile>) -> Result<ExitCode, Error> {
    match check_schema_rs(migrations, file)? {
        SchemaRsState::InStep => Ok(ExitCode::SUCCESS),
        SchemaRsState::Differs { path, lines } => {
            println!(
                "{} is not what the migrations say (- the file, + the snapshot):",
                path.display()
            );
            for line in lines {
                println!("  {line}");
            }
            println!(
                "Run `schema` to rewrite it, and commit it with the models (a project that does \
                 not use diesel's schema.rs sets \"schema_file\": \"none\" in \
                 migrations/.lback/settings.json)."
            );
            Ok(ExitCode::from(EXIT_CHANGES))
        }
    }
}

fn dialects(
    configured: Vec<Dialect>,
    requested: Vec<Dialect>,
    url: Option<&str>,
) -> Result<Vec<Dialect>, Error> {
    if !configured.is_empty() {
        if !requested.is_empty() && requested != configured {
            return Err(Error::Database {
                context: "--dialect differs from the project's dialects".into(),
                message: format!(
                    "this project generates SQL for {}; to change that, edit migrations/.lback/settings.json",
                    names(&configured)
                ),
            });
        }
        return Ok(configured);
    }
    if !requested.is_empty() {
        return Ok(requested);
    }
    if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
        return Ok(vec![dialect_of(url)?]);
    }
    Err(Error::Database {
        context: "which database are the migrations for?".into(),
        message: "give --dialect sqlite|postgres|mysql (repeatable; remembered in migrations/.lback/settings.json), \
                  or --database-url / DATABASE_URL"
            .into(),
    })
}

fn names(dialects: &[Dialect]) -> String {
    dialects
        .iter()
        .map(|d| d.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_summary(draft: &Draft) {
    for line in draft.summary() {
        println!("  {line}");
    }
}

struct Migrate<'a> {
    migrations: &'a Migrations,
    target: Option<String>,
    dry_run: bool,
    options: MigrateOptions,
}

impl OnConnection for Migrate<'_> {
    type Output = ExitCode;
    fn run<C>(self, conn: &mut C) -> Result<ExitCode, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let list = sources(self.migrations);
        // Planned and run under the migration lock: replicas starting at
        // once run one after the other.
        runner::locked(conn, |conn| {
            let (applied, warnings) = runner::applied_and_verified(conn, &list, self.options)?;
            for warning in &warnings {
                eprintln!("warning: {warning}");
            }
            let plan = runner::plan_migrate(&list, &applied, self.target.as_deref())?;
            if plan.is_empty() {
                println!("No migrations to apply.");
                return Ok(ExitCode::SUCCESS);
            }
            if self.dry_run {
                print_plan_with_sql(&plan, <C::Backend as TrackedBackend>::DIALECT)?;
                println!("(dry run: nothing changed)");
                return Ok(ExitCode::SUCCESS);
            }
            let report = runner::execute(conn, &plan)?;
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        })
    }
}

fn print_plan_with_sql(plan: &Plan<'_>, dialect: Dialect) -> Result<(), Error> {
    for step in &plan.steps {
        match step {
            Step::Apply(m) => println!("-- apply {}\n{}", m.id(), m.up(dialect)?),
            Step::Revert(m) => println!(
                "-- revert {}\n{}",
                m.id(),
                m.down(dialect)?
                    .map(|s| s.into_owned())
                    .unwrap_or_else(|| "-- (no down.sql)".into())
            ),
        }
    }
    Ok(())
}

struct Rollback<'a> {
    migrations: &'a Migrations,
    table: &'a str,
    dry_run: bool,
    delete: bool,
}

impl OnConnection for Rollback<'_> {
    /// The ids reverted.
    type Output = Vec<String>;
    fn run<C>(self, conn: &mut C) -> Result<Vec<String>, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let list = sources(self.migrations);
        let schema = self.migrations.snapshot()?;
        runner::locked(conn, |conn| self.under_lock(conn, &list, &schema))
    }
}

impl Rollback<'_> {
    fn under_lock<C>(
        &self,
        conn: &mut C,
        list: &[&dyn MigrationSql],
        schema: &Schema,
    ) -> Result<Vec<String>, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let (applied, warnings) =
            runner::applied_and_verified(conn, list, MigrateOptions::default())?;
        for warning in &warnings {
            eprintln!("warning: {warning}");
        }
        let plan = runner::plan_rollback(list, &applied, self.table, schema)?;
        println!("Rolling back `{}`:", self.table);
        print!("{plan}");
        let ids: Vec<String> = plan
            .steps
            .iter()
            .map(|s| match s {
                Step::Apply(m) | Step::Revert(m) => m.id().into_owned(),
            })
            .collect();
        if self.delete {
            // Refuse before reverting anything: nothing may be lost.
            let newest: Vec<String> = self
                .migrations
                .folders()
                .iter()
                .rev()
                .take(ids.len())
                .map(MigrationFolder::id)
                .collect();
            if newest != ids {
                return Err(Error::Migrations {
                    path: self.migrations.dir().to_path_buf(),
                    message: format!(
                        "--delete removes only the newest migrations, but {} would leave later ones behind; \
                         run without --delete (the folders stay) or roll back the later migrations first",
                        ids.join(", ")
                    ),
                });
            }
        }
        let dialect = <C::Backend as TrackedBackend>::DIALECT;
        for step in &plan.steps {
            if let Step::Revert(m) = step {
                match m.down(dialect)? {
                    Some(sql) if !sql.trim().is_empty() => {}
                    _ => {
                        return Err(Error::NoDownMigration {
                            migration: m.id().into_owned(),
                        })
                    }
                }
            }
        }
        if self.dry_run {
            print_plan_with_sql(&plan, dialect)?;
            println!("(dry run: nothing changed)");
            return Ok(Vec::new());
        }
        let report = runner::execute(conn, &plan)?;
        println!("{report}");
        Ok(report.reverted)
    }
}

struct Show<'a> {
    migrations: &'a Migrations,
}

impl OnConnection for Show<'_> {
    type Output = ExitCode;
    fn run<C>(self, conn: &mut C) -> Result<ExitCode, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
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
    fn run<C>(self, conn: &mut C) -> Result<ExitCode, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let list = sources(self.migrations);
        println!(
            "{}",
            runner::resolve(conn, &list, self.version, self.resolution)?
        );
        Ok(ExitCode::SUCCESS)
    }
}
