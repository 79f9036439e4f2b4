#[derive(lback::Model)]
struct Product {
    #[lback(primary_key)]
    id: i64,
    #[lback(scale = 2)]
    price: bigdecimal::BigDecimal,
}

fn main() {}
