//! Interoperability with happybase, the most used Thrift1 client: rows it
//! writes in capjure's layout (text codec, array marker) hydrate in capjure,
//! and rows capjure writes read back in happybase as the same cells.
//!
//! Needs a real HBase (see `tests/support`) and python3; happybase is
//! installed from PyPI into `target/happybase-venv` on first use.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use capjure::store::Store;
use capjure::{ARRAY_MARKER, Codec, KeyConfig, Mapper, Table, Thrift2Store, ThriftStore};
use serde_json::json;

/// The venv's python, made once per process: the tests in this file run on
/// parallel threads, and two `python3 -m venv` into one folder collide
/// ("File exists") on a fresh machine.
fn venv_python() -> PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(make_venv).clone()
}

fn make_venv() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let venv = root.join("target").join("happybase-venv");
    let python = venv.join("bin").join("python");
    let ready = Command::new(&python)
        .args(["-c", "import happybase"])
        .status()
        .is_ok_and(|s| s.success());
    if !ready {
        let made = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            made,
            "python3 -m venv {} failed (is python3 installed?)",
            venv.display()
        );
        let installed = Command::new(venv.join("bin").join("pip"))
            .args(["install", "--quiet", "happybase==1.3.0"])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            installed,
            "pip install happybase into {} failed",
            venv.display()
        );
    }
    python
}

fn peer(target: &support::Target, args: &[&str]) -> String {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/happybase_peer.py");
    let (host, port) = target.addr.rsplit_once(':').expect("HOST:PORT");
    let transport = if target.framed { "framed" } else { "buffered" };
    let protocol = if target.compact { "compact" } else { "binary" };
    let output = Command::new(venv_python())
        .arg(script)
        .arg(args[0])
        .args([host, port, transport, protocol])
        .args(&args[1..])
        .output()
        .expect("run happybase_peer.py");
    assert!(
        output.status.success(),
        "happybase_peer.py {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn happybase_and_capjure_read_each_others_rows() {
    let Some(client) = support::hbase_client() else {
        return;
    };
    drop(client);
    let target = support::Target::from_env();
    let config = target.config();
    let store = ThriftStore::new(config).expect("connect");
    let name = support::unique_table_name("happybase");
    let _cleanup = support::DropTable(name.clone());

    let mapper = Mapper::new(KeyConfig::new().field("cars", "license")).with_codec(Codec::Text);
    let painting = json!({
        "trees": ["cedar", "maple", "oak"],
        "houses": "4",
        "cars": [
            {"make": "honda", "model": "fit", "license": "ah12001"},
            {"make": "toyota", "model": "yaris", "license": "xb34544"}
        ],
        "road": {"name": "101N", "speed": "65"}
    });
    let table = Table::new(&store, name.clone(), mapper.clone());
    table.create(&[&painting], 1).expect("create table");

    // happybase writes the original capjure's cells by hand.
    let marker = std::str::from_utf8(ARRAY_MARKER).expect("the marker is ASCII");
    let cells: BTreeMap<&str, &str> = [
        ("road:name", "101N"),
        ("road:speed", "65"),
        ("houses:", "4"),
        ("trees:cedar", marker),
        ("trees:maple", marker),
        ("trees:oak", marker),
        ("cars_make:ah12001", "honda"),
        ("cars_model:ah12001", "fit"),
        ("cars_make:xb34544", "toyota"),
        ("cars_model:xb34544", "yaris"),
    ]
    .into_iter()
    .collect();
    let cells_json = serde_json::to_string(&cells).expect("json");
    peer(&target, &["write", &name, "from-happybase", &cells_json]);
    assert_eq!(
        table.get(b"from-happybase").expect("get"),
        Some(painting.clone())
    );

    // capjure writes; happybase reads the same cells.
    table.insert(b"from-capjure", &painting).expect("insert");
    let read: BTreeMap<String, String> =
        serde_json::from_str(&peer(&target, &["read", &name, "from-capjure"])).expect("peer json");
    let expected: BTreeMap<String, String> = cells
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(read, expected);
    assert!(store.table_exists(&name).expect("exists"));
}

/// Rows written through the Thrift2 gateway (an atomic replace) read back in
/// happybase, through the Thrift1 gateway of the same HBase, as the same
/// cells as capjure's Thrift1 writes.
#[test]
fn happybase_reads_rows_written_through_thrift2() {
    let Some(client) = support::hbase_client() else {
        return;
    };
    drop(client);
    let Some(store) = support::thrift2_store() else {
        return;
    };
    let store: Thrift2Store = store;
    let target = support::Target::from_env();
    let name = support::unique_table_name("happybase2");
    let _cleanup = support::DropTable(name.clone());
    let mapper = Mapper::default().with_codec(Codec::Text);
    let painting = json!({"trees": ["cedar", "oak"], "houses": "4", "road": {"name": "101N"}});
    let table = Table::new(&store, name.clone(), mapper);
    table.create(&[&painting], 1).expect("create table");
    table
        .insert(b"r", &json!({"houses": "3", "road": {"speed": "65"}}))
        .expect("insert");
    table.insert(b"r", &painting).expect("replace");
    let read: BTreeMap<String, String> =
        serde_json::from_str(&peer(&target, &["read", &name, "r"])).expect("peer json");
    let marker = std::str::from_utf8(ARRAY_MARKER).expect("the marker is ASCII");
    let expected: BTreeMap<String, String> = [
        ("houses:", "4"),
        ("road:name", "101N"),
        ("trees:cedar", marker),
        ("trees:oak", marker),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    assert_eq!(read, expected);
}
