//! Failures and crashes in the middle of a migration, on any database.
//!
//! - [`fault_at`]: of `N` migrations, migration `k` has a failing statement
//!   at position `p`. What ran before `k` stays applied; `k` is rolled back
//!   (SQLite, PostgreSQL) or left dirty with a record of how far it got
//!   (MySQL); the error names the migration, the statement and the
//!   database's message, and the report what applied. The database is then
//!   put right the way the error says, and a migrate completes.
//! - [`fault_reverting`]: the same for a down migration.
//! - [`kill_mid_migration`]: `lback migrate` is killed with SIGKILL inside a
//!   migration; the next migrate (after the printed recovery steps, on
//!   MySQL) completes and the schema equals the models.
//!
//! Include beside `targets.rs` and `workflow.rs`.

#![allow(dead_code)]

use std::borrow::Cow;

use lback::schema::{Column, ColumnType, Index, Schema, Table};
use lback::{Error, MigrationState, Resolution};
use lback_core::runner::{self, MigrateOptions, MigrationSql};
use lback_core::sql::{split_statements, Dialect};

use crate::targets::Target;
use crate::workflow::{status, stderr, stdout, wait_while_running, Project};

/// Migrations in each fault scenario.
pub const N: usize = 3;

/// The statement that fails on every database.
pub const BAD: &str = "INSERT INTO no_such_table (id) VALUES (1)";

/// A migration held in memory (here and in `guards`).
#[derive(Clone)]
pub struct Mem {
    pub version: String,
    pub name: String,
    pub up: String,
    pub down: String,
    /// SQLite: the SQL rebuilds a table (runs with foreign keys off).
    pub rebuild: bool,
}

impl MigrationSql for Mem {
    fn version(&self) -> &str {
        &self.version
    }
    fn id(&self) -> Cow<'_, str> {
        Cow::Owned(format!("{}_{}", self.version, self.name))
    }
    fn up(&self, _: Dialect) -> Result<Cow<'_, str>, Error> {
        Ok(Cow::Borrowed(&self.up))
    }
    fn down(&self, _: Dialect) -> Result<Option<Cow<'_, str>>, Error> {
        Ok(Some(Cow::Borrowed(&self.down)))
    }
    fn needs_foreign_keys_off(&self, dialect: Dialect) -> bool {
        self.rebuild && dialect == Dialect::Sqlite
    }
    fn tables(&self) -> Vec<&str> {
        Vec::new()
    }
}

impl Mem {
    /// A migration from its parts.
    pub fn new(i: usize, up: &[impl AsRef<str>], down: &[impl AsRef<str>]) -> Self {
        Mem {
            version: version(i),
            name: format!("create_t{i}"),
            up: script(up),
            down: script(down),
            rebuild: false,
        }
    }

    /// A migration whose SQL rebuilds a SQLite table.
    pub fn rebuilding(i: usize, up: &[&str], down: &[&str]) -> Self {
        Mem {
            rebuild: true,
            ..Mem::new(i, up, down)
        }
    }
}

/// The statements, each ended by `;` on its own line.
fn script(statements: &[impl AsRef<str>]) -> String {
    statements
        .iter()
        .map(|s| format!("{};\n", s.as_ref()))
        .collect()
}

pub fn version(i: usize) -> String {
    format!("202611250000{i:02}")
}

pub fn id(i: usize) -> String {
    format!("{}_create_t{i}", version(i))
}

/// `N` migrations, each creating `t<i>` with one row and then adding a
/// second. With `bad = Some((k, p))`, statement `p` of migration `k` is
/// [`BAD`] instead (the others keep their order).
pub fn migrations(bad: Option<(usize, usize)>, bad_down: Option<usize>) -> Vec<Mem> {
    (1..=N)
        .map(|i| {
            let mut up = vec![
                format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY)"),
                format!("INSERT INTO t{i} (id) VALUES (1)"),
                format!("INSERT INTO t{i} (id) VALUES (2)"),
            ];
            if let Some((k, p)) = bad {
                if k == i {
                    up.remove(2);
                    up.insert(p - 1, BAD.to_owned());
                }
            }
            let mut down = vec![format!("DROP TABLE t{i}")];
            if bad_down == Some(i) {
                down.push(BAD.to_owned());
            }
            Mem::new(i, &up, &down)
        })
        .collect()
}

