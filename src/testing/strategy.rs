//! proptest strategies for users' own property tests: objects a mapper can
//! store, and row keys of composite key types.

use std::fmt::Debug;

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

use crate::mapper::Mapper;
use crate::rowkey::{KeyPart, KeyTuple};

/// Top-level key names, including the characters the layouts treat
/// specially; never `_`, which could make a key collide with a configured
/// array's families.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}",
        "[a-z:/%. 1c8fd7\\\\-]{1,8}",
        "[\\PC&&[^_]]{1,6}",
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
        "[ _:\\\\\"]{0,4}".prop_map(Value::String),
    ]
}

fn scalar_map(min: usize) -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(name(), scalar(), min..5).prop_map(|m| m.into_iter().collect())
}

/// An array of maps whose children have distinct primary keys in `pk`.
fn children(pk: String) -> impl Strategy<Value = Value> {
    let primary = prop_oneof![
        "[a-z0-9]{1,8}".prop_map(Value::String),
        "\\PC{1,8}".prop_map(Value::String),
        any::<i32>().prop_map(Value::from),
    ];
    prop::collection::vec((primary, scalar_map(1)), 0..5).prop_map(move |kids| {
        let mut seen = std::collections::HashSet::new();
        let items = kids
            .into_iter()
            .filter(|(key, _)| seen.insert(key.to_string().trim_matches('"').to_string()))
            .map(|(key, mut fields)| {
                fields.insert(pk.clone(), key);
                Value::Object(fields)
            })
            .collect();
        Value::Array(items)
    })
}

fn top_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar(),
        scalar_map(0).prop_map(Value::Object),
        prop::collection::vec(scalar(), 0..6).prop_map(Value::Array),
    ]
}

/// Objects that `mapper` (its key config, layout and codec) can store:
/// flattening one never fails. They hold scalars, maps of scalars and
/// arrays of scalars under arbitrary keys, and an array of maps under
/// each key the [`KeyConfig`](crate::KeyConfig) gives a plain primary-key
/// field (composite keys are left out: their encoders are the user's).
///
/// Under [`Codec::Json`](crate::Codec::Json) every object also hydrates
/// back exactly; under the other codecs it hydrates to the codec's reading
/// of it (text values, for instance).
///
/// ```
/// use capjure::{Codec, KeyConfig, Mapper};
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// let mapper = Mapper::new(KeyConfig::new().field("cars", "license")).with_codec(Codec::Text);
/// let mut runner = TestRunner::default();
/// runner.run(&capjure::testing::storable_object(&mapper), |object| {
///     prop_assert!(mapper.flatten(&object).is_ok());
///     Ok(())
/// }).unwrap();
/// ```
pub fn storable_object(mapper: &Mapper) -> BoxedStrategy<Value> {
    let arrays: Vec<(String, String)> = mapper
        .keys()
        .iter()
        .filter(|(_, pk)| !pk.is_composite())
        .map(|(key, pk)| (key.to_string(), pk.field_name().to_string()))
        .collect();
    let array_values: Vec<BoxedStrategy<(String, Value)>> = arrays
        .into_iter()
        .map(|(key, pk)| children(pk).prop_map(move |v| (key.clone(), v)).boxed())
        .collect();
    let mapper = mapper.clone();
    (
        prop::collection::btree_map(name(), top_value(), 0..6),
        array_values,
    )
        .prop_map(move |(plain, arrays)| storable(&mapper, plain.into_iter().chain(arrays)))
        .boxed()
}

/// Keeps the entries the mapper can store alone, then drops entries from
/// the end until the object as a whole flattens (entries can collide).
fn storable(mapper: &Mapper, entries: impl Iterator<Item = (String, Value)>) -> Value {
    let mut object = Map::new();
    for (key, value) in entries {
        let mut alone = Map::new();
        alone.insert(key.clone(), value.clone());
        if mapper.flatten_map(&alone).is_ok() {
            object.insert(key, value);
        }
    }
    while mapper.flatten_map(&object).is_err() {
        let Some(last) = object.keys().next_back().cloned() else {
            break;
        };
        object.remove(&last);
    }
    Value::Object(object)
}

