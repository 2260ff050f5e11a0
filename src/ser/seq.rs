//! An array under a top-level key. The layout stores its cells sorted: an
//! array of scalars as one cell per distinct element (`k:element`), an
//! array of maps as one cell per child and field (`k_field:pk`), see
//! [`super::child`]. Elements and children are written into the row's
//! buffer as they come. While scalars come in strictly increasing order
//! (ids, SKUs), each gets its cell right away ([`InOrder`]); once one does
//! not, those cells are forgotten and the records kept on the way are
//! sorted and written at the end of the array, as children's always are.

use std::cmp::Ordering;
use std::ops::Range;

use serde::Serialize;
use serde::ser::{Impossible, SerializeSeq, SerializeTuple, SerializeTupleStruct, Serializer};
use serde_json::Map;

use super::child::{Child, ChildSerializer, Field, FieldName};
use super::names::Recent;
use super::scalar::{self, Form, Kind, ScalarSerializer};
use super::{State, check_marker, write_empty};
use crate::cell::{Cells, CellsMark, Excerpt};
use crate::codec::{self, ARRAY_MARKER};
use crate::error::{Error, ErrorKind, Result};
use crate::flatten::{check_group, child_qualifier, compare_bytes};
use crate::java;
use crate::keys::PrimaryKey;
use crate::layout::{GroupAt, Naming, Owner};

/// The most elements a length hint reserves room for.
const MAX_HINT: usize = 4096;

/// One scalar element, its text already in the row's buffer.
#[derive(Clone)]
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
    pub(super) in_order: InOrder,
}

/// The one-pass state of an array of scalars: whether every element so far
/// came after the one before it in qualifier order, and so already has its
/// cell, which is what the general path would write for it.
pub(crate) struct InOrder {
    /// Whether every element so far has its cell (never, for children).
    pub(super) on: bool,
    /// The cells before the array's, to forget the one-pass cells when the
    /// array turns out not to be in order.
    mark: CellsMark,
    /// The previous element's qualifier (its own part).
    previous: Option<Range<usize>>,
    /// The text codec's value of every element, the array marker, written
    /// once.
    marker: Option<Range<usize>>,
}

