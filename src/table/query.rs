//! [`Query`]: the [`Table`](super::Table)'s query builder over
//! [`QueryOptions`], and the rows and keys it returns.

use std::fmt;

use serde_json::Value;

use super::cond::{Cond, Encoding};
use super::objects::{Objects, Table};
use super::options::{QueryOptions, QueryPlan};
use crate::error::Result;
use crate::mapper::Mapper;
use crate::store::{Scanner, Store};

/// A query on a [`Table`]: a builder over [`QueryOptions`], run by
/// [`rows`](Query::rows), [`keys`](Query::keys) or [`count`](Query::count).
///
/// ```
/// use capjure::{Mapper, MemoryStore, Table};
/// use capjure::table::Cond;
/// use serde_json::json;
///
/// let table = Table::new(MemoryStore::new(), "roads", Mapper::default());
/// let sample = json!({"a": 1, "road": {"name": "101N", "speed": 65}});
/// table.create(&[&sample], 1)?;
/// table.insert(b"r1", &sample)?;
/// table.insert(b"r2", &json!({"road": {"name": "5S", "speed": 55}}))?;
/// let fast: Vec<_> = table
///     .query()
///     .fields(["road"])
///     .filter(Cond::field("road", "speed").gt(60).and(Cond::key("a").exists()))
///     .rows()?
///     .collect::<Result<_, _>>()?;
/// assert_eq!(fast, vec![(b"r1".to_vec(), json!({"road": {"name": "101N", "speed": 65}}))]);
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct Query<'t, S> {
    table: &'t Table<S>,
    options: QueryOptions,
}

impl<S> fmt::Debug for Query<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("table", &self.table.name)
            .field("options", &self.options)
            .finish()
    }
}