/// A [`KeyPart`] with a strategy that favours the values its encoding
/// treats specially (NUL and `0xFF` bytes, empty strings, the extremes and
/// zero of integers).
///
/// ```
/// use capjure::testing::ArbitraryPart;
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let part = i64::arbitrary_part().new_tree(&mut TestRunner::default()).unwrap().current();
/// let _: i64 = part;
/// ```
pub trait ArbitraryPart: KeyPart + Clone + Debug + 'static {
    /// The strategy.
    fn arbitrary_part() -> BoxedStrategy<Self>;
}

impl ArbitraryPart for Vec<u8> {
    fn arbitrary_part() -> BoxedStrategy<Self> {
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..12),
            prop::collection::vec(
                prop_oneof![Just(0u8), Just(1), Just(0xFF), Just(b'a')],
                0..6
            ),
        ]
        .boxed()
    }
}

impl ArbitraryPart for String {
    fn arbitrary_part() -> BoxedStrategy<Self> {
        prop_oneof!["\\PC{0,8}", "[\\x00\\x01a\u{FF}]{0,6}"].boxed()
    }
}

impl ArbitraryPart for bool {
    fn arbitrary_part() -> BoxedStrategy<Self> {
        any::<bool>().boxed()
    }
}

impl ArbitraryPart for char {
    fn arbitrary_part() -> BoxedStrategy<Self> {
        prop_oneof![any::<char>(), Just('\0'), Just(char::MAX)].boxed()
    }
}

macro_rules! integer_part {
    ($($ty:ty)*) => {$(
        impl ArbitraryPart for $ty {
            fn arbitrary_part() -> BoxedStrategy<Self> {
                prop_oneof![
                    any::<$ty>(),
                    Just(<$ty>::MIN),
                    Just(<$ty>::MAX),
                    Just(0 as $ty),
                    Just(1 as $ty),
                    Just(<$ty>::MAX / 2),
                ]
                .boxed()
            }
        }
    )*};
}

integer_part!(u8 u16 u32 u64 u128 i8 i16 i32 i64 i128);

/// A composite row key type (a tuple of [`ArbitraryPart`]s, up to eight)
/// with a strategy for its values; see [`row_key`].
///
/// ```
/// use capjure::testing::ArbitraryKey;
/// let _strategy = <(String, u32)>::arbitrary_key();
/// ```
pub trait ArbitraryKey: KeyTuple + Clone + Debug + 'static {
    /// The strategy.
    fn arbitrary_key() -> BoxedStrategy<Self>;
}

macro_rules! arbitrary_key {
    ($($K:ident)+) => {
        impl<$($K: ArbitraryPart),+> ArbitraryKey for ($($K,)+) {
            fn arbitrary_key() -> BoxedStrategy<Self> {
                ($($K::arbitrary_part(),)+).boxed()
            }
        }
    };
}

arbitrary_key!(A);
arbitrary_key!(A B);
arbitrary_key!(A B C);
arbitrary_key!(A B C D);
arbitrary_key!(A B C D E);
arbitrary_key!(A B C D E F);
arbitrary_key!(A B C D E F G);
arbitrary_key!(A B C D E F G H);

/// Arbitrary row keys of a composite key type, e.g. `(String, u32, i64)`:
/// each part drawn by its [`ArbitraryPart`] strategy.
///
/// ```
/// use capjure::rowkey::{Order, decode, encode};
/// use proptest::prelude::*;
/// use proptest::test_runner::TestRunner;
///
/// let orders = [Order::Ascending, Order::Descending];
/// TestRunner::default().run(&capjure::testing::row_key::<(String, i64)>(), |key| {
///     let row = encode(&key, &orders);
///     prop_assert_eq!(decode::<(String, i64)>(&row, &orders).unwrap(), key);
///     Ok(())
/// }).unwrap();
/// ```
pub fn row_key<K: ArbitraryKey>() -> BoxedStrategy<K> {
    K::arbitrary_key()
}