#[cfg(test)]
thread_local! {
    /// Set by tests that compare the one-pass path with the general path.
    static GENERAL_ONLY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether arrays may take the one-pass path: always, except in tests
/// that run the general path alone.
#[inline(always)]
fn one_pass_allowed() -> bool {
    #[cfg(test)]
    return !GENERAL_ONLY.with(std::cell::Cell::get);
    #[cfg(not(test))]
    true
}

impl InOrder {
    /// Whether `text` sorts after the previous qualifier, which lies in
    /// `bytes`.
    #[inline(always)]
    fn follows(&self, bytes: &[u8], text: &[u8]) -> bool {
        match &self.previous {
            None => true,
            Some(previous) => {
                let previous = bytes.get(previous.clone()).unwrap_or_default();
                compare_bytes(previous, text) == Ordering::Less
            }
        }
    }
}

impl<'s, 'm> SeqSerializer<'s, 'm> {
    #[inline]
    pub(crate) fn new(state: &'s mut State<'m>, key: &'s str, len: usize) -> Self {
        state.scratch.clear();
        state.elements.clear();
        state.children.clear();
        state.fields.clear();
        state.field_groups.clear();
        let mark = state.cells.mark();
        SeqSerializer {
            state,
            key,
            next: 0,
            len,
            primary_key: None,
            in_order: InOrder {
                on: one_pass_allowed(),
                mark,
                previous: None,
                marker: None,
            },
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

    #[inline]
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
        let written = !self.state.children.is_empty() || !self.state.elements.is_empty();
        if !written {
            return write_empty(self.state, self.key, false);
        }
        if self.in_order.on {
            return Ok(());
        }
        // The general path writes every cell, and finds the error to
        // report if there is one.
        self.state.cells.forget(self.in_order.mark);
        if !self.state.children.is_empty() {
            // Looked up at the first child already.
            let primary_key = self.primary_key();
            write_children(self.state, self.key, primary_key)
        } else {
            write_scalars(self.state, self.key)
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
    // Only arrays the one-pass writer gave up on get here, so they are not
    // in order: sort (stably: equal texts keep their array order), then
    // give each run of equal texts one cell.
    {
        let bytes = cells.bytes();
        let text = |element: &Element| bytes.get(element.text.clone()).unwrap_or_default();
        elements.sort_by(|a, b| compare_bytes(text(a), text(b)));
    }
    let family = Naming::family_of(group);
    // The text codec's value is the same marker for every element.
    let mut marker: Option<Range<usize>> = None;
    let mut at = 0;
    while at < elements.len() {
        let first = &elements[at];
        let mut end = at + 1;
        let bytes = cells.bytes();
        while end < elements.len() && bytes[elements[end].text.clone()] == bytes[first.text.clone()]
        {
            end += 1;
        }
        let run = &elements[at..end];
        let qualifier = first.qualifier_start..first.text.end;
        let value_start = cells.bytes().len();
        match form {
            // As `codec::write_elements`: a string is its qualifier, so a
            // bare position; anything else a `[position, value]` pair.
            Form::Json => write_json_run(run, cells.bytes_mut()),
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

/// Appends the JSON value of the cell of `run`, elements with one text:
/// as `codec::write_elements`, a string is its qualifier, so a bare
/// position; anything else a `[position, value]` pair.
#[inline]
fn write_json_run(run: &[Element], bytes: &mut Vec<u8>) {
    if let [element] = run {
        if element.kind == Kind::Str {
            codec::write_lone_position(element.index, bytes);
            return;
        }
    }
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

/// Commits the cell of `element`, which the general path would write as a
/// run of one; the caller has checked that it follows the element before
/// it. False, with no cell committed, when its value cannot be written:
/// the array then takes the general path, which reports the error.
#[inline(always)]
fn commit_element(
    cells: &mut Cells,
    family: Range<usize>,
    form: Form,
    in_order: &mut InOrder,
    element: &Element,
) -> bool {
    let value_start = cells.bytes().len();
    let value = match form {
        // `write_json_run`'s own first case, spelled out: through the call
        // typed flatten took 4% more instructions.
        Form::Json if element.kind == Kind::Str => {
            codec::write_lone_position(element.index, cells.bytes_mut());
            value_start..cells.bytes().len()
        }
        Form::Json => {
            write_json_run(std::slice::from_ref(element), cells.bytes_mut());
            value_start..cells.bytes().len()
        }
        Form::Text => match &in_order.marker {
            Some(marker) => marker.clone(),
            None => {
                cells.bytes_mut().extend_from_slice(ARRAY_MARKER);
                let marker = value_start..cells.bytes().len();
                in_order.marker = Some(marker.clone());
                marker
            }
        },
        Form::Java => {
            if java::write_position(element.index, cells.bytes_mut(), String::new).is_err() {
                return false;
            }
            value_start..cells.bytes().len()
        }
    };
    cells.commit_parts(family, element.qualifier_start..element.text.end, value);
    in_order.previous = Some(element.text.clone());
    true
}

/// Index cells and one cell per child field, as `flatten.rs` writes them.
fn write_children(
    state: &mut State<'_>,
    key: &str,
    primary_key: Option<&PrimaryKey>,
) -> Result<()> {
    let form = state.form();
    let State {
        mapper,
        cells,
        group_at: group,
        scratch,
        children,
        fields,
        field_groups,
        recent,
        arrays,
        static_key,
        ..
    } = state;
    let naming = &mapper.naming;
    let Some(primary_key) = primary_key else {
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
            if let Some(pair) = children
                .windows(2)
                .find(|pair| qualifier(&pair[0]) == qualifier(&pair[1]))
            {
                return Err(ErrorKind::DuplicatePrimaryKey {
                    key: key.to_string(),
                    qualifier: Excerpt::text(&String::from_utf8_lossy(qualifier(&pair[0]))),
                    first: pair[0].index,
                    second: pair[1].index,
                }
                .into());
            }
        }
    }
    // The first child's groups as an earlier row of this struct checked
    // them, if any: then no field of it needs its group opened.
    let first_fields = children
        .first()
        .and_then(|child| fields.get(child.fields.clone()))
        .unwrap_or_default();
    let recalled = match *static_key {
        Some(parent) => arrays.recall(naming.id(), parent, first_fields, cells, field_groups),
        None => false,
    };
    // Each field's group, named, checked and written once for all
    // children.
    let mut writer = ChildWriter {
        naming,
        cells,
        group,
        scratch,
        field_groups,
        form,
        key,
        static_key: *static_key,
        recent,
    };
    for child in children.iter() {
        let index = child.index;
        let fields = &fields[child.fields.clone()];
        let pk_qualifier = child.qualifier.clone();
        match (&child.composite_pk, form) {
            (Some(pk), Form::Json) => {
                let cells = &mut *writer.cells;
                let qualifier = naming.qualifier_at(cells, group, pk_qualifier.clone());
                let value_start = cells.bytes().len();
                let (bytes, own) = split_at_end(cells.bytes_mut(), &pk_qualifier);
                codec::write_child(&own, index, pk, bytes)?;
                let value_end = cells.bytes().len();
                let family = Naming::family_of(group);
                cells.commit_parts(family, qualifier, value_start..value_end);
            }
            (_, Form::Text) if fields.iter().all(|field| field.is_pk) => {
                return Err(ErrorKind::Unrepresentable {
                    path: format!("{key}[{index}]"),
                    codec: "text",
                    reason: "it holds only its primary key and would leave no cell".into(),
                }
                .into());
            }
            _ => {
                writer.index_cell(index, pk_qualifier.clone(), child.pk.as_ref(), fields)?;
            }
        }
        // Children usually share their fields, in the same order: try
        // this field's place among the groups first.
        let mut hint = 0;
        for field in fields.iter().filter(|field| !field.is_pk) {
            writer.field_cell(index, &mut hint, field, pk_qualifier.clone())?;
        }
    }
    if let (Some(parent), false) = (*static_key, recalled) {
        arrays.remember(naming.id(), parent, first_fields, cells, field_groups);
    }
    Ok(())
}

/// What writing a child's cells needs of the row's state.
struct ChildWriter<'a> {
    naming: &'a Naming,
    cells: &'a mut Cells,
    /// The array's group.
    group: &'a GroupAt,
    scratch: &'a [u8],
    /// The groups of the array's fields, in the order they were opened.
    field_groups: &'a mut Vec<(FieldName, GroupAt)>,
    form: Form,
    key: &'a str,
    /// The array's key when it is a struct field's name, for the groups of
    /// its struct fields to be remembered under.
    static_key: Option<&'static str>,
    recent: &'a mut Recent,
}

impl ChildWriter<'_> {
    /// Commits the index cell of the child at `index` whose key is a plain
    /// field (not composite): under JSON, `{"at":index}` plus the key's
    /// value unless it is a string (the qualifier then is the string), as
    /// `codec::write_child` writes it; under Java the position and the
    /// key's value (the key field's among `fields`, in the buffer). The
    /// text codec has none.
    #[inline]
    fn index_cell(
        &mut self,
        index: usize,
        qualifier: Range<usize>,
        pk: Option<&(Range<usize>, Kind)>,
        fields: &[Field],
    ) -> Result<()> {
        let (naming, group, key) = (self.naming, self.group, self.key);
        let cells = &mut *self.cells;
        match self.form {
            Form::Json => naming.push_at(cells, group, qualifier, |bytes| {
                if matches!(pk, Some((_, Kind::Str))) && index < 10 {
                    // The usual index cell, `{"at":N}`, as one store of
                    // known length instead of three appends.
                    bytes.extend_from_slice(&[
                        b'{',
                        b'"',
                        b'a',
                        b't',
                        b'"',
                        b':',
                        b'0' + index as u8,
                        b'}',
                    ]);
                } else {
                    bytes.extend_from_slice(b"{\"at\":");
                    codec::write_position(index, bytes);
                    if let Some((text, kind)) = pk {
                        if *kind != Kind::Str {
                            bytes.extend_from_slice(b",\"pk\":");
                            bytes.extend_from_within(text.clone());
                        }
                    }
                    bytes.push(b'}');
                }
                Ok(())
            })?,
            Form::Java => {
                // Looked up here only: the other codecs do not need it.
                let java_pk = fields
                    .iter()
                    .find(|field| field.is_pk)
                    .map(|field| field.value.clone())
                    .unwrap_or_default();
                naming.push_at(cells, group, qualifier, |bytes| {
                    java::write_position(index, bytes, || format!("{key}[{index}]"))?;
                    bytes.extend_from_within(java_pk);
                    Ok(())
                })?;
            }
            Form::Text => {}
        }
        Ok(())
    }

    /// Commits the cell of `field`, not the key, of the child at `index`
    /// whose qualifier's own part is `qualifier`, under the field's group,
    /// opened and checked the first time the array meets the field.
    /// `hint` is where the child's next field's group likely is.
    #[inline(always)]
    fn field_cell(
        &mut self,
        index: usize,
        hint: &mut usize,
        field: &Field,
        qualifier: Range<usize>,
    ) -> Result<()> {
        // Usually the field's group is where the hint points, and only the
        // text codec has a value to check: then the cell is committed
        // here, with nothing set up for the cases that need more.
        if self.form != Form::Text {
            if let Some((known, field_group)) = self.field_groups.get(*hint) {
                if known.same(&field.name, self.scratch) {
                    *hint += 1;
                    commit_field(self.naming, self.cells, field_group, qualifier, field);
                    return Ok(());
                }
            }
        }
        self.any_field_cell(index, hint, field, qualifier)
    }

    /// [`field_cell`](Self::field_cell) in every case: the field's group
    /// looked up among the array's, or opened; the text codec's value
    /// checked.
    #[inline(never)]
    fn any_field_cell(
        &mut self,
        index: usize,
        hint: &mut usize,
        field: &Field,
        qualifier: Range<usize>,
    ) -> Result<()> {
        let (naming, key, scratch) = (self.naming, self.key, self.scratch);
        let path = || {
            let name = field.name.bytes(scratch);
            format!("{key}[{index}].{}", String::from_utf8_lossy(name))
        };
        let known = match self.field_groups.get(*hint) {
            Some((known, _)) if known.same(&field.name, scratch) => Some(*hint),
            _ => self
                .field_groups
                .iter()
                .position(|(known, _)| known.same(&field.name, scratch)),
        };
        let at = match known {
            Some(at) => at,
            None => {
                let field_group = self.open_field_group(index, &field.name)?;
                self.field_groups.push((field.name, field_group));
                self.field_groups.len() - 1
            }
        };
        *hint = at + 1;
        let cells = &mut *self.cells;
        // Only the text codec has a marker to check: the value's bytes are
        // not looked up for the others.
        if self.form == Form::Text {
            check_marker(
                self.form,
                cells.bytes().get(field.value.clone()).unwrap_or_default(),
                path,
            )?;
        }
        let Some((_, field_group)) = self.field_groups.get(at) else {
            return Ok(());
        };
        commit_field(naming, cells, field_group, qualifier, field);
        Ok(())
    }

    /// Names, checks and opens the group of the field `name` of the array,
    /// met first in the child at `index`.
    #[cold]
    fn open_field_group(&mut self, index: usize, name: &FieldName) -> Result<GroupAt> {
        let (naming, key, group) = (self.naming, self.key, self.group);
        let bytes = name.bytes(self.scratch);
        let path = || format!("{key}[{index}].{}", String::from_utf8_lossy(bytes));
        if bytes.is_empty() {
            return Err(ErrorKind::EmptyName {
                parent: Some(format!("{key}[{index}]")),
            }
            .into());
        }
        let Some(text) = name.text(self.scratch) else {
            return Err(ErrorKind::EmptyName {
                parent: Some(path()),
            }
            .into());
        };
        let cells = &mut *self.cells;
        // A struct's fields under a struct field: the group this thread
        // checked for an earlier row, if any.
        let memo = match (self.static_key, name) {
            (Some(parent), FieldName::Static(name)) => Some((parent, *name)),
            _ => None,
        };
        let recent = &mut *self.recent;
        let mut recalled = false;
        let field_group = naming.open_checked(
            cells,
            |naming, out| {
                if let Some((parent, name)) = memo {
                    recalled = recent.recall(naming.id(), Some(parent), name, out);
                }
                if !recalled {
                    naming.field_group_in(group, key, text, out);
                }
                recalled
            },
            |naming, name| {
                check_group(
                    naming,
                    name,
                    path,
                    |owner| matches!(owner, Owner::FieldOf(owner, _) if owner == key),
                )
            },
        )?;
        if recalled {
            return Ok(field_group);
        }
        if let Some((parent, name)) = memo {
            let group = Naming::group_name(cells, &field_group);
            self.recent.remember(naming.id(), Some(parent), name, group);
        }
        Ok(field_group)
    }
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

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl SerializeTuple for SeqSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl SerializeTupleStruct for SeqSerializer<'_, '_> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    #[inline]
    fn end(self) -> Result<()> {
        self.finish()
    }
}

/// Commits a child's `field` cell under `field_group`, its qualifier's own
/// part at `qualifier`: the one step both of `ChildWriter`'s field paths
/// end with.
#[inline(always)]
fn commit_field(
    naming: &Naming,
    cells: &mut Cells,
    field_group: &GroupAt,
    qualifier: Range<usize>,
    field: &Field,
) {
    let qualifier = naming.qualifier_at(cells, field_group, qualifier);
    cells.commit_parts(
        Naming::family_of(field_group),
        qualifier,
        field.value.clone(),
    );
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
        self.scalar_with(None, write)
    }

    /// Writes a scalar element; `text` is its text when the caller has it
    /// at hand (a string's), to compare without reading it back.
    #[inline(always)]
    fn scalar_with(
        self,
        text: Option<&[u8]>,
        write: impl FnOnce(ScalarSerializer<'_>) -> Result<Kind>,
    ) -> Result<()> {
        if !self.seq.state.children.is_empty() {
            return Err(self.seq.mixed(self.index));
        }
        let form = self.seq.state.form();
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
        let element = Element {
            qualifier_start,
            text: start..end,
            index: self.index,
            kind,
        };
        let in_order = &mut self.seq.in_order;
        if in_order.on {
            let bytes = cells.bytes();
            let text = text.unwrap_or_else(|| bytes.get(start..end).unwrap_or_default());
            let family = Naming::family_of(group);
            in_order.on = in_order.follows(bytes, text)
                && commit_element(cells, family, form, in_order, &element);
        }
        // Kept in any case: should a later element not come in order, the
        // general path needs every element.
        elements.push(element);
        Ok(())
    }

    #[inline]
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
        serialize_bytes(&[u8]),
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<()> {
        self.scalar_with(Some(v.as_bytes()), |s| s.serialize_str(v))
    }

    fn serialize_none(self) -> Result<()> {
        // An array keeps its positions: `None` is a null element, as in
        // the Value path.
        self.scalar(|s| s.serialize_unit())
    }

    #[inline]
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

    #[inline]
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct> {
        self.child()
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

#[cfg(test)]
mod tests {
    use super::GENERAL_ONLY;
    use crate::codec::Codec;
    use crate::keys::KeyConfig;
    use crate::layout::Layout;
    use crate::mapper::Mapper;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn mappers(keys: KeyConfig) -> Vec<Mapper> {
        let mut mappers = Vec::new();
        for codec in [Codec::Json, Codec::Text, Codec::Java] {
            for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
                mappers.push(
                    Mapper::new(keys.clone())
                        .with_layout(layout)
                        .with_codec(codec),
                );
            }
        }
        mappers
    }

    /// The cells, or the error's text, of `value` under `mapper`, by the
    /// one-pass path or by the general path alone.
    fn outcome<T: Serialize>(value: &T, mapper: &Mapper, general_only: bool) -> String {
        GENERAL_ONLY.with(|flag| flag.set(general_only));
        let result = mapper.to_cells(value);
        GENERAL_ONLY.with(|flag| flag.set(false));
        match result {
            Ok(cells) => format!("{cells:?}"),
            Err(err) => format!("error: {err}"),
        }
    }

    #[track_caller]
    fn assert_paths_agree<T: Serialize + std::fmt::Debug>(value: &T, keys: KeyConfig) {
        for mapper in mappers(keys) {
            assert_eq!(
                outcome(value, &mapper, false),
                outcome(value, &mapper, true),
                "{value:?} {:?} {:?}",
                mapper.codec(),
                mapper.layout()
            );
        }
    }

    #[derive(Serialize, Debug)]
    struct Row<T> {
        before: u8,
        list: Vec<T>,
        after: u8,
    }

    fn row<T>(list: Vec<T>) -> Row<T> {
        Row {
            before: 1,
            list,
            after: 2,
        }
    }

    /// Texts that order differently in their first word, in their last,
    /// past 16 bytes, and by length alone.
    const TEXTS: [&str; 12] = [
        "",
        "1c8fd7d",
        "SKU-00001",
        "SKU-00001-0",
        "SKU-00001-1",
        "SKU-00002",
        "a",
        "ab",
        "abcdefgh",
        "abcdefghijklmnopq",
        "abcdefghijklmnopr",
        "z",
    ];

    /// Arrays in order, and arrays that leave it (by a smaller or an equal
    /// element) at every position.
    fn lists() -> Vec<Vec<usize>> {
        let mut lists = vec![vec![], (0..TEXTS.len()).collect()];
        for len in 1..=TEXTS.len() {
            let sorted: Vec<usize> = (0..len).collect();
            for at in 0..len {
                for back in 0..=at {
                    let mut list = sorted.clone();
                    list.insert(at + 1, back);
                    lists.push(list);
                }
            }
            lists.push(sorted.iter().rev().copied().collect());
        }
        lists
    }

    #[test]
    fn arrays_of_strings_write_what_the_general_path_writes() {
        for list in lists() {
            let texts: Vec<&str> = list.iter().map(|&i| TEXTS[i]).collect();
            assert_paths_agree(&row(texts), KeyConfig::new());
        }
    }

    #[test]
    fn arrays_of_other_scalars_write_what_the_general_path_writes() {
        for list in lists() {
            let numbers: Vec<u64> = list.iter().map(|&i| i as u64 * 7).collect();
            assert_paths_agree(&row(numbers), KeyConfig::new());
            let options: Vec<Option<&str>> = list
                .iter()
                .map(|&i| (i % 3 != 1).then_some(TEXTS[i]))
                .collect();
            assert_paths_agree(&row(options), KeyConfig::new());
            let bools: Vec<bool> = list.iter().map(|&i| i % 2 == 0).collect();
            assert_paths_agree(&row(bools), KeyConfig::new());
            let chars: Vec<char> = list.iter().map(|&i| (b'a' + i as u8) as char).collect();
            assert_paths_agree(&row(chars), KeyConfig::new());
        }
    }

    #[test]
    fn arrays_that_fail_fail_alike() {
        #[derive(Serialize, Debug)]
        #[serde(untagged)]
        enum Item {
            Text(&'static str),
            Bytes(#[serde(with = "serde_bytes")] Vec<u8>),
            Map(BTreeMap<&'static str, u8>),
            List(Vec<u8>),
        }
        let odd = [
            Item::Bytes(b"x".to_vec()),
            Item::Map(BTreeMap::from([("id", 1)])),
            Item::List(vec![1]),
        ];
        for odd in odd {
            for at in 0..3 {
                let mut items: Vec<Item> = ["a", "b", "c"].into_iter().map(Item::Text).collect();
                let odd = match &odd {
                    Item::Bytes(bytes) => Item::Bytes(bytes.clone()),
                    Item::Map(map) => Item::Map(map.clone()),
                    Item::List(list) => Item::List(list.clone()),
                    Item::Text(text) => Item::Text(text),
                };
                items.insert(at, odd);
                assert_paths_agree(&row(items), KeyConfig::new().field("list", "id"));
            }
        }
    }
}
