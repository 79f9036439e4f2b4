#[derive(lback::Model)]
struct User(i64, String);

fn main() {}
