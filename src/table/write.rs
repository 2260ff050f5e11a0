//! Writing objects: [`Table::insert`] (replace), [`Table::merge`] (patch)
//! and [`Table::remove`] read the rows they write and send only the
//! difference; [`Table::load_many`] writes without reading.
//!
//! Every read-then-write edit goes through one path: read the batch's rows
//! (one multi-get), work out each row's new object or cells, then put the
//! cells that are new (or, for edits made on the object, changed) and
//! delete the stored columns the new cells lack. The result is always a
//! row that flattens from one object, so it reads back.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::Shape;
use super::objects::Table;
use crate::cell::{Cell, CellRef, Cells};
use crate::error::{ErrorKind, Result};
use crate::patch::{self, FieldPath};
use crate::store::{Mutation, Read, Row, RowMutations, Store};

/// What a write does to one row.
pub(super) enum Edit<'v> {
    /// Replace the row with these cells (its new object, flattened).
    Replace(Cells),
    /// Replace the row with these cells, except that the stored columns
    /// listed are left as they are (a typed table's counters, which only
    /// increments write).
    ReplaceKeeping(Cells, &'v [(Vec<u8>, Vec<u8>)]),
    /// Merge a patch into the stored object.
    Merge(&'v Map<String, Value>),
    /// Remove parts of the stored object.
    Remove(&'v [FieldPath<'v>]),
}

/// What a row of a batch becomes, after the batch's edits of it so far.
enum Outcome<'b> {
    /// Not worked out yet.
    Unread,
    /// These cells, written as they are.
    Cells(&'b Cells),
    /// This object, whose cells are written where they changed.
    Object(Map<String, Value>),
}

/// One distinct row of a batch.
struct Target<'b> {
    /// The row key.
    key: &'b [u8],
    /// Where the row's last edit is in the batch: its mutations go there.
    last: usize,
    /// The row as read, when it exists.
    stored: Option<&'b Row>,
    /// Stored columns the write leaves alone.
    keep: &'b [(Vec<u8>, Vec<u8>)],
    outcome: Outcome<'b>,
}

impl Target<'_> {
    /// Applies `edit` to the row's object so far, read from the stored
    /// cells the first time (a missing row is an empty object).
    fn edit(
        &mut self,
        shape: &dyn Shape,
        edit: impl FnOnce(&mut Map<String, Value>),
    ) -> Result<()> {
        let object = match std::mem::replace(&mut self.outcome, Outcome::Unread) {
            Outcome::Object(object) => Ok(object),
            Outcome::Cells(cells) => shape.read(&mut cells.iter()),
            Outcome::Unread => match self.stored {
                Some(row) => shape.read(&mut row.latest().map(Cell::view)),
                None => Ok(Map::new()),
            },
        };
        let mut object = object.map_err(|e| e.in_row(self.key))?;
        edit(&mut object);
        self.outcome = Outcome::Object(object);
        Ok(())
    }
}

