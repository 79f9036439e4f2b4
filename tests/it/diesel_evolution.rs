//! One struct, one truth: a model crate whose structs derive both
//! `lback::Model` and diesel's `Queryable`/`Selectable`/`Insertable`
//! evolves through several steps (add, rename and drop a column, a new
//! table with a foreign key, a table with a composite key named by
//! `#[diesel(primary_key(...))]`). Each step is one `lback makemigrations`
//! (models read from the source, while the crate does not compile; the
//! migration and schema.rs written), one `cargo build`, and a run of the
//! app on SQLite, PostgreSQL and MariaDB that migrates, inserts a row into
//! every table through diesel's DSL and reads them back, with the rows of
//! the earlier steps still there.
//!
//! Needs `PG_DATABASE_URL` and `MYSQL_DATABASE_URL` (fails without them).

use crate::db;
use crate::workflow::EVERY_DIALECT;

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::connection::SimpleConnection;
use diesel::Connection;

const CARGO_TOML: &str = r#"[package]
name = "evolve"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
lback = { path = "REPO", features = ["postgres", "mysql"] }
diesel = { version = "2.2", default-features = false, features = ["sqlite", "postgres", "mysql"] }

[workspace]
"#;

/// The app: migrates, then runs the step's `work` on whichever database
/// the URL names.
const MAIN: &str = r#"use diesel::prelude::*;
use evolve::models::*;
use evolve::schema::*;

lback::embed_migrations!();

macro_rules! work {
    ($conn:expr) => {{
        let conn = $conn;
        let report = lback::migrate(conn).expect("migrate");
        println!("{report}");
        WORK
    }};
}

fn main() {
    let url = std::env::var("DATABASE_URL").unwrap();
    if url.starts_with("postgres") {
        work!(&mut PgConnection::establish(&url).unwrap())
    } else if url.starts_with("mysql") {
        work!(&mut MysqlConnection::establish(&url).unwrap())
    } else {
        work!(&mut SqliteConnection::establish(&url).unwrap())
    }
}
"#;

/// One step: the models, and what the app does with them.
struct Step {
    name: &'static str,
    models: String,
    work: String,
    /// What the run must print.
    expect: &'static [&'static str],
}

const USER_START: &str = r#"
#[derive(Queryable, Selectable, Insertable, lback::Model)]
#[diesel(table_name = crate::schema::users)]
pub struct User {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(unique, max_length = 100)]
    pub email: String,
"#;

/// The end of `User` from the rename on, and `Post`.
const WITH_POSTS: &str = "pub display_name: String,\n}\n
#[derive(Queryable, Selectable, Insertable, Associations, lback::Model)]
#[diesel(table_name = crate::schema::posts, belongs_to(User, foreign_key = author_id))]
pub struct Post {
    #[lback(primary_key)]
    pub id: i64,
    #[lback(references = \"users(id)\", on_delete = \"cascade\", index)]
    pub author_id: i64,
    #[lback(max_length = 200)]
    pub title: String,
}
";

/// The app's code that inserts user `n + 1` with the columns after
/// `email` given as `fields`.
fn insert_user(fields: &str) -> String {
    format!(
        r#"
        let n: i64 = users::table.count().get_result(conn).unwrap();
        diesel::insert_into(users::table)
            .values(&User {{ id: n + 1, email: format!("u{{}}@example.com", n + 1), {fields} }})
            .execute(conn).unwrap();"#
    )
}

/// The app's code that loads every user, by id, as `all`.
const LOAD_USERS: &str = r#"
        let all: Vec<User> = users::table.select(User::as_select()).order(users::id).load(conn).unwrap();"#;

