//! Availability during a migration: how long writers stall while lback
//! changes the schema of a big table they keep writing to.
//!
//! For each database (PostgreSQL; MariaDB/MySQL with the `mysql` feature)
//! and each change, one at a time, on a fresh copy of the tables:
//!
//! 1. lback writes a migrations folder, as `makemigrations` does (`Draft`,
//!    `Migrations::write`): one migration creating `items` and its parent
//!    `accounts`, then the change's. With the project setting
//!    `online_ddl` off (*plain*: `sql::render`, the blocking DDL a person
//!    writes) or on (*online*: `sql::render_with(.., &RenderOptions {
//!    online: true })`; on PostgreSQL the part that cannot run in a
//!    transaction becomes a migration of its own with
//!    `run_in_transaction = false`, which the runner applies statement by
//!    statement in autocommit);
//! 2. lback's runner creates the tables, which are filled in one statement
//!    (`generate_series` / MariaDB's `seq_1_to_N`; 1,000,000 rows by
//!    default), then vacuumed/analyzed and checkpointed;
//! 3. several writers (threads, each with its own connection) insert and
//!    update `items` as fast as they can, each write its own autocommit
//!    statement, every write's start and end recorded;
//! 4. after a warm-up, lback's runner (`runner::migrate`, the default
//!    options: lback's lock timeout) applies the change's migration(s),
//!    and the writers keep going for a moment after it;
//! 5. the schema is read back and must match the models, nothing left
//!    over; no write may have failed.
//!
//! Both forms go through the same runner with the same options, so the
//! SQL is the only difference.
//!
//! Figures per change and form, over the writes that overlap the
//! migration: the longest stall (the largest gap between two consecutive
//! completed writes of one writer), the slowest single write, and the p99
//! write latency; the same before the change (the noise floor).
//!
//! Settings (environment): `LBACK_STALL_ROWS` (default 1000000),
//! `LBACK_STALL_WRITERS` (default 4), `LBACK_STALL_ROUNDS` (default 3:
//! every case that many times, medians reported), `LBACK_STALL_WARMUP_MS` (default
//! 1000: writing before the change starts, also the baseline),
//! `LBACK_STALL_DATABASES` (default: every one compiled in, e.g.
//! `postgres,mysql`). A positional argument filters the cases by name
//! (`write_stall/postgres/add_index/online`). The results go to
//! `target/lback-bench/results/write_stall.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

use diesel::connection::{LoadConnection, SimpleConnection};
use lback_core::introspect::Introspect;
use lback_core::migrations::{Draft, MigrationFolder, Migrations};
use lback_core::runner::{MigrateOptions, MigrationSql, TrackedBackend};
use lback_core::schema::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, ReferentialAction, Schema, Table,
    UniqueConstraint,
};
use lback_core::sql::Dialect;

mod support;

/// The issue's target for every change a database can make online.
const TARGET: Duration = Duration::from_millis(100);
/// Rows of `accounts`, the parent of the foreign key.
const ACCOUNTS: u64 = 1000;

// ---------------------------------------------------------------- settings

struct Config {
    rows: u64,
    writers: usize,
    rounds: usize,
    warmup: Duration,
    /// Writing after the migration returned.
    cooldown: Duration,
    filters: Vec<String>,
}

fn env_number(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(text) if !text.trim().is_empty() => text.trim().parse().unwrap_or_else(|_| {
            panic!("{name}={text:?} is not a whole number (unset it for the default, {default})")
        }),
        _ => default,
    }
}

impl Config {
    fn from_env() -> Self {
        let rows = env_number("LBACK_STALL_ROWS", 1_000_000);
        let writers = env_number("LBACK_STALL_WRITERS", 4);
        assert!(
            rows >= ACCOUNTS,
            "LBACK_STALL_ROWS={rows}: at least {ACCOUNTS} rows"
        );
        assert!(writers >= 1, "LBACK_STALL_WRITERS=0: at least one writer");
        Config {
            rows,
            writers: writers as usize,
            rounds: env_number("LBACK_STALL_ROUNDS", 3).max(1) as usize,
            warmup: Duration::from_millis(env_number("LBACK_STALL_WARMUP_MS", 1000)),
            cooldown: Duration::from_millis(300),
            // `cargo bench -- <filter>`: cargo adds `--bench`; flags are
            // criterion's (the other suites), ignored here.
            filters: std::env::args()
                .skip(1)
                .filter(|a| !a.starts_with('-'))
                .collect(),
        }
    }

