//! Flattens the painting object of capjure's worked example into HBase
//! cells, prints them, and hydrates them back; then stores it, in the
//! embedded `MemoryStore` by default or in a real HBase:
//!
//! `cargo run --example quickstart`
//! `cargo run --example quickstart -- --hbase 127.0.0.1:9091` (HBase's
//! Thrift2 gateway, the recommended one; or set `CAPJURE_HBASE2`)
//! `cargo run --example quickstart -- --thrift1 127.0.0.1:9090` (its
//! Thrift1 gateway; or set `CAPJURE_HBASE`)

use capjure::store::{Column, Store, ThriftConfig};
use capjure::{Codec, KeyConfig, Layout, Mapper, MemoryStore, Table, Thrift2Store, ThriftStore};
use serde_json::{Value, json};

fn main() -> Result<(), capjure::Error> {
    let painting = json!({
        "trees": ["cedar", "maple", "oak"],
        "houses": 4,
        "cars": [
            {"make": "honda", "model": "fit", "license": "ah12001"},
            {"make": "toyota", "model": "yaris", "license": "xb34544"}
        ],
        "road": {"name": "101N", "speed": 65}
    });
    // `cars` is an array of maps: its children are told apart by `license`.
    let keys = KeyConfig::new().field("cars", "license");

    for (title, mapper) in [
        (
            "multi-family layout, lossless JSON codec (the default)",
            Mapper::new(keys.clone()),
        ),
        (
            "multi-family layout, text codec (the original's bytes; values read back as strings)",
            Mapper::new(keys.clone()).with_codec(Codec::Text),
        ),
        (
            "single-family layout, lossless JSON codec",
            Mapper::new(keys.clone()).with_layout(Layout::single_family("meta")),
        ),
    ] {
        println!("== {title}");
        let cells = mapper.flatten(&painting)?;
        for cell in &cells {
            println!("  {cell}");
        }
        println!(
            "  families the table needs: {:?}",
            mapper.families(&painting)?
        );
        let back = mapper.hydrate(&cells)?;
        println!("  hydrated: {back}");
        println!("  exact round trip: {}\n", back == painting);
    }

    let option = |flag: &str, var: &str| {
        std::env::args()
            .skip_while(|arg| arg != flag)
            .nth(1)
            .or_else(|| std::env::var(var).ok())
    };
    let name = format!("capjure_quickstart_{}", std::process::id());
    match (
        option("--hbase", "CAPJURE_HBASE2"),
        option("--thrift1", "CAPJURE_HBASE"),
    ) {
        (Some(address), _) => {
            println!("== storing in HBase through its Thrift2 gateway at {address}");
            let store = Thrift2Store::new(ThriftConfig::new(address))?;
            in_hbase(&store, &name, &painting, keys)
        }
        (None, Some(address)) => {
            println!("== storing in HBase through its Thrift1 gateway at {address}");
            let store = ThriftStore::new(ThriftConfig::new(address))?;
            in_hbase(&store, &name, &painting, keys)
        }
        (None, None) => {
            println!("== storing in the embedded MemoryStore (--hbase HOST:PORT for HBase)");
            store_painting(MemoryStore::new(), "paintings", &painting, keys)
        }
    }
}

/// The convenience API, the same on every store.
/// Stores the painting in a table of its own, dropped afterwards.
fn in_hbase(
    store: &dyn Store,
    name: &str,
    painting: &Value,
    keys: KeyConfig,
) -> Result<(), capjure::Error> {
    let result = store_painting(store, name, painting, keys);
    if store.table_exists(name)? {
        store.drop_table(name)?;
    }
    result
}

fn store_painting<S: Store>(
    store: S,
    name: &str,
    painting: &Value,
    keys: KeyConfig,
) -> Result<(), capjure::Error> {
    let paintings = Table::new(store, name, Mapper::new(keys));
    paintings.create(&[painting], 3)?;
    paintings.insert_at(b"painting-1", painting, 1_000)?;
    println!(
        "  read back: {}",
        paintings.get(b"painting-1")?.unwrap_or(Value::Null)
    );

    // Re-saving replaces: the oak and the toyota are gone afterwards.
    let mut repainted = painting.clone();
    repainted["trees"] = json!(["cedar", "maple"]);
    repainted["cars"] = json!([{"make": "honda", "model": "jazz", "license": "ah12001"}]);
    paintings.insert_at(b"painting-1", &repainted, 2_000)?;
    println!(
        "  after re-saving: {}",
        paintings.get(b"painting-1")?.unwrap_or(Value::Null)
    );
    println!(
        "  as it was at t=1500 (replacing deleted the dropped fields at or below t=2000): {}",
        paintings
            .get_as_of(b"painting-1", 1_500)?
            .unwrap_or(Value::Null)
    );
    for (family, qualifiers) in paintings.versions(b"painting-1", 3, Some(b"cars_model"))? {
        for (qualifier, versions) in qualifiers {
            for (timestamp, value) in versions {
                println!(
                    "  version {}:{} @{timestamp} = {}",
                    String::from_utf8_lossy(&family),
                    String::from_utf8_lossy(&qualifier),
                    String::from_utf8_lossy(&value)
                );
            }
        }
    }

    paintings.insert(b"painting-2", &json!({"houses": 2}))?;
    println!("  rows: {}", paintings.count()?);
    println!(
        "  rows with cars: {}",
        paintings.count_with(&[Column::family("cars")])?
    );
    paintings.delete(&[b"painting-1"])?;
    println!(
        "  after deleting painting-1: {} row(s), painting-1 exists: {}",
        paintings.count()?,
        paintings.exists(b"painting-1")?
    );
    Ok(())
}
