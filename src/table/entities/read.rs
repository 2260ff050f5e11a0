//! Reading entities: by key, by key range or prefix, as of a time, and
//! their history.

use std::collections::BTreeSet;
use std::fmt;
use std::marker::PhantomData;
use std::ops::{Bound, RangeBounds};

use super::EntityTable;
use crate::cell::{Cell, CellRef};
use crate::entity::Entity;
use crate::error::Result;
use crate::mapper::Mapper;
use crate::rowkey::KeyPrefix;
use crate::store::{Read, Row, Scan, Scanner, Store, key_after};

impl<E: Entity, S: Store> EntityTable<E, S> {
    fn decode(&self, row: &Row) -> Result<E> {
        self.table
            .mapper
            .from_cells(row.latest())
            .map_err(|e| e.in_row(&row.key))
    }

    /// The entity stored under `key`; `None` when the row has no cells. A
    /// row that does not decode is an error naming the row and the field.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into() })?;
    /// assert_eq!(pages.get(&"/".into())?, Some(Page { url: "/".into() }));
    /// assert_eq!(pages.get(&"/nope".into())?, None);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn get(&self, key: &E::Key) -> Result<Option<E>> {
        self.get_with(key, &Read::latest())
    }

    /// The entity as it was at `timestamp`: the newest version of each cell
    /// at or below it (as [`Table::get_as_of`](crate::Table::get_as_of)).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages", max_versions = 2)] struct Page { #[capjure(row_key)] url: String, views: u64 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_at(&Page { url: "/".into(), views: 1 }, 10)?;
    /// pages.insert_at(&Page { url: "/".into(), views: 2 }, 20)?;
    /// assert_eq!(pages.get_as_of(&"/".into(), 19)?.map(|p| p.views), Some(1));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn get_as_of(&self, key: &E::Key, timestamp: i64) -> Result<Option<E>> {
        self.get_with(key, &Read::latest().before(timestamp.saturating_add(1)))
    }

    fn get_with(&self, key: &E::Key, read: &Read) -> Result<Option<E>> {
        let row = E::encode_key(key);
        self.table.check_row(&row)?;
        match self.table.store.get_row(&self.table.name, &row, read)? {
            Some(found) => self.decode(&found).map(Some),
            None => Ok(None),
        }
    }

    /// Several entities, in the order asked, [`EntityTable::batch_size`]
    /// rows per round trip.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/a".into() })?;
    /// let found = pages.get_many(&["/a".into(), "/b".into()])?;
    /// assert_eq!(found, vec![Some(Page { url: "/a".into() }), None]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn get_many(&self, keys: &[E::Key]) -> Result<Vec<Option<E>>> {
        let rows: Vec<Vec<u8>> = keys.iter().map(E::encode_key).collect();
        for row in &rows {
            self.table.check_row(row)?;
        }
        let mut entities = Vec::with_capacity(rows.len());
        for batch in rows.chunks(self.table.batch) {
            let found = self
                .table
                .store
                .get_rows(&self.table.name, batch, &Read::latest())?;
            for row in found {
                entities.push(match row {
                    Some(row) => Some(self.decode(&row)?),
                    None => None,
                });
            }
        }
        Ok(entities)
    }

    /// Whether a row is stored under `key`; asks for keys only.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// assert!(!pages.exists(&"/".into())?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn exists(&self, key: &E::Key) -> Result<bool> {
        self.table.exists(&E::encode_key(key))
    }

    /// How many rows the table has, counted on a keys-only scan.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into() })?;
    /// assert_eq!(pages.count()?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn count(&self) -> Result<u64> {
        self.table.count()
    }

    /// Deletes the row of `key`, every version of every cell.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into() })?;
    /// pages.delete(&"/".into())?;
    /// assert!(!pages.exists(&"/".into())?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn delete(&self, key: &E::Key) -> Result<()> {
        self.delete_many(std::slice::from_ref(key))
    }

    /// Deletes the rows of `keys`, as [`Table::delete`](crate::Table::delete)
    /// (a batch failing part-way names the rows).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { url: "/a".into() }, Page { url: "/b".into() }], None)?;
    /// pages.delete_many(&["/a".into(), "/b".into()])?;
    /// assert_eq!(pages.count()?, 0);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn delete_many(&self, keys: &[E::Key]) -> Result<()> {
        let rows: Vec<Vec<u8>> = keys.iter().map(E::encode_key).collect();
        self.table.delete(&rows)
    }

    /// The store-level [`Scan`] of a range of keys, in row order: the order
    /// of [`Entity::encode_key`]'s bytes, which is the key tuple's order
    /// with `descending` parts reversed. So for a key `(shopper, visit)`
    /// with `visit` descending, `("alice", 20)..("alice", 10)` holds
    /// alice's visits 20 down to 11. Add options to the scan and run it
    /// with [`EntityTable::scan_with`].
    ///
    /// ```
    /// use capjure::store::Scan;
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// assert_eq!(pages.key_scan("/a".to_string().."/b".to_string()), Scan::range("/a", "/b"));
    /// ```
    pub fn key_scan(&self, range: impl RangeBounds<E::Key>) -> Scan {
        let start = match range.start_bound() {
            Bound::Unbounded => Vec::new(),
            Bound::Included(key) => E::encode_key(key),
            Bound::Excluded(key) => match key_after(&E::encode_key(key)) {
                Some(next) => next,
                None => return nothing(),
            },
        };
        let scan = Scan::all().from(start);
        match range.end_bound() {
            Bound::Unbounded => scan,
            // A store reads an empty stop as "no stop"; no row key sorts
            // before the empty one, so that range is empty.
            Bound::Included(key) | Bound::Excluded(key) if E::encode_key(key).is_empty() => {
                nothing()
            }
            Bound::Included(key) => scan.through(E::encode_key(key)),
            Bound::Excluded(key) => scan.until(E::encode_key(key)),
        }
    }

    /// Entities whose keys are in `range` (`..`, `a..b`, `a..=b`, `a..`),
    /// in row order (see [`EntityTable::key_scan`]), lazily.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key(order = 1))] id: i32 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: -5 }, Page { id: 0 }, Page { id: 7 }], None)?;
    /// let ids: Vec<i32> = pages.scan((-5,)..=(0,))?.map(|p| p.map(|p| p.id)).collect::<Result<_, _>>()?;
    /// assert_eq!(ids, [-5, 0]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn scan(&self, range: impl RangeBounds<E::Key>) -> Result<Entities<'_, E>> {
        self.scan_with(self.key_scan(range))
    }

    /// Entities whose keys start with the leading parts `prefix` of a
    /// composite key ([`Entity::key_prefix`]): `("alice",)` for one
    /// shopper's rows of a `(shopper, visit)` key, `()` for all.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Visit { #[capjure(row_key)] shopper: String, #[capjure(row_key(descending))] at: i64 }
    /// let store = MemoryStore::new();
    /// let visits = store.entities::<Visit>();
    /// visits.create()?;
    /// for (shopper, at) in [("al", 1), ("alice", 1), ("alice", 2)] {
    ///     visits.insert(&Visit { shopper: shopper.into(), at })?;
    /// }
    /// let newest_first: Vec<i64> = visits.scan_prefix(("alice",))?.map(|v| v.map(|v| v.at)).collect::<Result<_, _>>()?;
    /// assert_eq!(newest_first, [2, 1]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn scan_prefix<P: KeyPrefix<E::Key>>(&self, prefix: P) -> Result<Entities<'_, E>> {
        self.scan_with(Scan::prefix(E::key_prefix(prefix)))
    }

    /// Entities of any store-level [`Scan`] of this table (its range,
    /// columns, batch and whatever options the store's scans take), in row
    /// order. A row that does not decode is an error naming it; the scan
    /// goes on after it.
    ///
    /// ```
    /// use capjure::store::Scan;
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/a".into() })?;
    /// assert_eq!(pages.scan_with(Scan::prefix("/").batch(10))?.count(), 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn scan_with(&self, scan: Scan) -> Result<Entities<'_, E>> {
        let batch = if scan.batch == Scan::DEFAULT_BATCH {
            self.table.batch
        } else {
            scan.batch
        };
        Ok(Entities {
            rows: self
                .table
                .store
                .scan(&self.table.name, &scan.batch(batch))?,
            mapper: &self.table.mapper,
            entity: PhantomData,
        })
    }

    /// The entity as it was after each of its last `versions` writes,
    /// newest first, with the timestamp of each: read in one round trip
    /// (a get of `versions` versions of every cell), then rebuilt as of
    /// each distinct cell timestamp.
    ///
    /// What history there is comes from the cells' versions, so: a family
    /// keeps [`Entity::max_versions`] of them (ask for no more); columns a
    /// later write deleted (a field set to `None`, a shorter `Vec`) are
    /// gone from every version, as HBase deletes every version at or below
    /// the write; every write of the entity counts, including increments
    /// of a counter field; a version that does not decode (written before
    /// a field was added, say, or one whose `Vec` or map elements a
    /// later write replaced, which leaves it no cells) is an error naming
    /// the row. Versions are exact for fields stored in one cell.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages", max_versions = 5)] struct Page { #[capjure(row_key)] url: String, views: u64 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// for (at, views) in [(10, 1), (20, 2), (30, 3)] {
    ///     pages.insert_at(&Page { url: "/".into(), views }, at)?;
    /// }
    /// let history: Vec<(i64, u64)> = pages.versions(&"/".into(), 2)?.into_iter().map(|(at, p)| (at, p.views)).collect();
    /// assert_eq!(history, [(30, 3), (20, 2)]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn versions(&self, key: &E::Key, versions: u32) -> Result<Vec<(i64, E)>> {
        let row = E::encode_key(key);
        self.table.check_row(&row)?;
        let read = Read::latest().versions(versions);
        let Some(found) = self.table.store.get_row(&self.table.name, &row, &read)? else {
            return Ok(Vec::new());
        };
        let timestamps: BTreeSet<i64> = found.cells.iter().filter_map(|c| c.timestamp).collect();
        let mut history = Vec::new();
        for at in timestamps.into_iter().rev().take(versions.max(1) as usize) {
            let cells = as_of(&found.cells, at);
            let entity = self
                .table
                .mapper
                .from_cells(cells)
                .map_err(|e| e.in_row(&row))?;
            history.push((at, entity));
        }
        Ok(history)
    }
}

