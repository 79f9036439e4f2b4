//! `inspect`: adopt an existing database. Writes its models, a baseline
//! migration whose lback data is the schema they say (and, as with every
//! migration lback writes, diesel's schema.rs for it), and records the
//! baseline as applied on that database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use super::connect::{Db, OnConnection};
use crate::migrations::{schema_file, validate_name, Draft, Migrations};
use crate::runner::{Access, MigrationSql, Tracking};
use crate::schema_rs::{self, SchemaFileSetting};
use crate::sql::Dialect;
use crate::Error;

/// `inspect --output <file> [--name <name>] [--force]`.
pub(super) struct Inspect<'a> {
    pub dir: &'a Path,
    pub output: PathBuf,
    pub name: String,
    /// Overwrite the models file, and a schema.rs that says more than its
    /// header differently from lback's.
    pub force: bool,
    /// `--schema-file`, if given.
    pub schema_setting: Option<&'a SchemaFileSetting>,
}

impl OnConnection for Inspect<'_> {
    type Output = ExitCode;
    fn run<C: Db>(self, conn: &mut C) -> Result<ExitCode, Error> {
        let dialect = C::DIALECT;
        validate_name(&self.name)?;
        let mut migrations = Migrations::open(self.dir)?;
        migrations.check_linear()?;
        if let Some(made) = migrations.folders().iter().find(|f| f.lback_data) {
            return Err(Error::Migrations {
                path: self.dir.to_path_buf(),
                message: format!(
                    "already holds migrations made by lback (`{}`), so the models are the source \
                     of truth here; `check` compares the database with them",
                    made.id()
                ),
            });
        }
        if self.output.exists() && !self.force {
            return Err(Error::Migrations {
                path: self.output.clone(),
                message: "exists; give another --output, or --force to overwrite it".into(),
            });
        }
        let history = !migrations.folders().is_empty();
        if history {
            refuse_pending_history(conn, &migrations)?;
        }
        let live = conn.introspect()?;
        let outside = conn.outside_models()?;
        let inspection = crate::inspect::inspect(&live, dialect, outside);
        inspection.schema.validate()?;
        let mut dialects = migrations.settings().dialects.clone();
        if dialects.is_empty() {
            dialects.push(dialect);
        }
        let draft = Draft::new(&migrations, inspection.schema.clone())?;
        draft.check_dialects(&dialects)?;
        let sql = draft.sql(&dialects);
        // schema.rs, like every migration lback writes: rendered (and a
        // user's file weighed) before anything is written.
        let schema_file = schema_file(Path::new(""), &migrations, self.schema_setting)?;
        if let Some(file) = &schema_file {
            let text = schema_rs::render(&inspection.schema, &dialects, &file.options)?;
            if let Ok(actual) = std::fs::read_to_string(&file.path) {
                // diesel_cli's own print-schema output of this database
                // differs from lback's in its header only: replaced, nothing
                // lost. Anything else is the user's to give up (--force).
                if !self.force && !schema_rs::same_but_header(&actual, &text) {
                    let lines = schema_rs::differences(&text, &actual, 20);
                    return Err(Error::Migrations {
                        path: file.path.clone(),
                        message: format!(
                            "exists and differs from lback's schema.rs for this database \
                             beyond the header (- the file, + lback's):\n  {}\nlback writes \
                             schema.rs from now on: give --force to replace it (nothing was \
                             written), or set \"schema_file\": \"none\" in \
                             migrations/.lback/settings.json to keep writing it yourself",
                            lines.join("\n  ")
                        ),
                    });
                }
            }
        }
        let models_existed = self.output.exists();

        if let Some(parent) = self.output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| write_error(parent, &e))?;
        }
        std::fs::write(&self.output, &inspection.source)
            .map_err(|e| write_error(&self.output, &e))?;
        println!(
            "Wrote {} ({} model(s)).",
            self.output.display(),
            inspection.schema.len()
        );
        let folder = match draft.write(
            &mut migrations,
            self.name.clone(),
            sql,
            SystemTime::now(),
            schema_file.as_ref(),
        ) {
            // A baseline creates tables only: always one migration.
            Ok(mut folders) => folders.pop().expect("write returns what it wrote"),
            Err(e) => {
                if !models_existed {
                    let _ = std::fs::remove_file(&self.output);
                }
                return Err(e);
            }
        };
        let (version, id, path) = (folder.version.clone(), folder.id(), folder.path.clone());
        if history {
            // The migrations before it built this schema: the baseline only
            // records it as lback's starting point.
            no_op_sql(&path, &id, &dialects)?;
        }
        println!(
            "Created {}/ with the schema as lback's baseline.",
            path.display()
        );
        if let Some(file) = &schema_file {
            println!(
                "Wrote {} (diesel's schema for the models).",
                file.path.display()
            );
        }
        let migrations = Migrations::open(self.dir)?;
        let list: Vec<&dyn MigrationSql> = migrations
            .folders()
            .iter()
            .map(|f| f as &dyn MigrationSql)
            .collect();
        let report = crate::adopt::fake(conn, &list, Some(&version)).map_err(|e| {
            let mut written = vec![
                self.output.display().to_string(),
                path.display().to_string(),
            ];
            if let Some(file) = &schema_file {
                written.push(file.path.display().to_string());
            }
            Error::Migrations {
                path: path.clone(),
                message: format!(
                    "recording the baseline as applied failed: {e}\nWritten: {}. Once the \
                     database is reachable, finish with `lback migrate --fake {version}` \
                     (running `inspect` again refuses: lback's migrations are here now)",
                    written.join(", ")
                ),
            }
        })?;
        for line in crate::adopt::fake_lines(&report) {
            println!("{line}");
        }
        for warning in &inspection.warnings {
            eprintln!("warning: {warning}");
        }
        if !inspection.warnings.is_empty() {
            eprintln!(
                "warning: {} object(s) are not in the models as the database has them (listed \
                 above and at the top of {}); `check` reports what it can see of them as drift",
                inspection.warnings.len(),
                self.output.display()
            );
        }
        Ok(ExitCode::SUCCESS)
    }
}

