//! Stores: where cells live. [`Store`] is the synchronous interface every
//! backend implements; [`MemoryStore`] keeps cells in memory (the embedded
//! default and a test double), [`ThriftStore`] talks to a real HBase through
//! its Thrift1 gateway.
//!
//! Rows, families and qualifiers are bytes. Every call that takes a row key
//! rejects an empty one with [`ErrorKind::EmptyRowKey`], and one longer
//! than HBase takes, or a cell larger than it takes, with
//! [`ErrorKind::InvalidArgument`] before sending anything
//! ([`StoreLimits`]). Timestamps are
//! milliseconds since the epoch and must not be negative; a `None`
//! timestamp lets the store use its own clock, the way HBase does.
//!
//! ```
//! use capjure::store::{Read, RowMutations, Store, FamilySpec};
//! use capjure::{Cell, MemoryStore};
//!
//! let store = MemoryStore::new();
//! store.create_table("paintings", &[FamilySpec::new("road")])?;
//! store.mutate("paintings", &[RowMutations::new("p1").put(Cell::new("road", "name", "101N"))])?;
//! let row = store.get_row("paintings", b"p1", &Read::latest())?.expect("row p1");
//! assert_eq!(row.cells[0].value, b"101N");
//! # Ok::<(), capjure::Error>(())
//! ```

use std::borrow::Cow;
use std::sync::Arc;

use crate::cell::Cell;
use crate::error::{ErrorKind, Result};

mod check;
mod clock;
pub(crate) mod filter;
mod gateway;
mod limits;
pub mod memory;
pub(crate) mod scan;
mod shape;
pub mod thrift;
mod thrift2;

pub use check::Check;
pub use filter::{CompareOp, Filter};
pub use gateway::config::{ThriftConfig, TransportKind, WireProtocol};
pub use limits::StoreLimits;
pub use memory::MemoryStore;
pub(crate) use scan::Prepared;
pub use scan::{Scan, Scanner, Stop};
pub use thrift::ThriftStore;
pub use thrift2::Thrift2Store;
/// The generated Thrift2 bindings, for benchmarks that call the gateway
/// without capjure (the ceiling); not a stable API.
#[doc(hidden)]
pub use thrift2::generated as thrift2_generated;

/// Which columns a read returns: a whole family, or one column.
///
/// ```
/// use capjure::store::Column;
/// assert_eq!(Column::parse(b"road:name"), Column::qualified("road", "name"));
/// assert_eq!(Column::parse(b"road"), Column::family("road"));
/// assert_eq!(Column::parse(b"houses:"), Column::qualified("houses", ""));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Column {
    /// Every column of a family.
    Family(Vec<u8>),
    /// One column.
    Qualified {
        /// The family.
        family: Vec<u8>,
        /// The qualifier (may be empty).
        qualifier: Vec<u8>,
    },
}

impl Column {
    /// A whole family.
    ///
    /// ```
    /// let column = capjure::store::Column::family("road");
    /// assert_eq!(column.family_name(), b"road");
    /// ```
    pub fn family(family: impl Into<Vec<u8>>) -> Self {
        Column::Family(family.into())
    }

    /// One column.
    ///
    /// ```
    /// let column = capjure::store::Column::qualified("road", "name");
    /// assert_eq!(column.family_name(), b"road");
    /// ```
    pub fn qualified(family: impl Into<Vec<u8>>, qualifier: impl Into<Vec<u8>>) -> Self {
        Column::Qualified {
            family: family.into(),
            qualifier: qualifier.into(),
        }
    }

    /// Reads HBase's `family[:qualifier]` notation: without `:` the whole
    /// family, with it one column (`houses:` is the empty qualifier).
    ///
    /// ```
    /// use capjure::store::Column;
    /// assert_eq!(Column::parse(b"trees:http://x"), Column::qualified("trees", "http://x"));
    /// ```
    pub fn parse(column: &[u8]) -> Self {
        match column.iter().position(|&b| b == b':') {
            Some(colon) => Column::qualified(&column[..colon], &column[colon + 1..]),
            None => Column::family(column),
        }
    }

    /// The family this column is in.
    ///
    /// ```
    /// assert_eq!(capjure::store::Column::parse(b"a:b").family_name(), b"a");
    /// ```
    pub fn family_name(&self) -> &[u8] {
        match self {
            Column::Family(family) | Column::Qualified { family, .. } => family,
        }
    }

    /// Whether a cell of `family:qualifier` is selected by this column.
    ///
    /// ```
    /// use capjure::store::Column;
    /// assert!(Column::family("road").matches(b"road", b"name"));
    /// assert!(!Column::qualified("road", "name").matches(b"road", b"speed"));
    /// ```
    pub fn matches(&self, family: &[u8], qualifier: &[u8]) -> bool {
        match self {
            Column::Family(f) => f == family,
            Column::Qualified {
                family: f,
                qualifier: q,
            } => f == family && q == qualifier,
        }
    }

