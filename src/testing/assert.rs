//! Assertions whose failures say which columns differ.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};

use serde_json::Value;

use super::escape::{Field, escape, excerpt};
use crate::cell::{Cell, Cells};
use crate::entity::Entity;
use crate::mapper::Mapper;
use crate::store::{MemoryStore, Read, Row, Store};
use crate::table::{EntityTable, Table};

/// A column: family and qualifier.
pub type ColumnName = (Vec<u8>, Vec<u8>);

/// The newest value of each column ([`CellSource::newest`]).
pub type Newest = BTreeMap<ColumnName, Vec<u8>>;

/// How many characters of a value a failure message shows.
const SHOWN: usize = 48;

/// Asserts that `value` flattens to cells that hydrate back to `value`,
/// and that it reads back the same after a trip through a store table
/// (an in-memory one; [`assert_round_trip_in`] uses yours). Panics with
/// the difference otherwise.
///
/// Under [`Codec::Text`](crate::Codec::Text) values read back as
/// strings, so only objects of strings round-trip there.
///
/// ```
/// use capjure::{KeyConfig, Mapper};
/// use serde_json::json;
///
/// let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
/// capjure::testing::assert_round_trip(&mapper, &json!({
///     "houses": 4,
///     "cars": [{"license": "ah12001", "make": "honda"}],
/// }));
/// ```
///
/// ```should_panic
/// // Text stores numbers as their text, so 4 reads back as "4".
/// let mapper = capjure::Mapper::default().with_codec(capjure::Codec::Text);
/// capjure::testing::assert_round_trip(&mapper, &serde_json::json!({"houses": 4}));
/// ```
#[track_caller]
pub fn assert_round_trip(mapper: &Mapper, value: &Value) {
    let cells = match mapper.flatten(value) {
        Ok(cells) => cells,
        Err(e) => panic!("round trip failed: cannot flatten {value}: {e}"),
    };
    match mapper.hydrate(&cells) {
        Ok(back) if back == *value => {}
        Ok(back) => panic!(
            "round trip failed: cells hydrate to a different object\n  \
             object: {value}\n  read back: {back}\n  cells:\n{}",
            list_cells(&cells.to_vec())
        ),
        Err(e) => panic!(
            "round trip failed: the object's own cells do not hydrate: {e}\n  object: {value}"
        ),
    }
    let table = Table::new(MemoryStore::new(), "round_trip", mapper.clone());
    assert_round_trip_in(&table, b"round-trip", value);
}

/// Asserts that `value`, inserted under `row` into `table` (which must
/// exist or be creatable from `value`'s families), reads back as `value`
/// with the very cells it flattens to; the row is deleted again after a
/// success. Panics with the columns that differ otherwise.
///
/// ```
/// use capjure::store::FamilySpec;
/// use capjure::testing::{TestStore, assert_round_trip_in};
/// use serde_json::json;
///
/// let store = TestStore::from_env()?;
/// let table = store.objects("rt", capjure::Mapper::default(), &[FamilySpec::new("road")])?;
/// assert_round_trip_in(&table, b"r1", &json!({"road": {"name": "101N", "speed": 65}}));
/// # Ok::<(), capjure::Error>(())
/// ```
#[track_caller]
pub fn assert_round_trip_in<S: Store>(table: &Table<S>, row: &[u8], value: &Value) {
    let key = escape(row, Field::Row);
    let name = table.name();
    let result = (|| {
        table.create(&[value], 1)?;
        table.insert(row, value)?;
        let stored = table
            .store()
            .get_row(name, row, &crate::store::Read::latest())?;
        let back = table.get(row)?;
        Ok::<_, crate::Error>((stored, back))
    })();
    let (stored, back) = match result {
        Ok(found) => found,
        Err(e) => panic!("round trip through table \"{name}\" failed at row \"{key}\": {e}"),
    };
    let expected = match table.mapper().flatten(value) {
        Ok(cells) => cells.to_vec(),
        Err(e) => panic!("round trip failed: cannot flatten {value}: {e}"),
    };
    let stored = stored.map(|row| row.cells).unwrap_or_default();
    if let Some(diff) = diff_cells(&stored, &expected) {
        panic!(
            "round trip through table \"{name}\": row \"{key}\" holds other cells than the \
             object flattens to (left: stored, right: flattened)\n{diff}"
        );
    }
    if back.as_ref() != Some(value) {
        let back = back.map_or_else(|| "nothing".to_string(), |v| v.to_string());
        panic!(
            "round trip through table \"{name}\": row \"{key}\" reads back as {back}, not {value}"
        );
    }
    if let Err(e) = table.delete(&[row]) {
        panic!("round trip through table \"{name}\": cannot delete row \"{key}\": {e}");
    }
}

