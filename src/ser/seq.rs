//! An array under a top-level key. The layout stores its cells sorted: an
//! array of scalars as one cell per distinct element (`k:element`), an
//! array of maps as one cell per child and field (`k_field:pk`), see
//! [`super::child`]. Elements and children are written into the row's
//! buffer as they come; only their cell records wait, to be sorted.

use std::cmp::Ordering;
use std::ops::Range;

use serde::Serialize;
use serde::ser::{Impossible, SerializeSeq, SerializeTuple, SerializeTupleStruct, Serializer};
use serde_json::Map;

use super::child::{Child, ChildSerializer};
use super::scalar::{self, Form, Kind, ScalarSerializer};
use super::{State, check_marker, write_empty};
use crate::codec::{self, ARRAY_MARKER};
use crate::error::{Error, ErrorKind, Result};
use crate::flatten::{check_group, child_qualifier, compare_bytes};
use crate::java;
use crate::keys::PrimaryKey;
use crate::layout::{Naming, Owner};

/// The most elements a length hint reserves room for.
const MAX_HINT: usize = 4096;

/// One scalar element, its text already in the row's buffer.
pub(crate) struct Element {
    /// Where its qualifier starts (before `text` under the single-family
    /// layout, whose qualifiers carry the group).
    qualifier_start: usize,
    /// Its display text: the qualifier's own part.
    text: Range<usize>,
    index: usize,
    kind: Kind,
}

/// Gathers the elements of the array under `key`.
pub(crate) struct SeqSerializer<'s, 'm> {
    pub(super) state: &'s mut State<'m>,
    pub(super) key: &'s str,
    next: usize,
    /// How many elements serde announced; the lists are sized from it
    /// once the array's kind is known.
    len: usize,
    /// The key's primary key, looked up at the first child.
    primary_key: Option<Option<&'m PrimaryKey>>,
}

