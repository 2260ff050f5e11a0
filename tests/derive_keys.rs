//! Typed keys of `#[derive(Entity)]`: composite row keys (order,
//! descending parts, decoding, prefixes), single-field keys that keep
//! their bytes, counters and the table settings.

use capjure::rowkey::Order;
use capjure::{Codec, CounterColumn, Entity, ErrorKind, KeyConfig, Layout, Mapper};

/// A click-stream session keyed by (shopper, visit time newest first).
#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "sessions", max_versions = 3, ttl = 2592000)]
struct Session {
    #[capjure(row_key)]
    shopper: String,
    #[capjure(row_key(descending))]
    visit: i64,
    pages: Vec<String>,
    #[capjure(counter)]
    views: i64,
}

fn session(shopper: &str, visit: i64) -> Session {
    Session {
        shopper: shopper.into(),
        visit,
        pages: vec!["/".into()],
        views: visit.wrapping_mul(3),
    }
}

fn sessions() -> Vec<Session> {
    let mut sessions = Vec::new();
    for shopper in ["bob", "alice", "al", "alice\0", ""] {
        for visit in [0, -1, 1, 1_700_000_000, i64::MIN, i64::MAX, -1_700_000_000] {
            sessions.push(session(shopper, visit));
        }
    }
    sessions
}

#[test]
fn a_composite_entity_round_trips_and_its_key_decodes_from_its_row() {
    for entity in sessions() {
        let row = entity.row_key();
        assert_eq!(row, Session::encode_key(&entity.key()));
        assert_eq!(
            Session::decode_key(&row).unwrap(),
            (entity.shopper.clone(), entity.visit)
        );
        let cells = entity.to_cells().unwrap();
        assert_eq!(Session::from_cells(&cells).unwrap(), entity);
    }
    assert_eq!(Session::key_order(), [Order::Ascending, Order::Descending]);
}

#[test]
fn sorting_by_row_key_gives_shoppers_ascending_then_visits_newest_first() {
    let mut by_bytes = sessions();
    by_bytes.sort_by_key(Entity::row_key);
    let mut by_fields = sessions();
    by_fields.sort_by(|a, b| {
        a.shopper
            .cmp(&b.shopper)
            .then_with(|| b.visit.cmp(&a.visit))
    });
    assert_eq!(by_bytes, by_fields);
    assert_eq!(by_bytes[0].shopper, "");
    let alice: Vec<i64> = by_bytes
        .iter()
        .filter(|s| s.shopper == "alice")
        .map(|s| s.visit)
        .collect();
    assert_eq!(
        alice,
        [i64::MAX, 1_700_000_000, 1, 0, -1, -1_700_000_000, i64::MIN]
    );
}

#[test]
fn a_prefix_of_leading_parts_matches_exactly_those_rows() {
    let rows: Vec<(Session, Vec<u8>)> = sessions()
        .into_iter()
        .map(|s| {
            let row = s.row_key();
            (s, row)
        })
        .collect();
    for shopper in ["alice", "al", "alice\0", "", "nobody"] {
        let prefix = Session::key_prefix((shopper,));
        assert_eq!(prefix, Session::key_prefix((shopper.to_string(),)));
        for (entity, row) in &rows {
            assert_eq!(row.starts_with(&prefix), entity.shopper == shopper);
        }
    }
    let whole = Session::key_prefix(("alice", 1_i64));
    let matching: Vec<_> = rows
        .iter()
        .filter(|(_, row)| row.starts_with(&whole))
        .collect();
    assert_eq!(matching.len(), 1);
    assert_eq!(Session::key_prefix(()), b"");
}

#[test]
fn malformed_rows_name_the_key_and_the_part() {
    let mut row = session("alice", 5).row_key();
    row.truncate(row.len() - 2);
    let err = Session::decode_key(&row).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::InvalidRowKey { part, .. } if part == "part 1 (`visit`)"),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "row key \"alice\\x00\\x01\\x7F\\xFF\\xFF\\xFF\\xFF\\xFF\": part 1 (`visit`): \
         expected 8 bytes, found 6"
    );
    let err = Session::decode_key(b"alice").unwrap_err();
    assert_eq!(
        err.to_string(),
        "row key \"alice\": part 0 (`shopper`): the bytes end before the part's terminator"
    );
}

#[test]
fn counters_are_8_byte_cells_under_every_codec_and_layout() {
    let entity = session("alice", 7);
    let columns = Session::counters();
    assert_eq!(columns.len(), 1);
    let CounterColumn {
        field,
        column,
        family,
        qualifier,
        ..
    } = &columns[0];
    assert_eq!((*field, *column), ("views", "views"));
    assert_eq!((&family[..], &qualifier[..]), (&b"views"[..], &b""[..]));
    for codec in [Codec::Json, Codec::Text, Codec::Java] {
        for layout in [Layout::MultiFamily, Layout::single_family("meta")] {
            let mapper = Mapper::new(KeyConfig::new())
                .with_layout(layout.clone())
                .with_codec(codec);
            let cells = mapper.to_cells(&entity).unwrap();
            let (family, qualifier) = match &layout {
                Layout::MultiFamily => (&b"views"[..], &b""[..]),
                _ => (&b"meta"[..], &b"views__"[..]),
            };
            let cell = cells
                .iter()
                .find(|c| c.family == family && c.qualifier == qualifier)
                .unwrap_or_else(|| panic!("no counter cell under {codec:?}: {cells:?}"));
            assert_eq!(cell.value, 21_i64.to_be_bytes(), "{codec:?}");
            assert_eq!(mapper.from_cells::<Session, _>(&cells).unwrap(), entity);
        }
    }
    // Other serde formats see the integer.
    let json = serde_json::to_value(&entity).unwrap();
    assert_eq!(json["views"], 21);
    assert_eq!(serde_json::from_value::<Session>(json).unwrap(), entity);
}

