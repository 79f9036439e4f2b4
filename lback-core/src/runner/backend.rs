//! The little each database needs its own SQL for: the tracking table.

use diesel::backend::Backend;
use diesel::connection::LoadConnection;
#[cfg(feature = "sqlite")]
use diesel::sql_types::BigInt;
use diesel::sql_types::Text;
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use crate::sql::Dialect;

#[derive(QueryableByName)]
struct AppliedRow {
    #[diesel(sql_type = Text)]
    version: String,
    #[diesel(sql_type = Text)]
    run_on: String,
}

#[cfg(feature = "sqlite")]
#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A diesel backend lback can migrate.
pub trait TrackedBackend: Backend + Sized {
    /// Its dialect.
    const DIALECT: Dialect;

    /// Creates `__diesel_schema_migrations` when missing (diesel's definition).
    fn setup<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\
             version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )
    }

    /// Applied versions with their `run_on`, as text.
    fn applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<Vec<(String, String)>>;

    /// Records a version as applied.
    fn record<C: LoadConnection<Backend = Self>>(conn: &mut C, version: &str) -> QueryResult<()> {
        conn.batch_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ({})",
            Self::DIALECT.string_literal(version)
        ))
    }

    /// Forgets a version (after reverting it).
    fn forget<C: LoadConnection<Backend = Self>>(conn: &mut C, version: &str) -> QueryResult<()> {
        conn.batch_execute(&format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = {}",
            Self::DIALECT.string_literal(version)
        ))
    }

    /// SQLite: whether `PRAGMA foreign_keys` is on.
    fn foreign_keys_on<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<bool> {
        Ok(false)
    }

    /// SQLite: rows `PRAGMA foreign_key_check` reports.
    fn foreign_key_violations<C: LoadConnection<Backend = Self>>(
        _conn: &mut C,
    ) -> QueryResult<i64> {
        Ok(0)
    }
}

macro_rules! applied_query {
    ($conn:expr, $cast:literal) => {
        diesel::sql_query(concat!(
            "SELECT version, CAST(run_on AS ",
            $cast,
            ") AS run_on FROM __diesel_schema_migrations"
        ))
        .load::<AppliedRow>($conn)
        .map(|rows| rows.into_iter().map(|r| (r.version, r.run_on)).collect())
    };
}

#[cfg(feature = "sqlite")]
impl TrackedBackend for diesel::sqlite::Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;

    fn applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<Vec<(String, String)>> {
        applied_query!(conn, "TEXT")
    }

    fn foreign_keys_on<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<bool> {
        diesel::sql_query("SELECT foreign_keys AS n FROM pragma_foreign_keys")
            .get_result::<Count>(conn)
            .map(|c| c.n != 0)
    }

    fn foreign_key_violations<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<i64> {
        diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
            .get_result::<Count>(conn)
            .map(|c| c.n)
    }
}

#[cfg(feature = "postgres")]
impl TrackedBackend for diesel::pg::Pg {
    const DIALECT: Dialect = Dialect::Postgres;

    fn applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<Vec<(String, String)>> {
        applied_query!(conn, "TEXT")
    }
}

#[cfg(feature = "mysql")]
impl TrackedBackend for diesel::mysql::Mysql {
    const DIALECT: Dialect = Dialect::Mysql;

    fn applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
    ) -> QueryResult<Vec<(String, String)>> {
        applied_query!(conn, "CHAR")
    }
}
