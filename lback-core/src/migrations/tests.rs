use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use time::{Date, Month};

use super::*;
use crate::diff::{diff, inverse};
use crate::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use crate::sql::{render, Dialect, Rendered};
use crate::Error;

/// A scratch directory under the system temp dir, removed on drop.
pub(crate) struct TempDir(pub(crate) PathBuf);

impl TempDir {
    pub(crate) fn new(label: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let path = std::env::temp_dir().join(format!(
            "lback-migrations-{label}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn migrations(&self) -> PathBuf {
        self.0.join("migrations")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// 2026-11-24 23:35:00 UTC plus `seconds`.
fn at(seconds: i64) -> SystemTime {
    let base = Date::from_calendar_date(2026, Month::November, 24)
        .unwrap()
        .with_hms(23, 35, 0)
        .unwrap()
        .assume_utc();
    SystemTime::from(base + time::Duration::seconds(seconds))
}

fn users() -> Table {
    Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Varchar(255)))
        .with_primary_key(["id"])
        .with_unique(UniqueConstraint {
            name: "uq_users_email".into(),
            columns: vec!["email".into()].into(),
        })
}

fn posts() -> Table {
    Table::new("posts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("author_id", ColumnType::BigInt))
        .with_column(
            Column::new("title", ColumnType::Text).with_default(DefaultValue::Text("".into())),
        )
        .with_primary_key(["id"])
        .with_index(Index {
            name: "ix_posts_author_id".into(),
            columns: vec!["author_id".into()].into(),
            unique: false,
        })
        .with_foreign_key(ForeignKey {
            name: "fk_posts_author_id".into(),
            columns: vec!["author_id".into()].into(),
            referenced_table: "users".into(),
            referenced_columns: vec!["id".into()].into(),
            on_delete: ReferentialAction::Cascade,
            on_update: ReferentialAction::NoAction,
        })
}

fn schema(tables: impl IntoIterator<Item = Table>) -> Schema {
    Schema::from_tables(tables).unwrap()
}

/// The migration from the current snapshot to `new`, rendered for `dialects`.
fn migration(
    set: &Migrations,
    name: &str,
    new: Schema,
    dialects: &[Dialect],
    now: SystemTime,
) -> NewMigration {
    let old = set.snapshot().unwrap();
    let operations = diff(&old, &new);
    let sql = dialects
        .iter()
        .map(|d| {
            (
                *d,
                render(&operations, &old, *d),
                render(&inverse(&operations), &new, *d),
            )
        })
        .collect();
    NewMigration {
        name: name.into(),
        operations,
        schema_after: new,
        sql,
        now,
    }
}

fn write(
    set: &mut Migrations,
    name: &str,
    new: Schema,
    dialects: &[Dialect],
    now: SystemTime,
) -> String {
    let new = migration(set, name, new, dialects, now);
    set.write(new).unwrap().id()
}

fn message(error: Error) -> String {
    error.to_string()
}

/// The message of the error reading the snapshot of the folder `dir`.
fn snapshot_error(dir: &Path) -> String {
    message(Migrations::open(dir).unwrap().snapshot().unwrap_err())
}

fn open_err(dir: &Path) -> String {
    message(Migrations::open(dir).unwrap_err())
}

fn mkdir(path: &Path, files: &[(&str, &str)]) {
    fs::create_dir_all(path).unwrap();
    for (name, text) in files {
        fs::write(path.join(name), text).unwrap();
    }
}

const SQLITE: &[Dialect] = &[Dialect::Sqlite];

#[test]
fn round_trip_write_then_open() {
    let tmp = TempDir::new("roundtrip");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let first = write(&mut set, "add_users", schema([users()]), SQLITE, at(0));
    assert_eq!(first, "20261124233500_add_users");
    let second = write(
        &mut set,
        "add_posts",
        schema([users(), posts()]),
        SQLITE,
        at(60),
    );
    assert_eq!(second, "20261124233600_add_posts");

    let read = Migrations::open(&dir).unwrap();
    assert_eq!(read.folders(), set.folders());
    assert_eq!(read.settings().dialects, vec![Dialect::Sqlite]);
    assert_eq!(read.snapshot().unwrap(), schema([users(), posts()]));
    read.check_linear().unwrap();

    let [a, b] = read.folders() else {
        panic!("two folders")
    };
    assert_eq!(a.parent, None);
    assert_eq!(b.parent.as_deref(), Some("20261124233500"));
    assert_eq!(a.tables, ["users"]);
    assert_eq!(
        b.tables,
        ["posts"],
        "only the table the migration changes; a foreign key's target is not changed by it"
    );
    assert!(a.lback_data && b.lback_data);
    assert_eq!(a.primary, Some(Dialect::Sqlite));
    assert_eq!(
        b.operations,
        diff(&schema([users()]), &schema([users(), posts()]))
    );
    assert_eq!(b.path, dir.join("20261124233600_add_posts"));

    let up = b.up_sql(Dialect::Sqlite).unwrap();
    assert!(
        up.starts_with("-- lback: 20261124233600_add_posts, sqlite, generated; review before applying\nCREATE TABLE \"posts\""),
        "{up}"
    );
    let down = b.down_sql(Dialect::Sqlite).unwrap().unwrap();
    assert!(down.contains("DROP TABLE \"posts\";"), "{down}");

    // lback.json: deterministic, pretty, sorted.
    let json = fs::read_to_string(b.path.join(LBACK_FILE)).unwrap();
    assert!(
        json.starts_with(
            "{\n  \"lback_migration\": 1,\n  \"parent\": \"20261124233500\",\n  \"primary\": \"sqlite\",\n  \"tables\": [\n    \"posts\"\n  ],\n  \"operations\": [\n    {\n      \"op\": \"create_table\",\n      \"table\": {"
        ),
        "{json}"
    );
    assert!(json.ends_with("  \"rebuilds\": []\n}\n"), "{json}");
    let other = TempDir::new("roundtrip-again");
    let mut again = Migrations::open(&other.migrations()).unwrap();
    write(&mut again, "add_users", schema([users()]), SQLITE, at(0));
    write(
        &mut again,
        "add_posts",
        schema([users(), posts()]),
        SQLITE,
        at(60),
    );
    assert_eq!(
        fs::read(other.migrations().join(&second).join(LBACK_FILE)).unwrap(),
        json.as_bytes()
    );
    assert_eq!(
        fs::read_to_string(dir.join(".lback/settings.json")).unwrap(),
        "{\n  \"dialects\": [\n    \"sqlite\"\n  ]\n}\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join(".lback/schema.json")).unwrap(),
        schema([users(), posts()]).to_snapshot()
    );
    // Nothing but the expected files, and no temporary file left behind.
    let mut files: Vec<String> = fs::read_dir(&b.path)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(files, ["down.sql", "lback.json", "up.sql"]);
    let mut lback: Vec<String> = fs::read_dir(dir.join(".lback"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    lback.sort();
    assert_eq!(lback, ["schema.json", "settings.json"]);
}

#[test]
fn every_operation_kind_survives_lback_json() {
    let tmp = TempDir::new("operations");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let mut start_users = users();
    start_users
        .columns
        .to_mut()
        .push(Column::new("extra", ColumnType::Integer).nullable());
    start_users
        .unique_constraints
        .to_mut()
        .push(UniqueConstraint {
            name: "uq_users_extra".into(),
            columns: vec!["extra".into()].into(),
        });
    let legacy = Table::new("legacy").with_column(Column::new("x", ColumnType::Binary));
    let start = schema([start_users, posts(), legacy]);
    write(&mut set, "start", start, SQLITE, at(0));

    // Rename a table and a column, alter a column, change keys and indexes,
    // add and drop tables and columns.
    let mut authors = users();
    authors.name = "authors".into();
    authors.renamed_from = Some("users".into());
    let columns = authors.columns.to_mut();
    columns[1] = Column::new("mail", ColumnType::Text).renamed_from("email");
    // uq_users_email follows the renames (renamed); uq_users_extra goes
    // with its column; one is new.
    authors.unique_constraints = vec![
        UniqueConstraint {
            name: "uq_authors_id_mail".into(),
            columns: vec!["id".into(), "mail".into()].into(),
        },
        UniqueConstraint {
            name: "uq_authors_mail".into(),
            columns: vec!["mail".into()].into(),
        },
    ]
    .into();
    let mut articles = posts();
    articles.columns.to_mut()[2] = Column::new("title", ColumnType::Varchar(200)).nullable();
    articles.indexes = vec![Index {
        name: "ix_posts_title".into(),
        columns: vec!["title".into()].into(),
        unique: true,
    }]
    .into();
    articles.foreign_keys.to_mut()[0].referenced_table = "authors".into();
    articles.foreign_keys.to_mut()[0].on_delete = ReferentialAction::SetDefault;
    articles.primary_key = vec!["id".into(), "author_id".into()].into();
    articles
        .columns
        .to_mut()
        .push(Column::new("body", ColumnType::Text).nullable());
    let tags = Table::new("tags").with_column(Column::new("label", ColumnType::Json).nullable());
    let all = [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql];
    let next = migration(
        &set,
        "reshape",
        schema([authors, articles, tags]),
        &all,
        at(1),
    );
    let kinds: std::collections::BTreeSet<String> = next
        .operations
        .iter()
        .map(|op| {
            serde_json::to_value(op).unwrap()["op"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        [
            "add_column",
            "add_foreign_key",
            "add_index",
            "add_unique",
            "alter_column",
            "create_table",
            "drop_column",
            "drop_foreign_key",
            "drop_index",
            "drop_table",
            "drop_unique",
            "rename_column",
            "rename_table",
            "rename_unique",
            "set_primary_key"
        ],
        "{:#?}",
        next.operations
    );
    let expected = next.operations.clone();
    let after = next.schema_after.clone();
    // Settings (sqlite only) and the SQL given (three dialects) disagree.
    let refused = message(set.write(next.clone()).unwrap_err());
    assert!(
        refused.contains("the SQL for the new migration is for sqlite, postgres, mysql, but")
            && refused
                .contains("configures sqlite; render every configured dialect, primary first"),
        "{refused}"
    );
    let mut next = next;
    next.sql.truncate(1);
    set.write(next).unwrap();

    let read = Migrations::open(&dir).unwrap();
    assert_eq!(read.folders()[1].operations, expected);
    assert_eq!(
        read.folders()[1].tables,
        ["authors", "legacy", "posts", "tags", "users"]
    );
    assert_eq!(read.folders()[1].rebuilds, [Dialect::Sqlite]);
    assert_eq!(read.snapshot().unwrap(), after);
}

#[test]
fn two_writes_in_one_second_get_distinct_ordered_versions() {
    let tmp = TempDir::new("same-second");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let a = write(&mut set, "a", schema([users()]), SQLITE, at(0));
    let b = write(&mut set, "b", schema([users(), posts()]), SQLITE, at(0));
    // A clock that went backwards still gives a newer version.
    let c = write(
        &mut set,
        "c",
        schema([posts(), users(), Table::new("t")]),
        SQLITE,
        at(-3600),
    );
    assert_eq!(a, "20261124233500_a");
    assert_eq!(b, "20261124233501_b");
    assert_eq!(c, "20261124233502_c");
    let read = Migrations::open(&dir).unwrap();
    let ids: Vec<String> = read.folders().iter().map(MigrationFolder::id).collect();
    assert_eq!(ids, [a, b, c]);
    read.check_linear().unwrap();

    assert_eq!(next_version(at(0), None).unwrap(), "20261124233500");
    assert_eq!(
        next_version(at(0), Some("20261231235959")).unwrap(),
        "20270101000000",
        "one second later, across a year"
    );
    assert_eq!(
        next_version(at(0), Some("20280229235959")).unwrap(),
        "20280301000000",
        "leap day"
    );
    assert_eq!(
        next_version(at(0), Some("29991399999999")).unwrap(),
        "29991400000000",
        "not a date: the next number"
    );
    assert!(next_version(at(0), Some("99999999999999"))
        .unwrap_err()
        .contains("no 14-digit version is left"));
    assert!(next_version(at(0), Some("99991231235959")).is_err());
}

#[test]
fn names_are_validated() {
    for good in ["add_users", "A1", "_", "x".repeat(100).as_str()] {
        validate_name(good).unwrap();
    }
    for (bad, reason) in [
        ("", "it is empty"),
        ("../x", "it contains '.'"),
        ("a/b", "it contains '/'"),
        ("..", "it contains '.'"),
        ("a-b", "it contains '-'"),
        ("a b", "it contains ' '"),
        ("naïve", "it contains 'ï'"),
        (&"x".repeat(101), "it is 101 characters long, more than 100"),
    ] {
        let text = message(validate_name(bad).unwrap_err());
        assert_eq!(
            text,
            format!(
                "invalid migration name {bad:?}: {reason}; use 1 to 100 ASCII letters, digits and underscores, such as `add_users`"
            )
        );
    }
    // write checks the name before anything else.
    let tmp = TempDir::new("names");
    let mut set = Migrations::open(&tmp.migrations()).unwrap();
    let mut bad = migration(&set, "ok", schema([users()]), SQLITE, at(0));
    bad.name = "../escape".into();
    assert!(matches!(
        set.write(bad),
        Err(Error::InvalidMigrationName { .. })
    ));
    assert!(!tmp.migrations().exists());
    assert!(!tmp.0.join("escape").exists());
}

#[test]
fn an_existing_folder_is_never_overwritten() {
    let tmp = TempDir::new("no-overwrite");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    write(&mut set, "a", schema([users()]), SQLITE, at(0));
    // Someone else creates the folder the next write would take.
    let taken = dir.join("20261124233600_b");
    mkdir(&taken, &[("up.sql", "keep me")]);
    let snapshot_before = fs::read_to_string(set.snapshot_path()).unwrap();
    let new = migration(&set, "b", schema([users(), posts()]), SQLITE, at(60));
    let text = message(set.write(new).unwrap_err());
    assert_eq!(
        text,
        format!(
            "{}: already exists; lback never overwrites a migration: nothing was written, run the command again",
            taken.display()
        )
    );
    assert_eq!(fs::read_to_string(taken.join("up.sql")).unwrap(), "keep me");
    assert!(!taken.join("lback.json").exists());
    assert_eq!(
        fs::read_to_string(set.snapshot_path()).unwrap(),
        snapshot_before
    );
    assert_eq!(set.folders().len(), 1);
}

#[test]
fn a_failed_write_removes_the_half_written_folder() {
    let tmp = TempDir::new("half-written");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    // The snapshot cannot be written: a directory sits where it goes.
    fs::create_dir_all(dir.join(".lback/schema.json/blocked")).unwrap();
    let new = migration(&set, "a", schema([users()]), SQLITE, at(0));
    let text = message(set.write(new).unwrap_err());
    assert!(text.contains("could not write it"), "{text}");
    assert!(
        !dir.join("20261124233500_a").exists(),
        "the folder is removed"
    );
    assert!(
        !set.settings_path().exists(),
        "the settings it created are removed"
    );
    assert!(set.folders().is_empty());
    let leftovers: Vec<_> = fs::read_dir(dir.join(".lback"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, ["schema.json"], "no temporary file left");
}

#[test]
fn missing_snapshot_says_what_to_do() {
    let tmp = TempDir::new("missing-snapshot");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    write(&mut set, "a", schema([users()]), SQLITE, at(0));
    fs::remove_file(set.snapshot_path()).unwrap();
    let text = snapshot_error(&dir);
    assert_eq!(
        text,
        format!(
            "{}: is missing, but 1 migration(s) made by lback are here (the newest is `20261124233500_a`) \
             and lback needs the schema they build to generate the next one; restore the file from \
             version control as committed with `20261124233500_a`",
            dir.join(".lback/schema.json").display()
        )
    );
}

#[test]
fn snapshot_must_match_the_replay() {
    let tmp = TempDir::new("mismatch");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    write(&mut set, "a", schema([users()]), SQLITE, at(0));
    write(&mut set, "b", schema([users(), posts()]), SQLITE, at(1));

    // Order of columns, keys and indexes, and rename hints, do not count.
    let mut shuffled = posts().with_index(Index {
        name: "ix_a".into(),
        columns: vec!["title".into()].into(),
        unique: false,
    });
    shuffled.indexes.to_mut().reverse();
    shuffled.columns.to_mut().reverse();
    shuffled.renamed_from = Some("old_posts".into());
    let reordered = schema([users(), shuffled.clone()]);
    // (ix_a is extra: first check it is reported, then drop it.)
    fs::write(set.snapshot_path(), reordered.to_snapshot()).unwrap();
    let text = snapshot_error(&dir);
    assert_eq!(
        text,
        format!(
            "{}: the snapshot does not match the migrations (it was edited by hand, or merged badly); \
             restore it from version control as committed with the newest migration, `20261124233501_b`. \
             From the schema the migrations build to the snapshot:\n  + add index ix_a on posts (title)",
            set.snapshot_path().display()
        )
    );
    shuffled.indexes.to_mut().retain(|i| i.name != "ix_a");
    let reordered = schema([users(), shuffled]);
    fs::write(set.snapshot_path(), reordered.to_snapshot()).unwrap();
    assert_eq!(
        Migrations::open(&dir).unwrap().snapshot().unwrap(),
        reordered
    );

    // A snapshot without any lback migration must be empty.
    let other = TempDir::new("mismatch-empty");
    fs::create_dir_all(other.migrations().join(".lback")).unwrap();
    fs::write(
        other.migrations().join(".lback/schema.json"),
        schema([users()]).to_snapshot(),
    )
    .unwrap();
    let text = snapshot_error(&other.migrations());
    assert!(
        text.contains("no migration made by lback is here, so delete it")
            && text.contains("  + create table users"),
        "{text}"
    );
    // A malformed snapshot names its line.
    fs::write(
        other.migrations().join(".lback/schema.json"),
        "{\n  \"lback_snapshot\": 1,\n  \"tables\": [x]\n}\n",
    )
    .unwrap();
    let text = snapshot_error(&other.migrations());
    assert!(
        text.contains("schema.json: the schema snapshot is malformed at line 3, column 14")
            && text.ends_with("; restore the file from version control"),
        "{text}"
    );
}

#[test]
fn branches_merged_are_detected() {
    let tmp = TempDir::new("branches");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    write(&mut set, "base", schema([users()]), SQLITE, at(0));
    let ours = write(&mut set, "ours", schema([users(), posts()]), SQLITE, at(10));
    // Their branch made a migration on top of `base` too, a little later.
    let theirs = "20261124233520_theirs";
    mkdir(&dir.join(theirs), &[]);
    for entry in fs::read_dir(dir.join(&ours)).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), dir.join(theirs).join(entry.file_name())).unwrap();
    }
    let read = Migrations::open(&dir).unwrap();
    let text = message(read.check_linear().unwrap_err());
    let snapshot = dir.join(".lback/schema.json");
    assert_eq!(
        text,
        format!(
            "{dir}: migrations `20261124233510_ours` and `20261124233520_theirs` were both made on top of \
             `20261124233500_base`, on two branches since merged: the newer one was generated without the \
             older one's changes, so they cannot be applied one after the other. To fix it:\n\
             \x20 1. keep the older one, `20261124233510_ours`;\n\
             \x20 2. wherever `20261124233520_theirs` has been applied, revert it first (with the code of its \
             branch, where it is the newest migration);\n\
             \x20 3. delete the folder {theirs_path};\n\
             \x20 4. restore {snapshot} as it is on the branch of `20261124233510_ours` (e.g. `git checkout \
             <that branch> -- {snapshot}`);\n\
             \x20 5. run makemigrations again: it generates the changes of `20261124233520_theirs` anew, on \
             top of `20261124233510_ours`.",
            dir = dir.display(),
            theirs_path = dir.join(theirs).display(),
            snapshot = snapshot.display(),
        )
    );
    // The snapshot check points at the branches too (the replay creates
    // posts twice here, which happens to match; make it differ).
    fs::write(&snapshot, schema([users()]).to_snapshot()).unwrap();
    let text = snapshot_error(&dir);
    assert!(text.contains("were both made on top of"), "{text}");

    // Two first migrations.
    let two = TempDir::new("branches-first");
    let mut a = Migrations::open(&two.migrations()).unwrap();
    write(&mut a, "a", schema([users()]), SQLITE, at(0));
    let copy = two.migrations().join("20261124233505_b");
    mkdir(&copy, &[]);
    for file in ["up.sql", "down.sql", "lback.json"] {
        fs::copy(
            two.migrations().join("20261124233500_a").join(file),
            copy.join(file),
        )
        .unwrap();
    }
    let text = message(
        Migrations::open(&two.migrations())
            .unwrap()
            .check_linear()
            .unwrap_err(),
    );
    assert!(
        text.contains("migrations `20261124233500_a` and `20261124233505_b` were both made as the first migration, on two branches"),
        "{text}"
    );

    // A parent that is not there.
    fs::remove_dir_all(&copy).unwrap();
    write(&mut a, "b", schema([users(), posts()]), SQLITE, at(10));
    fs::remove_dir_all(two.migrations().join("20261124233500_a")).unwrap();
    let text = message(
        Migrations::open(&two.migrations())
            .unwrap()
            .check_linear()
            .unwrap_err(),
    );
    assert!(
        text.contains(
            "migration `20261124233510_b` was made on top of `20261124233500`, but it is the first migration here: \
             `20261124233500` is not here: restore its folder from version control, or delete the folder"
        ),
        "{text}"
    );
}

#[test]
fn malformed_folders_are_refused() {
    let tmp = TempDir::new("malformed");
    let dir = tmp.migrations();
    let fresh = |name: &str| {
        let _ = fs::remove_dir_all(&dir);
        let path = dir.join(name);
        mkdir(&path, &[("up.sql", "SELECT 1;")]);
        path
    };

    // Names.
    let path = fresh("not_a_migration");
    assert_eq!(
        open_err(&dir),
        format!(
            "{}: `not_a_migration` is not a migration folder: diesel and lback take every directory here for a \
             migration named `<14-digit version>_<name>` (such as `20261124233500_add_users`, or diesel_cli's \
             `2026-11-24-233500_add_users`) holding up.sql; rename it, or move it out of the migrations directory",
            path.display()
        )
    );
    for bad in [
        "2026112423350_short",
        "20261124233500_",
        "20261124233500",
        "x20261124233500_a",
        "2024-01-01-00000_short",
        "2024-01-01_000000_a",
        "2024-01-01-000000_",
    ] {
        fresh(bad);
        assert!(
            open_err(&dir).contains("is not a migration folder"),
            "{bad}"
        );
    }
    // No up.sql.
    let path = fresh("20260101000000_a");
    fs::remove_file(path.join("up.sql")).unwrap();
    fs::write(path.join("down.sql"), "").unwrap();
    assert_eq!(
        open_err(&dir),
        format!(
            "{}: migration `20260101000000_a` has no up.sql, so diesel cannot run it; add up.sql with the \
             migration's SQL, or move the folder out of the migrations directory if it is not a migration",
            path.display()
        )
    );

    // lback.json: not JSON, unknown field, unknown format, bad parent.
    let path = fresh("20260101000000_a");
    let lback = path.join("lback.json");
    for (text, expected) in [
        (
            "{\n  \"lback_migration\": 1,\n  \"parent\": null,\n  oops\n}\n",
            "line 4, column 3: key must be a string",
        ),
        (
            "{\n  \"lback_migration\": 1,\n  \"parent\": null,\n  \"tables\": [],\n  \"operations\": [],\n  \"rebuilds\": [],\n  \"extra\": 1\n}\n",
            "line 7, column 9: unknown field `extra`",
        ),
        (
            "{\n  \"lback_migration\": 2,\n  \"parent\": null,\n  \"tables\": [],\n  \"operations\": [],\n  \"rebuilds\": []\n}\n",
            "line 2, column 22: lback_migration 2 is not supported by this lback (it reads format 1); use the lback version that wrote it",
        ),
        (
            "{\n  \"lback_migration\": 1,\n  \"parent\": \"yesterday\",\n  \"tables\": [],\n  \"operations\": [],\n  \"rebuilds\": []\n}\n",
            "line 3, column 23: parent `yesterday` is not a 14-digit version (or null)",
        ),
        (
            "{\n  \"lback_migration\": 1,\n  \"parent\": null,\n  \"tables\": [],\n  \"operations\": [{\"op\": \"explode\"}],\n  \"rebuilds\": []\n}\n",
            "line 5, column 33: unknown variant `explode`",
        ),
        (
            "{\n  \"lback_migration\": 1,\n  \"parent\": null,\n  \"tables\": [],\n  \"operations\": [],\n  \"rebuilds\": [\"oracle\"]\n}\n",
            "line 6, column 24: unknown dialect `oracle`: expected sqlite, postgres or mysql",
        ),
    ] {
        fs::write(&lback, text).unwrap();
        let error = open_err(&dir);
        let prefix = format!("{}: {expected}", lback.display());
        assert!(
            error.starts_with(&prefix)
                && error.ends_with("; lback writes this file: restore it from version control"),
            "{error}\nexpected to start with {prefix}"
        );
    }

    // Two folders with one version.
    fresh("20260101000000_a");
    mkdir(&dir.join("20260101000000_b"), &[("up.sql", "")]);
    assert_eq!(
        open_err(&dir),
        format!(
            "{}: migrations `20260101000000_a` and `20260101000000_b` share the version 20260101000000, but \
             diesel records applied migrations by version alone, so it would take one for the other; give the \
             one that was added later a newer version (rename its folder, e.g. with the current UTC time as \
             YYYYMMDDHHMMSS), or delete it if it is a copy",
            dir.display()
        )
    );

    // metadata.toml that turns the transaction off by accident, or is not TOML.
    let path = fresh("20260101000000_a");
    fs::write(path.join("metadata.toml"), "# no key here\n").unwrap();
    assert_eq!(
        open_err(&dir),
        format!(
            "{}: has no `run_in_transaction` key, and diesel then runs the migration outside a transaction (a \
             failure halfway would leave it half applied); write `run_in_transaction = true` to keep the \
             transaction, or `run_in_transaction = false` if the migration must run outside one",
            path.join("metadata.toml").display()
        )
    );
    fs::write(path.join("metadata.toml"), "run_in_transaction = maybe\n").unwrap();
    let error = open_err(&dir);
    assert!(
        error.contains(
            "metadata.toml: not valid TOML at line 1, column 22 (string values must be quoted"
        )
            && error.ends_with(
                "); diesel would ignore the file and run the migration in a transaction: write \
                 `run_in_transaction = true` (or `= false` for a migration that must run outside a transaction)"
            ),
        "{error}"
    );
    for ok in [
        "run_in_transaction = true\n",
        "run_in_transaction=false # why\nother = 1\n",
    ] {
        fs::write(path.join("metadata.toml"), ok).unwrap();
        Migrations::open(&dir).unwrap();
    }

    // Files and dot-directories are not migrations.
    let _ = fs::remove_dir_all(&dir);
    mkdir(&dir, &[("README.md", "notes"), (".gitkeep", "")]);
    mkdir(&dir.join(".git-crypt"), &[("x", "")]);
    assert!(Migrations::open(&dir).unwrap().folders().is_empty());

    // The migrations "directory" is a file.
    let file = tmp.0.join("plain");
    fs::write(&file, "").unwrap();
    assert!(open_err(&file).ends_with(
        "plain: is not a directory; the migrations directory must be one (or not exist yet)"
    ));

    // Settings: unknown field, unknown or repeated dialect.
    let _ = fs::remove_dir_all(&dir);
    let settings = dir.join(".lback/settings.json");
    mkdir(&dir.join(".lback"), &[]);
    for (text, expected) in [
        (
            "{\"dialects\": [\"sqlite\"], \"x\": 1}",
            "line 1, column 28: unknown field `x`, expected one of `dialects`, `schema_file`, `lock_timeout_ms`, `online_ddl`; the file reads like {\"dialects\": [\"sqlite\", \"postgres\"]}, with sqlite, postgres or mysql, the first one primary",
        ),
        (
            "{\n\"dialects\": [\"db2\"]}",
            "line 2, column 19: unknown dialect `db2`: expected sqlite, postgres or mysql; the file reads like",
        ),
        (
            "{\"dialects\": [\"sqlite\", \"postgres\", \"sqlite\"]}",
            "dialect `sqlite` is listed twice; list each dialect once",
        ),
    ] {
        fs::write(&settings, text).unwrap();
        let error = open_err(&dir);
        assert!(
            error.starts_with(&format!("{}: {expected}", settings.display())),
            "{error}"
        );
    }
}

#[test]
fn delete_newest_rewinds_the_snapshot_and_refuses_others() {
    let tmp = TempDir::new("delete");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let a = write(&mut set, "a", schema([users()]), SQLITE, at(0));
    let b = write(&mut set, "b", schema([users(), posts()]), SQLITE, at(1));
    let mut with_bio = users();
    with_bio
        .columns
        .to_mut()
        .push(Column::new("bio", ColumnType::Text).nullable());
    let c = write(&mut set, "c", schema([with_bio, posts()]), SQLITE, at(2));

    // Not the newest: refused, nothing deleted.
    let text = message(set.delete_newest(std::slice::from_ref(&b)).unwrap_err());
    assert_eq!(
        text,
        format!(
            "{}: `{b}` is not among the newest 1 migration(s) ({c}); only the newest migrations can be \
             deleted, so the snapshot can be rewound: delete the later ones too, or none (nothing was deleted)",
            dir.display()
        )
    );
    let text = message(set.delete_newest(&["nope".into()]).unwrap_err());
    assert!(text.starts_with("there is no migration `nope`"), "{text}");
    assert_eq!(Migrations::open(&dir).unwrap().folders().len(), 3);

    // The newest two, by version and id, in any order.
    set.delete_newest(&["20261124233501".into(), c.clone()])
        .unwrap();
    assert_eq!(set.folders().len(), 1);
    assert!(!dir.join(&b).exists() && !dir.join(&c).exists());
    assert_eq!(set.snapshot().unwrap(), schema([users()]));
    let read = Migrations::open(&dir).unwrap();
    assert_eq!(read.folders(), set.folders());
    assert_eq!(read.snapshot().unwrap(), schema([users()]));
    let leftovers: Vec<_> = fs::read_dir(dir.join(".lback"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The next migration continues from there.
    let d = write(&mut set, "d", schema([users(), posts()]), SQLITE, at(3));
    assert_eq!(set.folders()[1].parent.as_deref(), Some("20261124233500"));
    set.delete_newest(&[d, a]).unwrap();
    assert!(set.folders().is_empty());
    let read = Migrations::open(&dir).unwrap();
    assert!(read.folders().is_empty());
    assert_eq!(read.snapshot().unwrap(), Schema::new());
}

#[test]
fn multi_dialect_files_and_up_sql_per_dialect() {
    let tmp = TempDir::new("dialects");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let all = [Dialect::Postgres, Dialect::Sqlite, Dialect::Mysql];
    let id = write(&mut set, "a", schema([users(), posts()]), &all, at(0));
    let folder = dir.join(&id);
    let mut files: Vec<String> = fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "down.mysql.sql",
            "down.sql",
            "down.sqlite.sql",
            "lback.json",
            "up.mysql.sql",
            "up.sql",
            "up.sqlite.sql"
        ]
    );
    assert_eq!(
        fs::read_to_string(dir.join(".lback/settings.json")).unwrap(),
        "{\n  \"dialects\": [\n    \"postgres\",\n    \"sqlite\",\n    \"mysql\"\n  ]\n}\n"
    );
    let read = Migrations::open(&dir).unwrap();
    assert_eq!(read.settings().dialects, all);
    assert_eq!(read.settings().primary(), Some(Dialect::Postgres));
    let m = &read.folders()[0];
    assert_eq!(m.primary, Some(Dialect::Postgres));
    let ops = &m.operations;
    for dialect in all {
        let up = m.up_sql(dialect).unwrap();
        assert_eq!(
            up,
            format!(
                "-- lback: {id}, {dialect}, generated; review before applying\n{}",
                render(ops, &Schema::new(), dialect).to_sql()
            )
        );
        let down = m.down_sql(dialect).unwrap().unwrap();
        assert!(down.starts_with(&format!("-- lback: {id}, {dialect}, generated")));
        assert!(down.contains("DROP TABLE"), "{down}");
    }
    assert!(m
        .up_sql(Dialect::Postgres)
        .unwrap()
        .contains("GENERATED BY DEFAULT AS IDENTITY"));
    assert!(m.up_sql(Dialect::Mysql).unwrap().contains('`'));

    // A migration generated for one dialect has nothing for the others.
    let other = TempDir::new("dialects-one");
    let mut one = Migrations::open(&other.migrations()).unwrap();
    write(&mut one, "a", schema([users()]), SQLITE, at(0));
    let m = &one.folders()[0];
    m.up_sql(Dialect::Sqlite).unwrap();
    let text = message(m.up_sql(Dialect::Postgres).unwrap_err());
    assert!(
        text.starts_with(
            "migration 20261124233500_a has no SQL for postgres (it was generated for sqlite)"
        ),
        "{text}"
    );
    assert!(m.down_sql(Dialect::Mysql).is_err());

    // Missing down file: None; an empty one stays Some("").
    fs::remove_file(folder.join("down.sqlite.sql")).unwrap();
    fs::write(folder.join("down.mysql.sql"), "").unwrap();
    let read = Migrations::open(&dir).unwrap();
    let m = &read.folders()[0];
    assert_eq!(m.down_sql(Dialect::Sqlite).unwrap(), None);
    assert_eq!(m.down_sql(Dialect::Mysql).unwrap().as_deref(), Some(""));
    assert!(m.down_sql(Dialect::Postgres).unwrap().is_some());
}

#[test]
fn metadata_toml_only_for_rebuilds_of_the_primary_dialect() {
    let tmp = TempDir::new("metadata");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let a = write(&mut set, "a", schema([users(), posts()]), SQLITE, at(0));
    assert!(!dir.join(&a).join("metadata.toml").exists());
    assert!(set.folders()[0].rebuilds.is_empty());
    // Changing a column's type rebuilds the table on SQLite.
    let mut wider = posts();
    wider.columns.to_mut()[2].ty = ColumnType::Varchar(300);
    let b = write(&mut set, "b", schema([users(), wider]), SQLITE, at(1));
    assert_eq!(
        fs::read_to_string(dir.join(&b).join("metadata.toml")).unwrap(),
        "# lback: the sqlite SQL of this migration rebuilds a table, which needs\n\
         # `PRAGMA foreign_keys = OFF`; SQLite ignores that inside a transaction.\n\
         run_in_transaction = false\n"
    );
    let read = Migrations::open(&dir).unwrap();
    assert_eq!(read.folders()[1].rebuilds, [Dialect::Sqlite]);

    // Removing it (or turning the transaction on) is refused.
    fs::write(
        dir.join(&b).join("metadata.toml"),
        "run_in_transaction = true\n",
    )
    .unwrap();
    let text = open_err(&dir);
    assert_eq!(
        text,
        format!(
            "{}: the sqlite SQL in up.sql/down.sql rebuilds a table, which must run outside a transaction with \
             foreign keys off (inside one SQLite ignores `PRAGMA foreign_keys`, and dropping the old table would \
             fire ON DELETE actions), but metadata.toml says `run_in_transaction = true`; write \
             `run_in_transaction = false` to metadata.toml",
            dir.join(&b).display()
        )
    );
    fs::remove_file(dir.join(&b).join("metadata.toml")).unwrap();
    assert!(open_err(&dir).contains("but there is no metadata.toml;"));

    // PostgreSQL primary, SQLite second: the rebuild is recorded, but
    // diesel_cli runs up.sql (PostgreSQL) in a transaction as usual.
    let other = TempDir::new("metadata-pg");
    let mut pg = Migrations::open(&other.migrations()).unwrap();
    let both = [Dialect::Postgres, Dialect::Sqlite];
    write(&mut pg, "a", schema([users(), posts()]), &both, at(0));
    let mut wider = posts();
    wider.columns.to_mut()[2].ty = ColumnType::Varchar(300);
    let b = write(&mut pg, "b", schema([users(), wider]), &both, at(1));
    assert!(!other.migrations().join(&b).join("metadata.toml").exists());
    let read = Migrations::open(&other.migrations()).unwrap();
    assert_eq!(read.folders()[1].rebuilds, [Dialect::Sqlite]);
    assert_eq!(read.folders()[1].primary, Some(Dialect::Postgres));
}

#[test]
fn a_diesel_only_folder_is_accepted() {
    let tmp = TempDir::new("diesel-only");
    let dir = tmp.migrations();
    mkdir(
        &dir.join("20200101000000_hand_made"),
        &[
            ("up.sql", "CREATE TABLE x (id INTEGER);"),
            ("down.sql", "DROP TABLE x;"),
        ],
    );
    mkdir(
        &dir.join("20200102000000_with-dash"),
        &[
            ("up.sql", "SELECT 1;"),
            ("metadata.toml", "run_in_transaction = true\n"),
            ("notes.txt", "ignored"),
        ],
    );
    let mut set = Migrations::open(&dir).unwrap();
    set.check_linear().unwrap();
    let [first, second] = set.folders() else {
        panic!("two folders")
    };
    assert!(!first.lback_data && !second.lback_data);
    assert_eq!(first.parent, None);
    assert_eq!(second.parent.as_deref(), Some("20200101000000"));
    assert_eq!(second.name, "with-dash");
    assert!(first.operations.is_empty() && first.tables.is_empty() && first.primary.is_none());
    for dialect in Dialect::ALL {
        assert_eq!(
            first.up_sql(dialect).unwrap(),
            "CREATE TABLE x (id INTEGER);"
        );
        assert_eq!(
            first.down_sql(dialect).unwrap().as_deref(),
            Some("DROP TABLE x;")
        );
        assert_eq!(second.down_sql(dialect).unwrap(), None);
    }
    assert_eq!(set.snapshot().unwrap(), Schema::new());

    // lback migrations continue on top of them.
    let id = write(&mut set, "a", schema([users()]), SQLITE, at(0));
    let read = Migrations::open(&dir).unwrap();
    read.check_linear().unwrap();
    assert_eq!(read.folders()[2].id(), id);
    assert_eq!(read.folders()[2].parent.as_deref(), Some("20200102000000"));
    assert_eq!(read.snapshot().unwrap(), schema([users()]));
}

#[test]
fn an_empty_migration_gets_sql_files_to_fill_in() {
    let tmp = TempDir::new("empty");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    write(
        &mut set,
        "a",
        schema([users()]),
        &[Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql],
        at(0),
    );
    let current = set.snapshot().unwrap();
    let new = NewMigration {
        name: "backfill".into(),
        operations: Vec::new(),
        schema_after: current.clone(),
        sql: [Dialect::Sqlite, Dialect::Postgres, Dialect::Mysql]
            .into_iter()
            .map(|d| (d, Rendered::default(), Rendered::default()))
            .collect(),
        now: at(5),
    };
    let id = set.write(new).unwrap().id();
    assert_eq!(id, "20261124233505_backfill");
    let folder = dir.join(&id);
    // A file pair per dialect, as a generated migration has: the SQL each
    // database runs is its own.
    for (dialect, up, down) in [
        ("sqlite", "up.sql", "down.sql"),
        ("postgres", "up.postgres.sql", "down.postgres.sql"),
        ("mysql", "up.mysql.sql", "down.mysql.sql"),
    ] {
        assert_eq!(
            fs::read_to_string(folder.join(up)).unwrap(),
            format!(
                "-- lback: 20261124233505_backfill, an empty migration: write the {dialect} SQL \
                 that applies it here.\n"
            )
        );
        assert_eq!(
            fs::read_to_string(folder.join(down)).unwrap(),
            format!(
                "-- lback: 20261124233505_backfill, an empty migration: write the {dialect} SQL \
                 that reverts {up} here.\n"
            )
        );
    }
    let read = Migrations::open(&dir).unwrap();
    let m = &read.folders()[1];
    assert!(m.lback_data && m.operations.is_empty() && m.tables.is_empty());
    assert_eq!(m.primary, Some(Dialect::Sqlite));
    assert_eq!(m.parent.as_deref(), Some("20261124233500"));
    // Each database gets the SQL written for it.
    fs::write(
        folder.join("up.sql"),
        "UPDATE users SET email = lower(email);",
    )
    .unwrap();
    fs::write(
        folder.join("up.postgres.sql"),
        "UPDATE users SET email = lower(email) WHERE email <> lower(email);",
    )
    .unwrap();
    assert_eq!(
        m.up_sql(Dialect::Sqlite).unwrap(),
        "UPDATE users SET email = lower(email);"
    );
    assert_eq!(
        m.up_sql(Dialect::Postgres).unwrap(),
        "UPDATE users SET email = lower(email) WHERE email <> lower(email);"
    );
    assert!(m.up_sql(Dialect::Mysql).unwrap().starts_with("-- lback: "));
    assert_eq!(read.snapshot().unwrap(), current);

    // Without dialects (none known yet), one pair serves every dialect.
    let other = TempDir::new("empty-no-dialect");
    let mut set = Migrations::open(&other.migrations()).unwrap();
    let new = NewMigration {
        name: "first".into(),
        operations: Vec::new(),
        schema_after: Schema::new(),
        sql: Vec::new(),
        now: at(0),
    };
    let m = set.write(new).unwrap().clone();
    assert_eq!(m.primary, None);
    assert!(m
        .up_sql(Dialect::Postgres)
        .unwrap()
        .starts_with("-- lback: "));
}

#[test]
fn write_refuses_inconsistent_input() {
    let tmp = TempDir::new("inconsistent");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let mut new = migration(&set, "a", schema([users()]), SQLITE, at(0));
    new.schema_after = schema([users(), posts()]);
    let text = message(set.write(new).unwrap_err());
    assert!(
        text.contains("the new migration's operations do not turn the schema of the existing migrations into the schema to store")
            && text.contains("  + create table posts"),
        "{text}"
    );
    let mut new = migration(&set, "a", schema([users()]), SQLITE, at(0));
    new.sql.clear();
    assert!(message(set.write(new).unwrap_err())
        .contains("the new migration has operations but no SQL"));
    let new = migration(
        &set,
        "a",
        schema([users()]),
        &[Dialect::Sqlite, Dialect::Sqlite],
        at(0),
    );
    assert!(message(set.write(new).unwrap_err()).contains("names dialect `sqlite` twice"));
    assert!(!dir.exists(), "nothing was written");
}

#[test]
fn find_by_version_id_or_prefix() {
    let tmp = TempDir::new("find");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    write(&mut set, "a", schema([users()]), SQLITE, at(0));
    write(&mut set, "b", schema([users(), posts()]), SQLITE, at(1));
    write(
        &mut set,
        "c",
        schema([users(), posts(), Table::new("t")]),
        SQLITE,
        at(86_400),
    );
    // Finding a migration is the runner's rule, shared with the command line.
    let list: Vec<&dyn crate::runner::MigrationSql> = set
        .folders()
        .iter()
        .map(|f| f as &dyn crate::runner::MigrationSql)
        .collect();
    let find = |wanted: &str| {
        crate::runner::find(&list, wanted)
            .ok()
            .map(|m| m.id().into_owned())
    };
    assert_eq!(find("20261124233501").as_deref(), Some("20261124233501_b"));
    assert_eq!(
        find("20261124233500_a").as_deref(),
        Some("20261124233500_a")
    );
    assert_eq!(find("20261125").as_deref(), Some("20261125233500_c"));
    assert_eq!(find("20261124"), None, "ambiguous");
    assert_eq!(find(""), None);
    assert_eq!(find("20261124233500_b"), None);
}

#[test]
fn a_missing_directory_is_an_empty_set() {
    let tmp = TempDir::new("missing");
    let set = Migrations::open(&tmp.0.join("nope")).unwrap();
    assert!(set.folders().is_empty());
    assert_eq!(set.settings(), &Settings::default());
    assert_eq!(set.snapshot().unwrap(), Schema::new());
    set.check_linear().unwrap();
    assert_eq!(set.dir(), tmp.0.join("nope"));
}

#[test]
fn a_missing_lback_json_is_named_missing() {
    let tmp = TempDir::new("missing-lback-json");
    let dir = tmp.migrations();
    let mut set = Migrations::open(&dir).unwrap();
    let first = write(&mut set, "a", schema([users()]), SQLITE, at(0));
    write(&mut set, "b", schema([users(), posts()]), SQLITE, at(1));
    let empty = {
        let mut new = migration(&set, "c", schema([users(), posts()]), SQLITE, at(2));
        new.operations.clear();
        new.sql.clear();
        set.write(new).unwrap().id()
    };
    let before = fs::read(set.snapshot_path()).unwrap();

    // The first migration's, and an empty migration's: both refused at
    // open, naming the file, not blaming the snapshot.
    for id in [&first, &empty] {
        let lback_json = dir.join(id).join(LBACK_FILE);
        let saved = fs::read(&lback_json).unwrap();
        fs::remove_file(&lback_json).unwrap();
        let text = open_err(&dir);
        assert!(
            text.starts_with(&format!(
                "{}: is missing: migration `{id}` was generated by lback",
                lback_json.display()
            )) && text.contains(" was generated by lback (its up.sql begins `")
                && text.ends_with(
                    "`), and lback.json holds its operations and the dialect of up.sql; restore \
                     the file from version control (e.g. `git checkout -- <this path>`). Only if \
                     the migration is to be a hand-written one from now on, remove that first \
                     line of up.sql instead"
                )
                && !text.contains("edited by hand"),
            "{text}"
        );
        fs::write(&lback_json, saved).unwrap();
    }
    assert_eq!(fs::read(set.snapshot_path()).unwrap(), before);
    Migrations::open(&dir).unwrap().snapshot().unwrap();

    // Without lback's first line, up.sql is a hand-written migration's,
    // whose lack of lback.json is normal.
    let up = dir.join(&empty).join("up.sql");
    fs::write(&up, "UPDATE users SET email = lower(email);\n").unwrap();
    fs::remove_file(dir.join(&empty).join(LBACK_FILE)).unwrap();
    Migrations::open(&dir).unwrap().snapshot().unwrap();
}

#[test]
fn makemigrations_refuses_a_type_change_no_conversion_makes_sound() {
    use crate::diff::diff;
    use crate::migrations::Draft;
    use crate::schema::{Column, ColumnType, Schema, Table};
    use crate::sql::Dialect;
    let schema = |ty: ColumnType| {
        Schema::from_tables([Table::new("events")
            .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
            .with_column(Column::new("happened", ty))
            .with_primary_key(["id"])])
        .unwrap()
    };
    let draft = |from, to| {
        let (old, models) = (schema(from), schema(to));
        Draft {
            operations: diff(&old, &models),
            old,
            models,
            options: Default::default(),
        }
    };
    let refused = draft(ColumnType::Date, ColumnType::Integer)
        .check_dialects(&Dialect::ALL)
        .unwrap_err()
        .to_string();
    for part in [
        "events",
        "column `happened` cannot change from date to integer",
        "add a new field of the new type",
        "makemigrations --empty",
    ] {
        assert!(refused.contains(part), "missing {part:?} in {refused}");
    }
    // Guarded changes are generated (their guard checks the rows).
    draft(ColumnType::Text, ColumnType::Date)
        .check_dialects(&Dialect::ALL)
        .unwrap();
    draft(ColumnType::Timestamp, ColumnType::Date)
        .check_dialects(&Dialect::ALL)
        .unwrap();
}

/// Online DDL: a new project records `"online_ddl": true` with its first
/// migration; a change with a transactional and an online part becomes
/// two folders, the second running outside a transaction; with SQLite
/// beside PostgreSQL, a table rebuild keeps the plain forms in one folder.
#[test]
fn online_ddl_layout() {
    let users_plain = Table::new("users")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("email", ColumnType::Varchar(255)))
        .with_primary_key(["id"]);
    let with_bio = users_plain
        .clone()
        .with_column(Column::new("bio", ColumnType::Text).nullable())
        .with_index(Index {
            name: "ix_users_email".into(),
            columns: vec!["email".into()].into(),
            unique: false,
        });
    for (dialects, folders_expected) in [
        (vec![Dialect::Postgres], 3),
        (vec![Dialect::Sqlite, Dialect::Postgres], 3),
        (vec![Dialect::Mysql], 2),
    ] {
        let dir = TempDir::new("online-layout");
        let mut set = Migrations::open(&dir.migrations()).unwrap();
        let draft = Draft::new(&set, schema([users_plain.clone()])).unwrap();
        assert!(!draft.options.online, "no settings yet");
        let sql = draft.sql(&dialects);
        draft
            .write(&mut set, "create".into(), sql, at(0), None)
            .unwrap();
        assert_eq!(set.settings().online_ddl, Some(true));
        let settings = fs::read_to_string(set.settings_path()).unwrap();
        assert!(settings.contains("\"online_ddl\": true"), "{settings}");

        let mut set = Migrations::open(&dir.migrations()).unwrap();
        let draft = Draft::new(&set, schema([with_bio.clone()])).unwrap();
        assert!(draft.options.online);
        let sql = draft.sql(&dialects);
        let written = draft
            .write(&mut set, "bio".into(), sql, at(10), None)
            .unwrap();
        let set = Migrations::open(&dir.migrations()).unwrap();
        assert_eq!(set.folders().len(), folders_expected, "{dialects:?}");
        assert_eq!(written.len(), folders_expected - 1);
        // Replaying every folder builds the models.
        assert_eq!(
            set.snapshot().unwrap().normalized(),
            schema([with_bio.clone()]).normalized()
        );
        if folders_expected == 3 {
            let (tx, online) = (&set.folders()[1], &set.folders()[2]);
            assert_eq!(online.name, "bio_online");
            assert_eq!(tx.run_in_transaction, None);
            assert_eq!(online.run_in_transaction, Some(false));
            assert!(online.runs_outside_transaction(Dialect::Postgres));
            assert!(!online.runs_outside_transaction(Dialect::Sqlite));
            let pg = online.up_sql(Dialect::Postgres).unwrap();
            assert!(pg.contains("CREATE INDEX CONCURRENTLY"), "{pg}");
            assert!(!tx.up_sql(Dialect::Postgres).unwrap().contains("INDEX"));
        } else {
            let up = set.folders()[1].up_sql(Dialect::Mysql).unwrap();
            assert!(up.contains("ALGORITHM="), "{up}");
            assert_eq!(set.folders()[1].run_in_transaction, None);
        }
    }

    // A foreign key added to an existing table: SQLite rebuilds it, which
    // keeps PostgreSQL in its transaction, so the plain forms, one folder.
    let dir = TempDir::new("online-rebuild");
    let mut set = Migrations::open(&dir.migrations()).unwrap();
    let dialects = [Dialect::Sqlite, Dialect::Postgres];
    let mut posts_no_fk = posts();
    posts_no_fk.foreign_keys = Vec::new().into();
    let draft = Draft::new(&set, schema([users(), posts_no_fk])).unwrap();
    let sql = draft.sql(&dialects);
    draft
        .write(&mut set, "create".into(), sql, at(0), None)
        .unwrap();
    let mut set = Migrations::open(&dir.migrations()).unwrap();
    let draft = Draft::new(&set, schema([users(), posts()])).unwrap();
    let sql = draft.sql(&dialects);
    let pg = &sql[1].1;
    assert!(pg.outside_transaction.is_empty());
    assert!(
        pg.notes
            .iter()
            .any(|n| n.contains("plain (blocking) forms")),
        "{pg:?}"
    );
    // Written into the file as one line each: no run of spaces mid-sentence.
    assert!(pg.notes.iter().all(|n| !n.contains("  ")), "{pg:?}");
    draft
        .write(&mut set, "fk".into(), sql, at(10), None)
        .unwrap();
    let set = Migrations::open(&dir.migrations()).unwrap();
    assert_eq!(set.folders().len(), 2);
    assert!(!set.folders()[1].runs_outside_transaction(Dialect::Postgres));
}
