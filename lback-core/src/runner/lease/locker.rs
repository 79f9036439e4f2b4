//! The lease as lback's migration lock ([`LeaseLock`], a [`Locker`]) and
//! what cannot run under it ([`unsupported_with_lease`]).

use std::cell::{Cell, RefCell};

use diesel::connection::LoadConnection;
use diesel::mysql::Mysql;
use diesel::result::Error as DieselError;
use diesel::QueryResult;

use super::keepalive::keepalive_url;
use super::{read, Keepalive, Lease, Settings, TTL_VARIABLE};
use crate::runner::{Locker, Script};
use crate::Error;

/// `TrackedBackend::locker` returns where [`lock_kind`](super::lock_kind) says
/// [`LockKind::Lease`](super::LockKind::Lease)): takes the lease (with a [`Keepalive`] when this
/// thread knows the URL, [`keep_alive_from`](super::keep_alive_from)), fences the run's records
/// with it ([`Lease::fenced`]), refuses what cannot run under it
/// ([`unsupported_with_lease`]), and gives it up.
#[derive(Debug)]
pub struct LeaseLock {
    settings: Settings,
    held: RefCell<Option<(Lease, Option<Keepalive>)>>,
    /// Set when taken: whether no session of this server held lback's
    /// `GET_LOCK` then (a process run without the lease takes it instead).
    session_lock_free: Cell<bool>,
}

impl LeaseLock {
    /// A lease lock, not yet taken.
    pub fn new(settings: Settings) -> LeaseLock {
        LeaseLock {
            settings,
            held: RefCell::new(None),
            session_lock_free: Cell::new(false),
        }
    }

    /// The lease, while held.
    pub fn held(&self) -> Option<Lease> {
        self.held.borrow().as_ref().map(|(lease, _)| lease.clone())
    }
}

impl<C: LoadConnection<Backend = Mysql>> Locker<C> for LeaseLock {
    fn acquire(&self, conn: &mut C) -> QueryResult<()> {
        let lease = Lease::acquire(conn, self.settings)?;
        self.session_lock_free
            .set(session_lock_is_free(conn).unwrap_or(false));
        // Without its connection the lease is still renewed between statements.
        let keepalive = keepalive_url().and_then(|url| Keepalive::start(&url, &lease).ok());
        *self.held.borrow_mut() = Some((lease, keepalive));
        Ok(())
    }

    fn release(&self, conn: &mut C) -> QueryResult<()> {
        let Some((lease, keepalive)) = self.held.borrow_mut().take() else {
            return Ok(());
        };
        drop(keepalive);
        lease.release(conn)
    }

