//! [`EntityQuery::select`]: a query's rows read into a struct of some of
//! the entity's fields, fetching only their columns.

use std::fmt;
use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use super::query::{EntityQuery, short_type_name, unusable};
use crate::codec::Codec;
use crate::entity::__private::struct_fields;
use crate::entity::{CounterColumn, Entity};
use crate::error::{ErrorKind, Result};
use crate::mapper::Mapper;
use crate::store::{Scanner, Store};
use crate::table::cond::Encoding;
use crate::table::options::QueryPlan;
use crate::table::query::Query;

impl<'t, E: Entity, S: Store> EntityQuery<'t, E, S> {
    /// Only the fields of `P`, read into `P`s: the scan fetches only their
    /// columns. `P` is any `Deserialize` struct whose fields are named as
    /// `E` stores them (the Rust name, or the `rename`d column) with the
    /// same types (a `counter` field as its integer); a field `E` does not
    /// store is an [`ErrorKind::UnusableField`] naming it. Rows holding none
    /// of `P`'s fields are skipped; a row missing a non-`Option` field of
    /// `P` is an error naming it. Conditions may name fields `P` lacks.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// use capjure::table::Cond;
    /// use serde::Deserialize;
    ///
    /// #[derive(Entity)]
    /// #[capjure(table = "pages")]
    /// struct Page { #[capjure(row_key)] url: String, body: String, #[capjure(counter)] views: i64 }
    ///
    /// #[derive(Deserialize, Debug, PartialEq)]
    /// struct Views { url: String, views: i64 }
    ///
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into(), body: "long".into(), views: 0 })?;
    /// pages.increment(&"/".into(), "views", 3)?;
    /// let views: Vec<Views> = pages
    ///     .query()
    ///     .filter(Cond::key("body").prefix("lo"))
    ///     .select::<Views>()?
    ///     .collect::<Result<_, _>>()?;
    /// assert_eq!(views, [Views { url: "/".into(), views: 3 }]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn select<P: DeserializeOwned>(self) -> Result<Selected<'t, P>> {
        let table = &self.table.table;
        let mut columns = Vec::new();
        for field in struct_fields::<P>() {
            let column = E::fields()
                .iter()
                .find(|(_, column)| column == field)
                .map(|(_, column)| *column)
                .ok_or_else(|| {
                    let reason = match E::fields().iter().find(|(rust, _)| rust == field) {
                        Some((_, column)) => format!(
                            "of `{}` is stored as `{column}`: select it under that name",
                            short_type_name::<E>()
                        ),
                        None => format!("is not a stored field of `{}`", short_type_name::<E>()),
                    };
                    unusable(&table.name, field, reason)
                })?;
            columns.push(column);
        }
        if columns.is_empty() {
            return Err(ErrorKind::InvalidArgument {
                table: table.name.clone(),
                operation: "query",
                message: format!(
                    "select: `{}` is not a struct with fields",
                    short_type_name::<P>()
                ),
            }
            .into());
        }
        let query = self.planned()?;
        let query = Query::with_options(
            table,
            query.options().clone().fields(columns),
            Encoding::Typed,
        );
        let plan = query.plan()?;
        Ok(Selected {
            rows: table.store.scan(&table.name, plan.scan())?,
            mapper: &table.mapper,
            remaining: plan.limit(),
            plan: Box::new(plan),
            counters: E::counters(),
            selected: PhantomData,
        })
    }
}

/// The selected fields of a query's rows, as `P`s, in row order: see
/// [`EntityQuery::select`].
///
/// ```
/// use capjure::{Entity, MemoryStore, StoreExt};
/// # #[derive(Entity)] #[capjure(table = "t")] struct Page { #[capjure(row_key)] id: u32, title: String }
/// #[derive(serde::Deserialize)]
/// struct Title { title: String }
/// let store = MemoryStore::new();
/// let pages = store.entities::<Page>();
/// pages.create()?;
/// pages.insert(&Page { id: 1, title: "home".into() })?;
/// let mut titles = pages.query().select::<Title>()?;
/// assert_eq!(titles.next().transpose()?.map(|t| t.title), Some("home".into()));
/// # Ok::<(), capjure::Error>(())
/// ```
pub struct Selected<'t, P> {
    rows: Scanner<'t>,
    mapper: &'t Mapper,
    plan: Box<QueryPlan>,
    remaining: Option<usize>,
    counters: Vec<CounterColumn>,
    selected: PhantomData<fn() -> P>,
}

impl<P> fmt::Debug for Selected<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Selected")
            .field("selected", &std::any::type_name::<P>())
            .finish_non_exhaustive()
    }
}

impl<P: DeserializeOwned> Iterator for Selected<'_, P> {
    type Item = Result<P>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == Some(0) {
            return None;
        }
        loop {
            let row = match self.rows.next()? {
                Ok(row) => row,
                Err(err) => return Some(Err(err)),
            };
            let Some(mut row) = self.plan.accept(row) else {
                continue;
            };
            // `P` reads a counter as a plain integer of the codec: only an
            // entity's own counter fields know the 8-byte cell.
            if self.mapper.codec() != Codec::Java {
                for cell in &mut row.cells {
                    let counter = self.counters.iter().any(|counter| {
                        counter.family == cell.family && counter.qualifier == cell.qualifier
                    });
                    if let (true, Ok(bytes)) = (counter, <[u8; 8]>::try_from(cell.value.as_slice()))
                    {
                        cell.value = i64::from_be_bytes(bytes).to_string().into_bytes();
                    }
                }
            }
            if let Some(left) = &mut self.remaining {
                *left -= 1;
            }
            let key = row.key.clone();
            return Some(
                self.mapper
                    .from_cells(row.latest())
                    .map_err(|e| e.in_row(&key)),
            );
        }
    }
}
