//! The blog's models. They live in the library so both binaries see them:
//! `manage` (which generates migrations from them) and `blog` (the app).

pub mod models;
