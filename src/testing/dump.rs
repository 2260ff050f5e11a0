//! The cell dump ([format](crate::testing#the-cell-dump)): a table's every
//! cell and version as readable text that loads back byte for byte.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::escape::{Field, escape, unescape};
use crate::cell::Cell;
use crate::error::{ErrorKind, Result};
use crate::store::{Read, Row, RowMutations, Scan, Store, sort_cells};

/// The first line of every dump: what the columns are.
const HEADER: &str = "# row  family:qualifier  @timestamp  value";

/// Rows per store call when reading versions or loading.
const BATCH: usize = 500;

/// Every cell and version of `table`, as a [cell dump](crate::testing#the-cell-dump):
/// rows in key order, then family, qualifier and newest version first, so
/// that the same state always gives the same text.
///
/// Reading every version costs a round trip per row and column on the
/// Thrift1 gateway; a table whose families keep one version is read with
/// a scan.
///
/// ```
/// use capjure::store::{FamilySpec, RowMutations, Store};
/// use capjure::{Cell, MemoryStore};
///
/// let store = MemoryStore::new();
/// store.create_table("t", &[FamilySpec::new("f").max_versions(2)])?;
/// store.mutate("t", &[RowMutations::new("r 1")
///     .put(Cell::new("f", "q", "old").at(1))
///     .put(Cell::new("f", "q", "new\n").at(2))])?;
/// assert_eq!(
///     capjure::testing::dump(&store, "t")?,
///     "# row  family:qualifier  @timestamp  value\n\
///      r\\x201  f:q  @2  new\\n\n\
///      r\\x201  f:q  @1  old\n"
/// );
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn dump<S: Store + ?Sized>(store: &S, table: &str) -> Result<String> {
    let versions = store
        .families(table)?
        .iter()
        .map(|family| family.max_versions)
        .max()
        .unwrap_or(1);
    let mut rows = Vec::new();
    for row in store.scan(table, &Scan::all().batch(BATCH))? {
        rows.push(row?);
    }
    if versions > 1 {
        let mut all = Vec::with_capacity(rows.len());
        for batch in rows.chunks(BATCH) {
            let keys: Vec<Vec<u8>> = batch.iter().map(|row| row.key.clone()).collect();
            let read = Read::latest().versions(versions);
            all.extend(store.get_rows(table, &keys, &read)?.into_iter().flatten());
        }
        rows = all;
    }
    Ok(format_dump(&rows))
}

/// Rows as a dump, without reading a store ([`dump`] is this over a
/// table's rows). Cells are written in the order given.
///
/// ```
/// use capjure::Cell;
/// use capjure::store::Row;
/// let rows = [Row { key: b"#1".to_vec(), cells: vec![Cell::new("f:x", "q", " v").at(7)] }];
/// assert_eq!(
///     capjure::testing::format_dump(&rows),
///     "# row  family:qualifier  @timestamp  value\n\\x231  f\\x3Ax:q  @7  \\x20v\n"
/// );
/// ```
pub fn format_dump(rows: &[Row]) -> String {
    let mut out = String::with_capacity(64 * rows.len() + HEADER.len() + 1);
    out.push_str(HEADER);
    out.push('\n');
    for row in rows {
        let key = escape(&row.key, Field::Row);
        for cell in &row.cells {
            out.push_str(&key);
            out.push_str("  ");
            out.push_str(&escape(&cell.family, Field::Family));
            out.push(':');
            out.push_str(&escape(&cell.qualifier, Field::Qualifier));
            out.push_str("  @");
            match cell.timestamp {
                Some(timestamp) => out.push_str(&timestamp.to_string()),
                None => out.push('-'),
            }
            if !cell.value.is_empty() {
                out.push_str("  ");
                out.push_str(&escape(&cell.value, Field::Value));
            }
            out.push('\n');
        }
    }
    out
}

/// Reads a dump into rows sorted by key, each row's cells sorted the way
/// a store returns them. `file` names the text in errors.
///
/// ```
/// use capjure::Cell;
/// let rows = capjure::testing::parse_dump("users.cells", "u1  name:  @5  ann\n")?;
/// assert_eq!(rows[0].key, b"u1");
/// assert_eq!(rows[0].cells, [Cell::new("name", "", "ann").at(5)]);
///
/// let err = capjure::testing::parse_dump("users.cells", "# header\nu1  name\n").unwrap_err();
/// assert_eq!(err.to_string(), "fixture users.cells, line 2: expected `family:qualifier`, found \"name\"");
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn parse_dump(file: &str, text: &str) -> Result<Vec<Row>> {
    let mut rows: BTreeMap<Vec<u8>, Vec<Cell>> = BTreeMap::new();
    for (_, key, cell) in parse_lines(file, text)? {
        rows.entry(key).or_default().push(cell);
    }
    Ok(rows
        .into_iter()
        .map(|(key, mut cells)| {
            sort_cells(&mut cells);
            Row { key, cells }
        })
        .collect())
}

/// Writes the cells of a dump into `table`, which must exist with every
/// family the dump names; returns how many cells it wrote. Errors name
/// the line as in `<inline>`, line N; [`load_file`] names the file.
///
/// ```
/// use capjure::store::{FamilySpec, Store};
/// use capjure::MemoryStore;
///
/// let store = MemoryStore::new();
/// store.create_table("t", &[FamilySpec::new("f").max_versions(3)])?;
/// let text = "r  f:q  @2  new\nr  f:q  @1  old\n";
/// assert_eq!(capjure::testing::load(&store, "t", text)?, 2);
/// assert_eq!(capjure::testing::dump(&store, "t")?.lines().skip(1).collect::<Vec<_>>(), ["r  f:q  @2  new", "r  f:q  @1  old"]);
///
/// let err = capjure::testing::load(&store, "t", "r  g:q  @1  x\n").unwrap_err();
/// assert_eq!(err.to_string(), "fixture <inline>, line 1: family \"g\" is not in table \"t\" (it has: f)");
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn load<S: Store + ?Sized>(store: &S, table: &str, text: &str) -> Result<usize> {
    load_named(store, table, "<inline>", text)
}

