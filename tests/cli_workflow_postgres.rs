//! The workflow on Postgres (feature `postgres`, server from the environment),
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
    conn: PgConnection,
    _scratch: db::PgScratch,
}

impl Target for Server {
    const DIALECT: Dialect = Dialect::Postgres;
    fn url(&self) -> String {
        self.url.clone()
    }
    fn introspect(&mut self) -> Schema {
        lback_core::introspect::postgres(&mut self.conn).unwrap()
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
    let (conn, scratch) = db::pg();
    // The command connects with the scratch schema as its search_path.
    let base = db::server_url("PG_DATABASE_URL");
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!(
        "{base}{separator}options=-csearch_path%3D{}",
        scratch.schema
    );
    Server {
        url,
        conn,
        _scratch: scratch,
    }
}

#[test]
fn the_workflow_over_six_revisions_on_postgres() {
    let project = Project::new("workflow-postgres");
    let mut target = server();
    workflow::workflow(&mut target, &project);
}

#[test]
fn bad_input_on_postgres() {
    let project = Project::new("bad-input-postgres");
    let mut target = server();
    workflow::bad_input(&mut target, &project);
}
