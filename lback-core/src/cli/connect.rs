//! Opening the connection a database URL names, and running generic code
//! on it.

use diesel::connection::LoadConnection;
use diesel::Connection;

use crate::runner::TrackedBackend;
use crate::sql::Dialect;
use crate::Error;

/// Code to run on whichever connection the URL opens.
pub(super) trait OnConnection {
    type Output;
    fn run<C>(self, conn: &mut C) -> Result<Self::Output, Error>
    where
        C: Connection + LoadConnection,
        C::Backend: TrackedBackend;
}

/// The dialect a database URL names: `postgres://` / `postgresql://`,
/// `mysql://`, anything else is a SQLite file (optionally `sqlite://`).
pub(super) fn dialect_of(url: &str) -> Dialect {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("postgres://") || lower.starts_with("postgresql://") {
        Dialect::Postgres
    } else if lower.starts_with("mysql://") || lower.starts_with("mariadb://") {
        Dialect::Mysql
    } else {
        Dialect::Sqlite
    }
}

/// The URL without its password, for messages.
pub(super) fn redacted(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

fn failed(url: &str, e: impl std::fmt::Display) -> Error {
    Error::Database {
        context: format!(
            "cannot connect to {} (check --database-url / DATABASE_URL and that the server runs)",
            redacted(url)
        ),
        message: e.to_string(),
    }
}

#[cfg(not(all(feature = "sqlite", feature = "postgres", feature = "mysql")))]
fn missing_feature(dialect: Dialect) -> Error {
    Error::Database {
        context: format!("this binary was built without {dialect} support"),
        message: format!("enable lback's `{}` feature", dialect.name()),
    }
}

/// Opens the connection and runs `work` on it.
pub(super) fn with_connection<W: OnConnection>(url: &str, work: W) -> Result<W::Output, Error> {
    match dialect_of(url) {
        Dialect::Postgres => {
            #[cfg(feature = "postgres")]
            {
                let mut conn = diesel::PgConnection::establish(url).map_err(|e| failed(url, e))?;
                work.run(&mut conn)
            }
            #[cfg(not(feature = "postgres"))]
            Err(missing_feature(Dialect::Postgres))
        }
        Dialect::Mysql => {
            #[cfg(feature = "mysql")]
            {
                let url = url.replacen("mariadb://", "mysql://", 1);
                let mut conn =
                    diesel::MysqlConnection::establish(&url).map_err(|e| failed(&url, e))?;
                // A cluster's lease is renewed from a second connection too.
                let _keepalive = crate::runner::lease::keep_alive_from(&url);
                work.run(&mut conn)
            }
            #[cfg(not(feature = "mysql"))]
            Err(missing_feature(Dialect::Mysql))
        }
        Dialect::Sqlite => {
            #[cfg(feature = "sqlite")]
            {
                let path = url.strip_prefix("sqlite://").unwrap_or(url);
                if path.is_empty() {
                    return Err(failed(url, "the SQLite path is empty"));
                }
                let mut conn =
                    diesel::SqliteConnection::establish(path).map_err(|e| failed(url, e))?;
                diesel::connection::SimpleConnection::batch_execute(
                    &mut conn,
                    "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                )
                .map_err(|e| failed(url, e))?;
                work.run(&mut conn)
            }
            #[cfg(not(feature = "sqlite"))]
            Err(missing_feature(Dialect::Sqlite))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_their_dialect_and_lose_their_password_in_messages() {
        assert_eq!(dialect_of("postgres://u@h/db"), Dialect::Postgres);
        assert_eq!(dialect_of("POSTGRESQL://u@h/db"), Dialect::Postgres);
        assert_eq!(dialect_of("mysql://root@127.0.0.1/test"), Dialect::Mysql);
        assert_eq!(dialect_of("app.db"), Dialect::Sqlite);
        assert_eq!(
            redacted("postgres://me:secret@host/db"),
            "postgres://me:***@host/db"
        );
        assert_eq!(redacted("postgres://me@host/db"), "postgres://me@host/db");
    }
}
