//! A migration lock that holds across a cluster: a lease row in
//! `__lback_lock`, taken and kept by replicated writes.
//!
//! MySQL's `GET_LOCK` is local to one server. On a MariaDB Galera cluster
//! (and behind Vitess) two replicas connected to different nodes would both
//! get it and run the same migration at once. A row is different: every
//! change to it is a replicated write, and Galera certifies conflicting
//! writes to one row, so of two processes that try to take the lease at
//! once exactly one commits; the other gets a deadlock (certification)
//! error, or finds the row changed, and waits.
//!
//! The row (`name = 'migrate'`) holds the owner, a *token* that grows by one
//! at every take, and a *beat* that grows at every renewal. The holder:
//!
//! - renews by bumping the beat where the token is still its own;
//! - **fences** every write that records progress (the attempt row before
//!   a migration's first statement, the progress before each statement, the
//!   version at the end): the same conditional bump, in the same
//!   transaction as the record ([`Lease::fenced`]). A holder that lost the lease
//!   finds its token gone (or conflicts with the taker at commit) and
//!   records nothing.
//!
//! A waiter takes a free row at once. A held row it takes over only after
//! watching the same token and beat, unchanged, for the holder's time to
//! live, timed by the waiter's own monotonic clock: no two servers' clocks
//! are ever compared. The takeover is a compare-and-set on the token and
//! the beat it watched, so a holder that renewed meanwhile keeps the lease.
//!
//! The lease is renewed whenever the holder records something (before every
//! statement on MySQL) and, where lback knows the database's URL (the
//! command line, or `lback::keep_lease_alive` around `lback::migrate`),
//! every third of the time to live from a second connection
//! ([`Keepalive`]; diesel connections are not `Sync`, so the renewing thread
//! has its own). Without that connection a single statement that runs
//! longer than the time to live lets a waiter take over: the old holder
//! can record nothing more and fails at its next record, and the new one
//! goes on with the migration where that is certain (the statement in
//! flight changes nothing, or is DDL on one named object: see
//! `runner::resume`), else refuses it as dirty with the usual recovery
//! steps. A takeover ([`Lease::took_over`]) is what lets a new holder
//! resume a run left half way at all: the old holder's records are fenced
//! off.

//! Which lock a MySQL connection gets ([`LockKind`]): the lease where the
//! server runs Galera (`@@wsrep_on`), `GET_LOCK` elsewhere; `LBACK_LOCK=lease`
//! or `LBACK_LOCK=session` chooses. To the runner the lease is one
//! [`Locker`](super::Locker), [`LeaseLock`], which MySQL's `TrackedBackend::locker`
//! returns where it applies; the runner passes every record through it.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use diesel::connection::LoadConnection;
use diesel::mysql::Mysql;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel::{OptionalExtension, QueryResult, QueryableByName, RunQueryDsl};

/// The environment variable that chooses the lock: `lease`, `session`, or
/// `auto` (the default: the lease on Galera, `GET_LOCK` elsewhere).
pub const LOCK_VARIABLE: &str = "LBACK_LOCK";

/// The environment variable with the lease's time to live, in seconds.
pub const TTL_VARIABLE: &str = "LBACK_LEASE_SECONDS";

/// The time to live when `LBACK_LEASE_SECONDS` is unset.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60);

/// How long a process waits for the lease before giving up (as `GET_LOCK`
/// waits ten minutes).
pub const DEFAULT_WAIT: Duration = Duration::from_secs(600);

/// The lease's row in `__lback_lock`.
const NAME: &str = "migrate";

/// The table, created when missing. A primary key, as Galera needs on
/// every table it replicates row by row.
pub const SETUP_SQL: &str = "CREATE TABLE IF NOT EXISTS __lback_lock (\
     name VARCHAR(64) NOT NULL PRIMARY KEY, \
     owner VARCHAR(255) NULL, \
     pid BIGINT NULL, \
     token BIGINT NOT NULL, \
     beat BIGINT NOT NULL, \
     ttl_seconds BIGINT NOT NULL, \
     renewed_on DATETIME(6) NULL)";

/// Which lock serializes lback runs on a MySQL/MariaDB database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockKind {
    /// `GET_LOCK`: held by the session, released when it ends; local to
    /// one server.
    Session,
    /// The lease row: holds across a cluster.
    Lease,
}

/// How the lease behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long a holder that stops renewing keeps the lease.
    pub ttl: Duration,
    /// How long to wait for it before giving up.
    pub wait: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            ttl: DEFAULT_TTL,
            wait: DEFAULT_WAIT,
        }
    }
}

