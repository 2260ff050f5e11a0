//! Typed flatten/hydrate (`Mapper::to_cells` / `Mapper::from_cells`) of a
//! ~1 KB click-stream session struct against `serde_json::to_vec` /
//! `serde_json::from_slice` of the same struct, measured in the same run.
//!
//! `cargo bench --bench typed -- --warm-up-time 1 --measurement-time 3`

use capjure::{Cell, Entity};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use std::hint::black_box;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Device {
    kind: String,
    os: String,
    width: u32,
    height: u32,
    touch: bool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct CartItem {
    sku: String,
    qty: u32,
    price: f64,
    added_at: i64,
    removed: bool,
}

/// A shopper session: scalar fields, a one-level map, a Vec of viewed SKUs
/// and a Vec of cart items keyed by SKU.
#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    session_id: String,
    shopper_id: String,
    merchant: String,
    started_at: i64,
    duration_ms: u64,
    pages: u32,
    converted: bool,
    referrer: Option<String>,
    device: Device,
    viewed_skus: Vec<String>,
    #[capjure(primary_key = "sku")]
    cart: Vec<CartItem>,
}

fn session(seed: usize) -> Session {
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

fn bench(c: &mut Criterion) {
    let mapper = Session::mapper();
    let sessions: Vec<Session> = (0..64).map(session).collect();
    let json_bytes: Vec<Vec<u8>> = sessions
        .iter()
        .map(|s| serde_json::to_vec(s).unwrap())
        .collect();
    // Hydrate reads rows the way a store returns them: sorted by column.
    let cells: Vec<Vec<Cell>> = sessions
        .iter()
        .map(|s| {
            let mut row = mapper.to_cells(s).unwrap().to_vec();
            row.sort();
            row
        })
        .collect();
    for (row, session) in cells.iter().zip(&sessions) {
        assert_eq!(&mapper.from_cells::<Session, _>(row).unwrap(), session);
    }
    let size = json_bytes.iter().map(Vec::len).sum::<usize>() / json_bytes.len();
    eprintln!(
        "session: {size} bytes of JSON, {} cells of {} bytes",
        cells[0].len(),
        cells[0]
            .iter()
            .map(|c| c.family.len() + c.qualifier.len() + c.value.len())
            .sum::<usize>()
    );

    let mut group = c.benchmark_group("typed_flatten");
    group.throughput(Throughput::Elements(sessions.len() as u64));
    group.bench_function(BenchmarkId::new("capjure::to_cells", "session"), |b| {
        b.iter(|| {
            for s in &sessions {
                black_box(mapper.to_cells(black_box(s)).unwrap());
            }
        })
    });
    group.bench_function(BenchmarkId::new("serde_json::to_vec", "session"), |b| {
        b.iter(|| {
            for s in &sessions {
                black_box(serde_json::to_vec(black_box(s)).unwrap());
            }
        })
    });
    group.finish();

    let mut group = c.benchmark_group("typed_hydrate");
    group.throughput(Throughput::Elements(sessions.len() as u64));
    group.bench_function(BenchmarkId::new("capjure::from_cells", "session"), |b| {
        b.iter(|| {
            for row in &cells {
                black_box(mapper.from_cells::<Session, _>(black_box(row)).unwrap());
            }
        })
    });
    group.bench_function(BenchmarkId::new("serde_json::from_slice", "session"), |b| {
        b.iter(|| {
            for bytes in &json_bytes {
                black_box(serde_json::from_slice::<Session>(black_box(bytes)).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