/// A scan that returns no rows: its stop is its start.
fn nothing() -> Scan {
    Scan::range([0], [0])
}

/// The newest version at or below `at` of each column of `cells` (sorted
/// by column, newest first, as stores return them).
fn as_of(cells: &[Cell], at: i64) -> impl Iterator<Item = CellRef<'_>> {
    let mut last: Option<(&[u8], &[u8])> = None;
    cells.iter().filter_map(move |cell| {
        if cell.timestamp.is_some_and(|ts| ts > at) {
            return None;
        }
        let column = (cell.family.as_slice(), cell.qualifier.as_slice());
        if last == Some(column) {
            return None;
        }
        last = Some(column);
        Some(cell.view())
    })
}

/// The entities of a scan, decoded lazily, in row order; [`Entities::keyed`]
/// yields their keys as well.
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
/// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] url: String }
/// let store = MemoryStore::new();
/// let pages = store.entities::<Page>();
/// pages.create()?;
/// pages.insert(&Page { url: "/".into() })?;
/// for page in pages.scan(..)? {
///     assert_eq!(page?, Page { url: "/".into() });
/// }
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct Entities<'a, E> {
    rows: Scanner<'a>,
    mapper: &'a Mapper,
    entity: PhantomData<fn() -> E>,
}

impl<E> fmt::Debug for Entities<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entities")
            .field("rows", &self.rows)
            .finish_non_exhaustive()
    }
}

