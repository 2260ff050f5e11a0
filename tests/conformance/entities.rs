//! The typed table on both stores: composite keys in row order, prefix
//! scans, history, counters, compare-and-set, TTL and typed errors; and
//! the `Value` table's counters and check-and-put.

use capjure::store::{FamilySpec, RowMutations, Store};
use capjure::{Cell, Entity, EntityTable, ErrorKind, FieldPath, Mapper, StoreExt, Table};
use serde_json::json;

use crate::Env;

conformance!(
    composite_keys_scan_in_row_order,
    versions_rebuild_each_write,
    counters_increment_and_read_back,
    update_if_lets_one_of_two_racers_win,
    ttl_hides_expired_entities,
    rows_that_do_not_decode_name_the_row_and_the_field,
    value_table_counters_and_check_and_put,
);

/// A click-stream session, newest visit first per shopper.
#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "visits", max_versions = 5)]
struct Visit {
    #[capjure(row_key)]
    shopper: String,
    #[capjure(row_key(descending))]
    visit: i64,
    pages: Vec<String>,
    #[capjure(counter)]
    views: i64,
    version: u64,
}

fn visit(shopper: &str, at: i64) -> Visit {
    Visit {
        shopper: shopper.into(),
        visit: at,
        pages: vec![format!("/{at}")],
        views: 0,
        version: 1,
    }
}

fn key(shopper: &str, at: i64) -> (String, i64) {
    (shopper.to_string(), at)
}

fn visits(env: &Env) -> EntityTable<Visit, &dyn Store> {
    let table = env
        .store
        .as_ref()
        .entities::<Visit>()
        .named(env.name("visits"))
        .with_batch_size(4);
    ok!(env, table.create());
    table
}

fn composite_keys_scan_in_row_order(env: &Env) {
    let table = visits(env);
    let mut all: Vec<Visit> = (1..=12).map(|at| visit("alice", at)).collect();
    all.extend([visit("al", 5), visit("bob", -1), visit("bob", 3)]);
    ok!(env, table.insert_many(&all, None));
    assert_eq!(ok!(env, table.count()), 15, "{}", env.backend);

    let latest: Vec<i64> = ok!(env, table.scan_prefix(("alice",)))
        .take(10)
        .map(|v| v.map(|v| v.visit))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        latest,
        (3..=12).rev().collect::<Vec<_>>(),
        "{}",
        env.backend
    );

    // Ranges are in row order: descending visits, so 12 down to 10.
    let range: Vec<(String, i64)> = ok!(env, table.scan(key("alice", 12)..key("alice", 9)))
        .keyed()
        .map(|e| e.map(|(k, _)| k))
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        range,
        [key("alice", 12), key("alice", 11), key("alice", 10)],
        "{}",
        env.backend
    );
    let inclusive = ok!(env, table.scan(key("bob", 3)..=key("bob", -1))).count();
    assert_eq!(inclusive, 2, "{}", env.backend);
    let from = ok!(env, table.scan(key("alice", 1)..)).count();
    assert_eq!(from, 3, "{}: alice 1, then bob's two", env.backend);
    let everything: Vec<Visit> = ok!(env, table.scan(..)).collect::<Result<_, _>>().unwrap();
    assert_eq!(everything.len(), 15, "{}", env.backend);
    assert_eq!(everything[0], visit("al", 5), "{}", env.backend);

    let found = ok!(env, table.get_many(&[key("bob", 3), key("bob", 4)]));
    assert_eq!(found, vec![Some(visit("bob", 3)), None], "{}", env.backend);
    assert!(ok!(env, table.exists(&key("al", 5))), "{}", env.backend);
    ok!(env, table.delete(&key("al", 5)));
    ok!(env, table.delete_many(&[key("bob", 3), key("bob", -1)]));
    assert!(!ok!(env, table.exists(&key("al", 5))), "{}", env.backend);
    assert_eq!(ok!(env, table.count()), 12, "{}", env.backend);
}

