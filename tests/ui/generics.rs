#[derive(lback::Model)]
struct Wrapper<T> {
    #[lback(primary_key)]
    id: i64,
    value: T,
}

fn main() {}
