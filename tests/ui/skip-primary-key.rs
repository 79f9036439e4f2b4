#[derive(lback::Model)]
struct User {
    #[lback(primary_key, skip)]
    id: i64,
    name: String,
}

fn main() {}
