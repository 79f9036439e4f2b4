#[derive(lback::Model)]
struct User {
    #[lback(primary_key, auto_increment)]
    id: String,
}

fn main() {}