    fn wanted(&self, case: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| case.contains(f.as_str()))
    }
}

// ----------------------------------------------------------------- schemas

/// One schema change, applied on its own to the `before` tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    AddIndex,
    AddUnique,
    AddForeignKey,
    AddColumnWithDefault,
    SetNotNull,
    RenameColumn,
}

const CHANGES: [Change; 6] = [
    Change::AddIndex,
    Change::AddUnique,
    Change::AddForeignKey,
    Change::AddColumnWithDefault,
    Change::SetNotNull,
    Change::RenameColumn,
];

impl Change {
    fn name(self) -> &'static str {
        match self {
            Change::AddIndex => "add_index",
            Change::AddUnique => "add_unique",
            Change::AddForeignKey => "add_foreign_key",
            Change::AddColumnWithDefault => "add_not_null_column_with_default",
            Change::SetNotNull => "set_not_null",
            Change::RenameColumn => "rename_column",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Change::AddIndex => "add index (name)",
            Change::AddUnique => "add unique (code)",
            Change::AddForeignKey => "add foreign key (account_id → accounts)",
            Change::AddColumnWithDefault => "add column status INTEGER NOT NULL DEFAULT 0",
            Change::SetNotNull => "set NOT NULL (note)",
            Change::RenameColumn => "rename column (label → title)",
        }
    }
}

fn accounts() -> Table {
    Table::new("accounts")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("name", ColumnType::Varchar(100)))
        .with_primary_key(["id"])
}

/// `items` before any change; the writers use every column but `label`
/// (the one renamed).
fn items() -> Table {
    Table::new("items")
        .with_column(Column::new("id", ColumnType::BigInt).auto_increment())
        .with_column(Column::new("account_id", ColumnType::BigInt))
        .with_column(Column::new("code", ColumnType::Varchar(40)))
        .with_column(Column::new("name", ColumnType::Varchar(100)))
        .with_column(Column::new("quantity", ColumnType::Integer))
        .with_column(Column::new("note", ColumnType::Varchar(100)).nullable())
        .with_column(Column::new("label", ColumnType::Varchar(100)).nullable())
        .with_primary_key(["id"])
}

fn before() -> Schema {
    Schema::from_tables([accounts(), items()]).expect("two tables")
}

fn after(change: Change) -> Schema {
    let mut items = items();
    match change {
        Change::AddIndex => {
            items = items.with_index(Index {
                name: "ix_items_name".into(),
                columns: vec!["name".into()].into(),
                unique: false,
            })
        }
        Change::AddUnique => {
            items = items.with_unique(UniqueConstraint {
                name: "uq_items_code".into(),
                columns: vec!["code".into()].into(),
            })
        }
        Change::AddForeignKey => {
            items = items.with_foreign_key(ForeignKey {
                name: "fk_items_account_id".into(),
                columns: vec!["account_id".into()].into(),
                referenced_table: "accounts".into(),
                referenced_columns: vec!["id".into()].into(),
                on_delete: ReferentialAction::NoAction,
                on_update: ReferentialAction::NoAction,
            })
        }
        Change::AddColumnWithDefault => {
            items = items.with_column(
                Column::new("status", ColumnType::Integer).with_default(DefaultValue::Int(0)),
            )
        }
        Change::SetNotNull => {
            let note = items
                .columns
                .to_mut()
                .iter_mut()
                .find(|c| c.name.as_ref() == "note")
                .expect("items.note");
            note.nullable = false;
        }
        Change::RenameColumn => {
            let label = items
                .columns
                .to_mut()
                .iter_mut()
                .find(|c| c.name.as_ref() == "label")
                .expect("items.label");
            *label = Column::new("title", ColumnType::Varchar(100))
                .nullable()
                .renamed_from("label");
        }
    }
    Schema::from_tables([accounts(), items]).expect("two tables")
}

