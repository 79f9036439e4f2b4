//! `check`: the live database against its migrations (drift).

use std::process::ExitCode;

use super::commands::sources;
use super::connect::{Db, OnConnection};
use super::EXIT_CHANGES;
use crate::migrations::Migrations;
use crate::Error;

/// Compares the database with the schema the migrations build; exit 0
/// when they match, [`EXIT_CHANGES`] with each difference listed when not.
pub(super) struct Check<'a> {
    pub migrations: &'a Migrations,
}

impl OnConnection for Check<'_> {
    type Output = ExitCode;
    fn run<C: Db>(self, conn: &mut C) -> Result<ExitCode, Error> {
        let list = sources(self.migrations);
        let snapshot = self.migrations.snapshot()?;
        let drift = crate::drift::check(conn, &snapshot, &list)?;
        println!("{drift}");
        if drift.is_empty() {
            return Ok(ExitCode::SUCCESS);
        }
        println!(
            "Undo the changes by hand, or make the models say the same, run `makemigrations \
             <name>`, and record that migration as applied with `migrate --fake <version>`."
        );
        Ok(ExitCode::from(EXIT_CHANGES))
    }
}
