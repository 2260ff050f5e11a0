//! A click-stream session as a typed entity: derive the mapping, write the
//! session's cells under each codec, print them, and read the session back.
//!
//! `cargo run --example typed`

use std::collections::BTreeMap;

use capjure::{Codec, Entity, Mapper};
use serde::{Deserialize, Serialize};

/// Where the shopper was.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Device {
    kind: String,
    os: String,
    width: u32,
    touch: bool,
}

/// One line of the cart, keyed by its SKU.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct CartItem {
    sku: String,
    qty: u32,
    price: f64,
    removed: bool,
}

/// How the shopper arrived.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
#[serde(rename_all = "snake_case")]
enum Channel {
    Search,
    Email,
    Direct,
}

#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    session_id: String,
    shopper_id: String,
    started_at: i64,
    pages: u32,
    converted: bool,
    channel: Channel,
    #[capjure(rename = "ref")]
    referrer: Option<String>,
    device: Device,
    /// Dynamic qualifiers: `utm:source`, `utm:campaign`, ...
    utm: BTreeMap<String, String>,
    viewed_skus: Vec<String>,
    #[capjure(primary_key = "sku")]
    cart: Vec<CartItem>,
    /// Worked out on read, never stored.
    #[capjure(skip)]
    cart_total: f64,
}

fn session() -> Session {
    Session {
        session_id: "s-00000042".into(),
        shopper_id: "shopper-7".into(),
        started_at: 1_700_000_000_000,
        pages: 17,
        converted: true,
        channel: Channel::Search,
        referrer: Some("https://search.example/?q=tents".into()),
        device: Device {
            kind: "mobile".into(),
            os: "android".into(),
            width: 412,
            touch: true,
        },
        utm: BTreeMap::from([
            ("source".into(), "newsletter".into()),
            ("campaign".into(), "spring".into()),
        ]),
        viewed_skus: vec!["EZ-30DC-HD".into(), "TENT-2P".into(), "EZ-30DC-HD".into()],
        cart: vec![
            CartItem {
                sku: "TENT-2P".into(),
                qty: 1,
                price: 189.0,
                removed: false,
            },
            CartItem {
                sku: "STAKE-8".into(),
                qty: 2,
                price: 6.5,
                removed: true,
            },
        ],
        cart_total: 0.0,
    }
}

fn main() -> Result<(), capjure::Error> {
    let session = session();
    println!(
        "table {}, row key {:?}",
        Session::TABLE,
        String::from_utf8_lossy(&session.row_key())
    );
    println!("families: {}", Session::families().join(", "));

    // The entity's own mapper: JSON codec, one family per column.
    let cells = session.to_cells()?;
    println!("\n{} cells under the JSON codec:", cells.len());
    for cell in &cells {
        println!("  {cell}");
    }
    let back = Session::from_cells(&cells)?;
    assert_eq!(back, session);

    // The same entity under the Java codec, in one family.
    let java = Session::mapper()
        .with_codec(Codec::Java)
        .with_layout(capjure::Layout::single_family("meta"));
    let cells = java.to_cells(&session)?;
    println!(
        "\n{} cells under the Java codec, single family:",
        cells.len()
    );
    for cell in cells.iter().take(6) {
        println!("  {cell}");
    }
    assert_eq!(java.from_cells::<Session, _>(&cells)?, session);

    // A row written by the Value path reads into the struct too.
    let value = serde_json::to_value(&session).expect("a session is valid JSON");
    let cells = Mapper::new(Session::key_config()).flatten(&value)?;
    let mut back: Session = Session::mapper().from_cells(&cells)?;
    back.cart_total = back
        .cart
        .iter()
        .filter(|i| !i.removed)
        .map(|i| i.price * f64::from(i.qty))
        .sum();
    println!("\nread back; cart total {:.2}", back.cart_total);
    Ok(())
}
