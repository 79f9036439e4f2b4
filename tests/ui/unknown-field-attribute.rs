#[derive(lback::Model)]
struct User {
    #[lback(primay_key)]
    id: i64,
}

fn main() {}
