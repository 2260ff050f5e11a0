//! [`MemoryStore`]: HBase's data model in memory.

use std::collections::{BTreeMap, VecDeque};
use std::ops::Bound;
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use super::{
    Check, Column, FamilySpec, Mutation, Prepared, Read, Row, RowMutations, Scan, Scanner, Stop,
    Store, StoreLimits, check_batch, check_check_and_put, check_family_name, check_timestamp,
    group_by_timestamp, normalize_columns,
};
use crate::cell::{Cell, Excerpt};
use crate::error::{ErrorKind, Result, column_name};

/// An in-memory [`Store`] that behaves like one HBase table server: the
/// embedded default, and a test double for suites that should not need a
/// cluster.
///
/// The crate's conformance suite runs the same tests against this store and
/// a real HBase, so behaviour that differs is a bug here. What it models:
///
/// * rows sorted by key bytes, columns by family then qualifier, versions
///   newest first;
/// * timestamps: a cell without one gets the store's clock in
///   milliseconds; one `mutate` call uses one clock reading per timestamp
///   group, so a put and a delete without timestamps in one call collide
///   the way they do in HBase (the delete wins);
/// * `max_versions` per family: older versions beyond it are dropped at
///   write time (HBase drops them at flush; reads agree except for reads
///   with a time range that reach behind the kept versions before a flush);
/// * deletes as HBase's *delete markers*: deleting a column, family or row
///   at timestamp `T` hides every version at or below `T`, **including puts
///   that arrive later with an older timestamp**. HBase forgets markers at
///   major compaction; this store keeps them until
///   [`MemoryStore::major_compact`] is called, so it behaves like a table
///   that has not been major-compacted;
/// * a batch that names a missing family applies its other rows and then
///   fails, puts before deletes, as the Thrift gateway does;
/// * check-and-put and increments, atomically (one write lock);
/// * HBase's limits on row key length and cell size ([`StoreLimits`]),
///   checked before anything is written.
///
/// It is thread-safe (one `RwLock`; scans take the lock once per batch, so
/// a scan sees writes made between its batches, like an HBase scanner
/// crossing a flush). Not modelled: TTLs, namespaces (any `ns:` prefix is
/// accepted), region splits, durability.
///
/// ```
/// use capjure::store::{FamilySpec, Read, RowMutations, Store};
/// use capjure::{Cell, MemoryStore};
///
/// let store = MemoryStore::new();
/// store.create_table("t", &[FamilySpec::new("f").max_versions(3)])?;
/// store.mutate("t", &[RowMutations::new("r")
///     .put(Cell::new("f", "q", "old").at(1))
///     .put(Cell::new("f", "q", "new").at(2))])?;
/// let row = store.get_row("t", b"r", &Read::latest().versions(3))?.expect("row r");
/// assert_eq!(row.cells.len(), 2);
/// assert_eq!(row.cells[0].value, b"new");
/// # Ok::<(), capjure::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    tables: RwLock<BTreeMap<String, MemTable>>,
    limits: StoreLimits,
    /// Answer yes to [`Store::atomic_row_mutations`], as `Thrift2Store` does.
    atomic: bool,
}

#[derive(Debug, Default, Clone)]
struct MemTable {
    /// Family name -> its settings.
    families: BTreeMap<Vec<u8>, FamilySpec>,
    rows: BTreeMap<Vec<u8>, MemRow>,
}

#[derive(Debug, Default, Clone)]
struct MemRow {
    families: BTreeMap<Vec<u8>, MemFamily>,
}

#[derive(Debug, Default, Clone)]
struct MemFamily {
    /// A family delete marker: versions at or below it are hidden.
    deleted_to: Option<i64>,
    columns: BTreeMap<Vec<u8>, MemColumn>,
}

#[derive(Debug, Default, Clone)]
struct MemColumn {
    /// A column delete marker: versions at or below it are hidden.
    deleted_to: Option<i64>,
    /// Timestamp -> value.
    versions: BTreeMap<i64, Vec<u8>>,
}

