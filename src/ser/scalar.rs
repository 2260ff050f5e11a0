//! The scalar level: one value's bytes in a cell, or one qualifier's text.
//!
//! Every other serializer ends here for the values it stores. What comes
//! back is the [`Kind`] of scalar written, so that callers can drop a `None`
//! (no cell), tell arrays of maps from arrays of scalars, and write JSON
//! array elements from their text.

use serde::ser::{Impossible, Serialize, Serializer};

use crate::codec::{self, Codec};
use crate::error::{Error, ErrorKind, Result};
use crate::java;

/// What the scalar serializer wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `None`: nothing was written, and the caller keeps no cell.
    Absent,
    /// `()` (JSON `null`).
    Null,
    /// A boolean.
    Bool,
    /// An integer or a float.
    Number,
    /// A string, a `char` or a unit enum variant.
    Str,
    /// A byte buffer, written as it is.
    Bytes,
}

/// The bytes a scalar becomes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Form {
    /// JSON text, as [`Codec::Json`] stores values.
    Json,
    /// Display text: [`Codec::Text`] values, and every qualifier.
    Text,
    /// Java's `Bytes.toBytes`, as [`Codec::Java`] stores values.
    Java,
}

impl Form {
    /// How `codec` stores values.
    pub(crate) fn of(codec: Codec) -> Self {
        match codec {
            Codec::Json => Form::Json,
            Codec::Text => Form::Text,
            Codec::Java => Form::Java,
        }
    }
}

/// Why a value is no scalar; the caller adds the path and Rust type.
pub(crate) fn nested(found: &str) -> Error {
    ErrorKind::UnsupportedType {
        path: String::new(),
        rust_type: "",
        reason: format!(
            "{found} nested deeper than the layout supports (top-level values may be scalars, \
             maps of scalars, arrays of scalars or arrays of maps of scalars)"
        ),
    }
    .into()
}

/// The error for enum variants that carry data.
pub(crate) fn data_variant(variant: &str) -> Error {
    ErrorKind::UnsupportedType {
        path: String::new(),
        rust_type: "",
        reason: format!(
            "enum variant `{variant}` carries data; only unit variants (stored as their name) \
             are supported"
        ),
    }
    .into()
}

/// Writes one scalar in the given form; refuses anything else.
pub(crate) struct ScalarSerializer<'o> {
    pub(crate) out: &'o mut Vec<u8>,
    pub(crate) form: Form,
}

impl ScalarSerializer<'_> {
    #[inline]
    fn integer(self, negative: bool, magnitude: u64, java: &[u8]) -> Result<Kind> {
        match self.form {
            Form::Json | Form::Text => codec::write_integer(negative, magnitude, self.out),
            Form::Java => self.out.extend_from_slice(java),
        }
        Ok(Kind::Number)
    }

    #[inline]
    fn float(self, value: f64, java: &[u8]) -> Result<Kind> {
        match self.form {
            Form::Java => self.out.extend_from_slice(java),
            Form::Json | Form::Text if !value.is_finite() => {
                return Err(ErrorKind::Unrepresentable {
                    path: String::new(),
                    codec: if self.form == Form::Json {
                        "json"
                    } else {
                        "text"
                    },
                    reason: format!("{value} has no JSON form; the java codec stores it"),
                }
                .into());
            }
            // The Value path's own float writer, so both paths write the
            // same text.
            Form::Json | Form::Text => codec::write_f64(value, self.out),
        }
        Ok(Kind::Number)
    }

    fn null(self) -> Result<Kind> {
        match self.form {
            Form::Json => self.out.extend_from_slice(b"null"),
            Form::Text => {}
            Form::Java => {
                return Err(ErrorKind::Unrepresentable {
                    path: String::new(),
                    codec: "java",
                    reason: "`()` has no Java form".into(),
                }
                .into());
            }
        }
        Ok(Kind::Null)
    }
}

// The scalar methods are marked `#[inline]`: every level calls them for
// each value, and left out of line each call paid for a frame and a match
// on the form that the caller could often have folded away (about a
// twentieth of a typed row's instructions).
impl<'o> Serializer for ScalarSerializer<'o> {
    type Ok = Kind;
    type Error = Error;
    type SerializeSeq = Impossible<Kind, Error>;
    type SerializeTuple = Impossible<Kind, Error>;
    type SerializeTupleStruct = Impossible<Kind, Error>;
    type SerializeTupleVariant = Impossible<Kind, Error>;
    type SerializeMap = Impossible<Kind, Error>;
    type SerializeStruct = Impossible<Kind, Error>;
    type SerializeStructVariant = Impossible<Kind, Error>;

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<Kind> {
        match self.form {
            // Two appends of known length: one of a chosen slice calls
            // `memcpy`.
            Form::Json | Form::Text if v => self.out.extend_from_slice(b"true"),
            Form::Json | Form::Text => self.out.extend_from_slice(b"false"),
            Form::Java => self.out.push(if v { java::TRUE } else { java::FALSE }),
        }
        Ok(Kind::Bool)
    }

