//! Where an object's parts go: column families and qualifiers.
//!
//! Both layouts first name a *group* for every part of an object: the
//! top-level key (`road`, `houses`, `trees`) or, for a field of an array of
//! maps, `key_field` (`cars_make`). The multi-family layout uses the group as
//! the column family; the single-family layout puts everything in one family
//! and writes the qualifier as `group__qualifier`.
//!
//! Reading a group back is where the original capjure went wrong: with
//! `cars` configured as an array of maps, a sibling key `cars_count` reads
//! back as the field `count` of `cars`. Here the reader's classification is
//! one function, [`Naming::classify`], and the writer checks every group it
//! writes against it, so a group that would read back as something else is
//! an error at flatten time instead of a corrupted read.
//!
//! Names are escaped where the layout needs it, with `%XX` (and `%` itself
//! as `%25`): in family names the characters HBase forbids (`:`, `\`, `/`,
//! control characters, a leading `.`); in the single-family layout every `_`
//! that touches another `_` or an end of the name, so that the first `__` in
//! a qualifier is always the separator. Plain names are written unchanged,
//! which keeps the layout of data the original wrote.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering as AtomicOrdering};

use crate::cell::{CellRef, Cells};
use crate::error::{ErrorKind, column_name};
use crate::keys::KeyConfig;

/// How an object's cells are spread over column families.
///
/// ```
/// use capjure::{KeyConfig, Layout, Mapper};
/// use serde_json::json;
///
/// let painting = json!({"road": {"name": "101N"}, "houses": 4});
///
/// let multi = Mapper::new(KeyConfig::new()).with_layout(Layout::MultiFamily);
/// let cells = multi.flatten(&painting).unwrap();
/// assert_eq!(cells.families(), vec![&b"houses"[..], &b"road"[..]]);
///
/// let single = Mapper::new(KeyConfig::new()).with_layout(Layout::single_family("meta"));
/// let cells = single.flatten(&painting).unwrap();
/// let columns: Vec<String> = cells
///     .iter()
///     .map(|c| format!("{}:{}", String::from_utf8_lossy(c.family), String::from_utf8_lossy(c.qualifier)))
///     .collect();
/// assert_eq!(columns, ["meta:houses__", "meta:road__name"]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Layout {
    /// One column family per top-level key, and one per `key_field` of an
    /// array of maps: the original capjure layout (`road:name`, `houses:`,
    /// `cars_make:ah12001`).
    #[default]
    MultiFamily,
    /// Everything in one family; the qualifier is `group__qualifier`
    /// (`meta:road__name`, `meta:cars_make__ah12001`).
    SingleFamily {
        /// The one column family.
        family: String,
    },
}

impl Layout {
    /// The single-family layout with the given family (capjure used `meta`).
    ///
    /// ```
    /// let layout = capjure::Layout::single_family("meta");
    /// assert_eq!(layout, capjure::Layout::SingleFamily { family: "meta".into() });
    /// ```
    pub fn single_family(family: impl Into<String>) -> Self {
        Layout::SingleFamily {
            family: family.into(),
        }
    }
}

/// Separates the group from the qualifier in the single-family layout.
const SEPARATOR: &[u8] = b"__";

/// What a group reads back as. Names borrow the group's bytes unless they
/// had to be unescaped.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Group<'c, 'g> {
    /// The cells of a top-level key.
    Key(Cow<'g, str>),
    /// The cells of a configured key itself (not of one of its fields).
    Configured(&'c str),
    /// The cells of one field of a configured array of maps.
    Field {
        /// The configured key.
        key: &'c str,
        /// The field's name.
        field: Cow<'g, str>,
    },
}

/// A group whose names [`Naming::open_group_with`] wrote into a [`Cells`]
/// buffer: where its family and its (escaped) name lie there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct GroupAt {
    family: Range<usize>,
    group: Range<usize>,
}

impl GroupAt {
    /// Where the bytes [`Naming::open_group_with`] wrote for this group
    /// lie: its family (under the single-family layout), then its name.
    pub(crate) fn extent(&self) -> Range<usize> {
        self.family.start.min(self.group.start)..self.family.end.max(self.group.end)
    }

