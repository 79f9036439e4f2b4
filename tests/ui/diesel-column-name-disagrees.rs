// lback's and diesel's names for one column must agree.
#[derive(lback::Model)]
#[diesel(table_name = users)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(column = "mail")]
    #[diesel(column_name = email)]
    email: String,
}

fn main() {}
