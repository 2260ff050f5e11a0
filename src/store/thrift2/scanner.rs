//! Scans through the Thrift2 gateway, a batch per `getScannerResults`.
//!
//! Each batch asks for the rows from the key after the last one returned
//! (going backward: from that key again, dropped as it arrives), so no
//! scanner lives on the server between batches: nothing to close, no lease
//! to expire, no scanner lost to a gateway restart, and a batch is as safe
//! to retry as a get.
//!
//! The server applies the time range (both bounds: Thrift2's `TScan` has
//! them) and, going forward, the filter; a reversed scan's filter and its
//! low bound are applied here (HBase's reversed stop row is exclusive and
//! the key just below an inclusive start has no name).

use super::{Thrift2Store, convert};
use crate::error::Result;
use crate::store::scan::Shape;
use crate::store::{Row, Scan, Scanner, key_after};

/// A scan's state between batches.
struct Batches<'a> {
    store: &'a Thrift2Store,
    table: String,
    scan: Scan,
    /// The filter string sent with every batch.
    filter: Option<Vec<u8>>,
    /// The rows fetched and not yet returned, in reverse order (popped).
    rows: Vec<Row>,
    /// The first key of the next batch (`None` inside: the table's end);
    /// `None` once the scan is done.
    next: Option<Option<Vec<u8>>>,
    /// The last key returned, dropped again when a reversed batch repeats it.
    last: Option<Vec<u8>>,
}

/// Opens a prepared scan: the first batch is fetched here, so that a
/// missing table or family fails from `scan` itself.
pub(super) fn open<'a>(
    store: &'a Thrift2Store,
    table: &str,
    mut scan: Scan,
    mut shape: Shape,
) -> Result<Scanner<'a>> {
    // The server's time range is exact: the newest version in it.
    shape.since = None;
    let server_filter = scan.filter.clone().filter(|_| !scan.reverse);
    let filter = match &server_filter {
        Some(filter) => {
            shape.filter = None;
            Some(filter.to_filter_string())
        }
        None if scan.keys_only && scan.filter.is_none() => {
            shape.keys_only = false;
            Some(convert::KEYS_ONLY.to_vec())
        }
        // Keys only after a client-side filter, which needs the values.
        None => None,
    };
    if shape.is_noop() {
        if let Some(limit) = scan.limit {
            // Every row fetched is returned: fetch no more than wanted.
            scan.batch = scan.batch.min(limit.max(1));
        }
    }
    let limit = scan.limit;
    let mut batches = Batches {
        store,
        table: table.to_string(),
        next: Some(scan.first_key().filter(|key| !key.is_empty())),
        scan,
        filter,
        rows: Vec::new(),
        last: None,
    };
    batches.fetch()?;
    Ok(Scanner::new(batches).shaped(shape, limit))
}

impl Batches<'_> {
    fn fetch(&mut self) -> Result<()> {
        let Some(start) = self.next.take() else {
            return Ok(());
        };
        let want = self.scan.batch.max(1) + usize::from(self.scan.reverse && self.last.is_some());
        let tscan = convert::scan(&self.scan, start.as_deref(), want, self.filter.clone());
        let mut rows = self.store.scan_batch(&self.table, tscan, want)?;
        let full = rows.len() >= want;
        if self.scan.reverse {
            let last = self.last.take();
            rows.retain(|row| last.as_deref().is_none_or(|last| row.key.as_slice() < last));
            // The next batch goes on from the lowest key fetched, whether
            // or not it is returned (an exclusive stop is fetched, then
            // dropped).
            self.last = rows.last().map(|row| row.key.clone()).or(last);
            // Keys come downward: below the start, the scan is over.
            let before = rows.len();
            rows.retain(|row| row.key >= self.scan.start);
            let ended = rows.len() < before;
            rows.retain(|row| self.scan.contains(&row.key));
            if full && !ended {
                self.next = Some(self.last.clone());
            }
        } else if full {
            self.next = rows.last().and_then(|row| key_after(&row.key)).map(Some);
        }
        rows.reverse();
        self.rows = rows;
        Ok(())
    }
}

impl Iterator for Batches<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        while self.rows.is_empty() {
            self.next.as_ref()?;
            if let Err(err) = self.fetch() {
                self.next = None;
                return Some(Err(err));
            }
        }
        self.rows.pop().map(Ok)
    }
}
