//! Where schema.rs goes: `diesel.toml`'s `[print_schema] file` when the
//! project has one (as diesel_cli does), else lback's setting, else
//! `src/schema.rs`.

use std::path::{Path, PathBuf};

use super::Options;
use crate::Error;

/// lback's own say on schema.rs (`"schema_file"` in
/// `migrations/.lback/settings.json`, or `--schema-file`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemaFileSetting {
    /// This path, relative to the project's folder.
    Path(PathBuf),
    /// lback writes no schema.rs (`"none"`).
    Off,
}

impl SchemaFileSetting {
    /// Reads the setting's text: a path, or `none`.
    pub fn parse(text: &str) -> Self {
        if text.trim() == "none" {
            SchemaFileSetting::Off
        } else {
            SchemaFileSetting::Path(PathBuf::from(text.trim()))
        }
    }
}

/// The schema.rs of a project, and how to write it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaFile {
    /// The file.
    pub path: PathBuf,
    /// How to write it (from `diesel.toml`).
    pub options: Options,
}

impl SchemaFile {
    /// Finds the project's schema.rs: `root/diesel.toml`'s `[print_schema]
    /// file`, else `setting`, else `root/src/schema.rs`. `None` when the
    /// setting turns it off. A `diesel.toml` that names another file than
    /// the setting is an error naming both.
    pub fn locate(root: &Path, setting: Option<&SchemaFileSetting>) -> Result<Option<Self>, Error> {
        if setting == Some(&SchemaFileSetting::Off) {
            return Ok(None);
        }
        let toml_path = root.join("diesel.toml");
        let mut options = Options::default();
        let mut from_toml = None;
        if let Ok(text) = std::fs::read_to_string(&toml_path) {
            let config: DieselToml = toml::from_str(&text).map_err(|e| {
                Error::DieselSchema(format!(
                    "{} is not valid: {e}; lback reads its `[print_schema] file`, \
                     `custom_type_derives` and `import_types`",
                    toml_path.display()
                ))
            })?;
            if let Some(print_schema) = config.print_schema {
                from_toml = print_schema.file;
                if let Some(derives) = print_schema.custom_type_derives {
                    options.custom_type_derives = derives;
                }
                options.import_types = print_schema.import_types;
            }
        }
        let path = match (from_toml, setting) {
            (Some(file), Some(SchemaFileSetting::Path(set))) if &file != set => {
                return Err(Error::DieselSchema(format!(
                    "{} says schema.rs is {}, but lback's setting says {}; keep one (lback \
                     follows diesel.toml when it names a file)",
                    toml_path.display(),
                    file.display(),
                    set.display()
                )))
            }
            (Some(file), _) => file,
            (None, Some(SchemaFileSetting::Path(set))) => set.clone(),
            (None, _) => PathBuf::from("src/schema.rs"),
        };
        Ok(Some(SchemaFile {
            path: root.join(path),
            options,
        }))
    }
}

#[derive(serde::Deserialize)]
struct DieselToml {
    print_schema: Option<PrintSchema>,
}

#[derive(serde::Deserialize)]
struct PrintSchema {
    file: Option<PathBuf>,
    custom_type_derives: Option<Vec<String>>,
    import_types: Option<Vec<String>>,
}
