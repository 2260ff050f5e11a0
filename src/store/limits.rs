//! [`StoreLimits`]: HBase's size limits on row keys and cells, checked
//! before anything is sent so that every store rejects the same input the
//! same way.

use super::{Mutation, RowMutations, Scan, Stop, check_row};
use crate::cell::{Cell, Excerpt};
use crate::error::{ErrorKind, Result, column_name};

/// The sizes a store accepts: HBase's limits on row keys and cells.
///
/// HBase refuses a row key longer than 32,767 bytes (`Short.MAX_VALUE`, a
/// limit of its file format that no setting changes). Its client finds a
/// row's region through a meta row `table,row,99999999999999`, which must
/// itself fit in 32,767 bytes, so through the gateway a row key is at most
/// 32,751 bytes less the table name's length
/// ([`StoreLimits::row_key_limit_in`]). HBase also refuses a cell larger than
/// `hbase.server.keyvalue.maxsize` (10,485,760 bytes unless the region
/// servers are configured otherwise). It measures a cell as its serialized
/// `KeyValue` plus the length prefix it travels with: the row key, family,
/// qualifier and value, plus 24 bytes ([`StoreLimits::cell_size`]); a cell
/// of exactly the limit is accepted.
///
/// Both [`MemoryStore`](super::MemoryStore) and
/// [`ThriftStore`](super::ThriftStore) check these limits before touching
/// data, so a test against the embedded store fails where production
/// would, with [`ErrorKind::InvalidArgument`] naming the table, row, column
/// and sizes. Set them to what your cluster is configured with; 0 turns a
/// check off (as `hbase.server.keyvalue.maxsize` = 0 does in HBase).
///
/// ```
/// use capjure::store::{FamilySpec, RowMutations, Store, StoreLimits, ThriftConfig};
/// use capjure::{Cell, ErrorKind, MemoryStore};
///
/// // A cluster whose region servers set hbase.server.keyvalue.maxsize to 1 MiB.
/// let limits = StoreLimits::new().max_cell_size(1 << 20);
/// let _config = ThriftConfig::new("127.0.0.1:9090").limits(limits);
///
/// let store = MemoryStore::new().with_limits(limits);
/// store.create_table("t", &[FamilySpec::new("f")])?;
/// let big = RowMutations::new("r").put(Cell::new("f", "q", vec![0u8; 1 << 20]));
/// let err = store.mutate("t", &[big]).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::InvalidArgument { .. }));
/// assert_eq!(err.row(), Some(&b"r"[..]));
/// # Ok::<(), capjure::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StoreLimits {
    max_cell_size: usize,
    max_row_key_len: usize,
}

impl StoreLimits {
    /// HBase's default `hbase.server.keyvalue.maxsize` (and
    /// `hbase.client.keyvalue.maxsize`): 10 MiB.
    pub const HBASE_MAX_CELL_SIZE: usize = 10_485_760;

    /// HBase's longest row key, `HConstants.MAX_ROW_LENGTH`
    /// (`Short.MAX_VALUE`).
    pub const HBASE_MAX_ROW_KEY_LEN: usize = 32_767;

    /// What a meta row adds to a row key besides the table name: two
    /// commas and the 14 nines of `HConstants.NINES`.
    const META_ROW_OVERHEAD: usize = 16;

    /// What a cell costs beyond its row key, family, qualifier and value
    /// when HBase measures it: the key's row length (2), family length (1),
    /// timestamp (8) and type (1), the key and value lengths (4 + 4), and
    /// the length prefix the region server adds (4).
    const CELL_OVERHEAD: usize = 24;

    /// HBase's defaults: cells up to 10 MiB, row keys up to 32,767 bytes.
    ///
    /// ```
    /// use capjure::store::StoreLimits;
    /// assert_eq!(StoreLimits::new().cell_limit(), Some(StoreLimits::HBASE_MAX_CELL_SIZE));
    /// assert_eq!(StoreLimits::new().row_key_limit(), Some(32_767));
    /// ```
    pub const fn new() -> Self {
        StoreLimits {
            max_cell_size: Self::HBASE_MAX_CELL_SIZE,
            max_row_key_len: Self::HBASE_MAX_ROW_KEY_LEN,
        }
    }

