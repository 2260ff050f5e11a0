//! The convenience API on both stores: replace vs merge (flaw 10), counts,
//! versions, deletes, multi-get, hydrated scans.

use capjure::store::RowMutations;
use capjure::store::{Column, Scan, Store};
use capjure::{Cell, Codec, ErrorKind, KeyConfig, Mapper, MemoryStore, Table};
use serde_json::{Value, json};

use crate::Env;

conformance!(
    insert_replaces_and_merge_patches,
    insert_at_keeps_history_of_kept_columns,
    atomic_replace_keeps_nothing_older,
    counts_stay_on_the_server,
    versions_of_every_cell,
    delete_removes_rows_with_all_versions,
    get_many_exists_and_cells,
    scans_hydrate_lazily,
    batch_failure_names_rows,
    insert_many_replaces_existing_rows_among_new_ones,
    merge_many_patches_without_deleting,
);

fn painting() -> Value {
    json!({
        "trees": ["cedar", "maple", "oak"],
        "houses": 4,
        "cars": [
            {"make": "honda", "model": "fit", "license": "ah12001"},
            {"make": "toyota", "model": "yaris", "license": "xb34544"}
        ],
        "road": {"name": "101N", "speed": 65}
    })
}

fn table<'a>(env: &'a Env, prefix: &str, versions: u32) -> Table<&'a dyn Store> {
    table_in(env, env.store.as_ref(), prefix, versions)
}

fn table_in<'a>(
    env: &Env,
    store: &'a dyn Store,
    prefix: &str,
    versions: u32,
) -> Table<&'a dyn Store> {
    let name = env.name(prefix);
    let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
    let table = Table::new(store, name, mapper).with_batch_size(2);
    ok!(
        env,
        table.create(&[&painting(), &json!({"extra": 1})], versions)
    );
    table
}

