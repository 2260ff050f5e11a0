//! Replace without a read, on a store whose row mutations are atomic
//! ([`Store::atomic_row_mutations`]: `Thrift2Store`, or a `MemoryStore`
//! made with `atomic_replace(true)`).
//!
//! Each row is one store mutation holding a family delete at `T - 1` for
//! every family of the table and the new cells at `T`:
//!
//! * `T` is the store's client clock ([`Store::next_timestamp`],
//!   milliseconds, strictly increasing in the process), or the timestamp
//!   given to `insert_at`, which must then be at least 1.
//! * The timestamps are chosen by the client because the server would give
//!   the delete and the puts of one call the same timestamp, and a delete
//!   hides every cell at or below its timestamp: the row would read back
//!   empty.
//! * The replace removes every cell of the row older than `T`, versions
//!   of kept columns included: after it the row holds the new object and
//!   nothing older. A cell another writer put at or after `T` (a clock
//!   ahead of ours, or an `insert_at` in the future) survives beside the
//!   new cells; writers sharing rows should share a clock within a
//!   millisecond or two.
//! * Several objects for one row in one call: the last one is written.

use std::collections::HashMap;

use super::objects::Table;
use crate::cell::Cells;
use crate::error::{ErrorKind, Result};
use crate::store::{Mutation, RowMutations, Store};

impl<S: Store> Table<S> {
    /// Replaces `rows[i]` with `cells[i]`, one atomic store mutation per
    /// row, [`Table::batch_size`] rows per store call.
    pub(super) fn replace_rows(
        &self,
        rows: &[&[u8]],
        cells: Vec<Cells>,
        timestamp: Option<i64>,
    ) -> Result<()> {
        if let Some(at) = timestamp {
            if at < 1 {
                return Err(ErrorKind::InvalidArgument {
                    table: self.name.clone(),
                    operation: "insert",
                    message: format!(
                        "timestamp {at}: a replace deletes the row's cells at the timestamp \
                         minus one, so it must be at least 1"
                    ),
                }
                .into());
            }
        }
        let families = self.family_names()?;
        // The last object given for a row is the one written; the row
        // keeps the place of its first appearance.
        let mut last: HashMap<&[u8], usize> = HashMap::with_capacity(rows.len());
        let mut order: Vec<&[u8]> = Vec::with_capacity(rows.len());
        for (at, row) in rows.iter().enumerate() {
            if last.insert(row, at).is_none() {
                order.push(row);
            }
        }
        let mut changes: Vec<RowMutations> =
            order.iter().map(|row| RowMutations::new(*row)).collect();
        self.in_batches(&mut changes, |_, batch| {
            let at = timestamp.unwrap_or_else(|| self.store.next_timestamp());
            for change in batch.iter_mut() {
                let Some(cells) = last.get(change.row.as_slice()).and_then(|i| cells.get(*i))
                else {
                    continue;
                };
                change.mutations.clear();
                change.mutations.reserve_exact(families.len() + cells.len());
                change
                    .mutations
                    .extend(families.iter().map(|family| Mutation::DeleteFamily {
                        family: family.clone(),
                        timestamp: Some(at - 1),
                    }));
                change.mutations.extend(cells.iter().map(|cell| {
                    let mut cell = cell.to_cell();
                    cell.timestamp = Some(at);
                    Mutation::Put(cell)
                }));
            }
            self.store.mutate(&self.name, batch)
        })
    }

    /// The table's family names, asked of the store once per `Table`.
    fn family_names(&self) -> Result<&[Vec<u8>]> {
        if let Some(families) = self.families.get() {
            return Ok(families);
        }
        let names: Vec<Vec<u8>> = self
            .store
            .families(&self.name)?
            .into_iter()
            .map(|family| family.name.into_bytes())
            .collect();
        Ok(self.families.get_or_init(|| names))
    }
}
