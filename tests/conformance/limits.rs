//! HBase's size limits (row keys up to 32,767 bytes, cells up to
//! `hbase.server.keyvalue.maxsize`), checked the same way by both stores,
//! and errors that stay short whatever the size of the key.

use capjure::store::{Column, FamilySpec, Read, RowMutations, Scan, Store, StoreLimits};
use capjure::{Cell, Error, ErrorKind, Result, ThriftStore};

use crate::{Env, support};

conformance!(
    row_keys_up_to_the_limit_pass_on_every_call,
    longer_row_keys_fail_on_every_call_naming_the_row,
    cells_up_to_the_size_limit_pass_and_larger_fail,
    a_huge_key_makes_a_short_message,
);

const MAX_KEY: usize = StoreLimits::HBASE_MAX_ROW_KEY_LEN;

/// The largest value the default limit lets `row` hold in `f:q`.
fn max_value(row: &[u8]) -> usize {
    StoreLimits::HBASE_MAX_CELL_SIZE - StoreLimits::cell_size(row, b"f", b"q", 0)
}

fn put(row: &[u8], value: Vec<u8>) -> RowMutations {
    RowMutations::new(row).put(Cell::new("f", "q", value))
}

/// The error of `result`, which must be an `InvalidArgument`.
fn invalid<T: std::fmt::Debug>(env: &Env, what: &str, result: Result<T>) -> Error {
    match result {
        Ok(value) => panic!("{}: {what}: expected an error, got {value:?}", env.backend),
        Err(err) => {
            assert!(
                matches!(err.kind(), ErrorKind::InvalidArgument { .. }),
                "{}: {what}: {err}",
                env.backend
            );
            err
        }
    }
}

fn scan_keys(store: &dyn Store, table: &str, scan: &Scan) -> Result<Vec<Vec<u8>>> {
    store
        .scan(table, scan)?
        .map(|row| row.map(|row| row.key))
        .collect()
}

fn row_keys_up_to_the_limit_pass_on_every_call(env: &Env) {
    let t = env.simple("limit_key_ok", &["f"], 1);
    let s = env.store.as_ref();
    let limit = StoreLimits::new().row_key_limit_in(&t).unwrap_or(MAX_KEY);
    let key = vec![0xFF; limit];
    ok!(env, s.mutate(&t, &[put(&key, b"v".to_vec())]));
    let row = ok!(env, s.get_row(&t, &key, &Read::latest()));
    assert_eq!(row.map(|row| row.key), Some(key.clone()), "{}", env.backend);
    let rows = ok!(
        env,
        s.get_rows(&t, std::slice::from_ref(&key), &Read::latest())
    );
    assert!(rows[0].is_some(), "{}", env.backend);
    for scan in [
        Scan::prefix(key.clone()),
        Scan::all().from(key.clone()),
        Scan::all().from(key.clone()).through(key.clone()),
        Scan::all().from(vec![0xFE; limit]).through(key.clone()),
        // A stop as long as HBase allows: no longer key comes after it.
        Scan::all().from(key.clone()).through(vec![0xFF; MAX_KEY]),
        Scan::range(key.clone(), vec![0xFF; MAX_KEY]),
    ] {
        assert_eq!(
            ok!(env, scan_keys(s, &t, &scan)),
            vec![key.clone()],
            "{} {:?}",
            env.backend,
            scan.stop
        );
    }
    let lock = Cell::new("f", "lock", "me");
    assert!(ok!(
        env,
        s.check_and_put(&t, &key, b"f", b"lock", None, &lock)
    ));
    assert_eq!(
        ok!(env, s.increment(&t, &key, b"f", b"n", 2)),
        2,
        "{}",
        env.backend
    );
    ok!(env, s.delete_rows(&t, std::slice::from_ref(&key), None));
    assert!(
        ok!(env, s.get_row(&t, &key, &Read::latest())).is_none(),
        "{}",
        env.backend
    );
}

