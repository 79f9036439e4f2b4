//! What every suite shares: criterion's configuration, scratch space, and
//! the ratio table each suite prints at the end and saves for `run.sh`.
//!
//! Every figure is a ratio of two medians measured by criterion in the same
//! run of the same binary. After its groups ran, a suite reads criterion's
//! `<group>/<function>/new/estimates.json` back (only files written by this
//! process: a filtered-out benchmark's old result is never mixed in).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use criterion::Criterion;
use lback_core::schema::{ForeignKey, Index, Name, Names, ReferentialAction, UniqueConstraint};

/// The workspace's `target/` (or `CARGO_TARGET_DIR`).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("lback-bench sits in the workspace")
            .join("target"),
    }
}

/// `target/lback-bench/<name>`, created.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = target_dir().join("lback-bench").join(name);
    std::fs::create_dir_all(&dir).expect("create the benchmarks' scratch folder");
    dir
}

/// Where criterion writes its results; set before criterion starts so the
/// suite knows where to read them.
fn criterion_home() -> PathBuf {
    match std::env::var_os("CRITERION_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let dir = target_dir().join("criterion");
            // Single-threaded here: nothing else reads the environment yet.
            std::env::set_var("CRITERION_HOME", &dir);
            dir
        }
    }
}

/// One suite's run: criterion, configured from the command line
/// (`cargo bench -- <filter>` works), and the table of ratios.
pub struct Suite {
    /// Criterion, for the groups.
    pub criterion: Criterion,
    name: &'static str,
    home: PathBuf,
    started: SystemTime,
    rows: Vec<String>,
    notes: Vec<String>,
}

/// A measured benchmark: criterion group and function names.
#[derive(Clone, Copy)]
pub struct Id<'a>(pub &'a str, pub &'a str);

