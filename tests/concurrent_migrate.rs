//! Sixteen processes migrate one SQLite file at once.

#[path = "support/concurrent.rs"]
mod concurrent;

use diesel::prelude::*;
use diesel::sql_types::BigInt;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[test]
fn sixteen_processes_migrate_one_sqlite_database_at_once() {
    let path = std::env::temp_dir().join(format!("lback-concurrent-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let url = path.to_string_lossy().into_owned();
    let outputs = concurrent::migrate_at_once(&url);
    let mut conn = SqliteConnection::establish(&url).unwrap();
    let recorded = diesel::sql_query("SELECT COUNT(*) AS n FROM __diesel_schema_migrations")
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n;
    concurrent::assert_each_applied_once(&outputs, recorded);
    let _ = std::fs::remove_file(&path);
}
