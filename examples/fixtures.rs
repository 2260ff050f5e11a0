//! capjure::testing the way a service's test would use it: an isolated
//! table seeded from a JSON fixture, the code under test run on it, and
//! the result checked against a golden cell dump.
//!
//! ```sh
//! cargo run --example fixtures --features testing                    # in memory
//! CAPJURE_HBASE=127.0.0.1:9090 cargo run --example fixtures --features testing
//! ```

use capjure::store::{FamilySpec, Store};
use capjure::testing::{TestStore, diff_rows, dump, load_json, parse_dump};
use capjure::{KeyConfig, Mapper, Table};
use serde_json::json;

/// The "service" under test: renames a user in every session of theirs.
fn rename_user<S: Store>(sessions: &Table<S>, from: &str, to: &str) -> capjure::Result<usize> {
    let mut renamed = Vec::new();
    for found in sessions.scan(capjure::store::Scan::all())? {
        let (key, session) = found?;
        if session["user"] == json!(from) {
            renamed.push(key);
        }
    }
    for key in &renamed {
        sessions.merge(key, &json!({ "user": to }))?;
    }
    Ok(renamed.len())
}

const SEED: &str = r#"
{"key": "s1", "timestamp": 1, "value": {"user": "ann", "pages": [{"url": "/", "title": "home"}]}}
{"key": "s2", "timestamp": 1, "value": {"user": "bob"}}
{"key": "s\\x003", "timestamp": 1, "value": {"user": "ann", "tags": ["new"]}}
"#;

/// What the table must hold afterwards (timestamps aside: the rename
/// writes at the store's clock).
const EXPECTED: &str = r#"# row  family:qualifier  @timestamp  value
s\x003  tags:new  @1  [0]
s\x003  user:  @-  "anne"
s1  pages:/  @1  {"at":0}
s1  pages_title:/  @1  "home"
s1  user:  @-  "anne"
s2  user:  @1  "bob"
"#;

fn main() -> capjure::Result<()> {
    let store = TestStore::from_env()?;
    let families: Vec<FamilySpec> = ["user", "tags", "pages", "pages_title"]
        .into_iter()
        .map(FamilySpec::new)
        .collect();
    let mapper = Mapper::new(KeyConfig::new().field("pages", "url"));
    // Dropped at the end of main, also if it panics.
    let sessions = store.objects("sessions", mapper, &families)?;
    println!("{store:?}: table {}", sessions.name());

    load_json(&sessions, SEED)?;
    println!(
        "renamed {} sessions",
        rename_user(&sessions, "ann", "anne")?
    );

    let snapshot = dump(sessions.store(), sessions.name())?;
    print!("{snapshot}");
    let actual = parse_dump("snapshot", &snapshot)?;
    let expected = parse_dump("EXPECTED", EXPECTED)?;
    match diff_rows(&actual, &expected) {
        None => println!("the table matches the expected snapshot"),
        Some(diff) => panic!("the table differs from the expected snapshot:\n{diff}"),
    }
    Ok(())
}