fn longer_row_keys_fail_on_every_call_naming_the_row(env: &Env) {
    let t = env.simple("limit_key_long", &["f"], 1);
    let s = env.store.as_ref();
    let limit = StoreLimits::new().row_key_limit_in(&t).unwrap_or(MAX_KEY);
    let long = vec![b'k'; limit + 1];
    let names_row = |what: &str, err: &Error| {
        assert_eq!(err.row(), Some(&long[..]), "{}: {what}: {err}", env.backend);
        let text = err.to_string();
        let sizes = [format!("{} bytes", limit + 1), format!("limit of {limit}")];
        assert!(
            sizes.iter().all(|size| text.contains(size.as_str())),
            "{}: {what}: {text}",
            env.backend
        );
    };
    // A good row beside the long one: nothing of the batch is sent.
    let batch = [put(b"good", b"v".to_vec()), put(&long, b"v".to_vec())];
    names_row("mutate", &invalid(env, "mutate", s.mutate(&t, &batch)));
    let delete = RowMutations::new(long.clone()).delete_family("f", None);
    names_row("delete", &invalid(env, "delete", s.mutate(&t, &[delete])));
    names_row(
        "get_row",
        &invalid(env, "get_row", s.get_row(&t, &long, &Read::latest())),
    );
    let read = Read::latest().versions(3);
    names_row(
        "get_rows",
        &invalid(
            env,
            "get_rows",
            s.get_rows(&t, &[b"good".to_vec(), long.clone()], &read),
        ),
    );
    names_row(
        "delete_rows",
        &invalid(
            env,
            "delete_rows",
            s.delete_rows(&t, std::slice::from_ref(&long), Some(5)),
        ),
    );
    names_row(
        "increment",
        &invalid(env, "increment", s.increment(&t, &long, b"f", b"n", 1)),
    );
    let lock = Cell::new("f", "lock", "me");
    let cas = s.check_and_put(&t, &long, b"f", b"lock", None, &lock);
    names_row("check_and_put", &invalid(env, "check_and_put", cas));
    let longest = vec![b'k'; MAX_KEY + 1];
    for (what, scan, len) in [
        ("scan start", Scan::all().from(long.clone()), limit + 1),
        ("scan prefix", Scan::prefix(long.clone()), limit + 1),
        ("scan stop", Scan::range("a", longest.clone()), MAX_KEY + 1),
        (
            "scan inclusive stop",
            Scan::all().through(longest.clone()),
            MAX_KEY + 1,
        ),
    ] {
        let err = invalid(env, what, s.scan(&t, &scan).map(|_| ()));
        let text = err.to_string();
        assert!(
            text.contains(&format!("{len} bytes")),
            "{}: {what}: {text}",
            env.backend
        );
    }
    assert_eq!(
        ok!(env, scan_keys(s, &t, &Scan::all())),
        Vec::<Vec<u8>>::new(),
        "{}",
        env.backend
    );
}

fn cells_up_to_the_size_limit_pass_and_larger_fail(env: &Env) {
    let t = env.simple("limit_cell", &["f"], 1);
    let s = env.store.as_ref();
    let at_limit = max_value(b"r3");
    let batch: Vec<RowMutations> = (1..=5)
        .map(|i| {
            let row = format!("r{i}");
            let len = if i == 3 { at_limit + 1 } else { 10 };
            put(row.as_bytes(), vec![b'v'; len])
        })
        .collect();
    let err = invalid(env, "mutate", s.mutate(&t, &batch));
    assert_eq!(err.row(), Some(&b"r3"[..]), "{}: {err}", env.backend);
    let text = err.to_string();
    for part in [
        "\"f:q\"",
        "10485761 bytes",
        "limit of 10485760",
        "hbase.server.keyvalue.maxsize",
    ] {
        assert!(text.contains(part), "{}: {part} not in {text}", env.backend);
    }
    assert!(
        ok!(env, scan_keys(s, &t, &Scan::all())).is_empty(),
        "{}",
        env.backend
    );

    // 12 MB, the size of the original report.
    invalid(
        env,
        "12 MB",
        s.mutate(&t, &[put(b"r", vec![b'v'; 12_000_000])]),
    );
    let big = Cell::new("f", "q", vec![b'v'; max_value(b"r") + 1]);
    let err = invalid(
        env,
        "check_and_put",
        s.check_and_put(&t, b"r", b"f", b"q", None, &big),
    );
    assert_eq!(err.row(), Some(&b"r"[..]), "{}: {err}", env.backend);

    ok!(env, s.mutate(&t, &[put(b"r3", vec![b'v'; at_limit])]));
    let row = ok!(env, s.get_row(&t, b"r3", &Read::latest()));
    assert_eq!(
        row.map(|row| row.cells[0].value.len()),
        Some(at_limit),
        "{}",
        env.backend
    );
    let exact = Cell::new("f", "q", vec![b'w'; max_value(b"r")]);
    assert!(
        ok!(env, s.check_and_put(&t, b"r", b"f", b"q", None, &exact)),
        "{}",
        env.backend
    );
}

