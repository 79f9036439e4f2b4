//! The migrations of `tests/fixtures/cluster/`, run as `lback` processes by
//! the suites of the migration lock: `resume_mysql` (one MariaDB server)
//! and `cluster_galera` (a Galera cluster).
//!
//! Include with `#[path = "support/cluster_fixture.rs"] mod cluster_fixture;`.

use std::path::{Path, PathBuf};
use std::process::Output;

use lback::schema::Schema;

/// The fixture's migrations folder, relative to the package.
pub const FIXTURE: &str = "tests/fixtures/cluster/migrations";

/// The migration ids in the fixture, oldest first.
pub fn fixture_ids() -> Vec<String> {
    let mut ids: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE))
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|name| !name.starts_with('.'))
            .collect();
    ids.sort();
    assert_eq!(ids.len(), 6, "six migrations in the fixture: {ids:?}");
    ids
}

/// A copy of the fixture's migrations folder, in a new directory named
/// after `name`.
pub fn copy_fixture(name: &str) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(crate::db::unique_name(name));
    copy_dir(&source, &dir);
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The models the fixture's migrations build.
pub fn models() -> Schema {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(FIXTURE)
            .join(".lback/schema.json"),
    )
    .unwrap();
    Schema::from_snapshot(&text).unwrap()
}

/// Every `Applied <id>` line of the outputs, sorted.
pub fn applied_lines<'a>(outputs: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut applied: Vec<String> = outputs
        .into_iter()
        .flat_map(str::lines)
        .filter_map(|line| line.trim().strip_prefix("Applied "))
        .map(str::to_owned)
        .collect();
    applied.sort();
    applied
}

/// A process's output and errors, as text.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
