//! Queries: a scan described by what the caller wants (key range, order,
//! limit, time range, fields, typed conditions), planned into a store
//! [`Scan`] and what is left to do on each row.
//!
//! [`QueryOptions`] and [`QueryPlan`] know nothing of `serde_json::Value`
//! beyond the mapper's naming, so any table over a [`Mapper`] plans its
//! scans with them; [`Query`] is the [`Table`](super::Table)'s builder.

use std::collections::BTreeSet;
use std::fmt;

use serde_json::Value;

use super::cond::{Cond, CondPlan, Encoding};
use super::objects::{Objects, Table};
use crate::cell::Cell;
use crate::error::Result;
use crate::layout::{Group, Layout, Naming, split_single};
use crate::mapper::Mapper;
use crate::store::{Column, Row, Scan, Scanner, Store};

/// What a query asks for, store- and table-independent.
///
/// ```
/// use capjure::table::{Cond, QueryOptions};
/// let options = QueryOptions::new()
///     .prefix("shop1/")
///     .reverse()
///     .limit(10)
///     .fields(["road"])
///     .filter(Cond::field("road", "speed").gt(60));
/// assert_eq!(options.scan().limit, Some(10));
/// ```
#[derive(Clone, Debug, Default)]
pub struct QueryOptions {
    scan: Scan,
    fields: Option<Vec<String>>,
    cond: Option<Cond>,
}

impl QueryOptions {
    /// The whole table, every field, no condition.
    ///
    /// ```
    /// assert!(capjure::table::QueryOptions::new().scan().start.is_empty());
    /// ```
    pub fn new() -> Self {
        QueryOptions::default()
    }

    /// The key range, order, limit and time range so far, as a store
    /// [`Scan`].
    ///
    /// ```
    /// let options = capjure::table::QueryOptions::new().range("a", "b");
    /// assert_eq!(options.scan().start, b"a");
    /// ```
    pub fn scan(&self) -> &Scan {
        &self.scan
    }

    /// Keys starting with `prefix`.
    ///
    /// ```
    /// use capjure::store::Stop;
    /// let options = capjure::table::QueryOptions::new().prefix("ab");
    /// assert_eq!(options.scan().stop, Stop::Exclusive(b"ac".to_vec()));
    /// ```
    pub fn prefix(mut self, prefix: impl Into<Vec<u8>>) -> Self {
        let prefix = Scan::prefix(prefix);
        self.scan.start = prefix.start;
        self.scan.stop = prefix.stop;
        self
    }

    /// Keys from `start` (inclusive) to `stop` (exclusive; empty for the
    /// end of the table).
    ///
    /// ```
    /// let options = capjure::table::QueryOptions::new().range("a", "c");
    /// assert_eq!(options.scan().start, b"a");
    /// ```
    pub fn range(mut self, start: impl Into<Vec<u8>>, stop: impl Into<Vec<u8>>) -> Self {
        self.scan = self.scan.from(start).until(stop);
        self
    }

    /// Keys from `start` (inclusive).
    ///
    /// ```
    /// assert_eq!(capjure::table::QueryOptions::new().from("k").scan().start, b"k");
    /// ```
    pub fn from(mut self, start: impl Into<Vec<u8>>) -> Self {
        self.scan = self.scan.from(start);
        self
    }

    /// Keys up to `stop`, inclusive.
    ///
    /// ```
    /// use capjure::store::Stop;
    /// let options = capjure::table::QueryOptions::new().through("k");
    /// assert_eq!(options.scan().stop, Stop::Inclusive(b"k".to_vec()));
    /// ```
    pub fn through(mut self, stop: impl Into<Vec<u8>>) -> Self {
        self.scan = self.scan.through(stop);
        self
    }

    /// Keys before `stop`.
    ///
    /// ```
    /// use capjure::store::Stop;
    /// let options = capjure::table::QueryOptions::new().until("k");
    /// assert_eq!(options.scan().stop, Stop::Exclusive(b"k".to_vec()));
    /// ```
    pub fn until(mut self, stop: impl Into<Vec<u8>>) -> Self {
        self.scan = self.scan.until(stop);
        self
    }

    /// Descending key order (same range).
    ///
    /// ```
    /// assert!(capjure::table::QueryOptions::new().reverse().scan().reverse);
    /// ```
    pub fn reverse(mut self) -> Self {
        self.scan.reverse = true;
        self
    }

    /// At most `rows` objects (counted after every condition).
    ///
    /// ```
    /// assert_eq!(capjure::table::QueryOptions::new().limit(5).scan().limit, Some(5));
    /// ```
    pub fn limit(mut self, rows: usize) -> Self {
        self.scan.limit = Some(rows);
        self
    }

    /// Only cells written at or after `timestamp`.
    ///
    /// ```
    /// assert_eq!(capjure::table::QueryOptions::new().since(5).scan().since, Some(5));
    /// ```
    pub fn since(mut self, timestamp: i64) -> Self {
        self.scan.since = Some(timestamp);
        self
    }

