//! The database servers the bench runs on: PostgreSQL, and MySQL/MariaDB
//! with the `mysql` feature.

use diesel::connection::{LoadConnection, SimpleConnection};
use lback_core::introspect::Introspect;
use lback_core::runner::TrackedBackend;
use lback_core::sql::Dialect;

/// What the bench needs of a database server.
pub(crate) trait Server {
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

/// A server's URL (from the environment variable `variable`) and the name
/// of this run's scratch schema (PostgreSQL) or database (MySQL).
struct Scratch {
    variable: &'static str,
    url: String,
    name: String,
}

impl Scratch {
    fn new(variable: &'static str, url: String) -> Self {
        let name = format!("lback_bench_write_stall_{}", std::process::id());
        Scratch {
            variable,
            url,
            name,
        }
    }

    /// A new connection to the server, outside the scratch space.
    fn admin<C: diesel::Connection>(&self) -> C {
        C::establish(&self.url)
            .unwrap_or_else(|e| panic!("connect to {} ({}): {e}", self.variable, self.url))
    }
}

#[cfg(feature = "postgres")]
pub(crate) mod pg {
    use diesel::connection::SimpleConnection;
    use diesel::PgConnection;

    use super::Scratch;
    use crate::support;

    /// The PostgreSQL server of `PG_DATABASE_URL`, in a scratch schema.
    pub struct Postgres(Scratch);

    impl Postgres {
        pub fn new() -> Self {
            Postgres(Scratch::new("PG_DATABASE_URL", support::pg_url()))
        }
    }

    impl super::Server for Postgres {
        type Backend = diesel::pg::Pg;
        type Conn = PgConnection;
        const NAME: &'static str = "postgres";
        const DIALECT: super::Dialect = super::Dialect::Postgres;

        fn connect(&self) -> PgConnection {
            let mut conn: PgConnection = self.0.admin();
            conn.batch_execute(&format!(r#"SET search_path TO "{}""#, self.0.name))
                .expect("use the scratch schema");
            conn
        }

        fn reset(&self) {
            support::pg_reset_schema(&mut self.0.admin(), &self.0.name);
        }

        fn fill(&self, conn: &mut PgConnection, rows: u64) {
            let accounts = crate::ACCOUNTS;
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
            support::pg_drop_schema(&mut self.0.admin(), &self.0.name);
        }

        fn version(&self) -> String {
            format!("PostgreSQL {}", support::pg_version(&mut self.0.admin()))
        }
    }
}

#[cfg(feature = "mysql")]
pub(crate) mod my {
    use diesel::connection::SimpleConnection;
    use diesel::MysqlConnection;

    use super::Scratch;
    use crate::support;

    /// The MySQL/MariaDB server of `MYSQL_DATABASE_URL`, in a scratch
    /// database.
    pub struct Mysql(Scratch);

    impl Mysql {
        pub fn new() -> Self {
            Mysql(Scratch::new("MYSQL_DATABASE_URL", support::mysql_url()))
        }
    }

    impl super::Server for Mysql {
        type Backend = diesel::mysql::Mysql;
        type Conn = MysqlConnection;
        const NAME: &'static str = "mysql";
        const DIALECT: super::Dialect = super::Dialect::Mysql;

        fn connect(&self) -> MysqlConnection {
            let mut conn: MysqlConnection = self.0.admin();
            conn.batch_execute(&format!("USE `{}`", self.0.name))
                .expect("use the scratch database");
            conn
        }

        fn reset(&self) {
            self.0
                .admin::<MysqlConnection>()
                .batch_execute(&format!(
                    "DROP DATABASE IF EXISTS `{0}`; CREATE DATABASE `{0}`",
                    self.0.name
                ))
                .expect("create a scratch database");
        }

        fn fill(&self, conn: &mut MysqlConnection, rows: u64) {
            let accounts = crate::ACCOUNTS;
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
                .0
                .admin::<MysqlConnection>()
                .batch_execute(&format!("DROP DATABASE IF EXISTS `{}`", self.0.name));
        }

        fn version(&self) -> String {
            let v = server_version(&mut self.0.admin());
            if v.to_lowercase().contains("mariadb") {
                format!("MariaDB {v}")
            } else {
                format!("MySQL {v}")
            }
        }
    }

    fn server_version(conn: &mut MysqlConnection) -> String {
        support::query_text(conn, "SELECT VERSION() AS v")
    }

    fn is_mariadb(conn: &mut MysqlConnection) -> bool {
        server_version(conn).to_lowercase().contains("mariadb")
    }
}
