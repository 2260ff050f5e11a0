//! `capjure::testing` used the way a service's own test suite would: only
//! the public API, fixtures under tests/fixtures/. Every test runs on the
//! in-memory store and, when `CAPJURE_HBASE` names a gateway (scripts/test
//! sets it), on that HBase too.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use capjure::store::{FamilySpec, Row, RowMutations, Store};
use capjure::testing::{
    TestStore, assert_round_trip, assert_round_trip_in, dump, load, parse_dump, row_key,
    storable_object,
};
use capjure::{Cell, Codec, ErrorKind, KeyConfig, Layout, Mapper, assert_cells_eq, assert_rows_eq};
use proptest::prelude::*;
use serde_json::json;

/// The stores every test runs on.
fn stores() -> Vec<TestStore> {
    let mut stores = vec![TestStore::memory()];
    if std::env::var("CAPJURE_HBASE").is_ok_and(|v| !v.trim().is_empty()) {
        stores.push(TestStore::from_env().expect("CAPJURE_HBASE names a reachable gateway"));
    }
    stores
}

fn sessions_mapper() -> Mapper {
    Mapper::new(KeyConfig::new().field("pages", "url"))
}

fn session_families() -> Vec<FamilySpec> {
    ["user", "device", "tags", "pages", "pages_title"]
        .into_iter()
        .map(FamilySpec::new)
        .collect()
}

fn fixture_text(name: &str) -> String {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn json_fixture_rows_read_back_as_objects() {
    for store in stores() {
        let sessions = store
            .objects("sessions", sessions_mapper(), &session_families())
            .unwrap();
        assert_eq!(sessions.load_fixture("sessions").unwrap(), 3, "{store:?}");
        assert_eq!(sessions.count().unwrap(), 3);
        assert_eq!(
            sessions.get(b"s2").unwrap(),
            Some(json!({"user": "bob", "device": {"os": "mac os"},
                "pages": [{"url": "/a b", "title": "two\nlines"}, {"url": "/c", "title": ""}]}))
        );
        assert_eq!(
            sessions.get(b"s\x00\xFF3").unwrap(),
            Some(json!({"user": "c:d@e\\f", "tags": ["é"]}))
        );
    }
}

#[test]
fn json_fixture_dumps_to_its_golden_snapshot() {
    for store in stores() {
        let sessions = store
            .objects("sessions", sessions_mapper(), &session_families())
            .unwrap();
        sessions.load_fixture("sessions").unwrap();
        let snapshot = dump(sessions.store(), sessions.name()).unwrap();
        // The usual golden-file workflow: regenerate, then review the diff.
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            let path = format!(
                "{}/tests/fixtures/sessions_snapshot.cells",
                env!("CARGO_MANIFEST_DIR")
            );
            std::fs::write(path, &snapshot).unwrap();
        }
        assert_eq!(
            snapshot,
            fixture_text("sessions_snapshot.cells"),
            "{store:?}"
        );
    }
}

#[test]
fn a_cell_dump_fixture_loads_and_dumps_to_the_same_text() {
    for store in stores() {
        let events = store
            .raw_table(
                "events",
                &[FamilySpec::new("f").max_versions(3), FamilySpec::new("g")],
            )
            .unwrap();
        assert_eq!(events.load_fixture("events").unwrap(), 6);
        assert_eq!(
            events.dump().unwrap(),
            fixture_text("events.cells"),
            "{store:?}"
        );
        let rows = parse_dump("events.cells", &fixture_text("events.cells")).unwrap();
        assert_eq!(rows[0].key, b"e\x002");
        assert_eq!(
            rows[0].cells[1],
            Cell::new("g", "a:b", b"\x00\xFF\\ and  ".to_vec()).at(5)
        );
    }
}

