//! The migrations folder: reading it, writing a new migration into it and
//! deleting the newest ones. Pure filesystem and data; no database.
//!
//! The layout stays runnable by diesel_cli and diesel_migrations, which take
//! every directory of `migrations/` not starting with a dot for a migration,
//! run its `up.sql` (and `down.sql` to revert), ignore other files, and read
//! `metadata.toml`:
//!
//! ```text
//! migrations/
//!   .lback/schema.json          the snapshot after the newest migration (Schema::to_snapshot)
//!   .lback/settings.json        {"dialects": ["sqlite", "postgres"]}, the first one primary
//!   20261124233500_add_users/   <14-digit version>_<name>
//!     up.sql  down.sql          SQL of the primary dialect (what diesel_cli runs)
//!     up.postgres.sql  down.postgres.sql   one pair per further dialect
//!     lback.json                the operations, parent, touched tables, rebuilds
//!     metadata.toml             only when up.sql rebuilds a SQLite table:
//!                               `run_in_transaction = false`
//! ```
//!
//! Writing never loses or overwrites anything: the folder is created with
//! `create_dir` (which fails if it exists), every file goes to a temporary
//! name first and is renamed into place, the snapshot is written last, and
//! a failure removes the half-written folder.

mod directory;
mod draft;
mod files;
mod folder;
mod layout;
mod settings;
#[cfg(test)]
pub(crate) mod tests;
mod version;
mod write;

pub use directory::{Migrations, NewMigration};
pub use draft::{
    check_schema_rs, expected_schema_rs, parse_fill, schema_file, write_schema_rs, Draft,
    SchemaRsState,
};
pub use folder::{validate_name, MigrationFolder};
pub use layout::{
    LBACK_DIR, LBACK_FILE, MAX_NAME_LEN, METADATA_FILE, MIGRATION_FORMAT, SETTINGS_FILE,
    SNAPSHOT_FILE,
};
pub use settings::Settings;

#[cfg(feature = "build")]
pub(crate) use directory::names;
#[cfg(test)]
use version::next_version;
