//! Typed test tables (`TestStore::table::<E>()`) with entity fixtures,
//! used as a service's tests would; on MemoryStore and, with
//! `CAPJURE_HBASE`, on HBase.

use capjure::store::Store;
use capjure::testing::TestStore;
use capjure::{Entity, ErrorKind};

#[derive(Entity, Debug, Clone, PartialEq)]
#[capjure(table = "visits", max_versions = 2)]
struct Visit {
    #[capjure(row_key)]
    shopper: String,
    #[capjure(row_key(descending))]
    visit: i64,
    pages: Vec<String>,
    #[capjure(counter)]
    views: i64,
}

fn stores() -> Vec<TestStore> {
    let mut stores = vec![TestStore::memory()];
    if std::env::var("CAPJURE_HBASE").is_ok_and(|v| !v.trim().is_empty()) {
        stores.push(TestStore::from_env().expect("CAPJURE_HBASE names a reachable gateway"));
    }
    stores
}

#[test]
fn entity_fixtures_take_their_row_keys_from_the_entities() {
    for store in stores() {
        let visits = store.table::<Visit>().unwrap();
        assert!(visits.name().starts_with("capjure_test_visits_"));
        assert_eq!(visits.load_fixture("visits").unwrap(), 3, "{store:?}");
        let newest_first: Vec<i64> = visits
            .scan_prefix(("ann",))
            .unwrap()
            .map(|v| v.unwrap().visit)
            .collect();
        assert_eq!(newest_first, [2, 1]);
        let bob = visits.get(&("bob".to_string(), 1)).unwrap().unwrap();
        assert_eq!(bob.views, 0);
        assert_eq!(
            visits
                .increment(&("ann".to_string(), 1), "views", 2)
                .unwrap(),
            5
        );
        let snapshot = visits.raw().dump().unwrap();
        // Two pages, one, and bob's empty list (`pages:` => `[]`).
        assert_eq!(
            snapshot.lines().filter(|l| l.contains("  pages:")).count(),
            4,
            "{snapshot}"
        );
    }
}

#[test]
fn an_entity_fixture_whose_key_is_not_the_entitys_is_an_error_at_its_line() {
    for store in stores() {
        let visits = store.table::<Visit>().unwrap();
        let err = visits.load_fixture("bad_visit_key").unwrap_err();
        match err.kind() {
            ErrorKind::Fixture { file, line, reason } => {
                assert!(file.ends_with("bad_visit_key.jsonl"), "{err}");
                assert_eq!(*line, 2, "{err}");
                assert!(
                    reason.contains("\"key\" is \"bob\" but the entity's row key is"),
                    "{err}"
                );
            }
            other => panic!("expected a fixture error, got {other:?}"),
        }
    }
}

#[test]
fn typed_tables_are_dropped_with_their_guard() {
    for store in stores() {
        let name = {
            let visits = store.table::<Visit>().unwrap();
            visits.name().to_string()
        };
        assert!(!store.list_tables().unwrap().contains(&name));
    }
}

#[derive(Entity, Debug, Clone, PartialEq)]
#[capjure(table = "readings")]
struct Reading {
    #[capjure(row_key)]
    sensor: String,
    value: f64,
}

#[test]
fn entities_round_trip_through_cells_and_every_store() {
    let visit = Visit {
        shopper: "ann\x00 :@".into(),
        visit: -7,
        pages: vec!["/".into(), "/a b".into(), "/".into()],
        views: 12,
    };
    capjure::testing::assert_entity_round_trip(&visit);
    for store in stores() {
        let visits = store.table::<Visit>().unwrap();
        capjure::testing::assert_entity_round_trip_in(&visits, &visit);
        assert_eq!(
            visits.count().unwrap(),
            0,
            "the row is deleted after a success"
        );
    }
}

#[test]
fn an_entity_that_does_not_round_trip_fails_the_assertion() {
    let nan = Reading {
        sensor: "s1".into(),
        value: f64::NAN,
    };
    let failure = std::panic::catch_unwind(|| capjure::testing::assert_entity_round_trip(&nan))
        .expect_err("NaN is not equal to itself, whatever the cells");
    let message = failure
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(message.starts_with("round trip failed"), "{message}");
}
