type Price = f64;

#[derive(lback::Model)]
struct Product {
    #[lback(primary_key)]
    id: i64,
    #[lback(precision = 10, scale = 2)]
    price: Price,
}

fn main() {}
