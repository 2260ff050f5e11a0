//! Updates of one cell of a `Value` table that the store makes atomic:
//! counters ([`Table::increment`]) and compare-and-set
//! ([`Table::check_and_put`]). Each names its cell with a [`FieldPath`],
//! a top-level key or a field of the map under one, as the table's
//! objects do.

use serde_json::{Map, Value};

use super::objects::Table;
use crate::cell::Cell;
use crate::error::{ErrorKind, Result};
use crate::patch::FieldPath;
use crate::store::{Check, Column, CompareOp, Read, RowMutations, Store};

impl<S: Store> Table<S> {
    /// The one cell `value` is stored in at `path`, or an error naming the
    /// path when it takes several (an array, a map) or none.
    fn path_cell(
        &self,
        operation: &'static str,
        path: &FieldPath<'_>,
        value: Value,
    ) -> Result<Cell> {
        let mut object = Map::new();
        let name = match *path {
            FieldPath::Key(key) => {
                object.insert(key.to_string(), value);
                key.to_string()
            }
            FieldPath::Field { key, field } => {
                let mut fields = Map::new();
                fields.insert(field.to_string(), value);
                object.insert(key.to_string(), Value::Object(fields));
                format!("{key}.{field}")
            }
        };
        let cells = self.mapper.flatten_map(&object)?;
        let mut cells = cells.iter();
        match (cells.next(), cells.next()) {
            (Some(cell), None) => Ok(cell.to_cell()),
            _ => Err(ErrorKind::InvalidArgument {
                table: self.name.clone(),
                operation,
                message: format!("`{name}` must hold one scalar value, stored in one cell"),
            }
            .into()),
        }
    }

