//! What `#[derive(Entity)]` generates, at run time.

use capjure::{Codec, Entity, ErrorKind, Layout};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct CartItem {
    sku: String,
    qty: u32,
    price: f64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Geo {
    country: String,
    city: Option<String>,
}

#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    id: String,
    #[capjure(rename = "ua")]
    user_agent: String,
    geo: Geo,
    viewed: Vec<String>,
    #[capjure(primary_key = "sku")]
    cart: Vec<CartItem>,
    referrer: Option<String>,
    #[capjure(skip)]
    scratch: u64,
}

fn session() -> Session {
    Session {
        id: "s-1".into(),
        user_agent: "curl/8".into(),
        geo: Geo {
            country: "NZ".into(),
            city: None,
        },
        viewed: vec!["EZ-30".into(), "AB-1".into()],
        cart: vec![CartItem {
            sku: "EZ-30".into(),
            qty: 2,
            price: 9.5,
        }],
        referrer: None,
        scratch: 0,
    }
}

#[test]
fn the_entity_knows_its_table_keys_and_families() {
    assert_eq!(Session::TABLE, "sessions");
    assert_eq!(Session::table(), "sessions");
    assert_eq!(session().row_key(), b"s-1");
    assert_eq!(
        Session::key_config().get("cart").unwrap().field_name(),
        "sku"
    );
    assert_eq!(Session::layout(), Layout::MultiFamily);
    assert_eq!(Session::codec(), Codec::Json);
    assert_eq!(
        Session::families(),
        [
            "cart",
            "cart_price",
            "cart_qty",
            "geo",
            "id",
            "referrer",
            "ua",
            "viewed"
        ]
    );
    // Every family a row writes is one the table was created with.
    let cells = session().to_cells().unwrap();
    for family in cells.families() {
        let family = String::from_utf8_lossy(family);
        assert!(
            Session::families().contains(&family.to_string()),
            "{family}"
        );
    }
}

#[test]
fn rows_round_trip_and_skipped_fields_read_back_as_default() {
    let mut with_scratch = session();
    with_scratch.scratch = 99;
    let cells = with_scratch.to_cells().unwrap();
    assert!(cells.iter().any(|c| c.family == b"ua"));
    assert!(cells.iter().all(|c| c.family != b"scratch"));
    assert_eq!(Session::from_cells(&cells).unwrap(), session());
}

#[test]
fn the_derived_serde_impls_are_the_columns() {
    let json = serde_json::to_value(session()).unwrap();
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        ["cart", "geo", "id", "referrer", "ua", "viewed"],
        "renamed, skipped"
    );
    // Unknown columns are ignored; duplicates and missing ones are errors.
    let back: Session = serde_json::from_value(serde_json::json!({
        "id": "s-1", "ua": "curl/8", "geo": {"country": "NZ"},
        "viewed": ["EZ-30", "AB-1"], "cart": [{"sku": "EZ-30", "qty": 2, "price": 9.5}],
        "extra": true
    }))
    .unwrap();
    assert_eq!(back, session());
    let err = serde_json::from_str::<Session>(r#"{"id": "a", "id": "b"}"#).unwrap_err();
    assert!(err.to_string().contains("duplicate field `id`"), "{err}");
    let err = Session::from_cells(&Vec::<capjure::Cell>::new()).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Serde { message, .. } if message == "missing field `id`"),
        "{err}"
    );
}

fn encode_event(child: &Map<String, Value>) -> Result<String, String> {
    let id = child["id"].as_str().ok_or("id is not a string")?;
    let kind = child["kind"].as_str().ok_or("kind is not a string")?;
    Ok(format!("{id}@{kind}"))
}

