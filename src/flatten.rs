//! Object -> cells, for `serde_json` values.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::ops::Range;

use serde_json::{Map, Value};

use crate::cell::Cells;
use crate::codec::{self, ARRAY_MARKER, Codec};
use crate::error::{ErrorKind, Result};
use crate::java;
use crate::keys::{PrimaryKey, scalar_text};
use crate::layout::{Group, GroupAt, Naming, Owner};
use crate::mapper::Mapper;

/// Flattens one object. Every cell it writes reads back to where it came
/// from, or this returns an error naming the key or field.
pub(crate) fn flatten(mapper: &Mapper, object: &Map<String, Value>) -> Result<Cells> {
    // A ~1 KB object writes ~800 bytes of names and values (shared names
    // are written once). Up to 1 KiB, the first buffer comes from the
    // allocator's per-thread cache, where a larger one takes its slow path
    // twice (allocation and free); larger rows grow it a few times.
    let bytes = (256 * object.len()).min(1024);
    let mut flattener = Flattener {
        mapper,
        cells: Cells::with_capacity(object.len() * 8, bytes),
    };
    for (key, value) in object {
        flattener.key(key, value)?;
    }
    Ok(flattener.cells)
}

struct Flattener<'m> {
    mapper: &'m Mapper,
    cells: Cells,
}

