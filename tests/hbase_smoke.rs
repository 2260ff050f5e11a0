//! Smoke test of the real HBase Thrift1 gateway through the `hbase-thrift`
//! client: proves that the server `scripts/hbase start` runs is usable and
//! pins down the Thrift1 behaviour capjure builds on (explicit timestamps,
//! version ordering, scan bounds, deletes, table lifecycle).
//!
//! Needs HBase: see `tests/support/mod.rs` (`CAPJURE_HBASE`,
//! `CAPJURE_SKIP_HBASE`).

mod support;

use std::collections::BTreeMap;

use hbase_thrift::hbase::{ColumnDescriptor, Mutation, TCell, THbaseSyncClient, TRowResult};

fn family(name: &str, max_versions: i32) -> ColumnDescriptor {
    // Every field spelled out: the generated Default gives "" for
    // compression and bloom filter type, which the server rejects, and 0
    // for max versions and TTL, unlike the IDL defaults.
    ColumnDescriptor {
        name: Some(format!("{name}:").into_bytes()),
        max_versions: Some(max_versions),
        compression: Some("NONE".to_string()),
        in_memory: Some(false),
        bloom_filter_type: Some("NONE".to_string()),
        bloom_filter_vector_size: Some(0),
        bloom_filter_nb_hashes: Some(0),
        block_cache_enabled: Some(true),
        time_to_live: Some(i32::MAX),
    }
}

fn put(column: &str, value: &str) -> Mutation {
    Mutation {
        is_delete: Some(false),
        column: Some(column.as_bytes().to_vec()),
        value: Some(value.as_bytes().to_vec()),
        write_to_w_a_l: Some(true),
    }
}

fn no_attrs() -> BTreeMap<Vec<u8>, Vec<u8>> {
    BTreeMap::new()
}

fn b(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

fn cells(v: &[TCell]) -> Vec<(String, i64)> {
    v.iter()
        .map(|c| {
            (
                String::from_utf8(c.value.clone().unwrap_or_default()).unwrap(),
                c.timestamp.unwrap_or(-1),
            )
        })
        .collect()
}

/// One cell as `(family:qualifier, value, timestamp)`.
type Cell = (String, String, i64);

/// `row -> [cell]`, in the server's order.
fn rows(v: &[TRowResult]) -> Vec<(String, Vec<Cell>)> {
    v.iter()
        .map(|r| {
            let cols = r
                .columns
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|(k, c)| {
                    (
                        String::from_utf8(k).unwrap(),
                        String::from_utf8(c.value.unwrap_or_default()).unwrap(),
                        c.timestamp.unwrap_or(-1),
                    )
                })
                .collect();
            (String::from_utf8(r.row.clone().unwrap()).unwrap(), cols)
        })
        .collect()
}

