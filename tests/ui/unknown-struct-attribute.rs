#[derive(lback::Model)]
#[lback(tabel = "users")]
struct User {
    #[lback(primary_key)]
    id: i64,
}

fn main() {}
