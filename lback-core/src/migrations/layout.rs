//! The names lback gives to the files and directories of the migrations
//! folder, and the limits it checks.

/// The directory of lback's own files inside the migrations directory
/// (diesel skips it: its name starts with a dot).
pub const LBACK_DIR: &str = ".lback";
/// The snapshot file inside [`LBACK_DIR`].
pub const SNAPSHOT_FILE: &str = "schema.json";
/// The settings file inside [`LBACK_DIR`].
pub const SETTINGS_FILE: &str = "settings.json";
/// lback's data file inside a migration folder.
pub const LBACK_FILE: &str = "lback.json";
/// diesel's per-migration settings file.
pub const METADATA_FILE: &str = "metadata.toml";
/// The version of the `lback.json` form this build writes and reads.
pub const MIGRATION_FORMAT: u32 = 1;
/// The longest migration name [`validate_name`](super::validate_name) accepts.
pub const MAX_NAME_LEN: usize = 100;
