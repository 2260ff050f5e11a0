//! `Table::merge`, `Table::remove` and `Table::load_many`: a merge is JSON
//! Merge Patch at capjure's one level of nesting (with `null` a value),
//! and no write that succeeds leaves a row that does not read back. Run on
//! `MemoryStore` and on HBase through `ThriftStore`, in both layouts.
//!
//! Needs HBase for the `hbase_` tests: see `tests/support/mod.rs`.

mod support;

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use capjure::store::{FamilySpec, Read, Row, RowMutations, Scan, Scanner, Store};
use capjure::{Cell, Codec, ErrorKind, FieldPath, KeyConfig, Layout, Mapper, MemoryStore, Table};
use capjure::{Result, ThriftStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Number, Value, json};

/// The plain keys objects here use, beside `kids` (an array of maps keyed
/// by `id`), and the fields of children: few, so that patches meet stored
/// keys, and every family known up front.
const KEYS: [&str; 4] = ["a", "b", "m", "arr"];
const CHILD_FIELDS: [&str; 3] = ["x", "y", "z"];

fn keys() -> KeyConfig {
    KeyConfig::new().field("kids", "id")
}

fn layouts() -> [Layout; 2] {
    [Layout::MultiFamily, Layout::single_family("meta")]
}

/// Every family an object of this test can need, under `layout`.
fn families(layout: &Layout) -> Vec<FamilySpec> {
    match layout {
        Layout::SingleFamily { family } => vec![FamilySpec::new(family.clone())],
        _ => KEYS
            .iter()
            .map(|key| key.to_string())
            .chain(["kids".to_string()])
            .chain(CHILD_FIELDS.iter().map(|field| format!("kids_{field}")))
            .map(FamilySpec::new)
            .collect(),
    }
}

/// A table of the test's shape on `store`, created.
fn table<S: Store>(store: S, name: &str, layout: Layout, codec: Codec) -> Table<S> {
    let mapper = Mapper::new(keys())
        .with_layout(layout.clone())
        .with_codec(codec);
    let table = Table::new(store, name, mapper);
    table.create_with(&families(&layout)).expect("create table");
    table
}

/// An HBase store, or `None` when HBase tests are skipped.
fn hbase() -> Option<(ThriftStore, support::DropTable)> {
    drop(support::hbase_client()?);
    let name = support::unique_table_name("merge");
    let store = ThriftStore::new(support::Target::from_env().config()).expect("connect to HBase");
    Some((store, support::DropTable(name)))
}

/// Runs `check` on a fresh table of each layout on `MemoryStore`, then on
/// HBase.
fn on_both_stores(codec: Codec, check: impl Fn(&Table<&dyn Store>, &str)) {
    let memory = MemoryStore::new();
    for layout in layouts() {
        let table = table(&memory as &dyn Store, "t", layout.clone(), codec);
        check(&table, &format!("memory {layout:?}"));
        memory.drop_table("t").expect("drop");
    }
    let Some((store, name)) = hbase() else { return };
    for layout in layouts() {
        let table = table(&store as &dyn Store, &name.0, layout.clone(), codec);
        check(&table, &format!("hbase {layout:?}"));
        store.drop_table(&name.0).expect("drop");
    }
}

#[test]
fn the_reported_merge_reads_back() {
    on_both_stores(Codec::Json, |table, on| {
        table
            .insert(
                b"r",
                &json!({"a": 1, "arr": ["p"], "kids": [{"id": "k1", "x": 1}]}),
            )
            .expect("insert");
        table
            .merge(b"r", &json!({"arr": ["q"], "kids": [{"id": "k2", "x": 2}]}))
            .expect("merge");
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({"a": 1, "arr": ["q"], "kids": [{"id": "k2", "x": 2}]})),
            "{on}"
        );
    });
}

