//! Faults injected into a real gateway: a gateway of the test's own
//! (started through `scripts/hbase` on a free port) frozen with SIGSTOP, a
//! framed client against a buffered gateway, disabled tables, batches the
//! server rejects in one row, and a pool shared by many threads.
//!
//! Only gateways these tests start are ever signalled; the shared gateway
//! and the master are left alone.

mod support;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use capjure::store::{
    FamilySpec, Read as StoreRead, RowMutations, Scan, Store, ThriftConfig, TransportKind,
};
use capjure::{Cell, ErrorKind, KeyConfig, Mapper, Table, ThriftStore};
use serde_json::json;

fn target() -> Option<support::Target> {
    drop(support::hbase_client()?);
    Some(support::Target::from_env())
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The state directory `scripts/hbase` uses, as it computes it.
fn hbase_home() -> PathBuf {
    match std::env::var_os("CAPJURE_HBASE_HOME") {
        Some(home) if !home.is_empty() => PathBuf::from(home),
        _ => repo().join("target/hbase"),
    }
}

/// An extra gateway of this test's own, against the shared master; its
/// `Drop` thaws and stops it, also when the test panics.
struct SpareGateway {
    name: String,
    port: u16,
    pid: u32,
    address: String,
}

impl SpareGateway {
    /// Starts one in the mode of `target` (so that `target.config_at`
    /// speaks to it), on a free port. Panics when the harness cannot: a
    /// fault test that silently skipped would prove nothing.
    fn start(target: &support::Target) -> SpareGateway {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let name = format!("test-{}-{port}", std::process::id());
        let output = Command::new(repo().join("scripts/hbase"))
            .args(["start", "thrift"])
            .env("HBASE_GATEWAY_NAME", &name)
            .env("HBASE_THRIFT_PORT", port.to_string())
            .env(
                "HBASE_THRIFT_TRANSPORT",
                if target.framed { "framed" } else { "buffered" },
            )
            .env(
                "HBASE_THRIFT_PROTOCOL",
                if target.compact { "compact" } else { "binary" },
            )
            .output()
            .expect("run scripts/hbase");
        let mut gateway = SpareGateway {
            name,
            port,
            pid: 0,
            address: format!("127.0.0.1:{port}"),
        };
        assert!(
            output.status.success(),
            "scripts/hbase start thrift (gateway {}, port {port}) failed; these tests need the \
             master started by scripts/hbase (CAPJURE_HBASE_HOME={}):\n{}",
            gateway.name,
            hbase_home().display(),
            String::from_utf8_lossy(&output.stderr)
        );
        let pid_file = hbase_home().join(format!("run/thrift-{}.pid", gateway.name));
        gateway.pid = std::fs::read_to_string(&pid_file)
            .ok()
            .and_then(|pid| pid.trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid in {}", pid_file.display()));
        gateway
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {}", self.pid);
    }

    fn freeze(&self) {
        self.signal("-STOP");
    }

    fn thaw(&self) {
        self.signal("-CONT");
    }
}

impl Drop for SpareGateway {
    fn drop(&mut self) {
        // Never leave a stopped JVM behind, whatever the test did.
        let _ = Command::new("kill")
            .args(["-CONT", &self.pid.to_string()])
            .status();
        let _ = Command::new(repo().join("scripts/hbase"))
            .args(["stop", "thrift"])
            .env("HBASE_GATEWAY_NAME", &self.name)
            .env("HBASE_THRIFT_PORT", self.port.to_string())
            .output();
    }
}

fn assert_timeout(err: &capjure::Error, table: &str, operation: &str, limit: Duration) {
    match err.kind() {
        ErrorKind::Timeout {
            table: t,
            operation: o,
            limit: l,
            ..
        } => {
            assert_eq!(t, table, "{err}");
            assert_eq!(*o, operation, "{err}");
            assert_eq!(*l, limit, "{err}");
        }
        _ => panic!("expected a timeout of {operation} on {table:?}, got {err:?}"),
    }
    let message = err.to_string();
    assert!(
        message.contains(operation) && message.contains(&format!("{limit:?}")),
        "{message}"
    );
    if !table.is_empty() {
        assert!(message.contains(table), "{message}");
    }
}

#[test]
fn a_frozen_gateway_is_a_timeout_naming_table_call_and_limit() {
    let Some(target) = target() else { return };
    let gateway = SpareGateway::start(&target);
    let limit = Duration::from_secs(2);
    let config = target
        .config_at(&gateway.address)
        .call_timeout(limit)
        .connect_timeout(limit)
        .retries(2)
        .backoff(Duration::from_millis(10));
    let store = ThriftStore::new(config.clone()).expect("store");
    let name = support::unique_table_name("frozen");
    let _cleanup = support::DropTable(name.clone());
    store
        .create_table(&name, &[FamilySpec::new("f")])
        .expect("create");
    store
        .mutate(
            &name,
            &[RowMutations::new(b"r1".to_vec()).put(Cell::new("f", "q", "v"))],
        )
        .expect("put");

    // Connections are never reused, so each call connects (and fails its
    // handshake while the gateway is frozen).
    let handshake = Duration::from_millis(500);
    let connecting = ThriftStore::new(
        config
            .clone()
            .connect_timeout(handshake)
            .max_idle(Duration::ZERO),
    )
    .expect("store");

    gateway.freeze();
    // A call on the pooled connection: sent, never answered, not retried
    // (the gateway may still run it).
    let started = Instant::now();
    let err = store
        .get_row(&name, b"r1", &StoreRead::latest())
        .unwrap_err();
    let took = started.elapsed();
    eprintln!("frozen gateway, pooled connection: {took:?}: {err}");
    assert_timeout(&err, &name, "get_rows", limit);
    let slack = Duration::from_millis(1500);
    assert!(took < limit + slack, "took {took:?}: {err}");

    // A new connection: the handshake is never answered.
    let started = Instant::now();
    let err = ThriftStore::new(config.clone().retries(0)).unwrap_err();
    let took = started.elapsed();
    eprintln!("frozen gateway, new connection: {took:?}: {err}");
    assert!(
        !matches!(err.kind(), ErrorKind::ProtocolMismatch { .. }),
        "a frozen gateway is not a mismatch: {err:?}"
    );
    assert_timeout(&err, "", "connect", limit);
    assert!(took < limit + slack, "took {took:?}: {err}");

    // The same with a framed client, which probes the gateway when the
    // handshake goes unanswered: still a timeout.
    let framed = config.clone().transport(if target.framed {
        TransportKind::Buffered
    } else {
        TransportKind::Framed
    });
    let started = Instant::now();
    let err = ThriftStore::new(framed.retries(0)).unwrap_err();
    let took = started.elapsed();
    eprintln!("frozen gateway, other transport: {took:?}: {err}");
    // The handshake, then a probe: each within the connect timeout.
    assert!(took < limit * 2 + slack, "took {took:?}: {err}");
    assert!(
        !matches!(err.kind(), ErrorKind::ProtocolMismatch { .. }),
        "a frozen gateway is not a mismatch: {err:?}"
    );

    // Nothing was sent: retried as configured (2), then a timeout naming
    // the call and the connect timeout.
    let started = Instant::now();
    let err = connecting
        .get_row(&name, b"r1", &StoreRead::latest())
        .unwrap_err();
    let took = started.elapsed();
    eprintln!("frozen gateway, connecting with 2 retries: {took:?}: {err}");
    assert_timeout(&err, &name, "get_rows", handshake);
    assert!(
        took >= handshake * 3 && took < handshake * 3 + slack,
        "took {took:?}: {err}"
    );

    gateway.thaw();
    let row = store
        .get_row(&name, b"r1", &StoreRead::latest())
        .expect("the same store works once the gateway runs again");
    assert!(row.is_some());
}

#[test]
fn a_framed_client_against_a_buffered_gateway_is_a_mismatch_within_the_connect_timeout() {
    let Some(target) = target() else { return };
    // The shared gateway is only connected to, never signalled. With the
    // default 30 s call timeout, only the connect timeout may be waited.
    let client = support::Target {
        addr: target.addr.clone(),
        framed: !target.framed,
        compact: target.compact,
    };
    let started = Instant::now();
    let err = ThriftStore::new(
        client
            .config()
            .connect_timeout(Duration::from_secs(2))
            .retries(0),
    )
    .unwrap_err();
    let took = started.elapsed();
    eprintln!("transport mismatch: {took:?}: {err}");
    assert!(
        matches!(err.kind(), ErrorKind::ProtocolMismatch { .. }),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}: {err}");
    assert!(err.to_string().contains("framed"), "{err}");
}

fn disabled_table(store: &ThriftStore) -> String {
    let name = support::unique_table_name("disabled");
    store
        .create_table(&name, &[FamilySpec::new("f"), FamilySpec::new("g")])
        .expect("create");
    let rows: Vec<RowMutations> = (0..3)
        .map(|i| {
            RowMutations::new(format!("r{i}").into_bytes())
                .put(Cell::new("f", "q", "v"))
                .put(Cell::new("g", "n", 1i64.to_be_bytes().to_vec()))
        })
        .collect();
    store.mutate(&name, &rows).expect("fill");
    let mut client = support::hbase_client().expect("client");
    use hbase_thrift::hbase::THbaseSyncClient;
    client
        .disable_table(name.clone().into_bytes())
        .expect("disable");
    name
}

type Call<'a> = Box<dyn Fn() -> capjure::Result<()> + 'a>;

#[test]
fn every_call_on_a_disabled_table_fails_fast_naming_it() {
    let Some(target) = target() else { return };
    // The default call timeout: "fast" must not mean "when it runs out".
    let store = ThriftStore::new(target.config()).expect("store");
    let name = disabled_table(&store);
    let _cleanup = support::DropTable(name.clone());
    let table = Table::new(&store, name.clone(), Mapper::new(KeyConfig::new()));
    let keys: Vec<Vec<u8>> = (0..3).map(|i| format!("r{i}").into_bytes()).collect();
    let put = Cell::new("f", "q", "w");
    let calls: Vec<(&str, Call<'_>)> = vec![
        (
            "get",
            Box::new(|| store.get_row(&name, b"r0", &StoreRead::latest()).map(drop)),
        ),
        (
            "get_many",
            Box::new(|| store.get_rows(&name, &keys, &StoreRead::latest()).map(drop)),
        ),
        (
            "scan",
            Box::new(|| {
                store
                    .scan(&name, &Scan::all())
                    .and_then(|scan| scan.collect::<capjure::Result<Vec<_>>>())
                    .map(drop)
            }),
        ),
        (
            "mutate",
            Box::new(|| store.mutate(&name, &[RowMutations::new(b"r1".to_vec()).put(put.clone())])),
        ),
        (
            "merge_many",
            Box::new(|| {
                table.merge_many(
                    &[(&b"r1"[..], &json!({"f": 2})), (b"r2", &json!({"f": 3}))],
                    None,
                )
            }),
        ),
        (
            "delete_rows",
            Box::new(|| store.delete_rows(&name, &keys, None)),
        ),
        (
            "increment",
            Box::new(|| store.increment(&name, b"r0", b"g", b"n", 1).map(drop)),
        ),
        (
            "check_and_put",
            Box::new(|| {
                store
                    .check_and_put(&name, b"r0", b"f", b"q", Some(b"v"), &put)
                    .map(drop)
            }),
        ),
    ];
    let mut failures = Vec::new();
    for (call, run) in &calls {
        let started = Instant::now();
        let result = run();
        let took = started.elapsed();
        eprintln!("{call}: {took:?}: {result:?}");
        match result {
            Err(err)
                if matches!(err.kind(), ErrorKind::TableDisabled { table } if *table == name)
                    && err.to_string().contains(&name)
                    && took < Duration::from_secs(5) => {}
            other => failures.push(format!("{call} after {took:?}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_batch_rejected_in_one_row_names_no_innocent_row() {
    let Some(target) = target() else { return };
    let store = ThriftStore::new(target.config()).expect("store");
    let name = support::unique_table_name("blame");
    let _cleanup = support::DropTable(name.clone());
    store
        .create_table(&name, &[FamilySpec::new("f")])
        .expect("create");
    // Only the third row writes to a family the table does not have.
    let batch: Vec<RowMutations> = (0..5)
        .map(|i| {
            let family = if i == 2 { "nope" } else { "f" };
            RowMutations::new(format!("row{i}").into_bytes()).put(Cell::new(family, "q", "v"))
        })
        .collect();
    let err = store.mutate(&name, &batch).unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err.kind(), ErrorKind::FamilyNotFound { family, .. } if family == "nope"),
        "{err:?}"
    );
    assert_eq!(err.row(), Some(&b"row2"[..]), "{message}");
    assert!(!message.contains("row0"), "{message}");

    // An error that names no row blames none: the batch and its rows.
    let batch: Vec<RowMutations> = (0..5)
        .map(|i| RowMutations::new(format!("row{i}").into_bytes()).put(Cell::new("f", "q", "v")))
        .collect();
    let missing = support::unique_table_name("blame_missing");
    let err = store.mutate(&missing, &batch).unwrap_err();
    assert_eq!(err.row(), None, "{err}");
}

/// Connections accepted so far by the gateway at `port`, by the kernel's
/// count of sockets to it in any state (TIME-WAIT included).
fn sockets_to(port: u16) -> usize {
    let output = Command::new("ss")
        .args(["-tanH", &format!("dport = :{port}")])
        .output()
        .expect("ss (iproute2) is needed to count sockets");
    String::from_utf8_lossy(&output.stdout).lines().count()
}

#[test]
fn threads_sharing_a_pool_of_one_wait_for_it_instead_of_opening_sockets() {
    let Some(target) = target() else { return };
    // A gateway of its own, so that other tests' sockets are not counted.
    let gateway = SpareGateway::start(&target);
    let store =
        Arc::new(ThriftStore::new(target.config_at(&gateway.address).pool_size(1)).expect("store"));
    let name = support::unique_table_name("pool_churn");
    let _cleanup = support::DropTable(name.clone());
    store
        .create_table(&name, &[FamilySpec::new("f")])
        .expect("create");
    let before = sockets_to(gateway.port);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (store, name) = (store.clone(), name.clone());
            std::thread::spawn(move || {
                for i in 0..300 {
                    store
                        .mutate(
                            &name,
                            &[RowMutations::new(format!("t{t}-{i}").into_bytes())
                                .put(Cell::new("f", "q", "v").at(1))],
                        )
                        .expect("write");
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().expect("writer");
    }
    let opened = sockets_to(gateway.port).saturating_sub(before);
    eprintln!("sockets opened by 8 threads x 300 writes over a pool of 1: {opened}");
    assert!(opened <= 1, "{opened} new sockets for a pool of one");
    // The pool's connection is closed with the store.
    drop(store);
    let established = || {
        let output = Command::new("ss")
            .args([
                "-tnH",
                "state",
                "established",
                &format!("dport = :{}", gateway.port),
            ])
            .output()
            .expect("ss");
        String::from_utf8_lossy(&output.stdout).lines().count()
    };
    let deadline = Instant::now() + Duration::from_secs(5);
    while established() > 0 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        established(),
        0,
        "connections left open after the store was dropped"
    );
}

#[test]
fn a_pool_wait_that_runs_out_is_a_typed_error_naming_the_wait() {
    let Some(target) = target() else { return };
    let gateway = SpareGateway::start(&target);
    let wait = Duration::from_millis(300);
    let config: ThriftConfig = target
        .config_at(&gateway.address)
        .pool_size(1)
        .pool_wait(wait)
        .call_timeout(Duration::from_secs(3));
    let store = Arc::new(ThriftStore::new(config).expect("store"));
    let name = support::unique_table_name("pool_wait");
    let _cleanup = support::DropTable(name.clone());
    store
        .create_table(&name, &[FamilySpec::new("f")])
        .expect("create");
    gateway.freeze();
    // The only connection is held by a call the frozen gateway never
    // answers; a second caller waits for it, then gives up.
    let holder = {
        let (store, name) = (store.clone(), name.clone());
        std::thread::spawn(move || store.get_row(&name, b"r", &StoreRead::latest()))
    };
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let err = store
        .get_row(&name, b"r", &StoreRead::latest())
        .unwrap_err();
    let took = started.elapsed();
    gateway.thaw();
    let _ = holder.join();
    assert!(
        matches!(err.kind(), ErrorKind::PoolExhausted { waited, table, .. } if *waited == wait && *table == name),
        "{err:?}"
    );
    assert!(took < Duration::from_secs(2), "took {took:?}");
    assert!(err.to_string().contains(&format!("{wait:?}")), "{err}");
}
