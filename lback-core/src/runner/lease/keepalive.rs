//! Renewing a lease from a connection of its own ([`Keepalive`]), and
//! where that connection goes ([`keep_alive_from`]).

use std::cell::RefCell;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use diesel::result::Error as DieselError;

use super::Lease;

/// Renews a lease from a connection of its own, every third of its time to
/// live, while the holder's connection is busy with a long statement.
/// Stops (and joins its thread) when dropped, or when the lease is lost.
#[derive(Debug)]
pub struct Keepalive {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Keepalive {
    /// Connects to `url` (the database the lease is in) and starts renewing.
    pub fn start(url: &str, lease: &Lease) -> Result<Keepalive, diesel::ConnectionError> {
        use diesel::Connection;
        let mut conn = diesel::MysqlConnection::establish(url)?;
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let (lease, signal) = (lease.clone(), Arc::clone(&stop));
        let every = (lease.ttl / 3).max(Duration::from_millis(100));
        let thread = std::thread::spawn(move || {
            let (stopped, wake) = &*signal;
            let mut stopped = stopped.lock().unwrap_or_else(|p| p.into_inner());
            loop {
                // Stopped before this thread first got here: no wake-up comes.
                if *stopped {
                    return;
                }
                let (guard, _) = wake
                    .wait_timeout(stopped, every)
                    .unwrap_or_else(|p| p.into_inner());
                stopped = guard;
                if *stopped {
                    return;
                }
                // Lost: the holder's next fence says so. A conflict with the
                // holder's own renewal, or a hiccup: the next round tries again.
                if let Err(DieselError::QueryBuilderError(_)) = lease.renew(&mut conn) {
                    return;
                }
            }
        });
        Ok(Keepalive {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Keepalive {
    fn drop(&mut self) {
        let (stopped, wake) = &*self.stop;
        *stopped.lock().unwrap_or_else(|p| p.into_inner()) = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

thread_local! {
    /// Where a keepalive connects, when this thread knows ([`keep_alive_from`]).
    static KEEPALIVE_URL: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Until the guard is dropped, a lease this thread takes is also renewed
/// from a second connection to `url` ([`Keepalive`]), so a statement longer
/// than the time to live does not lose it. The command line does this with
/// its `--database-url`; `lback::migrate`, given only a connection, renews
/// between statements unless the application does it too.
pub fn keep_alive_from(url: &str) -> KeepaliveUrl {
    let previous = KEEPALIVE_URL.with(|u| u.borrow_mut().replace(url.to_owned()));
    KeepaliveUrl { previous }
}

/// Restores the keepalive URL when dropped ([`keep_alive_from`]).
#[derive(Debug)]
#[must_use = "the URL is used only while the guard lives"]
pub struct KeepaliveUrl {
    previous: Option<String>,
}

impl Drop for KeepaliveUrl {
    fn drop(&mut self) {
        let previous = self.previous.take();
        KEEPALIVE_URL.with(|u| *u.borrow_mut() = previous);
    }
}

/// The URL a keepalive connects to, when this thread knows one.
pub(super) fn keepalive_url() -> Option<String> {
    KEEPALIVE_URL.with(|u| u.borrow().clone())
}
