//! Check-and-put and increments.

use capjure::store::{Check, CompareOp, Read, RowMutations};
use capjure::{Cell, ErrorKind};

use crate::Env;

conformance!(
    check_and_put_compares_the_newest_value,
    check_and_mutate_with_every_compare_op,
    increments_are_8_byte_counters
);

/// `stored OP value` for every op, against the stored value "m"; on
/// Thrift1 only what checkAndPut can (Eq, one put), the rest Unsupported.
fn check_and_mutate_with_every_compare_op(env: &Env) {
    let t = env.simple("cam", &["f", "g"], 1);
    let s = env.store.as_ref();
    ok!(
        env,
        s.mutate(&t, &[RowMutations::new("r").put(Cell::new("f", "q", "m"))])
    );
    let thrift1 = env.is_hbase();
    let cases = [
        (CompareOp::Eq, "m", true),
        (CompareOp::Eq, "z", false),
        (CompareOp::Ne, "z", true),
        (CompareOp::Ne, "m", false),
        (CompareOp::Lt, "z", true),
        (CompareOp::Lt, "m", false),
        (CompareOp::Le, "m", true),
        (CompareOp::Le, "a", false),
        (CompareOp::Gt, "a", true),
        (CompareOp::Gt, "m", false),
        (CompareOp::Ge, "m", true),
        (CompareOp::Ge, "z", false),
    ];
    for (at, (op, value, want)) in cases.into_iter().enumerate() {
        let check = Check::new("f", "q", op, value);
        assert_eq!(check.holds(Some(b"m")), want, "{op:?} {value}");
        // A put and a delete in one atomic step.
        let mark = format!("{at}");
        let change = RowMutations::new("r")
            .put(Cell::new("g", "mark", mark.as_bytes()))
            .delete_column("g", "gone", None);
        match s.check_and_mutate(&t, &check, &change) {
            Ok(applied) => {
                assert!(!thrift1, "thrift1 applied {op:?} with a delete");
                assert_eq!(applied, want, "{}: {op:?} {value}", env.backend);
                let row = ok!(env, s.get_row(&t, b"r", &Read::latest())).expect("row r");
                let marked = row.cell(b"g", b"mark").map(|c| c.value.clone());
                assert_eq!(
                    marked == Some(mark.into_bytes()),
                    want,
                    "{}: {op:?}",
                    env.backend
                );
            }
            Err(err) => {
                assert!(thrift1, "{}: {op:?}: {err}", env.backend);
                assert!(
                    matches!(err.kind(), ErrorKind::Unsupported { .. }),
                    "{err:?}"
                );
            }
        }
    }
    // A missing column: only Check::missing (or an empty value) matches.
    let put = RowMutations::new("r2").put(Cell::new("f", "q", "1"));
    if !thrift1 {
        let below = Check::new("f", "q", CompareOp::Lt, "9");
        assert!(
            !ok!(env, s.check_and_mutate(&t, &below, &put)),
            "{}",
            env.backend
        );
    }
    assert!(
        ok!(env, s.check_and_mutate(&t, &Check::missing("f", "q"), &put)),
        "{}",
        env.backend
    );
    assert!(
        !ok!(env, s.check_and_mutate(&t, &Check::missing("f", "q"), &put)),
        "{}",
        env.backend
    );
}

fn check_and_put_compares_the_newest_value(env: &Env) {
    let t = env.simple("cas", &["f", "g"], 3);
    let s = env.store.as_ref();
    let lock = Cell::new("f", "owner", "alice");
    // Missing column: None matches.
    assert!(
        ok!(env, s.check_and_put(&t, b"r", b"f", b"owner", None, &lock)),
        "{}",
        env.backend
    );
    assert!(
        !ok!(env, s.check_and_put(&t, b"r", b"f", b"owner", None, &lock)),
        "{}",
        env.backend
    );
    // Equal value matches, another does not.
    let bob = Cell::new("f", "owner", "bob");
    assert!(
        !ok!(
            env,
            s.check_and_put(&t, b"r", b"f", b"owner", Some(b"carol"), &bob)
        ),
        "{}",
        env.backend
    );
    assert!(
        ok!(
            env,
            s.check_and_put(&t, b"r", b"f", b"owner", Some(b"alice"), &bob)
        ),
        "{}",
        env.backend
    );
    let row = ok!(env, s.get_row(&t, b"r", &Read::latest())).expect("row");
    assert_eq!(row.cells[0].value, b"bob", "{}", env.backend);
    // The checked column and the written one may differ.
    let other = Cell::new("g", "note", "x");
    assert!(
        ok!(
            env,
            s.check_and_put(&t, b"r", b"f", b"owner", Some(b"bob"), &other)
        ),
        "{}",
        env.backend
    );
    // An empty value counts as "missing" for a None check, as in HBase.
    ok!(
        env,
        s.mutate(&t, &[RowMutations::new("e").put(Cell::new("f", "q", ""))])
    );
    assert!(
        ok!(
            env,
            s.check_and_put(&t, b"e", b"f", b"q", None, &Cell::new("f", "q", "set"))
        ),
        "{}",
        env.backend
    );
    // A timestamp on the put is refused: the gateway writes at its clock.
    let err = s
        .check_and_put(
            &t,
            b"r",
            b"f",
            b"owner",
            None,
            &Cell::new("f", "q", "v").at(5),
        )
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidArgument { .. }),
        "{}: {err:?}",
        env.backend
    );
}

fn increments_are_8_byte_counters(env: &Env) {
    let t = env.simple("incr", &["f"], 1);
    let s = env.store.as_ref();
    assert_eq!(
        ok!(env, s.increment(&t, b"r", b"f", b"hits", 5)),
        5,
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, s.increment(&t, b"r", b"f", b"hits", -7)),
        -2,
        "{}",
        env.backend
    );
    let row = ok!(env, s.get_row(&t, b"r", &Read::latest())).expect("row");
    assert_eq!(
        row.cells[0].value,
        (-2i64).to_be_bytes().to_vec(),
        "{}",
        env.backend
    );
    // An existing 8-byte value counts.
    ok!(
        env,
        s.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "n", 40i64.to_be_bytes()))]
        )
    );
    assert_eq!(
        ok!(env, s.increment(&t, b"r", b"f", b"n", 2)),
        42,
        "{}",
        env.backend
    );
    // Anything else does not.
    ok!(
        env,
        s.mutate(
            &t,
            &[RowMutations::new("r").put(Cell::new("f", "text", "abc"))]
        )
    );
    let err = s.increment(&t, b"r", b"f", b"text", 1).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NotACounter { len: 3, column, .. } if column == "f:text"),
        "{}: {err:?}",
        env.backend
    );
    assert_eq!(err.row(), Some(&b"r"[..]), "{}", env.backend);
}
