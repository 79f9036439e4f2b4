//! `migrate --fake`: record migrations as applied without running them.

use std::process::ExitCode;

use super::commands::sources;
use super::connect::{Db, OnConnection};
use crate::migrations::Migrations;
use crate::runner::MigrateOptions;
use crate::Error;

/// `migrate --fake [<version>] [--allow-changed]`.
pub(super) struct Fake<'a> {
    pub migrations: &'a Migrations,
    pub target: Option<&'a str>,
    /// `--allow-changed`: an applied migration whose SQL changed is a
    /// warning.
    pub options: MigrateOptions,
}

impl OnConnection for Fake<'_> {
    type Output = ExitCode;
    fn run<C: Db>(self, conn: &mut C) -> Result<ExitCode, Error> {
        let list = sources(self.migrations);
        let report = crate::adopt::fake_with(conn, &list, self.target, self.options)?;
        for line in crate::adopt::fake_lines(&report) {
            println!("{line}");
        }
        Ok(ExitCode::SUCCESS)
    }
}
