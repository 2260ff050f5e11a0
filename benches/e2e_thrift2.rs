//! End-to-end benchmark of the Thrift2 gateway: capjure's `Thrift2Store`,
//! the generated Thrift2 client used directly (the ceiling: the same calls
//! capjure makes, with the cells built before the clock starts), and
//! capjure's Thrift1 `ThriftStore`, on the same workloads against the same
//! HBase, in the same run. Method and results: BENCHMARKS.md.
//!
//! ```text
//! E2E_HBASE=127.0.0.1:29090 E2E_HBASE2=127.0.0.1:29091 \
//!     cargo bench --bench e2e_thrift2 -- [--rows N] [--out target/bench-e2e]
//! ```
//! (`scripts/bench-e2e` runs it after the Thrift1 benchmark.)

use std::collections::BTreeMap;
use std::time::Instant;

use capjure::store::thrift2_generated::{
    TColumn, TColumnValue, TDelete, TDeleteType, TGet, THBaseServiceSyncClient, TMutation, TPut,
    TRowMutations, TScan, TTHBaseServiceSyncClient,
};
use capjure::store::{RowMutations, Store, ThriftConfig};
use capjure::{Cell, Mapper, Table, Thrift2Store, ThriftStore};
use serde_json::{Value, json};
use thrift::protocol::{TBinaryInputProtocol, TBinaryOutputProtocol};
use thrift::transport::{TBufferedReadTransport, TBufferedWriteTransport, TIoChannel, TTcpChannel};

type Raw = THBaseServiceSyncClient<
    TBinaryInputProtocol<TBufferedReadTransport<thrift::transport::ReadHalf<TTcpChannel>>>,
    TBinaryOutputProtocol<TBufferedWriteTransport<thrift::transport::WriteHalf<TTcpChannel>>>,
>;

fn raw_client(address: &str) -> Raw {
    let stream = std::net::TcpStream::connect(address).expect("connect to the Thrift2 gateway");
    // As capjure's connections: no Nagle delay on small calls.
    stream.set_nodelay(true).expect("nodelay");
    let (read, write) = TTcpChannel::with_stream(stream)
        .split()
        .expect("split the channel");
    THBaseServiceSyncClient::new(
        TBinaryInputProtocol::new(TBufferedReadTransport::new(read), true),
        TBinaryOutputProtocol::new(TBufferedWriteTransport::new(write), true),
    )
}

/// Object `i` of generation `round`: ~0.5 KB, a few fields of which change
/// between rounds, so that a replace deletes some columns.
fn object(i: usize, round: usize) -> Value {
    let pages: Vec<String> = (0..(3 + (i + round) % 5))
        .map(|p| format!("/p/{}", (i * 7 + p * 13 + round) % 97))
        .collect();
    let merchant = ["acme", "bolt", "cobalt", "delta"][i % 4];
    let mut object = json!({
        "shopper": format!("s{:06}", i % 997),
        "merchant": merchant,
        "pages": pages,
        "cart": {"items": (i + round) % 9, "total": format!("{}.{:02}", i % 500, round % 100)},
        "agent": "Mozilla/5.0 (X11; Linux x86_64) capjure-bench",
    });
    if round % 2 == 0 {
        object["coupon"] = json!(format!("C{}", i % 31));
    }
    object
}

fn key(i: usize) -> Vec<u8> {
    format!("{:04x}/s{i:08}", (i * 2_654_435_761) & 0xffff).into_bytes()
}

struct Sample {
    workload: &'static str,
    client: &'static str,
    ms: f64,
    ops: usize,
}

fn timed(
    samples: &mut Vec<Sample>,
    workload: &'static str,
    client: &'static str,
    ops: usize,
    run: impl FnOnce(),
) {
    let started = Instant::now();
    run();
    let ms = started.elapsed().as_secs_f64() * 1e3;
    eprintln!("{workload:>12} {client:>16}: {ms:9.1} ms for {ops} ops");
    samples.push(Sample {
        workload,
        client,
        ms,
        ops,
    });
}

/// A read workload: one untimed pass (caches warm for every client alike,
/// whichever runs first), then the timed one.
fn warm_timed(
    samples: &mut Vec<Sample>,
    workload: &'static str,
    client: &'static str,
    ops: usize,
    mut run: impl FnMut(),
) {
    run();
    timed(samples, workload, client, ops, run);
}

/// The mutateRow capjure's replace sends for a row: family deletes at
/// `at - 1`, the cells at `at`.
fn replace_mutations(row: &[u8], cells: &[Cell], families: &[Vec<u8>], at: i64) -> TRowMutations {
    let deletes = TDelete::new(
        row.to_vec(),
        families
            .iter()
            .map(|f| TColumn::new(f.clone(), None, at - 1))
            .collect::<Vec<_>>(),
        None,
        TDeleteType::DELETE_FAMILY,
        None,
        None,
    );
    let put = TPut::new(
        row.to_vec(),
        cells
            .iter()
            .map(|c| {
                TColumnValue::new(
                    c.family.clone(),
                    c.qualifier.clone(),
                    c.value.clone(),
                    at,
                    None,
                    None,
                )
            })
            .collect::<Vec<_>>(),
        None,
        None,
        None,
        None,
    );
    TRowMutations::new(
        row.to_vec(),
        vec![TMutation::Put(put), TMutation::DeleteSingle(deletes)],
    )
}

