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

    /// What the database holds besides what [`introspect`](Self::introspect)
    /// reads, one line each (``view `v` ``, ``trigger `t` on `users` ``,
    /// ``CHECK constraint `c` on `users` ``, an index over an expression or
    /// with a `WHERE`): what models cannot say, for `inspect` to name.
    fn outside_models(&mut self) -> Result<Vec<String>, Error>;
}

/// One object outside the models.
#[derive(diesel::QueryableByName)]
struct What {
    #[diesel(sql_type = diesel::sql_types::Text)]
    what: String,
}

/// The objects `sql` lists, one line each.
fn objects<C>(conn: &mut C, sql: &str, dialect: Dialect) -> Result<Vec<String>, Error>
where
    diesel::query_builder::SqlQuery: diesel::query_dsl::LoadQuery<'static, C, What>,
{
    let context = format!("reading the views, triggers and checks of the {dialect} database");
    let rows = super::catalog::load(conn, diesel::sql_query(sql), context)?;
    Ok(rows.into_iter().map(|r| r.what).collect())
}

/// SQLite: views, triggers, tables whose definition has a CHECK, partial
/// and expression indexes.
#[cfg(feature = "sqlite")]
const SQLITE_OUTSIDE: &str = r#"
SELECT type || ' `' || name || '`' || CASE WHEN type = 'trigger' THEN ' on `' || tbl_name || '`' ELSE '' END AS what
  FROM sqlite_master WHERE type IN ('view', 'trigger')
UNION ALL
SELECT 'CHECK constraint(s) on `' || name || '`' FROM sqlite_master
 WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name NOT LIKE '\_\_%' ESCAPE '\'
   AND upper(sql) LIKE '%CHECK%(%'
UNION ALL
SELECT 'index `' || m.name || '` on `' || m.tbl_name || '` (over an expression or with a WHERE)'
  FROM sqlite_master m
 WHERE m.type = 'index' AND m.sql IS NOT NULL
   AND (EXISTS (SELECT 1 FROM pragma_index_xinfo(m.name) WHERE cid = -2)
        OR (SELECT partial FROM pragma_index_list(m.tbl_name) l WHERE l.name = m.name) = 1)
ORDER BY 1"#;

/// PostgreSQL: views, materialized views, triggers, CHECK constraints,
/// partial and expression indexes of the current schema.
#[cfg(feature = "postgres")]
const POSTGRES_OUTSIDE: &str = r#"
SELECT 'view `' || table_name || '`' AS what FROM information_schema.views
 WHERE table_schema = current_schema()
UNION ALL
SELECT 'materialized view `' || matviewname || '`' FROM pg_matviews
 WHERE schemaname = current_schema()
UNION ALL
SELECT DISTINCT 'trigger `' || trigger_name || '` on `' || event_object_table || '`'
  FROM information_schema.triggers WHERE trigger_schema = current_schema()
UNION ALL
SELECT 'CHECK constraint `' || con.conname || '` on `' || cls.relname || '`'
  FROM pg_constraint con JOIN pg_class cls ON cls.oid = con.conrelid
  JOIN pg_namespace n ON n.oid = cls.relnamespace
 WHERE con.contype = 'c' AND n.nspname = current_schema()
UNION ALL
SELECT 'index `' || ic.relname || '` on `' || tc.relname || '` (over an expression or with a WHERE)'
  FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
  JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace n ON n.oid = tc.relnamespace
 WHERE n.nspname = current_schema() AND (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL)
ORDER BY 1"#;

/// MySQL/MariaDB: views, triggers and CHECK constraints (not MariaDB's
/// `json_valid` check of a JSON column) of the current database.
#[cfg(feature = "mysql")]
const MYSQL_OUTSIDE: &str = r#"
SELECT CONCAT('view `', TABLE_NAME, '`') AS what FROM information_schema.VIEWS
 WHERE TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT CONCAT('trigger `', TRIGGER_NAME, '` on `', EVENT_OBJECT_TABLE, '`')
  FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()
UNION ALL
SELECT CONCAT('CHECK constraint `', tc.CONSTRAINT_NAME, '` on `', tc.TABLE_NAME, '`')
  FROM information_schema.TABLE_CONSTRAINTS tc
 WHERE tc.CONSTRAINT_TYPE = 'CHECK' AND tc.TABLE_SCHEMA = DATABASE()
   AND NOT EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS cc
                    WHERE cc.CONSTRAINT_SCHEMA = tc.TABLE_SCHEMA
                      AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
                      AND cc.CHECK_CLAUSE LIKE 'json\\_valid(%')
ORDER BY 1"#;

#[cfg(feature = "sqlite")]
impl Introspect for diesel::SqliteConnection {
    const DIALECT: Dialect = Dialect::Sqlite;
    fn introspect(&mut self) -> Result<Schema, Error> {
        super::sqlite(self)
    }
    fn outside_models(&mut self) -> Result<Vec<String>, Error> {
        objects(self, SQLITE_OUTSIDE, Self::DIALECT)
    }
}

#[cfg(feature = "postgres")]
impl Introspect for diesel::PgConnection {
    const DIALECT: Dialect = Dialect::Postgres;
    fn introspect(&mut self) -> Result<Schema, Error> {
        super::postgres(self)
    }
    fn outside_models(&mut self) -> Result<Vec<String>, Error> {
        objects(self, POSTGRES_OUTSIDE, Self::DIALECT)
    }
}

#[cfg(feature = "mysql")]
impl Introspect for diesel::MysqlConnection {
    const DIALECT: Dialect = Dialect::Mysql;
    fn introspect(&mut self) -> Result<Schema, Error> {
        super::mysql(self)
    }
    fn outside_models(&mut self) -> Result<Vec<String>, Error> {
        objects(self, MYSQL_OUTSIDE, Self::DIALECT)
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
    fn outside_models(&mut self) -> Result<Vec<String>, Error> {
        (**self).outside_models()
    }
}