impl<'s, 'm> SeqSerializer<'s, 'm> {
    pub(crate) fn new(state: &'s mut State<'m>, key: &'s str, len: usize) -> Self {
        state.scratch.clear();
        state.elements.clear();
        state.children.clear();
        state.fields.clear();
        SeqSerializer {
            state,
            key,
            next: 0,
            len,
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

    fn finish(self) -> Result<()> {
        if !self.state.children.is_empty() {
            write_children(self.state, self.key)
        } else if !self.state.elements.is_empty() {
            write_scalars(self.state, self.key)
        } else {
            write_empty(self.state, self.key, false)
        }
    }
}

/// One cell per distinct element, as `flatten.rs` writes them: the
/// elements' records are sorted, and each run of equal texts gets its
/// value.
fn write_scalars(state: &mut State<'_>, key: &str) -> Result<()> {
    let form = state.form();
    let State {
        cells,
        group_at: group,
        elements,
        ..
    } = state;
    // Elements often come sorted and distinct (ids, timestamps): one pass
    // says so, and then each is a cell of its own.
    let distinct = {
        let bytes = cells.bytes();
        let text = |element: &Element| bytes.get(element.text.clone()).unwrap_or_default();
        let distinct = elements
            .windows(2)
            .all(|pair| compare_bytes(text(&pair[0]), text(&pair[1])) == Ordering::Less);
        if !distinct {
            // Stable: equal texts keep their array order.
            elements.sort_by(|a, b| compare_bytes(text(a), text(b)));
        }
        distinct
    };
    let family = Naming::family_of(group);
    // The text codec's value is the same marker for every element.
    let mut marker: Option<Range<usize>> = None;
    let mut at = 0;
    while at < elements.len() {
        let first = &elements[at];
        let mut end = at + 1;
        if !distinct {
            let bytes = cells.bytes();
            while end < elements.len()
                && bytes[elements[end].text.clone()] == bytes[first.text.clone()]
            {
                end += 1;
            }
        }
        let run = &elements[at..end];
        let qualifier = first.qualifier_start..first.text.end;
        let value_start = cells.bytes().len();
        match form {
            // As `codec::write_elements`: a string is its qualifier, so a
            // bare position; anything else a `[position, value]` pair.
            Form::Json => {
                let bytes = cells.bytes_mut();
                bytes.push(b'[');
                for (n, element) in run.iter().enumerate() {
                    if n > 0 {
                        bytes.push(b',');
                    }
                    if element.kind == Kind::Str {
                        codec::write_position(element.index, bytes);
                        continue;
                    }
                    bytes.push(b'[');
                    codec::write_position(element.index, bytes);
                    bytes.push(b',');
                    match element.kind {
                        Kind::Null | Kind::Absent => bytes.extend_from_slice(b"null"),
                        _ => bytes.extend_from_within(element.text.clone()),
                    }
                    bytes.push(b']');
                }
                bytes.push(b']');
            }
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
                if let Some(marker) = &marker {
                    cells.commit_parts(family.clone(), qualifier, marker.clone());
                    at = end;
                    continue;
                }
                cells.bytes_mut().extend_from_slice(ARRAY_MARKER);
                marker = Some(value_start..cells.bytes().len());
            }
            Form::Java => {
                let bytes = cells.bytes_mut();
                for element in run {
                    let index = element.index;
                    java::write_position(index, bytes, || format!("{key}[{index}]"))?;
                }
            }
        }
        let value_end = cells.bytes().len();
        cells.commit_parts(family.clone(), qualifier, value_start..value_end);
        at = end;
    }
    Ok(())
}

/// Index cells and one cell per child field, as `flatten.rs` writes them.
fn write_children(state: &mut State<'_>, key: &str) -> Result<()> {
    let form = state.form();
    let State {
        mapper,
        cells,
        group_at: group,
        scratch,
        field_bytes,
        children,
        fields,
        field_groups,
        ..
    } = state;
    let naming = &mapper.naming;
    field_groups.clear();
    let Some(primary_key) = mapper.keys.get(key) else {
        return Err(ErrorKind::NoPrimaryKey {
            key: key.to_string(),
        }
        .into());
    };
    let pk_field = primary_key.field_name();
    let composite = primary_key.is_composite();
    // Each child's qualifier: its key's text, or what a composite key's
    // encoder makes of it.
    for child in children.iter_mut() {
        if composite {
            let values = child.values.get_or_insert_with(Map::new);
            let (qualifier, pk) = child_qualifier(primary_key, key, child.index, values)?;
            let pk = pk.clone();
            let bytes = cells.bytes_mut();
            let start = bytes.len();
            bytes.extend_from_slice(qualifier.as_bytes());
            child.qualifier = start..bytes.len();
            child.composite_pk = Some(pk);
        } else {
            child.qualifier = simple_qualifier(key, pk_field, child)?;
        }
    }
    {
        let bytes = cells.bytes();
        let qualifier = |child: &Child| bytes.get(child.qualifier.clone()).unwrap_or_default();
        let distinct = children
            .windows(2)
            .all(|pair| compare_bytes(qualifier(&pair[0]), qualifier(&pair[1])) == Ordering::Less);
        if !distinct {
            // Stable: of two children with one key, the first in the array
            // is named first.
            children.sort_by(|a, b| compare_bytes(qualifier(a), qualifier(b)));
        }
        for pair in children.windows(2).filter(|_| !distinct) {
            if qualifier(&pair[0]) == qualifier(&pair[1]) {
                return Err(ErrorKind::DuplicatePrimaryKey {
                    key: key.to_string(),
                    qualifier: String::from_utf8_lossy(qualifier(&pair[0])).into_owned(),
                    first: pair[0].index,
                    second: pair[1].index,
                }
                .into());
            }
        }
    }
    // Each field's group, named, checked and written once for all
    // children.
    let key_family = Naming::family_of(group);
    for child in children.iter() {
        let index = child.index;
        let fields = &fields[child.fields.clone()];
        let pk_qualifier = child.qualifier.clone();
        match form {
            Form::Json => {
                let qualifier = naming.qualifier_at(cells, group, pk_qualifier.clone());
                let value_start = cells.bytes().len();
                if let Some(pk) = &child.composite_pk {
                    let (bytes, own) = split_at_end(cells.bytes_mut(), &pk_qualifier);
                    codec::write_child(&own, index, pk, bytes)?;
                } else {
                    // As `codec::write_child`: a string key is the
                    // qualifier.
                    let bytes = cells.bytes_mut();
                    bytes.extend_from_slice(b"{\"at\":");
                    codec::write_position(index, bytes);
                    if let Some((text, kind)) = &child.pk {
                        if *kind != Kind::Str {
                            bytes.extend_from_slice(b",\"pk\":");
                            bytes.extend_from_within(text.clone());
                        }
                    }
                    bytes.push(b'}');
                }
                let value_end = cells.bytes().len();
                cells.commit_parts(key_family.clone(), qualifier, value_start..value_end);
            }
            Form::Java => {
                let qualifier = naming.qualifier_at(cells, group, pk_qualifier.clone());
                let value_start = cells.bytes().len();
                let pk = fields
                    .iter()
                    .find(|field| field.is_pk)
                    .map(|field| field.value.clone())
                    .unwrap_or_default();
                let bytes = cells.bytes_mut();
                java::write_position(index, bytes, || format!("{key}[{index}]"))?;
                bytes.extend_from_within(pk);
                let value_end = cells.bytes().len();
                cells.commit_parts(key_family.clone(), qualifier, value_start..value_end);
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
            let name = field.name.bytes(scratch);
            let path = || format!("{key}[{index}].{}", String::from_utf8_lossy(name));
            let known = match field_groups.get(hint) {
                Some((known, _)) if known.same(&field.name, scratch) => Some(hint),
                _ => field_groups
                    .iter()
                    .position(|(known, _)| known.same(&field.name, scratch)),
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
                    let Some(text) = field.name.text(scratch) else {
                        return Err(ErrorKind::EmptyName {
                            parent: Some(path()),
                        }
                        .into());
                    };
                    field_bytes.clear();
                    naming.field_group(key, text, field_bytes);
                    check_group(
                        naming,
                        field_bytes,
                        path,
                        |owner| matches!(owner, Owner::FieldOf(owner, _) if owner == key),
                    )?;
                    let field_group = naming.open_group(cells, field_bytes);
                    field_groups.push((field.name, field_group));
                    field_groups.len() - 1
                }
            };
            hint = at + 1;
            check_marker(form, &cells.bytes()[field.value.clone()], path)?;
            let field_group = &field_groups[at].1;
            let qualifier = naming.qualifier_at(cells, field_group, pk_qualifier.clone());
            cells.commit_parts(
                Naming::family_of(field_group),
                qualifier,
                field.value.clone(),
            );
        }
    }
    Ok(())
}

/// The buffer, and an owned copy of the bytes at `part` in it: for the
/// rare composite key, whose index cell compares its qualifier with the
/// key's value while writing to the same buffer.
fn split_at_end<'b>(bytes: &'b mut Vec<u8>, part: &Range<usize>) -> (&'b mut Vec<u8>, Vec<u8>) {
    let own = bytes.get(part.clone()).unwrap_or_default().to_vec();
    (bytes, own)
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

/// The qualifier of a child whose key is a plain field: where the field's
/// text lies, checked as `flatten::child_qualifier` checks it. (The text of
/// a string, number or boolean is always UTF-8.)
fn simple_qualifier(key: &str, field: &str, child: &Child) -> Result<Range<usize>> {
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
        Some((text, _)) => Ok(text.clone()),
    }
}

