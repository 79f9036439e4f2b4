//! A migration generated after the last build reaches the binary at the
//! next `cargo build`, with no `cargo clean` and no file touched by hand —
//! where diesel's `embed_migrations!` misses new folders.
//!
//! The test copies `examples/blog` to a temporary directory, builds it,
//! adds a field to a model (which diesel queries too, so the crate stops
//! compiling until schema.rs has the column), runs `lback makemigrations`
//! (the models read from the source; the migration and schema.rs
//! written), builds again, and runs the application, which must apply the
//! new migration.

use crate::example::Example;

#[test]
fn a_migration_generated_after_the_last_build_is_embedded_by_the_next_build() {
    let app = Example::copy("blog");

    app.cargo(&["build", "--bins"]);
    let first = app.run("blog");
    assert!(
        first.contains("_create_blog"),
        "the committed migration applies:\n{first}"
    );

    // Change a model and generate the migration for it.
    app.edit(
        "src/models.rs",
        "    pub body: String,\n}\n\n/// A comment",
        "    pub body: String,\n    #[lback(default = 0)]\n    pub views: i32,\n}\n\n/// A comment",
    );
    let broken = app.cargo_with(&["build", "--bins"], &[]);
    assert!(
        !broken.success && broken.text.contains("views"),
        "schema.rs is behind the model, so the crate does not compile:\n{}",
        broken.text
    );
    let made = std::process::Command::new(env!("CARGO_BIN_EXE_lback"))
        .args(["makemigrations", "add_post_views"])
        .current_dir(&app.dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&made.stdout);
    assert!(
        made.status.success() && text.contains("add column posts.views"),
        "{text}{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let schema = std::fs::read_to_string(app.dir.join("src/schema.rs")).unwrap();
    assert!(schema.contains("        views -> Integer,\n"), "{schema}");

    // The next plain build embeds it, and the app applies it.
    app.cargo(&["build", "--bins"]);
    let second = app.run("blog");
    assert!(
        second
            .lines()
            .any(|l| l.starts_with("Applied ") && l.ends_with("_add_post_views")),
        "the new migration was embedded and applied:\n{second}"
    );
    let third = app.run("blog");
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
    let fourth = app.run("blog");
    assert!(
        fourth
            .lines()
            .any(|l| l.starts_with("Applied ") && l.ends_with("_seed_admin")),
        "a migration added without any source change was embedded:\n{fourth}"
    );
}