    /// HBase's `family` or `family:qualifier` notation.
    pub(crate) fn to_thrift(&self) -> Vec<u8> {
        match self {
            Column::Family(family) => family.clone(),
            Column::Qualified { family, qualifier } => {
                let mut column = Vec::with_capacity(family.len() + 1 + qualifier.len());
                column.extend_from_slice(family);
                column.push(b':');
                column.extend_from_slice(qualifier);
                column
            }
        }
    }
}

/// Drops columns already covered by a whole-family selector and repeats:
/// HBase lets the *order* of `addFamily`/`addColumn` decide otherwise, and
/// the two stores must agree.
pub(crate) fn normalize_columns(columns: &[Column]) -> Vec<Column> {
    let mut out: Vec<Column> = Vec::with_capacity(columns.len());
    for column in columns {
        let covered = columns
            .iter()
            .any(|c| matches!(c, Column::Family(f) if f == column.family_name()))
            && matches!(column, Column::Qualified { .. });
        if !covered && !out.contains(column) {
            out.push(column.clone());
        }
    }
    out
}

/// One row as a store returns it: the key and its cells sorted by family,
/// then qualifier, then newest version first. Every cell carries its
/// timestamp.
///
/// ```
/// use capjure::Cell;
/// use capjure::store::Row;
///
/// let row = Row { key: b"r1".to_vec(), cells: vec![Cell::new("road", "name", "101N").at(5)] };
/// assert_eq!(row.cell(b"road", b"name").map(|c| c.timestamp), Some(Some(5)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The row key.
    pub key: Vec<u8>,
    /// The cells, sorted by family, qualifier, then newest first.
    pub cells: Vec<Cell>,
}

impl Row {
    /// The newest version of one column.
    ///
    /// ```
    /// use capjure::Cell;
    /// use capjure::store::Row;
    /// let row = Row { key: b"r".to_vec(), cells: vec![Cell::new("a", "b", "2").at(2), Cell::new("a", "b", "1").at(1)] };
    /// assert_eq!(row.cell(b"a", b"b").unwrap().value, b"2");
    /// ```
    pub fn cell(&self, family: &[u8], qualifier: &[u8]) -> Option<&Cell> {
        self.cells
            .iter()
            .find(|cell| cell.family == family && cell.qualifier == qualifier)
    }

    /// The newest version of every column, in column order: what hydration
    /// reads.
    ///
    /// ```
    /// use capjure::Cell;
    /// use capjure::store::Row;
    /// let row = Row { key: b"r".to_vec(), cells: vec![Cell::new("a", "b", "2").at(2), Cell::new("a", "b", "1").at(1)] };
    /// assert_eq!(row.latest().count(), 1);
    /// ```
    pub fn latest(&self) -> impl Iterator<Item = &Cell> {
        self.cells.iter().enumerate().filter_map(|(index, cell)| {
            let repeat = index > 0
                && self.cells.get(index - 1).is_some_and(|previous| {
                    previous.family == cell.family && previous.qualifier == cell.qualifier
                });
            (!repeat).then_some(cell)
        })
    }
}

/// Sorts cells the way HBase returns them: family, qualifier, newest first.
pub(crate) fn sort_cells(cells: &mut [Cell]) {
    cells.sort_by(|a, b| {
        (&a.family, &a.qualifier)
            .cmp(&(&b.family, &b.qualifier))
            .then_with(|| b.timestamp.cmp(&a.timestamp))
    });
}

/// One change to one row.
///
/// ```
/// use capjure::Cell;
/// use capjure::store::Mutation;
/// let put = Mutation::Put(Cell::new("road", "name", "101N"));
/// assert_eq!(put.family(), b"road");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// Write a cell, at its timestamp or the store's clock.
    Put(Cell),
    /// Delete every version of a column at or below the timestamp (all
    /// versions up to now when `None`).
    DeleteColumn {
        /// The family.
        family: Vec<u8>,
        /// The qualifier.
        qualifier: Vec<u8>,
        /// The newest timestamp deleted.
        timestamp: Option<i64>,
    },
    /// Delete every version of every column of a family at or below the
    /// timestamp (all versions up to now when `None`).
    DeleteFamily {
        /// The family.
        family: Vec<u8>,
        /// The newest timestamp deleted.
        timestamp: Option<i64>,
    },
}

impl Mutation {
    /// The family this mutation touches.
    ///
    /// ```
    /// let delete = capjure::store::Mutation::DeleteFamily { family: b"road".to_vec(), timestamp: None };
    /// assert_eq!(delete.family(), b"road");
    /// ```
    pub fn family(&self) -> &[u8] {
        match self {
            Mutation::Put(cell) => &cell.family,
            Mutation::DeleteColumn { family, .. } | Mutation::DeleteFamily { family, .. } => family,
        }
    }

