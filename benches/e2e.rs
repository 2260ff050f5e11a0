//! End-to-end benchmark against a real HBase through its Thrift1 gateway:
//! capjure, Python's happybase and the bare `hbase-thrift` client (the
//! ceiling) take turns on the same workloads against the same server, in
//! the same run. Method and latest results: BENCHMARKS.md.
//!
//! Run it with `scripts/bench-e2e [--quick]`, which starts a standalone
//! HBase on its own ports and a happybase venv; by hand:
//!
//! ```text
//! E2E_HBASE=127.0.0.1:29090 E2E_PYTHON=target/happybase-venv/bin/python \
//!     cargo bench --bench e2e -- [--quick] [--out target/bench-e2e]
//! ```

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use capjure::store::{FamilySpec, Scan, Store, ThriftConfig};
use capjure::{KeyConfig, Mapper, MemoryStore, Table, ThriftStore};
use hbase_thrift::hbase::{
    BatchMutation, HbaseSyncClient, Mutation as TMutation, THbaseSyncClient, TRowResult, TScan,
};
use serde_json::{Value, json};
use thrift::protocol::{TBinaryInputProtocol, TBinaryOutputProtocol};
use thrift::transport::{TBufferedReadTransport, TBufferedWriteTransport};

// ------------------------------------------------------------------ data

/// splitmix64: a deterministic generator, so every run and every client
/// sees the same objects and keys.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5851_F42D_4C95_7F2D)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const MERCHANTS: [&str; 6] = [
    "acme-outdoor",
    "bolt-bikes",
    "cobalt-kitchen",
    "delta-books",
    "ember-lighting",
    "fjord-apparel",
];
const PAGES: [&str; 8] = [
    "/",
    "/search",
    "/c/tents",
    "/c/stoves",
    "/p",
    "/cart",
    "/checkout",
    "/account",
];

/// Row key of session `i`: a two-byte salt spreads the writes over the key
/// space, the usual design for time-ordered click streams.
fn session_key(i: usize) -> String {
    let salt = Rng::new(i as u64).next() & 0xffff;
    format!("{salt:04x}/s{i:08}")
}

/// One shopper session, ~1 KB of JSON; one in twenty is a long session of
/// 3-8 KB (many pages viewed, a long cart).
fn session(i: usize) -> Value {
    let mut rng = Rng::new(i as u64 * 7919 + 1);
    let long = rng.below(20) == 0;
    let viewed_n = if long {
        80 + rng.below(200)
    } else {
        8 + rng.below(24)
    };
    let viewed: Vec<String> = (0..viewed_n)
        .map(|_| format!("SKU-{:05}", rng.below(40_000)))
        .collect();
    let cart_n = if long {
        6 + rng.below(20)
    } else {
        rng.below(5)
    };
    let cart: Vec<Value> = (0..cart_n)
        .map(|j| {
            json!({
                "sku": format!("SKU-{:05}-{j}", rng.below(40_000)),
                "qty": 1 + rng.below(4),
                "price": (rng.below(20_000) as f64) / 100.0 + 0.99,
                "added_at": 1_700_000_000_000_i64 + (rng.below(3_600_000) as i64),
                "removed": rng.below(4) == 0
            })
        })
        .collect();
    let path: Vec<&str> = (0..4 + rng.below(6))
        .map(|_| PAGES[rng.below(PAGES.len() as u64) as usize])
        .collect();
    json!({
        "session_id": format!("s-{i:08}"),
        "shopper_id": format!("shopper-{}", rng.below(250_000)),
        "merchant": MERCHANTS[rng.below(MERCHANTS.len() as u64) as usize],
        "started_at": 1_700_000_000_000_i64 + (i as i64) * 1_000,
        "duration_ms": rng.below(3_600_000),
        "pages": viewed_n,
        "converted": rng.below(10) == 0,
        "referrer": format!("https://search.example/?q=term{}", rng.below(5_000)),
        "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36",
        "device": {"kind": if rng.below(3) == 0 { "desktop" } else { "mobile" }, "os": "android",
                   "width": 360 + rng.below(1_600), "height": 640 + rng.below(800), "touch": true},
        "geo": {"country": "US", "region": format!("R{}", rng.below(50)), "city": format!("city-{}", rng.below(900))},
        "path": path,
        "viewed_skus": viewed,
        "cart": cart
    })
}

fn mapper() -> Mapper {
    Mapper::new(KeyConfig::new().field("cart", "sku"))
}

/// A small row for the row-count table: three cells.
fn count_key(i: usize) -> String {
    format!("c{i:07}")
}

/// The keys and objects, flattened once: what every client writes.
struct Data {
    keys: Vec<String>,
    objects: Vec<Value>,
    families: Vec<FamilySpec>,
}

impl Data {
    /// (row key, object) pairs, as `Table::insert_many`/`load_many` take them.
    fn pairs(&self) -> Vec<(&[u8], &Value)> {
        self.keys
            .iter()
            .map(|k| k.as_bytes())
            .zip(&self.objects)
            .collect()
    }
}

fn generate(rows: usize) -> Data {
    let mapper = mapper();
    let keys: Vec<String> = (0..rows).map(session_key).collect();
    let objects: Vec<Value> = (0..rows).map(session).collect();
    let mut families = BTreeSet::new();
    for object in &objects {
        for family in mapper.families(object).expect("families") {
            families.insert(family);
        }
    }
    Data {
        keys,
        objects,
        families: families.into_iter().map(FamilySpec::new).collect(),
    }
}

