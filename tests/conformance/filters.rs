//! Scan filters, limits, reversed scans and time ranges at the store level,
//! including values built to break a filter string (quotes, parentheses,
//! commas, `AND`/`OR`, 0x00 and 0xFF).

use capjure::store::{Column, CompareOp, Filter, RowMutations, Scan};
use capjure::{Cell, store::Row};

use crate::Env;

conformance!(
    injection_values_compare_exactly,
    injection_prefixes_match_exactly,
    comparisons_drop_rows_without_the_column,
    exists_and_missing,
    and_or_nest,
    filter_columns_outside_the_projection_are_read_and_stripped,
    keys_only_with_a_filter,
    limit_counts_filtered_rows,
    reversed_scans_at_edge_keys,
    reversed_scans_filter_and_limit,
    reversed_filtered_scans_over_several_families,
    time_ranges_and_filters_see_the_same_cells,
);

/// The value of `f:q` in each row (`None`: the row has no `f:q`).
const ROWS: &[(&[u8], Option<&[u8]>)] = &[
    (b"r01", Some(b"it's")),
    (b"r02", Some(b"''")),
    (b"r03", Some(b"')")),
    (b"r04", Some(b"a,b")),
    (b"r05", Some(b"x AND y")),
    (b"r06", Some(b"x OR y")),
    (b"r07", Some(b"\x00")),
    (b"r08", Some(b"\xFF")),
    (b"r09", Some(b"\xFF\xFF\x00'")),
    (b"r10", Some(b"")),
    (b"r11", None),
    (b"r12", Some(b"plain")),
    (b"r13", Some(b"', true, true) OR (RowFilter(>=, 'binary:")),
];

fn fixture(env: &Env) -> String {
    let t = env.simple("filters", &["f", "g"], 1);
    let batch: Vec<RowMutations> = ROWS
        .iter()
        .map(|(key, value)| {
            let mut row = RowMutations::new(*key).put(Cell::new("g", "r", "g"));
            if let Some(value) = value {
                row = row.put(Cell::new("f", "q", *value));
            }
            row
        })
        .collect();
    ok!(env, env.store.mutate(&t, &batch));
    // Columns of their own for r12: a quoted qualifier, and a value in `g`.
    let extra = RowMutations::new("r12")
        .put(Cell::new("f", "it's", "q"))
        .put(Cell::new("g", "r", "x"));
    ok!(env, env.store.mutate(&t, &[extra]));
    t
}

fn rows(env: &Env, t: &str, scan: &Scan) -> Vec<Row> {
    ok!(
        env,
        ok!(env, env.store.scan(t, scan)).collect::<Result<Vec<_>, _>>()
    )
}

fn keys(env: &Env, t: &str, scan: &Scan) -> Vec<String> {
    rows(env, t, scan)
        .into_iter()
        .map(|row| String::from_utf8_lossy(&row.key).into_owned())
        .collect()
}

fn filtered(env: &Env, t: &str, filter: Filter) -> Vec<String> {
    keys(env, t, &Scan::all().filter(filter))
}

/// The rows whose `f:q` satisfies `keep`, by brute force.
fn expected(keep: impl Fn(&[u8]) -> bool) -> Vec<String> {
    ROWS.iter()
        .filter(|(_, value)| value.is_some_and(&keep))
        .map(|(key, _)| String::from_utf8_lossy(key).into_owned())
        .collect()
}

fn injection_values_compare_exactly(env: &Env) {
    let t = fixture(env);
    let ops = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Lt,
        CompareOp::Le,
        CompareOp::Gt,
        CompareOp::Ge,
    ];
    for (_, value) in ROWS {
        let Some(value) = value else { continue };
        for op in ops {
            let got = filtered(env, &t, Filter::compare("f", "q", op, *value));
            let want = expected(|stored| op.holds(stored.cmp(value)));
            assert_eq!(
                got,
                want,
                "{}: f:q {op:?} {:?}",
                env.backend,
                String::from_utf8_lossy(value)
            );
        }
    }
    // A quoted qualifier names its own column.
    assert_eq!(
        filtered(env, &t, Filter::compare("f", "it's", CompareOp::Eq, "q")),
        ["r12"],
        "{}",
        env.backend
    );
}

fn injection_prefixes_match_exactly(env: &Env) {
    let t = fixture(env);
    let prefixes: &[&[u8]] = &[
        b"'",
        b"''",
        b"')",
        b"a,",
        b"x AND",
        b"x OR",
        b"x ",
        b"\x00",
        b"\xFF",
        b"\xFF\xFF\x00'",
        b"",
        b"', true",
        b"zzz",
    ];
    for prefix in prefixes {
        let got = filtered(env, &t, Filter::prefix("f", "q", *prefix));
        let want = expected(|stored| stored.starts_with(prefix));
        assert_eq!(
            got,
            want,
            "{}: prefix {:?}",
            env.backend,
            String::from_utf8_lossy(prefix)
        );
    }
}

