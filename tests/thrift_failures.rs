//! Bad input and failures that only a real gateway shows: wrong port,
//! transport and protocol mismatches, and a server that goes away in the
//! middle of a batch.

mod support;

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use capjure::store::{FamilySpec, Read as StoreRead, Store, ThriftConfig, WireProtocol};
use capjure::{ErrorKind, KeyConfig, Mapper, Table, ThriftStore};
use serde_json::json;

fn target() -> Option<support::Target> {
    drop(support::hbase_client()?);
    Some(support::Target::from_env())
}

#[test]
fn wrong_port_is_a_quick_transport_error() {
    // A port nothing listens on: bind one, learn its number, close it.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(1);
    let address = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let err = ThriftStore::new(ThriftConfig::new(address.clone()).retries(0)).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains(&address) && message.contains("connection refused"),
        "{message}"
    );
}

#[test]
fn transport_mismatch_is_a_clear_error_not_a_hang() {
    let Some(target) = target() else { return };
    // The gateway's address with the other transport and protocol.
    let flip = |t: &support::Target| {
        support::Target {
            addr: t.addr.clone(),
            framed: !t.framed,
            compact: !t.compact,
        }
        .config()
        .call_timeout(Duration::from_secs(2))
        .retries(0)
    };
    let started = Instant::now();
    let err = ThriftStore::new(flip(&target)).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.kind(), ErrorKind::ProtocolMismatch { .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("framed") && message.contains(&target.addr),
        "{message}"
    );
}

