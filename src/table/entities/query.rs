//! [`EntityQuery`]: the typed table's query builder. Conditions name the
//! entity's Rust fields; they are renamed to the columns the entity
//! stores and planned by the same [`QueryOptions`] machinery as the
//! `Value` table's queries, with operands encoded as the typed path
//! writes them ([`Encoding::Typed`]).

use std::fmt;
use std::ops::RangeBounds;

use super::EntityTable;
use super::read::{Entities, Keyed};
use crate::entity::Entity;
use crate::error::{ErrorKind, Result};
use crate::rowkey::KeyPrefix;
use crate::store::{Stop, Store};
use crate::table::cond::{Cond, Encoding, Path};
use crate::table::options::QueryOptions;
use crate::table::query::Query;

/// A query on an [`EntityTable`]: key bounds, order, limit, time range and
/// conditions on the entity's fields, run by [`iter`](EntityQuery::iter),
/// [`keyed`](EntityQuery::keyed), [`keys`](EntityQuery::keys) or
/// [`count`](EntityQuery::count).
///
/// Conditions ([`Cond`]) name the struct's **Rust fields**, not its
/// columns: `Cond::key("page_views")` for a top-level field (whatever
/// its `rename`), `Cond::key("device.kind")` (or
/// `Cond::field("device", "kind")`) for a field of a nested struct, named
/// as that struct serializes it. Operands are the fields' own Rust types,
/// encoded with the entity's codec as a write would encode them (under the
/// java codec an `i32` operand is 4 bytes: compare a field with a value of
/// its type). A `counter` field compares as the 8-byte integer it is
/// stored as. A condition on a field the entity does not have is an
/// [`ErrorKind::UnusableField`] naming it, raised when the query runs.
/// What runs on the store and what on each row is [`Cond`]'s table; the
/// limit counts the entities returned, after every check.
///
/// [`iter`](EntityQuery::iter) and [`keyed`](EntityQuery::keyed) build
/// whole entities, so they read every column. To read only some fields,
/// [`select`](EntityQuery::select) them into a struct of their own: a row
/// read without some columns could not be built as an `E` whose missing
/// fields are not `Option`s.
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
/// use capjure::table::Cond;
///
/// #[derive(Entity, Debug, PartialEq)]
/// #[capjure(table = "visits")]
/// struct Visit {
///     #[capjure(row_key)]
///     shopper: String,
///     #[capjure(row_key(descending))]
///     at: i64,
///     pages: u32,
/// }
///
/// let store = MemoryStore::new();
/// let visits = store.entities::<Visit>();
/// visits.create()?;
/// for (at, pages) in [(1, 5), (2, 1), (3, 9), (4, 7)] {
///     visits.insert(&Visit { shopper: "alice".into(), at, pages })?;
/// }
/// let busy: Vec<i64> = visits
///     .query()
///     .prefix(("alice",))
///     .filter(Cond::key("pages").gt(4u32))
///     .limit(2)
///     .iter()?
///     .map(|v| v.map(|v| v.at))
///     .collect::<Result<_, _>>()?;
/// assert_eq!(busy, [4, 3]); // newest first: `at` is descending
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct EntityQuery<'t, E, S> {
    pub(super) table: &'t EntityTable<E, S>,
    options: QueryOptions,
    /// Conditions as the caller wrote them, on Rust field names.
    cond: Option<Cond>,
}

impl<E, S> fmt::Debug for EntityQuery<'_, E, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EntityQuery")
            .field("entity", &std::any::type_name::<E>())
            .field("table", &self.table.table.name)
            .field("options", &self.options)
            .field("cond", &self.cond)
            .finish()
    }
}

impl<E: Entity, S: Store> EntityTable<E, S> {
    /// A query on this table: the whole table in row order until narrowed.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into() })?;
    /// assert_eq!(pages.query().count()?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn query(&self) -> EntityQuery<'_, E, S> {
        EntityQuery {
            table: self,
            options: QueryOptions::new().batch(self.table.batch),
            cond: None,
        }
    }
}

