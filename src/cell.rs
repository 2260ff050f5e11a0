//! The cell model: what one HBase cell is, and a compact buffer of a row's cells.
//!
//! A column name is `family:qualifier`. HBase forbids `:` in family names but
//! allows it in qualifiers, so a column name always splits at its *first* `:`.

use std::fmt;
use std::ops::Range;

/// The split point of a column name: everything before the first `:` is the
/// family, everything after it the qualifier.
///
/// A name without `:` is a whole family with an empty qualifier, the way
/// HBase's own `parseColumn` reads it.
///
/// ```
/// let (family, qualifier) = capjure::split_column(b"trees:http://x");
/// assert_eq!(family, b"trees");
/// assert_eq!(qualifier, b"http://x");
/// ```
pub fn split_column(column: &[u8]) -> (&[u8], &[u8]) {
    match column.iter().position(|&b| b == b':') {
        Some(colon) => (&column[..colon], &column[colon + 1..]),
        None => (column, &[]),
    }
}

/// One HBase cell, owned: family, qualifier, value and an optional timestamp.
///
/// Row keys are not part of a cell; the store calls carry them.
///
/// ```
/// use capjure::Cell;
///
/// let cell = Cell::new("cars_make", "ah12001", "honda").at(1_700_000_000_000);
/// assert_eq!(cell.column(), b"cars_make:ah12001".to_vec());
/// assert_eq!(cell.timestamp, Some(1_700_000_000_000));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    /// The column family. Never contains `:`.
    pub family: Vec<u8>,
    /// The column qualifier; any bytes, `:` included.
    pub qualifier: Vec<u8>,
    /// The cell's value.
    pub value: Vec<u8>,
    /// Milliseconds since the epoch; `None` lets the store choose.
    pub timestamp: Option<i64>,
}

impl Cell {
    /// A cell without a timestamp.
    ///
    /// ```
    /// let cell = capjure::Cell::new("houses", "", "4");
    /// assert!(cell.qualifier.is_empty());
    /// ```
    pub fn new(
        family: impl Into<Vec<u8>>,
        qualifier: impl Into<Vec<u8>>,
        value: impl Into<Vec<u8>>,
    ) -> Self {
        Cell {
            family: family.into(),
            qualifier: qualifier.into(),
            value: value.into(),
            timestamp: None,
        }
    }

    /// A cell from a `family:qualifier` column name, split at the first `:`.
    ///
    /// ```
    /// let cell = capjure::Cell::from_column(b"road:name", "101N");
    /// assert_eq!(cell.family, b"road");
    /// assert_eq!(cell.qualifier, b"name");
    /// ```
    pub fn from_column(column: &[u8], value: impl Into<Vec<u8>>) -> Self {
        let (family, qualifier) = split_column(column);
        Cell::new(family, qualifier, value)
    }

    /// The same cell at the given timestamp (milliseconds since the epoch).
    ///
    /// ```
    /// let cell = capjure::Cell::new("road", "name", "101N").at(42);
    /// assert_eq!(cell.timestamp, Some(42));
    /// ```
    pub fn at(mut self, timestamp: i64) -> Self {
        self.timestamp = Some(timestamp);
        self
    }

    /// The column name, `family:qualifier`.
    ///
    /// ```
    /// assert_eq!(capjure::Cell::new("houses", "", "4").column(), b"houses:".to_vec());
    /// ```
    pub fn column(&self) -> Vec<u8> {
        let mut column = Vec::with_capacity(self.family.len() + 1 + self.qualifier.len());
        column.extend_from_slice(&self.family);
        column.push(b':');
        column.extend_from_slice(&self.qualifier);
        column
    }

    /// A borrowed view of this cell.
    ///
    /// ```
    /// let cell = capjure::Cell::new("road", "name", "101N");
    /// assert_eq!(cell.view().value, b"101N");
    /// ```
    pub fn view(&self) -> CellRef<'_> {
        CellRef {
            family: &self.family,
            qualifier: &self.qualifier,
            value: &self.value,
            timestamp: self.timestamp,
        }
    }
}

