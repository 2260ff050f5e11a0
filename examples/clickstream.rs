//! Shopper sessions, the workload capjure was written for: each session is
//! one row keyed `merchant/day/session`, holding the SKUs viewed and the
//! cart changes keyed by SKU. One merchant's day is a row-key prefix scan.
//!
//! `cargo run --example clickstream` (embedded store), or
//! `cargo run --example clickstream -- --hbase 127.0.0.1:9090`

use std::collections::BTreeMap;

use capjure::store::{Store, ThriftConfig};
use capjure::{KeyConfig, Mapper, MemoryStore, Table, ThriftStore};
use serde_json::{Value, json};

fn main() -> Result<(), capjure::Error> {
    let hbase = std::env::args()
        .skip_while(|arg| arg != "--hbase")
        .nth(1)
        .or_else(|| std::env::var("CAPJURE_HBASE").ok());
    match hbase {
        Some(address) => {
            let store = ThriftStore::new(ThriftConfig::new(address))?;
            let name = format!("capjure_clickstream_{}", std::process::id());
            let result = run(&store, &name);
            if store.table_exists(&name)? {
                store.drop_table(&name)?;
            }
            result
        }
        None => run(MemoryStore::new(), "sessions"),
    }
}

fn sessions() -> Vec<(String, Value)> {
    let session = |shopper: &str, viewed: &[&str], cart: Value| json!({"shopper": shopper, "viewed": viewed, "cart": cart});
    vec![
        (
            "acme/2024-05-01/s001".to_string(),
            session(
                "ann",
                &["EZ-30DC", "HD-100", "EZ-30DC"],
                json!([{"sku": "EZ-30DC", "added": 2, "removed": 0}]),
            ),
        ),
        (
            "acme/2024-05-01/s002".to_string(),
            session(
                "bob",
                &["HD-100"],
                json!([{"sku": "HD-100", "added": 1, "removed": 1}]),
            ),
        ),
        (
            "acme/2024-05-01/s003".to_string(),
            session("cat", &["EZ-30DC", "KB-7"], json!([])),
        ),
        (
            "acme/2024-05-02/s001".to_string(),
            session(
                "ann",
                &["KB-7"],
                json!([{"sku": "KB-7", "added": 1, "removed": 0}]),
            ),
        ),
        (
            "bolt/2024-05-01/s001".to_string(),
            session(
                "dan",
                &["X-1"],
                json!([{"sku": "X-1", "added": 5, "removed": 0}]),
            ),
        ),
    ]
}

fn run<S: Store>(store: S, name: &str) -> Result<(), capjure::Error> {
    let mapper = Mapper::new(KeyConfig::new().field("cart", "sku"));
    let table = Table::new(store, name, mapper);
    let sessions = sessions();
    let samples: Vec<&Value> = sessions.iter().map(|(_, session)| session).collect();
    table.create(&samples, 1)?;
    let rows: Vec<(&[u8], &Value)> = sessions
        .iter()
        .map(|(key, session)| (key.as_bytes(), session))
        .collect();
    table.insert_many(&rows, None)?;
    println!("stored {} sessions in {name}", table.count()?);

    let prefix = "acme/2024-05-01/";
    let mut views: BTreeMap<String, u64> = BTreeMap::new();
    let mut net_cart: BTreeMap<String, i64> = BTreeMap::new();
    let mut count = 0;
    for entry in table.scan_prefix(prefix.as_bytes())? {
        let (key, session) = entry?;
        count += 1;
        println!("  {} {}", String::from_utf8_lossy(&key), session);
        for sku in session["viewed"].as_array().into_iter().flatten() {
            *views
                .entry(sku.as_str().unwrap_or("?").to_string())
                .or_default() += 1;
        }
        for change in session["cart"].as_array().into_iter().flatten() {
            let sku = change["sku"].as_str().unwrap_or("?").to_string();
            let net =
                change["added"].as_i64().unwrap_or(0) - change["removed"].as_i64().unwrap_or(0);
            *net_cart.entry(sku).or_default() += net;
        }
    }
    println!("{prefix}: {count} sessions");
    println!("  views per SKU: {views:?}");
    println!("  net cart adds per SKU: {net_cart:?}");
    Ok(())
}
