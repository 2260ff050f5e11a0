//! Per-thread memos of the groups that struct field names become.
//!
//! A struct's field names are `&'static str`s, the same ones for every row
//! of that type: escaping each and checking it against the configured
//! arrays again for every row is most of what a scalar field costs. The
//! memos keep the escaped, checked groups of the names met, keyed by the
//! naming (layout and key configuration) and the names' addresses. Static
//! strings never change, so an address and a length name one text for the
//! life of the process; only groups that passed their check are kept, so a
//! hit needs no check.

use std::ops::Range;

use super::child::{Field, FieldName};
use crate::cell::Cells;
use crate::layout::{GroupAt, Naming};

/// The groups of the static names this thread's rows met, in the order
/// the rows met them: rows of one type meet their names in the same
/// order, so the next name is almost always where the cursor points, and a
/// hit costs a few comparisons. A name elsewhere is found through a hash
/// index over the list. Kept with the working lists between rows (see
/// `super::Spare`). Holds top-level keys (no parent) and the fields of
/// arrays of maps (the array's key as parent); only groups that passed
/// their check.
#[derive(Default)]
pub(crate) struct Recent {
    names: Vec<RecentName>,
    /// Every remembered group's bytes.
    groups: Vec<u8>,
    /// Where the next name is likely to be.
    next: usize,
    /// For each slot, one more than the position in `names` of a name
    /// whose probe passes there, or 0 for an empty slot. Open addressing:
    /// a name is in the first slot from its hash on that holds it, before
    /// any empty one. Empty until a name is remembered.
    index: Vec<u8>,
}

/// The slots of [`Recent`]'s index.
const SLOTS: usize = 128;

/// The most names [`Recent`] keeps before starting over: three quarters of
/// the slots, which bounds both its memory and its probe lengths (and
/// fits a position in a `u8`).
const MAX_RECENT: usize = SLOTS / 4 * 3;

/// Which static name, under which parent and naming, a group is for.
#[derive(Clone, Copy, PartialEq, Eq)]
struct RecentKey {
    naming: u64,
    parent: (usize, usize),
    name: (usize, usize),
}

impl RecentKey {
    #[inline(always)]
    fn new(naming: u64, parent: Option<&'static str>, name: &'static str) -> Self {
        let at = |text: &'static str| (text.as_ptr() as usize, text.len());
        RecentKey {
            naming,
            parent: parent.map_or((0, 0), at),
            name: at(name),
        }
    }

    /// Where the probe for this key starts: a multiplicative hash of the
    /// addresses and the naming's id.
    fn home(&self) -> usize {
        let key = (self.name.0 as u64)
            ^ (self.parent.0 as u64).rotate_left(17)
            ^ self.naming.rotate_left(32);
        (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 57) as usize % SLOTS
    }
}

struct RecentName {
    key: RecentKey,
    group: Range<usize>,
}

impl Recent {
    pub(crate) const fn new() -> Self {
        Recent {
            names: Vec::new(),
            groups: Vec::new(),
            next: 0,
            index: Vec::new(),
        }
    }

    /// Puts the cursor back at the start, for a new row.
    pub(crate) fn rewind(&mut self) {
        self.next = 0;
    }

    /// Appends the remembered group of `name` (under `parent`, if any)
    /// under `naming`, and says whether there was one.
    #[inline]
    pub(crate) fn recall(
        &mut self,
        naming: u64,
        parent: Option<&'static str>,
        name: &'static str,
        out: &mut Vec<u8>,
    ) -> bool {
        let key = RecentKey::new(naming, parent, name);
        let at = match self.names.get(self.next) {
            Some(recent) if recent.key == key => self.next,
            _ => match self.find(&key) {
                Some(at) => at,
                None => return false,
            },
        };
        let Some(recent) = self.names.get(at) else {
            return false;
        };
        crate::codec::push_bytes(
            out,
            self.groups.get(recent.group.clone()).unwrap_or_default(),
        );
        self.next = at + 1;
        true
    }

    /// Opens the group of `name` (under `parent`, if any) under `naming`
    /// in `cells` when it is the name the cursor points at: the usual
    /// case, kept small enough to inline.
    #[inline(always)]
    pub(crate) fn open_next(
        &mut self,
        naming: &Naming,
        parent: Option<&'static str>,
        name: &'static str,
        cells: &mut Cells,
    ) -> Option<GroupAt> {
        let key = RecentKey::new(naming.id(), parent, name);
        let recent = self
            .names
            .get(self.next)
            .filter(|recent| recent.key == key)?;
        let group = self.groups.get(recent.group.clone())?;
        self.next += 1;
        Some(naming.open_group_with(cells, |_, out| out.extend_from_slice(group)))
    }

