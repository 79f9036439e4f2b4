//! Generated migrations on SQLite tables with rows: guards before changes
//! the rows may not fit, honest downs, fills, swapped renames (see
//! `support/guards.rs`).

#[path = "support/db.rs"]
mod db;
#[path = "support/guards.rs"]
mod guards;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use targets::SqliteFile;

/// A SQLite file in a scratch directory of its own.
fn sqlite() -> SqliteFile {
    let dir = std::env::temp_dir().join(db::unique_name("lback-guards"));
    std::fs::create_dir_all(&dir).unwrap();
    SqliteFile::new(&dir)
}

guard_cases!(sqlite(), on_sqlite);
