#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(auto_increment)]
    counter: i64,
}

fn main() {}
