//! Typed entities: a struct that knows its table, row key and layout.
//!
//! Implement [`Entity`] with `#[derive(Entity)]` (feature `derive`, on by
//! default). The derive checks the mapping at compile time and generates
//! the struct's `Serialize` and `Deserialize` impls from its `#[capjure]`
//! attributes, so the columns it stores are exactly the ones it declares.

use std::fmt;
use std::hash::Hash;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::cell::{CellRef, Cells};
use crate::codec::Codec;
use crate::error::Result;
use crate::keys::KeyConfig;
use crate::layout::Layout;
use crate::mapper::Mapper;
use crate::rowkey::{KeyPrefix, Order};

/// A struct stored as one HBase row in capjure's layout.
///
/// Derive it. The derive also implements `serde::Serialize` and
/// `serde::Deserialize` for the struct (do not derive those too); nested
/// types (a map-of-scalars struct, the elements of a `Vec` of structs, unit
/// enums) derive serde's traits as usual.
///
/// Container attributes:
///
/// * `#[capjure(table = "sessions")]`: the table (required, non-empty);
/// * `#[capjure(single_family = "meta")]`: the single-family layout
///   (default: one family per column);
/// * `#[capjure(codec = "json" | "text" | "java")]`: the codec (default
///   `json`);
/// * `#[capjure(max_versions = 3)]`: versions of a cell the table keeps
///   (default 1), [`Entity::max_versions`];
/// * `#[capjure(ttl = 86400)]`: seconds the table keeps a cell (default:
///   forever), [`Entity::ttl`].
///
/// Field attributes:
///
/// * `#[capjure(row_key)]` on one field: the key keeps the field's own
///   bytes, so rows written by earlier versions still read: a `String`
///   (UTF-8), an integer (big-endian two's complement at its own width, as
///   Java's `Bytes.toBytes`) or a `Vec<u8>` (as it is). A negative signed
///   key therefore sorts after the positive ones; for numeric order use an
///   unsigned type or a one-part composite key, `row_key(order = 1)`;
/// * `#[capjure(row_key)]` on several fields: a composite key, `Key` the
///   tuple of their types in declaration order, encoded so that byte order
///   is tuple order ([`crate::rowkey`]); parts are `String`, `Vec<u8>`,
///   `bool`, `char` and integers, at most 8. `row_key(order = N)` (on every
///   part, 1 to the number of parts) sets the order;
///   `row_key(descending)` makes a part sort largest first (a visit time,
///   newest first), and makes a lone key field a one-part composite key.
///   Every key field is also stored as a column, so a row reads back whole
///   from its cells;
/// * `#[capjure(counter)]` on an integer field (`i8` to `i64`, `u8` to
///   `u64`): the field is an HBase counter, an 8-byte big-endian `i64`
///   cell as HBase's Increment writes it, whatever the codec (other serde
///   formats see the plain integer); [`Entity::counters`] lists the cells;
/// * `#[capjure(primary_key = "sku")]` on a `Vec` of structs: the children
///   are keyed by their `sku` field (`cart_qty:<sku>` cells). A composite
///   key names its functions, `primary_key(field = "id", encode = path,
///   decode = path)`, with the signatures of [`KeyConfig::composite`];
/// * `#[capjure(rename = "ua")]`: the column's name;
/// * `#[capjure(skip)]`: not stored; reads back as `Default::default()`.
///
/// Misuse is a compile error pointing at the attribute: no row key, a
/// skipped row key, a key part of a type with no order-preserving form
/// (`f64`, `Option`, a struct: reported at the type), `order` on only some
/// parts or repeated or out of range, `descending` outside `row_key(...)`,
/// a `counter` that is not an integer or is the row key, a `max_versions`
/// or `ttl` that is not a positive integer, a primary key on a field that
/// is not a `Vec`, an unknown attribute, two fields with one column name,
/// an empty table name, a generic struct.
///
/// ```
/// use capjure::Entity;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, Debug, PartialEq)]
/// struct Item { sku: String, qty: u32 }
///
/// #[derive(Entity, Debug, PartialEq)]
/// #[capjure(table = "sessions")]
/// struct Session {
///     #[capjure(row_key)]
///     id: String,
///     #[capjure(rename = "ua")]
///     user_agent: String,
///     #[capjure(primary_key = "sku")]
///     cart: Vec<Item>,
///     #[capjure(skip)]
///     cached: Option<u64>,
/// }
///
/// let session = Session {
///     id: "s-1".into(),
///     user_agent: "curl".into(),
///     cart: vec![Item { sku: "EZ-30".into(), qty: 2 }],
///     cached: None,
/// };
/// assert_eq!(Session::TABLE, "sessions");
/// assert_eq!(session.row_key(), b"s-1");
/// assert_eq!(Session::families(), ["cart", "cart_qty", "id", "ua"]);
/// let cells = session.to_cells()?;
/// assert_eq!(Session::from_cells(&cells)?, session);
/// # Ok::<(), capjure::Error>(())
/// ```
pub trait Entity: Serialize + DeserializeOwned {
    /// The table's name.
    const TABLE: &'static str;

