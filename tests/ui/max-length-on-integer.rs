#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(max_length = 3)]
    age: i32,
}

fn main() {}
