//! The user's workflow, driven as a user would: the `lback` command run as
//! a process in a temporary project, over six model revisions, run on
//! each database by `tests/it/cli_workflow.rs`. [`Project`] and the output
//! helpers serve every suite that runs the command.
//!
//! The models of each revision are handed to the command as a schema file
//! (`--models`), the explicit alternative to models compiled into an
//! application's `manage` binary.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use lback::schema::{
    Column, ColumnType, ForeignKey, Index, Name, ReferentialAction, Schema, Table, UniqueConstraint,
};

pub use crate::targets::Target;

/// The options of `makemigrations` for migrations in every dialect.
pub const EVERY_DIALECT: [&str; 6] = [
    "--dialect",
    "sqlite",
    "--dialect",
    "postgres",
    "--dialect",
    "mysql",
];

/// A temporary project directory, removed at the end.
pub struct Project {
    pub dir: PathBuf,
}

impl Project {
    pub fn new(label: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir =
            std::env::temp_dir().join(format!("lback-{label}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self { dir }
    }

    pub fn migrations(&self) -> PathBuf {
        self.dir.join("migrations")
    }

    /// Writes the models file the command reads.
    pub fn models(&self, schema: &Schema) {
        std::fs::write(self.dir.join("models.json"), schema.to_snapshot()).unwrap();
    }

    /// Starts `lback <args>` (only these: no models file unless asked) in
    /// the project with `url`, its output discarded: for a test that kills
    /// it.
    pub fn spawn(&self, url: &str, args: &[&str]) -> Child {
        Command::new(env!("CARGO_BIN_EXE_lback"))
            .current_dir(&self.dir)
            .env("DATABASE_URL", url)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Runs `lback <args>` in the project with the models file and `url`.
    pub fn lback(&self, url: &str, args: &[&str]) -> Output {
        let output = Command::new(env!("CARGO_BIN_EXE_lback"))
            .current_dir(&self.dir)
            .env("DATABASE_URL", url)
            .arg("--models")
            .arg("models.json")
            .args(args)
            .output()
            .expect("the lback command runs");
        eprintln!(
            "$ lback {}\n{}{}",
            args.join(" "),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Runs `lback <args>` as [`lback`](Self::lback) does, on a terminal
    /// (a pseudo-terminal from util-linux's `script`); its output.
    pub fn lback_on_terminal(&self, url: &str, args: &[&str]) -> String {
        let command = format!(
            "{} --models models.json {}",
            env!("CARGO_BIN_EXE_lback"),
            args.join(" ")
        );
        let output = Command::new("script")
            .current_dir(&self.dir)
            .env("DATABASE_URL", url)
            .args(["-qec", &command, "/dev/null"])
            .output()
            .expect("util-linux `script` runs (it gives the command a terminal)");
        let text = String::from_utf8_lossy(&output.stdout).replace('\r', "");
        eprintln!("$ lback {} (on a terminal)\n{text}", args.join(" "));
        assert!(output.status.success(), "{text}");
        text
    }

    /// [`lback_on_terminal`](Self::lback_on_terminal) typing `input`:
    /// whether it succeeded, and its output.
    pub fn lback_on_terminal_typing(
        &self,
        url: &str,
        args: &[&str],
        input: &str,
    ) -> (bool, String) {
        let command = format!(
            "{} --models models.json {}",
            env!("CARGO_BIN_EXE_lback"),
            args.join(" ")
        );
        let mut child = Command::new("script")
            .current_dir(&self.dir)
            .env("DATABASE_URL", url)
            .args(["-qec", &command, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("util-linux `script` runs (it gives the command a terminal)");
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).replace('\r', "");
        eprintln!(
            "$ lback {} (on a terminal, typing {input:?})\n{text}",
            args.join(" ")
        );
        (output.status.success(), text)
    }

    /// Migration folders, oldest first.
    pub fn folders(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.migrations())
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .filter(|e| e.path().is_dir())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| !n.starts_with('.'))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    /// Every file under the migrations folder with its contents.
    pub fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
            if let Ok(entries) = std::fs::read_dir(dir) {
                for entry in entries.filter_map(|e| e.ok()) {
                    let path = entry.path();
                    if path.is_dir() {
                        walk(&path, out);
                    } else {
                        out.push((path.clone(), std::fs::read(&path).unwrap()));
                    }
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.migrations(), &mut out);
        out.sort();
        out
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn status(output: &Output) -> i32 {
    output.status.code().expect("the command exits normally")
}

fn names(list: &[&str]) -> Vec<Name> {
    list.iter().map(|n| Name::from(n.to_string())).collect()
}

fn fk(table: &str, column: &str, target: &str, on_delete: ReferentialAction) -> ForeignKey {
    ForeignKey {
        name: format!("fk_{table}_{column}").into(),
        columns: names(&[column]).into(),
        referenced_table: target.to_string().into(),
        referenced_columns: names(&["id"]).into(),
        on_delete,
        on_update: ReferentialAction::NoAction,
    }
}

fn id() -> Column {
    Column::new("id", ColumnType::BigInt).auto_increment()
}

/// The six revisions of a small blog's models.
pub fn revisions() -> Vec<(&'static str, Schema)> {
    // 1: users, posts (→ users), comments.
    let users = Table::new("users")
        .with_column(id())
        .with_column(Column::new("email", ColumnType::Varchar(100)))
        .with_column(Column::new("legacy", ColumnType::Integer).nullable())
        .with_primary_key(["id"])
        .with_unique(UniqueConstraint {
            name: "uq_users_email".into(),
            columns: names(&["email"]).into(),
        });
    let posts = Table::new("posts")
        .with_column(id())
        .with_column(Column::new("author_id", ColumnType::BigInt))
        .with_column(Column::new("title", ColumnType::Varchar(80)))
        .with_column(Column::new("content", ColumnType::Text).nullable())
        .with_primary_key(["id"])
        .with_index(Index {
            name: "ix_posts_author_id".into(),
            columns: names(&["author_id"]).into(),
            unique: false,
        })
        .with_foreign_key(fk(
            "posts",
            "author_id",
            "users",
            ReferentialAction::Cascade,
        ));
    let comments = Table::new("comments")
        .with_column(id())
        .with_column(Column::new("post_id", ColumnType::BigInt))
        .with_column(Column::new("body", ColumnType::Text))
        .with_primary_key(["id"]);
    let v1 = Schema::from_tables([users.clone(), posts.clone(), comments.clone()]).unwrap();

    // 2: add a column.
    let users2 = users
        .clone()
        .with_column(Column::new("bio", ColumnType::Text).nullable());
    let v2 = Schema::from_tables([users2.clone(), posts.clone(), comments.clone()]).unwrap();

    // 3: alter a type (widen).
    let mut posts3 = posts.clone();
    posts3.columns.to_mut()[2].ty = ColumnType::Varchar(200);
    let v3 = Schema::from_tables([users2.clone(), posts3.clone(), comments.clone()]).unwrap();

    // 4: add a foreign key and an index.
    let comments4 = comments
        .clone()
        .with_index(Index {
            name: "ix_comments_post_id".into(),
            columns: names(&["post_id"]).into(),
            unique: false,
        })
        .with_foreign_key(fk(
            "comments",
            "post_id",
            "posts",
            ReferentialAction::Cascade,
        ));
    let v4 = Schema::from_tables([users2.clone(), posts3.clone(), comments4.clone()]).unwrap();

    // 5: rename a column.
    let mut posts5 = posts3.clone();
    posts5.columns.to_mut()[3] = Column::new("body", ColumnType::Text)
        .nullable()
        .renamed_from("content");
    let v5 = Schema::from_tables([users2.clone(), posts5.clone(), comments4.clone()]).unwrap();

    // 6: drop a column.
    let mut users6 = users2.clone();
    users6.columns.to_mut().retain(|c| c.name != "legacy");
    let v6 = Schema::from_tables([users6, posts5, comments4]).unwrap();

    vec![
        ("create_blog", v1),
        ("add_user_bio", v2),
        ("widen_post_title", v3),
        ("link_comments_to_posts", v4),
        ("rename_post_content", v5),
        ("drop_user_legacy", v6),
    ]
}

/// Asserts the live schema is what `models` become on the target's
/// database (`when` says at which point).
pub fn assert_live<T: Target>(target: &mut T, models: &Schema, when: &str) {
    let expected = lback_core::introspect::canonical(models, T::DIALECT);
    assert_eq!(
        target.introspect().normalized(),
        expected.normalized(),
        "live schema {when}"
    );
}

/// The five-step workflow over every revision, then rollback with a
/// dependent later migration, migrate again, and the development loop.
pub fn workflow<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let dialect = T::DIALECT.name();
    let revisions = revisions();
    let mut created = Vec::new();
    for (i, (name, models)) in revisions.iter().enumerate() {
        // 1. modify models
        project.models(models);
        // CI's check sees the change...
        let check = project.lback(&url, &["makemigrations", "--check"]);
        assert_eq!(status(&check), 3, "--check finds the changes of {name}");
        if i == 0 {
            // A dry run prints the SQL and writes nothing.
            let dry = project.lback(
                &url,
                &["makemigrations", name, "--dialect", dialect, "--dry-run"],
            );
            assert_eq!(status(&dry), 0, "{}", stderr(&dry));
            assert!(stdout(&dry).contains("CREATE TABLE"), "{}", stdout(&dry));
            assert!(project.files().is_empty(), "--dry-run wrote nothing");
        }
        // 2. makemigrations
        let make = project.lback(&url, &["makemigrations", name, "--dialect", dialect]);
        assert_eq!(status(&make), 0, "{}", stderr(&make));
        assert!(stdout(&make).contains("Created"), "{}", stdout(&make));
        let folders = project.folders();
        assert_eq!(folders.len(), i + 1, "one new folder for {name}");
        let folder = folders.last().unwrap().clone();
        assert!(folder.ends_with(name), "{folder}");
        // 3. review: the files diesel runs are there
        let up =
            std::fs::read_to_string(project.migrations().join(&folder).join("up.sql")).unwrap();
        let down =
            std::fs::read_to_string(project.migrations().join(&folder).join("down.sql")).unwrap();
        assert!(!up.trim().is_empty() && !down.trim().is_empty());
        // ...and is satisfied once the migration exists
        let check = project.lback(&url, &["makemigrations", "--check"]);
        assert_eq!(status(&check), 0, "{}", stdout(&check));
        assert!(stdout(&check).contains("No changes detected"));
        // 4. migrate (a dry run first: it shows the SQL and changes nothing)
        if i == 1 {
            let before = target.introspect();
            let dry = project.lback(&url, &["migrate", "--dry-run"]);
            assert_eq!(status(&dry), 0, "{}", stderr(&dry));
            assert!(
                stdout(&dry).contains(&format!("-- apply {folder}")),
                "{}",
                stdout(&dry)
            );
            assert_eq!(
                target.introspect(),
                before,
                "migrate --dry-run changed nothing"
            );
        }
        let migrate = project.lback(&url, &["migrate"]);
        assert_eq!(status(&migrate), 0, "{}", stderr(&migrate));
        assert!(
            stdout(&migrate).contains(&format!("Applied {folder}")),
            "{}",
            stdout(&migrate)
        );
        assert_live(target, models, &format!("after migrating {name}"));
        if i == 0 {
            // Rows that must survive everything below.
            target.execute("INSERT INTO users (id, email) VALUES (1, 'a@example.com')");
            target.execute("INSERT INTO posts (id, author_id, title) VALUES (1, 1, 'hello')");
            target.execute("INSERT INTO comments (id, post_id, body) VALUES (1, 1, 'first')");
        }
        created.push(folder);
    }
    let again = project.lback(&url, &["makemigrations", "again"]);
    assert_eq!(status(&again), 0);
    assert!(stdout(&again).contains("No changes detected"));

    // rollback comments: its latest change is revision 4; revision 5
    // changed posts (comments → posts) and 6 changed users (posts → users):
    // both depend on it and go first.
    let dry = project.lback(&url, &["rollback", "comments", "--dry-run"]);
    assert_eq!(status(&dry), 0, "{}", stderr(&dry));
    let plan: Vec<String> = stdout(&dry)
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("revert"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        plan,
        [
            format!("revert {}", created[5]),
            format!("revert {}", created[4]),
            format!("revert {}", created[3])
        ]
    );
    assert_live(target, &revisions[5].1, "after a dry run");
    let rollback = project.lback(&url, &["rollback", "comments", "--yes"]);
    assert_eq!(status(&rollback), 0, "{}", stderr(&rollback));
    assert_live(target, &revisions[2].1, "after rollback comments");
    let show = project.lback(&url, &["showmigrations"]);
    assert_eq!(status(&show), 0);
    let lines: Vec<String> = stdout(&show).lines().map(str::to_owned).collect();
    for (i, folder) in created.iter().enumerate() {
        let mark = if i < 3 { "[X]" } else { "[ ]" };
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(mark) && l.contains(folder.as_str())),
            "{folder} {mark} in {lines:?}"
        );
    }

    // migrate again
    let migrate = project.lback(&url, &["migrate"]);
    assert_eq!(status(&migrate), 0, "{}", stderr(&migrate));
    assert_live(target, &revisions[5].1, "after migrating again");
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM comments WHERE body = 'first'"),
        1,
        "rows survive"
    );
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM posts WHERE title = 'hello'"),
        1,
        "rows survive"
    );

    // migrate backwards and forwards to a version
    let back = project.lback(&url, &["migrate", &created[3]]);
    assert_eq!(status(&back), 0, "{}", stderr(&back));
    assert_live(target, &revisions[3].1, "after migrate to revision 4");
    let forward = project.lback(&url, &["migrate"]);
    assert_eq!(status(&forward), 0);

    // the development loop: roll back the newest change and delete it; the
    // model change shows as pending again
    let undo = project.lback(&url, &["rollback", "users", "--delete"]);
    assert_eq!(status(&undo), 0, "{}", stderr(&undo));
    assert_eq!(project.folders(), created[..5].to_vec());
    assert_live(target, &revisions[4].1, "after rollback --delete");
    let check = project.lback(&url, &["makemigrations", "--check"]);
    assert_eq!(status(&check), 3, "the dropped column is pending again");
    assert!(
        stdout(&check).contains("drop column users.legacy"),
        "{}",
        stdout(&check)
    );

    // sqlmigrate prints what migrate ran
    let sql = project.lback(&url, &["sqlmigrate", &created[0]]);
    assert_eq!(status(&sql), 0);
    assert!(stdout(&sql).contains("CREATE TABLE"), "{}", stdout(&sql));
}

/// Bad input, as a new user would try it: every case a clear message, a
/// non-zero exit, and no file or row lost.
pub fn bad_input<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let dialect = T::DIALECT.name();
    let (first, models) = revisions().remove(0);
    project.models(&models);
    assert_eq!(
        status(&project.lback(&url, &["makemigrations", first, "--dialect", dialect])),
        0
    );
    assert_eq!(status(&project.lback(&url, &["migrate"])), 0);
    target.execute("INSERT INTO users (id, email) VALUES (7, 'keep@example.com')");
    let before = project.files();

    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["makemigrations", "../x"], "letters, digits"),
        (vec!["makemigrations", "a/b"], "letters, digits"),
        (
            vec!["rollback", "no_such_table"],
            "no applied migration touched table `no_such_table`",
        ),
        (vec!["sqlmigrate", "1999"], "no migration `1999`"),
    ];
    for (args, expected) in cases {
        let output = project.lback(&url, &args);
        assert_eq!(status(&output), 1, "{args:?}");
        assert!(
            stderr(&output).contains(expected),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(project.files(), before, "{args:?} changed no file");
    }

    // A database that does not connect.
    let output = project.lback("/nonexistent-dir/nested/app.db", &["migrate"]);
    assert_eq!(status(&output), 1);
    assert!(
        stderr(&output).contains("cannot connect"),
        "{}",
        stderr(&output)
    );

    // A usage mistake is status 2 (clap's).
    assert_eq!(
        status(&project.lback(&url, &["migrate", "--no-such-flag"])),
        2
    );

    // A malformed migration folder.
    let junk = project.migrations().join("not_a_migration");
    std::fs::create_dir(&junk).unwrap();
    for args in [
        vec!["migrate"],
        vec!["makemigrations", "x"],
        vec!["showmigrations"],
    ] {
        let output = project.lback(&url, &args);
        assert_eq!(status(&output), 1, "{args:?}");
        assert!(
            stderr(&output).contains("not_a_migration"),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    std::fs::remove_dir(&junk).unwrap();

    // Branches merged in git: two migrations with one parent.
    let newest = project.folders().last().unwrap().clone();
    let (version, rest) = newest.split_once('_').unwrap();
    let twin = format!(
        "{}_{rest}_from_other_branch",
        version.parse::<u64>().unwrap() + 1
    );
    copy_folder(
        &project.migrations().join(&newest),
        &project.migrations().join(&twin),
    );
    for args in [vec!["migrate"], vec!["makemigrations", "z"]] {
        let output = project.lback(&url, &args);
        assert_eq!(status(&output), 1, "{args:?}");
        let message = stderr(&output);
        assert!(
            message.contains(&newest) && message.contains(&twin),
            "{args:?}: {message}"
        );
    }
    std::fs::remove_dir_all(project.migrations().join(&twin)).unwrap();

    // A down.sql left empty: rollback refuses before changing anything.
    let down = project.migrations().join(&newest).join("down.sql");
    let saved_down = std::fs::read(&down).unwrap();
    std::fs::write(&down, "  \n").unwrap();
    let output = project.lback(&url, &["rollback", "users"]);
    assert_eq!(status(&output), 1);
    assert!(
        stderr(&output).contains("down.sql is missing or empty"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM users WHERE id = 7"),
        1
    );
    std::fs::write(&down, saved_down).unwrap();

    // An applied migration edited afterwards: refused, naming it, unless
    // allowed (then a warning).
    let up = project.migrations().join(&newest).join("up.sql");
    let saved_up = std::fs::read(&up).unwrap();
    let mut edited = saved_up.clone();
    edited.extend_from_slice(b"\n-- edited after it was applied\n");
    std::fs::write(&up, &edited).unwrap();
    let output = project.lback(&url, &["migrate"]);
    assert_eq!(status(&output), 1);
    assert!(
        stderr(&output).contains(&format!(
            "migration {newest} was applied, but its up SQL has changed since"
        )),
        "{}",
        stderr(&output)
    );
    let output = project.lback(&url, &["migrate", "--allow-changed"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("warning: migration"),
        "{}",
        stderr(&output)
    );
    // Line endings alone are no change.
    let crlf = String::from_utf8(saved_up.clone())
        .unwrap()
        .replace('\n', "\r\n");
    std::fs::write(&up, crlf).unwrap();
    assert_eq!(
        status(&project.lback(&url, &["migrate"])),
        0,
        "CRLF is the same SQL"
    );
    std::fs::write(&up, &saved_up).unwrap();

    // An applied migration missing from the folder: reported, not fatal.
    let aside = project.dir.join("set-aside");
    std::fs::rename(project.migrations().join(&newest), &aside).unwrap();
    let output = project.lback(&url, &["migrate"]);
    assert_eq!(status(&output), 0, "{}", stderr(&output));
    let version = newest.split('_').next().unwrap();
    assert!(
        stderr(&output).contains(&format!(
            "version {version} is applied to the database but no migration here has it"
        )),
        "{}",
        stderr(&output)
    );
    std::fs::rename(&aside, project.migrations().join(&newest)).unwrap();

    // A missing snapshot.
    let snapshot = project.migrations().join(".lback").join("schema.json");
    let saved = std::fs::read(&snapshot).unwrap();
    std::fs::remove_file(&snapshot).unwrap();
    let output = project.lback(&url, &["makemigrations", "y"]);
    assert_eq!(status(&output), 1);
    assert!(
        stderr(&output).contains("schema.json"),
        "{}",
        stderr(&output)
    );
    std::fs::write(&snapshot, saved).unwrap();

    assert_eq!(project.files(), before, "no file lost or changed");
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM users WHERE id = 7"),
        1,
        "no row lost"
    );
}

/// `migrate` on a terminal shows each migration as it starts and ends,
/// with its time; `--quiet` shows nothing; without a terminal the summary.
pub fn progress_on_a_terminal<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let dialect = T::DIALECT.name();
    for (name, models) in revisions().into_iter().take(2) {
        project.models(&models);
        let made = project.lback(&url, &["makemigrations", name, "--dialect", dialect]);
        assert_eq!(status(&made), 0, "{}", stderr(&made));
    }
    let folders = project.folders();
    let shown = project.lback_on_terminal(&url, &["migrate"]);
    let lines: Vec<&str> = shown.lines().collect();
    assert_eq!(lines.len(), 4, "{shown}");
    for (i, folder) in folders.iter().enumerate() {
        assert_eq!(lines[2 * i], format!("Applying {folder} ({}/2) ...", i + 1));
        let end = lines[2 * i + 1];
        let time = end
            .strip_prefix(&format!("Applied {folder} in "))
            .unwrap_or_else(|| panic!("{end:?}"));
        assert!(time.ends_with(" ms") || time.ends_with(" s"), "{end:?}");
    }
    assert_eq!(
        project.lback_on_terminal(&url, &["migrate"]).trim(),
        "No migrations to apply."
    );

    let back = project.lback(&url, &["migrate", &folders[0]]);
    assert_eq!(status(&back), 0, "{}", stderr(&back));
    let quiet = project.lback_on_terminal(&url, &["migrate", "--quiet"]);
    assert_eq!(quiet, "", "--quiet shows nothing");
    assert_eq!(
        target.count("SELECT COUNT(*) AS n FROM __diesel_schema_migrations"),
        2
    );

    let back = project.lback(&url, &["migrate", &folders[0]]);
    assert_eq!(status(&back), 0, "{}", stderr(&back));
    let plain = project.lback(&url, &["migrate"]);
    assert_eq!(stdout(&plain), format!("Applied {}\n", folders[1]));
}

/// `rollback` asks before reverting migrations that change other tables or
/// drop data; without a terminal it refuses unless `--yes`; a rollback of
/// the one table that drops nothing does not ask.
pub fn rollback_asks<T: Target>(target: &mut T, project: &Project) {
    let url = target.url();
    let dialect = T::DIALECT.name();
    let revisions = revisions();
    for (name, models) in revisions.iter().take(4) {
        project.models(models);
        let made = project.lback(&url, &["makemigrations", name, "--dialect", dialect]);
        assert_eq!(status(&made), 0, "{}", stderr(&made));
        assert_eq!(status(&project.lback(&url, &["migrate"])), 0);
    }
    target.execute("INSERT INTO users (id, email, bio) VALUES (1, 'a@example.com', 'keep me')");
    let created = project.folders();

    // Revision 4 changed only `comments` and drops nothing: no question.
    let narrow = project.lback(&url, &["rollback", "comments"]);
    assert_eq!(status(&narrow), 0, "{}", stderr(&narrow));
    assert_live(target, &revisions[2].1, "after rollback comments");

    // users: revision 2 (adds users.bio) and revision 3 (posts, which
    // refers to users) go back: another table, and a column with data.
    let refused = project.lback(&url, &["rollback", "users"]);
    assert_eq!(status(&refused), 1, "{}", stdout(&refused));
    let plan = stdout(&refused);
    for line in [
        format!("  revert {}", created[2]),
        format!("  revert {}", created[1]),
        "    tables: posts".to_owned(),
        "    destructive: drop column users.bio".to_owned(),
    ] {
        assert!(plan.lines().any(|l| l == line), "{line:?} in\n{plan}");
    }
    let error = stderr(&refused);
    assert!(
        error.contains("rollback of `users` not confirmed: it also changes `posts`")
            && error.contains("drop column users.bio")
            && error.contains("--yes")
            && error.contains("nothing was changed"),
        "{error}"
    );
    assert_live(target, &revisions[2].1, "after a refused rollback");

    // On a terminal it asks; anything but yes keeps everything.
    let (ok, shown) = project.lback_on_terminal_typing(&url, &["rollback", "users"], "n\n");
    assert!(!ok, "{shown}");
    assert!(shown.contains("Go on? [y/N]"), "{shown}");
    assert_live(target, &revisions[2].1, "after answering no");
    let (ok, shown) = project.lback_on_terminal_typing(&url, &["rollback", "users"], "y\n");
    assert!(ok, "{shown}");
    assert_live(target, &revisions[0].1, "after answering yes");

    assert_eq!(status(&project.lback(&url, &["migrate"])), 0);
    let confirmed = project.lback(&url, &["rollback", "users", "--yes"]);
    assert_eq!(status(&confirmed), 0, "{}", stderr(&confirmed));
    assert_live(target, &revisions[0].1, "after rollback users --yes");
}

/// Polls `ready` every 20 ms until it holds; panics with `ended` if
/// `child` exits first, and with `never` after a minute.
pub fn wait_while_running(
    child: &mut Child,
    ended: &str,
    never: &str,
    mut ready: impl FnMut() -> bool,
) {
    let started = Instant::now();
    while !ready() {
        assert!(child.try_wait().unwrap().is_none(), "{ended}");
        assert!(started.elapsed() < Duration::from_secs(60), "{never}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
