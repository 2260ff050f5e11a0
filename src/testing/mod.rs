//! Test support for services that keep their data with capjure (feature
//! `testing`): what `#[sqlx::test(fixtures(..))]` gives SQL users, for
//! HBase rows.
//!
//! * **Isolated tables.** [`TestStore::from_env`] is the in-memory store,
//!   or a real HBase when `CAPJURE_HBASE` names its Thrift1 gateway
//!   (`[framed|compact|framed+compact://]HOST:PORT`). Its tables
//!   ([`TestStore::table`] for typed entities, [`TestStore::objects`] for
//!   `Value` tables, [`TestStore::raw_table`] for cells) get names no other test uses and are dropped when the test
//!   is done with them, also when it panics; tables a killed test process
//!   left behind are dropped by the next run.
//! * **Fixture files**, in two forms: JSON Lines rows ([`load_json`], one
//!   `{"key": .., "value": {..}}` per line) and the cell dump ([`dump`],
//!   [`load`]: `row  family:qualifier  @timestamp  value`, one line per
//!   version, every byte escaped so that it loads back exactly) for golden
//!   snapshots. Fixtures by name live in `tests/fixtures/` of the crate
//!   under test ([`fixture_path`]). A bad file is an
//!   [`ErrorKind::Fixture`] naming the file and line.
//! * **Assertions**: [`assert_round_trip`] for objects and
//!   [`assert_entity_round_trip`] for entities, and
//!   [`assert_cells_eq!`](crate::assert_cells_eq) and
//!   [`assert_rows_eq!`](crate::assert_rows_eq), whose failures list the
//!   columns that differ.
//! * **proptest strategies**: [`storable_object`] for a mapper,
//!   [`row_key`] for composite row keys.
//!
//! ```
//! use capjure::store::FamilySpec;
//! use capjure::testing::{TestStore, dump, load_json};
//! use capjure::{KeyConfig, Mapper};
//! use serde_json::json;
//!
//! let store = TestStore::from_env()?;
//! let users = store.objects("users", Mapper::new(KeyConfig::new()), &[FamilySpec::new("name")])?;
//! load_json(&users, r#"{"key": "u1", "value": {"name": "ann"}}"#)?;
//!
//! users.merge(b"u1", &json!({"name": "anne"}))?;
//!
//! assert_eq!(users.get(b"u1")?, Some(json!({"name": "anne"})));
//! let snapshot = dump(users.store(), users.name())?;
//! assert!(snapshot.contains("u1  name:  @"));
//! # Ok::<(), capjure::Error>(())
//! ```
//!
//! # The cell dump
//!
//! A table's every cell and version as readable text, one line per
//! version, that loads back byte for byte ([`dump`], [`load`]).
//!
//! ```text
//! # row  family:qualifier  @timestamp  value
//! user1  name:  @1700000000000  "ann"
//! user1  tags:a\x20b  @1700000000000  [0]
//! \x00\xFFkey  f:q  @5  two words\n and a newline
//! ```
//!
//! Fields are separated by spaces (two when written); the value runs to
//! the end of the line. Printable UTF-8 stays as it is; `\` is written
//! `\\`; newline, tab and carriage return `\n`, `\t`, `\r`; any other
//! control or invisible character, and any byte that is not UTF-8, `\xNN`
//! per byte. Spaces are escaped (`\x20`) in the row, family and qualifier
//! and at either end of the value, `:` in the family, and `#` at the start
//! of a row, so that every line splits at its separators whatever the
//! bytes. `@-` as the timestamp lets the store choose one. Blank lines and lines starting with `#` are skipped.
//!
//! # JSON fixtures
//!
//! One row per line (JSON Lines), loaded into a `Value` table through its
//! mapper ([`load_json`]).
//!
//! ```text
//! # users.jsonl: `key` is the row key, `value` the object
//! {"key": "u1", "value": {"name": "ann", "tags": ["admin"]}}
//! {"key": "u2\\x00", "value": {"name": "bob"}, "timestamp": 1700000000000}
//! ```
//!
//! Each line is an object with `key` (the row key, escaped as in the cell
//! dump: `\\xNN` for a byte, `\\\\` for a backslash; that is `\xNN` and
//! `\\` once JSON has read the string), `value` (the object to store) and
//! optionally `timestamp` (milliseconds; the store's clock without it).
//! Rows of a typed table ([`TestStore::table`], [`load_entities_json`])
//! leave `key` out: the row key is the entity's own. Blank lines and lines
//! starting with `#` or `//` are skipped. One line per row keeps every
//! error at a line and a diff of a fixture readable.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::error::{ErrorKind, Result};
use crate::store::Store;

mod assert;
mod dump;
mod entities;
mod escape;
mod json;
mod store;
mod strategy;

pub use assert::{
    CellSource, ColumnName, Newest, assert_entity_round_trip, assert_entity_round_trip_in,
    assert_round_trip, assert_round_trip_in, diff_cells, diff_rows,
};
pub use dump::{dump, format_dump, load, load_file, parse_dump};
pub use entities::{TestEntities, load_entities_json, load_entities_json_file};
pub use json::{load_json, load_json_file};
pub use store::{HBASE_VAR, RawTable, TABLE_PREFIX, TestStore, TestTable};
pub use strategy::{ArbitraryKey, ArbitraryPart, row_key, storable_object};