    /// The table's name, [`Entity::TABLE`].
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Row { #[capjure(row_key)] id: u64 }
    /// assert_eq!(Row::table(), "t");
    /// ```
    fn table() -> &'static str {
        Self::TABLE
    }

    /// The key's type: the `row_key` field's type, or for a composite key
    /// the tuple of its parts' types in key order.
    type Key: Clone + fmt::Debug + Eq + Hash;

    /// This entity's key.
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Visit { #[capjure(row_key)] shopper: String, #[capjure(row_key)] at: i64 }
    /// let visit = Visit { shopper: "alice".into(), at: 7 };
    /// assert_eq!(visit.key(), ("alice".to_string(), 7));
    /// ```
    fn key(&self) -> Self::Key;

    /// The row key of `key`: a single-field key's own bytes, a composite
    /// key's order-preserving encoding ([`crate::rowkey`]).
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Row { #[capjure(row_key)] id: i32 }
    /// assert_eq!(Row::encode_key(&258), [0, 0, 1, 2]);
    /// ```
    fn encode_key(key: &Self::Key) -> Vec<u8>;

    /// The key a row key encodes; an error of kind
    /// [`ErrorKind::InvalidRowKey`](crate::ErrorKind::InvalidRowKey)
    /// names the key and the part that fails.
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Row { #[capjure(row_key)] id: i32 }
    /// assert_eq!(Row::decode_key(&[0, 0, 1, 2])?, 258);
    /// assert!(Row::decode_key(&[1, 2]).is_err());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn decode_key(row: &[u8]) -> Result<Self::Key>;

    /// The order of each part of a composite key; empty for a
    /// single-field key.
    ///
    /// ```
    /// # use capjure::{Entity, rowkey::Order};
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Visit { #[capjure(row_key)] shopper: String, #[capjure(row_key(descending))] at: i64 }
    /// assert_eq!(Visit::key_order(), [Order::Ascending, Order::Descending]);
    /// ```
    fn key_order() -> &'static [Order] {
        &[]
    }

    /// The bytes every row key starting with the leading parts `prefix`
    /// starts with, and no other: for a prefix scan
    /// ([`Scan::prefix`](crate::store::Scan::prefix)). `prefix` is a tuple
    /// of the key's first parts (`()`, `(shopper,)`, ...), each part owned,
    /// borrowed or as `&str` / `&[u8]` ([`crate::rowkey::AsKeyPart`]).
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Visit { #[capjure(row_key)] shopper: String, #[capjure(row_key(descending))] at: i64 }
    /// let row = Visit { shopper: "alice".into(), at: 7 }.row_key();
    /// assert!(row.starts_with(&Visit::key_prefix(("alice",))));
    /// assert!(!row.starts_with(&Visit::key_prefix(("al",))));
    /// assert!(Visit::key_prefix(()).is_empty());
    /// ```
    fn key_prefix<P: KeyPrefix<Self::Key>>(prefix: P) -> Vec<u8> {
        crate::rowkey::encode_prefix::<Self::Key, P>(&prefix, Self::key_order())
    }

    /// The row key: [`Entity::encode_key`] of [`Entity::key`].
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Row { #[capjure(row_key)] id: i32 }
    /// assert_eq!(Row { id: 258 }.row_key(), [0, 0, 1, 2]);
    /// ```
    fn row_key(&self) -> Vec<u8> {
        Self::encode_key(&self.key())
    }

    /// The `counter` fields and the cells that hold them, for an
    /// increment.
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Page { #[capjure(row_key)] url: String, #[capjure(counter)] views: i64 }
    /// let counters = Page::counters();
    /// assert_eq!(counters[0].field, "views");
    /// assert_eq!((&counters[0].family[..], &counters[0].qualifier[..]), (&b"views"[..], &b""[..]));
    /// ```
    fn counters() -> Vec<CounterColumn> {
        Vec::new()
    }

    /// The stored fields, `(Rust field, column)` in declaration order
    /// (the column is the field's `rename`, else its name); `skip` fields
    /// are not listed.
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Page { #[capjure(row_key)] url: String, #[capjure(rename = "v")] version: u64 }
    /// assert_eq!(Page::fields(), [("url", "url"), ("version", "v")]);
    /// ```
    fn fields() -> &'static [(&'static str, &'static str)] {
        &[]
    }

    /// How many versions of each cell the table keeps (`max_versions`,
    /// default 1).
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t", max_versions = 3)] struct Row { #[capjure(row_key)] id: u64 }
    /// assert_eq!(Row::max_versions(), 3);
    /// ```
    fn max_versions() -> u32 {
        1
    }

    /// How many seconds the table keeps a cell (`ttl`), when limited.
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t", ttl = 86400)] struct Row { #[capjure(row_key)] id: u64 }
    /// assert_eq!(Row::ttl(), Some(86400));
    /// ```
    fn ttl() -> Option<u32> {
        None
    }

    /// The primary keys of the `Vec`-of-struct fields.
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(serde::Serialize, serde::Deserialize)] struct Item { sku: String }
    /// # #[derive(Entity)] #[capjure(table = "t")]
    /// # struct Row { #[capjure(row_key)] id: u64, #[capjure(primary_key = "sku")] cart: Vec<Item> }
    /// assert_eq!(Row::key_config().get("cart").unwrap().field_name(), "sku");
    /// ```
    fn key_config() -> KeyConfig;

    /// The layout.
    ///
    /// ```
    /// # use capjure::{Entity, Layout};
    /// # #[derive(Entity)] #[capjure(table = "t", single_family = "meta")]
    /// # struct Row { #[capjure(row_key)] id: u64 }
    /// assert_eq!(Row::layout(), Layout::single_family("meta"));
    /// ```
    fn layout() -> Layout;

    /// The codec.
    ///
    /// ```
    /// # use capjure::{Codec, Entity};
    /// # #[derive(Entity)] #[capjure(table = "t", codec = "java")]
    /// # struct Row { #[capjure(row_key)] id: u64 }
    /// assert_eq!(Row::codec(), Codec::Java);
    /// ```
    fn codec() -> Codec;

    /// A mapper for this entity's rows. Building one allocates; to write
    /// many rows, build it once and call [`Mapper::to_cells`].
    ///
    /// ```
    /// # use capjure::{Codec, Entity};
    /// # #[derive(Entity)] #[capjure(table = "t", codec = "text")]
    /// # struct Row { #[capjure(row_key)] id: u64 }
    /// assert_eq!(Row::mapper().codec(), Codec::Text);
    /// ```
    fn mapper() -> Mapper {
        Mapper::new(Self::key_config())
            .with_layout(Self::layout())
            .with_codec(Self::codec())
    }

    /// The column families the table needs, for creating it: one per
    /// column, and for a `Vec` of structs one per field of the element
    /// type (`cart_qty`) besides the column's own (which holds the index
    /// cells, except under the text codec). The element type's fields come
    /// from its `Deserialize` impl; elements that are maps with dynamic
    /// keys add no families here. In the single-family layout, that family.
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t", single_family = "meta")]
    /// # struct Row { #[capjure(row_key)] id: u64, name: String }
    /// assert_eq!(Row::families(), ["meta"]);
    /// ```
    fn families() -> Vec<String>;

    /// The row's cells, with [`Entity::mapper`].
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity)] #[capjure(table = "t")] struct Row { #[capjure(row_key)] id: u64 }
    /// assert_eq!(Row { id: 1 }.to_cells()?.len(), 1);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn to_cells(&self) -> Result<Cells> {
        Self::mapper().to_cells(self)
    }

    /// A row read back from its cells, with [`Entity::mapper`].
    ///
    /// ```
    /// # use capjure::Entity;
    /// # #[derive(Entity, Debug, PartialEq)] #[capjure(table = "t")] struct Row { #[capjure(row_key)] id: u64 }
    /// let cells = Row { id: 1 }.to_cells()?;
    /// assert_eq!(Row::from_cells(&cells)?, Row { id: 1 });
    /// # Ok::<(), capjure::Error>(())
    /// ```
    fn from_cells<'a, I>(cells: I) -> Result<Self>
    where
        I: IntoIterator,
        I::Item: Into<CellRef<'a>>,
    {
        Self::mapper().from_cells(cells)
    }
}

/// A `counter` field and the cell an HBase increment bumps.
///
/// ```
/// # use capjure::Entity;
/// # #[derive(Entity)] #[capjure(table = "t", single_family = "m")]
/// # struct Page { #[capjure(row_key)] url: String, #[capjure(counter, rename = "v")] views: u32 }
/// let counter = &Page::counters()[0];
/// assert_eq!((counter.field, counter.column), ("views", "v"));
/// assert_eq!((&counter.family[..], &counter.qualifier[..]), (&b"m"[..], &b"v__"[..]));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CounterColumn {
    /// The Rust field.
    pub field: &'static str,
    /// The column (top-level key) it is stored under.
    pub column: &'static str,
    /// The cell's family.
    pub family: Vec<u8>,
    /// The cell's qualifier.
    pub qualifier: Vec<u8>,
}

/// What `#[derive(Entity)]` expands to refers to. Not public API.
#[doc(hidden)]
pub mod __private {
    use std::collections::BTreeSet;
    use std::marker::PhantomData;

