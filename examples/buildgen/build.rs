//! Keeps `migrations/` in step with the models in `src/` on every
//! `cargo build`: a changed model becomes a new migration (debug builds),
//! or fails the build (release builds, `LBACK_BUILD=check`).

fn main() {
    lback_build::Builder::new()
        // For the project's first migration only; from then on
        // migrations/.lback/settings.json decides.
        .dialects([lback_build::Dialect::Sqlite])
        .run();
}
