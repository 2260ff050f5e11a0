//! An array under a top-level key. Its elements are gathered first, because
//! the layout stores them sorted: an array of scalars as one cell per
//! distinct element (`k:element`), an array of maps as one cell per child
//! and field (`k_field:pk`), see [`super::child`].

use std::borrow::Cow;
use std::ops::Range;

use serde::Serialize;
use serde::ser::{Impossible, SerializeSeq, SerializeTuple, SerializeTupleStruct, Serializer};

use super::child::{Child, ChildSerializer, FieldSpan};
use super::scalar::{self, Form, Kind, ScalarSerializer};
use super::{State, check_marker, write_empty};
use crate::codec::{self, ARRAY_MARKER};
use crate::error::{Error, ErrorKind, Result};
use crate::flatten::{self, check_group, check_unique, child_qualifier};
use crate::java;
use crate::keys::PrimaryKey;
use crate::layout::{GroupAt, Owner};

/// Bytes reserved for the scratch buffer of an array.
const SCRATCH: usize = 512;

/// The most elements a length hint reserves room for.
const MAX_HINT: usize = 4096;

/// One scalar element: its text in the scratch buffer, and its position.
struct Element {
    text: Range<usize>,
    index: usize,
    kind: Kind,
}

/// Gathers the elements of the array under `key`.
pub(crate) struct SeqSerializer<'s, 'm> {
    pub(super) state: &'s mut State<'m>,
    pub(super) key: &'s str,
    next: usize,
    /// How many elements serde announced; the buffers are sized from it
    /// once the array's kind is known.
    len: usize,
    elements: Vec<Element>,
    pub(super) children: Vec<Child>,
    pub(super) fields: Vec<FieldSpan>,
    /// The key's primary key, looked up at the first child.
    primary_key: Option<Option<&'m PrimaryKey>>,
}

impl<'s, 'm> SeqSerializer<'s, 'm> {
    pub(crate) fn new(state: &'s mut State<'m>, key: &'s str, len: usize) -> Self {
        state.scratch.clear();
        // One allocation up front instead of a doubling series: element
        // texts and child fields are a few hundred bytes in most rows.
        state.scratch.reserve(SCRATCH);
        SeqSerializer {
            state,
            key,
            next: 0,
            len,
            elements: Vec::new(),
            children: Vec::new(),
            fields: Vec::new(),
            primary_key: None,
        }
    }

    /// How many elements serde announced (0 when it did not say), capped
    /// so that a wrong hint cannot reserve a huge buffer.
    pub(super) fn len(&self) -> usize {
        self.len.min(MAX_HINT)
    }