pub fn list(migrations: &[Mem]) -> Vec<&dyn MigrationSql> {
    migrations.iter().map(|m| m as &dyn MigrationSql).collect()
}

pub fn migrate<T: Target>(
    target: &mut T,
    migrations: &[Mem],
) -> Result<lback::MigrationReport, Error> {
    runner::migrate(target.conn(), &list(migrations), MigrateOptions::default())
}

/// Migrates (forwards or backwards) to `version`, as `migrate <version>`
/// does (`None`: all the way up).
pub fn migrate_to<T: Target>(
    target: &mut T,
    migrations: &[Mem],
    version: Option<&str>,
) -> Result<lback::MigrationReport, Error> {
    runner::run(
        target.conn(),
        &list(migrations),
        runner::Job::Migrate { target: version },
        MigrateOptions::default(),
        &mut (),
    )
}

pub fn applied_versions<T: Target>(target: &mut T) -> Vec<String> {
    runner::Tracking::read(target.conn(), runner::Access::SetUp)
        .unwrap()
        .applied
        .into_iter()
        .map(|a| a.version)
        .collect()
}

pub fn table_rows<T: Target>(target: &mut T, table: &str) -> Option<i64> {
    let exists = target.introspect().table(table).is_some();
    exists.then(|| target.count(&format!("SELECT COUNT(*) AS n FROM {table}")))
}

fn states<T: Target>(target: &mut T, migrations: &[Mem]) -> Vec<MigrationState> {
    runner::status(target.conn(), &list(migrations))
        .unwrap()
        .0
        .iter()
        .map(|s| s.state())
        .collect()
}

