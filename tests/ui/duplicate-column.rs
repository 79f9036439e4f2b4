#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    email: String,
    #[lback(column = "email")]
    contact: String,
}

fn main() {}
