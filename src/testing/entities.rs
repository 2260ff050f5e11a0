//! Typed test tables: an [`EntityTable`] under a test's own name, and JSON
//! fixtures of entities whose row key comes from the entity.

use std::fmt;
use std::ops::Deref;
use std::path::Path;

use serde_json::Value;

use super::escape::{Field, escape};
use super::store::{RawTable, TestStore};
use crate::entity::Entity;
use crate::error::Result;
use crate::store::Store;
use crate::table::EntityTable;

impl TestStore {
    /// A new table for `E`, with [`EntityTable::families`], under a
    /// [unique name](TestStore::unique_name) made from [`Entity::TABLE`];
    /// dropped when the returned guard is, also when the test panics. It
    /// derefs to an [`EntityTable`].
    ///
    /// ```
    /// use capjure::Entity;
    /// use capjure::testing::TestStore;
    ///
    /// #[derive(Entity, Debug, PartialEq)]
    /// #[capjure(table = "pages")]
    /// struct Page { #[capjure(row_key)] url: String, title: String }
    ///
    /// let store = TestStore::from_env()?;
    /// let pages = store.table::<Page>()?;
    /// assert!(pages.name().starts_with("capjure_test_pages_"));
    /// let home = Page { url: "/".into(), title: "home".into() };
    /// pages.insert(&home)?;
    /// assert_eq!(pages.get(&"/".to_string())?, Some(home));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn table<E: Entity>(&self) -> Result<TestEntities<E>> {
        let table = EntityTable::<E, TestStore>::new(self.clone());
        let raw = self.raw_table(E::TABLE, &table.families())?;
        Ok(TestEntities {
            table: table.named(raw.name()),
            raw,
        })
    }
}

/// A table of `E` that exists for one test ([`TestStore::table`]): an
/// [`EntityTable`] (through `Deref`) whose table is dropped with this
/// guard.
///
/// ```
/// use capjure::Entity;
/// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
/// let pages = capjure::testing::TestStore::memory().table::<Page>()?;
/// pages.insert(&Page { url: "/".into() })?;
/// assert_eq!(pages.count()?, 1);
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct TestEntities<E> {
    table: EntityTable<E, TestStore>,
    raw: RawTable,
}

impl<E: Entity> TestEntities<E> {
    /// The table, for functions that take a `&EntityTable`.
    ///
    /// ```
    /// use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let pages = capjure::testing::TestStore::memory().table::<Page>()?;
    /// assert_eq!(pages.table().name(), pages.raw().name());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn table(&self) -> &EntityTable<E, TestStore> {
        &self.table
    }

    /// The guard that drops the table, for the raw store calls.
    ///
    /// ```
    /// use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let pages = capjure::testing::TestStore::memory().table::<Page>()?;
    /// assert!(pages.raw().dump()?.starts_with("# row"));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn raw(&self) -> &RawTable {
        &self.raw
    }

    /// Loads the fixture `name` ([`fixture_path`](super::fixture_path)):
    /// JSON rows of entities ([`load_entities_json`]) or a cell dump.
    /// Returns how many rows (JSON) or cells (dump) it wrote.
    ///
    /// ```no_run
    /// use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let pages = capjure::testing::TestStore::from_env()?.table::<Page>()?;
    /// pages.load_fixture("pages")?; // tests/fixtures/pages.jsonl
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn load_fixture(&self, name: &str) -> Result<usize> {
        let path = super::fixture_path(name)?;
        if path.extension().is_some_and(|ext| ext == "jsonl") {
            load_entities_json_file(&self.table, path)
        } else {
            super::load_file(self.table.store(), self.table.name(), path)
        }
    }
}

impl<E> Deref for TestEntities<E> {
    type Target = EntityTable<E, TestStore>;

    fn deref(&self) -> &EntityTable<E, TestStore> {
        &self.table
    }
}

impl<E> fmt::Debug for TestEntities<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestEntities")
            .field("table", &self.table)
            .field("raw", &self.raw)
            .finish()
    }
}

/// Loads JSON Lines rows of entities into `table`: each line's `value` is
/// an `E` (as serde reads it from JSON) and its row key is the entity's
/// own ([`Entity::row_key`]); a line may still give `key`, which must then
/// be that key. Otherwise as [`load_json`](super::load_json).
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
///
/// #[derive(Entity, Debug, PartialEq)]
/// #[capjure(table = "pages")]
/// struct Page { #[capjure(row_key)] url: String, title: String }
///
/// let store = MemoryStore::new();
/// let pages = store.entities::<Page>();
/// pages.create()?;
/// capjure::testing::load_entities_json(&pages, r#"{"value": {"url": "/", "title": "home"}}"#)?;
/// assert_eq!(pages.get(&"/".to_string())?.map(|p| p.title), Some("home".to_string()));
///
/// let err = capjure::testing::load_entities_json(&pages, r#"{"value": {"url": "/"}}"#).unwrap_err();
/// assert!(err.to_string().starts_with("fixture <inline>, line 1: not a `"), "{err}");
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn load_entities_json<E: Entity, S: Store>(
    table: &EntityTable<E, S>,
    text: &str,
) -> Result<usize> {
    load_entities_named(table, "<inline>", text)
}

/// [`load_entities_json`] from a file, whose path the errors name.
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
/// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
/// let store = MemoryStore::new();
/// let err = capjure::testing::load_entities_json_file(&store.entities::<Page>(), "no/such.jsonl").unwrap_err();
/// assert!(err.to_string().starts_with("fixture no/such.jsonl, line 0: cannot read it:"));
/// ```
pub fn load_entities_json_file<E: Entity, S: Store>(
    table: &EntityTable<E, S>,
    path: impl AsRef<Path>,
) -> Result<usize> {
    let (file, text) = super::read_fixture(path.as_ref())?;
    load_entities_named(table, &file, &text)
}

fn load_entities_named<E: Entity, S: Store>(
    table: &EntityTable<E, S>,
    file: &str,
    text: &str,
) -> Result<usize> {
    let rows = |key: Option<Vec<u8>>, object: Value| {
        let entity: E = serde_json::from_value(object)
            .map_err(|e| format!("not a `{}`: {e}", std::any::type_name::<E>()))?;
        let own = entity.row_key();
        if let Some(given) = key.filter(|given| *given != own) {
            return Err(format!(
                "\"key\" is \"{}\" but the entity's row key is \"{}\"",
                escape(&given, Field::Row),
                escape(&own, Field::Row)
            ));
        }
        let cells = entity
            .to_cells()
            .map_err(|e| format!("row \"{}\": {e}", escape(&own, Field::Row)))?;
        Ok((own, cells))
    };
    let objects = table.objects();
    super::json::load_rows(
        objects.store(),
        objects.name(),
        objects.batch_size(),
        file,
        text,
        rows,
    )
}
