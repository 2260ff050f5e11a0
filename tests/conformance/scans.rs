//! Scans: ranges, inclusive and exclusive stops, prefixes, columns, batches.

use capjure::Cell;
use capjure::store::{Column, RowMutations, Scan};

use crate::Env;

conformance!(
    exclusive_and_inclusive_stops,
    prefixes_including_0xff,
    columns_select_cells_and_skip_rows,
    small_batches_return_every_row_once,
    keys_only_returns_one_empty_cell_per_row,
    dropping_a_scanner_early_is_harmless,
    dropping_a_scanner_mid_scan_is_harmless,
);

fn keys(env: &Env, t: &str, scan: &Scan) -> Vec<Vec<u8>> {
    ok!(
        env,
        ok!(env, env.store.scan(t, scan))
            .map(|r| r.map(|row| row.key))
            .collect::<Result<Vec<_>, _>>()
    )
}

fn fill(env: &Env, t: &str, keys: &[&[u8]]) {
    let batch: Vec<RowMutations> = keys
        .iter()
        .map(|k| RowMutations::new(*k).put(Cell::new("f", "q", "v")))
        .collect();
    ok!(env, env.store.mutate(t, &batch));
}

fn exclusive_and_inclusive_stops(env: &Env) {
    let t = env.simple("scan_stops", &["f"], 1);
    fill(env, &t, &[b"a", b"b", b"b\x00", b"ba", b"c"]);
    assert_eq!(
        keys(env, &t, &Scan::range("a", "b")),
        vec![b"a".to_vec()],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::all().from("a").through("b")),
        vec![b"a".to_vec(), b"b".to_vec()],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::all().from("b").through("ba")),
        vec![b"b".to_vec(), b"b\x00".to_vec(), b"ba".to_vec()],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::all().from("ba")),
        vec![b"ba".to_vec(), b"c".to_vec()],
        "{}",
        env.backend
    );
    assert!(
        keys(env, &t, &Scan::range("x", "z")).is_empty(),
        "{}",
        env.backend
    );
}

fn prefixes_including_0xff(env: &Env) {
    let t = env.simple("scan_prefix", &["f"], 1);
    fill(
        env,
        &t,
        &[
            b"a",
            b"a\xFF",
            b"a\xFF\x00",
            b"a\xFF\xFF",
            b"b",
            b"\xFF",
            b"\xFF\xFF\x01",
        ],
    );
    assert_eq!(
        keys(env, &t, &Scan::prefix(b"a\xFF".to_vec())),
        vec![
            b"a\xFF".to_vec(),
            b"a\xFF\x00".to_vec(),
            b"a\xFF\xFF".to_vec()
        ],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::prefix(b"\xFF".to_vec())),
        vec![b"\xFF".to_vec(), b"\xFF\xFF\x01".to_vec()],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::prefix("a")),
        vec![
            b"a".to_vec(),
            b"a\xFF".to_vec(),
            b"a\xFF\x00".to_vec(),
            b"a\xFF\xFF".to_vec()
        ],
        "{}",
        env.backend
    );
    assert_eq!(keys(env, &t, &Scan::prefix("")).len(), 7, "{}", env.backend);
}

fn columns_select_cells_and_skip_rows(env: &Env) {
    let t = env.simple("scan_cols", &["f", "g"], 1);
    let batch = vec![
        RowMutations::new("1")
            .put(Cell::new("f", "a", "x"))
            .put(Cell::new("g", "b", "y")),
        RowMutations::new("2").put(Cell::new("g", "b", "y")),
        RowMutations::new("3").put(Cell::new("f", "c", "z")),
    ];
    ok!(env, env.store.mutate(&t, &batch));
    let rows: Vec<_> = ok!(
        env,
        ok!(
            env,
            env.store
                .scan(&t, &Scan::all().columns([Column::family("f")]))
        )
        .collect::<Result<Vec<_>, _>>()
    );
    let summary: Vec<(Vec<u8>, usize)> = rows
        .iter()
        .map(|r| (r.key.clone(), r.cells.len()))
        .collect();
    assert_eq!(
        summary,
        vec![(b"1".to_vec(), 1), (b"3".to_vec(), 1)],
        "{}",
        env.backend
    );
    let only = keys(
        env,
        &t,
        &Scan::all().columns([Column::qualified("g", "b"), Column::qualified("f", "c")]),
    );
    assert_eq!(
        only,
        vec![b"1".to_vec(), b"2".to_vec(), b"3".to_vec()],
        "{}",
        env.backend
    );
    // A family selector covers a qualified one of the same family,
    // whatever the order.
    let both = keys(
        env,
        &t,
        &Scan::all().columns([Column::qualified("f", "a"), Column::family("f")]),
    );
    assert_eq!(both, vec![b"1".to_vec(), b"3".to_vec()], "{}", env.backend);
}

