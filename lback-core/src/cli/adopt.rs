//! `migrate --fake`: record migrations as applied without running them.

use std::process::ExitCode;

use diesel::connection::LoadConnection;
use diesel::Connection;

use super::connect::OnConnection;
use crate::migrations::Migrations;
use crate::runner::{MigrationSql, TrackedBackend};
use crate::Error;

/// `migrate --fake [<version>]`.
pub(super) struct Fake<'a> {
    pub migrations: &'a Migrations,
    pub target: Option<&'a str>,
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
        let report = crate::adopt::fake(conn, &list, self.target)?;
        for line in crate::adopt::fake_lines(&report) {
            println!("{line}");
        }
        Ok(ExitCode::SUCCESS)
    }
}
