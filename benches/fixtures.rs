//! Fixture load and dump of 10,000 rows, timed once per round (not a
//! timed test): a JSON Lines load through the mapper, a cell dump of the
//! table, and a load of that dump into a fresh table.
//!
//! ```sh
//! cargo bench --bench fixtures --features testing                      # MemoryStore
//! CAPJURE_HBASE=127.0.0.1:9090 cargo bench --bench fixtures --features testing
//! ```
//!
//! `FIXTURE_ROWS` (default 10000) and `FIXTURE_ROUNDS` (default 3) change
//! the size and the number of rounds; the median round is reported.

use std::time::{Duration, Instant};

use capjure::store::FamilySpec;
use capjure::testing::{TestStore, dump, load, load_json};
use capjure::{KeyConfig, Mapper};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// `rows` click-stream sessions as JSON Lines: ~12 cells each.
fn sessions(rows: usize) -> String {
    let mut out = String::with_capacity(rows * 300);
    for i in 0..rows {
        out.push_str(&format!(
            "{{\"key\": \"shop{}/session{i:06}\", \"timestamp\": 1700000000000, \"value\": \
             {{\"user\": \"user{}\", \"device\": {{\"os\": \"linux\", \"agent\": \"firefox 128\"}}, \
             \"tags\": [\"new\", \"mobile\"], \"pages\": [{{\"url\": \"/\", \"title\": \"home\"}}, \
             {{\"url\": \"/cart\", \"title\": \"cart\"}}]}}}}\n",
            i % 7,
            i % 113
        ));
    }
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> capjure::Result<()> {
    let rows = env_or("FIXTURE_ROWS", 10_000);
    let rounds = env_or("FIXTURE_ROUNDS", 3).max(1);
    let text = sessions(rows);
    let families: Vec<FamilySpec> = ["user", "device", "tags", "pages", "pages_title"]
        .into_iter()
        .map(FamilySpec::new)
        .collect();
    let mapper = Mapper::new(KeyConfig::new().field("pages", "url"));
    let mut stores = vec![TestStore::memory()];
    if std::env::var("CAPJURE_HBASE").is_ok_and(|v| !v.trim().is_empty()) {
        stores.push(TestStore::from_env()?);
    }
    for store in stores {
        let (mut json, mut dumps, mut loads) = (Vec::new(), Vec::new(), Vec::new());
        let mut size = 0;
        for _ in 0..rounds {
            let table = store.objects("bench", mapper.clone(), &families)?;
            let copy = store.raw_table("bench_copy", &families)?;
            let at = Instant::now();
            assert_eq!(load_json(&table, &text)?, rows);
            json.push(at.elapsed());
            let at = Instant::now();
            let cells = dump(&store, table.name())?;
            dumps.push(at.elapsed());
            let at = Instant::now();
            let count = load(&store, copy.name(), &cells)?;
            loads.push(at.elapsed());
            size = cells.len();
            assert_eq!(count, cells.lines().count() - 1);
        }
        println!(
            "{store:?}: {rows} rows ({} KiB dump), median of {rounds}: JSON load {:.2?}, dump {:.2?}, dump load {:.2?}",
            size / 1024,
            median(json),
            median(dumps),
            median(loads)
        );
    }
    Ok(())
}