impl MemColumn {
    /// Visible versions, newest first: not deleted, below `before`, and at
    /// or above `oldest` (the family's TTL).
    fn visible(
        &self,
        family_marker: Option<i64>,
        before: Option<i64>,
        oldest: Option<i64>,
    ) -> impl Iterator<Item = (i64, &Vec<u8>)> {
        let marker = self.deleted_to.max(family_marker);
        self.versions
            .iter()
            .rev()
            .filter(move |(ts, _)| marker.is_none_or(|m| **ts > m))
            .filter(move |(ts, _)| before.is_none_or(|b| **ts < b))
            .filter(move |(ts, _)| oldest.is_none_or(|o| **ts >= o))
            .map(|(ts, value)| (*ts, value))
    }
}

impl MemRow {
    /// The row's visible cells among `columns` (all when empty); `oldest`
    /// gives each family's oldest unexpired timestamp.
    fn cells(
        &self,
        columns: &[Column],
        versions: u32,
        before: Option<i64>,
        oldest: &Oldest,
    ) -> Vec<Cell> {
        let mut cells = Vec::new();
        for (family, fam) in &self.families {
            for (qualifier, column) in &fam.columns {
                if !columns.is_empty() && !columns.iter().any(|c| c.matches(family, qualifier)) {
                    continue;
                }
                for (timestamp, value) in column
                    .visible(fam.deleted_to, before, oldest.of(family))
                    .take(versions as usize)
                {
                    cells.push(Cell {
                        family: family.clone(),
                        qualifier: qualifier.clone(),
                        value: value.clone(),
                        timestamp: Some(timestamp),
                    });
                }
            }
        }
        cells
    }

    fn latest_value(
        &self,
        family: &[u8],
        qualifier: &[u8],
        oldest: &Oldest,
    ) -> Option<(i64, &Vec<u8>)> {
        let fam = self.families.get(family)?;
        fam.columns
            .get(qualifier)?
            .visible(fam.deleted_to, None, oldest.of(family))
            .next()
    }

    fn put(&mut self, cell: &Cell, timestamp: i64, max_versions: u32) {
        let fam = self.families.entry(cell.family.clone()).or_default();
        let column = fam.columns.entry(cell.qualifier.clone()).or_default();
        let marker = column.deleted_to.max(fam.deleted_to);
        if marker.is_some_and(|m| timestamp <= m) {
            // Hidden by a delete marker until a major compaction: nothing a
            // read could ever see.
            return;
        }
        column.versions.insert(timestamp, cell.value.clone());
        while column.versions.len() > max_versions as usize {
            column.versions.pop_first();
        }
    }

    fn delete_column(&mut self, family: &[u8], qualifier: &[u8], timestamp: i64) {
        let fam = self.families.entry(family.to_vec()).or_default();
        let column = fam.columns.entry(qualifier.to_vec()).or_default();
        column.deleted_to = column.deleted_to.max(Some(timestamp));
        column.versions.retain(|ts, _| *ts > timestamp);
    }

    fn delete_family(&mut self, family: &[u8], timestamp: i64) {
        let fam = self.families.entry(family.to_vec()).or_default();
        fam.deleted_to = fam.deleted_to.max(Some(timestamp));
        for column in fam.columns.values_mut() {
            column.versions.retain(|ts, _| *ts > timestamp);
        }
    }
}

/// Each family's oldest unexpired timestamp at one instant: cells older
/// than their family's TTL are invisible, as in HBase (which drops them at
/// its next compaction).
struct Oldest(Vec<(Vec<u8>, i64)>);

impl Oldest {
    fn new(mem: &MemTable) -> Self {
        let now = now_millis();
        Oldest(
            mem.families
                .iter()
                .filter_map(|(name, spec)| {
                    let ttl = i64::from(spec.ttl?).saturating_mul(1000);
                    Some((name.clone(), now.saturating_sub(ttl)))
                })
                .collect(),
        )
    }

    fn of(&self, family: &[u8]) -> Option<i64> {
        self.0
            .iter()
            .find(|(name, _)| name == family)
            .map(|(_, oldest)| *oldest)
    }
}

fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| i64::try_from(elapsed.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A family's settings as HBase keeps them: at least one version, a TTL of
/// at least one second.
fn normalized(family: &FamilySpec) -> FamilySpec {
    let mut spec = FamilySpec::new(family.name.clone()).max_versions(family.max_versions);
    // HBase reads a TTL of i32::MAX seconds or more as forever.
    spec.ttl = family
        .ttl
        .map(|ttl| ttl.max(1))
        .filter(|ttl| *ttl < i32::MAX.unsigned_abs());
    spec
}

fn table_not_found(table: &str) -> crate::Error {
    ErrorKind::TableNotFound {
        table: table.to_string(),
    }
    .into()
}

fn family_not_found(table: &str, family: &[u8]) -> crate::Error {
    ErrorKind::FamilyNotFound {
        table: table.to_string(),
        family: Excerpt(family).to_string(),
    }
    .into()
}

/// HBase's rule for table names: `[namespace:]qualifier`, each of letters,
/// digits, `_`, `-` and `.`, not starting with `.` or `-`.
fn check_table_name(table: &str) -> Result<()> {
    let legal = |part: &str| {
        !part.is_empty()
            && !part.starts_with(['.', '-'])
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    };
    let ok = match table.split_once(':') {
        Some((namespace, qualifier)) => legal(namespace) && legal(qualifier),
        None => legal(table),
    };
    if ok {
        Ok(())
    } else {
        Err(ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation: "create_table",
            message: "a table name is [namespace:]name of letters, digits, '_', '-' and '.'"
                .to_string(),
        }
        .into())
    }
}

impl MemoryStore {
    /// An empty store.
    ///
    /// ```
    /// use capjure::store::Store;
    /// assert!(capjure::MemoryStore::new().list_tables()?.is_empty());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn new() -> Self {
        MemoryStore::default()
    }

    /// The same store, answering [`Store::atomic_row_mutations`] with
    /// `atomic`: with `true`, [`Table::insert`](crate::Table::insert)
    /// replaces rows the way it does on a `Thrift2Store` (no read; a family
    /// delete just below the new cells' timestamp), so tests can use this
    /// store as a Thrift2 double. Its writes are atomic either way (one
    /// lock per call).
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new().atomic_replace(true), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1, "b": 2})], 3)?;
    /// table.insert_at(b"r", &json!({"a": 1, "b": 2}), 10)?;
    /// table.insert_at(b"r", &json!({"a": 3}), 20)?;
    /// assert_eq!(table.get(b"r")?, Some(json!({"a": 3})));
    /// // The replace deleted every older cell of the row, versions too.
    /// assert_eq!(table.get_as_of(b"r", 15)?, None);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn atomic_replace(mut self, atomic: bool) -> Self {
        self.atomic = atomic;
        self
    }

    /// The same store checking other limits than HBase's defaults (set
    /// them to what the production cluster is configured with).
    ///
    /// ```
    /// use capjure::store::{FamilySpec, RowMutations, Store, StoreLimits};
    /// use capjure::{Cell, MemoryStore};
    ///
    /// let store = MemoryStore::new().with_limits(StoreLimits::new().max_row_key_len(8));
    /// store.create_table("t", &[FamilySpec::new("f")])?;
    /// let long = RowMutations::new("123456789").put(Cell::new("f", "q", "v"));
    /// assert!(store.mutate("t", &[long]).is_err());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn with_limits(mut self, limits: StoreLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The limits this store checks.
    ///
    /// ```
    /// use capjure::store::StoreLimits;
    /// assert_eq!(*capjure::MemoryStore::new().limits(), StoreLimits::new());
    /// ```
    pub fn limits(&self) -> &StoreLimits {
        &self.limits
    }

    /// Forgets the delete markers of a table, the way an HBase major
    /// compaction does: afterwards a put with a timestamp below an old
    /// delete is visible again.
    ///
    /// ```
    /// use capjure::store::{FamilySpec, Read, RowMutations, Store};
    /// use capjure::{Cell, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// store.create_table("t", &[FamilySpec::new("f")])?;
    /// store.mutate("t", &[RowMutations::new("r").delete_family("f", Some(100))])?;
    /// let late_put = RowMutations::new("r").put(Cell::new("f", "q", "v").at(50));
    /// store.mutate("t", &[late_put.clone()])?;
    /// assert!(store.get_row("t", b"r", &Read::latest())?.is_none()); // masked
    /// store.major_compact("t")?;
    /// store.mutate("t", &[late_put])?;
    /// assert!(store.get_row("t", b"r", &Read::latest())?.is_some());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn major_compact(&self, table: &str) -> Result<()> {
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        for row in mem.rows.values_mut() {
            for fam in row.families.values_mut() {
                fam.deleted_to = None;
                for column in fam.columns.values_mut() {
                    column.deleted_to = None;
                }
                fam.columns.retain(|_, column| !column.versions.is_empty());
            }
            row.families.retain(|_, fam| !fam.columns.is_empty());
        }
        mem.rows.retain(|_, row| !row.families.is_empty());
        Ok(())
    }

    // A panic while holding the lock cannot leave a table half-written in a
    // way reads would misreport (every write is a plain map update), so a
    // poisoned lock is used as is rather than turned into a panic.
    fn read(&self) -> RwLockReadGuard<'_, BTreeMap<String, MemTable>> {
        self.tables.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, BTreeMap<String, MemTable>> {
        self.tables.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// One batch of rows of a scan (their newest cells among the fetched
    /// columns, below `before`), continuing after `after` in scan order
    /// (or from the first key of the range). The scan's [`Shape`] does the
    /// rest, as it does for every store.
    fn scan_batch(&self, table: &str, scan: &Scan, after: Option<&[u8]>) -> Result<Vec<Row>> {
        let tables = self.read();
        let mem = tables.get(table).ok_or_else(|| table_not_found(table))?;
        let start = Bound::Included(scan.start.clone());
        let stop = match &scan.stop {
            Stop::End => Bound::Unbounded,
            Stop::Exclusive(stop) => Bound::Excluded(stop.clone()),
            Stop::Inclusive(stop) => Bound::Included(stop.clone()),
        };
        let after = after.map(|key| Bound::Excluded(key.to_vec()));
        let range = if scan.reverse {
            (start, after.unwrap_or(stop))
        } else {
            (after.unwrap_or(start), stop)
        };
        let keys: Box<dyn Iterator<Item = (&Vec<u8>, &MemRow)>> = if scan.reverse {
            Box::new(mem.rows.range(range).rev())
        } else {
            Box::new(mem.rows.range(range))
        };
        let mut rows = Vec::new();
        let oldest = Oldest::new(mem);
        for (key, row) in keys {
            let cells = row.cells(&scan.columns, 1, scan.before, &oldest);
            if cells.is_empty() {
                continue;
            }
            rows.push(Row {
                key: key.clone(),
                cells,
            });
            if rows.len() >= scan.batch {
                break;
            }
        }
        Ok(rows)
    }
}

