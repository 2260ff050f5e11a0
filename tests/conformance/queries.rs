//! `Table::query`: typed conditions, fields, order, limits and time ranges
//! on every codec and both layouts, including values built to break a
//! filter string.

use capjure::table::Cond;
use capjure::{Codec, KeyConfig, Layout, Mapper, Table};
use serde_json::{Value, json};

use crate::Env;

conformance!(
    conditions_on_every_codec_and_layout,
    injection_values_through_the_table,
    java_values_with_0x00_and_0xff_bytes,
    fields_with_conditions_outside_them,
    reverse_limit_and_checked_conditions,
    time_ranges_on_objects,
    bad_conditions_are_errors,
    fields_holding_arrays_of_maps,
);

fn objects() -> Vec<(&'static str, Value)> {
    vec![
        (
            "k01",
            json!({"name": "it's", "n": 10, "road": {"speed": 65, "name": "101N"}, "trees": ["oak"]}),
        ),
        ("k02", json!({"name": "''", "n": 9, "road": {"speed": 55}})),
        ("k03", json!({"name": "')", "n": -3, "trees": ["elm"]})),
        (
            "k04",
            json!({"name": "a,b AND c OR d", "n": 100, "road": {"speed": 70, "name": "5S"}}),
        ),
        ("k05", json!({"name": "\u{0}x", "n": 0})),
        ("k06", json!({"name": "ÿ\u{ff}'", "n": 7})),
        ("k07", json!({"houses": 4})),
    ]
}

fn mappers() -> Vec<(&'static str, Mapper)> {
    let mut out = Vec::new();
    for (codec_name, codec) in [("json", Codec::Json), ("text", Codec::Text)] {
        out.push((codec_name, Mapper::new(KeyConfig::new()).with_codec(codec)));
        out.push((
            codec_name,
            Mapper::new(KeyConfig::new())
                .with_codec(codec)
                .with_layout(Layout::single_family("meta")),
        ));
    }
    out
}

fn filled(env: &Env, mapper: Mapper) -> Table<&dyn capjure::Store> {
    let name = env.name("query");
    let table = Table::new(env.store.as_ref(), name, mapper).with_batch_size(3);
    let objects = objects();
    let samples: Vec<&Value> = objects.iter().map(|(_, o)| o).collect();
    ok!(env, table.create(&samples, 3));
    for (key, object) in &objects {
        ok!(env, table.insert(key.as_bytes(), object));
    }
    table
}

fn keys_of(env: &Env, table: &Table<&dyn capjure::Store>, cond: Cond) -> Vec<String> {
    let rows: Vec<(Vec<u8>, Value)> = ok!(
        env,
        ok!(env, table.query().filter(cond.clone()).rows()).collect::<Result<Vec<_>, _>>()
    );
    let keys: Vec<String> = rows
        .iter()
        .map(|(k, _)| String::from_utf8_lossy(k).into_owned())
        .collect();
    // keys() and count() agree with rows().
    let only_keys: Vec<Vec<u8>> = ok!(
        env,
        ok!(env, table.query().filter(cond.clone()).keys()).collect::<Result<Vec<_>, _>>()
    );
    assert_eq!(
        only_keys.len(),
        keys.len(),
        "{}: keys() vs rows() for {cond:?}",
        env.backend
    );
    let count = ok!(env, table.query().filter(cond.clone()).count());
    assert_eq!(
        count as usize,
        keys.len(),
        "{}: count() for {cond:?}",
        env.backend
    );
    keys
}

