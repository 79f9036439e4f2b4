//! lback on a MariaDB Galera cluster of three nodes, as replicas of an
//! application deploy onto it: sixteen processes spread over the nodes
//! migrate one fresh database with six pending migrations at once; the
//! same with the lock holder killed with SIGKILL half way through a
//! migration (during a statement that changes nothing, or during a
//! `CREATE INDEX` under TOI) or between two, frozen half way, or with its
//! node killed:
//! the others take the lease over and finish, each migration applied
//! once. And a statement longer than the lease, from the library with and
//! without `lback::keep_lease_alive`.
//!
//! `GALERA_DATABASE_URLS` holds the three nodes' URLs (space- or
//! comma-separated); `.ci/galera.sh start` runs such a cluster on
//! 127.0.0.1:3307-3309 and `.ci/galera.sh urls` prints them. Without it, or
//! with a node unreachable, every test here fails.

#[path = "support/cluster_fixture.rs"]
mod cluster_fixture;
#[path = "support/db.rs"]
mod db;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use cluster_fixture::{applied_lines, copy_fixture, fixture_ids, models, text};
use db::mysql_count as count;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use lback_core::runner::{lease, MigrationSql};
use lback_core::sql::Dialect;

lback::embed_migrations!("tests/fixtures/cluster/migrations");

const PROCESSES: usize = 16;
/// The variable that hands a child process its node's URL.
const CHILD_URL: &str = "LBACK_CHILD_URL";
/// The lease's time to live in the tests that kill the holder: a dead
/// holder is replaced this long after its last renewal.
const TEST_TTL_SECONDS: &str = "3";

/// One cluster test at a time: a test that kills a node must not pull it
/// from under another.
static CLUSTER: Mutex<()> = Mutex::new(());

fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    CLUSTER
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The three nodes' URLs; panics when unset.
fn node_urls() -> Vec<String> {
    let text = std::env::var("GALERA_DATABASE_URLS").unwrap_or_default();
    let urls: Vec<String> = text
        .split([' ', ','])
        .filter(|u| !u.is_empty())
        .map(str::to_owned)
        .collect();
    assert!(
        urls.len() == 3,
        "GALERA_DATABASE_URLS must hold the three nodes' URLs of a Galera cluster (it holds \
         {text:?}); start one with `.ci/galera.sh start` and set \
         GALERA_DATABASE_URLS=\"$(.ci/galera.sh urls)\"; CI does"
    );
    urls
}

fn connect(url: &str) -> MysqlConnection {
    let mut conn = MysqlConnection::establish(url)
        .unwrap_or_else(|e| panic!("connect to the Galera node {url}: {e}"));
    // Reads wait until the node has applied everything committed before.
    conn.batch_execute("SET SESSION wsrep_sync_wait = 15")
        .unwrap_or_else(|e| panic!("{url} is not a Galera node: {e}"));
    conn
}

/// A fresh database on the cluster (created through node 1, seen on every
/// node before the test goes on), dropped afterwards.
struct Scratch {
    nodes: Vec<String>,
    database: String,
}

impl Scratch {
    fn new() -> Scratch {
        let nodes = node_urls();
        let database = db::unique_name("lback_galera");
        let mut admin = connect(&nodes[0]);
        db::exec(&mut admin, &format!("CREATE DATABASE `{database}`"));
        for url in &nodes {
            let mut conn = connect(url);
            let found = count(
                &mut conn,
                &format!(
                    "SELECT COUNT(*) AS n FROM information_schema.SCHEMATA \
                     WHERE SCHEMA_NAME = '{database}'"
                ),
            );
            assert_eq!(found, 1, "the new database reached {url}");
        }
        Scratch { nodes, database }
    }

    /// Node `i`'s URL for this database.
    fn url(&self, i: usize) -> String {
        db::with_database(&self.nodes[i], &self.database)
    }

    fn conn(&self, i: usize) -> MysqlConnection {
        connect(&self.url(i))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        for url in &self.nodes {
            if let Ok(mut conn) = MysqlConnection::establish(url) {
                if conn
                    .batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.database))
                    .is_ok()
                {
                    return;
                }
            }
        }
    }
}