    /// The primary key configured for this key, looked up once.
    pub(super) fn primary_key(&mut self) -> Option<&'m PrimaryKey> {
        let mapper: &'m crate::mapper::Mapper = self.state.mapper;
        *self
            .primary_key
            .get_or_insert_with(|| mapper.keys.get(self.key))
    }

    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let index = self.next;
        self.next += 1;
        let key = self.key;
        value
            .serialize(ElementSerializer { seq: self, index })
            .map_err(|err| err.locate(|| format!("{key}[{index}]"), std::any::type_name::<T>()))
    }

    fn mixed(&self, index: usize) -> Error {
        ErrorKind::MixedArray {
            key: self.key.to_string(),
            index,
        }
        .into()
    }

    fn finish(mut self) -> Result<()> {
        if !self.children.is_empty() {
            self.write_children()
        } else if !self.elements.is_empty() {
            self.write_scalars()
        } else {
            write_empty(self.state, self.key, false)
        }
    }

    /// One cell per distinct element, as `flatten.rs` writes them.
    fn write_scalars(&mut self) -> Result<()> {
        let form = self.state.form();
        let key = self.key;
        let State {
            mapper,
            cells,
            group_at: group,
            scratch,
            ..
        } = &mut *self.state;
        let text = |element: &Element| &scratch[element.text.clone()];
        self.elements
            .sort_unstable_by(|a, b| text(a).cmp(text(b)).then(a.index.cmp(&b.index)));
        for run in self.elements.chunk_by(|a, b| text(a) == text(b)) {
            let qualifier = text(&run[0]);
            match form {
                // As `codec::write_elements`: a string is its qualifier, so
                // a bare position; anything else a `[position, value]` pair.
                Form::Json => mapper.naming.push(cells, group, qualifier, |out| {
                    out.push(b'[');
                    for (n, element) in run.iter().enumerate() {
                        if n > 0 {
                            out.push(b',');
                        }
                        if element.kind == Kind::Str {
                            codec::write_position(element.index, out);
                            continue;
                        }
                        out.push(b'[');
                        codec::write_position(element.index, out);
                        out.push(b',');
                        match element.kind {
                            Kind::Null | Kind::Absent => out.extend_from_slice(b"null"),
                            _ => out.extend_from_slice(text(element)),
                        }
                        out.push(b']');
                    }
                    out.push(b']');
                    Ok(())
                })?,
                Form::Text => {
                    if let [first, second, ..] = run {
                        return Err(ErrorKind::Unrepresentable {
                            path: format!("{key}[{}]", second.index),
                            codec: "text",
                            reason: format!(
                                "it repeats `{key}[{}]`, and the text codec stores arrays of scalars as sets",
                                first.index
                            ),
                        }
                        .into());
                    }
                    mapper.naming.push(cells, group, qualifier, |out| {
                        out.extend_from_slice(ARRAY_MARKER);
                        Ok(())
                    })?
                }
                Form::Java => mapper.naming.push(cells, group, qualifier, |out| {
                    for element in run {
                        let index = element.index;
                        java::write_position(index, out, || format!("{key}[{index}]"))?;
                    }
                    Ok(())
                })?,
            }
        }
        Ok(())
    }

    /// Index cells and one cell per child field, as `flatten.rs` writes them.
    fn write_children(&mut self) -> Result<()> {
        let form = self.state.form();
        let key = self.key;
        let State {
            mapper,
            cells,
            group_at: group,
            scratch,
            field_bytes,
            ..
        } = &mut *self.state;
        let Some(primary_key) = mapper.keys.get(key) else {
            return Err(ErrorKind::NoPrimaryKey {
                key: key.to_string(),
            }
            .into());
        };
        let pk_field = primary_key.field_name();
        // Stand-ins for the Value path's child map and key, which simple
        // keys do not need.
        let (no_values, no_pk) = (serde_json::Map::new(), serde_json::Value::Null);
        let mut order = Vec::with_capacity(self.children.len());
        for child in &self.children {
            let (qualifier, pk) = if primary_key.is_composite() {
                child_qualifier(primary_key, key, child.index, &child.values)?
            } else {
                (simple_qualifier(key, pk_field, child, scratch)?, &no_pk)
            };
            order.push(flatten::Child {
                qualifier,
                index: child.index,
                child: &no_values,
                pk,
            });
        }
        check_unique(key, &mut order)?;
        // Each field's group, named, checked and written once for all
        // children.
        field_bytes.reserve(32);
        let mut field_groups: Vec<(&[u8], GroupAt)> = Vec::with_capacity(8);
        for sorted in &order {
            let (qualifier, index) = (sorted.qualifier.as_bytes(), sorted.index);
            // Every element is a child, so a child's index is its place.
            let child = &self.children[index];
            let fields = &self.fields[child.fields.clone()];
            match form {
                Form::Json => mapper.naming.push(cells, group, qualifier, |out| {
                    if primary_key.is_composite() {
                        return codec::write_child(qualifier, index, sorted.pk, out);
                    }
                    // As `codec::write_child`: a string key is the qualifier.
                    out.extend_from_slice(b"{\"at\":");
                    codec::write_position(index, out);
                    if let Some((text, kind)) = &child.pk {
                        if *kind != Kind::Str {
                            out.extend_from_slice(b",\"pk\":");
                            out.extend_from_slice(&scratch[text.clone()]);
                        }
                    }
                    out.push(b'}');
                    Ok(())
                })?,
                Form::Java => {
                    let pk = fields
                        .iter()
                        .find(|field| field.is_pk)
                        .map(|field| &scratch[field.value.clone()])
                        .unwrap_or_default();
                    mapper.naming.push(cells, group, qualifier, |out| {
                        java::write_position(index, out, || format!("{key}[{index}]"))?;
                        out.extend_from_slice(pk);
                        Ok(())
                    })?
                }
                Form::Text if fields.iter().all(|field| field.is_pk) => {
                    return Err(ErrorKind::Unrepresentable {
                        path: format!("{key}[{index}]"),
                        codec: "text",
                        reason: "it holds only its primary key and would leave no cell".into(),
                    }
                    .into());
                }
                Form::Text => {}
            }
            // Children usually share their fields, in the same order: try
            // this field's place among the groups first.
            let mut hint = 0;
            for field in fields.iter().filter(|field| !field.is_pk) {
                let name = &scratch[field.name.clone()];
                let path = || format!("{key}[{index}].{}", String::from_utf8_lossy(name));
                let known = match field_groups.get(hint) {
                    Some((known, _)) if *known == name => Some(hint),
                    _ => field_groups.iter().position(|(known, _)| *known == name),
                };
                let at = match known {
                    Some(at) => at,
                    None => {
                        if name.is_empty() {
                            return Err(ErrorKind::EmptyName {
                                parent: Some(format!("{key}[{index}]")),
                            }
                            .into());
                        }
                        let Ok(text) = std::str::from_utf8(name) else {
                            return Err(ErrorKind::EmptyName {
                                parent: Some(path()),
                            }
                            .into());
                        };
                        field_bytes.clear();
                        mapper.naming.field_group(key, text, field_bytes);
                        check_group(
                            &mapper.naming,
                            field_bytes,
                            path,
                            |owner| matches!(owner, Owner::FieldOf(owner, _) if owner == key),
                        )?;
                        let field_group = mapper.naming.open_group(cells, field_bytes);
                        field_groups.push((name, field_group));
                        field_groups.len() - 1
                    }
                };
                hint = at + 1;
                let value = &scratch[field.value.clone()];
                check_marker(form, value, path)?;
                mapper
                    .naming
                    .push(cells, &field_groups[at].1, qualifier, |out| {
                        out.extend_from_slice(value);
                        Ok(())
                    })?;
            }
        }
        Ok(())
    }
}