fn insert_replaces_and_merge_patches(env: &Env) {
    let table = table(env, "replace", 1);
    ok!(env, table.insert(b"p1", &painting()));
    assert_eq!(
        ok!(env, table.get(b"p1")),
        Some(painting()),
        "{}",
        env.backend
    );
    // Drop a tree, a car, a road field and a key: they must be gone.
    let smaller = json!({
        "trees": ["cedar"],
        "cars": [{"make": "honda", "model": "fit", "license": "ah12001"}],
        "road": {"name": "101N"}
    });
    ok!(env, table.insert(b"p1", &smaller));
    assert_eq!(
        ok!(env, table.get(b"p1")),
        Some(smaller.clone()),
        "{}",
        env.backend
    );
    // Merge adds without removing. (A column deleted and written again at
    // the server's clock within one millisecond stays hidden: HBase's
    // delete-marker rule, which MemoryStore shares. Step past it.)
    std::thread::sleep(std::time::Duration::from_millis(2));
    ok!(env, table.merge(b"p1", &json!({"houses": 5, "extra": 1})));
    let mut merged = smaller.clone();
    merged["houses"] = json!(5);
    merged["extra"] = json!(1);
    assert_eq!(ok!(env, table.get(b"p1")), Some(merged), "{}", env.backend);
    // Replacing with an explicit timestamp works the same way.
    ok!(
        env,
        table.insert_at(b"p1", &json!({"houses": 6}), now() + 10_000)
    );
    assert_eq!(
        ok!(env, table.get(b"p1")),
        Some(json!({"houses": 6})),
        "{}",
        env.backend
    );
    // Text codec (what the original wrote) replaces too.
    let text = Table::new(
        env.store.as_ref(),
        table.name(),
        Mapper::new(KeyConfig::new()).with_codec(Codec::Text),
    );
    ok!(
        env,
        text.insert(b"t1", &json!({"trees": ["a", "b"], "houses": "4"}))
    );
    ok!(env, text.insert(b"t1", &json!({"trees": ["b"]})));
    assert_eq!(
        ok!(env, text.get(b"t1")),
        Some(json!({"trees": ["b"]})),
        "{}",
        env.backend
    );
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Where a replace reads the row and writes the difference (Thrift1, and
/// `MemoryStore` by default), the columns it keeps keep their history. A
/// store with atomic row mutations replaces without reading and keeps
/// nothing older: `atomic_replace_keeps_nothing_older`.
fn insert_at_keeps_history_of_kept_columns(env: &Env) {
    if env.store.atomic_row_mutations() {
        return;
    }
    let table = table(env, "history", 3);
    ok!(
        env,
        table.insert_at(b"r", &json!({"houses": 1, "extra": 1}), 100)
    );
    ok!(env, table.insert_at(b"r", &json!({"houses": 2}), 200));
    assert_eq!(
        ok!(env, table.get(b"r")),
        Some(json!({"houses": 2})),
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.get_as_of(b"r", 150)),
        Some(json!({"houses": 1})),
        "{}",
        env.backend
    );
    let versions = ok!(env, table.versions(b"r", 5, Some(b"houses")));
    let houses: Vec<(i64, Vec<u8>)> = versions[&b"houses".to_vec()][&Vec::new()]
        .iter()
        .map(|(ts, v)| (*ts, v.clone()))
        .collect();
    assert_eq!(
        houses,
        vec![(100, b"1".to_vec()), (200, b"2".to_vec())],
        "{}",
        env.backend
    );
}

/// On a store with atomic row mutations (Thrift2; on memory, the
/// `atomic_replace(true)` double) a replace is a family delete at `T - 1`
/// and the puts at `T`: older cells go, versions included; a cell written
/// at or after `T` by another writer stays.
fn atomic_replace_keeps_nothing_older(env: &Env) {
    let double = MemoryStore::new().atomic_replace(true);
    let store: &dyn Store = if env.is_real() {
        env.store.as_ref()
    } else {
        &double
    };
    if !store.atomic_row_mutations() {
        return; // Thrift1: read-then-write, insert_at_keeps_history_of_kept_columns
    }
    let table = table_in(env, store, "atomic", 3);
    ok!(
        env,
        table.insert_at(b"r", &json!({"houses": 1, "extra": 1}), 100)
    );
    ok!(env, table.insert_at(b"r", &json!({"houses": 2}), 200));
    assert_eq!(
        ok!(env, table.get(b"r")),
        Some(json!({"houses": 2})),
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.get_as_of(b"r", 150)),
        None,
        "{}",
        env.backend
    );
    let versions = ok!(env, table.versions(b"r", 5, Some(b"houses")));
    assert_eq!(
        versions[&b"houses".to_vec()][&Vec::new()].len(),
        1,
        "{}",
        env.backend
    );

    // Another writer's cell at or after T survives the replace.
    let later = RowMutations::new("r").put(Cell::new("extra", "", "9").at(300));
    ok!(env, store.mutate(table.name(), &[later]));
    ok!(env, table.insert_at(b"r", &json!({"houses": 3}), 250));
    assert_eq!(
        ok!(env, table.get(b"r")),
        Some(json!({"houses": 3, "extra": 9})),
        "{}",
        env.backend
    );

    // The client clock: back-to-back replaces, the last one wins whole.
    for i in 0..5 {
        let object = if i % 2 == 0 {
            json!({"houses": i, "extra": i})
        } else {
            json!({"houses": i})
        };
        ok!(env, table.insert(b"s", &object));
    }
    assert_eq!(
        ok!(env, table.get(b"s")),
        Some(json!({"houses": 4, "extra": 4})),
        "{}",
        env.backend
    );

    // The delete is at T - 1: T must be at least 1.
    let err = table.insert_at(b"r", &json!({"houses": 1}), 0).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidArgument { .. }),
        "{}: {err:?}",
        env.backend
    );
}

