//! Property tests: random values of derived entities round-trip exactly
//! through `Mapper::to_cells` and `Mapper::from_cells` under every codec and
//! layout (1000 cases per property).
//!
//! The text codec stores what the original capjure stored, so its values
//! are drawn from what it can hold: arrays of scalars are sets read back in
//! byte order, and arrays and maps are never empty (see `Codec::Text`).

use std::collections::BTreeMap;

use capjure::{Codec, Entity, KeyConfig, Layout, Mapper};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone, Copy)]
enum Color {
    Red,
    Green,
    #[serde(rename = "dark-blue")]
    DarkBlue,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Geo {
    country: String,
    zip: Option<u16>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Item {
    sku: String,
    qty: u32,
    price: f32,
    note: Option<String>,
}

#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "sessions")]
struct Session {
    #[capjure(row_key)]
    id: String,
    count: i64,
    small: i8,
    ratio: f64,
    flag: bool,
    letter: char,
    #[capjure(rename = "n")]
    name: String,
    maybe: Option<u32>,
    color: Color,
    tags: Vec<String>,
    attrs: BTreeMap<String, i64>,
    geo: Geo,
    #[capjure(primary_key = "sku")]
    cart: Vec<Item>,
}

#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "blobs")]
struct Blob {
    #[capjure(row_key)]
    id: u64,
    scores: Vec<i32>,
    colors: Vec<Color>,
    data: serde_bytes::ByteBuf,
    word: u16,
    big: u32,
    label: Option<String>,
}

fn mappers<E: Entity>() -> Vec<Mapper> {
    let mut mappers = Vec::new();
    for codec in [Codec::Json, Codec::Text, Codec::Java] {
        for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
            mappers.push(
                Mapper::new(E::key_config())
                    .with_layout(layout)
                    .with_codec(codec),
            );
        }
    }
    mappers
}

fn color() -> impl Strategy<Value = Color> {
    prop_oneof![Just(Color::Red), Just(Color::Green), Just(Color::DarkBlue)]
}

fn finite_f64() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("json has no NaN or infinity", |v| v.is_finite())
}

fn finite_f32() -> impl Strategy<Value = f32> {
    any::<f32>().prop_filter("json has no NaN or infinity", |v| v.is_finite())
}

fn item() -> impl Strategy<Value = Item> {
    (
        any::<String>(),
        any::<u32>(),
        finite_f32(),
        proptest::option::of(any::<String>()),
    )
        .prop_map(|(sku, qty, price, note)| Item {
            sku,
            qty,
            price,
            note,
        })
}

fn session() -> impl Strategy<Value = Session> {
    (
        (
            any::<String>(),
            any::<i64>(),
            any::<i8>(),
            finite_f64(),
            any::<bool>(),
            any::<char>(),
            any::<String>(),
        ),
        (
            proptest::option::of(any::<u32>()),
            color(),
            proptest::collection::vec(any::<String>(), 0..6),
            proptest::collection::btree_map("[a-z_:.]{1,8}", any::<i64>(), 0..4),
            any::<String>(),
            proptest::option::of(any::<u16>()),
            proptest::collection::vec(item(), 0..4),
        ),
    )
        .prop_map(
            |(
                (id, count, small, ratio, flag, letter, name),
                (maybe, color, tags, attrs, country, zip, mut cart),
            )| {
                // Children are told apart by their key.
                let mut seen = std::collections::HashSet::new();
                cart.retain(|item| seen.insert(item.sku.clone()));
                Session {
                    id,
                    count,
                    small,
                    ratio,
                    flag,
                    letter,
                    name,
                    maybe,
                    color,
                    tags,
                    attrs,
                    geo: Geo { country, zip },
                    cart,
                }
            },
        )
}

