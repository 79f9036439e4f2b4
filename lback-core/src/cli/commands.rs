//! The commands.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

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
    self, Direction, Hooks, Job, MigrateOptions, MigrationReport, MigrationSql, MigrationState,
    Reach, Resolution, Script, StepInfo, TrackedBackend,
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
            let migrations = open(&cli.migrations_dir)?;
            let url = need_url(url, "migrate")?;
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

/// `rollback`, then with `--delete` the folders of what it reverted.
fn rollback_command(
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

fn open(dir: &std::path::Path) -> Result<Migrations, Error> {
    let migrations = Migrations::open(dir)?;
    migrations.check_linear()?;
    Ok(migrations)
}

fn need_url(url: Option<String>, command: &str) -> Result<String, Error> {
    url.filter(|u| !u.trim().is_empty()).ok_or_else(|| {
        Error::Usage(format!(
            "`{command}` needs a database: give --database-url or set DATABASE_URL \
             (a SQLite file path, postgres://... or mysql://...)"
        ))
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
    (check, deny_blocking): (bool, bool),
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
        if deny_blocking {
            if let Some(newest) = migrations.folders().last() {
                let blocking = blocking_lines(newest_change(migrations.folders()), &dialects);
                if !blocking.is_empty() {
                    println!(
                        "Migration {} blocks writes while it scans or rewrites a table:",
                        newest.id()
                    );
                    for line in blocking {
                        println!("  {line}");
                    }
                    println!(
                        "Split the change (e.g. add the column nullable, fill it in batches, \
                         then make it NOT NULL), or apply it in a maintenance window."
                    );
                    return Ok(ExitCode::from(EXIT_CHANGES));
                }
            }
        }
        if draft.is_empty() {
            println!("No changes detected.");
            return report_schema_rs(&migrations, schema_file.as_ref());
        }
        println!("The models have changes that no migration covers:");
        print_summary(&draft, &dialects);
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
        print_summary(&draft, &dialects);
    }
    let sql = draft.sql(&dialects);
    if dry_run {
        let parts = draft
            .clone()
            .into_migrations(name.clone(), sql, SystemTime::now());
        for part in &parts {
            if parts.len() > 1 {
                println!("\n-- migration <version>_{}", part.name);
            }
            for (dialect, up, down) in &part.sql {
                println!("\n-- {dialect} up\n{}", up.to_sql());
                println!("-- {dialect} down\n{}", down.to_sql());
            }
        }
        println!("(dry run: nothing written)");
        return Ok(ExitCode::SUCCESS);
    }
    // An empty migration changes no table: schema.rs stays as it is.
    let schema_file = schema_file.filter(|_| !empty);
    let folders = draft.write(
        &mut migrations,
        name,
        sql,
        SystemTime::now(),
        schema_file.as_ref(),
    )?;
    for folder in &folders {
        let online = if folder.run_in_transaction == Some(false) && folders.len() > 1 {
            " (the online part: runs outside a transaction, after the one before it)"
        } else {
            ""
        };
        println!(
            "Created {}/{online} — review it, then run `migrate`.",
            folder.path.display()
        );
    }
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
            return Err(Error::Usage(format!(
                "--dialect differs from the project's dialects: this project generates SQL for {}; \
                 to change that, edit migrations/.lback/settings.json",
                names(&configured)
            )));
        }
        return Ok(configured);
    }
    if !requested.is_empty() {
        return Ok(requested);
    }
    if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
        return Ok(vec![dialect_of(url)?]);
    }
    Err(Error::Usage(
        "which database are the migrations for? give --dialect sqlite|postgres|mysql \
         (repeatable; remembered in migrations/.lback/settings.json), or --database-url / DATABASE_URL"
            .into(),
    ))
}

fn names(dialects: &[Dialect]) -> String {
    dialects
        .iter()
        .map(|d| d.name())
        .collect::<Vec<_>>()
        .join(", ")
}

fn print_summary(draft: &Draft, dialects: &[Dialect]) {
    for line in draft.summary() {
        println!("  {line}");
    }
    // The operations PostgreSQL gets in their online form: the deferred
    // ones of each migration written whose SQL has an online part (none
    // when a SQLite rebuild keeps a migration in its transaction).
    let mut deferred = Vec::new();
    if draft.options.online {
        let sql = draft.sql(dialects);
        let parts = draft
            .clone()
            .into_migrations("summary".into(), sql, SystemTime::now());
        for part in parts {
            let online = part
                .sql
                .iter()
                .any(|(d, up, _)| *d == Dialect::Postgres && !up.outside_transaction.is_empty());
            if online {
                deferred.extend(crate::sql::split_online(&part.operations).1);
            }
        }
    }
    // The lock each operation takes, per server database.
    for &dialect in dialects {
        let lines: Vec<String> = draft
            .operations
            .iter()
            .filter_map(|op| {
                let online = deferred.contains(op);
                crate::sql::lock_report_with(op, dialect, online)
                    .map(|report| format!("{op}: {report}"))
            })
            .collect();
        if !lines.is_empty() {
            println!("Locks on {dialect}:");
            for line in lines {
                println!("  {line}");
            }
        }
    }
}

/// Whether lback wrote `folder`'s operations in their online form for
/// `dialect`: on PostgreSQL, a generated migration that runs outside a
/// transaction (the `<name>_online` part of a change).
fn online_folder(folder: &crate::migrations::MigrationFolder, dialect: Dialect) -> bool {
    folder.lback_data && folder.runs_outside_transaction(dialect)
}

/// The newest model change: the newest migration, and the one before it
/// when the newest is its `<name>_online` part.
fn newest_change(
    folders: &[crate::migrations::MigrationFolder],
) -> Vec<&crate::migrations::MigrationFolder> {
    let mut change: Vec<_> = folders.iter().rev().take(1).collect();
    if let [.., before, newest] = folders {
        if newest.name == format!("{}_online", before.name) {
            change.push(before);
        }
    }
    change
}

/// The operations of `folders` that block writes for a scan or a
/// rewrite, on each server dialect, as lines.
fn blocking_lines(
    folders: Vec<&crate::migrations::MigrationFolder>,
    dialects: &[Dialect],
) -> Vec<String> {
    let mut lines = Vec::new();
    for &dialect in dialects {
        for (folder, op) in folders
            .iter()
            .rev()
            .flat_map(|f| f.operations.iter().map(move |op| (*f, op)))
        {
            let online = online_folder(folder, dialect);
            if let Some(report) = crate::sql::lock_report_with(op, dialect, online) {
                if report.blocks_writes {
                    lines.push(format!("{dialect}: {op}: {report}"));
                }
            }
        }
    }
    lines
}

struct Migrate<'a> {
    migrations: &'a Migrations,
    target: Option<String>,
    dry_run: bool,
    options: MigrateOptions,
    quiet: bool,
}

impl OnConnection for Migrate<'_> {
    type Output = ExitCode;
    fn run<C>(self, conn: &mut C) -> Result<ExitCode, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
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
    fn run<C>(self, conn: &mut C) -> Result<Vec<String>, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
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

/// The project's lock timeout (`.lback/settings.json`'s `lock_timeout_ms`;
/// 0: none) over lback's default.
fn project_lock_timeout(migrations: &Migrations, options: MigrateOptions) -> MigrateOptions {
    match migrations.settings().lock_timeout_ms {
        None => options,
        Some(0) => options.lock_timeout(None),
        Some(ms) => options.lock_timeout(Some(std::time::Duration::from_millis(ms))),
    }
}
