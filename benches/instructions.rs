//! Deterministic instruction counts of flatten and hydrate against
//! serde_json, for `scripts/bench-instructions` to run under callgrind.
//!
//! Wall-clock ratios on a shared two-core machine move by tens of percent
//! between runs; the instructions executed do not. Each mode runs one
//! operation over the same 64 sessions the criterion benchmarks use, `N`
//! times, inside `hot`, the only function callgrind counts.
//!
//! `target/release/deps/instructions-* <mode> <N>`; without a mode (as
//! under `cargo bench` or `cargo test --all-targets`) it prints how to run
//! it and exits.

mod sessions;

use capjure::{Entity, Mapper};
use serde_json::Value;
use sessions::{ScannedRow, Session, typed_session, value_mapper, value_session};
use std::hint::black_box;

/// The operations, as `scripts/bench-instructions` names them.
const MODES: [&str; 8] = [
    "value_flatten",
    "value_to_vec",
    "value_hydrate",
    "value_from_slice",
    "typed_flatten",
    "typed_to_vec",
    "typed_hydrate",
    "typed_from_slice",
];

/// Everything the hot loop reads, built before counting starts.
struct Inputs {
    value_mapper: Mapper,
    typed_mapper: Mapper,
    values: Vec<Value>,
    typed: Vec<Session>,
    value_json: Vec<Vec<u8>>,
    typed_json: Vec<Vec<u8>>,
    value_cells: Vec<ScannedRow>,
    typed_cells: Vec<ScannedRow>,
}

/// What `mode` reads, and nothing else: every process starts from the same
/// small heap, so one operation's count does not depend on how much the
/// others' inputs allocated (which moved serde_json's parse by 20%).
fn inputs(mode: &str) -> Inputs {
    let value_mapper = value_mapper();
    let typed_mapper = Session::mapper();
    let (values, typed) = if mode.starts_with("value") {
        (
            (0..64).map(value_session).collect::<Vec<Value>>(),
            Vec::new(),
        )
    } else {
        (
            Vec::new(),
            (0..64).map(typed_session).collect::<Vec<Session>>(),
        )
    };
    // Hydrate reads rows the way a Thrift scan hands them over (see
    // `ScannedRow`): one buffer, as serde_json reads one.
    let sorted = |cells: capjure::Cells| ScannedRow::new(&cells);
    let mut inputs = Inputs {
        value_mapper,
        typed_mapper,
        values: Vec::new(),
        typed: Vec::new(),
        value_json: Vec::new(),
        typed_json: Vec::new(),
        value_cells: Vec::new(),
        typed_cells: Vec::new(),
    };
    match mode {
        "value_flatten" | "value_to_vec" => inputs.values = values,
        "typed_flatten" | "typed_to_vec" => inputs.typed = typed,
        "value_from_slice" => {
            inputs.value_json = values
                .iter()
                .map(|v| serde_json::to_vec(v).unwrap())
                .collect()
        }
        "typed_from_slice" => {
            inputs.typed_json = typed
                .iter()
                .map(|s| serde_json::to_vec(s).unwrap())
                .collect()
        }
        "value_hydrate" => {
            inputs.value_cells = values
                .iter()
                .map(|v| sorted(inputs.value_mapper.flatten(v).unwrap()))
                .collect()
        }
        "typed_hydrate" => {
            inputs.typed_cells = typed
                .iter()
                .map(|s| sorted(inputs.typed_mapper.to_cells(s).unwrap()))
                .collect()
        }
        _ => {}
    }
    inputs
}

/// The counted loop: `rounds` passes of one operation over every session.
#[inline(never)]
fn hot(mode: &str, rounds: usize, inputs: &Inputs) {
    passes(mode, rounds, inputs);
}

/// One warm-up pass, not counted: it leaves the allocator in the state the
/// operation itself keeps it in, instead of the state building the inputs
/// left (which moved serde_json's parse by 20% between builds).
#[inline(never)]
fn warm_up(mode: &str, inputs: &Inputs) {
    passes(mode, 1, inputs);
}

#[inline(never)]
fn passes(mode: &str, rounds: usize, inputs: &Inputs) {
    let Inputs {
        value_mapper,
        typed_mapper,
        values,
        typed,
        value_json,
        typed_json,
        value_cells,
        typed_cells,
    } = inputs;
    for _ in 0..rounds {
        match mode {
            "value_flatten" => values
                .iter()
                .for_each(|v| drop(black_box(value_mapper.flatten(black_box(v)).unwrap()))),
            "value_to_vec" => values
                .iter()
                .for_each(|v| drop(black_box(serde_json::to_vec(black_box(v)).unwrap()))),
            "value_hydrate" => value_cells.iter().for_each(|r| {
                drop(black_box(
                    value_mapper.hydrate(black_box(r).cells()).unwrap(),
                ))
            }),
            "value_from_slice" => value_json.iter().for_each(|b| {
                drop(black_box(
                    serde_json::from_slice::<Value>(black_box(b)).unwrap(),
                ))
            }),
            "typed_flatten" => typed
                .iter()
                .for_each(|s| drop(black_box(typed_mapper.to_cells(black_box(s)).unwrap()))),
            "typed_to_vec" => typed
                .iter()
                .for_each(|s| drop(black_box(serde_json::to_vec(black_box(s)).unwrap()))),
            "typed_hydrate" => typed_cells.iter().for_each(|r| {
                drop(black_box(
                    typed_mapper
                        .from_cells::<Session, _>(black_box(r).cells())
                        .unwrap(),
                ))
            }),
            "typed_from_slice" => typed_json.iter().for_each(|b| {
                drop(black_box(
                    serde_json::from_slice::<Session>(black_box(b)).unwrap(),
                ))
            }),
            other => panic!("unknown mode {other}; one of {MODES:?}"),
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(mode) = args.first().filter(|mode| MODES.contains(&mode.as_str())) else {
        println!(
            "instructions: counts need callgrind; run scripts/bench-instructions (modes: {})",
            MODES.join(", ")
        );
        return;
    };
    let rounds = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(10);
    let inputs = inputs(mode);
    warm_up(mode, &inputs);
    hot(mode, rounds, &inputs);
}
