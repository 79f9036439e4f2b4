//! Round trip on SQLite (in memory): up(A→B) gives B, down gives A, rows
//! survive. See `support/roundtrip.rs`.

#[path = "support/roundtrip.rs"]
mod roundtrip;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use lback::schema::Schema;
use lback_core::sql::{Dialect, Rendered};
use roundtrip::Database;

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

struct Sqlite(SqliteConnection);

impl Database for Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;

    fn apply(&mut self, rendered: &Rendered) -> Result<(), String> {
        let conn = &mut self.0;
        if rendered.needs_foreign_keys_off {
            conn.batch_execute("PRAGMA foreign_keys = OFF")
                .map_err(|e| e.to_string())?;
        }
        let result = conn.transaction::<_, diesel::result::Error, _>(|conn| {
            for statement in &rendered.statements {
                diesel::sql_query(statement).execute(conn)?;
            }
            let broken = diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
                .get_result::<Count>(conn)?;
            if broken.n != 0 {
                return Err(diesel::result::Error::RollbackTransaction);
            }
            Ok(())
        });
        conn.batch_execute("PRAGMA foreign_keys = ON")
            .map_err(|e| e.to_string())?;
        result.map_err(|e| e.to_string())
    }

    fn execute(&mut self, sql: &str) -> Result<(), String> {
        diesel::sql_query(sql)
            .execute(&mut self.0)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    fn introspect(&mut self) -> Schema {
        lback_core::introspect::sqlite(&mut self.0).expect("introspection works")
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

fn fresh() -> Sqlite {
    let mut conn = SqliteConnection::establish(":memory:").unwrap();
    conn.batch_execute("PRAGMA foreign_keys = ON").unwrap();
    Sqlite(conn)
}

#[test]
fn random_schema_pairs_round_trip_on_sqlite() {
    let seeds = roundtrip::seeds(200);
    for &seed in &seeds {
        roundtrip::check_seed(&mut fresh(), seed);
    }
    if seeds.len() >= 200 {
        // Some pairs drop what their down cannot restore on rows: those
        // downs must have stopped at their guard (not vacuous).
        let guarded = roundtrip::GUARDED_DOWNS.load(std::sync::atomic::Ordering::Relaxed);
        assert!(guarded > 0, "no seed exercised a guarded down");
        eprintln!("{guarded} of {} downs stopped at their guard", seeds.len());
    }
}
