//! `EntityTable::query`: conditions on Rust fields of derived entities
//! under the json and java codecs (each checked against a brute-force
//! filter of what was written), composite-key prefixes in both orders,
//! limits counted after client-side checks, time ranges, values built to
//! break a filter string, and conditions on fields the entity lacks.

use capjure::store::Store;
use capjure::table::Cond;
use capjure::{Entity, EntityTable, ErrorKind, StoreExt};
use serde::{Deserialize, Serialize};

use crate::Env;

conformance!(
    every_op_under_the_json_codec,
    every_op_under_the_java_codec,
    prefix_reverse_and_limit_on_composite_keys,
    limit_counts_after_client_side_checks,
    since_and_before_pick_writes,
    injection_values_through_the_typed_path,
    unknown_fields_are_errors_naming_them,
);

/// Some of a record's fields, named as the record stores them.
#[derive(Deserialize, Debug, PartialEq)]
struct Picked {
    id: u32,
    nm: String,
    views: i64,
    note: Option<String>,
}

/// A record field under its Rust name, which the record renames.
#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct ByRustName {
    name: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Device {
    kind: String,
    width: u32,
}

/// The same record under each codec: a module per codec.
macro_rules! record {
    ($module:ident, $codec:literal) => {
        mod $module {
            use super::Device;
            use capjure::Entity;

            #[derive(Entity, Debug, Clone, PartialEq)]
            #[capjure(table = "records", codec = $codec)]
            pub struct Rec {
                #[capjure(row_key)]
                pub id: u32,
                #[capjure(rename = "nm")]
                pub name: String,
                pub n: i32,
                pub big: i64,
                pub ok: bool,
                pub device: Device,
                pub note: Option<String>,
                #[capjure(counter)]
                pub views: i64,
            }
        }
    };
}

record!(json_rec, "json");
record!(java_rec, "java");

/// Names holding every character a filter string treats specially.
const NAMES: [&str; 8] = [
    "it's",
    "''",
    "')",
    "a,b AND c OR d",
    "\u{0}x",
    "ÿ\u{ff}'",
    "plain",
    "\")(",
];

