//! Property tests of the composite row-key encoding (`capjure::rowkey`):
//! for random keys of several shapes, byte order is tuple order (a
//! descending part comparing reversed), keys decode back, and a prefix
//! scan on any leading parts returns exactly the rows a brute-force filter
//! returns, on `MemoryStore` and on the real HBase through `ThriftStore`.

mod support;

use std::cmp::Ordering;
use std::fmt::Debug;

use capjure::rowkey::{self, KeyPrefix, KeyTuple, Order};
use capjure::store::{FamilySpec, RowMutations, Scan};
use capjure::{Cell, MemoryStore, Store, ThriftStore};
use proptest::prelude::*;

const ASC: Order = Order::Ascending;
const DESC: Order = Order::Descending;

/// Strings drawn so that shared prefixes, embedded NULs and 0x01 (the
/// terminator's second byte) are common, plus arbitrary ones.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[\\x00\\x01ab\u{FF}]{0,4}",
        1 => any::<String>(),
    ]
}

/// Bytes with 0x00, 0x01 and 0xFF common.
fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => proptest::collection::vec(prop_oneof![Just(0u8), Just(1), Just(0xFE), Just(0xFF), Just(b'a')], 0..5),
        1 => proptest::collection::vec(any::<u8>(), 0..12),
    ]
}

fn int64() -> impl Strategy<Value = i64> {
    prop_oneof![
        -3i64..3,
        Just(i64::MIN),
        Just(i64::MAX),
        Just(0xFF),
        Just(-0x100),
        any::<i64>()
    ]
}

fn uint32() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..3, Just(u32::MAX), Just(0xFF00_0000), any::<u32>()]
}

