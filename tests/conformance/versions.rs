//! Versions, max versions, explicit and server timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

use capjure::Cell;
use capjure::store::{Column, Read, RowMutations, Scan};

use crate::Env;

conformance!(
    versions_newest_first_capped_by_max_versions,
    read_as_of_a_timestamp,
    server_timestamps_are_the_clock,
    same_timestamp_overwrites,
    latest_read_returns_one_version,
);

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn versions_newest_first_capped_by_max_versions(env: &Env) {
    let t = env.table(
        "versions_max",
        &[
            capjure::store::FamilySpec::new("two").max_versions(2),
            capjure::store::FamilySpec::new("five").max_versions(5),
        ],
    );
    for ts in [1, 3, 2] {
        let change = RowMutations::new("r")
            .put(Cell::new("two", "q", format!("v{ts}")).at(ts))
            .put(Cell::new("five", "q", format!("v{ts}")).at(ts));
        ok!(env, env.store.mutate(&t, &[change]));
    }
    let row = ok!(
        env,
        env.store.get_row(&t, b"r", &Read::latest().versions(10))
    )
    .expect("row");
    let seen: Vec<(String, i64)> = row
        .cells
        .iter()
        .map(|c| {
            (
                String::from_utf8_lossy(&c.family).into_owned(),
                c.timestamp.unwrap_or(-1),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("five".to_string(), 3),
            ("five".to_string(), 2),
            ("five".to_string(), 1),
            ("two".to_string(), 3),
            ("two".to_string(), 2),
        ],
        "{}",
        env.backend
    );
    // Fewer versions asked for than stored.
    let row = ok!(
        env,
        env.store.get_row(
            &t,
            b"r",
            &Read::latest().versions(2).columns([Column::family("five")])
        )
    )
    .expect("row");
    let stamps: Vec<i64> = row.cells.iter().filter_map(|c| c.timestamp).collect();
    assert_eq!(stamps, vec![3, 2], "{}", env.backend);
}

fn read_as_of_a_timestamp(env: &Env) {
    let t = env.simple("as_of", &["f"], 3);
    for ts in [10, 20, 30] {
        let change = RowMutations::new("r").put(Cell::new("f", "q", format!("v{ts}")).at(ts));
        ok!(env, env.store.mutate(&t, &[change]));
    }
    let at = |before: i64| {
        ok!(
            env,
            env.store.get_row(&t, b"r", &Read::latest().before(before))
        )
        .map(|row| row.cells[0].value.clone())
    };
    assert_eq!(at(10), None, "{}", env.backend);
    assert_eq!(at(11), Some(b"v10".to_vec()), "{}", env.backend);
    assert_eq!(at(30), Some(b"v20".to_vec()), "{}", env.backend);
    assert_eq!(at(31), Some(b"v30".to_vec()), "{}", env.backend);
    let versions = ok!(
        env,
        env.store
            .get_row(&t, b"r", &Read::latest().versions(5).before(30))
    )
    .expect("row");
    assert_eq!(versions.cells.len(), 2, "{}", env.backend);
    let scanned = ok!(env, env.store.scan(&t, &Scan::all().before(21)))
        .next()
        .expect("row")
        .expect("ok");
    assert_eq!(scanned.cells[0].value, b"v20", "{}", env.backend);
}

fn server_timestamps_are_the_clock(env: &Env) {
    let t = env.simple("server_ts", &["f"], 1);
    let before = now();
    ok!(
        env,
        env.store
            .mutate(&t, &[RowMutations::new("r").put(Cell::new("f", "q", "v"))])
    );
    let after = now();
    let row = ok!(env, env.store.get_row(&t, b"r", &Read::latest())).expect("row");
    let ts = row.cells[0].timestamp.expect("timestamp");
    // Same machine: allow a little clock slack for the JVM.
    assert!(
        ts >= before - 1_000 && ts <= after + 1_000,
        "{}: {ts} not in [{before}, {after}]",
        env.backend
    );
}

fn same_timestamp_overwrites(env: &Env) {
    let t = env.simple("same_ts", &["f"], 3);
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "q", "first").at(5))]
        )
    );
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "q", "second").at(5))]
        )
    );
    let row = ok!(
        env,
        env.store.get_row(&t, b"r", &Read::latest().versions(3))
    )
    .expect("row");
    assert_eq!(row.cells.len(), 1, "{}", env.backend);
    assert_eq!(row.cells[0].value, b"second", "{}", env.backend);
}

fn latest_read_returns_one_version(env: &Env) {
    let t = env.simple("latest_one", &["f"], 3);
    let change = RowMutations::new("r")
        .put(Cell::new("f", "q", "old").at(1))
        .put(Cell::new("f", "q", "new").at(2));
    ok!(env, env.store.mutate(&t, &[change]));
    let row = ok!(env, env.store.get_row(&t, b"r", &Read::latest())).expect("row");
    assert_eq!(row.cells.len(), 1, "{}", env.backend);
    assert_eq!(row.cells[0].value, b"new", "{}", env.backend);
    assert_eq!(row.cells[0].timestamp, Some(2), "{}", env.backend);
}
