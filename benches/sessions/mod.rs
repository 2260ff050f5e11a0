//! The ~1 KB click-stream sessions every in-memory benchmark uses: the
//! same objects for criterion (`mapper`, `typed`) and for the instruction
//! counts (`instructions`).

#![allow(dead_code)] // each benchmark uses part of it

use capjure::{Cell, CellRef, Cells, Entity, KeyConfig, Mapper};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// A shopper session: scalar fields, a one-level map, an array of viewed
/// SKUs and an array of cart items keyed by SKU.
pub fn value_session(seed: usize) -> Value {
    let viewed: Vec<String> = (0..20)
        .map(|i| format!("SKU-{:05}-{}", seed * 31 + i * 7, i % 3))
        .collect();
    let cart: Vec<Value> = (0..5)
        .map(|i| {
            json!({
                "sku": format!("SKU-{:05}", seed * 17 + i),
                "qty": i + 1,
                "price": 19.99 + i as f64,
                "added_at": 1_700_000_000_000_i64 + (i as i64) * 60_000,
                "removed": i % 2 == 1
            })
        })
        .collect();
    json!({
        "session_id": format!("s-{seed:08}"),
        "shopper_id": format!("shopper-{}", seed % 997),
        "merchant": "acme-outdoor",
        "started_at": 1_700_000_000_000_i64 + seed as i64,
        "duration_ms": 183_000 + seed,
        "pages": 17,
        "converted": seed % 2 == 0,
        "referrer": "https://search.example/?q=tents",
        "device": {"kind": "mobile", "os": "android", "width": 412, "height": 915, "touch": true},
        "viewed_skus": viewed,
        "cart": cart
    })
}

/// The mapper for [`value_session`]s.
pub fn value_mapper() -> Mapper {
    Mapper::new(KeyConfig::new().field("cart", "sku"))
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct Device {
    pub kind: String,
    pub os: String,
    pub width: u32,
    pub height: u32,
    pub touch: bool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
pub struct CartItem {
    pub sku: String,
    pub qty: u32,
    pub price: f64,
    pub added_at: i64,
    pub removed: bool,
}

/// A shopper session: scalar fields, a one-level map, a Vec of viewed SKUs
/// and a Vec of cart items keyed by SKU.
#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "sessions")]
pub struct Session {
    #[capjure(row_key)]
    pub session_id: String,
    pub shopper_id: String,
    pub merchant: String,
    pub started_at: i64,
    pub duration_ms: u64,
    pub pages: u32,
    pub converted: bool,
    pub referrer: Option<String>,
    pub device: Device,
    pub viewed_skus: Vec<String>,
    #[capjure(primary_key = "sku")]
    pub cart: Vec<CartItem>,
}

pub fn typed_session(seed: usize) -> Session {
    Session {
        session_id: format!("s-{seed:08}"),
        shopper_id: format!("shopper-{}", seed % 997),
        merchant: "acme-outdoor".into(),
        started_at: 1_700_000_000_000 + seed as i64,
        duration_ms: 183_000 + seed as u64,
        pages: 17,
        converted: seed % 2 == 0,
        referrer: Some("https://search.example/?q=tents".into()),
        device: Device {
            kind: "mobile".into(),
            os: "android".into(),
            width: 412,
            height: 915,
            touch: true,
        },
        viewed_skus: (0..16)
            .map(|i| format!("SKU-{:05}-{}", seed * 31 + i * 7, i % 3))
            .collect(),
        cart: (0..4)
            .map(|i| CartItem {
                sku: format!("SKU-{:05}", seed * 17 + i),
                qty: i as u32 + 1,
                price: 19.99 + i as f64,
                added_at: 1_700_000_000_000 + (i as i64) * 60_000,
                removed: i % 2 == 1,
            })
            .collect(),
    }
}

/// A row as a store hands it over as an owned `Row` (`MemoryStore`, point
/// reads): its cells sorted by column and allocated in that order, one
/// after another, as a store builds them from the server's sorted answer
/// (sorting owned cells instead would leave them scattered in the order
/// they were flattened). Three allocations per cell.
pub fn stored_row(cells: &Cells) -> Vec<Cell> {
    sorted(cells).iter().map(CellRef::to_cell).collect()
}

fn sorted(cells: &Cells) -> Vec<CellRef<'_>> {
    let mut sorted: Vec<CellRef<'_>> = cells.iter().collect();
    sorted.sort_by(|a, b| (a.family, a.qualifier).cmp(&(b.family, b.qualifier)));
    sorted
}

/// A row as a `ThriftStore` scan hands it to hydration: every cell's
/// `family:qualifier` name and value one after another in one buffer, in
/// column order, as the scanner decodes a `scannerGetList` batch
/// (`src/store/thrift/batch.rs`) and `Table::scan` lends the cells out.
/// This is the input that matches serde_json's: one run of bytes.
pub struct ScannedRow {
    /// Borrowed from the row's buffer, leaked for the benchmark's life so
    /// that lending the cells out costs what a scan's lending does.
    cells: Vec<CellRef<'static>>,
}

impl ScannedRow {
    pub fn new(cells: &Cells) -> Self {
        let sorted = sorted(cells);
        let mut bytes = Vec::new();
        let mut spans = Vec::new();
        for cell in &sorted {
            let part = |part: &[u8], bytes: &mut Vec<u8>| {
                let start = bytes.len();
                bytes.extend_from_slice(part);
                start..bytes.len()
            };
            let family = part(cell.family, &mut bytes);
            bytes.push(b':');
            let qualifier = part(cell.qualifier, &mut bytes);
            let value = part(cell.value, &mut bytes);
            spans.push((family, qualifier, value));
        }
        let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        let cells = spans
            .into_iter()
            .map(|(family, qualifier, value)| CellRef {
                family: &bytes[family],
                qualifier: &bytes[qualifier],
                value: &bytes[value],
                // HBase answers carry one; hydration ignores it.
                timestamp: Some(1_700_000_000_000),
            })
            .collect();
        ScannedRow { cells }
    }

    /// The cells, borrowed from the buffer.
    pub fn cells(&self) -> impl Iterator<Item = CellRef<'static>> + '_ {
        self.cells.iter().copied()
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }
}
