//! Tables: what users call. A table is a store, a table name and a way of
//! turning rows into values: [`Table`] over `serde_json::Value` objects
//! through a [`Mapper`](crate::Mapper).
//!
//! `objects` holds the table and its reads, `query` its query builder over
//! [`QueryOptions`] and [`QueryPlan`] (which any table over a mapper can
//! plan its scans with), `cond` the typed conditions ([`Cond`]) and what
//! of them the store runs; `write` the one write path
//! every edit goes through (read the rows, work out their new cells, put
//! what changed and delete what went stale).

mod cond;
mod objects;
mod query;
mod write;

pub use cond::{Cond, CondPlan, Encoding, Operand, Path};
pub use objects::{Objects, Table, Versions};
pub use query::{Query, QueryKeys, QueryOptions, QueryPlan, QueryRows};
