//! The layout is capjure's: the worked example of the semantics page gives
//! exactly these cells, and rows the original wrote read back.

use std::collections::BTreeSet;

use capjure::{Cell, Codec, KeyConfig, Layout, Mapper};
use serde_json::{Value, json};

fn painting() -> Value {
    json!({
        "trees": ["cedar", "maple", "oak"],
        "houses": 4,
        "cars": [
            {"make": "honda", "model": "fit", "license": "ah12001"},
            {"make": "toyota", "model": "yaris", "license": "xb34544"}
        ],
        "road": {"name": "101N", "speed": 65}
    })
}

fn keys() -> KeyConfig {
    KeyConfig::new().field("cars", "license")
}

fn cell_set(mapper: &Mapper, object: &Value) -> BTreeSet<(String, String)> {
    mapper
        .flatten(object)
        .unwrap()
        .iter()
        .map(|cell| {
            let column = format!(
                "{}:{}",
                String::from_utf8(cell.family.to_vec()).unwrap(),
                String::from_utf8(cell.qualifier.to_vec()).unwrap()
            );
            (column, String::from_utf8(cell.value.to_vec()).unwrap())
        })
        .collect()
}

fn expect(pairs: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    pairs
        .iter()
        .map(|(c, v)| (c.to_string(), v.to_string()))
        .collect()
}

/// The ten cells listed on the semantics page, as the original wrote them.
const ORIGINAL_MULTI: &[(&str, &str)] = &[
    ("road:name", "101N"),
    ("road:speed", "65"),
    ("houses:", "4"),
    ("trees:cedar", "1c8fd7d"),
    ("trees:maple", "1c8fd7d"),
    ("trees:oak", "1c8fd7d"),
    ("cars_make:ah12001", "honda"),
    ("cars_model:ah12001", "fit"),
    ("cars_make:xb34544", "toyota"),
    ("cars_model:xb34544", "yaris"),
];

#[test]
fn text_codec_writes_the_original_multi_family_cells() {
    let mapper = Mapper::new(keys()).with_codec(Codec::Text);
    assert_eq!(cell_set(&mapper, &painting()), expect(ORIGINAL_MULTI));
}

#[test]
fn text_codec_writes_the_original_single_family_cells() {
    let mapper = Mapper::new(keys())
        .with_codec(Codec::Text)
        .with_layout(Layout::single_family("meta"));
    let expected: Vec<(String, &str)> = ORIGINAL_MULTI
        .iter()
        .map(|(column, value)| (format!("meta:{}", column.replacen(':', "__", 1)), *value))
        .collect();
    let expected: BTreeSet<(String, String)> = expected
        .into_iter()
        .map(|(c, v)| (c, v.to_string()))
        .collect();
    assert!(expected.contains(&("meta:cars_make__ah12001".into(), "honda".into())));
    assert!(expected.contains(&("meta:houses__".into(), "4".into())));
    assert_eq!(cell_set(&mapper, &painting()), expected);
}

#[test]
fn rows_the_original_wrote_read_back() {
    let cells: Vec<Cell> = ORIGINAL_MULTI
        .iter()
        .map(|(column, value)| Cell::from_column(column.as_bytes(), *value))
        .collect();
    let mapper = Mapper::new(keys()).with_codec(Codec::Text);
    assert_eq!(
        mapper.hydrate(&cells).unwrap(),
        json!({
            "trees": ["cedar", "maple", "oak"],
            "houses": "4",
            "cars": [
                {"make": "honda", "model": "fit", "license": "ah12001"},
                {"make": "toyota", "model": "yaris", "license": "xb34544"}
            ],
            "road": {"name": "101N", "speed": "65"}
        })
    );
}

#[test]
fn json_codec_keeps_the_layout_and_adds_only_structural_cells() {
    let mapper = Mapper::new(keys());
    assert_eq!(
        cell_set(&mapper, &painting()),
        expect(&[
            ("road:name", "\"101N\""),
            ("road:speed", "65"),
            ("houses:", "4"),
            ("trees:cedar", "[0]"),
            ("trees:maple", "[1]"),
            ("trees:oak", "[2]"),
            ("cars:ah12001", "{\"at\":0}"),
            ("cars:xb34544", "{\"at\":1}"),
            ("cars_make:ah12001", "\"honda\""),
            ("cars_model:ah12001", "\"fit\""),
            ("cars_make:xb34544", "\"toyota\""),
            ("cars_model:xb34544", "\"yaris\""),
        ])
    );
    assert_eq!(
        mapper.families(&painting()).unwrap(),
        ["cars", "cars_make", "cars_model", "houses", "road", "trees"]
    );
}

#[test]
fn painting_round_trips_in_every_layout() {
    for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
        let mapper = Mapper::new(keys()).with_layout(layout);
        let cells = mapper.flatten(&painting()).unwrap();
        assert_eq!(mapper.hydrate(&cells).unwrap(), painting());
        // Order of the cells handed to hydrate does not matter.
        let mut reversed = cells.to_vec();
        reversed.reverse();
        assert_eq!(mapper.hydrate(&reversed).unwrap(), painting());
    }
}

#[test]
fn json_codec_structural_cells_carry_non_string_elements_and_keys() {
    let mapper = Mapper::new(keys());
    let object = json!({"trees": ["4", 4, "4"], "cars": [{"license": 7, "make": "a"}]});
    assert_eq!(
        cell_set(&mapper, &object),
        expect(&[
            ("trees:4", "[0,[1,4],2]"),
            ("cars:7", "{\"at\":0,\"pk\":7}"),
            ("cars_make:7", "\"a\""),
        ])
    );
    assert_eq!(
        mapper.hydrate(&mapper.flatten(&object).unwrap()).unwrap(),
        object
    );
}

#[test]
fn hydrate_rejects_a_column_given_twice() {
    let mapper = Mapper::new(keys());
    let cells = [Cell::new("houses", "", "4"), Cell::new("houses", "", "5")];
    let err = mapper.hydrate(&cells).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column \"houses:\" appears more than once; hydrate takes one version per column"
    );
}

#[test]
fn no_cells_hydrate_to_an_empty_object() {
    assert_eq!(
        Mapper::new(keys()).hydrate(&Vec::<Cell>::new()).unwrap(),
        json!({})
    );
}

#[test]
fn wide_rows_round_trip() {
    // More cells than hydrate gathers on the stack, in both orders.
    let trees: Vec<Value> = (0..300).map(|i| json!(format!("tree-{i:03}"))).collect();
    let cars: Vec<Value> = (0..50)
        .map(|i| json!({"license": format!("l{i}"), "make": i, "model": "m"}))
        .collect();
    let object = json!({"trees": trees, "cars": cars, "houses": 4});
    for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
        let mapper = Mapper::new(keys()).with_layout(layout);
        let mut cells = mapper.flatten(&object).unwrap().to_vec();
        assert!(cells.len() > 400);
        assert_eq!(mapper.hydrate(&cells).unwrap(), object);
        cells.sort();
        assert_eq!(mapper.hydrate(&cells).unwrap(), object);
    }
}