impl<S: Store> Table<S> {
    /// Stores `object` under `row`, replacing what the row held: cells the
    /// object no longer has are deleted (flaw 10 of the original).
    ///
    /// On a store with atomic row mutations
    /// ([`Store::atomic_row_mutations`]: [`Thrift2Store`](crate::Thrift2Store))
    /// the replace is one atomic call per row and reads nothing: a family
    /// delete at `T - 1` for every family of the table (looked up once per
    /// `Table`) and the object's cells at `T`, `T` from the store's client
    /// clock ([`Store::next_timestamp`]). Readers see the old object or the
    /// new one, never a mix, and concurrent replaces of a row leave one
    /// whole object. Older versions of the row's cells are deleted too
    /// (nothing older than `T` stays); a cell another writer wrote at or
    /// after `T` (a clock ahead of this one) stays beside the new cells.
    ///
    /// Elsewhere (Thrift1, and [`MemoryStore`](crate::MemoryStore) by
    /// default) it costs two round trips: one read of the row's current cells, then
    /// one write of the puts and of the deletes of the stale columns. A
    /// write without an explicit timestamp that deletes stale columns is
    /// two calls (a third round trip): the deletes go at the stale cells'
    /// own newest timestamp so that a column put back later in the same
    /// millisecond is not hidden by them. The puts land before the
    /// deletes, so a reader racing the write may briefly see the new cells
    /// beside stale ones, never a missing row. Every cell of the object is
    /// written, changed or not, so each insert is a version of every
    /// column. Insert does not read the stored object, so it also
    /// overwrites a row that no longer hydrates. Two writers replacing the
    /// same row at once may leave the union of their columns; serialise
    /// them (e.g. with [`Store::check_and_put`]) if that matters. Older
    /// versions of columns the object keeps stay readable through
    /// [`Table::versions`].
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1, "b": 2})], 1)?;
    /// table.insert(b"r", &json!({"a": 1, "b": 2}))?;
    /// table.insert(b"r", &json!({"a": 3}))?;
    /// assert_eq!(table.get(b"r")?, Some(json!({"a": 3})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn insert(&self, row: &[u8], object: &Value) -> Result<()> {
        self.insert_rows(&[(row, object)], None)
    }

    /// [`Table::insert`] at an explicit timestamp (milliseconds). The stale
    /// columns are deleted at or below `timestamp`; versions newer than it
    /// stay, as HBase's versioning would have them; a write they would
    /// leave unreadable beside the new cells (an array's newer elements
    /// beside older ones) is refused with [`ErrorKind::InvalidArgument`]
    /// naming the row, and nothing is written. Safe to retry.
    ///
    /// On a store with atomic row mutations `T` is `timestamp`: the row's
    /// cells at or below `timestamp - 1` are deleted (so `timestamp` must
    /// be at least 1), newer ones stay unchecked (no read), and no older
    /// version of a kept column stays.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 3)?;
    /// table.insert_at(b"r", &json!({"a": 1}), 10)?;
    /// table.insert_at(b"r", &json!({"a": 2}), 20)?;
    /// assert_eq!(table.get_as_of(b"r", 15)?, Some(json!({"a": 1})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn insert_at(&self, row: &[u8], object: &Value, timestamp: i64) -> Result<()> {
        self.insert_rows(&[(row, object)], Some(timestamp))
    }

    /// Inserts several objects with replace semantics, [`Table::batch_size`]
    /// rows per batch, each batch two round trips (a multi-get, then the
    /// write) as for [`Table::insert`]. Every object is flattened before
    /// anything is written; a row given twice ends as its last object; a
    /// batch failing part-way is an [`ErrorKind::BatchFailed`] listing the
    /// rows written and the rows not known to be.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// let (one, two) = (json!({"a": 1}), json!({"a": 2}));
    /// table.insert_many(&[(b"r1", &one), (b"r2", &two)], None)?;
    /// assert_eq!(table.count()?, 2);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn insert_many<K: AsRef<[u8]>>(
        &self,
        objects: &[(K, &Value)],
        timestamp: Option<i64>,
    ) -> Result<()> {
        let objects: Vec<(&[u8], &Value)> = objects.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        self.insert_rows(&objects, timestamp)
    }

    /// Merges `patch` into the object stored under `row`: JSON Merge Patch
    /// (RFC 7396) at the one level of nesting capjure stores, with `null`
    /// kept as a value.
    ///
    /// For each top-level key of the patch:
    /// * a map merges field by field into a map stored under the key: the
    ///   patch's fields replace the stored ones, fields it lacks keep
    ///   theirs (so `{}` changes nothing). Under a key holding anything
    ///   else, or nothing, the patch's map replaces it whole (`{}` then
    ///   stores an empty map);
    /// * anything else (a scalar, an array of scalars, an array of maps)
    ///   replaces what the key held, whole;
    /// * `null` stores the value `null`, as [`Table::insert`] would: this
    ///   is the one difference from RFC 7396, where `null` removes. Use
    ///   [`Table::remove`] to remove keys or fields.
    ///
    /// Keys the patch lacks keep their cells. Merging into a missing row
    /// stores the patch, as [`Table::insert`] does.
    ///
    /// The merge reads the row, hydrates it, applies the patch to the
    /// object and writes the difference: puts of the cells that are new or
    /// changed (cells whose bytes are unchanged are not rewritten) and
    /// deletes of the columns the merged object no longer has, at the
    /// timestamps [`Table::insert`] uses. Two round trips: the read and
    /// the write (plus one when stale columns are deleted without an
    /// explicit timestamp, as for insert; none when nothing changes). A
    /// stored row that does not hydrate is that error, naming the row, and
    /// nothing is written; [`Table::insert`] replaces such a row. So does
    /// a row written with [`Codec::Java`](crate::Codec::Java), whose values
    /// do not read back as [`Value`]s.
    ///
    /// Through the Thrift1 gateway the read and the write are separate
    /// calls, not one atomic step: two merges of the same row at once can
    /// interleave, and one of them be lost. Serialise writers of a row if
    /// that matters.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1, "b": 2, "road": {}, "arr": []})], 1)?;
    /// table.insert(b"r", &json!({"a": 1, "b": 2, "road": {"name": "101N"}, "arr": ["p"]}))?;
    /// table.merge(b"r", &json!({"a": 3, "road": {"speed": 65}, "arr": ["q"]}))?;
    /// assert_eq!(
    ///     table.get(b"r")?,
    ///     Some(json!({"a": 3, "b": 2, "road": {"name": "101N", "speed": 65}, "arr": ["q"]}))
    /// );
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn merge(&self, row: &[u8], patch: &Value) -> Result<()> {
        self.merge_rows(&[(row, patch)], None)
    }

    /// [`Table::merge`] at an explicit timestamp: the changed cells are put
    /// at it and the stale columns deleted at or below it. Stored cells
    /// newer than `timestamp` stay, as for [`Table::insert_at`], which
    /// refuses the same writes.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// table.merge_at(b"r", &json!({"a": 1}), 5)?;
    /// assert_eq!(table.cell(b"r", b"a", b"")?.and_then(|c| c.timestamp), Some(5));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn merge_at(&self, row: &[u8], patch: &Value, timestamp: i64) -> Result<()> {
        self.merge_rows(&[(row, patch)], Some(timestamp))
    }

    /// [`Table::merge`] for several rows, [`Table::batch_size`] rows per
    /// batch, each batch two round trips (a multi-get, then the write) as
    /// for [`Table::merge`]. A row given twice gets both patches, in
    /// order. Every patch is checked (flattened) before anything is
    /// written; failures are reported as for [`Table::insert_many`]. To
    /// load rows that do not exist yet in one round trip per batch, use
    /// [`Table::load_many`].
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1, "b": 2})], 1)?;
    /// table.insert(b"r1", &json!({"a": 1, "b": 2}))?;
    /// let (one, two) = (json!({"a": 3}), json!({"a": 4}));
    /// table.merge_many(&[(b"r1", &one), (b"r2", &two)], None)?;
    /// assert_eq!(table.get(b"r1")?, Some(json!({"a": 3, "b": 2})));
    /// assert_eq!(table.get(b"r2")?, Some(json!({"a": 4})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn merge_many<K: AsRef<[u8]>>(
        &self,
        patches: &[(K, &Value)],
        timestamp: Option<i64>,
    ) -> Result<()> {
        let patches: Vec<(&[u8], &Value)> = patches.iter().map(|(k, v)| (k.as_ref(), *v)).collect();
        self.merge_rows(&patches, timestamp)
    }

    /// Removes top-level keys, or fields of the maps under keys, from the
    /// object stored under `row` (see [`FieldPath`]). A path the object
    /// does not have is skipped; a map that loses its last field stays, as
    /// an empty map; a missing row stays missing.
    ///
    /// Reads, edits and writes the row as [`Table::merge`] does, with the
    /// same costs (two round trips, plus one for the deletes) and the same
    /// lack of atomicity through the Thrift1 gateway.
    ///
    /// ```
    /// use capjure::{FieldPath, Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// let object = json!({"a": 1, "b": 2, "road": {"name": "101N", "speed": 65}});
    /// table.create(&[&object], 1)?;
    /// table.insert(b"r", &object)?;
    /// table.remove(b"r", &[FieldPath::key("a"), FieldPath::field("road", "speed")])?;
    /// assert_eq!(table.get(b"r")?, Some(json!({"b": 2, "road": {"name": "101N"}})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn remove(&self, row: &[u8], paths: &[FieldPath<'_>]) -> Result<()> {
        self.check_row(row)?;
        self.write_rows(&[row], vec![Edit::Remove(paths)], None, &self.mapper)
    }

    /// Writes objects as rows without reading anything first: the bulk
    /// load of rows that do not exist yet (fresh keys), one round trip per
    /// [`Table::batch_size`] rows where [`Table::insert_many`] and
    /// [`Table::merge_many`] need two. Every object is flattened before
    /// anything is written; failures are reported as for
    /// [`Table::insert_many`].
    ///
    /// Only puts are sent. On a row that exists, the object's cells are
    /// written over the stored ones and no stored cell is deleted, so
    /// cells of the stored object that the new one lacks stay: that can
    /// leave a row that reads back as a mixture or not at all (an array's
    /// old elements beside the new ones). Use [`Table::insert_many`] or
    /// [`Table::merge_many`] for rows that may exist.
    ///
    /// ```
    /// use capjure::{Mapper, MemoryStore, Table};
    /// use serde_json::json;
    /// let table = Table::new(MemoryStore::new(), "t", Mapper::default());
    /// table.create(&[&json!({"a": 1})], 1)?;
    /// let (one, two) = (json!({"a": 1}), json!({"a": 2}));
    /// table.load_many(&[(b"r1", &one), (b"r2", &two)], None)?;
    /// assert_eq!(table.get(b"r2")?, Some(json!({"a": 2})));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn load_many<K: AsRef<[u8]>>(
        &self,
        objects: &[(K, &Value)],
        timestamp: Option<i64>,
    ) -> Result<()> {
        self.load_rows(
            objects.iter().map(|(row, object)| {
                let row = row.as_ref();
                self.check_row(row)?;
                let cells = self.mapper.flatten(object).map_err(|e| e.in_row(row))?;
                Ok((row.to_vec(), cells))
            }),
            timestamp,
        )
    }

    /// Puts rows' cells without reading: [`Table::load_many`] once the
    /// cells are known. Every row's cells are worked out before anything
    /// is written.
    pub(super) fn load_rows(
        &self,
        rows: impl Iterator<Item = Result<(Vec<u8>, Cells)>>,
        timestamp: Option<i64>,
    ) -> Result<()> {
        let mut changes = Vec::with_capacity(rows.size_hint().0);
        for found in rows {
            let (row, cells) = found?;
            let mut change = RowMutations::new(row);
            change.mutations.reserve_exact(cells.len());
            change
                .mutations
                .extend(cells.iter().map(|cell| put(cell, timestamp)));
            changes.push(change);
        }
        self.in_batches(&mut changes, |_, batch| {
            self.store.mutate(&self.name, batch)
        })
    }

    fn insert_rows(&self, objects: &[(&[u8], &Value)], timestamp: Option<i64>) -> Result<()> {
        let mut edits = Vec::with_capacity(objects.len());
        for (row, object) in objects {
            self.check_row(row)?;
            let cells = self.mapper.flatten(object).map_err(|e| e.in_row(row))?;
            edits.push(Edit::Replace(cells));
        }
        let rows: Vec<&[u8]> = objects.iter().map(|(row, _)| *row).collect();
        self.write_rows(&rows, edits, timestamp, &self.mapper)
    }

    fn merge_rows(&self, patches: &[(&[u8], &Value)], timestamp: Option<i64>) -> Result<()> {
        let mut edits = Vec::with_capacity(patches.len());
        for (row, patch) in patches {
            self.check_row(row)?;
            let Value::Object(fields) = patch else {
                return Err(crate::Error::from(ErrorKind::NotAnObject {
                    found: crate::describe(patch),
                })
                .in_row(row));
            };
            // A batch's merged objects are all flattened before it is
            // written: only a later batch could fail after an earlier one
            // was written, so only then are the patches checked first.
            if patches.len() > self.batch {
                self.mapper.flatten_map(fields).map_err(|e| e.in_row(row))?;
            }
            edits.push(Edit::Merge(fields));
        }
        let rows: Vec<&[u8]> = patches.iter().map(|(row, _)| *row).collect();
        self.write_rows(&rows, edits, timestamp, &self.mapper)
    }

    /// Applies `edits[i]` to `rows[i]`, batch by batch (see the module's
    /// documentation), reading and writing objects as `shape` does.
    pub(super) fn write_rows(
        &self,
        rows: &[&[u8]],
        edits: Vec<Edit<'_>>,
        timestamp: Option<i64>,
        shape: &dyn Shape,
    ) -> Result<()> {
        if self.store.atomic_row_mutations() && edits.iter().all(|e| matches!(e, Edit::Replace(_)))
        {
            // One atomic call per row, no read (see `replace`).
            let cells = edits.into_iter().filter_map(|edit| match edit {
                Edit::Replace(cells) => Some(cells),
                _ => None,
            });
            return self.replace_rows(rows, cells.collect(), timestamp);
        }
        let mut changes: Vec<RowMutations> =
            rows.iter().map(|row| RowMutations::new(*row)).collect();
        self.in_batches(&mut changes, |at, batch| {
            let edits = edits.get(at..at + batch.len()).unwrap_or_default();
            self.write_batch(batch, edits, timestamp, shape)
        })
    }

    /// One batch of [`Table::write_rows`]: one multi-get, then one write
    /// of every row's difference (grouped by timestamp by the store).
    fn write_batch(
        &self,
        batch: &mut [RowMutations],
        edits: &[Edit<'_>],
        timestamp: Option<i64>,
        shape: &dyn Shape,
    ) -> Result<()> {
        let keys: Vec<Vec<u8>> = batch.iter().map(|change| change.row.clone()).collect();
        let stored = self.store.get_rows(&self.name, &keys, &Read::latest())?;
        // Each distinct row once, its edits applied in the batch's order.
        let mut targets: Vec<Target<'_>> = Vec::with_capacity(keys.len());
        let mut by_key: HashMap<&[u8], usize> = HashMap::with_capacity(keys.len());
        for (at, (key, edit)) in keys.iter().zip(edits).enumerate() {
            let index = match by_key.entry(key.as_slice()) {
                Entry::Occupied(found) => *found.get(),
                Entry::Vacant(slot) => {
                    targets.push(Target {
                        key,
                        last: at,
                        stored: stored.get(at).and_then(Option::as_ref),
                        keep: &[],
                        outcome: Outcome::Unread,
                    });
                    *slot.insert(targets.len() - 1)
                }
            };
            let Some(target) = targets.get_mut(index) else {
                continue;
            };
            target.last = at;
            match edit {
                Edit::Replace(cells) => {
                    target.outcome = Outcome::Cells(cells);
                    target.keep = &[];
                }
                Edit::ReplaceKeeping(cells, keep) => {
                    target.outcome = Outcome::Cells(cells);
                    target.keep = keep;
                }
                Edit::Merge(fields) => {
                    target.edit(shape, |object| patch::merge(object, fields))?;
                }
                Edit::Remove(paths) => {
                    target.edit(shape, |object| patch::remove(object, paths))?;
                }
            }
        }
        let mut newest_stale: Option<i64> = None;
        for target in &targets {
            let flattened;
            let (cells, only_changed) = match &target.outcome {
                Outcome::Unread => continue,
                Outcome::Cells(cells) => (*cells, false),
                Outcome::Object(object) => {
                    flattened = shape.write(object).map_err(|e| e.in_row(target.key))?;
                    (&flattened, true)
                }
            };
            self.check_readable(target, cells, timestamp, shape)?;
            if let Some(change) = batch.get_mut(target.last) {
                let stale = difference(change, cells, target, only_changed, timestamp);
                newest_stale = newest_stale.max(stale);
            }
        }
        // Without an explicit timestamp the deletes are at the newest
        // timestamp among the stale cells read, not at the server's "now":
        // a delete marker at "now" would hide a column put back within the
        // same millisecond (HBase's put-after-delete pitfall).
        if timestamp.is_none() && newest_stale.is_some() {
            for change in batch.iter_mut() {
                for mutation in &mut change.mutations {
                    if let Mutation::DeleteColumn { timestamp, .. } = mutation {
                        *timestamp = newest_stale;
                    }
                }
            }
        }
        if batch.iter().all(|change| change.mutations.is_empty()) {
            return Ok(());
        }
        self.store.mutate(&self.name, batch)
    }
}