impl fmt::Display for Cell {
    /// `family:qualifier => value`, non-printable bytes as `\xNN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.view().fmt(f)
    }
}

/// A borrowed cell: what hydration reads, whatever owns the bytes.
///
/// A store's answer can be hydrated without copying it into [`Cell`]s first.
///
/// ```
/// use capjure::CellRef;
///
/// let cell = CellRef::from_column(b"cars_make:ah12001", b"\"honda\"");
/// assert_eq!(cell.family, b"cars_make");
/// assert_eq!(cell.qualifier, b"ah12001");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CellRef<'a> {
    /// The column family.
    pub family: &'a [u8],
    /// The column qualifier.
    pub qualifier: &'a [u8],
    /// The value.
    pub value: &'a [u8],
    /// Milliseconds since the epoch, when known.
    pub timestamp: Option<i64>,
}

impl<'a> CellRef<'a> {
    /// A view of a `family:qualifier` column name and its value.
    ///
    /// ```
    /// let cell = capjure::CellRef::from_column(b"houses:", b"4");
    /// assert!(cell.qualifier.is_empty());
    /// ```
    pub fn from_column(column: &'a [u8], value: &'a [u8]) -> Self {
        let (family, qualifier) = split_column(column);
        CellRef {
            family,
            qualifier,
            value,
            timestamp: None,
        }
    }

    /// An owned copy.
    ///
    /// ```
    /// let cell = capjure::CellRef::from_column(b"road:name", b"101N").to_cell();
    /// assert_eq!(cell, capjure::Cell::new("road", "name", "101N"));
    /// ```
    pub fn to_cell(&self) -> Cell {
        Cell {
            family: self.family.to_vec(),
            qualifier: self.qualifier.to_vec(),
            value: self.value.to_vec(),
            timestamp: self.timestamp,
        }
    }
}

impl<'a> From<&'a Cell> for CellRef<'a> {
    fn from(cell: &'a Cell) -> Self {
        cell.view()
    }
}

impl fmt::Display for CellRef<'_> {
    /// `family:qualifier => value`, non-printable bytes as `\xNN`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} => {}",
            ColumnName(self.family, self.qualifier),
            Printable(self.value)
        )
    }
}

/// Bytes shown the way HBase's `Bytes.toStringBinary` shows them: printable
/// ASCII as is, everything else as `\xNN`.
pub(crate) struct Printable<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Printable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &byte in self.0 {
            if (0x20..0x7f).contains(&byte) && byte != b'\\' {
                write!(f, "{}", byte as char)?;
            } else {
                write!(f, "\\x{byte:02X}")?;
            }
        }
        Ok(())
    }
}

/// Bytes as error messages show them: [`Printable`], but a long key or
/// value only by its first bytes, a `…` and its length, so that a 1 MiB row
/// key does not make a 1 MB message. `…` is not ASCII, so it cannot come
/// from the bytes themselves (Printable escapes every byte above 0x7E).
pub(crate) struct Excerpt<'a>(pub(crate) &'a [u8]);

impl Excerpt<'_> {
    /// Longer than this, bytes are cut.
    const WHOLE: usize = 64;
    /// How many of the first bytes a cut shows.
    const SHOWN: usize = 40;

    /// Text that is already printable (a name quoted in a server's
    /// message), cut the same way.
    pub(crate) fn text(text: &str) -> String {
        if text.len() <= Excerpt::WHOLE {
            return text.to_string();
        }
        let head: String = text.chars().take(Excerpt::SHOWN).collect();
        format!("{head}… ({} bytes)", text.len())
    }
}

impl fmt::Display for Excerpt<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.get(..Excerpt::SHOWN) {
            Some(head) if self.0.len() > Excerpt::WHOLE => {
                write!(f, "{}… ({} bytes)", Printable(head), self.0.len())
            }
            _ => Printable(self.0).fmt(f),
        }
    }
}

/// A `family:qualifier` pair shown as one printable column name.
pub(crate) struct ColumnName<'a>(pub(crate) &'a [u8], pub(crate) &'a [u8]);

