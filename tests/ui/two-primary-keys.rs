#[derive(lback::Model)]
struct Membership {
    #[lback(primary_key)]
    user_id: i64,
    #[lback(primary_key)]
    group_id: i64,
}

fn main() {}