impl<'t, E: Entity, S: Store> EntityQuery<'t, E, S> {
    /// Keys in `range` (`a..b`, `a..=b`, `a..`, `..`), in row order (see
    /// [`EntityTable::key_scan`]: a descending part runs largest first).
    /// Replaces an earlier range or prefix.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key(order = 1))] id: i32 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: -5 }, Page { id: 0 }, Page { id: 7 }], None)?;
    /// let keys = pages.query().range((-5,)..(7,)).keys()?.collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(keys, [(-5,), (0,)]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn range(mut self, range: impl RangeBounds<E::Key>) -> Self {
        let scan = self.table.key_scan(range);
        let options = std::mem::take(&mut self.options).from(scan.start);
        self.options = match scan.stop {
            Stop::End => options.until(Vec::new()),
            Stop::Exclusive(stop) => options.until(stop),
            Stop::Inclusive(stop) => options.through(stop),
        };
        self
    }

    /// Keys starting with the leading parts `prefix` of a composite key
    /// ([`Entity::key_prefix`]: `("alice",)` for one shopper's rows, `()`
    /// for all). Replaces an earlier range or prefix.
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
    /// assert_eq!(visits.query().prefix(("alice",)).count()?, 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn prefix<P: KeyPrefix<E::Key>>(mut self, prefix: P) -> Self {
        self.options = std::mem::take(&mut self.options).prefix(E::key_prefix(prefix));
        self
    }

    /// The range in descending row order: with a descending key part
    /// (newest first), oldest first.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: 1 }, Page { id: 2 }], None)?;
    /// let ids = pages.query().reverse().keys()?.collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(ids, [2, 1]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn reverse(mut self) -> Self {
        self.options = std::mem::take(&mut self.options).reverse();
        self
    }

    /// At most `rows` entities, counted after every condition.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: 1 }, Page { id: 2 }], None)?;
    /// assert_eq!(pages.query().limit(1).count()?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn limit(mut self, rows: usize) -> Self {
        self.options = std::mem::take(&mut self.options).limit(rows);
        self
    }

    /// Only cells written at or after `timestamp` (milliseconds): an
    /// entity whose cells are older is not returned, and one with only
    /// some of its cells that recent does not decode (an error naming the
    /// row) unless the missing fields are `Option`s.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_at(&Page { id: 1 }, 10)?;
    /// pages.insert_at(&Page { id: 2 }, 20)?;
    /// let ids = pages.query().since(15).keys()?.collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(ids, [2]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn since(mut self, timestamp: i64) -> Self {
        self.options = std::mem::take(&mut self.options).since(timestamp);
        self
    }

    /// Only cells written before `timestamp` (milliseconds), with the
    /// caveat of [`since`](Self::since) for rows partly written later.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_at(&Page { id: 1 }, 10)?;
    /// pages.insert_at(&Page { id: 2 }, 20)?;
    /// let ids = pages.query().before(20).keys()?.collect::<Result<Vec<_>, _>>()?;
    /// assert_eq!(ids, [1]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn before(mut self, timestamp: i64) -> Self {
        self.options = std::mem::take(&mut self.options).before(timestamp);
        self
    }

    /// Rows fetched per round trip (default: the table's
    /// [`batch_size`](EntityTable::batch_size)).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: 1 }, Page { id: 2 }, Page { id: 3 }], None)?;
    /// assert_eq!(pages.query().batch(1).count()?, 3);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn batch(mut self, rows: usize) -> Self {
        self.options = std::mem::take(&mut self.options).batch(rows);
        self
    }

    /// Only entities meeting `cond` (and any condition given before),
    /// whose paths name Rust fields (see [`EntityQuery`]).
    ///
    /// ```
    /// use capjure::{Entity, ErrorKind, MemoryStore, StoreExt};
    /// use capjure::table::Cond;
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Page { #[capjure(row_key)] url: String, #[capjure(rename = "t")] title: String }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into(), title: "home".into() })?;
    /// pages.insert(&Page { url: "/a".into(), title: "about".into() })?;
    /// let home = pages.query().filter(Cond::key("title").eq("home")).keys()?;
    /// assert_eq!(home.collect::<Result<Vec<_>, _>>()?, ["/"]);
    /// // The column's name is not a field's.
    /// let err = pages.query().filter(Cond::key("t").eq("home")).count().unwrap_err();
    /// assert!(matches!(err.kind(), ErrorKind::UnusableField { field, .. } if field == "t"));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn filter(mut self, cond: Cond) -> Self {
        self.cond = Some(match self.cond.take() {
            Some(before) => before.and(cond),
            None => cond,
        });
        self
    }

    /// The options the query runs with: key range, order, limit and the
    /// condition on columns.
    pub(super) fn planned(&self) -> Result<Query<'t, S>> {
        let table = &self.table.table;
        let mut options = self.options.clone();
        if let Some(cond) = &self.cond {
            options = options.filter(to_columns::<E>(cond, &table.name)?);
        }
        let counters = E::counters()
            .into_iter()
            .map(|counter| counter.column.to_string())
            .collect();
        Ok(Query::with_options(
            table,
            options.counters(counters),
            Encoding::Typed,
        ))
    }

    /// The entities, lazily, in row order (descending with
    /// [`reverse`](Self::reverse)). A row that does not decode is an error
    /// naming it; the scan goes on after it.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// use capjure::table::Cond;
    /// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32, ok: bool }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: 1, ok: true }, Page { id: 2, ok: false }], None)?;
    /// let ok: Vec<Page> = pages.query().filter(Cond::key("ok").eq(true)).iter()?.collect::<Result<_, _>>()?;
    /// assert_eq!(ok, [Page { id: 1, ok: true }]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn iter(self) -> Result<Entities<'t, E>> {
        let plan = self.planned()?.plan()?;
        let table = self.table;
        if !plan.checks_rows() {
            return table.scan_with(plan.scan().clone());
        }
        let rows = table.table.store.scan(&table.table.name, plan.scan())?;
        Ok(Entities::checked(rows, &table.table.mapper, plan))
    }

    /// The entities with their keys, `(E::Key, E)`, decoded from the row
    /// keys, in the order of [`iter`](Self::iter).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Visit { #[capjure(row_key)] shopper: String, #[capjure(row_key(descending))] at: i64 }
    /// let store = MemoryStore::new();
    /// let visits = store.entities::<Visit>();
    /// visits.create()?;
    /// visits.insert(&Visit { shopper: "bo".into(), at: 3 })?;
    /// let (key, _) = visits.query().keyed()?.next().unwrap()?;
    /// assert_eq!(key, ("bo".to_string(), 3));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn keyed(self) -> Result<Keyed<'t, E>> {
        Ok(self.iter()?.keyed())
    }

    /// The keys of the entities [`iter`](Self::iter) would return, decoded
    /// from the row keys; only keys travel when the store can run the
    /// whole query.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// use capjure::table::Cond;
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32, views: u64 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: 1, views: 3 }, Page { id: 2, views: 30 }], None)?;
    /// let busy = pages.query().filter(Cond::key("views").ge(10u64)).keys()?;
    /// assert_eq!(busy.collect::<Result<Vec<_>, _>>()?, [2]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn keys(self) -> Result<impl Iterator<Item = Result<E::Key>> + 't> {
        let keys = self.planned()?.keys()?;
        Ok(keys.map(|row| {
            let row = row?;
            E::decode_key(&row).map_err(|e| e.in_row(&row))
        }))
    }

    /// How many entities [`iter`](Self::iter) would return (at most the
    /// limit), counted on keys only when the store can run the whole
    /// query.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// use capjure::table::Cond;
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32, title: Option<String> }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert_many(&[Page { id: 1, title: None }, Page { id: 2, title: Some("x".into()) }], None)?;
    /// assert_eq!(pages.query().filter(Cond::key("title").missing()).count()?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn count(self) -> Result<u64> {
        self.planned()?.count()
    }
}