    /// This group, its bytes copied `base` further on: a remembered
    /// group, its bytes kept from 0, copied to the end of a buffer of
    /// `base` bytes (so no sum exceeds the buffer's length).
    #[inline]
    pub(crate) fn offset(&self, base: usize) -> GroupAt {
        let at = |x: usize| x.wrapping_add(base);
        GroupAt {
            family: at(self.family.start)..at(self.family.end),
            group: at(self.group.start)..at(self.group.end),
        }
    }

    /// This group, its bytes copied from `from` to `to`.
    pub(crate) fn moved(&self, from: usize, to: usize) -> GroupAt {
        let at = |x: usize| x.saturating_sub(from).saturating_add(to);
        GroupAt {
            family: at(self.family.start)..at(self.family.end),
            group: at(self.group.start)..at(self.group.end),
        }
    }
}

/// Which configured array a group belongs to, without decoding names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Owner<'c> {
    /// Not a configured key, nor a field of one.
    Plain,
    /// Exactly the configured key.
    Configured(&'c str),
    /// A field of the configured key; the field's name starts at the index.
    FieldOf(&'c str, usize),
}

/// A layout made ready for one key configuration: the escaped names of the
/// configured keys, longest first, so classification is a few prefix tests.
#[derive(Clone, Debug)]
pub(crate) struct Naming {
    single: Option<Vec<u8>>,
    configured: Vec<(Vec<u8>, String)>,
    /// Tells this naming from every other one built in the process, for
    /// memos of the groups it writes (see `ser::names`). Clones share it:
    /// a naming never changes once built.
    id: u64,
}

/// The next [`Naming`]'s id.
static NEXT_NAMING: AtomicU64 = AtomicU64::new(0);

impl Naming {
    pub(crate) fn new(layout: &Layout, keys: &KeyConfig) -> Self {
        let single = match layout {
            Layout::MultiFamily => None,
            Layout::SingleFamily { family } => Some(family.as_bytes().to_vec()),
        };
        let mut naming = Naming {
            single,
            configured: Vec::with_capacity(keys.len()),
            id: NEXT_NAMING.fetch_add(1, AtomicOrdering::Relaxed),
        };
        for (key, _) in keys.iter() {
            let mut escaped = Vec::with_capacity(key.len());
            naming.escape(key, true, &mut escaped);
            naming.configured.push((escaped, key.to_string()));
        }
        naming
            .configured
            .sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        naming
    }

    /// This naming's process-wide id.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Whether any array of maps is configured (and so collisions can occur).
    pub(crate) fn has_configured(&self) -> bool {
        !self.configured.is_empty()
    }

    /// Appends `name`, escaped for this layout. `leading` says the name
    /// starts a group (where a `.` must be escaped in a family name).
    #[inline(always)]
    pub(crate) fn escape(&self, name: &str, leading: bool, out: &mut Vec<u8>) {
        let bytes = name.as_bytes();
        // Almost every name is plain: copy it whole. The check is inlined
        // into the callers (always: left to itself, the compiler kept it a
        // call from the flatteners' loops); the escaping itself is not.
        if self.is_plain(bytes, leading) {
            crate::codec::push_bytes(out, bytes);
        } else {
            self.escape_bytes(bytes, leading, out);
        }
    }

    /// Whether `escape` leaves `bytes` as they are.
    #[inline]
    fn is_plain(&self, bytes: &[u8], leading: bool) -> bool {
        match self.single {
            None => {
                (!leading || bytes.first() != Some(&b'.'))
                    && !bytes.iter().any(|&b| FAMILY_SPECIAL[usize::from(b)])
            }
            Some(_) => {
                !bytes.contains(&b'%')
                    && bytes.first() != Some(&b'_')
                    && bytes.last() != Some(&b'_')
                    && !bytes.windows(2).any(|pair| pair == b"__")
            }
        }
    }

    /// Appends a name that has something to escape, byte by byte.
    #[cold]
    #[inline(never)]
    fn escape_bytes(&self, bytes: &[u8], leading: bool, out: &mut Vec<u8>) {
        for (i, &byte) in bytes.iter().enumerate() {
            let escape = match self.single {
                None => {
                    matches!(byte, b'%' | b':' | b'\\' | b'/' | 0x7f)
                        || byte < 0x20
                        || (leading && i == 0 && byte == b'.')
                }
                Some(_) => {
                    byte == b'%'
                        || (byte == b'_'
                            && (i == 0
                                || i + 1 == bytes.len()
                                || bytes[i - 1] == b'_'
                                || bytes[i + 1] == b'_'))
                }
            };
            if escape {
                out.extend_from_slice(&[
                    b'%',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 0xf)],
                ]);
            } else {
                out.push(byte);
            }
        }
    }

    /// Appends the group of a top-level key.
    pub(crate) fn key_group(&self, key: &str, out: &mut Vec<u8>) {
        self.escape(key, true, out);
    }

    /// The family and qualifier of the one cell of a scalar under the
    /// top-level key `key` (`key:` or `family:key__`).
    pub(crate) fn scalar_column(&self, key: &str) -> (Vec<u8>, Vec<u8>) {
        let mut group = Vec::new();
        self.key_group(key, &mut group);
        match &self.single {
            None => (group, Vec::new()),
            Some(family) => {
                group.extend_from_slice(SEPARATOR);
                (family.clone(), group)
            }
        }
    }

    /// Appends the group of a field of an array of maps: `key_field`.
    pub(crate) fn field_group(&self, key: &str, field: &str, out: &mut Vec<u8>) {
        self.escape(key, true, out);
        out.push(b'_');
        self.escape(field, false, out);
    }

    /// Appends the group of the field `field` of the array `key`, whose own
    /// group was opened at `key_group` in `out`: what
    /// [`field_group`](Self::field_group) appends, with the key's escaped
    /// name copied from where it lies instead of escaped again.
    pub(crate) fn field_group_in(
        &self,
        key_group: &GroupAt,
        key: &str,
        field: &str,
        out: &mut Vec<u8>,
    ) {
        if key_group.group.end <= out.len() {
            out.extend_from_within(key_group.group.clone());
        } else {
            self.escape(key, true, out);
        }
        out.push(b'_');
        self.escape(field, false, out);
    }

    /// Which configured array, if any, a group belongs to. A group that is
    /// exactly a configured key is that key; one that starts with
    /// `configured_` is a field of the longest such configured key; anything
    /// else is a plain key. Allocation-free, for the writer's checks.
    pub(crate) fn owner(&self, group: &[u8]) -> Owner<'_> {
        for (escaped, key) in &self.configured {
            if group == escaped.as_slice() {
                return Owner::Configured(key);
            }
        }
        for (escaped, key) in &self.configured {
            // The `_` after the name first: it rules out almost every
            // group without comparing names.
            if group.get(escaped.len()) == Some(&b'_') && group.starts_with(escaped) {
                return Owner::FieldOf(key, escaped.len() + 1);
            }
        }
        Owner::Plain
    }

    /// What a group reads back as (see [`Naming::owner`]).
    pub(crate) fn classify<'g>(&self, group: &'g [u8]) -> Result<Group<'_, 'g>, ErrorKind> {
        Ok(match self.owner(group) {
            Owner::Configured(key) => Group::Configured(key),
            Owner::FieldOf(key, field_start) => Group::Field {
                key,
                field: unescape(&group[field_start..])?,
            },
            Owner::Plain => Group::Key(unescape(group)?),
        })
    }

    /// Writes a group's names into `cells` once, for the cells pushed under
    /// it to share: its family (the group itself, or the single family)
    /// and, under the single-family layout, the group to prefix qualifiers
    /// with. The group's name is escaped straight into `cells`, sparing a
    /// copy through scratch space: `name` appends the unescaped group's
    /// parts via `escape`. Returns the group and where its escaped name
    /// lies.
    #[inline]
    pub(crate) fn open_group_with(
        &self,
        cells: &mut Cells,
        name: impl FnOnce(&Self, &mut Vec<u8>),
    ) -> GroupAt {
        let family = self.single.as_ref().map(|single| cells.push_family(single));
        let bytes = cells.bytes_mut();
        let start = bytes.len();
        name(self, bytes);
        let group = start..bytes.len();
        GroupAt {
            family: family.unwrap_or_else(|| group.clone()),
            group,
        }
    }

    /// Opens a group as [`open_group_with`](Self::open_group_with) does,
    /// then has `check` look at its escaped name: a group that fails is
    /// dropped again, leaving `cells` as they were, and the error returned.
    /// `name` says whether the name it wrote is one that passed its check
    /// before (a memo's), which is not checked again.
    #[inline]
    pub(crate) fn open_checked<E>(
        &self,
        cells: &mut Cells,
        name: impl FnOnce(&Self, &mut Vec<u8>) -> bool,
        check: impl FnOnce(&Self, &[u8]) -> Result<(), E>,
    ) -> Result<GroupAt, E> {
        let mut checked = false;
        let group = self.open_group_with(cells, |naming, out| checked = name(naming, out));
        if !checked {
            if let Err(err) = check(self, Naming::group_name(cells, &group)) {
                cells.bytes_mut().truncate(group.extent().start);
                return Err(err);
            }
        }
        Ok(group)
    }

    /// The escaped name of an opened group.
    pub(crate) fn group_name<'c>(cells: &'c Cells, group: &GroupAt) -> &'c [u8] {
        cells.bytes().get(group.group.clone()).unwrap_or_default()
    }

    /// Appends one cell under `group` and `qualifier`; `value` writes the
    /// value's bytes. Nothing is kept if `value` fails.
    #[inline]
    pub(crate) fn push<F>(
        &self,
        cells: &mut Cells,
        group: &GroupAt,
        qualifier: &[u8],
        value: F,
    ) -> Result<(), ErrorKind>
    where
        F: FnOnce(&mut Vec<u8>) -> Result<(), ErrorKind>,
    {
        self.push_if(cells, group, qualifier, |out| value(out).map(|()| true))
            .map(drop)
    }

    /// Like [`push`](Self::push), but `value` may decide to write no cell
    /// (by returning `false`, as the typed path does for `None`). Says
    /// whether a cell was kept.
    #[inline]
    pub(crate) fn push_if<F, E>(
        &self,
        cells: &mut Cells,
        group: &GroupAt,
        qualifier: &[u8],
        value: F,
    ) -> Result<bool, E>
    where
        F: FnOnce(&mut Vec<u8>) -> Result<bool, E>,
    {
        let start = self.start_qualifier(cells, group);
        let bytes = cells.bytes_mut();
        bytes.extend_from_slice(qualifier);
        let qualifier_end = bytes.len();
        match value(bytes) {
            Ok(true) => {
                cells.commit(group.family.clone(), start, qualifier_end);
                Ok(true)
            }
            Ok(false) => {
                cells.bytes_mut().truncate(start);
                Ok(false)
            }
            Err(err) => {
                cells.bytes_mut().truncate(start);
                Err(err)
            }
        }
    }

    /// Like [`push`](Self::push), but the qualifier's own part is the bytes
    /// at `part`, already in the buffer: shared under the multi-family
    /// layout (see [`qualifier_at`](Self::qualifier_at)).
    #[inline]
    pub(crate) fn push_at<F>(
        &self,
        cells: &mut Cells,
        group: &GroupAt,
        part: Range<usize>,
        value: F,
    ) -> Result<(), ErrorKind>
    where
        F: FnOnce(&mut Vec<u8>) -> Result<(), ErrorKind>,
    {
        let start = cells.bytes().len();
        let qualifier = self.qualifier_at(cells, group, part);
        let value_start = cells.bytes().len();
        match value(cells.bytes_mut()) {
            Ok(()) => {
                let value_end = cells.bytes().len();
                cells.commit_parts(group.family.clone(), qualifier, value_start..value_end);
                Ok(())
            }
            Err(err) => {
                cells.bytes_mut().truncate(start);
                Err(err)
            }
        }
    }

    /// Starts a qualifier under `group` at the end of the buffer: under the
    /// single-family layout, writes the group and the separator that prefix
    /// it. Returns where the qualifier starts.
    #[inline]
    pub(crate) fn start_qualifier(&self, cells: &mut Cells, group: &GroupAt) -> usize {
        let bytes = cells.bytes_mut();
        let start = bytes.len();
        if self.single.is_some() {
            bytes.extend_from_within(group.group.clone());
            bytes.extend_from_slice(SEPARATOR);
        }
        start
    }

    /// The qualifier under `group` whose own part is the bytes at `part`,
    /// already in the buffer. Under the multi-family layout that is `part`
    /// itself, shared by every cell that uses it; under the single-family
    /// layout it is `group__part`, written anew.
    #[inline]
    pub(crate) fn qualifier_at(
        &self,
        cells: &mut Cells,
        group: &GroupAt,
        part: Range<usize>,
    ) -> Range<usize> {
        if self.single.is_none() {
            return part;
        }
        let start = self.start_qualifier(cells, group);
        let bytes = cells.bytes_mut();
        bytes.extend_from_within(part);
        start..bytes.len()
    }

    /// The family range of an opened group.
    #[inline]
    pub(crate) fn family_of(group: &GroupAt) -> Range<usize> {
        group.family.clone()
    }

    /// The single family, under the single-family layout: a row's cells
    /// can then be split knowing the layout once, not asking it per cell.
    pub(crate) fn single_family(&self) -> Option<&[u8]> {
        self.single.as_deref()
    }
}

