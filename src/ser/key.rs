//! The value of one top-level key, which picks the shape of its cells: a
//! scalar is one cell `k:`, a struct or map is a map of scalars, a sequence
//! an array.

use serde::Serialize;
use serde::ser::{Impossible, Serializer};

use super::field::FieldsSerializer;
use super::scalar::{self, Kind, ScalarSerializer};
use super::seq::SeqSerializer;
use super::{State, check_marker};
use crate::error::{Error, Result};

/// Serializes the value under `key`; the state's group is the key's.
pub(crate) struct KeySerializer<'s, 'm> {
    pub(crate) state: &'s mut State<'m>,
    pub(crate) key: &'s str,
}

impl KeySerializer<'_, '_> {
    /// Writes the scalar `write` produces as the cell `k:`.
    #[inline]
    fn scalar(self, write: impl FnOnce(ScalarSerializer<'_>) -> Result<Kind>) -> Result<()> {
        let form = self.state.form();
        let key = self.key;
        let State {
            mapper,
            cells,
            group_at: group,
            ..
        } = self.state;
        mapper
            .naming
            .push_if(cells, group, b"", |out| -> Result<bool> {
                let start = out.len();
                match write(ScalarSerializer { out, form })? {
                    Kind::Absent => Ok(false),
                    _ => {
                        check_marker(form, &out[start..], || key.to_string())?;
                        Ok(true)
                    }
                }
            })?;
        Ok(())
    }
}

impl<'s, 'm> Serializer for KeySerializer<'s, 'm> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = SeqSerializer<'s, 'm>;
    type SerializeTuple = SeqSerializer<'s, 'm>;
    type SerializeTupleStruct = SeqSerializer<'s, 'm>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = FieldsSerializer<'s, 'm>;
    type SerializeStruct = FieldsSerializer<'s, 'm>;
    type SerializeStructVariant = Impossible<(), Error>;

    scalars! {
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
    }

    #[inline]
    fn serialize_none(self) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    #[inline]
    fn serialize_unit(self) -> Result<()> {
        self.scalar(|s| s.serialize_unit())
    }

    #[inline]
    fn serialize_unit_struct(self, name: &'static str) -> Result<()> {
        self.scalar(|s| s.serialize_unit_struct(name))
    }

    #[inline]
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.scalar(|s| s.serialize_unit_variant(name, index, variant))
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == crate::counter::COUNTER {
            // A counter is the 8-byte cell HBase's Increment writes,
            // whatever the codec.
            let counter = value.serialize(crate::counter::CounterCapture)?;
            return self.scalar(|s| s.serialize_bytes(&counter.to_be_bytes()));
        }
        value.serialize(self)
    }

    #[inline]
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<()> {
        Err(scalar::data_variant(variant))
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq> {
        Ok(SeqSerializer::new(self.state, self.key, len.unwrap_or(0)))
    }

    #[inline]
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple> {
        Ok(SeqSerializer::new(self.state, self.key, len))
    }

    #[inline]
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Ok(SeqSerializer::new(self.state, self.key, len))
    }

    #[inline]
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(scalar::data_variant(variant))
    }

    #[inline]
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        Ok(FieldsSerializer::new(self.state, self.key))
    }

    #[inline]
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        Ok(FieldsSerializer::new(self.state, self.key))
    }

    #[inline]
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(scalar::data_variant(variant))
    }
}
