//! Flattens the painting object of capjure's worked example into HBase
//! cells, prints them, and hydrates them back.
//!
//! `cargo run --example quickstart`

use capjure::{Codec, KeyConfig, Layout, Mapper};
use serde_json::json;

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
    Ok(())
}
