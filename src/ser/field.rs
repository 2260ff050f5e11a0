//! A map of scalars one level deep: a nested struct or a map with dynamic
//! keys under a top-level key, one cell `k:field` per field.

use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct};

use super::scalar::{Kind, ScalarSerializer, name};
use super::{State, check_marker, write_empty};
use crate::error::{Error, ErrorKind, Result};

/// Writes the fields of the map under `key`.
pub(crate) struct FieldsSerializer<'s, 'm> {
    state: &'s mut State<'m>,
    key: &'s str,
    /// Whether any cell was written; a map that wrote none keeps a marker.
    written: bool,
}

impl<'s, 'm> FieldsSerializer<'s, 'm> {
    #[inline]
    pub(crate) fn new(state: &'s mut State<'m>, key: &'s str) -> Self {
        FieldsSerializer {
            state,
            key,
            written: false,
        }
    }

    #[inline]
    fn field<T: ?Sized + Serialize>(&mut self, field: &[u8], value: &T) -> Result<()> {
        let key = self.key;
        let path = || format!("{key}.{}", String::from_utf8_lossy(field));
        if field.is_empty() {
            return Err(ErrorKind::EmptyName {
                parent: Some(key.to_string()),
            }
            .into());
        }
        let form = self.state.form();
        let State {
            mapper,
            cells,
            group_at: group,
            ..
        } = &mut *self.state;
        let written = mapper
            .naming
            .push_if(cells, group, field, |out| -> Result<bool> {
                let start = out.len();
                match value.serialize(ScalarSerializer { out, form })? {
                    Kind::Absent => Ok(false),
                    _ => {
                        check_marker(form, &out[start..], path)?;
                        Ok(true)
                    }
                }
            })
            .map_err(|err: Error| err.locate(path, std::any::type_name::<T>()))?;
        self.written |= written;
        Ok(())
    }

    #[inline]
    fn finish(self) -> Result<()> {
        if self.written {
            return Ok(());
        }
        write_empty(self.state, self.key, true)
    }
}

impl SerializeStruct for FieldsSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        field: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(field.as_bytes(), value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl SerializeMap for FieldsSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let key_name = self.key;
        name(key, self.state.name)
            .map_err(|err| err.locate(|| format!("{key_name}.<key>"), std::any::type_name::<T>()))
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let field = std::mem::take(&mut *self.state.name);
        let result = self.field(&field, value);
        *self.state.name = field;
        result
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.finish()
    }
}
