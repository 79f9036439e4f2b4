//! The test database: one of each kind behind [`Target`], each with the
//! URL the `lback` command connects with, a typed connection for the
//! test's own checks, and a scratch space of its own (a SQLite file or
//! memory, a PostgreSQL schema, a MariaDB database, dropped afterwards).
//! `tests/it/main.rs`'s `backend_tests!` runs a case written once against
//! [`Target`] on each.
//!
//! Include with `#[path = "support/db.rs"] mod db;` beside it.

#![allow(dead_code)]

use std::path::Path;

use diesel::connection::{LoadConnection, SimpleConnection};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text};
use lback::schema::Schema;
use lback_core::runner::TrackedBackend;
use lback_core::sql::Dialect;

use crate::db;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// A database the test can also look at directly.
pub trait Target {
    const DIALECT: Dialect;
    /// The diesel backend.
    type Backend: TrackedBackend;
    /// A fresh database whose files (SQLite's) live in `dir`: what the
    /// `lback` command, run in `dir`, can reach by [`url`](Self::url).
    fn in_dir(dir: &Path) -> Self
    where
        Self: Sized;
    /// A fresh database for the test's own connection only (SQLite: in
    /// memory, with foreign keys enforced; its URL reaches nothing).
    fn fresh() -> Self
    where
        Self: Sized;
    /// The test's own connection.
    type Conn: Connection<Backend = Self::Backend> + LoadConnection;
    /// The URL the command connects with.
    fn url(&self) -> String;
    /// The test's own connection.
    fn conn(&mut self) -> &mut Self::Conn;
    /// The live schema.
    fn introspect(&mut self) -> Schema;
    /// Runs SQL directly (to put rows in).
    fn execute(&mut self, sql: &str) {
        self.conn()
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{e}: {sql}"));
    }
    /// A query returning one integer, as `n`.
    fn count(&mut self, sql: &str) -> i64;
    /// A query of one nullable text column named `v`.
    fn text_column(&mut self, sql: &str) -> Vec<Option<String>>;
    /// Runs one statement, returning the database's error.
    fn try_execute(&mut self, sql: &str) -> Result<(), String>;
}

/// The methods of [`Target`] every target writes alike over its `url`
/// and `conn` fields: the URL, the connection, the queries on it, and
/// `introspect` by the dialect's reader (`lback_core::introspect::postgres`).
macro_rules! connection {
    ($conn:ty, $introspect:path) => {
        fn url(&self) -> String {
            self.url.clone()
        }
        fn conn(&mut self) -> &mut $conn {
            &mut self.conn
        }
        fn introspect(&mut self) -> Schema {
            $introspect(&mut self.conn).unwrap()
        }
        fn count(&mut self, sql: &str) -> i64 {
            diesel::sql_query(sql)
                .get_result::<Count>(&mut self.conn)
                .unwrap_or_else(|e| panic!("{e}: {sql}"))
                .n
        }
        fn text_column(&mut self, sql: &str) -> Vec<Option<String>> {
            diesel::sql_query(sql)
                .load::<Value>(&mut self.conn)
                .unwrap_or_else(|e| panic!("{e}: {sql}"))
                .into_iter()
                .map(|r| r.v)
                .collect()
        }
        fn try_execute(&mut self, sql: &str) -> Result<(), String> {
            diesel::sql_query(sql)
                .execute(&mut self.conn)
                .map(|_| ())
                .map_err(|e| e.to_string())
        }
    };
}

/// A SQLite file in a project directory.
pub struct SqliteFile {
    url: String,
    conn: SqliteConnection,
}

impl SqliteFile {
    pub fn new(dir: &Path) -> Self {
        let url = dir.join("app.db").to_string_lossy().into_owned();
        let conn = SqliteConnection::establish(&url).unwrap();
        Self { url, conn }
    }

