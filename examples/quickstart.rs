//! The models of a small to-do app, the tables lback reads from them, and
//! the schema snapshot it stores with the migrations. (The example app in
//! `examples/blog` is the whole workflow: migrations, schema.rs, queries.)
//!
//! Run with `cargo run --example quickstart`.

/// Someone tasks are given to.
#[derive(lback::Model)]
#[lback(table = "people")]
pub struct Person {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(unique, max_length = 100)]
    pub handle: String,
}

/// A list of tasks.
#[derive(lback::Model)]
pub struct TodoList {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(max_length = 100)]
    pub title: String,
    #[lback(default = false)]
    pub archived: bool,
}

/// One thing to do: deleted with its list; its assignee may leave.
#[derive(lback::Model)]
#[lback(index(list_id, done))]
pub struct Task {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "todo_lists(id)", on_delete = "cascade")]
    pub list_id: i64,
    #[lback(references = "people(id)", on_delete = "set_null", index)]
    pub assignee_id: Option<i64>,
    #[lback(max_length = 200)]
    pub title: String,
    #[lback(default = false)]
    pub done: bool,
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