    /// Only cells written before `timestamp`.
    ///
    /// ```
    /// assert_eq!(capjure::table::QueryOptions::new().before(5).scan().before, Some(5));
    /// ```
    pub fn before(mut self, timestamp: i64) -> Self {
        self.scan.before = Some(timestamp);
        self
    }

    /// Rows fetched per round trip.
    ///
    /// ```
    /// assert_eq!(capjure::table::QueryOptions::new().batch(7).scan().batch, 7);
    /// ```
    pub fn batch(mut self, rows: usize) -> Self {
        self.scan = self.scan.batch(rows);
        self
    }

    /// Only these top-level keys: objects hold nothing else, and rows
    /// with none of them are skipped.
    ///
    /// ```
    /// let options = capjure::table::QueryOptions::new().fields(["a", "road"]);
    /// # let _ = options;
    /// ```
    pub fn fields<I, K>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = K>,
        K: Into<String>,
    {
        self.fields = Some(keys.into_iter().map(Into::into).collect());
        self
    }

    /// Only objects meeting `cond` (and any condition given before).
    ///
    /// ```
    /// use capjure::table::{Cond, QueryOptions};
    /// let options = QueryOptions::new()
    ///     .filter(Cond::key("a").exists())
    ///     .filter(Cond::key("b").missing());
    /// # let _ = options;
    /// ```
    pub fn filter(mut self, cond: Cond) -> Self {
        self.cond = Some(match self.cond.take() {
            Some(before) => before.and(cond),
            None => cond,
        });
        self
    }

    /// The plan for a table mapped by `mapper`. `families` lists the
    /// table's column families; it is asked for only when fields name an
    /// array of maps under the multi-family layout (whose child fields
    /// each have a family).
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::store::Column;
    /// use capjure::table::{Cond, Encoding, QueryOptions};
    ///
    /// let plan = QueryOptions::new()
    ///     .fields(["houses"])
    ///     .filter(Cond::field("road", "speed").gt(60))
    ///     .plan(&Mapper::default(), Encoding::Value, || Ok(vec![]))?;
    /// assert_eq!(
    ///     plan.scan().columns,
    ///     vec![Column::family("houses"), Column::qualified("road", "speed")],
    /// );
    /// assert!(plan.scan().limit.is_none() && plan.checks_rows());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn plan(
        &self,
        mapper: &Mapper,
        values: Encoding,
        families: impl FnOnce() -> Result<Vec<String>>,
    ) -> Result<QueryPlan> {
        let mut scan = self.scan.clone();
        let cond = match &self.cond {
            Some(cond) => Some(cond.plan(mapper, values)?),
            None => None,
        };
        let projection = match &self.fields {
            Some(keys) => Some(Projection::new(mapper, keys, families)?),
            None => None,
        };
        if let Some(projection) = &projection {
            scan.columns = projection.columns.clone().unwrap_or_default();
        }
        let mut limit = None;
        if let Some(cond) = &cond {
            scan.filter = cond.filter().cloned();
            if cond.checks_rows() {
                // Rows are dropped here: the store's limit would count
                // them.
                limit = scan.limit.take();
                if !scan.columns.is_empty() {
                    for column in cond.columns() {
                        if !scan.columns.iter().any(|c| covers(c, column)) {
                            scan.columns.push(column.clone());
                        }
                    }
                }
            }
        }
        let strips = projection.as_ref().is_some_and(|p| p.columns.is_none())
            || cond.as_ref().is_some_and(CondPlan::checks_rows);
        Ok(QueryPlan {
            scan,
            cond: cond.filter(CondPlan::checks_rows),
            projection: projection.filter(|_| strips),
            limit,
        })
    }
}

fn covers(selector: &Column, column: &Column) -> bool {
    match column {
        Column::Qualified { family, qualifier } => selector.matches(family, qualifier),
        Column::Family(family) => selector == &Column::Family(family.clone()),
    }
}

/// The top-level keys a query returns, and the columns that hold them.
#[derive(Clone, Debug)]
struct Projection {
    keys: BTreeSet<String>,
    /// The families to fetch (multi-family layout); `None` when the keys'
    /// cells share a family with others (single-family layout) and are
    /// picked out by their qualifiers' groups.
    columns: Option<Vec<Column>>,
    naming: Naming,
}

impl Projection {
    fn new(
        mapper: &Mapper,
        keys: &[String],
        families: impl FnOnce() -> Result<Vec<String>>,
    ) -> Result<Self> {
        let keys: BTreeSet<String> = keys.iter().cloned().collect();
        let columns = match mapper.layout() {
            Layout::SingleFamily { .. } => None,
            _ => {
                let mut columns = Vec::new();
                let mut table_families = None;
                let mut families = Some(families);
                for key in &keys {
                    let mut group = Vec::new();
                    mapper.naming.key_group(key, &mut group);
                    columns.push(Column::Family(group));
                    if mapper.keys().get(key).is_none() {
                        continue;
                    }
                    if table_families.is_none() {
                        if let Some(families) = families.take() {
                            table_families = Some(families()?);
                        }
                    }
                    for family in table_families.iter().flatten() {
                        let child = matches!(mapper.naming.classify(family.as_bytes()),
                            Ok(Group::Field { key: owner, .. }) if owner == key.as_str());
                        if child {
                            columns.push(Column::family(family.as_bytes()));
                        }
                    }
                }
                Some(columns)
            }
        };
        Ok(Projection {
            keys,
            columns,
            naming: mapper.naming.clone(),
        })
    }