impl<S: Store> Table<S> {
    /// At an explicit timestamp below some of the row's stored cells, those
    /// cells outlive the write (its puts are older, its deletes stop at the
    /// timestamp) and stand beside the written ones: refuses a write whose
    /// row would then not read back. Costs nothing unless such cells exist.
    fn check_readable(
        &self,
        target: &Target<'_>,
        cells: &Cells,
        timestamp: Option<i64>,
        shape: &dyn Shape,
    ) -> Result<()> {
        let (Some(at), Some(stored)) = (timestamp, target.stored) else {
            return Ok(());
        };
        let newer: BTreeMap<(&[u8], &[u8]), &Cell> = stored
            .latest()
            .filter(|cell| cell.timestamp.is_some_and(|stored_at| stored_at > at))
            .map(|cell| (column(cell), cell))
            .collect();
        if newer.is_empty() {
            return Ok(());
        }
        let mut view: Vec<CellRef<'_>> = cells
            .iter()
            .filter(|cell| !newer.contains_key(&(cell.family, cell.qualifier)))
            .collect();
        view.extend(newer.values().map(|cell| CellRef::from(*cell)));
        match shape.read(&mut view.into_iter()) {
            Ok(_) => Ok(()),
            Err(err) => Err(crate::Error::from(ErrorKind::InvalidArgument {
                table: self.name.clone(),
                operation: "write",
                message: format!(
                    "timestamp {at} is older than cells of the row, which would stay beside \
                     the written ones and leave a row that does not read back ({err})"
                ),
            })
            .in_row(target.key)),
        }
    }
}

