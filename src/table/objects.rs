//! The `Value` table: objects in, objects out, over any [`Store`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value;

use crate::cell::Cell;
use crate::error::{ErrorKind, Result};
use crate::mapper::Mapper;
use crate::store::{Column, FamilySpec, Read, Row, RowMutations, Scan, Scanner, Store, check_row};

/// Every version of every cell of a row: family -> qualifier -> timestamp
/// -> value.
pub type Versions = BTreeMap<Vec<u8>, BTreeMap<Vec<u8>, BTreeMap<i64, Vec<u8>>>>;

/// One table seen through a [`Mapper`]: objects in, objects out.
///
/// Generic over the [`Store`], so the same code runs on the embedded
/// [`MemoryStore`](crate::MemoryStore) and on HBase through
/// [`ThriftStore`](crate::ThriftStore).
///
/// ```
/// use capjure::{KeyConfig, Mapper, MemoryStore, Table};
/// use serde_json::json;
///
/// let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
/// let paintings = Table::new(MemoryStore::new(), "paintings", mapper);
/// let painting = json!({
///     "houses": 4,
///     "cars": [{"license": "ah12001", "make": "honda"}],
///     "road": {"name": "101N", "speed": 65}
/// });
/// paintings.create(&[&painting], 3)?;
/// paintings.insert(b"p1", &painting)?;
/// assert_eq!(paintings.get(b"p1")?, Some(painting));
/// assert_eq!(paintings.count()?, 1);
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct Table<S> {
    pub(super) store: S,
    pub(super) name: String,
    pub(super) mapper: Mapper,
    pub(super) batch: usize,
    /// The table's family names, looked up once by an atomic replace
    /// (see `replace`).
    pub(super) families: std::sync::OnceLock<Vec<Vec<u8>>>,
}

