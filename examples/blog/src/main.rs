//! The blog application: brings its database up to date at startup, then
//! writes and reads through diesel's DSL and the schema lback generated.
//!
//! `cargo run -p blog` (database `blog.db`, or `DATABASE_URL`).

use blog::models::{Comment, NewComment, Post, User};
use blog::schema::{comments, posts, users};
use diesel::prelude::*;

lback::embed_migrations!();

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "blog.db".to_owned());
    let mut conn = SqliteConnection::establish(&url)?;
    let report = lback::migrate(&mut conn)?;
    println!("{report}");

    let ada = User {
        id: 1,
        email: "ada@example.com".into(),
        display_name: Some("Ada".into()),
        karma: 0,
    };
    diesel::insert_into(users::table)
        .values(&ada)
        .on_conflict_do_nothing()
        .execute(&mut conn)?;
    // A row can also be written column by column: what the struct does
    // not say (a counter added later, with its default) the database fills.
    diesel::insert_into(posts::table)
        .values((
            posts::author_id.eq(ada.id),
            posts::title.eq("Hello"),
            posts::body.eq("First post"),
        ))
        .execute(&mut conn)?;
    let post_id: i64 = posts::table
        .select(posts::id)
        .order(posts::id.desc())
        .first(&mut conn)?;
    diesel::insert_into(comments::table)
        .values(&NewComment {
            post_id,
            author_id: Some(ada.id),
            body: "Nice",
        })
        .execute(&mut conn)?;

    let by_ada: Vec<(Post, User)> = posts::table
        .inner_join(users::table)
        .filter(users::email.eq(&ada.email))
        .select((Post::as_select(), User::as_select()))
        .load(&mut conn)?;
    // Through the `joinable!(comments -> posts ...)` lback wrote.
    let comments: Vec<Comment> = comments::table
        .inner_join(posts::table)
        .filter(posts::author_id.eq(ada.id))
        .select(Comment::as_select())
        .load(&mut conn)?;
    println!(
        "{} post(s) by {} in {url}, {} comment(s)",
        by_ada.len(),
        ada.email,
        comments.len()
    );
    Ok(())
}
