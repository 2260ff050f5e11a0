//! One test (or more) per flaw of the original capjure, named after it.
//! Each flaw must now be an exact round trip or a typed error that says where.

use capjure::{Cell, Codec, ErrorKind, KeyConfig, Layout, Mapper, PrimaryKey};
use serde_json::{Value, json};

fn layouts() -> [Layout; 2] {
    [Layout::MultiFamily, Layout::single_family("meta")]
}

/// Mappers over both layouts with the lossless codec.
fn lossless(keys: KeyConfig) -> Vec<Mapper> {
    layouts()
        .into_iter()
        .map(|layout| Mapper::new(keys.clone()).with_layout(layout))
        .collect()
}

fn round_trip(mapper: &Mapper, object: &Value) -> Value {
    let cells = mapper.flatten(object).unwrap();
    mapper.hydrate(&cells).unwrap()
}

fn flatten_error(mapper: &Mapper, object: &Value) -> capjure::Error {
    mapper
        .flatten(object)
        .expect_err("flatten should refuse this object")
}

#[test]
fn flaw_01_types_are_kept() {
    let object = json!({
        "int": 4, "negative": -7, "big": u64::MAX, "float": 2.5, "zero": -0.0,
        "yes": true, "no": false, "nothing": null, "text_four": "4", "text_true": "true",
        "text_null": "null", "empty": "",
        "map": {"n": 1, "s": "1", "b": false, "z": null},
        "list": [1, "1", true, null, 1.5]
    });
    for mapper in lossless(KeyConfig::new()) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
}

#[test]
fn flaw_02_values_are_never_trimmed() {
    let object = json!({
        "padded": "  four  ", "newline": "\nx\n", "tabs": "\t",
        "map": {" key ": " value "},
        "list": [" a", "a ", " "],
        "cars": [{"license": " pk ", "make": " honda\n"}]
    });
    let keys = KeyConfig::new().field("cars", "license");
    for mapper in lossless(keys.clone()) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
    let text = Mapper::new(keys).with_codec(Codec::Text);
    let back = round_trip(&text, &object);
    assert_eq!(back["padded"], "  four  ");
    assert_eq!(back["cars"][0]["make"], " honda\n");
    assert_eq!(back["cars"][0]["license"], " pk ");
}

#[test]
fn flaw_03_arrays_keep_order_and_duplicates() {
    let object = json!({"trees": ["oak", "cedar", "oak", "maple", "cedar"]});
    for mapper in lossless(KeyConfig::new()) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
}

#[test]
fn flaw_03_empty_arrays_and_maps_survive() {
    let object = json!({"trees": [], "road": {}, "cars": [], "houses": 0});
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
}

#[test]
fn flaw_03_null_is_kept_everywhere() {
    let object = json!({
        "top": null, "map": {"gone": null}, "list": [null, "", null],
        "cars": [{"license": "a", "make": null}]
    });
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
}

#[test]
fn flaw_03_text_codec_arrays_are_sets_in_byte_order() {
    let mapper = Mapper::new(KeyConfig::new()).with_codec(Codec::Text);
    let back = round_trip(&mapper, &json!({"trees": ["oak", "cedar", "maple"]}));
    assert_eq!(back, json!({"trees": ["cedar", "maple", "oak"]}));

    let err = flatten_error(&mapper, &json!({"trees": ["oak", "cedar", "oak"]}));
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { path, .. } if path == "trees[2]"),
        "{err}"
    );
    let err = flatten_error(&mapper, &json!({"trees": []}));
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { path, .. } if path == "trees"),
        "{err}"
    );
    let err = flatten_error(&mapper, &json!({"road": {}}));
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { path, .. } if path == "road"),
        "{err}"
    );
}

#[test]
fn flaw_04_same_primary_key_is_an_error_not_a_merge() {
    let object = json!({"cars": [
        {"license": "ah12001", "make": "honda"},
        {"license": "xb34544", "make": "toyota"},
        {"license": "ah12001", "model": "fit"}
    ]});
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        let err = flatten_error(&mapper, &object);
        assert!(
            matches!(err.kind(), ErrorKind::DuplicatePrimaryKey { key, qualifier, first: 0, second: 2 }
                if key == "cars" && qualifier == "ah12001"),
            "{err}"
        );
        assert!(err.to_string().contains("`cars[0]` and `cars[2]`"), "{err}");
    }
}

