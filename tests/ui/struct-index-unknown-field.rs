#[derive(lback::Model)]
#[lback(index(email))]
struct User {
    #[lback(primary_key)]
    id: i64,
    name: String,
}

fn main() {}