macro_rules! delegate {
    ($(#[$doc:meta])* $name:ident($($arg:ident: $ty:ty),*)) => {
        $(#[$doc])*
        pub fn $name(mut self, $($arg: $ty),*) -> Self {
            self.options = self.options.$name($($arg),*);
            self
        }
    };
}

impl<'t, S: Store> Query<'t, S> {
    pub(super) fn new(table: &'t Table<S>) -> Self {
        Query {
            table,
            options: QueryOptions::new().batch(table.batch),
        }
    }

    /// The options so far.
    ///
    /// ```
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
    /// assert_eq!(table.query().limit(2).options().scan().limit, Some(2));
    /// ```
    pub fn options(&self) -> &QueryOptions {
        &self.options
    }

    delegate!(
        /// Keys starting with `prefix` ([`QueryOptions::prefix`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert_eq!(table.query().prefix("ab").options().scan().start, b"ab");
        /// ```
        prefix(prefix: impl Into<Vec<u8>>)
    );
    delegate!(
        /// Keys from `start` to `stop` ([`QueryOptions::range`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert_eq!(table.query().range("a", "b").options().scan().start, b"a");
        /// ```
        range(start: impl Into<Vec<u8>>, stop: impl Into<Vec<u8>>)
    );
    delegate!(
        /// Keys from `start` ([`QueryOptions::from`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert_eq!(table.query().from("k").options().scan().start, b"k");
        /// ```
        from(start: impl Into<Vec<u8>>)
    );
    delegate!(
        /// Keys up to `stop`, inclusive ([`QueryOptions::through`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// let query = table.query().through("k");
        /// # let _ = query;
        /// ```
        through(stop: impl Into<Vec<u8>>)
    );
    delegate!(
        /// Keys before `stop` ([`QueryOptions::until`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// let query = table.query().until("k");
        /// # let _ = query;
        /// ```
        until(stop: impl Into<Vec<u8>>)
    );
    delegate!(
        /// Descending key order ([`QueryOptions::reverse`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert!(table.query().reverse().options().scan().reverse);
        /// ```
        reverse()
    );
    delegate!(
        /// At most `rows` objects ([`QueryOptions::limit`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert_eq!(table.query().limit(1).options().scan().limit, Some(1));
        /// ```
        limit(rows: usize)
    );
    delegate!(
        /// Cells written at or after `timestamp` ([`QueryOptions::since`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert_eq!(table.query().since(3).options().scan().since, Some(3));
        /// ```
        since(timestamp: i64)
    );
    delegate!(
        /// Cells written before `timestamp` ([`QueryOptions::before`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert_eq!(table.query().before(3).options().scan().before, Some(3));
        /// ```
        before(timestamp: i64)
    );
    delegate!(
        /// Rows per round trip ([`QueryOptions::batch`]).
        ///
        /// ```
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// assert_eq!(table.query().batch(9).options().scan().batch, 9);
        /// ```
        batch(rows: usize)
    );
    delegate!(
        /// Only objects meeting `cond` ([`QueryOptions::filter`]).
        ///
        /// ```
        /// use capjure::table::Cond;
        /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
        /// let query = table.query().filter(Cond::key("a").exists());
        /// # let _ = query;
        /// ```
        filter(cond: Cond)
    );

    /// Only these top-level keys ([`QueryOptions::fields`]).
    ///
    /// ```
    /// let table = capjure::Table::new(capjure::MemoryStore::new(), "t", capjure::Mapper::default());
    /// let query = table.query().fields(["a", "road"]);
    /// # let _ = query;
    /// ```
    pub fn fields<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.options = self.options.fields(keys);
        self
    }

    fn plan(&self) -> Result<QueryPlan> {
        let table = self.table;
        self.options
            .plan(&table.mapper, Encoding::Value, || {
                Ok(table
                    .store
                    .families(&table.name)?
                    .into_iter()
                    .map(|family| family.name)
                    .collect())
            })
            .map_err(|err| name_table(err, &table.name))
    }

    /// The objects, lazily: `(row key, object)` in scan order.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// for key in ["k1", "k2", "k3"] {
    ///     table.insert(key.as_bytes(), &json!({"a": 1}))?;
    /// }
    /// let newest = table.query().reverse().limit(2).rows()?.map(|r| r.map(|(k, _)| k));
    /// assert_eq!(newest.collect::<Result<Vec<_>, _>>()?, vec![b"k3".to_vec(), b"k2".to_vec()]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn rows(self) -> Result<QueryRows<'t>> {
        let plan = self.plan()?;
        let table = self.table;
        if !plan.checks_rows() {
            return Ok(QueryRows(RowsInner::Direct(
                table.scan(plan.scan().clone())?,
            )));
        }
        self.rows_planned(plan)
    }

    /// The keys of the objects [`rows`](Self::rows) would return, in scan
    /// order. Only keys travel when the store can run the whole query.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use capjure::table::Cond;
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// table.insert(b"k1", &json!({"a": 1}))?;
    /// table.insert(b"k2", &json!({"a": 2}))?;
    /// let keys = table.query().filter(Cond::key("a").eq(2)).keys()?;
    /// assert_eq!(keys.collect::<Result<Vec<_>, _>>()?, vec![b"k2".to_vec()]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn keys(self) -> Result<QueryKeys<'t>> {
        let plan = self.plan()?;
        let table = self.table;
        if !plan.checks_rows() {
            let scan = plan.scan().clone().keys_only();
            return Ok(QueryKeys(KeysInner::Direct(
                table.store.scan(&table.name, &scan)?,
            )));
        }
        let table = self.table;
        Ok(QueryKeys(KeysInner::Checked {
            rows: table.store.scan(&table.name, plan.scan())?,
            remaining: plan.limit(),
            plan: Box::new(plan),
        }))
    }

    fn rows_planned(self, plan: QueryPlan) -> Result<QueryRows<'t>> {
        let table = self.table;
        Ok(QueryRows(RowsInner::Checked {
            rows: table.store.scan(&table.name, plan.scan())?,
            mapper: &table.mapper,
            remaining: plan.limit(),
            plan: Box::new(plan),
        }))
    }

    /// How many objects [`rows`](Self::rows) would return (at most the
    /// limit). Counted on keys only when the store can run the whole
    /// query.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use capjure::table::Cond;
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// for (key, a) in [("k1", 5), ("k2", 50), ("k3", 500)] {
    ///     table.insert(key.as_bytes(), &json!({"a": a}))?;
    /// }
    /// assert_eq!(table.query().filter(Cond::key("a").gt(10)).count()?, 2);
    /// assert_eq!(table.query().limit(1).count()?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn count(self) -> Result<u64> {
        let mut count = 0u64;
        for key in self.keys()? {
            key?;
            count += 1;
        }
        Ok(count)
    }
}

