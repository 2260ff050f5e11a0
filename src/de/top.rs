//! The top level: the row's keys, offered to a struct or map visitor.

use std::borrow::Cow;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::Path;
use super::key::KeyDeserializer;
use crate::error::{Error, ErrorKind, Result};
use crate::hydrate::{KeyCells, Keys};
use crate::mapper::Mapper;

/// The whole row.
pub(crate) struct TopDeserializer<'m, 'k, 'e, 'a> {
    pub(crate) mapper: &'m Mapper,
    pub(crate) keys: &'k Keys<'e, 'a>,
}

impl<'de> Deserializer<'de> for TopDeserializer<'_, '_, '_, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_map(TopAccess {
            mapper: self.mapper,
            keys: self.keys.iter(),
            current: None,
        })
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(ErrorKind::NotAnObject { found: "an array" }.into())
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct map struct enum
        identifier ignored_any
    }
}

/// The keys, in byte order of their names. They are lent, not moved out
/// one by one: a key and its cells are eight words to copy, twice.
struct TopAccess<'m, 'k, 'e, 'a> {
    mapper: &'m Mapper,
    keys: std::slice::Iter<'k, (Cow<'e, str>, KeyCells<'e, 'a>)>,
    current: Option<&'k (Cow<'e, str>, KeyCells<'e, 'a>)>,
}

impl<'de> MapAccess<'de> for TopAccess<'_, '_, '_, '_> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some(current) = self.keys.next() else {
            return Ok(None);
        };
        let (key, parts) = current;
        let value = seed.deserialize(super::NameDeserializer {
            text: key,
            at: || {
                let (family, qualifier) = parts
                    .first()
                    .map(|entry| (entry.cell.family, entry.cell.qualifier))
                    .unwrap_or_default();
                super::At {
                    family,
                    qualifier,
                    path: Path::Key(key),
                }
            },
        })?;
        self.current = Some(current);
        Ok(Some(value))
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let Some((key, parts)) = self.current.take() else {
            return Err(<Error as serde::de::Error>::custom(
                "a value was asked for before its key",
            ));
        };
        seed.deserialize(KeyDeserializer {
            mapper: self.mapper,
            key,
            parts,
        })
        .map_err(|err| err.locate(|| key.to_string(), std::any::type_name::<V::Value>()))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.keys.len())
    }
}
