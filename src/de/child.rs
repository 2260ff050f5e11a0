//! An array of maps under a key: each child's primary key is the qualifier
//! of its cells `k_field:pk`; under JSON and Java an index cell `k:pk` holds
//! its position (and typed primary key).

use std::borrow::Cow;
use std::cmp::Ordering;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::scalar::ScalarDeserializer;
use super::{At, Path};
use crate::cell::Excerpt;
use crate::codec::{self, Codec, JsonCell};
use crate::error::{Error, ErrorKind, Result, column_name};
use crate::flatten::{compare_bytes, same_bytes};
use crate::hydrate::{Entry, KeyCells};
use crate::java;
use crate::mapper::Mapper;
use crate::ser::Form;

/// Where a child's primary key comes from.
enum Pk<'k> {
    /// A JSON index cell's typed value, or a composite key's decoder.
    Value(Value),
    /// Bytes to read as the field's type: a Java index cell's, or a text
    /// qualifier.
    Bytes(&'k [u8], Form),
    /// A JSON string given as its text, checked UTF-8: the qualifier of a
    /// child whose index cell is `{"at":N}`.
    String(&'k [u8]),
}

/// One child's cells.
struct ChildCells<'k, 'a> {
    position: u64,
    /// The child's rank among the qualifiers: which cell of each field
    /// group is its own when the groups are dense.
    slot: usize,
    /// Taken when the child is read.
    pk: Option<Pk<'k>>,
    /// The cell the primary key came from, for errors.
    family: &'k [u8],
    qualifier: &'k [u8],
    /// The child's fields when the groups are not dense.
    fields: Vec<(&'k str, &'k Entry<'a>)>,
}

/// The field groups of an array of maps.
type FieldGroups<'k, 'a> = &'k [(Cow<'k, str>, &'k [Entry<'a>])];

/// The children of the array under `key`, in order.
pub(crate) struct ChildrenAccess<'k, 'a> {
    key: &'k str,
    codec: Codec,
    pk_field: &'k str,
    /// The field groups, when every group has one cell per child (the
    /// usual case: no `None` fields), in the children's qualifier order.
    /// Each child then reads its cells straight from them, and no list of
    /// fields is built per child.
    dense: Option<FieldGroups<'k, 'a>>,
    /// Read in place, from [`Self::next`] on: each is 14 words to move.
    children: Vec<ChildCells<'k, 'a>>,
    next: usize,
}

