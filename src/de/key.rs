//! One top-level key: its cells read as the shape the Rust type asks for.

use serde::de::{Deserializer, Visitor};

use super::child::ChildrenAccess;
use super::field::FieldsAccess;
use super::scalar::ScalarDeserializer;
use super::seq::ElementsAccess;
use super::{At, Path};
use crate::codec::{Codec, JsonCell};
use crate::error::{Error, ErrorKind, Result};
use crate::hydrate::{Entry, KeyCells};
use crate::mapper::Mapper;
use crate::ser::Form;

/// The cells of the key `key`.
pub(crate) struct KeyDeserializer<'k, 'e, 'a> {
    pub(crate) mapper: &'k Mapper,
    pub(crate) key: &'k str,
    pub(crate) parts: &'k KeyCells<'e, 'a>,
}

impl<'k, 'e, 'a> KeyDeserializer<'k, 'e, 'a> {
    fn first(&self) -> Option<&'k Entry<'a>> {
        self.parts.first()
    }

    fn mismatch<T>(&self, reason: &str) -> Error {
        let (family, qualifier) = self
            .first()
            .map(|entry| (entry.cell.family, entry.cell.qualifier))
            .unwrap_or_default();
        At {
            family,
            qualifier,
            path: Path::Key(self.key),
        }
        .mismatch(std::any::type_name::<T>(), reason)
    }

    /// The one cell `k:` of a scalar.
    #[inline]
    fn scalar<T>(&self) -> Result<ScalarDeserializer<'k>> {
        match (self.parts.plain, self.parts.fields.is_empty()) {
            ([entry], true) if entry.qualifier.is_empty() => Ok(ScalarDeserializer {
                bytes: entry.cell.value,
                form: Form::of(self.mapper.codec),
                at: At {
                    family: entry.cell.family,
                    qualifier: entry.cell.qualifier,
                    path: Path::Key(self.key),
                },
                empty_is_none: false,
                bare_string: false,
            }),
            _ => Err(self.mismatch::<T>(
                "a scalar is one cell with an empty qualifier, and this key has other cells",
            )),
        }
    }

    /// Whether the key holds the marker of an empty map or array.
    fn is_empty_marker(&self, map: bool) -> bool {
        let [entry] = self.parts.plain else {
            return false;
        };
        if !self.parts.fields.is_empty() || !entry.qualifier.is_empty() {
            return false;
        }
        match self.mapper.codec {
            Codec::Json => entry.cell.value == if map { &b"{}"[..] } else { &b"[]"[..] },
            Codec::Java => entry.cell.value.is_empty(),
            Codec::Text => false,
        }
    }

    /// Whether an array under this key is an array of maps.
    fn holds_children(&self) -> bool {
        if !self.parts.fields.is_empty() {
            return true;
        }
        match self.mapper.codec {
            Codec::Json => self
                .parts
                .plain
                .first()
                .is_some_and(|entry| JsonCell::of(entry.cell.value) == JsonCell::Child),
            // Values carry no shape: a configured key holds maps.
            Codec::Java => self.mapper.keys.get(self.key).is_some(),
            Codec::Text => false,
        }
    }
}

macro_rules! scalar {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                self.scalar::<V::Value>()?.$method(visitor)
            }
        )*
    };
}

impl<'de> Deserializer<'de> for KeyDeserializer<'_, '_, '_> {
    type Error = Error;

    /// Without a type to go by, read the key the way `hydrate` does.
    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = match self.mapper.codec {
            Codec::Json => crate::hydrate::json_value(self.mapper, self.key, self.parts)?,
            Codec::Text => crate::hydrate::text_value(self.mapper, self.key, self.parts)?,
            Codec::Java => return Err(crate::hydrate::untyped(self.parts).into()),
        };
        serde::Deserializer::deserialize_any(value, visitor).map_err(|err| {
            ErrorKind::Serde {
                path: self.key.to_string(),
                message: err.to_string(),
            }
            .into()
        })
    }

    scalar! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_f32 deserialize_f64 deserialize_char deserialize_str deserialize_string
        deserialize_bytes deserialize_byte_buf deserialize_unit deserialize_identifier
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // `None` writes no cell; the Value path writes JSON `null`.
        if self.mapper.codec == Codec::Json {
            if let ([entry], true) = (self.parts.plain, self.parts.fields.is_empty()) {
                if entry.qualifier.is_empty() && entry.cell.value == b"null" {
                    return visitor.visit_none();
                }
            }
        }
        visitor.visit_some(self)
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.scalar::<V::Value>()?.deserialize_unit(visitor)
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == crate::counter::COUNTER {
            // The counter's raw 8 bytes, whatever the codec.
            return self.scalar::<V::Value>()?.deserialize_bytes(visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_empty_marker(false) {
            return visitor.visit_seq(ElementsAccess::empty());
        }
        if self.holds_children() {
            let access = ChildrenAccess::new(self.mapper, self.key, self.parts)?;
            return visitor.visit_seq(access);
        }
        let access = ElementsAccess::new(self.mapper.codec, self.key, self.parts)?;
        visitor.visit_seq(access)
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.is_empty_marker(true) {
            return visitor.visit_map(FieldsAccess::empty(self.mapper.codec, self.key));
        }
        if !self.parts.fields.is_empty() {
            return Err(
                self.mismatch::<V::Value>("an array of maps is stored here, not a map of scalars")
            );
        }
        let access = FieldsAccess::new(self.mapper.codec, self.key, self.parts.plain)?;
        visitor.visit_map(access)
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.scalar::<V::Value>()?
            .deserialize_enum(name, variants, visitor)
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}