#[test]
fn merges_across_empty_markers_and_shapes_read_back() {
    // (stored, patch, expected): every change of shape under one key.
    let cases = [
        (
            json!({"m": {}}),
            json!({"m": {"x": 1}}),
            json!({"m": {"x": 1}}),
        ),
        (
            json!({"m": {"x": 1}}),
            json!({"m": {}}),
            json!({"m": {"x": 1}}),
        ),
        (json!({"b": 1}), json!({"m": {}}), json!({"b": 1, "m": {}})),
        (json!({"a": 5}), json!({"a": [1, 2]}), json!({"a": [1, 2]})),
        (json!({"a": [1, 2]}), json!({"a": 5}), json!({"a": 5})),
        (json!({"a": [1, 1]}), json!({"a": []}), json!({"a": []})),
        (json!({"a": []}), json!({"a": ["x"]}), json!({"a": ["x"]})),
        (
            json!({"a": []}),
            json!({"a": {"f": 1}}),
            json!({"a": {"f": 1}}),
        ),
        (json!({"a": {"f": 1}}), json!({"a": []}), json!({"a": []})),
        (json!({"a": {"f": 1}}), json!({"a": "s"}), json!({"a": "s"})),
        (
            json!({"a": "s"}),
            json!({"a": {"f": 1}}),
            json!({"a": {"f": 1}}),
        ),
        (
            json!({"kids": [{"id": "k1", "x": 1, "y": 2}]}),
            json!({"kids": {"x": 3}}),
            json!({"kids": {"x": 3}}),
        ),
        (
            json!({"kids": []}),
            json!({"kids": [{"id": "k1", "z": 1}]}),
            json!({"kids": [{"id": "k1", "z": 1}]}),
        ),
        (
            json!({"kids": [{"id": "k1", "x": 1}, {"id": "k2", "y": 1}]}),
            json!({"kids": [{"id": "k2", "x": 5}]}),
            json!({"kids": [{"id": "k2", "x": 5}]}),
        ),
    ];
    on_both_stores(Codec::Json, |table, on| {
        for (row, (stored, patch, expected)) in cases.iter().enumerate() {
            let row = format!("r{row}");
            table.insert(row.as_bytes(), stored).expect("insert");
            table.merge(row.as_bytes(), patch).expect("merge");
            assert_eq!(
                table.get(row.as_bytes()).expect(on).as_ref(),
                Some(expected),
                "{on}: {stored} merged with {patch}"
            );
        }
    });
}

#[test]
fn null_in_a_patch_is_stored_and_a_merge_into_nothing_is_an_insert() {
    on_both_stores(Codec::Json, |table, on| {
        table
            .insert(b"r", &json!({"a": 1, "m": {"x": 1, "y": 2}}))
            .expect("insert");
        table
            .merge(b"r", &json!({"a": null, "m": {"x": null}}))
            .expect("merge");
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({"a": null, "m": {"x": null, "y": 2}})),
            "{on}"
        );
        let patch = json!({"a": null, "m": {}, "arr": [], "b": [null]});
        table.merge(b"new", &patch).expect("merge");
        table.insert(b"inserted", &patch).expect("insert");
        assert_eq!(table.get(b"new").expect(on), Some(patch.clone()), "{on}");
        assert_eq!(
            table.get(b"new").expect(on),
            table.get(b"inserted").expect(on),
            "{on}"
        );
    });
}

#[test]
fn remove_takes_keys_and_map_fields_and_leaves_rows_that_read() {
    on_both_stores(Codec::Json, |table, on| {
        let object = json!({
            "a": 1, "b": [1, 2], "m": {"x": 1, "y": 2},
            "kids": [{"id": "k1", "x": 1}, {"id": "k2", "y": 2}]
        });
        table.insert(b"r", &object).expect("insert");
        table
            .remove(
                b"r",
                &[
                    FieldPath::key("a"),
                    FieldPath::key("kids"),
                    FieldPath::field("m", "x"),
                    FieldPath::field("b", "0"),
                    FieldPath::key("absent"),
                ],
            )
            .expect("remove");
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({"b": [1, 2], "m": {"y": 2}})),
            "{on}"
        );
        // The map's last field: the map stays, empty.
        table
            .remove(b"r", &[FieldPath::field("m", "y")])
            .expect("remove");
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({"b": [1, 2], "m": {}})),
            "{on}"
        );
        table
            .remove(b"r", &[FieldPath::key("b"), FieldPath::key("m")])
            .expect("remove");
        assert_eq!(table.get(b"r").expect(on), None, "{on}");
        table
            .remove(b"nobody", &[FieldPath::key("a")])
            .expect("remove");
        assert_eq!(table.get(b"nobody").expect(on), None, "{on}");
    });
}

#[test]
fn unchanged_cells_are_not_rewritten() {
    on_both_stores(Codec::Json, |table, on| {
        table
            .insert_at(b"r", &json!({"a": 1, "b": 2}), 10)
            .expect("insert");
        table
            .merge_at(b"r", &json!({"a": 1, "b": 3}), 20)
            .expect("merge");
        let timestamp = |family: &[u8]| {
            let column = match table.mapper().layout() {
                Layout::MultiFamily => (family.to_vec(), Vec::new()),
                _ => (b"meta".to_vec(), [family, b"__"].concat()),
            };
            table
                .cell(b"r", &column.0, &column.1)
                .expect(on)
                .and_then(|cell| cell.timestamp)
        };
        assert_eq!(timestamp(b"a"), Some(10), "{on}");
        assert_eq!(timestamp(b"b"), Some(20), "{on}");
    });
}