/// The variable that makes a child keep the lease alive from a second
/// connection (`lback::keep_lease_alive`).
const CHILD_KEEPALIVE: &str = "LBACK_CHILD_KEEPALIVE";
/// The variable that makes a child's fourth migration start with a
/// statement that takes a while (`SELECT SLEEP(8)`).
const CHILD_SLOW: &str = "LBACK_CHILD_SLOW";
/// The variable naming the migration after which a child stops, holding
/// the lease, between that migration and the next.
const CHILD_PAUSE_AFTER: &str = "LBACK_CHILD_PAUSE_AFTER";

/// A child process: what an application's `main` does.
#[test]
#[ignore = "a child process of the cluster tests"]
fn child_migrates_with_the_library() {
    let url = std::env::var(CHILD_URL)
        .unwrap_or_else(|_| panic!("{CHILD_URL} is not set: this test is a child process"));
    let mut conn = MysqlConnection::establish(&url).unwrap();
    let _lease = std::env::var_os(CHILD_KEEPALIVE).map(|_| lback::keep_lease_alive(&url));
    let report = if let Ok(id) = std::env::var(CHILD_PAUSE_AFTER) {
        lback::migrate_with_hooks(
            &mut conn,
            lback::MigrateOptions::default(),
            &mut PauseAfter(id),
        )
    } else if std::env::var_os(CHILD_SLOW).is_some() {
        // The embedded migrations, the fourth made slow: the same run as
        // `lback::migrate`'s.
        let set = lback_core::runner::embedded().unwrap();
        let list = set.list();
        let slow = Slow(list[3]);
        let mut migrations = list.clone();
        migrations[3] = &slow;
        lback_core::runner::migrate(&mut conn, &migrations, lback::MigrateOptions::default())
    } else {
        lback::migrate(&mut conn)
    }
    .unwrap();
    // On a line of its own (libtest has written `test ... ` before it).
    println!("\n{report}");
}

/// Stops the process, holding the lease, once the migration named
/// finished: between it and the next.
struct PauseAfter(String);

impl lback::Hooks for PauseAfter {
    fn finished(&mut self, step: &lback::StepInfo<'_>, _: Duration, ran: bool) {
        if ran && step.id == self.0 {
            std::thread::sleep(Duration::from_secs(600));
        }
    }
}

/// A migration whose up SQL starts with `SELECT SLEEP(8)`.
struct Slow<'a>(&'a dyn MigrationSql);

impl MigrationSql for Slow<'_> {
    fn version(&self) -> &str {
        self.0.version()
    }
    fn id(&self) -> std::borrow::Cow<'_, str> {
        self.0.id()
    }
    fn up(&self, dialect: Dialect) -> Result<std::borrow::Cow<'_, str>, lback::Error> {
        Ok(format!("SELECT SLEEP(8);\n{}", self.0.up(dialect)?).into())
    }
    fn down(&self, dialect: Dialect) -> Result<Option<std::borrow::Cow<'_, str>>, lback::Error> {
        self.0.down(dialect)
    }
    fn needs_foreign_keys_off(&self, dialect: Dialect) -> bool {
        self.0.needs_foreign_keys_off(dialect)
    }
    fn tables(&self) -> Vec<&str> {
        self.0.tables()
    }
}

/// How each process migrates.
#[derive(Clone)]
enum Via {
    /// `lback::migrate` on the embedded fixture (this binary, as a child).
    Library,
    /// The `lback` command on a migrations folder.
    Command(PathBuf),
}

/// A running process and the node it is connected to.
struct Replica {
    child: Child,
    node: usize,
}

/// Starts `PROCESSES` processes, spread over the nodes in turn.
fn start_replicas(scratch: &Scratch, via: &Via, env: &[(&str, &str)]) -> Vec<Replica> {
    start_n_replicas(scratch, via, env, PROCESSES)
}