impl Flattener<'_> {
    fn codec(&self) -> Codec {
        self.mapper.codec
    }

    fn key(&mut self, key: &str, value: &Value) -> Result<(), ErrorKind> {
        if key.is_empty() {
            return Err(ErrorKind::EmptyName { parent: None });
        }
        // The group's name goes straight into the buffer, and is checked
        // there.
        let keys = &self.mapper.keys;
        let group = self.mapper.naming.open_checked(
            &mut self.cells,
            |naming, out| {
                naming.key_group(key, out);
                false
            },
            // Most keys are plain: look the key up only when its group is
            // not.
            |naming, name| {
                check_group(
                    naming,
                    name,
                    || key.to_string(),
                    // A group equal to a configured key's escaped name is
                    // that key (escaping is one-to-one): it needs no lookup.
                    |owner| {
                        matches!(owner, Owner::Plain | Owner::Configured(_))
                            || keys.get(key).is_some()
                    },
                )
            },
        )?;
        match value {
            Value::Object(map) => self.map_cells(&group, key, map),
            Value::Array(items) => self.array(&group, key, items),
            scalar => self.scalar_cell(&group, b"", scalar, || key.to_string()),
        }
    }

    fn map_cells(
        &mut self,
        group: &GroupAt,
        key: &str,
        map: &Map<String, Value>,
    ) -> Result<(), ErrorKind> {
        if map.is_empty() {
            return self.empty(group, key, true);
        }
        for (field, value) in map {
            if field.is_empty() {
                return Err(ErrorKind::EmptyName {
                    parent: Some(key.to_string()),
                });
            }
            if let Some(found) = nested(value) {
                return Err(ErrorKind::TooDeep {
                    path: format!("{key}.{field}"),
                    found,
                });
            }
            self.scalar_cell(group, field.as_bytes(), value, || format!("{key}.{field}"))?;
        }
        Ok(())
    }

    /// The one cell that keeps an empty map (`map`) or array.
    fn empty(&mut self, group: &GroupAt, key: &str, map: bool) -> Result<(), ErrorKind> {
        let marker = codec::empty_marker(self.codec(), map, || key.to_string())?;
        self.mapper.naming.push(&mut self.cells, group, b"", |out| {
            out.extend_from_slice(marker);
            Ok(())
        })
    }

    /// Writes one scalar under `group` and `qualifier`.
    fn scalar_cell(
        &mut self,
        group: &GroupAt,
        qualifier: &[u8],
        value: &Value,
        path: impl Fn() -> String,
    ) -> Result<(), ErrorKind> {
        match self.codec() {
            Codec::Json => self
                .mapper
                .naming
                .push(&mut self.cells, group, qualifier, |out| {
                    codec::write_json(value, out)
                }),
            Codec::Text => self
                .mapper
                .naming
                .push(&mut self.cells, group, qualifier, |out| {
                    write_text_value(value, out, path)
                }),
            Codec::Java => self
                .mapper
                .naming
                .push(&mut self.cells, group, qualifier, |out| {
                    java::write_value(value, out, path)
                }),
        }
    }

    /// Writes one scalar under `group`, its qualifier's own part being the
    /// bytes at `part` (see [`Naming::push_at`]). The codec match is
    /// written out in both: one closure matching the codec per cell cost
    /// Value flatten 1.4% more instructions.
    fn scalar_cell_at(
        &mut self,
        group: &GroupAt,
        part: Range<usize>,
        value: &Value,
        path: impl Fn() -> String,
    ) -> Result<(), ErrorKind> {
        let naming = &self.mapper.naming;
        match self.codec() {
            Codec::Json => naming.push_at(&mut self.cells, group, part, |out| {
                codec::write_json(value, out)
            }),
            Codec::Text => naming.push_at(&mut self.cells, group, part, |out| {
                write_text_value(value, out, path)
            }),
            Codec::Java => naming.push_at(&mut self.cells, group, part, |out| {
                java::write_value(value, out, path)
            }),
        }
    }

    fn array(&mut self, group: &GroupAt, key: &str, items: &[Value]) -> Result<(), ErrorKind> {
        match items.first() {
            None => self.empty(group, key, false),
            Some(Value::Object(_)) => self.array_of_maps(group, key, items),
            Some(_) => self.array_of_scalars(group, key, items),
        }
    }

    fn array_of_scalars(
        &mut self,
        group: &GroupAt,
        key: &str,
        items: &[Value],
    ) -> Result<(), ErrorKind> {
        // Elements are most often distinct strings in order (ids, SKUs):
        // then each is its own cell, named by its own text, with no list
        // to build and nothing to sort.
        if sorted_distinct_strings(items) {
            return self.sorted_strings(group, key, items);
        }
        self.named_elements(group, key, items)
    }

    /// The cells of any array of scalars: its elements named by their
    /// text, sorted, and one cell per run of equal texts.
    fn named_elements(
        &mut self,
        group: &GroupAt,
        key: &str,
        items: &[Value],
    ) -> Result<(), ErrorKind> {
        let mut named: Vec<(Cow<'_, str>, usize)> = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let text = match item {
                Value::Object(_) => {
                    return Err(ErrorKind::MixedArray {
                        key: key.to_string(),
                        index,
                    });
                }
                Value::Array(_) => {
                    return Err(ErrorKind::TooDeep {
                        path: format!("{key}[{index}]"),
                        found: "an array",
                    });
                }
                Value::String(text) => Cow::Borrowed(text.as_str()),
                Value::Null => Cow::Borrowed(""),
                other => Cow::Owned(scalar_text(other).unwrap_or_default()),
            };
            named.push((text, index));
        }
        // One cell per distinct qualifier; equal texts are neighbours.
        // Elements often come sorted and distinct (ids, timestamps): one
        // pass of word-wise comparisons says so and spares the sort.
        let distinct = named.windows(2).all(|pair| {
            compare_bytes(pair[0].0.as_bytes(), pair[1].0.as_bytes()) == Ordering::Less
        });
        if !distinct {
            // Stable: equal texts keep their array order.
            named.sort_by(|a, b| compare_bytes(a.0.as_bytes(), b.0.as_bytes()));
        }
        let runs: &mut dyn Iterator<Item = &[(Cow<'_, str>, usize)]> = if distinct {
            &mut named.chunks(1)
        } else {
            &mut named.chunk_by(|a, b| a.0 == b.0)
        };
        for run in runs {
            self.element_cell(group, key, run, items)?;
        }
        Ok(())
    }

    /// The cells of an array whose elements [`sorted_distinct_strings`]
    /// accepts: what the general path writes for it, one run per element.
    fn sorted_strings(
        &mut self,
        group: &GroupAt,
        key: &str,
        items: &[Value],
    ) -> Result<(), ErrorKind> {
        for (index, item) in items.iter().enumerate() {
            let Value::String(text) = item else {
                // Not reached: every element was checked to be a string.
                continue;
            };
            match self.codec() {
                // The element is the qualifier itself: its cell holds its
                // position alone, as `write_elements` would write it.
                Codec::Json => {
                    self.mapper
                        .naming
                        .push(&mut self.cells, group, text.as_bytes(), |out| {
                            codec::write_lone_position(index, out);
                            Ok(())
                        })?
                }
                Codec::Text | Codec::Java => {
                    self.element_cell(group, key, &[(Cow::Borrowed(text), index)], items)?
                }
            }
        }
        Ok(())
    }

    /// The cell of the elements of an array of scalars that share one
    /// qualifier, the text of the first; `run` holds them, in array order.
    fn element_cell(
        &mut self,
        group: &GroupAt,
        key: &str,
        run: &[(Cow<'_, str>, usize)],
        items: &[Value],
    ) -> Result<(), ErrorKind> {
        let Some((text, _)) = run.first() else {
            return Ok(());
        };
        let qualifier = text.as_bytes();
        match self.codec() {
            Codec::Json => self
                .mapper
                .naming
                .push(&mut self.cells, group, qualifier, |out| {
                    let elements = run.iter().map(|&(_, index)| (index, &items[index]));
                    codec::write_elements(text, elements, out)
                }),
            Codec::Text => {
                if let [(_, first), (_, second), ..] = run {
                    return Err(ErrorKind::Unrepresentable {
                        path: format!("{key}[{second}]"),
                        codec: "text",
                        reason: format!(
                            "it repeats `{key}[{first}]`, and the text codec stores arrays of scalars as sets"
                        ),
                    });
                }
                self.mapper
                    .naming
                    .push(&mut self.cells, group, qualifier, |out| {
                        out.extend_from_slice(ARRAY_MARKER);
                        Ok(())
                    })
            }
            Codec::Java => self
                .mapper
                .naming
                .push(&mut self.cells, group, qualifier, |out| {
                    for &(_, index) in run {
                        java::write_position(index, out, || format!("{key}[{index}]"))?;
                    }
                    Ok(())
                }),
        }
    }

    fn array_of_maps(
        &mut self,
        group: &GroupAt,
        key: &str,
        items: &[Value],
    ) -> Result<(), ErrorKind> {
        let Some(primary_key) = self.mapper.keys.get(key) else {
            return Err(ErrorKind::NoPrimaryKey {
                key: key.to_string(),
            });
        };
        // Children usually come with distinct keys, in order: then they
        // are written as they come, each map walked once. Anything else
        // (and any error) undoes that, and the general path writes the
        // array or finds the error it reports.
        if !primary_key.is_composite() {
            let mark = self.cells.mark();
            if self
                .children_in_order(group, key, primary_key.field_name(), items)
                .is_some()
            {
                return Ok(());
            }
            self.cells.rollback(mark);
        }
        self.children_sorted(group, key, primary_key, items)
    }

    /// The cells of an array of maps whose children are maps of at most
    /// [`MAX_FIELDS`] fields with distinct scalar keys in ascending order,
    /// and that write without error; `None` for any other, with some of
    /// its cells written. What [`children_sorted`](Self::children_sorted)
    /// writes for such an array, without gathering and sorting children.
    fn children_in_order(
        &mut self,
        group: &GroupAt,
        key: &str,
        field: &str,
        items: &[Value],
    ) -> Option<()> {
        let mut field_groups = Vec::with_capacity(8);
        // A child's other fields, gathered on the way to its key.
        let mut fields: [(&str, &Value); MAX_FIELDS] = [("", &Value::Null); MAX_FIELDS];
        let mut previous: Option<Cow<'_, str>> = None;
        for (index, item) in items.iter().enumerate() {
            let Value::Object(child) = item else {
                return None;
            };
            if child.len() > MAX_FIELDS {
                return None;
            }
            let mut pk = None;
            let mut count = 0;
            for (name, value) in child {
                if same_name(name, field) {
                    pk = Some(value);
                } else {
                    *fields.get_mut(count)? = (name, value);
                    count += 1;
                }
            }
            let pk = pk?;
            let qualifier = match pk {
                Value::String(text) => Cow::Borrowed(text.as_str()),
                Value::Number(_) | Value::Bool(_) => Cow::Owned(scalar_text(pk)?),
                Value::Null | Value::Array(_) | Value::Object(_) => return None,
            };
            if previous.as_ref().is_some_and(|previous| {
                compare_bytes(previous.as_bytes(), qualifier.as_bytes()) != Ordering::Less
            }) {
                return None;
            }
            let child_fields = fields.get(..count)?.iter().copied();
            self.child_cells(
                group,
                key,
                field,
                qualifier.as_bytes(),
                index,
                child.len(),
                pk,
                child_fields,
                &mut field_groups,
            )
            .ok()?;
            previous = Some(qualifier);
        }
        Some(())
    }

    /// The cells of any array of maps: its children gathered with their
    /// qualifiers, checked, and written sorted by qualifier.
    fn children_sorted(
        &mut self,
        group: &GroupAt,
        key: &str,
        primary_key: &PrimaryKey,
        items: &[Value],
    ) -> Result<(), ErrorKind> {
        let field = primary_key.field_name();
        let mut children = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let Value::Object(child) = item else {
                return Err(ErrorKind::MixedArray {
                    key: key.to_string(),
                    index,
                });
            };
            let (qualifier, pk) = child_qualifier(primary_key, key, index, child)?;
            children.push(Child {
                qualifier,
                index,
                child,
                pk,
            });
        }
        check_unique(key, &mut children)?;
        // Each field's group, named, checked and written once for all
        // children.
        let mut field_groups = Vec::with_capacity(8);
        for &Child {
            ref qualifier,
            index,
            child,
            pk,
        } in &children
        {
            let child_fields = child.iter().filter(|(name, _)| name.as_str() != field);
            let child_fields = child_fields.map(|(name, value)| (name.as_str(), value));
            self.child_cells(
                group,
                key,
                field,
                qualifier.as_bytes(),
                index,
                child.len(),
                pk,
                child_fields,
                &mut field_groups,
            )?;
        }
        Ok(())
    }

    /// The cells of one child: its index cell under the array's group,
    /// then one cell per field other than the key, under the field's
    /// group. `field_groups` holds the groups the array's children opened
    /// so far, in the order they were opened.
    #[allow(clippy::too_many_arguments)]
    #[inline]
    fn child_cells<'v>(
        &mut self,
        group: &GroupAt,
        key: &str,
        field: &str,
        qualifier: &[u8],
        index: usize,
        len: usize,
        pk: &Value,
        fields: impl Iterator<Item = (&'v str, &'v Value)>,
        field_groups: &mut Vec<(&'v str, GroupAt)>,
    ) -> Result<(), ErrorKind> {
        // The qualifier's own part, written once for every cell of the
        // child to share.
        let part = self.cells.push_family(qualifier);
        let naming = &self.mapper.naming;
        match self.codec() {
            Codec::Json => naming.push_at(&mut self.cells, group, part.clone(), |out| {
                codec::write_child(qualifier, index, pk, out)
            })?,
            Codec::Java => naming.push_at(&mut self.cells, group, part.clone(), |out| {
                let path = || format!("{key}[{index}].{field}");
                java::write_position(index, out, path)?;
                java::write_value(pk, out, path)
            })?,
            Codec::Text if len == 1 => {
                return Err(ErrorKind::Unrepresentable {
                    path: format!("{key}[{index}]"),
                    codec: "text",
                    reason: "it holds only its primary key and would leave no cell".into(),
                });
            }
            Codec::Text => {}
        }
        // Children usually share their fields, in the same order: try this
        // field's place among the groups first.
        let mut hint = 0;
        for (name, value) in fields {
            let path = || format!("{key}[{index}].{name}");
            if let Some(found) = nested(value) {
                return Err(ErrorKind::TooDeep {
                    path: path(),
                    found,
                });
            }
            let known = match field_groups.get(hint) {
                Some((known, _)) if same_name(known, name) => Some(hint),
                _ => field_groups
                    .iter()
                    .position(|(known, _)| same_name(known, name)),
            };
            let at = match known {
                Some(at) => at,
                None => {
                    if name.is_empty() {
                        return Err(ErrorKind::EmptyName {
                            parent: Some(format!("{key}[{index}]")),
                        });
                    }
                    let field_group = self.open_field_group(group, key, name, path)?;
                    field_groups.push((name, field_group));
                    field_groups.len() - 1
                }
            };
            hint = at + 1;
            let Some((_, field_group)) = field_groups.get(at) else {
                continue;
            };
            self.scalar_cell_at(field_group, part.clone(), value, path)?;
        }
        Ok(())
    }

    /// Opens the group of the field `name` of the array `key`, checked.
    fn open_field_group(
        &mut self,
        group: &GroupAt,
        key: &str,
        name: &str,
        path: impl Fn() -> String,
    ) -> Result<GroupAt, ErrorKind> {
        self.mapper.naming.open_checked(
            &mut self.cells,
            |naming, out| {
                naming.field_group_in(group, key, name, out);
                false
            },
            |naming, name| {
                check_group(
                    naming,
                    name,
                    path,
                    |owner| matches!(owner, Owner::FieldOf(owner, _) if same_name(owner, key)),
                )
            },
        )
    }
}