/// Asserts `result` is a fixture error at `line` of a file named `file`,
/// whose reason contains `reason`.
fn assert_fixture_error(result: capjure::Result<usize>, file: &str, line: usize, reason: &str) {
    let err = result.expect_err("a bad fixture must not load");
    let message = err.to_string();
    match err.kind() {
        ErrorKind::Fixture {
            file: f,
            line: l,
            reason: r,
        } => {
            assert!(f.ends_with(file), "{message}");
            assert_eq!(*l, line, "{message}");
            assert!(r.contains(reason), "{message}");
            assert!(
                message.contains(&format!("{file}, line {line}: ")),
                "{message}"
            );
        }
        other => panic!("expected a fixture error, got {other:?}"),
    }
}

#[test]
fn bad_fixture_files_are_errors_naming_file_and_line() {
    for store in stores() {
        let sessions = store
            .objects("bad", sessions_mapper(), &session_families())
            .unwrap();
        let fixture = |name| sessions.load_fixture(name);
        assert_fixture_error(fixture("bad_json"), "bad_json.jsonl", 3, "invalid JSON");
        assert_fixture_error(fixture("bad_no_key"), "bad_no_key.jsonl", 3, "no \"key\"");
        assert_fixture_error(
            fixture("bad_family"),
            "bad_family.jsonl",
            3,
            "family \"shoe_size\" is not in table",
        );
        let events = store.raw_table("bad", &[FamilySpec::new("f")]).unwrap();
        assert_fixture_error(
            events.load_fixture("bad_line"),
            "bad_line.cells",
            3,
            "found \"1\"",
        );
        assert_fixture_error(
            events.load_fixture("no_such_fixture"),
            "no_such_fixture.jsonl",
            0,
            "no fixture",
        );
    }
}