/// Starts `n` processes, spread over the nodes in turn.
fn start_n_replicas(scratch: &Scratch, via: &Via, env: &[(&str, &str)], n: usize) -> Vec<Replica> {
    (0..n)
        .map(|i| {
            let node = i % scratch.nodes.len();
            let url = scratch.url(node);
            let mut command = match via {
                Via::Library => {
                    let mut command = Command::new(std::env::current_exe().unwrap());
                    command
                        .args([
                            "child_migrates_with_the_library",
                            "--exact",
                            "--ignored",
                            "--nocapture",
                            "--test-threads=1",
                        ])
                        .env(CHILD_URL, &url);
                    command
                }
                Via::Command(dir) => lback_command(dir, &url, &["migrate"]),
            };
            command.envs(env.iter().copied());
            let child = command
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("a replica starts");
            Replica { child, node }
        })
        .collect()
}

fn lback_command(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lback"));
    command
        .arg("--migrations-dir")
        .arg(dir)
        .args(args)
        .env("DATABASE_URL", url);
    command
}

/// Exit status (`None`: killed by a signal), node and output of each.
fn wait_all(replicas: Vec<Replica>) -> Vec<(Option<i32>, usize, String)> {
    replicas
        .into_iter()
        .map(|r| {
            let output = r.child.wait_with_output().unwrap();
            (output.status.code(), r.node, text(&output))
        })
        .collect()
}

/// The index among `replicas` of the process `pid` (the lease holder).
fn replica_of(replicas: &[Replica], pid: i64) -> usize {
    replicas
        .iter()
        .position(|r| i64::from(r.child.id()) == pid)
        .unwrap_or_else(|| panic!("the lease holder (pid {pid}) is none of the replicas"))
}

/// [`wait_all`], asserting the replica `holder` was killed.
fn wait_all_but_killed(replicas: Vec<Replica>, holder: usize) -> Vec<(Option<i32>, usize, String)> {
    let outputs = wait_all(replicas);
    assert_eq!(outputs[holder].0, None, "the holder was killed");
    outputs
}

/// On every node: each migration recorded once, no unfinished run, and
/// the schema read back equals the models.
fn assert_every_node_matches_the_models(scratch: &Scratch) {
    let expected = lback_core::introspect::canonical(&models(), Dialect::Mysql).normalized();
    for node in 0..scratch.nodes.len() {
        let mut conn = scratch.conn(node);
        assert_eq!(
            count(
                &mut conn,
                "SELECT COUNT(*) AS n FROM __diesel_schema_migrations"
            ),
            6,
            "node {}: one row per migration",
            node + 1
        );
        assert_eq!(
            count(&mut conn, "SELECT COUNT(*) AS n FROM __lback_attempts"),
            0,
            "node {}: no unfinished run",
            node + 1
        );
        let live = lback_core::introspect::mysql(&mut conn)
            .unwrap()
            .normalized();
        assert_eq!(
            live,
            expected,
            "node {}: the schema equals the models",
            node + 1
        );
    }
}

#[test]
fn sixteen_processes_over_three_nodes_apply_each_migration_exactly_once() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let outputs = wait_all(start_replicas(&scratch, &Via::Library, &[]));
    for (status, node, text) in &outputs {
        assert_eq!(
            *status,
            Some(0),
            "a process on node {} failed:\n{text}",
            node + 1
        );
    }
    assert_eq!(
        applied_lines(outputs.iter().map(|(_, _, t)| t.as_str())),
        fixture_ids(),
        "each migration applied by exactly one process"
    );
    assert_every_node_matches_the_models(&scratch);
}

/// A copy of the fixture whose fourth migration starts with a statement
/// that takes a while, so a test can act while a process runs it.
fn slow_fixture(name: &str) -> (PathBuf, String) {
    let dir = copy_fixture(name);
    let fourth = &fixture_ids()[3];
    let up = dir.join(fourth).join("up.sql");
    let sql = std::fs::read_to_string(&up).unwrap();
    std::fs::write(&up, format!("SELECT SLEEP(8);\n{sql}")).unwrap();
    (dir, fourth[..14].to_owned())
}

/// Replicas (the command, in `dir`, with the test's lease time) started
/// on the slow fixture, once one of them runs the slow statement of
/// `version`; that one's index.
fn slow_run_started(scratch: &Scratch, dir: &Path, version: &str) -> (Vec<Replica>, usize) {
    let mut replicas = start_replicas(
        scratch,
        &Via::Command(dir.to_path_buf()),
        &[("LBACK_LEASE_SECONDS", TEST_TTL_SECONDS)],
    );
    let holder = wait_for_the_slow_statement(scratch, version, &mut replicas);
    (replicas, holder)
}