#[test]
fn a_row_that_does_not_hydrate_fails_the_merge_and_is_left_alone() {
    let memory = MemoryStore::new();
    let table = table(&memory, "t", Layout::MultiFamily, Codec::Json);
    // Two elements at position 0: no object flattens to this.
    let broken = RowMutations::new("r")
        .put(Cell::new("arr", "p", "[0]").at(5))
        .put(Cell::new("arr", "q", "[0]").at(5));
    memory.mutate("t", &[broken]).expect("mutate");
    let err = table.merge(b"r", &json!({"a": 1})).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Malformed { .. }), "{err}");
    assert_eq!(err.row(), Some(&b"r"[..]), "{err}");
    let err = table.remove(b"r", &[FieldPath::key("arr")]).unwrap_err();
    assert_eq!(err.row(), Some(&b"r"[..]), "{err}");
    let versions = table.versions(b"r", 5, None).expect("versions");
    assert_eq!(versions.len(), 1, "nothing written: {versions:?}");
    // Insert does not read the stored object: it repairs the row.
    table.insert(b"r", &json!({"arr": ["q"]})).expect("insert");
    assert_eq!(table.get(b"r").expect("get"), Some(json!({"arr": ["q"]})));
}

#[test]
fn a_write_below_newer_cells_that_would_not_read_back_is_refused() {
    on_both_stores(Codec::Json, |table, on| {
        table
            .insert_at(b"r", &json!({"arr": ["p"], "a": 1}), 20)
            .expect("insert");
        // arr:p at 20 would outlive the delete at 10, beside arr:q.
        for result in [
            table.merge_at(b"r", &json!({"arr": ["q"]}), 10),
            table.insert_at(b"r", &json!({"arr": ["q"]}), 10),
        ] {
            let err = result.unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::InvalidArgument { .. }),
                "{on}: {err}"
            );
            assert_eq!(err.row(), Some(&b"r"[..]), "{on}: {err}");
        }
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({"arr": ["p"], "a": 1})),
            "{on}"
        );
        // A mixture that reads is HBase's versioning at work, and allowed.
        table.insert_at(b"r", &json!({"b": 2}), 10).expect("insert");
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({"arr": ["p"], "a": 1, "b": 2})),
            "{on}"
        );
    });
}

#[test]
fn text_codec_merges_read_back() {
    // What the text codec can store: no empty containers, values read back
    // as strings.
    on_both_stores(Codec::Text, |table, on| {
        table
            .insert(
                b"r",
                &json!({"a": "1", "arr": ["p"], "m": {"x": "1"}, "kids": [{"id": "k1", "x": "1"}]}),
            )
            .expect("insert");
        table
            .merge(
                b"r",
                &json!({"arr": ["q", "r"], "m": {"y": "2"}, "kids": [{"id": "k2", "y": "2"}]}),
            )
            .expect("merge");
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({
                "a": "1", "arr": ["q", "r"], "m": {"x": "1", "y": "2"},
                "kids": [{"id": "k2", "y": "2"}]
            })),
            "{on}"
        );
    });
}

#[test]
fn a_row_given_twice_gets_its_edits_in_order() {
    on_both_stores(Codec::Json, |table, on| {
        let (one, two) = (
            json!({"arr": ["p"], "m": {"x": 1}}),
            json!({"arr": ["q"], "m": {"y": 2}}),
        );
        table
            .merge_many(&[(b"r", &one), (b"r", &two)], None)
            .expect("merge_many");
        assert_eq!(
            table.get(b"r").expect(on),
            Some(json!({"arr": ["q"], "m": {"x": 1, "y": 2}})),
            "{on}"
        );
        table
            .insert_many(&[(b"s", &one), (b"s", &two)], None)
            .expect("insert_many");
        assert_eq!(table.get(b"s").expect(on), Some(two.clone()), "{on}");
    });
}

/// A store that counts the round trips the table asks for.
struct Counting {
    inner: MemoryStore,
    reads: AtomicUsize,
    writes: AtomicUsize,
}

