//! Tables: what users call. A table is a store, a table name and a way of
//! turning rows into values: [`Table`] over `serde_json::Value` objects
//! through a [`Mapper`](crate::Mapper).
//!
//! `objects` holds the table and its reads, `write` the one write path
//! every edit goes through (read the rows, work out their new cells, put
//! what changed and delete what went stale), and `replace` the replace
//! without a read on stores with atomic row mutations.

mod objects;
mod replace;
mod write;

pub use objects::{Objects, Table, Versions};
