//! Flatten and hydrate of ~1 KB click-stream sessions against serde_json
//! serialising and parsing the same objects, measured in the same run.
//!
//! `cargo bench --bench mapper`

mod sessions;

use capjure::Cell;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use serde_json::Value;
use sessions::{ScannedRow, stored_row, value_mapper as mapper, value_session as session};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mapper = mapper();
    let sessions: Vec<Value> = (0..64).map(session).collect();
    let json_bytes: Vec<Vec<u8>> = sessions
        .iter()
        .map(|s| serde_json::to_vec(s).unwrap())
        .collect();
    // Hydrate reads rows the way stores hand them over: from a Thrift scan,
    // one buffer in column order (`ScannedRow`, the input that matches
    // serde_json's); from `MemoryStore` or a point read, owned cells
    // (`stored_row`).
    let scanned: Vec<ScannedRow> = sessions
        .iter()
        .map(|s| ScannedRow::new(&mapper.flatten(s).unwrap()))
        .collect();
    let cells: Vec<Vec<Cell>> = sessions
        .iter()
        .map(|s| stored_row(&mapper.flatten(s).unwrap()))
        .collect();
    let size = json_bytes.iter().map(Vec::len).sum::<usize>() / json_bytes.len();
    eprintln!(
        "session: {size} bytes of JSON, {} cells of {} bytes",
        cells[0].len(),
        cells[0]
            .iter()
            .map(|c| c.family.len() + c.qualifier.len() + c.value.len())
            .sum::<usize>()
    );

    let mut group = c.benchmark_group("flatten");
    group.throughput(Throughput::Elements(sessions.len() as u64));
    group.bench_function(BenchmarkId::new("capjure", "session"), |b| {
        b.iter(|| {
            for s in &sessions {
                black_box(mapper.flatten(black_box(s)).unwrap());
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

    let mut group = c.benchmark_group("hydrate");
    group.throughput(Throughput::Elements(sessions.len() as u64));
    group.bench_function(BenchmarkId::new("capjure", "scanned"), |b| {
        b.iter(|| {
            for row in &scanned {
                black_box(mapper.hydrate(black_box(row).cells()).unwrap());
            }
        })
    });
    group.bench_function(BenchmarkId::new("capjure", "owned cells"), |b| {
        b.iter(|| {
            for row in &cells {
                black_box(mapper.hydrate(black_box(row)).unwrap());
            }
        })
    });
    group.bench_function(BenchmarkId::new("serde_json::from_slice", "session"), |b| {
        b.iter(|| {
            for bytes in &json_bytes {
                black_box(serde_json::from_slice::<Value>(black_box(bytes)).unwrap());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
