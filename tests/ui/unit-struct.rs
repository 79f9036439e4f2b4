#[derive(lback::Model)]
struct User;

fn main() {}
