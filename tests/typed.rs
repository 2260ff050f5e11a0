//! The typed path against the `serde_json::Value` path: for every type both
//! can store, `Mapper::to_cells` must give the same cells as
//! `Mapper::flatten(&serde_json::to_value(..))`, and `Mapper::from_cells`
//! must give back the value.

use std::collections::{BTreeMap, HashMap};

use capjure::{Cell, Codec, ErrorKind, KeyConfig, Layout, Mapper};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
enum Color {
    Red,
    #[serde(rename = "dark-blue")]
    DarkBlue,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Road {
    name: String,
    speed: u8,
    toll: Option<bool>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Car {
    make: String,
    license: String,
    year: u16,
    electric: bool,
    mileage: Option<f64>,
    color: Color,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Everything {
    tiny: i8,
    small: i16,
    medium: i32,
    large: i64,
    byte: u8,
    word: u16,
    dword: u32,
    qword: u64,
    single: f32,
    double: f64,
    flag: bool,
    letter: char,
    name: String,
    maybe: Option<String>,
    maybe_num: Option<i64>,
    color: Color,
    tags: Vec<String>,
    scores: Vec<i32>,
    flags: Vec<bool>,
    floats: Vec<f64>,
    colors: Vec<Color>,
    attrs: BTreeMap<String, String>,
    counts: HashMap<String, u32>,
    road: Road,
    cars: Vec<Car>,
}

fn everything() -> Everything {
    Everything {
        tiny: -8,
        small: i16::MIN,
        medium: 1 << 30,
        large: i64::MAX,
        byte: 255,
        word: 65535,
        dword: u32::MAX,
        qword: 1 << 40,
        single: 1.1,
        double: -2.5e-300,
        flag: true,
        letter: 'ü',
        name: "quote \" back\\slash\ttab ünï 😀".into(),
        maybe: Some("here".into()),
        maybe_num: None,
        color: Color::DarkBlue,
        tags: vec!["http://x".into(), "b".into(), "a".into()],
        scores: vec![10, 9, -1],
        flags: vec![true, false],
        floats: vec![0.1, 1e21, -0.0],
        colors: vec![Color::Red, Color::DarkBlue],
        attrs: [("k:1", "v"), ("my__key", "w")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect(),
        counts: [("a".to_string(), 1), ("b".to_string(), 2)].into(),
        road: Road {
            name: "101N".into(),
            speed: 65,
            toll: None,
        },
        cars: vec![
            Car {
                make: "toyota".into(),
                license: "xb34544".into(),
                year: 2009,
                electric: false,
                mileage: Some(12.5),
                color: Color::Red,
            },
            Car {
                make: "honda".into(),
                license: "ah12001".into(),
                year: 2011,
                electric: true,
                mileage: None,
                color: Color::DarkBlue,
            },
        ],
    }
}

/// Every layout and codec pair the Value path and the typed path share.
fn mappers(keys: KeyConfig) -> Vec<Mapper> {
    let mut mappers = Vec::new();
    for codec in [Codec::Json, Codec::Text] {
        for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
            mappers.push(
                Mapper::new(keys.clone())
                    .with_layout(layout)
                    .with_codec(codec),
            );
        }
    }
    mappers
}

/// `None` writes no cell on the typed path; the Value path writes `null`.
/// Dropping nulls that stand for a field (not an array element) makes the
/// two comparable.
fn without_field_nulls(value: &mut Value) {
    if let Value::Object(map) = value {
        map.retain(|_, v| !v.is_null());
        for v in map.values_mut() {
            match v {
                Value::Object(fields) => fields.retain(|_, v| !v.is_null()),
                Value::Array(items) => {
                    for item in items {
                        if let Value::Object(fields) = item {
                            fields.retain(|_, v| !v.is_null());
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn sorted(cells: &capjure::Cells) -> Vec<Cell> {
    let mut cells = cells.to_vec();
    cells.sort();
    cells
}

/// The typed cells equal the Value path's, or both paths refuse.
#[track_caller]
fn assert_same_cells<T: Serialize>(value: &T, mapper: &Mapper) -> Option<capjure::Cells> {
    let mut json = serde_json::to_value(value).unwrap();
    without_field_nulls(&mut json);
    let typed = mapper.to_cells(value);
    let via_value = mapper.flatten(&json);
    match (typed, via_value) {
        (Ok(typed), Ok(via_value)) => {
            assert_eq!(
                sorted(&typed),
                sorted(&via_value),
                "{:?} {:?}",
                mapper.codec(),
                mapper.layout()
            );
            Some(typed)
        }
        (Err(_), Err(_)) => None,
        (typed, via_value) => panic!(
            "{:?} {:?}: typed {typed:?}, value path {via_value:?}",
            mapper.codec(),
            mapper.layout()
        ),
    }
}

#[track_caller]
fn assert_round_trip<T>(value: &T, mapper: &Mapper)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let cells = mapper.to_cells(value).unwrap();
    let back: T = mapper.from_cells(&cells).unwrap();
    assert_eq!(&back, value, "{:?} {:?}", mapper.codec(), mapper.layout());
}

#[test]
fn everything_matches_the_value_path_under_json() {
    let keys = KeyConfig::new().field("cars", "license");
    for mapper in mappers(keys) {
        let cells = assert_same_cells(&everything(), &mapper);
        if mapper.codec() == Codec::Json {
            assert!(cells.is_some());
            assert_round_trip(&everything(), &mapper);
            // And the Value path reads the typed cells.
            let mut json = serde_json::to_value(everything()).unwrap();
            without_field_nulls(&mut json);
            assert_eq!(mapper.hydrate(&cells.unwrap()).unwrap(), json);
        }
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct TextFriendly {
    large: i64,
    double: f64,
    flag: bool,
    name: String,
    maybe: Option<u32>,
    color: Color,
    tags: Vec<String>,
    road: Road,
    cars: Vec<Car>,
}

fn text_friendly() -> TextFriendly {
    let all = everything();
    TextFriendly {
        large: -42,
        double: 0.25,
        flag: false,
        name: "  spaced  ".into(),
        maybe: Some(7),
        color: Color::Red,
        // The text codec stores arrays of scalars as sets, in byte order.
        tags: vec!["a".into(), "b".into(), "http://x".into()],
        road: all.road,
        cars: vec![all.cars[1].clone(), all.cars[0].clone()],
    }
}

#[test]
fn text_friendly_values_match_and_round_trip_under_every_pair() {
    let keys = KeyConfig::new().field("cars", "license");
    for mapper in mappers(keys.clone()) {
        assert!(assert_same_cells(&text_friendly(), &mapper).is_some());
        assert_round_trip(&text_friendly(), &mapper);
    }
    for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
        let java = Mapper::new(keys.clone())
            .with_layout(layout)
            .with_codec(Codec::Java);
        assert_round_trip(&text_friendly(), &java);
        assert_round_trip(&everything(), &java);
    }
}

#[test]
fn many_small_types_match_the_value_path() {
    fn check<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T) {
        for mapper in mappers(KeyConfig::new().field("v", "id")) {
            if assert_same_cells(&value, &mapper).is_some() && mapper.codec() == Codec::Json {
                assert_round_trip(&value, &mapper);
            }
        }
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct One<T> {
        v: T,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Item {
        id: i64,
        note: Option<String>,
    }
    check(One { v: 0u8 });
    check(One { v: -1i64 });
    check(One { v: u64::MAX });
    check(One {
        v: f64::MIN_POSITIVE,
    });
    check(One { v: 1e300f64 });
    check(One { v: f32::MAX });
    check(One { v: 0.1f32 });
    check(One { v: 'x' });
    check(One { v: String::new() });
    check(One {
        v: "1c8fd7d".to_string(),
    });
    check(One { v: true });
    check(One { v: Some(3u16) });
    check(One::<Option<u16>> { v: None });
    check(One {
        v: Vec::<String>::new(),
    });
    check(One { v: vec![1, 1, 2] });
    check(One {
        v: vec![Some(1), None],
    });
    check(One {
        v: BTreeMap::<String, i32>::new(),
    });
    // A `None` value in a map writes no cell either: the entry reads back
    // absent, and a map left with no cells reads back empty.
    let with_none = One {
        v: BTreeMap::from([("x".to_string(), None::<i32>), ("y".to_string(), Some(1))]),
    };
    for mapper in mappers(KeyConfig::new()) {
        assert_same_cells(&with_none, &mapper);
        let cells = mapper.to_cells(&with_none).unwrap();
        let back: One<BTreeMap<String, Option<i32>>> = mapper.from_cells(&cells).unwrap();
        assert_eq!(back.v, BTreeMap::from([("y".to_string(), Some(1))]));
    }
    check(One {
        v: BTreeMap::from([(1u32, 2u32)]),
    });
    check(One {
        v: vec![
            Item { id: 2, note: None },
            Item {
                id: 1,
                note: Some("n".into()),
            },
        ],
    });
    check(One {
        v: vec![Item { id: 2, note: None }, Item { id: 2, note: None }],
    });
    check(One {
        v: Vec::<Item>::new(),
    });
    check(One {
        v: (1, "two".to_string()),
    });
    check(HashMap::from([("a".to_string(), 1), ("b".to_string(), 2)]));
    check(BTreeMap::from([("".to_string(), 1)]));
}

#[test]
fn none_writes_no_cell_and_reads_back_as_none() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Visit {
        page: String,
        referrer: Option<String>,
    }
    for mapper in mappers(KeyConfig::new()) {
        let visit = Visit {
            page: "/".into(),
            referrer: None,
        };
        let cells = mapper.to_cells(&visit).unwrap();
        assert_eq!(cells.len(), 1);
        assert_round_trip(&visit, &mapper);
    }
    // A null the Value path wrote reads back as None too.
    let mapper = Mapper::default();
    let cells = mapper
        .flatten(&serde_json::json!({"page": "/", "referrer": null}))
        .unwrap();
    let visit: Visit = mapper.from_cells(&cells).unwrap();
    assert_eq!(visit.referrer, None);
}

#[test]
fn byte_buffers_are_raw_bytes() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Blob {
        #[serde(with = "serde_bytes")]
        data: Vec<u8>,
        raw: serde_bytes::ByteBuf,
    }
    let blob = Blob {
        data: vec![0, 1, 2, 0xFF],
        raw: serde_bytes::ByteBuf::from(b"{}".to_vec()),
    };
    for codec in [Codec::Json, Codec::Text, Codec::Java] {
        let mapper = Mapper::default().with_codec(codec);
        let cells = mapper.to_cells(&blob).unwrap();
        let data = cells.iter().find(|c| c.family == b"data").unwrap();
        assert_eq!(data.value, [0, 1, 2, 0xFF]);
        assert_round_trip(&blob, &mapper);
    }
}

#[test]
fn unsupported_shapes_name_the_path_and_the_rust_type() {
    #[derive(Serialize)]
    struct Geo {
        lat: f64,
    }
    #[derive(Serialize)]
    struct Deep {
        geo: Geo,
    }
    #[derive(Serialize)]
    struct Top {
        road: Deep,
    }
    let err = Mapper::default()
        .to_cells(&Top {
            road: Deep {
                geo: Geo { lat: 1.0 },
            },
        })
        .unwrap_err();
    match err.kind() {
        ErrorKind::UnsupportedType {
            path, rust_type, ..
        } => {
            assert_eq!(path, "road.geo");
            assert!(rust_type.ends_with("Geo"), "{rust_type}");
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().starts_with("`road.geo` of type `"), "{err}");

    #[derive(Serialize)]
    enum Shape {
        Circle(f64),
    }
    #[derive(Serialize)]
    struct Drawing {
        shapes: Vec<Shape>,
    }
    let err = Mapper::default()
        .to_cells(&Drawing {
            shapes: vec![Shape::Circle(1.0)],
        })
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::UnsupportedType { path, .. } if path == "shapes[0]"),
        "{err}"
    );
    assert!(err.to_string().contains("Circle"), "{err}");

    let err = Mapper::default().to_cells(&42).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::NotAnObject { .. }));

    #[derive(Serialize)]
    struct Floats {
        x: f64,
    }
    let err = Mapper::default()
        .to_cells(&Floats { x: f64::NAN })
        .unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { path, .. } if path == "x"),
        "{err}"
    );
}

#[test]
fn read_errors_name_the_column_path_and_type() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)] // only read to provoke the error
    struct Road {
        speed: u8,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)] // only read to provoke the error
    struct Top {
        road: Road,
    }
    let cells = [Cell::new("road", "speed", "300")];
    let err = Mapper::default().from_cells::<Top, _>(&cells).unwrap_err();
    match err.kind() {
        ErrorKind::TypeMismatch {
            path,
            column,
            rust_type,
            ..
        } => {
            assert_eq!(path, "road.speed");
            assert_eq!(column, "road:speed");
            assert_eq!(*rust_type, "u8");
        }
        other => panic!("{other:?}"),
    }

