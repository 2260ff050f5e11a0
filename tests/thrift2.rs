//! The Thrift2 store against the real gateways: the wrong kind of gateway
//! on a port is a clear error in both directions, and a replace is atomic
//! under concurrent writers.
//!
//! Needs HBase with both gateways (`scripts/hbase start`; see
//! `tests/support`).

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use capjure::store::{FamilySpec, Store, ThriftConfig};
use capjure::{ErrorKind, Mapper, Table, Thrift2Store, ThriftStore};
use serde_json::{Value, json};

fn quick(config: ThriftConfig) -> ThriftConfig {
    config
        .connect_timeout(Duration::from_secs(5))
        .call_timeout(Duration::from_secs(5))
}

#[test]
fn a_thrift1_store_on_the_thrift2_gateway_names_the_mismatch() {
    let Some(store) = support::thrift2_store() else {
        return;
    };
    drop(store);
    let target = support::Target::thrift2_from_env();
    let started = Instant::now();
    let err = ThriftStore::new(quick(target.config())).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.kind(), ErrorKind::ProtocolMismatch { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("not a Thrift1 server") && message.contains("Thrift2 gateway"),
        "{message}"
    );
}

#[test]
fn a_thrift2_store_on_the_thrift1_gateway_names_the_mismatch() {
    let Some(client) = support::hbase_client() else {
        return;
    };
    drop(client);
    let target = support::Target::from_env();
    let started = Instant::now();
    let err = Thrift2Store::new(quick(target.config())).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.kind(), ErrorKind::ProtocolMismatch { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("not a Thrift2 server") && message.contains("Thrift1 gateway"),
        "{message}"
    );
}

/// Writer `w`'s object: fields only it writes, so a row holding fields of
/// two writers is a mix.
fn object(writer: usize, round: usize) -> Value {
    let mut fields = serde_json::Map::new();
    for f in 0..=(writer % 3) {
        fields.insert(format!("w{writer}_{f}"), json!(round));
    }
    fields.insert("writer".into(), json!(writer));
    Value::Object(fields)
}

/// The writers whose fields a row holds (merges add `m_*` fields, which
/// belong to nobody's replace).
fn writers_in(row: &Value) -> Vec<usize> {
    let mut writers: Vec<usize> = row
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .filter_map(|k| k.strip_prefix('w')?.split_once('_')?.0.parse().ok())
        .collect();
    writers.sort_unstable();
    writers.dedup();
    writers
}

#[test]
fn replaces_are_atomic_under_concurrent_writers_and_merges() {
    let Some(store) = support::thrift2_store() else {
        return;
    };
    let name = support::unique_table_name("atomic_replace");
    let _cleanup = support::DropTable(name.clone());
    let mut families: Vec<FamilySpec> = (0..4)
        .flat_map(|w| (0..3).map(move |f| FamilySpec::new(format!("w{w}_{f}"))))
        .collect();
    families.extend(["writer", "m_0", "m_1"].map(FamilySpec::new));
    store.create_table(&name, &families).expect("create");
    assert!(store.atomic_row_mutations());
    let table = Table::new(&store, name.clone(), Mapper::default());
    let rows: Vec<Vec<u8>> = (0..3).map(|r| format!("row{r}").into_bytes()).collect();
    let stop = AtomicBool::new(false);
    let mixes = std::thread::scope(|scope| {
        for writer in 0..4 {
            let (table, rows, stop) = (&table, &rows, &stop);
            scope.spawn(move || {
                let mut round = 0;
                while !stop.load(Ordering::Relaxed) {
                    for row in rows {
                        table.insert(row, &object(writer, round)).expect("insert");
                    }
                    round += 1;
                }
            });
        }
        for merger in 0..2 {
            let (table, rows, stop) = (&table, &rows, &stop);
            scope.spawn(move || {
                let mut round = 0;
                while !stop.load(Ordering::Relaxed) {
                    for row in rows {
                        let patch = json!({ format!("m_{merger}"): round });
                        table.merge(row, &patch).expect("merge");
                    }
                    round += 1;
                }
            });
        }
        let reader = scope.spawn(|| {
            let mut mixes = Vec::new();
            let mut reads = 0;
            let deadline = Instant::now() + Duration::from_secs(8);
            while Instant::now() < deadline {
                for row in &rows {
                    if let Some(found) = table.get(row).expect("get") {
                        reads += 1;
                        if writers_in(&found).len() > 1 {
                            mixes.push(found);
                        }
                    }
                }
            }
            stop.store(true, Ordering::Relaxed);
            assert!(reads > 50, "only {reads} reads");
            mixes
        });
        reader.join().expect("reader")
    });
    assert!(mixes.is_empty(), "rows mixing two objects: {mixes:?}");
    // Each row ends as one whole object.
    for row in &rows {
        let found = table.get(row).expect("get").expect("row");
        assert_eq!(writers_in(&found).len(), 1, "{found}");
    }
}
