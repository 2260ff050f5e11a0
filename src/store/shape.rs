//! [`Shape`]: what a scan still does to the rows a store fetched, the
//! same on every store.

#[cfg(doc)]
use super::Scan;
use super::filter::Filter;
use super::{Column, Row};

/// What turns the rows a store fetched (the newest cells below
/// [`Scan::before`] among the fetched columns) into the rows the scan
/// returns. Stores leave out what their server already did.
#[derive(Clone, Debug)]
pub(crate) struct Shape {
    /// The projection asked for, when the fetched columns add to it.
    pub(crate) keep: Option<Vec<Column>>,
    /// Drops cells older than this. Exact for reads of the newest
    /// version: the newest version below `before` is older than `since`
    /// exactly when the column has no version in `[since, before)`.
    pub(crate) since: Option<i64>,
    /// The filter, when evaluated here rather than on the server.
    pub(crate) filter: Option<Filter>,
    /// Keeps one cell per row, its value emptied.
    pub(crate) keys_only: bool,
}

impl Shape {
    /// Whether this shape changes nothing.
    pub(crate) fn is_noop(&self) -> bool {
        self.keep.is_none() && self.since.is_none() && self.filter.is_none() && !self.keys_only
    }

    /// The row the scan returns for a fetched row, if any.
    pub(crate) fn apply(&self, mut row: Row) -> Option<Row> {
        if let Some(since) = self.since {
            row.cells
                .retain(|cell| cell.timestamp.is_none_or(|ts| ts >= since));
        }
        if let Some(filter) = &self.filter {
            if !filter.matches(&row) {
                return None;
            }
        }
        if let Some(keep) = &self.keep {
            row.cells.retain(|cell| {
                keep.iter()
                    .any(|c| c.matches(&cell.family, &cell.qualifier))
            });
        }
        if row.cells.is_empty() {
            return None;
        }
        if self.keys_only {
            row.cells.truncate(1);
            for cell in &mut row.cells {
                cell.value.clear();
            }
        }
        Some(row)
    }
}
