//! Database connections for tests, each on its own scratch space so tests
//! run in parallel.
//!
//! Include with `#[path = "support/db.rs"] mod db;`. Server-backed helpers
//! exist only with the matching feature (`postgres`, `mysql`); they read the
//! server URL from `PG_DATABASE_URL` / `MYSQL_DATABASE_URL` and panic when it
//! is unset, so a suite compiled for a server never passes without one.
//!
//! Keep the guard alive for the whole test: `let (mut conn, _guard) = db::pg();`
//! (binding it to `_` would drop the scratch schema at once).
#![allow(dead_code, unused_imports)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};

/// A fresh in-memory SQLite database with foreign keys enforced.
pub fn sqlite() -> SqliteConnection {
    let mut conn =
        SqliteConnection::establish(":memory:").expect("open an in-memory SQLite database");
    conn.batch_execute("PRAGMA foreign_keys = ON")
        .expect("enable SQLite foreign keys");
    conn
}

/// Runs a batch of statements, panicking with the SQL on failure.
pub fn exec<C: SimpleConnection>(conn: &mut C, sql: &str) {
    if let Err(error) = conn.batch_execute(sql) {
        panic!("{error}\nwhile running:\n{sql}");
    }
}

/// A name no other test (in this process or another) uses: prefix, process
/// id, a per-process counter and the clock's nanoseconds.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The URL of a test server, from the environment; panics when unset.
pub fn server_url(variable: &str) -> String {
    match std::env::var(variable) {
        Ok(url) if !url.is_empty() => url,
        _ => panic!(
            "{variable} is not set: this suite needs a live server \
             (e.g. {variable}={}); CI sets it",
            match variable {
                "PG_DATABASE_URL" => "postgres://postgres@127.0.0.1:5432/test",
                _ => "mysql://root@127.0.0.1:3306/test",
            }
        ),
    }
}

/// Replaces the database (path) of a `scheme://user@host:port/db?query` URL.
pub fn with_database(url: &str, database: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = match rest.find('/') {
        Some(at) => (&rest[..at], &rest[at..]),
        None => match rest.find('?') {
            Some(at) => (&rest[..at], &rest[at..]),
            None => (rest, ""),
        },
    };
    let query = tail.find('?').map(|at| &tail[at..]).unwrap_or("");
    let prefix = if scheme.is_empty() {
        String::new()
    } else {
        format!("{scheme}://")
    };
    format!("{prefix}{authority}/{database}{query}")
}

#[cfg(feature = "postgres")]
pub use self::postgres::{pg, PgScratch};

#[cfg(feature = "postgres")]
mod postgres {
    use diesel::{Connection, PgConnection};

    use super::{exec, server_url, unique_name};

    /// A scratch PostgreSQL schema, dropped (with everything in it) on drop.
    pub struct PgScratch {
        url: String,
        /// The schema's name; the test connection's `search_path`.
        pub schema: String,
    }

    /// A connection to `PG_DATABASE_URL` whose `search_path` (and so
    /// `current_schema()`) is a new, empty schema of its own.
    pub fn pg() -> (PgConnection, PgScratch) {
        let url = server_url("PG_DATABASE_URL");
        let schema = unique_name("lback_test");
        let mut conn = PgConnection::establish(&url)
            .unwrap_or_else(|e| panic!("connect to PG_DATABASE_URL ({url}): {e}"));
        exec(
            &mut conn,
            &format!(r#"CREATE SCHEMA "{schema}"; SET search_path TO "{schema}""#),
        );
        (conn, PgScratch { url, schema })
    }

    impl Drop for PgScratch {
        fn drop(&mut self) {
            if let Ok(mut conn) = PgConnection::establish(&self.url) {
                let _ = diesel::connection::SimpleConnection::batch_execute(
                    &mut conn,
                    &format!(r#"DROP SCHEMA IF EXISTS "{}" CASCADE"#, self.schema),
                );
            }
        }
    }
}

#[cfg(feature = "mysql")]
pub use self::mysql::{mysql, mysql_count, MysqlScratch};

#[cfg(feature = "mysql")]
mod mysql {
    use diesel::prelude::*;
    use diesel::sql_types::BigInt;

    use super::{exec, server_url, unique_name, with_database};

    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    /// A query returning one integer, as `n`.
    pub fn mysql_count(conn: &mut MysqlConnection, sql: &str) -> i64 {
        diesel::sql_query(sql)
            .get_result::<Count>(conn)
            .unwrap_or_else(|e| panic!("{e}: {sql}"))
            .n
    }

    /// A scratch MySQL/MariaDB database, dropped on drop.
    pub struct MysqlScratch {
        url: String,
        /// The database's name; the test connection's `DATABASE()`.
        pub database: String,
    }

    /// A connection to a new, empty database on the `MYSQL_DATABASE_URL`
    /// server.
    pub fn mysql() -> (MysqlConnection, MysqlScratch) {
        let url = server_url("MYSQL_DATABASE_URL");
        let database = unique_name("lback_test");
        let mut admin = MysqlConnection::establish(&url)
            .unwrap_or_else(|e| panic!("connect to MYSQL_DATABASE_URL ({url}): {e}"));
        exec(&mut admin, &format!("CREATE DATABASE `{database}`"));
        let scratch = MysqlScratch {
            url: url.clone(),
            database: database.clone(),
        };
        let scratch_url = with_database(&url, &database);
        let conn = MysqlConnection::establish(&scratch_url)
            .unwrap_or_else(|e| panic!("connect to the scratch database ({scratch_url}): {e}"));
        (conn, scratch)
    }

    impl Drop for MysqlScratch {
        fn drop(&mut self) {
            if let Ok(mut conn) = MysqlConnection::establish(&self.url) {
                let _ = diesel::connection::SimpleConnection::batch_execute(
                    &mut conn,
                    &format!("DROP DATABASE IF EXISTS `{}`", self.database),
                );
            }
        }
    }
}

#[test]
fn database_urls_are_rewritten() {
    assert_eq!(
        with_database("mysql://root@127.0.0.1:3306/test", "x"),
        "mysql://root@127.0.0.1:3306/x"
    );
    assert_eq!(
        with_database("mysql://u:p@h/test?ssl_mode=disabled", "x"),
        "mysql://u:p@h/x?ssl_mode=disabled"
    );
    assert_eq!(with_database("mysql://h:3306", "x"), "mysql://h:3306/x");
}