/// A 1 MiB key used to make a 1 MB error message.
fn a_huge_key_makes_a_short_message(env: &Env) {
    let t = env.simple("limit_message", &["f"], 1);
    let s = env.store.as_ref();
    let key = vec![b'a'; 1 << 20];
    let short = |what: &str, err: Error| {
        let text = err.to_string();
        assert!(
            text.len() < 300,
            "{}: {what}: {} bytes: {text}",
            env.backend,
            text.len()
        );
        assert!(
            text.contains("1048576 bytes"),
            "{}: {what}: {text}",
            env.backend
        );
        assert!(text.contains("aaaa"), "{}: {what}: {text}", env.backend);
        let debug = format!("{err:?}");
        assert!(
            debug.len() < 500,
            "{}: {what}: {} bytes: {debug}",
            env.backend,
            debug.len()
        );
    };
    short(
        "mutate",
        s.mutate(&t, &[put(&key, b"v".to_vec())]).unwrap_err(),
    );
    short("get_row", s.get_row(&t, &key, &Read::latest()).unwrap_err());
    short(
        "delete_rows",
        s.delete_rows(&t, std::slice::from_ref(&key), None)
            .unwrap_err(),
    );
    short(
        "increment",
        s.increment(&t, &key, b"f", b"n", 1).unwrap_err(),
    );
    let lock = Cell::new("f", "q", "v");
    short(
        "check_and_put",
        s.check_and_put(&t, &key, b"f", b"q", None, &lock)
            .unwrap_err(),
    );
    short(
        "scan",
        s.scan(&t, &Scan::prefix(key.clone()))
            .map(|_| ())
            .unwrap_err(),
    );
    // A long qualifier and a long value are cut as well.
    let cell = Cell::new("f", vec![b'q'; 1 << 20], vec![b'v'; 10 << 20]);
    let err = s
        .mutate(&t, &[RowMutations::new("r").put(cell)])
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.len() < 400,
        "{}: {} bytes: {text}",
        env.backend,
        text.len()
    );
    assert!(
        text.contains("qqqq… (1048576 bytes)"),
        "{}: {text}",
        env.backend
    );
    let err = s
        .get_row(
            &t,
            b"r",
            &Read::latest().columns([Column::family(vec![b'x'; 1 << 20])]),
        )
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.len() < 300,
        "{}: {} bytes: {text}",
        env.backend,
        text.len()
    );
}

/// Our default limits are the server's: with the client check turned off,
/// HBase itself accepts a cell of exactly `hbase.server.keyvalue.maxsize`
/// as `StoreLimits::cell_size` measures it and the longest row key the
/// client check lets through, and refuses one byte more of either.
#[test]
fn hbase_enforces_the_same_limits_as_the_client_check() {
    if support::hbase_client().is_none() {
        return;
    }
    let config = support::Target::from_env()
        .config()
        .limits(StoreLimits::unchecked())
        .retries(0);
    let store = match ThriftStore::new(config) {
        Ok(store) => store,
        Err(err) => panic!("cannot connect to HBase: {err}"),
    };
    let written =
        |t: &str, row: &[u8], value: usize| store.mutate(t, &[put(row, vec![b'v'; value])]);
    let checked = StoreLimits::new();
    // A fresh table for each key: the first write to a table looks its
    // region up by a meta row that holds the key.
    for over in [0, 1] {
        let t = support::unique_table_name("limit_server_key");
        store
            .create_table(&t, &[FamilySpec::new("f")])
            .unwrap_or_else(|err| panic!("create_table {t}: {err}"));
        let len = checked.row_key_limit_in(&t).unwrap_or(0) + over;
        let key = vec![b'k'; len];
        let result = written(&t, &key, 1);
        let _ = store.drop_table(&t);
        assert_eq!(
            result.is_ok(),
            over == 0,
            "{len}-byte key in {t}: {result:?}"
        );
    }
    let t = support::unique_table_name("limit_server_cell");
    store
        .create_table(&t, &[FamilySpec::new("f")])
        .unwrap_or_else(|err| panic!("create_table {t}: {err}"));
    let max = max_value(b"r");
    let at = written(&t, b"r", max);
    let over = written(&t, b"r", max + 1);
    let _ = store.drop_table(&t);
    assert!(at.is_ok(), "the server refused a cell at the limit: {at:?}");
    assert!(over.is_err(), "the server took a cell over the limit");
}