impl MemTable {
    fn check_families<'a>(
        &self,
        table: &str,
        mut families: impl Iterator<Item = &'a [u8]>,
    ) -> Result<()> {
        match families.find(|family| !self.families.contains_key(*family)) {
            Some(family) => Err(family_not_found(table, family)),
            None => Ok(()),
        }
    }

    fn max_versions(&self, family: &[u8]) -> u32 {
        self.families
            .get(family)
            .map_or(1, |spec| spec.max_versions)
    }

    /// Applies one timestamp group the way the gateway's `mutateRowsTs`
    /// does: every row's puts (a row whose puts name a missing family is
    /// skipped), then, only if all puts succeeded, every row's deletes.
    fn apply_group(&mut self, table: &str, group: &[RowMutations], now: i64) -> Result<()> {
        let mut first_error = None;
        for change in group {
            let puts = change.mutations.iter().filter_map(|m| match m {
                Mutation::Put(cell) => Some(cell),
                _ => None,
            });
            if let Err(err) = self.check_families(table, puts.clone().map(|c| c.family.as_slice()))
            {
                first_error.get_or_insert(err.in_row(&change.row));
                continue;
            }
            for cell in puts {
                let max = self.max_versions(&cell.family);
                let row = self.rows.entry(change.row.clone()).or_default();
                row.put(cell, cell.timestamp.unwrap_or(now), max);
            }
        }
        if let Some(err) = first_error {
            return Err(err);
        }
        for change in group {
            let deletes = change.mutations.iter().filter(|m| m.is_delete());
            if let Err(err) = self.check_families(table, deletes.clone().map(Mutation::family)) {
                first_error.get_or_insert(err.in_row(&change.row));
                continue;
            }
            for mutation in deletes {
                let row = self.rows.entry(change.row.clone()).or_default();
                match mutation {
                    Mutation::DeleteColumn {
                        family,
                        qualifier,
                        timestamp,
                    } => row.delete_column(family, qualifier, timestamp.unwrap_or(now)),
                    Mutation::DeleteFamily { family, timestamp } => {
                        row.delete_family(family, timestamp.unwrap_or(now))
                    }
                    Mutation::Put(_) => {}
                }
            }
        }
        first_error.map_or(Ok(()), Err)
    }
}

