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
}