fn conditions_on_every_codec_and_layout(env: &Env) {
    let cases: Vec<(Cond, &[&str])> = vec![
        (Cond::key("n").eq(10), &["k01"]),
        (Cond::key("n").ne(10), &["k02", "k03", "k04", "k05", "k06"]),
        // Numbers compare as numbers, not as their text.
        (Cond::key("n").gt(9), &["k01", "k04"]),
        (Cond::key("n").ge(9), &["k01", "k02", "k04"]),
        (Cond::key("n").lt(0), &["k03"]),
        (Cond::key("n").le(0), &["k03", "k05"]),
        (Cond::field("road", "speed").gt(60), &["k01", "k04"]),
        (Cond::field("road", "name").eq("5S"), &["k04"]),
        (Cond::field("road", "name").lt("5"), &["k01"]),
        (Cond::field("road", "name").ge("5"), &["k04"]),
        (Cond::key("name").prefix("'"), &["k02", "k03"]),
        (Cond::key("name").gt("a"), &["k01", "k04", "k06"]),
        (Cond::key("road").exists(), &[]),
        (
            Cond::field("road", "speed").exists(),
            &["k01", "k02", "k04"],
        ),
        (
            Cond::field("road", "name").missing(),
            &["k02", "k03", "k05", "k06", "k07"],
        ),
        (Cond::key("houses").exists(), &["k07"]),
        (Cond::contains("trees", "oak"), &["k01"]),
        (
            Cond::field("road", "speed")
                .gt(60)
                .and(Cond::key("name").prefix("a")),
            &["k04"],
        ),
        (
            Cond::field("road", "speed")
                .lt(60)
                .or(Cond::key("houses").exists()),
            &["k02", "k07"],
        ),
        (
            Cond::any([
                Cond::all([Cond::key("n").gt(50), Cond::field("road", "name").exists()]),
                Cond::key("name").eq("')"),
                Cond::key("n").lt(-100),
            ]),
            &["k03", "k04"],
        ),
        (Cond::any([]), &[]),
        (
            Cond::all([]),
            &["k01", "k02", "k03", "k04", "k05", "k06", "k07"],
        ),
    ];
    for (codec, mapper) in mappers() {
        let layout = format!("{codec} {:?}", mapper.layout());
        let table = filled(env, mapper);
        for (cond, want) in &cases {
            assert_eq!(
                keys_of(env, &table, cond.clone()),
                *want,
                "{}: {layout}: {cond:?}",
                env.backend
            );
        }
    }
}

fn injection_values_through_the_table(env: &Env) {
    for (codec, mapper) in mappers() {
        let table = filled(env, mapper);
        for (key, object) in objects() {
            let Some(name) = object.get("name").and_then(Value::as_str) else {
                continue;
            };
            assert_eq!(
                keys_of(env, &table, Cond::key("name").eq(name)),
                [key],
                "{}: {codec}: eq {name:?}",
                env.backend
            );
            assert_eq!(
                keys_of(env, &table, Cond::key("name").prefix(name)),
                [key],
                "{}: {codec}: prefix {name:?}",
                env.backend
            );
        }
        for value in ["'", "' OR '", "x') OR (", ",", "AND", "\u{0}", "it"] {
            assert!(
                keys_of(env, &table, Cond::key("name").eq(value)).is_empty(),
                "{}: {codec}: eq {value:?}",
                env.backend
            );
        }
    }
}

fn java_values_with_0x00_and_0xff_bytes(env: &Env) {
    // `Table` writes the java codec (reading it back needs the typed path),
    // so conditions are checked with keys and counts.
    for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
        let mapper = Mapper::new(KeyConfig::new())
            .with_codec(Codec::Java)
            .with_layout(layout);
        let name = env.name("query_java");
        let table = Table::new(env.store.as_ref(), name, mapper);
        let rows = [
            ("j1", json!({"n": -1, "s": "it's"})),       // n = FF FF .. FF
            ("j2", json!({"n": 0, "s": "')"})),          // n = 00 .. 00
            ("j3", json!({"n": 255, "s": "\u{0}'"})),    // n = 00 .. 00 FF
            ("j4", json!({"n": -256, "s": "b"})),        // n = FF .. FF 00
            ("j5", json!({"d": 1.5, "s": "a,b) OR ("})), // a double
        ];
        let samples: Vec<&Value> = rows.iter().map(|(_, o)| o).collect();
        ok!(env, table.create(&samples, 1));
        for (key, object) in &rows {
            ok!(env, table.insert(key.as_bytes(), object));
        }
        let cases: Vec<(Cond, &[&str])> = vec![
            (Cond::key("n").eq(-1), &["j1"]),
            (Cond::key("n").eq(0), &["j2"]),
            (Cond::key("n").eq(255), &["j3"]),
            (Cond::key("n").eq(-256), &["j4"]),
            (Cond::key("n").ne(-1), &["j2", "j3", "j4"]),
            // Signed integers: negatives sort last as bytes, first as values.
            (Cond::key("n").lt(0), &["j1", "j4"]),
            (Cond::key("n").ge(0), &["j2", "j3"]),
            (Cond::key("n").gt(-2), &["j1", "j2", "j3"]),
            (Cond::key("d").gt(1.0), &["j5"]),
            (Cond::key("d").lt(1.5), &[]),
            (Cond::key("d").eq(1.5), &["j5"]),
            (Cond::key("s").eq("it's"), &["j1"]),
            (Cond::key("s").eq("\u{0}'"), &["j3"]),
            (Cond::key("s").prefix("a,b)"), &["j5"]),
            (Cond::key("s").lt("a"), &["j2", "j3"]),
            (Cond::key("s").ge("a"), &["j1", "j4", "j5"]),
        ];
        for (cond, want) in cases {
            let keys: Vec<Vec<u8>> = ok!(
                env,
                ok!(env, table.query().filter(cond.clone()).keys()).collect::<Result<Vec<_>, _>>()
            );
            let keys: Vec<String> = keys
                .iter()
                .map(|k| String::from_utf8_lossy(k).into_owned())
                .collect();
            assert_eq!(keys, want, "{}: java {cond:?}", env.backend);
            assert_eq!(
                ok!(env, table.query().filter(cond.clone()).count()) as usize,
                want.len(),
                "{}: java count {cond:?}",
                env.backend
            );
        }
    }
}

