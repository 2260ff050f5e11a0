//! Typed flatten/hydrate (`Mapper::to_cells` / `Mapper::from_cells`) of a
//! ~1 KB click-stream session struct against `serde_json::to_vec` /
//! `serde_json::from_slice` of the same struct, measured in the same run.
//!
//! `cargo bench --bench typed -- --warm-up-time 1 --measurement-time 3`

mod sessions;

use capjure::{Cell, Entity};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use sessions::{ScannedRow, Session, stored_row, typed_session as session};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let mapper = Session::mapper();
    let sessions: Vec<Session> = (0..64).map(session).collect();
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
        .map(|s| ScannedRow::new(&mapper.to_cells(s).unwrap()))
        .collect();
    let cells: Vec<Vec<Cell>> = sessions
        .iter()
        .map(|s| stored_row(&mapper.to_cells(s).unwrap()))
        .collect();
    for (row, session) in cells.iter().zip(&sessions) {
        assert_eq!(&mapper.from_cells::<Session, _>(row).unwrap(), session);
    }
    for (row, session) in scanned.iter().zip(&sessions) {
        assert_eq!(
            &mapper.from_cells::<Session, _>(row.cells()).unwrap(),
            session
        );
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
    group.bench_function(BenchmarkId::new("capjure::from_cells", "scanned"), |b| {
        b.iter(|| {
            for row in &scanned {
                black_box(
                    mapper
                        .from_cells::<Session, _>(black_box(row).cells())
                        .unwrap(),
                );
            }
        })
    });
    group.bench_function(
        BenchmarkId::new("capjure::from_cells", "owned cells"),
        |b| {
            b.iter(|| {
                for row in &cells {
                    black_box(mapper.from_cells::<Session, _>(black_box(row)).unwrap());
                }
            })
        },
    );
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
