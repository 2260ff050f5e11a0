//! Updates that the store makes atomic: counter increments and the
//! compare-and-set of optimistic updates.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Edit;
use super::EntityTable;
use crate::cell::Cell;
use crate::entity::Entity;
use crate::error::{ErrorKind, Result};
use crate::store::Store;

impl<E: Entity, S: Store> EntityTable<E, S> {
    /// Adds `amount` to the `#[capjure(counter)]` field `field` (its Rust
    /// name) of the row of `key` and returns the new value. HBase's
    /// Increment: atomic on the server, creating the counter at 0 (an
    /// entity whose counter has no cell reads it as 0). Not idempotent,
    /// so never retried: after a transport error the increment may or may
    /// not have happened. A field that is not a counter is an
    /// [`ErrorKind::UnusableField`] naming it.
    ///
    /// Incrementing a key with no row creates a row holding only the
    /// counter, which does not decode as `E` unless every other field may
    /// be missing (an `Option`, a counter).
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity)] #[capjure(table = "pages")]
    /// # struct Page { #[capjure(row_key)] url: String, #[capjure(counter)] views: u64 }
    /// let store = MemoryStore::new();
    /// let pages = store.entities::<Page>();
    /// pages.create()?;
    /// pages.insert(&Page { url: "/".into(), views: 0 })?;
    /// assert_eq!(pages.increment(&"/".into(), "views", 2)?, 2);
    /// assert_eq!(pages.get(&"/".into())?.map(|p| p.views), Some(2));
    /// assert!(pages.increment(&"/".into(), "url", 1).is_err());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn increment(&self, key: &E::Key, field: &str, amount: i64) -> Result<i64> {
        let counters = E::counters();
        let Some(counter) = counters.iter().find(|counter| counter.field == field) else {
            return Err(self.unusable("increment", field, "is not a counter"));
        };
        let row = E::encode_key(key);
        self.table.check_row(&row)?;
        self.table.store.increment(
            &self.table.name,
            &row,
            &counter.family,
            &counter.qualifier,
            amount,
        )
    }

    /// An optimistic update: writes `new` only if the field `field` (its
    /// Rust name) of the row of `key` still holds `expected` (`None`: the
    /// field has no cell, e.g. no row yet). Returns whether it wrote; on
    /// `false`, re-read the entity and try again.
    ///
    /// What is atomic, through the Thrift1 gateway as on HBase: the
    /// comparison and the write of `field`'s new value (one check-and-put
    /// of one column). The rest of `new` is written after it, as
    /// [`EntityTable::insert`] writes it (replacing the row), except for
    /// counter fields, which are left to [`EntityTable::increment`] (an
    /// increment made after the updater read the entity is kept), so a reader
    /// may briefly see the new value of `field` beside the old other
    /// fields, and a writer that does not go through `update_if` is not
    /// held off. Make `field` a version number that every update bumps
    /// (`expected` the version read, `new` carrying the next one): then of
    /// two updaters that read the same version exactly one wins, and only
    /// the winner writes the rest.
    ///
    /// `field` must be stored in one cell (a scalar, not a counter, a
    /// `Vec` or a nested struct) and `new` must have a value for it;
    /// `new`'s key must be `key`. Otherwise the call is an
    /// [`ErrorKind::UnusableField`] or [`ErrorKind::InvalidArgument`] and
    /// nothing is written. `expected` is encoded with the entity's codec
    /// and compared byte for byte.
    ///
    /// ```
    /// use capjure::{Entity, MemoryStore, StoreExt};
    /// # #[derive(Entity, Clone)] #[capjure(table = "carts")]
    /// # struct Cart { #[capjure(row_key)] id: String, version: u64, items: Vec<String> }
    /// let store = MemoryStore::new();
    /// let carts = store.entities::<Cart>();
    /// carts.create()?;
    /// let cart = Cart { id: "c1".into(), version: 1, items: vec![] };
    /// assert!(carts.update_if(&"c1".into(), "version", None::<&u64>, &cart)?);
    /// let next = Cart { version: 2, items: vec!["EZ-30".into()], ..cart.clone() };
    /// assert!(carts.update_if(&"c1".into(), "version", Some(&1), &next)?);
    /// // A writer that read version 1 lost the race.
    /// assert!(!carts.update_if(&"c1".into(), "version", Some(&1), &next)?);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn update_if<V: Serialize + ?Sized>(
        &self,
        key: &E::Key,
        field: &str,
        expected: Option<&V>,
        new: &E,
    ) -> Result<bool> {
        let operation = "update_if";
        let Some(&(_, column)) = E::fields().iter().find(|(name, _)| *name == field) else {
            return Err(self.unusable(operation, field, "is not a stored field of the entity"));
        };
        if E::counters().iter().any(|counter| counter.field == field) {
            return Err(self.unusable(operation, field, "is a counter; use increment"));
        }
        let row = E::encode_key(key);
        self.table.check_row(&row)?;
        if new.row_key() != row {
            return Err(crate::Error::from(ErrorKind::InvalidArgument {
                table: self.table.name.clone(),
                operation,
                message: "the new entity's key is not the key updated".to_string(),
            })
            .in_row(&row));
        }
        let (family, qualifier) = self.table.mapper.naming.scalar_column(column);
        let expected = match expected {
            None => None,
            Some(value) => {
                let cell = self.one_cell(operation, field, &BTreeMap::from([(column, value)]))?;
                Some(cell.value)
            }
        };
        let cells = self
            .table
            .mapper
            .to_cells(new)
            .map_err(|e| e.in_row(&row))?;
        let mut put: Option<Cell> = None;
        for cell in &cells {
            if cell.family == family.as_slice() && cell.qualifier == qualifier.as_slice() {
                put = Some(cell.to_cell());
            } else if cell.family == family.as_slice() && self.is_multi_family() {
                return Err(self.unusable(operation, field, "is stored in several cells"));
            }
        }
        let Some(put) = put else {
            return Err(self.unusable(operation, field, "has no value in the new entity"));
        };
        let written = self.table.store.check_and_put(
            &self.table.name,
            &row,
            &family,
            &qualifier,
            expected.as_deref(),
            &put,
        )?;
        if written {
            // Counters are the server's: an increment between this
            // updater's read and its write must not be undone by it.
            let counters: Vec<(Vec<u8>, Vec<u8>)> = E::counters()
                .into_iter()
                .map(|counter| (counter.family, counter.qualifier))
                .collect();
            let mut rest = crate::cell::Cells::with_capacity(cells.len(), 0);
            for cell in &cells {
                let is_counter = counters
                    .iter()
                    .any(|(f, q)| f.as_slice() == cell.family && q.as_slice() == cell.qualifier);
                if !is_counter {
                    rest.push(cell.family, cell.qualifier, cell.value);
                }
            }
            self.table.write_rows(
                &[row.as_slice()],
                vec![Edit::ReplaceKeeping(rest, &counters)],
                None,
                &self.typed(),
            )?;
        }
        Ok(written)
    }

    fn is_multi_family(&self) -> bool {
        matches!(self.table.mapper.layout(), crate::Layout::MultiFamily)
    }

    /// The one cell `object` (a field's value under its column) maps to.
    fn one_cell<T: Serialize + ?Sized>(
        &self,
        operation: &'static str,
        field: &str,
        object: &T,
    ) -> Result<Cell> {
        let cells = self.table.mapper.to_cells(object)?;
        let mut cells = cells.iter();
        match (cells.next(), cells.next()) {
            (Some(cell), None) => Ok(cell.to_cell()),
            (None, _) => Err(self.unusable(operation, field, "has no value to compare")),
            (Some(_), Some(_)) => {
                Err(self.unusable(operation, field, "is stored in several cells"))
            }
        }
    }

    fn unusable(&self, operation: &'static str, field: &str, reason: &str) -> crate::Error {
        ErrorKind::UnusableField {
            table: self.table.name.clone(),
            operation,
            field: field.to_string(),
            reason: reason.to_string(),
        }
        .into()
    }
}