impl<'k, 'a> ChildrenAccess<'k, 'a> {
    #[inline]
    pub(crate) fn new(
        mapper: &'k Mapper,
        key: &'k str,
        parts: &'k KeyCells<'_, 'a>,
    ) -> Result<Self> {
        let primary_key = parts.primary_key(mapper, key)?;
        let mut children = Vec::with_capacity(parts.plain.len());
        // Under text, the qualifiers the children are known by, sorted;
        // under JSON and Java they are the index cells' qualifiers.
        let mut qualifiers: Vec<&'k [u8]> = Vec::new();
        match mapper.codec {
            Codec::Json | Codec::Java => {
                for entry in parts.plain {
                    let (family, qualifier, value) =
                        (entry.cell.family, entry.cell.qualifier, entry.cell.value);
                    let (position, pk) = if mapper.codec == Codec::Json {
                        if JsonCell::of(value) != JsonCell::Child {
                            return Err(entry
                                .malformed(format!(
                                    "does not fit the array of maps under key `{key}`"
                                ))
                                .into());
                        }
                        // The usual index cell: the key is the qualifier's
                        // text, read as the field's type asks when the
                        // field is, without a `Value` in between.
                        match codec::read_lone_position(value) {
                            Some(position) => {
                                crate::text::utf8(entry.qualifier).map_err(|_| {
                                    ErrorKind::InvalidUtf8 {
                                        column: column_name(family, qualifier),
                                        part: "qualifier",
                                    }
                                })?;
                                (position, Pk::String(entry.qualifier))
                            }
                            None => {
                                let (position, pk) =
                                    codec::read_child(family, qualifier, entry.qualifier, value)?;
                                (position, Pk::Value(pk))
                            }
                        }
                    } else {
                        let position = java::read_position(value).ok_or_else(|| {
                            entry
                                .malformed("array child cell does not start with a 4-byte position")
                        })?;
                        (position, Pk::Bytes(&value[4..], Form::Java))
                    };
                    children.push(ChildCells {
                        position,
                        slot: children.len(),
                        pk: Some(pk),
                        family,
                        qualifier,
                        fields: Vec::new(),
                    });
                }
            }
            Codec::Text => {
                if let Some(entry) = parts.plain.first() {
                    return Err(entry
                        .malformed(format!("stands beside the array of maps under key `{key}`"))
                        .into());
                }
                for (_, entries) in &parts.fields {
                    qualifiers.extend(entries.iter().map(|entry| entry.qualifier));
                }
                qualifiers.sort_unstable();
                qualifiers.dedup();
                for (position, qualifier) in qualifiers.iter().enumerate() {
                    let pk = if primary_key.is_composite() {
                        let text =
                            std::str::from_utf8(qualifier).map_err(|_| ErrorKind::InvalidUtf8 {
                                column: column_name(key.as_bytes(), qualifier),
                                part: "qualifier",
                            })?;
                        Pk::Value(primary_key.decode(text).map_err(|message| {
                            ErrorKind::PrimaryKeyCodec {
                                key: key.to_string(),
                                message: format!("decoding \"{}\": {message}", Excerpt::text(text)),
                            }
                        })?)
                    } else {
                        Pk::Bytes(qualifier, Form::Text)
                    };
                    children.push(ChildCells {
                        position: position as u64,
                        slot: position,
                        pk: Some(pk),
                        family: key.as_bytes(),
                        qualifier,
                        fields: Vec::new(),
                    });
                }
            }
        }
        let known = |slot: usize| match mapper.codec {
            Codec::Text => qualifiers.get(slot).copied(),
            Codec::Json | Codec::Java => parts.plain.get(slot).map(|entry| entry.qualifier),
        };
        let dense = parts.fields.iter().all(|(_, entries)| {
            entries.len() == children.len()
                && (entries.iter().enumerate()).all(|(slot, entry)| {
                    known(slot).is_some_and(|q| same_bytes(q, entry.qualifier))
                })
        });
        if !dense {
            place_fields(key, &parts.fields, known, &mut children)?;
        }
        children.sort_unstable_by_key(|child| child.position);
        if let Some((_, child)) = children
            .iter()
            .enumerate()
            .find(|(i, child)| child.position != *i as u64)
        {
            return Err(ErrorKind::malformed(
                child.family,
                child.qualifier,
                "array positions are not 0, 1, 2, ... without gaps or repeats",
            )
            .into());
        }
        Ok(ChildrenAccess {
            key,
            codec: mapper.codec,
            pk_field: primary_key.field_name(),
            dense: dense.then_some(&parts.fields[..]),
            children,
            next: 0,
        })
    }
}

/// Gives each child its own list of fields: a field's cells and the
/// children's qualifiers are both sorted, so they are walked side by side
/// instead of searching for each cell.
fn place_fields<'k, 'a>(
    key: &str,
    fields: FieldGroups<'k, 'a>,
    known: impl Fn(usize) -> Option<&'k [u8]>,
    children: &mut [ChildCells<'k, 'a>],
) -> Result<()> {
    for (field, entries) in fields {
        let mut at = 0;
        for entry in *entries {
            let found = loop {
                match known(at).map(|known| compare_bytes(known, entry.qualifier)) {
                    Some(Ordering::Less) => at += 1,
                    Some(Ordering::Equal) => break Some(at),
                    Some(Ordering::Greater) | None => break None,
                }
            };
            let Some(child) = found.and_then(|at| children.get_mut(at)) else {
                return Err(entry
                    .malformed(format!("no child of `{key}` has this primary key"))
                    .into());
            };
            child.fields.push((field.as_ref(), entry));
        }
    }
    Ok(())
}

impl<'de> SeqAccess<'de> for ChildrenAccess<'_, '_> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        let index = self.next;
        let Some(child) = self.children.get_mut(index) else {
            return Ok(None);
        };
        self.next += 1;
        let key = self.key;
        // The child is read through a reference: the access is not moved
        // into the visitor.
        let mut access = ChildAccess {
            key,
            index,
            codec: self.codec,
            pk_field: self.pk_field,
            pk: child.pk.take(),
            pk_offered: false,
            family: child.family,
            qualifier: child.qualifier,
            fields: match self.dense {
                Some(groups) => ChildFields::Dense {
                    groups: groups.iter(),
                    slot: child.slot,
                },
                None => ChildFields::Sparse(std::mem::take(&mut child.fields).into_iter()),
            },
            current: None,
        };
        seed.deserialize(ChildDeserializer {
            access: &mut access,
        })
        .map(Some)
        .map_err(|err| {
            err.locate(
                || format!("{key}[{index}]"),
                std::any::type_name::<T::Value>(),
            )
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.children.len().saturating_sub(self.next))
    }
}

