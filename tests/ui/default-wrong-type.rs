#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(default = "none")]
    age: i32,
}

fn main() {}
