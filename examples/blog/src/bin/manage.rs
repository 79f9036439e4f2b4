//! `cargo run --bin manage -- makemigrations <name>` and friends: lback's
//! command line with this application's models (like Django's manage.py).

// The models live in the library crate; linking it registers them.
use blog as _;

fn main() -> std::process::ExitCode {
    lback::cli::main()
}