/// Names the table in an error raised while planning (conditions are
/// compiled without one).
fn name_table(err: crate::Error, table: &str) -> crate::Error {
    match err.into_kind() {
        crate::ErrorKind::InvalidArgument {
            table: unnamed,
            operation,
            message,
        } if unnamed.is_empty() => crate::ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation,
            message,
        }
        .into(),
        other => other.into(),
    }
}

/// The objects of a [`Query`]: `(row key, object)` in scan order.
///
/// ```
/// use capjure::{Mapper, MemoryStore, Table};
/// use serde_json::json;
/// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
/// table.create(&[&json!({"a": 1, "b": 2})], 1)?;
/// table.insert(b"k", &json!({"a": 1, "b": 2}))?;
/// let mut rows = table.query().fields(["b"]).rows()?;
/// assert_eq!(rows.next().transpose()?, Some((b"k".to_vec(), json!({"b": 2}))));
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct QueryRows<'t>(RowsInner<'t>);

enum RowsInner<'t> {
    /// Everything done by the store: hydrated in place.
    Direct(Objects<'t>),
    /// Rows checked and trimmed here.
    Checked {
        rows: Scanner<'t>,
        mapper: &'t Mapper,
        plan: Box<QueryPlan>,
        remaining: Option<usize>,
    },
}

impl fmt::Debug for QueryRows<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryRows").finish_non_exhaustive()
    }
}

impl Iterator for QueryRows<'_> {
    type Item = Result<(Vec<u8>, Value)>;

    fn next(&mut self) -> Option<Self::Item> {
        let (rows, mapper, plan, remaining) = match &mut self.0 {
            RowsInner::Direct(objects) => return objects.next(),
            RowsInner::Checked {
                rows,
                mapper,
                plan,
                remaining,
            } => (rows, *mapper, &*plan, remaining),
        };
        if *remaining == Some(0) {
            return None;
        }
        loop {
            let row = match rows.next()? {
                Ok(row) => row,
                Err(err) => return Some(Err(err)),
            };
            let Some(row) = plan.accept(row) else {
                continue;
            };
            let object = match mapper.hydrate_map(row.latest()) {
                Ok(object) => object,
                Err(err) => return Some(Err(err.in_row(&row.key))),
            };
            if let Some(left) = remaining {
                *left -= 1;
            }
            return Some(Ok((row.key, Value::Object(object))));
        }
    }
}

/// The keys of a [`Query`], in scan order.
///
/// ```
/// use capjure::{Mapper, MemoryStore, Table};
/// use serde_json::json;
/// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
/// table.create(&[&json!({"a": 1})], 1)?;
/// table.insert(b"k", &json!({"a": 1}))?;
/// assert_eq!(table.query().keys()?.next().transpose()?, Some(b"k".to_vec()));
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct QueryKeys<'t>(KeysInner<'t>);

enum KeysInner<'t> {
    /// A keys-only scan.
    Direct(Scanner<'t>),
    /// Keys of rows checked here, not hydrated.
    Checked {
        rows: Scanner<'t>,
        plan: Box<QueryPlan>,
        remaining: Option<usize>,
    },
}

impl fmt::Debug for QueryKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueryKeys").finish_non_exhaustive()
    }
}

impl Iterator for QueryKeys<'_> {
    type Item = Result<Vec<u8>>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.0 {
            KeysInner::Direct(rows) => rows.next().map(|row| row.map(|row| row.key)),
            KeysInner::Checked {
                rows,
                plan,
                remaining,
            } => {
                if *remaining == Some(0) {
                    return None;
                }
                loop {
                    let row = match rows.next()? {
                        Ok(row) => row,
                        Err(err) => return Some(Err(err)),
                    };
                    if let Some(row) = plan.accept(row) {
                        if let Some(left) = remaining {
                            *left -= 1;
                        }
                        return Some(Ok(row.key));
                    }
                }
            }
        }
    }
}

impl<S: Store> Table<S> {
    /// A query on this table: key range, order, limit, time range, fields
    /// and typed conditions (see [`Query`] and [`Cond`]).
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use capjure::table::Cond;
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"name": "x"})], 1)?;
    /// table.insert(b"k1", &json!({"name": "it's"}))?;
    /// table.insert(b"k2", &json!({"name": "plain"}))?;
    /// assert_eq!(table.query().filter(Cond::key("name").prefix("it'")).count()?, 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn query(&self) -> Query<'_, S> {
        Query::new(self)
    }
}