/// A put of `cell` at `timestamp` (the store's clock when `None`).
fn put(cell: CellRef<'_>, timestamp: Option<i64>) -> Mutation {
    let mut cell = cell.to_cell();
    cell.timestamp = timestamp;
    Mutation::Put(cell)
}

/// Adds to `change` what turns the target's stored row into `cells`: puts
/// of the cells (only of the new and changed ones when `only_changed`),
/// then deletes, at `timestamp`, of the stored columns `cells` lack and the
/// target does not keep. Returns the newest timestamp among those stale
/// columns' cells.
fn difference(
    change: &mut RowMutations,
    cells: &Cells,
    target: &Target<'_>,
    only_changed: bool,
    timestamp: Option<i64>,
) -> Option<i64> {
    let Some(stored) = target.stored else {
        change.mutations.reserve_exact(cells.len());
        change
            .mutations
            .extend(cells.iter().map(|cell| put(cell, timestamp)));
        return None;
    };
    // Each stored column, and whether the new cells keep it. Stores return
    // cells in column order, but the Thrift gateway orders them by their
    // `family:qualifier` text, which differs when a family is a prefix of
    // another: sorted here when needed.
    let mut columns: Vec<(&Cell, bool)> = stored
        .latest()
        .map(|cell| {
            let kept = target.keep.iter().any(|(family, qualifier)| {
                (family.as_slice(), qualifier.as_slice()) == column(cell)
            });
            (cell, kept)
        })
        .collect();
    if !columns.is_sorted_by(|a, b| column(a.0) <= column(b.0)) {
        columns.sort_unstable_by(|a, b| column(a.0).cmp(&column(b.0)));
    }
    for cell in cells {
        let found = columns
            .binary_search_by(|(stored, _)| column(stored).cmp(&(cell.family, cell.qualifier)));
        if let Ok(at) = found {
            columns[at].1 = true;
            if only_changed && columns[at].0.value == cell.value {
                continue;
            }
        }
        change.mutations.push(put(cell, timestamp));
    }
    let mut newest_stale = None;
    for (cell, kept) in columns {
        if !kept {
            newest_stale = newest_stale.max(cell.timestamp);
            change.mutations.push(Mutation::DeleteColumn {
                family: cell.family.clone(),
                qualifier: cell.qualifier.clone(),
                timestamp,
            });
        }
    }
    newest_stale
}

/// A stored cell's column, to order and find columns by.
fn column(cell: &Cell) -> (&[u8], &[u8]) {
    (cell.family.as_slice(), cell.qualifier.as_slice())
}
