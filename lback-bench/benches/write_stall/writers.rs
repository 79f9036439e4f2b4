//! The writers that keep `items` busy during a change, and the figures of
//! what they saw.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;

use crate::ACCOUNTS;

/// One write: when it started and ended, from the case's epoch.
#[derive(Clone, Copy)]
struct Write {
    start: Duration,
    end: Duration,
}

/// What one writer did.
#[derive(Default)]
pub(crate) struct Log {
    writes: Vec<Write>,
    pub(crate) errors: Vec<String>,
}

/// A small deterministic generator (xorshift), one per writer.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Inserts and updates `items` until told to stop: one autocommit
/// statement per write, the same SQL on every database. Never touches
/// `label` (renamed) nor `status` (added).
pub(crate) fn writer<C: SimpleConnection>(
    mut conn: C,
    who: usize,
    rows: u64,
    epoch: Instant,
    stop: &AtomicBool,
) -> Log {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (who as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9));
    let mut log = Log {
        writes: Vec::with_capacity(1 << 16),
        errors: Vec::new(),
    };
    let mut n: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let sql = if n.is_multiple_of(2) {
            let account = 1 + rng.next() % ACCOUNTS;
            format!(
                "INSERT INTO items (account_id, code, name, quantity, note) \
                 VALUES ({account}, 'w{who}-{n}', 'written {n}', {q}, 'note w{who}-{n}')",
                q = rng.next() % 1000
            )
        } else {
            let id = 1 + rng.next() % rows;
            format!(
                "UPDATE items SET quantity = quantity + 1, note = 'updated {n}' WHERE id = {id}"
            )
        };
        let start = epoch.elapsed();
        match conn.batch_execute(&sql) {
            Ok(()) => log.writes.push(Write {
                start,
                end: epoch.elapsed(),
            }),
            Err(e) => {
                if log.errors.len() < 5 {
                    log.errors.push(e.to_string());
                }
            }
        }
    }
    log
}

/// The figures of one interval.
#[derive(Clone, Copy, Default)]
pub(crate) struct Figures {
    /// The largest gap between consecutive completed writes of one writer.
    pub(crate) longest_stall: Duration,
    /// When that gap began (from the case's epoch).
    pub(crate) stall_began: Duration,
    /// The slowest single write.
    pub(crate) max_latency: Duration,
    pub(crate) p99: Duration,
    pub(crate) writes: usize,
}

/// Figures over the writes that overlap `[from, to)` (with `ended_within`,
/// only those that also ended by `to`: the quiet time before a change).
pub(crate) fn figures(logs: &[Log], from: Duration, to: Duration, ended_within: bool) -> Figures {
    let mut latencies = Vec::new();
    let mut longest_stall = Duration::ZERO;
    let mut stall_began = Duration::ZERO;
    for log in logs {
        let mut previous_end: Option<Duration> = None;
        for w in &log.writes {
            if ended_within && w.end > to {
                break;
            }
            if w.start < to && w.end > from {
                latencies.push(w.end - w.start);
            }
            if let Some(prev) = previous_end {
                if prev < to && w.end > from && w.end - prev > longest_stall {
                    longest_stall = w.end - prev;
                    stall_began = prev;
                }
            }
            previous_end = Some(w.end);
        }
    }
    latencies.sort_unstable();
    let p99 = if latencies.is_empty() {
        Duration::ZERO
    } else {
        latencies[((latencies.len() * 99).div_ceil(100)).max(1) - 1]
    };
    Figures {
        longest_stall,
        stall_began,
        max_latency: latencies.last().copied().unwrap_or_default(),
        p99,
        writes: latencies.len(),
    }
}