// ------------------------------------------------------- lback's migrations

/// The two forms of lback's SQL: the project setting `online_ddl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `online_ddl` off (`sql::render`): the plain, blocking DDL.
    Plain,
    /// `online_ddl` on (`sql::render_with(.., &RenderOptions { online:
    /// true })`), what a new project gets.
    Online,
}

impl Form {
    fn name(self) -> &'static str {
        match self {
            Form::Plain => "plain",
            Form::Online => "online",
        }
    }
}

/// Writes, as `makemigrations` does, a migrations folder for `dialect`:
/// the migration creating the `before` tables, then the one(s) making
/// `change` (with the online forms, PostgreSQL's part that runs outside a
/// transaction is a second migration, `run_in_transaction = false`).
/// Returns the folders read back, oldest first.
fn write_migrations(
    dir: &Path,
    change: Change,
    form: Form,
    dialect: Dialect,
) -> Vec<MigrationFolder> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).expect("remove the previous migrations folder");
    }
    let mut migrations = Migrations::open(dir).expect("a new migrations folder");
    if form == Form::Online {
        // A new project: `"online_ddl": true` in its settings.
        migrations.start_project();
    }
    let now = SystemTime::now();
    for (name, models) in [("create_tables", before()), (change.name(), after(change))] {
        let draft = Draft::new(&migrations, models).expect("diff the models");
        draft
            .check_dialects(&[dialect])
            .expect("the dialect holds the models");
        assert!(!draft.is_empty(), "{name}: lback sees no change");
        if name != "create_tables" {
            if let Some(op) = draft.operations.iter().find(|op| op.table() != "items") {
                panic!("{name}: unexpected operation {op}");
            }
        }
        let sql = draft.sql(&[dialect]);
        for migration in draft.into_migrations(name.to_owned(), sql, now) {
            migrations.write(migration).expect("write the migration");
        }
    }
    let folders = Migrations::open(dir)
        .expect("read the migrations back")
        .folders()
        .to_vec();
    assert_eq!(
        folders[0].name, "create_tables",
        "the first migration creates the tables"
    );
    folders
}

// ----------------------------------------------------------------- servers

/// What the bench needs of a database server.
trait Server {
    type Backend: TrackedBackend;
    type Conn: LoadConnection<Backend = Self::Backend>
        + SimpleConnection
        + Introspect
        + Send
        + 'static;
    const NAME: &'static str;
    const DIALECT: Dialect;
    /// A connection to the scratch schema/database.
    fn connect(&self) -> Self::Conn;
    /// Drops and recreates the scratch schema/database (empty).
    fn reset(&self);
    /// Fills the two tables with `rows` items, then leaves them quiet
    /// (vacuumed/analyzed, checkpointed).
    fn fill(&self, conn: &mut Self::Conn, rows: u64);
    /// Removes the scratch schema/database.
    fn drop_all(&self);
    /// The server's version, for the report.
    fn version(&self) -> String;
}

#[cfg(feature = "postgres")]
mod pg {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    use super::support;

    pub struct Postgres {
        url: String,
        schema: String,
    }

    impl Postgres {
        pub fn new() -> Self {
            let url = support::pg_url();
            let schema = format!("lback_bench_write_stall_{}", std::process::id());
            Postgres { url, schema }
        }

        fn admin(&self) -> PgConnection {
            PgConnection::establish(&self.url)
                .unwrap_or_else(|e| panic!("connect to PG_DATABASE_URL ({}): {e}", self.url))
        }
    }

    impl super::Server for Postgres {
        type Backend = diesel::pg::Pg;
        type Conn = PgConnection;
        const NAME: &'static str = "postgres";
        const DIALECT: super::Dialect = super::Dialect::Postgres;