#[test]
fn protocol_mismatch_is_a_clear_error_not_a_hang() {
    let Some(target) = target() else { return };
    let other = if target.compact {
        WireProtocol::Binary
    } else {
        WireProtocol::Compact
    };
    let started = Instant::now();
    let err = ThriftStore::new(
        target
            .config()
            .protocol(other)
            .call_timeout(Duration::from_secs(2))
            .retries(0),
    )
    .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        matches!(err.kind(), ErrorKind::ProtocolMismatch { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("compact"), "{err}");
}

/// A TCP proxy in front of the gateway that can be killed: after `kill`
/// every connection is cut and new ones are refused.
struct Proxy {
    address: String,
    dead: Arc<AtomicBool>,
    streams: Arc<Mutex<Vec<TcpStream>>>,
}

impl Proxy {
    /// Forwards to `upstream`; kills itself when the client has sent
    /// `needle` for the `nth` time (before forwarding that message).
    fn start(upstream: String, needle: &'static [u8], nth: usize) -> Proxy {
        Proxy::start_with(upstream, needle, nth, false)
    }

    /// Like [`Proxy::start`], but with `cut_only` the trigger only cuts the
    /// open connections and new ones are still forwarded (a gateway
    /// restart, or a network blip).
    fn start_with(upstream: String, needle: &'static [u8], nth: usize, cut_only: bool) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let address = listener.local_addr().expect("proxy address").to_string();
        let dead = Arc::new(AtomicBool::new(false));
        let streams: Arc<Mutex<Vec<TcpStream>>> = Arc::default();
        let seen = Arc::new(AtomicUsize::new(0));
        let (dead2, streams2) = (dead.clone(), streams.clone());
        thread::spawn(move || {
            for client in listener.incoming() {
                if dead2.load(Ordering::SeqCst) {
                    break; // drops the listener: later connects are refused
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let (c2, s2) = (
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                );
                streams2.lock().unwrap().extend([
                    client.try_clone().expect("clone"),
                    server.try_clone().expect("clone"),
                ]);
                let (dead3, streams3, seen3) = (dead2.clone(), streams2.clone(), seen.clone());
                thread::spawn(move || {
                    pump(
                        client,
                        server,
                        Some((needle, nth, seen3, dead3, streams3, cut_only)),
                    )
                });
                thread::spawn(move || pump(s2, c2, None));
            }
        });
        Proxy {
            address,
            dead,
            streams,
        }
    }
}

type Trigger = (
    &'static [u8],
    usize,
    Arc<AtomicUsize>,
    Arc<AtomicBool>,
    Arc<Mutex<Vec<TcpStream>>>,
    bool,
);

fn kill(dead: &AtomicBool, streams: &Mutex<Vec<TcpStream>>, address: Option<&str>) {
    dead.store(true, Ordering::SeqCst);
    for stream in streams.lock().unwrap().iter() {
        let _ = stream.shutdown(Shutdown::Both);
    }
    if let Some(address) = address {
        let _ = TcpStream::connect(address); // wakes the accept loop
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, trigger: Option<Trigger>) {
    let mut buffer = [0u8; 65536];
    loop {
        let n = match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some((needle, nth, seen, dead, streams, cut_only)) = &trigger {
            if buffer[..n].windows(needle.len()).any(|w| w == *needle)
                && seen.fetch_add(1, Ordering::SeqCst) + 1 == *nth
            {
                if *cut_only {
                    for stream in streams.lock().unwrap().drain(..) {
                        let _ = stream.shutdown(Shutdown::Both);
                    }
                } else {
                    let address = from.local_addr().ok().map(|a| a.to_string());
                    kill(dead, streams, address.as_deref());
                }
                break;
            }
        }
        if to.write_all(&buffer[..n]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

#[test]
fn server_gone_mid_batch_reports_only_rows_really_written() {
    let Some(target) = target() else { return };
    let direct = ThriftStore::new(target.config()).expect("direct store");
    let name = support::unique_table_name("server_gone");
    let _cleanup = support::DropTable(name.clone());
    direct
        .create_table(&name, &[FamilySpec::new("houses")])
        .expect("create");

    // The third mutateRows never reaches HBase: the proxy dies instead.
    let proxy = Proxy::start(target.addr.clone(), b"mutateRows", 3);
    let via_proxy = ThriftStore::new(
        target
            .config_at(&proxy.address)
            .retries(1)
            .backoff(Duration::from_millis(10)),
    )
    .expect("store via proxy");
    let table =
        Table::new(via_proxy, name.clone(), Mapper::new(KeyConfig::new())).with_batch_size(2);
    let objects: Vec<(Vec<u8>, serde_json::Value)> = (0..10)
        .map(|i| (format!("r{i}").into_bytes(), json!({"houses": i})))
        .collect();
    let refs: Vec<(&[u8], &serde_json::Value)> =
        objects.iter().map(|(k, v)| (k.as_slice(), v)).collect();
    let err = table.insert_many(&refs, None).unwrap_err();
    assert!(proxy.dead.load(Ordering::SeqCst));
    let ErrorKind::BatchFailed {
        written,
        unconfirmed,
        source,
        ..
    } = err.kind()
    else {
        panic!("expected BatchFailed, got {err:?}");
    };
    assert_eq!(written.len(), 4, "{err}");
    assert_eq!(unconfirmed.len(), 6, "{err}");
    assert!(
        matches!(source.kind(), ErrorKind::Transport { .. }),
        "{source:?}"
    );
    assert!(err.to_string().contains(&name), "{err}");
    // Every row reported written is there; the unsent ones are not.
    for row in written {
        assert!(
            direct
                .get_row(&name, row, &StoreRead::latest())
                .expect("read")
                .is_some()
        );
    }
    for row in &unconfirmed[2..] {
        assert!(
            direct
                .get_row(&name, row, &StoreRead::latest())
                .expect("read")
                .is_none()
        );
    }
    // Later calls fail quickly and clearly too.
    let err = table.get(b"r0").unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    drop(proxy.streams);
}

#[test]
fn a_scan_resumes_after_the_last_row_when_its_connection_is_cut() {
    let Some(target) = target() else { return };
    let direct = ThriftStore::new(target.config()).expect("direct store");
    let name = support::unique_table_name("scan_resume");
    let _cleanup = support::DropTable(name.clone());
    direct
        .create_table(&name, &[FamilySpec::new("f")])
        .expect("create");
    let keys: Vec<Vec<u8>> = (0..10).map(|i| format!("k{i:02}").into_bytes()).collect();
    let batch: Vec<capjure::store::RowMutations> = keys
        .iter()
        .map(|k| {
            capjure::store::RowMutations::new(k.clone()).put(capjure::Cell::new("f", "q", "v"))
        })
        .collect();
    direct.mutate(&name, &batch).expect("fill");

    // The second fetch's connection is cut: the server-side cursor may have
    // moved, so the scanner must reopen after the last row it returned.
    let proxy = Proxy::start_with(target.addr.clone(), b"scannerGetList", 2, true);
    let store = ThriftStore::new(target.config_at(&proxy.address)).expect("store via proxy");
    let scanned: Vec<Vec<u8>> = store
        .scan(&name, &capjure::store::Scan::all().batch(3))
        .expect("open scan")
        .map(|row| row.map(|r| r.key))
        .collect::<Result<_, _>>()
        .expect("scan survives the cut");
    assert_eq!(scanned, keys);
}

#[test]
fn a_delete_at_the_server_clock_is_not_retried_one_at_a_timestamp_is() {
    let Some(target) = target() else { return };
    let direct = ThriftStore::new(target.config()).expect("direct store");
    let name = support::unique_table_name("delete_retry");
    let _cleanup = support::DropTable(name.clone());
    direct
        .create_table(&name, &[FamilySpec::new("f")])
        .expect("create");
    let rows = vec![b"r1".to_vec()];
    let config = |proxy: &Proxy| {
        target
            .config_at(&proxy.address)
            .retries(3)
            .backoff(Duration::from_millis(10))
    };

    // The first mutateRows is cut before it reaches HBase; the client
    // cannot tell that from a lost reply. A repeated delete at "now" could
    // delete a put another writer made in between: it must not be sent
    // again.
    let proxy = Proxy::start_with(target.addr.clone(), b"mutateRows", 1, true);
    let store = ThriftStore::new(config(&proxy)).expect("store via proxy");
    let err = store.delete_rows(&name, &rows, None).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Transport { .. }), "{err:?}");
    assert!(err.to_string().contains("may or may not"), "{err}");

    // At an explicit timestamp the same delete is idempotent: retried.
    let proxy = Proxy::start_with(target.addr.clone(), b"mutateRows", 1, true);
    let store = ThriftStore::new(config(&proxy)).expect("store via proxy");
    store
        .delete_rows(&name, &rows, Some(1_700_000_000_000))
        .expect("a delete at a timestamp is retried");
}
