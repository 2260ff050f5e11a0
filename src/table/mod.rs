//! Tables: what users call. A table is a store, a table name and a way of
//! turning rows into values: [`Table`] over `serde_json::Value` objects
//! through a [`Mapper`], [`EntityTable`] over
//! `#[derive(Entity)]` structs.
//!
//! `objects` holds the `Value` table and its reads, `query` its query
//! builder, `options` what a query asks for and its plan ([`QueryOptions`],
//! [`QueryPlan`], which any table over a mapper can plan its scans with),
//! `cond` the typed conditions ([`Cond`]), `pushdown` what of them the
//! store runs and what is checked per row; `write` the one write path every
//! edit of either table goes through (read the rows, work out their new
//! cells, put what changed and delete what went stale); `entities` the
//! typed table, which keeps a `Value` table inside for that plumbing and
//! reads and writes entities where the other reads and writes objects
//! (`Shape`).
//! `replace` is the replace without a read on stores with atomic row
//! mutations.

mod atomic;
mod cond;
mod entities;
mod objects;
mod options;
mod pushdown;
mod query;
mod replace;
mod write;

pub use cond::{Cond, Encoding, Operand, Path};
pub use entities::{Entities, EntityQuery, EntityTable, Keyed, Selected, StoreExt};
pub use objects::{Objects, Table, Versions};
pub use options::{QueryOptions, QueryPlan};
pub use pushdown::CondPlan;
pub use query::{Query, QueryKeys, QueryRows};

use serde_json::{Map, Value};

use crate::cell::{CellRef, Cells};
use crate::error::Result;
use crate::mapper::Mapper;

/// How a table's write path sees a row: the object its edits (merge,
/// remove) work on, read from the row's cells, and the cells an edited
/// object becomes. The `Value` table hydrates and flattens with its
/// [`Mapper`]; the typed table goes through its entity type, so that what
/// it writes is always an entity that reads back.
pub(crate) trait Shape {
    /// The object stored in `cells` (one row's, newest version of each
    /// column).
    fn read(&self, cells: &mut dyn Iterator<Item = CellRef<'_>>) -> Result<Map<String, Value>>;

    /// The cells of `object`.
    fn write(&self, object: &Map<String, Value>) -> Result<Cells>;
}

impl Shape for Mapper {
    fn read(&self, cells: &mut dyn Iterator<Item = CellRef<'_>>) -> Result<Map<String, Value>> {
        self.hydrate_map(cells)
    }

    fn write(&self, object: &Map<String, Value>) -> Result<Cells> {
        self.flatten_map(object)
    }
}