impl Suite {
    /// Starts a suite named `name` (the results file's name).
    pub fn new(name: &'static str) -> Self {
        let home = criterion_home();
        let started = SystemTime::now();
        let criterion = Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .configure_from_args();
        Suite {
            criterion,
            name,
            home,
            started,
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The median time of a benchmark run by this process, if it ran.
    pub fn median(&self, id: Id<'_>) -> Option<Duration> {
        let file = self
            .home
            .join(sanitize(id.0))
            .join(sanitize(id.1))
            .join("new")
            .join("estimates.json");
        let modified = std::fs::metadata(&file).and_then(|m| m.modified()).ok()?;
        if modified < self.started {
            return None;
        }
        let text = std::fs::read_to_string(&file).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        let nanos = json["median"]["point_estimate"].as_f64()?;
        Some(Duration::from_secs_f64(nanos / 1e9))
    }

    /// A row `figure | subject | baseline | ratio | target`, when both ran.
    /// `target` is the highest acceptable ratio, if the issue sets one.
    pub fn ratio(&mut self, figure: &str, subject: Id<'_>, baseline: Id<'_>, target: Option<f64>) {
        let (Some(s), Some(b)) = (self.median(subject), self.median(baseline)) else {
            return;
        };
        let ratio = s.as_secs_f64() / b.as_secs_f64();
        self.row(
            figure,
            &time(s),
            &format!("{} {}", baseline.1, time(b)),
            ratio,
            target,
        );
    }

    /// A row with values measured some other way.
    pub fn row(
        &mut self,
        figure: &str,
        subject: &str,
        baseline: &str,
        ratio: f64,
        target: Option<f64>,
    ) {
        let (target, met) = match target {
            Some(t) => (format!("≤ {t}×"), if ratio <= t { "yes" } else { "**no**" }),
            None => ("—".to_owned(), "—"),
        };
        self.rows.push(format!(
            "| {figure} | {subject} | {baseline} | {ratio:.2}× | {target} | {met} |"
        ));
    }

    /// A line printed under the table (what was compared, versions).
    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    /// Prints the table and saves it as `target/lback-bench/results/<name>.md`.
    pub fn finish(self) {
        self.criterion.final_summary();
        let mut out = String::new();
        writeln!(out, "### {}\n", self.name).unwrap();
        if self.rows.is_empty() {
            writeln!(
                out,
                "(no figure: a filter left out a benchmark or its baseline)"
            )
            .unwrap();
        } else {
            out.push_str("| figure | lback | baseline | ratio | target | met |\n");
            out.push_str("| --- | --- | --- | --- | --- | --- |\n");
            for row in &self.rows {
                writeln!(out, "{row}").unwrap();
            }
        }
        if !self.notes.is_empty() {
            out.push('\n');
            for note in &self.notes {
                writeln!(out, "- {note}").unwrap();
            }
        }
        save_results(self.name, out);
    }
}

/// Prints a suite's results, and saves them as
/// `target/lback-bench/results/<name>.md` for `run.sh`.
pub fn save_results(name: &str, out: String) {
    println!("\n{out}");
    let file = scratch_dir("results").join(format!("{name}.md"));
    std::fs::write(&file, out).expect("save the suite's results");
    println!("(saved to {})", file.display());
}

/// Runs `work` on a fresh connection per iteration (`fresh` makes it,
/// `done` disposes of it); only `work` is timed.
pub fn timed<C>(
    iterations: u64,
    fresh: &mut impl FnMut() -> C,
    done: &mut impl FnMut(C),
    work: impl Fn(&mut C),
) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iterations {
        let mut conn = fresh();
        let start = Instant::now();
        work(&mut conn);
        total += start.elapsed();
        done(conn);
    }
    total
}

/// One row of a query's single text column `v`.
#[derive(diesel::QueryableByName)]
pub struct TextRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// The text a query selects as `v` (a server's version), or `unknown`
/// with the error.
pub fn query_text<C>(conn: &mut C, query: &str) -> String
where
    C: diesel::Connection,
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, TextRow>,
{
    use diesel::RunQueryDsl;
    diesel::sql_query(query)
        .get_result::<TextRow>(conn)
        .map(|row| row.v)
        .unwrap_or_else(|e| format!("unknown ({e})"))
}

/// An index named `name` on `columns`.
pub fn index(name: &'static str, columns: &[&'static str]) -> Index {
    Index {
        name: name.into(),
        columns: names(columns),
        unique: false,
    }
}

/// A unique constraint named `name` on `columns`.
pub fn unique(name: &'static str, columns: &[&'static str]) -> UniqueConstraint {
    UniqueConstraint {
        name: name.into(),
        columns: names(columns),
    }
}

/// A foreign key named `name` from `column` to `table(id)`: `on_delete`,
/// no action on update.
pub fn foreign_key(
    name: &'static str,
    column: &'static str,
    table: &'static str,
    on_delete: ReferentialAction,
) -> ForeignKey {
    ForeignKey {
        name: name.into(),
        columns: names(&[column]),
        referenced_table: table.into(),
        referenced_columns: names(&["id"]),
        on_delete,
        on_update: ReferentialAction::NoAction,
    }
}