#[test]
fn thrift1_round_trip_against_real_hbase() {
    let Some(mut c) = support::hbase_client() else {
        return;
    };
    let table = support::unique_table_name("smoke");
    let t = || b(&table);
    let _cleanup = support::DropTable(table.clone());

    // --- create: two families, d keeps 3 versions, m keeps 1.
    c.create_table(t(), vec![family("d", 3), family("m", 1)])
        .expect("createTable");
    assert!(c.get_table_names().unwrap().contains(&t()));
    assert!(c.is_table_enabled(t()).unwrap());
    let mut fams: Vec<String> = c
        .get_column_descriptors(t())
        .unwrap()
        .into_values()
        .map(|d| String::from_utf8(d.name.unwrap()).unwrap())
        .collect();
    fams.sort();
    assert_eq!(fams, ["d:", "m:"]);

    // --- put with explicit timestamps, written out of order on purpose.
    for (ts, v) in [(200, "v200"), (100, "v100"), (300, "v300")] {
        c.mutate_row_ts(t(), b("row1"), vec![put("d:a", v)], ts, no_attrs())
            .expect("mutateRowTs d:a");
    }
    c.mutate_row_ts(
        t(),
        b("row1"),
        vec![put("d:b", "b150"), put("m:x", "x150")],
        150,
        no_attrs(),
    )
    .unwrap();
    // m keeps one version: the older write below must not be visible.
    c.mutate_row_ts(t(), b("row1"), vec![put("m:x", "x50")], 50, no_attrs())
        .unwrap();
    for (row, ts) in [("row2", 10), ("row3", 20), ("row4", 30)] {
        c.mutate_row_ts(
            t(),
            b(row),
            vec![put("d:a", &format!("{row}-a"))],
            ts,
            no_attrs(),
        )
        .unwrap();
    }

    // --- latest value of one column.
    let latest = c.get(t(), b("row1"), b("d:a"), no_attrs()).unwrap();
    assert_eq!(cells(&latest), [("v300".to_string(), 300)]);

    // --- all versions, newest first; a limit cuts from the newest.
    let all = c.get_ver(t(), b("row1"), b("d:a"), 10, no_attrs()).unwrap();
    assert_eq!(
        cells(&all),
        [
            ("v300".to_string(), 300),
            ("v200".to_string(), 200),
            ("v100".to_string(), 100)
        ]
    );
    let two = c.get_ver(t(), b("row1"), b("d:a"), 2, no_attrs()).unwrap();
    assert_eq!(
        cells(&two),
        [("v300".to_string(), 300), ("v200".to_string(), 200)]
    );
    // The max-versions=1 family kept only the newest write (ts 150, not 50).
    let mx = c.get_ver(t(), b("row1"), b("m:x"), 10, no_attrs()).unwrap();
    assert_eq!(cells(&mx), [("x150".to_string(), 150)]);

    // --- whole row, and selected columns/families: latest version per cell,
    // columns sorted by family:qualifier.
    let row = c.get_row(t(), b("row1"), no_attrs()).unwrap();
    assert_eq!(
        rows(&row),
        [(
            "row1".to_string(),
            vec![
                ("d:a".to_string(), "v300".to_string(), 300),
                ("d:b".to_string(), "b150".to_string(), 150),
                ("m:x".to_string(), "x150".to_string(), 150),
            ]
        )]
    );
    let sel = c
        .get_row_with_columns(t(), b("row1"), vec![b("d:b"), b("m")], no_attrs())
        .unwrap();
    assert_eq!(
        rows(&sel),
        [(
            "row1".to_string(),
            vec![
                ("d:b".to_string(), "b150".to_string(), 150),
                ("m:x".to_string(), "x150".to_string(), 150),
            ]
        )]
    );
    // A missing row is an empty list, not an error.
    assert!(c.get_row(t(), b("nope"), no_attrs()).unwrap().is_empty());

    // --- scan [row2, row4): rows in key order, stop row excluded, paged.
    let id = c
        .scanner_open_with_stop(t(), b("row2"), b("row4"), vec![b("d")], no_attrs())
        .expect("scannerOpenWithStop");
    let mut scanned = Vec::new();
    loop {
        let page = c.scanner_get_list(id, 1).expect("scannerGetList");
        if page.is_empty() {
            break;
        }
        assert_eq!(page.len(), 1);
        scanned.extend(rows(&page));
    }
    c.scanner_close(id).expect("scannerClose");
    assert_eq!(
        scanned,
        [
            (
                "row2".to_string(),
                vec![("d:a".to_string(), "row2-a".to_string(), 10)]
            ),
            (
                "row3".to_string(),
                vec![("d:a".to_string(), "row3-a".to_string(), 20)]
            ),
        ]
    );

    // --- deleteAll: every version of one column goes, the rest stays.
    c.delete_all(t(), b("row1"), b("d:a"), no_attrs()).unwrap();
    assert!(
        c.get_ver(t(), b("row1"), b("d:a"), 10, no_attrs())
            .unwrap()
            .is_empty()
    );
    let left = c.get_row(t(), b("row1"), no_attrs()).unwrap();
    assert_eq!(
        rows(&left)[0]
            .1
            .iter()
            .map(|x| x.0.as_str())
            .collect::<Vec<_>>(),
        ["d:b", "m:x"]
    );
    // --- deleteAllRow: the row is gone, its neighbours are not.
    c.delete_all_row(t(), b("row1"), no_attrs()).unwrap();
    assert!(c.get_row(t(), b("row1"), no_attrs()).unwrap().is_empty());
    assert_eq!(
        rows(&c.get_row(t(), b("row2"), no_attrs()).unwrap()).len(),
        1
    );

    // --- disable + drop.
    c.disable_table(t()).expect("disableTable");
    assert!(!c.is_table_enabled(t()).unwrap());
    c.delete_table(t()).expect("deleteTable");
    assert!(!c.get_table_names().unwrap().contains(&t()));
}

#[test]
fn unique_table_names_differ() {
    let a = support::unique_table_name("x y");
    let b = support::unique_table_name("x y");
    assert_ne!(a, b);
    assert!(a.starts_with("capjure_t_x_y_"), "{a}");
}

#[test]
fn target_parses_schemes() {
    let t = support::Target::parse("framed+compact://127.0.0.1:9191");
    assert_eq!(
        t,
        support::Target {
            addr: "127.0.0.1:9191".into(),
            framed: true,
            compact: true
        }
    );
    assert_eq!(
        support::Target::parse("127.0.0.1:9090").mode(),
        "buffered/binary"
    );
}

#[test]
fn capjure_tables_have_row_bloom_filters() {
    // Absent-row gets (insert_many's read of new rows) stay cheap once the
    // table has store files only with HBase's ROW bloom filter; the Thrift
    // IDL's default is NONE.
    use capjure::store::{FamilySpec, Store, ThriftConfig};
    let Some(mut client) = support::hbase_client() else {
        return;
    };
    let target = support::Target::from_env();
    if target.framed || target.compact {
        return; // the default ThriftConfig below speaks buffered binary
    }
    let name = support::unique_table_name("bloom");
    let _cleanup = support::DropTable(name.clone());
    let store = capjure::ThriftStore::new(ThriftConfig::new(target.addr.clone())).unwrap();
    store
        .create_table(&name, &[FamilySpec::new("f"), FamilySpec::new("g")])
        .unwrap();
    let blooms: Vec<String> = client
        .get_column_descriptors(name.clone().into_bytes())
        .unwrap()
        .into_values()
        .map(|d| d.bloom_filter_type.unwrap_or_default())
        .collect();
    assert_eq!(blooms, ["ROW", "ROW"]);
}