fn fields_with_conditions_outside_them(env: &Env) {
    for (codec, mapper) in mappers() {
        let table = filled(env, mapper);
        let speed = |v: i64| {
            if codec == "text" {
                json!(v.to_string())
            } else {
                json!(v)
            }
        };
        let rows: Vec<(Vec<u8>, Value)> = ok!(
            env,
            ok!(
                env,
                table
                    .query()
                    .fields(["name"])
                    .filter(Cond::field("road", "speed").gt(60))
                    .rows()
            )
            .collect::<Result<Vec<_>, _>>()
        );
        assert_eq!(
            rows,
            vec![
                (b"k01".to_vec(), json!({"name": "it's"})),
                (b"k04".to_vec(), json!({"name": "a,b AND c OR d"})),
            ],
            "{}: {codec}",
            env.backend
        );
        // Pushed down: a byte condition on a column outside the fields.
        let rows: Vec<(Vec<u8>, Value)> = ok!(
            env,
            ok!(
                env,
                table
                    .query()
                    .fields(["road", "houses"])
                    .filter(Cond::key("name").eq("it's"))
                    .rows()
            )
            .collect::<Result<Vec<_>, _>>()
        );
        assert_eq!(
            rows,
            vec![(
                b"k01".to_vec(),
                json!({"road": {"speed": speed(65), "name": "101N"}})
            )],
            "{}: {codec}",
            env.backend
        );
        // Rows with none of the fields are skipped, filtered or not.
        assert_eq!(
            ok!(env, table.query().fields(["houses"]).count()),
            1,
            "{}: {codec}",
            env.backend
        );
        assert_eq!(
            ok!(
                env,
                table
                    .query()
                    .fields(["houses"])
                    .filter(Cond::key("n").gt(-1000))
                    .count()
            ),
            0,
            "{}: {codec}",
            env.backend
        );
        assert_eq!(
            ok!(
                env,
                table
                    .query()
                    .fields(["trees"])
                    .filter(Cond::key("n").lt(50))
                    .count()
            ),
            2,
            "{}: {codec}",
            env.backend
        );
    }
}

fn reverse_limit_and_checked_conditions(env: &Env) {
    for (codec, mapper) in mappers() {
        let table = filled(env, mapper);
        let keys = |query: capjure::table::Query<'_, &dyn capjure::Store>| -> Vec<String> {
            ok!(env, ok!(env, query.keys()).collect::<Result<Vec<_>, _>>())
                .into_iter()
                .map(|k| String::from_utf8_lossy(&k).into_owned())
                .collect()
        };
        // The limit counts objects that pass the client-side check.
        assert_eq!(
            keys(table.query().filter(Cond::key("n").ge(0)).limit(2)),
            ["k01", "k02"],
            "{}: {codec}",
            env.backend
        );
        assert_eq!(
            keys(
                table
                    .query()
                    .filter(Cond::key("n").ge(0))
                    .reverse()
                    .limit(2)
            ),
            ["k06", "k05"],
            "{}: {codec}",
            env.backend
        );
        assert_eq!(
            keys(table.query().range("k02", "k06").reverse()),
            ["k05", "k04", "k03", "k02"],
            "{}: {codec}",
            env.backend
        );
        assert_eq!(
            keys(table.query().prefix("k0").reverse().limit(1)),
            ["k07"],
            "{}: {codec}",
            env.backend
        );
        let rows: Vec<(Vec<u8>, Value)> = ok!(
            env,
            ok!(
                env,
                table
                    .query()
                    .filter(Cond::key("n").lt(10))
                    .reverse()
                    .limit(2)
                    .fields(["n"])
                    .rows()
            )
            .collect::<Result<Vec<_>, _>>()
        );
        let n = |v: i64| {
            if codec == "text" {
                json!({"n": v.to_string()})
            } else {
                json!({"n": v})
            }
        };
        assert_eq!(
            rows,
            vec![(b"k06".to_vec(), n(7)), (b"k05".to_vec(), n(0))],
            "{}: {codec}",
            env.backend
        );
    }
}