/// The group and the qualifier a stored cell was written under, in the
/// single-family layout: `group__qualifier`. (Under the multi-family
/// layout they are the cell's family and qualifier.)
pub(crate) fn split_single<'a>(
    family: &[u8],
    cell: &CellRef<'a>,
) -> Result<(&'a [u8], &'a [u8]), ErrorKind> {
    if cell.family != family {
        return Err(ErrorKind::malformed(
            cell.family,
            cell.qualifier,
            format!(
                "the family is not \"{}\", the single family of this layout",
                String::from_utf8_lossy(family)
            ),
        ));
    }
    match cell
        .qualifier
        .windows(SEPARATOR.len())
        .position(|window| window == SEPARATOR)
    {
        Some(at) => Ok((
            &cell.qualifier[..at],
            &cell.qualifier[at + SEPARATOR.len()..],
        )),
        None => Err(ErrorKind::malformed(
            cell.family,
            cell.qualifier,
            "the qualifier has no `__` between the key and the rest",
        )),
    }
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Bytes a family name escapes: `%` (the escape itself), and what HBase
/// forbids in family names (`:`, `\`, `/`, control characters).
const FAMILY_SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[0x7f] = true;
    table[b'%' as usize] = true;
    table[b':' as usize] = true;
    table[b'\\' as usize] = true;
    table[b'/' as usize] = true;
    table
};

