//! Scan requests and the lazy scanner every store returns.

use std::fmt;

use super::thrift::{ThriftCells, ThriftScanner};
use super::{Column, Row, StoreLimits, key_after, normalize_columns, prefix_end};
use crate::cell::{Cell, CellRef};
use crate::error::Result;

/// Where a scan stops.
///
/// ```
/// use capjure::store::{Scan, Stop};
/// assert_eq!(Scan::all().until("m").stop, Stop::Exclusive(b"m".to_vec()));
/// assert_eq!(Scan::all().through("m").stop, Stop::Inclusive(b"m".to_vec()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Stop {
    /// At the end of the table.
    #[default]
    End,
    /// Before this key.
    Exclusive(Vec<u8>),
    /// After this key.
    Inclusive(Vec<u8>),
}

/// A scan: a key range, columns, and how many rows to fetch per round trip.
///
/// ```
/// use capjure::store::{Column, Scan};
/// let scan = Scan::prefix("shop1/2024-05-01/")
///     .columns([Column::family("viewed")])
///     .batch(500);
/// assert_eq!(scan.start, b"shop1/2024-05-01/");
/// assert_eq!(scan.batch, 500);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan {
    /// The first key scanned (inclusive); empty for the start of the table.
    pub start: Vec<u8>,
    /// Where to stop.
    pub stop: Stop,
    /// The columns; empty for all.
    pub columns: Vec<Column>,
    /// Rows fetched per round trip (at least 1).
    pub batch: usize,
    /// Only cells older than this timestamp.
    pub before: Option<i64>,
    /// Return at most one cell per row, with an empty value: enough to
    /// count or list keys without moving values (HBase's
    /// `FirstKeyOnlyFilter() AND KeyOnlyFilter()`).
    pub keys_only: bool,
}

impl Scan {
    /// Rows fetched per round trip unless [`Scan::batch`] says otherwise.
    pub const DEFAULT_BATCH: usize = 100;

    /// The whole table.
    ///
    /// ```
    /// assert!(capjure::store::Scan::all().start.is_empty());
    /// ```
    pub fn all() -> Self {
        Scan {
            start: Vec::new(),
            stop: Stop::End,
            columns: Vec::new(),
            batch: Scan::DEFAULT_BATCH,
            before: None,
            keys_only: false,
        }
    }

    /// Keys from `start` (inclusive) to `stop` (exclusive).
    ///
    /// ```
    /// use capjure::store::{Scan, Stop};
    /// assert_eq!(Scan::range("a", "c").stop, Stop::Exclusive(b"c".to_vec()));
    /// ```
    pub fn range(start: impl Into<Vec<u8>>, stop: impl Into<Vec<u8>>) -> Self {
        Scan::all().from(start).until(stop)
    }

    /// Keys starting with `prefix`, any bytes included (a prefix ending in
    /// `0xFF` works).
    ///
    /// ```
    /// use capjure::store::{Scan, Stop};
    /// assert_eq!(Scan::prefix(b"a\xFF".to_vec()).stop, Stop::Exclusive(b"b".to_vec()));
    /// assert_eq!(Scan::prefix(b"\xFF".to_vec()).stop, Stop::End);
    /// ```
    pub fn prefix(prefix: impl Into<Vec<u8>>) -> Self {
        let prefix = prefix.into();
        let stop = match prefix_end(&prefix) {
            Some(end) => Stop::Exclusive(end),
            None => Stop::End,
        };
        Scan {
            start: prefix,
            stop,
            ..Scan::all()
        }
    }

    /// Starting at `start` (inclusive).
    ///
    /// ```
    /// assert_eq!(capjure::store::Scan::all().from("k").start, b"k");
    /// ```
    pub fn from(mut self, start: impl Into<Vec<u8>>) -> Self {
        self.start = start.into();
        self
    }

    /// Stopping before `stop`. An empty `stop` means no stop, as in HBase
    /// (and happybase): the scan runs to the end of the table.
    ///
    /// ```
    /// use capjure::store::{Scan, Stop};
    /// assert_eq!(Scan::all().until("z").stop, Stop::Exclusive(b"z".to_vec()));
    /// assert!(!Scan::all().from("k").until("").is_empty_range());
    /// ```
    pub fn until(mut self, stop: impl Into<Vec<u8>>) -> Self {
        self.stop = Stop::Exclusive(stop.into());
        self
    }

    /// Stopping after `stop` (inclusive). An empty `stop` means no stop, as
    /// in HBase.
    ///
    /// ```
    /// use capjure::store::{Scan, Stop};
    /// assert_eq!(Scan::all().through("z").stop, Stop::Inclusive(b"z".to_vec()));
    /// ```
    pub fn through(mut self, stop: impl Into<Vec<u8>>) -> Self {
        self.stop = Stop::Inclusive(stop.into());
        self
    }

