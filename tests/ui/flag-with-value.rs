#[derive(lback::Model)]
struct User {
    #[lback(primary_key = true)]
    id: i64,
}

fn main() {}
