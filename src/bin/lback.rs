//! The generic `lback` command (no models compiled in): `migrate`,
//! `showmigrations`, `sqlmigrate` and `rollback` on any migrations folder;
//! `makemigrations --models schema.json`. An application's own
//! `src/bin/manage.rs` calls `lback::cli::main()` to see its models.

fn main() -> std::process::ExitCode {
    lback::cli::main()
}