    /// Where `key` is in `names`, through the index.
    #[cold]
    fn find(&self, key: &RecentKey) -> Option<usize> {
        if self.index.is_empty() {
            return None;
        }
        let start = key.home();
        for probe in 0..SLOTS {
            let slot = *self.index.get((start + probe) % SLOTS)?;
            let at = usize::from(slot).checked_sub(1)?;
            if self.names.get(at).is_some_and(|recent| recent.key == *key) {
                return Some(at);
            }
        }
        None
    }

    /// Records in the index that `key` is at position `at` of `names`.
    fn index_name(&mut self, key: &RecentKey, at: usize) {
        let Ok(slot) = u8::try_from(at + 1) else {
            return;
        };
        let start = key.home();
        for probe in 0..SLOTS {
            if let Some(free) = self.index.get_mut((start + probe) % SLOTS) {
                if *free == 0 {
                    *free = slot;
                    return;
                }
            }
        }
    }

    /// Remembers that `name` (under `parent`, if any) under `naming` is
    /// the checked group `group`, met after the names recalled so far.
    pub(crate) fn remember(
        &mut self,
        naming: u64,
        parent: Option<&'static str>,
        name: &'static str,
        group: &[u8],
    ) {
        if name.is_empty() {
            return;
        }
        if self.names.len() >= MAX_RECENT || self.index.is_empty() {
            self.names.clear();
            self.groups.clear();
            self.index.clear();
            self.index.resize(SLOTS, 0);
        }
        let start = self.groups.len();
        self.groups.extend_from_slice(group);
        let key = RecentKey::new(naming, parent, name);
        let group = start..self.groups.len();
        // In the place of the name the cursor passed over, so that the
        // next row finds both in order.
        let at = self.next.min(self.names.len());
        self.names.insert(at, RecentName { key, group });
        self.next = at + 1;
        if at + 1 == self.names.len() {
            self.index_name(&key, at);
        } else {
            // The names after it moved: index them all again (this
            // happens only as a type's names are first met).
            self.index.fill(0);
            for at in 0..self.names.len() {
                if let Some(key) = self.names.get(at).map(|recent| recent.key) {
                    self.index_name(&key, at);
                }
            }
        }
    }

    /// The bytes it holds.
    pub(crate) fn capacity(&self) -> usize {
        self.names.capacity() * size_of::<RecentName>()
            + self.groups.capacity()
            + self.index.capacity()
    }
}

/// The field groups of the arrays of maps of this thread's last rows,
/// whole: an array's children are a struct's, so each row's first child
/// brings the same static names in the same order, and their groups (each
/// named, checked and written for the row) can be copied into the row's
/// buffer in one go instead of one name at a time. Keyed by the naming,
/// the array's key (a struct field's name, static) and the first child's
/// field names, in order; like the memo, only groups that passed their
/// check are kept, so a hit needs none. Kept with the working lists
/// between rows (see `super::Spare`).
#[derive(Default)]
pub(crate) struct ArrayGroups {
    arrays: Vec<ArrayGroup>,
}

/// The most arrays [`ArrayGroups`] keeps before starting over.
const MAX_ARRAYS: usize = 16;

