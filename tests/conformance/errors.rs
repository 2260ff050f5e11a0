//! Missing tables and families, empty keys, bad arguments: the same typed
//! error from both stores.

use capjure::store::{Column, FamilySpec, Read, RowMutations, Scan, Store};
use capjure::{Cell, ErrorKind, Mapper, Result, Table};

use crate::Env;

conformance!(
    missing_table_is_table_not_found,
    scan_reports_a_missing_table_or_family_itself,
    missing_family_is_family_not_found,
    empty_row_key_is_rejected,
    negative_timestamp_is_rejected,
    creating_an_existing_table_fails,
    a_table_needs_a_family,
);

fn expect_kind<T: std::fmt::Debug>(
    env: &Env,
    what: &str,
    result: Result<T>,
    check: impl Fn(&ErrorKind) -> bool,
) {
    match result {
        Ok(value) => panic!("{}: {what}: expected an error, got {value:?}", env.backend),
        Err(err) => assert!(
            check(err.kind()),
            "{}: {what}: unexpected error {err:?}",
            env.backend
        ),
    }
}

fn scan_all(store: &dyn Store, table: &str, scan: &Scan) -> Result<usize> {
    let mut n = 0;
    for row in store.scan(table, scan)? {
        row?;
        n += 1;
    }
    Ok(n)
}

fn missing_table_is_table_not_found(env: &Env) {
    let t = env.name("missing_table");
    let is = |k: &ErrorKind| matches!(k, ErrorKind::TableNotFound { table } if *table == t);
    let s = env.store.as_ref();
    expect_kind(env, "get", s.get_row(&t, b"r", &Read::latest()), is);
    expect_kind(
        env,
        "mutate",
        s.mutate(&t, &[RowMutations::new("r").put(Cell::new("f", "q", "v"))]),
        is,
    );
    expect_kind(env, "scan", scan_all(s, &t, &Scan::all()), is);
    expect_kind(
        env,
        "delete_rows",
        s.delete_rows(&t, &[b"r".to_vec()], None),
        is,
    );
    expect_kind(env, "increment", s.increment(&t, b"r", b"f", b"q", 1), is);
    expect_kind(env, "families", s.families(&t), is);
    expect_kind(env, "drop_table", s.drop_table(&t), is);
    assert!(!s.table_exists(&t).unwrap_or(true), "{}", env.backend);
    let err = s.get_row(&t, b"r", &Read::latest()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("table \"{t}\" does not exist"),
        "{}",
        env.backend
    );
}

/// Not on the scanner's first row: a caller checks `scan`'s result.
fn scan_reports_a_missing_table_or_family_itself(env: &Env) {
    let t = env.name("missing_scan");
    let s = env.store.as_ref();
    let is = |k: &ErrorKind| matches!(k, ErrorKind::TableNotFound { table } if *table == t);
    for scan in [
        Scan::all(),
        Scan::prefix("p"),
        Scan::range("k", "k"),
        Scan::all().keys_only(),
    ] {
        expect_kind(
            env,
            &format!("scan {scan:?}"),
            s.scan(&t, &scan).map(|_| ()),
            is,
        );
    }
    let table = Table::new(s, t.clone(), Mapper::default());
    expect_kind(env, "Table::scan", table.scan(Scan::all()).map(|_| ()), is);
    expect_kind(
        env,
        "Table::scan_prefix",
        table.scan_prefix(b"p").map(|_| ()),
        is,
    );
    expect_kind(env, "Table::count", table.count(), is);
    expect_kind(
        env,
        "Table::count_scan",
        table.count_scan(Scan::range("k", "k")),
        is,
    );

    let t = env.simple("missing_scan_family", &["f"], 1);
    let is =
        |k: &ErrorKind| matches!(k, ErrorKind::FamilyNotFound { family, .. } if family == "nope");
    for scan in [Scan::all(), Scan::range("k", "k")] {
        let scan = scan.columns([Column::family("nope")]);
        expect_kind(
            env,
            &format!("scan {scan:?}"),
            s.scan(&t, &scan).map(|_| ()),
            is,
        );
    }
}

