#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(max_length = "64")]
    name: String,
}

fn main() {}