/// Asserts that `entity` comes back as itself: from its own cells
/// ([`Entity::to_cells`], [`Entity::from_cells`]), and after a trip
/// through an in-memory [`EntityTable`] ([`assert_entity_round_trip_in`]
/// uses yours), whose row must hold exactly the entity's cells. Panics
/// with the difference otherwise.
///
/// ```
/// use capjure::Entity;
///
/// #[derive(Entity, Debug, PartialEq)]
/// #[capjure(table = "visits")]
/// struct Visit {
///     #[capjure(row_key)]
///     shopper: String,
///     pages: Vec<String>,
///     referrer: Option<String>,
/// }
///
/// capjure::testing::assert_entity_round_trip(&Visit {
///     shopper: "ann".into(),
///     pages: vec!["/".into(), "/cart".into()],
///     referrer: None,
/// });
/// ```
#[track_caller]
pub fn assert_entity_round_trip<E: Entity + PartialEq + fmt::Debug>(entity: &E) {
    let cells = match entity.to_cells() {
        Ok(cells) => cells,
        Err(e) => panic!("round trip failed: cannot turn {entity:?} into cells: {e}"),
    };
    match E::from_cells(&cells) {
        Ok(back) if back == *entity => {}
        Ok(back) => panic!(
            "round trip failed: the cells read back as another value\n  \
             entity: {entity:?}\n  read back: {back:?}\n  cells:\n{}",
            list_cells(&cells.to_vec())
        ),
        Err(e) => panic!(
            "round trip failed: the entity's own cells do not read back: {e}\n  \
             entity: {entity:?}\n  cells:\n{}",
            list_cells(&cells.to_vec())
        ),
    }
    let table = EntityTable::<E, MemoryStore>::new(MemoryStore::new());
    if let Err(e) = table.create() {
        panic!("round trip failed: cannot create an in-memory table: {e}");
    }
    assert_entity_round_trip_in(&table, entity);
}

/// Asserts that `entity`, inserted into `table` (which must exist), reads
/// back as `entity` and that its row holds exactly the entity's cells;
/// the row is deleted again after a success. Panics with the columns that
/// differ otherwise.
///
/// ```
/// use capjure::Entity;
/// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "pages")] struct Page { #[capjure(row_key)] url: String, title: String }
/// let pages = capjure::testing::TestStore::from_env()?.table::<Page>()?;
/// capjure::testing::assert_entity_round_trip_in(&pages, &Page { url: "/".into(), title: "home".into() });
/// # Ok::<(), capjure::Error>(())
/// ```
#[track_caller]
pub fn assert_entity_round_trip_in<E, S>(table: &EntityTable<E, S>, entity: &E)
where
    E: Entity + PartialEq + fmt::Debug,
    S: Store,
{
    let name = table.name();
    let row = entity.row_key();
    let key = escape(&row, Field::Row);
    let key_value = entity.key();
    let result = (|| {
        table.insert(entity)?;
        let stored = table.store().get_row(name, &row, &Read::latest())?;
        let back = table.get(&key_value)?;
        Ok::<_, crate::Error>((stored, back))
    })();
    let (stored, back) = match result {
        Ok(found) => found,
        Err(e) => panic!("round trip through table \"{name}\" failed at row \"{key}\": {e}"),
    };
    let expected = match entity.to_cells() {
        Ok(cells) => cells.to_vec(),
        Err(e) => panic!("round trip failed: cannot turn {entity:?} into cells: {e}"),
    };
    let stored = stored.map(|row| row.cells).unwrap_or_default();
    if let Some(diff) = diff_cells(&stored, &expected) {
        panic!(
            "round trip through table \"{name}\": row \"{key}\" holds other cells than the \
             entity's (left: stored, right: the entity's)\n{diff}"
        );
    }
    match back {
        Some(back) if back == *entity => {}
        back => panic!(
            "round trip through table \"{name}\": row \"{key}\" reads back as {back:?}, not \
             {entity:?}"
        ),
    }
    if let Err(e) = table.delete(&key_value) {
        panic!("round trip through table \"{name}\": cannot delete row \"{key}\": {e}");
    }
}

