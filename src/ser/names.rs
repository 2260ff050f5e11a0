//! A per-thread memo of the groups that struct field names become.
//!
//! A struct's field names are `&'static str`s, the same ones for every row
//! of that type: escaping each and checking it against the configured
//! arrays again for every row is most of what a scalar field costs. The
//! memo keeps the escaped, checked group of recently seen names, keyed by
//! the naming (layout and key configuration) and the name's address.
//! Static strings never change, so an address and a length name one text
//! for the life of the process; only groups that passed their check are
//! kept, so a hit needs no check.

use std::cell::RefCell;
use std::ops::Range;

use super::child::{Field, FieldName};
use crate::cell::Cells;
use crate::layout::GroupAt;

/// How many names the memo holds per thread. Open addressing: a name is in
/// the first slot from its hash on that holds it, before any empty one.
/// When three quarters are taken the memo starts over, which bounds both
/// its memory and its probe lengths.
const SLOTS: usize = 128;

/// The most names kept before starting over.
const MAX_NAMES: usize = SLOTS / 4 * 3;

/// One remembered group; `len == 0` marks an empty slot (empty names are
/// rejected before they reach the memo).
#[derive(Default)]
struct Slot {
    naming: u64,
    address: usize,
    len: usize,
    group: Vec<u8>,
}

/// The slots and how many are taken.
#[derive(Default)]
struct Memo {
    slots: Vec<Slot>,
    taken: usize,
}

thread_local! {
    static GROUPS: RefCell<Memo> = RefCell::new(Memo::default());
}

/// Where the probe for `name` starts: a multiplicative hash of its address
/// and the naming's id.
fn home(naming: u64, name: &'static str) -> usize {
    let key = (name.as_ptr() as u64) ^ naming.rotate_left(32);
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 57) as usize % SLOTS
}

fn holds(slot: &Slot, naming: u64, name: &'static str) -> bool {
    slot.address == name.as_ptr() as usize && slot.len == name.len() && slot.naming == naming
}

/// Appends the remembered group of `name` under `naming`, and says whether
/// there was one.
#[inline]
pub(crate) fn recall(naming: u64, name: &'static str, out: &mut Vec<u8>) -> bool {
    GROUPS.with(|memo| {
        let Ok(memo) = memo.try_borrow() else {
            return false;
        };
        if memo.slots.is_empty() {
            return false;
        }
        let start = home(naming, name);
        for probe in 0..SLOTS {
            let Some(slot) = memo.slots.get((start + probe) % SLOTS) else {
                return false;
            };
            if slot.len == 0 {
                return false;
            }
            if holds(slot, naming, name) {
                out.extend_from_slice(&slot.group);
                return true;
            }
        }
        false
    })
}

/// Remembers that `name` under `naming` is the checked group `group`.
pub(crate) fn remember(naming: u64, name: &'static str, group: &[u8]) {
    if name.is_empty() {
        return;
    }
    GROUPS.with(|memo| {
        let Ok(mut memo) = memo.try_borrow_mut() else {
            return;
        };
        let memo = &mut *memo;
        if memo.slots.is_empty() || memo.taken >= MAX_NAMES {
            memo.slots.clear();
            memo.slots.resize_with(SLOTS, Slot::default);
            memo.taken = 0;
        }
        let start = home(naming, name);
        for probe in 0..SLOTS {
            let Some(slot) = memo.slots.get_mut((start + probe) % SLOTS) else {
                return;
            };
            if slot.len != 0 && !holds(slot, naming, name) {
                continue;
            }
            if slot.len == 0 {
                memo.taken += 1;
            }
            slot.naming = naming;
            slot.address = name.as_ptr() as usize;
            slot.len = name.len();
            slot.group.clear();
            slot.group.extend_from_slice(group);
            return;
        }
    })
}

/// The groups the static names of this thread's last rows became, in the
/// order the rows met them: rows of one type meet their names in the same
/// order, so the next name is almost always where the cursor points, and a
/// hit costs a few comparisons instead of the memo's hash and probe. Kept
/// with the working lists between rows (see `super::Spare`); misses fall
/// back to the memo. Holds top-level keys (no parent) and the fields of
/// arrays of maps (the array's key as parent); like the memo, only groups
/// that passed their check.
#[derive(Default)]
pub(crate) struct Recent {
    names: Vec<RecentName>,
    /// Every remembered group's bytes.
    groups: Vec<u8>,
    /// Where the next name is likely to be.
    next: usize,
}

/// The most names [`Recent`] keeps before starting over.
const MAX_RECENT: usize = 64;

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
            _ => match self.names.iter().position(|recent| recent.key == key) {
                Some(at) => at,
                None => return false,
            },
        };
        let Some(recent) = self.names.get(at) else {
            return false;
        };
        out.extend_from_slice(self.groups.get(recent.group.clone()).unwrap_or_default());
        self.next = at + 1;
        true
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
        if self.names.len() >= MAX_RECENT {
            self.names.clear();
            self.groups.clear();
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
    }

    /// The bytes it holds.
    pub(crate) fn capacity(&self) -> usize {
        self.names.capacity() * size_of::<RecentName>() + self.groups.capacity()
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

    /// Many names, more than the memo keeps: every recall gives the group
    /// remembered for that name and naming, or nothing, never another's.
    #[test]
    fn recalls_only_what_was_remembered_for_that_name_and_naming() {
        let names: Vec<&'static str> = (0..300)
            .map(|i| &*Box::leak(format!("field_{i}").into_boxed_str()))
            .collect();
        for round in 0..3 {
            for (i, name) in names.iter().enumerate() {
                for naming in [7, 8] {
                    let group = format!("{name}/{naming}");
                    let mut out = Vec::new();
                    if recall(naming, name, &mut out) {
                        assert_eq!(out, group.as_bytes(), "round {round}, name {i}");
                    } else {
                        remember(naming, name, group.as_bytes());
                    }
                }
            }
        }
        // The last names remembered are still there.
        let mut out = Vec::new();
        assert!(recall(8, names[299], &mut out));
        assert_eq!(out, b"field_299/8");
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