    /// Adds `amount` to the counter at `path` of the row and returns the
    /// new value: HBase's Increment, atomic on the server, starting a
    /// missing counter at 0. Not idempotent, so never retried.
    ///
    /// A counter cell holds HBase's 8-byte big-endian integer, not a value
    /// of the table's codec, so [`Table::get`] of a row holding one fails
    /// to hydrate it: keep counters in rows (or a table) read with
    /// [`Table::counter`], or use a typed table, whose `#[capjure(counter)]`
    /// fields read back ([`EntityTable::increment`](crate::EntityTable::increment)).
    ///
    /// ```
    /// use capjure::{FieldPath, Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"hits": 0, "by_day": {"mon": 0}})], 1)?;
    /// assert_eq!(table.increment(b"page:/", &FieldPath::key("hits"), 2)?, 2);
    /// assert_eq!(table.increment(b"page:/", &FieldPath::field("by_day", "mon"), 1)?, 1);
    /// assert_eq!(table.counter(b"page:/", &FieldPath::key("hits"))?, Some(2));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn increment(&self, row: &[u8], path: &FieldPath<'_>, amount: i64) -> Result<i64> {
        self.check_row(row)?;
        let cell = self.path_cell("increment", path, Value::from(0))?;
        self.store
            .increment(&self.name, row, &cell.family, &cell.qualifier, amount)
    }

    /// The counter at `path` of the row; `None` when it has no cell. A
    /// cell that is not an 8-byte counter is [`ErrorKind::NotACounter`].
    ///
    /// ```
    /// use capjure::{FieldPath, Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"hits": 0})], 1)?;
    /// assert_eq!(table.counter(b"r", &FieldPath::key("hits"))?, None);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn counter(&self, row: &[u8], path: &FieldPath<'_>) -> Result<Option<i64>> {
        self.check_row(row)?;
        let cell = self.path_cell("counter", path, Value::from(0))?;
        let read = Read::latest().columns([Column::qualified(
            cell.family.clone(),
            cell.qualifier.clone(),
        )]);
        let Some(found) = self.store.get_row(&self.name, row, &read)? else {
            return Ok(None);
        };
        let Some(stored) = found.cells.first() else {
            return Ok(None);
        };
        match <[u8; 8]>::try_from(stored.value.as_slice()) {
            Ok(bytes) => Ok(Some(i64::from_be_bytes(bytes))),
            Err(_) => Err(crate::Error::from(ErrorKind::NotACounter {
                table: self.name.clone(),
                column: crate::error::column_name(&cell.family, &cell.qualifier),
                len: stored.value.len(),
            })
            .in_row(row)),
        }
    }

    /// Writes `new` at `path` of the row only if the value there is still
    /// `expected` (`None`: no value there, e.g. no row yet); returns
    /// whether it wrote. Both values are encoded with the table's codec
    /// and must be scalars (one cell each); the comparison is of the
    /// stored bytes. HBase's checkAndPut: the comparison and the write
    /// are one atomic step on the server, through the Thrift1 gateway too,
    /// and the write is at the server's clock. Other cells of the row are
    /// not touched: to update an object optimistically, keep a version
    /// number at `path`, `check_and_put` the next one, and on success write
    /// the rest ([`Table::merge`]).
    ///
    /// ```
    /// use capjure::{FieldPath, Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"version": 1})], 1)?;
    /// let version = FieldPath::key("version");
    /// assert!(table.check_and_put(b"r", &version, None, &json!(1))?);
    /// assert!(table.check_and_put(b"r", &version, Some(&json!(1)), &json!(2))?);
    /// assert!(!table.check_and_put(b"r", &version, Some(&json!(1)), &json!(3))?);
    /// assert_eq!(table.get(b"r")?, Some(json!({"version": 2})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn check_and_put(
        &self,
        row: &[u8],
        path: &FieldPath<'_>,
        expected: Option<&Value>,
        new: &Value,
    ) -> Result<bool> {
        self.check_row(row)?;
        let operation = "check_and_put";
        let put = self.path_cell(operation, path, new.clone())?;
        let expected = match expected {
            Some(value) => Some(self.path_cell(operation, path, value.clone())?.value),
            None => None,
        };
        self.store.check_and_put(
            &self.name,
            row,
            &put.family,
            &put.qualifier,
            expected.as_deref(),
            &put,
        )
    }

    /// Writes `new` at `path` only if the stored value there compares
    /// with `operand` as `op` says (`stored OP operand`); returns whether
    /// it wrote. Like [`Table::check_and_put`], but with any
    /// [`CompareOp`]: the values are encoded with the table's codec and
    /// compared as bytes, so order ops suit values whose bytes sort as
    /// they do (strings, and the `Java` codec's non-negative integers).
    /// Needs a store with check-and-mutate ([`Store::check_and_mutate`]):
    /// through Thrift1 only [`CompareOp::Eq`].
    ///
    /// ```
    /// use capjure::store::CompareOp;
    /// use capjure::{FieldPath, Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"stage": "a"})], 1)?;
    /// let stage = FieldPath::key("stage");
    /// table.insert(b"r", &json!({"stage": "b"}))?;
    /// // Only move forward.
    /// assert!(table.check_and_set(b"r", &stage, CompareOp::Lt, &json!("c"), &json!("c"))?);
    /// assert!(!table.check_and_set(b"r", &stage, CompareOp::Lt, &json!("b"), &json!("b"))?);
    /// assert_eq!(table.get(b"r")?, Some(json!({"stage": "c"})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn check_and_set(
        &self,
        row: &[u8],
        path: &FieldPath<'_>,
        op: CompareOp,
        operand: &Value,
        new: &Value,
    ) -> Result<bool> {
        self.check_row(row)?;
        let operation = "check_and_set";
        let put = self.path_cell(operation, path, new.clone())?;
        let operand = self.path_cell(operation, path, operand.clone())?.value;
        let check = Check::new(put.family.clone(), put.qualifier.clone(), op, operand);
        let change = RowMutations::new(row).put(put);
        self.store.check_and_mutate(&self.name, &check, &change)
    }
}