fn get(row: &[u8], versions: i32) -> TGet {
    let mut get = TGet::new(
        row.to_vec(),
        None,
        None,
        None,
        versions,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    );
    get.max_versions = Some(versions);
    get
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| args.iter().skip_while(|a| *a != name).nth(1).cloned();
    if args.iter().any(|a| a == "--list") {
        return;
    }
    let rows: usize = arg("--rows").and_then(|r| r.parse().ok()).unwrap_or(2000);
    let out = arg("--out").unwrap_or_else(|| "target/bench-e2e".into());
    let (Ok(t1), Ok(t2)) = (std::env::var("E2E_HBASE"), std::env::var("E2E_HBASE2")) else {
        eprintln!(
            "e2e_thrift2: set E2E_HBASE (Thrift1) and E2E_HBASE2 (Thrift2); see scripts/bench-e2e"
        );
        return;
    };
    let thrift2 = Thrift2Store::new(ThriftConfig::new(t2.clone())).expect("Thrift2Store");
    let thrift1 = ThriftStore::new(ThriftConfig::new(t1)).expect("ThriftStore");
    let mut raw = raw_client(&t2);
    let mapper = Mapper::default();
    let samples_objects = [object(0, 0), object(1, 1)];
    let sample_refs: Vec<&Value> = samples_objects.iter().collect();
    let suffix = std::process::id();
    let mut samples = Vec::new();

    let stores: [(&'static str, &dyn Store); 2] =
        [("capjure/thrift2", &thrift2), ("capjure/thrift1", &thrift1)];
    let ceiling_table = format!("bench_t2_ceiling_{suffix}");
    let ceiling = Table::new(
        &thrift2 as &dyn Store,
        ceiling_table.clone(),
        mapper.clone(),
    );
    ceiling.create(&sample_refs, 5).expect("create");
    let families: Vec<Vec<u8>> = thrift2
        .families(&ceiling_table)
        .expect("families")
        .into_iter()
        .map(|f| f.name.into_bytes())
        .collect();
    let keys: Vec<Vec<u8>> = (0..rows).map(key).collect();

    // insert (replace): round 0 creates, round 1 replaces (timed).
    for round in 0..2 {
        let cells: Vec<Vec<Cell>> = (0..rows)
            .map(|i| {
                mapper
                    .flatten(&object(i, round))
                    .expect("flatten")
                    .iter()
                    .map(|c| c.to_cell())
                    .collect()
            })
            .collect();
        let at = thrift2.next_timestamp();
        let changes: Vec<TRowMutations> = keys
            .iter()
            .zip(&cells)
            .map(|(k, c)| replace_mutations(k, c, &families, at))
            .collect();
        let run = || {
            for change in changes {
                raw.mutate_row(ceiling_table.clone().into_bytes(), change)
                    .expect("mutateRow");
            }
        };
        if round == 1 {
            timed(&mut samples, "insert", "ceiling", rows, run);
        } else {
            run();
        }
    }
    let mut tables = Vec::new();
    for (name, store) in stores {
        let table = Table::new(
            store,
            format!("bench_t2_{}_{suffix}", &name[8..]),
            mapper.clone(),
        );
        table.create(&sample_refs, 5).expect("create");
        for round in 0..2 {
            let objects: Vec<Value> = (0..rows).map(|i| object(i, round)).collect();
            let pairs: Vec<(&[u8], &Value)> =
                keys.iter().map(|k| k.as_slice()).zip(&objects).collect();
            let run = || table.insert_many(&pairs, None).expect("insert_many");
            if round == 1 {
                timed(&mut samples, "insert", name, rows, run);
            } else {
                run();
            }
        }
        let patches: Vec<Value> = (0..rows)
            .map(|i| json!({"cart": {"items": i % 7}, "coupon": format!("M{i}")}))
            .collect();
        let pairs: Vec<(&[u8], &Value)> = keys.iter().map(|k| k.as_slice()).zip(&patches).collect();
        timed(&mut samples, "merge", name, rows, || {
            table.merge_many(&pairs, None).expect("merge_many")
        });
        tables.push((name, table));
    }

    // point reads, multi-gets, scans.
    let reads = rows.min(1000);
    let picks: Vec<&[u8]> = (0..reads)
        .map(|i| keys[(i * 7919) % rows].as_slice())
        .collect();
    warm_timed(&mut samples, "point read", "ceiling", reads, || {
        for k in &picks {
            raw.get(ceiling_table.clone().into_bytes(), get(k, 1))
                .expect("get");
        }
    });
    for (name, table) in &tables {
        warm_timed(&mut samples, "point read", name, reads, || {
            for k in &picks {
                table.get(k).expect("get").expect("row");
            }
        });
    }
    let groups: Vec<Vec<Vec<u8>>> = picks
        .chunks(100)
        .map(|c| c.iter().map(|k| k.to_vec()).collect())
        .collect();
    warm_timed(&mut samples, "multi-get", "ceiling", reads, || {
        for group in &groups {
            let gets = group.iter().map(|k| get(k, 1)).collect();
            raw.get_multiple(ceiling_table.clone().into_bytes(), gets)
                .expect("getMultiple");
        }
    });
    for (name, table) in &tables {
        warm_timed(&mut samples, "multi-get", name, reads, || {
            for group in &groups {
                table.get_many(group).expect("get_many");
            }
        });
    }
    warm_timed(&mut samples, "scan", "ceiling", rows, || {
        let mut start: Option<Vec<u8>> = None;
        loop {
            // Every field spelled out: the IDL's defaults send an empty
            // filter and zero limits, which the gateway rejects.
            let scan = TScan {
                start_row: start.clone(),
                stop_row: None,
                columns: None,
                caching: Some(100),
                max_versions: None,
                time_range: None,
                filter_string: None,
                batch_size: None,
                attributes: None,
                authorizations: None,
                reversed: None,
                cache_blocks: None,
                col_fam_time_range_map: None,
                read_type: None,
                limit: None,
                consistency: None,
                target_replica_id: None,
                filter_bytes: None,
            };
            let batch = raw
                .get_scanner_results(ceiling_table.clone().into_bytes(), scan, 100)
                .expect("scan");
            let Some(last) = batch.last().and_then(|r| r.row.clone()) else {
                break;
            };
            if batch.len() < 100 {
                break;
            }
            let mut next = last;
            next.push(0);
            start = Some(next);
        }
    });
    for (name, table) in &tables {
        warm_timed(&mut samples, "scan", name, rows, || {
            let n = table
                .scan(capjure::store::Scan::all())
                .expect("scan")
                .count();
            assert_eq!(n, rows);
        });
    }

    // versions(5): five versions of two columns in rows of their own
    // (a replace would have deleted older ones), written at explicit
    // timestamps through the stores.
    let vrows = reads.min(200);
    let vkeys: Vec<Vec<u8>> = (0..vrows)
        .map(|i| format!("ver{i:06}").into_bytes())
        .collect();
    let version_tables = [(&thrift2 as &dyn Store, ceiling_table.as_str())]
        .into_iter()
        .chain(tables.iter().map(|(_, t)| (table_store(t), t.name())));
    for (store, name) in version_tables {
        for row in &vkeys {
            let changes: Vec<RowMutations> = (1..=5)
                .map(|ts| {
                    RowMutations::new(row.clone())
                        .put(Cell::new("shopper", "", format!("\"v{ts}\"")).at(ts))
                        .put(Cell::new("merchant", "", format!("\"m{ts}\"")).at(ts))
                })
                .collect();
            store.mutate(name, &changes).expect("versions");
        }
    }
    warm_timed(&mut samples, "versions(5)", "ceiling", vrows, || {
        for k in keys.iter().take(vrows) {
            raw.get(ceiling_table.clone().into_bytes(), get(k, 5))
                .expect("get");
        }
    });
    for (name, table) in &tables {
        warm_timed(&mut samples, "versions(5)", name, vrows, || {
            for k in &vkeys {
                table.versions(k, 5, None).expect("versions");
            }
        });
    }

    for (_, table) in &tables {
        let _ = table_store(table).drop_table(table.name());
    }
    let _ = thrift2.drop_table(&ceiling_table);
    write_results(&out, rows, &samples);
}

fn table_store<'a>(table: &'a Table<&'a dyn Store>) -> &'a dyn Store {
    *table.store()
}

fn write_results(out: &str, rows: usize, samples: &[Sample]) {
    let mut by: BTreeMap<&str, BTreeMap<&str, &Sample>> = BTreeMap::new();
    for s in samples {
        by.entry(s.workload).or_default().insert(s.client, s);
    }
    let mut md = format!(
        "Thrift2 end to end, {rows} rows: ops/s (ratio to the Thrift2 ceiling)\n\n\
         | workload | ceiling (raw Thrift2) | capjure/thrift2 | capjure/thrift1 |\n|---|---|---|---|\n"
    );
    for workload in [
        "insert",
        "merge",
        "point read",
        "multi-get",
        "versions(5)",
        "scan",
    ] {
        let Some(clients) = by.get(workload) else {
            continue;
        };
        let rate = |s: &Sample| s.ops as f64 / (s.ms / 1e3);
        let ceiling = clients.get("ceiling").map(|s| rate(s));
        let cell = |client: &str| match clients.get(client) {
            None => "-".to_string(),
            Some(s) => match ceiling {
                Some(c) if client != "ceiling" => format!("{:.0} ({:.2}x)", rate(s), rate(s) / c),
                _ => format!("{:.0}", rate(s)),
            },
        };
        md.push_str(&format!(
            "| {workload} | {} | {} | {} |\n",
            cell("ceiling"),
            cell("capjure/thrift2"),
            cell("capjure/thrift1")
        ));
    }
    println!("{md}");
    let _ = std::fs::create_dir_all(out);
    let _ = std::fs::write(format!("{out}/thrift2.md"), md);
}
