#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: Option<i64>,
}

fn main() {}
