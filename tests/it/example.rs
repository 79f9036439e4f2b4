//! A scratch copy of an example app under `examples/`, built and run with
//! cargo as a user would: its own workspace, depending on this checkout of
//! lback with the versions this workspace has locked, compiled into a
//! target folder shared by every such test (`target/embed-test`), so only
//! the first run compiles the dependencies.
//!
//! Two copies of one example are the same package to cargo (each is the
//! root of its own workspace, and cargo hashes a root package's path
//! relative to its workspace), so in the shared target folder they share
//! build script, fingerprints and binary: the example tests take turns
//! (one turn for the whole binary).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

static TURN: Mutex<()> = Mutex::new(());

/// Variables of lback's build script: a copy's builds get only those a
/// test sets (CI exports `LBACK_BUILD=check`).
const LBACK_VARS: [&str; 2] = ["LBACK_BUILD", "LBACK_MIGRATION_NAME"];

pub struct Example {
    pub dir: PathBuf,
    pub target: PathBuf,
    _turn: MutexGuard<'static, ()>,
}

/// What a cargo command printed, and whether it succeeded.
pub struct Output {
    pub success: bool,
    pub text: String,
}

impl Example {
    /// Copies `examples/<name>` (without `target/` and databases).
    pub fn copy(name: &str) -> Example {
        // A test that failed while holding the turn poisons it; the next
        // one still runs.
        let turn = TURN.lock().unwrap_or_else(|e| e.into_inner());
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!(
            "lback-example-{name}-{}-{nanos}",
            std::process::id()
        ));
        copy_dir(&repo.join("examples").join(name), &dir);
        // `path = "../.."` and `path = "../../lback-build"` alike.
        let quoted = format!("{:?}", repo.display().to_string());
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
            .unwrap()
            .replace(
                r#"path = "../.."#,
                &format!("path = {}", &quoted[..quoted.len() - 1]),
            );
        std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).unwrap();
        std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        Example {
            dir,
            target: repo.join("target").join("embed-test"),
            _turn: turn,
        }
    }

    /// Runs cargo in the copy with `vars` set; `DATABASE_URL` is the
    /// copy's `app.db`.
    pub fn cargo_with(&self, args: &[&str], vars: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO"));
        command
            .arg("--offline")
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("DATABASE_URL", self.database());
        for var in LBACK_VARS {
            command.env_remove(var);
        }
        for (name, value) in vars {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        Output {
            success: output.status.success(),
            text: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        }
    }

    /// Runs cargo and insists it succeeds; what it printed.
    pub fn cargo(&self, args: &[&str]) -> String {
        self.cargo_ok(args, &[])
    }

    /// [`Example::cargo_with`], insisting it succeeds.
    pub fn cargo_ok(&self, args: &[&str], vars: &[(&str, &str)]) -> String {
        let output = self.cargo_with(args, vars);
        assert!(
            output.success,
            "cargo {args:?} {vars:?} failed:\n{}",
            output.text
        );
        output.text
    }

    /// The built binary `name`.
    pub fn binary(&self, name: &str) -> PathBuf {
        self.target.join("debug").join(name)
    }

    /// Runs the built binary `name` and insists it succeeds; its stdout.
    pub fn run(&self, name: &str) -> String {
        let output = Command::new(self.binary(name))
            .current_dir(&self.dir)
            .env("DATABASE_URL", self.database())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{name} failed:\n{text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }

    /// The copy's SQLite database.
    pub fn database(&self) -> PathBuf {
        self.dir.join("app.db")
    }

    /// The migration folders, sorted.
    pub fn migrations(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.join("migrations"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !n.starts_with('.'))
            .collect();
        names.sort();
        names
    }

    /// Replaces `from` by `to` in the copy's file `path`; panics when
    /// `from` is not there.
    pub fn edit(&self, path: &str, from: &str, to: &str) {
        let path = self.dir.join(path);
        let source = std::fs::read_to_string(&path).unwrap();
        assert!(source.contains(from), "{} has no {from:?}", path.display());
        std::fs::write(&path, source.replacen(from, to, 1)).unwrap();
    }
}

impl Drop for Example {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().ends_with(".db") {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            copy_dir(&path, &to.join(&name));
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}
