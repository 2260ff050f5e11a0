//! The typed table: `#[derive(Entity)]` structs in, structs out, over any
//! [`Store`].
//!
//! An [`EntityTable`] keeps a [`Table`] inside, mapped by the entity's
//! mapper, and writes through the same path: an insert is the entity's
//! cells replacing the row, a merge is the entity as a patch merged into
//! the stored entity. So replace and merge, stale-cell deletes, timestamps
//! and batch failures behave exactly as they do for `Value` objects.
//! Reads live in `read`, the compare-and-set and counters in `update`.

use std::fmt;
use std::marker::PhantomData;

use serde_json::{Map, Value};

use super::Shape;
use super::objects::Table;
use super::write::Edit;
use crate::cell::{CellRef, Cells};
use crate::entity::{CounterColumn, Entity};
use crate::error::{ErrorKind, Result};
use crate::mapper::Mapper;
use crate::store::{FamilySpec, Store};

mod read;
mod update;

pub use read::{Entities, Keyed};

/// A table of entities of type `E` in a store: typed keys in, entities out.
///
/// Reach it with [`StoreExt::entities`] (borrowing the store) or
/// [`EntityTable::new`] (owning it). The table is [`Entity::TABLE`] unless
/// [`EntityTable::named`] says otherwise; the mapper is built once, here.
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
///
/// #[derive(Entity, Debug, PartialEq)]
/// #[capjure(table = "sessions")]
/// struct Session {
///     #[capjure(row_key)]
///     shopper: String,
///     #[capjure(row_key(descending))]
///     visit: i64,
///     pages: Vec<String>,
/// }
///
/// let store = MemoryStore::new();
/// let sessions = store.entities::<Session>();
/// sessions.create()?;
/// let visit = Session { shopper: "alice".into(), visit: 7, pages: vec!["/".into()] };
/// sessions.insert(&visit)?;
/// assert_eq!(sessions.get(&("alice".into(), 7))?, Some(visit));
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct EntityTable<E, S> {
    pub(super) table: Table<S>,
    entity: PhantomData<fn() -> E>,
}

impl<E, S> fmt::Debug for EntityTable<E, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntityTable")
            .field("entity", &std::any::type_name::<E>())
            .field("table", &self.table)
            .finish()
    }
}

/// Typed tables from a store: `store.entities::<Session>()`.
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
/// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
/// let store = MemoryStore::new();
/// assert_eq!(store.entities::<Page>().name(), "pages");
/// ```
pub trait StoreExt: Store {
    /// The table of `E` in this store, borrowing it.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>().named("pages_test");
    /// assert_eq!(pages.name(), "pages_test");
    /// ```
    fn entities<E: Entity>(&self) -> EntityTable<E, &Self> {
        EntityTable::new(self)
    }
}

impl<S: Store + ?Sized> StoreExt for S {}

/// Reads and writes rows as `E` does: for merges, the stored entity as an
/// object and the merged object back as an entity.
struct Typed<'m, E> {
    mapper: &'m Mapper,
    entity: PhantomData<fn() -> E>,
}

impl<E: Entity> Shape for Typed<'_, E> {
    fn read(&self, cells: &mut dyn Iterator<Item = CellRef<'_>>) -> Result<Map<String, Value>> {
        let entity: E = self.mapper.from_cells(cells)?;
        match serde_json::to_value(&entity).map_err(json_error)? {
            Value::Object(object) => Ok(object),
            other => Err(ErrorKind::NotAnObject {
                found: crate::describe(&other),
            }
            .into()),
        }
    }

    fn write(&self, object: &Map<String, Value>) -> Result<Cells> {
        let entity: E =
            serde_json::from_value(Value::Object(object.clone())).map_err(json_error)?;
        self.mapper.to_cells(&entity)
    }
}

fn json_error(err: serde_json::Error) -> crate::Error {
    ErrorKind::Serde {
        path: String::new(),
        message: err.to_string(),
    }
    .into()
}

/// The patch a typed merge applies: the entity as an object, without the
/// `null`s of its `None` fields (top-level, or in a nested struct), which
/// write no cell and so leave the stored values alone, and without its
/// counters, which only increments write.
fn patch_of<E: Entity>(entity: &E, counters: &[CounterColumn]) -> Result<Map<String, Value>> {
    let Value::Object(mut object) = serde_json::to_value(entity).map_err(json_error)? else {
        return Err(ErrorKind::NotAnObject {
            found: "not a struct",
        }
        .into());
    };
    object.retain(|column, value| {
        !value.is_null() && !counters.iter().any(|counter| counter.column == column)
    });
    for value in object.values_mut() {
        if let Value::Object(fields) = value {
            fields.retain(|_, value| !value.is_null());
        }
    }
    Ok(object)
}

