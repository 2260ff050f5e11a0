//! One map in an array of maps. Its fields are kept (encoded) until the
//! whole array is known, because children are written sorted by primary
//! key and two with the same key are an error.

use std::ops::Range;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct};
use serde_json::{Map, Value};

use super::scalar::{Form, Kind, ScalarSerializer, name};
use super::seq::SeqSerializer;
use crate::error::{Error, ErrorKind, Result};

/// A gathered child.
pub(crate) struct Child {
    /// Its position in the array.
    pub(crate) index: usize,
    /// Its fields, in the array's field list.
    pub(crate) fields: Range<usize>,
    /// For a composite key, what its encoder sees: every field, as
    /// `serde_json` values. Empty otherwise.
    pub(crate) values: Map<String, Value>,
    /// The primary-key field's text (its qualifier) and kind.
    pub(crate) pk: Option<(Range<usize>, Kind)>,
}

/// A field's name and encoded value in the scratch buffer.
pub(crate) struct FieldSpan {
    pub(crate) name: Range<usize>,
    pub(crate) value: Range<usize>,
    /// Whether this is the primary-key field.
    pub(crate) is_pk: bool,
}

/// Gathers the fields of one child.
pub(crate) struct ChildSerializer<'a, 's, 'm> {
    seq: &'a mut SeqSerializer<'s, 'm>,
    index: usize,
    first_field: usize,
    pk_field: &'m str,
    composite: bool,
    values: Map<String, Value>,
    pk: Option<(Range<usize>, Kind)>,
}

impl<'a, 's, 'm> ChildSerializer<'a, 's, 'm> {
    pub(crate) fn new(seq: &'a mut SeqSerializer<'s, 'm>, index: usize) -> Result<Self> {
        let Some(primary_key) = seq.primary_key() else {
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
            pk: None,
        })
    }

    /// `name` is at `name_start..` in the scratch buffer.
    fn field<T: ?Sized + Serialize>(&mut self, name_start: usize, value: &T) -> Result<()> {
        let form = self.seq.state.form();
        let (key, index) = (self.seq.key, self.index);
        let scratch = &mut self.seq.state.scratch;
        let name_end = scratch.len();
        let path = |scratch: &[u8]| {
            let name = String::from_utf8_lossy(&scratch[name_start..name_end]);
            format!("{key}[{index}].{name}")
        };
        let kind = match value.serialize(ScalarSerializer { out: scratch, form }) {
            Ok(kind) => kind,
            Err(err) => return Err(err.locate(|| path(scratch), std::any::type_name::<T>())),
        };
        if kind == Kind::Absent {
            scratch.truncate(name_start);
            return Ok(());
        }
        let value_end = scratch.len();
        let is_pk = &scratch[name_start..name_end] == self.pk_field.as_bytes();
        if is_pk {
            // The qualifier is the key's text, whatever the codec.
            let start = scratch.len();
            value.serialize(ScalarSerializer {
                out: scratch,
                form: Form::Text,
            })?;
            self.pk = Some((start..scratch.len(), kind));
        }
        if self.composite {
            // A composite key's encoder takes the serde_json form.
            let json = serde_json::to_value(value).map_err(|err| ErrorKind::Serde {
                path: path(scratch),
                message: err.to_string(),
            })?;
            let name = String::from_utf8_lossy(&scratch[name_start..name_end]).into_owned();
            self.values.insert(name, json);
        }
        self.seq.fields.push(FieldSpan {
            name: name_start..name_end,
            value: name_end..value_end,
            is_pk,
        });
        Ok(())
    }

    fn finish(self) -> Result<()> {
        let seq = &mut *self.seq;
        if seq.children.is_empty() {
            // Children usually have the same fields: size both lists from
            // the first child instead of growing them one push at a time.
            let rest = seq.len().saturating_sub(1);
            seq.children.reserve(rest + 1);
            seq.fields.reserve(seq.fields.len().saturating_mul(rest));
        }
        seq.children.push(Child {
            index: self.index,
            fields: self.first_field..seq.fields.len(),
            values: self.values,
            pk: self.pk,
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
