// lback's and diesel's primary keys must agree.
#[derive(lback::Model)]
#[diesel(table_name = memberships, primary_key(user_id, group_id))]
#[lback(primary_key(group_id, user_id))]
struct Membership {
    user_id: i64,
    group_id: i64,
}

fn main() {}
