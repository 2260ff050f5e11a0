//! The client clock for writes whose timestamps capjure chooses (atomic
//! replace, see [`Store::atomic_row_mutations`](super::Store::atomic_row_mutations)).
//!
//! Milliseconds since the epoch, like HBase's own clock, but strictly
//! increasing within the process: two replaces of one row in the same
//! millisecond still get distinct timestamps, so the later one's family
//! delete (at its timestamp minus one) removes the earlier one's cells.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The last timestamp handed out, shared by every store of the process.
static LAST: AtomicI64 = AtomicI64::new(0);

/// The wall clock in milliseconds, or the last timestamp plus one when the
/// wall clock has not moved past it (same millisecond, or a clock set
/// back).
pub(crate) fn next_timestamp() -> i64 {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let mut last = LAST.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.saturating_add(1));
        match LAST.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn strictly_increasing_across_threads() {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    (0..1000)
                        .map(|_| super::next_timestamp())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<i64> = Vec::new();
        for handle in handles {
            let stamps = handle.join().unwrap();
            assert!(stamps.windows(2).all(|w| w[0] < w[1]));
            all.extend(stamps);
        }
        let count = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), count, "a timestamp was handed out twice");
    }
}