    /// The timestamp the mutation is at; `None` for the store's clock.
    ///
    /// ```
    /// let put = capjure::store::Mutation::Put(capjure::Cell::new("a", "b", "v").at(7));
    /// assert_eq!(put.timestamp(), Some(7));
    /// ```
    pub fn timestamp(&self) -> Option<i64> {
        match self {
            Mutation::Put(cell) => cell.timestamp,
            Mutation::DeleteColumn { timestamp, .. } | Mutation::DeleteFamily { timestamp, .. } => {
                *timestamp
            }
        }
    }

    /// Whether this is a delete.
    ///
    /// ```
    /// assert!(!capjure::store::Mutation::Put(capjure::Cell::new("a", "b", "v")).is_delete());
    /// ```
    pub fn is_delete(&self) -> bool {
        !matches!(self, Mutation::Put(_))
    }
}

/// The mutations of one row, applied together.
///
/// Within one row and one store call, the puts are applied before the
/// deletes (as HBase's gateway does), so a delete at or above a put's
/// timestamp hides that put.
///
/// ```
/// use capjure::Cell;
/// use capjure::store::RowMutations;
///
/// let change = RowMutations::new("p1")
///     .put(Cell::new("road", "name", "101N"))
///     .delete_column("road", "speed", None)
///     .delete_family("trees", Some(10));
/// assert_eq!(change.mutations.len(), 3);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowMutations {
    /// The row key.
    pub row: Vec<u8>,
    /// The changes.
    pub mutations: Vec<Mutation>,
}

impl RowMutations {
    /// No changes yet to `row`.
    ///
    /// ```
    /// assert!(capjure::store::RowMutations::new("r").mutations.is_empty());
    /// ```
    pub fn new(row: impl Into<Vec<u8>>) -> Self {
        RowMutations {
            row: row.into(),
            mutations: Vec::new(),
        }
    }

    /// Adds a put.
    ///
    /// ```
    /// let change = capjure::store::RowMutations::new("r").put(capjure::Cell::new("a", "b", "v"));
    /// assert_eq!(change.mutations.len(), 1);
    /// ```
    pub fn put(mut self, cell: Cell) -> Self {
        self.mutations.push(Mutation::Put(cell));
        self
    }

    /// Adds a delete of every version of a column at or below `timestamp`.
    ///
    /// ```
    /// let change = capjure::store::RowMutations::new("r").delete_column("a", "b", Some(3));
    /// assert!(change.mutations[0].is_delete());
    /// ```
    pub fn delete_column(
        mut self,
        family: impl Into<Vec<u8>>,
        qualifier: impl Into<Vec<u8>>,
        timestamp: Option<i64>,
    ) -> Self {
        self.mutations.push(Mutation::DeleteColumn {
            family: family.into(),
            qualifier: qualifier.into(),
            timestamp,
        });
        self
    }

    /// Adds a delete of every version of every column of a family at or
    /// below `timestamp`.
    ///
    /// ```
    /// let change = capjure::store::RowMutations::new("r").delete_family("a", None);
    /// assert_eq!(change.mutations[0].family(), b"a");
    /// ```
    pub fn delete_family(mut self, family: impl Into<Vec<u8>>, timestamp: Option<i64>) -> Self {
        self.mutations.push(Mutation::DeleteFamily {
            family: family.into(),
            timestamp,
        });
        self
    }
}

/// What a get returns: which columns, how many versions, and up to which
/// time.
///
/// ```
/// use capjure::store::{Column, Read};
/// let read = Read::latest().columns([Column::family("road")]).versions(3).before(1_000);
/// assert_eq!(read.versions, 3);
/// assert_eq!(read.before, Some(1_000));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Read {
    /// The columns; empty for all.
    pub columns: Vec<Column>,
    /// Versions per column, at least 1.
    pub versions: u32,
    /// Only cells with a timestamp strictly below this (HBase's time range
    /// `[0, before)`); `None` for all.
    pub before: Option<i64>,
}

impl Read {
    /// The newest version of every column.
    ///
    /// ```
    /// assert_eq!(capjure::store::Read::latest().versions, 1);
    /// ```
    pub fn latest() -> Self {
        Read {
            columns: Vec::new(),
            versions: 1,
            before: None,
        }
    }

    /// Only these columns.
    ///
    /// ```
    /// use capjure::store::{Column, Read};
    /// assert_eq!(Read::latest().columns([Column::family("a")]).columns.len(), 1);
    /// ```
    pub fn columns(mut self, columns: impl IntoIterator<Item = Column>) -> Self {
        self.columns = columns.into_iter().collect();
        self
    }

    /// Up to `versions` versions per column (0 counts as 1).
    ///
    /// ```
    /// assert_eq!(capjure::store::Read::latest().versions(0).versions, 1);
    /// ```
    pub fn versions(mut self, versions: u32) -> Self {
        self.versions = versions.max(1);
        self
    }

