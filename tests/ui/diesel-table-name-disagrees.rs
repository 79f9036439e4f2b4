// lback's and diesel's names for one table must agree.
#[derive(lback::Model)]
#[lback(table = "accounts")]
#[diesel(table_name = crate::schema::users)]
struct Account {
    #[lback(primary_key)]
    id: i64,
}

fn main() {}
