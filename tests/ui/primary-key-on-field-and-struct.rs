#[derive(lback::Model)]
#[lback(primary_key(user_id, group_id))]
struct Membership {
    #[lback(primary_key)]
    user_id: i64,
    group_id: i64,
}

fn main() {}
