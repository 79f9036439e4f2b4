//! The workflow on SQLite, through the `lback` command as a process.

#[path = "support/workflow.rs"]
mod workflow;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use lback::schema::Schema;
use lback_core::sql::Dialect;
use workflow::{Project, Target};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

struct SqliteFile {
    path: String,
    conn: SqliteConnection,
}

impl SqliteFile {
    fn new(project: &Project) -> Self {
        let path = project.dir.join("app.db").to_string_lossy().into_owned();
        let conn = SqliteConnection::establish(&path).unwrap();
        Self { path, conn }
    }
}

impl Target for SqliteFile {
    const DIALECT: Dialect = Dialect::Sqlite;
    fn url(&self) -> String {
        self.path.clone()
    }
    fn introspect(&mut self) -> Schema {
        lback_core::introspect::sqlite(&mut self.conn).unwrap()
    }
    fn execute(&mut self, sql: &str) {
        self.conn
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    fn count(&mut self, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Count>(&mut self.conn)
            .unwrap()
            .n
    }
}

#[test]
fn the_workflow_over_six_revisions_on_sqlite() {
    let project = Project::new("workflow-sqlite");
    let mut target = SqliteFile::new(&project);
    workflow::workflow(&mut target, &project);
}

#[test]
fn bad_input_on_sqlite() {
    let project = Project::new("bad-input-sqlite");
    let mut target = SqliteFile::new(&project);
    workflow::bad_input(&mut target, &project);
}
