//! The lease lock (`lback_core::runner::lease`) on one MariaDB server
//! (`MYSQL_DATABASE_URL`): taking, renewing, fencing, releasing and taking
//! over a lease whose holder stopped renewing. The same lock on a Galera
//! cluster is tested in `tests/cluster_galera.rs`.

use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use lback_core::runner::lease::{self, Lease, LockKind, Settings};

use crate::db;
use crate::db::mysql_count as count;

/// A second connection to the scratch database.
fn other(scratch: &db::MysqlScratch) -> MysqlConnection {
    MysqlConnection::establish(&db::with_database(
        &db::server_url("MYSQL_DATABASE_URL"),
        &scratch.database,
    ))
    .unwrap()
}

fn settings(ttl_ms: u64, wait_ms: u64) -> Settings {
    Settings {
        ttl: Duration::from_millis(ttl_ms),
        wait: Duration::from_millis(wait_ms),
    }
}

#[test]
fn a_plain_server_gets_the_session_lock_unless_told_otherwise() {
    let (mut conn, _scratch) = db::mysql();
    assert!(!lease::is_galera(&mut conn).unwrap());
    if std::env::var_os(lease::LOCK_VARIABLE).is_none() {
        assert_eq!(lease::lock_kind(&mut conn).unwrap(), LockKind::Session);
    }
}

#[test]
fn every_lback_table_has_a_primary_key() {
    let (mut conn, scratch) = db::mysql();
    lback_core::runner::Tracking::read(&mut conn, lback_core::runner::Access::SetUp).unwrap();
    let held = Lease::acquire(&mut conn, Settings::default()).unwrap();
    held.release(&mut conn).unwrap();
    let tables = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM information_schema.TABLES \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE '\\_\\_%'",
    );
    assert_eq!(tables, 3, "diesel's table, __lback_attempts, __lback_lock");
    let without_key = count(
        &mut conn,
        "SELECT COUNT(*) AS n FROM information_schema.TABLES t \
         WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME LIKE '\\_\\_%' \
         AND NOT EXISTS (SELECT 1 FROM information_schema.TABLE_CONSTRAINTS c \
           WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME \
           AND c.CONSTRAINT_TYPE = 'PRIMARY KEY')",
    );
    assert_eq!(without_key, 0, "Galera needs a primary key on every table");
    drop(scratch);
}

#[test]
fn a_free_lease_is_taken_at_once_and_a_released_one_by_the_next() {
    let (mut a, scratch) = db::mysql();
    let mut b = other(&scratch);
    let first = Lease::acquire(&mut a, settings(60_000, 0)).unwrap();
    assert_eq!(first.token(), 1);
    assert!(!first.took_over(), "a free row is no takeover");
    // Held and renewed: the other gives up after its wait.
    let refused = Lease::acquire(&mut b, settings(60_000, 300)).unwrap_err();
    assert!(
        refused.to_string().contains(first.owner()),
        "the error names the holder: {refused}"
    );
    first.renew(&mut a).unwrap();
    first.release(&mut a).unwrap();
    let second = Lease::acquire(&mut b, settings(60_000, 0)).unwrap();
    assert_eq!(second.token(), 2, "each take counts");
    assert!(!second.took_over(), "a released row is free: no takeover");
    let row = lease::read(&mut b).unwrap().unwrap();
    assert_eq!(row.owner.as_deref(), Some(second.owner()));
    assert_eq!(row.pid, Some(i64::from(std::process::id())));
}

#[test]
fn a_holder_that_renews_keeps_the_lease() {
    let (mut a, scratch) = db::mysql();
    let mut b = other(&scratch);
    let holder = Lease::acquire(&mut a, settings(2_000, 0)).unwrap();
    let waiter = std::thread::spawn(move || Lease::acquire(&mut b, settings(2_000, 5_000)));
    while !waiter.is_finished() {
        holder.renew(&mut a).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    let refused = waiter.join().unwrap().unwrap_err();
    assert!(
        refused.to_string().contains("kept renewing"),
        "the waiter gave up on a live holder: {refused}"
    );
    holder.renew(&mut a).unwrap();
}

#[test]
fn a_lease_not_renewed_is_taken_over_and_its_old_holder_records_nothing() {
    let (mut a, scratch) = db::mysql();
    let mut b = other(&scratch);
    db::exec(
        &mut a,
        "CREATE TABLE records (id INT PRIMARY KEY, what VARCHAR(20) NOT NULL)",
    );
    let old = Lease::acquire(&mut a, settings(500, 0)).unwrap();
    old.fenced(&mut a, |conn| {
        conn.batch_execute("INSERT INTO records VALUES (1, 'while held')")
    })
    .unwrap();
    // The old holder stops renewing (as one killed, paused or cut off).
    let new = Lease::acquire(&mut b, settings(500, 10_000)).unwrap();
    assert_eq!(new.token(), old.token() + 1);
    assert!(new.took_over(), "taken from a holder that stopped renewing");

    let renewed = old.renew(&mut a).unwrap_err().to_string();
    assert!(
        renewed.contains("taken over") && renewed.contains(new.owner()),
        "{renewed}"
    );
    let fenced = old.fenced(&mut a, |conn| {
        conn.batch_execute("INSERT INTO records VALUES (2, 'after losing it')")
    });
    assert!(fenced.is_err(), "the fence stops the old holder's record");
    assert_eq!(
        count(&mut a, "SELECT COUNT(*) AS n FROM records"),
        1,
        "nothing recorded after the lease was lost"
    );
    // Its release does not free the new holder's lease.
    old.release(&mut a).unwrap();
    let row = lease::read(&mut b).unwrap().unwrap();
    assert_eq!(row.owner.as_deref(), Some(new.owner()));
    new.fenced(&mut b, |conn| {
        conn.batch_execute("INSERT INTO records VALUES (3, 'new holder')")
    })
    .unwrap();
    new.release(&mut b).unwrap();
    assert_eq!(lease::read(&mut b).unwrap().unwrap().owner, None);
}

#[test]
fn a_keepalive_renews_from_its_own_connection_until_dropped() {
    let (mut a, scratch) = db::mysql();
    let mut b = other(&scratch);
    let url = db::with_database(&db::server_url("MYSQL_DATABASE_URL"), &scratch.database);
    let holder = Lease::acquire(&mut a, settings(1_000, 0)).unwrap();
    // The holder's own connection stays silent (a long statement).
    let keepalive = lease::Keepalive::start(&url, &holder).unwrap();
    let refused = Lease::acquire(&mut b, settings(1_000, 3_000)).unwrap_err();
    assert!(refused.to_string().contains("kept renewing"), "{refused}");
    holder.renew(&mut a).unwrap();
    drop(keepalive);
    let next = Lease::acquire(&mut b, settings(1_000, 10_000)).unwrap();
    assert_eq!(next.token(), holder.token() + 1);
    assert!(
        holder.renew(&mut a).is_err(),
        "lost once the keepalive stopped"
    );
}