/// Migration `k` of `N` fails at its statement `p` (of 3); then the
/// database is put right as the error says and a migrate completes.
pub fn fault_at<T: Target>(target: &mut T, k: usize, p: usize) {
    let mysql = T::DIALECT == Dialect::Mysql;
    let broken = migrations(Some((k, p)), None);
    let scenario = format!("{} migration {k} of {N}, statement {p} of 3", T::DIALECT);

    let error = migrate(target, &broken).expect_err(&scenario);
    let text = error.to_string();
    match &error {
        Error::MigrationFailed {
            migration,
            direction,
            statement,
            message,
            done,
            ..
        } => {
            assert_eq!(migration, &id(k), "{scenario}: names the migration");
            assert_eq!(*direction, "applying");
            let statement = statement.as_ref().expect("names the statement");
            assert_eq!(
                (statement.index, statement.total, statement.sql.as_str()),
                (p, 3, BAD),
                "{scenario}"
            );
            assert!(
                message.contains("no_such_table"),
                "{scenario}: the database's message: {message}"
            );
            assert_eq!(
                done.applied,
                (1..k).map(id).collect::<Vec<_>>(),
                "{scenario}: the report says what applied"
            );
        }
        other => panic!("{scenario}: expected MigrationFailed, got {other:?}"),
    }
    assert!(
        text.contains(&format!(
            "applying migration {} failed at statement {p} of 3:\n    {BAD}\nwith: ",
            id(k)
        )),
        "{scenario}: {text}"
    );
    if mysql {
        assert!(
            text.contains(&format!("resolve {} --applied", version(k))),
            "{text}"
        );
    } else {
        assert!(text.contains("The migration was rolled back"), "{text}");
    }

    // What stays: migrations before k, whole; k rolled back, or on MySQL
    // its statements before p.
    assert_eq!(
        applied_versions(target),
        (1..k).map(version).collect::<Vec<_>>(),
        "{scenario}"
    );
    for i in 1..k {
        assert_eq!(
            table_rows(target, &format!("t{i}")),
            Some(2),
            "{scenario}: t{i}"
        );
    }
    // On MySQL the statements before p took effect: CREATE, then INSERT.
    let expected_k = (mysql && p > 1).then(|| p as i64 - 2);
    assert_eq!(
        table_rows(target, &format!("t{k}")),
        expected_k,
        "{scenario}: t{k}"
    );
    for i in k + 1..=N {
        assert_eq!(
            table_rows(target, &format!("t{i}")),
            None,
            "{scenario}: t{i}"
        );
    }
    let (statuses, _) = runner::status(target.conn(), &list(&broken)).unwrap();
    let status_k = &statuses[k - 1];
    let attempt = status_k
        .last_attempt
        .as_ref()
        .expect("the failure is recorded");
    assert_eq!(
        (
            attempt.statements_done,
            attempt.statements_total,
            attempt.statement.as_deref()
        ),
        (p - 1, 3, Some(BAD)),
        "{scenario}"
    );
    assert!(attempt
        .error
        .as_deref()
        .unwrap_or("")
        .contains("no_such_table"));
    let expected_states: Vec<MigrationState> = (1..=N)
        .map(|i| match i {
            i if i < k => MigrationState::Applied,
            i if i == k && mysql => MigrationState::Dirty,
            i if i == k => MigrationState::Failed,
            _ => MigrationState::Pending,
        })
        .collect();
    assert_eq!(states(target, &broken), expected_states, "{scenario}");

    // The next run: tried again where that is safe, refused on MySQL.
    let again = migrate(target, &broken).expect_err(&scenario);
    if mysql {
        let text = again.to_string();
        assert!(
            matches!(again, Error::Dirty { .. }),
            "{scenario}: {again:?}"
        );
        for part in [
            format!(
                "migration {} did not finish applying on this MySQL/MariaDB database",
                id(k)
            ),
            format!("failed at statement {p} of 3 of its up SQL:\n    {BAD}\nwith: "),
            format!("resolve {} --applied", version(k)),
            format!("resolve {} --not-applied", version(k)),
        ] {
            assert!(
                text.contains(&part),
                "{scenario}: missing {part:?} in\n{text}"
            );
        }
    } else {
        assert!(
            matches!(again, Error::MigrationFailed { .. }),
            "{scenario}: tried again: {again:?}"
        );
        // Rolled back: there is nothing to resolve, and recording it as
        // applied would be a lie.
        let refused = runner::resolve(
            target.conn(),
            &list(&broken),
            &version(k),
            Resolution::Applied,
        )
        .expect_err("a rolled-back failure is not dirty");
        assert!(
            matches!(refused, Error::NothingToResolve { .. }),
            "{scenario}: {refused:?}"
        );
        assert_eq!(
            applied_versions(target),
            (1..k).map(version).collect::<Vec<_>>()
        );
    }

    // The SQL is corrected. On MySQL, odd k take way 2 of the recovery
    // steps (undo, --not-applied), even k way 1 (finish, --applied).
    let fixed = migrations(None, None);
    let finish_by_hand = k.is_multiple_of(2);
    if mysql {
        assert!(
            matches!(migrate(target, &fixed), Err(Error::Dirty { .. })),
            "{scenario}: still refused until resolved"
        );
        let resolved = if !finish_by_hand {
            // 2. undo what took effect by hand, then --not-applied.
            if p > 1 {
                target.execute(&format!("DROP TABLE t{k}"));
            }
            runner::resolve(
                target.conn(),
                &list(&fixed),
                &version(k),
                Resolution::NotApplied,
            )
        } else {
            // 1. finish by hand (the corrected statements p..3), then --applied.
            let up = fixed[k - 1].up.clone();
            for statement in &split_statements(&up, Dialect::Mysql)[p - 1..] {
                target.execute(statement);
            }
            runner::resolve(
                target.conn(),
                &list(&fixed),
                &version(k),
                Resolution::Applied,
            )
        };
        assert!(resolved.is_ok(), "{scenario}: {resolved:?}");
    }
    let report = migrate(target, &fixed).unwrap_or_else(|e| panic!("{scenario}: {e}"));
    let start = if mysql && finish_by_hand { k + 1 } else { k };
    assert_eq!(
        report.applied,
        (start..=N).map(id).collect::<Vec<_>>(),
        "{scenario}"
    );
    assert_eq!(
        applied_versions(target),
        (1..=N).map(version).collect::<Vec<_>>()
    );
    for i in 1..=N {
        assert_eq!(
            table_rows(target, &format!("t{i}")),
            Some(2),
            "{scenario}: t{i}"
        );
    }
    assert_eq!(states(target, &fixed), vec![MigrationState::Applied; N]);
    assert!(runner::Tracking::read(target.conn(), runner::Access::SetUp)
        .unwrap()
        .attempts
        .is_empty());
    // Nothing left to resolve.
    assert!(matches!(
        runner::resolve(
            target.conn(),
            &list(&fixed),
            &version(k),
            Resolution::Applied
        ),
        Err(Error::NothingToResolve {
            state: "applied",
            ..
        })
    ));
}

