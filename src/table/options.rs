//! What a query asks for ([`QueryOptions`]) and the plan for one mapper
//! ([`QueryPlan`]): the store [`Scan`] and what is left to do on each row.
//!
//! Neither knows of `serde_json::Value` beyond the mapper's naming, so any
//! table over a [`Mapper`] plans its scans with them.

use std::collections::BTreeSet;

use super::cond::{Cond, Encoding};
use super::pushdown::CondPlan;
use crate::cell::Cell;
use crate::error::Result;
use crate::layout::{Group, Layout, Naming, split_single};
use crate::mapper::Mapper;
use crate::store::{Column, Row, Scan};

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