fn counts_stay_on_the_server(env: &Env) {
    let table = table(env, "count", 1);
    assert_eq!(ok!(env, table.count()), 0, "{}", env.backend);
    for i in 0..7 {
        let object = if i % 2 == 0 {
            json!({"houses": i})
        } else {
            json!({"extra": i})
        };
        ok!(env, table.insert(format!("row{i}").as_bytes(), &object));
    }
    assert_eq!(ok!(env, table.count()), 7, "{}", env.backend);
    assert_eq!(
        ok!(env, table.count_with(&[Column::family("houses")])),
        4,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.count_with(&[Column::qualified("extra", "")])),
        3,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(
            env,
            table.count_with(&[Column::family("houses"), Column::family("extra")])
        ),
        7,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.count_scan(Scan::range("row2", "row5"))),
        3,
        "{}",
        env.backend
    );
}

fn versions_of_every_cell(env: &Env) {
    let table = table(env, "versions", 3);
    for ts in [1, 2, 3, 4] {
        ok!(
            env,
            table.merge_at(
                b"r",
                &json!({"houses": ts, "road": {"name": format!("n{ts}")}}),
                ts
            )
        );
    }
    let all = ok!(env, table.versions(b"r", 3, None));
    assert_eq!(all.len(), 2, "{}", env.backend);
    let road = &all[&b"road".to_vec()][&b"name".to_vec()];
    assert_eq!(
        road.keys().copied().collect::<Vec<_>>(),
        vec![2, 3, 4],
        "{}",
        env.backend
    );
    let two = ok!(env, table.versions(b"r", 2, Some(b"road")));
    assert_eq!(two.len(), 1, "{}", env.backend);
    assert_eq!(
        two[&b"road".to_vec()][&b"name".to_vec()].len(),
        2,
        "{}",
        env.backend
    );
    assert!(
        ok!(env, table.versions(b"nobody", 3, None)).is_empty(),
        "{}",
        env.backend
    );
}

fn delete_removes_rows_with_all_versions(env: &Env) {
    let table = table(env, "delete", 3);
    for row in [b"a", b"b", b"c"] {
        ok!(env, table.insert_at(row, &json!({"houses": 1}), 10));
        ok!(env, table.insert_at(row, &json!({"houses": 2}), 20));
    }
    ok!(env, table.delete(&[b"a", b"b", b"x"]));
    assert!(
        ok!(env, table.versions(b"a", 3, None)).is_empty(),
        "{}",
        env.backend
    );
    assert!(
        ok!(env, table.versions(b"b", 3, None)).is_empty(),
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.versions(b"c", 3, None)).len(),
        1,
        "{}",
        env.backend
    );
    assert_eq!(ok!(env, table.count()), 1, "{}", env.backend);
}

fn get_many_exists_and_cells(env: &Env) {
    let table = table(env, "get_many", 1);
    ok!(env, table.insert(b"a", &json!({"houses": 1})));
    ok!(env, table.insert(b"c", &painting()));
    let got = ok!(env, table.get_many(&[b"c".as_slice(), b"b", b"a", b"c"]));
    assert_eq!(
        got,
        vec![
            Some(painting()),
            None,
            Some(json!({"houses": 1})),
            Some(painting())
        ],
        "{}",
        env.backend
    );
    assert!(ok!(env, table.exists(b"a")), "{}", env.backend);
    assert!(!ok!(env, table.exists(b"b")), "{}", env.backend);
    assert_eq!(
        ok!(env, table.cell_string(b"c", b"cars_make", b"ah12001")),
        Some("\"honda\"".to_string()),
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.cell(b"c", b"cars_make", b"nope")),
        None,
        "{}",
        env.backend
    );
    let err = table.get(b"").unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::EmptyRowKey { .. }),
        "{}: {err:?}",
        env.backend
    );
    let err = table.insert(b"", &painting()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::EmptyRowKey { .. }),
        "{}: {err:?}",
        env.backend
    );
}

