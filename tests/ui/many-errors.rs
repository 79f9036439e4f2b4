#[derive(lback::Model)]
struct User {
    #[lback(primay_key)]
    id: i64,
    #[lback(max_length = 3)]
    age: i32,
    #[lback(references = "users.id", on_delete = "set_null")]
    parent_id: i64,
    #[lback(default = true)]
    name: String,
}

fn main() {}
