//! An array of scalars under a key: one cell `k:element` per distinct
//! element. Under JSON the cell holds the element's positions and value;
//! under text the qualifier is the element (order is the qualifiers' byte
//! order); under Java the qualifier is the element's text and the value its
//! positions.

use serde::de::{DeserializeSeed, SeqAccess};

use super::scalar::ScalarDeserializer;
use super::{At, Path};
use crate::codec::{self, ARRAY_MARKER, Codec, JsonCell};
use crate::error::{Error, ErrorKind, Result};
use crate::hydrate::{Entry, KeyCells};
use crate::java;
use crate::ser::Form;

/// One element: its bytes, its position and the cell it came from.
struct Item<'k> {
    position: u64,
    bytes: &'k [u8],
    /// Under JSON: the bytes are the qualifier, a string's unquoted text.
    bare_string: bool,
    family: &'k [u8],
    qualifier: &'k [u8],
}

/// The elements of the array under `key`, in order.
pub(crate) struct ElementsAccess<'k, 'a> {
    key: &'k str,
    form: Form,
    order: Order<'k, 'a>,
    next: usize,
}

/// Up to this many cells, a row of one element per cell is put in order
/// through a table on the stack.
const TABLE: usize = 64;

/// Where the elements come from, in order.
enum Order<'k, 'a> {
    /// One element per cell (no element repeats, as is usual): element `i`
    /// is the qualifier of `entries[cells[i]]`. No list of elements is
    /// built or sorted.
    Cells {
        entries: &'k [Entry<'a>],
        cells: [u8; TABLE],
    },
    /// Any other row: its elements, sorted by position.
    Items(std::vec::IntoIter<Item<'k>>),
}

impl<'k, 'a> ElementsAccess<'k, 'a> {
    pub(crate) fn empty() -> Self {
        ElementsAccess {
            key: "",
            form: Form::Json,
            order: Order::Items(Vec::new().into_iter()),
            next: 0,
        }
    }

    pub(crate) fn new(codec: Codec, key: &'k str, parts: &'k KeyCells<'_, 'a>) -> Result<Self> {
        if let Some((_, entries)) = parts.fields.first() {
            if let Some(entry) = entries.first() {
                return Err(entry
                    .malformed(format!(
                        "stands beside the array of scalars under key `{key}`"
                    ))
                    .into());
            }
        }
        match one_per_cell(codec, parts.plain) {
            Some(cells) => Ok(ElementsAccess {
                key,
                form: form(codec),
                order: Order::Cells {
                    entries: parts.plain,
                    cells,
                },
                next: 0,
            }),
            None => Self::sorted(codec, key, parts.plain),
        }
    }

    /// Any row: every element listed, then sorted by position.
    fn sorted(codec: Codec, key: &'k str, entries: &'k [Entry<'a>]) -> Result<Self> {
        let mut items = Vec::with_capacity(entries.len());
        let item = |entry: &'k Entry<'_>, position, bytes: Option<&'k [u8]>| Item {
            position,
            bytes: bytes.unwrap_or(entry.qualifier),
            bare_string: codec == Codec::Json && bytes.is_none(),
            family: entry.cell.family,
            qualifier: entry.cell.qualifier,
        };
        match codec {
            Codec::Json => {
                for entry in entries {
                    if JsonCell::of(entry.cell.value) != JsonCell::Elements {
                        return Err(entry
                            .malformed(format!(
                                "does not fit the array of scalars under key `{key}`"
                            ))
                            .into());
                    }
                    for element in codec::ElementCell::new(entry.cell.value) {
                        let (position, bytes) = element.map_err(|reason| {
                            entry.malformed(format!("array element cell {reason}"))
                        })?;
                        items.push(item(entry, position, bytes));
                    }
                }
            }
            Codec::Text => {
                for (n, entry) in entries.iter().enumerate() {
                    if entry.cell.value != ARRAY_MARKER {
                        return Err(entry
                            .malformed(format!("stands in the array of scalars under key `{key}`"))
                            .into());
                    }
                    items.push(item(entry, n as u64, None));
                }
            }
            Codec::Java => {
                for entry in entries {
                    let value = entry.cell.value;
                    if value.is_empty() || value.len() % 4 != 0 {
                        return Err(entry
                            .malformed("array element cell does not hold 4-byte positions")
                            .into());
                    }
                    for chunk in value.chunks_exact(4) {
                        let position = java::read_position(chunk).ok_or_else(|| {
                            entry.malformed("array element cell holds a negative position")
                        })?;
                        items.push(item(entry, position, None));
                    }
                }
            }
        }
        items.sort_unstable_by_key(|item| item.position);
        if let Some((_, item)) = items
            .iter()
            .enumerate()
            .find(|(i, item)| item.position != *i as u64)
        {
            return Err(ErrorKind::malformed(
                item.family,
                item.qualifier,
                "array positions are not 0, 1, 2, ... without gaps or repeats",
            )
            .into());
        }
        Ok(ElementsAccess {
            key,
            form: form(codec),
            order: Order::Items(items.into_iter()),
            next: 0,
        })
    }
}

/// Text and Java elements are the qualifiers' text.
fn form(codec: Codec) -> Form {
    if codec == Codec::Json {
        Form::Json
    } else {
        Form::Text
    }
}