        fn connect(&self) -> PgConnection {
            let mut conn = self.admin();
            conn.batch_execute(&format!(r#"SET search_path TO "{}""#, self.schema))
                .expect("use the scratch schema");
            conn
        }

        fn reset(&self) {
            support::pg_reset_schema(&mut self.admin(), &self.schema);
        }

        fn fill(&self, conn: &mut PgConnection, rows: u64) {
            let accounts = super::ACCOUNTS;
            conn.batch_execute(&format!(
                "INSERT INTO accounts (name) SELECT 'account ' || i FROM generate_series(1, {accounts}) AS i;
                 INSERT INTO items (account_id, code, name, quantity, note, label)
                 SELECT 1 + i % {accounts}, 'row-' || i, 'item ' || (i * 7919 % 1000003),
                        i % 1000, 'note ' || i, 'label ' || i
                 FROM generate_series(1::bigint, {rows}) AS i;"
            ))
            .expect("fill the tables");
            // VACUUM sets the visibility map (as on a table that has been
            // there a while); the checkpoint keeps the load's writes out of
            // the measurement.
            conn.batch_execute("VACUUM ANALYZE accounts")
                .expect("vacuum accounts");
            conn.batch_execute("VACUUM ANALYZE items")
                .expect("vacuum items");
            conn.batch_execute("CHECKPOINT").expect("checkpoint");
        }

        fn drop_all(&self) {
            support::pg_drop_schema(&mut self.admin(), &self.schema);
        }

        fn version(&self) -> String {
            format!("PostgreSQL {}", support::pg_version(&mut self.admin()))
        }
    }
}

#[cfg(feature = "mysql")]
mod my {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, MysqlConnection, RunQueryDsl};

    use super::support;

    pub struct Mysql {
        url: String,
        database: String,
    }

    impl Mysql {
        pub fn new() -> Self {
            let url = support::mysql_url();
            let database = format!("lback_bench_write_stall_{}", std::process::id());
            Mysql { url, database }
        }

        fn admin(&self) -> MysqlConnection {
            MysqlConnection::establish(&self.url)
                .unwrap_or_else(|e| panic!("connect to MYSQL_DATABASE_URL ({}): {e}", self.url))
        }
    }

    impl super::Server for Mysql {
        type Backend = diesel::mysql::Mysql;
        type Conn = MysqlConnection;
        const NAME: &'static str = "mysql";
        const DIALECT: super::Dialect = super::Dialect::Mysql;

        fn connect(&self) -> MysqlConnection {
            let mut conn = self.admin();
            conn.batch_execute(&format!("USE `{}`", self.database))
                .expect("use the scratch database");
            conn
        }

        fn reset(&self) {
            self.admin()
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS `{0}`; CREATE DATABASE `{0}`",
                    self.database
                ))
                .expect("create a scratch database");
        }

        fn fill(&self, conn: &mut MysqlConnection, rows: u64) {
            let accounts = super::ACCOUNTS;
            // MariaDB's sequence engine; MySQL has none: a recursive CTE.
            let mariadb = is_mariadb(conn);
            let numbers = |n: u64| {
                if mariadb {
                    format!("(SELECT seq AS i FROM seq_1_to_{n}) AS n")
                } else {
                    format!(
                        "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
                         WHERE i < {n}) SELECT i FROM n) AS n"
                    )
                }
            };
            let (a, r) = (numbers(accounts), numbers(rows));
            if !mariadb {
                conn.batch_execute("SET SESSION cte_max_recursion_depth = 4294967295")
                    .expect("allow a deep recursive CTE");
            }
            conn.batch_execute(&format!(
                "INSERT INTO accounts (name) SELECT CONCAT('account ', i) FROM {a};
                 INSERT INTO items (account_id, code, name, quantity, note, label)
                 SELECT 1 + i % {accounts}, CONCAT('row-', i), CONCAT('item ', i * 7919 % 1000003),
                        i % 1000, CONCAT('note ', i), CONCAT('label ', i)
                 FROM {r};
                 ANALYZE TABLE accounts, items;"
            ))
            .expect("fill the tables");
        }

        fn drop_all(&self) {
            let _ = self
                .admin()
                .batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.database));
        }

        fn version(&self) -> String {
            let v = server_version(&mut self.admin());
            if v.to_lowercase().contains("mariadb") {
                format!("MariaDB {v}")
            } else {
                format!("MySQL {v}")
            }
        }
    }

    fn server_version(conn: &mut MysqlConnection) -> String {
        #[derive(diesel::QueryableByName)]
        struct V {
            #[diesel(sql_type = diesel::sql_types::Text)]
            v: String,
        }
        diesel::sql_query("SELECT VERSION() AS v")
            .get_result::<V>(conn)
            .map(|v| v.v)
            .unwrap_or_else(|e| format!("unknown ({e})"))
    }

    fn is_mariadb(conn: &mut MysqlConnection) -> bool {
        server_version(conn).to_lowercase().contains("mariadb")
    }
}

