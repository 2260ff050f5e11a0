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

/// How many names the memo holds per thread; a collision evicts.
const SLOTS: usize = 64;

/// One remembered group.
#[derive(Default)]
struct Slot {
    naming: u64,
    address: usize,
    len: usize,
    group: Vec<u8>,
}

thread_local! {
    static GROUPS: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

fn slot_of(naming: u64, name: &'static str) -> usize {
    let address = name.as_ptr() as usize;
    // Names are laid out a few bytes apart: mix the low bits with the
    // higher ones so neighbours land in different slots.
    ((address ^ (address >> 6) ^ (naming as usize).wrapping_mul(31)) >> 1) % SLOTS
}

/// Appends the remembered group of `name` under `naming`, and says whether
/// there was one.
#[inline]
pub(crate) fn recall(naming: u64, name: &'static str, out: &mut Vec<u8>) -> bool {
    GROUPS.with(|groups| {
        let Ok(groups) = groups.try_borrow() else {
            return false;
        };
        match groups.get(slot_of(naming, name)) {
            Some(slot)
                if slot.address == name.as_ptr() as usize
                    && slot.len == name.len()
                    && slot.naming == naming =>
            {
                out.extend_from_slice(&slot.group);
                true
            }
            _ => false,
        }
    })
}

/// Remembers that `name` under `naming` is the checked group `group`.
pub(crate) fn remember(naming: u64, name: &'static str, group: &[u8]) {
    GROUPS.with(|groups| {
        let Ok(mut groups) = groups.try_borrow_mut() else {
            return;
        };
        if groups.is_empty() {
            groups.resize_with(SLOTS, Slot::default);
        }
        if let Some(slot) = groups.get_mut(slot_of(naming, name)) {
            slot.naming = naming;
            slot.address = name.as_ptr() as usize;
            slot.len = name.len();
            slot.group.clear();
            slot.group.extend_from_slice(group);
        }
    })
}
