#[derive(lback::Model)]
struct Post {
    #[lback(primary_key)]
    id: i64,
    #[lback(references = "users(id)", on_delete = "delete")]
    author_id: i64,
}

fn main() {}