fn small_batches_return_every_row_once(env: &Env) {
    let t = env.simple("scan_batches", &["f"], 1);
    let names: Vec<Vec<u8>> = (0..25).map(|i| format!("k{i:03}").into_bytes()).collect();
    let refs: Vec<&[u8]> = names.iter().map(|k| k.as_slice()).collect();
    fill(env, &t, &refs);
    for batch in [1, 2, 7, 25, 100] {
        assert_eq!(
            keys(env, &t, &Scan::all().batch(batch)),
            names,
            "{} batch {batch}",
            env.backend
        );
    }
}

fn keys_only_returns_one_empty_cell_per_row(env: &Env) {
    let t = env.simple("scan_keys", &["f"], 1);
    let batch = vec![
        RowMutations::new("1")
            .put(Cell::new("f", "a", "x"))
            .put(Cell::new("f", "b", "y")),
        RowMutations::new("2").put(Cell::new("f", "c", "zzz")),
    ];
    ok!(env, env.store.mutate(&t, &batch));
    let rows: Vec<_> = ok!(
        env,
        ok!(env, env.store.scan(&t, &Scan::all().keys_only())).collect::<Result<Vec<_>, _>>()
    );
    assert_eq!(rows.len(), 2, "{}", env.backend);
    for row in rows {
        assert_eq!(row.cells.len(), 1, "{}", env.backend);
        assert!(row.cells[0].value.is_empty(), "{}", env.backend);
    }
}

fn dropping_a_scanner_early_is_harmless(env: &Env) {
    let t = env.simple("scan_drop", &["f"], 1);
    let names: Vec<Vec<u8>> = (0..10).map(|i| format!("k{i}").into_bytes()).collect();
    let refs: Vec<&[u8]> = names.iter().map(|k| k.as_slice()).collect();
    fill(env, &t, &refs);
    for _ in 0..20 {
        let mut scanner = ok!(env, env.store.scan(&t, &Scan::all().batch(2)));
        assert!(scanner.next().is_some(), "{}", env.backend);
    }
    assert_eq!(keys(env, &t, &Scan::all()).len(), 10, "{}", env.backend);
}

/// Past its second batch a `ThriftStore` scanner fetches the next one
/// ahead; dropping it then must still close it cleanly.
fn dropping_a_scanner_mid_scan_is_harmless(env: &Env) {
    let t = env.simple("scan_drop_mid", &["f"], 1);
    let names: Vec<Vec<u8>> = (0..20).map(|i| format!("k{i:02}").into_bytes()).collect();
    let refs: Vec<&[u8]> = names.iter().map(|k| k.as_slice()).collect();
    fill(env, &t, &refs);
    for read in [3, 5, 7, 9] {
        let scanner = ok!(env, env.store.scan(&t, &Scan::all().batch(2)));
        let seen: Vec<Vec<u8>> = ok!(
            env,
            scanner
                .take(read)
                .map(|row| row.map(|row| row.key))
                .collect::<Result<Vec<_>, _>>()
        );
        assert_eq!(seen, names[..read], "{} read {read}", env.backend);
    }
    assert_eq!(
        keys(env, &t, &Scan::all().batch(3)),
        names,
        "{}",
        env.backend
    );
}