    use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, Visitor};

    use crate::codec::Codec;
    use crate::layout::Layout;
    use crate::mapper::Mapper;

    pub use core::default::Default;
    pub use core::fmt;
    pub use core::option::Option;
    pub use core::result::Result;
    pub use serde;
    pub use std::string::String;
    pub use std::vec::Vec;

    pub use crate::rowkey::{Order, end_of_key, read_part};
    pub use core::clone::Clone;

    /// Appends one part of a composite key.
    pub fn write_part<T: crate::rowkey::KeyPart>(part: &T, order: Order, out: &mut Vec<u8>) {
        crate::rowkey::write_part::<T, T>(part, order, out);
    }

    /// Types a single-field row key can be: bytes compatible with Java's
    /// `Bytes.toBytes`, as capjure always wrote them.
    pub trait RowKey: Sized {
        /// The key's bytes.
        fn row_key(&self) -> Vec<u8>;

        /// The key of `row`, or why `row` is not one.
        fn from_row_key(row: &[u8]) -> Result<Self, std::string::String>;
    }

    impl RowKey for String {
        fn row_key(&self) -> Vec<u8> {
            self.as_bytes().to_vec()
        }

        fn from_row_key(row: &[u8]) -> Result<Self, String> {
            String::from_utf8(row.to_vec()).map_err(|_| "not valid UTF-8".into())
        }
    }