    let java = Mapper::default().with_codec(Codec::Java);
    let cells = [Cell::new("road", "speed", vec![0u8, 1, 2])];
    let err = java.from_cells::<Top, _>(&cells).unwrap_err();
    assert!(err.to_string().contains("2 bytes"), "{err}");

    let err = Mapper::default()
        .from_cells::<Top, _>(&[] as &[Cell])
        .unwrap_err();
    assert_eq!(err.to_string(), "missing field `road`");
}

/// Struct field names' groups are remembered per thread (keyed by the
/// mapper's naming): two mappers that judge the same field differently
/// must each keep their own verdict, whatever order rows come in.
#[test]
fn remembered_field_names_keep_each_mappers_verdict() {
    #[derive(Serialize)]
    struct Basket {
        cart_count: u32,
        cart: Vec<String>,
    }
    let basket = Basket {
        cart_count: 1,
        cart: vec!["a".into()],
    };
    // With `cart` configured, `cart_count` would read back as a field of
    // `cart`; with nothing configured it is a plain key.
    let strict = Mapper::new(KeyConfig::new().field("cart", "sku"));
    let lenient = Mapper::new(KeyConfig::new());
    for round in 0..3 {
        let err = strict.to_cells(&basket).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::KeyCollision { .. }),
            "round {round}: {err}"
        );
        let cells = lenient.to_cells(&basket).unwrap();
        assert!(
            cells
                .iter()
                .any(|c| c.family == b"cart_count" && c.value == b"1"),
            "round {round}: {cells:?}"
        );
    }
}