macro_rules! every_op {
    ($env:expr, $module:ident) => {{
        use $module::Rec;
        let env: &Env = $env;
        let table = env
            .store
            .as_ref()
            .entities::<Rec>()
            .named(env.name("typedq"))
            .with_batch_size(3);
        ok!(env, table.create());
        let all: Vec<Rec> = (0..8u32)
            .map(|i| Rec {
                id: i,
                name: NAMES[i as usize].to_string(),
                n: i as i32 * 7 - 20,
                big: 1 << (i * 5),
                ok: i % 3 == 0,
                device: Device {
                    kind: if i % 2 == 0 { "mobile" } else { "desktop" }.into(),
                    width: 300 + i * 50,
                },
                note: (i % 4 == 1).then(|| format!("note {i}")),
                views: 0,
            })
            .collect();
        ok!(env, table.insert_many(&all, None));
        for i in [2u32, 5] {
            ok!(env, table.increment(&i, "views", i64::from(i) * 10));
        }
        let views = |r: &Rec| match r.id {
            2 => 20,
            5 => 50,
            _ => 0,
        };
        type Case = (Cond, Box<dyn Fn(&Rec) -> bool>);
        let cases: Vec<Case> = vec![
            (Cond::key("n").eq(1i32), Box::new(|r| r.n == 1)),
            (Cond::key("n").ne(1i32), Box::new(|r| r.n != 1)),
            (Cond::key("n").lt(1i32), Box::new(|r| r.n < 1)),
            (Cond::key("n").le(1i32), Box::new(|r| r.n <= 1)),
            (Cond::key("n").gt(-6i32), Box::new(|r| r.n > -6)),
            (Cond::key("n").ge(-6i32), Box::new(|r| r.n >= -6)),
            (Cond::key("big").gt(1000i64), Box::new(|r| r.big > 1000)),
            (Cond::key("name").eq("it's"), Box::new(|r| r.name == "it's")),
            (
                Cond::key("name").lt("b"),
                Box::new(|r| r.name.as_str() < "b"),
            ),
            (
                Cond::key("name").prefix("'"),
                Box::new(|r| r.name.starts_with('\'')),
            ),
            (Cond::key("ok").eq(true), Box::new(|r| r.ok)),
            (
                Cond::key("device.kind").eq("mobile"),
                Box::new(|r| r.device.kind == "mobile"),
            ),
            (
                Cond::field("device", "width").ge(450u32),
                Box::new(|r| r.device.width >= 450),
            ),
            (Cond::key("note").exists(), Box::new(|r| r.note.is_some())),
            (Cond::key("note").missing(), Box::new(|r| r.note.is_none())),
            (
                Cond::key("views").gt(10i64),
                Box::new(move |r| views(r) > 10),
            ),
            (
                Cond::key("views").eq(20i64),
                Box::new(move |r| views(r) == 20),
            ),
            (
                Cond::key("device.kind")
                    .eq("mobile")
                    .and(Cond::key("n").gt(0i32)),
                Box::new(|r| r.device.kind == "mobile" && r.n > 0),
            ),
            (
                Cond::key("ok").eq(true).or(Cond::key("name").eq("plain")),
                Box::new(|r| r.ok || r.name == "plain"),
            ),
        ];
        for (cond, wanted) in cases {
            let expected: Vec<u32> = all.iter().filter(|r| wanted(r)).map(|r| r.id).collect();
            let got: Vec<u32> = ok!(env, table.query().filter(cond.clone()).iter())
                .map(|r| r.map(|r| r.id))
                .collect::<Result<_, _>>()
                .unwrap_or_else(|err| panic!("{}: {cond:?}: {err}", env.backend));
            assert_eq!(got, expected, "{}: {cond:?}", env.backend);
            let keys: Vec<u32> = ok!(env, table.query().filter(cond.clone()).keys())
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(keys, expected, "{}: keys of {cond:?}", env.backend);
            let count = ok!(env, table.query().filter(cond.clone()).count());
            assert_eq!(
                count,
                expected.len() as u64,
                "{}: count of {cond:?}",
                env.backend
            );
        }
        // Entities come back whole, keyed by their decoded keys.
        let keyed: Vec<(u32, Rec)> =
            ok!(env, table.query().filter(Cond::key("n").gt(20i32)).keyed())
                .collect::<Result<_, _>>()
                .unwrap();
        let mut expected: Vec<(u32, Rec)> = all
            .iter()
            .filter(|r| r.n > 20)
            .map(|r| (r.id, r.clone()))
            .collect();
        for (_, r) in &mut expected {
            r.views = views(r);
        }
        assert_eq!(keyed, expected, "{}", env.backend);

        // Projections read only the selected fields, counters included.
        let picked: Vec<Picked> = ok!(
            env,
            table.query().filter(Cond::key("n").gt(-10i32)).limit(4).select::<Picked>()
        )
        .collect::<Result<_, _>>()
        .unwrap();
        let expected: Vec<Picked> = all
            .iter()
            .filter(|r| r.n > -10)
            .take(4)
            .map(|r| Picked {
                id: r.id,
                nm: r.name.clone(),
                views: views(r),
                note: r.note.clone(),
            })
            .collect();
        assert_eq!(picked, expected, "{}", env.backend);
        let err = table.query().select::<ByRustName>().unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::UnusableField { field, .. } if field == "name"),
            "{}: {err}",
            env.backend
        );
    }};
}

fn every_op_under_the_json_codec(env: &Env) {
    every_op!(env, json_rec);
}

fn every_op_under_the_java_codec(env: &Env) {
    every_op!(env, java_rec);
}

/// Visits newest first per shopper.
#[derive(Entity, Debug, Clone, PartialEq)]
#[capjure(table = "visits")]
struct Visit {
    #[capjure(row_key)]
    shopper: String,
    #[capjure(row_key(descending))]
    at: i64,
    pages: u32,
}

fn visits(env: &Env) -> EntityTable<Visit, &dyn Store> {
    let table = env
        .store
        .as_ref()
        .entities::<Visit>()
        .named(env.name("typedq_visits"))
        .with_batch_size(2);
    ok!(env, table.create());
    table
}

fn ats(found: capjure::Result<capjure::Entities<'_, Visit>>) -> Vec<i64> {
    found
        .and_then(|found| found.map(|v| v.map(|v| v.at)).collect())
        .unwrap()
}

