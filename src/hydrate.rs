//! Cells -> object, for `serde_json` values.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::cell::{CellRef, Excerpt};
use crate::codec::{self, ARRAY_MARKER, Codec, JsonCell};
use crate::error::{ErrorKind, Result, column_name};
use crate::flatten::{compare_bytes, same_bytes};
use crate::keys::PrimaryKey;
use crate::layout::{Group, Naming, Owner, split_single};
use crate::mapper::Mapper;

/// One stored cell with the group and qualifier the layout wrote it under.
#[derive(Clone, Copy)]
pub(crate) struct Entry<'a> {
    pub(crate) group: &'a [u8],
    pub(crate) qualifier: &'a [u8],
    pub(crate) cell: Stored<'a>,
    /// Whether the previous entry has the same group, as found by the
    /// order check, so that splitting into runs compares no names again.
    same_group: bool,
}

/// A cell's column and value: what reading needs of a [`CellRef`], without
/// its timestamp, as every entry is copied into the row's list.
#[derive(Clone, Copy)]
pub(crate) struct Stored<'a> {
    pub(crate) family: &'a [u8],
    pub(crate) qualifier: &'a [u8],
    pub(crate) value: &'a [u8],
}

impl<'a> Entry<'a> {
    fn new(group: &'a [u8], qualifier: &'a [u8], cell: &CellRef<'a>, same_group: bool) -> Self {
        Entry {
            group,
            qualifier,
            cell: Stored {
                family: cell.family,
                qualifier: cell.qualifier,
                value: cell.value,
            },
            same_group,
        }
    }

    const EMPTY: Entry<'static> = Entry {
        group: &[],
        qualifier: &[],
        cell: Stored {
            family: &[],
            qualifier: &[],
            value: &[],
        },
        same_group: false,
    };

    pub(crate) fn malformed(&self, reason: impl Into<String>) -> ErrorKind {
        ErrorKind::malformed(self.cell.family, self.cell.qualifier, reason)
    }

    pub(crate) fn qualifier_text(&self) -> Result<String, ErrorKind> {
        crate::text::utf8(self.qualifier)
            .map(str::to_owned)
            .map_err(|_| ErrorKind::InvalidUtf8 {
                column: column_name(self.cell.family, self.cell.qualifier),
                part: "qualifier",
            })
    }
}

/// The cells of one top-level key: its own group's cells and, for an array
/// of maps, each field's group.
pub(crate) struct KeyCells<'e, 'a> {
    pub(crate) plain: &'e [Entry<'a>],
    pub(crate) fields: Vec<(Cow<'e, str>, &'e [Entry<'a>])>,
}

impl<'e, 'a> KeyCells<'e, 'a> {
    fn new(plain: &'e [Entry<'a>]) -> Self {
        KeyCells {
            plain,
            fields: Vec::new(),
        }
    }

    /// The key's first cell, which errors about the whole key name.
    pub(crate) fn first(&self) -> Option<&'e Entry<'a>> {
        self.plain
            .first()
            .or_else(|| self.fields.first().and_then(|field| field.1.first()))
    }

    /// The primary key configured for this array of maps; without one the
    /// cells cannot be read back, and the error names the first column.
    pub(crate) fn primary_key<'m>(
        &self,
        mapper: &'m Mapper,
        key: &str,
    ) -> Result<&'m PrimaryKey, ErrorKind> {
        mapper.keys.get(key).ok_or_else(|| match self.first() {
            Some(entry) => entry.malformed(format!(
                "array of maps under key `{key}`, which has no primary key configured"
            )),
            None => ErrorKind::NoPrimaryKey {
                key: key.to_string(),
            },
        })
    }
}

