//! A migration generated after the last build reaches the binary at the
//! next `cargo build`, with no `cargo clean` and no file touched by hand —
//! where diesel's `embed_migrations!` misses new folders.
//!
//! The test copies `examples/blog` to a temporary directory, builds it,
//! adds a field to a model, runs `manage makemigrations`, builds again, and
//! runs the application, which must apply the new migration.

use std::path::{Path, PathBuf};
use std::process::Command;

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

struct App {
    dir: PathBuf,
    target: PathBuf,
}

impl App {
    fn cargo(&self, args: &[&str]) -> String {
        let output = Command::new(env!("CARGO"))
            .arg("--offline")
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target)
            .env("DATABASE_URL", self.dir.join("app.db"))
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "cargo {args:?} failed:\n{text}");
        text
    }

    fn run_app(&self) -> String {
        let output = Command::new(self.target.join("debug").join("blog"))
            .current_dir(&self.dir)
            .env("DATABASE_URL", self.dir.join("app.db"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "the app failed:\n{text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    }
}

impl Drop for App {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn a_migration_generated_after_the_last_build_is_embedded_by_the_next_build() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("lback-embed-{}-{nanos}", std::process::id()));
    copy_dir(&repo.join("examples/blog"), &dir);
    // A project of its own, depending on this checkout of lback, with the
    // versions this workspace has locked.
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml"))
        .unwrap()
        .replace(
            r#"lback = { path = "../.." }"#,
            &format!("lback = {{ path = {:?} }}", repo.display().to_string()),
        );
    std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[workspace]\n")).unwrap();
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    // Reused between runs, so only the first one compiles the dependencies.
    let app = App {
        dir,
        target: repo.join("target").join("embed-test"),
    };

    app.cargo(&["build", "--bins"]);
    let first = app.run_app();
    assert!(
        first.contains("_create_blog"),
        "the committed migration applies:\n{first}"
    );

    // Change a model and generate the migration for it.
    let models = app.dir.join("src/models.rs");
    let source = std::fs::read_to_string(&models).unwrap();
    let changed = source.replace(
        "    pub body: String,\n}\n\n/// A comment",
        "    pub body: String,\n    #[lback(default = 0)]\n    pub views: i32,\n}\n\n/// A comment",
    );
    assert_ne!(source, changed, "the test edits the Post model");
    std::fs::write(&models, changed).unwrap();
    let made = app.cargo(&[
        "run",
        "--bin",
        "manage",
        "--",
        "makemigrations",
        "add_post_views",
    ]);
    assert!(made.contains("add column posts.views"), "{made}");

    // The next plain build embeds it, and the app applies it.
    app.cargo(&["build", "--bins"]);
    let second = app.run_app();
    assert!(
        second
            .lines()
            .any(|l| l.starts_with("Applied ") && l.ends_with("_add_post_views")),
        "the new migration was embedded and applied:\n{second}"
    );
    let third = app.run_app();
    assert!(third.contains("No migrations to apply."), "{third}");

    // The case diesel misses: a migration added with no Rust source
    // changed at all (here a hand-written data migration). Only lback's
    // tracking of the snapshot makes the next build see it.
    let made = app.cargo(&[
        "run",
        "--bin",
        "manage",
        "--",
        "makemigrations",
        "seed_admin",
        "--empty",
    ]);
    assert!(made.contains("Created"), "{made}");
    let folder = std::fs::read_dir(app.dir.join("migrations"))
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with("_seed_admin"))
        .expect("the empty migration's folder");
    std::fs::write(
        folder.join("up.sql"),
        "INSERT INTO users (email) VALUES ('admin@example.com');\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("down.sql"),
        "DELETE FROM users WHERE email = 'admin@example.com';\n",
    )
    .unwrap();
    app.cargo(&["build", "--bins"]);
    let fourth = app.run_app();
    assert!(
        fourth
            .lines()
            .any(|l| l.starts_with("Applied ") && l.ends_with("_seed_admin")),
        "a migration added without any source change was embedded:\n{fourth}"
    );
}
