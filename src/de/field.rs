//! A map of scalars under a key: one cell `k:field` per field.

use serde::de::{DeserializeSeed, MapAccess};

use super::scalar::ScalarDeserializer;
use super::{At, Path};
use crate::codec::Codec;
use crate::error::{Error, Result};
use crate::hydrate::Entry;
use crate::ser::Form;

/// The fields of the map under `key`.
pub(crate) struct FieldsAccess<'k, 'a> {
    codec: Codec,
    key: &'k str,
    entries: std::slice::Iter<'k, Entry<'a>>,
    current: Option<&'k Entry<'a>>,
}

impl<'k, 'a> FieldsAccess<'k, 'a> {
    pub(crate) fn new(codec: Codec, key: &'k str, entries: &'k [Entry<'a>]) -> Result<Self> {
        if let Some(entry) = entries.iter().find(|entry| entry.qualifier.is_empty()) {
            return Err(entry
                .malformed(format!(
                    "has an empty qualifier beside the fields of map `{key}`"
                ))
                .into());
        }
        Ok(FieldsAccess {
            codec,
            key,
            entries: entries.iter(),
            current: None,
        })
    }

    pub(crate) fn empty(codec: Codec, key: &'k str) -> Self {
        FieldsAccess {
            codec,
            key,
            entries: [].iter(),
            current: None,
        }
    }
}

impl<'de> MapAccess<'de> for FieldsAccess<'_, '_> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some(entry) = self.entries.next() else {
            return Ok(None);
        };
        self.current = Some(entry);
        seed.deserialize(super::name(
            entry.qualifier,
            entry.cell.family,
            entry.cell.qualifier,
            Path::Field(self.key, entry.qualifier),
        ))
        .map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let Some(entry) = self.current.take() else {
            return Err(<Error as serde::de::Error>::custom(
                "a value was asked for before its key",
            ));
        };
        seed.deserialize(ScalarDeserializer {
            bytes: entry.cell.value,
            form: Form::of(self.codec),
            at: At {
                family: entry.cell.family,
                qualifier: entry.cell.qualifier,
                path: Path::Field(self.key, entry.qualifier),
            },
            empty_is_none: false,
            bare_string: false,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}
