//! The little each database needs its own SQL for: the tracking table.

use diesel::backend::Backend;
use diesel::connection::LoadConnection;
use diesel::sql_types::{BigInt, Text};
use diesel::{QueryResult, QueryableByName, RunQueryDsl};

use crate::sql::Dialect;

/// One applied migration, as the database records it.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Applied {
    /// The version.
    #[diesel(sql_type = Text)]
    pub version: String,
    /// When it was applied (the database's text).
    #[diesel(sql_type = Text)]
    pub run_on: String,
    /// The checksum of the up SQL that ran (`None` when applied by another
    /// tool, such as diesel_cli).
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    pub checksum: Option<String>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// A diesel backend lback can migrate.
pub trait TrackedBackend: Backend + Sized {
    /// Its dialect.
    const DIALECT: Dialect;

    /// Creates `__diesel_schema_migrations` (diesel's definition) and
    /// lback's `__lback_checksums` beside it, when missing.
    fn setup<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS __diesel_schema_migrations (\
             version VARCHAR(50) PRIMARY KEY NOT NULL, \
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        )?;
        conn.batch_execute(
            "CREATE TABLE IF NOT EXISTS __lback_checksums (\
             version VARCHAR(50) PRIMARY KEY NOT NULL, \
             checksum VARCHAR(64) NOT NULL)",
        )
    }

    /// Applied migrations with when and the checksum of what ran: one query.
    fn applied<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Vec<Applied>>;

    /// Records a version as applied, with the checksum of its up SQL.
    fn record<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
        checksum: &str,
    ) -> QueryResult<()> {
        let version = Self::DIALECT.string_literal(version);
        conn.batch_execute(&format!(
            "INSERT INTO __diesel_schema_migrations (version) VALUES ({version})"
        ))?;
        conn.batch_execute(&format!(
            "DELETE FROM __lback_checksums WHERE version = {version}"
        ))?;
        conn.batch_execute(&format!(
            "INSERT INTO __lback_checksums (version, checksum) VALUES ({version}, {})",
            Self::DIALECT.string_literal(checksum)
        ))
    }

    /// Forgets a version (after reverting it).
    fn forget<C: LoadConnection<Backend = Self>>(conn: &mut C, version: &str) -> QueryResult<()> {
        let version = Self::DIALECT.string_literal(version);
        conn.batch_execute(&format!(
            "DELETE FROM __diesel_schema_migrations WHERE version = {version}"
        ))?;
        conn.batch_execute(&format!(
            "DELETE FROM __lback_checksums WHERE version = {version}"
        ))
    }

    /// Takes the lock that serializes lback runs on this database (released
    /// by [`unlock`](Self::unlock), or when the session ends). SQLite has no
    /// such lock: each migration's transaction takes the write lock first
    /// ([`claim`](Self::claim)) and checks again that it is still pending.
    fn lock<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Releases [`lock`](Self::lock).
    fn unlock<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Inside a migration's transaction, before anything else: SQLite takes
    /// the write lock now (waiting for other writers), so two processes
    /// cannot both find a migration pending.
    fn claim<C: LoadConnection<Backend = Self>>(_conn: &mut C) -> QueryResult<()> {
        Ok(())
    }

    /// Whether `version` is recorded as applied (checked again under the lock).
    fn is_applied<C: LoadConnection<Backend = Self>>(
        conn: &mut C,
        version: &str,
    ) -> QueryResult<bool>;

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

/// `is_applied` by one keyed count (the same SQL on every backend).
macro_rules! is_applied_by_count {
    () => {
        fn is_applied<C: LoadConnection<Backend = Self>>(
            conn: &mut C,
            version: &str,
        ) -> QueryResult<bool> {
            diesel::sql_query(format!(
                "SELECT COUNT(*) AS n FROM __diesel_schema_migrations WHERE version = {}",
                Self::DIALECT.string_literal(version)
            ))
            .get_result::<Count>(conn)
            .map(|c| c.n > 0)
        }
    };
}

macro_rules! applied_query {
    ($conn:expr, $cast:literal) => {
        diesel::sql_query(concat!(
            "SELECT d.version AS version, CAST(d.run_on AS ",
            $cast,
            ") AS run_on, c.checksum AS checksum FROM __diesel_schema_migrations d \
             LEFT JOIN __lback_checksums c ON c.version = d.version"
        ))
        .load::<Applied>($conn)
    };
}

#[cfg(feature = "sqlite")]
impl TrackedBackend for diesel::sqlite::Sqlite {
    const DIALECT: Dialect = Dialect::Sqlite;

    is_applied_by_count!();

    fn applied<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Vec<Applied>> {
        applied_query!(conn, "TEXT")
    }

    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        // Other processes' write locks are waited for, not failed on.
        let current = diesel::sql_query("SELECT timeout AS n FROM pragma_busy_timeout")
            .get_result::<Count>(conn)?;
        if current.n < 60_000 {
            conn.batch_execute("PRAGMA busy_timeout = 60000")?;
        }
        Ok(())
    }

    fn claim<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        // A write as the transaction's first statement takes the RESERVED
        // lock before anything is read (a read first would make two
        // processes deadlock on the upgrade instead of waiting).
        conn.batch_execute("DELETE FROM __diesel_schema_migrations WHERE 1 = 0")
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

    is_applied_by_count!();

    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        // One lock per schema: lback runs on other schemas do not wait.
        conn.batch_execute(
            "SELECT pg_advisory_lock(hashtext('lback migrate ' || current_schema()))",
        )
    }

    fn unlock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute(
            "SELECT pg_advisory_unlock(hashtext('lback migrate ' || current_schema()))",
        )
    }

    fn applied<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Vec<Applied>> {
        applied_query!(conn, "TEXT")
    }
}

#[cfg(feature = "mysql")]
impl TrackedBackend for diesel::mysql::Mysql {
    const DIALECT: Dialect = Dialect::Mysql;

    is_applied_by_count!();

    fn lock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        #[derive(QueryableByName)]
        struct Got {
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
            got: Option<i64>,
        }
        // Named after the database (lock names are server-wide); waits up
        // to ten minutes for another process's run to finish.
        let got =
            diesel::sql_query("SELECT GET_LOCK(CONCAT('lback migrate ', DATABASE()), 600) AS got")
                .get_result::<Got>(conn)?;
        if got.got == Some(1) {
            Ok(())
        } else {
            Err(diesel::result::Error::QueryBuilderError(
                "another process held lback's migration lock (GET_LOCK) for ten minutes; is a migration stuck?".into(),
            ))
        }
    }

    fn unlock<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<()> {
        conn.batch_execute("DO RELEASE_LOCK(CONCAT('lback migrate ', DATABASE()))")
    }

    fn applied<C: LoadConnection<Backend = Self>>(conn: &mut C) -> QueryResult<Vec<Applied>> {
        applied_query!(conn, "CHAR")
    }
}
