//! The project's settings, `.lback/settings.json`.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::files::{first_repeat, json_error, DialectName};
use crate::sql::{Dialect, RenderOptions};
use crate::Error;

/// The project's settings, `.lback/settings.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// The dialects migrations are generated for; the first is primary (its
    /// SQL goes to `up.sql` / `down.sql`). Empty until the first migration
    /// is written.
    pub dialects: Vec<Dialect>,
    /// Where diesel's schema module goes (`"schema_file": "src/db/schema.rs"`),
    /// or `"none"` for no schema.rs; `diesel.toml`'s `[print_schema] file`
    /// comes first, `src/schema.rs` is the default.
    pub schema_file: Option<String>,
    /// How long a migration's statements wait for a lock, in milliseconds
    /// (`"lock_timeout_ms"`); `None`: lback's default,
    /// [`DEFAULT_LOCK_TIMEOUT`](crate::runner::DEFAULT_LOCK_TIMEOUT)
    /// (5 s); 0: no limit (the server's setting).
    pub lock_timeout_ms: Option<u64>,
    /// Whether generated SQL uses the online forms (`"online_ddl"`, see
    /// [`RenderOptions::online`]): PostgreSQL builds indexes
    /// `CONCURRENTLY` and validates constraints outside the lock that adds
    /// them, in a migration of their own that runs outside a transaction;
    /// MySQL/MariaDB are told `ALGORITHM=..., LOCK=NONE`. The first
    /// migration of a new project writes `true`; absent (projects made
    /// before the setting existed) means off, so their SQL stays as it was.
    pub online_ddl: Option<bool>,
}

impl Settings {
    /// The primary dialect, if any is configured.
    pub fn primary(&self) -> Option<Dialect> {
        self.dialects.first().copied()
    }

    /// How to render this project's SQL.
    pub fn render_options(&self) -> RenderOptions {
        RenderOptions {
            online: self.online_ddl == Some(true),
        }
    }
}

/// The form of `.lback/settings.json`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    dialects: Vec<DialectName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    schema_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lock_timeout_ms: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    online_ddl: Option<bool>,
}

impl Settings {
    /// The form of `.lback/settings.json`: pretty JSON ending in a newline.
    pub fn to_json(&self) -> String {
        let file = SettingsFile {
            dialects: self.dialects.iter().copied().map(DialectName).collect(),
            schema_file: self.schema_file.clone(),
            lock_timeout_ms: self.lock_timeout_ms,
            online_ddl: self.online_ddl,
        };
        let mut text = serde_json::to_string_pretty(&file).expect("settings always convert");
        text.push('\n');
        text
    }

    /// Reads `.lback/settings.json` (`path` is named in errors).
    pub fn from_json(text: &str, path: &Path) -> Result<Self, Error> {
        let file: SettingsFile = serde_json::from_str(text).map_err(|e| Error::Migrations {
            path: path.to_path_buf(),
            message: format!(
                "{}; the file reads like {{\"dialects\": [\"sqlite\", \"postgres\"]}}, with \
                 sqlite, postgres or mysql, the first one primary",
                json_error(&e)
            ),
        })?;
        let dialects: Vec<Dialect> = file.dialects.into_iter().map(|d| d.0).collect();
        if let Some(twice) = first_repeat(&dialects) {
            return Err(Error::Migrations {
                path: path.to_path_buf(),
                message: format!("dialect `{twice}` is listed twice; list each dialect once"),
            });
        }
        Ok(Settings {
            dialects,
            schema_file: file.schema_file,
            lock_timeout_ms: file.lock_timeout_ms,
            online_ddl: file.online_ddl,
        })
    }
}