/// The flattened cells of every row in a file happybase reads:
/// `u32 rows`, then per row `u32 len, key, u32 cells`, then per cell
/// `u32 column len, u32 value len, family:qualifier, value` (little endian).
fn write_cells(data: &Data, path: &Path) -> (usize, usize, usize) {
    let mapper = mapper();
    let mut out = BufWriter::new(std::fs::File::create(path).expect("create cells file"));
    let (mut cells_total, mut json_total, mut max_json) = (0, 0, 0);
    out.write_all(&(data.keys.len() as u32).to_le_bytes())
        .unwrap();
    for (key, object) in data.keys.iter().zip(&data.objects) {
        let json_len = serde_json::to_vec(object).unwrap().len();
        json_total += json_len;
        max_json = max_json.max(json_len);
        let cells = mapper.flatten(object).unwrap();
        cells_total += cells.len();
        out.write_all(&(key.len() as u32).to_le_bytes()).unwrap();
        out.write_all(key.as_bytes()).unwrap();
        out.write_all(&(cells.len() as u32).to_le_bytes()).unwrap();
        for cell in &cells {
            let column_len = cell.family.len() + 1 + cell.qualifier.len();
            out.write_all(&(column_len as u32).to_le_bytes()).unwrap();
            out.write_all(&(cell.value.len() as u32).to_le_bytes())
                .unwrap();
            out.write_all(cell.family).unwrap();
            out.write_all(b":").unwrap();
            out.write_all(cell.qualifier).unwrap();
            out.write_all(cell.value).unwrap();
        }
    }
    out.flush().unwrap();
    (
        json_total / data.keys.len().max(1),
        max_json,
        cells_total / data.keys.len().max(1),
    )
}

// ------------------------------------------------------------------ clients

type RawClient = HbaseSyncClient<
    TBinaryInputProtocol<TBufferedReadTransport<TcpStream>>,
    TBinaryOutputProtocol<TBufferedWriteTransport<TcpStream>>,
>;

/// The ceiling: the generated Thrift1 client as a bare user builds it,
/// with concrete (not boxed) transports.
fn raw_client(addr: &str) -> RawClient {
    let stream = TcpStream::connect(addr).expect("connect to the gateway");
    stream.set_nodelay(true).unwrap();
    let input = TBinaryInputProtocol::new(
        TBufferedReadTransport::new(stream.try_clone().unwrap()),
        true,
    );
    let output = TBinaryOutputProtocol::new(TBufferedWriteTransport::new(stream), true);
    HbaseSyncClient::new(input, output)
}

/// Pre-encoded puts: each batch's mutations, built before the clock starts.
fn raw_batches(
    mapper: &Mapper,
    keys: &[String],
    objects: &[Value],
    batch: usize,
) -> Vec<Vec<BatchMutation>> {
    keys.chunks(batch)
        .zip(objects.chunks(batch))
        .map(|(keys, objects)| {
            keys.iter()
                .zip(objects)
                .map(|(key, object)| BatchMutation {
                    row: Some(key.as_bytes().to_vec()),
                    mutations: Some(
                        mapper
                            .flatten(object)
                            .unwrap()
                            .iter()
                            .map(|cell| {
                                let mut column = cell.family.to_vec();
                                column.push(b':');
                                column.extend_from_slice(cell.qualifier);
                                TMutation {
                                    is_delete: Some(false),
                                    column: Some(column),
                                    value: Some(cell.value.to_vec()),
                                    write_to_w_a_l: Some(true),
                                }
                            })
                            .collect(),
                    ),
                })
                .collect()
        })
        .collect()
}

fn raw_cells(results: &[TRowResult]) -> usize {
    results
        .iter()
        .map(|r| r.columns.as_ref().map_or(0, |c| c.len()))
        .sum()
}

/// The Python side: one long-lived happybase worker fed JSON commands.
struct Happybase {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Happybase {
    fn start(python: &Path, addr: &str) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/e2e_happybase.py");
        let (host, port) = addr.rsplit_once(':').expect("HOST:PORT");
        let mut child = Command::new(python)
            .arg(&script)
            .args(["serve", host, port])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", python.display()));
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Happybase {
            child,
            stdin,
            stdout,
        }
    }

    fn call(&mut self, command: Value) -> Value {
        writeln!(self.stdin, "{command}").unwrap();
        self.stdin.flush().unwrap();
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        assert!(
            !line.is_empty(),
            "the happybase worker exited (command {})",
            &command.to_string()[..command.to_string().len().min(200)]
        );
        serde_json::from_str(&line).expect("worker answer")
    }