#[derive(QueryableByName)]
struct Holder {
    #[diesel(sql_type = Nullable<BigInt>)]
    pid: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    state: Option<String>,
}

/// Waits until a process runs the slow first statement of `version` (its
/// run is recorded as started, nothing done yet); returns the lease
/// holder's index among `replicas`.
fn wait_for_the_slow_statement(
    scratch: &Scratch,
    version: &str,
    replicas: &mut [Replica],
) -> usize {
    let mut conn = scratch.conn(0);
    let started = Instant::now();
    loop {
        let seen = diesel::sql_query(format!(
            "SELECT l.pid, a.state FROM __lback_lock l \
             LEFT JOIN __lback_attempts a ON a.version = '{version}' AND a.statements_done = 0 \
             WHERE l.name = 'migrate'"
        ))
        .get_result::<Holder>(&mut conn)
        .optional();
        if let Ok(Some(Holder {
            pid: Some(pid),
            state: Some(state),
        })) = seen
        {
            assert_eq!(state, "started");
            return replica_of(replicas, pid);
        }
        for r in replicas.iter_mut() {
            if let Some(status) = r.child.try_wait().unwrap() {
                assert!(status.success(), "a replica ended early: {status:?}");
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no process started the slow migration"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The replicas other than the holder and those `is_allowed_failure`
/// excuses: every one exits 0, and exactly one of them, the holder after
/// the dead one, went on with the migration left half way (it says so)
/// and applied it and the rest, `rest`, each once.
fn assert_the_others_finished(
    outputs: &[(Option<i32>, usize, String)],
    holder: usize,
    rest: &[String],
    is_allowed_failure: impl Fn(usize) -> bool,
) {
    let mut went_on = 0;
    let mut texts = Vec::new();
    for (i, (status, node, text)) in outputs.iter().enumerate() {
        if i == holder || is_allowed_failure(*node) {
            continue;
        }
        assert_eq!(
            *status,
            Some(0),
            "replica {i} on node {}:\n{text}",
            node + 1
        );
        if text.contains(&format!("migration {} was left at statement 1 of", rest[0])) {
            went_on += 1;
        }
        texts.push(text.as_str());
    }
    assert_eq!(
        went_on, 1,
        "one process went on with the migration left half way"
    );
    assert_eq!(
        applied_lines(texts),
        rest.to_vec(),
        "the rest applied exactly once"
    );
}

#[test]
fn the_lease_holder_killed_half_way_is_replaced_and_nothing_runs_twice() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let (dir, version) = slow_fixture("galera_kill");
    let ids = fixture_ids();
    let (mut replicas, holder) = slow_run_started(&scratch, &dir, &version);
    // Seen from another node, the run is going on (the lease is held), not dirty.
    let elsewhere = (replicas[holder].node + 1) % 3;
    let show = lback_command(&dir, &scratch.url(elsewhere), &["showmigrations"])
        .output()
        .unwrap();
    assert!(
        text(&show).contains(&format!("[~] {}  (applying now, started", ids[3])),
        "{}",
        text(&show)
    );
    replicas[holder].child.kill().unwrap(); // SIGKILL
    let outputs = wait_all_but_killed(replicas, holder);
    // The holder printed nothing (killed): it applied the first three.
    assert_the_others_finished(&outputs, holder, &ids[3..], |_| false);
    assert_every_node_matches_the_models(&scratch);
}

#[test]
fn the_lease_holder_killed_during_a_ddl_statement_is_replaced_and_it_is_not_run_twice() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let ids = fixture_ids();
    let dir = copy_fixture("galera_ddl");
    let five = lback_command(&dir, &scratch.url(0), &["migrate", &ids[4][..14]])
        .output()
        .unwrap();
    assert_eq!(five.status.code(), Some(0), "{}", text(&five));
    // Enough rows that the last migration's `CREATE INDEX` takes a moment.
    let mut conn = scratch.conn(0);
    db::exec(
        &mut conn,
        "INSERT INTO products (name, price) \
         SELECT CONCAT('product ', seq), 1 FROM seq_1_to_200000",
    );
    let mut replicas = start_n_replicas(
        &scratch,
        &Via::Command(dir.clone()),
        &[("LBACK_LEASE_SECONDS", TEST_TTL_SECONDS)],
        6,
    );
    // The holder sent the statement: it runs on its node. (Plain
    // connections: a causal read would wait for the DDL to end.)
    let mut plain: Vec<MysqlConnection> = (0..3)
        .map(|node| MysqlConnection::establish(&scratch.url(node)).unwrap())
        .collect();
    let started = Instant::now();
    let holder = loop {
        let building = plain.iter_mut().any(|conn| {
            count(
                conn,
                &format!(
                    "SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST \
                     WHERE DB = '{}' AND USER <> 'system user' AND INFO LIKE 'CREATE INDEX%'",
                    scratch.database
                ),
            ) > 0
        });
        if building {
            let pid = lease::read(&mut plain[0]).unwrap().unwrap().pid.unwrap();
            break replica_of(&replicas, pid);
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no process started the last migration's statement"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(conn);
    replicas[holder].child.kill().unwrap(); // SIGKILL
                                            // Checked before it ran: the index was not there.
    let node = replicas[holder].node;
    assert_eq!(
        count(
            &mut plain[node],
            &format!(
                "SELECT COUNT(*) AS n FROM __lback_attempts WHERE version = '{}' \
                 AND state = 'checked' AND statements_done = 0",
                &ids[5][..14]
            )
        ),
        1
    );
    drop(plain);
    let outputs = wait_all_but_killed(replicas, holder);
    assert_the_others_finished(&outputs, holder, &ids[5..], |_| false);
    assert_every_node_matches_the_models(&scratch);
}

#[test]
fn the_lease_holder_killed_between_two_migrations_is_replaced_and_all_finish() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let ids = fixture_ids();
    let mut replicas = start_replicas(
        &scratch,
        &Via::Library,
        &[
            ("LBACK_LEASE_SECONDS", TEST_TTL_SECONDS),
            (CHILD_PAUSE_AFTER, ids[2].as_str()),
        ],
    );
    // The holder recorded the third migration and stopped before the fourth.
    let mut conn = scratch.conn(0);
    let started = Instant::now();
    let holder = loop {
        #[derive(QueryableByName)]
        struct Seen {
            #[diesel(sql_type = Nullable<BigInt>)]
            pid: Option<i64>,
            #[diesel(sql_type = BigInt)]
            applied: i64,
            #[diesel(sql_type = BigInt)]
            unfinished: i64,
        }
        let seen = diesel::sql_query(
            "SELECT l.pid, \
             (SELECT COUNT(*) FROM __diesel_schema_migrations) AS applied, \
             (SELECT COUNT(*) FROM __lback_attempts) AS unfinished \
             FROM __lback_lock l WHERE l.name = 'migrate'",
        )
        .get_result::<Seen>(&mut conn)
        .optional();
        if let Ok(Some(Seen {
            pid: Some(pid),
            applied: 3,
            unfinished,
        })) = seen
        {
            assert_eq!(unfinished, 0, "the holder is between two migrations");
            break replica_of(&replicas, pid);
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no process applied the third migration"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(conn);
    replicas[holder].child.kill().unwrap(); // SIGKILL
    let outputs = wait_all_but_killed(replicas, holder);
    let mut texts = Vec::new();
    for (i, (status, node, text)) in outputs.iter().enumerate() {
        if i != holder {
            assert_eq!(
                *status,
                Some(0),
                "replica {i} on node {}:\n{text}",
                node + 1
            );
            assert!(
                !text.contains("was left at statement"),
                "nothing was left half way:\n{text}"
            );
            texts.push(text.as_str());
        }
    }
    assert_eq!(
        applied_lines(texts),
        ids[3..].to_vec(),
        "the rest applied exactly once, after the lease ran out"
    );
    assert_every_node_matches_the_models(&scratch);
}

#[test]
fn without_a_keepalive_a_statement_longer_than_the_lease_loses_it_and_nothing_runs_twice() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let ids = fixture_ids();
    // `lback::migrate(&mut conn)` alone renews between statements: during
    // the 8 s statement a waiter takes the 3 s lease over and goes on with
    // the migration; the first holder stops at its next record. (Four
    // processes: each holder after the first may lose the lease the same
    // way, one after the other.)
    let outputs = wait_all(start_n_replicas(
        &scratch,
        &Via::Library,
        &[("LBACK_LEASE_SECONDS", TEST_TTL_SECONDS), (CHILD_SLOW, "1")],
        4,
    ));
    // Each holder after it goes on with the migration by running the slow
    // statement again, and may lose the lease the same way.
    let mut finished = Vec::new();
    for (i, (status, node, text)) in outputs.iter().enumerate() {
        if *status == Some(0) {
            finished.push(text.as_str());
            continue;
        }
        assert_eq!(
            *status,
            Some(101),
            "replica {i} on node {}:\n{text}",
            node + 1
        );
        for part in ["taken over", "lback::keep_lease_alive"] {
            assert!(text.contains(part), "replica {i}: {part:?} in\n{text}");
        }
        // It ran nothing more: its next statement (creating `products`)
        // would have failed on the table a later holder made.
        assert!(!text.contains("already exists"), "replica {i}:\n{text}");
    }
    assert!(
        finished.len() < outputs.len(),
        "the first holder lost the lease"
    );
    // The first three were applied by the first holder (which printed no
    // report); the rest once, by the processes that finished.
    assert_eq!(applied_lines(finished), ids[3..].to_vec());
    assert_every_node_matches_the_models(&scratch);
}

#[test]
fn a_library_run_keeps_the_lease_through_a_statement_longer_than_it() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    // The slow statement runs 8 s, the lease lives 3 s: kept alive from a
    // second connection, no one takes it over, so every process exits 0
    // (a holder that lost the lease fails at its next record).
    let outputs = wait_all(start_replicas(
        &scratch,
        &Via::Library,
        &[
            ("LBACK_LEASE_SECONDS", TEST_TTL_SECONDS),
            (CHILD_SLOW, "1"),
            (CHILD_KEEPALIVE, "1"),
        ],
    ));
    for (status, node, text) in &outputs {
        assert_eq!(*status, Some(0), "a process on node {}:\n{text}", node + 1);
        assert!(!text.contains("was left at statement"), "{text}");
    }
    assert_eq!(
        applied_lines(outputs.iter().map(|(_, _, t)| t.as_str())),
        fixture_ids()
    );
    assert_every_node_matches_the_models(&scratch);
}

#[test]
fn a_node_killed_half_way_fails_its_processes_and_a_surviving_node_finishes() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let (dir, version) = slow_fixture("galera_node");
    let ids = fixture_ids();
    // Each node's server process, to kill one.
    let pids: Vec<i64> = (0..3)
        .map(|node| {
            #[derive(QueryableByName)]
            struct PidFile {
                #[diesel(sql_type = Text)]
                path: String,
            }
            let path = diesel::sql_query("SELECT @@pid_file AS path")
                .get_result::<PidFile>(&mut scratch.conn(node))
                .unwrap()
                .path;
            std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("read node {}'s pid file {path}: {e}", node + 1))
                .trim()
                .parse()
                .unwrap()
        })
        .collect();
    let mut replicas = start_replicas(
        &scratch,
        &Via::Command(dir.clone()),
        &[("LBACK_LEASE_SECONDS", TEST_TTL_SECONDS)],
    );
    let holder = wait_for_the_slow_statement(&scratch, &version, &mut replicas);
    let dead = replicas[holder].node;
    // Whatever the assertions below find, the node comes back for the
    // other tests.
    let comeback = Comeback;
    let killed = Command::new("kill")
        .args(["-KILL", &pids[dead].to_string()])
        .status()
        .unwrap();
    assert!(killed.success(), "node {} killed", dead + 1);
    let outputs = wait_all(replicas);

    // The holder and every process on the dead node fail on the lost
    // connection; the holder's error says the migration stopped half way.
    let connection_lost = |text: &str| {
        let text = text.to_lowercase();
        ["lost connection", "server has gone away", "can't connect"]
            .iter()
            .any(|m| text.contains(m))
    };
    for (i, (status, node, text)) in outputs.iter().enumerate() {
        if *node == dead {
            assert_eq!(*status, Some(1), "replica {i} on the dead node:\n{text}");
            assert!(
                connection_lost(text),
                "replica {i}: a connection error:\n{text}"
            );
        }
    }
    let holder_text = &outputs[holder].2;
    assert!(
        holder_text.contains(&format!("applying migration {} failed", ids[3])),
        "the holder names the migration it was applying:\n{holder_text}"
    );
    // The processes on the surviving nodes waited for the lease to run out;
    // one went on with the migration left half way, and the rest.
    assert_the_others_finished(&outputs, holder, &ids[3..], |node| node == dead);

    // The node comes back (state transfer from the others) with the same
    // schema.
    std::mem::forget(comeback);
    restart_nodes();
    assert_every_node_matches_the_models(&scratch);
}

/// Starts the nodes that are down (`.ci/galera.sh start`: they rejoin).
fn restart_nodes() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(".ci/galera.sh");
    let restarted = Command::new("bash")
        .arg(&script)
        .arg("start")
        .output()
        .unwrap();
    assert!(
        restarted.status.success(),
        "the killed node rejoins:\n{}",
        text(&restarted)
    );
}