// ----------------------------------------------------------------- writers

/// One write: when it started and ended, from the case's epoch.
#[derive(Clone, Copy)]
struct Write {
    start: Duration,
    end: Duration,
}

/// What one writer did.
#[derive(Default)]
struct Log {
    writes: Vec<Write>,
    errors: Vec<String>,
}

/// A small deterministic generator (xorshift), one per writer.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Inserts and updates `items` until told to stop: one autocommit
/// statement per write, the same SQL on every database. Never touches
/// `label` (renamed) nor `status` (added).
fn writer<C: SimpleConnection>(
    mut conn: C,
    who: usize,
    rows: u64,
    epoch: Instant,
    stop: &AtomicBool,
) -> Log {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (who as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    let mut log = Log {
        writes: Vec::with_capacity(1 << 16),
        errors: Vec::new(),
    };
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let sql = if n.is_multiple_of(2) {
            let account = 1 + rng.next() % ACCOUNTS;
            format!(
                "INSERT INTO items (account_id, code, name, quantity, note) \
                 VALUES ({account}, 'w{who}-{n}', 'written {n}', {q}, 'note w{who}-{n}')",
                q = rng.next() % 1000
            )
        } else {
            let id = 1 + rng.next() % rows;
            format!(
                "UPDATE items SET quantity = quantity + 1, note = 'updated {n}' WHERE id = {id}"
            )
        };
        let start = epoch.elapsed();
        match conn.batch_execute(&sql) {
            Ok(()) => log.writes.push(Write {
                start,
                end: epoch.elapsed(),
            }),
            Err(e) => {
                if log.errors.len() < 5 {
                    log.errors.push(e.to_string());
                }
            }
        }
    }
    log
}

// ----------------------------------------------------------------- figures

/// The figures of one interval.
#[derive(Clone, Copy, Default)]
struct Figures {
    /// The largest gap between consecutive completed writes of one writer.
    longest_stall: Duration,
    /// When that gap began (from the case's epoch).
    stall_began: Duration,
    /// The slowest single write.
    max_latency: Duration,
    p99: Duration,
    writes: usize,
}

/// Figures over the writes that overlap `[from, to)` (with `ended_within`,
/// only those that also ended by `to`: the quiet time before a change).
fn figures(logs: &[Log], from: Duration, to: Duration, ended_within: bool) -> Figures {
    let mut latencies = Vec::new();
    let mut longest_stall = Duration::ZERO;
    let mut stall_began = Duration::ZERO;
    for log in logs {
        let mut previous_end: Option<Duration> = None;
        for w in &log.writes {
            if ended_within && w.end > to {
                break;
            }
            if w.start < to && w.end > from {
                latencies.push(w.end - w.start);
            }
            if let Some(prev) = previous_end {
                if prev < to && w.end > from && w.end - prev > longest_stall {
                    longest_stall = w.end - prev;
                    stall_began = prev;
                }
            }
            previous_end = Some(w.end);
        }
    }
    latencies.sort_unstable();
    let p99 = if latencies.is_empty() {
        Duration::ZERO
    } else {
        latencies[((latencies.len() * 99).div_ceil(100)).max(1) - 1]
    };
    Figures {
        longest_stall,
        stall_began,
        max_latency: latencies.last().copied().unwrap_or_default(),
        p99,
        writes: latencies.len(),
    }
}

// ------------------------------------------------------------------- cases

struct Outcome {
    database: &'static str,
    /// The server's product name (PostgreSQL, MariaDB, MySQL).
    product: String,
    change: Change,
    form: Form,
    migration: Duration,
    /// When the longest stall began, from the start of the migration
    /// (zero: before it).
    stall_at: Duration,
    during: Figures,
    before: Figures,
    statements: Vec<String>,
    /// The folders applied during the measurement.
    migrations: Vec<String>,
}