fn scans_hydrate_lazily(env: &Env) {
    let table = table(env, "scan", 1);
    for (key, houses) in [
        ("m1/2024-05-01/s1", 1),
        ("m1/2024-05-01/s2", 2),
        ("m1/2024-05-02/s1", 3),
        ("m2/2024-05-01/s1", 4),
    ] {
        ok!(
            env,
            table.insert(key.as_bytes(), &json!({"houses": houses}))
        );
    }
    let day: Vec<(Vec<u8>, Value)> = ok!(
        env,
        ok!(env, table.scan_prefix(b"m1/2024-05-01/")).collect::<Result<Vec<_>, _>>()
    );
    assert_eq!(
        day,
        vec![
            (b"m1/2024-05-01/s1".to_vec(), json!({"houses": 1})),
            (b"m1/2024-05-01/s2".to_vec(), json!({"houses": 2}))
        ],
        "{}",
        env.backend
    );
    let through = ok!(
        env,
        table.scan(
            Scan::all()
                .from("m1/2024-05-02/s1")
                .through("m2/2024-05-01/s1")
        )
    )
    .count();
    assert_eq!(through, 2, "{}", env.backend);
}

fn batch_failure_names_rows(env: &Env) {
    // A family the table lacks, in the second batch of two rows.
    let table = table(env, "batch_fail", 1);
    let (good, bad) = (json!({"houses": 1}), json!({"unknown_family": 1}));
    let objects = [
        (b"r1", &good),
        (b"r2", &good),
        (b"r3", &bad),
        (b"r4", &good),
    ];
    let err = table.insert_many(&objects, None).unwrap_err();
    match err.kind() {
        ErrorKind::BatchFailed {
            written,
            unconfirmed,
            source,
            ..
        } => {
            assert_eq!(
                written,
                &vec![b"r1".to_vec(), b"r2".to_vec()],
                "{}",
                env.backend
            );
            assert_eq!(
                unconfirmed,
                &vec![b"r3".to_vec(), b"r4".to_vec()],
                "{}",
                env.backend
            );
            assert!(
                matches!(source.kind(), ErrorKind::FamilyNotFound { .. }),
                "{}: {source:?}",
                env.backend
            );
            assert_eq!(source.row(), Some(&b"r3"[..]), "{}", env.backend);
        }
        other => panic!("{}: expected BatchFailed, got {other:?}", env.backend),
    }
    assert!(ok!(env, table.exists(b"r2")), "{}", env.backend);
}

fn insert_many_replaces_existing_rows_among_new_ones(env: &Env) {
    // Batches of 2: existing and new rows mixed within one batch.
    let table = table(env, "many", 1);
    let big = painting();
    let keys = [b"m1", b"m2", b"m3"];
    let first: Vec<(&[u8; 2], &Value)> = keys[..2].iter().map(|k| (*k, &big)).collect();
    ok!(env, table.insert_many(&first, None));
    std::thread::sleep(std::time::Duration::from_millis(2));
    let smaller = json!({"trees": ["oak"], "houses": 4});
    let second: Vec<(&[u8; 2], &Value)> = keys[1..].iter().map(|k| (*k, &smaller)).collect();
    ok!(env, table.insert_many(&second, None));
    let got = ok!(env, table.get_many(&keys));
    assert_eq!(
        got,
        vec![
            Some(big.clone()),
            Some(smaller.clone()),
            Some(smaller.clone())
        ],
        "{}",
        env.backend
    );
}

fn merge_many_patches_without_deleting(env: &Env) {
    let table = table(env, "merge_many", 1);
    let big = painting();
    let smaller = json!({"trees": ["oak"], "houses": 4});
    let keys = [b"m1", b"m2", b"m3"];
    ok!(
        env,
        table.insert_many(&[(keys[0], &big), (keys[1], &smaller)], None)
    );
    std::thread::sleep(std::time::Duration::from_millis(2));
    // Only adds: m1 keeps its cars, m2 is untouched, m3 is new.
    let patch = json!({"extra": 1});
    let patches: Vec<(&[u8; 2], &Value)> = vec![(keys[0], &patch), (keys[2], &patch)];
    ok!(env, table.merge_many(&patches, None));
    let mut m1 = big.clone();
    m1["extra"] = json!(1);
    assert_eq!(
        ok!(env, table.get_many(&keys)),
        vec![Some(m1), Some(smaller), Some(patch.clone())],
        "{}",
        env.backend
    );
}
