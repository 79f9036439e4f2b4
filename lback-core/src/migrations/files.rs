//! Small file helpers: writes that never leave half a file behind, reads,
//! I/O and JSON error text.

use std::fs::{self, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sql::Dialect;
use crate::Error;

/// A [`Dialect`] in lback's JSON files: its short name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct DialectName(pub Dialect);

impl Serialize for DialectName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name())
    }
}

impl<'de> Deserialize<'de> for DialectName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(DialectName)
            .map_err(serde::de::Error::custom)
    }
}

/// The first dialect that appears twice in `dialects`.
pub(super) fn first_repeat(dialects: &[Dialect]) -> Option<Dialect> {
    dialects
        .iter()
        .enumerate()
        .find(|(i, d)| dialects[..*i].contains(d))
        .map(|(_, d)| *d)
}

/// A serde_json error as `line L, column C: message`.
pub(super) fn json_error(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(at) => &message[..at],
        None => &message,
    };
    format!(
        "line {}, column {}: {message}",
        error.line(),
        error.column()
    )
}

/// Writes `contents` to `path` through a temporary file in the same
/// directory, renamed into place: readers see the old file or the new one,
/// never half of one. With `replace: false` an existing `path` is an error.
pub(super) fn write_atomic(path: &Path, contents: &str, replace: bool) -> Result<(), Error> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let dir = path.parent().unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !replace && fs::symlink_metadata(path).is_ok() {
        return Err(Error::Migrations {
            path: path.to_path_buf(),
            message: "already exists; lback never overwrites it".into(),
        });
    }
    // A leading dot: diesel and lback skip it should it ever be left behind.
    let temp: PathBuf = dir.join(format!(
        ".{file_name}.{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(contents.as_bytes())?;
        file.sync_all()
    })();
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(io_error(&temp, "write", &e));
    }
    if let Err(e) = fs::rename(&temp, path) {
        let _ = fs::remove_file(&temp);
        return Err(io_error(path, "write", &e));
    }
    Ok(())
}

/// A file's text; a missing file is an error.
pub(super) fn read_text(path: &Path) -> Result<String, Error> {
    fs::read_to_string(path).map_err(|e| io_error(path, "read", &e))
}

/// A file's text, `None` when it does not exist.
pub(super) fn read_optional(path: &Path) -> Result<Option<String>, Error> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(path, "read", &e)),
    }
}

/// An I/O failure on `path` while doing `action`.
pub(super) fn io_error(path: &Path, action: &str, error: &io::Error) -> Error {
    Error::Migrations {
        path: path.to_path_buf(),
        message: format!("could not {action} it: {error}"),
    }
}