/// The down SQL of the newest migration fails after its first statement.
pub fn fault_reverting<T: Target>(target: &mut T) {
    let mysql = T::DIALECT == Dialect::Mysql;
    let good = migrations(None, None);
    migrate(target, &good).unwrap();
    let broken = migrations(None, Some(N));
    let error = migrate_to(target, &broken, Some(&version(N - 1))).expect_err("the down SQL fails");
    let text = error.to_string();
    assert!(
        text.starts_with(&format!(
            "reverting migration {} failed at statement 2 of 2:\n    {BAD}\nwith: ",
            id(N)
        )),
        "{text}"
    );
    let statuses = runner::status(target.conn(), &list(&broken)).unwrap().0;
    if mysql {
        // DROP TABLE took effect; the migration is still recorded as applied.
        assert_eq!(table_rows(target, &format!("t{N}")), None);
        assert_eq!(statuses[N - 1].state(), MigrationState::Dirty);
        let refused = migrate(target, &good).unwrap_err().to_string();
        for part in [
            format!("migration {} did not finish reverting", id(N)),
            "statement 1 took effect; statement 2 failed".to_owned(),
            format!("sqlmigrate {} --down", version(N)),
            format!(
                "run `resolve {} --not-applied` to record that the migration is reverted",
                version(N)
            ),
        ] {
            assert!(refused.contains(&part), "missing {part:?} in\n{refused}");
        }
        // Finish the revert: its one remaining statement was the bad one.
        runner::resolve(
            target.conn(),
            &list(&good),
            &version(N),
            Resolution::NotApplied,
        )
        .unwrap();
        assert_eq!(
            applied_versions(target),
            (1..N).map(version).collect::<Vec<_>>()
        );
    } else {
        assert!(text.contains("The migration was rolled back"), "{text}");
        assert_eq!(table_rows(target, &format!("t{N}")), Some(2), "rolled back");
        assert_eq!(statuses[N - 1].state(), MigrationState::Failed);
        assert!(
            statuses[N - 1].to_string().contains("reverting failed"),
            "{}",
            statuses[N - 1]
        );
        assert!(statuses[N - 1].to_string().contains("it stays applied"));
        // The corrected down SQL reverts it.
        let report = migrate_to(target, &good, Some(&version(N - 1))).unwrap();
        assert_eq!(report.reverted, [id(N)]);
    }
    let report = migrate(target, &good).unwrap();
    assert_eq!(report.applied, [id(N)]);
    assert_eq!(states(target, &good), vec![MigrationState::Applied; N]);
}

/// How a database is made to take its time, and how a test sees that it is
/// busy with that statement.
pub trait Slow: Target {
    /// A statement that takes a few seconds; `marker` makes it unique.
    fn slow_statement(marker: &str) -> String;
    /// Whether another connection is running the statement now.
    fn running(&mut self, marker: &str) -> bool;
}