fn decode_event(qualifier: &str) -> Result<Value, String> {
    let (id, _) = qualifier.split_once('@').ok_or("no @ in the qualifier")?;
    Ok(Value::from(id))
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Event {
    id: String,
    kind: String,
    count: i64,
}

#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "events", single_family = "meta", codec = "text")]
struct Shopper {
    #[capjure(row_key)]
    shopper: u64,
    #[capjure(primary_key(field = "id", encode = encode_event, decode = decode_event))]
    events: Vec<Event>,
}

#[test]
fn composite_keys_single_family_and_codec_attributes() {
    let shopper = Shopper {
        shopper: 258,
        events: vec![Event {
            id: "EZ-30DC-HD".into(),
            kind: "viewed_aggregate".into(),
            count: 3,
        }],
    };
    assert_eq!(shopper.row_key(), [0, 0, 0, 0, 0, 0, 1, 2]);
    assert_eq!(Shopper::families(), ["meta"]);
    assert_eq!(Shopper::codec(), Codec::Text);
    assert!(Shopper::key_config().get("events").unwrap().is_composite());
    let cells = shopper.to_cells().unwrap();
    assert!(
        cells.iter().any(
            |c| c.qualifier == b"events_count__EZ-30DC-HD@viewed_aggregate" && c.value == b"3"
        ),
        "{cells:?}"
    );
    assert_eq!(Shopper::from_cells(&cells).unwrap(), shopper);
}

#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "t", codec = "java")]
struct JavaRow {
    #[capjure(row_key)]
    id: i32,
    hits: i64,
}

#[test]
fn java_codec_entities_round_trip() {
    let row = JavaRow { id: -1, hits: 7 };
    assert_eq!(row.row_key(), [0xFF; 4]);
    let cells = row.to_cells().unwrap();
    assert_eq!(JavaRow::from_cells(&cells).unwrap(), row);
}

/// The generated code names everything by absolute path.
mod hygiene {
    #![no_implicit_prelude]
    #![allow(dead_code)] // only compiled, to prove hygiene

    #[derive(::serde::Serialize, ::serde::Deserialize)]
    pub struct Item {
        pub sku: ::std::string::String,
        pub qty: u32,
    }

    #[derive(::capjure::Entity)]
    #[capjure(table = "t", single_family = "meta")]
    pub struct Row {
        #[capjure(row_key)]
        pub id: ::std::vec::Vec<u8>,
        #[capjure(rename = "n")]
        pub name: ::std::string::String,
        pub maybe: ::std::option::Option<i32>,
        #[capjure(primary_key = "sku")]
        pub items: ::std::vec::Vec<Item>,
        #[capjure(skip)]
        pub skipped: bool,
    }

    #[derive(::capjure::Entity)]
    #[capjure(table = "t", max_versions = 2, ttl = 60)]
    pub struct Visit {
        #[capjure(row_key(order = 1))]
        pub shopper: ::std::string::String,
        #[capjure(row_key(order = 2, descending))]
        pub at: i64,
        #[capjure(counter)]
        pub views: u32,
    }

    // Names the generated code must not pick up by accident.
    struct Option;
    struct Result;
    struct Vec;
    struct String;
    struct Clone;
    mod serde {}
    mod capjure {}
}

#[test]
fn generated_code_is_hygienic() {
    let row = hygiene::Row {
        id: vec![1, 2],
        name: "x".into(),
        maybe: Some(1),
        items: vec![hygiene::Item {
            sku: "a".into(),
            qty: 1,
        }],
        skipped: true,
    };
    assert_eq!(row.row_key(), [1, 2]);
    let visit = hygiene::Visit {
        shopper: "a".into(),
        at: 1,
        views: 2,
    };
    let back = hygiene::Visit::from_cells(&visit.to_cells().unwrap()).unwrap();
    assert_eq!(
        hygiene::Visit::decode_key(&visit.row_key()).unwrap(),
        ("a".into(), 1)
    );
    assert_eq!(back.views, 2);
    let back = hygiene::Row::from_cells(&row.to_cells().unwrap()).unwrap();
    assert_eq!(back.name, "x");
    assert!(!back.skipped);
}