impl SerializeSeq for SeqSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl SerializeTuple for SeqSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl SerializeTupleStruct for SeqSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

/// The qualifier of a child whose key is a plain field: the field's text,
/// checked as `flatten::child_qualifier` checks it.
fn simple_qualifier<'s>(
    key: &str,
    field: &str,
    child: &Child,
    scratch: &'s [u8],
) -> Result<Cow<'s, str>> {
    let bad = |problem: &str| ErrorKind::BadPrimaryKey {
        key: key.to_string(),
        index: child.index,
        field: field.to_string(),
        problem: problem.to_string(),
    };
    match &child.pk {
        None => Err(bad("is missing").into()),
        Some((_, Kind::Null | Kind::Absent)) => {
            Err(bad("is null, not a string, number or boolean").into())
        }
        Some((_, Kind::Bytes)) => {
            Err(bad("is a byte buffer, not a string, number or boolean").into())
        }
        Some((text, _)) => match std::str::from_utf8(&scratch[text.clone()]) {
            Ok(text) => Ok(Cow::Borrowed(text)),
            Err(_) => Err(bad("is not valid UTF-8").into()),
        },
    }
}

/// One element: a scalar, or a map that makes this an array of maps.
struct ElementSerializer<'a, 's, 'm> {
    seq: &'a mut SeqSerializer<'s, 'm>,
    index: usize,
}

impl<'a, 's, 'm> ElementSerializer<'a, 's, 'm> {
    fn scalar(self, write: impl FnOnce(ScalarSerializer<'_>) -> Result<Kind>) -> Result<()> {
        if !self.seq.children.is_empty() {
            return Err(self.seq.mixed(self.index));
        }
        let scratch = &mut self.seq.state.scratch;
        let start = scratch.len();
        let kind = write(ScalarSerializer {
            out: scratch,
            form: Form::Text,
        })?;
        if kind == Kind::Bytes {
            return Err(ErrorKind::UnsupportedType {
                path: String::new(),
                rust_type: "",
                reason: "byte buffers are stored only as a field's value, not in an array".into(),
            }
            .into());
        }
        let end = scratch.len();
        if self.seq.elements.is_empty() {
            let len = self.seq.len();
            self.seq.elements.reserve(len);
        }
        self.seq.elements.push(Element {
            text: start..end,
            index: self.index,
            kind,
        });
        Ok(())
    }

    fn child(self) -> Result<ChildSerializer<'a, 's, 'm>> {
        if !self.seq.elements.is_empty() {
            return Err(self.seq.mixed(self.index));
        }
        ChildSerializer::new(self.seq, self.index)
    }
}

impl<'a, 's, 'm> Serializer for ElementSerializer<'a, 's, 'm> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = ChildSerializer<'a, 's, 'm>;
    type SerializeStruct = ChildSerializer<'a, 's, 'm>;
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

    fn serialize_none(self) -> Result<()> {
        // An array keeps its positions: `None` is a null element, as in
        // the Value path.
        self.scalar(|s| s.serialize_unit())
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.scalar(|s| s.serialize_unit())
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<()> {
        self.scalar(|s| s.serialize_unit_struct(name))
    }

    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<()> {
        self.scalar(|s| s.serialize_unit_variant(name, index, variant))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _value: &T,
    ) -> Result<()> {
        Err(scalar::data_variant(variant))
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(scalar::nested("an array"))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple> {
        Err(scalar::nested("an array"))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(scalar::nested("an array"))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(scalar::data_variant(variant))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap> {
        self.child()
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        self.child()
    }

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