impl Store for Counting {
    fn mutate(&self, table: &str, batch: &[RowMutations]) -> Result<()> {
        self.writes.fetch_add(1, Ordering::Relaxed);
        self.inner.mutate(table, batch)
    }
    fn get_rows(&self, table: &str, rows: &[Vec<u8>], read: &Read) -> Result<Vec<Option<Row>>> {
        self.reads.fetch_add(1, Ordering::Relaxed);
        self.inner.get_rows(table, rows, read)
    }
    fn scan(&self, table: &str, scan: &Scan) -> Result<Scanner<'_>> {
        self.inner.scan(table, scan)
    }
    fn delete_rows(&self, table: &str, rows: &[Vec<u8>], timestamp: Option<i64>) -> Result<()> {
        self.inner.delete_rows(table, rows, timestamp)
    }
    fn increment(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        amount: i64,
    ) -> Result<i64> {
        self.inner.increment(table, row, family, qualifier, amount)
    }
    fn check_and_put(
        &self,
        table: &str,
        row: &[u8],
        family: &[u8],
        qualifier: &[u8],
        expected: Option<&[u8]>,
        put: &Cell,
    ) -> Result<bool> {
        self.inner
            .check_and_put(table, row, family, qualifier, expected, put)
    }
    fn create_table(&self, table: &str, families: &[FamilySpec]) -> Result<()> {
        self.inner.create_table(table, families)
    }
    fn table_exists(&self, table: &str) -> Result<bool> {
        self.inner.table_exists(table)
    }
    fn list_tables(&self) -> Result<Vec<String>> {
        self.inner.list_tables()
    }
    fn families(&self, table: &str) -> Result<Vec<FamilySpec>> {
        self.inner.families(table)
    }
    fn drop_table(&self, table: &str) -> Result<()> {
        self.inner.drop_table(table)
    }
    fn truncate_table(&self, table: &str) -> Result<()> {
        self.inner.truncate_table(table)
    }
    fn add_family(&self, table: &str, family: &FamilySpec) -> Result<()> {
        self.inner.add_family(table, family)
    }
}

#[test]
fn round_trips_per_batch_are_as_documented() {
    let store = Counting {
        inner: MemoryStore::new(),
        reads: AtomicUsize::new(0),
        writes: AtomicUsize::new(0),
    };
    let table = table(&store, "t", Layout::MultiFamily, Codec::Json).with_batch_size(2);
    let objects: Vec<Value> = (0..4).map(|i| json!({"a": i, "arr": [i]})).collect();
    let rows: Vec<(String, &Value)> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (format!("r{i}"), o))
        .collect();
    let counts = |store: &Counting| {
        (
            store.reads.swap(0, Ordering::Relaxed),
            store.writes.swap(0, Ordering::Relaxed),
        )
    };
    // Two batches: one write each, nothing read.
    table.load_many(&rows, Some(10)).expect("load_many");
    assert_eq!(counts(&store), (0, 2));
    // A read and a write per batch (at an explicit timestamp the puts and
    // the stale deletes go in one call).
    let patch = json!({"arr": ["changed"]});
    let patches: Vec<(&String, &Value)> = rows.iter().map(|(row, _)| (row, &patch)).collect();
    table.merge_many(&patches, Some(20)).expect("merge_many");
    assert_eq!(counts(&store), (2, 2));
    table.insert_many(&rows, Some(30)).expect("insert_many");
    assert_eq!(counts(&store), (2, 2));
    // A merge that changes nothing writes nothing.
    table.merge_many(&rows, Some(40)).expect("merge_many");
    assert_eq!(counts(&store), (2, 0));
    for (row, object) in &rows {
        assert_eq!(
            table.get(row.as_bytes()).expect("get").as_ref(),
            Some(*object)
        );
    }
}

#[test]
fn load_many_writes_new_rows_and_does_not_read() {
    let memory = MemoryStore::new();
    let table = table(&memory, "t", Layout::single_family("meta"), Codec::Json);
    let (one, two) = (
        json!({"a": 1, "kids": [{"id": "k", "x": 1}]}),
        json!({"m": {}}),
    );
    table
        .load_many(&[(b"r1", &one), (b"r2", &two)], None)
        .expect("load_many");
    assert_eq!(
        table.get_many(&[b"r1", b"r2"]).expect("get"),
        vec![Some(one), Some(two)]
    );
}

// ---- the property: get after insert then merge is the documented merge ----

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-1000i64..1000).prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(Value::Number),
        "[a-z:_%]{0,5}".prop_map(Value::String),
        Just(Value::String("1c8fd7d".into())),
    ]
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("f".to_string()),
        Just("g".to_string()),
        Just("x__y".to_string()),
        Just("p:q".to_string()),
        Just("50%".to_string()),
    ]
}

fn scalar_map() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(field_name(), scalar(), 0..4).prop_map(|m| m.into_iter().collect())
}