/// A row's top-level keys (not unescaped twice: configured keys borrow the
/// configuration's names) and their cells, in group order.
pub(crate) type Keys<'e, 'a> = [(Cow<'e, str>, KeyCells<'e, 'a>)];

pub(crate) fn hydrate<'a>(
    mapper: &Mapper,
    cells: impl Iterator<Item = CellRef<'a>>,
) -> Result<Map<String, Value>> {
    with_keys(mapper, cells, |keys| {
        let mut object = Map::new();
        for (key, parts) in keys {
            let value = match mapper.codec {
                Codec::Json => json_value(mapper, key, parts)?,
                Codec::Text => text_value(mapper, key, parts)?,
                Codec::Java => return Err(untyped(parts).into()),
            };
            if object.insert(String::from(key.as_ref()), value).is_some() {
                let reason = "two column families name the same key";
                return Err(match parts.first() {
                    Some(entry) => entry.malformed(reason),
                    None => ErrorKind::Malformed {
                        column: String::new(),
                        reason: reason.into(),
                    },
                }
                .into());
            }
        }
        Ok(object)
    })
}

/// Gathers one row's cells by the top-level key they belong to and hands
/// the keys to `read`: shared by the Value and the typed paths. The cells
/// are checked to hold one version per column.
pub(crate) fn with_keys<'a, R>(
    mapper: &Mapper,
    cells: impl Iterator<Item = CellRef<'a>>,
    read: impl for<'e> FnOnce(&'e Keys<'e, 'a>) -> Result<R>,
) -> Result<R> {
    // The row's lists are the ones the thread's last row left: a new
    // entries list would take malloc's slow path at this size, or an array
    // on the stack be filled in first, on every call.
    let Spare {
        entries,
        keys,
        mut names,
    } = SPARE.take();
    let mut entries: Vec<Entry<'a>> = entries;
    // The layout is asked once per row, not per cell: under the
    // multi-family layout a cell's group and qualifier are its family and
    // qualifier, and splitting cannot fail.
    let gathered = match mapper.naming.single_family() {
        None => gather(cells, &mut entries, |cell| {
            Ok((cell.family, cell.qualifier))
        }),
        Some(family) => gather(cells, &mut entries, |cell| split_single(family, cell)),
    };
    let sorted = gathered?;
    let mut misses = Vec::new();
    let (result, keys) = read_entries(
        mapper,
        &mut entries,
        sorted,
        &names,
        &mut misses,
        keys,
        read,
    );
    for (run, group) in misses {
        // Only a group that reads back as its own text is remembered; any
        // other is left an empty name, which no group with a `%` matches.
        let text = match std::str::from_utf8(group) {
            Ok(text) if !holds_percent(group) => text,
            _ => "",
        };
        match names.get_mut(run) {
            Some(name) => text.clone_into(name),
            None => names.push(text.to_owned()),
        }
    }
    if entries.capacity() <= MAX_SPARE && keys.capacity() <= MAX_SPARE && names.len() <= MAX_SPARE {
        SPARE.set(Spare {
            entries: recycle(entries, || Entry::EMPTY),
            keys,
            names,
        });
    }
    result
}

/// Splits each cell into its group and qualifier, in `entries`, and says
/// whether they came in (group, qualifier) order. The order check is made
/// as the entries are gathered, while the previous cell's names are still
/// at hand: a second pass would load every entry again. A column given
/// twice is reported after every cell was split, as a split error comes
/// first.
fn gather<'a>(
    mut cells: impl Iterator<Item = CellRef<'a>>,
    entries: &mut Vec<Entry<'a>>,
    split: impl Fn(&CellRef<'a>) -> Result<(&'a [u8], &'a [u8]), ErrorKind>,
) -> Result<bool, ErrorKind> {
    let mut sorted = true;
    let mut duplicate: Option<(&[u8], &[u8])> = None;
    // The first cell has no predecessor to be checked against.
    if let Some(cell) = cells.next() {
        let (group, qualifier) = split(&cell)?;
        entries.push(Entry::new(group, qualifier, &cell, false));
        let mut previous = (group, qualifier);
        for cell in cells {
            let (group, qualifier) = split(&cell)?;
            let (same_group, order) = column_order(previous, (group, qualifier));
            match order {
                Ordering::Less => {}
                Ordering::Greater => sorted = false,
                Ordering::Equal => {
                    duplicate.get_or_insert((cell.family, cell.qualifier));
                }
            }
            previous = (group, qualifier);
            entries.push(Entry::new(group, qualifier, &cell, same_group));
        }
    }
    match duplicate {
        Some((family, qualifier)) => Err(ErrorKind::DuplicateColumn {
            column: column_name(family, qualifier),
        }),
        None => Ok(sorted),
    }
}

/// The most entries, or keys, a thread keeps between rows (about 100 KB
/// and 64 KB).
const MAX_SPARE: usize = 1024;