    #[inline]
    fn serialize_i8(self, v: i8) -> Result<Kind> {
        self.integer(v < 0, v.unsigned_abs().into(), &v.to_be_bytes())
    }

    #[inline]
    fn serialize_i16(self, v: i16) -> Result<Kind> {
        self.integer(v < 0, v.unsigned_abs().into(), &v.to_be_bytes())
    }

    #[inline]
    fn serialize_i32(self, v: i32) -> Result<Kind> {
        self.integer(v < 0, v.unsigned_abs().into(), &v.to_be_bytes())
    }

    #[inline]
    fn serialize_i64(self, v: i64) -> Result<Kind> {
        self.integer(v < 0, v.unsigned_abs(), &v.to_be_bytes())
    }

    // Java has no unsigned types: each widens to the next one that holds it.
    #[inline]
    fn serialize_u8(self, v: u8) -> Result<Kind> {
        self.integer(false, v.into(), &i16::from(v).to_be_bytes())
    }

    #[inline]
    fn serialize_u16(self, v: u16) -> Result<Kind> {
        self.integer(false, v.into(), &i32::from(v).to_be_bytes())
    }

    #[inline]
    fn serialize_u32(self, v: u32) -> Result<Kind> {
        self.integer(false, v.into(), &i64::from(v).to_be_bytes())
    }

    #[inline]
    fn serialize_u64(self, v: u64) -> Result<Kind> {
        match i64::try_from(v) {
            Ok(long) => self.integer(false, v, &long.to_be_bytes()),
            Err(_) if self.form == Form::Java => Err(ErrorKind::Unrepresentable {
                path: String::new(),
                codec: "java",
                reason: format!("{v} is larger than a Java long can hold"),
            }
            .into()),
            Err(_) => self.integer(false, v, &[]),
        }
    }

    #[inline]
    fn serialize_f32(self, v: f32) -> Result<Kind> {
        // As f64, the way serde_json widens an f32; the text reads back as
        // the same f32.
        self.float(f64::from(v), &v.to_be_bytes())
    }

    #[inline]
    fn serialize_f64(self, v: f64) -> Result<Kind> {
        self.float(v, &v.to_be_bytes())
    }

    #[inline]
    fn serialize_char(self, v: char) -> Result<Kind> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<Kind> {
        match self.form {
            Form::Json => codec::write_json_str(v, self.out),
            Form::Text | Form::Java => self.out.extend_from_slice(v.as_bytes()),
        }
        Ok(Kind::Str)
    }

    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result<Kind> {
        self.out.extend_from_slice(v);
        Ok(Kind::Bytes)
    }

    #[inline]
    fn serialize_none(self) -> Result<Kind> {
        Ok(Kind::Absent)
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Kind> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_unit(self) -> Result<Kind> {
        self.null()
    }

    #[inline]
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Kind> {
        self.null()
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Kind> {
        self.serialize_str(variant)
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Kind> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<Kind> {
        Err(data_variant(variant))
    }

    #[inline]
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(nested("an array"))
    }

    #[inline]
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(nested("an array"))
    }

    #[inline]
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(nested("an array"))
    }

    #[inline]
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(data_variant(variant))
    }

    #[inline]
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Err(nested("a map"))
    }

    #[inline]
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Err(nested("a map"))
    }

    #[inline]
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(data_variant(variant))
    }
}

/// Writes a map key's text (a string, number, boolean or unit variant)
/// into `out`, replacing what was there.
pub(crate) fn name<T: ?Sized + Serialize>(key: &T, out: &mut Vec<u8>) -> Result<()> {
    out.clear();
    let kind = key.serialize(ScalarSerializer {
        out,
        form: Form::Text,
    })?;
    match kind {
        Kind::Str | Kind::Number | Kind::Bool => Ok(()),
        Kind::Absent | Kind::Null | Kind::Bytes => Err(ErrorKind::UnsupportedType {
            path: String::new(),
            rust_type: std::any::type_name::<T>(),
            reason: "map keys must be strings, numbers or booleans".into(),
        }
        .into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: Serialize>(value: T) -> String {
        let mut out = Vec::new();
        value
            .serialize(ScalarSerializer {
                out: &mut out,
                form: Form::Text,
            })
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn integers_are_written_like_serde_json() {
        for value in [0i64, 1, -1, 9, 10, -10, i64::MIN, i64::MAX, 1234567890] {
            assert_eq!(text(value), value.to_string());
        }
        assert_eq!(text(u64::MAX), u64::MAX.to_string());
        assert_eq!(text(i8::MIN), "-128");
    }
}