/// `cond` with its paths renamed from `E`'s Rust fields to the columns
/// that store them.
fn to_columns<E: Entity>(cond: &Cond, table: &str) -> Result<Cond> {
    Ok(match cond {
        Cond::Compare { path, op, value } => Cond::Compare {
            path: path_to_column::<E>(path, table)?,
            op: *op,
            value: value.clone(),
        },
        Cond::Prefix { path, prefix } => Cond::Prefix {
            path: path_to_column::<E>(path, table)?,
            prefix: prefix.clone(),
        },
        Cond::Exists(path) => Cond::Exists(path_to_column::<E>(path, table)?),
        Cond::Missing(path) => Cond::Missing(path_to_column::<E>(path, table)?),
        Cond::Contains { key, element } => Cond::Contains {
            key: column_of::<E>(key, key, table)?.to_string(),
            element: element.clone(),
        },
        Cond::And(parts) => Cond::And(
            parts
                .iter()
                .map(|part| to_columns::<E>(part, table))
                .collect::<Result<_>>()?,
        ),
        Cond::Or(parts) => Cond::Or(
            parts
                .iter()
                .map(|part| to_columns::<E>(part, table))
                .collect::<Result<_>>()?,
        ),
    })
}

/// `field` or `field.nested` (or a path with its nested field given
/// apart) on the field's column.
fn path_to_column<E: Entity>(path: &Path, table: &str) -> Result<Path> {
    let written = path.to_string();
    let (field, nested) = match &path.field {
        Some(nested) => (path.key.as_str(), Some(nested.as_str())),
        None => match path.key.split_once('.') {
            Some((field, nested)) => (field, Some(nested)),
            None => (path.key.as_str(), None),
        },
    };
    let column = column_of::<E>(field, &written, table)?;
    if let Some(nested) = nested {
        if nested.is_empty() || nested.contains('.') {
            return Err(unusable(
                table,
                &written,
                "is not a field or a field of a nested struct".into(),
            ));
        }
    }
    Ok(Path {
        key: column.to_string(),
        field: nested.map(str::to_string),
    })
}

/// The column of `E`'s Rust field `field`; `written` is the path as the
/// caller wrote it, for the error.
fn column_of<E: Entity>(field: &str, written: &str, table: &str) -> Result<&'static str> {
    E::fields()
        .iter()
        .find(|(rust, _)| *rust == field)
        .map(|(_, column)| *column)
        .ok_or_else(|| {
            unusable(
                table,
                written,
                format!("is not a stored field of `{}`", short_type_name::<E>()),
            )
        })
}

pub(super) fn unusable(table: &str, field: &str, reason: String) -> crate::Error {
    ErrorKind::UnusableField {
        table: table.to_string(),
        operation: "query",
        field: field.to_string(),
        reason,
    }
    .into()
}

/// `E`'s name without its module path.
pub(super) fn short_type_name<E>() -> &'static str {
    let name = std::any::type_name::<E>();
    name.rsplit("::").next().unwrap_or(name)
}
