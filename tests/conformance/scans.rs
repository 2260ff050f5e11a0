//! Scans: ranges, inclusive and exclusive stops, prefixes, columns, batches.

use capjure::store::{Column, RowMutations, Scan};
use capjure::{Cell, Mapper, Table};

use crate::Env;

conformance!(
    exclusive_and_inclusive_stops,
    prefixes_including_0xff,
    columns_select_cells_and_skip_rows,
    small_batches_return_every_row_once,
    keys_only_returns_one_empty_cell_per_row,
    dropping_a_scanner_early_is_harmless,
    dropping_a_scanner_mid_scan_is_harmless,
    empty_and_inverted_ranges_return_nothing,
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

/// HBase reads a scan whose start equals its stop as a get of that row: it
/// may not reach it. An empty stop is no stop, on every store, as in HBase.
fn empty_and_inverted_ranges_return_nothing(env: &Env) {
    let t = env.simple("scan_empty", &["f"], 1);
    fill(
        env,
        &t,
        &[
            b"\x00",
            b"\x00\x00",
            b"a",
            b"k",
            b"k\x00",
            b"\xFF",
            b"\xFF\xFF",
        ],
    );
    let table = Table::new(env.store.as_ref(), t.clone(), Mapper::default());
    let empty: [(&str, Scan); 7] = [
        ("range(k, k)", Scan::range("k", "k")),
        (
            "range(0x00, 0x00)",
            Scan::range(b"\x00".to_vec(), b"\x00".to_vec()),
        ),
        (
            "range(0xFF, 0xFF)",
            Scan::range(b"\xFF".to_vec(), b"\xFF".to_vec()),
        ),
        ("range(k, a)", Scan::range("k", "a")),
        (
            "range(0xFF, 0x00)",
            Scan::range(b"\xFF".to_vec(), b"\x00".to_vec()),
        ),
        ("from(k).through(a)", Scan::all().from("k").through("a")),
        (
            "from(0xFFFF).through(0xFF)",
            Scan::all()
                .from(b"\xFF\xFF".to_vec())
                .through(b"\xFF".to_vec()),
        ),
    ];
    for (what, scan) in empty {
        for scan in [
            scan.clone(),
            scan.clone().batch(1),
            scan.clone().keys_only(),
            scan.clone().columns([Column::family("f")]),
        ] {
            assert_eq!(
                keys(env, &t, &scan),
                Vec::<Vec<u8>>::new(),
                "{} {what}",
                env.backend
            );
        }
        assert_eq!(
            ok!(env, table.count_scan(scan.clone())),
            0,
            "{} count {what}",
            env.backend
        );
        assert_eq!(
            ok!(env, table.scan(scan)).count(),
            0,
            "{} Table::scan {what}",
            env.backend
        );
    }
    // The neighbours of an empty range are not empty.
    let single: [(&str, Scan, &[u8]); 4] = [
        ("through(k)", Scan::all().from("k").through("k"), b"k"),
        (
            "range(k, k\\x00)",
            Scan::range("k", b"k\x00".to_vec()),
            b"k",
        ),
        (
            "through(0x00)",
            Scan::all().from(b"\x00".to_vec()).through(b"\x00".to_vec()),
            b"\x00",
        ),
        (
            "through(0xFFFF)",
            Scan::all()
                .from(b"\xFF\xFF".to_vec())
                .through(b"\xFF\xFF".to_vec()),
            b"\xFF\xFF",
        ),
    ];
    // An empty stop, exclusive or inclusive, is HBase's "no stop row".
    let to_the_end: Vec<Vec<u8>> = [&b"k"[..], b"k\x00", b"\xFF", b"\xFF\xFF"]
        .iter()
        .map(|k| k.to_vec())
        .collect();
    for (what, scan) in [
        ("from(k).until(\"\")", Scan::all().from("k").until("")),
        ("from(k).through(\"\")", Scan::all().from("k").through("")),
    ] {
        assert_eq!(keys(env, &t, &scan), to_the_end, "{} {what}", env.backend);
        assert_eq!(
            ok!(env, table.count_scan(scan)),
            4,
            "{} count {what}",
            env.backend
        );
    }
    for (what, scan, key) in single {
        assert_eq!(
            keys(env, &t, &scan),
            vec![key.to_vec()],
            "{} {what}",
            env.backend
        );
        assert_eq!(
            ok!(env, table.count_scan(scan)),
            1,
            "{} count {what}",
            env.backend
        );
    }
}
