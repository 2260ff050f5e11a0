//! Each kind of delete, and HBase's delete-marker semantics.

use capjure::Cell;
use capjure::store::{Read, Row, RowMutations};

use crate::Env;

conformance!(
    delete_column_at_timestamp_keeps_newer_versions,
    delete_column_without_timestamp_removes_all_versions,
    delete_family_at_timestamp,
    delete_rows_removes_every_version_of_every_family,
    delete_marker_masks_later_puts_with_older_timestamps,
    put_and_delete_in_one_call_without_timestamps,
    deleting_a_missing_row_is_fine,
);

fn stamps(row: &Option<Row>) -> Vec<(Vec<u8>, i64)> {
    row.iter()
        .flat_map(|r| r.cells.iter())
        .map(|c| (c.qualifier.clone(), c.timestamp.unwrap_or(-1)))
        .collect()
}

fn seed(env: &Env, t: &str) {
    let mut change = RowMutations::new("r");
    for ts in [10, 20, 30] {
        change = change
            .put(Cell::new("f", "a", format!("a{ts}")).at(ts))
            .put(Cell::new("f", "b", format!("b{ts}")).at(ts))
            .put(Cell::new("g", "c", format!("c{ts}")).at(ts));
    }
    ok!(env, env.store.mutate(t, &[change]));
}

fn delete_column_at_timestamp_keeps_newer_versions(env: &Env) {
    let t = env.simple("del_col_ts", &["f", "g"], 5);
    seed(env, &t);
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r").delete_column("f", "a", Some(20))]
        )
    );
    let row = ok!(
        env,
        env.store.get_row(
            &t,
            b"r",
            &Read::latest()
                .versions(5)
                .columns([capjure::store::Column::family("f")])
        )
    );
    assert_eq!(
        stamps(&row),
        vec![
            (b"a".to_vec(), 30),
            (b"b".to_vec(), 30),
            (b"b".to_vec(), 20),
            (b"b".to_vec(), 10)
        ],
        "{}",
        env.backend
    );
}

fn delete_column_without_timestamp_removes_all_versions(env: &Env) {
    let t = env.simple("del_col_now", &["f", "g"], 5);
    seed(env, &t);
    ok!(
        env,
        env.store
            .mutate(&t, &[RowMutations::new("r").delete_column("f", "a", None)])
    );
    let row = ok!(
        env,
        env.store.get_row(&t, b"r", &Read::latest().versions(5))
    );
    assert!(
        row.as_ref()
            .is_some_and(|r| r.cells.iter().all(|c| c.qualifier != b"a")),
        "{}",
        env.backend
    );
    assert_eq!(row.map(|r| r.cells.len()), Some(6), "{}", env.backend);
}

fn delete_family_at_timestamp(env: &Env) {
    let t = env.simple("del_fam", &["f", "g"], 5);
    seed(env, &t);
    ok!(
        env,
        env.store
            .mutate(&t, &[RowMutations::new("r").delete_family("f", Some(25))])
    );
    let row = ok!(
        env,
        env.store.get_row(&t, b"r", &Read::latest().versions(5))
    );
    assert_eq!(
        stamps(&row),
        vec![
            (b"a".to_vec(), 30),
            (b"b".to_vec(), 30),
            (b"c".to_vec(), 30),
            (b"c".to_vec(), 20),
            (b"c".to_vec(), 10)
        ],
        "{}",
        env.backend
    );
}

fn delete_rows_removes_every_version_of_every_family(env: &Env) {
    let t = env.simple("del_rows", &["f", "g"], 5);
    seed(env, &t);
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("keep").put(Cell::new("f", "a", "x"))]
        )
    );
    ok!(env, env.store.delete_rows(&t, &[b"r".to_vec()], None));
    assert!(
        ok!(
            env,
            env.store.get_row(&t, b"r", &Read::latest().versions(5))
        )
        .is_none(),
        "{}",
        env.backend
    );
    assert!(
        ok!(env, env.store.get_row(&t, b"keep", &Read::latest())).is_some(),
        "{}",
        env.backend
    );
    // At a timestamp: only versions at or below it go.
    seed(env, &t);
    // The row delete above sits at "now", far above 30: nothing comes back.
    assert!(
        ok!(env, env.store.get_row(&t, b"r", &Read::latest())).is_none(),
        "{}",
        env.backend
    );
    seed_other(env, &t);
    ok!(env, env.store.delete_rows(&t, &[b"s".to_vec()], Some(20)));
    let row = ok!(
        env,
        env.store.get_row(&t, b"s", &Read::latest().versions(5))
    );
    assert_eq!(
        stamps(&row),
        vec![
            (b"a".to_vec(), 30),
            (b"b".to_vec(), 30),
            (b"c".to_vec(), 30)
        ],
        "{}",
        env.backend
    );
}

fn seed_other(env: &Env, t: &str) {
    let mut change = RowMutations::new("s");
    for ts in [10, 20, 30] {
        change = change
            .put(Cell::new("f", "a", "a").at(ts))
            .put(Cell::new("f", "b", "b").at(ts))
            .put(Cell::new("g", "c", "c").at(ts));
    }
    ok!(env, env.store.mutate(t, &[change]));
}

fn delete_marker_masks_later_puts_with_older_timestamps(env: &Env) {
    let t = env.simple("del_mask", &["f"], 5);
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r").delete_column("f", "a", Some(100))]
        )
    );
    // Arrives after the delete, with an older timestamp: hidden until a
    // major compaction.
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "a", "late").at(50))]
        )
    );
    assert!(
        ok!(env, env.store.get_row(&t, b"r", &Read::latest())).is_none(),
        "{}",
        env.backend
    );
    // A newer put is visible.
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "a", "new").at(101))]
        )
    );
    let row = ok!(
        env,
        env.store.get_row(&t, b"r", &Read::latest().versions(5))
    )
    .expect("row");
    assert_eq!(row.cells.len(), 1, "{}", env.backend);
    assert_eq!(row.cells[0].value, b"new", "{}", env.backend);
    // A family marker masks other columns too.
    ok!(
        env,
        env.store
            .mutate(&t, &[RowMutations::new("r").delete_family("f", Some(200))])
    );
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "z", "late").at(150))]
        )
    );
    assert!(
        ok!(env, env.store.get_row(&t, b"r", &Read::latest())).is_none(),
        "{}",
        env.backend
    );
}

fn put_and_delete_in_one_call_without_timestamps(env: &Env) {
    // The gateway applies a call's puts, then its deletes, both at the
    // server's clock: the delete hides the put.
    let t = env.simple("put_del", &["f"], 1);
    let change = RowMutations::new("r")
        .put(Cell::new("f", "a", "v"))
        .put(Cell::new("f", "b", "v"))
        .delete_column("f", "a", None);
    ok!(env, env.store.mutate(&t, &[change]));
    let row = ok!(env, env.store.get_row(&t, b"r", &Read::latest())).expect("row");
    let qualifiers: Vec<&[u8]> = row.cells.iter().map(|c| c.qualifier.as_slice()).collect();
    assert_eq!(qualifiers, vec![&b"b"[..]], "{}", env.backend);
}

fn deleting_a_missing_row_is_fine(env: &Env) {
    let t = env.simple("del_missing", &["f"], 1);
    ok!(env, env.store.delete_rows(&t, &[b"nobody".to_vec()], None));
    ok!(
        env,
        env.store.mutate(
            &t,
            &[RowMutations::new("nobody").delete_column("f", "q", None)]
        )
    );
}
