#[derive(lback::Model)]
struct Post {
    #[lback(primary_key)]
    id: i64,
    #[lback(on_delete = "cascade")]
    author_id: i64,
}

fn main() {}
