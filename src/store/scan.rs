//! Scan requests and the lazy scanner every store returns.

use std::fmt;

use super::filter::{Filter, extra_columns};
pub(crate) use super::shape::Shape;
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

/// A scan: a key range, columns, and how many rows to fetch per round trip,
/// optionally filtered, limited, reversed and restricted to a time range.
///
/// Every option means the same on every store: the conformance suite runs
/// the same cases on [`MemoryStore`](super::MemoryStore) and real HBase.
///
/// ```
/// use capjure::store::{Column, CompareOp, Filter, Scan};
/// let scan = Scan::prefix("shop1/2024-05-01/")
///     .columns([Column::family("viewed")])
///     .filter(Filter::compare("viewed", "page", CompareOp::Eq, "home"))
///     .reverse()
///     .limit(10)
///     .batch(500);
/// assert_eq!(scan.start, b"shop1/2024-05-01/");
/// assert_eq!((scan.batch, scan.limit, scan.reverse), (500, Some(10), true));
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
    /// Only cells at or after this timestamp.
    pub since: Option<i64>,
    /// Return at most one cell per row, with an empty value: enough to
    /// count or list keys without moving values (HBase's
    /// `FirstKeyOnlyFilter() AND KeyOnlyFilter()`).
    pub keys_only: bool,
    /// Only rows the filter matches (see [`Filter`]).
    pub filter: Option<Filter>,
    /// At most this many rows (after filtering).
    pub limit: Option<usize>,
    /// The same key range in descending key order.
    pub reverse: bool,
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
            since: None,
            keys_only: false,
            filter: None,
            limit: None,
            reverse: false,
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

    /// Only cells at or after `timestamp` (with [`Scan::before`], the time
    /// range `[since, before)`). A row with no cell in the range is not
    /// returned, and a [`Filter`] sees only the cells in the range.
    ///
    /// ```
    /// let scan = capjure::store::Scan::all().since(5).before(9);
    /// assert_eq!((scan.since, scan.before), (Some(5), Some(9)));
    /// ```
    pub fn since(mut self, timestamp: i64) -> Self {
        self.since = Some(timestamp);
        self
    }

    /// Only rows `filter` matches. The filter reads its columns even when
    /// [`Scan::columns`] leaves them out; they are then not returned (and
    /// a row left with no cell is not returned).
    ///
    /// ```
    /// use capjure::store::{Filter, Scan};
    /// let scan = Scan::all().filter(Filter::exists("f", "q"));
    /// assert!(scan.filter.is_some());
    /// ```
    pub fn filter(mut self, filter: Filter) -> Self {
        self.filter = Some(filter);
        self
    }

    /// At most `rows` rows, counted after the filter.
    ///
    /// ```
    /// assert_eq!(capjure::store::Scan::all().limit(3).limit, Some(3));
    /// ```
    pub fn limit(mut self, rows: usize) -> Self {
        self.limit = Some(rows);
        self
    }

    /// The same rows in descending key order: the range keeps its meaning
    /// (`start` is still the lowest key, inclusive; the stop the highest),
    /// only the order changes.
    ///
    /// ```
    /// let scan = capjure::store::Scan::range("a", "m").reverse();
    /// assert!(scan.reverse && scan.start == b"a");
    /// ```
    pub fn reverse(mut self) -> Self {
        self.reverse = true;
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
    /// checks its keys, drops redundant columns, folds the filter, adds
    /// the columns the filter reads to a projection that lacks them, and
    /// says whether the scan can return no row (an empty range or time
    /// range, a zero limit, a filter no row matches), in which case the
    /// store must only check that the table and the scan's families exist
    /// (as a scan that ran would) and return no rows.
    ///
    /// A scan to run comes with the [`Shape`] that turns the rows the
    /// store fetched into the rows the scan returns.
    pub(crate) fn prepare(&self, table: &str, limits: &StoreLimits) -> Result<Prepared> {
        limits.check_scan(table, self)?;
        let mut scan = self.clone();
        if matches!(&scan.stop, Stop::Exclusive(stop) | Stop::Inclusive(stop) if stop.is_empty()) {
            // HBase's "no stop row", whichever bound it was given as.
            scan.stop = Stop::End;
        }
        scan.columns = normalize_columns(&scan.columns);
        scan.batch = scan.batch.max(1);
        let (filter, no_row) = match scan.filter.as_ref().map(Filter::simplify) {
            None | Some(Ok(None)) => (None, false),
            Some(Ok(Some(filter))) => (Some(filter), false),
            Some(Err(())) => (None, true),
        };
        scan.filter = filter;
        let empty_time =
            matches!((scan.since, scan.before), (Some(since), Some(before)) if since >= before);
        if no_row || empty_time || scan.limit == Some(0) || scan.is_empty_range() {
            return Ok(Prepared::Empty(scan));
        }
        let mut keep = None;
        if let Some(filter) = &scan.filter {
            let extra = extra_columns(filter, &scan.columns);
            if !scan.columns.is_empty() && !extra.is_empty() {
                keep = Some(scan.columns.clone());
                scan.columns.extend(extra);
            }
        }
        let shape = Shape {
            keep,
            since: scan.since,
            filter: scan.filter.clone(),
            keys_only: scan.keys_only,
        };
        Ok(Prepared::Run(scan, shape))
    }

    /// The first key of the range in scan order: `start` going forward;
    /// going backward the stop, `None` for the end of the table (an
    /// exclusive stop is then the first key read, and dropped).
    pub(crate) fn first_key(&self) -> Option<Vec<u8>> {
        if !self.reverse {
            return Some(self.start.clone());
        }
        match &self.stop {
            Stop::End => None,
            Stop::Exclusive(stop) | Stop::Inclusive(stop) => Some(stop.clone()),
        }
    }

    /// Whether `key` is in the key range.
    pub(crate) fn contains(&self, key: &[u8]) -> bool {
        key >= self.start.as_slice() && !self.is_past_stop(key)
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
    /// A scan that returns no row: nothing to ask the server.
    Empty(Scan),
    /// A scan to run (its columns those to fetch), and what to do with the
    /// rows fetched.
    Run(Scan, Shape),
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
    /// What the fetched rows still need (see [`Shape`]).
    shape: Option<Shape>,
    /// Rows still to return, under a [`Scan::limit`].
    remaining: Option<usize>,
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
            shape: None,
            remaining: None,
        }
    }

    /// A scanner over the gateway's results.
    pub(crate) fn thrift(scanner: ThriftScanner<'a>) -> Self {
        Scanner {
            source: Source::Thrift(Box::new(scanner)),
            failed: false,
            shape: None,
            remaining: None,
        }
    }

    /// The same scanner passing each row through `shape` (unless it does
    /// nothing) and stopping after `limit` rows.
    pub(crate) fn shaped(mut self, shape: Shape, limit: Option<usize>) -> Self {
        self.shape = (!shape.is_noop()).then_some(shape);
        self.remaining = limit;
        self
    }

    /// The next fetched row, shaped; `None` at the end.
    fn next_shaped(&mut self) -> Option<Result<Row>> {
        loop {
            let row = match &mut self.source {
                Source::Rows(rows) => rows.next(),
                Source::Thrift(scanner) => scanner.next(),
            }?;
            let row = match row {
                Ok(row) => row,
                Err(err) => {
                    self.failed = true;
                    return Some(Err(err));
                }
            };
            match &self.shape {
                None => return Some(Ok(row)),
                Some(shape) => {
                    if let Some(row) = shape.apply(row) {
                        return Some(Ok(row));
                    }
                }
            }
        }
    }

    /// Counts one row against the limit; `false` when none is left.
    fn take_one(&mut self) -> bool {
        match &mut self.remaining {
            None => true,
            Some(0) => false,
            Some(left) => {
                *left -= 1;
                true
            }
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
        if self.failed || !self.take_one() {
            return None;
        }
        if self.shape.is_some() {
            // Rows that need shaping are built whole first.
            let row = match self.next_shaped()? {
                Ok(row) => row,
                Err(err) => return Some(Err(err)),
            };
            let value = read(&row.key, RowCells::Latest(Latest::new(&row.cells)));
            return Some(value.map(|value| (row.key, value)));
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
        if self.failed || !self.take_one() {
            return None;
        }
        self.next_shaped()
    }
}

impl fmt::Debug for Scanner<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scanner")
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}