/// Where fixtures named in tests live, relative to the crate under test:
/// `tests/fixtures/`.
pub const FIXTURE_DIR: &str = "tests/fixtures";

/// The file of the fixture `name`: `tests/fixtures/<name>.jsonl` (JSON
/// rows) or, when there is none, `tests/fixtures/<name>.cells` (a cell
/// dump), under the directory of the crate whose tests run
/// (`CARGO_MANIFEST_DIR`, which `cargo test` sets; the current directory
/// without it).
///
/// ```
/// let err = capjure::testing::fixture_path("no_such_fixture").unwrap_err();
/// assert!(err.to_string().contains("no_such_fixture.jsonl"));
/// ```
pub fn fixture_path(name: &str) -> Result<PathBuf> {
    let root = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(PathBuf::new, PathBuf::from);
    let dir = root.join(FIXTURE_DIR);
    let candidates = [
        dir.join(format!("{name}.jsonl")),
        dir.join(format!("{name}.cells")),
    ];
    for path in &candidates {
        if path.is_file() {
            return Ok(path.clone());
        }
    }
    Err(ErrorKind::Fixture {
        file: candidates[0].display().to_string(),
        line: 0,
        reason: format!(
            "no fixture \"{name}\": neither {} nor {} exists",
            candidates[0].display(),
            candidates[1].display()
        ),
    }
    .into())
}

impl TestTable {
    /// Loads the fixture `name` ([`fixture_path`]): JSON rows through the
    /// table's mapper, or a cell dump as it is. Returns how many rows
    /// (JSON) or cells (dump) it wrote.
    ///
    /// ```no_run
    /// use capjure::store::FamilySpec;
    /// let store = capjure::testing::TestStore::from_env()?;
    /// let users = store.objects("users", capjure::Mapper::default(), &[FamilySpec::new("name")])?;
    /// users.load_fixture("users")?; // tests/fixtures/users.jsonl
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn load_fixture(&self, name: &str) -> Result<usize> {
        let path = fixture_path(name)?;
        if path.extension().is_some_and(|ext| ext == "jsonl") {
            load_json_file(self.table(), path)
        } else {
            load_file(self.store(), self.name(), path)
        }
    }
}

impl RawTable {
    /// Loads the cell dump fixture `name` (`tests/fixtures/<name>.cells`);
    /// returns how many cells it wrote.
    ///
    /// ```no_run
    /// use capjure::store::FamilySpec;
    /// let store = capjure::testing::TestStore::from_env()?;
    /// let events = store.raw_table("events", &[FamilySpec::new("f")])?;
    /// events.load_fixture("events")?; // tests/fixtures/events.cells
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn load_fixture(&self, name: &str) -> Result<usize> {
        let path = fixture_path(name)?;
        if path.extension().is_some_and(|ext| ext == "jsonl") {
            return Err(ErrorKind::Fixture {
                file: path.display().to_string(),
                line: 0,
                reason: "JSON rows need a mapper; load them into a TestStore::objects table".into(),
            }
            .into());
        }
        load_file(self.store(), self.name(), path)
    }

    /// The table's state as a cell dump ([`dump`]).
    ///
    /// ```
    /// use capjure::store::{FamilySpec, RowMutations, Store};
    /// use capjure::Cell;
    /// let store = capjure::testing::TestStore::memory();
    /// let t = store.raw_table("t", &[FamilySpec::new("f")])?;
    /// store.mutate(t.name(), &[RowMutations::new("r").put(Cell::new("f", "q", "v").at(1))])?;
    /// assert_eq!(t.dump()?.lines().nth(1), Some("r  f:q  @1  v"));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn dump(&self) -> Result<String> {
        dump(self.store(), self.name())
    }
}

/// Reads a fixture file: its path for messages, and its text.
fn read_fixture(path: &Path) -> Result<(String, String)> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(text) => Ok((file, text)),
        Err(e) => Err(ErrorKind::Fixture {
            file,
            line: 0,
            reason: format!("cannot read it: {e}"),
        }
        .into()),
    }
}

/// The families `table` has, for the unknown-family check.
fn family_names<S: Store + ?Sized>(store: &S, table: &str) -> Result<BTreeSet<Vec<u8>>> {
    Ok(store
        .families(table)?
        .into_iter()
        .map(|family| family.name.into_bytes())
        .collect())
}

/// A fixture line writing to a family the table lacks is the fixture's
/// mistake: say so at its line, not later as a server error.
fn check_family(
    file: &str,
    line: usize,
    table: &str,
    families: &BTreeSet<Vec<u8>>,
    family: &[u8],
) -> Result<()> {
    if families.contains(family) {
        return Ok(());
    }
    Err(ErrorKind::Fixture {
        file: file.to_string(),
        line,
        reason: format!(
            "family \"{}\" is not in table \"{table}\" (it has: {})",
            escape::escape(family, escape::Field::Family),
            dump::list(families)
        ),
    }
    .into())
}