fn blob() -> impl Strategy<Value = Blob> {
    (
        // A Java long holds it (u64 above i64::MAX is an error there).
        0..=i64::MAX as u64,
        proptest::collection::vec(any::<i32>(), 0..8),
        proptest::collection::vec(color(), 0..4),
        proptest::collection::vec(any::<u8>(), 0..32),
        any::<u16>(),
        any::<u32>(),
        proptest::option::of(any::<String>()),
    )
        .prop_map(|(id, scores, colors, data, word, big, label)| Blob {
            id,
            scores,
            colors,
            data: serde_bytes::ByteBuf::from(data),
            word,
            big,
            label,
        })
}

/// What the text codec can hold: arrays of scalars as non-empty sets in
/// byte order, non-empty maps, children in key order.
fn text_session(mut session: Session) -> Session {
    session.tags.sort();
    session.tags.dedup();
    if session.tags.is_empty() {
        session.tags.push("tag".into());
    }
    if session.attrs.is_empty() {
        session.attrs.insert("a".into(), 1);
    }
    session.cart.sort_by(|a, b| a.sku.cmp(&b.sku));
    if session.cart.is_empty() {
        session.cart.push(Item {
            sku: "sku".into(),
            qty: 1,
            price: 1.5,
            note: None,
        });
    }
    session
}

fn text_blob(mut blob: Blob) -> Blob {
    let sort_as_text = |scores: &mut Vec<i32>| {
        scores.sort_by_key(|score| score.to_string());
        scores.dedup();
    };
    sort_as_text(&mut blob.scores);
    if blob.scores.is_empty() {
        blob.scores.push(0);
    }
    blob.colors.sort_by_key(|color| format!("{color:?}"));
    let mut names: Vec<(String, Color)> = blob
        .colors
        .iter()
        .map(|c| {
            (
                serde_json::to_value(c)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string(),
                *c,
            )
        })
        .collect();
    names.sort_by(|a, b| a.0.cmp(&b.0));
    names.dedup_by(|a, b| a.0 == b.0);
    blob.colors = names.into_iter().map(|(_, c)| c).collect();
    if blob.colors.is_empty() {
        blob.colors.push(Color::Red);
    }
    blob
}

fn round_trip<E>(value: &E, mapper: &Mapper) -> Result<(), TestCaseError>
where
    E: Entity + PartialEq + std::fmt::Debug,
{
    let cells = mapper
        .to_cells(value)
        .map_err(|err| TestCaseError::fail(format!("{:?}: {err}", mapper.codec())))?;
    let back: E = mapper
        .from_cells(&cells)
        .map_err(|err| TestCaseError::fail(format!("{:?}: {err}", mapper.codec())))?;
    prop_assert_eq!(&back, value, "{:?} {:?}", mapper.codec(), mapper.layout());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn sessions_round_trip_under_every_codec(session in session()) {
        for mapper in mappers::<Session>() {
            let value = if mapper.codec() == Codec::Text {
                text_session(session.clone())
            } else {
                session.clone()
            };
            round_trip(&value, &mapper)?;
        }
    }

    #[test]
    fn blobs_round_trip_under_every_codec(blob in blob()) {
        for mapper in mappers::<Blob>() {
            let value = if mapper.codec() == Codec::Text {
                text_blob(blob.clone())
            } else {
                blob.clone()
            };
            round_trip(&value, &mapper)?;
        }
    }

    #[test]
    fn typed_cells_equal_the_value_path(session in session()) {
        // Under JSON, with no None fields, both paths write the same cells.
        let mapper = Mapper::new(KeyConfig::new().field("cart", "sku"));
        let mut session = session;
        session.maybe.get_or_insert(0);
        session.geo.zip.get_or_insert(0);
        for item in &mut session.cart {
            item.note.get_or_insert_with(String::new);
        }
        let mut typed = mapper.to_cells(&session).unwrap().to_vec();
        let mut via_value = mapper.flatten(&serde_json::to_value(&session).unwrap()).unwrap().to_vec();
        typed.sort();
        via_value.sort();
        prop_assert_eq!(typed, via_value);
    }
}