impl fmt::Display for ColumnName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", Printable(self.0), Printable(self.1))
    }
}

/// Where one cell's bytes lie inside a [`Cells`] buffer. Family, qualifier
/// and value are separate ranges: the family is shared by the cells of a
/// group (flattening writes it once), and the cells of one child of an
/// array of maps share its primary key as their qualifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Span {
    family_start: usize,
    family_end: usize,
    qualifier_start: usize,
    qualifier_end: usize,
    value_start: usize,
    value_end: usize,
}

/// How far a [`Cells`] buffer was written, to go back to.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CellsMark {
    bytes: usize,
    cells: usize,
}

/// A row's cells in one buffer: what flattening produces.
///
/// Flattening writes every family, qualifier and value into a single byte
/// buffer instead of allocating three vectors per cell, and writes each
/// family once for all the cells that share it. Iterate to get
/// [`CellRef`]s, or call [`Cells::to_vec`] for owned [`Cell`]s. Two buffers
/// are equal when they hold the same cells in the same order.
///
/// ```
/// use capjure::Cells;
///
/// let mut cells = Cells::new();
/// cells.push(b"road", b"name", b"\"101N\"");
/// cells.push(b"houses", b"", b"4");
/// assert_eq!(cells.len(), 2);
/// assert_eq!(cells.families(), vec![&b"houses"[..], &b"road"[..]]);
/// ```
#[derive(Clone, Default)]
pub struct Cells {
    bytes: Vec<u8>,
    spans: Vec<Span>,
}

impl Cells {
    /// An empty buffer.
    ///
    /// ```
    /// assert!(capjure::Cells::new().is_empty());
    /// ```
    pub fn new() -> Self {
        Cells::default()
    }

    /// An empty buffer with room for `cells` cells of `bytes` bytes in all.
    ///
    /// ```
    /// let cells = capjure::Cells::with_capacity(16, 1024);
    /// assert!(cells.is_empty());
    /// ```
    pub fn with_capacity(cells: usize, bytes: usize) -> Self {
        Cells {
            bytes: Vec::with_capacity(bytes),
            spans: Vec::with_capacity(cells),
        }
    }

    /// Appends one cell.
    ///
    /// ```
    /// let mut cells = capjure::Cells::new();
    /// cells.push(b"trees", b"oak", b"1c8fd7d");
    /// assert_eq!(cells.get(0).unwrap().qualifier, b"oak");
    /// ```
    pub fn push(&mut self, family: &[u8], qualifier: &[u8], value: &[u8]) {
        let family = self.push_family(family);
        let start = self.bytes.len();
        self.bytes.extend_from_slice(qualifier);
        let qualifier_end = self.bytes.len();
        self.bytes.extend_from_slice(value);
        self.commit(family, start, qualifier_end);
    }