/// Something that holds cells: a slice or `Vec` of [`Cell`], [`Cells`],
/// or a [`Row`]. [`diff_cells`] and [`assert_cells_eq!`](crate::assert_cells_eq)
/// compare the newest cell of each column.
///
/// ```
/// use capjure::testing::CellSource;
/// let cells = vec![capjure::Cell::new("f", "q", "2").at(2), capjure::Cell::new("f", "q", "1").at(1)];
/// assert_eq!(cells.newest().len(), 1);
/// ```
pub trait CellSource {
    /// Column (`family`, `qualifier`) -> the newest value: the first of a
    /// column's cells when none has a timestamp, else the one with the
    /// largest.
    fn newest(&self) -> Newest;
}

fn newest_of<'a>(cells: impl IntoIterator<Item = &'a Cell>) -> Newest {
    let mut newest: BTreeMap<ColumnName, (Option<i64>, Vec<u8>)> = BTreeMap::new();
    for cell in cells {
        let column = (cell.family.clone(), cell.qualifier.clone());
        match newest.get(&column) {
            Some((seen, _)) if cell.timestamp <= *seen => {}
            _ => {
                newest.insert(column, (cell.timestamp, cell.value.clone()));
            }
        }
    }
    newest
        .into_iter()
        .map(|(column, (_, value))| (column, value))
        .collect()
}

impl CellSource for [Cell] {
    fn newest(&self) -> Newest {
        newest_of(self)
    }
}

impl CellSource for Vec<Cell> {
    fn newest(&self) -> Newest {
        newest_of(self)
    }
}

impl<const N: usize> CellSource for [Cell; N] {
    fn newest(&self) -> Newest {
        newest_of(self)
    }
}

impl CellSource for Cells {
    fn newest(&self) -> Newest {
        newest_of(&self.to_vec())
    }
}

impl CellSource for Row {
    fn newest(&self) -> Newest {
        newest_of(&self.cells)
    }
}

impl<T: CellSource + ?Sized> CellSource for &T {
    fn newest(&self) -> Newest {
        (**self).newest()
    }
}

/// The columns whose newest values differ between `left` and `right`,
/// one line each with both values (escaped and cut), or `None` when they
/// agree. Timestamps are not compared: compare [dumps](super::dump) for
/// that.
///
/// ```
/// use capjure::Cell;
/// let left = [Cell::new("f", "a", "1"), Cell::new("f", "b", "x")];
/// let right = [Cell::new("f", "a", "2"), Cell::new("f", "c", "\x00")];
/// assert_eq!(
///     capjure::testing::diff_cells(&left, &right).unwrap(),
///     "  column \"f:a\": left \"1\", right \"2\"\n  \
///        column \"f:b\": left \"x\", right (none)\n  \
///        column \"f:c\": left (none), right \"\\x00\"\n"
/// );
/// assert_eq!(capjure::testing::diff_cells(&left, &left), None);
/// ```
pub fn diff_cells<L: CellSource + ?Sized, R: CellSource + ?Sized>(
    left: &L,
    right: &R,
) -> Option<String> {
    let out = column_diff("", &left.newest(), &right.newest());
    (!out.is_empty()).then_some(out)
}

fn column_diff(prefix: &str, left: &Newest, right: &Newest) -> String {
    let mut out = String::new();
    let mut columns: Vec<&ColumnName> = left.keys().chain(right.keys()).collect();
    columns.sort();
    columns.dedup();
    let show =
        |value: Option<&Vec<u8>>| value.map_or_else(|| "(none)".into(), |v| excerpt(v, SHOWN));
    for column in columns {
        let (l, r) = (left.get(column), right.get(column));
        if l != r {
            let _ = writeln!(
                out,
                "  {prefix}column \"{}:{}\": left {}, right {}",
                escape(&column.0, Field::Family),
                escape(&column.1, Field::Qualifier),
                show(l),
                show(r)
            );
        }
    }
    out
}

