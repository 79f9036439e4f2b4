//! `inspect`: adopt an existing database. Writes its models, a baseline
//! migration whose lback data is the schema they say, and records the
//! baseline as applied on that database.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::SystemTime;

use diesel::connection::LoadConnection;
use diesel::Connection;

use super::connect::OnConnection;
use crate::introspect::Introspect;
use crate::migrations::{validate_name, Draft, Migrations};
use crate::runner::{MigrationSql, TrackedBackend};
use crate::sql::Dialect;
use crate::Error;

/// `inspect --output <file> [--name <name>] [--force]`.
pub(super) struct Inspect<'a> {
    pub dir: &'a Path,
    pub output: PathBuf,
    pub name: String,
    pub force: bool,
}

impl OnConnection for Inspect<'_> {
    type Output = ExitCode;
    fn run<C>(self, conn: &mut C) -> Result<ExitCode, Error>
    where
        C: Connection + LoadConnection + Introspect,
        C::Backend: TrackedBackend,
    {
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
        let folder =
            migrations.write(draft.into_migration(self.name.clone(), sql, SystemTime::now()))?;
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
        let migrations = Migrations::open(self.dir)?;
        let list: Vec<&dyn MigrationSql> = migrations
            .folders()
            .iter()
            .map(|f| f as &dyn MigrationSql)
            .collect();
        let report = crate::adopt::fake(conn, &list, Some(&version))?;
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

/// Replaces the baseline's SQL by comments: diesel's migrations before it
/// already create the schema, on every database.
fn no_op_sql(folder: &Path, id: &str, dialects: &[Dialect]) -> Result<(), Error> {
    let text = format!(
        "-- lback: {id}, the baseline of a project whose earlier migrations (made with \
         diesel_cli)\n-- create this schema: nothing to run. lback.json records the schema as \
         lback's starting point.\n"
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