fn panic_message(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("the assertion must fail");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
fn failed_cell_and_row_assertions_list_the_columns_that_differ() {
    let long = "x".repeat(200);
    let message = panic_message(|| {
        assert_cells_eq!(
            [
                Cell::new("f", "a", "1"),
                Cell::new("f", "b b", long.as_str())
            ],
            vec![Cell::new("f", "a", "2"), Cell::new("f", "b b", "\x00")],
            "user {}",
            7
        )
    });
    assert!(message.contains("user 7: cells differ"), "{message}");
    assert!(
        message.contains("column \"f:a\": left \"1\", right \"2\""),
        "{message}"
    );
    assert!(
        message.contains(&format!(
            "column \"f:b\\x20b\": left \"{}\"… (200 bytes), right \"\\x00\"",
            "x".repeat(48)
        )),
        "{message}"
    );

    for store in stores() {
        let table = store.raw_table("rows", &[FamilySpec::new("f")]).unwrap();
        store
            .mutate(
                table.name(),
                &[RowMutations::new("r1").put(Cell::new("f", "q", "stored"))],
            )
            .unwrap();
        let rows: Vec<Row> = store
            .scan(table.name(), &capjure::store::Scan::all())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let expected = [Row {
            key: b"r1".to_vec(),
            cells: vec![Cell::new("f", "q", "stored")],
        }];
        assert_rows_eq!(rows, expected);
        let message = panic_message(|| {
            assert_rows_eq!(
                rows,
                [Row {
                    key: b"r2".to_vec(),
                    cells: vec![Cell::new("f", "q", "stored")],
                }]
            )
        });
        assert!(
            message.contains("row \"r1\": only in left (1 column)"),
            "{message}"
        );
        assert!(
            message.contains("row \"r2\": only in right (1 column)"),
            "{message}"
        );
    }
}

#[test]
fn round_trip_assertions_pass_and_fail_as_they_should() {
    assert_round_trip(
        &sessions_mapper(),
        &json!({"user": "ann", "pages": [{"url": "/"}]}),
    );
    let text = sessions_mapper().with_codec(Codec::Text);
    let message = panic_message(|| assert_round_trip(&text, &json!({"user": 4})));
    assert!(
        message.contains("hydrate to a different object"),
        "{message}"
    );
    for store in stores() {
        let table = store
            .objects("round_trip", sessions_mapper(), &session_families())
            .unwrap();
        assert_round_trip_in(
            &table,
            b"r\x00",
            &json!({"user": "ann", "device": {"os": "linux"}, "pages": [{"url": "/", "title": "t"}]}),
        );
        assert!(!table.exists(b"r\x00").unwrap());
    }
}

/// Byte strings heavy in what the dump must escape.
fn tricky_bytes(min: usize, max: usize) -> impl Strategy<Value = Vec<u8>> {
    let special = prop::sample::select(vec![
        b' ', b'\n', b'\r', b'\t', b'\\', b':', b'@', b'#', 0x00, 0xFF, 0xC3, 0xA9, b'a', b'x',
    ]);
    prop_oneof![
        prop::collection::vec(any::<u8>(), min..max),
        prop::collection::vec(special, min..max),
    ]
}

type Columns = BTreeMap<(Vec<u8>, usize, Vec<u8>), BTreeMap<i64, Vec<u8>>>;

/// Columns (row, family index, qualifier), each with one to three
/// versions.
fn columns() -> impl Strategy<Value = Columns> {
    prop::collection::btree_map(
        (tricky_bytes(1, 8), 0..3usize, tricky_bytes(0, 6)),
        prop::collection::btree_map(
            prop_oneof![Just(0i64), 0..(1i64 << 45)],
            tricky_bytes(0, 12),
            1..4,
        ),
        1..12,
    )
}

/// Writes `columns` to a fresh table, dumps it, loads the dump into
/// another fresh table and checks that both hold exactly `columns`.
fn dump_round_trip(
    store: &TestStore,
    families: &[Vec<u8>],
    columns: &Columns,
) -> Result<(), TestCaseError> {
    let specs: Vec<FamilySpec> = families
        .iter()
        .map(|f| FamilySpec::new(String::from_utf8(f.clone()).unwrap()).max_versions(5))
        .collect();
    let source = store.raw_table("dump_src", &specs).unwrap();
    let copy = store.raw_table("dump_copy", &specs).unwrap();
    let mut rows: BTreeMap<Vec<u8>, RowMutations> = BTreeMap::new();
    let mut expected: Vec<Cell> = Vec::new();
    for ((row, family, qualifier), versions) in columns {
        for (ts, value) in versions {
            let cell =
                Cell::new(families[*family].clone(), qualifier.clone(), value.clone()).at(*ts);
            expected.push(cell.clone());
            let entry = rows
                .remove(row)
                .unwrap_or_else(|| RowMutations::new(row.clone()));
            rows.insert(row.clone(), entry.put(cell));
        }
    }
    let batch: Vec<RowMutations> = rows.into_values().collect();
    store.mutate(source.name(), &batch).unwrap();

    let text = dump(store, source.name()).unwrap();
    prop_assert_eq!(load(store, copy.name(), &text).unwrap(), expected.len());
    prop_assert_eq!(&dump(store, copy.name()).unwrap(), &text);
    let mut read: Vec<Cell> = Vec::new();
    let mut seen = BTreeMap::new();
    for row in parse_dump("dump", &text).unwrap() {
        for cell in row.cells {
            seen.insert(
                (
                    row.key.clone(),
                    cell.family.clone(),
                    cell.qualifier.clone(),
                    cell.timestamp,
                ),
                cell.value.clone(),
            );
            read.push(cell);
        }
    }
    let mut wanted = BTreeMap::new();
    for ((row, family, qualifier), versions) in columns {
        for (ts, value) in versions {
            wanted.insert(
                (
                    row.clone(),
                    families[*family].clone(),
                    qualifier.clone(),
                    Some(*ts),
                ),
                value.clone(),
            );
        }
    }
    prop_assert_eq!(seen, wanted);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Family names are bytes too (any but `:`) on the in-memory store.
    #[test]
    fn dump_then_load_reproduces_every_cell_in_memory(
        families in prop::collection::btree_set(tricky_bytes(1, 5).prop_filter("no colon", |f| !f.contains(&b':') && std::str::from_utf8(f).is_ok()), 3),
        columns in columns(),
    ) {
        let families: Vec<Vec<u8>> = families.into_iter().collect();
        dump_round_trip(&TestStore::memory(), &families, &columns)?;
    }
}

proptest! {
    // Two fresh tables per case: HBase's DDL takes a second or two each.
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn dump_then_load_reproduces_every_cell_on_hbase(columns in columns()) {
        let stores = stores();
        let Some(hbase) = stores.iter().find(|s| s.is_hbase()) else {
            eprintln!("SKIPPED: dump_then_load_reproduces_every_cell_on_hbase needs CAPJURE_HBASE");
            return Ok(());
        };
        let families = [b"f".to_vec(), b"g-h".to_vec(), b"x.1".to_vec()];
        dump_round_trip(hbase, &families, &columns)?;
    }
}

fn mappers() -> Vec<Mapper> {
    let keys = || {
        KeyConfig::new()
            .field("cars", "license")
            .field("tag%s", "id")
    };
    let mut mappers = Vec::new();
    for codec in [Codec::Json, Codec::Text, Codec::Java] {
        for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
            mappers.push(Mapper::new(keys()).with_codec(codec).with_layout(layout));
        }
    }
    mappers
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn storable_objects_flatten_and_round_trip_under_json(
        (index, object) in (0..6usize).prop_flat_map(|i| storable_object(&mappers()[i]).prop_map(move |o| (i, o)))
    ) {
        let mapper = &mappers()[index];
        let cells = mapper.flatten(&object);
        prop_assert!(cells.is_ok(), "{}: {:?}", object, cells.err());
        if mapper.codec() == Codec::Json {
            assert_round_trip(mapper, &object);
        }
    }

    #[test]
    fn composite_row_keys_round_trip_and_keep_their_order(
        a in row_key::<(String, i64, Vec<u8>)>(),
        b in row_key::<(String, i64, Vec<u8>)>(),
    ) {
        use capjure::rowkey::{Order, decode, encode};
        let orders = [Order::Ascending, Order::Descending, Order::Ascending];
        let (ra, rb) = (encode(&a, &orders), encode(&b, &orders));
        prop_assert_eq!(&decode::<(String, i64, Vec<u8>)>(&ra, &orders).unwrap(), &a);
        let by_parts = a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2));
        prop_assert_eq!(ra.cmp(&rb), by_parts);
    }
}