fn prefix_reverse_and_limit_on_composite_keys(env: &Env) {
    let table = visits(env);
    let mut all = Vec::new();
    for (shopper, n) in [("al", 3), ("alice", 6), ("alicf", 2), ("bob", 2)] {
        for at in 1..=n {
            all.push(Visit {
                shopper: shopper.into(),
                at,
                pages: at as u32,
            });
        }
    }
    ok!(env, table.insert_many(&all, None));
    let alice = || table.query().prefix(("alice",));
    assert_eq!(ats(alice().iter()), [6, 5, 4, 3, 2, 1], "{}", env.backend);
    // Newest first, reversed: oldest first.
    assert_eq!(
        ats(alice().reverse().iter()),
        [1, 2, 3, 4, 5, 6],
        "{}",
        env.backend
    );
    assert_eq!(
        ats(alice().reverse().limit(2).iter()),
        [1, 2],
        "{}",
        env.backend
    );
    assert_eq!(ats(alice().limit(2).iter()), [6, 5], "{}", env.backend);
    // A typed range in row order, both ways.
    let range = || {
        table
            .query()
            .range(("alice".to_string(), 5)..=("alice".to_string(), 2))
    };
    assert_eq!(ats(range().iter()), [5, 4, 3, 2], "{}", env.backend);
    assert_eq!(
        ats(range().reverse().iter()),
        [2, 3, 4, 5],
        "{}",
        env.backend
    );
    let keys: Vec<(String, i64)> = ok!(env, table.query().prefix(("bob",)).reverse().keys())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        keys,
        [("bob".to_string(), 1), ("bob".to_string(), 2)],
        "{}",
        env.backend
    );
    assert_eq!(
        ok!(env, table.query().prefix(()).count()),
        13,
        "{}",
        env.backend
    );
}

fn limit_counts_after_client_side_checks(env: &Env) {
    let table = visits(env);
    // Newest first: pages 1, 9, 2, 8, 3, 7 for visits 6 down to 1.
    for (at, pages) in [(6, 1), (5, 9), (4, 2), (3, 8), (2, 3), (1, 7)] {
        ok!(
            env,
            table.insert(&Visit {
                shopper: "alice".into(),
                at,
                pages
            })
        );
    }
    // A JSON number comparison runs on the client: the limit counts the
    // rows it keeps, not the rows the store sent.
    let busy = || {
        table
            .query()
            .prefix(("alice",))
            .filter(Cond::key("pages").gt(5u32))
    };
    assert_eq!(ats(busy().limit(2).iter()), [5, 3], "{}", env.backend);
    assert_eq!(
        ats(busy().reverse().limit(2).iter()),
        [1, 3],
        "{}",
        env.backend
    );
    assert_eq!(ok!(env, busy().limit(2).count()), 2, "{}", env.backend);
    assert_eq!(ok!(env, busy().count()), 3, "{}", env.backend);
    let keys: Vec<(String, i64)> = ok!(env, busy().limit(1).keys())
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(keys, [("alice".to_string(), 5)], "{}", env.backend);
}

fn since_and_before_pick_writes(env: &Env) {
    let table = visits(env);
    for (at, written) in [(1, 1_000), (2, 2_000), (3, 3_000)] {
        ok!(
            env,
            table.insert_at(
                &Visit {
                    shopper: "al".into(),
                    at,
                    pages: 1
                },
                written
            )
        );
    }
    let q = || table.query().prefix(("al",));
    assert_eq!(ats(q().since(2_000).iter()), [3, 2], "{}", env.backend);
    assert_eq!(ats(q().before(2_000).iter()), [1], "{}", env.backend);
    assert_eq!(
        ats(q().since(1_500).before(3_000).iter()),
        [2],
        "{}",
        env.backend
    );
    assert_eq!(ok!(env, q().since(3_001).count()), 0, "{}", env.backend);
}

/// A key with a raw-bytes part, and values that are filter syntax.
#[derive(Entity, Debug, Clone, PartialEq)]
#[capjure(table = "raw", codec = "java")]
struct Raw {
    #[capjure(row_key)]
    tag: Vec<u8>,
    #[capjure(row_key)]
    seq: u32,
    label: String,
    code: i32,
}

