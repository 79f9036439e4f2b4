//! The generic `lback` command (no models compiled in): every command on
//! any project; with the `cli` feature `makemigrations` reads the models
//! from the crate's `src/` (the crate need not compile) and writes the
//! migration with diesel's schema.rs. An application's own
//! `src/bin/manage.rs` calls `lback::cli::main()` to use its compiled-in
//! models instead.

fn main() -> std::process::ExitCode {
    lback::cli::main()
}