#[test]
fn storable_objects_round_trip_through_every_store() {
    let mapper = sessions_mapper();
    let mut runner = proptest::test_runner::TestRunner::default();
    for store in stores() {
        // Few cases on HBase: each needs a table of its own, since the
        // Thrift1 gateway cannot add families to an existing one.
        for _ in 0..if store.is_hbase() { 3 } else { 30 } {
            let object = storable_object(&mapper)
                .new_tree(&mut runner)
                .unwrap()
                .current();
            let mut families: Vec<FamilySpec> = mapper
                .families(&object)
                .unwrap()
                .into_iter()
                .map(FamilySpec::new)
                .collect();
            if families.is_empty() {
                families.push(FamilySpec::new("pages"));
            }
            let table = store
                .objects("storable", mapper.clone(), &families)
                .unwrap();
            assert_round_trip_in(&table, b"row", &object);
        }
    }
}

/// A test store answers as the store it wraps, not as `Store`'s defaults:
/// MemoryStore checks every compare op (the default knows only `Eq`).
#[test]
fn a_test_store_checks_and_mutates_as_its_store_does() {
    use capjure::store::{Check, CompareOp};
    for store in stores() {
        let table = store
            .raw_table("check_and_mutate", &[FamilySpec::new("f")])
            .expect("create the table");
        let put = |value: &str| RowMutations::new("r").put(Cell::new("f", "v", value.to_string()));
        store.mutate(table.name(), &[put("1")]).expect("first put");
        let older = Check::new("f", "v", CompareOp::Lt, "5");
        let written = store.check_and_mutate(table.name(), &older, &put("2"));
        // Thrift1 has only checkAndPut, so it answers `Unsupported` for `Lt`.
        if format!("{store:?}") == "TestStore(memory)" {
            assert!(written.expect("Lt is supported"), "{store:?}");
        } else {
            assert!(
                matches!(written, Err(ref e) if matches!(e.kind(), ErrorKind::Unsupported { .. })),
                "{store:?}: {written:?}"
            );
        }
    }
}