/// [`load`] from a file, whose path the errors name.
///
/// ```
/// use capjure::store::{FamilySpec, Store};
/// let store = capjure::MemoryStore::new();
/// store.create_table("t", &[FamilySpec::new("f")])?;
/// let err = capjure::testing::load_file(&store, "t", "no/such.cells").unwrap_err();
/// assert!(err.to_string().starts_with("fixture no/such.cells, line 0: cannot read it:"));
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn load_file<S: Store + ?Sized>(
    store: &S,
    table: &str,
    path: impl AsRef<Path>,
) -> Result<usize> {
    let (file, text) = super::read_fixture(path.as_ref())?;
    load_named(store, table, &file, &text)
}

pub(super) fn load_named<S: Store + ?Sized>(
    store: &S,
    table: &str,
    file: &str,
    text: &str,
) -> Result<usize> {
    let cells = parse_lines(file, text)?;
    let families = super::family_names(store, table)?;
    for (line, _, cell) in &cells {
        super::check_family(file, *line, table, &families, &cell.family)?;
    }
    let count = cells.len();
    let mut batch: Vec<RowMutations> = Vec::new();
    for (_, key, cell) in cells {
        match batch.last_mut() {
            Some(last) if last.row == key => last.mutations.push(put(cell)),
            _ => {
                if batch.len() == BATCH {
                    store.mutate(table, &batch)?;
                    batch.clear();
                }
                batch.push(RowMutations::new(key).put(cell));
            }
        }
    }
    if !batch.is_empty() {
        store.mutate(table, &batch)?;
    }
    Ok(count)
}

fn put(cell: Cell) -> crate::store::Mutation {
    crate::store::Mutation::Put(cell)
}

/// Every cell line: its line number, row key and cell.
fn parse_lines(file: &str, text: &str) -> Result<Vec<(usize, Vec<u8>, Cell)>> {
    let mut cells = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches([' ', '\t', '\r']);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fail = |reason: String| -> crate::Error {
            ErrorKind::Fixture {
                file: file.to_string(),
                line: index + 1,
                reason,
            }
            .into()
        };
        let (key, cell) = parse_line(line).map_err(fail)?;
        cells.push((index + 1, key, cell));
    }
    Ok(cells)
}

fn parse_line(line: &str) -> Result<(Vec<u8>, Cell), String> {
    let (row, rest) = token(line);
    let (column, rest) = token(rest);
    let (timestamp, value) = token(rest);
    if column.is_empty() {
        return Err(format!(
            "expected `row  family:qualifier  @timestamp  value`, found \"{line}\""
        ));
    }
    let Some((family, qualifier)) = column.split_once(':') else {
        return Err(format!("expected `family:qualifier`, found \"{column}\""));
    };
    let timestamp = match timestamp.strip_prefix('@') {
        Some("-") => None,
        Some(digits) => match digits.parse::<i64>() {
            Ok(ts) if ts >= 0 => Some(ts),
            _ => {
                return Err(format!(
                    "`{timestamp}` is not a timestamp (`@` and milliseconds, or `@-`)"
                ));
            }
        },
        None if timestamp.is_empty() => {
            return Err(format!("{column}: expected `@timestamp` after the column"));
        }
        None => {
            return Err(format!(
                "expected `@timestamp` after the column, found \"{timestamp}\""
            ));
        }
    };
    let unescaped = |text: &str, part: &str| unescape(text).map_err(|e| format!("{part}: {e}"));
    let key = unescaped(row, "row key")?;
    let family = unescaped(family, "family")?;
    if family.is_empty() {
        return Err(format!("empty family in \"{column}\""));
    }
    let cell = Cell {
        family,
        qualifier: unescaped(qualifier, "qualifier")?,
        value: unescaped(value, "value")?,
        timestamp,
    };
    Ok((key, cell))
}

/// The text up to the next space or tab, and what follows the spaces and
/// tabs after it.
fn token(text: &str) -> (&str, &str) {
    let end = text.find([' ', '\t']).unwrap_or(text.len());
    (&text[..end], text[end..].trim_start_matches([' ', '\t']))
}

/// A family set for messages: `a, b`.
pub(super) fn list(families: &BTreeSet<Vec<u8>>) -> String {
    families
        .iter()
        .map(|family| escape(family, Field::Family))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_splits_at_its_separators() {
        let (key, cell) = parse_line("r  f:q:r  @3  a  b").unwrap();
        assert_eq!(key, b"r");
        assert_eq!(cell, Cell::new("f", "q:r", "a  b").at(3));
        let (_, cell) = parse_line("r\tf:\t@-").unwrap();
        assert_eq!(cell, Cell::new("f", "", ""));
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        for (line, expected) in [
            ("r", "expected `row  family:qualifier"),
            ("r  f:q", "expected `@timestamp`"),
            ("r  f:q  7  v", "found \"7\""),
            ("r  f:q  @x", "`@x` is not a timestamp"),
            ("r  f:q  @-1", "`@-1` is not a timestamp"),
            ("r  :q  @1", "empty family"),
            ("r\\q  f:q  @1", "row key: unknown escape"),
        ] {
            let err = parse_line(line).unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }
}
