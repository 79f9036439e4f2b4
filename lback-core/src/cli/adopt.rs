//! `migrate --fake`: record migrations as applied without running them.

use std::process::ExitCode;

use diesel::connection::LoadConnection;
use diesel::Connection;

use super::connect::OnConnection;
use crate::migrations::Migrations;
use crate::runner::{MigrateOptions, MigrationSql, TrackedBackend};
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
    fn run<C>(self, conn: &mut C) -> Result<ExitCode, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend,
    {
        let list: Vec<&dyn MigrationSql> = self
            .migrations
            .folders()
            .iter()
            .map(|f| f as &dyn MigrationSql)
            .collect();
        let report = crate::adopt::fake_with(conn, &list, self.target, self.options)?;
        for line in crate::adopt::fake_lines(&report) {
            println!("{line}");
        }
        Ok(ExitCode::SUCCESS)
    }
}
