//! Property tests: random objects of the supported shape round-trip exactly
//! under the lossless codec in both layouts, and hydrate never panics on
//! arbitrary cells.

use capjure::{Cell, Codec, ErrorKind, KeyConfig, Layout, Mapper};
use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Names with the characters the layouts treat specially, and plain ones.
fn name(with_underscore: bool) -> impl Strategy<Value = String> {
    let plain = "[a-z]{1,8}";
    let tricky = if with_underscore {
        "[a-z_:/%.\\\\ 1c8fd7]{1,8}"
    } else {
        "[a-z:/%.\\\\ 1c8fd7]{1,8}"
    };
    prop_oneof![
        plain.prop_map(String::from),
        tricky.prop_map(String::from),
        "\\PC{1,6}"
    ]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(Value::Number),
        "\\PC{0,12}".prop_map(Value::String),
        Just(Value::String("1c8fd7d".into())),
        "[ _:\\\\\"]{0,4}".prop_map(Value::String),
    ]
}

fn scalar_map() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(name(true), scalar(), 0..5).prop_map(|m| m.into_iter().collect())
}

/// An array of maps whose children have distinct primary keys under `pk`.
fn children(pk: &'static str) -> impl Strategy<Value = Value> {
    let primary = prop_oneof![
        "\\PC{0,8}".prop_map(Value::String),
        any::<i32>().prop_map(Value::from),
    ];
    prop::collection::vec((primary, scalar_map()), 0..5).prop_map(move |kids| {
        let mut seen = std::collections::HashSet::new();
        let items = kids
            .into_iter()
            .filter(|(key, _)| seen.insert(key.to_string().trim_matches('"').to_string()))
            .map(|(key, mut fields)| {
                fields.remove(pk);
                fields.insert(pk.to_string(), key);
                Value::Object(fields)
            })
            .collect();
        Value::Array(items)
    })
}

fn top_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar(),
        scalar_map().prop_map(Value::Object),
        prop::collection::vec(scalar(), 0..6).prop_map(Value::Array),
    ]
}

/// Objects with plain keys beside two configured arrays of maps.
fn object(with_underscore: bool) -> impl Strategy<Value = Value> {
    (
        prop::collection::btree_map(name(with_underscore), top_value(), 0..6),
        children("license"),
        children("id"),
    )
        .prop_map(|(plain, cars, tags)| {
            let mut object: Map<String, Value> = plain.into_iter().collect();
            object.insert("cars".into(), cars);
            object.insert("tag%s".into(), tags);
            Value::Object(object)
        })
}

fn keys() -> KeyConfig {
    KeyConfig::new()
        .field("cars", "license")
        .field("tag%s", "id")
}

fn mappers() -> [Mapper; 2] {
    [
        Mapper::new(keys()),
        Mapper::new(keys()).with_layout(Layout::single_family("meta")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Without `_` in the generated keys no prefix collision is possible, so
    /// every object must round-trip.
    #[test]
    fn lossless_round_trip_in_both_layouts(object in object(false)) {
        for mapper in mappers() {
            let cells = mapper.flatten(&object).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(mapper.hydrate(&cells).map_err(|e| TestCaseError::fail(e.to_string()))?, object.clone());
        }
    }

    /// With `_` in keys, an object either round-trips or is refused for a
    /// prefix collision, never misread.
    #[test]
    fn lossless_round_trip_or_collision_error(object in object(true)) {
        for mapper in mappers() {
            match mapper.flatten(&object) {
                Ok(cells) => prop_assert_eq!(mapper.hydrate(&cells).map_err(|e| TestCaseError::fail(e.to_string()))?, object.clone()),
                Err(err) => prop_assert!(matches!(err.kind(), ErrorKind::KeyCollision { .. }), "{}", err),
            }
        }
    }

    /// Arbitrary cells never make hydrate panic, under any codec or layout.
    #[test]
    fn hydrate_never_panics_on_arbitrary_cells(
        cells in prop::collection::vec(
            (
                prop_oneof![Just(b"meta".to_vec()), Just(b"cars".to_vec()), Just(b"cars_make".to_vec()), prop::collection::vec(any::<u8>(), 0..6)],
                prop_oneof![prop::collection::vec(any::<u8>(), 0..8), Just(b"x__y".to_vec()), Just(Vec::new())],
                prop_oneof![
                    prop::collection::vec(any::<u8>(), 0..12),
                    Just(b"1c8fd7d".to_vec()), Just(b"{}".to_vec()), Just(b"[]".to_vec()),
                    Just(b"[0,\"a\"]".to_vec()), Just(b"[1,\"a\",0,2]".to_vec()),
                    Just(b"{\"at\":0,\"pk\":\"a\"}".to_vec()), Just(b"{\"at\":9,\"pk\":[]}".to_vec()),
                ],
            ),
            0..12,
        )
    ) {
        let cells: Vec<Cell> = cells.into_iter().map(|(f, q, v)| Cell::new(f, q, v)).collect();
        for codec in [Codec::Json, Codec::Text] {
            for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
                let mapper = Mapper::new(keys()).with_layout(layout).with_codec(codec);
                let _ = mapper.hydrate(&cells);
            }
        }
    }

    /// Valid rows with one value corrupted give an error or a value, never a panic.
    #[test]
    fn hydrate_never_panics_on_corrupted_rows(object in object(false), at in any::<prop::sample::Index>(), junk in prop::collection::vec(any::<u8>(), 0..10)) {
        for mapper in mappers() {
            let mut cells = mapper.flatten(&object).map_err(|e| TestCaseError::fail(e.to_string()))?.to_vec();
            if !cells.is_empty() {
                let i = at.index(cells.len());
                cells[i].value = junk.clone();
            }
            let _ = mapper.hydrate(&cells);
        }
    }
}