/// Column names, as the schema holds them.
fn names(columns: &[&'static str]) -> Names {
    columns
        .iter()
        .map(|&c| Name::from(c))
        .collect::<Vec<_>>()
        .into()
}

/// A duration in the unit that suits it.
pub fn time(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 1.0 {
        format!("{s:.2} s")
    } else if s >= 1e-3 {
        format!("{:.2} ms", s * 1e3)
    } else {
        format!("{:.1} µs", s * 1e6)
    }
}

/// Bytes in the unit that suits them.
pub fn bytes(n: u64) -> String {
    let n = n as f64;
    if n >= 1024.0 * 1024.0 {
        format!("{:.1} MiB", n / (1024.0 * 1024.0))
    } else {
        format!("{:.1} KiB", n / 1024.0)
    }
}

/// Criterion's directory name for a group or function id.
fn sanitize(id: &str) -> String {
    id.replace(['?', '"', '/', '\\', '*', '<', '>', ':', '|', '^'], "_")
}

/// The SQLite library's version (bundled with libsqlite3-sys).
pub fn sqlite_version(conn: &mut diesel::SqliteConnection) -> String {
    query_text(conn, "SELECT sqlite_version() AS v")
}

/// A new SQLite file (any old one removed) and its path.
pub fn fresh_sqlite_file(name: &str) -> PathBuf {
    let path = scratch_dir("tmp").join(name);
    remove_sqlite_file(&path);
    path
}

/// Removes a SQLite file and its journal.
pub fn remove_sqlite_file(path: &Path) {
    let _ = std::fs::remove_file(path);
    let mut journal = path.as_os_str().to_owned();
    journal.push("-journal");
    let _ = std::fs::remove_file(journal);
}

#[cfg(feature = "postgres")]
#[allow(unused_imports)] // not every suite has a PostgreSQL part
pub use self::postgres::*;

#[cfg(feature = "postgres")]
mod postgres {
    use diesel::connection::SimpleConnection;
    use diesel::{Connection, PgConnection};

    /// `PG_DATABASE_URL`; panics when unset: the `postgres` feature means
    /// the PostgreSQL figures are wanted, so they never silently go missing.
    pub fn pg_url() -> String {
        match std::env::var("PG_DATABASE_URL") {
            Ok(url) if !url.is_empty() => url,
            _ => panic!(
                "PG_DATABASE_URL is not set: the `postgres` feature runs the PostgreSQL \
                 benchmarks, which need a server (e.g. \
                 PG_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test); \
                 leave the feature off to run only SQLite"
            ),
        }
    }

    /// A connection whose `search_path` is a new schema of its own.
    pub fn pg_scratch(name: &str) -> (PgConnection, String) {
        let url = pg_url();
        let mut conn = PgConnection::establish(&url)
            .unwrap_or_else(|e| panic!("connect to PG_DATABASE_URL ({url}): {e}"));
        let schema = format!("lback_bench_{name}_{}", std::process::id());
        pg_reset_schema(&mut conn, &schema);
        (conn, schema)
    }

    /// [`pg_scratch`], noted in `suite` as "PostgreSQL <version> on
    /// loopback TCP, <setup>".
    pub fn pg_scratch_noted(
        suite: &mut super::Suite,
        name: &str,
        setup: &str,
    ) -> (PgConnection, String) {
        let (mut conn, schema) = pg_scratch(name);
        suite.note(format!(
            "PostgreSQL {} on loopback TCP, {setup}",
            pg_version(&mut conn)
        ));
        (conn, schema)
    }

    /// Drops and recreates `schema`, and makes it the connection's.
    pub fn pg_reset_schema(conn: &mut PgConnection, schema: &str) {
        conn.batch_execute(&format!(
            r#"SET client_min_messages = WARNING; DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"; SET search_path TO "{schema}""#
        ))
        .expect("create a scratch schema");
    }

    /// Drops the scratch schema.
    pub fn pg_drop_schema(conn: &mut PgConnection, schema: &str) {
        let _ = conn.batch_execute(&format!(
            r#"SET search_path TO public; DROP SCHEMA IF EXISTS "{schema}" CASCADE"#
        ));
    }

    /// The server's version.
    pub fn pg_version(conn: &mut PgConnection) -> String {
        super::query_text(conn, "SELECT current_setting('server_version') AS v")
    }
}

/// `MYSQL_DATABASE_URL`; panics when unset: the `mysql` feature means the
/// MySQL/MariaDB figures are wanted, so they never silently go missing.
#[cfg(feature = "mysql")]
pub fn mysql_url() -> String {
    match std::env::var("MYSQL_DATABASE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "MYSQL_DATABASE_URL is not set: the `mysql` feature runs the MySQL/MariaDB \
             benchmarks, which need a server (e.g. \
             MYSQL_DATABASE_URL=mysql://root@127.0.0.1:3306/test); \
             leave the feature off to run without it"
        ),
    }
}