impl Settings {
    /// The defaults, with the time to live from `LBACK_LEASE_SECONDS` when
    /// set; a value that is not a positive number of seconds is an error.
    pub fn from_env() -> QueryResult<Settings> {
        let mut settings = Settings::default();
        if let Ok(text) = std::env::var(TTL_VARIABLE) {
            match text.trim().parse::<u64>() {
                Ok(seconds) if seconds > 0 => settings.ttl = Duration::from_secs(seconds),
                _ => {
                    return Err(DieselError::QueryBuilderError(
                        format!(
                            "{TTL_VARIABLE}={text:?} is not a number of seconds above 0; \
                             set it to the lease's time to live (longer than your longest \
                             migration statement), e.g. {TTL_VARIABLE}=60"
                        )
                        .into(),
                    ))
                }
            }
        }
        Ok(settings)
    }
}

/// The lock a connection gets: `LBACK_LOCK` when set, else the lease when
/// the server runs Galera replication (`@@wsrep_on`).
pub fn lock_kind<C: LoadConnection<Backend = Mysql>>(conn: &mut C) -> QueryResult<LockKind> {
    match std::env::var(LOCK_VARIABLE).as_deref().map(str::trim) {
        Ok("lease") => Ok(LockKind::Lease),
        Ok("session") => Ok(LockKind::Session),
        Ok("auto") | Ok("") | Err(_) => Ok(if is_galera(conn)? {
            LockKind::Lease
        } else {
            LockKind::Session
        }),
        Ok(other) => Err(DieselError::QueryBuilderError(
            format!(
                "{LOCK_VARIABLE}={other:?} is not a lock lback knows; use `lease` (a row in \
                 __lback_lock, for clusters), `session` (GET_LOCK) or `auto`"
            )
            .into(),
        )),
    }
}

/// Whether the server replicates with Galera (`@@wsrep_on`). MySQL, which
/// has no such variable, is not.
pub fn is_galera<C: LoadConnection<Backend = Mysql>>(conn: &mut C) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct On {
        #[diesel(sql_type = Nullable<Text>)]
        on: Option<String>,
    }
    let found = diesel::sql_query(
        "SELECT CAST(VARIABLE_VALUE AS CHAR) AS `on` FROM information_schema.SESSION_VARIABLES \
         WHERE VARIABLE_NAME = 'WSREP_ON'",
    )
    .get_result::<On>(conn)
    .optional();
    Ok(match found {
        Ok(Some(On { on: Some(on) })) => on.eq_ignore_ascii_case("ON"),
        // No such variable, or (MySQL 5.7 with show_compatibility_56 off)
        // no such table: not Galera.
        Ok(_) | Err(DieselError::DatabaseError(..)) => false,
        Err(other) => return Err(other),
    })
}

/// The lease row as read.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Row {
    /// Who holds it (`None`: free).
    #[diesel(sql_type = Nullable<Text>)]
    pub owner: Option<String>,
    /// The holder's process id.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub pid: Option<i64>,
    /// Grows by one at every take: the fencing token.
    #[diesel(sql_type = BigInt)]
    pub token: i64,
    /// Grows at every renewal.
    #[diesel(sql_type = BigInt)]
    pub beat: i64,
    /// The holder's time to live.
    #[diesel(sql_type = BigInt)]
    pub ttl_seconds: i64,
}

/// Reads the lease row (`None` when there is none yet).
pub fn read<C: LoadConnection<Backend = Mysql>>(conn: &mut C) -> QueryResult<Option<Row>> {
    diesel::sql_query(
        "SELECT owner, pid, token, beat, ttl_seconds FROM __lback_lock WHERE name = ?",
    )
    .bind::<Text, _>(NAME)
    .get_result::<Row>(conn)
    .optional()
}

/// Whether an error is a lost race (a deadlock, or Galera's certification
/// failure, which MariaDB reports as one): the statement can be tried again.
pub fn is_conflict(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => true,
        DieselError::DatabaseError(_, info) => {
            let message = info.message();
            message.contains("Deadlock found") || message.contains("WSREP detected deadlock")
        }
        _ => false,
    }
}

/// A lease this process holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    owner: String,
    token: i64,
    ttl: Duration,
    galera: bool,
    took_over: bool,
}

impl Lease {
    /// Who holds it: `pid <pid> on <host>` and a part unique to this take.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The fencing token: the number of takes so far, this one included.
    pub fn token(&self) -> i64 {
        self.token
    }