/// Restarts the nodes when dropped (a test that killed one failed).
struct Comeback;

impl Drop for Comeback {
    fn drop(&mut self) {
        restart_nodes();
    }
}

#[test]
fn a_holder_that_lost_the_lease_half_way_records_nothing_more() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let (dir, version) = slow_fixture("galera_fence");
    let ids = fixture_ids();
    let (mut replicas, holder) = slow_run_started(&scratch, &dir, &version);
    // Paused (a long GC pause, a frozen VM): it neither renews nor runs on,
    // and its slow statement goes on in the server.
    let pid = replicas[holder].child.id().to_string();
    assert!(Command::new("kill")
        .args(["-STOP", &pid])
        .status()
        .unwrap()
        .success());
    let paused = replicas.remove(holder);
    let others = wait_all(replicas);
    // The others took the lease over after its time to live, one went on
    // with the migration (its slow statement changes nothing: run again).
    assert_the_others_finished(&others, usize::MAX, &ids[3..], |_| false);
    assert!(Command::new("kill")
        .args(["-CONT", &pid])
        .status()
        .unwrap()
        .success());
    let output = paused.child.wait_with_output().unwrap();
    let said = text(&output);
    assert_eq!(output.status.code(), Some(1), "{said}");
    assert!(
        said.contains("taken over"),
        "the old holder says it lost the lease:\n{said}"
    );
    // It ran nothing more: its next statement (creating `products`) would
    // have failed on the table the new holder made.
    assert!(!said.contains("already exists"), "{said}");
    assert_every_node_matches_the_models(&scratch);
}