/// The most fields a child of an array of maps may have for the fast path
/// ([`Flattener::children_in_order`]); larger children take the general
/// path.
const MAX_FIELDS: usize = 16;

/// Appends a scalar's value under the text codec, which cannot store the
/// array marker as a value.
fn write_text_value(
    value: &Value,
    out: &mut Vec<u8>,
    path: impl Fn() -> String,
) -> Result<(), ErrorKind> {
    let start = out.len();
    codec::write_text(value, out);
    if out.get(start..) == Some(ARRAY_MARKER) {
        return Err(codec::marker_value_error(path()));
    }
    Ok(())
}

/// Fails unless `group` reads back as what `expected` accepts: the check
/// that keeps capjure's prefix collisions (flaw 5) from corrupting a read.
/// Shared by the `serde_json::Value` and the typed paths.
pub(crate) fn check_group(
    naming: &Naming,
    group: &[u8],
    path: impl Fn() -> String,
    expected: impl Fn(Owner<'_>) -> bool,
) -> Result<(), ErrorKind> {
    if !naming.has_configured() || expected(naming.owner(group)) {
        return Ok(());
    }
    Err(ErrorKind::KeyCollision {
        path: path(),
        group: String::from_utf8_lossy(group).into_owned(),
        reads_as: match naming.classify(group)? {
            Group::Key(key) => format!("key `{key}`"),
            Group::Configured(key) => format!("key `{key}`"),
            Group::Field { key, field } => format!("field `{field}` of array `{key}`"),
        },
    })
}

/// The qualifier of one child, checked so that the text codec can read it
/// back: the decoder must give back the field's text.
pub(crate) fn child_qualifier<'v>(
    primary_key: &PrimaryKey,
    key: &str,
    index: usize,
    child: &'v Map<String, Value>,
) -> Result<(Cow<'v, str>, &'v Value), ErrorKind> {
    let field = primary_key.field_name();
    let bad = |problem: String| ErrorKind::BadPrimaryKey {
        key: key.to_string(),
        index,
        field: field.to_string(),
        problem,
    };
    // A scan compares lengths before bytes; the map's search calls memcmp
    // for every key it passes. The caller walks every field anyway.
    let value = child
        .iter()
        .find_map(|(name, value)| same_name(name, field).then_some(value))
        .ok_or_else(|| bad("is missing".into()))?;
    if value.is_null() || value.is_array() || value.is_object() {
        return Err(bad(format!(
            "is {}, not a string, number or boolean",
            crate::describe(value)
        )));
    }
    if !primary_key.is_composite() {
        return Ok(match value {
            Value::String(text) => (Cow::Borrowed(text.as_str()), value),
            other => (Cow::Owned(scalar_text(other).unwrap_or_default()), value),
        });
    }
    let qualifier = primary_key
        .encode(child)
        .map_err(|message| ErrorKind::PrimaryKeyCodec {
            key: format!("{key}[{index}]"),
            message,
        })?;
    {
        let decoded =
            primary_key
                .decode(&qualifier)
                .map_err(|message| ErrorKind::PrimaryKeyCodec {
                    key: format!("{key}[{index}]"),
                    message: format!("decoding \"{qualifier}\": {message}"),
                })?;
        if scalar_text(&decoded) != scalar_text(value) {
            return Err(ErrorKind::PrimaryKeyCodec {
                key: format!("{key}[{index}]"),
                message: format!(
                    "\"{qualifier}\" decodes to {decoded}, but the field holds {value}"
                ),
            });
        }
    }
    Ok((Cow::Owned(qualifier), value))
}