/// Undoes [`Naming::escape`]. A `%` not followed by two hex digits is kept as
/// it is, so names written by other tools read back unchanged. A name with
/// nothing escaped (almost every name) is borrowed, not copied.
fn unescape(group: &[u8]) -> Result<Cow<'_, str>, ErrorKind> {
    let invalid = |bytes: &[u8]| ErrorKind::InvalidUtf8 {
        column: column_name(bytes, b""),
        part: "family",
    };
    if !group.contains(&b'%') {
        return std::str::from_utf8(group)
            .map(Cow::Borrowed)
            .map_err(|_| invalid(group));
    }
    let mut out = Vec::with_capacity(group.len());
    let mut i = 0;
    while i < group.len() {
        if group[i] == b'%' && i + 2 < group.len() {
            if let (Some(high), Some(low)) = (hex_value(group[i + 1]), hex_value(group[i + 2])) {
                out.push(high << 4 | low);
                i += 3;
                continue;
            }
        }
        out.push(group[i]);
        i += 1;
    }
    String::from_utf8(out)
        .map(Cow::Owned)
        .map_err(|err| invalid(err.as_bytes()))
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        _ => None,
    }
}

/// Checks a family name the way HBase's `isLegalColumnFamilyName` does.
pub(crate) fn check_family(family: &str) -> Result<(), ErrorKind> {
    let invalid = |reason| ErrorKind::InvalidFamily {
        family: family.to_string(),
        reason,
    };
    if family.is_empty() {
        return Err(invalid("it is empty"));
    }
    if family.starts_with('.') {
        return Err(invalid("it starts with a period"));
    }
    if family
        .bytes()
        .any(|b| b < 0x20 || b == 0x7f || b == b':' || b == b'\\' || b == b'/')
    {
        return Err(invalid("it contains `:`, `\\`, `/` or a control character"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naming(layout: Layout, keys: &[&str]) -> Naming {
        let config = keys
            .iter()
            .fold(KeyConfig::new(), |config, key| config.field(*key, "id"));
        Naming::new(&layout, &config)
    }

    fn escaped(naming: &Naming, name: &str) -> String {
        let mut out = Vec::new();
        naming.escape(name, true, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_names_are_written_unchanged() {
        let multi = naming(Layout::MultiFamily, &[]);
        let single = naming(Layout::single_family("meta"), &[]);
        for name in ["road", "cars_make", "merchant-id", "ünïcode"] {
            assert_eq!(escaped(&multi, name), name);
            assert_eq!(escaped(&single, name), name);
        }
    }

    #[test]
    fn escaped_names_unescape_to_themselves() {
        let multi = naming(Layout::MultiFamily, &[]);
        let single = naming(Layout::single_family("meta"), &[]);
        for name in [
            "a:b", ".hidden", "x/y\\z", "50%", "%41", "my__key", "_", "a_", "\u{1}",
        ] {
            for naming in [&multi, &single] {
                let out = escaped(naming, name);
                assert_eq!(unescape(out.as_bytes()).unwrap(), name, "{out}");
            }
        }
        assert_eq!(escaped(&multi, "a:b"), "a%3Ab");
        assert_eq!(escaped(&single, "my__key"), "my%5F%5Fkey");
    }

    #[test]
    fn field_groups_copy_the_key_group_as_escaped() {
        for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
            let naming = naming(layout, &[]);
            for (key, field) in [
                ("cart", "sku"),
                (".a:b", "x__y"),
                ("k_", "_f"),
                ("50%", "ü"),
            ] {
                let mut cells = Cells::new();
                let group =
                    naming.open_group_with(&mut cells, |naming, out| naming.key_group(key, out));
                let mut copied = cells.bytes().to_vec();
                let start = copied.len();
                naming.field_group_in(&group, key, field, &mut copied);
                let mut escaped = Vec::new();
                naming.field_group(key, field, &mut escaped);
                assert_eq!(copied[start..], escaped[..], "{key} {field}");
                // A group that does not lie in the buffer is escaped anew.
                let mut fresh = Vec::new();
                naming.field_group_in(&group, key, field, &mut fresh);
                assert_eq!(fresh, escaped, "{key} {field}");
            }
        }
    }

    #[test]
    fn classify_prefers_exact_then_longest_configured_key() {
        let naming = naming(Layout::MultiFamily, &["cars", "cars_x"]);
        assert_eq!(naming.classify(b"cars").unwrap(), Group::Configured("cars"));
        assert_eq!(
            naming.classify(b"cars_x").unwrap(),
            Group::Configured("cars_x")
        );
        assert_eq!(
            naming.classify(b"cars_make").unwrap(),
            Group::Field {
                key: "cars",
                field: "make".into()
            }
        );
        assert_eq!(
            naming.classify(b"cars_x_make").unwrap(),
            Group::Field {
                key: "cars_x",
                field: "make".into()
            }
        );
        assert_eq!(
            naming.classify(b"carsize").unwrap(),
            Group::Key("carsize".into())
        );
    }

    #[test]
    fn family_names_are_checked_like_hbase_does() {
        assert!(check_family("meta").is_ok());
        for bad in ["", ".meta", "a:b", "a/b", "a\\b", "a\nb"] {
            assert!(
                matches!(check_family(bad), Err(ErrorKind::InvalidFamily { .. })),
                "{bad:?}"
            );
        }
    }
}
