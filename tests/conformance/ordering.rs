//! Row and column order, binary keys.

use capjure::Cell;
use capjure::store::{Read, RowMutations, Scan};

use crate::Env;

conformance!(
    rows_sort_by_key_bytes,
    columns_sort_by_family_then_qualifier,
    binary_row_keys,
    get_rows_answers_in_order_with_repeats,
    large_get_rows_keep_order_missing_rows_and_repeats,
    qualifiers_keep_colons_and_may_be_empty
);

fn rows_sort_by_key_bytes(env: &Env) {
    let t = env.simple("order_rows", &["f"], 1);
    let keys: Vec<Vec<u8>> = vec![
        b"b".to_vec(),
        b"a".to_vec(),
        vec![0x00],
        vec![0xFF],
        b"a\x00".to_vec(),
        b"ab".to_vec(),
        b"B".to_vec(),
        vec![0x80, 0x01],
    ];
    let batch: Vec<RowMutations> = keys
        .iter()
        .map(|k| RowMutations::new(k.clone()).put(Cell::new("f", "q", "v")))
        .collect();
    ok!(env, env.store.mutate(&t, &batch));
    let scanned: Vec<Vec<u8>> = ok!(
        env,
        ok!(env, env.store.scan(&t, &Scan::all().batch(3)))
            .map(|r| r.map(|row| row.key))
            .collect::<Result<Vec<_>, _>>()
    );
    let mut expected = keys.clone();
    expected.sort();
    assert_eq!(scanned, expected, "{}", env.backend);
}

fn columns_sort_by_family_then_qualifier(env: &Env) {
    // "a0:x" sorts before "a:x" as a joined column name, but HBase sorts by
    // family first: a < a0.
    let t = env.simple("order_cols", &["a", "a0", "b"], 1);
    let change = RowMutations::new("r")
        .put(Cell::new("b", "a", "1"))
        .put(Cell::new("a0", "x", "2"))
        .put(Cell::new("a", "z", "3"))
        .put(Cell::new("a", b"\xFF".to_vec(), "4"))
        .put(Cell::new("a", "", "5"))
        .put(Cell::new("a", "y:z", "6"));
    ok!(env, env.store.mutate(&t, &[change]));
    let row = ok!(env, env.store.get_row(&t, b"r", &Read::latest())).expect("row r");
    let columns: Vec<(Vec<u8>, Vec<u8>)> = row
        .cells
        .iter()
        .map(|c| (c.family.clone(), c.qualifier.clone()))
        .collect();
    let expected: Vec<(Vec<u8>, Vec<u8>)> = vec![
        (b"a".to_vec(), b"".to_vec()),
        (b"a".to_vec(), b"y:z".to_vec()),
        (b"a".to_vec(), b"z".to_vec()),
        (b"a".to_vec(), b"\xFF".to_vec()),
        (b"a0".to_vec(), b"x".to_vec()),
        (b"b".to_vec(), b"a".to_vec()),
    ];
    assert_eq!(columns, expected, "{}", env.backend);
    // The same order through a scan.
    let scanned = ok!(env, env.store.scan(&t, &Scan::all()))
        .next()
        .expect("one row")
        .expect("scan ok");
    assert_eq!(scanned.cells, row.cells, "{}", env.backend);
}

fn binary_row_keys(env: &Env) {
    let t = env.simple("binary_keys", &["f"], 1);
    let keys: Vec<Vec<u8>> = vec![vec![0x00, 0xFF, 0xC3], vec![0xFF, 0xFE], vec![0x00]];
    let batch: Vec<RowMutations> = keys
        .iter()
        .map(|k| RowMutations::new(k.clone()).put(Cell::new("f", "q", k.clone())))
        .collect();
    ok!(env, env.store.mutate(&t, &batch));
    let rows = ok!(env, env.store.get_rows(&t, &keys, &Read::latest()));
    for (key, row) in keys.iter().zip(&rows) {
        let row = row.as_ref().expect("row present");
        assert_eq!(&row.key, key, "{}", env.backend);
        assert_eq!(&row.cells[0].value, key, "{}", env.backend);
    }
    ok!(env, env.store.delete_rows(&t, &keys[..1], None));
    let rows = ok!(env, env.store.get_rows(&t, &keys, &Read::latest()));
    assert!(rows[0].is_none() && rows[1].is_some(), "{}", env.backend);
}