    /// Only cells older than `timestamp`; `before(t + 1)` reads the row as
    /// it was at `t`.
    ///
    /// ```
    /// assert_eq!(capjure::store::Read::latest().before(5).before, Some(5));
    /// ```
    pub fn before(mut self, timestamp: i64) -> Self {
        self.before = Some(timestamp);
        self
    }
}

impl Default for Read {
    fn default() -> Self {
        Read::latest()
    }
}

/// A column family to create: its name, how many versions it keeps and
/// for how long.
///
/// ```
/// let spec = capjure::store::FamilySpec::new("road").max_versions(3).ttl(86_400);
/// assert_eq!((spec.max_versions, spec.ttl), (3, Some(86_400)));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FamilySpec {
    /// The family name.
    pub name: String,
    /// Versions kept per column (HBase's `VERSIONS`), at least 1.
    pub max_versions: u32,
    /// Seconds a cell stays readable after its timestamp (HBase's `TTL`);
    /// `None` for forever. Expired cells are invisible to every read.
    pub ttl: Option<u32>,
}

impl FamilySpec {
    /// A family keeping one version, HBase's default.
    ///
    /// ```
    /// assert_eq!(capjure::store::FamilySpec::new("a").max_versions, 1);
    /// ```
    pub fn new(name: impl Into<String>) -> Self {
        FamilySpec {
            name: name.into(),
            max_versions: 1,
            ttl: None,
        }
    }

    /// Keeping `versions` versions (0 counts as 1).
    ///
    /// ```
    /// assert_eq!(capjure::store::FamilySpec::new("a").max_versions(0).max_versions, 1);
    /// ```
    pub fn max_versions(mut self, versions: u32) -> Self {
        self.max_versions = versions.max(1);
        self
    }

    /// Keeping each cell `seconds` seconds after its timestamp (0 counts as
    /// 1); older cells are invisible to reads and dropped by HBase at its
    /// next compaction.
    ///
    /// ```
    /// assert_eq!(capjure::store::FamilySpec::new("a").ttl(60).ttl, Some(60));
    /// ```
    pub fn ttl(mut self, seconds: u32) -> Self {
        self.ttl = Some(seconds.max(1));
        self
    }
}

/// How durably a write is stored before the server acknowledges it
/// (HBase's `Durability`). Only [`Thrift2Store`] can ask for it, for all its
/// writes ([`Thrift2Store::durability`]); other stores use the table's.
///
/// ```
/// use capjure::store::Durability;
/// assert_eq!(Durability::default(), Durability::Default);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Durability {
    /// The table's setting (HBase's default: a synchronous WAL write).
    #[default]
    Default,
    /// No write-ahead log: fastest, and lost if the region server dies
    /// before a flush.
    SkipWal,
    /// The WAL is written in the background.
    AsyncWal,
    /// The WAL is written before the acknowledgement.
    SyncWal,
    /// The WAL is written and synced to disk before the acknowledgement.
    FsyncWal,
}