fn time_ranges_on_objects(env: &Env) {
    let name = env.name("query_time");
    let table = Table::new(env.store.as_ref(), name, Mapper::default());
    ok!(env, table.create(&[&json!({"a": 1, "b": 1})], 3));
    ok!(env, table.insert_at(b"t1", &json!({"a": 1}), 100));
    ok!(env, table.insert_at(b"t2", &json!({"a": 2}), 200));
    ok!(env, table.merge_at(b"t1", &json!({"b": 5}), 300));
    let rows = |query: capjure::table::Query<'_, &dyn capjure::Store>| -> Vec<(Vec<u8>, Value)> {
        ok!(env, ok!(env, query.rows()).collect::<Result<Vec<_>, _>>())
    };
    assert_eq!(
        rows(table.query().since(150)),
        vec![
            (b"t1".to_vec(), json!({"b": 5})),
            (b"t2".to_vec(), json!({"a": 2}))
        ],
        "{}",
        env.backend
    );
    assert_eq!(
        rows(table.query().since(150).before(250)),
        vec![(b"t2".to_vec(), json!({"a": 2}))],
        "{}",
        env.backend
    );
    // t1's `a` was written before the range: missing within it.
    assert_eq!(
        rows(table.query().since(150).filter(Cond::key("a").missing())),
        vec![(b"t1".to_vec(), json!({"b": 5}))],
        "{}",
        env.backend
    );
    assert_eq!(
        rows(table.query().before(150).filter(Cond::key("a").ge(1))),
        vec![(b"t1".to_vec(), json!({"a": 1}))],
        "{}",
        env.backend
    );
}

fn bad_conditions_are_errors(env: &Env) {
    let name = env.name("query_bad");
    let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
    let table = Table::new(env.store.as_ref(), name.clone(), mapper);
    ok!(env, table.create(&[&json!({"a": 1})], 1));
    let err = table
        .query()
        .filter(Cond::key("cars").exists())
        .rows()
        .map(|_| ())
        .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("`cars`") && message.contains(&name),
        "{}: {message}",
        env.backend
    );
    let err = table
        .query()
        .filter(Cond::key("a").eq(json!({"x": 1})))
        .count()
        .unwrap_err();
    assert!(err.to_string().contains("`a`"), "{}: {err}", env.backend);
}

fn fields_holding_arrays_of_maps(env: &Env) {
    let keys = || KeyConfig::new().field("cars", "license");
    for mapper in [
        Mapper::new(keys()),
        Mapper::new(keys()).with_layout(Layout::single_family("meta")),
    ] {
        let layout = format!("{:?}", mapper.layout());
        let name = env.name("query_cars");
        let table = Table::new(env.store.as_ref(), name, mapper);
        let car = json!({"houses": 4, "cars": [
            {"license": "ah12001", "make": "honda", "model": "fit"},
            {"license": "xb34544", "make": "toyota"}
        ]});
        ok!(env, table.create(&[&car], 1));
        ok!(env, table.insert(b"c1", &car));
        ok!(env, table.insert(b"c2", &json!({"houses": 2})));
        let rows: Vec<(Vec<u8>, Value)> = ok!(
            env,
            ok!(env, table.query().fields(["cars"]).rows()).collect::<Result<Vec<_>, _>>()
        );
        assert_eq!(
            rows,
            vec![(b"c1".to_vec(), json!({"cars": car["cars"].clone()}))],
            "{}: {layout}",
            env.backend
        );
        let rows: Vec<(Vec<u8>, Value)> = ok!(
            env,
            ok!(
                env,
                table
                    .query()
                    .fields(["houses"])
                    .filter(Cond::key("houses").lt(3))
                    .rows()
            )
            .collect::<Result<Vec<_>, _>>()
        );
        assert_eq!(
            rows,
            vec![(b"c2".to_vec(), json!({"houses": 2}))],
            "{}: {layout}",
            env.backend
        );
    }
}
