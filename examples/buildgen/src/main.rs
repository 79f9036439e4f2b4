//! A to-do application whose migrations are written by `cargo build` (see
//! `build.rs`): it brings its database up to date at startup, then adds a
//! task and counts them.
//!
//! `cargo run -p buildgen` (database `buildgen.db`, or `DATABASE_URL`).

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::BigInt;

lback::embed_migrations!();

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "buildgen.db".to_owned());
    let mut conn = SqliteConnection::establish(&url)?;
    let report = lback::migrate(&mut conn)?;
    println!("{report}");

    conn.batch_execute(
        "INSERT INTO lists (name) VALUES ('inbox') ON CONFLICT (name) DO NOTHING;
         INSERT INTO tasks (list_id, title) SELECT id, 'Try lback' FROM lists WHERE name = 'inbox';",
    )?;
    let tasks =
        diesel::sql_query("SELECT COUNT(*) AS n FROM tasks").get_result::<Count>(&mut conn)?;
    println!("{} task(s) in {url}", tasks.n);
    Ok(())
}