#[test]
fn lock_tables_in_a_migration_is_refused_before_anything_runs() {
    let _one = one_at_a_time();
    let scratch = Scratch::new();
    let dir = copy_fixture("galera_lock_tables");
    let ids = fixture_ids();
    let up = dir.join(&ids[4]).join("up.sql");
    let sql = std::fs::read_to_string(&up).unwrap();
    std::fs::write(
        &up,
        format!("LOCK TABLES products WRITE;\n{sql}\nUNLOCK TABLES;\n"),
    )
    .unwrap();
    let migrated = lback_command(&dir, &scratch.url(0), &["migrate"])
        .output()
        .unwrap();
    let said = text(&migrated);
    assert_eq!(migrated.status.code(), Some(1), "{said}");
    for part in [
        format!(
            "migration {} cannot run under lback's cluster lock (the lease, taken on a Galera \
             cluster or with LBACK_LOCK=lease): statement 1 of 3",
            ids[4]
        ),
        "`LOCK TABLES products WRITE`: Galera does not replicate table locks".to_owned(),
        "Nothing ran".to_owned(),
    ] {
        assert!(said.contains(&part), "missing {part:?} in\n{said}");
    }
    let mut conn = scratch.conn(0);
    assert_eq!(
        count(
            &mut conn,
            "SELECT COUNT(*) AS n FROM __diesel_schema_migrations"
        ),
        0,
        "not even the migrations before it ran"
    );
    assert_eq!(
        lease::read(&mut conn).unwrap().unwrap().owner,
        None,
        "the lease was released"
    );
}
