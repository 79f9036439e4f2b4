#[derive(lback::Model)]
struct User {
    #[lback(primary_key)]
    id: i64,
    #[lback(default = "now", default_sql = "CURRENT_TIMESTAMP")]
    created_at: String,
}

fn main() {}