fn missing_family_is_family_not_found(env: &Env) {
    let t = env.simple("missing_family", &["f"], 1);
    let is =
        |k: &ErrorKind| matches!(k, ErrorKind::FamilyNotFound { family, .. } if family == "nope");
    let s = env.store.as_ref();
    let put = RowMutations::new("r").put(Cell::new("nope", "q", "v"));
    let err = s.mutate(&t, &[put]).unwrap_err();
    assert!(is(err.kind()), "{}: {err:?}", env.backend);
    assert_eq!(err.row(), Some(&b"r"[..]), "{}", env.backend);
    expect_kind(
        env,
        "get",
        s.get_row(&t, b"r", &Read::latest().columns([Column::family("nope")])),
        is,
    );
    expect_kind(
        env,
        "scan",
        scan_all(s, &t, &Scan::all().columns([Column::family("nope")])),
        is,
    );
    expect_kind(
        env,
        "increment",
        s.increment(&t, b"r", b"nope", b"q", 1),
        is,
    );
    expect_kind(
        env,
        "delete",
        s.mutate(
            &t,
            &[RowMutations::new("r").delete_column("nope", "q", None)],
        ),
        is,
    );
    // In a batch, the other rows' puts still land (HBase applies a batch row
    // by row) and the error names the bad row.
    let batch = vec![
        RowMutations::new("good").put(Cell::new("f", "q", "v")),
        RowMutations::new("bad").put(Cell::new("nope", "q", "v")),
    ];
    let err = s.mutate(&t, &batch).unwrap_err();
    assert!(is(err.kind()), "{}: {err:?}", env.backend);
    assert_eq!(err.row(), Some(&b"bad"[..]), "{}", env.backend);
    assert!(
        s.get_row(&t, b"good", &Read::latest())
            .map(|r| r.is_some())
            .unwrap_or(false),
        "{}",
        env.backend
    );
}

fn empty_row_key_is_rejected(env: &Env) {
    let t = env.simple("empty_key", &["f"], 1);
    let is = |k: &ErrorKind| matches!(k, ErrorKind::EmptyRowKey { .. });
    let s = env.store.as_ref();
    expect_kind(
        env,
        "mutate",
        s.mutate(&t, &[RowMutations::new("").put(Cell::new("f", "q", "v"))]),
        is,
    );
    expect_kind(env, "get", s.get_row(&t, b"", &Read::latest()), is);
    expect_kind(
        env,
        "delete_rows",
        s.delete_rows(&t, &[Vec::new()], None),
        is,
    );
    expect_kind(env, "increment", s.increment(&t, b"", b"f", b"q", 1), is);
    expect_kind(
        env,
        "check_and_put",
        s.check_and_put(&t, b"", b"f", b"q", None, &Cell::new("f", "q", "v")),
        is,
    );
    // Nothing was written by the rejected batch, even its good rows.
    let batch = vec![
        RowMutations::new("ok").put(Cell::new("f", "q", "v")),
        RowMutations::new("").put(Cell::new("f", "q", "v")),
    ];
    expect_kind(env, "batch", s.mutate(&t, &batch), is);
    assert!(
        s.get_row(&t, b"ok", &Read::latest())
            .map(|r| r.is_none())
            .unwrap_or(false),
        "{}",
        env.backend
    );
}

fn negative_timestamp_is_rejected(env: &Env) {
    let t = env.simple("neg_ts", &["f"], 1);
    let is = |k: &ErrorKind| matches!(k, ErrorKind::InvalidArgument { .. });
    let s = env.store.as_ref();
    expect_kind(
        env,
        "put",
        s.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "q", "v").at(-1))],
        ),
        is,
    );
    expect_kind(
        env,
        "delete",
        s.mutate(&t, &[RowMutations::new("r").delete_family("f", Some(-1))]),
        is,
    );
}

fn creating_an_existing_table_fails(env: &Env) {
    let t = env.simple("exists_twice", &["f"], 1);
    let err = env
        .store
        .create_table(&t, &[FamilySpec::new("f")])
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::TableExists { table } if *table == t),
        "{}: {err:?}",
        env.backend
    );
}

fn a_table_needs_a_family(env: &Env) {
    let t = env.name("no_family");
    let err = env.store.create_table(&t, &[]).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidArgument { .. }),
        "{}: {err:?}",
        env.backend
    );
}
