//! Keeping an unchanged tree fresh for cargo, and two builds from writing
//! at once.
//!
//! cargo reruns a build script when a path it watches
//! (`cargo:rerun-if-changed`) has a modification time later than the moment
//! the script's last run started; for a folder, the latest time of anything
//! in it, folders included. A migration the script writes into the folder
//! it watches is therefore "changed" at the next build, which would rerun
//! the script once more for nothing (and recompile the crate). So the paths
//! a run writes get the modification time of the newest input that run
//! read — the model sources, the migrations folder as it was, the build
//! script itself — all older than the run's start: cargo then sees the
//! generated files exactly as fresh as the sources they were generated
//! from, and a later edit to any of them still counts.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The latest modification time of `path` and, for a folder, of anything
/// in it, as cargo computes it for `rerun-if-changed`.
pub(crate) fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    let mut time = meta.modified().ok();
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).ok()?.flatten() {
            time = time.max(newest(&entry.path()));
        }
    }
    time
}

/// The newest of the inputs' times, and of the running build script's own
/// file (always older than its run).
pub(crate) fn inputs_time(inputs: &[PathBuf]) -> Option<SystemTime> {
    let script = std::env::current_exe()
        .ok()
        .and_then(|exe| std::fs::metadata(exe).ok())
        .and_then(|meta| meta.modified().ok());
    inputs.iter().map(|p| newest(p)).fold(script, Option::max)
}

/// Sets the modification time of each path later than `time` to `time`;
/// never moves one forward. Best effort: where the file system refuses,
/// the next build reruns the script once, which then writes nothing.
pub(crate) fn backdate(paths: &[PathBuf], time: SystemTime) {
    for path in paths {
        let later = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| modified > time);
        if later {
            // Opening read-only is enough on Unix, for folders too.
            let _ = File::open(path).and_then(|file| file.set_modified(time));
        }
    }
}

/// Holds the migrations folder against other builds (e.g. an editor's
/// `cargo check` with its own target folder) for as long as it lives:
/// exclusive to generate, shared to check. Without a folder there is
/// nothing to lock; where the platform cannot lock a folder, no lock is
/// taken.
pub(crate) struct FolderLock {
    _folder: Option<File>,
}

impl FolderLock {
    pub(crate) fn take(dir: &Path, exclusive: bool) -> FolderLock {
        let file = File::open(dir).ok().filter(|folder| {
            if exclusive {
                folder.lock().is_ok()
            } else {
                folder.lock_shared().is_ok()
            }
        });
        FolderLock { _folder: file }
    }
}
