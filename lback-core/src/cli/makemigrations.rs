//! `makemigrations`: the models against the snapshot, written as a
//! migration (or checked with `--check`), and schema.rs with it.

use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use super::commands::open;
use super::connect::dialect_of;
use super::EXIT_CHANGES;
use crate::migrations::{
    check_schema_rs, schema_file, validate_name, Draft, Migrations, SchemaRsState,
};
use crate::schema::Schema;
use crate::schema_rs::{SchemaFile, SchemaFileSetting};
use crate::sql::Dialect;
use crate::Error;

#[allow(clippy::too_many_arguments)]
pub(super) fn makemigrations(
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
pub(super) fn report_schema_rs(
    migrations: &Migrations,
    file: Option<&SchemaFile>,
) -> Result<ExitCode, Error> {
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
pub(super) fn online_folder(folder: &crate::migrations::MigrationFolder, dialect: Dialect) -> bool {
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