    impl RowKey for Vec<u8> {
        fn row_key(&self) -> Vec<u8> {
            self.clone()
        }

        fn from_row_key(row: &[u8]) -> Result<Self, String> {
            Ok(row.to_vec())
        }
    }

    macro_rules! big_endian {
        ($($ty:ty)*) => {
            $(
                impl RowKey for $ty {
                    fn row_key(&self) -> Vec<u8> {
                        self.to_be_bytes().to_vec()
                    }

                    fn from_row_key(row: &[u8]) -> Result<Self, String> {
                        match row.try_into() {
                            Ok(bytes) => Ok(<$ty>::from_be_bytes(bytes)),
                            Err(_) => Err(format!(
                                "expected {} bytes, found {}",
                                size_of::<$ty>(),
                                row.len()
                            )),
                        }
                    }
                }
            )*
        };
    }

    big_endian!(i8 i16 i32 i64 u8 u16 u32 u64);

    /// Reads a single-field key; `field` names it in the error.
    pub fn decode_single<K: RowKey>(row: &[u8], field: &str) -> crate::Result<K> {
        K::from_row_key(row).map_err(|reason| {
            crate::ErrorKind::InvalidRowKey {
                key: crate::rowkey::shortened(row),
                part: format!("field `{field}`"),
                reason,
            }
            .into()
        })
    }