    /// Whether the server runs Galera.
    pub fn on_galera(&self) -> bool {
        self.galera
    }

    /// Whether this take was a takeover: the row was held by a process
    /// that had not renewed it for its time to live, and the take went
    /// through the fence (a compare-and-set on the token and the beat
    /// watched), so that process can record nothing more.
    pub fn took_over(&self) -> bool {
        self.took_over
    }

    /// Takes the lease, waiting while another live process holds it (up to
    /// `settings.wait`). Creates the table and its row when missing.
    pub fn acquire<C: LoadConnection<Backend = Mysql>>(
        conn: &mut C,
        settings: Settings,
    ) -> QueryResult<Lease> {
        let galera = is_galera(conn)?;
        // DDL (under TOI on Galera: a moment of the whole cluster) only when
        // the table is missing.
        if read(conn).is_err() {
            conn.batch_execute(SETUP_SQL)?;
        }
        let owner = new_owner();
        let ttl_seconds = i64::try_from(settings.ttl.as_secs().max(1)).unwrap_or(i64::MAX);
        let started = Instant::now();
        // The (token, beat) last seen on a held row, and since when.
        let mut watched: Option<((i64, i64), Instant)> = None;
        let mut round: u32 = 0;
        loop {
            round += 1;
            let Some(row) = read(conn)? else {
                insert_row(conn)?;
                continue;
            };
            let seen = (row.token, row.beat);
            let takeable = match (&row.owner, watched) {
                (None, _) => true,
                (Some(_), Some((was, since))) if was == seen => {
                    let ttl = Duration::from_secs(u64::try_from(row.ttl_seconds).unwrap_or(0));
                    since.elapsed() >= ttl
                }
                (Some(_), _) => {
                    watched = Some((seen, Instant::now()));
                    false
                }
            };
            if takeable && take(conn, &owner, ttl_seconds, &row)? {
                return Ok(Lease {
                    owner,
                    token: row.token + 1,
                    ttl: settings.ttl,
                    galera,
                    took_over: row.owner.is_some(),
                });
            }
            if started.elapsed() >= settings.wait {
                return Err(gave_up(&row, settings.wait));
            }
            std::thread::sleep(pause(settings.ttl, round));
        }
    }

    /// Renews the lease: fails when another process has taken it over.
    /// Inside a transaction this is the fence: the transaction then commits
    /// only while the lease is this process's.
    pub fn renew<C: LoadConnection<Backend = Mysql>>(&self, conn: &mut C) -> QueryResult<()> {
        let renewed = diesel::sql_query(
            "UPDATE __lback_lock SET beat = beat + 1, renewed_on = NOW(6) \
             WHERE name = ? AND token = ? AND owner = ?",
        )
        .bind::<Text, _>(NAME)
        .bind::<BigInt, _>(self.token)
        .bind::<Text, _>(&self.owner)
        .execute(conn)?;
        if renewed == 1 {
            return Ok(());
        }
        let now = read(conn).ok().flatten();
        Err(DieselError::QueryBuilderError(
            format!(
                "lback's migration lease was taken over by another process ({}) after this \
                 one ({}) did not renew it for {} s; this process stops and records nothing \
                 more",
                now.and_then(|r| r.owner)
                    .unwrap_or_else(|| "none now".to_owned()),
                self.owner,
                self.ttl.as_secs()
            )
            .into(),
        ))
    }

    /// Runs `record` in one transaction with a renewal ([`renew`](Self::renew)),
    /// so it commits only while this process holds the lease. A lost race
    /// with a renewal from elsewhere is tried again a few times.
    pub fn fenced<C, T>(
        &self,
        conn: &mut C,
        mut record: impl FnMut(&mut C) -> QueryResult<T>,
    ) -> QueryResult<T>
    where
        C: LoadConnection<Backend = Mysql>,
    {
        let mut tries = 0;
        loop {
            tries += 1;
            let result = conn.transaction(|conn| {
                self.renew(conn)?;
                record(conn)
            });
            match result {
                Err(e) if tries < 5 && is_conflict(&e) => continue,
                other => return other,
            }
        }
    }

