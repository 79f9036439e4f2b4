//! Opening the connection a database URL names, and running generic code
//! on it.

use diesel::connection::LoadConnection;
use diesel::Connection;

use crate::introspect::Introspect;
use crate::runner::TrackedBackend;
use crate::sql::Dialect;
use crate::Error;

/// A connection the commands run on: diesel's, loading rows, on a backend
/// lback tracks migrations in, and able to introspect its database.
pub(super) trait Db:
    Connection<Backend: TrackedBackend> + LoadConnection + Introspect
{
}

impl<C> Db for C where C: Connection<Backend: TrackedBackend> + LoadConnection + Introspect {}

/// Code to run on whichever connection the URL opens.
pub(super) trait OnConnection {
    /// What the code returns.
    type Output;
    /// Runs the code on the open connection.
    fn run<C: Db>(self, conn: &mut C) -> Result<Self::Output, Error>;
}

/// The dialect a database URL names: `postgres://` / `postgresql://`,
/// `mysql://` / `mariadb://`; SQLite for `sqlite://`, `file:` (an SQLite
/// URI), `:memory:` and a plain path. Any other `scheme:` is refused, listing
/// the schemes this binary supports: taken as a file name, a typo such as
/// `postgress://` would create and migrate a SQLite file of that name.
pub(super) fn dialect_of(url: &str) -> Result<Dialect, Error> {
    let Some(scheme) = scheme(url) else {
        return Ok(Dialect::Sqlite);
    };
    let lower = scheme.to_ascii_lowercase();
    let rest = &url[scheme.len() + 1..];
    match lower.as_str() {
        "postgres" | "postgresql" if rest.starts_with("//") => Ok(Dialect::Postgres),
        "mysql" | "mariadb" if rest.starts_with("//") => Ok(Dialect::Mysql),
        "sqlite" if rest.starts_with("//") => Ok(Dialect::Sqlite),
        "file" => Ok(Dialect::Sqlite),
        _ => Err(Error::Database {
            context: match lower.as_str() {
                "postgres" | "postgresql" | "mysql" | "mariadb" | "sqlite" => format!(
                    "the database URL {} lacks the `//` after `{scheme}:` ({scheme}://...)",
                    redacted(url)
                ),
                _ => format!(
                    "unknown database URL scheme `{scheme}:` in {}",
                    redacted(url)
                ),
            },
            message: format!(
                "this binary supports {}{}; a SQLite file whose name has a colon needs a \
                 path prefix (`./{}`)",
                supported_forms().join(", "),
                unsupported_note(),
                redacted(url)
            ),
        }),
    }
}

/// The URL's scheme (the text before the first `:`) when it has one: a
/// letter, then letters, digits, `+`, `-` or `.`, as RFC 3986 says. A lone
/// letter is a Windows drive (`C:\app.db`), not a scheme.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut chars = scheme.chars();
    let first = chars.next()?;
    let valid = first.is_ascii_alphabetic()
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    (valid && scheme.len() > 1).then_some(scheme)
}

/// The databases this binary was built without, and how to get them.
fn unsupported_note() -> String {
    let missing: Vec<&str> = [
        ("postgres", cfg!(feature = "postgres")),
        ("mysql", cfg!(feature = "mysql")),
        ("sqlite", cfg!(feature = "sqlite")),
    ]
    .into_iter()
    .filter(|(_, built)| !built)
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        return String::new();
    }
    let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
    format!(
        " (not {}: build lback with its {} feature)",
        missing.join(", "),
        names.join(", ")
    )
}

/// The URL forms of the databases this binary was built with.
fn supported_forms() -> Vec<&'static str> {
    let mut forms = Vec::new();
    if cfg!(feature = "postgres") {
        forms.push("postgres://... / postgresql://...");
    }
    if cfg!(feature = "mysql") {
        forms.push("mysql://... / mariadb://...");
    }
    if cfg!(feature = "sqlite") {
        forms.push("SQLite as a file path, sqlite://<path>, file:<path> or :memory:");
    }
    forms
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
    match dialect_of(url)? {
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
        assert_eq!(dialect_of("postgres://u@h/db").unwrap(), Dialect::Postgres);
        assert_eq!(
            dialect_of("POSTGRESQL://u@h/db").unwrap(),
            Dialect::Postgres
        );
        assert_eq!(
            dialect_of("mysql://root@127.0.0.1/test").unwrap(),
            Dialect::Mysql
        );
        assert_eq!(dialect_of("mariadb://root@h/test").unwrap(), Dialect::Mysql);
        for sqlite in [
            "app.db",
            "./mssql:prod",
            "data/app:1.db",
            "/tmp/app.db",
            "sqlite://app.db",
            "file:app.db?mode=ro",
            ":memory:",
            "C:\\data\\app.db",
        ] {
            assert_eq!(dialect_of(sqlite).unwrap(), Dialect::Sqlite, "{sqlite}");
        }
        assert_eq!(
            redacted("postgres://me:secret@host/db"),
            "postgres://me:***@host/db"
        );
        assert_eq!(redacted("postgres://me@host/db"), "postgres://me@host/db");
    }

    #[test]
    fn an_unknown_scheme_is_refused_naming_the_supported_ones() {
        for (url, context) in [
            ("mssql:prod", "unknown database URL scheme `mssql:`"),
            (
                "postgress://u:secret@h/db",
                "unknown database URL scheme `postgress:`",
            ),
            ("redis://h", "unknown database URL scheme `redis:`"),
            (
                "mysql:root@h/db",
                "lacks the `//` after `mysql:` (mysql://...)",
            ),
            (
                "sqlite:app.db",
                "lacks the `//` after `sqlite:` (sqlite://...)",
            ),
        ] {
            let message = dialect_of(url).unwrap_err().to_string();
            assert!(message.contains(context), "{url}: {message}");
            assert!(!message.contains("secret"), "{message}");
            for form in supported_forms() {
                assert!(message.contains(form), "{url}: {message}");
            }
        }
    }
}
