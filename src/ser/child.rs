//! One map in an array of maps. Its fields' values are written into the
//! row's buffer as they come; their cells are recorded once the whole array
//! is known, because children are written sorted by primary key and two
//! with the same key are an error.

use std::ops::Range;

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct};
use serde_json::{Map, Value};

use super::State;
use super::scalar::{Form, Kind, ScalarSerializer, name};
use super::seq::SeqSerializer;
use crate::error::{Error, ErrorKind, Result};
use crate::flatten::same_bytes;

/// A gathered child.
pub(crate) struct Child {
    /// Its position in the array.
    pub(crate) index: usize,
    /// Its fields, in the array's field list.
    pub(crate) fields: Range<usize>,
    /// For a composite key, what its encoder sees: every field, as
    /// `serde_json` values. `None` otherwise (an empty map costs a walk
    /// to drop).
    pub(crate) values: Option<Map<String, Value>>,
    /// The primary-key field's text and kind.
    pub(crate) pk: Option<(Range<usize>, Kind)>,
    /// Its qualifier's own part, set when the array is written.
    pub(crate) qualifier: Range<usize>,
    /// A composite key's field value, set when the array is written.
    pub(crate) composite_pk: Option<Value>,
}

/// A field's name: a struct's are static, a map's keys are copied into the
/// scratch buffer.
#[derive(Clone, Copy, Debug)]
pub(crate) enum FieldName {
    Static(&'static str),
    Scratch(usize, usize),
}

impl FieldName {
    #[inline(always)]
    pub(crate) fn bytes<'a>(&self, scratch: &'a [u8]) -> &'a [u8] {
        match *self {
            FieldName::Static(name) => name.as_bytes(),
            FieldName::Scratch(start, end) => scratch.get(start..end).unwrap_or_default(),
        }
    }

    /// The name as text, if it is UTF-8 (a struct's always is).
    pub(crate) fn text<'a>(&self, scratch: &'a [u8]) -> Option<&'a str> {
        match *self {
            FieldName::Static(name) => Some(name),
            FieldName::Scratch(..) => std::str::from_utf8(self.bytes(scratch)).ok(),
        }
    }

    /// Whether two fields have the same name. A struct's children share
    /// their static names, so equal pointers settle most comparisons.
    #[inline(always)]
    pub(crate) fn same(&self, other: &FieldName, scratch: &[u8]) -> bool {
        if let (FieldName::Static(a), FieldName::Static(b)) = (self, other) {
            if std::ptr::eq(*a, *b) {
                return true;
            }
        }
        same_bytes(self.bytes(scratch), other.bytes(scratch))
    }
}

/// A field of a child: its name, and where its encoded value lies in the
/// row's buffer.
pub(crate) struct Field {
    pub(crate) name: FieldName,
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
    values: Option<Map<String, Value>>,
    pk: Option<(Range<usize>, Kind)>,
}

impl<'a, 's, 'm> ChildSerializer<'a, 's, 'm> {
    #[inline]
    pub(crate) fn new(seq: &'a mut SeqSerializer<'s, 'm>, index: usize) -> Result<Self> {
        let Some(primary_key) = seq.primary_key() else {
            return Err(ErrorKind::NoPrimaryKey {
                key: seq.key.to_string(),
            }
            .into());
        };
        // Children are gathered and written at the end of the array: their
        // cells written as they come cost more than sorting their records.
        seq.in_order.on = false;
        let first_field = seq.state.fields.len();
        Ok(ChildSerializer {
            seq,
            index,
            first_field,
            pk_field: primary_key.field_name(),
            composite: primary_key.is_composite(),
            values: None,
            pk: None,
        })
    }

    #[inline]
    fn field<T: ?Sized + Serialize>(&mut self, name: FieldName, value: &T) -> Result<()> {
        let form = self.seq.state.form();
        let (key, index) = (self.seq.key, self.index);
        let State {
            cells,
            scratch,
            fields,
            ..
        } = &mut *self.seq.state;
        let name_bytes = name.bytes(scratch);
        let path = || {
            let name = String::from_utf8_lossy(name_bytes);
            format!("{key}[{index}].{name}")
        };
        let bytes = cells.bytes_mut();
        let value_start = bytes.len();
        let kind = match value.serialize(ScalarSerializer { out: bytes, form }) {
            Ok(kind) => kind,
            Err(err) => return Err(err.locate(path, std::any::type_name::<T>())),
        };
        if kind == Kind::Absent {
            return Ok(());
        }
        let value_end = bytes.len();
        let is_pk = same_bytes(name_bytes, self.pk_field.as_bytes());
        if is_pk {
            // The qualifier is the key's text, whatever the codec; the text
            // codec's value is that text already.
            let text = if form == Form::Text {
                value_start..value_end
            } else {
                value.serialize(ScalarSerializer {
                    out: bytes,
                    form: Form::Text,
                })?;
                value_end..bytes.len()
            };
            self.pk = Some((text, kind));
        }
        if self.composite {
            // A composite key's encoder takes the serde_json form.
            let json = serde_json::to_value(value).map_err(|err| ErrorKind::Serde {
                path: path(),
                message: err.to_string(),
            })?;
            self.values
                .get_or_insert_with(Map::new)
                .insert(String::from_utf8_lossy(name_bytes).into_owned(), json);
        }
        fields.push(Field {
            name,
            value: value_start..value_end,
            is_pk,
        });
        Ok(())
    }

    #[inline]
    fn finish(self) -> Result<()> {
        let seq = &mut *self.seq;
        let rest = seq.len().saturating_sub(1);
        let State {
            children, fields, ..
        } = &mut *seq.state;
        if children.is_empty() {
            // Children usually have the same fields: size both lists from
            // the first child instead of growing them one push at a time.
            children.reserve(rest + 1);
            fields.reserve(fields.len().saturating_mul(rest));
        }
        children.push(Child {
            index: self.index,
            fields: self.first_field..fields.len(),
            values: self.values,
            pk: self.pk,
            qualifier: 0..0,
            composite_pk: None,
        });
        Ok(())
    }
}

impl SerializeStruct for ChildSerializer<'_, '_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        field: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(FieldName::Static(field), value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl SerializeMap for ChildSerializer<'_, '_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let (array, index) = (self.seq.key, self.index);
        name(key, self.seq.state.name).map_err(|err| {
            err.locate(
                || format!("{array}[{index}].<key>"),
                std::any::type_name::<T>(),
            )
        })
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let state = &mut *self.seq.state;
        let start = state.scratch.len();
        state.scratch.extend_from_slice(state.name);
        let end = state.scratch.len();
        self.field(FieldName::Scratch(start, end), value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.finish()
    }
}