    /// Gives the lease up (only while it is still this process's).
    pub fn release<C: LoadConnection<Backend = Mysql>>(self, conn: &mut C) -> QueryResult<()> {
        let mut tries = 0;
        loop {
            tries += 1;
            let released = diesel::sql_query(
                "UPDATE __lback_lock SET owner = NULL, pid = NULL, beat = beat + 1, \
                 renewed_on = NOW(6) WHERE name = ? AND token = ? AND owner = ?",
            )
            .bind::<Text, _>(NAME)
            .bind::<BigInt, _>(self.token)
            .bind::<Text, _>(&self.owner)
            .execute(conn);
            match released {
                Err(e) if tries < 5 && is_conflict(&e) => continue,
                other => return other.map(|_| ()),
            }
        }
    }
}

/// Inserts the free lease row. Two processes inserting at once: one wins,
/// the other ignores or conflicts; either way the caller reads again.
fn insert_row<C: LoadConnection<Backend = Mysql>>(conn: &mut C) -> QueryResult<()> {
    let inserted = diesel::sql_query(
        "INSERT IGNORE INTO __lback_lock (name, token, beat, ttl_seconds) VALUES (?, 0, 0, 0)",
    )
    .bind::<Text, _>(NAME)
    .execute(conn);
    match inserted {
        Err(e) if !is_conflict(&e) => Err(e),
        _ => Ok(()),
    }
}

/// The compare-and-set that takes the lease from `row` as read: `true`
/// when it did; `false` when the row changed meanwhile or another taker
/// won the race.
fn take<C: LoadConnection<Backend = Mysql>>(
    conn: &mut C,
    owner: &str,
    ttl_seconds: i64,
    row: &Row,
) -> QueryResult<bool> {
    let taken = diesel::sql_query(
        "UPDATE __lback_lock SET owner = ?, pid = ?, token = token + 1, \
         beat = beat + 1, ttl_seconds = ?, renewed_on = NOW(6) \
         WHERE name = ? AND token = ? AND beat = ?",
    )
    .bind::<Text, _>(owner)
    .bind::<BigInt, _>(i64::from(std::process::id()))
    .bind::<BigInt, _>(ttl_seconds)
    .bind::<Text, _>(NAME)
    .bind::<BigInt, _>(row.token)
    .bind::<BigInt, _>(row.beat)
    .execute(conn);
    match taken {
        Ok(n) => Ok(n == 1),
        Err(e) if is_conflict(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The error of a waiter that waited `wait` for a lease kept renewed.
fn gave_up(row: &Row, wait: Duration) -> DieselError {
    DieselError::QueryBuilderError(
        format!(
            "another process ({}) held lback's migration lease for {} s and kept renewing it; \
             is a migration stuck? (the lease is the row of __lback_lock; lback waits {} s)",
            row.owner.as_deref().unwrap_or("unknown"),
            wait.as_secs(),
            wait.as_secs()
        )
        .into(),
    )
}

/// An owner name no other take shares: process, host, clock and a counter.
fn new_owner() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static TAKES: AtomicU64 = AtomicU64::new(0);
    let host = std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown host".to_owned());
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let mut owner = format!(
        "pid {} on {host}, take {:x}-{}",
        std::process::id(),
        nanos,
        TAKES.fetch_add(1, Ordering::Relaxed)
    );
    owner.truncate(255);
    owner
}

/// How long a waiter sleeps between looks: short at first, then a tenth of
/// the time to live (at most a second), with a little spread so sixteen
/// waiters do not all try at the same instant.
fn pause(ttl: Duration, round: u32) -> Duration {
    let base = if round < 10 {
        Duration::from_millis(50)
    } else {
        (ttl / 10).clamp(Duration::from_millis(100), Duration::from_secs(1))
    };
    let spread = u64::from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
            % 50,
    );
    base + Duration::from_millis(spread)
}
mod keepalive;
mod locker;

pub use keepalive::{keep_alive_from, Keepalive, KeepaliveUrl};
pub use locker::{unsupported_with_lease, LeaseLock};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_look_often_at_first_then_at_a_tenth_of_the_time_to_live() {
        let ttl = Duration::from_secs(60);
        assert!(pause(ttl, 1) < Duration::from_millis(100));
        let later = pause(ttl, 20);
        assert!(later >= Duration::from_secs(1) && later < Duration::from_millis(1050));
        let short = pause(Duration::from_secs(2), 20);
        assert!(short >= Duration::from_millis(200) && short < Duration::from_millis(250));
    }

    #[test]
    fn owners_are_unique_and_name_the_process() {
        let a = new_owner();
        let b = new_owner();
        assert_ne!(a, b);
        assert!(
            a.starts_with(&format!("pid {} on ", std::process::id())),
            "{a}"
        );
    }
}
