//! lback's tracking tables and the start with nothing pending on
//! PostgreSQL and MariaDB/MySQL (features `postgres` and `mysql`, servers
//! from the environment): see `support/tracking.rs`.

#[path = "support/db.rs"]
mod db;
#[path = "support/faults.rs"]
mod faults;
#[path = "support/targets.rs"]
mod targets;
#[path = "support/tracking.rs"]
mod tracking;
#[path = "support/workflow.rs"]
mod workflow;

use targets::{MysqlServer, PgServer};

#[test]
fn upgrade_from_the_checksums_table_on_postgres() {
    tracking::upgrade_from_the_checksums_table(&mut PgServer::new());
}

#[test]
fn upgrade_from_the_checksums_table_on_mysql() {
    tracking::upgrade_from_the_checksums_table(&mut MysqlServer::new());
}

#[test]
fn upgrade_from_diesels_table_on_postgres() {
    tracking::upgrade_from_diesels_table(&mut PgServer::new());
}

#[test]
fn upgrade_from_diesels_table_on_mysql() {
    tracking::upgrade_from_diesels_table(&mut MysqlServer::new());
}

#[test]
fn a_start_with_nothing_pending_does_not_wait_on_postgres() {
    tracking::a_start_with_nothing_pending_does_not_wait(&mut PgServer::new());
}

#[test]
fn a_start_with_nothing_pending_does_not_wait_on_mysql() {
    tracking::a_start_with_nothing_pending_does_not_wait(&mut MysqlServer::new());
}

#[test]
fn a_failure_the_second_run_does_not_repeat_on_postgres() {
    tracking::a_failure_the_second_run_does_not_repeat(&mut PgServer::new());
}

#[test]
fn a_failure_recording_the_migration_on_postgres() {
    tracking::a_failure_recording_the_migration(&mut PgServer::new());
}

#[test]
fn a_runtime_failure_is_named_on_postgres() {
    tracking::a_runtime_failure_is_named(&mut PgServer::new());
}

#[test]
fn a_failure_at_commit_on_postgres() {
    tracking::a_failure_at_commit(&mut PgServer::new());
}

#[test]
fn a_statement_cut_short_is_named_on_postgres() {
    tracking::a_statement_cut_short_is_named(&mut PgServer::new());
}

#[derive(diesel::QueryableByName)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[test]
fn status_for_a_reader_on_postgres() {
    use diesel::{Connection, RunQueryDsl};
    use targets::Target;
    let mut target = PgServer::new();
    let schema = diesel::sql_query("SELECT current_schema() AS name")
        .get_result::<Name>(target.conn())
        .unwrap()
        .name;
    // A role that may read the scratch schema's tables and nothing more
    // (trust authentication: it logs in without a password).
    let role = db::unique_name("lback_reader");
    target.execute(&format!(
        "CREATE ROLE {role} LOGIN; GRANT USAGE ON SCHEMA {schema} TO {role}; \
         ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT ON TABLES TO {role}"
    ));
    let url = target.url();
    let (scheme, rest) = url.split_once("://").unwrap();
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    let mut reader = diesel::PgConnection::establish(&format!("{scheme}://{role}@{host}")).unwrap();
    tracking::status_for_a_reader(&mut target, &mut reader);
    drop(reader);
    target.execute(&format!("DROP OWNED BY {role}; DROP ROLE {role}"));
}