/// A multi-get large enough that `ThriftStore` splits it across pooled
/// connections: answers still line up with the keys asked, missing rows
/// and repeated keys included, wherever the pieces are cut.
fn large_get_rows_keep_order_missing_rows_and_repeats(env: &Env) {
    let t = env.simple("get_large", &["f"], 1);
    let batch: Vec<RowMutations> = (0..150)
        .filter(|i| i % 7 != 3)
        .map(|i| RowMutations::new(format!("r{i:03}")).put(Cell::new("f", "q", format!("v{i}"))))
        .collect();
    ok!(env, env.store.mutate(&t, &batch));
    // Descending, with every tenth key asked twice.
    let mut asked: Vec<usize> = (0..150).rev().collect();
    asked.extend((0..150).step_by(10));
    let keys: Vec<Vec<u8>> = asked
        .iter()
        .map(|i| format!("r{i:03}").into_bytes())
        .collect();
    let rows = ok!(env, env.store.get_rows(&t, &keys, &Read::latest()));
    assert_eq!(rows.len(), keys.len(), "{}", env.backend);
    for (i, row) in asked.iter().zip(&rows) {
        match row {
            Some(row) => {
                assert_ne!(i % 7, 3, "{}: row {i} was never written", env.backend);
                assert_eq!(row.key, format!("r{i:03}").into_bytes(), "{}", env.backend);
                assert_eq!(
                    row.cells[0].value,
                    format!("v{i}").into_bytes(),
                    "{}",
                    env.backend
                );
            }
            None => assert_eq!(i % 7, 3, "{}: row {i} is missing", env.backend),
        }
    }
}

fn get_rows_answers_in_order_with_repeats(env: &Env) {
    let t = env.simple("get_repeats", &["f", "g"], 1);
    let batch = vec![
        RowMutations::new("a")
            .put(Cell::new("f", "q", "1"))
            .put(Cell::new("g", "q", "2")),
        RowMutations::new("b").put(Cell::new("f", "q", "3")),
    ];
    ok!(env, env.store.mutate(&t, &batch));
    let keys: Vec<Vec<u8>> = ["b", "a", "zz", "a"]
        .iter()
        .map(|k| k.as_bytes().to_vec())
        .collect();
    let rows = ok!(env, env.store.get_rows(&t, &keys, &Read::latest()));
    let keys_back: Vec<Option<Vec<u8>>> = rows
        .iter()
        .map(|r| r.as_ref().map(|r| r.key.clone()))
        .collect();
    assert_eq!(
        keys_back,
        vec![
            Some(b"b".to_vec()),
            Some(b"a".to_vec()),
            None,
            Some(b"a".to_vec())
        ],
        "{}",
        env.backend
    );
    assert_eq!(rows[1], rows[3], "{}", env.backend);
    assert_eq!(
        rows[1].as_ref().map(|r| r.cells.len()),
        Some(2),
        "{}",
        env.backend
    );
    // One row alone (a single Get through the gateway), with and without a
    // column selection.
    let one = ok!(env, env.store.get_rows(&t, &keys[1..2], &Read::latest()));
    assert_eq!(one[0], rows[1], "{}", env.backend);
    let read = Read::latest().columns([capjure::store::Column::family("g")]);
    let one = ok!(env, env.store.get_row(&t, b"a", &read)).expect("row a");
    assert_eq!(
        one.cells,
        vec![Cell::new("g", "q", "2").at(one.cells[0].timestamp.unwrap_or(0))],
        "{}",
        env.backend
    );
    assert!(
        ok!(env, env.store.get_row(&t, b"zz", &Read::latest())).is_none(),
        "{}",
        env.backend
    );
}

fn qualifiers_keep_colons_and_may_be_empty(env: &Env) {
    let t = env.simple("colons", &["f"], 1);
    let batch = vec![
        RowMutations::new("r")
            .put(Cell::new("f", "http://x:8080/", "1"))
            .put(Cell::new("f", "", "2"))
            .put(Cell::new("f", ":", "3")),
    ];
    ok!(env, env.store.mutate(&t, &batch));
    let expected: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = vec![
        (b"f".to_vec(), b"".to_vec(), b"2".to_vec()),
        (b"f".to_vec(), b":".to_vec(), b"3".to_vec()),
        (b"f".to_vec(), b"http://x:8080/".to_vec(), b"1".to_vec()),
    ];
    let parts = |row: &capjure::store::Row| -> Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        row.cells
            .iter()
            .map(|c| (c.family.clone(), c.qualifier.clone(), c.value.clone()))
            .collect()
    };
    let got = ok!(env, env.store.get_row(&t, b"r", &Read::latest())).expect("row r");
    assert_eq!(parts(&got), expected, "{}", env.backend);
    let scanned = ok!(
        env,
        ok!(env, env.store.scan(&t, &Scan::all())).collect::<Result<Vec<_>, _>>()
    );
    assert_eq!(parts(&scanned[0]), expected, "{}", env.backend);
}