/// One child, offered as a map.
struct ChildDeserializer<'c, 'k, 'a> {
    access: &'c mut ChildAccess<'k, 'a>,
}

impl<'de> Deserializer<'de> for ChildDeserializer<'_, '_, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_map(self.access)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The primary key first, then the other fields.
struct ChildAccess<'k, 'a> {
    key: &'k str,
    index: usize,
    codec: Codec,
    pk_field: &'k str,
    /// The primary key's value, until it is read.
    pk: Option<Pk<'k>>,
    /// Whether the primary key's name was given out.
    pk_offered: bool,
    family: &'k [u8],
    qualifier: &'k [u8],
    fields: ChildFields<'k, 'a>,
    current: Option<Current<'k, 'a>>,
}

/// A child's fields, with their names.
enum ChildFields<'k, 'a> {
    /// Its cell of every field group, at its slot.
    Dense {
        groups: std::slice::Iter<'k, (Cow<'k, str>, &'k [Entry<'a>])>,
        slot: usize,
    },
    /// Its own list.
    Sparse(std::vec::IntoIter<(&'k str, &'k Entry<'a>)>),
}

impl<'k, 'a> Iterator for ChildFields<'k, 'a> {
    type Item = (&'k str, &'k Entry<'a>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            ChildFields::Dense { groups, slot } => {
                let (name, entries) = groups.next()?;
                Some((name.as_ref(), entries.get(*slot)?))
            }
            ChildFields::Sparse(fields) => fields.next(),
        }
    }
}

/// Whose value is asked for next. Small (the primary key's value stays in
/// [`ChildAccess::pk`]), as it is written and read back for every field.
enum Current<'k, 'a> {
    Pk,
    Field(&'k str, &'k Entry<'a>),
}

impl<'de> MapAccess<'de> for ChildAccess<'_, '_> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let (name, current) = if !self.pk_offered {
            self.pk_offered = true;
            (self.pk_field, Current::Pk)
        } else {
            match self.fields.next() {
                Some((name, entry)) => (name, Current::Field(name, entry)),
                None => return Ok(None),
            }
        };
        self.current = Some(current);
        let this = &*self;
        seed.deserialize(super::NameDeserializer {
            text: name,
            at: move || At {
                family: this.family,
                qualifier: this.qualifier,
                path: Path::ChildField(this.key, this.index, name),
            },
        })
        .map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let (key, index) = (self.key, self.index);
        match self.current.take() {
            Some(Current::Field(name, entry)) => seed.deserialize(ScalarDeserializer {
                bytes: entry.cell.value,
                form: Form::of(self.codec),
                at: At {
                    family: entry.cell.family,
                    qualifier: entry.cell.qualifier,
                    path: Path::ChildField(key, index, name),
                },
                empty_is_none: false,
                bare_string: false,
            }),
            Some(Current::Pk) => {
                let at = At {
                    family: self.family,
                    qualifier: self.qualifier,
                    path: Path::ChildField(key, index, self.pk_field),
                };
                let (bytes, form, bare_string) = match self.pk.take() {
                    Some(Pk::Value(value)) => {
                        return seed.deserialize(value).map_err(|err| {
                            at.mismatch(std::any::type_name::<V::Value>(), err.to_string())
                        });
                    }
                    Some(Pk::Bytes(bytes, form)) => (bytes, form, false),
                    Some(Pk::String(bytes)) => (bytes, Form::Json, true),
                    None => {
                        return Err(<Error as serde::de::Error>::custom(
                            "a value was asked for before its key",
                        ));
                    }
                };
                seed.deserialize(ScalarDeserializer {
                    bytes,
                    form,
                    at,
                    empty_is_none: false,
                    bare_string,
                })
            }
            None => Err(<Error as serde::de::Error>::custom(
                "a value was asked for before its key",
            )),
        }
    }
}
