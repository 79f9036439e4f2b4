//! The blog's models and diesel's schema module for them. They live in the
//! library so both binaries see them: `manage` (lback's command line with
//! these models compiled in) and `blog` (the app).

pub mod models;
/// Written by lback from the models with every migration: never by hand.
pub mod schema;