/// One child of an array of maps, with its qualifier and primary key.
pub(crate) struct Child<'v> {
    pub(crate) qualifier: Cow<'v, str>,
    pub(crate) index: usize,
    pub(crate) child: &'v Map<String, Value>,
    pub(crate) pk: &'v Value,
}

/// Two children with one qualifier would merge into one on read.
pub(crate) fn check_unique(key: &str, children: &mut [Child<'_>]) -> Result<(), ErrorKind> {
    children.sort_unstable_by(|a, b| a.qualifier.cmp(&b.qualifier).then(a.index.cmp(&b.index)));
    for pair in children.windows(2) {
        if pair[0].qualifier == pair[1].qualifier {
            return Err(ErrorKind::DuplicatePrimaryKey {
                key: key.to_string(),
                qualifier: pair[0].qualifier.to_string(),
                first: pair[0].index,
                second: pair[1].index,
            });
        }
    }
    Ok(())
}

/// Whether every element is a string and each sorts strictly after the one
/// before it: then every element has a cell of its own, in array order.
fn sorted_distinct_strings(items: &[Value]) -> bool {
    let mut previous: Option<&[u8]> = None;
    for item in items {
        let Value::String(text) = item else {
            return false;
        };
        let text = text.as_bytes();
        if previous.is_some_and(|previous| compare_bytes(previous, text) != Ordering::Less) {
            return false;
        }
        previous = Some(text);
    }
    true
}

/// What a value is, when it is too deep to be a field's value.
fn nested(value: &Value) -> Option<&'static str> {
    match value {
        Value::Object(_) => Some("a map"),
        Value::Array(_) => Some("an array"),
        _ => None,
    }
}

