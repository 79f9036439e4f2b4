type Age = i32;

#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(max_length = 3)]
    age: Age,
}

fn main() {}