/// A synchronous cell store with HBase's data model: tables of rows sorted
/// by key bytes, columns grouped in families, cells with timestamped
/// versions.
///
/// Both [`MemoryStore`] and [`ThriftStore`] implement it, and the crate's
/// conformance suite runs the same tests against both. The trait is object
/// safe: `Box<dyn Store>` works.
///
/// ```
/// use capjure::store::{FamilySpec, Read, RowMutations, Scan, Store};
/// use capjure::{Cell, MemoryStore};
///
/// fn roundtrip(store: &dyn Store) -> capjure::Result<usize> {
///     store.create_table("t", &[FamilySpec::new("f")])?;
///     store.mutate("t", &[RowMutations::new("a").put(Cell::new("f", "q", "1"))])?;
///     let rows: Vec<_> = store.scan("t", &Scan::all())?.collect::<Result<_, _>>()?;
///     Ok(rows.len())
/// }
/// assert_eq!(roundtrip(&MemoryStore::new())?, 1);
/// # Ok::<(), capjure::Error>(())
/// ```
pub trait Store: Send + Sync {
    /// Applies puts and deletes to several rows. A row's mutations are
    /// applied together; rows are independent, so when a batch fails some
    /// rows may have been applied (HBase reports the batch as failed).
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, RowMutations, Store};
    /// # use capjure::{Cell, MemoryStore};
    /// # let store = MemoryStore::new();
    /// # store.create_table("t", &[FamilySpec::new("f")])?;
    /// store.mutate("t", &[
    ///     RowMutations::new("a").put(Cell::new("f", "q", "1").at(10)),
    ///     RowMutations::new("b").delete_family("f", None),
    /// ])?;
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn mutate(&self, table: &str, batch: &[RowMutations]) -> Result<()>;

    /// Reads several rows, answering in the order asked; `None` for a row
    /// with no cells (among the columns asked for).
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Read, RowMutations, Store};
    /// # use capjure::{Cell, MemoryStore};
    /// # let store = MemoryStore::new();
    /// # store.create_table("t", &[FamilySpec::new("f")])?;
    /// # store.mutate("t", &[RowMutations::new("a").put(Cell::new("f", "q", "1"))])?;
    /// let rows = store.get_rows("t", &[b"a".to_vec(), b"zz".to_vec()], &Read::latest())?;
    /// assert!(rows[0].is_some() && rows[1].is_none());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn get_rows(&self, table: &str, rows: &[Vec<u8>], read: &Read) -> Result<Vec<Option<Row>>>;

    /// Reads one row; `None` when it has no cells (among the columns asked
    /// for).
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Read, Store};
    /// # use capjure::MemoryStore;
    /// # let store = MemoryStore::new();
    /// # store.create_table("t", &[FamilySpec::new("f")])?;
    /// assert!(store.get_row("t", b"missing", &Read::latest())?.is_none());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn get_row(&self, table: &str, row: &[u8], read: &Read) -> Result<Option<Row>> {
        let mut rows = self.get_rows(table, &[row.to_vec()], read)?;
        Ok(rows.pop().flatten())
    }

    /// Scans rows in key order, lazily: the scanner fetches
    /// [`Scan::batch`] rows per round trip and releases server resources
    /// when dropped. A missing table or family is reported here, not by the
    /// scanner; a range without keys ([`Scan::is_empty_range`]) returns no
    /// rows.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, RowMutations, Scan, Store};
    /// # use capjure::{Cell, MemoryStore};
    /// # let store = MemoryStore::new();
    /// # store.create_table("t", &[FamilySpec::new("f")])?;
    /// # store.mutate("t", &[RowMutations::new("ab").put(Cell::new("f", "q", "1"))])?;
    /// for row in store.scan("t", &Scan::prefix("a"))? {
    ///     println!("{:?}", row?.key);
    /// }
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn scan(&self, table: &str, scan: &Scan) -> Result<Scanner<'_>>;

    /// Deletes every version of every cell of the given rows at or below
    /// `timestamp` (everything up to now when `None`).
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Read, RowMutations, Store};
    /// # use capjure::{Cell, MemoryStore};
    /// # let store = MemoryStore::new();
    /// # store.create_table("t", &[FamilySpec::new("f")])?;
    /// # store.mutate("t", &[RowMutations::new("a").put(Cell::new("f", "q", "1"))])?;
    /// store.delete_rows("t", &[b"a".to_vec()], None)?;
    /// assert!(store.get_row("t", b"a", &Read::latest())?.is_none());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn delete_rows(&self, table: &str, rows: &[Vec<u8>], timestamp: Option<i64>) -> Result<()>;

    /// Adds `amount` to a counter cell (an 8-byte big-endian integer, created
    /// at 0) and returns the new value. Not idempotent: never retried.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Store};
    /// # use capjure::MemoryStore;
    /// # let store = MemoryStore::new();
    /// # store.create_table("t", &[FamilySpec::new("f")])?;
    /// assert_eq!(store.increment("t", b"r", b"f", b"hits", 2)?, 2);
    /// assert_eq!(store.increment("t", b"r", b"f", b"hits", 3)?, 5);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn increment(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        amount: i64,
    ) -> Result<i64>;

    /// Writes `put` (at the store's clock; a cell timestamp is an error) to
    /// `row` only if the newest value of `family:qualifier` equals
    /// `expected`. `None` or an empty `expected` matches a missing column
    /// (and, as in HBase, an empty value). Returns whether it wrote.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Store};
    /// # use capjure::{Cell, MemoryStore};
    /// # let store = MemoryStore::new();
    /// # store.create_table("t", &[FamilySpec::new("f")])?;
    /// let lock = Cell::new("f", "owner", "me");
    /// assert!(store.check_and_put("t", b"r", b"f", b"owner", None, &lock)?);
    /// assert!(!store.check_and_put("t", b"r", b"f", b"owner", None, &lock)?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn check_and_put(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        expected: Option<&[u8]>,
        put: &Cell,
    ) -> Result<bool>;

    /// Creates a table with the given families.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Store};
    /// # use capjure::MemoryStore;
    /// let store = MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f").max_versions(3)])?;
    /// assert!(store.table_exists("t")?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn create_table(&self, table: &str, families: &[FamilySpec]) -> Result<()>;

    /// Whether the table exists.
    ///
    /// ```
    /// # use capjure::store::Store;
    /// assert!(!capjure::MemoryStore::new().table_exists("t")?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn table_exists(&self, table: &str) -> Result<bool>;

    /// The names of all tables, sorted.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Store};
    /// let store = capjure::MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f")])?;
    /// assert_eq!(store.list_tables()?, ["t"]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn list_tables(&self) -> Result<Vec<String>>;

    /// The table's families, sorted by name.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Store};
    /// let store = capjure::MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f").max_versions(2)])?;
    /// assert_eq!(store.families("t")?, [FamilySpec::new("f").max_versions(2)]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn families(&self, table: &str) -> Result<Vec<FamilySpec>>;

    /// Disables and deletes a table.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Store};
    /// let store = capjure::MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f")])?;
    /// store.drop_table("t")?;
    /// assert!(!store.table_exists("t")?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn drop_table(&self, table: &str) -> Result<()>;

    /// Removes every row, keeping the table and its families.
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, RowMutations, Scan, Store};
    /// # use capjure::Cell;
    /// let store = capjure::MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f")])?;
    /// store.mutate("t", &[RowMutations::new("a").put(Cell::new("f", "q", "1"))])?;
    /// store.truncate_table("t")?;
    /// assert_eq!(store.scan("t", &Scan::all())?.count(), 0);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn truncate_table(&self, table: &str) -> Result<()>;

    /// Adds a family to an existing table. The Thrift1 gateway has no call
    /// for this; [`ThriftStore`] answers [`ErrorKind::Unsupported`].
    ///
    /// ```
    /// # use capjure::store::{FamilySpec, Store};
    /// let store = capjure::MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f")])?;
    /// store.add_family("t", &FamilySpec::new("g"))?;
    /// assert_eq!(store.families("t")?.len(), 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn add_family(&self, table: &str, family: &FamilySpec) -> Result<()>;

    /// Whether [`Store::mutate`] applies each row's mutations as one
    /// atomic step that readers never see half-done, at the timestamps the
    /// mutations carry. [`Thrift2Store`] (one `mutateRow` per row) and a
    /// [`MemoryStore`] made with [`MemoryStore::atomic_replace`] say yes;
    /// [`ThriftStore`] says no (the Thrift1 gateway's batch calls are not
    /// atomic per row).
    ///
    /// On such a store [`Table::insert`](crate::Table::insert) replaces a
    /// row without reading it: one call with a family delete at `T - 1` for
    /// every family of the table and the new cells at `T`, where `T` is
    /// [`Store::next_timestamp`] (or the timestamp of
    /// [`Table::insert_at`](crate::Table::insert_at)). That is atomic, and
    /// costs no read, but keeps no older versions of the row's columns.
    ///
    /// ```
    /// use capjure::store::Store;
    /// assert!(!capjure::MemoryStore::new().atomic_row_mutations());
    /// assert!(capjure::MemoryStore::new().atomic_replace(true).atomic_row_mutations());
    /// ```
    fn atomic_row_mutations(&self) -> bool {
        false
    }

    /// Applies `change` (puts and deletes of one row) only if `check`
    /// holds for the row's newest value of its column, as one atomic step;
    /// returns whether it applied. [`Thrift2Store`] and [`MemoryStore`]
    /// take any [`CompareOp`] and any mutations; the Thrift1 gateway only
    /// has check-and-put, so [`ThriftStore`] takes [`CompareOp::Eq`] with
    /// one put at the server's clock and answers
    /// [`ErrorKind::Unsupported`] otherwise. Not idempotent: never retried.
    ///
    /// ```
    /// use capjure::store::{Check, CompareOp, FamilySpec, RowMutations, Store};
    /// use capjure::{Cell, MemoryStore};
    /// let store = MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f")])?;
    /// let bump = |to: &str| RowMutations::new("r").put(Cell::new("f", "v", to));
    /// assert!(store.check_and_mutate("t", &Check::missing("f", "v"), &bump("1"))?);
    /// assert!(store.check_and_mutate("t", &Check::new("f", "v", CompareOp::Lt, "2"), &bump("2"))?);
    /// assert!(!store.check_and_mutate("t", &Check::new("f", "v", CompareOp::Lt, "2"), &bump("3"))?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn check_and_mutate(&self, table: &str, check: &Check, change: &RowMutations) -> Result<bool> {
        match (check.op, change.mutations.as_slice()) {
            (CompareOp::Eq, [Mutation::Put(put)]) if put.timestamp.is_none() => self.check_and_put(
                table,
                &change.row,
                &check.family,
                &check.qualifier,
                check.value.as_deref(),
                put,
            ),
            _ => Err(ErrorKind::Unsupported {
                operation: "check_and_mutate",
                store: "the thrift1 gateway",
                hint: "its checkAndPut compares for equality and writes one put at the \
                       server's clock; use the Thrift2 gateway (Thrift2Store) for the rest",
            }
            .into()),
        }
    }

    /// A timestamp for a write whose timestamp the client chooses:
    /// milliseconds since the epoch, strictly increasing within the
    /// process (so within each store), even when the wall clock stands
    /// still or goes back.
    ///
    /// ```
    /// use capjure::store::Store;
    /// let store = capjure::MemoryStore::new();
    /// let (a, b) = (store.next_timestamp(), store.next_timestamp());
    /// assert!(a < b);
    /// ```
    fn next_timestamp(&self) -> i64 {
        clock::next_timestamp()
    }
}