fn comparisons_drop_rows_without_the_column(env: &Env) {
    let t = fixture(env);
    // r11 has no f:q: no comparison matches it, `Ne` included.
    let ne = filtered(env, &t, Filter::compare("f", "q", CompareOp::Ne, "plain"));
    assert!(!ne.contains(&"r11".to_string()), "{}: {ne:?}", env.backend);
    assert_eq!(ne.len(), ROWS.len() - 2, "{}: {ne:?}", env.backend);
    // Nothing is below the empty value, and the empty value is not above it.
    assert!(
        filtered(env, &t, Filter::compare("f", "q", CompareOp::Lt, "")).is_empty(),
        "{}",
        env.backend
    );
    assert_eq!(
        filtered(env, &t, Filter::compare("f", "q", CompareOp::Le, "")),
        ["r10"],
        "{}",
        env.backend
    );
    // A column of a family the table lacks is missing from every row.
    assert!(
        filtered(env, &t, Filter::compare("f", "nope", CompareOp::Ne, "x")).is_empty(),
        "{}",
        env.backend
    );
}

fn exists_and_missing(env: &Env) {
    let t = fixture(env);
    assert_eq!(
        filtered(env, &t, Filter::exists("f", "q")),
        expected(|_| true),
        "{}",
        env.backend
    );
    assert_eq!(
        filtered(env, &t, Filter::missing("f", "q")),
        ["r11"],
        "{}",
        env.backend
    );
    assert_eq!(
        filtered(env, &t, Filter::exists("f", "it's")),
        ["r12"],
        "{}",
        env.backend
    );
    assert_eq!(
        filtered(env, &t, Filter::missing("f", "nope")).len(),
        ROWS.len(),
        "{}",
        env.backend
    );
}

fn and_or_nest(env: &Env) {
    let t = fixture(env);
    let plain = Filter::compare("f", "q", CompareOp::Eq, "plain");
    let quote = Filter::compare("f", "q", CompareOp::Eq, "it's");
    let g_x = Filter::compare("g", "r", CompareOp::Eq, "x");
    assert_eq!(
        filtered(env, &t, plain.clone().or(quote.clone())),
        ["r01", "r12"],
        "{}",
        env.backend
    );
    assert_eq!(
        filtered(env, &t, plain.clone().or(quote.clone()).and(g_x.clone())),
        ["r12"],
        "{}",
        env.backend
    );
    assert_eq!(
        filtered(
            env,
            &t,
            Filter::Or(vec![
                Filter::And(vec![quote.clone(), Filter::exists("g", "r")]),
                Filter::missing("f", "q"),
                Filter::prefix("f", "q", b"\xFF".to_vec()),
            ])
        ),
        ["r01", "r08", "r09", "r11"],
        "{}",
        env.backend
    );
    // Empty lists: and = every row, or = none.
    assert_eq!(
        filtered(env, &t, Filter::And(vec![])).len(),
        ROWS.len(),
        "{}",
        env.backend
    );
    assert!(
        filtered(env, &t, Filter::Or(vec![])).is_empty(),
        "{}",
        env.backend
    );
    assert_eq!(
        filtered(
            env,
            &t,
            Filter::And(vec![Filter::Or(vec![]), g_x]).or(quote)
        ),
        ["r01"],
        "{}",
        env.backend
    );
}

fn filter_columns_outside_the_projection_are_read_and_stripped(env: &Env) {
    let t = fixture(env);
    let scan = Scan::all()
        .columns([Column::family("g")])
        .filter(Filter::compare("f", "q", CompareOp::Eq, "plain"));
    let found = rows(env, &t, &scan);
    assert_eq!(found.len(), 1, "{}", env.backend);
    assert_eq!(found[0].key, b"r12", "{}", env.backend);
    assert_eq!(
        found[0].cells,
        vec![Cell::new("g", "r", "x").at(found[0].cells[0].timestamp.unwrap_or(0))],
        "{}",
        env.backend
    );
    // A row whose only projected cells... are none: not returned.
    let scan = Scan::all()
        .columns([Column::qualified("f", "it's")])
        .filter(Filter::exists("f", "q"));
    assert_eq!(keys(env, &t, &scan), ["r12"], "{}", env.backend);
    // A projection that holds the filter column keeps it.
    let scan = Scan::all()
        .columns([Column::qualified("f", "q")])
        .filter(Filter::prefix("f", "q", "x"));
    let found = rows(env, &t, &scan);
    assert_eq!(found.len(), 2, "{}", env.backend);
    assert!(
        found
            .iter()
            .all(|row| row.cells.len() == 1 && row.cells[0].qualifier == b"q")
    );
}

