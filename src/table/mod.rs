//! Tables: what users call. A table is a store, a table name and a way of
//! turning rows into values: [`Table`] over `serde_json::Value` objects
//! through a [`Mapper`](crate::Mapper).
//!
//! `objects` holds the table and its reads, `query` its query builder,
//! `options` what a query asks for and its plan ([`QueryOptions`],
//! [`QueryPlan`], which any table over a mapper can plan its scans with), `cond` the typed conditions ([`Cond`]),
//! `pushdown` what of them the store runs and what is checked per row; `write` the one write path
//! every edit goes through (read the rows, work out their new cells, put
//! what changed and delete what went stale).

mod cond;
mod objects;
mod options;
mod pushdown;
mod query;
mod write;

pub use cond::{Cond, Encoding, Operand, Path};
pub use objects::{Objects, Table, Versions};
pub use options::{QueryOptions, QueryPlan};
pub use pushdown::CondPlan;
pub use query::{Query, QueryKeys, QueryRows};