fn run_case<S: Server>(server: &S, cfg: &Config, change: Change, form: Form) -> Outcome {
    let dir = support::scratch_dir("tmp")
        .join("write_stall")
        .join(format!("{}_{}_{}", S::NAME, change.name(), form.name()));
    let folders = write_migrations(&dir, change, form, S::DIALECT);
    let (create, steps) = folders.split_first().expect("the tables' migration");
    server.reset();
    let mut conn = server.connect();
    let options = MigrateOptions::default();
    lback_core::runner::migrate(&mut conn, &[create as &dyn MigrationSql], options)
        .expect("create the tables with lback's runner");
    server.fill(&mut conn, cfg.rows);

    let epoch = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let handles: Vec<_> = (0..cfg.writers)
        .map(|who| {
            let conn = server.connect();
            let stop = Arc::clone(&stop);
            let rows = cfg.rows;
            thread::spawn(move || writer(conn, who, rows, epoch, &stop))
        })
        .collect();
    thread::sleep(cfg.warmup);
    let from = epoch.elapsed();
    let all: Vec<&dyn MigrationSql> = folders.iter().map(|f| f as &dyn MigrationSql).collect();
    let report = lback_core::runner::migrate(&mut conn, &all, options).unwrap_or_else(|e| {
        stop.store(true, Ordering::Relaxed);
        panic!(
            "{} {} ({}): lback's migration failed: {e}",
            S::NAME,
            change.name(),
            form.name()
        )
    });
    let to = epoch.elapsed();
    thread::sleep(cfg.cooldown);
    stop.store(true, Ordering::Relaxed);
    let logs: Vec<Log> = handles
        .into_iter()
        .map(|h| h.join().expect("a writer panicked"))
        .collect();
    assert_eq!(report.applied.len(), steps.len(), "every step applied");
    // The database now is what the models say, with nothing left over (a
    // temporary CHECK, an INVALID index).
    let differences = lback_core::drift::compare(
        &after(change),
        &conn.introspect().expect("read the schema back"),
        S::DIALECT,
    );
    assert!(
        differences.is_empty(),
        "{} {} ({}): after the migration the database differs from the models: {differences:?}",
        S::NAME,
        change.name(),
        form.name()
    );
    let extra = conn.outside_models().expect("read the rest of the schema");
    assert!(
        extra.is_empty(),
        "{} {} ({}): the migration left {extra:?} behind",
        S::NAME,
        change.name(),
        form.name()
    );
    let errors: Vec<&String> = logs.iter().flat_map(|l| &l.errors).collect();
    assert!(
        errors.is_empty(),
        "{} {} ({}): writers failed during the change: {errors:?}",
        S::NAME,
        change.name(),
        form.name()
    );
    let during = figures(&logs, from, to, false);
    assert!(
        during.writes > 0,
        "{} {} ({}): no write overlapped the migration",
        S::NAME,
        change.name(),
        form.name()
    );
    let warm = from.saturating_sub(cfg.warmup) + cfg.warmup / 5;
    Outcome {
        database: S::NAME,
        product: server
            .version()
            .split_whitespace()
            .next()
            .unwrap_or(S::NAME)
            .to_owned(),
        change,
        form,
        migration: to - from,
        stall_at: during.stall_began.saturating_sub(from),
        during,
        before: figures(&logs, warm, from, true),
        statements: steps
            .iter()
            .flat_map(|m| {
                let tag = if m.runs_outside_transaction(S::DIALECT) {
                    "[autocommit] "
                } else {
                    ""
                };
                let sql = m.up_sql(S::DIALECT).expect("the migration's up SQL");
                lback_core::sql::split_statements(&sql, S::DIALECT)
                    .into_iter()
                    .map(|st| format!("{tag}{}", one_line(st)))
                    .collect::<Vec<_>>()
            })
            .collect(),
        migrations: steps.iter().map(|m| m.name.clone()).collect(),
    }
}

