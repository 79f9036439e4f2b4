//! The to-do application's models. The build script finds them from here
//! (it reads `src/lib.rs`, `src/main.rs` and the modules they declare).

pub mod models;