fn models(with_b: bool) -> Schema {
    let a = Table::new("a")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_primary_key(["id"]);
    let b = Table::new("b")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("name", ColumnType::Varchar(100)))
        .with_primary_key(["id"])
        .with_index(Index {
            name: "ix_b_name".into(),
            columns: vec!["name".to_owned().into()].into(),
            unique: false,
        });
    if with_b {
        Schema::from_tables([a, b]).unwrap()
    } else {
        Schema::from_tables([a]).unwrap()
    }
}

/// `lback migrate` is killed with SIGKILL while it runs the second of two
/// migrations; the next run completes (on MySQL after the recovery steps
/// it prints) and the schema equals the models.
pub fn kill_mid_migration<T: Slow>(target: &mut T, project: &Project) {
    let url = target.url();
    let dialect = T::DIALECT;
    project.models(&models(false));
    let made = project.lback(
        &url,
        &["makemigrations", "create_a", "--dialect", dialect.name()],
    );
    assert_eq!(status(&made), 0, "{}", stderr(&made));
    project.models(&models(true));
    let made = project.lback(
        &url,
        &["makemigrations", "create_b", "--dialect", dialect.name()],
    );
    assert_eq!(status(&made), 0, "{}", stderr(&made));
    let folders = project.folders();
    assert_eq!(folders.len(), 2, "{folders:?}");
    let second_version = folders[1][..14].to_owned();

    // The slow statement goes between the second migration's CREATE TABLE
    // and CREATE INDEX (it is not applied yet, so editing it is allowed).
    let up = project.migrations().join(&folders[1]).join("up.sql");
    let sql = std::fs::read_to_string(&up).unwrap();
    let mut statements: Vec<String> = split_statements(&sql, dialect)
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(statements.len(), 2, "CREATE TABLE, CREATE INDEX: {sql}");
    let marker = crate::db::unique_name("lback_kill");
    statements.insert(1, T::slow_statement(&marker));
    std::fs::write(
        &up,
        statements
            .iter()
            .map(|s| format!("{s};\n"))
            .collect::<String>(),
    )
    .unwrap();

    let mut child = project.spawn(&url, &["migrate"]);
    wait_while_running(
        &mut child,
        "migrate ended before the slow statement was seen",
        "the slow statement never started",
        || target.running(&marker),
    );
    if dialect == Dialect::Mysql {
        // Mid-run, the started row belongs to a live run: not dirty.
        let show = project.lback(&url, &["showmigrations"]);
        assert!(
            stdout(&show).contains(&format!("[~] {}  (applying now, started", folders[1])),
            "{}",
            stdout(&show)
        );
    }
    child.kill().unwrap(); // SIGKILL
    let killed = child.wait().unwrap();
    assert!(!killed.success(), "killed, not finished: {killed:?}");
    assert_eq!(
        applied_versions(target),
        [folders[0][..14].to_owned()],
        "the first migration stays; the second is not recorded as applied"
    );

    let again = project.lback(&url, &["migrate"]);
    if dialect == Dialect::Mysql {
        // MySQL committed the CREATE TABLE: lback refuses and says what to do.
        assert_eq!(status(&again), 1);
        let text = stderr(&again);
        for part in [
            format!("migration {} did not finish applying", folders[1]),
            "stopped during statement 2 of 3 of its up SQL (the process or its connection ended)"
                .to_owned(),
            "statement 1 took effect; statement 2 may or may not have".to_owned(),
            format!("resolve {second_version} --not-applied"),
        ] {
            assert!(text.contains(&part), "missing {part:?} in\n{text}");
        }
        let show = project.lback(&url, &["showmigrations"]);
        assert!(
            stdout(&show).contains(&format!("[!] {}  (DIRTY: applying started", folders[1])),
            "{}",
            stdout(&show)
        );
        // 2. undo it: statement 1 created table b; statement 2 changed nothing.
        target.execute("DROP TABLE b");
        let resolved = project.lback(&url, &["resolve", &second_version, "--not-applied"]);
        assert_eq!(status(&resolved), 0, "{}", stderr(&resolved));
        let again = project.lback(&url, &["migrate"]);
        assert_eq!(status(&again), 0, "{}", stderr(&again));
        assert!(stdout(&again).contains(&format!("Applied {}", folders[1])));
    } else {
        // The transaction died with the process: nothing of it stayed.
        assert_eq!(status(&again), 0, "{}", stderr(&again));
        assert!(stdout(&again).contains(&format!("Applied {}", folders[1])));
    }
    assert_eq!(
        target.introspect().normalized(),
        lback_core::introspect::canonical(&models(true), dialect).normalized(),
        "the schema equals the models"
    );
    let show = stdout(&project.lback(&url, &["showmigrations"]));
    assert_eq!(
        show.lines().filter(|l| l.starts_with("[X] ")).count(),
        2,
        "{show}"
    );
    assert!(runner::Tracking::read(target.conn(), runner::Access::SetUp)
        .unwrap()
        .attempts
        .is_empty());
}