    /// How many cells there are.
    ///
    /// ```
    /// assert_eq!(capjure::Cells::new().len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether there are no cells.
    ///
    /// ```
    /// assert!(capjure::Cells::new().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// The cell at `index`, if there is one.
    ///
    /// ```
    /// let mut cells = capjure::Cells::new();
    /// cells.push(b"houses", b"", b"4");
    /// assert_eq!(cells.get(0).unwrap().value, b"4");
    /// assert!(cells.get(1).is_none());
    /// ```
    pub fn get(&self, index: usize) -> Option<CellRef<'_>> {
        self.spans.get(index).map(|span| self.view(span))
    }

    /// The cells in the order they were written.
    ///
    /// ```
    /// let mut cells = capjure::Cells::new();
    /// cells.push(b"houses", b"", b"4");
    /// let values: Vec<&[u8]> = cells.iter().map(|cell| cell.value).collect();
    /// assert_eq!(values, vec![&b"4"[..]]);
    /// ```
    pub fn iter(&self) -> CellsIter<'_> {
        CellsIter {
            cells: self,
            spans: self.spans.iter(),
        }
    }

    /// The distinct column families the cells use, in byte order: what a
    /// table must have for this row to be written.
    ///
    /// ```
    /// let mut cells = capjure::Cells::new();
    /// cells.push(b"trees", b"oak", b"");
    /// cells.push(b"trees", b"elm", b"");
    /// assert_eq!(cells.families(), vec![&b"trees"[..]]);
    /// ```
    pub fn families(&self) -> Vec<&[u8]> {
        let mut families: Vec<&[u8]> = self.iter().map(|cell| cell.family).collect();
        families.sort_unstable();
        families.dedup();
        families
    }

    /// Owned copies of every cell.
    ///
    /// ```
    /// let mut cells = capjure::Cells::new();
    /// cells.push(b"houses", b"", b"4");
    /// assert_eq!(cells.to_vec(), vec![capjure::Cell::new("houses", "", "4")]);
    /// ```
    pub fn to_vec(&self) -> Vec<Cell> {
        self.iter().map(|cell| cell.to_cell()).collect()
    }

    /// The bytes written so far.
    #[inline]
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The write position, for a cell assembled piece by piece.
    #[inline]
    pub(crate) fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Writes a family name that cells committed later can share.
    #[inline]
    pub(crate) fn push_family(&mut self, family: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(family);
        start..self.bytes.len()
    }

    /// Records a cell whose family is at `family` and whose qualifier was
    /// written at `start..qualifier_end`; the value runs to the end of the
    /// buffer.
    #[inline]
    pub(crate) fn commit(&mut self, family: Range<usize>, start: usize, qualifier_end: usize) {
        let value_end = self.bytes.len();
        self.commit_parts(family, start..qualifier_end, qualifier_end..value_end);
    }

    /// Records a cell from three ranges of bytes already written, which
    /// other cells may share.
    #[inline]
    pub(crate) fn commit_parts(
        &mut self,
        family: Range<usize>,
        qualifier: Range<usize>,
        value: Range<usize>,
    ) {
        self.spans.push(Span {
            family_start: family.start,
            family_end: family.end,
            qualifier_start: qualifier.start,
            qualifier_end: qualifier.end,
            value_start: value.start,
            value_end: value.end,
        });
    }

    /// Where the buffer ends now, for [`rollback`](Self::rollback).
    #[inline]
    pub(crate) fn mark(&self) -> CellsMark {
        CellsMark {
            bytes: self.bytes.len(),
            cells: self.spans.len(),
        }
    }

    /// Drops every cell and byte written since `mark`.
    pub(crate) fn rollback(&mut self, mark: CellsMark) {
        self.bytes.truncate(mark.bytes);
        self.spans.truncate(mark.cells);
    }

    /// Drops every cell recorded since `mark` but keeps the bytes written
    /// since: records outside the buffer (the typed path's array elements)
    /// may still point into them.
    pub(crate) fn forget(&mut self, mark: CellsMark) {
        self.spans.truncate(mark.cells);
    }

    fn view(&self, span: &Span) -> CellRef<'_> {
        CellRef {
            family: &self.bytes[span.family_start..span.family_end],
            qualifier: &self.bytes[span.qualifier_start..span.qualifier_end],
            value: &self.bytes[span.value_start..span.value_end],
            timestamp: None,
        }
    }
}

/// Two buffers are equal when they hold the same cells in the same order,
/// however their bytes are laid out.
impl PartialEq for Cells {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Cells {}

impl fmt::Debug for Cells {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|cell| cell.to_string()))
            .finish()
    }
}

impl<'a> IntoIterator for &'a Cells {
    type Item = CellRef<'a>;
    type IntoIter = CellsIter<'a>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over the cells of a [`Cells`] buffer.
///
/// ```
/// let cells = capjure::Cells::new();
/// assert_eq!(cells.iter().count(), 0);
/// ```
#[derive(Clone, Debug)]
pub struct CellsIter<'a> {
    cells: &'a Cells,
    spans: std::slice::Iter<'a, Span>,
}

impl<'a> Iterator for CellsIter<'a> {
    type Item = CellRef<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let span = self.spans.next()?;
        Some(self.cells.view(span))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.spans.size_hint()
    }
}

impl ExactSizeIterator for CellsIter<'_> {}