#[test]
fn flaw_04_child_with_only_its_primary_key_survives() {
    let object =
        json!({"cars": [{"license": "ah12001"}, {"license": "xb34544", "make": "toyota"}]});
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
    let text = Mapper::new(KeyConfig::new().field("cars", "license")).with_codec(Codec::Text);
    let err = flatten_error(&text, &object);
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { path, .. } if path == "cars[0]"),
        "{err}"
    );
}

#[test]
fn flaw_04_children_keep_their_order_and_typed_keys() {
    let object = json!({"cars": [
        {"license": 30, "make": "b"}, {"license": 4, "make": "a"}, {"license": 200, "make": "c"}
    ]});
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
}

#[test]
fn flaw_05_sibling_of_a_configured_array_is_refused_not_corrupted() {
    let object = json!({"cars": [{"license": "a", "make": "honda"}], "cars_count": 3});
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        let err = flatten_error(&mapper, &object);
        assert!(
            matches!(err.kind(), ErrorKind::KeyCollision { path, reads_as, .. }
                if path == "cars_count" && reads_as == "field `count` of array `cars`"),
            "{err}"
        );
    }
    // Even when the array itself is absent: the reader would still misread it.
    let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
    assert!(mapper.flatten(&json!({"cars_count": 3})).is_err());
}

#[test]
fn flaw_05_key_sharing_a_prefix_without_underscore_round_trips() {
    let object = json!({
        "cars": [{"license": "a", "make": "honda"}],
        "carsize": "large", "cars-x": {"y": 1}, "car": 1
    });
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
}

#[test]
fn flaw_05_overlapping_configured_arrays_cannot_collide() {
    let keys = KeyConfig::new().field("my", "id").field("my_cars", "id");
    let mapper = Mapper::new(keys);
    let fine = json!({"my": [{"id": "1", "x": 1}], "my_cars": [{"id": "2", "make": "m"}]});
    assert_eq!(round_trip(&mapper, &fine), fine);
    let clash = json!({"my": [{"id": "1", "cars_make": "m"}]});
    let err = flatten_error(&mapper, &clash);
    assert!(
        matches!(err.kind(), ErrorKind::KeyCollision { path, .. } if path == "my[0].cars_make"),
        "{err}"
    );
}

#[test]
fn flaw_06_delimiters_inside_data_round_trip() {
    let object = json!({
        "trees": ["http://x", "a:b:c", "x__y", "_", "%41", "100%"],
        "my__key": {"a__b": "c__d", "http://x": ":"},
        "a:b": 1, "x/y": 2, "back\\slash": 3, ".hidden": 4, "50%": 5, "trail_": 6, "_lead": 7,
        "cars": [{"license": "a:b__c d(e)", "make": "ho:nda", "weird__field": "v"}]
    });
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        assert_eq!(
            round_trip(&mapper, &object),
            object,
            "{:?}",
            mapper.layout()
        );
    }
}

#[test]
fn flaw_06_delimited_qualifiers_are_split_at_the_first_colon() {
    let cell = Cell::from_column(b"trees:http://x", "1c8fd7d");
    assert_eq!(cell.family, b"trees");
    assert_eq!(cell.qualifier, b"http://x");
    let text = Mapper::new(KeyConfig::new()).with_codec(Codec::Text);
    assert_eq!(
        text.hydrate(&[cell]).unwrap(),
        json!({"trees": ["http://x"]})
    );
}

#[test]
fn flaw_07_value_equal_to_the_marker_is_not_an_array() {
    let marker = String::from_utf8(capjure::ARRAY_MARKER.to_vec()).unwrap();
    let object = json!({"scalar": marker, "map": {"f": marker}, "trees": [marker]});
    for mapper in lossless(KeyConfig::new()) {
        assert_eq!(round_trip(&mapper, &object), object);
    }
    let text = Mapper::new(KeyConfig::new()).with_codec(Codec::Text);
    let err = flatten_error(&text, &json!({"scalar": marker}));
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { path, .. } if path == "scalar"),
        "{err}"
    );
}