/// The rows and columns that differ between two lists of rows (matched by
/// key; each row's newest cells compared), one line each, or `None` when
/// they agree.
///
/// ```
/// use capjure::Cell;
/// use capjure::store::Row;
/// let left = [Row { key: b"r1".to_vec(), cells: vec![Cell::new("f", "a", "1")] }];
/// let right = [
///     Row { key: b"r1".to_vec(), cells: vec![Cell::new("f", "a", "2")] },
///     Row { key: b"r2".to_vec(), cells: vec![Cell::new("f", "a", "1")] },
/// ];
/// assert_eq!(
///     capjure::testing::diff_rows(&left, &right).unwrap(),
///     "  row \"r1\": column \"f:a\": left \"1\", right \"2\"\n  \
///        row \"r2\": only in right (1 column)\n"
/// );
/// ```
pub fn diff_rows(left: &[Row], right: &[Row]) -> Option<String> {
    let by_key = |rows: &[Row]| -> BTreeMap<Vec<u8>, Newest> {
        let mut out: BTreeMap<Vec<u8>, BTreeMap<_, _>> = BTreeMap::new();
        for row in rows {
            out.entry(row.key.clone()).or_default().extend(row.newest());
        }
        out
    };
    let (left, right) = (by_key(left), by_key(right));
    let mut keys: Vec<&Vec<u8>> = left.keys().chain(right.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = String::new();
    let plural = |n: usize| if n == 1 { "column" } else { "columns" };
    for key in keys {
        let row = escape(key, Field::Row);
        match (left.get(key), right.get(key)) {
            (Some(l), Some(r)) => out.push_str(&column_diff(&format!("row \"{row}\": "), l, r)),
            (Some(l), None) => {
                let _ = writeln!(
                    out,
                    "  row \"{row}\": only in left ({} {})",
                    l.len(),
                    plural(l.len())
                );
            }
            (None, Some(r)) => {
                let _ = writeln!(
                    out,
                    "  row \"{row}\": only in right ({} {})",
                    r.len(),
                    plural(r.len())
                );
            }
            (None, None) => {}
        }
    }
    (!out.is_empty()).then_some(out)
}

fn list_cells(cells: &[Cell]) -> String {
    let mut out = String::new();
    for cell in cells {
        let _ = writeln!(
            out,
            "    {}:{} => {}",
            escape(&cell.family, Field::Family),
            escape(&cell.qualifier, Field::Qualifier),
            excerpt(&cell.value, SHOWN)
        );
    }
    out
}

/// Asserts that two sets of cells (anything [`CellSource`]: `[Cell]`,
/// `Vec<Cell>`, [`Cells`], a [`Row`]) hold the same newest value in every
/// column; the failure lists each column that differs with both values.
///
/// ```
/// use capjure::{Cell, Mapper};
/// use serde_json::json;
///
/// let cells = Mapper::default().flatten(&json!({"road": {"name": "101N"}}))?;
/// capjure::assert_cells_eq!(cells, [Cell::new("road", "name", "\"101N\"")]);
/// # Ok::<(), capjure::Error>(())
/// ```
///
/// ```should_panic
/// use capjure::Cell;
/// // panics: column "f:a": left "1", right "2"
/// capjure::assert_cells_eq!([Cell::new("f", "a", "1")], [Cell::new("f", "a", "2")]);
/// ```
#[macro_export]
macro_rules! assert_cells_eq {
    ($left:expr, $right:expr $(,)?) => {
        if let ::core::option::Option::Some(diff) = $crate::testing::diff_cells(&$left, &$right) {
            ::core::panic!("assertion `left == right` failed: cells differ\n{}", diff);
        }
    };
    ($left:expr, $right:expr, $($arg:tt)+) => {
        if let ::core::option::Option::Some(diff) = $crate::testing::diff_cells(&$left, &$right) {
            ::core::panic!(
                "assertion `left == right` failed: {}: cells differ\n{}",
                ::core::format_args!($($arg)+),
                diff
            );
        }
    };
}

/// Asserts that two lists of rows (slices or `Vec`s of
/// [`Row`](crate::store::Row)) hold the same rows with the same newest
/// value in every column; the failure lists each row and column that
/// differs with both values.
///
/// ```
/// use capjure::store::{FamilySpec, Row, RowMutations, Scan, Store};
/// use capjure::{Cell, MemoryStore};
///
/// let store = MemoryStore::new();
/// store.create_table("t", &[FamilySpec::new("f")])?;
/// store.mutate("t", &[RowMutations::new("r").put(Cell::new("f", "q", "v"))])?;
/// let rows: Vec<Row> = store.scan("t", &Scan::all())?.collect::<Result<_, _>>()?;
/// capjure::assert_rows_eq!(rows, [Row { key: b"r".to_vec(), cells: vec![Cell::new("f", "q", "v")] }]);
/// # Ok::<(), capjure::Error>(())
/// ```
#[macro_export]
macro_rules! assert_rows_eq {
    ($left:expr, $right:expr $(,)?) => {
        if let ::core::option::Option::Some(diff) = $crate::testing::diff_rows(&$left[..], &$right[..]) {
            ::core::panic!("assertion `left == right` failed: rows differ\n{}", diff);
        }
    };
    ($left:expr, $right:expr, $($arg:tt)+) => {
        if let ::core::option::Option::Some(diff) = $crate::testing::diff_rows(&$left[..], &$right[..]) {
            ::core::panic!(
                "assertion `left == right` failed: {}: rows differ\n{}",
                ::core::format_args!($($arg)+),
                diff
            );
        }
    };
}