/// Whether two names are equal, for the short names of fields: a few word
/// comparisons (overlapping loads) instead of a call to `memcmp`, which
/// costs more than the comparison itself.
#[inline]
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    same_bytes(a.as_bytes(), b.as_bytes())
}

/// [`same_name`] for names held as bytes.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() > 16 {
        return a == b;
    }
    if let (Some(a_first), Some(a_last), Some(b_first), Some(b_last)) = (
        a.first_chunk::<8>(),
        a.last_chunk::<8>(),
        b.first_chunk::<8>(),
        b.last_chunk::<8>(),
    ) {
        return a_first == b_first && a_last == b_last;
    }
    if let (Some(a_first), Some(a_last), Some(b_first), Some(b_last)) = (
        a.first_chunk::<4>(),
        a.last_chunk::<4>(),
        b.first_chunk::<4>(),
        b.last_chunk::<4>(),
    ) {
        return a_first == b_first && a_last == b_last;
    }
    a.iter().zip(b).all(|(x, y)| x == y)
}

/// Byte-wise order of two names or values, eight bytes per comparison:
/// for the short texts of qualifiers this beats a call to `memcmp`.
#[inline]
pub(crate) fn compare_bytes(a: &[u8], b: &[u8]) -> Ordering {
    // Ids and keys often share a length of 8 to 16 bytes: when their first
    // words are equal, their last words (which overlap the first) decide.
    if let (Some(a_head), Some(b_head)) = (a.first_chunk::<8>(), b.first_chunk::<8>()) {
        if a_head != b_head {
            return u64::from_be_bytes(*a_head).cmp(&u64::from_be_bytes(*b_head));
        }
        if a.len() == b.len() && a.len() <= 16 {
            if let (Some(a_tail), Some(b_tail)) = (a.last_chunk::<8>(), b.last_chunk::<8>()) {
                return u64::from_be_bytes(*a_tail).cmp(&u64::from_be_bytes(*b_tail));
            }
        }
    }
    let (mut a, mut b) = (a, b);
    while let (Some((a_word, a_rest)), Some((b_word, b_rest))) =
        (a.split_first_chunk::<8>(), b.split_first_chunk::<8>())
    {
        if a_word != b_word {
            // Big-endian, the first byte is the most significant: the
            // words order as their bytes do.
            return u64::from_be_bytes(*a_word).cmp(&u64::from_be_bytes(*b_word));
        }
        (a, b) = (a_rest, b_rest);
    }
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::{Flattener, compare_bytes, same_name, sorted_distinct_strings};
    use crate::cell::Cells;
    use crate::codec::Codec;
    use crate::error::ErrorKind;
    use crate::keys::KeyConfig;
    use crate::layout::{GroupAt, Layout, Naming};
    use crate::mapper::Mapper;
    use serde_json::{Value, json};

    /// Every codec under every layout, with one array of maps configured.
    fn mappers() -> Vec<Mapper> {
        let mut mappers = Vec::new();
        for codec in [Codec::Json, Codec::Text, Codec::Java] {
            for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
                let keys = KeyConfig::new().field("cart", "sku");
                mappers.push(Mapper::new(keys).with_layout(layout).with_codec(codec));
            }
        }
        mappers
    }

    /// The cells one method of a fresh flattener writes for `key`, after
    /// opening the key's group, or its error.
    fn cells_of(
        mapper: &Mapper,
        key: &str,
        write: impl FnOnce(&mut Flattener<'_>, &GroupAt) -> Result<(), ErrorKind>,
    ) -> Result<Cells, String> {
        let mut flattener = Flattener {
            mapper,
            cells: Cells::new(),
        };
        let group = mapper
            .naming
            .open_group_with(&mut flattener.cells, |naming: &Naming, out| {
                naming.key_group(key, out)
            });
        write(&mut flattener, &group)
            .map(|()| flattener.cells)
            .map_err(|err| format!("{err:?}"))
    }

    #[test]
    fn sorted_strings_write_what_the_general_path_writes() {
        let arrays = [
            json!(["a"]),
            json!(["SKU-00001-1", "SKU-00008-2", "SKU-00015-0", "x:y", "z__"]),
            json!(["", "_", "a", "b%", "ünï"]),
            json!((0..120).map(|i| format!("e{i:04}")).collect::<Vec<_>>()),
            json!(["1c8fd7d", "2"]),
        ];
        for mapper in mappers() {
            for array in &arrays {
                let Value::Array(items) = array else {
                    unreachable!()
                };
                assert!(sorted_distinct_strings(items), "{array}");
                let fast = cells_of(&mapper, "viewed", |f, g| {
                    f.sorted_strings(g, "viewed", items)
                });
                let general = cells_of(&mapper, "viewed", |f, g| {
                    f.named_elements(g, "viewed", items)
                });
                assert_eq!(fast, general, "{array} {:?}", mapper.codec);
            }
        }
    }

    /// Arrays of maps keyed by `sku`: some take the in-order path, some
    /// leave it part way (out of order, repeated, bad keys or fields).
    fn arrays_of_maps() -> Vec<Value> {
        let wide: serde_json::Map<String, Value> =
            (0..20).map(|i| (format!("f{i:02}"), json!(i))).collect();
        let mut wide_child = wide.clone();
        wide_child.insert("sku".into(), json!("w"));
        vec![
            json!([{"sku": "a", "qty": 1, "price": 1.5}, {"sku": "b", "qty": 2, "price": 2.5}]),
            json!([{"sku": "a", "qty": 1}, {"sku": "b", "note": "x", "qty": 2}, {"sku": "c"}]),
            json!([{"sku": 1, "on": true}, {"sku": 2, "on": false}, {"sku": 10, "on": null}]),
            json!([{"sku": false, "n": 1}, {"sku": true, "n": 2}]),
            json!([{"sku": "a", "x:y": 1, "_u_": 2, "50%": "p"}]),
            json!([{"sku": "a", "v": "1c8fd7d"}]),
            json!([{"sku": "b", "n": 1}, {"sku": "a", "n": 2}]),
            json!([{"sku": "a", "n": 1}, {"sku": "a", "n": 2}]),
            json!([{"sku": "a", "n": 1}, {"sku": "b", "n": [2]}]),
            json!([{"sku": "a", "n": 1}, {"sku": "b", "n": {"m": 2}}]),
            json!([{"sku": "a", "n": 1}, {"sku": "b", "": 2}]),
            json!([{"sku": "a", "n": 1}, {"n": 2}]),
            json!([{"sku": "a", "n": 1}, {"sku": null, "n": 2}]),
            json!([{"sku": "a", "n": 1}, {"sku": ["b"], "n": 2}]),
            json!([{"sku": "a", "n": 1}, "b"]),
            json!([{"sku": "a"}]),
            json!([{"sku": "a", "n": 1}, {"sku": "b", "n": 1e300}]),
            json!([{"sku": "a", "n": 1}, Value::Object(wide_child)]),
        ]
    }

    #[test]
    fn children_in_order_write_what_the_general_path_writes() {
        for mapper in mappers() {
            let Some(primary_key) = mapper.keys.get("cart") else {
                unreachable!()
            };
            let mut fast_paths = 0;
            for array in arrays_of_maps() {
                let Value::Array(items) = &array else {
                    unreachable!()
                };
                let general = cells_of(&mapper, "cart", |f, g| {
                    f.children_sorted(g, "cart", primary_key, items)
                });
                let chosen = cells_of(&mapper, "cart", |f, g| f.array_of_maps(g, "cart", items));
                assert_eq!(chosen, general, "{array} {:?}", mapper.codec);
                let fast = cells_of(&mapper, "cart", |f, g| {
                    f.children_in_order(g, "cart", "sku", items)
                        .ok_or(ErrorKind::EmptyName { parent: None })
                });
                if let Ok(fast) = fast {
                    assert_eq!(Ok(fast), general, "{array} {:?}", mapper.codec);
                    fast_paths += 1;
                }
            }
            // The text codec refuses a child of only its key, and a value
            // equal to its array marker.
            assert!(fast_paths >= 4, "{:?}: {fast_paths}", mapper.codec);
        }
    }

    #[test]
    fn only_sorted_distinct_strings_take_the_fast_path() {
        for array in [
            json!(["b", "a"]),
            json!(["a", "a"]),
            json!(["a", 1]),
            json!([1, 2]),
            json!(["a", null]),
            json!(["a", {"b": 1}]),
            json!(["a", ["b"]]),
        ] {
            let Value::Array(items) = &array else {
                unreachable!()
            };
            assert!(!sorted_distinct_strings(items), "{array}");
        }
    }

    #[test]
    fn compare_bytes_is_slice_order() {
        let texts: [&[u8]; 20] = [
            b"SKU-00031-2",
            b"SKU-00032-0",
            b"SKU-00031-2x",
            b"SKU-00031-2y",
            b"0123456789abcdeg",
            b"0123456789abcdff",
            b"01234567",
            b"01234568",
            b"",
            b"a",
            b"ab",
            b"SKU-00031-0",
            b"SKU-00031-1",
            b"SKU-00031",
            b"SKU-0003",
            b"SKU-0003\xff",
            b"SKU-0004",
            b"0123456789abcdefg",
            b"0123456789abcdef",
            b"\xff\x00",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(compare_bytes(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn compare_bytes_is_slice_order_for_near_texts() {
        // Texts of every length up to 20 that differ in few places, from a
        // small alphabet, so that heads, tails and lengths often tie.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            state >> 33
        };
        let mut texts: Vec<Vec<u8>> = Vec::new();
        for _ in 0..400 {
            let len = (next() % 21) as usize;
            texts.push((0..len).map(|_| b"a\xff"[(next() % 2) as usize]).collect());
        }
        for a in &texts {
            for b in &texts {
                assert_eq!(compare_bytes(a, b), a.cmp(b), "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn same_name_is_string_equality() {
        let names = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "qty",
            "sku",
            "price",
            "added_at",
            "added_as",
            "removed",
            "a_long_field_name",
            "a_long_field_namf",
            "0123456789abcdef",
            "0123456789abcdeg",
        ];
        for a in names {
            for b in names {
                assert_eq!(same_name(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }
}