    fn stop(mut self) {
        let _ = writeln!(self.stdin, "{}", json!({"op": "quit"}));
        let _ = self.stdin.flush();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------ results

#[derive(Clone, Debug)]
struct Sample {
    workload: String,
    client: &'static str,
    round: usize,
    /// Objects (rows) handled.
    rows: usize,
    seconds: f64,
    /// Per-call latencies in seconds (point reads, multi-gets).
    latencies: Vec<f64>,
    /// Client peak RSS in KiB (row counts, measured in a child process).
    peak_kb: Option<u64>,
    rss_before_kb: Option<u64>,
    /// CPU seconds the client spent (its main thread; for happybase, the
    /// process): the rest of `seconds` is waiting on the network and server.
    cpu: Option<f64>,
}

impl Sample {
    fn new(workload: &str, client: &'static str, round: usize, rows: usize, seconds: f64) -> Self {
        Sample {
            workload: workload.to_string(),
            client,
            round,
            rows,
            seconds,
            latencies: Vec::new(),
            peak_kb: None,
            rss_before_kb: None,
            cpu: None,
        }
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// One (workload, client) over all rounds.
struct Summary {
    workload: String,
    client: &'static str,
    rounds: usize,
    rows_per_s: f64,
    p50_ms: f64,
    p99_ms: f64,
    seconds: f64,
    peak_mib: Option<f64>,
    delta_mib: Option<f64>,
    /// Median share of the wall time the client spent on its CPU.
    cpu_share: Option<f64>,
}

/// Keys a client reads in one turn of the interleaved point reads.
const POINT_BLOCK: usize = 100;

fn summarize(samples: &[Sample]) -> Vec<Summary> {
    let mut keys: Vec<(String, &'static str)> = Vec::new();
    for s in samples {
        if !keys.iter().any(|(w, c)| *w == s.workload && *c == s.client) {
            keys.push((s.workload.clone(), s.client));
        }
    }
    keys.into_iter()
        .map(|(workload, client)| {
            let mine: Vec<&Sample> = samples
                .iter()
                .filter(|s| s.workload == workload && s.client == client)
                .collect();
            let mut rates: Vec<f64> = mine.iter().map(|s| s.rows as f64 / s.seconds).collect();
            let mut seconds: Vec<f64> = mine.iter().map(|s| s.seconds).collect();
            let mut latencies: Vec<f64> = mine.iter().flat_map(|s| s.latencies.clone()).collect();
            latencies.sort_by(|a, b| a.total_cmp(b));
            let mut peaks: Vec<f64> = mine
                .iter()
                .filter_map(|s| s.peak_kb.map(|kb| kb as f64 / 1024.0))
                .collect();
            let mut deltas: Vec<f64> = mine
                .iter()
                .filter_map(|s| Some((s.peak_kb? as f64 - s.rss_before_kb? as f64) / 1024.0))
                .collect();
            let mut shares: Vec<f64> = mine
                .iter()
                .filter_map(|s| Some(s.cpu? / s.seconds))
                .filter(|share| share.is_finite())
                .collect();
            Summary {
                cpu_share: (!shares.is_empty()).then(|| median(&mut shares)),
                workload,
                client,
                rounds: mine.len(),
                rows_per_s: median(&mut rates),
                p50_ms: percentile(&latencies, 50.0) * 1e3,
                p99_ms: percentile(&latencies, 99.0) * 1e3,
                seconds: median(&mut seconds),
                peak_mib: (!peaks.is_empty()).then(|| median(&mut peaks)),
                delta_mib: (!deltas.is_empty()).then(|| median(&mut deltas)),
            }
        })
        .collect()
}

// ------------------------------------------------------------------ options

struct Opts {
    quick: bool,
    addr: String,
    python: PathBuf,
    out: PathBuf,
    rows: usize,
    rows_batch1: usize,
    insert_rounds: usize,
    read_rounds: usize,
    point_reads: usize,
    multigets: usize,
    count_sizes: Vec<usize>,
    only: Option<String>,
    clients: Option<String>,
}

impl Opts {
    fn parse() -> Self {
        let args: Vec<String> = std::env::args().skip(1).collect();
        let flag = |name: &str| args.iter().any(|a| a == name);
        let value = |name: &str| {
            args.iter()
                .position(|a| a == name)
                .and_then(|i| args.get(i + 1).cloned())
        };
        let quick = flag("--quick");
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        Opts {
            quick,
            addr: std::env::var("E2E_HBASE").unwrap_or_else(|_| "127.0.0.1:29090".to_string()),
            python: std::env::var("E2E_PYTHON")
                .map(PathBuf::from)
                .unwrap_or_else(|_| root.join("target/happybase-venv/bin/python")),
            out: value("--out")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target/bench-e2e")),
            rows: value("--rows")
                .and_then(|v| v.parse().ok())
                .unwrap_or(if quick { 5_000 } else { 100_000 }),
            rows_batch1: if quick { 500 } else { 10_000 },
            insert_rounds: value("--rounds")
                .and_then(|v| v.parse().ok())
                .unwrap_or(if quick { 1 } else { 2 }),
            read_rounds: if quick { 1 } else { 3 },
            point_reads: if quick { 300 } else { 2_000 },
            multigets: if quick { 20 } else { 100 },
            count_sizes: if quick {
                vec![1_000, 10_000, 100_000]
            } else {
                vec![10_000, 100_000, 1_000_000]
            },
            only: value("--only"),
            clients: value("--clients"),
        }
    }

    fn runs(&self, part: &str) -> bool {
        self.only
            .as_deref()
            .is_none_or(|only| only.split(',').any(|p| p == part))
    }

    /// The clients to run (`--clients capjure,ceiling`, for profiling).
    fn clients(&self) -> Vec<&'static str> {
        [CAPJURE, CAPJURE_LOAD, HAPPYBASE, CEILING]
            .into_iter()
            .filter(|c| {
                self.clients
                    .as_deref()
                    .is_none_or(|list| list.split(',').any(|p| p == *c))
            })
            .collect()
    }
}

// ------------------------------------------------------------------ main

const CAPJURE: &str = "capjure";
/// `Table::load_many`: puts only, like happybase's `batch.put` (the
/// `capjure` insert is `insert_many`, which also reads each batch to delete
/// stale columns). Results before `load_many` existed call this client
/// "capjure merge": it ran `merge_many`, then the same puts-only path, so
/// the numbers compare; `merge_many` now reads each batch, as `insert_many`
/// does.
const CAPJURE_LOAD: &str = "capjure load";
const HAPPYBASE: &str = "happybase";
const CEILING: &str = "ceiling";
const MEMORY: &str = "capjure/MemoryStore";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--count-child") {
        count_child(&args[2..]);
        return;
    }
    if args.get(1).map(String::as_str) == Some("--scan-profile") {
        scan_profile(&args[2..]);
        return;
    }
    if args.get(1).map(String::as_str) == Some("--insert-profile") {
        insert_profile(&args[2..]);
        return;
    }
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this
    // binary without it, and a 20-minute benchmark is no test.
    if !args.iter().any(|arg| arg == "--bench") {
        eprintln!("e2e: not run under `cargo test`; run it with scripts/bench-e2e");
        return;
    }
    let opts = Opts::parse();
    std::fs::create_dir_all(&opts.out).expect("create the output directory");
    let t0 = Instant::now();

    eprintln!("e2e: generating {} sessions", opts.rows);
    let data = generate(opts.rows);
    let cells_path = opts.out.join("cells.bin");
    let (mean_json, max_json, mean_cells) = write_cells(&data, &cells_path);
    eprintln!(
        "e2e: sessions are {mean_json} bytes of JSON on average (largest {max_json}), {mean_cells} cells"
    );

    let config = ThriftConfig::new(opts.addr.clone()).call_timeout(Duration::from_secs(300));
    let store = ThriftStore::new(config).expect("connect to the HBase Thrift gateway");
    for table in store.list_tables().expect("list tables") {
        if table.starts_with("e2e_") {
            store.drop_table(&table).expect("drop a leftover table");
        }
    }
    let mut python = Happybase::start(&opts.python, &opts.addr);
    let loaded =
        python.call(json!({"op": "load", "cells": cells_path, "configured": {"cart": "sku"}}));
    assert_eq!(loaded["rows"], opts.rows);

    let mut samples: Vec<Sample> = Vec::new();
    let clients = opts.clients();

    // ---- inserts
    let read_clients: Vec<&'static str> = clients
        .iter()
        .copied()
        .filter(|c| *c != CAPJURE_LOAD)
        .collect();
    if opts.runs("insert") {
        // Warm every client's write path up on a scratch table; not kept.
        let warm_rows = opts.rows.min(2_000);
        let raw = raw_batches(
            &mapper(),
            &data.keys[..warm_rows],
            &data.objects[..warm_rows],
            100,
        );
        for client in &clients {
            let table = format!("e2e_warm_{}", client.replace(' ', "_"));
            store
                .create_table(&table, &data.families)
                .expect("create table");
            insert(
                &opts,
                &store,
                &mut python,
                client,
                &table,
                &data,
                warm_rows,
                100,
                &raw,
            );
            store.drop_table(&table).expect("drop table");
        }
        for (batch, rows) in [(1000, opts.rows), (100, opts.rows), (1, opts.rows_batch1)] {
            let workload = format!("insert, batch {batch}");
            let raw = raw_batches(&mapper(), &data.keys[..rows], &data.objects[..rows], batch);
            for round in 0..opts.insert_rounds {
                for k in 0..clients.len() {
                    let client = clients[(k + round) % clients.len()];
                    let table = format!("e2e_ins_{batch}_{}_{round}", client.replace(' ', "_"));
                    store
                        .create_table(&table, &data.families)
                        .expect("create table");
                    let c0 = thread_cpu();
                    let (seconds, cpu) = insert(
                        &opts,
                        &store,
                        &mut python,
                        client,
                        &table,
                        &data,
                        rows,
                        batch,
                        &raw,
                    );
                    eprintln!(
                        "e2e: {workload:<18} {client:<10} round {round}: {rows} rows in {seconds:.2} s ({:.0} rows/s)",
                        rows as f64 / seconds
                    );
                    let mut s = Sample::new(&workload, client, round, rows, seconds);
                    s.cpu = cpu.or(Some(thread_cpu() - c0));
                    samples.push(s);
                    store.drop_table(&table).expect("drop table");
                }
            }
        }
    }

    // ---- reads, on one table holding every session
    let read_table = "e2e_read";
    if opts.runs("read") {
        store
            .create_table(read_table, &data.families)
            .expect("create table");
        let mut raw = raw_client(&opts.addr);
        for batch in raw_batches(&mapper(), &data.keys, &data.objects, 1000) {
            raw.mutate_rows(read_table.into(), batch, Default::default())
                .expect("load");
        }
        // One full pass first, so that no client pays for a cold cache.
        let _ = scan_ceiling(&mut raw, read_table, 1000);
        let capjure = Table::new(&store, read_table, mapper());
        let mut rng = Rng::new(42);
        for pass in 0..=opts.read_rounds {
            // Pass 0 warms every client's path through the server up; not kept.
            let round = pass;
            let picks: Vec<usize> = (0..opts.point_reads)
                .map(|_| rng.below(opts.rows as u64) as usize)
                .collect();
            let groups: Vec<Vec<usize>> = (0..opts.multigets)
                .map(|_| {
                    (0..100)
                        .map(|_| rng.below(opts.rows as u64) as usize)
                        .collect()
                })
                .collect();
            // Point reads, interleaved: the clients take turns at blocks of
            // POINT_BLOCK keys, so that all of them meet the server in the
            // same state. Read 2,000 keys at a time each, one client's
            // median moved by 25% from round to round with the server's
            // compactions and collections, more than the clients differ.
            let mut point: Vec<Sample> = read_clients
                .iter()
                .map(|&client| Sample::new("point read", client, round, picks.len(), 0.0))
                .collect();
            let mut rust_cpu = vec![0.0; read_clients.len()];
            for (b, block) in picks.chunks(POINT_BLOCK).enumerate() {
                for k in 0..read_clients.len() {
                    let at = (k + round + b) % read_clients.len();
                    let (client, s) = (read_clients[at], &mut point[at]);
                    let c0 = thread_cpu();
                    match client {
                        CAPJURE => {
                            for (n, &i) in block.iter().enumerate() {
                                let t = Instant::now();
                                let object = capjure.get(data.keys[i].as_bytes()).unwrap();
                                s.latencies.push(t.elapsed().as_secs_f64());
                                if b == 0 && n < 20 {
                                    assert_eq!(object.as_ref(), Some(&data.objects[i]));
                                }
                            }
                        }
                        CEILING => {
                            for &i in block {
                                let t = Instant::now();
                                let found = raw
                                    .get_row(
                                        read_table.into(),
                                        data.keys[i].as_bytes().to_vec(),
                                        Default::default(),
                                    )
                                    .unwrap();
                                s.latencies.push(t.elapsed().as_secs_f64());
                                assert_eq!(found.len(), 1);
                            }
                        }
                        _ => {
                            let keys: Vec<&str> =
                                block.iter().map(|&i| data.keys[i].as_str()).collect();
                            let expect: Vec<&Value> = if b == 0 {
                                block.iter().take(20).map(|&i| &data.objects[i]).collect()
                            } else {
                                Vec::new()
                            };
                            let answer = python.call(json!({"op": "get", "table": read_table, "keys": keys, "expect": expect}));
                            s.latencies.extend(floats(&answer["latencies"]));
                            *s.cpu.get_or_insert(0.0) += answer["cpu"].as_f64().unwrap_or(0.0);
                        }
                    }
                    rust_cpu[at] += thread_cpu() - c0;
                }
            }
            for (mut s, cpu) in point.into_iter().zip(rust_cpu) {
                // The Python worker measures its own CPU; ours is this thread's.
                s.cpu = s.cpu.or(Some(cpu));
                s.seconds = s.latencies.iter().sum();
                report(&s);
                if pass > 0 {
                    samples.push(s);
                }
            }
            for k in 0..read_clients.len() {
                let client = read_clients[(k + round) % read_clients.len()];
                // multi-gets of 100 rows
                let mut s = Sample::new("multi-get 100", client, round, groups.len() * 100, 0.0);
                let c0 = thread_cpu();
                match client {
                    CAPJURE => {
                        for (n, group) in groups.iter().enumerate() {
                            let keys: Vec<&[u8]> =
                                group.iter().map(|&i| data.keys[i].as_bytes()).collect();
                            let t = Instant::now();
                            let objects = capjure.get_many(&keys).unwrap();
                            s.latencies.push(t.elapsed().as_secs_f64());
                            assert_eq!(objects.len(), 100);
                            if n == 0 {
                                for (object, &i) in objects.iter().zip(group) {
                                    assert_eq!(object.as_ref(), Some(&data.objects[i]));
                                }
                            }
                        }
                    }
                    CEILING => {
                        for group in &groups {
                            let keys: Vec<Vec<u8>> = group
                                .iter()
                                .map(|&i| data.keys[i].as_bytes().to_vec())
                                .collect();
                            let t = Instant::now();
                            let found = raw
                                .get_rows(read_table.into(), keys, Default::default())
                                .unwrap();
                            s.latencies.push(t.elapsed().as_secs_f64());
                            assert!(raw_cells(&found) > 0);
                        }
                    }
                    _ => {
                        let keys: Vec<Vec<&str>> = groups
                            .iter()
                            .map(|g| g.iter().map(|&i| data.keys[i].as_str()).collect())
                            .collect();
                        let expect: Vec<&Value> =
                            groups[0].iter().map(|&i| &data.objects[i]).collect();
                        let answer = python.call(json!({"op": "multiget", "table": read_table, "groups": keys, "expect": expect}));
                        s.latencies = floats(&answer["latencies"]);
                        s.cpu = answer["cpu"].as_f64();
                    }
                }
                s.cpu = s.cpu.or(Some(thread_cpu() - c0));
                s.seconds = s.latencies.iter().sum();
                report(&s);
                if pass > 0 {
                    samples.push(s);
                }

                // full-table scan
                let c0 = thread_cpu();
                let mut cpu = None;
                let (rows, seconds) = match client {
                    CAPJURE => {
                        let t = Instant::now();
                        let mut rows = 0;
                        for entry in capjure.scan(Scan::all().batch(1000)).unwrap() {
                            let (_, object) = entry.unwrap();
                            std::hint::black_box(object);
                            rows += 1;
                        }
                        (rows, t.elapsed().as_secs_f64())
                    }
                    CEILING => scan_ceiling(&mut raw, read_table, 1000),
                    _ => {
                        let answer =
                            python.call(json!({"op": "scan", "table": read_table, "batch": 1000}));
                        cpu = answer["cpu"].as_f64();
                        (
                            answer["rows"].as_u64().unwrap() as usize,
                            answer["seconds"].as_f64().unwrap(),
                        )
                    }
                };
                assert_eq!(rows, opts.rows, "{client} scanned {rows} rows");
                let mut s = Sample::new("full scan", client, round, rows, seconds);
                s.cpu = cpu.or(Some(thread_cpu() - c0));
                report(&s);
                if pass > 0 {
                    samples.push(s);
                }
            }
        }
    }
    python.stop();

    // ---- row counts, each in a fresh child process for its peak memory
    if opts.runs("count") {
        let count_table = "e2e_count";
        let largest = *opts.count_sizes.iter().max().unwrap();
        store
            .create_table(
                count_table,
                &[
                    FamilySpec::new("n"),
                    FamilySpec::new("kind"),
                    FamilySpec::new("t"),
                ],
            )
            .expect("create table");
        let small = mapper();
        let mut raw = raw_client(&opts.addr);
        let t = Instant::now();
        for start in (0..largest).step_by(1000) {
            let keys: Vec<String> = (start..(start + 1000).min(largest))
                .map(count_key)
                .collect();
            let objects: Vec<Value> = (start..(start + 1000).min(largest))
                .map(|i| json!({"n": i, "kind": "click", "t": 1_700_000_000_000_i64 + i as i64}))
                .collect();
            for batch in raw_batches(&small, &keys, &objects, 1000) {
                raw.mutate_rows(count_table.into(), batch, Default::default())
                    .expect("load");
            }
        }
        eprintln!(
            "e2e: loaded {largest} rows for the counts in {:.1} s",
            t.elapsed().as_secs_f64()
        );
        // One untimed pass, so that no client pays for a cold cache.
        let warm = raw_scan(
            None,
            None,
            1000,
            Some(b"FirstKeyOnlyFilter() AND KeyOnlyFilter()"),
        );
        let id = raw
            .scanner_open_with_scan(count_table.into(), warm, Default::default())
            .unwrap();
        while !raw.scanner_get_list(id, 1000).unwrap().is_empty() {}
        raw.scanner_close(id).unwrap();
        let exe = std::env::current_exe().unwrap();
        for round in 0..opts.read_rounds {
            for &n in &opts.count_sizes {
                let workload = format!("row count {n}");
                for k in 0..read_clients.len() {
                    let client = read_clients[(k + round) % read_clients.len()];
                    let (stop, start) = (count_key(n), count_key(0));
                    let output = match client {
                        HAPPYBASE => {
                            let script = Path::new(env!("CARGO_MANIFEST_DIR"))
                                .join("benches/e2e_happybase.py");
                            let (host, port) = opts.addr.rsplit_once(':').unwrap();
                            Command::new(&opts.python)
                                .arg(script)
                                .args(["count", host, port, count_table, &start, &stop])
                                .output()
                        }
                        _ => Command::new(&exe)
                            .args([
                                "--count-child",
                                client,
                                &opts.addr,
                                count_table,
                                &start,
                                &stop,
                            ])
                            .output(),
                    }
                    .expect("run the count child");
                    assert!(
                        output.status.success(),
                        "{client} count failed: {}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                    let answer: Value =
                        serde_json::from_slice(&output.stdout).expect("count answer");
                    assert_eq!(
                        answer["rows"], n,
                        "{client} counted {} rows",
                        answer["rows"]
                    );
                    let mut s = Sample::new(
                        &workload,
                        client,
                        round,
                        n,
                        answer["seconds"].as_f64().unwrap(),
                    );
                    s.peak_kb = answer["peak_kb"].as_u64();
                    s.rss_before_kb = answer["rss_before_kb"].as_u64();
                    s.cpu = answer["cpu"].as_f64();
                    report(&s);
                    samples.push(s);
                }
            }
        }
    }

    // ---- the embedded store
    if opts.runs("memory") {
        memory_workloads(&opts, &data, &mut samples);
    }

    for table in store.list_tables().expect("list tables") {
        if table.starts_with("e2e_") {
            store.drop_table(&table).expect("drop table");
        }
    }
    let elapsed = t0.elapsed().as_secs_f64();
    write_results(&opts, &samples, (mean_json, max_json, mean_cells), elapsed);
}

fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("latencies")
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect()
}

fn report(s: &Sample) {
    let mut sorted = s.latencies.clone();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let lat = if sorted.is_empty() {
        String::new()
    } else {
        format!(
            ", p50 {:.2} ms, p99 {:.2} ms",
            percentile(&sorted, 50.0) * 1e3,
            percentile(&sorted, 99.0) * 1e3
        )
    };
    let mem = match (s.peak_kb, s.rss_before_kb) {
        (Some(peak), Some(before)) => format!(
            ", peak RSS {} KiB (+{} KiB)",
            peak,
            peak.saturating_sub(before)
        ),
        _ => String::new(),
    };
    eprintln!(
        "e2e: {:<18} {:<10} round {}: {} rows in {:.3} s ({:.0} rows/s){lat}{mem}",
        s.workload,
        s.client,
        s.round,
        s.rows,
        s.seconds,
        s.rows as f64 / s.seconds
    );
}

#[allow(clippy::too_many_arguments)]
fn insert(
    _opts: &Opts,
    store: &ThriftStore,
    python: &mut Happybase,
    client: &str,
    table: &str,
    data: &Data,
    rows: usize,
    batch: usize,
    raw: &[Vec<BatchMutation>],
) -> (f64, Option<f64>) {
    match client {
        CAPJURE | CAPJURE_LOAD => {
            let capjure = Table::new(store, table, mapper()).with_batch_size(batch);
            let pairs: Vec<(&[u8], &Value)> = data.keys[..rows]
                .iter()
                .map(|k| k.as_bytes())
                .zip(&data.objects[..rows])
                .collect();
            let t = Instant::now();
            if client == CAPJURE {
                capjure.insert_many(&pairs, None).unwrap();
            } else {
                // The rows are new (each round has its own table), as
                // `load_many` requires.
                capjure.load_many(&pairs, None).unwrap();
            }
            (t.elapsed().as_secs_f64(), None)
        }
        CEILING => {
            let mut client = raw_client(&_opts.addr);
            let batches = raw.to_vec();
            let t = Instant::now();
            for batch in batches {
                client
                    .mutate_rows(table.into(), batch, Default::default())
                    .unwrap();
            }
            (t.elapsed().as_secs_f64(), None)
        }
        _ => {
            let answer =
                python.call(json!({"op": "insert", "table": table, "rows": rows, "batch": batch}));
            (answer["seconds"].as_f64().unwrap(), answer["cpu"].as_f64())
        }
    }
}

/// A scan with every field given: the generated `Default` fills optional
/// fields with `Some(0)`/`Some(empty)`, which the gateway takes literally.
fn raw_scan(
    start: Option<&[u8]>,
    stop: Option<&[u8]>,
    caching: i32,
    filter: Option<&[u8]>,
) -> TScan {
    TScan {
        start_row: start.map(<[u8]>::to_vec),
        stop_row: stop.map(<[u8]>::to_vec),
        timestamp: None,
        columns: None,
        caching: Some(caching),
        filter_string: filter.map(<[u8]>::to_vec),
        batch_size: None,
        sort_columns: None,
        reversed: None,
        cache_blocks: None,
    }
}

fn scan_ceiling(raw: &mut RawClient, table: &str, batch: i32) -> (usize, f64) {
    let t = Instant::now();
    let scan = raw_scan(None, None, batch, None);
    let id = raw
        .scanner_open_with_scan(table.into(), scan, Default::default())
        .unwrap();
    let mut rows = 0;
    loop {
        let results = raw.scanner_get_list(id, batch).unwrap();
        if results.is_empty() {
            break;
        }
        rows += results.len();
        std::hint::black_box(raw_cells(&results));
    }
    raw.scanner_close(id).unwrap();
    (rows, t.elapsed().as_secs_f64())
}

/// `--scan-profile capjure|ceiling ADDR ROWS`: one full scan of a table of
/// ROWS sessions (loaded on first use) in `scan_hot`, for callgrind to count
/// the client's instructions per row:
///
/// ```text
/// valgrind --tool=callgrind --toggle-collect='e2e::scan_hot' \
///     target/release/deps/e2e-* --scan-profile capjure 127.0.0.1:9090 20000
/// ```
///
/// capjure runs with a pool of one connection, so no batch is fetched ahead
/// on another thread and everything it does is counted.
fn scan_profile(args: &[String]) {
    let [client, addr, rows] = args else {
        panic!("--scan-profile CLIENT ADDR ROWS");
    };
    let rows: usize = rows.parse().expect("ROWS");
    let table = format!("e2e_profile_{rows}");
    let config = ThriftConfig::new(addr.clone())
        .pool_size(1)
        .call_timeout(Duration::from_secs(300));
    let store = ThriftStore::new(config).expect("connect to the HBase Thrift gateway");
    let mut raw = raw_client(addr);
    if !store.list_tables().expect("list tables").contains(&table) {
        let data = generate(rows);
        store
            .create_table(&table, &data.families)
            .expect("create table");
        for batch in raw_batches(&mapper(), &data.keys, &data.objects, 1000) {
            raw.mutate_rows(table.clone().into(), batch, Default::default())
                .expect("load");
        }
    }
    let scanned = scan_hot(client, &store, &mut raw, &table);
    assert_eq!(scanned, rows, "{client} scanned {scanned} rows");
    eprintln!("scan-profile: {client} scanned {scanned} rows");
}

/// The counted part of `--scan-profile`.
#[inline(never)]
fn scan_hot(client: &str, store: &ThriftStore, raw: &mut RawClient, table: &str) -> usize {
    match client {
        CAPJURE => {
            let capjure = Table::new(store, table, mapper());
            let mut rows = 0;
            for entry in capjure.scan(Scan::all().batch(1000)).unwrap() {
                std::hint::black_box(entry.unwrap());
                rows += 1;
            }
            rows
        }
        CEILING => scan_ceiling(raw, table, 1000).0,
        other => panic!("--scan-profile {other}: capjure or ceiling"),
    }
}

/// `--insert-profile capjure|ceiling ADDR ROWS BATCH`: ROWS sessions put
/// into a fresh table, BATCH rows per `mutateRows`, in `insert_hot`, for
/// callgrind to count the client's instructions per row and strace its
/// system calls per call:
///
/// ```text
/// valgrind --tool=callgrind --toggle-collect='e2e::insert_hot' \
///     target/release/deps/e2e-* --insert-profile capjure 127.0.0.1:9090 2000 1
/// strace -f -c target/release/deps/e2e-* --insert-profile ceiling 127.0.0.1:9090 2000 1
/// ```
///
/// capjure is `Table::load_many` (puts only, as the ceiling; `merge_many`
/// before it read each batch), flattening
/// each object inside the counted part; the ceiling's mutations are built
/// before it, as in the benchmark.
fn insert_profile(args: &[String]) {
    let [client, addr, rows, batch] = args else {
        panic!("--insert-profile CLIENT ADDR ROWS BATCH");
    };
    let rows: usize = rows.parse().expect("ROWS");
    let batch: usize = batch.parse().expect("BATCH");
    let table = format!("e2e_iprof_{client}");
    let config = ThriftConfig::new(addr.clone()).call_timeout(Duration::from_secs(300));
    let store = ThriftStore::new(config).expect("connect to the HBase Thrift gateway");
    let data = generate(rows);
    if store.list_tables().expect("list tables").contains(&table) {
        store.drop_table(&table).expect("drop table");
    }
    store
        .create_table(&table, &data.families)
        .expect("create table");
    let raw = match client.as_str() {
        CEILING => raw_batches(&mapper(), &data.keys, &data.objects, batch),
        _ => Vec::new(),
    };
    let mut ceiling = raw_client(addr);
    let t = Instant::now();
    insert_hot(client, &store, &mut ceiling, &table, &data, batch, raw);
    let seconds = t.elapsed().as_secs_f64();
    eprintln!(
        "insert-profile: {client} put {rows} rows, batch {batch}, in {seconds:.3} s ({:.0} rows/s)",
        rows as f64 / seconds
    );
    store.drop_table(&table).expect("drop table");
}

/// The counted part of `--insert-profile`.
#[inline(never)]
fn insert_hot(
    client: &str,
    store: &ThriftStore,
    ceiling: &mut RawClient,
    table: &str,
    data: &Data,
    batch: usize,
    raw: Vec<Vec<BatchMutation>>,
) {
    match client {
        CAPJURE => {
            let capjure = Table::new(store, table, mapper()).with_batch_size(batch);
            capjure.load_many(&data.pairs(), None).expect("load_many");
        }
        CEILING => {
            for batch in raw {
                ceiling
                    .mutate_rows(table.into(), batch, Default::default())
                    .expect("mutate_rows");
            }
        }
        other => panic!("--insert-profile {other}: capjure or ceiling"),
    }
}

/// CPU seconds this thread has run (from the scheduler's nanosecond
/// accounting).
fn thread_cpu() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map_or(f64::NAN, |ns| ns as f64 / 1e9)
}

/// VmHWM and VmRSS of this process, in KiB.
fn memory_kb() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// `--count-child capjure|ceiling ADDR TABLE START STOP`: one keys-only
/// count in a fresh process; prints rows, seconds and the peak RSS.
fn count_child(args: &[String]) {
    let [client, addr, table, start, stop] = args else {
        panic!("--count-child CLIENT ADDR TABLE START STOP");
    };
    let c0 = thread_cpu();
    let (rows, seconds, before) = if client == CAPJURE {
        let store = ThriftStore::new(ThriftConfig::new(addr.clone())).unwrap();
        let table = Table::new(store, table.clone(), Mapper::default());
        let before = memory_kb().0;
        let t = Instant::now();
        let rows = table
            .count_scan(Scan::range(start.as_bytes(), stop.as_bytes()))
            .unwrap() as usize;
        (rows, t.elapsed().as_secs_f64(), before)
    } else {
        let mut raw = raw_client(addr);
        let before = memory_kb().0;
        let t = Instant::now();
        let scan = raw_scan(
            Some(start.as_bytes()),
            Some(stop.as_bytes()),
            1000,
            Some(b"FirstKeyOnlyFilter() AND KeyOnlyFilter()"),
        );
        let id = raw
            .scanner_open_with_scan(table.as_str().into(), scan, Default::default())
            .unwrap();
        let mut rows = 0;
        loop {
            let results = raw.scanner_get_list(id, 1000).unwrap();
            if results.is_empty() {
                break;
            }
            rows += results.len();
        }
        raw.scanner_close(id).unwrap();
        (rows, t.elapsed().as_secs_f64(), before)
    };
    let peak = memory_kb().0;
    println!(
        "{}",
        json!({"rows": rows, "seconds": seconds, "rss_before_kb": before, "peak_kb": peak,
               "cpu": thread_cpu() - c0})
    );
}

fn memory_workloads(opts: &Opts, data: &Data, samples: &mut Vec<Sample>) {
    let pairs = data.pairs();
    for batch in [1000, 100] {
        for round in 0..opts.insert_rounds {
            let table = Table::new(MemoryStore::new(), "m", mapper()).with_batch_size(batch);
            table.store().create_table("m", &data.families).unwrap();
            let t = Instant::now();
            table.insert_many(&pairs, None).unwrap();
            let s = Sample::new(
                &format!("insert, batch {batch}"),
                MEMORY,
                round,
                pairs.len(),
                t.elapsed().as_secs_f64(),
            );
            report(&s);
            samples.push(s);
        }
    }
    let table = Table::new(MemoryStore::new(), "m", mapper()).with_batch_size(100);
    table.store().create_table("m", &data.families).unwrap();
    table.insert_many(&pairs, None).unwrap();
    let mut rng = Rng::new(7);
    for round in 0..opts.read_rounds {
        let mut s = Sample::new("point read", MEMORY, round, opts.point_reads * 10, 0.0);
        for _ in 0..opts.point_reads * 10 {
            let i = rng.below(opts.rows as u64) as usize;
            let t = Instant::now();
            let object = table.get(data.keys[i].as_bytes()).unwrap();
            s.latencies.push(t.elapsed().as_secs_f64());
            std::hint::black_box(object);
        }
        s.seconds = s.latencies.iter().sum();
        report(&s);
        samples.push(s);
        let mut s = Sample::new("multi-get 100", MEMORY, round, opts.multigets * 100, 0.0);
        for _ in 0..opts.multigets {
            let keys: Vec<&[u8]> = (0..100)
                .map(|_| data.keys[rng.below(opts.rows as u64) as usize].as_bytes())
                .collect();
            let t = Instant::now();
            let objects = table.get_many(&keys).unwrap();
            s.latencies.push(t.elapsed().as_secs_f64());
            std::hint::black_box(objects);
        }
        s.seconds = s.latencies.iter().sum();
        report(&s);
        samples.push(s);
        let t = Instant::now();
        let mut rows = 0;
        for entry in table.scan(Scan::all().batch(1000)).unwrap() {
            std::hint::black_box(entry.unwrap());
            rows += 1;
        }
        let s = Sample::new("full scan", MEMORY, round, rows, t.elapsed().as_secs_f64());
        report(&s);
        samples.push(s);
        let t = Instant::now();
        let rows = table.count().unwrap() as usize;
        let s = Sample::new(
            &format!("row count {rows}"),
            MEMORY,
            round,
            rows,
            t.elapsed().as_secs_f64(),
        );
        report(&s);
        samples.push(s);
    }
}

// ------------------------------------------------------------------ report

fn ratio(a: f64, b: f64) -> String {
    if a.is_finite() && b.is_finite() && b > 0.0 {
        format!("{:.2}x", a / b)
    } else {
        "-".to_string()
    }
}

fn fmt_ms(ms: f64) -> String {
    if ms.is_finite() {
        format!("{ms:.2}")
    } else {
        "-".to_string()
    }
}

fn fmt_share(share: Option<f64>) -> String {
    share.map_or("-".to_string(), |share| format!("{:.0}%", share * 100.0))
}

fn write_results(opts: &Opts, samples: &[Sample], sizes: (usize, usize, usize), elapsed: f64) {
    let summaries = summarize(samples);
    let find = |workload: &str, client: &str| {
        summaries
            .iter()
            .find(|s| s.workload == workload && s.client == client)
    };
    let mut md = String::new();
    md.push_str(&format!(
        "Run: {} mode, {} sessions of {} bytes of JSON on average (largest {}), {} cells per row; {:.0} s in all.\n\n",
        if opts.quick { "quick" } else { "full" },
        opts.rows,
        sizes.0,
        sizes.1,
        sizes.2,
        elapsed
    ));
    md.push_str(
        "| workload | client | rounds | rows/s | p50 ms | p99 ms | client CPU | vs happybase | vs ceiling |\n",
    );
    md.push_str("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    let mut workloads: Vec<&str> = Vec::new();
    for s in &summaries {
        if !workloads.contains(&s.workload.as_str()) && !s.workload.starts_with("row count") {
            workloads.push(&s.workload);
        }
    }
    for workload in &workloads {
        for client in [CAPJURE, CAPJURE_LOAD, HAPPYBASE, CEILING, MEMORY] {
            let Some(s) = find(workload, client) else {
                continue;
            };
            let (vs_hb, vs_ceiling) = if client == CAPJURE || client == CAPJURE_LOAD {
                (
                    find(workload, HAPPYBASE)
                        .map_or("-".into(), |h| ratio(s.rows_per_s, h.rows_per_s)),
                    find(workload, CEILING)
                        .map_or("-".into(), |c| ratio(s.rows_per_s, c.rows_per_s)),
                )
            } else {
                ("".into(), "".into())
            };
            md.push_str(&format!(
                "| {workload} | {client} | {} | {:.0} | {} | {} | {} | {vs_hb} | {vs_ceiling} |\n",
                s.rounds,
                s.rows_per_s,
                fmt_ms(s.p50_ms),
                fmt_ms(s.p99_ms),
                fmt_share(s.cpu_share),
            ));
        }
    }
    md.push_str("\nRow counts (keys only; each in a fresh client process; memory is the process's peak RSS, and its growth during the count):\n\n");
    md.push_str("| rows | client | time s | µs/row | client CPU | peak RSS MiB | growth MiB | vs happybase | vs ceiling |\n");
    md.push_str("|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for &n in &opts.count_sizes {
        let workload = format!("row count {n}");
        for client in [CAPJURE, HAPPYBASE, CEILING] {
            let Some(s) = find(&workload, client) else {
                continue;
            };
            let (vs_hb, vs_ceiling) = if client == CAPJURE {
                (
                    find(&workload, HAPPYBASE).map_or("-".into(), |h| ratio(h.seconds, s.seconds)),
                    find(&workload, CEILING).map_or("-".into(), |c| ratio(c.seconds, s.seconds)),
                )
            } else {
                ("".into(), "".into())
            };
            md.push_str(&format!(
                "| {n} | {client} | {:.3} | {:.2} | {} | {:.1} | {:.1} | {vs_hb} | {vs_ceiling} |\n",
                s.seconds,
                s.seconds * 1e6 / n as f64,
                fmt_share(s.cpu_share),
                s.peak_mib.unwrap_or(f64::NAN),
                s.delta_mib.unwrap_or(f64::NAN),
            ));
        }
    }
    std::fs::write(opts.out.join("results.md"), &md).expect("write results.md");
    let raw: Vec<Value> = samples
        .iter()
        .map(|s| {
            json!({"workload": s.workload, "client": s.client, "round": s.round, "rows": s.rows,
                   "seconds": s.seconds, "latencies": s.latencies, "peak_kb": s.peak_kb,
                   "rss_before_kb": s.rss_before_kb, "cpu_s": s.cpu})
        })
        .collect();
    let summary: Vec<Value> = summaries
        .iter()
        .map(|s| {
            json!({"workload": s.workload, "client": s.client, "rounds": s.rounds,
                   "rows_per_s": s.rows_per_s, "p50_ms": s.p50_ms, "p99_ms": s.p99_ms,
                   "seconds": s.seconds, "peak_mib": s.peak_mib, "growth_mib": s.delta_mib,
                   "client_cpu_share": s.cpu_share})
        })
        .collect();
    let out = json!({"quick": opts.quick, "rows": opts.rows, "mean_json_bytes": sizes.0,
                     "max_json_bytes": sizes.1, "mean_cells": sizes.2, "elapsed_s": elapsed,
                     "summary": summary, "samples": raw});
    std::fs::write(
        opts.out.join("results.json"),
        serde_json::to_string_pretty(&out).unwrap(),
    )
    .expect("write results.json");
    println!("{md}");
    eprintln!("e2e: results in {}", opts.out.join("results.md").display());
}
