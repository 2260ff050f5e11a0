//! `#[capjure::test]` as a user writes it: typed tables of the test's own,
//! fixtures loaded before the body; on MemoryStore, or on HBase when
//! `CAPJURE_HBASE` is set.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use capjure::store::Store;
use capjure::testing::TestStore;
use capjure::{Entity, EntityTable};

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

#[derive(Entity, Debug, Clone, PartialEq)]
#[capjure(table = "pages")]
struct Page {
    #[capjure(row_key)]
    url: String,
    title: String,
}

#[capjure::test(fixtures("visits"))]
fn fixtures_are_loaded_before_the_body(visits: EntityTable<Visit, _>) {
    assert_eq!(visits.count().unwrap(), 3);
    let ann = visits.get(&("ann".to_string(), 2)).unwrap().unwrap();
    assert_eq!(ann.pages, ["/", "/cart"]);
}

#[capjure::test]
fn each_table_is_the_tests_own_and_starts_empty(
    visits: EntityTable<Visit, _>,
    pages: capjure::EntityTable<Page, _>,
    store: TestStore,
) -> capjure::Result<()> {
    assert_eq!(visits.count()?, 0);
    assert!(visits.name().starts_with("capjure_test_visits_"));
    assert!(pages.name().starts_with("capjure_test_pages_"));
    assert!(store.table_exists(pages.name())?);
    pages.insert(&Page {
        url: "/".into(),
        title: "home".into(),
    })?;
    assert_eq!(pages.count()?, 1);
    Ok(())
}

#[capjure::test(fixtures("visits"))]
#[should_panic(expected = "the body ran")]
fn other_test_attributes_are_kept(visits: EntityTable<Visit, _>) {
    assert_eq!(visits.count().unwrap(), 3);
    panic!("the body ran");
}

thread_local! {
    static TABLE: RefCell<Option<String>> = const { RefCell::new(None) };
}

#[capjure::test(fixtures("visits"))]
fn records_its_table(visits: EntityTable<Visit, _>) {
    TABLE.with(|t| *t.borrow_mut() = Some(visits.name().to_string()));
}

#[capjure::test(fixtures("visits"))]
#[should_panic(expected = "failing on purpose")]
fn records_its_table_and_fails(visits: EntityTable<Visit, _>) {
    TABLE.with(|t| *t.borrow_mut() = Some(visits.name().to_string()));
    panic!("failing on purpose");
}

fn recorded() -> String {
    TABLE
        .with(|t| t.borrow_mut().take())
        .expect("the test recorded its table")
}

#[test]
fn the_tables_are_dropped_when_the_test_returns_or_fails() {
    let store = TestStore::from_env().unwrap();
    records_its_table();
    let passed = recorded();
    assert!(catch_unwind(AssertUnwindSafe(records_its_table_and_fails)).is_err());
    let failed = recorded();
    let tables = store.list_tables().unwrap();
    assert!(!tables.contains(&passed), "{passed} left behind");
    assert!(!tables.contains(&failed), "{failed} left behind");
}

/// The generated code names everything by absolute path.
mod hygiene {
    #![no_implicit_prelude]

    #[::capjure::test(fixtures("visits"))]
    fn works_without_the_prelude(
        visits: ::capjure::EntityTable<super::Visit, _>,
        store: ::capjure::testing::TestStore,
    ) {
        ::std::assert_eq!(visits.count().unwrap(), 3);
        ::std::assert!(!store.is_hbase() || visits.name().starts_with("capjure_test_"));
    }
}