    /// Whether a cell belongs to a projected key.
    fn keeps(&self, cell: &Cell) -> bool {
        if let Some(columns) = &self.columns {
            return columns
                .iter()
                .any(|c| c.matches(&cell.family, &cell.qualifier));
        }
        let Some(single) = self.naming.single_family() else {
            return true;
        };
        let Ok((group, _)) = split_single(single, &cell.view()) else {
            // Not a cell this layout writes: kept, for hydration to name.
            return true;
        };
        match self.naming.classify(group) {
            Ok(Group::Key(key)) => self.keys.contains(key.as_ref()),
            Ok(Group::Configured(key) | Group::Field { key, .. }) => self.keys.contains(key),
            Err(_) => true,
        }
    }
}

/// A query planned for one mapper: the store [`Scan`] to run, then, for
/// each row, [`QueryPlan::accept`]; stop after [`QueryPlan::limit`]
/// accepted rows. What `accept` returns is ready to hydrate (or to
/// deserialize into a struct).
///
/// ```
/// use capjure::Mapper;
/// use capjure::table::{Cond, Encoding, QueryOptions};
/// let plan = QueryOptions::new()
///     .filter(Cond::key("a").eq(1))
///     .limit(3)
///     .plan(&Mapper::default(), Encoding::Value, || Ok(vec![]))?;
/// // All on the store: its limit is the query's.
/// assert_eq!((plan.scan().limit, plan.limit()), (Some(3), None));
/// # Ok::<(), capjure::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct QueryPlan {
    scan: Scan,
    cond: Option<CondPlan>,
    projection: Option<Projection>,
    limit: Option<usize>,
}

impl QueryPlan {
    /// The scan to give the store.
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::table::{Encoding, QueryOptions};
    /// let plan = QueryOptions::new().plan(&Mapper::default(), Encoding::Value, || Ok(vec![]))?;
    /// assert_eq!(plan.scan(), &capjure::store::Scan::all());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn scan(&self) -> &Scan {
        &self.scan
    }

    /// The most objects to return, when rows are dropped after the store
    /// (otherwise the scan's own limit does it).
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::table::{Cond, Encoding, QueryOptions};
    /// let plan = QueryOptions::new()
    ///     .filter(Cond::key("a").gt(1))
    ///     .limit(3)
    ///     .plan(&Mapper::default(), Encoding::Value, || Ok(vec![]))?;
    /// assert_eq!(plan.limit(), Some(3));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn limit(&self) -> Option<usize> {
        self.limit
    }

    /// Whether rows need [`accept`](Self::accept)
    /// at all: when not, the store's rows are the answer.
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::table::{Encoding, QueryOptions};
    /// let plan = QueryOptions::new().fields(["a"]).plan(&Mapper::default(), Encoding::Value, || Ok(vec![]))?;
    /// assert!(!plan.checks_rows());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn checks_rows(&self) -> bool {
        self.cond.is_some() || self.projection.is_some()
    }

    /// A fetched row made ready for hydration: `None` when the condition
    /// rejects it; otherwise the row without the cells fetched only for the
    /// condition.
    ///
    /// ```
    /// use capjure::{Cell, Mapper};
    /// use capjure::store::Row;
    /// use capjure::table::{Cond, Encoding, QueryOptions};
    /// let plan = QueryOptions::new()
    ///     .fields(["a"])
    ///     .filter(Cond::key("n").gt(1))
    ///     .plan(&Mapper::default(), Encoding::Value, || Ok(vec![]))?;
    /// let row = Row { key: b"r".to_vec(), cells: vec![Cell::new("a", "", "1"), Cell::new("n", "", "2")] };
    /// assert_eq!(plan.accept(row).map(|row| row.cells.len()), Some(1));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn accept(&self, mut row: Row) -> Option<Row> {
        if let Some(cond) = &self.cond {
            if !cond.matches(&row) {
                return None;
            }
        }
        if let Some(projection) = &self.projection {
            row.cells.retain(|cell| projection.keeps(cell));
        }
        (!row.cells.is_empty()).then_some(row)
    }
}

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
            return Ok(QueryRows(RowsInner::Direct(table.scan(plan.scan.clone())?)));
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
            let scan = plan.scan.clone().keys_only();
            return Ok(QueryKeys(KeysInner::Direct(
                table.store.scan(&table.name, &scan)?,
            )));
        }
        let table = self.table;
        Ok(QueryKeys(KeysInner::Checked {
            rows: table.store.scan(&table.name, &plan.scan)?,
            remaining: plan.limit,
            plan: Box::new(plan),
        }))
    }

    fn rows_planned(self, plan: QueryPlan) -> Result<QueryRows<'t>> {
        let table = self.table;
        Ok(QueryRows(RowsInner::Checked {
            rows: table.store.scan(&table.name, &plan.scan)?,
            mapper: &table.mapper,
            remaining: plan.limit,
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
