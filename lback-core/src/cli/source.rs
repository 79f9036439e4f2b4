//! The models read from the crate's source, for a binary that has none
//! compiled in (the generic `lback` command) or `makemigrations
//! --from-source`: the build script's reader, so a crate that does not
//! compile (schema.rs behind the models, right after a model edit) still
//! gets its migration.

use crate::schema::Schema;
use crate::Error;

/// The models in `src/` of the crate in the current folder. Finding none
/// is an error saying where lback looked, unless `allow_none`.
#[cfg(feature = "build")]
pub(super) fn read_models(allow_none: bool) -> Result<Schema, Error> {
    let root = std::env::current_dir()
        .map_err(|e| Error::BuildSetting(format!("cannot read the current folder: {e}")))?;
    let found = crate::build::Builder::new()
        .manifest_dir(&root)
        .cfg(host_cfg(&root))
        .read_models()?;
    if found.schema.is_empty() && !allow_none {
        let looked: Vec<String> = found
            .sources
            .iter()
            .map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string())
            .collect();
        return Err(Error::BuildSetting(format!(
            "lback found no model in {} (it read {}): a struct counts when it derives \
             `lback::Model` (or `Model` imported from lback) in src/lib.rs, src/main.rs or a \
             module they declare. Run lback in the crate's folder (the one with Cargo.toml), \
             or pass --allow-no-models if the project really has no table left (the migration \
             then drops every table)",
            root.display(),
            if looked.is_empty() {
                "no file".to_owned()
            } else {
                looked.join(", ")
            }
        )));
    }
    Ok(found.schema)
}

/// `#[cfg]` as a `cargo build` on this machine with the default features
/// would see it (no cargo tells a command the features; `cfg(test)` never
/// holds).
#[cfg(feature = "build")]
fn host_cfg(root: &std::path::Path) -> crate::build::Cfg {
    let mut cfg = crate::build::Cfg::new()
        .with_name(std::env::consts::FAMILY)
        .with_name("debug_assertions")
        .with_pair("target_family", std::env::consts::FAMILY)
        .with_pair("target_os", std::env::consts::OS)
        .with_pair("target_arch", std::env::consts::ARCH);
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap_or_default();
    let features = toml::from_str::<toml::Table>(&manifest)
        .ok()
        .and_then(|t| t.get("features").and_then(|f| f.as_table()).cloned())
        .unwrap_or_default();
    let mut pending = vec!["default".to_owned()];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(feature) = pending.pop() {
        if !seen.insert(feature.clone()) {
            continue;
        }
        if feature != "default" {
            cfg = cfg.with_feature(&feature);
        }
        if let Some(list) = features.get(&feature).and_then(|v| v.as_array()) {
            pending.extend(
                list.iter()
                    .filter_map(|v| v.as_str())
                    .filter(|f| !f.contains('/') && !f.starts_with("dep:"))
                    .map(str::to_owned),
            );
        }
    }
    cfg
}

/// Without the source reader, a binary with no models cannot make
/// migrations: say how to get one that can.
#[cfg(not(feature = "build"))]
pub(super) fn read_models(allow_none: bool) -> Result<Schema, Error> {
    if allow_none {
        return Ok(Schema::new());
    }
    Err(Error::BuildSetting(
        "this binary has no models compiled in and was built without lback's `cli` feature, \
         which reads them from the crate's source; install the command with it (`cargo \
         install lback --features cli,postgres,mysql`), or call `lback::cli::main()` from a \
         binary that links your models (src/bin/manage.rs), or pass --models schema.json"
            .into(),
    ))
}