#[test]
fn flaw_08_deeper_nesting_is_an_error_naming_the_path() {
    let keys = KeyConfig::new().field("cars", "license");
    let cases = [
        (json!({"road": {"geo": {"lat": 1}}}), "road.geo"),
        (json!({"road": {"lanes": [1, 2]}}), "road.lanes"),
        (json!({"trees": [["oak"]]}), "trees[0]"),
        (
            json!({"cars": [{"license": "a", "engine": {"hp": 90}}]}),
            "cars[0].engine",
        ),
    ];
    for mapper in lossless(keys.clone()) {
        for (object, path) in &cases {
            let err = flatten_error(&mapper, object);
            assert!(
                matches!(err.kind(), ErrorKind::TooDeep { path: p, .. } if p == path),
                "{err}"
            );
            assert!(err.to_string().contains(path), "{err}");
        }
    }
}

#[test]
fn flaw_09_array_of_maps_without_extractor_is_an_error() {
    for mapper in lossless(KeyConfig::new()) {
        let err = flatten_error(&mapper, &json!({"cars": [{"license": "a"}]}));
        assert!(
            matches!(err.kind(), ErrorKind::NoPrimaryKey { key } if key == "cars"),
            "{err}"
        );
    }
}

#[test]
fn flaw_09_mixed_array_is_an_error_naming_the_key() {
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        let err = flatten_error(&mapper, &json!({"cars": [{"license": "a"}, "b"]}));
        assert!(
            matches!(err.kind(), ErrorKind::MixedArray { key, index: 1 } if key == "cars"),
            "{err}"
        );
        let err = flatten_error(&mapper, &json!({"trees": ["a", {"b": 1}]}));
        assert!(
            matches!(err.kind(), ErrorKind::MixedArray { key, index: 1 } if key == "trees"),
            "{err}"
        );
    }
}

#[test]
fn flaw_09_child_without_its_primary_key_is_an_error() {
    let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
    let err = flatten_error(&mapper, &json!({"cars": [{"license": "a"}, {"make": "b"}]}));
    assert!(
        matches!(err.kind(), ErrorKind::BadPrimaryKey { key, index: 1, field, .. } if key == "cars" && field == "license"),
        "{err}"
    );
    let err = flatten_error(&mapper, &json!({"cars": [{"license": null}]}));
    assert!(
        matches!(err.kind(), ErrorKind::BadPrimaryKey { index: 0, .. }),
        "{err}"
    );
}