/// A row's working lists, empty, kept for the thread's next row.
#[derive(Default)]
struct Spare {
    entries: Vec<Entry<'static>>,
    keys: Vec<(Cow<'static, str>, KeyCells<'static, 'static>)>,
    /// The text of the last row's groups, by run: rows of one type repeat
    /// their groups, and a group equal to its remembered text is known to
    /// be UTF-8 without validating it again.
    names: Vec<String>,
}

thread_local! {
    static SPARE: std::cell::Cell<Spare> = const {
        std::cell::Cell::new(Spare { entries: Vec::new(), keys: Vec::new(), names: Vec::new() })
    };
}

/// A row's list emptied, for the next row: its items borrowed the row,
/// the empty list borrows nothing and is given the static lifetime by
/// collecting it anew, which keeps its allocation (the item's size is the
/// same). `empty` is never called.
fn recycle<T, U>(mut list: Vec<T>, empty: impl Fn() -> U) -> Vec<U> {
    list.clear();
    list.into_iter().map(|_| empty()).collect()
}

/// [`with_keys`] for gathered entries, with the list to gather the keys
/// in, which is given back emptied.
fn read_entries<'e, 'a, R>(
    mapper: &'e Mapper,
    entries: &'e mut [Entry<'a>],
    sorted: bool,
    names: &'e [String],
    misses: &mut Vec<(usize, &'a [u8])>,
    mut keys: Vec<(Cow<'e, str>, KeyCells<'e, 'a>)>,
    read: impl for<'k> FnOnce(&'k Keys<'k, 'a>) -> Result<R>,
) -> (
    Result<R>,
    Vec<(Cow<'static, str>, KeyCells<'static, 'static>)>,
) {
    let result =
        gather_keys(mapper, entries, sorted, names, misses, &mut keys).and_then(|()| read(&keys));
    (
        result,
        recycle(keys, || (Cow::Borrowed(""), KeyCells::new(&[]))),
    )
}

/// Splits the entries into the keys they belong to, in `keys`.
fn gather_keys<'e, 'a>(
    mapper: &'e Mapper,
    entries: &'e mut [Entry<'a>],
    sorted: bool,
    names: &'e [String],
    misses: &mut Vec<(usize, &'a [u8])>,
    keys: &mut Vec<(Cow<'e, str>, KeyCells<'e, 'a>)>,
) -> Result<()> {
    // Stores hand cells over sorted by column, as `with_keys` checked; they
    // are sorted here only when they were not.
    if !sorted {
        entries.sort_unstable_by(|a, b| {
            a.group
                .cmp(b.group)
                .then_with(|| a.qualifier.cmp(b.qualifier))
        });
        mark_groups(entries)?;
    }

    // Runs arrive in group order: a configured key's own run (`cars`) comes
    // before its fields' runs (`cars_make`), which join it. A configured
    // key's name is borrowed from the configuration, the same `str` for
    // every run of it, so it is found among the keys by address, newest
    // first: no list of configured keys (an allocation per row), and no
    // plain key of the same text can match.
    for (at, run) in entries.chunk_by(|_, b| b.same_group).enumerate() {
        let group = run[0].group;
        // Checked per group, not per cell: the writers refuse empty names,
        // so an empty key read back could not be written again.
        if group.is_empty() {
            return Err(run[0]
                .malformed("the key's name is empty, and no object can hold an empty key")
                .into());
        }
        let known = names
            .get(at)
            .map(String::as_str)
            .filter(|name| same_bytes(name.as_bytes(), group));
        if known.is_none() {
            misses.push((at, group));
        }
        let (key, parts) = match classify(&mapper.naming, group, known)? {
            Group::Key(key) => (key, KeyCells::new(run)),
            Group::Configured(key) => (Cow::Borrowed(key), KeyCells::new(run)),
            Group::Field { key, field } => {
                if field.is_empty() {
                    return Err(run[0]
                        .malformed(format!(
                            "the field's name is empty, and no child of `{key}` can hold an \
                             empty field"
                        ))
                        .into());
                }
                let owner = keys.iter_mut().rev().find(
                    |(name, _)| matches!(name, Cow::Borrowed(name) if std::ptr::eq(*name, key)),
                );
                if let Some((_, parts)) = owner {
                    parts.fields.push((field, run));
                    continue;
                }
                let mut parts = KeyCells::new(&[]);
                parts.fields.push((field, run));
                (Cow::Borrowed(key), parts)
            }
        };
        keys.push((key, parts));
    }
    Ok(())
}

/// What a group reads back as: [`Naming::classify`], with its common case
/// done here. Unescaping undoes `%XX` escapes only, so a group without a
/// `%` (almost every group) reads back as its own text; the `%` is looked
/// for a word at a time, cheaper than `memchr` on names this short. Any
/// other group, and any error, is left to `classify`.
fn classify<'c, 'g>(
    naming: &'c Naming,
    group: &'g [u8],
    known: Option<&'g str>,
) -> Result<Group<'c, 'g>, ErrorKind> {
    if let Some(known) = known {
        // The group's own text, remembered from an earlier row: it held
        // no `%` (see `with_keys`). A field starts after an ASCII `_`, on a
        // character boundary.
        let plain = match naming.owner(group) {
            Owner::Configured(key) => Some(Group::Configured(key)),
            Owner::FieldOf(key, start) => known.get(start..).map(|field| Group::Field {
                key,
                field: Cow::Borrowed(field),
            }),
            Owner::Plain => Some(Group::Key(Cow::Borrowed(known))),
        };
        if let Some(plain) = plain {
            return Ok(plain);
        }
    } else if !holds_percent(group) {
        let text = |bytes: &'g [u8]| std::str::from_utf8(bytes).ok().map(Cow::Borrowed);
        let plain = match naming.owner(group) {
            Owner::Configured(key) => Some(Group::Configured(key)),
            Owner::FieldOf(key, start) => group
                .get(start..)
                .and_then(text)
                .map(|field| Group::Field { key, field }),
            Owner::Plain => text(group).map(Group::Key),
        };
        if let Some(plain) = plain {
            return Ok(plain);
        }
    }
    naming.classify(group)
}

/// Whether a name holds a `%`, checked 8 bytes at a time: a word holds one
/// when XORing it with `%`s leaves a zero byte, whose borrow then reaches
/// that byte's clear high bit.
fn holds_percent(name: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let percent = |bytes: &[u8; 8]| {
        let word = u64::from_ne_bytes(*bytes) ^ (ONES * u64::from(b'%'));
        word.wrapping_sub(ONES) & !word & HIGHS != 0
    };
    if name
        .chunks_exact(8)
        .any(|chunk| chunk.first_chunk().is_none_or(percent))
    {
        return true;
    }
    // The last bytes: as a word overlapping the one before when there is one.
    match name.last_chunk() {
        Some(last) => percent(last),
        None => name.contains(&b'%'),
    }
}

/// Whether `next` (group, qualifier) shares `previous`'s group, and how the
/// two compare in column order.
#[inline(always)]
fn column_order(previous: (&[u8], &[u8]), next: (&[u8], &[u8])) -> (bool, Ordering) {
    // Most cells share their predecessor's group: equality is the cheaper
    // question to ask first.
    let same_group = same_bytes(previous.0, next.0);
    let order = if same_group {
        compare_bytes(previous.1, next.1)
    } else {
        compare_bytes(previous.0, next.0)
    };
    (same_group, order)
}

/// Marks each of the just sorted entries whose group is its predecessor's;
/// a column given twice is an error.
fn mark_groups(entries: &mut [Entry<'_>]) -> Result<(), ErrorKind> {
    for i in 1..entries.len() {
        let (previous, entry) = (&entries[i - 1], &entries[i]);
        let (same_group, order) = column_order(
            (previous.group, previous.qualifier),
            (entry.group, entry.qualifier),
        );
        if order == Ordering::Equal {
            return Err(ErrorKind::DuplicateColumn {
                column: column_name(entry.cell.family, entry.cell.qualifier),
            });
        }
        entries[i].same_group = same_group;
    }
    Ok(())
}

fn json_scalar(entry: &Entry<'_>) -> Result<Value, ErrorKind> {
    codec::read_json(entry.cell.family, entry.cell.qualifier, entry.cell.value)
}

pub(crate) fn json_value(
    mapper: &Mapper,
    key: &str,
    parts: &KeyCells<'_, '_>,
) -> Result<Value, ErrorKind> {
    let plain = parts.plain;
    let first_kind = plain.first().map(|entry| JsonCell::of(entry.cell.value));
    if !parts.fields.is_empty() || first_kind == Some(JsonCell::Child) {
        return json_children(mapper, key, parts);
    }
    let Some(first) = plain.first() else {
        return Ok(Value::Null);
    };
    match first_kind {
        Some(JsonCell::Scalar) if plain.len() == 1 && first.qualifier.is_empty() => {
            json_scalar(first)
        }
        Some(JsonCell::EmptyMap | JsonCell::EmptyArray) => {
            if plain.len() > 1 || !first.qualifier.is_empty() {
                return Err(
                    first.malformed("an empty-map or empty-array marker stands beside other cells")
                );
            }
            Ok(if first_kind == Some(JsonCell::EmptyMap) {
                Value::Object(Map::new())
            } else {
                Value::Array(Vec::new())
            })
        }
        Some(JsonCell::Elements) => {
            let mut pairs = Vec::with_capacity(plain.len());
            for entry in plain {
                if JsonCell::of(entry.cell.value) != JsonCell::Elements {
                    return Err(entry.malformed("a non-element cell stands in an array of scalars"));
                }
                codec::read_elements(
                    entry.cell.family,
                    entry.cell.qualifier,
                    entry.qualifier,
                    entry.cell.value,
                    &mut pairs,
                )?;
            }
            in_order(pairs, &plain[0]).map(Value::Array)
        }
        _ => {
            let mut map = Map::new();
            for entry in plain {
                if entry.qualifier.is_empty() || JsonCell::of(entry.cell.value) != JsonCell::Scalar
                {
                    return Err(entry.malformed(format!("does not fit the map under key `{key}`")));
                }
                map.insert(entry.qualifier_text()?, json_scalar(entry)?);
            }
            Ok(Value::Object(map))
        }
    }
}

/// Orders (position, value) pairs, which must be exactly positions 0..n.
fn in_order(mut pairs: Vec<(u64, Value)>, at: &Entry<'_>) -> Result<Vec<Value>, ErrorKind> {
    pairs.sort_unstable_by_key(|pair| pair.0);
    if pairs.iter().enumerate().any(|(i, pair)| pair.0 != i as u64) {
        return Err(at.malformed("array positions are not 0, 1, 2, ... without gaps or repeats"));
    }
    Ok(pairs.into_iter().map(|pair| pair.1).collect())
}

fn json_children(mapper: &Mapper, key: &str, parts: &KeyCells<'_, '_>) -> Result<Value, ErrorKind> {
    let first = parts.first();
    let primary_key = parts.primary_key(mapper, key)?;
    // The plain group holds one index cell per child, sorted by qualifier.
    let mut children = Vec::with_capacity(parts.plain.len());
    for entry in parts.plain {
        if JsonCell::of(entry.cell.value) != JsonCell::Child {
            return Err(
                entry.malformed(format!("does not fit the array of maps under key `{key}`"))
            );
        }
        let (position, pk) = codec::read_child(
            entry.cell.family,
            entry.cell.qualifier,
            entry.qualifier,
            entry.cell.value,
        )?;
        let mut child = Map::new();
        child.insert(primary_key.field_name().to_string(), pk);
        children.push((position, child));
    }
    // A field's cells and the index cells are both sorted by qualifier:
    // walk them side by side.
    for (field, entries) in &parts.fields {
        let mut at = 0;
        for entry in *entries {
            while at < parts.plain.len() && parts.plain[at].qualifier < entry.qualifier {
                at += 1;
            }
            if at == parts.plain.len() || parts.plain[at].qualifier != entry.qualifier {
                return Err(entry.malformed(format!("no child of `{key}` has this primary key")));
            }
            children[at]
                .1
                .insert(field.to_string(), json_scalar(entry)?);
        }
    }
    let Some(first) = first else {
        return Ok(Value::Array(Vec::new()));
    };
    let ordered = in_order(
        children
            .into_iter()
            .map(|(position, child)| (position, Value::Object(child)))
            .collect(),
        first,
    )?;
    Ok(Value::Array(ordered))
}

fn text_scalar(entry: &Entry<'_>) -> Result<Value, ErrorKind> {
    codec::read_text(entry.cell.family, entry.cell.qualifier, entry.cell.value)
}

pub(crate) fn text_value(
    mapper: &Mapper,
    key: &str,
    parts: &KeyCells<'_, '_>,
) -> Result<Value, ErrorKind> {
    let plain = parts.plain;
    if !parts.fields.is_empty() {
        if let Some(entry) = plain.first() {
            return Err(
                entry.malformed(format!("stands beside the array of maps under key `{key}`"))
            );
        }
        return text_children(mapper, key, parts);
    }
    let Some(first) = plain.first() else {
        return Ok(Value::Null);
    };
    if plain.iter().any(|entry| entry.cell.value == ARRAY_MARKER) {
        let mut items = Vec::with_capacity(plain.len());
        for entry in plain {
            if entry.cell.value != ARRAY_MARKER {
                return Err(
                    entry.malformed(format!("stands in the array of scalars under key `{key}`"))
                );
            }
            items.push(Value::String(entry.qualifier_text()?));
        }
        return Ok(Value::Array(items));
    }
    if plain.len() == 1 && first.qualifier.is_empty() {
        return text_scalar(first);
    }
    let mut map = Map::new();
    for entry in plain {
        if entry.qualifier.is_empty() {
            return Err(entry.malformed(format!(
                "has an empty qualifier beside the fields of map `{key}`"
            )));
        }
        map.insert(entry.qualifier_text()?, text_scalar(entry)?);
    }
    Ok(Value::Object(map))
}

fn text_children(mapper: &Mapper, key: &str, parts: &KeyCells<'_, '_>) -> Result<Value, ErrorKind> {
    let primary_key = parts.primary_key(mapper, key)?;
    let mut children: BTreeMap<&[u8], Map<String, Value>> = BTreeMap::new();
    for (field, entries) in &parts.fields {
        for entry in *entries {
            let child = match children.get_mut(entry.qualifier) {
                Some(child) => child,
                None => {
                    let qualifier = entry.qualifier_text()?;
                    let pk = primary_key.decode(&qualifier).map_err(|message| {
                        ErrorKind::PrimaryKeyCodec {
                            key: key.to_string(),
                            message: format!(
                                "decoding \"{}\" in column \"{}\": {message}",
                                Excerpt::text(&qualifier),
                                column_name(entry.cell.family, entry.cell.qualifier)
                            ),
                        }
                    })?;
                    let mut child = Map::new();
                    child.insert(primary_key.field_name().to_string(), pk);
                    children.entry(entry.qualifier).or_insert(child)
                }
            };
            child.insert(field.to_string(), text_scalar(entry)?);
        }
    }
    Ok(Value::Array(
        children.into_values().map(Value::Object).collect(),
    ))
}

/// The error for a Value read of cells written with the Java codec.
pub(crate) fn untyped(parts: &KeyCells<'_, '_>) -> ErrorKind {
    ErrorKind::Untyped {
        column: parts
            .first()
            .map(|entry| column_name(entry.cell.family, entry.cell.qualifier))
            .unwrap_or_default(),
        codec: "java",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::KeyConfig;
    use crate::layout::Layout;

    #[test]
    fn groups_classify_as_the_layout_classifies_them() {
        let keys = KeyConfig::new()
            .field("cart", "sku")
            .field("cart_items", "id");
        let groups: [&[u8]; 16] = [
            b"cart",
            b"cart_",
            b"cart_qty",
            b"cart_items",
            b"cart_items_id",
            b"cart2",
            b"carts_x",
            b"road",
            b"",
            b"%25",
            b"cart_%5Fq",
            b"lon%gname_with_percent",
            b"a%3Ab",
            b"caf\xc3\xa9_and_more",
            b"bad\xff",
            b"cart_bad\xffbytes",
        ];
        for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
            let naming = Naming::new(&layout, &keys);
            for group in groups {
                assert_eq!(
                    format!("{:?}", classify(&naming, group, None)),
                    format!("{:?}", naming.classify(group)),
                    "{group:?}"
                );
            }
        }
    }

    #[test]
    fn a_plain_key_named_like_a_configured_one_takes_no_fields() {
        let mapper = Mapper::new(KeyConfig::new().field("cart", "sku"));
        let cells = [
            crate::Cell::new("c%61rt", "", "1"),
            crate::Cell::new("cart_qty", "a", "2"),
        ];
        // The field's run opens the configured key instead of joining the
        // plain one, and the configured key has no index cell for it.
        let err = mapper.hydrate(&cells).unwrap_err().to_string();
        assert!(
            err.contains("no child of `cart` has this primary key"),
            "{err}"
        );
    }

    #[test]
    fn a_column_given_twice_is_reported_after_every_cell_is_split() {
        let duplicate =
            "column \"a:x\" appears more than once; hydrate takes one version per column";
        let mapper = Mapper::default();
        // Next to each other as given, and apart until sorted.
        for cells in [
            [("a", "x"), ("a", "x"), ("b", "")],
            [("a", "x"), ("b", ""), ("a", "x")],
        ] {
            let cells = cells.map(|(family, qualifier)| crate::Cell::new(family, qualifier, "1"));
            let err = mapper.hydrate(&cells).unwrap_err().to_string();
            assert_eq!(err, duplicate);
        }
        // A cell that cannot be split, after the duplicate, is reported first.
        let mapper = Mapper::default().with_layout(crate::Layout::single_family("m"));
        let cells = [
            crate::Cell::new("m", "a__x", "1"),
            crate::Cell::new("m", "a__x", "1"),
            crate::Cell::new("m", "nosplit", "1"),
        ];
        let err = mapper.hydrate(&cells).unwrap_err().to_string();
        assert!(err.contains("has no `__`"), "{err}");
    }

    #[test]
    fn a_rows_lists_are_kept_for_the_next_row() {
        let cells = [
            crate::Cell::new("a", "", "1"),
            crate::Cell::new("b", "", "2"),
        ];
        Mapper::default().hydrate(&cells).unwrap();
        // Collecting the emptied lists anew kept their allocations.
        let spare = SPARE.take();
        assert!(spare.entries.capacity() >= 2 && spare.keys.capacity() >= 2);
    }

    #[test]
    fn remembered_group_names_read_as_the_groups_do() {
        let mapper = Mapper::default();
        // Each row follows the one before on this thread: its groups meet
        // the names the last row left, equal or not.
        let rows: [(&[crate::Cell], Value); 4] = [
            (
                &[
                    crate::Cell::new("a", "", "1"),
                    crate::Cell::new("x%41", "", "2"),
                ],
                serde_json::json!({"a": 1, "xA": 2}),
            ),
            (
                &[
                    crate::Cell::new("a", "", "3"),
                    crate::Cell::new("x%41", "", "4"),
                ],
                serde_json::json!({"a": 3, "xA": 4}),
            ),
            (
                &[
                    crate::Cell::new("b", "", "5"),
                    crate::Cell::new("x%41", "", "6"),
                ],
                serde_json::json!({"b": 5, "xA": 6}),
            ),
            (
                &[crate::Cell::new("b", "", "7")],
                serde_json::json!({"b": 7}),
            ),
        ];
        for (cells, expected) in rows {
            assert_eq!(mapper.hydrate(cells).unwrap(), expected);
        }
        // A group that is not UTF-8 is not remembered as a name.
        let invalid = [crate::Cell::new(&b"b\xff"[..], "", "8")];
        for _ in 0..2 {
            assert!(mapper.hydrate(&invalid).is_err());
        }
    }

    #[test]
    fn names_compare_as_their_bytes() {
        // Names of every length to past 16, differing at every position
        // (by bytes that would compare the wrong way if signed), against
        // each other and their own prefixes.
        let mut names: Vec<Vec<u8>> = Vec::new();
        for len in 0..=20 {
            let base: Vec<u8> = (0..len).map(|i| b'a' + (i % 7) as u8).collect();
            for at in 0..len {
                for byte in [0x00, b'a' - 1, b'a' + 1, 0x7f, 0x80, 0xff] {
                    let mut name = base.clone();
                    name[at] = byte;
                    names.push(name);
                }
            }
            names.push(base);
        }
        for a in &names {
            for b in &names {
                assert_eq!(compare_bytes(a, b), a.cmp(b), "{a:?} {b:?}");
                assert_eq!(same_bytes(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn percents_are_found_anywhere() {
        for len in 0..20 {
            let name = vec![b'a'; len];
            assert!(!holds_percent(&name));
            for at in 0..len {
                let mut escaped = name.clone();
                escaped[at] = b'%';
                assert!(holds_percent(&escaped), "{escaped:?}");
                escaped[at] = b'%' ^ 0x80;
                assert!(!holds_percent(&escaped), "{escaped:?}");
            }
        }
    }
}
