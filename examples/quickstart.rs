//! The models of a small blog, and the schema snapshot lback stores for them.
//!
//! Run with `cargo run --example quickstart`.

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

#[derive(lback::Model)]
pub struct Post {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "users(id)", on_delete = "cascade", index)]
    pub author_id: i64,
    pub title: String,
    #[lback(default = false)]
    pub published: bool,
}

#[derive(lback::Model)]
#[lback(index(post_id, author_id))]
pub struct Comment {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "posts(id)", on_delete = "cascade")]
    pub post_id: i64,
    #[lback(references = "users(id)", on_delete = "set_null")]
    pub author_id: Option<i64>,
    #[lback(max_length = 2000)]
    pub body: String,
}

fn main() -> Result<(), lback::Error> {
    let schema = lback::try_registry()?;
    for entry in lback::models() {
        let table = entry.table();
        println!(
            "{} -> table `{}` ({} columns)",
            entry.rust_path(),
            table.name,
            table.columns.len()
        );
    }
    println!();
    print!("{}", schema.to_snapshot());
    Ok(())
}
