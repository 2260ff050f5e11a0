//! Cells -> typed values: a serde `Deserializer` over one row's cells.
//!
//! Mirrors [`crate::ser`], one module per level: [`top`] (the object),
//! [`key`] (one top-level key, which reads its cells as the shape the Rust
//! type asks for), [`field`] (a map of scalars), [`seq`] (an array of
//! scalars), [`child`] (an array of maps) and [`scalar`] (one value). The
//! cells are gathered by key with the Value path's own code (`hydrate.rs`),
//! so both paths read the same cells the same way.

mod child;
mod field;
mod key;
mod scalar;
mod seq;
mod top;

use std::fmt;

use serde::de::DeserializeOwned;

use crate::cell::CellRef;
use crate::error::{Error, ErrorKind, Result, column_name};
use crate::mapper::Mapper;

/// Hydrates cells into any `Deserialize` type, without going through
/// `serde_json::Value`. Same as [`Mapper::from_cells`].
///
/// ```
/// use capjure::{Cell, KeyConfig, Mapper};
///
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Painting { houses: u32, road: Road }
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Road { name: String, speed: u8 }
///
/// let cells = [
///     Cell::new("houses", "", "4"),
///     Cell::new("road", "name", "\"101N\""),
///     Cell::new("road", "speed", "65"),
/// ];
/// let painting: Painting = capjure::from_cells(&cells, &Mapper::default())?;
/// assert_eq!(painting, Painting { houses: 4, road: Road { name: "101N".into(), speed: 65 } });
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn from_cells<'a, T, I>(cells: I, mapper: &Mapper) -> Result<T>
where
    T: DeserializeOwned,
    I: IntoIterator,
    I::Item: Into<CellRef<'a>>,
{
    mapper.check_usable()?;
    crate::hydrate::with_keys(mapper, cells.into_iter().map(Into::into), |keys| {
        T::deserialize(top::TopDeserializer { mapper, keys })
    })
}

impl Mapper {
    /// Hydrates one row's cells (one version per column, in any order)
    /// into a typed value: a struct or a map.
    ///
    /// The Rust type says what shape each key's cells are read as, so this
    /// reads every codec, including [`Codec::Java`](crate::Codec::Java)
    /// whose values carry no type, and reads [`Codec::Text`](crate::Codec::Text)
    /// numbers and booleans back as numbers and booleans. A key with no
    /// cells reads as `None` (or serde's `default`); any other missing key
    /// is serde's `missing field` error. Keys the type does not name are
    /// ignored (unless it says `deny_unknown_fields`).
    ///
    /// ```
    /// use capjure::{Codec, KeyConfig, Mapper};
    /// use serde::{Deserialize, Serialize};
    ///
    /// #[derive(Serialize, Deserialize, Debug, PartialEq)]
    /// struct Visit { hits: i64, pages: Vec<String>, referrer: Option<String> }
    ///
    /// let mapper = Mapper::new(KeyConfig::new()).with_codec(Codec::Text);
    /// let visit = Visit { hits: 3, pages: vec!["/a".into(), "/b".into()], referrer: None };
    /// let cells = mapper.to_cells(&visit)?;
    /// assert_eq!(mapper.from_cells::<Visit, _>(&cells)?, visit);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn from_cells<'a, T, I>(&self, cells: I) -> Result<T>
    where
        T: DeserializeOwned,
        I: IntoIterator,
        I::Item: Into<CellRef<'a>>,
    {
        from_cells(cells, self)
    }
}

/// A key known to be text (a struct field's or a top-level key's name):
/// given to the visitor as it is, or parsed for a map with non-string keys.
/// Where the key is read from is worked out only when the parse needs it
/// (`at`): every field name would otherwise build a ten-word location on
/// the stack that only errors read.
pub(crate) struct NameDeserializer<'p, L> {
    pub(crate) text: &'p str,
    pub(crate) at: L,
}

impl<'de, 'p, L: FnOnce() -> At<'p>> serde::Deserializer<'de> for NameDeserializer<'p, L> {
    type Error = Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(self.text)
    }

    #[inline]
    fn deserialize_identifier<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(self.text)
    }

    #[inline]
    fn deserialize_str<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(self.text)
    }

    #[inline]
    fn deserialize_string<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_str(self.text)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 bytes byte_buf unit unit_struct seq tuple tuple_struct map struct ignored_any
    }

    fn deserialize_bool<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_bool(visitor)
    }
    fn deserialize_i8<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_i8(visitor)
    }
    fn deserialize_i16<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_i16(visitor)
    }
    fn deserialize_i32<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_i32(visitor)
    }
    fn deserialize_i64<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_i64(visitor)
    }
    fn deserialize_u8<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_u8(visitor)
    }
    fn deserialize_u16<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_u16(visitor)
    }
    fn deserialize_u32<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_u32(visitor)
    }
    fn deserialize_u64<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_u64(visitor)
    }
    fn deserialize_f32<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_f32(visitor)
    }
    fn deserialize_f64<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_f64(visitor)
    }
    fn deserialize_char<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.parsed().deserialize_char(visitor)
    }
    fn deserialize_option<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }
    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.parsed().deserialize_enum(name, variants, visitor)
    }
}

impl<'p, L: FnOnce() -> At<'p>> NameDeserializer<'p, L> {
    #[inline]
    fn parsed(self) -> scalar::ScalarDeserializer<'p> {
        scalar::ScalarDeserializer {
            bytes: self.text.as_bytes(),
            form: crate::ser::Form::Text,
            at: (self.at)(),
            empty_is_none: false,
            bare_string: false,
        }
    }
}

/// A field or map key, read as its type asks: a struct's field name, or
/// a map key parsed from its text (`BTreeMap<u32, _>`).
pub(crate) fn name<'p>(
    text: &'p [u8],
    family: &'p [u8],
    qualifier: &'p [u8],
    path: Path<'p>,
) -> scalar::ScalarDeserializer<'p> {
    scalar::ScalarDeserializer {
        bytes: text,
        form: crate::ser::Form::Text,
        at: At {
            family,
            qualifier,
            path,
        },
        empty_is_none: false,
        bare_string: false,
    }
}

/// Where a value is read from: its column and its path in the object.
#[derive(Clone, Copy)]
pub(crate) struct At<'p> {
    pub(crate) family: &'p [u8],
    pub(crate) qualifier: &'p [u8],
    pub(crate) path: Path<'p>,
}

impl At<'_> {
    pub(crate) fn column(&self) -> String {
        column_name(self.family, self.qualifier)
    }

    pub(crate) fn mismatch(&self, rust_type: &'static str, reason: impl Into<String>) -> Error {
        ErrorKind::TypeMismatch {
            path: self.path.to_string(),
            column: self.column(),
            rust_type,
            reason: reason.into(),
        }
        .into()
    }
}

/// A value's place in the object, printed like `cars[1].make`.
#[derive(Clone, Copy)]
pub(crate) enum Path<'p> {
    /// A top-level key.
    Key(&'p str),
    /// A field of the map under a key.
    Field(&'p str, &'p [u8]),
    /// An element of the array under a key.
    Element(&'p str, usize),
    /// A field of a child of the array of maps under a key.
    ChildField(&'p str, usize, &'p str),
}

impl fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::Key(key) => write!(f, "{key}"),
            Path::Field(key, field) => write!(f, "{key}.{}", String::from_utf8_lossy(field)),
            Path::Element(key, index) => write!(f, "{key}[{index}]"),
            Path::ChildField(key, index, field) => write!(f, "{key}[{index}].{field}"),
        }
    }
}
