#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(skip, max_length = 64)]
    cache: String,
}

fn main() {}