/// Every place a typed read reads one value from (a key's cell, a map's
/// field and key, an array's element, a child's field and primary key, a
/// top-level key parsed as a number) names the same column, path and Rust
/// type in its error, word for word.
#[test]
fn read_errors_name_every_kind_of_place() {
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)] // only read to provoke the error
    struct Kid {
        id: u8,
        age: u8,
    }
    fn read<T: DeserializeOwned + std::fmt::Debug>(mapper: &Mapper, cells: &[Cell]) -> String {
        mapper.from_cells::<T, _>(cells).unwrap_err().to_string()
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Speed {
        speed: u8,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Road {
        road: Speed,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct Kids {
        kids: Vec<Kid>,
    }
    #[derive(Deserialize, Debug)]
    #[allow(dead_code)]
    struct One<T> {
        v: T,
    }
    let json = Mapper::new(KeyConfig::new().field("kids", "id"));
    let text = json.clone().with_codec(Codec::Text);
    let java = json.clone().with_codec(Codec::Java);
    let got = [
        read::<One<u8>>(&json, &[Cell::new("v", "", "300")]),
        read::<One<bool>>(&json, &[Cell::new("v", "", "\"x\"")]),
        read::<One<String>>(&json, &[Cell::new("v", "", "\"\\u00\"")]),
        read::<One<Option<char>>>(&json, &[Cell::new("v", "", "\"ab\"")]),
        read::<One<Color>>(&json, &[Cell::new("v", "", "\"green\"")]),
        read::<One<()>>(&json, &[Cell::new("v", "", "1")]),
        read::<One<u8>>(&text, &[Cell::new("v", "", "x")]),
        read::<One<String>>(&text, &[Cell::new("v", "", vec![0xffu8])]),
        read::<One<i64>>(&java, &[Cell::new("v", "", vec![0u8; 4])]),
        read::<One<Value>>(&java, &[Cell::new("v", "", vec![0u8; 4])]),
        read::<Road>(&json, &[Cell::new("road", "speed", "-1")]),
        read::<Road>(&text, &[Cell::new("road", "speed", "1.5")]),
        read::<One<BTreeMap<u32, u8>>>(&json, &[Cell::new("v", "x", "1")]),
        read::<One<BTreeMap<String, u8>>>(&json, &[Cell::new("v", "k", "null")]),
        read::<One<Vec<u8>>>(&json, &[Cell::new("v", "1000", "[0]")]),
        read::<One<Vec<u8>>>(&json, &[Cell::new("v", "a", "[0]")]),
        read::<One<Vec<String>>>(&json, &[Cell::new("v", "a", "[[0,1]]")]),
        read::<One<Vec<u8>>>(&text, &[Cell::new("v", "x", "1c8fd7d")]),
        read::<One<Vec<u8>>>(&java, &[Cell::new("v", "x", vec![0u8, 0, 0, 0])]),
        read::<Kids>(
            &json,
            &[
                Cell::new("kids", "1", "{\"at\":0,\"pk\":1}"),
                Cell::new("kids_age", "1", "\"old\""),
            ],
        ),
        read::<Kids>(
            &json,
            &[
                Cell::new("kids", "1", "{\"at\":0,\"pk\":1000}"),
                Cell::new("kids_age", "1", "1"),
            ],
        ),
        read::<Kids>(&text, &[Cell::new("kids_age", "x", "1")]),
        read::<Kids>(&text, &[Cell::new("kids_age", "1", "x")]),
        read::<Kids>(
            &java,
            &[
                Cell::new("kids", "1", vec![0u8, 0, 0, 0, 1, 0]),
                Cell::new("kids_age", "1", vec![0u8, 1]),
            ],
        ),
        read::<BTreeMap<u8, u8>>(&json, &[Cell::new("300", "", "1")]),
    ];
    let want = [
        r#"column "v:" (`v`) cannot be read as `u8`: invalid value: integer `300`, expected u8"#,
        r#"column "v:" (`v`) cannot be read as `bool`: invalid type: string "x", expected a boolean"#,
        r#"column "v:" (`v`) cannot be read as `alloc::string::String`: the value is not a JSON string (EOF while parsing a string at line 1 column 6)"#,
        r#"column "v:" (`v`) cannot be read as `char`: invalid value: string "ab", expected a character"#,
        r#"column "v:" (`v`) cannot be read as `typed::Color`: unknown variant `green`, expected `Red` or `dark-blue`"#,
        r#"column "v:" (`v`) cannot be read as `()`: expected no value"#,
        r#"column "v:" (`v`) cannot be read as `u8`: "x" is not a u8"#,
        r#"column "v:" (`v`) cannot be read as `alloc::string::String`: the value is not valid UTF-8"#,
        r#"column "v:" (`v`) cannot be read as `i64`: the java codec stores it in 8 bytes, the cell holds 4"#,
        r#"column "v:": the java codec stores values without their types; read the row into a typed value with Mapper::from_cells"#,
        r#"column "road:speed" (`road.speed`) cannot be read as `u8`: invalid value: integer `-1`, expected u8"#,
        r#"column "road:speed" (`road.speed`) cannot be read as `u8`: "1.5" is not a u8"#,
        r#"column "v:x" (`v.x`) cannot be read as `u32`: "x" is not a u32"#,
        r#"column "v:k" (`v.k`) cannot be read as `u8`: invalid type: unit value, expected u8"#,
        r#"column "v:1000" (`v[0]`) cannot be read as `u8`: invalid type: string "1000", expected u8"#,
        r#"column "v:a" (`v[0]`) cannot be read as `u8`: invalid type: string "a", expected u8"#,
        r#"column "v:a" (`v[0]`) cannot be read as `alloc::string::String`: invalid type: integer `1`, expected a string"#,
        r#"column "v:x" (`v[0]`) cannot be read as `u8`: "x" is not a u8"#,
        r#"column "v:x" (`v[0]`) cannot be read as `u8`: "x" is not a u8"#,
        r#"column "kids_age:1" (`kids[0].age`) cannot be read as `u8`: invalid type: string "old", expected u8"#,
        r#"column "kids:1" (`kids[0].id`) cannot be read as `u8`: invalid value: integer `1000`, expected u8"#,
        r#"column "kids:x" (`kids[0].id`) cannot be read as `u8`: "x" is not a u8"#,
        r#"column "kids_age:1" (`kids[0].age`) cannot be read as `u8`: "x" is not a u8"#,
        r#"column "kids:1" (`kids[0].id`) cannot be read as `u8`: invalid value: integer `256`, expected u8"#,
        r#"column "300:" (`300`) cannot be read as `u8`: "300" is not a u8"#,
    ];
    for (got, want) in got.iter().zip(want) {
        assert_eq!(got, want);
    }
    assert_eq!(got.len(), want.len(), "{got:#?}");
}

#[test]
fn remembered_child_field_groups_keep_each_mappers_verdict() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Item {
        sku: String,
        qty: u32,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Basket {
        cart: Vec<Item>,
    }
    let basket = Basket {
        cart: vec![
            Item {
                sku: "a".into(),
                qty: 1,
            },
            Item {
                sku: "b".into(),
                qty: 2,
            },
        ],
    };
    // With `cart_qty` configured too, the field `qty` of `cart` would read
    // back as the key `cart_qty`; with `cart` alone it is `cart`'s field.
    let strict = Mapper::new(
        KeyConfig::new()
            .field("cart", "sku")
            .field("cart_qty", "id"),
    );
    let lenient = Mapper::new(KeyConfig::new().field("cart", "sku"));
    let single = lenient.clone().with_layout(Layout::single_family("meta"));
    for round in 0..3 {
        let err = strict.to_cells(&basket).unwrap_err();
        assert!(
            matches!(err.kind(), ErrorKind::KeyCollision { .. }),
            "round {round}: {err}"
        );
        for mapper in [&lenient, &single] {
            assert_same_cells(&basket, mapper);
            assert_round_trip(&basket, mapper);
        }
    }
}

/// The field groups of an array of maps are remembered whole, per array
/// key, configuration and first child's fields: rows whose first child
/// brings other fields (a `None` writes none), or whose configuration
/// differs, get the cells the Value path gives, row after row.
#[test]
fn remembered_array_field_groups_follow_the_first_childs_fields() {
    #[derive(Serialize, Debug)]
    struct Item {
        sku: String,
        qty: Option<u32>,
        note: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        gift: Option<bool>,
    }
    #[derive(Serialize, Debug)]
    struct Basket {
        cart: Vec<Item>,
        other: Vec<Item>,
    }
    let item = |sku: &str, qty: Option<u32>, gift: Option<bool>| Item {
        sku: sku.into(),
        qty,
        note: qty.map(|qty| format!("n{qty}")),
        gift,
    };
    let baskets = [
        Basket {
            cart: vec![item("b", Some(2), None), item("a", Some(1), Some(true))],
            other: vec![item("x", Some(3), Some(false))],
        },
        Basket {
            cart: vec![item("a", None, Some(true)), item("b", Some(2), None)],
            other: vec![item("x", Some(3), None)],
        },
        Basket {
            cart: vec![item("a", Some(1), None)],
            other: vec![item("y", None, None), item("x", Some(3), Some(true))],
        },
    ];
    let keys = KeyConfig::new().field("cart", "sku").field("other", "sku");
    let mappers = [
        Mapper::new(keys.clone()),
        Mapper::new(keys.clone()).with_layout(Layout::single_family("meta")),
        Mapper::new(keys.clone()).with_codec(Codec::Java),
        Mapper::new(keys.field("cart_qty", "id")),
    ];
    let [.., strict] = &mappers;
    for round in 0..3 {
        for basket in &baskets {
            for mapper in &mappers {
                assert_same_cells(basket, mapper);
            }
            let err = strict.to_cells(basket).unwrap_err();
            assert!(
                matches!(err.kind(), ErrorKind::KeyCollision { .. }),
                "round {round}: {err}"
            );
        }
    }
}

/// Index cells of children at one-digit and longer positions, with string
/// and numeric keys, are the Value path's (`{"at":N}` has a fast path).
#[test]
fn index_cells_at_every_position_width_match_the_value_path() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Kid<K> {
        id: K,
        age: u8,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Class<K> {
        kids: Vec<Kid<K>>,
    }
    let mapper = Mapper::new(KeyConfig::new().field("kids", "id"));
    for len in [1, 9, 10, 11, 12, 120] {
        let strings = Class {
            kids: (0..len)
                .map(|i| Kid {
                    id: format!("k{:03}", (i * 7) % len),
                    age: i as u8,
                })
                .collect(),
        };
        let numbers = Class {
            kids: (0..len)
                .map(|i| Kid {
                    id: (i * 7) % len + 1000,
                    age: i as u8,
                })
                .collect(),
        };
        assert!(assert_same_cells(&strings, &mapper).is_some());
        assert!(assert_same_cells(&numbers, &mapper).is_some());
        assert_round_trip(&strings, &mapper);
        assert_round_trip(&numbers, &mapper);
    }
}

#[test]
fn string_primary_keys_read_as_any_type_the_same_on_both_paths() {
    // A string key's index cell is `{"at":N}`: the typed reader takes the
    // key from the qualifier's text, the Value path as a JSON string.
    // Read into other types, both must agree on the value or the refusal.
    #[derive(Serialize)]
    struct Kid {
        id: String,
        age: u8,
    }
    #[derive(Serialize)]
    struct Class {
        kids: Vec<Kid>,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct ReadKid<K> {
        id: K,
        age: u8,
    }
    #[derive(Deserialize, Debug, PartialEq)]
    struct ReadClass<K> {
        kids: Vec<ReadKid<K>>,
    }
    fn both<K: DeserializeOwned + std::fmt::Debug + PartialEq>(
        cells: &capjure::Cells,
        mapper: &Mapper,
    ) {
        let typed = mapper.from_cells::<ReadClass<K>, _>(cells);
        let by_value = serde_json::from_value::<ReadClass<K>>(mapper.hydrate(cells).unwrap());
        match (typed, by_value) {
            (Ok(typed), Ok(by_value)) => assert_eq!(typed, by_value),
            (Err(typed), Err(_)) => {
                let message = typed.to_string();
                assert!(message.contains("kids[0].id"), "{message}");
            }
            (typed, by_value) => panic!("{typed:?} against {by_value:?}"),
        }
    }
    let mapper = Mapper::new(KeyConfig::new().field("kids", "id"));
    for id in ["7", "Red", "dark-blue", "x", "true", "", "ünï"] {
        let class = Class {
            kids: vec![Kid {
                id: id.into(),
                age: 3,
            }],
        };
        let cells = mapper.to_cells(&class).unwrap();
        both::<String>(&cells, &mapper);
        both::<Option<String>>(&cells, &mapper);
        both::<char>(&cells, &mapper);
        both::<Color>(&cells, &mapper);
        both::<u32>(&cells, &mapper);
        both::<bool>(&cells, &mapper);
        both::<Value>(&cells, &mapper);
    }
}

#[test]
fn element_cells_from_other_writers_read_the_same_on_both_paths() {
    // Another writer's JSON may space its tokens; both readers must accept
    // what serde_json accepts, and agree on what it holds.
    #[derive(Deserialize, Debug, PartialEq)]
    struct Tags {
        tags: Vec<Value>,
    }
    let mapper = Mapper::default();
    let cases: [(&[(&str, &str)], Value); 4] = [
        (&[("tags", "[0, 1]")], serde_json::json!(["tags", "tags"])),
        (
            &[("tags", "[ [ 0 , \"a b\" ] ,\t[2,\n-1.5e3 ] , 1 ]\r\n")],
            serde_json::json!(["a b", "tags", -1500.0]),
        ),
        (
            &[("x", "[1]"), ("y", "[ 0 ]"), ("z", "[[2, null]]")],
            serde_json::json!(["y", "x", null]),
        ),
        (
            &[("tags", "[[0, \"q\\\"] ,\"], [1 ,true]]")],
            serde_json::json!(["q\"] ,", true]),
        ),
    ];
    for (cells, expected) in cases {
        let cells: Vec<Cell> = cells
            .iter()
            .map(|(qualifier, value)| Cell::new("tags", *qualifier, *value))
            .collect();
        let hydrated = mapper.hydrate(&cells).unwrap();
        assert_eq!(hydrated["tags"], expected, "{cells:?}");
        let typed: Tags = mapper.from_cells(&cells).unwrap();
        assert_eq!(Value::Array(typed.tags), expected, "{cells:?}");
    }
    for bad in [
        "[]",
        "[ ]",
        "[0 1]",
        "[[0 1]]",
        "[[0, [1]]]",
        "[0,]",
        "[0] x",
        "[ [0, \"a ]",
    ] {
        let cells = [Cell::new("tags", "t", bad)];
        let value_error = mapper.hydrate(&cells).unwrap_err().to_string();
        let typed_error = mapper
            .from_cells::<Tags, _>(&cells)
            .unwrap_err()
            .to_string();
        // Both name the cell; the wording may differ by path.
        for error in [value_error, typed_error] {
            assert!(error.contains("column \"tags:t\""), "{bad}: {error}");
        }
    }
}
