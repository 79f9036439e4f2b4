//! Round trip on PostgreSQL (`PG_DATABASE_URL`, feature `postgres`): each
//! case in a schema of its own. See `support/roundtrip.rs`.

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

struct Postgres(PgConnection);

impl Database for Postgres {
    const DIALECT: Dialect = Dialect::Postgres;

    fn apply(&mut self, rendered: &Rendered) -> Result<(), String> {
        // PostgreSQL has transactional DDL: a migration applies whole or not at all.
        self.0
            .transaction::<_, diesel::result::Error, _>(|conn| {
                for statement in &rendered.statements {
                    diesel::sql_query(statement).execute(conn)?;
                }
                Ok(())
            })
            .map_err(|e| e.to_string())
    }

    fn execute(&mut self, sql: &str) -> Result<(), String> {
        diesel::sql_query(sql)
            .execute(&mut self.0)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn introspect(&mut self) -> Schema {
        lback_core::introspect::postgres(&mut self.0).expect("introspection works")
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
fn random_schema_pairs_round_trip_on_postgres() {
    for seed in roundtrip::seeds(60) {
        let (conn, _scratch) = db::pg();
        roundtrip::check_seed(&mut Postgres(conn), seed);
    }
}
