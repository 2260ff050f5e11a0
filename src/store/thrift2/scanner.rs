//! Scans through the Thrift2 gateway, a batch per `getScannerResults`.
//!
//! Each batch asks for the rows from the key after the last one returned,
//! so no scanner lives on the server between batches: nothing to close,
//! no lease to expire, no scanner lost to a gateway restart, and a batch
//! is as safe to retry as a get.

use super::Thrift2Store;
use crate::error::Result;
use crate::store::{Row, Scan, Scanner, key_after};

/// A scan's state between batches.
struct Batches<'a> {
    store: &'a Thrift2Store,
    table: String,
    scan: Scan,
    /// The rows fetched and not yet returned, in reverse order (popped).
    rows: Vec<Row>,
    /// The first key of the next batch; `None` once the scan is done.
    next: Option<Vec<u8>>,
}

/// Opens a prepared scan: the first batch is fetched here, so that a
/// missing table or family fails from `scan` itself.
pub(super) fn open<'a>(store: &'a Thrift2Store, table: &str, scan: Scan) -> Result<Scanner<'a>> {
    let mut batches = Batches {
        store,
        table: table.to_string(),
        next: Some(scan.start.clone()),
        scan,
        rows: Vec::new(),
    };
    batches.fetch()?;
    Ok(Scanner::new(batches))
}

impl Batches<'_> {
    fn fetch(&mut self) -> Result<()> {
        let Some(start) = self.next.take() else {
            return Ok(());
        };
        let want = self.scan.batch.max(1);
        let mut rows = self
            .store
            .scan_batch(&self.table, &self.scan, &start, want)?;
        // A short batch is the end of the range.
        if rows.len() >= want {
            self.next = rows.last().and_then(|row| key_after(&row.key));
        }
        rows.reverse();
        self.rows = rows;
        Ok(())
    }
}

impl Iterator for Batches<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Result<Row>> {
        if self.rows.is_empty() {
            if let Err(err) = self.fetch() {
                self.next = None;
                return Some(Err(err));
            }
        }
        self.rows.pop().map(Ok)
    }
}
