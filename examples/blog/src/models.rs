//! The models: the one source of truth for the schema. Each struct is read
//! by lback (migrations, and diesel's `src/schema.rs` written from them)
//! and by diesel (queries through that schema): `#[diesel(table_name =
//! ...)]` names the table for both.

use diesel::prelude::*;

/// Someone who writes.
#[derive(Debug, Queryable, Selectable, Insertable, Identifiable, lback::Model)]
#[diesel(table_name = crate::schema::users, check_for_backend(diesel::sqlite::Sqlite))]
pub struct User {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(unique, max_length = 255)]
    pub email: String,
    pub display_name: Option<String>,
    #[lback(default = 0)]
    pub karma: i32,
}

/// A post.
#[derive(Debug, Queryable, Selectable, Insertable, Identifiable, Associations, lback::Model)]
#[diesel(table_name = crate::schema::posts, belongs_to(User, foreign_key = author_id))]
#[diesel(check_for_backend(diesel::sqlite::Sqlite))]
pub struct Post {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "users(id)", on_delete = "cascade", index)]
    pub author_id: i64,
    #[lback(max_length = 200)]
    pub title: String,
    pub body: String,
}

/// A comment on a post.
#[derive(Debug, Queryable, Selectable, Identifiable, lback::Model)]
#[diesel(table_name = crate::schema::comments, check_for_backend(diesel::sqlite::Sqlite))]
pub struct Comment {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "posts(id)", on_delete = "cascade", index)]
    pub post_id: i64,
    #[lback(references = "users(id)", on_delete = "set_null")]
    pub author_id: Option<i64>,
    pub body: String,
}

/// A new comment: a second struct for the `comments` table, for diesel's
/// `Insertable` only (the database numbers it). lback needs nothing from
/// it: `Comment` declares the table.
#[derive(Insertable)]
#[diesel(table_name = crate::schema::comments)]
pub struct NewComment<'a> {
    pub post_id: i64,
    pub author_id: Option<i64>,
    pub body: &'a str,
}