/// Refuses, before anything is written, when a migration of the diesel_cli
/// history is not applied to this database: recording the baseline as
/// applied would record it too, though its SQL never ran here.
fn refuse_pending_history<C: Db>(conn: &mut C, migrations: &Migrations) -> Result<(), Error> {
    // No tracking table to read: nothing is applied.
    let applied = Tracking::read(conn, Access::AsItIs)
        .map(|t| t.applied)
        .unwrap_or_default();
    let pending: Vec<String> = migrations
        .folders()
        .iter()
        .filter(|f| !applied.iter().any(|a| a.version == f.version))
        .map(|f| f.id())
        .collect();
    let Some(last) = migrations.folders().last() else {
        return Ok(());
    };
    if pending.is_empty() {
        return Ok(());
    }
    Err(Error::Migrations {
        path: migrations.dir().to_path_buf(),
        message: format!(
            "holds migrations not applied to this database ({}): the baseline would record \
             them as applied though their SQL never ran here; nothing was written. Run \
             `lback migrate` first, or `lback migrate --fake {}` if the database already has \
             those changes, then `inspect` again",
            pending.join(", "),
            last.version
        ),
    })
}

/// Replaces the baseline's SQL by comments and a statement that changes
/// nothing: diesel's migrations before it already create the schema, on
/// every database, and the runner refuses an up.sql without a statement
/// (a `makemigrations --empty` left unwritten).
fn no_op_sql(folder: &Path, id: &str, dialects: &[Dialect]) -> Result<(), Error> {
    let text = format!(
        "-- lback: {id}, the baseline of a project whose earlier migrations (made with \
         diesel_cli)\n-- create this schema: nothing to run. lback.json records the schema as \
         lback's starting point.\n-- The statement below changes nothing: it tells the runner this SQL was \
         written (an\n-- up.sql of comments only is refused as a migration left unwritten).\n\
         SELECT 1;\n"
    );
    for (i, dialect) in dialects.iter().enumerate() {
        for direction in ["up", "down"] {
            let name = if i == 0 {
                format!("{direction}.sql")
            } else {
                format!("{direction}.{dialect}.sql")
            };
            let path = folder.join(name);
            std::fs::write(&path, &text).map_err(|e| write_error(&path, &e))?;
        }
    }
    Ok(())
}

fn write_error(path: &Path, error: &std::io::Error) -> Error {
    Error::Migrations {
        path: path.to_path_buf(),
        message: format!("could not write it: {error}"),
    }
}