/// For a row whose every cell holds one element, the cell of each
/// position, in position order: a permutation of the cells. `None` for any
/// other row (an element at several positions, a bad cell, a position out
/// of range or given twice), which the general path then reads, and
/// reports errors on, itself.
fn one_per_cell(codec: Codec, entries: &[Entry<'_>]) -> Option<[u8; TABLE]> {
    if entries.len() > TABLE {
        return None;
    }
    const UNSET: u8 = u8::MAX;
    let mut cells = [UNSET; TABLE];
    for (n, entry) in entries.iter().enumerate() {
        let value = entry.cell.value;
        let position = match codec {
            Codec::Json => codec::lone_position(value)?,
            Codec::Text => (value == ARRAY_MARKER).then_some(n)?,
            Codec::Java if value.len() == 4 => usize::try_from(java::read_position(value)?).ok()?,
            Codec::Java => return None,
        };
        let cell = cells.get_mut(..entries.len())?.get_mut(position)?;
        if *cell != UNSET {
            return None;
        }
        *cell = u8::try_from(n).ok()?;
    }
    Some(cells)
}

impl<'de> SeqAccess<'de> for ElementsAccess<'_, '_> {
    type Error = Error;

    // Called per element from the visitor's loop: kept in line there, as it
    // was before entries shrank and the inliner's weighing changed.
    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let index = self.next;
        let (bytes, bare_string, family, qualifier) = match &mut self.order {
            Order::Cells { entries, cells } => {
                let cell = cells
                    .get(..entries.len())
                    .and_then(|cells| cells.get(index));
                let Some(entry) = cell.and_then(|&cell| entries.get(usize::from(cell))) else {
                    return Ok(None);
                };
                let cell = &entry.cell;
                // Under JSON the qualifier is a string's unquoted text.
                (
                    entry.qualifier,
                    self.form == Form::Json,
                    cell.family,
                    cell.qualifier,
                )
            }
            Order::Items(items) => {
                let Some(item) = items.next() else {
                    return Ok(None);
                };
                (item.bytes, item.bare_string, item.family, item.qualifier)
            }
        };
        self.next += 1;
        seed.deserialize(ScalarDeserializer {
            bytes,
            form: self.form,
            at: At {
                family,
                qualifier,
                path: Path::Element(self.key, index),
            },
            empty_is_none: true,
            bare_string,
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(match &self.order {
            Order::Cells { entries, .. } => entries.len().saturating_sub(self.next),
            Order::Items(items) => items.len(),
        })
    }
}

#[cfg(test)]
mod table_tests {
    use serde::Deserialize;
    use serde::de::value::SeqAccessDeserializer;
    use serde_json::Value;

    use super::*;
    use crate::{Cell, KeyConfig, Mapper};

    /// Every row of up to three cells under `a`, with values from
    /// `values`, read through the table (where it applies) and through the
    /// general path: both give the same elements, or the same error.
    fn agree(codec: Codec, values: &[&[u8]]) {
        let mapper = Mapper::new(KeyConfig::new()).with_codec(codec);
        let qualifiers: [&[u8]; 3] = [b"x", b"y\xff", b""];
        let mut tables = 0;
        for len in 1..=3 {
            for pick in 0..values.len().pow(len) {
                let cells: Vec<Cell> = (0..len as usize)
                    .map(|n| {
                        let value = values[pick / values.len().pow(n as u32) % values.len()];
                        Cell::new("a", qualifiers[n], value)
                    })
                    .collect();
                let (table, general) =
                    crate::hydrate::with_keys(&mapper, cells.iter().map(Cell::view), |keys| {
                        let (key, parts) = &keys[0];
                        let read = |access: Result<ElementsAccess<'_, '_>>| {
                            let elements = access.and_then(|access| {
                                Vec::<Option<Value>>::deserialize(SeqAccessDeserializer::new(
                                    access,
                                ))
                            });
                            format!("{elements:?}")
                        };
                        let table = one_per_cell(codec, parts.plain).is_some();
                        Ok((
                            table.then(|| read(ElementsAccess::new(codec, key, parts))),
                            read(ElementsAccess::sorted(codec, key, parts.plain)),
                        ))
                    })
                    .unwrap();
                if let Some(table) = table {
                    tables += 1;
                    assert_eq!(table, general, "{codec:?} {cells:?}");
                }
            }
        }
        assert!(tables >= 3, "{codec:?}: only {tables} rows took the table");
    }

    #[test]
    fn the_table_reads_as_the_general_path() {
        agree(
            Codec::Json,
            &[
                b"[0]", b"[1]", b"[2]", b"[3]", b"[01]", b"[0,1]", b"[[0,5]]", b"[]", b"[1",
                b"[x]", b"\"s\"",
            ],
        );
        agree(Codec::Text, &[ARRAY_MARKER, b"", b"1"]);
        agree(
            Codec::Java,
            &[
                &[0, 0, 0, 0],
                &[0, 0, 0, 1],
                &[0, 0, 0, 2],
                &[0, 0, 0, 3],
                &[0xff, 0xff, 0xff, 0xff],
                &[0, 0, 0, 0, 0, 0, 0, 1],
                &[0, 0, 1],
                b"",
            ],
        );
    }
}