fn keys_only_with_a_filter(env: &Env) {
    let t = fixture(env);
    // g:r is r12's last column: a first-key-only scan never sees it.
    for filter in [
        Filter::compare("g", "r", CompareOp::Eq, "x"),
        Filter::compare("f", "q", CompareOp::Eq, "plain"),
    ] {
        let found = rows(env, &t, &Scan::all().keys_only().filter(filter.clone()));
        assert_eq!(found.len(), 1, "{}: {filter:?}", env.backend);
        assert_eq!(found[0].key, b"r12", "{}", env.backend);
        assert_eq!(found[0].cells.len(), 1, "{}", env.backend);
        assert!(found[0].cells[0].value.is_empty(), "{}", env.backend);
    }
    let scan = Scan::all()
        .keys_only()
        .columns([Column::family("g")])
        .filter(Filter::missing("f", "q"));
    let found = rows(env, &t, &scan);
    assert_eq!(found.len(), 1, "{}", env.backend);
    assert_eq!(
        (found[0].key.as_slice(), found[0].cells[0].family.as_slice()),
        (&b"r11"[..], &b"g"[..]),
        "{}",
        env.backend
    );
}

fn limit_counts_filtered_rows(env: &Env) {
    let t = fixture(env);
    let filter = Filter::prefix("f", "q", "x");
    assert_eq!(
        keys(env, &t, &Scan::all().filter(filter.clone()).limit(1)),
        ["r05"],
        "{}",
        env.backend
    );
    for batch in [1, 2, 100] {
        assert_eq!(
            keys(env, &t, &Scan::all().limit(3).batch(batch)),
            ["r01", "r02", "r03"],
            "{} batch {batch}",
            env.backend
        );
    }
    assert!(
        keys(env, &t, &Scan::all().limit(0)).is_empty(),
        "{}",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::all().filter(filter).limit(10)),
        ["r05", "r06"],
        "{}",
        env.backend
    );
}

fn edge_table(env: &Env) -> String {
    let t = env.simple("reverse", &["f"], 1);
    let keys: [&[u8]; 7] = [b"\x00", b"a", b"b", b"b\x00", b"ba", b"\xFF", b"\xFF\xFF"];
    let batch: Vec<RowMutations> = keys
        .iter()
        .map(|k| RowMutations::new(*k).put(Cell::new("f", "q", *k)))
        .collect();
    ok!(env, env.store.mutate(&t, &batch));
    t
}

fn raw_keys(env: &Env, t: &str, scan: &Scan) -> Vec<Vec<u8>> {
    rows(env, t, scan).into_iter().map(|row| row.key).collect()
}

fn reversed_scans_at_edge_keys(env: &Env) {
    let t = edge_table(env);
    let k = |keys: &[&[u8]]| keys.iter().map(|k| k.to_vec()).collect::<Vec<_>>();
    let cases: Vec<(Scan, Vec<Vec<u8>>)> = vec![
        (
            Scan::all(),
            k(&[b"\xFF\xFF", b"\xFF", b"ba", b"b\x00", b"b", b"a", b"\x00"]),
        ),
        (Scan::range("a", "b"), k(&[b"a"])),
        (Scan::all().from("b").through("b"), k(&[b"b"])),
        (Scan::range("b", "b"), k(&[])),
        (Scan::range("b", "b\x00"), k(&[b"b"])),
        (Scan::all().from("b").through("b\x00"), k(&[b"b\x00", b"b"])),
        (
            Scan::range(b"\x00".to_vec(), b"\xFF".to_vec()),
            k(&[b"ba", b"b\x00", b"b", b"a", b"\x00"]),
        ),
        (
            Scan::all().from(b"\xFF".to_vec()),
            k(&[b"\xFF\xFF", b"\xFF"]),
        ),
        (Scan::all().through(b"\x00".to_vec()), k(&[b"\x00"])),
        (Scan::all().until(b"\x00".to_vec()), k(&[])),
        (Scan::prefix("b"), k(&[b"ba", b"b\x00", b"b"])),
        (Scan::prefix(b"\xFF".to_vec()), k(&[b"\xFF\xFF", b"\xFF"])),
        (Scan::all().from("b\x01"), k(&[b"\xFF\xFF", b"\xFF", b"ba"])),
        (Scan::range("a\x01", "b\x00"), k(&[b"b"])),
    ];
    for (scan, want) in cases {
        for batch in [1, 2, 100] {
            let reversed = scan.clone().reverse().batch(batch);
            assert_eq!(
                raw_keys(env, &t, &reversed),
                want,
                "{}: {reversed:?}",
                env.backend
            );
        }
        let mut forward = want.clone();
        forward.reverse();
        assert_eq!(
            raw_keys(env, &t, &scan),
            forward,
            "{}: {scan:?}",
            env.backend
        );
    }
}

