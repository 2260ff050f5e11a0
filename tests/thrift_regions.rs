//! Scans across regions. `ThriftStore` ends a scan on the first batch
//! shorter than asked, trusting that the gateway fills each batch across
//! region boundaries (`ResultScanner.next(n)`); these tests scan a table
//! pre-split into four regions with batches that end before, on and
//! across the boundaries, and check that every row comes back once.
//!
//! The Thrift1 gateway cannot pre-split a table, so the table is created
//! through HBase's Java admin API (`tests/support/PreSplit.java`), with the
//! classpath `scripts/hbase` fetched (`CAPJURE_HBASE_HOME`, default
//! `target/hbase`) and its ZooKeeper (`HBASE_ZK_PORT`, default 2181). Only
//! for a gateway on this machine. Otherwise, or without `java` or that
//! classpath, the test fails, unless `CAPJURE_SKIP_PRESPLIT=1` (or
//! `CAPJURE_SKIP_HBASE=1`) asks for a SKIPPED line on stderr instead.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use capjure::Cell;
use capjure::ThriftStore;
use capjure::store::{RowMutations, Scan, Store};
use hbase_thrift::hbase::THbaseSyncClient;

const ROWS: usize = 400;
const SPLITS: [&str; 3] = ["r0100", "r0200", "r0300"];

/// Fails the test, or prints a SKIPPED line when the caller opted out:
/// scripts/test provides both java and the classpath, so a missing one is
/// a broken setup, not something to pass over.
fn skip(why: &str) {
    use std::io::Write;
    let opted_out = ["CAPJURE_SKIP_PRESPLIT", "CAPJURE_SKIP_HBASE"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| v == "1"));
    assert!(
        opted_out,
        "cannot pre-split a table for the cross-region scan tests: {why} \
         (set CAPJURE_SKIP_PRESPLIT=1 to skip them)"
    );
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nSKIPPED (opted out): scans across regions: {why}"
    );
}

/// The classpath `scripts/hbase` fetched, if any.
fn hbase_lib() -> Option<PathBuf> {
    let home = std::env::var_os("CAPJURE_HBASE_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/hbase"));
    let lib = home.join("lib");
    lib.join(".stamp").exists().then_some(lib)
}

/// Creates `table` with family `f`, split at [`SPLITS`]; `None` (with a
/// SKIPPED line) when that cannot be done here.
fn create_presplit(table: &str, target: &support::Target) -> Option<()> {
    let host = target.addr.rsplit_once(':').map_or("", |(host, _)| host);
    if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
        skip(&format!(
            "the gateway at {} is not on this machine",
            target.addr
        ));
        return None;
    }
    let Some(lib) = hbase_lib() else {
        skip("no HBase classpath (run scripts/hbase start once, or set CAPJURE_HBASE_HOME)");
        return None;
    };
    let zk_port = std::env::var("HBASE_ZK_PORT").unwrap_or_else(|_| "2181".to_string());
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/PreSplit.java");
    let output = match Command::new("java")
        .arg("-cp")
        .arg(format!("{}/*", lib.display()))
        .arg(program)
        .args([zk_port.as_str(), table, "f"])
        .args(SPLITS)
        .output()
    {
        Ok(output) => output,
        Err(err) => {
            skip(&format!("cannot run java ({err})"));
            return None;
        }
    };
    assert!(
        output.status.success(),
        "PreSplit.java failed for {table} (ZooKeeper port {zk_port}, HBASE_ZK_PORT):\n{}",
        String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|line| !line.contains(" INFO ") && !line.contains(" WARN "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    Some(())
}

fn store(target: &support::Target, pool_size: usize) -> ThriftStore {
    let config = target.config().pool_size(pool_size);
    ThriftStore::new(config).unwrap_or_else(|err| panic!("connect to {}: {err}", target.addr))
}

fn key(i: usize) -> Vec<u8> {
    format!("r{i:04}").into_bytes()
}

#[test]
fn scans_return_every_row_across_regions() {
    let Some(mut client) = support::hbase_client() else {
        return;
    };
    let target = support::Target::from_env();
    let table = support::unique_table_name("regions");
    let _drop = support::DropTable(table.clone());
    if create_presplit(&table, &target).is_none() {
        return;
    }
    let regions = client
        .get_table_regions(table.clone().into_bytes())
        .expect("getTableRegions");
    assert_eq!(regions.len(), SPLITS.len() + 1, "{regions:?}");

    let writer = store(&target, 4);
    let rows: Vec<RowMutations> = (0..ROWS)
        .map(|i| RowMutations::new(key(i)).put(Cell::new("f", "q", format!("v{i}"))))
        .collect();
    writer.mutate(&table, &rows).expect("mutate");

    let all: Vec<Vec<u8>> = (0..ROWS).map(key).collect();
    // Batches ending on region boundaries (100, 200, 400 rows), before
    // them, across them, one row at a time and all at once; with and
    // without the batch fetched ahead on a second connection.
    for pool_size in [1, 4] {
        let store = store(&target, pool_size);
        for batch in [1, 7, 99, 100, 101, 150, 200, 399, 400, 401, 1000] {
            let keys: Vec<Vec<u8>> = store
                .scan(&table, &Scan::all().batch(batch))
                .expect("scan")
                .map(|row| row.map(|row| row.key))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|err| panic!("batch {batch}: {err}"));
            assert!(
                keys == all,
                "pool {pool_size}, batch {batch}: {} rows, expected {ROWS}",
                keys.len()
            );
            // From the middle of the first region to the middle of the
            // last.
            let keys: Vec<Vec<u8>> = store
                .scan(&table, &Scan::range(key(50), key(350)).batch(batch))
                .expect("scan")
                .map(|row| row.map(|row| row.key))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|err| panic!("batch {batch}: {err}"));
            assert!(
                keys == all[50..350],
                "pool {pool_size}, batch {batch}, range: {} rows, expected 300",
                keys.len()
            );
        }
    }
}