    /// Only these columns; rows without any of them are skipped.
    ///
    /// ```
    /// use capjure::store::{Column, Scan};
    /// assert_eq!(Scan::all().columns([Column::family("f")]).columns.len(), 1);
    /// ```
    pub fn columns(mut self, columns: impl IntoIterator<Item = Column>) -> Self {
        self.columns = columns.into_iter().collect();
        self
    }

    /// Rows fetched per round trip (0 counts as 1).
    ///
    /// ```
    /// assert_eq!(capjure::store::Scan::all().batch(0).batch, 1);
    /// ```
    pub fn batch(mut self, rows: usize) -> Self {
        self.batch = rows.max(1);
        self
    }

    /// Only cells older than `timestamp`.
    ///
    /// ```
    /// assert_eq!(capjure::store::Scan::all().before(9).before, Some(9));
    /// ```
    pub fn before(mut self, timestamp: i64) -> Self {
        self.before = Some(timestamp);
        self
    }

    /// Keys only: at most one cell per row, value emptied on the server.
    ///
    /// ```
    /// assert!(capjure::store::Scan::all().keys_only().keys_only);
    /// ```
    pub fn keys_only(mut self) -> Self {
        self.keys_only = true;
        self
    }

    /// The stop as an exclusive bound: an inclusive stop `k` becomes `k\0`,
    /// the first key after it (see `key_after`); `None` for no bound.
    pub(crate) fn exclusive_stop(&self) -> Option<Vec<u8>> {
        match &self.stop {
            Stop::End => None,
            Stop::Exclusive(stop) => Some(stop.clone()),
            Stop::Inclusive(stop) => key_after(stop),
        }
    }

    /// Whether the range holds no key at all: an exclusive stop at or
    /// before the start, or an inclusive stop before it. An empty stop is
    /// no stop (HBase's meaning), so it never makes a range empty.
    ///
    /// HBase reads a scan whose start equals its stop as a get of that
    /// row, so such a scan must never reach the server.
    ///
    /// ```
    /// use capjure::store::Scan;
    /// assert!(Scan::range("k", "k").is_empty_range());
    /// assert!(Scan::range("b", "a").is_empty_range());
    /// assert!(!Scan::all().until("").is_empty_range()); // no stop at all
    /// assert!(!Scan::all().from("k").through("k").is_empty_range());
    /// assert!(!Scan::range("k", "k\0").is_empty_range());
    /// ```
    pub fn is_empty_range(&self) -> bool {
        match &self.stop {
            Stop::End => false,
            Stop::Exclusive(stop) | Stop::Inclusive(stop) if stop.is_empty() => false,
            Stop::Exclusive(stop) => *stop <= self.start,
            Stop::Inclusive(stop) => *stop < self.start,
        }
    }

    /// What every store does first with a scan, so that they all agree:
    /// checks its keys, drops redundant columns, and says
    /// whether the range is empty, in which case the store must only check
    /// that the table and the scan's families exist (as a scan that ran
    /// would) and return no rows.
    pub(crate) fn prepare(&self, table: &str, limits: &StoreLimits) -> Result<Prepared> {
        limits.check_scan(table, self)?;
        let mut scan = self.clone();
        if matches!(&scan.stop, Stop::Exclusive(stop) | Stop::Inclusive(stop) if stop.is_empty()) {
            // HBase's "no stop row", whichever bound it was given as.
            scan.stop = Stop::End;
        }
        scan.columns = normalize_columns(&scan.columns);
        scan.batch = scan.batch.max(1);
        Ok(if scan.is_empty_range() {
            Prepared::Empty(scan)
        } else {
            Prepared::Run(scan)
        })
    }

    /// Whether `key` is past the stop.
    pub(crate) fn is_past_stop(&self, key: &[u8]) -> bool {
        match &self.stop {
            Stop::End => false,
            Stop::Exclusive(stop) => key >= stop.as_slice(),
            Stop::Inclusive(stop) => key > stop.as_slice(),
        }
    }
}

/// A scan after [`Scan::prepare`].
pub(crate) enum Prepared {
    /// A range without keys: nothing to ask the server.
    Empty(Scan),
    /// A scan to run.
    Run(Scan),
}

impl Default for Scan {
    fn default() -> Self {
        Scan::all()
    }
}