    /// A database in memory with foreign keys enforced, for the test's
    /// connection only.
    pub fn memory() -> Self {
        let url = ":memory:".to_owned();
        let conn = db::sqlite();
        Self { url, conn }
    }
}

impl Target for SqliteFile {
    const DIALECT: Dialect = Dialect::Sqlite;
    type Backend = diesel::sqlite::Sqlite;
    type Conn = SqliteConnection;
    fn in_dir(dir: &Path) -> Self {
        Self::new(dir)
    }
    fn fresh() -> Self {
        Self::memory()
    }
    connection!(SqliteConnection, lback_core::introspect::sqlite);
}

/// A scratch schema on the `PG_DATABASE_URL` server, or another scratch
/// space that `Scratch` drops.
#[cfg(feature = "postgres")]
pub struct PgServer<Scratch = db::PgScratch> {
    url: String,
    conn: PgConnection,
    _scratch: Scratch,
}

/// A scratch space on the PostgreSQL server, made for one test and
/// dropped with its guard.
#[cfg(feature = "postgres")]
pub trait PgScratchSpace: Sized {
    /// A fresh scratch space, and the server target on it.
    fn make() -> PgServer<Self>;
}

#[cfg(feature = "postgres")]
impl PgScratchSpace for db::PgScratch {
    fn make() -> PgServer<Self> {
        let (conn, scratch) = db::pg();
        // The command connects with the scratch schema as its search_path.
        let base = db::server_url("PG_DATABASE_URL");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!(
            "{base}{separator}options=-csearch_path%3D{}",
            scratch.schema
        );
        PgServer::on(url, conn, scratch)
    }
}

#[cfg(feature = "postgres")]
impl PgServer {
    /// A fresh scratch schema.
    pub fn new() -> Self {
        db::PgScratch::make()
    }
}

#[cfg(feature = "postgres")]
impl<Scratch> PgServer<Scratch> {
    /// The database at `url`, reached by `conn`, whose scratch space
    /// `scratch` drops.
    pub fn on(url: String, conn: PgConnection, scratch: Scratch) -> Self {
        Self {
            url,
            conn,
            _scratch: scratch,
        }
    }
}

#[cfg(feature = "postgres")]
impl<Scratch: PgScratchSpace> Target for PgServer<Scratch> {
    const DIALECT: Dialect = Dialect::Postgres;
    type Backend = diesel::pg::Pg;
    type Conn = PgConnection;
    fn in_dir(_: &Path) -> Self {
        Scratch::make()
    }
    fn fresh() -> Self {
        Scratch::make()
    }
    connection!(PgConnection, lback_core::introspect::postgres);
}

/// A scratch database on the `MYSQL_DATABASE_URL` server.
#[cfg(feature = "mysql")]
pub struct MysqlServer {
    url: String,
    conn: MysqlConnection,
    _scratch: db::MysqlScratch,
}

#[cfg(feature = "mysql")]
impl MysqlServer {
    pub fn new() -> Self {
        let (conn, scratch) = db::mysql();
        let url = db::with_database(&db::server_url("MYSQL_DATABASE_URL"), &scratch.database);
        Self {
            url,
            conn,
            _scratch: scratch,
        }
    }
}

#[cfg(feature = "mysql")]
impl MysqlServer {
    /// A scratch database with another character set and collation than
    /// the server's default (and the connection's).
    pub fn with_charset(charset: &str, collation: &str) -> Self {
        let mut server = Self::new();
        server.execute(&format!(
            "ALTER DATABASE CHARACTER SET {charset} COLLATE {collation}"
        ));
        server
    }
}

#[cfg(feature = "mysql")]
impl Target for MysqlServer {
    const DIALECT: Dialect = Dialect::Mysql;
    type Backend = diesel::mysql::Mysql;
    type Conn = MysqlConnection;
    fn in_dir(_: &Path) -> Self {
        Self::new()
    }
    fn fresh() -> Self {
        Self::new()
    }
    connection!(MysqlConnection, lback_core::introspect::mysql);
}