    fn is_free(&self, conn: &mut C) -> QueryResult<bool> {
        match read(conn) {
            Ok(row) => Ok(row.is_none_or(|r| r.owner.is_none())),
            // No table yet: no lease was ever taken.
            Err(DieselError::DatabaseError(..)) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// A takeover fences off the lease's last holder; a process that
    /// took `GET_LOCK` instead (run without the lease, on this server) may
    /// still be running: only when none held it.
    fn took_over(&self) -> bool {
        self.session_lock_free.get() && self.held().is_some_and(|lease| lease.took_over())
    }

    fn fenced(
        &self,
        conn: &mut C,
        record: &mut dyn FnMut(&mut C) -> QueryResult<()>,
    ) -> QueryResult<()> {
        let (lease, kept_alive) = match &*self.held.borrow() {
            Some((lease, keepalive)) => (lease.clone(), keepalive.is_some()),
            None => return record(conn),
        };
        match lease.fenced(conn, record) {
            // Lost while a statement ran: say how to keep it next time.
            Err(DieselError::QueryBuilderError(lost)) if !kept_alive => {
                Err(DieselError::QueryBuilderError(
                    format!(
                        "{lost} (nothing renewed it while this process's last statement ran: \
                         lback::migrate given only a connection renews the lease between \
                         statements; keep it alive with lback::keep_lease_alive(url), or set \
                         {TTL_VARIABLE} above your longest statement)"
                    )
                    .into(),
                ))
            }
            other => other,
        }
    }

    fn refuse(&self, scripts: &[Script<'_>]) -> Result<(), Error> {
        let Some(lease) = self.held() else {
            return Ok(());
        };
        for script in scripts {
            let statements = &script.statements;
            if let Some((index, statement, reason)) =
                unsupported_with_lease(statements, lease.on_galera())
            {
                return Err(Error::UnsupportedOnCluster {
                    migration: script.migration.id().into_owned(),
                    index: index + 1,
                    total: statements.len(),
                    statement: statement.trim().to_owned(),
                    reason,
                });
            }
        }
        Ok(())
    }
}

/// The first statement of `statements` that cannot run under the lease
/// (`LOCK TABLES`, `FLUSH TABLES ... WITH READ LOCK`), with why; `None`
/// when all can. `galera`: the lease is on a Galera cluster.
pub fn unsupported_with_lease<'a>(
    statements: &[&'a str],
    galera: bool,
) -> Option<(usize, &'a str, &'static str)> {
    statements.iter().enumerate().find_map(|(i, statement)| {
        let words = leading_words(statement, 8);
        let is = |prefix: &[&str]| {
            words.len() >= prefix.len() && words.iter().zip(prefix).all(|(w, p)| w == p)
        };
        let reason = if is(&["LOCK", "TABLES"]) || is(&["LOCK", "TABLE"]) {
            if galera {
                "Galera does not replicate table locks: LOCK TABLES holds on one node only, \
                 while the other nodes go on writing"
            } else {
                "lback's lease records the progress in a transaction before each statement, \
                 and starting a transaction releases table locks: LOCK TABLES would hold for \
                 one statement only"
            }
        } else if is(&["FLUSH"]) && words.iter().any(|w| w == "LOCK") {
            if galera {
                "FLUSH TABLES ... WITH READ LOCK locks one node only on Galera"
            } else {
                "a read lock keeps lback from recording the progress of the migration"
            }
        } else {
            return None;
        };
        Some((i, *statement, reason))
    })
}

/// The first `n` words of a statement, upper-cased, after comments.
fn leading_words(statement: &str, n: usize) -> Vec<String> {
    let mut rest = statement;
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("--").or_else(|| rest.strip_prefix('#')) {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else {
            break;
        }
    }
    rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .take(n)
        .map(str::to_ascii_uppercase)
        .collect()
}

/// Whether no session of this server holds lback's `GET_LOCK` (the one
/// MySQL's session lock takes, named after the database).
fn session_lock_is_free<C: LoadConnection<Backend = Mysql>>(conn: &mut C) -> QueryResult<bool> {
    #[derive(diesel::QueryableByName)]
    struct Free {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
        free: Option<i64>,
    }
    diesel::RunQueryDsl::get_result::<Free>(
        diesel::sql_query("SELECT IS_FREE_LOCK(CONCAT('lback migrate ', DATABASE())) AS free"),
        conn,
    )
    .map(|f| f.free == Some(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_tables_and_read_locks_are_found_behind_comments_in_any_case() {
        let found = |sql: &[&str]| unsupported_with_lease(sql, true).map(|(i, _, _)| i);
        assert_eq!(
            found(&["CREATE TABLE a (id INT)", "lock tables a write"]),
            Some(1)
        );
        assert_eq!(
            found(&["-- keep writers out\n/* now */ LOCK TABLE a READ"]),
            Some(0)
        );
        assert_eq!(
            found(&["# hash comment\nFlush Tables a With Read Lock"]),
            Some(0)
        );
        assert_eq!(found(&["UNLOCK TABLES"]), None);
        assert_eq!(found(&["CREATE TABLE lock_tables (id INT)"]), None);
        assert_eq!(found(&["INSERT INTO t VALUES ('LOCK TABLES')"]), None);
        assert_eq!(found(&["FLUSH TABLES"]), None);
        assert_eq!(found(&[]), None);
        let (_, _, elsewhere) = unsupported_with_lease(&["LOCK TABLES a WRITE"], false).unwrap();
        assert!(elsewhere.contains("releases table locks"), "{elsewhere}");
    }
}
