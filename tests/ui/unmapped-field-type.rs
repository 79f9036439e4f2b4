struct Address {
    street: String,
}

#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    address: Address,
}

fn main() {}