    /// No checks at all: whatever is sent reaches the server.
    ///
    /// ```
    /// use capjure::store::StoreLimits;
    /// assert_eq!(StoreLimits::unchecked().cell_limit(), None);
    /// assert_eq!(StoreLimits::unchecked().row_key_limit(), None);
    /// ```
    pub const fn unchecked() -> Self {
        StoreLimits {
            max_cell_size: 0,
            max_row_key_len: 0,
        }
    }

    /// The largest cell, as [`StoreLimits::cell_size`] measures it; set it
    /// to the cluster's `hbase.server.keyvalue.maxsize`. 0 turns the check
    /// off.
    ///
    /// ```
    /// use capjure::store::StoreLimits;
    /// assert_eq!(StoreLimits::new().max_cell_size(1000).cell_limit(), Some(1000));
    /// assert_eq!(StoreLimits::new().max_cell_size(0).cell_limit(), None);
    /// ```
    pub const fn max_cell_size(mut self, bytes: usize) -> Self {
        self.max_cell_size = bytes;
        self
    }

    /// The longest row key. HBase's own limit cannot be raised; a lower one
    /// keeps keys short. 0 turns the check off.
    ///
    /// ```
    /// use capjure::store::StoreLimits;
    /// assert_eq!(StoreLimits::new().max_row_key_len(256).row_key_limit(), Some(256));
    /// ```
    pub const fn max_row_key_len(mut self, bytes: usize) -> Self {
        self.max_row_key_len = bytes;
        self
    }

    /// The cell size limit; `None` when unchecked.
    ///
    /// ```
    /// assert!(capjure::store::StoreLimits::new().cell_limit().is_some());
    /// ```
    pub const fn cell_limit(&self) -> Option<usize> {
        match self.max_cell_size {
            0 => None,
            limit => Some(limit),
        }
    }

    /// The row key length limit; `None` when unchecked.
    ///
    /// ```
    /// assert!(capjure::store::StoreLimits::new().row_key_limit().is_some());
    /// ```
    pub const fn row_key_limit(&self) -> Option<usize> {
        match self.max_row_key_len {
            0 => None,
            limit => Some(limit),
        }
    }

    /// The longest row key `table` can take: the row key limit, and no more
    /// than HBase's client can look up a region for (32,751 bytes less the
    /// table name); `None` when unchecked.
    ///
    /// ```
    /// use capjure::store::StoreLimits;
    /// assert_eq!(StoreLimits::new().row_key_limit_in("users"), Some(32_746));
    /// assert_eq!(StoreLimits::new().max_row_key_len(100).row_key_limit_in("users"), Some(100));
    /// ```
    pub fn row_key_limit_in(&self, table: &str) -> Option<usize> {
        let located = Self::HBASE_MAX_ROW_KEY_LEN
            .saturating_sub(Self::META_ROW_OVERHEAD)
            .saturating_sub(table.len());
        self.row_key_limit().map(|limit| limit.min(located))
    }

    /// A cell's size as HBase's region server measures it against
    /// `hbase.server.keyvalue.maxsize`: row key, family, qualifier and value
    /// plus 24 bytes.
    ///
    /// ```
    /// use capjure::store::StoreLimits;
    /// // The largest value row "r" can hold in column "f:q" by default.
    /// let value = StoreLimits::HBASE_MAX_CELL_SIZE - StoreLimits::cell_size(b"r", b"f", b"q", 0);
    /// assert_eq!(value, 10_485_733);
    /// ```
    pub const fn cell_size(row: &[u8], family: &[u8], qualifier: &[u8], value_len: usize) -> usize {
        row.len()
            .saturating_add(family.len())
            .saturating_add(qualifier.len())
            .saturating_add(value_len)
            .saturating_add(Self::CELL_OVERHEAD)
    }