struct ArrayGroup {
    naming: u64,
    key: &'static str,
    /// The static field names, in order, and their groups as if `bytes`
    /// started the row's buffer.
    fields: Vec<(&'static str, GroupAt)>,
    /// The groups' bytes, one after another.
    bytes: Vec<u8>,
}

/// Whether `fields`, less the primary key, are the static names `names`.
/// Static names are compared by address and length, as the memo does.
fn same_names(names: &[(&'static str, GroupAt)], fields: &[Field]) -> bool {
    let mut names = names.iter();
    for field in fields.iter().filter(|field| !field.is_pk) {
        match (field.name, names.next()) {
            (FieldName::Static(name), Some((known, _))) if std::ptr::eq(name, *known) => {}
            _ => return false,
        }
    }
    names.next().is_none()
}

impl ArrayGroups {
    pub(crate) const fn new() -> Self {
        ArrayGroups { arrays: Vec::new() }
    }

    /// Copies the remembered groups of the fields `fields` (the first
    /// child's) of the array under `key` into `cells` and appends them to
    /// `field_groups`, in order; says whether there were any.
    #[inline]
    pub(crate) fn recall(
        &self,
        naming: u64,
        key: &'static str,
        fields: &[Field],
        cells: &mut Cells,
        field_groups: &mut Vec<(FieldName, GroupAt)>,
    ) -> bool {
        let Some(array) = self.arrays.iter().find(|array| {
            array.naming == naming
                && std::ptr::eq(array.key, key)
                && same_names(&array.fields, fields)
        }) else {
            return false;
        };
        let bytes = cells.bytes_mut();
        let base = bytes.len();
        bytes.extend_from_slice(&array.bytes);
        field_groups.extend(
            array
                .fields
                .iter()
                .map(|(name, group)| (FieldName::Static(name), group.offset(base))),
        );
        true
    }

    /// Remembers the groups the first child's `fields` of the array under
    /// `key` opened, the first of `field_groups`, once they all passed
    /// their check; nothing if a name is not static or a field repeats.
    pub(crate) fn remember(
        &mut self,
        naming: u64,
        key: &'static str,
        fields: &[Field],
        cells: &Cells,
        field_groups: &[(FieldName, GroupAt)],
    ) {
        let count = fields.iter().filter(|field| !field.is_pk).count();
        if count == 0 || field_groups.len() < count {
            return;
        }
        let mut bytes = Vec::new();
        let mut remembered = Vec::with_capacity(count);
        for (name, group) in field_groups.iter().take(count) {
            let FieldName::Static(name) = name else {
                return;
            };
            let extent = group.extent();
            let Some(source) = cells.bytes().get(extent.clone()) else {
                return;
            };
            remembered.push((*name, group.moved(extent.start, bytes.len())));
            bytes.extend_from_slice(source);
        }
        if !same_names(&remembered, fields) {
            return;
        }
        if self.arrays.len() >= MAX_ARRAYS {
            self.arrays.clear();
        }
        self.arrays.push(ArrayGroup {
            naming,
            key,
            fields: remembered,
            bytes,
        });
    }

    /// The bytes it holds.
    pub(crate) fn capacity(&self) -> usize {
        self.arrays
            .iter()
            .map(|array| {
                array.fields.capacity() * size_of::<(&str, GroupAt)>() + array.bytes.capacity()
            })
            .sum::<usize>()
            + self.arrays.capacity() * size_of::<ArrayGroup>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many names, more than the memo keeps, met in changing orders:
    /// every recall gives the group remembered for that name and naming,
    /// or nothing, never another's.
    #[test]
    fn recalls_only_what_was_remembered_for_that_name_and_naming() {
        let names: Vec<&'static str> = (0..300)
            .map(|i| &*Box::leak(format!("field_{i}").into_boxed_str()))
            .collect();
        let mut recent = Recent::default();
        let mut hits = 0;
        for round in 0..3 {
            recent.rewind();
            let stride = [1, 7, 13][round];
            for i in 0..names.len() {
                let (i, name) = (i * stride % names.len(), names[i * stride % names.len()]);
                for naming in [7, 8] {
                    let group = format!("{name}/{naming}");
                    let mut out = Vec::new();
                    if recent.recall(naming, None, name, &mut out) {
                        assert_eq!(out, group.as_bytes(), "round {round}, name {i}");
                        hits += 1;
                    } else {
                        assert!(out.is_empty());
                        recent.remember(naming, None, name, group.as_bytes());
                    }
                }
            }
        }
        assert!(hits > 0);
        // The last names remembered are still there, out of the cursor's
        // order too.
        recent.rewind();
        let last = names[299 * 13 % 300];
        let mut out = Vec::new();
        assert!(recent.recall(8, None, last, &mut out));
        assert_eq!(out, format!("{last}/8").as_bytes());
    }

    /// Rows of changing types and namings: every recall gives the group
    /// remembered for that name, parent and naming, or nothing.
    #[test]
    fn recent_recalls_only_what_was_remembered_for_that_name_parent_and_naming() {
        let names: Vec<&'static str> = (0..100)
            .map(|i| &*Box::leak(format!("field_{i}").into_boxed_str()))
            .collect();
        let parents = [None, Some(names[0]), Some(names[1])];
        let group = |naming: u64, parent: Option<&str>, name: &str| {
            format!("{parent:?}/{name}/{naming}").into_bytes()
        };
        let mut recent = Recent::default();
        let mut hits = 0;
        for row in 0..60 {
            recent.rewind();
            // Rows of three types, each meeting its names in order.
            let kind = row % 3;
            let naming = 7 + (row / 20) as u64;
            for name in names.iter().skip(kind * 10).take(25) {
                for parent in parents {
                    let mut out = b"x".to_vec();
                    if recent.recall(naming, parent, name, &mut out) {
                        assert_eq!(out[1..], group(naming, parent, name)[..]);
                        hits += 1;
                    } else {
                        assert_eq!(out, b"x");
                        recent.remember(naming, parent, name, &group(naming, parent, name));
                    }
                }
            }
        }
        assert!(hits > 0);
    }
}
