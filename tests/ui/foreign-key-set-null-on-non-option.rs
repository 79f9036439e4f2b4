#[derive(lback::Model)]
#[lback(foreign_key(
    shop_id,
    order_number,
    references = "orders(shop_id, number)",
    on_delete = "set_null"
))]
struct OrderLine {
    #[lback(primary_key)]
    id: i64,
    shop_id: Option<i64>,
    order_number: i32,
}

fn main() {}
