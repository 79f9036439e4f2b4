#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(max_length = 64, max_length = 128)]
    name: String,
}

fn main() {}
