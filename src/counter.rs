//! Counter fields of entities: an 8-byte big-endian `i64` cell, as HBase's
//! Increment writes it, whatever the entity's codec.
//!
//! The derive wraps a `counter` field in [`CounterRef`] to serialize it
//! and in [`Counter`] to read it. Both go through a newtype struct named
//! [`COUNTER`]: capjure's serializer and deserializer recognize the name
//! and store the raw 8 bytes, while any other serde format (a JSON API
//! response, say) sees the plain integer inside.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{self, Impossible, Serialize, Serializer};

use crate::entity::CounterColumn;
use crate::error::{Error, Result};
use crate::mapper::Mapper;

/// The newtype name that marks a counter.
pub const COUNTER: &str = "$capjure::private::Counter";

/// Integer types a counter field can have; HBase counters are `i64`.
pub trait CounterValue: Sized + Copy {
    /// The counter's value, or why it does not fit an `i64`.
    fn to_counter(self) -> std::result::Result<i64, String>;
    /// The field's value, or why the counter does not fit the type.
    fn from_counter(value: i64) -> std::result::Result<Self, String>;
}

macro_rules! counter_value {
    ($($ty:ty)*) => {$(
        impl CounterValue for $ty {
            fn to_counter(self) -> std::result::Result<i64, String> {
                i64::try_from(self).map_err(|_| {
                    format!("{self} does not fit the 8-byte signed counter HBase increments")
                })
            }

            fn from_counter(value: i64) -> std::result::Result<Self, String> {
                <$ty>::try_from(value).map_err(|_| {
                    format!("the counter holds {value}, which does not fit `{}`", stringify!($ty))
                })
            }
        }
    )*};
}

counter_value!(i8 i16 i32 i64 u8 u16 u32 u64);

/// Serializes a counter field.
pub struct CounterRef<'a, T>(pub &'a T);

impl<T: CounterValue> Serialize for CounterRef<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let value = self.0.to_counter().map_err(ser::Error::custom)?;
        serializer.serialize_newtype_struct(COUNTER, &value)
    }
}

/// Deserializes a counter field.
pub struct Counter<T>(pub T);

impl<'de, T: CounterValue> Deserialize<'de> for Counter<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(COUNTER, CounterVisitor(PhantomData))
    }
}

struct CounterVisitor<T>(PhantomData<T>);

impl<T: CounterValue> CounterVisitor<T> {
    fn value<E: de::Error>(value: i64) -> std::result::Result<Counter<T>, E> {
        T::from_counter(value).map(Counter).map_err(E::custom)
    }
}

impl<'de, T: CounterValue> Visitor<'de> for CounterVisitor<T> {
    type Value = Counter<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an 8-byte big-endian counter")
    }

    /// The cell's bytes, from capjure's deserializer.
    fn visit_bytes<E: de::Error>(self, bytes: &[u8]) -> std::result::Result<Self::Value, E> {
        match bytes.try_into() {
            Ok(bytes) => Self::value(i64::from_be_bytes(bytes)),
            Err(_) => Err(E::custom(format!(
                "a counter cell holds 8 bytes, and this one holds {}",
                bytes.len()
            ))),
        }
    }

    /// Any other format: the integer inside.
    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        Self::value(i64::deserialize(deserializer)?)
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> std::result::Result<Self::Value, E> {
        Self::value(value)
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> std::result::Result<Self::Value, E> {
        let value = i64::try_from(value).map_err(|_| E::custom("the counter exceeds i64"))?;
        Self::value(value)
    }
}

/// The value of a counter field with no cell: 0, where HBase's Increment
/// starts a counter.
pub fn missing_counter<T: CounterValue, E: de::Error>() -> std::result::Result<T, E> {
    T::from_counter(0).map_err(E::custom)
}

/// The cells of the counter fields `(field, column)` under `mapper`'s
/// layout.
pub fn counters(mapper: &Mapper, fields: &[(&'static str, &'static str)]) -> Vec<CounterColumn> {
    fields
        .iter()
        .map(|&(field, column)| {
            let (family, qualifier) = mapper.naming.scalar_column(column);
            CounterColumn {
                field,
                column,
                family,
                qualifier,
            }
        })
        .collect()
}

/// Takes the `i64` a [`CounterRef`] hands capjure's serializer.
pub(crate) struct CounterCapture;

fn not_a_counter() -> Error {
    ser::Error::custom("only an integer can be a counter")
}

macro_rules! reject {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method(self, _: $ty) -> Result<i64> {
            Err(not_a_counter())
        }
    )*};
}

impl Serializer for CounterCapture {
    type Ok = i64;
    type Error = Error;
    type SerializeSeq = Impossible<i64, Error>;
    type SerializeTuple = Impossible<i64, Error>;
    type SerializeTupleStruct = Impossible<i64, Error>;
    type SerializeTupleVariant = Impossible<i64, Error>;
    type SerializeMap = Impossible<i64, Error>;
    type SerializeStruct = Impossible<i64, Error>;
    type SerializeStructVariant = Impossible<i64, Error>;

    fn serialize_i64(self, value: i64) -> Result<i64> {
        Ok(value)
    }

    reject! {
        serialize_bool(bool), serialize_i8(i8), serialize_i16(i16), serialize_i32(i32),
        serialize_u8(u8), serialize_u16(u16), serialize_u32(u32), serialize_u64(u64),
        serialize_f32(f32), serialize_f64(f64), serialize_char(char), serialize_str(&str),
        serialize_bytes(&[u8]), serialize_unit_struct(&'static str)
    }

    fn serialize_none(self) -> Result<i64> {
        Err(not_a_counter())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<i64> {
        Err(not_a_counter())
    }
    fn serialize_unit(self) -> Result<i64> {
        Err(not_a_counter())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<i64> {
        Err(not_a_counter())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<i64> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<i64> {
        Err(not_a_counter())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_a_counter())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_a_counter())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_a_counter())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_a_counter())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_counter())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_counter())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_a_counter())
    }
}