#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "pages", codec = "text")]
struct Page {
    #[capjure(row_key)]
    url: String,
    #[capjure(counter, rename = "n")]
    views: u8,
}

#[test]
fn a_counter_that_does_not_fit_its_field_is_an_error() {
    let cells = Page {
        url: "/".into(),
        views: 3,
    }
    .to_cells()
    .unwrap();
    assert_eq!(
        cells.iter().find(|c| c.family == b"n").unwrap().value,
        [0, 0, 0, 0, 0, 0, 0, 3]
    );
    let cells: Vec<capjure::Cell> = cells
        .iter()
        .map(|c| {
            let value = match c.family {
                b"n" => 300_i64.to_be_bytes().to_vec(),
                _ => c.value.to_vec(),
            };
            capjure::Cell::new(c.family, c.qualifier, value)
        })
        .collect();
    let err = Page::from_cells(&cells).unwrap_err();
    assert!(err.to_string().contains("300"), "{err}");
    let short = [
        capjure::Cell::new("url", "", "/"),
        capjure::Cell::new("n", "", "3"),
    ];
    let err = Page::from_cells(&short).unwrap_err();
    assert!(err.to_string().contains("holds 1"), "{err}");
}

#[test]
fn a_counter_without_a_cell_reads_as_zero() {
    // A row written before the counter was ever bumped has no counter cell.
    let cells = [capjure::Cell::new("url", "", "/")];
    let page = Page::from_cells(&cells).unwrap();
    assert_eq!(page.views, 0);
    let cells = session("alice", 7).to_cells().unwrap();
    let without: Vec<capjure::CellRef<'_>> =
        cells.iter().filter(|c| c.family != b"views").collect();
    assert_eq!(Session::from_cells(without).unwrap().views, 0);
    // Other fields are still required.
    let err = Page::from_cells(&[capjure::Cell::new("n", "", 5i64.to_be_bytes())]).unwrap_err();
    assert!(err.to_string().contains("url"), "{err}");
}

#[test]
fn table_settings_default_to_one_version_and_no_ttl() {
    assert_eq!(
        (Session::max_versions(), Session::ttl()),
        (3, Some(2_592_000))
    );
    assert_eq!((Page::max_versions(), Page::ttl()), (1, None));
    assert!(Page::counters().iter().all(|c| c.column == "n"));
}

/// A single plain key keeps its bytes, so a signed key does not sort
/// negatives first; a one-part composite key does.
#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "t")]
struct Plain {
    #[capjure(row_key)]
    id: i32,
}

#[derive(Entity, Debug, PartialEq)]
#[capjure(table = "t")]
struct Numeric {
    #[capjure(row_key(order = 1))]
    id: i32,
}

#[test]
fn single_keys_keep_their_bytes_and_one_part_composites_sort_numerically() {
    assert_eq!(Plain { id: -1 }.row_key(), [0xFF; 4]);
    assert_eq!(Plain::decode_key(&[0xFF; 4]).unwrap(), -1);
    assert!(Plain { id: -1 }.row_key() > Plain { id: 1 }.row_key());
    let err = Plain::decode_key(&[1, 2]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "row key \"\\x01\\x02\": field `id`: expected 4 bytes, found 2"
    );
    assert_eq!(Numeric { id: -1 }.row_key(), [0x7F, 0xFF, 0xFF, 0xFF]);
    assert!(Numeric { id: -1 }.row_key() < Numeric { id: 1 }.row_key());
    assert_eq!(
        Numeric::decode_key(&[0x7F, 0xFF, 0xFF, 0xFF]).unwrap(),
        (-1,)
    );
    assert!(Plain::key_order().is_empty());
}

/// Explicit orders put the parts in key order, whatever the declaration.
#[derive(Entity, Debug, PartialEq, Clone)]
#[capjure(table = "t")]
struct Reordered {
    #[capjure(row_key(order = 2, descending))]
    at: u32,
    name: String,
    #[capjure(row_key(order = 1))]
    shop: Vec<u8>,
    #[capjure(row_key(order = 3))]
    flag: bool,
}

#[test]
fn explicit_orders_set_the_key_order() {
    let entity = Reordered {
        at: 5,
        name: "n".into(),
        shop: vec![0, 0xFF],
        flag: true,
    };
    let key: (Vec<u8>, u32, bool) = entity.key();
    assert_eq!(key, (vec![0, 0xFF], 5, true));
    assert_eq!(
        entity.row_key(),
        [0, 0xFF, 0xFF, 0, 1, 0xFF, 0xFF, 0xFF, 0xFA, 1]
    );
    assert_eq!(Reordered::decode_key(&entity.row_key()).unwrap(), key);
    assert_eq!(
        Reordered::key_prefix((&[0u8, 0xFF],)),
        [0, 0xFF, 0xFF, 0, 1]
    );
}
