//! capjure: persist JSON-like objects in Apache HBase, one cell per part.
//!
//! Instead of storing an object as one JSON blob, capjure splits it into
//! cells so that a reader can load only the columns it needs, in the layout
//! of the original Clojure capjure:
//!
//! | top-level value under key `k`  | cells                                   |
//! |--------------------------------|-----------------------------------------|
//! | scalar                         | `k:` => value                           |
//! | map of scalars                 | `k:field` => value, per field           |
//! | array of scalars               | `k:element`, per element                |
//! | array of maps (primary key pk) | `k_field:<pk>` => value, per child field |
//!
//! ```
//! use capjure::{KeyConfig, Mapper};
//! use serde_json::json;
//!
//! let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
//! let painting = json!({
//!     "trees": ["cedar", "maple", "oak"],
//!     "houses": 4,
//!     "cars": [
//!         {"make": "honda", "model": "fit", "license": "ah12001"},
//!         {"make": "toyota", "model": "yaris", "license": "xb34544"}
//!     ],
//!     "road": {"name": "101N", "speed": 65}
//! });
//! let cells = mapper.flatten(&painting)?;
//! for cell in &cells {
//!     println!("{cell}"); // e.g. cars_make:ah12001 => "honda"
//! }
//! assert_eq!(mapper.hydrate(&cells)?, painting);
//! # Ok::<(), capjure::Error>(())
//! ```
//!
//! # Codecs
//!
//! [`Codec::Json`], the default, is lossless: numbers stay numbers, `"4"`
//! stays a string, `null` stays null, arrays keep their order and
//! duplicates, and empty maps and arrays survive. To do that it writes a
//! few cells the original did not:
//!
//! * `k:` => `{}` or `[]` for an empty map or array;
//! * each array-of-scalars cell lists the positions of its element:
//!   `trees:oak` => `[2]`; a repeated element lists each position
//!   (`[0,3]`), and an element that is not the qualifier's string (a number,
//!   say) is written as a pair, `trees:4` => `[[1,4]]`;
//! * each child of an array of maps has an index cell in family `k` holding
//!   its position, `cars:ah12001` => `{"at":0}`, and its typed primary key
//!   when that is not the qualifier's string (`{"at":0,"pk":7}`), so that
//!   children keep their order and a child with nothing but its primary key
//!   survives. The table therefore needs the family `k` as well as the
//!   `k_field` families;
//!   [`Mapper::families`] lists them.
//!
//! [`Codec::Text`] reads and writes exactly what the original wrote
//! (display text, the array marker [`ARRAY_MARKER`]); values read back as
//! strings and arrays in the byte order of their qualifiers, and what it
//! cannot store faithfully is an error at flatten time.
//!
//! # What is an error
//!
//! Every object either round-trips or fails to flatten with an [`Error`]
//! naming the key, field or column: values nested deeper than one level,
//! arrays mixing maps and scalars, arrays of maps without a configured
//! primary key, children with a missing or repeated primary key, empty key
//! or field names, and keys whose column family would read back as part of
//! a configured array (`cars_count` beside an array `cars`).
//! Hydrating cells that no object flattens to is an error naming the
//! column; nothing panics.
//!
//! # Writing rows
//!
//! [`Table::insert`] replaces a row, [`Table::merge`] merges a patch into
//! it (JSON Merge Patch, RFC 7396, at the layout's one level of nesting,
//! with `null` stored as a value) and [`Table::remove`] removes keys or map
//! fields: each reads the row first and writes the difference, two round
//! trips per batch, so the row always reads back. [`Table::load_many`]
//! writes new rows without reading, one round trip per batch.
//!
//! # Testing code that uses capjure
//!
//! Feature `testing` adds `capjure::testing`: per-test tables on the
//! in-memory store or a real HBase, JSON and cell-dump fixture files,
//! golden snapshots, assertions that list the columns that differ, and
//! proptest strategies.
#![deny(unsafe_code)]
#![warn(missing_docs)]

mod cell;
mod codec;
mod counter;
mod de;
mod entity;
mod error;
mod flatten;
mod hydrate;
mod java;
mod keys;
mod layout;
mod mapper;
mod patch;
pub mod rowkey;
mod ser;
pub mod store;
pub mod table;
#[cfg(feature = "testing")]
pub mod testing;
mod text;

/// Derives [`Entity`] (and the struct's serde impls); see [`Entity`].
#[cfg(feature = "derive")]
pub use capjure_derive::Entity;
/// A test that gets tables of its own, with fixture files loaded before
/// its body runs (features `derive` and `testing`): what
/// `#[sqlx::test(fixtures(..))]` is for SQL.
///
/// Each parameter says what the test receives:
///
/// * `name: EntityTable<E, _>`: a fresh table for entity `E` under a
///   unique name on [`testing::TestStore::from_env`]'s store (the
///   in-memory store, or HBase when `CAPJURE_HBASE` is set), dropped when
///   the test ends, also when it fails. The binding is a
///   [`testing::TestEntities<E>`], which derefs to
///   `EntityTable<E, TestStore>`.
/// * `name: TestStore`: the store itself.
///
/// `fixtures("name", ...)` loads `tests/fixtures/<name>.jsonl` (entity
/// rows, keyed by the entity) or `<name>.cells` (a cell dump) into the
/// parameter called `name`, in the order listed
/// ([`testing::fixture_path`]); a fixture without such a parameter is a
/// compile error, a bad fixture file fails the test naming its line.
/// The function may return `()` or a `Result`; async functions are not
/// supported yet.
///
/// ```
/// use capjure::testing::TestStore;
/// use capjure::{Entity, EntityTable};
///
/// #[derive(Entity, Debug, PartialEq)]
/// #[capjure(table = "pages")]
/// struct Page { #[capjure(row_key)] url: String, title: String }
///
/// #[capjure::test]
/// fn pages_start_empty(pages: EntityTable<Page, _>, store: TestStore) -> capjure::Result<()> {
///     assert_eq!(pages.count()?, 0);
///     assert!(pages.name().starts_with("capjure_test_pages_"));
///     Ok(())
/// }
/// # fn main() {} // `#[test]` functions run under `cargo test`, not here
/// ```
#[cfg(all(feature = "derive", feature = "testing"))]
pub use capjure_derive::test;
pub use cell::{Cell, CellRef, Cells, CellsIter, split_column};
pub use codec::{ARRAY_MARKER, Codec};
pub use de::from_cells;
#[doc(hidden)]
pub use entity::__private;
pub use entity::{CounterColumn, Entity};
pub use error::{Error, ErrorKind, Result, TransportCause};
pub use keys::{DecodeFn, EncodeFn, KeyConfig, PrimaryKey};
pub use layout::Layout;
pub use mapper::Mapper;
pub use patch::FieldPath;
pub use ser::to_cells;
pub use store::{MemoryStore, Store, Thrift2Store, ThriftStore};
pub use table::{Entities, EntityQuery, EntityTable, Keyed, Objects, StoreExt, Table, Versions};

/// What kind of value this is, for error messages.
pub(crate) fn describe(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "a map",
    }
}

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