impl<E: Entity, S: Store> EntityTable<E, S> {
    /// The table of `E` in `store`, named [`Entity::TABLE`].
    ///
    /// ```
    /// use capjure::{Entity, EntityTable, MemoryStore};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let pages: EntityTable<Page, _> = EntityTable::new(MemoryStore::new());
    /// assert_eq!(pages.name(), "pages");
    /// ```
    pub fn new(store: S) -> Self {
        EntityTable {
            table: Table::new(store, E::TABLE, E::mapper()),
            entity: PhantomData,
        }
    }

    /// The same table under another name (a test's own table, say).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// assert_eq!(store.entities::<Page>().named("pages_1").name(), "pages_1");
    /// ```
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.table.name = name.into();
        self
    }

    /// The same table sending `rows` rows per round trip in batched calls
    /// (0 counts as 1; default [`Table::DEFAULT_BATCH`]).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// assert_eq!(store.entities::<Page>().with_batch_size(500).batch_size(), 500);
    /// ```
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.table = self.table.with_batch_size(rows);
        self
    }

    /// Rows per round trip in batched calls.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// assert_eq!(MemoryStore::new().entities::<Page>().batch_size(), 100);
    /// ```
    pub fn batch_size(&self) -> usize {
        self.table.batch_size()
    }

    /// The table name.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// assert_eq!(MemoryStore::new().entities::<Page>().name(), "pages");
    /// ```
    pub fn name(&self) -> &str {
        self.table.name()
    }

    /// The store.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, Store, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// assert!(!store.entities::<Page>().store().table_exists("pages")?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn store(&self) -> &S {
        self.table.store()
    }

    /// The same rows as `Value` objects, through the entity's mapper: for
    /// the calls only that table has ([`Table::cell`], [`Table::remove`],
    /// ...).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into() })?;
    /// assert_eq!(pages.objects().get(b"/")?, Some(serde_json::json!({"url": "/"})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn objects(&self) -> &Table<S> {
        &self.table
    }

    fn typed(&self) -> Typed<'_, E> {
        Typed {
            mapper: &self.table.mapper,
            entity: PhantomData,
        }
    }

    /// The families `E` needs ([`Entity::families`]), each keeping
    /// [`Entity::max_versions`] versions for [`Entity::ttl`] seconds.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages", max_versions = 3, ttl = 60)] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let specs = store.entities::<Page>().families();
    /// assert_eq!((specs[0].max_versions, specs[0].ttl), (3, Some(60)));
    /// ```
    pub fn families(&self) -> Vec<FamilySpec> {
        E::families()
            .into_iter()
            .map(|name| {
                let spec = FamilySpec::new(name).max_versions(E::max_versions());
                match E::ttl() {
                    Some(ttl) => spec.ttl(ttl),
                    None => spec,
                }
            })
            .collect()
    }

    /// Creates the table with [`EntityTable::families`]; if it exists,
    /// adds the families it lacks (as [`Table::create_with`]).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, Store, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String, views: u64 }
    /// let store = MemoryStore::new();
    /// store.entities::<Page>().create()?;
    /// assert_eq!(store.families("pages")?.len(), 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn create(&self) -> Result<()> {
        self.table.create_with(&self.families())
    }

    /// Stores `entity` under its key, replacing what the row held: the
    /// cells of fields it no longer has (a `None`, a shorter `Vec`) are
    /// deleted. Costs and guarantees are [`Table::insert`]'s.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "pages")]
    /// # struct Page { #[capjure(row_key)] url: String, title: Option<String> }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into(), title: Some("home".into()) })?;
    /// pages.insert(&Page { url: "/".into(), title: None })?;
    /// assert_eq!(pages.get(&"/".into())?, Some(Page { url: "/".into(), title: None }));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn insert(&self, entity: &E) -> Result<()> {
        self.insert_rows(std::slice::from_ref(entity), None)
    }

    /// [`EntityTable::insert`] at an explicit timestamp (milliseconds), as
    /// [`Table::insert_at`].
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "pages", max_versions = 3)]
    /// # struct Page { #[capjure(row_key)] url: String, views: u64 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_at(&Page { url: "/".into(), views: 1 }, 10)?;
    /// pages.insert_at(&Page { url: "/".into(), views: 2 }, 20)?;
    /// assert_eq!(pages.get_as_of(&"/".into(), 15)?.map(|p| p.views), Some(1));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn insert_at(&self, entity: &E, timestamp: i64) -> Result<()> {
        self.insert_rows(std::slice::from_ref(entity), Some(timestamp))
    }

    /// Inserts several entities with replace semantics, as
    /// [`Table::insert_many`]: [`EntityTable::batch_size`] rows per batch,
    /// two round trips each; a batch failing part-way is an
    /// [`ErrorKind::BatchFailed`] naming the rows written and the rows not
    /// known to be.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { url: "/a".into() }, Page { url: "/b".into() }], None)?;
    /// assert_eq!(pages.count()?, 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn insert_many(&self, entities: &[E], timestamp: Option<i64>) -> Result<()> {
        self.insert_rows(entities, timestamp)
    }

    /// Merges `entity` into the stored one: every field of the struct is
    /// written except `None` options (at the top level or in a nested
    /// struct), which write no cell and so keep the stored value;
    /// `#[capjure(skip)]` fields are never written. The fields merge as
    /// [`Table::merge`] merges a patch (JSON Merge Patch at one level): a
    /// nested struct field by field, a map key by key (entries the new map
    /// lacks stay), anything else whole. Counter fields are left alone:
    /// only [`EntityTable::increment`] writes them after a row exists, so a
    /// merge of an entity read before an increment does not undo it.
    /// Merging into a missing row stores the entity, counters read as 0.
    ///
    /// The stored row is read as an `E` and the merged object written back
    /// as one, so a stored row that does not decode as `E` is that error,
    /// naming the row, and nothing is written. Costs, timestamps and the
    /// lack of atomicity through the Thrift1 gateway are
    /// [`Table::merge`]'s.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "pages")]
    /// # struct Page { #[capjure(row_key)] url: String, title: Option<String>, views: u64 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into(), title: Some("home".into()), views: 1 })?;
    /// pages.merge(&Page { url: "/".into(), title: None, views: 2 })?;
    /// let page = pages.get(&"/".into())?.unwrap();
    /// assert_eq!((page.title.as_deref(), page.views), (Some("home"), 2));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn merge(&self, entity: &E) -> Result<()> {
        self.merge_rows(std::slice::from_ref(entity), None)
    }

    /// [`EntityTable::merge`] at an explicit timestamp, as
    /// [`Table::merge_at`].
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.merge_at(&Page { url: "/".into() }, 5)?;
    /// assert!(pages.get_as_of(&"/".into(), 4)?.is_none());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn merge_at(&self, entity: &E, timestamp: i64) -> Result<()> {
        self.merge_rows(std::slice::from_ref(entity), Some(timestamp))
    }

    /// [`EntityTable::merge`] for several entities, as
    /// [`Table::merge_many`]; failures are reported as for
    /// [`EntityTable::insert_many`].
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.merge_many(&[Page { url: "/a".into() }, Page { url: "/b".into() }], None)?;
    /// assert_eq!(pages.count()?, 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn merge_many(&self, entities: &[E], timestamp: Option<i64>) -> Result<()> {
        self.merge_rows(entities, timestamp)
    }

    /// Writes entities as new rows without reading anything first, one
    /// round trip per batch: the bulk load of fresh keys, with the caveats
    /// of [`Table::load_many`] for rows that exist.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.load_many(&[Page { url: "/a".into() }, Page { url: "/b".into() }], None)?;
    /// assert!(pages.exists(&"/b".into())?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn load_many(&self, entities: &[E], timestamp: Option<i64>) -> Result<()> {
        let mapper = &self.table.mapper;
        self.table.load_rows(
            entities.iter().map(|entity| {
                let row = entity.row_key();
                self.table.check_row(&row)?;
                let cells = mapper.to_cells(entity).map_err(|e| e.in_row(&row))?;
                Ok((row, cells))
            }),
            timestamp,
        )
    }

    fn insert_rows(&self, entities: &[E], timestamp: Option<i64>) -> Result<()> {
        let rows: Vec<Vec<u8>> = entities.iter().map(Entity::row_key).collect();
        let mut edits = Vec::with_capacity(entities.len());
        for (row, entity) in rows.iter().zip(entities) {
            self.table.check_row(row)?;
            let cells = self
                .table
                .mapper
                .to_cells(entity)
                .map_err(|e| e.in_row(row))?;
            edits.push(Edit::Replace(cells));
        }
        let rows: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        self.table
            .write_rows(&rows, edits, timestamp, &self.typed())
    }

    fn merge_rows(&self, entities: &[E], timestamp: Option<i64>) -> Result<()> {
        let rows: Vec<Vec<u8>> = entities.iter().map(Entity::row_key).collect();
        let mut patches = Vec::with_capacity(entities.len());
        let counters = E::counters();
        for (row, entity) in rows.iter().zip(entities) {
            self.table.check_row(row)?;
            // Checked before anything is written, as the Value table checks
            // its patches: an entity that does not map fails here.
            self.table
                .mapper
                .to_cells(entity)
                .map_err(|e| e.in_row(row))?;
            patches.push(patch_of(entity, &counters).map_err(|e| e.in_row(row))?);
        }
        let edits = patches.iter().map(Edit::Merge).collect();
        let rows: Vec<&[u8]> = rows.iter().map(Vec::as_slice).collect();
        self.table
            .write_rows(&rows, edits, timestamp, &self.typed())
    }
}
