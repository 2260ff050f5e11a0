//! An array of scalars under a key: one cell `k:element` per distinct
//! element. Under JSON the cell holds the element's positions and value;
//! under text the qualifier is the element (order is the qualifiers' byte
//! order); under Java the qualifier is the element's text and the value its
//! positions.

use serde::de::{DeserializeSeed, SeqAccess};

use super::scalar::ScalarDeserializer;
use super::{At, Path};
use crate::codec::{ARRAY_MARKER, Codec, JsonCell};
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
pub(crate) struct ElementsAccess<'k> {
    key: &'k str,
    form: Form,
    items: std::vec::IntoIter<Item<'k>>,
    next: usize,
}

impl<'k> ElementsAccess<'k> {
    pub(crate) fn empty() -> Self {
        ElementsAccess {
            key: "",
            form: Form::Json,
            items: Vec::new().into_iter(),
            next: 0,
        }
    }

    pub(crate) fn new(codec: Codec, key: &'k str, parts: &'k KeyCells<'_, '_>) -> Result<Self> {
        if let Some((_, entries)) = parts.fields.first() {
            if let Some(entry) = entries.first() {
                return Err(entry
                    .malformed(format!(
                        "stands beside the array of scalars under key `{key}`"
                    ))
                    .into());
            }
        }
        let mut items = Vec::with_capacity(parts.plain.len());
        let item = |entry: &'k Entry<'_>, position, bytes: Option<&'k [u8]>| Item {
            position,
            bytes: bytes.unwrap_or(entry.qualifier),
            bare_string: codec == Codec::Json && bytes.is_none(),
            family: entry.cell.family,
            qualifier: entry.cell.qualifier,
        };
        match codec {
            Codec::Json => {
                for entry in parts.plain {
                    if JsonCell::of(entry.cell.value) != JsonCell::Elements {
                        return Err(entry
                            .malformed(format!(
                                "does not fit the array of scalars under key `{key}`"
                            ))
                            .into());
                    }
                    scan_elements(entry.cell.value, |position, bytes| {
                        items.push(item(entry, position, bytes))
                    })
                    .map_err(|reason| entry.malformed(format!("array element cell {reason}")))?;
                }
            }
            Codec::Text => {
                for (n, entry) in parts.plain.iter().enumerate() {
                    if entry.cell.value != ARRAY_MARKER {
                        return Err(entry
                            .malformed(format!("stands in the array of scalars under key `{key}`"))
                            .into());
                    }
                    items.push(item(entry, n as u64, None));
                }
            }
            Codec::Java => {
                for entry in parts.plain {
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
            // Text and Java elements are the qualifiers' text.
            form: if codec == Codec::Json {
                Form::Json
            } else {
                Form::Text
            },
            items: items.into_iter(),
            next: 0,
        })
    }
}

impl<'de> SeqAccess<'de> for ElementsAccess<'_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.next;
        self.next += 1;
        seed.deserialize(ScalarDeserializer {
            bytes: item.bytes,
            form: self.form,
            at: At {
                family: item.family,
                qualifier: item.qualifier,
                path: Path::Element(self.key, index),
            },
            empty_is_none: true,
            bare_string: item.bare_string,
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// Splits an element cell as the JSON codec writes it, `[pos, [pos,elem],
/// ...]`, without parsing the elements: a bare position stands for the
/// qualifier as a string (`None`), a pair carries the element's JSON.
fn scan_elements<'v>(
    value: &'v [u8],
    mut found: impl FnMut(u64, Option<&'v [u8]>),
) -> Result<(), &'static str> {
    const PAIRS: &str = "does not hold positions and [position, element] pairs";
    // Accumulates the digits directly: no UTF-8 check or text parse.
    let position = |at: &mut usize| {
        let start = *at;
        let mut position: Option<u64> = Some(0);
        while let Some(&digit) = value.get(*at).filter(|b| b.is_ascii_digit()) {
            position = position
                .and_then(|p| p.checked_mul(10))
                .and_then(|p| p.checked_add(u64::from(digit - b'0')));
            *at += 1;
        }
        position
            .filter(|_| *at > start)
            .ok_or("has a position that is not a whole number")
    };
    if value.first() != Some(&b'[') {
        return Err("is not a JSON array");
    }
    let mut at = 1;
    loop {
        if value.get(at) == Some(&b'[') {
            at += 1;
            let index = position(&mut at)?;
            if value.get(at) != Some(&b',') {
                return Err(PAIRS);
            }
            at += 1;
            let start = at;
            if value.get(at) == Some(&b'"') {
                at += 1;
                loop {
                    match value.get(at) {
                        None => return Err("has an unterminated string"),
                        Some(b'\\') => at += 2,
                        Some(b'"') => {
                            at += 1;
                            break;
                        }
                        Some(_) => at += 1,
                    }
                }
            } else {
                while value.get(at).is_some_and(|&b| b != b',' && b != b']') {
                    at += 1;
                }
            }
            if start == at || value.get(at) != Some(&b']') {
                return Err(PAIRS);
            }
            found(index, Some(&value[start..at]));
            at += 1;
        } else {
            found(position(&mut at)?, None);
        }
        match value.get(at) {
            Some(b',') => at += 1,
            Some(b']') if at + 1 == value.len() => return Ok(()),
            _ => return Err(PAIRS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(value: &str) -> Result<Vec<(u64, Option<String>)>, &'static str> {
        let mut out = Vec::new();
        scan_elements(value.as_bytes(), |position, bytes| {
            out.push((
                position,
                bytes.map(|bytes| String::from_utf8_lossy(bytes).into_owned()),
            ))
        })?;
        Ok(out)
    }

    #[test]
    fn element_cells_split_into_positions_and_elements() {
        assert_eq!(
            scan(r#"[0,[3,"q\"],"],[4,-2.5e3],7]"#).unwrap(),
            [
                (0, None),
                (3, Some(r#""q\"],""#.into())),
                (4, Some("-2.5e3".into())),
                (7, None)
            ]
        );
        for bad in [
            "",
            "[",
            "[]",
            "[x]",
            "[1,]",
            "[[1]]",
            "[[1,]]",
            "[[1,\"a]]",
            "[1]x",
            "[[1,2]",
        ] {
            assert!(scan(bad).is_err(), "{bad}");
        }
    }
}
