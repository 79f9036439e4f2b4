//! The models: the source of truth for the schema.

/// Someone who writes.
#[derive(lback::Model)]
#[lback(table = "users")]
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
#[derive(lback::Model)]
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
#[derive(lback::Model)]
pub struct Comment {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "posts(id)", on_delete = "cascade", index)]
    pub post_id: i64,
    #[lback(references = "users(id)", on_delete = "set_null")]
    pub author_id: Option<i64>,
    pub body: String,
}
