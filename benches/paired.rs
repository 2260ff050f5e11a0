//! Wall-clock ratios of flatten and hydrate against serde_json, measured in
//! pairs: `cargo bench --bench paired`.
//!
//! On a shared machine the speed of the whole host drifts from second to
//! second, and criterion measures one function for seconds before it
//! measures the next, so a drift lands on one side of a ratio. Here both
//! sides run in short alternating slices (a few milliseconds each, the
//! order flipped every slice) and each slice pair gives one ratio; the
//! median of those ratios is what a drift that lasts longer than a pair
//! cannot move. Ratio = serde_json's time / capjure's: above 1.0 capjure
//! is faster.
//!
//! Without `--bench` (as under `cargo test --all-targets`) it only says
//! how to run it.

mod sessions;

use std::hint::black_box;
use std::time::Instant;

use capjure::{Entity, Mapper};
use serde_json::Value;
use sessions::{CartItem, Device, ScannedRow, Session, typed_session, value_mapper, value_session};

/// Slice pairs per operation, and passes over the 64 sessions per slice.
const PAIRS: usize = 101;
const PASSES: usize = 8;
/// Sessions per pass.
const SESSIONS: usize = 64;

fn main() {
    if !std::env::args().any(|arg| arg == "--bench") {
        println!("paired: run it with `cargo bench --bench paired`");
        return;
    }
    let value_mapper: Mapper = value_mapper();
    let values: Vec<Value> = (0..SESSIONS).map(value_session).collect();
    let typed: Vec<Session> = (0..SESSIONS).map(typed_session).collect();
    let value_json: Vec<Vec<u8>> = values
        .iter()
        .map(|v| serde_json::to_vec(v).unwrap())
        .collect();
    let value_rows: Vec<ScannedRow> = values
        .iter()
        .map(|v| ScannedRow::new(&value_mapper.flatten(v).unwrap()))
        .collect();

    println!(
        "| operation | ratio (median) | middle half of the pairs | capjure ns/session | serde_json ns/session |"
    );
    println!("|---|---:|---:|---:|---:|");
    paired(
        "Value flatten vs to_vec",
        || {
            values
                .iter()
                .for_each(|v| drop(black_box(value_mapper.flatten(black_box(v)).unwrap())))
        },
        || {
            values
                .iter()
                .for_each(|v| drop(black_box(serde_json::to_vec(black_box(v)).unwrap())))
        },
    );
    paired(
        "Value hydrate vs from_slice",
        || {
            value_rows.iter().for_each(|r| {
                drop(black_box(
                    value_mapper.hydrate(black_box(r).cells()).unwrap(),
                ))
            })
        },
        || {
            value_json.iter().for_each(|b| {
                drop(black_box(
                    serde_json::from_slice::<Value>(black_box(b)).unwrap(),
                ))
            })
        },
    );
    typed_paired("typed", &typed);

    // The typed session by part, to see which kind of cells costs what.
    println!();
    println!("Typed session by part (each part with the row key):");
    println!();
    println!(
        "| part | ratio (median) | middle half of the pairs | capjure ns/session | serde_json ns/session |"
    );
    println!("|---|---:|---:|---:|---:|");
    let part = |session: &Session| session.session_id.clone();
    typed_paired(
        "scalars and a map",
        &typed
            .iter()
            .map(|s| Scalars {
                session_id: part(s),
                shopper_id: s.shopper_id.clone(),
                merchant: s.merchant.clone(),
                started_at: s.started_at,
                duration_ms: s.duration_ms,
                pages: s.pages,
                converted: s.converted,
                referrer: s.referrer.clone(),
                device: s.device.clone(),
            })
            .collect::<Vec<_>>(),
    );
    typed_paired(
        "array of 16 strings",
        &typed
            .iter()
            .map(|s| Viewed {
                session_id: part(s),
                viewed_skus: s.viewed_skus.clone(),
            })
            .collect::<Vec<_>>(),
    );
    typed_paired(
        "array of 4 maps",
        &typed
            .iter()
            .map(|s| Cart {
                session_id: part(s),
                cart: s.cart.clone(),
            })
            .collect::<Vec<_>>(),
    );
}

#[derive(Entity)]
#[capjure(table = "scalars")]
struct Scalars {
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
}

#[derive(Entity)]
#[capjure(table = "viewed")]
struct Viewed {
    #[capjure(row_key)]
    session_id: String,
    viewed_skus: Vec<String>,
}

#[derive(Entity)]
#[capjure(table = "carts")]
struct Cart {
    #[capjure(row_key)]
    session_id: String,
    #[capjure(primary_key = "sku")]
    cart: Vec<CartItem>,
}

/// Typed flatten and hydrate of `items` against serde_json, paired.
fn typed_paired<T: Entity>(name: &str, items: &[T]) {
    let mapper = T::mapper();
    let json: Vec<Vec<u8>> = items
        .iter()
        .map(|item| serde_json::to_vec(item).unwrap())
        .collect();
    let rows: Vec<ScannedRow> = items
        .iter()
        .map(|item| ScannedRow::new(&mapper.to_cells(item).unwrap()))
        .collect();
    paired(
        &format!("{name} flatten vs to_vec"),
        || {
            items
                .iter()
                .for_each(|item| drop(black_box(mapper.to_cells(black_box(item)).unwrap())))
        },
        || {
            items
                .iter()
                .for_each(|item| drop(black_box(serde_json::to_vec(black_box(item)).unwrap())))
        },
    );
    paired(
        &format!("{name} hydrate vs from_slice"),
        || {
            rows.iter().for_each(|row| {
                drop(black_box(
                    mapper.from_cells::<T, _>(black_box(row).cells()).unwrap(),
                ))
            })
        },
        || {
            json.iter().for_each(|bytes| {
                drop(black_box(
                    serde_json::from_slice::<T>(black_box(bytes)).unwrap(),
                ))
            })
        },
    );
}

/// Prints the median and quartiles of serde_json's time over capjure's,
/// slice pair by slice pair, after a warm-up of both.
fn paired(name: &str, mut ours: impl FnMut(), mut theirs: impl FnMut()) {
    let slice = |f: &mut dyn FnMut()| {
        let start = Instant::now();
        for _ in 0..PASSES {
            f();
        }
        start.elapsed().as_secs_f64()
    };
    for _ in 0..PAIRS / 4 {
        slice(&mut ours);
        slice(&mut theirs);
    }
    let mut times = Vec::with_capacity(PAIRS);
    let mut ratios: Vec<f64> = (0..PAIRS)
        .map(|pair| {
            let (ours, theirs) = if pair % 2 == 0 {
                let ours = slice(&mut ours);
                (ours, slice(&mut theirs))
            } else {
                let theirs = slice(&mut theirs);
                (slice(&mut ours), theirs)
            };
            times.push((ours, theirs));
            theirs / ours
        })
        .collect();
    let median = |list: &mut Vec<f64>| {
        list.sort_by(f64::total_cmp);
        list[list.len() / 2]
    };
    // Each side's own median, per session: which side a change moved.
    let per_session = |seconds: f64| seconds * 1e9 / (PASSES * SESSIONS) as f64;
    let ours = per_session(median(&mut times.iter().map(|t| t.0).collect()));
    let theirs = per_session(median(&mut times.iter().map(|t| t.1).collect()));
    ratios.sort_by(f64::total_cmp);
    let at = |q: f64| ratios[((ratios.len() - 1) as f64 * q).round() as usize];
    println!(
        "| {name} | {:.2} | {:.2}-{:.2} | {ours:.0} | {theirs:.0} |",
        at(0.5),
        at(0.25),
        at(0.75)
    );
}
