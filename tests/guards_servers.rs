//! Generated migrations on PostgreSQL and MariaDB/MySQL tables with rows
//! (features `postgres` and `mysql`, servers from the environment): see
//! `support/guards.rs`.

#[path = "support/db.rs"]
mod db;
#[path = "support/guards.rs"]
mod guards;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/workflow.rs"]
mod workflow;

use targets::{MysqlServer, PgServer};

guard_cases!(PgServer::new(), on_postgres);
guard_cases!(MysqlServer::new(), on_mysql);