impl<'a, E: Entity> Entities<'a, E> {
    /// The same scan yielding `(key, entity)`, the key decoded from the
    /// row key ([`Entity::decode_key`]); a row key that does not decode is
    /// an error naming it and the part.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Visit { #[capjure(row_key)] shopper: String, #[capjure(row_key(descending))] at: i64 }
    /// let store = MemoryStore::new();
    /// let visits = store.entities::<Visit>();
    /// visits.create()?;
    /// visits.insert(&Visit { shopper: "alice".into(), at: 3 })?;
    /// let keys: Vec<(String, i64)> = visits.scan(..)?.keyed().map(|e| e.map(|(k, _)| k)).collect::<Result<_, _>>()?;
    /// assert_eq!(keys, [("alice".to_string(), 3)]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn keyed(self) -> Keyed<'a, E> {
        Keyed { inner: self }
    }
}

impl<E: Entity> Iterator for Entities<'_, E> {
    type Item = Result<E>;

    fn next(&mut self) -> Option<Self::Item> {
        let mapper = self.mapper;
        let next = self
            .rows
            .next_with(|key, cells| mapper.from_cells(cells).map_err(|e| e.in_row(key)));
        Some(next?.map(|(_, entity)| entity))
    }
}

/// The entities of a scan with their keys: `(E::Key, E)` in row order.
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
/// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32 }
/// let store = MemoryStore::new();
/// let pages = store.entities::<Page>();
/// pages.create()?;
/// pages.insert(&Page { id: 9 })?;
/// let (key, page) = pages.scan(..)?.keyed().next().unwrap()?;
/// assert_eq!((key, page.id), (9, 9));
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct Keyed<'a, E> {
    inner: Entities<'a, E>,
}

impl<E> fmt::Debug for Keyed<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyed").field("inner", &self.inner).finish()
    }
}

impl<E: Entity> Iterator for Keyed<'_, E> {
    type Item = Result<(E::Key, E)>;

    fn next(&mut self) -> Option<Self::Item> {
        let mapper = self.inner.mapper;
        // The key first: a row key that is not one of `E`'s says more than
        // the fields such a row lacks.
        let next = self.inner.rows.next_with(|row, cells| {
            let key = E::decode_key(row).map_err(|e| e.in_row(row))?;
            let entity = mapper.from_cells(cells).map_err(|e| e.in_row(row))?;
            Ok((key, entity))
        });
        Some(next?.map(|(_, found)| found))
    }
}