fn one_line(statement: &str) -> String {
    let words: Vec<&str> = statement.split_whitespace().collect();
    if words.len() > 14 {
        format!("{} …", words[..14].join(" "))
    } else {
        words.join(" ")
    }
}

fn run_server<S: Server>(
    server: &S,
    cfg: &Config,
    out: &mut Vec<Outcome>,
    notes: &mut Vec<String>,
    failures: &mut Vec<String>,
) {
    let cases: Vec<(Change, Form)> = CHANGES
        .iter()
        .flat_map(|&c| [(c, Form::Plain), (c, Form::Online)])
        .filter(|(c, f)| {
            cfg.wanted(&format!(
                "write_stall/{}/{}/{}",
                S::NAME,
                c.name(),
                f.name()
            ))
        })
        .collect();
    if cases.is_empty() {
        return;
    }
    notes.push(server.version());
    for (round, (change, form)) in (1..=cfg.rounds).flat_map(|r| cases.iter().map(move |c| (r, *c)))
    {
        eprintln!(
            "write_stall: round {round}/{}: {} {} ({}) …",
            cfg.rounds,
            S::NAME,
            change.name(),
            form.name()
        );
        // A failed case still lets the report show what was measured.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_case(server, cfg, change, form)
        }));
        let outcome = match ran {
            Ok(outcome) => outcome,
            Err(panic) => {
                let why = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                    .unwrap_or_else(|| "a panic".to_owned());
                failures.push(format!(
                    "round {round}, {} {} ({}): {why}",
                    S::NAME,
                    change.name(),
                    form.name()
                ));
                break;
            }
        };
        eprintln!(
            "  migration {}, longest stall {}, slowest write {}, p99 {}",
            ms(outcome.migration),
            ms(outcome.during.longest_stall),
            ms(outcome.during.max_latency),
            ms(outcome.during.p99)
        );
        out.push(outcome);
    }
    server.drop_all();
}

/// Why `database` cannot make `change` without blocking writers, if it
/// cannot (the target is then not applied).
fn cannot_online(database: &str, change: Change) -> Option<&'static str> {
    match (database, change) {
        ("mysql", Change::AddForeignKey) => Some(
            "InnoDB adds a foreign key in place only with `foreign_key_checks = 0`, which \
             leaves existing rows unchecked; with the checks on it copies the table \
             (`ALGORITHM=COPY`, writes blocked), so lback keeps the plain form",
        ),
        _ => None,
    }
}

fn ms(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1e3;
    if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else {
        format!("{ms:.1} ms")
    }
}

/// The machine's load average (1, 5, 15 minutes), for the report.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn main() {
    let cfg = Config::from_env();
    let load_before = load_average();
    let databases = std::env::var("LBACK_STALL_DATABASES").unwrap_or_default();
    let wants =
        |name: &str| databases.trim().is_empty() || databases.split(',').any(|d| d.trim() == name);
    let mut outcomes = Vec::new();
    let mut notes = Vec::new();
    let mut failures = Vec::new();
    #[cfg(feature = "postgres")]
    if wants("postgres") {
        run_server(
            &pg::Postgres::new(),
            &cfg,
            &mut outcomes,
            &mut notes,
            &mut failures,
        );
    }
    #[cfg(feature = "mysql")]
    if wants("mysql") {
        run_server(
            &my::Mysql::new(),
            &cfg,
            &mut outcomes,
            &mut notes,
            &mut failures,
        );
    }
    notes.push(format!(
        "load average before: {load_before}; after: {} ({} cores)",
        load_average(),
        thread::available_parallelism().map_or(0, |n| n.get())
    ));
    for failure in &failures {
        notes.push(format!(
            "**failed**, the rest of that database's cases left out: {failure}"
        ));
    }
    report(&cfg, &outcomes, &notes);
    assert!(
        failures.is_empty(),
        "write_stall: {} case(s) failed (above)",
        failures.len()
    );
}

/// The median (the lower one of an even count).
fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values[(values.len() - 1) / 2]
}

