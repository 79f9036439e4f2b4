#[derive(lback::Model)]
#[lback(primary_key(user_id, group_id))]
struct Membership {
    user_id: i64,
    group_id: Option<i64>,
}

fn main() {}
