//! The workflow on Mysql (feature `mysql`, server from the environment),
//! through the `lback` command as a process.

#[path = "support/db.rs"]
mod db;
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

struct Server {
    url: String,
    conn: MysqlConnection,
    _scratch: db::MysqlScratch,
}

impl Target for Server {
    const DIALECT: Dialect = Dialect::Mysql;
    fn url(&self) -> String {
        self.url.clone()
    }
    fn introspect(&mut self) -> Schema {
        lback_core::introspect::mysql(&mut self.conn).unwrap()
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

fn server() -> Server {
    let (conn, scratch) = db::mysql();
    let url = db::with_database(&db::server_url("MYSQL_DATABASE_URL"), &scratch.database);
    Server {
        url,
        conn,
        _scratch: scratch,
    }
}

#[test]
fn the_workflow_over_six_revisions_on_mysql() {
    let project = Project::new("workflow-mysql");
    let mut target = server();
    workflow::workflow(&mut target, &project);
}

#[test]
fn bad_input_on_mysql() {
    let project = Project::new("bad-input-mysql");
    let mut target = server();
    workflow::bad_input(&mut target, &project);
}