fn injection_values_through_the_typed_path(env: &Env) {
    let table = env
        .store
        .as_ref()
        .entities::<Raw>()
        .named(env.name("typedq_raw"));
    ok!(env, table.create());
    // `code`'s 4 bytes: ' ) , 0xFF, then 0x00 0xFF ' ".
    let nasty = i32::from_be_bytes([b'\'', b')', b',', 0xFF]);
    let nasty2 = i32::from_be_bytes([0x00, 0xFF, b'\'', b'"']);
    let rows = [
        (vec![0xFF, b'\''], 1, "it's", nasty),
        (vec![0xFF, b'\''], 2, "x') OR ('1'='1", 5),
        (vec![0xFF], 1, "\u{0}'\")", nasty2),
        (vec![0x00, 0xFF], 1, "', ')", -1),
        (vec![b'\'', b')'], 1, "plain", 0),
    ];
    let all: Vec<Raw> = rows
        .iter()
        .map(|(tag, seq, label, code)| Raw {
            tag: tag.clone(),
            seq: *seq,
            label: label.to_string(),
            code: *code,
        })
        .collect();
    ok!(env, table.insert_many(&all, None));
    let ids = |found: capjure::Result<capjure::Entities<'_, Raw>>| -> Vec<(Vec<u8>, u32)> {
        found
            .and_then(|f| f.map(|r| r.map(|r| (r.tag, r.seq))).collect())
            .unwrap()
    };
    let tagged = |tag: &[u8], seq: u32| (tag.to_vec(), seq);
    for (cond, expected) in [
        (Cond::key("code").eq(nasty), vec![tagged(&[0xFF, b'\''], 1)]),
        (Cond::key("code").eq(nasty2), vec![tagged(&[0xFF], 1)]),
        (Cond::key("code").eq(-1i32), vec![tagged(&[0x00, 0xFF], 1)]),
        (
            Cond::key("label").eq("x') OR ('1'='1"),
            vec![tagged(&[0xFF, b'\''], 2)],
        ),
        (Cond::key("label").eq("\u{0}'\")"), vec![tagged(&[0xFF], 1)]),
        (
            Cond::key("label").prefix("', "),
            vec![tagged(&[0x00, 0xFF], 1)],
        ),
        (
            Cond::key("label")
                .ne("plain")
                .and(Cond::key("code").eq(5i32)),
            vec![tagged(&[0xFF, b'\''], 2)],
        ),
    ] {
        let mut got = ids(table.query().filter(cond.clone()).iter());
        got.sort();
        assert_eq!(got, expected, "{}: {cond:?}", env.backend);
    }
    // Key prefixes holding 0xFF, 0x00 and quotes.
    assert_eq!(
        ids(table.query().prefix((vec![0xFFu8, b'\''],)).iter()),
        [tagged(&[0xFF, b'\''], 1), tagged(&[0xFF, b'\''], 2)],
        "{}",
        env.backend
    );
    assert_eq!(
        ids(table.query().prefix((vec![0xFFu8],)).reverse().iter()),
        [tagged(&[0xFF], 1)],
        "{}",
        env.backend
    );
    assert_eq!(
        ids(table.query().prefix((vec![0x00u8, 0xFF],)).iter()),
        [tagged(&[0x00, 0xFF], 1)],
        "{}",
        env.backend
    );
}

fn unknown_fields_are_errors_naming_them(env: &Env) {
    let table = visits(env);
    ok!(
        env,
        table.insert(&Visit {
            shopper: "al".into(),
            at: 1,
            pages: 1
        })
    );
    for (cond, field) in [
        (Cond::key("nope").eq(1), "nope"),
        (Cond::key("nope.kind").eq(1), "nope.kind"),
        (Cond::field("nope", "kind").exists(), "nope.kind"),
        (Cond::key("pages.a.b").exists(), "pages.a.b"),
        (
            Cond::key("pages").gt(0u32).or(Cond::key("Pages").missing()),
            "Pages",
        ),
    ] {
        for result in [
            table.query().filter(cond.clone()).count().map(|_| ()),
            table.query().filter(cond.clone()).iter().map(|_| ()),
            table.query().filter(cond.clone()).keys().map(|_| ()),
        ] {
            let err = result.expect_err("a condition on an unknown field");
            match err.kind() {
                ErrorKind::UnusableField {
                    field: named,
                    operation,
                    table: in_table,
                    ..
                } => {
                    assert_eq!(
                        (named.as_str(), *operation, in_table.as_str()),
                        (field, "query", table.name()),
                        "{}",
                        env.backend
                    );
                }
                other => panic!("{}: {cond:?}: {other:?}", env.backend),
            }
        }
    }
}
