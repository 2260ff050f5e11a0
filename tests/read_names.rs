//! Both readers refuse the names the writers refuse: a cell whose group
//! names an empty key (an empty family in the multi-family layout, a
//! single-family qualifier starting with `__`) or an empty field of an
//! array of maps would read back as an object that cannot be written.

use std::collections::BTreeMap;

use capjure::{Cell, ErrorKind, KeyConfig, Layout, Mapper};
use serde_json::Value;

fn mapper(layout: Layout) -> Mapper {
    Mapper::new(KeyConfig::new().field("cars", "license")).with_layout(layout)
}

/// Asserts that both readers refuse `cells` with an error naming `column`.
fn refused(mapper: &Mapper, cells: &[Cell], column: &str) {
    let errors = [
        mapper.hydrate(cells).map(drop).unwrap_err(),
        mapper
            .from_cells::<BTreeMap<String, Value>, _>(cells)
            .map(drop)
            .unwrap_err(),
    ];
    for err in errors {
        match err.kind() {
            ErrorKind::Malformed { column: named, .. } => {
                assert_eq!(named, column, "{err}")
            }
            _ => panic!("{column}: not a malformed-column error: {err}"),
        }
    }
}

#[test]
fn an_empty_family_is_refused_in_the_multi_family_layout() {
    let mapper = mapper(Layout::MultiFamily);
    refused(&mapper, &[Cell::new("", "", "1")], ":");
    refused(
        &mapper,
        &[Cell::new("", "x", "1"), Cell::new("houses", "", "4")],
        ":x",
    );
}

#[test]
fn a_qualifier_starting_with_the_separator_is_refused_in_the_single_family_layout() {
    let mapper = mapper(Layout::single_family("meta"));
    refused(&mapper, &[Cell::new("meta", "__", "1")], "meta:__");
    refused(
        &mapper,
        &[
            Cell::new("meta", "__x", "1"),
            Cell::new("meta", "road__name", "2"),
        ],
        "meta:__x",
    );
}

#[test]
fn an_empty_field_of_an_array_of_maps_is_refused() {
    let mapper = mapper(Layout::MultiFamily);
    refused(
        &mapper,
        &[
            Cell::new("cars", "ah12001", "{\"at\":0}"),
            Cell::new("cars_", "ah12001", "\"honda\""),
        ],
        "cars_:ah12001",
    );
}

#[test]
fn names_the_writers_accept_still_read() {
    for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
        let mapper = mapper(layout);
        let object = serde_json::json!({
            "_": 1, "__": {"__": 2}, "cars": [{"license": "a", "_": 3}], "x__y": 4
        });
        let cells = mapper.flatten(&object).expect("flatten");
        assert_eq!(mapper.hydrate(&cells).expect("hydrate"), object);
        let typed: BTreeMap<String, Value> = mapper.from_cells(&cells).expect("from_cells");
        assert_eq!(Value::Object(typed.into_iter().collect()), object);
    }
}