/// A lazy scan: an iterator of rows in key order, fetched in batches.
///
/// Dropping it early releases whatever the store holds for it (a server
/// scanner for [`ThriftStore`](super::ThriftStore)). After an error the
/// scanner ends.
///
/// ```
/// use capjure::store::{Row, Scanner};
/// let rows = vec![Ok(Row { key: b"a".to_vec(), cells: vec![] })];
/// let mut scanner = Scanner::new(rows.into_iter());
/// assert_eq!(scanner.next().unwrap()?.key, b"a");
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct Scanner<'a> {
    source: Source<'a>,
    failed: bool,
}

/// Where a scanner's rows come from.
enum Source<'a> {
    /// Rows the store built (any [`Store`](super::Store)).
    Rows(Box<dyn Iterator<Item = Result<Row>> + Send + 'a>),
    /// The gateway's own results, read in place by [`Scanner::next_with`].
    Thrift(Box<ThriftScanner<'a>>),
}

impl<'a> Scanner<'a> {
    /// A scanner over any iterator of rows; what a [`Store`](super::Store)
    /// implementation returns.
    ///
    /// ```
    /// let scanner = capjure::store::Scanner::new(std::iter::empty());
    /// assert_eq!(scanner.count(), 0);
    /// ```
    pub fn new(rows: impl Iterator<Item = Result<Row>> + Send + 'a) -> Self {
        Scanner {
            source: Source::Rows(Box::new(rows)),
            failed: false,
        }
    }

    /// A scanner over the gateway's results.
    pub(crate) fn thrift(scanner: ThriftScanner<'a>) -> Self {
        Scanner {
            source: Source::Thrift(Box::new(scanner)),
            failed: false,
        }
    }

    /// The next row read in place: `read` gets its key and its newest
    /// cells in column order (what [`Row::latest`] yields), borrowed from
    /// what the store fetched, without building a [`Row`]; the key is then
    /// moved into the result. An error from `read` is returned and the
    /// scan goes on; a store error ends it, as in [`Iterator::next`].
    pub(crate) fn next_with<T>(
        &mut self,
        read: impl FnOnce(&[u8], RowCells<'_>) -> Result<T>,
    ) -> Option<Result<(Vec<u8>, T)>> {
        if self.failed {
            return None;
        }
        let (key, value) = match &mut self.source {
            Source::Rows(rows) => {
                let row = match rows.next()? {
                    Ok(row) => row,
                    Err(err) => {
                        self.failed = true;
                        return Some(Err(err));
                    }
                };
                let value = read(&row.key, RowCells::Latest(Latest::new(&row.cells)));
                (row.key, value)
            }
            Source::Thrift(scanner) => {
                let row = match scanner.next_row()? {
                    Ok(row) => row,
                    Err(err) => {
                        self.failed = true;
                        return Some(Err(err));
                    }
                };
                let batch = scanner.batch();
                let key = batch.key(row);
                let value = read(key, RowCells::Thrift(ThriftCells::new(batch, row)));
                (key.to_vec(), value)
            }
        };
        Some(value.map(|value| (key, value)))
    }
}

/// One row's newest cells, borrowed: from a [`Row`] or straight from the
/// gateway's result.
pub(crate) enum RowCells<'c> {
    Latest(Latest<'c>),
    Thrift(ThriftCells<'c>),
}

impl<'c> Iterator for RowCells<'c> {
    type Item = CellRef<'c>;

    #[inline]
    fn next(&mut self) -> Option<CellRef<'c>> {
        match self {
            RowCells::Latest(cells) => cells.next(),
            RowCells::Thrift(cells) => cells.next(),
        }
    }
}

/// [`Row::latest`] as [`CellRef`]s: the first cell of each column.
pub(crate) struct Latest<'c> {
    cells: &'c [Cell],
    index: usize,
}

impl<'c> Latest<'c> {
    fn new(cells: &'c [Cell]) -> Self {
        Latest { cells, index: 0 }
    }
}

impl<'c> Iterator for Latest<'c> {
    type Item = CellRef<'c>;

    fn next(&mut self) -> Option<CellRef<'c>> {
        let cells = self.cells;
        let cell = cells.get(self.index)?;
        self.index += 1;
        while cells
            .get(self.index)
            .is_some_and(|next| next.family == cell.family && next.qualifier == cell.qualifier)
        {
            self.index += 1;
        }
        Some(cell.view())
    }
}

impl Iterator for Scanner<'_> {
    type Item = Result<Row>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let next = match &mut self.source {
            Source::Rows(rows) => rows.next(),
            Source::Thrift(scanner) => scanner.next(),
        };
        if matches!(next, Some(Err(_))) {
            self.failed = true;
        }
        next
    }
}

impl fmt::Debug for Scanner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
