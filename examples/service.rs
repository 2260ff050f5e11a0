//! A service persisting click-stream sessions through a typed table:
//! sessions keyed by (shopper, visit time newest first), written, read
//! back, listed per shopper newest first, counted, their page views
//! bumped, and updated optimistically by two racing workers.
//!
//! `cargo run --example service` runs on the embedded store; with
//! `CAPJURE_HBASE=127.0.0.1:9090` (or `framed://`, `compact://`,
//! `framed+compact://HOST:PORT`) on a real HBase through its Thrift1
//! gateway, in a table of its own that it drops at the end.

use std::time::{SystemTime, UNIX_EPOCH};

use capjure::store::{Store, ThriftConfig, TransportKind, WireProtocol};
use capjure::{Entity, EntityTable, MemoryStore, StoreExt, ThriftStore};
use serde::{Deserialize, Serialize};

/// The device a session came from (stored as `device:kind`, `device:width`).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Device {
    kind: String,
    width: u32,
}

/// One visit of one shopper.
#[derive(Entity, Debug, Clone, PartialEq)]
#[capjure(table = "service_sessions", max_versions = 3)]
struct Session {
    #[capjure(row_key)]
    shopper: String,
    /// Milliseconds since the epoch; descending, so a shopper's newest
    /// visit is their first row.
    #[capjure(row_key(descending))]
    visit: i64,
    device: Device,
    pages: Vec<String>,
    referrer: Option<String>,
    /// Bumped with `increment`, atomically on the server.
    #[capjure(counter)]
    page_views: i64,
    /// Bumped by every optimistic update (`update_if`).
    version: u64,
}

fn main() -> capjure::Result<()> {
    match std::env::var("CAPJURE_HBASE")
        .ok()
        .filter(|a| !a.trim().is_empty())
    {
        Some(address) => {
            let store = ThriftStore::new(config(address.trim()))?;
            let name = format!("service_sessions_{}", now());
            println!("HBase at {address}, table {name}");
            let result = run(store.entities::<Session>().named(name.clone()));
            if store.table_exists(&name)? {
                store.drop_table(&name)?;
            }
            result
        }
        None => {
            println!("embedded store (set CAPJURE_HBASE=HOST:PORT for HBase)");
            let store = MemoryStore::new();
            run(store.entities::<Session>())
        }
    }
}

fn run<S: Store>(sessions: EntityTable<Session, S>) -> capjure::Result<()> {
    sessions.create()?;

    // Write: a few shoppers' sessions, one batch.
    let start = now();
    let mut written = Vec::new();
    for (shopper, visits) in [("alice", 12), ("bob", 3), ("carol", 1)] {
        for n in 0..visits {
            written.push(Session {
                shopper: shopper.into(),
                visit: start - 60_000 * n,
                device: Device {
                    kind: if n % 2 == 0 { "mobile" } else { "desktop" }.into(),
                    width: 412,
                },
                pages: vec!["/".into(), format!("/item/{n}")],
                referrer: (n == 0).then(|| "newsletter".to_string()),
                page_views: 0,
                version: 1,
            });
        }
    }
    sessions.insert_many(&written, None)?;

    // Read one.
    let key = ("bob".to_string(), start);
    let bob = sessions.get(&key)?.expect("bob's latest session");
    println!("bob's latest session: {bob:?}");

    // One shopper's latest 10 sessions: a prefix scan, newest first.
    let latest: Vec<Session> = sessions
        .scan_prefix(("alice",))?
        .take(10)
        .collect::<capjure::Result<_>>()?;
    println!("alice's latest {} visits:", latest.len());
    for session in &latest {
        println!(
            "  {} on {} ({} pages)",
            session.visit,
            session.device.kind,
            session.pages.len()
        );
    }
    assert!(latest.windows(2).all(|w| w[0].visit > w[1].visit));

    // TODO(query API): a filtered scan, e.g. alice's mobile sessions:
    // `sessions.query().prefix(("alice",)).filter(field("device.kind").eq("mobile"))`,
    // once typed filters land (src/table/query.rs).

    // Count, on the server, keys only.
    println!("{} sessions stored", sessions.count()?);

    // Bump a page-view counter: atomic, never retried.
    sessions.increment(&key, "page_views", 1)?;
    let views = sessions.increment(&key, "page_views", 2)?;
    println!("bob's page views: {views}");

    // An optimistic update that loses a race and retries: two workers read
    // version 1; the first to write wins, the other re-reads and retries.
    let worker_a = sessions.get(&key)?.expect("bob");
    let worker_b = worker_a.clone();
    let a = Session {
        referrer: Some("search".into()),
        version: worker_a.version + 1,
        ..worker_a.clone()
    };
    assert!(sessions.update_if(&key, "version", Some(&worker_a.version), &a)?);
    let mut b = Session {
        pages: [worker_b.pages.clone(), vec!["/checkout".into()]].concat(),
        version: worker_b.version + 1,
        ..worker_b.clone()
    };
    let mut expected = worker_b.version;
    let mut attempts = 1;
    while !sessions.update_if(&key, "version", Some(&expected), &b)? {
        println!("worker b lost the race at version {expected}; re-reading");
        let current = sessions.get(&key)?.expect("bob");
        expected = current.version;
        b = Session {
            pages: [current.pages.clone(), vec!["/checkout".into()]].concat(),
            version: current.version + 1,
            ..current
        };
        attempts += 1;
    }
    let bob = sessions.get(&key)?.expect("bob");
    println!(
        "after {attempts} attempts: version {}, referrer {:?}, pages {:?}",
        bob.version, bob.referrer, bob.pages
    );
    assert_eq!((bob.version, bob.referrer.as_deref()), (3, Some("search")));
    assert_eq!(bob.page_views, 3);
    Ok(())
}

/// The gateway named by `[framed|compact|framed+compact://]HOST:PORT`.
fn config(address: &str) -> ThriftConfig {
    let (scheme, host) = address.split_once("://").unwrap_or(("", address));
    let parts: Vec<&str> = scheme.split('+').collect();
    ThriftConfig::new(host)
        .transport(if parts.contains(&"framed") {
            TransportKind::Framed
        } else {
            TransportKind::Buffered
        })
        .protocol(if parts.contains(&"compact") {
            WireProtocol::Compact
        } else {
            WireProtocol::Binary
        })
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}
