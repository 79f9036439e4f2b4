//! The models. Change one and run `cargo build`: the build script writes
//! the migration, and the build embeds it.

use lback::Model;

/// A list of tasks.
#[derive(Model)]
#[lback(table = "lists")]
pub struct List {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(unique, max_length = 100)]
    pub name: String,
}

/// A task on a list.
#[derive(Model)]
pub struct Task {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = "lists(id)", on_delete = "cascade", index)]
    pub list_id: i64,
    pub title: String,
    #[lback(default = false)]
    pub done: bool,
}