fn steps() -> Vec<Step> {
    vec![
        Step {
            name: "create_users",
            models: "pub name: String,\n}\n".into(),
            work: insert_user(r#"name: format!("user {}", n + 1)"#)
                + LOAD_USERS
                + r#"
        println!("users={} first={}", all.len(), all[0].name);
"#,
            expect: &["users=1 first=user 1"],
        },
        Step {
            name: "add_users_bio",
            models: "pub name: String,\n    pub bio: Option<String>,\n}\n".into(),
            work: insert_user(r#"name: format!("user {}", n + 1), bio: Some("hi".into())"#)
                + LOAD_USERS
                + r#"
        println!("users={} first={} bios={:?}", all.len(), all[0].name, all.iter().map(|u| u.bio.clone()).collect::<Vec<_>>());
"#,
            expect: &["users=2 first=user 1 bios=[None, Some(\"hi\")]"],
        },
        Step {
            name: "rename_users_name",
            models: "#[lback(renamed_from = \"name\")]\n    pub display_name: String,\n    pub bio: Option<String>,\n}\n".into(),
            work: insert_user(r#"display_name: format!("user {}", n + 1), bio: None"#)
                + LOAD_USERS
                + r#"
        println!("users={} first={} last={}", all.len(), all[0].display_name, all[2].display_name);
"#,
            expect: &["users=3 first=user 1 last=user 3"],
        },
        Step {
            name: "drop_users_bio",
            models: "pub display_name: String,\n}\n".into(),
            work: insert_user(r#"display_name: format!("user {}", n + 1)"#)
                + LOAD_USERS
                + r#"
        println!("users={} first={}", all.len(), all[0].display_name);
"#,
            expect: &["users=4 first=user 1"],
        },
        Step {
            name: "create_posts",
            models: WITH_POSTS.into(),
            work: insert_user(r#"display_name: format!("user {}", n + 1)"#)
                + r#"
        diesel::insert_into(posts::table)
            .values(&Post { id: 1, author_id: 1, title: "first".into() })
            .execute(conn).unwrap();
        let joined: Vec<(Post, User)> = posts::table.inner_join(users::table)
            .select((Post::as_select(), User::as_select())).load(conn).unwrap();
        println!("users={} posts={} by={}", n + 1, joined.len(), joined[0].1.display_name);
"#,
            expect: &["users=5 posts=1 by=user 1"],
        },
        Step {
            name: "create_tags",
            models: WITH_POSTS.to_owned()
                + "
#[derive(Queryable, Selectable, Insertable, lback::Model)]
#[diesel(table_name = crate::schema::tags, primary_key(post_id, tag))]
pub struct Tag {
    #[lback(references = \"posts(id)\", on_delete = \"cascade\")]
    pub post_id: i64,
    #[lback(max_length = 40)]
    pub tag: String,
}
",
            work: r#"
        let n: i64 = posts::table.count().get_result(conn).unwrap();
        diesel::insert_into(posts::table)
            .values(&Post { id: n + 1, author_id: 1, title: "second".into() })
            .execute(conn).unwrap();
        diesel::insert_into(tags::table)
            .values(&vec![Tag { post_id: 1, tag: "rust".into() }, Tag { post_id: n + 1, tag: "rust".into() }])
            .execute(conn).unwrap();
        let tagged: Vec<(Tag, Post)> = tags::table.inner_join(posts::table)
            .select((Tag::as_select(), Post::as_select())).order(posts::id).load(conn).unwrap();
        println!("posts={} tagged={} first={}", n + 1, tagged.len(), tagged[0].1.title);
"#
            .into(),
            expect: &["posts=2 tagged=2 first=first"],
        },
    ]
}

/// The three databases of the test, each new and empty.
struct Databases {
    urls: Vec<(&'static str, String)>,
    pg_admin: String,
    pg_name: String,
    _mysql: db::MysqlScratch,
}

impl Databases {
    fn new(dir: &Path) -> Self {
        let pg_admin = db::server_url("PG_DATABASE_URL");
        let pg_name = db::unique_name("lback_evolve");
        let mut admin = diesel::PgConnection::establish(&pg_admin).unwrap();
        db::exec(&mut admin, &format!("CREATE DATABASE \"{pg_name}\""));
        let (_, mysql) = db::mysql();
        let urls = vec![
            ("sqlite", dir.join("app.db").display().to_string()),
            ("postgres", db::with_database(&pg_admin, &pg_name)),
            (
                "mariadb",
                db::with_database(&db::server_url("MYSQL_DATABASE_URL"), &mysql.database),
            ),
        ];
        Databases {
            urls,
            pg_admin,
            pg_name,
            _mysql: mysql,
        }
    }
}

impl Drop for Databases {
    fn drop(&mut self) {
        if let Ok(mut admin) = diesel::PgConnection::establish(&self.pg_admin) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                self.pg_name
            ));
        }
    }
}

fn run(command: &mut Command) -> String {
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

#[test]
fn a_model_crate_with_diesel_derives_evolves_on_every_database() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir: PathBuf = std::env::temp_dir().join(db::unique_name("lback_evolve_crate"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        CARGO_TOML.replace("REPO", &repo.display().to_string()),
    )
    .unwrap();
    std::fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    std::fs::write(dir.join("src/lib.rs"), "pub mod models;\npub mod schema;\n").unwrap();
    let databases = Databases::new(&dir);
    let target = repo.join("target").join("evolve-test");

    for (i, step) in steps().iter().enumerate() {
        std::fs::write(
            dir.join("src/models.rs"),
            format!("use diesel::prelude::*;\n{USER_START}    {}", step.models),
        )
        .unwrap();
        std::fs::write(dir.join("src/main.rs"), MAIN.replace("WORK", &step.work)).unwrap();

        let mut lback = Command::new(env!("CARGO_BIN_EXE_lback"));
        lback.current_dir(&dir).args(["makemigrations", step.name]);
        if i == 0 {
            lback.args(EVERY_DIALECT);
        }
        let made = run(&mut lback);
        assert!(made.contains("Wrote src/schema.rs"), "{made}");
        let check = run(Command::new(env!("CARGO_BIN_EXE_lback"))
            .current_dir(&dir)
            .args(["makemigrations", "--check"]));
        assert!(check.contains("No changes detected."), "{check}");

        run(Command::new(env!("CARGO"))
            .current_dir(&dir)
            .args(["build", "--offline", "--quiet"])
            .env("CARGO_TARGET_DIR", &target)
            .env_remove("LBACK_BUILD"));
        for (database, url) in &databases.urls {
            let out = run(Command::new(target.join("debug/evolve"))
                .current_dir(&dir)
                .env("DATABASE_URL", url));
            assert!(
                out.lines()
                    .any(|l| l.starts_with("Applied ") && l.ends_with(step.name)),
                "step {} on {database}: the migration was not applied:\n{out}",
                step.name
            );
            for expected in step.expect {
                assert!(
                    out.contains(expected),
                    "step {} on {database}: expected {expected:?} in:\n{out}",
                    step.name
                );
            }
        }
    }
    let schema = std::fs::read_to_string(dir.join("src/schema.rs")).unwrap();
    assert!(schema.contains("    tags (post_id, tag) {"), "{schema}");
    assert!(
        schema.contains("diesel::joinable!(posts -> users (author_id));"),
        "{schema}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
