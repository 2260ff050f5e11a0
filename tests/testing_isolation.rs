//! Test tables are isolated and cleaned up: parallel tests with the same
//! fixture names do not meet, a panicking test leaves no table, and a
//! killed test process's tables are removed by the next run. Written with
//! the public API only, on MemoryStore and (with `CAPJURE_HBASE`) HBase.
//!
//! The process tests run this very test binary as a child, filtered to
//! [`child_process_entry`] with `CAPJURE_TESTING_CHILD` saying what the
//! child should do.

use std::io::{BufRead, BufReader, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

use capjure::store::{FamilySpec, Store};
use capjure::testing::{TABLE_PREFIX, TestStore, dump};
use capjure::{KeyConfig, Mapper};
use serde_json::json;

const CHILD_VAR: &str = "CAPJURE_TESTING_CHILD";

fn stores() -> Vec<TestStore> {
    let mut stores = vec![TestStore::memory()];
    if std::env::var("CAPJURE_HBASE").is_ok_and(|v| !v.trim().is_empty()) {
        stores.push(TestStore::from_env().expect("CAPJURE_HBASE names a reachable gateway"));
    }
    stores
}

fn hbase() -> Option<TestStore> {
    let store = stores().into_iter().find(TestStore::is_hbase);
    if store.is_none() {
        // A child process's in-memory tables die with it: nothing to see.
        let _ = writeln!(
            std::io::stderr().lock(),
            "\nSKIPPED: {} needs CAPJURE_HBASE (tables outliving a process exist only in HBase)",
            std::thread::current().name().unwrap_or("this test")
        );
    }
    store
}

fn sessions(store: &TestStore) -> capjure::testing::TestTable {
    let families: Vec<FamilySpec> = ["user", "device", "tags", "pages", "pages_title"]
        .into_iter()
        .map(FamilySpec::new)
        .collect();
    store
        .objects(
            "sessions",
            Mapper::new(KeyConfig::new().field("pages", "url")),
            &families,
        )
        .unwrap()
}

#[test]
fn sixteen_parallel_tests_with_the_same_fixture_names_do_not_interfere() {
    for store in stores() {
        let start = Arc::new(Barrier::new(16));
        let workers: Vec<_> = (0..16)
            .map(|i| {
                let (store, start) = (store.clone(), start.clone());
                std::thread::spawn(move || {
                    start.wait();
                    let mine = format!("worker{i}");
                    let written = catch_unwind(AssertUnwindSafe(|| {
                        let table = sessions(&store);
                        table.load_fixture("sessions").unwrap();
                        table
                            .insert(mine.as_bytes(), &json!({"user": mine}))
                            .unwrap();
                        table.delete(&[b"s1"]).unwrap();
                        table
                    }));
                    // Everyone has written before anyone reads (and a
                    // worker that failed still arrives, so none waits forever).
                    start.wait();
                    let table = written.unwrap_or_else(|e| std::panic::resume_unwind(e));
                    assert_eq!(table.count().unwrap(), 3, "{store:?} worker {i}");
                    assert_eq!(
                        table.get(mine.as_bytes()).unwrap(),
                        Some(json!({"user": mine}))
                    );
                    assert_eq!(table.get(b"s1").unwrap(), None);
                    let snapshot = dump(table.store(), table.name()).unwrap();
                    assert_eq!(
                        snapshot.lines().filter(|l| l.starts_with("worker")).count(),
                        1,
                        "{snapshot}"
                    );
                    table.name().to_string()
                })
            })
            .collect();
        let names: Vec<String> = workers.into_iter().map(|w| w.join().unwrap()).collect();
        let tables = store.list_tables().unwrap();
        for name in &names {
            assert!(!tables.contains(name), "{name} left behind on {store:?}");
        }
    }
}

#[test]
fn tables_are_dropped_when_the_test_ends_and_when_it_panics() {
    for store in stores() {
        let mut names = Vec::new();
        {
            let table = sessions(&store);
            names.push(table.name().to_string());
        }
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            let table = sessions(&store);
            let raw = store.raw_table("raw", &[FamilySpec::new("f")]).unwrap();
            names.push(table.name().to_string());
            names.push(raw.name().to_string());
            assert!(store.table_exists(raw.name()).unwrap());
            panic!("a failing test");
        }));
        assert!(panicked.is_err());
        let tables = store.list_tables().unwrap();
        for name in &names {
            assert!(!tables.contains(name), "{name} left behind on {store:?}");
        }
    }
}

/// Runs this test binary filtered to [`child_process_entry`], with
/// `CAPJURE_TESTING_CHILD=mode`.
fn child(mode: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            "child_process_entry",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_VAR, mode)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

/// The `TABLE <name>` lines a child printed.
fn tables_of(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("TABLE "))
        .map(str::to_string)
        .collect()
}

#[test]
fn a_failing_test_in_a_child_process_leaves_no_tables() {
    let Some(store) = hbase() else { return };
    let output = child("panic").output().unwrap();
    assert!(!output.status.success(), "the child test was meant to fail");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let created = tables_of(&stdout);
    assert_eq!(created.len(), 2, "{stdout}");
    let tables = store.list_tables().unwrap();
    for name in &created {
        assert!(
            !tables.contains(name),
            "{name} left behind by the failed child"
        );
    }
}

#[test]
fn a_killed_child_process_tables_are_removed_by_the_next_run() {
    let Some(store) = hbase() else { return };
    let mut killed = child("hang").spawn().unwrap();
    let mut created = Vec::new();
    let mut lines = BufReader::new(killed.stdout.take().unwrap()).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if line == "READY" {
            break;
        }
        created.extend(tables_of(&line));
    }
    killed.kill().unwrap();
    killed.wait().unwrap();
    assert_eq!(created.len(), 2);
    let tables = store.list_tables().unwrap();
    for name in &created {
        assert!(
            tables.contains(name),
            "{name}: the killed child's table should be left"
        );
        assert!(name.starts_with(TABLE_PREFIX));
    }

    // The next run: a new process whose first TestStore sweeps.
    let next = child("fresh").output().unwrap();
    assert!(next.status.success());
    let tables = store.list_tables().unwrap();
    for name in &created {
        assert!(
            !tables.contains(name),
            "{name} was not removed by the next run"
        );
    }
}

/// Not a test of its own: what the child process of the tests above runs.
/// Without `CAPJURE_TESTING_CHILD` it does nothing.
#[test]
fn child_process_entry() {
    let Ok(mode) = std::env::var(CHILD_VAR) else {
        return;
    };
    let store = TestStore::from_env().unwrap();
    if mode == "fresh" {
        return;
    }
    let table = sessions(&store);
    let raw = store.raw_table("raw", &[FamilySpec::new("f")]).unwrap();
    let mut out = std::io::stdout();
    // libtest has printed `test child_process_entry ... ` without a newline.
    writeln!(out).unwrap();
    writeln!(out, "TABLE {}", table.name()).unwrap();
    writeln!(out, "TABLE {}", raw.name()).unwrap();
    if mode == "hang" {
        writeln!(out, "READY").unwrap();
        out.flush().unwrap();
        std::thread::sleep(std::time::Duration::from_secs(600));
    }
    out.flush().unwrap();
    panic!("the deliberately failing test");
}