#[test]
fn flaw_11_two_configurations_never_interfere() {
    let by_license = Mapper::new(KeyConfig::new().field("cars", "license"));
    let by_vin = Mapper::new(KeyConfig::new().field("cars", "vin"));
    let object = json!({"cars": [{"license": "l1", "vin": "v1", "make": "honda"}]});
    let licensed = by_license.flatten(&object).unwrap();
    let vinned = by_vin.flatten(&object).unwrap();
    assert!(
        licensed
            .iter()
            .any(|c| c.family == b"cars_make" && c.qualifier == b"l1")
    );
    assert!(
        vinned
            .iter()
            .any(|c| c.family == b"cars_make" && c.qualifier == b"v1")
    );
    // Each reads its own cells back, interleaved use included.
    for _ in 0..3 {
        assert_eq!(by_license.hydrate(&licensed).unwrap(), object);
        assert_eq!(by_vin.hydrate(&vinned).unwrap(), object);
    }
    let threads: Vec<_> = (0..4)
        .map(|i| {
            let mapper = if i % 2 == 0 {
                by_license.clone()
            } else {
                by_vin.clone()
            };
            let object = object.clone();
            std::thread::spawn(move || {
                for _ in 0..200 {
                    let cells = mapper.flatten(&object).unwrap();
                    assert_eq!(mapper.hydrate(&cells).unwrap(), object);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn non_utf8_cell_under_text_codec_is_an_error_naming_the_column() {
    let text = Mapper::new(KeyConfig::new()).with_codec(Codec::Text);
    let err = text
        .hydrate(&[Cell::new("road", "name", vec![0xff, 0xfe])])
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidUtf8 { column, part: "value" } if column == "road:name"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "column \"road:name\": value is not valid UTF-8"
    );

    let err = text
        .hydrate(&[Cell::new("road", vec![0xc3], "x")])
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidUtf8 { column, part: "qualifier" } if column == "road:\\xC3"),
        "{err}"
    );

    let json = Mapper::new(KeyConfig::new());
    let err = json
        .hydrate(&[Cell::new("road", "name", b"\"\xff\"".to_vec())])
        .unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidUtf8 { .. }), "{err}");
}

#[test]
fn composite_primary_keys_round_trip() {
    let keys = KeyConfig::new().with(
        "events",
        PrimaryKey::composite(
            "merchant_product_id",
            |child| {
                let id = child
                    .get("merchant_product_id")
                    .and_then(Value::as_str)
                    .ok_or("no id")?;
                let kind = child
                    .get("insert_type")
                    .and_then(Value::as_str)
                    .ok_or("no insert_type")?;
                Ok(format!("{id}@{kind}"))
            },
            |qualifier| {
                let (id, _) = qualifier.split_once('@').ok_or("no @")?;
                Ok(Value::from(id))
            },
        ),
    );
    let object = json!({"events": [
        {"merchant_product_id": "EZ-30DC-HD", "insert_type": "viewed_aggregate", "count": 3},
        {"merchant_product_id": "EZ-30DC-HD", "insert_type": "cart", "count": 1}
    ]});
    for codec in [Codec::Json, Codec::Text] {
        for layout in layouts() {
            let mapper = Mapper::new(keys.clone())
                .with_layout(layout)
                .with_codec(codec);
            let cells = mapper.flatten(&object).unwrap();
            assert!(
                cells
                    .iter()
                    .any(|c| c.qualifier.ends_with(b"EZ-30DC-HD@viewed_aggregate"))
            );
            let back = mapper.hydrate(&cells).unwrap();
            if codec == Codec::Json {
                assert_eq!(back, object);
            } else {
                // Text: values are strings, children in qualifier order.
                assert_eq!(back["events"][0]["insert_type"], "cart");
                assert_eq!(back["events"][1]["merchant_product_id"], "EZ-30DC-HD");
            }
        }
    }
}

#[test]
fn composite_key_whose_decoder_disagrees_is_an_error() {
    let keys = KeyConfig::new().composite(
        "events",
        "id",
        |child| Ok(format!("{}@x", child["id"].as_str().unwrap_or_default())),
        |qualifier| Ok(Value::from(qualifier)),
    );
    let err = Mapper::new(keys)
        .flatten(&json!({"events": [{"id": "a", "n": 1}]}))
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::PrimaryKeyCodec { key, .. } if key == "events[0]"),
        "{err}"
    );
}

#[test]
fn empty_names_are_errors() {
    for mapper in lossless(KeyConfig::new().field("cars", "license")) {
        let err = flatten_error(&mapper, &json!({"": 1}));
        assert!(
            matches!(err.kind(), ErrorKind::EmptyName { parent: None }),
            "{err}"
        );
        let err = flatten_error(&mapper, &json!({"road": {"": 1}}));
        assert!(
            matches!(err.kind(), ErrorKind::EmptyName { parent: Some(p) } if p == "road"),
            "{err}"
        );
        let err = flatten_error(&mapper, &json!({"cars": [{"license": "a", "": 1}]}));
        assert!(
            matches!(err.kind(), ErrorKind::EmptyName { parent: Some(p) } if p == "cars[0]"),
            "{err}"
        );
    }
}

#[test]
fn top_level_must_be_an_object() {
    let err = Mapper::default().flatten(&json!([1, 2])).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::NotAnObject { found: "an array" }),
        "{err}"
    );
}

#[test]
fn invalid_single_family_is_reported_by_every_call() {
    let mapper = Mapper::default().with_layout(Layout::single_family("a:b"));
    let err = mapper.flatten(&json!({"x": 1})).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidFamily { family, .. } if family == "a:b"),
        "{err}"
    );
    assert!(mapper.hydrate(&[Cell::new("a:b", "x__", "1")]).is_err());
}