/// Implements [`Store`] for a type by handing every call to the store
/// `$inner` (an expression of `$this`, which is `self`), so that a wrapper
/// can never miss a call, or its default, when the trait grows one.
macro_rules! forward_store {
    ([$($gen:tt)*] $ty:ty, |$this:ident| $inner:expr) => {
        impl<$($gen)*> $crate::store::Store for $ty {
            fn mutate(&self, table: &str, batch: &[$crate::store::RowMutations]) -> $crate::Result<()> {
                { let $this = self; &$inner }.mutate(table, batch)
            }
            fn get_rows(&self, table: &str, rows: &[Vec<u8>], read: &$crate::store::Read) -> $crate::Result<Vec<Option<$crate::store::Row>>> {
                { let $this = self; &$inner }.get_rows(table, rows, read)
            }
            fn get_row(&self, table: &str, row: &[u8], read: &$crate::store::Read) -> $crate::Result<Option<$crate::store::Row>> {
                { let $this = self; &$inner }.get_row(table, row, read)
            }
            fn scan(&self, table: &str, scan: &$crate::store::Scan) -> $crate::Result<$crate::store::Scanner<'_>> {
                { let $this = self; &$inner }.scan(table, scan)
            }
            fn delete_rows(&self, table: &str, rows: &[Vec<u8>], timestamp: Option<i64>) -> $crate::Result<()> {
                { let $this = self; &$inner }.delete_rows(table, rows, timestamp)
            }
            fn increment(&self, table: &str, row: &[u8], family: &[u8], qualifier: &[u8], amount: i64) -> $crate::Result<i64> {
                { let $this = self; &$inner }.increment(table, row, family, qualifier, amount)
            }
            fn check_and_put(&self, table: &str, row: &[u8], family: &[u8], qualifier: &[u8], expected: Option<&[u8]>, put: &$crate::Cell) -> $crate::Result<bool> {
                { let $this = self; &$inner }.check_and_put(table, row, family, qualifier, expected, put)
            }
            fn create_table(&self, table: &str, families: &[$crate::store::FamilySpec]) -> $crate::Result<()> {
                { let $this = self; &$inner }.create_table(table, families)
            }
            fn table_exists(&self, table: &str) -> $crate::Result<bool> {
                { let $this = self; &$inner }.table_exists(table)
            }
            fn list_tables(&self) -> $crate::Result<Vec<String>> {
                { let $this = self; &$inner }.list_tables()
            }
            fn families(&self, table: &str) -> $crate::Result<Vec<$crate::store::FamilySpec>> {
                { let $this = self; &$inner }.families(table)
            }
            fn drop_table(&self, table: &str) -> $crate::Result<()> {
                { let $this = self; &$inner }.drop_table(table)
            }
            fn truncate_table(&self, table: &str) -> $crate::Result<()> {
                { let $this = self; &$inner }.truncate_table(table)
            }
            fn add_family(&self, table: &str, family: &$crate::store::FamilySpec) -> $crate::Result<()> {
                { let $this = self; &$inner }.add_family(table, family)
            }
            fn atomic_row_mutations(&self) -> bool {
                { let $this = self; &$inner }.atomic_row_mutations()
            }
            fn check_and_mutate(&self, table: &str, check: &$crate::store::Check, change: &$crate::store::RowMutations) -> $crate::Result<bool> {
                { let $this = self; &$inner }.check_and_mutate(table, check, change)
            }
            fn next_timestamp(&self) -> i64 {
                { let $this = self; &$inner }.next_timestamp()
            }
        }
    };
}
#[cfg(feature = "testing")] // the one user outside this module: TestStore
pub(crate) use forward_store;