/// Children with distinct `id`s, each with some of the child fields.
fn children() -> impl Strategy<Value = Value> {
    let child = (
        prop_oneof![Just("k1"), Just("k2"), Just("k3"), Just("k 4")],
        prop::collection::btree_map(prop::sample::select(&CHILD_FIELDS[..]), scalar(), 0..3),
    );
    prop::collection::vec(child, 0..4).prop_map(|kids| {
        let mut seen = BTreeSet::new();
        Value::Array(
            kids.into_iter()
                .filter(|(id, _)| seen.insert(*id))
                .map(|(id, fields)| {
                    let mut child: Map<String, Value> = fields
                        .into_iter()
                        .map(|(f, v)| (f.to_string(), v))
                        .collect();
                    child.insert("id".into(), json!(id));
                    Value::Object(child)
                })
                .collect(),
        )
    })
}

/// What a plain key holds: a scalar, a map of scalars or an array of
/// scalars, empty ones included.
fn plain_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar(),
        scalar_map().prop_map(Value::Object),
        prop::collection::vec(scalar(), 0..4).prop_map(Value::Array),
    ]
}

/// An object (stored, or a patch) over the test's keys.
fn object() -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_map(prop::sample::select(&KEYS[..]), plain_value(), 0..4),
        prop::option::of(prop_oneof![3 => children(), 1 => plain_value()]),
    )
        .prop_map(|(plain, kids)| {
            let mut object: Map<String, Value> =
                plain.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            if let Some(kids) = kids {
                object.insert("kids".into(), kids);
            }
            Value::Object(object)
        })
}

/// The documented merge, written out key by key: the patch's keys win,
/// except that a map merged into a stored map keeps the stored fields the
/// patch does not name.
fn documented_merge(stored: &Value, patch: &Value) -> Value {
    let (Some(stored), Some(patch)) = (stored.as_object(), patch.as_object()) else {
        panic!("objects only");
    };
    let mut merged = Map::new();
    let names: BTreeSet<&String> = stored.keys().chain(patch.keys()).collect();
    for name in names {
        let value = match (stored.get(name), patch.get(name)) {
            (Some(old), None) => old.clone(),
            (Some(Value::Object(old)), Some(Value::Object(new))) => {
                let mut fields = new.clone();
                for (field, value) in old {
                    if !new.contains_key(field) {
                        fields.insert(field.clone(), value.clone());
                    }
                }
                Value::Object(fields)
            }
            (_, Some(new)) => new.clone(),
            (None, None) => continue,
        };
        merged.insert(name.clone(), value);
    }
    Value::Object(merged)
}

/// An object with no cells reads back as no row.
fn as_read(object: Value) -> Option<Value> {
    (object != json!({})).then_some(object)
}

fn check_merges(table: &Table<&dyn Store>, on: &str, cases: u32) {
    let rows = AtomicUsize::new(0);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&(object(), object()), |(stored, patch)| {
        let row = format!("row{}", rows.fetch_add(1, Ordering::Relaxed));
        let fail =
            |what: &str, err: capjure::Error| TestCaseError::fail(format!("{on}: {what}: {err}"));
        table
            .insert(row.as_bytes(), &stored)
            .map_err(|e| fail("insert", e))?;
        table
            .merge(row.as_bytes(), &patch)
            .map_err(|e| fail("merge", e))?;
        let read = table.get(row.as_bytes()).map_err(|e| fail("get", e))?;
        prop_assert_eq!(read, as_read(documented_merge(&stored, &patch)), "{}", on);
        // Into a missing row, a merge is an insert of the patch.
        let fresh = format!("{row}-fresh");
        table
            .merge(fresh.as_bytes(), &patch)
            .map_err(|e| fail("merge", e))?;
        let read = table.get(fresh.as_bytes()).map_err(|e| fail("get", e))?;
        prop_assert_eq!(read, as_read(patch.clone()), "{}", on);
        Ok(())
    });
    if let Err(err) = result {
        panic!("{on}: {err}");
    }
}

#[test]
fn merge_is_the_documented_merge_on_memory_store() {
    let memory = MemoryStore::new();
    for layout in layouts() {
        let table = table(&memory as &dyn Store, "t", layout.clone(), Codec::Json);
        check_merges(&table, &format!("memory {layout:?}"), 256);
        memory.drop_table("t").expect("drop");
    }
}

#[test]
fn merge_is_the_documented_merge_on_hbase() {
    let Some((store, name)) = hbase() else { return };
    for layout in layouts() {
        let table = table(&store as &dyn Store, &name.0, layout.clone(), Codec::Json);
        check_merges(&table, &format!("hbase {layout:?}"), 24);
        store.drop_table(&name.0).expect("drop");
    }
}
