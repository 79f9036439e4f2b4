//! [`Introspect`]: reading the live schema of whichever connection.

use crate::schema::Schema;
use crate::sql::Dialect;
use crate::Error;

/// A connection whose database lback can read back into a [`Schema`]:
/// `SqliteConnection`, `PgConnection`, `MysqlConnection` (each with its
/// feature) and, with the `r2d2` feature, their pooled connections.
///
/// ```
/// use diesel::connection::SimpleConnection;
/// use diesel::Connection;
/// use lback_core::introspect::Introspect;
///
/// let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
/// conn.batch_execute("CREATE TABLE notes (id INTEGER PRIMARY KEY NOT NULL)").unwrap();
/// assert_eq!(conn.introspect().unwrap().len(), 1);
/// ```
pub trait Introspect {
    /// The database's dialect.
    const DIALECT: Dialect;
    /// The live schema, read as [`introspect`](super) describes.
    fn introspect(&mut self) -> Result<Schema, Error>;
}

#[cfg(feature = "sqlite")]
impl Introspect for diesel::SqliteConnection {
    const DIALECT: Dialect = Dialect::Sqlite;
    fn introspect(&mut self) -> Result<Schema, Error> {
        super::sqlite(self)
    }
}

#[cfg(feature = "postgres")]
impl Introspect for diesel::PgConnection {
    const DIALECT: Dialect = Dialect::Postgres;
    fn introspect(&mut self) -> Result<Schema, Error> {
        super::postgres(self)
    }
}

#[cfg(feature = "mysql")]
impl Introspect for diesel::MysqlConnection {
    const DIALECT: Dialect = Dialect::Mysql;
    fn introspect(&mut self) -> Result<Schema, Error> {
        super::mysql(self)
    }
}

#[cfg(feature = "r2d2")]
impl<C> Introspect for diesel::r2d2::PooledConnection<diesel::r2d2::ConnectionManager<C>>
where
    C: Introspect + diesel::r2d2::R2D2Connection + 'static,
{
    const DIALECT: Dialect = C::DIALECT;
    fn introspect(&mut self) -> Result<Schema, Error> {
        (**self).introspect()
    }
}