fn reversed_scans_filter_and_limit(env: &Env) {
    let t = edge_table(env);
    let filter = Filter::compare("f", "q", CompareOp::Ge, "b");
    let scan = Scan::all().reverse().filter(filter.clone()).limit(3);
    assert_eq!(
        raw_keys(env, &t, &scan),
        vec![b"\xFF\xFF".to_vec(), b"\xFF".to_vec(), b"ba".to_vec()],
        "{}",
        env.backend
    );
    let scan = Scan::range("a", "ba").reverse().filter(filter).keys_only();
    assert_eq!(
        raw_keys(env, &t, &scan),
        vec![b"b\x00".to_vec(), b"b".to_vec()],
        "{}",
        env.backend
    );
}

fn time_ranges_and_filters_see_the_same_cells(env: &Env) {
    let t = env.simple("time_range", &["f", "g"], 3);
    let batch = vec![
        RowMutations::new("r1").put(Cell::new("f", "q", "old").at(10)),
        RowMutations::new("r2").put(Cell::new("f", "q", "new").at(20)),
        RowMutations::new("r3")
            .put(Cell::new("f", "q", "old").at(10))
            .put(Cell::new("g", "r", "late").at(30)),
    ];
    ok!(env, env.store.mutate(&t, &batch));
    assert_eq!(
        keys(env, &t, &Scan::all().since(15)),
        ["r2", "r3"],
        "{}",
        env.backend
    );
    let r3 = rows(env, &t, &Scan::all().since(15));
    assert_eq!(
        r3[1].cells.len(),
        1,
        "{}: only g:r is in range",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::all().since(15).before(25)),
        ["r2"],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(env, &t, &Scan::all().since(10).before(11)),
        ["r1", "r3"],
        "{}",
        env.backend
    );
    assert!(
        keys(env, &t, &Scan::all().since(20).before(20)).is_empty(),
        "{}",
        env.backend
    );
    // r3's f:q is older than the range: missing there.
    assert_eq!(
        keys(
            env,
            &t,
            &Scan::all().since(15).filter(Filter::missing("f", "q"))
        ),
        ["r3"],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(
            env,
            &t,
            &Scan::all().since(15).filter(Filter::exists("f", "q"))
        ),
        ["r2"],
        "{}",
        env.backend
    );
    assert_eq!(
        keys(
            env,
            &t,
            &Scan::all().since(15).keys_only().filter(Filter::compare(
                "f",
                "q",
                CompareOp::Ne,
                "x"
            ))
        ),
        ["r2"],
        "{}",
        env.backend
    );
    // Keys only: r3's first cell is out of range, its second is not.
    assert_eq!(
        keys(env, &t, &Scan::all().since(25).keys_only()),
        ["r3"],
        "{}",
        env.backend
    );
    // An older version of r2's f:q: the newest in range is what counts.
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r2").put(Cell::new("f", "q", "mid").at(15))]
        )
    );
    assert_eq!(
        keys(
            env,
            &t,
            &Scan::all()
                .before(20)
                .filter(Filter::compare("f", "q", CompareOp::Eq, "mid"))
        ),
        ["r2"],
        "{}",
        env.backend
    );
}

fn reversed_filtered_scans_over_several_families(env: &Env) {
    // The fixture has families f and g: HBase loads g "on demand" under a
    // filter on f, which it cannot do in a reversed scan.
    let t = fixture(env);
    let plain = Filter::compare("f", "q", CompareOp::Eq, "plain");
    for scan in [
        Scan::all(),
        Scan::all().from("r05"),
        Scan::all().until("r13"),
        Scan::all().keys_only(),
        Scan::all().columns([Column::family("g")]),
    ] {
        let scan = scan.reverse().filter(plain.clone());
        assert_eq!(keys(env, &t, &scan), ["r12"], "{}: {scan:?}", env.backend);
    }
    let scan = Scan::all()
        .reverse()
        .filter(Filter::prefix("f", "q", b"\xFF".to_vec()).or(Filter::missing("f", "q")));
    assert_eq!(
        keys(env, &t, &scan),
        ["r11", "r09", "r08"],
        "{}",
        env.backend
    );
}