/// A migration with no statement (an empty or comment-only up.sql, as
/// `makemigrations --empty` leaves it) is refused before anything runs,
/// naming it; nothing is applied or recorded.
pub fn a_migration_without_statements_is_refused<T: Target>(target: &mut T) {
    for empty in ["", "  \n", "-- write the migration here\n/* later */\n"] {
        let mut list = migrations(None, None);
        list[1].up = empty.to_owned();
        let error = migrate(target, &list).expect_err("an empty migration is refused");
        let text = error.to_string();
        assert!(
            text.starts_with(&format!("migration {} has no statement to run", id(2))),
            "{text}"
        );
        assert!(text.contains("nothing was changed"), "{text}");
        assert!(
            applied_versions(target).is_empty(),
            "{empty:?}: nothing ran"
        );
        assert_eq!(table_rows(target, "t1"), None, "{empty:?}: nothing ran");
    }
    // Its SQL written, it runs with the others.
    let report = migrate(target, &migrations(None, None)).unwrap();
    assert_eq!(report.applied, (1..=N).map(id).collect::<Vec<_>>());
}

/// SQLite, PostgreSQL (which run each migration in a transaction of
/// lback's): a top-level statement that begins, ends or rolls back a
/// transaction is refused before anything runs, naming the migration, the
/// file and the line; savepoints are fine.
pub fn transaction_control_is_refused<T: Target>(target: &mut T) {
    let cases = [
        ("BEGIN", 2),
        ("begin transaction", 2),
        ("START TRANSACTION", 2),
        ("COMMIT", 3),
        ("END", 3),
        ("ROLLBACK", 3),
    ];
    for (statement, line) in cases {
        let mut list = migrations(None, None);
        let body = format!(
            "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\n{}INSERT INTO t2 (id) VALUES (1);\n{}",
            if line == 2 {
                format!("{statement};\n")
            } else {
                String::new()
            },
            if line == 3 {
                format!("{statement};\n")
            } else {
                String::new()
            },
        );
        list[1].up = body;
        let error = migrate(target, &list).expect_err(statement);
        let text = error.to_string();
        let keyword = statement.split(' ').next().unwrap().to_ascii_uppercase();
        assert!(
            text.starts_with(&format!(
                "migration {} has `{keyword}` at line {line} of its up SQL",
                id(2)
            )),
            "{text}"
        );
        assert!(text.contains("run_in_transaction = false"), "{text}");
        assert!(text.contains("Nothing was changed"), "{text}");
        assert!(
            applied_versions(target).is_empty(),
            "{statement}: nothing ran"
        );
        assert_eq!(table_rows(target, "t1"), None, "{statement}: nothing ran");
    }
    // Savepoints stay inside lback's transaction.
    let mut list = migrations(None, None);
    list[1].up = "CREATE TABLE t2 (id INTEGER PRIMARY KEY);\nSAVEPOINT a;\n\
                  INSERT INTO t2 (id) VALUES (1);\nROLLBACK TO SAVEPOINT a;\nRELEASE SAVEPOINT a;\n"
        .to_owned();
    let report = migrate(target, &list).unwrap();
    assert_eq!(report.applied.len(), N);
    assert_eq!(table_rows(target, "t2"), Some(0));
}
