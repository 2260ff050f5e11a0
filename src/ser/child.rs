//! One map in an array of maps. Its fields are kept (encoded) until the
//! whole array is known, because children are written sorted by primary
//! key and two with the same key are an error.

use std::ops::Range;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct};
use serde_json::{Map, Value};

use super::scalar::{Kind, ScalarSerializer, name};
use super::seq::SeqSerializer;
use crate::error::{Error, ErrorKind, Result};

/// A gathered child.
pub(crate) struct Child {
    /// Its position in the array.
    pub(crate) index: usize,
    /// Its fields, in the array's field list.
    pub(crate) fields: Range<usize>,
    /// What the primary-key encoder sees: the primary-key field, or every
    /// field for a composite key.
    pub(crate) values: Map<String, Value>,
}

/// A field's name and encoded value in the scratch buffer.
pub(crate) struct FieldSpan {
    pub(crate) name: Range<usize>,
    pub(crate) value: Range<usize>,
}

/// Gathers the fields of one child.
pub(crate) struct ChildSerializer<'a, 's, 'm> {
    seq: &'a mut SeqSerializer<'s, 'm>,
    index: usize,
    first_field: usize,
    pk_field: &'m str,
    composite: bool,
    values: Map<String, Value>,
}

impl<'a, 's, 'm> ChildSerializer<'a, 's, 'm> {
    pub(crate) fn new(seq: &'a mut SeqSerializer<'s, 'm>, index: usize) -> Result<Self> {
        let mapper = seq.state.mapper;
        let Some(primary_key) = mapper.keys.get(seq.key) else {
            return Err(ErrorKind::NoPrimaryKey {
                key: seq.key.to_string(),
            }
            .into());
        };
        let first_field = seq.fields.len();
        Ok(ChildSerializer {
            seq,
            index,
            first_field,
            pk_field: primary_key.field_name(),
            composite: primary_key.is_composite(),
            values: Map::new(),
        })
    }

    /// `name` is at `name_start..` in the scratch buffer.
    fn field<T: ?Sized + Serialize>(&mut self, name_start: usize, value: &T) -> Result<()> {
        let form = self.seq.state.form();
        let scratch = &mut self.seq.state.scratch;
        let name_end = scratch.len();
        let kind = value.serialize(ScalarSerializer { out: scratch, form });
        let name = String::from_utf8_lossy(&scratch[name_start..name_end]).into_owned();
        let (key, index) = (self.seq.key, self.index);
        let kind = kind.map_err(|err| {
            err.locate(
                || format!("{key}[{index}].{name}"),
                std::any::type_name::<T>(),
            )
        })?;
        if kind == Kind::Absent {
            scratch.truncate(name_start);
            return Ok(());
        }
        let value_end = scratch.len();
        if self.composite || name == self.pk_field {
            // The encoder and the index cell take the serde_json form.
            let json = serde_json::to_value(value).map_err(|err| ErrorKind::Serde {
                path: format!("{key}[{index}].{name}"),
                message: err.to_string(),
            })?;
            self.values.insert(name, json);
        }
        self.seq.fields.push(FieldSpan {
            name: name_start..name_end,
            value: name_end..value_end,
        });
        Ok(())
    }

    fn finish(self) -> Result<()> {
        self.seq.children.push(Child {
            index: self.index,
            fields: self.first_field..self.seq.fields.len(),
            values: self.values,
        });
        Ok(())
    }
}

impl SerializeStruct for ChildSerializer<'_, '_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        field: &'static str,
        value: &T,
    ) -> Result<()> {
        let scratch = &mut self.seq.state.scratch;
        let start = scratch.len();
        scratch.extend_from_slice(field.as_bytes());
        self.field(start, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl SerializeMap for ChildSerializer<'_, '_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let (array, index) = (self.seq.key, self.index);
        name(key, &mut self.seq.state.name).map_err(|err| {
            err.locate(
                || format!("{array}[{index}].<key>"),
                std::any::type_name::<T>(),
            )
        })
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let state = &mut *self.seq.state;
        let start = state.scratch.len();
        state.scratch.extend_from_slice(&state.name);
        self.field(start, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}
