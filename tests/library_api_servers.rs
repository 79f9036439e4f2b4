//! `lback::migrate` on PostgreSQL and MariaDB picks the SQL generated for
//! them (`up.postgres.sql`, `up.mysql.sql`) from the same embedded set.

#[path = "support/db.rs"]
mod db;

lback::embed_migrations!("tests/fixtures/library/migrations");

#[test]
fn postgres_runs_its_own_sql() {
    let (mut conn, _scratch) = db::pg();
    let report = lback::migrate(&mut conn).unwrap();
    assert_eq!(report.applied.len(), 2);
    let schema = lback_core::introspect::postgres(&mut conn).unwrap();
    assert!(
        schema.table("books").unwrap().columns[0].auto_increment,
        "identity column from up.postgres.sql"
    );
    assert!(lback::migrate(&mut conn).unwrap().is_empty());
    assert_eq!(
        lback::rollback(&mut conn, "authors")
            .unwrap()
            .reverted
            .len(),
        2
    );
}

#[test]
fn mysql_runs_its_own_sql() {
    let (mut conn, _scratch) = db::mysql();
    let report = lback::migrate(&mut conn).unwrap();
    assert_eq!(report.applied.len(), 2);
    let schema = lback_core::introspect::mysql(&mut conn).unwrap();
    assert_eq!(
        schema.table("authors").unwrap().columns[1].ty,
        lback::schema::ColumnType::Varchar(100)
    );
    assert!(lback::migrate(&mut conn).unwrap().is_empty());
    assert_eq!(
        lback::rollback(&mut conn, "books").unwrap().reverted.len(),
        1
    );
}