/// One element: a scalar, or a map that makes this an array of maps.
struct ElementSerializer<'a, 's, 'm> {
    seq: &'a mut SeqSerializer<'s, 'm>,
    index: usize,
}

impl<'a, 's, 'm> ElementSerializer<'a, 's, 'm> {
    fn scalar(self, write: impl FnOnce(ScalarSerializer<'_>) -> Result<Kind>) -> Result<()> {
        if !self.seq.state.children.is_empty() {
            return Err(self.seq.mixed(self.index));
        }
        let State {
            mapper,
            cells,
            group_at: group,
            elements,
            ..
        } = &mut *self.seq.state;
        // The element's text is its qualifier: written once, where the
        // cell will point.
        let qualifier_start = mapper.naming.start_qualifier(cells, group);
        let bytes = cells.bytes_mut();
        let start = bytes.len();
        let kind = write(ScalarSerializer {
            out: bytes,
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
        let end = bytes.len();
        if elements.is_empty() {
            elements.reserve(self.seq.len.min(MAX_HINT));
        }
        elements.push(Element {
            qualifier_start,
            text: start..end,
            index: self.index,
            kind,
        });
        Ok(())
    }

    fn child(self) -> Result<ChildSerializer<'a, 's, 'm>> {
        if !self.seq.state.elements.is_empty() {
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