    pub use crate::counter::{
        COUNTER, Counter, CounterRef, CounterValue, counters, missing_counter,
    };

    /// The field names of a struct type, from [`struct_fields`].
    pub type FieldNames = fn() -> &'static [&'static str];

    /// A stored column, for [`families`].
    pub struct Column {
        /// The column's name.
        pub name: &'static str,
        /// For a `Vec` of structs: the primary-key field, and the element
        /// type's fields.
        pub children: Option<(&'static str, FieldNames)>,
    }

    /// The families `columns` need under `mapper`'s layout and codec.
    pub fn families(mapper: &Mapper, columns: &[Column]) -> Vec<String> {
        if let Layout::SingleFamily { family } = mapper.layout() {
            return vec![family.clone()];
        }
        let mut families = BTreeSet::new();
        let mut group = Vec::new();
        let mut add = |group: &mut Vec<u8>| {
            families.insert(String::from_utf8_lossy(group).into_owned());
            group.clear();
        };
        for column in columns {
            match column.children {
                None => {
                    mapper.naming.key_group(column.name, &mut group);
                    add(&mut group);
                }
                Some((primary_key, fields)) => {
                    if mapper.codec() != Codec::Text {
                        mapper.naming.key_group(column.name, &mut group);
                        add(&mut group);
                    }
                    for field in fields().iter().filter(|field| **field != primary_key) {
                        mapper.naming.field_group(column.name, field, &mut group);
                        add(&mut group);
                    }
                }
            }
        }
        families.into_iter().collect()
    }

    /// The field names a struct's `Deserialize` impl asks for; empty for
    /// types that are not structs.
    pub fn struct_fields<T: DeserializeOwned>() -> &'static [&'static str] {
        let mut fields = None;
        let _ = T::deserialize(FieldProbe(&mut fields));
        fields.unwrap_or(&[])
    }

    /// A deserializer that only notes the fields of `deserialize_struct`.
    struct FieldProbe<'a>(&'a mut Option<&'static [&'static str]>);

    impl<'de> Deserializer<'de> for FieldProbe<'_> {
        type Error = crate::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = Some(fields);
            Err(de::Error::custom("only the fields were asked for"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map enum identifier ignored_any
        }
    }

    /// The value of a field with no cells: `None` for an `Option`, else
    /// serde's `missing field` error.
    pub fn missing_field<'de, T, E>(field: &'static str) -> Result<T, E>
    where
        T: Deserialize<'de>,
        E: de::Error,
    {
        T::deserialize(Missing(field, PhantomData))
    }

    struct Missing<E>(&'static str, PhantomData<E>);

    impl<'de, E: de::Error> Deserializer<'de> for Missing<E> {
        type Error = E;

        fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, E> {
            Err(E::missing_field(self.0))
        }

        fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            visitor.visit_none()
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf unit unit_struct newtype_struct seq tuple
            tuple_struct map struct enum identifier ignored_any
        }
    }
}
