//! Round trip on MySQL/MariaDB (`MYSQL_DATABASE_URL`, feature `mysql`): each
//! case in a database of its own. See `support/roundtrip.rs`.

#[path = "support/db.rs"]
mod db;
#[path = "support/roundtrip.rs"]
mod roundtrip;

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};
use lback::schema::Schema;
use lback_core::sql::{Dialect, Rendered};
use roundtrip::Database;

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

struct Mysql(MysqlConnection);

impl Database for Mysql {
    const DIALECT: Dialect = Dialect::Mysql;

    fn apply(&mut self, rendered: &Rendered) -> Result<(), String> {
        // MySQL commits each DDL statement: no transaction to wrap them in.
        for statement in &rendered.statements {
            diesel::sql_query(statement)
                .execute(&mut self.0)
                .map_err(|e| format!("{e} in: {statement}"))?;
        }
        Ok(())
    }

    fn execute(&mut self, sql: &str) -> Result<(), String> {
        diesel::sql_query(sql)
            .execute(&mut self.0)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn introspect(&mut self) -> Schema {
        lback_core::introspect::mysql(&mut self.0).expect("introspection works")
    }

    fn text_column(&mut self, sql: &str) -> Vec<Option<String>> {
        diesel::sql_query(sql)
            .load::<Value>(&mut self.0)
            .unwrap_or_else(|e| panic!("{e}: {sql}"))
            .into_iter()
            .map(|r| r.v)
            .collect()
    }
}

#[test]
fn random_schema_pairs_round_trip_on_mysql() {
    for seed in roundtrip::seeds(40) {
        let (conn, _scratch) = db::mysql();
        roundtrip::check_seed(&mut Mysql(conn), seed);
    }
}