impl<S> fmt::Debug for Table<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("mapper", &self.mapper)
            .field("batch", &self.batch)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Table<S> {
    /// Rows per round trip for batched calls unless
    /// [`Table::with_batch_size`] says otherwise.
    pub const DEFAULT_BATCH: usize = 100;

    /// The table `name` in `store`, mapped by `mapper`.
    ///
    /// ```
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
    /// assert_eq!(table.name(), "t");
    /// ```
    pub fn new(store: S, name: impl Into<String>, mapper: Mapper) -> Self {
        Table {
            store,
            name: name.into(),
            mapper,
            batch: Self::DEFAULT_BATCH,
            families: std::sync::OnceLock::new(),
        }
    }

    /// The same table sending `rows` rows per round trip in batched calls
    /// (0 counts as 1).
    ///
    /// ```
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default())
    ///     .with_batch_size(500);
    /// assert_eq!(table.batch_size(), 500);
    /// ```
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.batch = rows.max(1);
        self
    }

    /// Rows per round trip in batched calls.
    ///
    /// ```
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
    /// assert_eq!(table.batch_size(), 100);
    /// ```
    pub fn batch_size(&self) -> usize {
        self.batch
    }

    /// The store.
    ///
    /// ```
    /// use capjure::Store;
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
    /// assert!(!table.store().table_exists("t")?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The table name.
    ///
    /// ```
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
    /// assert_eq!(table.name(), "t");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The mapper.
    ///
    /// ```
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
    /// assert_eq!(table.mapper().codec(), capjure::Codec::Json);
    /// ```
    pub fn mapper(&self) -> &Mapper {
        &self.mapper
    }

    /// Creates the table with every family the sample objects need (see
    /// [`Mapper::families`]), each keeping `max_versions` versions. If the
    /// table exists, adds the families it lacks.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Store, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"houses": 4, "road": {"name": "101N"}})], 1)?;
    /// assert_eq!(table.store().families("t")?.len(), 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn create(&self, samples: &[&Value], max_versions: u32) -> Result<()> {
        let mut families = BTreeSet::new();
        for sample in samples {
            families.extend(self.mapper.families(sample)?);
        }
        let specs: Vec<FamilySpec> = families
            .into_iter()
            .map(|name| FamilySpec::new(name).max_versions(max_versions))
            .collect();
        self.create_with(&specs)
    }

    /// Creates the table with the given families, or adds the ones an
    /// existing table lacks.
    ///
    /// ```
    /// use capjure::store::FamilySpec;
    /// use capjure::{Mapper, MemoryStore, Store, Table};
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create_with(&[FamilySpec::new("houses")])?;
    /// table.create_with(&[FamilySpec::new("houses"), FamilySpec::new("road")])?;
    /// assert_eq!(table.store().families("t")?.len(), 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn create_with(&self, families: &[FamilySpec]) -> Result<()> {
        if !self.store.table_exists(&self.name)? {
            return self.store.create_table(&self.name, families);
        }
        let existing: BTreeSet<String> = self
            .store
            .families(&self.name)?
            .into_iter()
            .map(|family| family.name)
            .collect();
        for family in families {
            if !existing.contains(&family.name) {
                self.store.add_family(&self.name, family)?;
            }
        }
        Ok(())
    }

    /// Runs `write` over `changes` in batches (given where each batch
    /// starts); a failure after the first
    /// row says which rows were written. The keys are copied only then:
    /// the rows stay in `changes`, and the batches before the failing one
    /// are the written ones.
    pub(super) fn in_batches(
        &self,
        changes: &mut [RowMutations],
        mut write: impl FnMut(usize, &mut [RowMutations]) -> Result<()>,
    ) -> Result<()> {
        let total = changes.len();
        for at in (0..total).step_by(self.batch) {
            let end = (at + self.batch).min(total);
            if let Err(err) = write(at, &mut changes[at..end]) {
                // A table that cannot take writes took none of them.
                let table_refused = matches!(
                    err.kind(),
                    ErrorKind::TableNotFound { .. } | ErrorKind::TableDisabled { .. }
                );
                if total <= 1 || (at == 0 && table_refused) {
                    return Err(err);
                }
                let keys = |changes: &[RowMutations]| {
                    changes.iter().map(|change| change.row.clone()).collect()
                };
                return Err(ErrorKind::BatchFailed {
                    table: self.name.clone(),
                    written: keys(&changes[..at]),
                    unconfirmed: keys(&changes[at..]),
                    source: Box::new(err),
                }
                .into());
            }
        }
        Ok(())
    }

    pub(super) fn check_row(&self, row: &[u8]) -> Result<()> {
        check_row(&self.name, row)
    }

    fn hydrate(&self, row: &Row) -> Result<Value> {
        self.mapper
            .hydrate(row.latest())
            .map_err(|e| e.in_row(&row.key))
    }

    /// The object stored under `row`; `None` when the row has no cells.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// assert_eq!(table.get(b"nobody")?, None);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn get(&self, row: &[u8]) -> Result<Option<Value>> {
        self.check_row(row)?;
        match self.store.get_row(&self.name, row, &Read::latest())? {
            Some(found) => self.hydrate(&found).map(Some),
            None => Ok(None),
        }
    }

    /// The object as it was at `timestamp`: the newest version of each
    /// cell at or below it.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 5)?;
    /// table.insert_at(b"r", &json!({"a": 1}), 10)?;
    /// assert_eq!(table.get_as_of(b"r", 9)?, None);
    /// assert_eq!(table.get_as_of(b"r", 10)?, Some(json!({"a": 1})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn get_as_of(&self, row: &[u8], timestamp: i64) -> Result<Option<Value>> {
        self.check_row(row)?;
        let read = Read::latest().before(timestamp.saturating_add(1));
        match self.store.get_row(&self.name, row, &read)? {
            Some(found) => self.hydrate(&found).map(Some),
            None => Ok(None),
        }
    }

    /// Several objects, in the order asked, [`Table::batch_size`] rows per
    /// round trip.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// table.insert(b"r1", &json!({"a": 1}))?;
    /// let objects = table.get_many(&[b"r1", b"r2"])?;
    /// assert_eq!(objects, vec![Some(json!({"a": 1})), None]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn get_many<K: AsRef<[u8]>>(&self, rows: &[K]) -> Result<Vec<Option<Value>>> {
        let keys: Vec<Vec<u8>> = rows.iter().map(|k| k.as_ref().to_vec()).collect();
        for key in &keys {
            self.check_row(key)?;
        }
        let mut objects = Vec::with_capacity(keys.len());
        for batch in keys.chunks(self.batch) {
            for found in self.store.get_rows(&self.name, batch, &Read::latest())? {
                objects.push(match found {
                    Some(found) => Some(self.hydrate(&found)?),
                    None => None,
                });
            }
        }
        Ok(objects)
    }

    /// The newest version of one cell, with its timestamp.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"road": {"name": "101N"}})], 1)?;
    /// table.insert(b"r", &json!({"road": {"name": "101N"}}))?;
    /// assert_eq!(table.cell(b"r", b"road", b"name")?.map(|c| c.value), Some(b"\"101N\"".to_vec()));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn cell(&self, row: &[u8], family: &[u8], qualifier: &[u8]) -> Result<Option<Cell>> {
        self.check_row(row)?;
        let read = Read::latest().columns([Column::qualified(family, qualifier)]);
        Ok(self
            .store
            .get_row(&self.name, row, &read)?
            .and_then(|found| found.cells.into_iter().next()))
    }

    /// One cell's stored bytes as a string (for the JSON codec that is the
    /// JSON text, quotes included).
    ///
    /// ```
    /// use capjure::{Codec, KeyConfig, Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::new(KeyConfig::new()).with_codec(Codec::Text));
    /// table.create(&[&json!({"houses": "4"})], 1)?;
    /// table.insert(b"r", &json!({"houses": "4"}))?;
    /// assert_eq!(table.cell_string(b"r", b"houses", b"")?, Some("4".to_string()));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn cell_string(
        &self,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
    ) -> Result<Option<String>> {
        match self.cell(row, family, qualifier)? {
            None => Ok(None),
            Some(cell) => String::from_utf8(cell.value).map(Some).map_err(|_| {
                crate::Error::from(ErrorKind::InvalidUtf8 {
                    column: crate::error::column_name(family, qualifier),
                    part: "value",
                })
                .in_row(row)
            }),
        }
    }

    /// Whether the row has any cell. Asks the store for keys only (no
    /// values travel).
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// table.insert(b"r", &json!({"a": 1}))?;
    /// assert!(table.exists(b"r")? && !table.exists(b"r2")?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn exists(&self, row: &[u8]) -> Result<bool> {
        self.check_row(row)?;
        let scan = Scan::all().from(row).through(row).keys_only().batch(1);
        let found = self.store.scan(&self.name, &scan)?.next().transpose()?;
        Ok(found.is_some())
    }

    /// How many rows the table has. Counted by a keys-only scan: the
    /// server sends one empty cell per row, and the client keeps nothing
    /// but the count.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// assert_eq!(table.count()?, 0);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn count(&self) -> Result<u64> {
        self.count_scan(Scan::all())
    }

    /// How many rows have at least one of `columns` (a
    /// [`Column::Family`] matches any column of the family).
    ///
    /// ```
    /// use capjure::store::Column;
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1, "b": 1})], 1)?;
    /// table.insert(b"r1", &json!({"a": 1}))?;
    /// table.insert(b"r2", &json!({"b": 1}))?;
    /// assert_eq!(table.count_with(&[Column::family("a")])?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn count_with(&self, columns: &[Column]) -> Result<u64> {
        self.count_scan(Scan::all().columns(columns.iter().cloned()))
    }

    /// How many rows a scan covers, keys only: at most its
    /// [`limit`](Scan::limit), counted after its [`filter`](Scan::filter).
    ///
    /// ```
    /// use capjure::store::Scan;
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// table.insert(b"x1", &json!({"a": 1}))?;
    /// table.insert(b"y1", &json!({"a": 1}))?;
    /// assert_eq!(table.count_scan(Scan::prefix("x"))?, 1);
    /// assert_eq!(table.count_scan(Scan::all().limit(1))?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn count_scan(&self, scan: Scan) -> Result<u64> {
        let batch = scan.batch.max(1000);
        let scan = scan.keys_only().batch(batch);
        let mut count = 0u64;
        for row in self.store.scan(&self.name, &scan)? {
            row?;
            count += 1;
        }
        Ok(count)
    }

    /// The newest `versions` versions of every cell of a row (of one family
    /// when `family` is given).
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 3)?;
    /// table.insert_at(b"r", &json!({"a": 1}), 10)?;
    /// table.insert_at(b"r", &json!({"a": 2}), 20)?;
    /// let versions = table.versions(b"r", 5, None)?;
    /// assert_eq!(versions[&b"a".to_vec()][&Vec::new()].len(), 2);
    /// assert_eq!(versions[&b"a".to_vec()][&Vec::new()][&20], b"2");
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn versions(&self, row: &[u8], versions: u32, family: Option<&[u8]>) -> Result<Versions> {
        self.check_row(row)?;
        let read = Read::latest()
            .versions(versions)
            .columns(family.map(Column::family));
        let mut out = Versions::new();
        if let Some(found) = self.store.get_row(&self.name, row, &read)? {
            for cell in found.cells {
                out.entry(cell.family)
                    .or_default()
                    .entry(cell.qualifier)
                    .or_default()
                    .insert(cell.timestamp.unwrap_or_default(), cell.value);
            }
        }
        Ok(out)
    }

    /// Deletes rows with every version of every cell, one store call per
    /// [`Table::batch_size`] rows.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 3)?;
    /// table.insert(b"r", &json!({"a": 1}))?;
    /// table.delete(&[b"r"])?;
    /// assert!(table.versions(b"r", 3, None)?.is_empty());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn delete<K: AsRef<[u8]>>(&self, rows: &[K]) -> Result<()> {
        for row in rows {
            self.check_row(row.as_ref())?;
        }
        if rows.is_empty() {
            return Ok(());
        }
        // The table's families are looked up once for every batch: asking
        // the store to delete whole rows would look them up per batch.
        let families = self.store.families(&self.name)?;
        let mut changes: Vec<RowMutations> = rows
            .iter()
            .map(|row| {
                families
                    .iter()
                    .fold(RowMutations::new(row.as_ref()), |change, family| {
                        change.delete_family(family.name.as_bytes(), None)
                    })
            })
            .collect();
        self.in_batches(&mut changes, |_, batch| {
            self.store.mutate(&self.name, batch)
        })
    }

    /// Objects of a scan, lazily and hydrated, in key order.
    ///
    /// ```
    /// use capjure::store::Scan;
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// table.insert(b"a1", &json!({"a": 1}))?;
    /// table.insert(b"b1", &json!({"a": 2}))?;
    /// let keys: Vec<Vec<u8>> = table.scan(Scan::range("a", "b"))?.map(|r| r.map(|(k, _)| k)).collect::<Result<_, _>>()?;
    /// assert_eq!(keys, vec![b"a1".to_vec()]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn scan(&self, scan: Scan) -> Result<Objects<'_>> {
        let batch = if scan.batch == Scan::DEFAULT_BATCH {
            self.batch
        } else {
            scan.batch
        };
        let scan = scan.batch(batch);
        Ok(Objects {
            rows: self.store.scan(&self.name, &scan)?,
            mapper: &self.mapper,
        })
    }

    /// Objects whose row key starts with `prefix`.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// table.insert(b"shop1/a", &json!({"a": 1}))?;
    /// table.insert(b"shop2/a", &json!({"a": 2}))?;
    /// assert_eq!(table.scan_prefix(b"shop1/")?.count(), 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn scan_prefix(&self, prefix: &[u8]) -> Result<Objects<'_>> {
        self.scan(Scan::prefix(prefix))
    }
}

/// Hydrated objects of a scan: `(row key, object)` in key order.
///
/// ```
/// use capjure::{Mapper, MemoryStore, Table};
/// use serde_json::json;
/// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
/// table.create(&[&json!({"a": 1})], 1)?;
/// table.insert(b"k", &json!({"a": 1}))?;
/// for entry in table.scan_prefix(b"k")? {
///     let (key, object) = entry?;
///     assert_eq!((key, object), (b"k".to_vec(), json!({"a": 1})));
/// }
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct Objects<'a> {
    rows: Scanner<'a>,
    mapper: &'a Mapper,
}

impl fmt::Debug for Objects<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Objects")
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl Iterator for Objects<'_> {
    type Item = Result<(Vec<u8>, Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        // Hydrated from the cells as the store fetched them (for
        // `ThriftStore`, the gateway's results): no `Row` in between.
        let mapper = self.mapper;
        self.rows
            .next_with(|key, cells| mapper.hydrate(cells).map_err(|e| e.in_row(key)))
    }
}