impl Store for MemoryStore {
    fn mutate(&self, table: &str, batch: &[RowMutations]) -> Result<()> {
        check_batch(table, batch, &self.limits)?;
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        for (timestamp, group) in group_by_timestamp(batch) {
            let now = timestamp.unwrap_or_else(now_millis);
            mem.apply_group(table, &group, now)?;
        }
        Ok(())
    }

    fn get_rows(&self, table: &str, rows: &[Vec<u8>], read: &Read) -> Result<Vec<Option<Row>>> {
        self.limits.check_rows(table, "get_rows", rows)?;
        if let Some(before) = read.before {
            check_timestamp(table, "get_rows", before)?;
        }
        let columns = normalize_columns(&read.columns);
        let tables = self.read();
        let mem = tables.get(table).ok_or_else(|| table_not_found(table))?;
        mem.check_families(table, columns.iter().map(Column::family_name))?;
        let oldest = Oldest::new(mem);
        Ok(rows
            .iter()
            .map(|key| {
                let row = mem.rows.get(key)?;
                let cells = row.cells(&columns, read.versions, read.before, &oldest);
                (!cells.is_empty()).then(|| Row {
                    key: key.clone(),
                    cells,
                })
            })
            .collect())
    }

    fn scan(&self, table: &str, scan: &Scan) -> Result<Scanner<'_>> {
        let prepared = scan.prepare(table, &self.limits)?;
        let scan = match &prepared {
            Prepared::Empty(scan) | Prepared::Run(scan, _) => scan,
        };
        {
            let tables = self.read();
            let mem = tables.get(table).ok_or_else(|| table_not_found(table))?;
            mem.check_families(table, scan.columns.iter().map(Column::family_name))?;
        }
        let (scan, shape) = match prepared {
            Prepared::Empty(_) => return Ok(Scanner::new(std::iter::empty())),
            Prepared::Run(scan, shape) => (scan, shape),
        };
        let limit = scan.limit;
        let table = table.to_string();
        let mut buffer: VecDeque<Row> = VecDeque::new();
        let mut last: Option<Vec<u8>> = None;
        let mut done = false;
        let rows = std::iter::from_fn(move || {
            if buffer.is_empty() && !done {
                match self.scan_batch(&table, &scan, last.as_deref()) {
                    Ok(rows) => {
                        done = rows.len() < scan.batch;
                        buffer.extend(rows);
                    }
                    Err(err) => {
                        done = true;
                        return Some(Err(err));
                    }
                }
            }
            let row = buffer.pop_front()?;
            last = Some(row.key.clone());
            Some(Ok(row))
        });
        Ok(Scanner::new(rows).shaped(shape, limit))
    }

    fn delete_rows(&self, table: &str, rows: &[Vec<u8>], timestamp: Option<i64>) -> Result<()> {
        self.limits.check_rows(table, "delete_rows", rows)?;
        if let Some(timestamp) = timestamp {
            check_timestamp(table, "delete_rows", timestamp)?;
        }
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        let now = timestamp.unwrap_or_else(now_millis);
        let families: Vec<Vec<u8>> = mem.families.keys().cloned().collect();
        for key in rows {
            let row = mem.rows.entry(key.clone()).or_default();
            for family in &families {
                row.delete_family(family, now);
            }
        }
        Ok(())
    }

    fn increment(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        amount: i64,
    ) -> Result<i64> {
        self.limits.check_row(table, "increment", row)?;
        check_family_name(table, "increment", family)?;
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        mem.check_families(table, std::iter::once(family))
            .map_err(|e| e.in_row(row))?;
        let max = mem.max_versions(family);
        let oldest = Oldest::new(mem);
        let entry = mem.rows.entry(row.to_vec()).or_default();
        let now = now_millis();
        let (current, timestamp) = match entry.latest_value(family, qualifier, &oldest) {
            None => (0, now),
            Some((ts, value)) => {
                let bytes: [u8; 8] = value.as_slice().try_into().map_err(|_| {
                    crate::Error::from(ErrorKind::NotACounter {
                        table: table.to_string(),
                        column: column_name(family, qualifier),
                        len: value.len(),
                    })
                    .in_row(row)
                })?;
                // HBase never writes an increment below the version it read.
                (i64::from_be_bytes(bytes), now.max(ts.saturating_add(1)))
            }
        };
        let next = current.wrapping_add(amount);
        let cell = Cell::new(family, qualifier, next.to_be_bytes());
        entry.put(&cell, timestamp, max);
        Ok(next)
    }

    fn check_and_put(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        expected: Option<&[u8]>,
        put: &Cell,
    ) -> Result<bool> {
        check_check_and_put(table, row, family, put, &self.limits)?;
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        mem.check_families(table, [family, put.family.as_slice()].into_iter())
            .map_err(|e| e.in_row(row))?;
        let max = mem.max_versions(&put.family);
        let oldest = Oldest::new(mem);
        let entry = mem.rows.entry(row.to_vec()).or_default();
        let current = entry
            .latest_value(family, qualifier, &oldest)
            .map(|(_, v)| v);
        let matches = match expected {
            // HBase compares an empty expected value as "missing or empty".
            None | Some([]) => current.is_none_or(|value| value.is_empty()),
            Some(expected) => current.is_some_and(|value| value == expected),
        };
        if matches {
            entry.put(put, now_millis(), max);
        }
        Ok(matches)
    }

    fn check_and_mutate(&self, table: &str, check: &Check, change: &RowMutations) -> Result<bool> {
        super::check_check_and_mutate(table, check, change, &self.limits)?;
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        mem.check_families(table, std::iter::once(check.family.as_slice()))
            .map_err(|e| e.in_row(&change.row))?;
        let oldest = Oldest::new(mem);
        let current = mem.rows.get(&change.row).and_then(|row| {
            row.latest_value(&check.family, &check.qualifier, &oldest)
                .map(|(_, v)| v.to_vec())
        });
        if !check.holds(current.as_deref()) {
            return Ok(false);
        }
        for (timestamp, group) in group_by_timestamp(std::slice::from_ref(change)) {
            mem.apply_group(table, &group, timestamp.unwrap_or_else(now_millis))?;
        }
        Ok(true)
    }

    fn create_table(&self, table: &str, families: &[FamilySpec]) -> Result<()> {
        check_table_name(table)?;
        super::check_create_table(table, families)?;
        let mut tables = self.write();
        if tables.contains_key(table) {
            return Err(ErrorKind::TableExists {
                table: table.to_string(),
            }
            .into());
        }
        let mem = MemTable {
            families: families
                .iter()
                .map(|f| (f.name.as_bytes().to_vec(), normalized(f)))
                .collect(),
            rows: BTreeMap::new(),
        };
        tables.insert(table.to_string(), mem);
        Ok(())
    }

    fn table_exists(&self, table: &str) -> Result<bool> {
        Ok(self.read().contains_key(table))
    }

    fn list_tables(&self) -> Result<Vec<String>> {
        Ok(self.read().keys().cloned().collect())
    }

    fn families(&self, table: &str) -> Result<Vec<FamilySpec>> {
        let tables = self.read();
        let mem = tables.get(table).ok_or_else(|| table_not_found(table))?;
        Ok(mem.families.values().cloned().collect())
    }

    fn drop_table(&self, table: &str) -> Result<()> {
        self.write()
            .remove(table)
            .map(|_| ())
            .ok_or_else(|| table_not_found(table))
    }

    fn truncate_table(&self, table: &str) -> Result<()> {
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        mem.rows.clear();
        Ok(())
    }

    fn add_family(&self, table: &str, family: &FamilySpec) -> Result<()> {
        check_family_name(table, "add_family", family.name.as_bytes())?;
        let mut tables = self.write();
        let mem = tables
            .get_mut(table)
            .ok_or_else(|| table_not_found(table))?;
        let name = family.name.as_bytes().to_vec();
        if mem.families.contains_key(&name) {
            return Err(ErrorKind::InvalidArgument {
                table: table.to_string(),
                operation: "add_family",
                message: format!("column family \"{}\" already exists", family.name),
            }
            .into());
        }
        mem.families.insert(name, normalized(family));
        Ok(())
    }

    fn atomic_row_mutations(&self) -> bool {
        self.atomic
    }
}