/// `a` against `b` part by part, a descending part reversed.
fn compare<const N: usize>(parts: [Ordering; N], orders: &[Order]) -> Ordering {
    parts
        .into_iter()
        .zip(orders)
        .map(|(ordering, order)| match order {
            Order::Ascending => ordering,
            Order::Descending => ordering.reverse(),
        })
        .find(|ordering| ordering.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// The order and round-trip properties for one pair of keys.
fn check_pair<K: KeyTuple + PartialEq + Debug>(
    a: &K,
    b: &K,
    orders: &[Order],
    expected: Ordering,
) -> Result<(), TestCaseError> {
    let (ea, eb) = (rowkey::encode(a, orders), rowkey::encode(b, orders));
    prop_assert_eq!(
        ea.cmp(&eb),
        expected,
        "{:?} vs {:?}: {:?} vs {:?}",
        a,
        b,
        ea,
        eb
    );
    prop_assert_eq!(&rowkey::decode::<K>(&ea, orders)?, a);
    prop_assert_eq!(&rowkey::decode::<K>(&eb, orders)?, b);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn string_i64_sorts_as_the_tuple(a in (text(), int64()), b in (text(), int64())) {
        let orders = [ASC, ASC];
        let expected = compare([a.0.cmp(&b.0), a.1.cmp(&b.1)], &orders);
        check_pair(&a, &b, &orders, expected)?;
    }

    #[test]
    fn string_then_descending_i64_sorts_newest_first(
        a in (text(), int64()),
        b in (text(), int64()),
    ) {
        let orders = [ASC, DESC];
        let expected = compare([a.0.cmp(&b.0), a.1.cmp(&b.1)], &orders);
        check_pair(&a, &b, &orders, expected)?;
    }

    #[test]
    fn bytes_u32_string_sorts_as_the_tuple(
        a in (bytes(), uint32(), text()),
        b in (bytes(), uint32(), text()),
        descending in any::<[bool; 3]>(),
    ) {
        let orders = descending.map(|d| if d { DESC } else { ASC });
        let expected = compare([a.0.cmp(&b.0), a.1.cmp(&b.1), a.2.cmp(&b.2)], &orders);
        check_pair(&a, &b, &orders, expected)?;
    }

    #[test]
    fn small_fixed_width_parts_sort_as_the_tuple(
        a in (any::<bool>(), any::<char>(), any::<i8>(), bytes(), any::<i128>()),
        b in (any::<bool>(), any::<char>(), any::<i8>(), bytes(), any::<i128>()),
        descending in any::<[bool; 5]>(),
    ) {
        let orders = descending.map(|d| if d { DESC } else { ASC });
        let expected = compare(
            [a.0.cmp(&b.0), a.1.cmp(&b.1), a.2.cmp(&b.2), a.3.cmp(&b.3), a.4.cmp(&b.4)],
            &orders,
        );
        check_pair(&a, &b, &orders, expected)?;
    }

    #[test]
    fn garbage_never_panics_and_what_decodes_encodes_back(
        row in proptest::collection::vec(any::<u8>(), 0..24),
        descending in any::<[bool; 3]>(),
    ) {
        let orders = descending.map(|d| if d { DESC } else { ASC });
        if let Ok(key) = rowkey::decode::<(Vec<u8>, u16, String)>(&row, &orders) {
            prop_assert_eq!(rowkey::encode(&key, &orders), row);
        }
    }
}

/// The three-part key of the prefix-scan properties.
type Key3 = (Vec<u8>, u32, String);

/// Whether a key's leading parts equal a probe's.
type LeadingEqual = fn(&Key3, &Key3) -> bool;

/// For each number of leading parts of `probe`: the prefix's bytes, and the
/// keys a brute-force filter on the tuples finds (in byte order, once each).
fn prefix_matches(
    keys: &[Key3],
    probe: &Key3,
    orders: &[Order],
) -> Vec<(usize, Vec<u8>, Vec<Key3>)> {
    let prefixes: [(Vec<u8>, LeadingEqual); 4] = [
        (encode_prefix(&(), orders), |_, _| true),
        (encode_prefix(&(&probe.0,), orders), |k, p| k.0 == p.0),
        (encode_prefix(&(&probe.0, probe.1), orders), |k, p| {
            (&k.0, k.1) == (&p.0, p.1)
        }),
        (
            encode_prefix(&(&probe.0, probe.1, &probe.2), orders),
            |k, p| k == p,
        ),
    ];
    prefixes
        .into_iter()
        .enumerate()
        .map(|(len, (prefix, leading_equal))| {
            let mut expected: Vec<_> = keys
                .iter()
                .filter(|key| leading_equal(key, probe))
                .cloned()
                .collect();
            expected.sort_by_key(|key| rowkey::encode(key, orders));
            expected.dedup();
            (len, prefix, expected)
        })
        .collect()
}

fn encode_prefix<P: KeyPrefix<Key3>>(prefix: &P, orders: &[Order]) -> Vec<u8> {
    rowkey::encode_prefix::<Key3, P>(prefix, orders)
}

fn key3() -> impl Strategy<Value = Key3> {
    // Few distinct values per part, so that keys share leading parts.
    (
        prop_oneof![
            Just(vec![]),
            Just(vec![0]),
            Just(vec![0, 0xFF]),
            Just(vec![0xFF]),
            Just(b"a".to_vec())
        ],
        prop_oneof![Just(0u32), Just(1), Just(0xFFFF_FFFF)],
        prop_oneof![
            Just(String::new()),
            Just("\0".to_string()),
            Just("a".to_string()),
            Just("a\u{1}".to_string())
        ],
    )
}

/// Writes `keys` to `table` in `store` and checks every prefix scan of
/// the leading parts of `probe` against the brute-force filter.
fn check_prefix_scans(
    store: &dyn Store,
    table: &str,
    keys: &[Key3],
    probe: &Key3,
    orders: &[Order],
) -> Result<(), TestCaseError> {
    let batch: Vec<RowMutations> = keys
        .iter()
        .map(|key| RowMutations::new(rowkey::encode(key, orders)).put(Cell::new("f", "q", "v")))
        .collect();
    store.mutate(table, &batch)?;
    for (len, prefix, expected) in prefix_matches(keys, probe, orders) {
        let found: Vec<Key3> = store
            .scan(table, &Scan::prefix(prefix.clone()))?
            .map(|row| rowkey::decode(&row?.key, orders))
            .collect::<capjure::Result<_>>()?;
        prop_assert_eq!(&found, &expected, "prefix of {} part(s) {:?}", len, prefix);
    }
    Ok(())
}

fn orders3() -> impl Strategy<Value = [Order; 3]> {
    any::<[bool; 3]>().prop_map(|d| d.map(|d| if d { DESC } else { ASC }))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn prefix_scans_on_the_memory_store_return_the_brute_force_rows(
        keys in proptest::collection::vec(key3(), 1..50),
        pick in any::<prop::sample::Index>(),
        orders in orders3(),
    ) {
        let store = MemoryStore::new();
        store.create_table("t", &[FamilySpec::new("f")])?;
        let probe = keys[pick.index(keys.len())].clone();
        check_prefix_scans(&store, "t", &keys, &probe, &orders)?;
    }
}

#[test]
fn prefix_scans_on_hbase_return_the_brute_force_rows() {
    let Some(_) = support::hbase_client() else {
        return;
    };
    let store = ThriftStore::new(support::Target::from_env().config()).expect("connect to HBase");
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig::with_cases(16));
    let strategy = (
        proptest::collection::vec(key3(), 50),
        any::<prop::sample::Index>(),
        orders3(),
    );
    runner
        .run(&strategy, |(keys, pick, orders)| {
            let table = support::unique_table_name("rowkey_prefix");
            let _drop = support::DropTable(table.clone());
            store.create_table(&table, &[FamilySpec::new("f")])?;
            let probe = keys[pick.index(keys.len())].clone();
            check_prefix_scans(&store, &table, &keys, &probe, &orders)
        })
        .unwrap();
}
