#[derive(lback::Model)]
enum Status {
    Active,
    Banned,
}

fn main() {}