fn versions_rebuild_each_write(env: &Env) {
    let table = visits(env);
    let mut v = visit("alice", 1);
    for at in [10, 20, 30] {
        v.version = at as u64;
        ok!(env, table.insert_at(&v, at));
    }
    if env.store.atomic_row_mutations() {
        // A replace without a read keeps nothing older than itself (see
        // insert::atomic_replace_keeps_nothing_older).
        let history = ok!(env, table.versions(&key("alice", 1), 5));
        let seen: Vec<i64> = history.iter().map(|(at, _)| *at).collect();
        assert_eq!(seen, [30], "{}", env.backend);
        return;
    }
    let history = ok!(env, table.versions(&key("alice", 1), 2));
    let seen: Vec<(i64, u64)> = history.iter().map(|(at, v)| (*at, v.version)).collect();
    assert_eq!(seen, [(30, 30), (20, 20)], "{}", env.backend);
    let history = ok!(env, table.versions(&key("alice", 1), 5));
    let seen: Vec<i64> = history.iter().map(|(at, _)| *at).collect();
    assert_eq!(seen, [30, 20, 10], "{}", env.backend);
    assert!(ok!(env, table.versions(&key("nobody", 1), 3)).is_empty());
    // Columns a later write deleted are gone from every version: once
    // `pages` changed element, the versions before have no pages at all,
    // and do not decode; the error names the row.
    v.pages = vec!["/other".into()];
    ok!(env, table.insert_at(&v, 40));
    let err = table.versions(&key("alice", 1), 2).unwrap_err();
    assert_eq!(err.row(), Some(v.row_key().as_slice()), "{}", env.backend);
    assert!(err.to_string().contains("pages"), "{}: {err}", env.backend);
}

fn counters_increment_and_read_back(env: &Env) {
    let table = visits(env);
    ok!(env, table.insert(&visit("alice", 1)));
    let k = key("alice", 1);
    assert_eq!(
        ok!(env, table.increment(&k, "views", 2)),
        2,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.increment(&k, "views", 3)),
        5,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.get(&k)).map(|v| v.views),
        Some(5),
        "{}",
        env.backend
    );
    // A merge of an entity read before the increments leaves the counter.
    // (Later than the increments' timestamps, which may be ahead of the
    // clock: a write at an older one would hide behind them anyway.)
    std::thread::sleep(std::time::Duration::from_millis(20));
    let stale = Visit {
        pages: vec!["/merged".into()],
        ..visit("alice", 1)
    };
    ok!(env, table.merge(&stale));
    let merged = ok!(env, table.get(&k)).expect("row");
    assert_eq!(
        (merged.views, merged.pages),
        (5, vec!["/merged".to_string()]),
        "{}",
        env.backend
    );
    for field in ["version", "nope"] {
        let err = table.increment(&k, field, 1).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::UnusableField { field: f, operation: "increment", .. } if f == field),
            "{}: {err:?}",
            env.backend
        );
    }
    // No counter cell: reads as 0. (The delete is at the store's clock,
    // which must be past the increments' timestamps.)
    std::thread::sleep(std::time::Duration::from_millis(20));
    let counter = &Visit::counters()[0];
    let row = Visit::encode_key(&k);
    let drop_counter = RowMutations::new(row).delete_column(
        counter.family.clone(),
        counter.qualifier.clone(),
        None,
    );
    ok!(env, env.store.mutate(table.name(), &[drop_counter]));
    assert_eq!(
        ok!(env, table.get(&k)).map(|v| v.views),
        Some(0),
        "{}",
        env.backend
    );
}

fn update_if_lets_one_of_two_racers_win(env: &Env) {
    let table = visits(env);
    let k = key("alice", 1);
    let first = visit("alice", 1);
    assert!(ok!(
        env,
        table.update_if(&k, "version", None::<&u64>, &first)
    ));
    // Two updaters read version 1.
    let read_a = ok!(env, table.get(&k)).expect("row");
    let read_b = read_a.clone();
    let a = Visit {
        version: read_a.version + 1,
        pages: vec!["/a".into()],
        ..read_a.clone()
    };
    let b = Visit {
        version: read_b.version + 1,
        pages: vec!["/b".into()],
        ..read_b.clone()
    };
    // A page view counted after both read the entity survives the update.
    ok!(env, table.increment(&k, "views", 1));
    assert!(ok!(
        env,
        table.update_if(&k, "version", Some(&read_a.version), &a)
    ));
    let a = Visit { views: 1, ..a };
    assert!(!ok!(
        env,
        table.update_if(&k, "version", Some(&read_b.version), &b)
    ));
    assert_eq!(ok!(env, table.get(&k)), Some(a.clone()), "{}", env.backend);
    // The loser re-reads and retries.
    let reread = ok!(env, table.get(&k)).expect("row");
    let b = Visit {
        version: reread.version + 1,
        pages: vec!["/b".into()],
        ..reread.clone()
    };
    assert!(ok!(
        env,
        table.update_if(&k, "version", Some(&reread.version), &b)
    ));
    assert_eq!(ok!(env, table.get(&k)), Some(b.clone()), "{}", env.backend);
    // Misuse is typed and writes nothing.
    for (field, kind) in [
        ("views", "counter"),
        ("nope", "stored field"),
        ("pages", "several"),
    ] {
        let err = table.update_if(&k, field, Some(&1), &b).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::UnusableField { field: f, .. } if f == field)
                && err.to_string().contains(kind),
            "{}: {err}",
            env.backend
        );
    }
    let elsewhere = visit("bob", 1);
    assert!(
        table
            .update_if(&k, "version", Some(&3), &elsewhere)
            .is_err()
    );
    assert_eq!(ok!(env, table.get(&k)), Some(b), "{}", env.backend);
}