    /// A row key every call can take: not empty, not too long.
    pub(crate) fn check_row(&self, table: &str, operation: &'static str, row: &[u8]) -> Result<()> {
        check_row(table, row)?;
        match self.row_key_limit_in(table) {
            Some(limit) if row.len() > limit => {
                Err(crate::Error::from(ErrorKind::InvalidArgument {
                    table: table.to_string(),
                    operation,
                    message: format!(
                        "the row key is {} bytes, more than the limit of {limit} for this table \
                     (HBase's 32767, less the table name and 16 bytes for its meta row)",
                        row.len()
                    ),
                })
                .in_row(row))
            }
            _ => Ok(()),
        }
    }

    /// [`check_row`](Self::check_row) for each row.
    pub(crate) fn check_rows(
        &self,
        table: &str,
        operation: &'static str,
        rows: &[Vec<u8>],
    ) -> Result<()> {
        rows.iter()
            .try_for_each(|row| self.check_row(table, operation, row))
    }

    /// A cell that fits under the cell size limit when written to `row`.
    pub(crate) fn check_cell(
        &self,
        table: &str,
        operation: &'static str,
        row: &[u8],
        cell: &Cell,
    ) -> Result<()> {
        let Some(limit) = self.cell_limit() else {
            return Ok(());
        };
        let size = Self::cell_size(row, &cell.family, &cell.qualifier, cell.value.len());
        if size <= limit {
            return Ok(());
        }
        Err(crate::Error::from(ErrorKind::InvalidArgument {
            table: table.to_string(),
            operation,
            message: format!(
                "the cell of column \"{}\" is {size} bytes (a {}-byte value), more than the \
                 limit of {limit} (hbase.server.keyvalue.maxsize)",
                column_name(&cell.family, &cell.qualifier),
                cell.value.len()
            ),
        })
        .in_row(row))
    }

    /// Every row key and every put of a batch.
    pub(crate) fn check_batch(&self, table: &str, batch: &[RowMutations]) -> Result<()> {
        for change in batch {
            self.check_row(table, "mutate", &change.row)?;
            for mutation in &change.mutations {
                if let Mutation::Put(cell) = mutation {
                    self.check_cell(table, "mutate", &change.row, cell)?;
                }
            }
        }
        Ok(())
    }

    /// The keys a scan sends: its start row, whose region is looked up
    /// like a row's, and its stop row (HBase's `Scan` refuses one longer
    /// than a row key can be).
    pub(crate) fn check_scan(&self, table: &str, scan: &Scan) -> Result<()> {
        let stop = match &scan.stop {
            Stop::End => None,
            Stop::Exclusive(stop) | Stop::Inclusive(stop) => Some(stop),
        };
        let long = [
            ("start", Some(&scan.start), self.row_key_limit_in(table)),
            ("stop", stop, self.row_key_limit()),
        ]
        .into_iter()
        .find_map(|(which, key, limit)| {
            let limit = limit?;
            key.filter(|key| key.len() > limit)
                .map(|key| (which, key, limit))
        });
        match long {
            Some((which, key, limit)) => Err(ErrorKind::InvalidArgument {
                table: table.to_string(),
                operation: "scan",
                message: format!(
                    "the {which} key \"{}\" is {} bytes, more than the row key limit of {limit}",
                    Excerpt(key),
                    key.len()
                ),
            }
            .into()),
            None => Ok(()),
        }
    }
}

impl Default for StoreLimits {
    fn default() -> Self {
        StoreLimits::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_is_inclusive() {
        let limits = StoreLimits::new().max_cell_size(100);
        let at = |value: usize| Cell::new("f", "q", vec![b'v'; value]);
        // 1 + 1 + 1 + 24 = 27 bytes of key and overhead.
        assert!(limits.check_cell("t", "mutate", b"r", &at(73)).is_ok());
        let err = limits.check_cell("t", "mutate", b"r", &at(74)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row \"r\": table \"t\": mutate: the cell of column \"f:q\" is 101 bytes \
             (a 74-byte value), more than the limit of 100 (hbase.server.keyvalue.maxsize)"
        );
        assert!(
            StoreLimits::unchecked()
                .check_cell("t", "mutate", b"r", &at(1 << 20))
                .is_ok()
        );
    }
}