forward_store!([S: Store + ?Sized] &S, |this| **this);
forward_store!([S: Store + ?Sized] Box<S>, |this| **this);
forward_store!([S: Store + ?Sized] Arc<S>, |this| **this);

/// Checks what every store rejects the same way before touching data:
/// empty or too long row keys, cells over the size limit, negative
/// timestamps, bad family names.
pub(crate) fn check_batch(table: &str, batch: &[RowMutations], limits: &StoreLimits) -> Result<()> {
    limits.check_batch(table, batch)?;
    for change in batch {
        for mutation in &change.mutations {
            check_family_name(table, "mutate", mutation.family())
                .map_err(|e| e.in_row(&change.row))?;
            if let Some(timestamp) = mutation.timestamp() {
                check_timestamp(table, "mutate", timestamp).map_err(|e| e.in_row(&change.row))?;
            }
        }
    }
    Ok(())
}

/// What every store checks before creating a table: at least one family,
/// each with a valid name.
pub(crate) fn check_create_table(table: &str, families: &[FamilySpec]) -> Result<()> {
    if families.is_empty() {
        return Err(ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation: "create_table",
            message: "a table needs at least one column family".to_string(),
        }
        .into());
    }
    for family in families {
        check_family_name(table, "create_table", family.name.as_bytes())?;
    }
    Ok(())
}