#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "flash", ttl = 2)]
struct Flash {
    #[capjure(row_key)]
    id: String,
    note: String,
}

fn ttl_hides_expired_entities(env: &Env) {
    let table = env
        .store
        .as_ref()
        .entities::<Flash>()
        .named(env.name("flash"));
    ok!(env, table.create());
    let families = ok!(env, env.store.families(table.name()));
    assert!(
        families.iter().all(|f| f.ttl == Some(2)),
        "{}: {families:?}",
        env.backend
    );
    let flash = Flash {
        id: "f".into(),
        note: "soon gone".into(),
    };
    ok!(env, table.insert(&flash));
    assert_eq!(
        ok!(env, table.get(&"f".into())),
        Some(flash),
        "{}",
        env.backend
    );
    std::thread::sleep(std::time::Duration::from_secs(3));
    assert_eq!(ok!(env, table.get(&"f".into())), None, "{}", env.backend);
    assert_eq!(ok!(env, table.count()), 0, "{}", env.backend);
}

fn rows_that_do_not_decode_name_the_row_and_the_field(env: &Env) {
    let table = visits(env);
    let good = visit("alice", 1);
    ok!(env, table.insert(&good));
    // The version cell holds a string.
    let row = good.row_key();
    let bad = RowMutations::new(row.clone()).put(Cell::new("version", "", "\"x\""));
    ok!(env, env.store.mutate(table.name(), &[bad]));
    let err = table.get(&key("alice", 1)).unwrap_err();
    assert_eq!(err.row(), Some(row.as_slice()), "{}", env.backend);
    assert!(
        err.to_string().contains("version"),
        "{}: {err}",
        env.backend
    );
    // A row key that is not a (shopper, visit) key.
    let stray = RowMutations::new("stray").put(Cell::new("version", "", "1"));
    ok!(env, env.store.mutate(table.name(), &[stray]));
    let errors: Vec<_> = ok!(env, table.scan(..))
        .keyed()
        .filter_map(Result::err)
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| matches!(e.kind(), ErrorKind::InvalidRowKey { .. })
                && e.row() == Some(&b"stray"[..])),
        "{}: {errors:?}",
        env.backend
    );
}

fn value_table_counters_and_check_and_put(env: &Env) {
    let name = env.table(
        "value_atomic",
        &[FamilySpec::new("hits"), FamilySpec::new("version")],
    );
    let table = Table::new(env.store.as_ref(), name, Mapper::default());
    let hits = FieldPath::key("hits");
    assert_eq!(
        ok!(env, table.counter(b"r", &hits)),
        None,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.increment(b"r", &hits, 4)),
        4,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.increment(b"r", &hits, -1)),
        3,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.counter(b"r", &hits)),
        Some(3),
        "{}",
        env.backend
    );

    let version = FieldPath::key("version");
    assert!(ok!(
        env,
        table.check_and_put(b"o", &version, None, &json!(1))
    ));
    assert!(!ok!(
        env,
        table.check_and_put(b"o", &version, None, &json!(1))
    ));
    assert!(!ok!(
        env,
        table.check_and_put(b"o", &version, Some(&json!(2)), &json!(3))
    ));
    assert!(ok!(
        env,
        table.check_and_put(b"o", &version, Some(&json!(1)), &json!(2))
    ));
    assert_eq!(
        ok!(env, table.get(b"o")),
        Some(json!({"version": 2})),
        "{}",
        env.backend
    );
    let err = table
        .check_and_put(b"o", &version, None, &json!([1, 2]))
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidArgument { .. }),
        "{}: {err:?}",
        env.backend
    );
}
