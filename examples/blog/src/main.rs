//! The blog application: brings its database up to date at startup, then
//! writes and reads a little.
//!
//! `cargo run -p blog` (database `blog.db`, or `DATABASE_URL`).

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
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "blog.db".to_owned());
    let mut conn = SqliteConnection::establish(&url)?;
    let report = lback::migrate(&mut conn)?;
    println!("{report}");

    conn.batch_execute(
        "INSERT INTO users (email, display_name) VALUES ('ada@example.com', 'Ada') ON CONFLICT (email) DO NOTHING;
         INSERT INTO posts (author_id, title, body)
             SELECT id, 'Hello', 'First post' FROM users WHERE email = 'ada@example.com';",
    )?;
    let posts =
        diesel::sql_query("SELECT COUNT(*) AS n FROM posts").get_result::<Count>(&mut conn)?;
    println!("{} post(s) in {url}", posts.n);
    Ok(())
}
