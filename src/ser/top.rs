//! The top level: a struct or map whose fields are the row's keys.

use serde::Serialize;
use serde::ser::{Impossible, SerializeMap, SerializeStruct, Serializer};

use super::State;
use super::scalar::name;
use crate::error::{Error, ErrorKind, Result};

/// Accepts the object being flattened: a struct or a map.
pub(crate) struct TopSerializer<'s, 'm> {
    pub(crate) state: &'s mut State<'m>,
}

fn not_an_object(found: &'static str) -> Error {
    ErrorKind::NotAnObject { found }.into()
}

impl<'s, 'm> Serializer for TopSerializer<'s, 'm> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = TopFields<'s, 'm>;
    type SerializeStruct = TopFields<'s, 'm>;
    type SerializeStructVariant = Impossible<(), Error>;

    fn serialize_bool(self, _: bool) -> Result<()> {
        Err(not_an_object("a boolean"))
    }
    fn serialize_i8(self, _: i8) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_i16(self, _: i16) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_i32(self, _: i32) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_i64(self, _: i64) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_u8(self, _: u8) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_u16(self, _: u16) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_u32(self, _: u32) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_u64(self, _: u64) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_f32(self, _: f32) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_f64(self, _: f64) -> Result<()> {
        Err(not_an_object("a number"))
    }
    fn serialize_char(self, _: char) -> Result<()> {
        Err(not_an_object("a string"))
    }
    fn serialize_str(self, _: &str) -> Result<()> {
        Err(not_an_object("a string"))
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<()> {
        Err(not_an_object("bytes"))
    }
    fn serialize_none(self) -> Result<()> {
        Err(not_an_object("null"))
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        Err(not_an_object("null"))
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        Err(not_an_object("null"))
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<()> {
        Err(not_an_object("a string"))
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<()> {
        Err(not_an_object("an enum variant"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_an_object("an array"))
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_an_object("an array"))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_an_object("an array"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_an_object("an enum variant"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Ok(TopFields { state: self.state })
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Ok(TopFields { state: self.state })
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_an_object("an enum variant"))
    }
}

/// The fields of the object: each is one top-level key.
pub(crate) struct TopFields<'s, 'm> {
    state: &'s mut State<'m>,
}

impl SerializeStruct for TopFields<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        self.state.static_key(key, value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl SerializeMap for TopFields<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        name(key, self.state.name)
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let key = std::mem::take(&mut *self.state.name);
        let result = match std::str::from_utf8(&key) {
            Ok(text) => self.state.key(text, value),
            Err(_) => Err(ErrorKind::UnsupportedType {
                path: String::from_utf8_lossy(&key).into_owned(),
                rust_type: std::any::type_name::<T>(),
                reason: "its key is not valid UTF-8".into(),
            }
            .into()),
        };
        *self.state.name = key;
        result
    }

    #[inline]
    fn end(self) -> Result<()> {
        Ok(())
    }
}