/// An empty row key is an error in every call (stores also check its
/// length: [`StoreLimits`]).
pub(crate) fn check_row(table: &str, row: &[u8]) -> Result<()> {
    if row.is_empty() {
        return Err(ErrorKind::EmptyRowKey {
            table: table.to_string(),
        }
        .into());
    }
    Ok(())
}

pub(crate) fn check_timestamp(table: &str, operation: &'static str, timestamp: i64) -> Result<()> {
    if timestamp < 0 {
        return Err(ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation,
            message: format!("timestamp {timestamp} is negative"),
        }
        .into());
    }
    Ok(())
}

pub(crate) fn check_family_name(table: &str, operation: &'static str, family: &[u8]) -> Result<()> {
    if family.is_empty() || family.contains(&b':') {
        return Err(ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation,
            message: format!(
                "\"{}\" is not a column family name",
                crate::cell::Excerpt(family)
            ),
        }
        .into());
    }
    Ok(())
}

/// The checks a check-and-put needs.
pub(crate) fn check_check_and_put(
    table: &str,
    row: &[u8],
    family: &[u8],
    put: &Cell,
    limits: &StoreLimits,
) -> Result<()> {
    limits.check_row(table, "check_and_put", row)?;
    check_family_name(table, "check_and_put", family)?;
    check_family_name(table, "check_and_put", &put.family)?;
    limits.check_cell(table, "check_and_put", row, put)?;
    if put.timestamp.is_some() {
        return Err(ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation: "check_and_put",
            message: "the put is written at the store's clock; a cell timestamp is not supported"
                .to_string(),
        }
        .into());
    }
    Ok(())
}

/// The checks a check-and-mutate needs: its row and mutations as a batch
/// of one, the checked column's family, and at least one mutation.
pub(crate) fn check_check_and_mutate(
    table: &str,
    check: &Check,
    change: &RowMutations,
    limits: &StoreLimits,
) -> Result<()> {
    check_batch(table, std::slice::from_ref(change), limits)?;
    check_family_name(table, "check_and_mutate", &check.family)?;
    if change.mutations.is_empty() {
        return Err(ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation: "check_and_mutate",
            message: "no mutation to apply".to_string(),
        }
        .into());
    }
    Ok(())
}

/// The smallest key greater than every key starting with `prefix`; `None`
/// when no such key exists (empty prefix, or all `0xFF`).
///
/// ```
/// use capjure::store::prefix_end;
/// assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
/// assert_eq!(prefix_end(b"a\xFF"), Some(b"b".to_vec()));
/// assert_eq!(prefix_end(b"\xFF\xFF"), None);
/// ```
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// The smallest row key greater than `key`: `key` followed by a zero byte,
/// unless `key` is as long as an HBase row key can be (HBase refuses a
/// longer scan bound); then it is the next key of that length or shorter.
/// `None` when no row key follows `key`.
pub(crate) fn key_after(key: &[u8]) -> Option<Vec<u8>> {
    if key.len() >= StoreLimits::HBASE_MAX_ROW_KEY_LEN {
        return prefix_end(key);
    }
    let mut next = Vec::with_capacity(key.len() + 1);
    next.extend_from_slice(key);
    next.push(0);
    Some(next)
}

/// Splits a batch by mutation timestamp, in order of first appearance: the
/// Thrift gateway takes one timestamp per call (`mutateRowsTs`), so each
/// group is one round trip. Both stores apply groups in this order.
///
/// The usual batch, one timestamp throughout and each row once, is handed
/// back as it is, without copying a cell.
pub(crate) fn group_by_timestamp(
    batch: &[RowMutations],
) -> Vec<(Option<i64>, Cow<'_, [RowMutations]>)> {
    let first = batch
        .first()
        .and_then(|change| change.mutations.first())
        .map(Mutation::timestamp);
    if let Some(timestamp) = first {
        let uniform = batch.iter().all(|change| {
            !change.mutations.is_empty()
                && change.mutations.iter().all(|m| m.timestamp() == timestamp)
        }) && batch.windows(2).all(|pair| pair[0].row != pair[1].row);
        if uniform {
            return vec![(timestamp, Cow::Borrowed(batch))];
        }
    }
    let mut groups: Vec<(Option<i64>, Vec<RowMutations>)> = Vec::new();
    for change in batch {
        for mutation in &change.mutations {
            let timestamp = mutation.timestamp();
            let index = match groups.iter().position(|(ts, _)| *ts == timestamp) {
                Some(index) => index,
                None => {
                    groups.push((timestamp, Vec::new()));
                    groups.len() - 1
                }
            };
            let rows = &mut groups[index].1;
            match rows.last_mut() {
                Some(last) if last.row == change.row => last.mutations.push(mutation.clone()),
                _ => rows.push(RowMutations {
                    row: change.row.clone(),
                    mutations: vec![mutation.clone()],
                }),
            }
        }
    }
    groups
        .into_iter()
        .map(|(timestamp, rows)| (timestamp, Cow::Owned(rows)))
        .collect()
}