fn report(cfg: &Config, outcomes: &[Outcome], notes: &[String]) {
    let mut out = String::from("### write_stall\n\n");
    // The rounds of each case, in the order the cases first ran.
    let mut cases: Vec<Vec<&Outcome>> = Vec::new();
    for o in outcomes {
        match cases
            .iter_mut()
            .find(|c| c[0].database == o.database && c[0].change == o.change && c[0].form == o.form)
        {
            Some(case) => case.push(o),
            None => cases.push(vec![o]),
        }
    }
    if cases.is_empty() {
        out.push_str("(no figure: the filter or LBACK_STALL_DATABASES left out every case)\n");
    } else {
        out.push_str(
            "| database | change | lback's SQL | migration | longest stall | worst round (began at) | slowest write | p99 write | before: longest stall / p99 | target | met |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for rounds in &cases {
            let o = rounds[0];
            let med =
                |f: &dyn Fn(&Outcome) -> Duration| median(rounds.iter().map(|o| f(o)).collect());
            let longest = med(&|o| o.during.longest_stall);
            let worst = rounds
                .iter()
                .max_by_key(|o| o.during.longest_stall)
                .expect("one round at least");
            let (target, met) = match o.form {
                Form::Online if cannot_online(o.database, o.change).is_some() => {
                    ("—".to_owned(), "cannot (see below)")
                }
                Form::Online => (
                    format!("≤ {} ms", TARGET.as_millis()),
                    if longest <= TARGET { "yes" } else { "**no**" },
                ),
                Form::Plain => ("—".to_owned(), "—"),
            };
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} ({} of {}) | {} | {} | {} / {} | {target} | {met} |",
                o.product,
                o.change.describe(),
                o.form.name(),
                ms(med(&|o| o.migration)),
                ms(longest),
                ms(worst.during.longest_stall),
                ms(worst.stall_at),
                ms(worst.migration),
                ms(med(&|o| o.during.max_latency)),
                ms(med(&|o| o.during.p99)),
                ms(med(&|o| o.before.longest_stall)),
                ms(med(&|o| o.before.p99)),
            )
            .unwrap();
        }
    }
    out.push('\n');
    let mut lines = vec![
        format!(
            "`items`: {} rows, 7 columns, primary key only; `accounts`: {ACCOUNTS} rows; a fresh copy of both per case",
            cfg.rows
        ),
        format!(
            "{} writers, each its own connection and thread, alternating an INSERT and an UPDATE of a random row, one autocommit statement each; {} ms of writing before the change (the *before* figures, first fifth left out) and {} ms after",
            cfg.writers,
            cfg.warmup.as_millis(),
            cfg.cooldown.as_millis()
        ),
        "applied by lback's runner (`runner::migrate`, default options: lock timeout 5 s) from a migrations folder lback wrote (`Draft`, `Migrations::write`; `online_ddl` off = *plain*, on = *online*); *migration* is the runner's whole call; *longest stall* the largest gap between two completed writes of one writer overlapping the migration; *slowest write* and *p99 write* over the writes overlapping it".to_owned(),
        format!(
            "{} round(s) of every case; each figure is the median over the rounds (the target is checked against the median longest stall); *worst round*: the largest longest stall of any round, and when in its migration that gap began",
            cfg.rounds
        ),
    ];
    lines.extend(notes.iter().cloned());
    let mut cannot: Vec<_> = cases
        .iter()
        .map(|rounds| rounds[0])
        .filter_map(|o| {
            Some((
                o.product.as_str(),
                o.change,
                cannot_online(o.database, o.change)?,
            ))
        })
        .collect();
    cannot.dedup_by_key(|(d, c, _)| (*d, *c));
    for (database, change, why) in cannot {
        lines.push(format!(
            "{database}, {}: no online form: {why}",
            change.describe()
        ));
    }
    for o in cases.iter().map(|rounds| rounds[0]) {
        lines.push(format!(
            "{} / {} / {} (migrations {}): {}",
            o.database,
            o.change.name(),
            o.form.name(),
            o.migrations
                .iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", "),
            o.statements
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    for line in lines {
        writeln!(out, "- {line}").unwrap();
    }
    println!("\n{out}");
    let file = support::scratch_dir("results").join("write_stall.md");
    std::fs::write(&file, out).expect("save the results");
    println!("(saved to {})", file.display());
}
