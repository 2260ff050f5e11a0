//! Order-preserving composite row keys: a tuple's bytes sort as the tuple.
//!
//! HBase keeps rows sorted by their key bytes, so a key made of several
//! parts (a shopper, then a visit time) is only useful for range and
//! prefix scans when its bytes sort the way its parts do. This module
//! encodes a tuple of parts so that, for tuples of one type and order,
//! `encode(a) < encode(b)` exactly when `a < b` (a [`Order::Descending`]
//! part comparing reversed), the bytes decode back to the tuple, and the
//! encoding of any leading parts is a byte prefix of exactly the keys that
//! start with them.
//!
//! | part type                | bytes (ascending)                                       |
//! |--------------------------|---------------------------------------------------------|
//! | `u8` .. `u128`           | big-endian, fixed width                                 |
//! | `i8` .. `i128`           | big-endian two's complement with the sign bit flipped   |
//! | `bool`                   | one byte, `0x00` or `0x01`                              |
//! | `char`                   | its scalar value as a big-endian `u32`                  |
//! | `String`, `Vec<u8>`      | each `0x00` written `0x00 0xFF`, then `0x00 0x01`       |
//! | any part, descending     | the ascending bytes with every bit inverted             |
//!
//! There are no type tags between parts (unlike FoundationDB's tuple
//! layer): the entity's key type says what each part is. Variable-length
//! parts are therefore terminated with two bytes, `0x00 0x01`, that no
//! escaped content contains (an escaped `0x00` is always followed by
//! `0xFF`); a one-byte terminator would let the next part's first byte
//! decide the order (`("a", 0xFF..)` would sort after `("a\0", ..)`). As the
//! terminator sorts below every content byte, a shorter string sorts first
//! whatever follows it, and every part's code is prefix-free, so
//! inverting the bits of a part reverses its order too.
//!
//! ```
//! use capjure::rowkey::{self, Order};
//!
//! let orders = [Order::Ascending, Order::Descending];
//! let key = |shopper: &str, visit: i64| rowkey::encode(&(shopper.to_string(), visit), &orders);
//! let (older, newer, bob) = (key("alice", 1_700_000_000), key("alice", 1_700_000_100), key("bob", 0));
//! assert!(newer < older && older < bob); // alice's newest first, then bob
//!
//! let key: (String, i64) = rowkey::decode(&older, &orders)?;
//! assert_eq!(key, ("alice".to_string(), 1_700_000_000));
//!
//! let alice = rowkey::encode_prefix::<(String, i64), _>(&("alice",), &orders);
//! assert!(older.starts_with(&alice) && !bob.starts_with(&alice));
//! # Ok::<(), capjure::Error>(())
//! ```
//!
//! A single-field entity key is not encoded this way: it keeps the bytes
//! capjure always wrote (see [`Entity`](crate::Entity)).

use std::fmt;

use crate::cell::Printable;
use crate::error::{ErrorKind, Result};

/// The direction a key part sorts in.
///
/// ```
/// use capjure::rowkey::{self, Order};
/// let newest_first = [Order::Descending];
/// assert!(rowkey::encode(&(2_u32,), &newest_first) < rowkey::encode(&(1_u32,), &newest_first));
/// assert_eq!(Order::default(), Order::Ascending);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Order {
    /// Smallest first.
    #[default]
    Ascending,
    /// Largest first: the part's bytes inverted.
    Descending,
}

impl Order {
    /// The order of part `index` in `orders`; parts past its end ascend.
    fn at(orders: &[Order], index: usize) -> Order {
        orders.get(index).copied().unwrap_or_default()
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A type that can be one part of a composite row key.
///
/// Implemented for `String`, `Vec<u8>`, `bool`, `char` and every integer
/// type; sealed, because the encoding's guarantees rest on each part's
/// code being prefix-free and order-preserving.
///
/// ```
/// use capjure::rowkey::{self, KeyPart, Order};
/// fn sorts<P: KeyPart + Ord>(a: P, b: P) -> bool {
///     (a < b) == (rowkey::encode(&(a,), &[]) < rowkey::encode(&(b,), &[]))
/// }
/// assert!(sorts(-1_i64, 1));
/// assert!(sorts(String::from("a"), String::from("a\0")));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be part of a composite row key",
    label = "no order-preserving row-key form",
    note = "key parts are String, Vec<u8>, bool, char and integers"
)]
pub trait KeyPart: sealed::Sealed + Sized {
    /// Appends the part's ascending bytes.
    #[doc(hidden)]
    fn encode_part(&self, out: &mut Vec<u8>);

    /// Reads one part; the error says why the bytes are not one.
    #[doc(hidden)]
    fn decode_part(input: &mut PartInput<'_>) -> std::result::Result<Self, String>;
}

/// A value that encodes as a `P` part: `P` itself, a reference to one, or
/// a borrowed form (`&str` for `String`, `&[u8]` for `Vec<u8>`), so that a
/// prefix can be given without building owned values.
///
/// ```
/// use capjure::rowkey::{self, AsKeyPart, Order};
/// let owned = rowkey::encode_prefix::<(String, u32), _>(&(String::from("a"),), &[]);
/// let borrowed = rowkey::encode_prefix::<(String, u32), _>(&("a",), &[]);
/// assert_eq!(owned, borrowed);
/// ```
pub trait AsKeyPart<P: KeyPart> {
    /// Appends the ascending bytes of the part this value stands for.
    fn encode_as(&self, out: &mut Vec<u8>);
}

impl<P: KeyPart> AsKeyPart<P> for P {
    fn encode_as(&self, out: &mut Vec<u8>) {
        self.encode_part(out);
    }
}

/// The bytes of a key still to be read, each XORed with a mask so that a
/// descending part reads with the ascending decoder.
#[doc(hidden)]
pub struct PartInput<'a> {
    bytes: &'a [u8],
    mask: u8,
}

impl PartInput<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&first, rest) = self.bytes.split_first()?;
        self.bytes = rest;
        Some(first ^ self.mask)
    }

    fn array<const N: usize>(&mut self) -> std::result::Result<[u8; N], String> {
        let Some((head, rest)) = self.bytes.split_first_chunk::<N>() else {
            return Err(format!("expected {N} bytes, found {}", self.bytes.len()));
        };
        self.bytes = rest;
        Ok(head.map(|byte| byte ^ self.mask))
    }
}

/// Escape and terminator bytes of variable-length parts.
const ESCAPE: u8 = 0x00;
const ESCAPED_NUL: u8 = 0xFF;
const TERMINATOR: u8 = 0x01;

fn encode_bytes(bytes: &[u8], out: &mut Vec<u8>) {
    out.reserve(bytes.len() + 2);
    for &byte in bytes {
        out.push(byte);
        if byte == ESCAPE {
            out.push(ESCAPED_NUL);
        }
    }
    out.extend_from_slice(&[ESCAPE, TERMINATOR]);
}

fn decode_bytes(input: &mut PartInput<'_>) -> std::result::Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    loop {
        match input.byte() {
            None => return Err("the bytes end before the part's terminator".into()),
            Some(ESCAPE) => match input.byte() {
                Some(ESCAPED_NUL) => bytes.push(ESCAPE),
                Some(TERMINATOR) => return Ok(bytes),
                Some(other) => {
                    return Err(format!(
                        "0x00 followed by 0x{other:02X}, neither an escaped 0x00 nor the terminator"
                    ));
                }
                None => return Err("the bytes end inside an escape".into()),
            },
            Some(byte) => bytes.push(byte),
        }
    }
}

impl sealed::Sealed for Vec<u8> {}
impl KeyPart for Vec<u8> {
    fn encode_part(&self, out: &mut Vec<u8>) {
        encode_bytes(self, out);
    }

    fn decode_part(input: &mut PartInput<'_>) -> std::result::Result<Self, String> {
        decode_bytes(input)
    }
}

impl sealed::Sealed for String {}
impl KeyPart for String {
    fn encode_part(&self, out: &mut Vec<u8>) {
        encode_bytes(self.as_bytes(), out);
    }

    fn decode_part(input: &mut PartInput<'_>) -> std::result::Result<Self, String> {
        String::from_utf8(decode_bytes(input)?).map_err(|_| "not valid UTF-8".to_string())
    }
}

impl sealed::Sealed for bool {}
impl KeyPart for bool {
    fn encode_part(&self, out: &mut Vec<u8>) {
        out.push(u8::from(*self));
    }

    fn decode_part(input: &mut PartInput<'_>) -> std::result::Result<Self, String> {
        match input.array::<1>()? {
            [0] => Ok(false),
            [1] => Ok(true),
            [other] => Err(format!("0x{other:02X} is not a boolean (0x00 or 0x01)")),
        }
    }
}

impl sealed::Sealed for char {}
impl KeyPart for char {
    fn encode_part(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&u32::from(*self).to_be_bytes());
    }

    fn decode_part(input: &mut PartInput<'_>) -> std::result::Result<Self, String> {
        let value = u32::from_be_bytes(input.array()?);
        char::from_u32(value).ok_or_else(|| format!("0x{value:X} is not a char"))
    }
}

macro_rules! unsigned {
    ($($ty:ty)*) => {$(
        impl sealed::Sealed for $ty {}
        impl KeyPart for $ty {
            fn encode_part(&self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_be_bytes());
            }

            fn decode_part(input: &mut PartInput<'_>) -> std::result::Result<Self, String> {
                Ok(<$ty>::from_be_bytes(input.array()?))
            }
        }
    )*};
}

unsigned!(u8 u16 u32 u64 u128);

macro_rules! signed {
    ($($ty:ty => $unsigned:ty),*) => {$(
        impl sealed::Sealed for $ty {}
        impl KeyPart for $ty {
            // Flipping the sign bit maps MIN..=MAX onto 0..=MAX of the
            // unsigned type in order, so negatives sort first.
            fn encode_part(&self, out: &mut Vec<u8>) {
                let flipped = (*self as $unsigned) ^ (1 << (<$unsigned>::BITS - 1));
                out.extend_from_slice(&flipped.to_be_bytes());
            }

            fn decode_part(input: &mut PartInput<'_>) -> std::result::Result<Self, String> {
                let flipped = <$unsigned>::from_be_bytes(input.array()?);
                Ok((flipped ^ (1 << (<$unsigned>::BITS - 1))) as $ty)
            }
        }
    )*};
}

signed!(i8 => u8, i16 => u16, i32 => u32, i64 => u64, i128 => u128);

macro_rules! by_reference {
    ($($ty:ty)*) => {$(
        impl AsKeyPart<$ty> for &$ty {
            fn encode_as(&self, out: &mut Vec<u8>) {
                (**self).encode_part(out);
            }
        }
    )*};
}

by_reference!(String Vec<u8> bool char u8 u16 u32 u64 u128 i8 i16 i32 i64 i128);

impl AsKeyPart<String> for &str {
    fn encode_as(&self, out: &mut Vec<u8>) {
        encode_bytes(self.as_bytes(), out);
    }
}

impl AsKeyPart<Vec<u8>> for &[u8] {
    fn encode_as(&self, out: &mut Vec<u8>) {
        encode_bytes(self, out);
    }
}

impl<const N: usize> AsKeyPart<Vec<u8>> for &[u8; N] {
    fn encode_as(&self, out: &mut Vec<u8>) {
        encode_bytes(&self[..], out);
    }
}

/// Appends `value` as a `P` part in `order`.
pub(crate) fn write_part<P: KeyPart, V: AsKeyPart<P> + ?Sized>(
    value: &V,
    order: Order,
    out: &mut Vec<u8>,
) {
    let start = out.len();
    value.encode_as(out);
    if order == Order::Descending {
        out[start..].iter_mut().for_each(|byte| *byte = !*byte);
    }
}

/// A tuple of the leading parts of a key of type `K`: the empty tuple, the
/// first part, the first two, ... up to the whole key. Implemented for
/// composite keys of up to 8 parts; each part may be given in a borrowed
/// form ([`AsKeyPart`]). `()` is a prefix of every key type, single-field
/// entity keys included.
///
/// ```
/// use capjure::rowkey::{KeyPrefix, Order};
/// fn prefix_len<P: KeyPrefix<(String, i64, bool)>>(prefix: P) -> usize {
///     let mut out = Vec::new();
///     prefix.encode_prefix(&[], &mut out);
///     out.len()
/// }
/// assert_eq!(prefix_len(()), 0);
/// assert_eq!(prefix_len(("ab",)), 4);
/// assert_eq!(prefix_len(("ab", 7_i64)), 12);
/// ```
pub trait KeyPrefix<K> {
    /// Appends the encoded parts, part `i` in `orders[i]` (ascending past
    /// the end of `orders`).
    fn encode_prefix(&self, orders: &[Order], out: &mut Vec<u8>);
}

impl<K> KeyPrefix<K> for () {
    fn encode_prefix(&self, _orders: &[Order], _out: &mut Vec<u8>) {}
}

/// A tuple of [`KeyPart`]s that can be a whole composite key.
///
/// ```
/// use capjure::rowkey::{KeyTuple, Order};
/// let key = (String::from("a"), 5_u16);
/// let bytes = capjure::rowkey::encode(&key, &[]);
/// assert_eq!(<(String, u16)>::decode_key(&bytes, &[], &["name", "n"])?, key);
/// # Ok::<(), capjure::Error>(())
/// ```
pub trait KeyTuple: Sized + KeyPrefix<Self> {
    /// How many parts the key has.
    const PARTS: usize;

    /// Reads the key from `row`; `names` name the parts in errors.
    fn decode_key(row: &[u8], orders: &[Order], names: &[&str]) -> Result<Self>;
}

/// Reads part `index` of `row` from `input` in `order`.
#[doc(hidden)]
pub fn read_part<P: KeyPart>(
    row: &[u8],
    input: &mut &[u8],
    index: usize,
    orders: &[Order],
    names: &[&str],
) -> Result<P> {
    let mask = match Order::at(orders, index) {
        Order::Ascending => 0x00,
        Order::Descending => 0xFF,
    };
    let mut part = PartInput { bytes: input, mask };
    let value = P::decode_part(&mut part).map_err(|reason| invalid(row, index, names, reason))?;
    *input = part.bytes;
    Ok(value)
}

/// Fails when bytes are `left` after the last of a key's `parts`.
#[doc(hidden)]
pub fn end_of_key(row: &[u8], left: &[u8], parts: usize) -> Result<()> {
    if left.is_empty() {
        return Ok(());
    }
    Err(ErrorKind::InvalidRowKey {
        key: shortened(row),
        part: format!("after part {}", parts.saturating_sub(1)),
        reason: format!("{} byte(s) follow the last part", left.len()),
    }
    .into())
}

/// An [`ErrorKind::InvalidRowKey`] for part `index` of `row`.
fn invalid(row: &[u8], index: usize, names: &[&str], reason: String) -> crate::Error {
    let part = match names.get(index) {
        Some(name) => format!("part {index} (`{name}`)"),
        None => format!("part {index}"),
    };
    ErrorKind::InvalidRowKey {
        key: shortened(row),
        part,
        reason,
    }
    .into()
}

/// The longest key an error message prints whole.
const SHOWN: usize = 48;

/// A key as error messages print it: printable, and cut after [`SHOWN`]
/// bytes.
pub(crate) fn shortened(row: &[u8]) -> String {
    match row.get(..SHOWN) {
        Some(head) if row.len() > SHOWN => {
            format!("{}... ({} bytes)", Printable(head), row.len())
        }
        _ => Printable(row).to_string(),
    }
}

macro_rules! key_tuple {
    ($count:expr; $($K:ident $P:ident $i:tt),+) => {
        key_tuple!(@prefixes [$($K)+] [] $($K $P $i),+);

        impl<$($K: KeyPart),+> KeyTuple for ($($K,)+) {
            const PARTS: usize = $count;

            fn decode_key(row: &[u8], orders: &[Order], names: &[&str]) -> Result<Self> {
                let mut input = row;
                let key = ($(read_part::<$K>(row, &mut input, $i, orders, names)?,)+);
                end_of_key(row, input, $count)?;
                Ok(key)
            }
        }
    };
    (@prefixes [$($All:ident)+] [$($DK:ident $DP:ident $di:tt)*]
        $K:ident $P:ident $i:tt $(, $RK:ident $RP:ident $ri:tt)*) => {
        impl<$($All: KeyPart,)+ $($DP: AsKeyPart<$DK>,)* $P: AsKeyPart<$K>>
            KeyPrefix<($($All,)+)> for ($($DP,)* $P,)
        {
            fn encode_prefix(&self, orders: &[Order], out: &mut Vec<u8>) {
                $(write_part::<$DK, $DP>(&self.$di, Order::at(orders, $di), out);)*
                write_part::<$K, $P>(&self.$i, Order::at(orders, $i), out);
            }
        }
        key_tuple!(@prefixes [$($All)+] [$($DK $DP $di)* $K $P $i] $($RK $RP $ri),*);
    };
    (@prefixes [$($All:ident)+] [$($done:tt)*]) => {};
}

key_tuple!(1; A PA 0);
key_tuple!(2; A PA 0, B PB 1);
key_tuple!(3; A PA 0, B PB 1, C PC 2);
key_tuple!(4; A PA 0, B PB 1, C PC 2, D PD 3);
key_tuple!(5; A PA 0, B PB 1, C PC 2, D PD 3, E PE 4);
key_tuple!(6; A PA 0, B PB 1, C PC 2, D PD 3, E PE 4, F PF 5);
key_tuple!(7; A PA 0, B PB 1, C PC 2, D PD 3, E PE 4, F PF 5, G PG 6);
key_tuple!(8; A PA 0, B PB 1, C PC 2, D PD 3, E PE 4, F PF 5, G PG 6, H PH 7);

/// The row key of a whole composite key, part `i` in `orders[i]` (parts
/// past the end of `orders` ascend). Never empty.
///
/// ```
/// use capjure::rowkey::{self, Order};
/// assert_eq!(rowkey::encode(&("a\0".to_string(), 1_u8), &[]), b"a\x00\xFF\x00\x01\x01");
/// assert_eq!(rowkey::encode(&(-1_i16,), &[]), [0x7F, 0xFF]);
/// assert_eq!(rowkey::encode(&(-1_i16,), &[Order::Descending]), [0x80, 0x00]);
/// ```
pub fn encode<K: KeyTuple>(key: &K, orders: &[Order]) -> Vec<u8> {
    encode_prefix::<K, K>(key, orders)
}

/// The bytes every key starting with `prefix`'s parts starts with, and no
/// other key: give them to [`Scan::prefix`](crate::store::Scan::prefix).
///
/// ```
/// use capjure::rowkey::{self, Order};
/// use capjure::store::Scan;
/// let orders = [Order::Ascending, Order::Descending];
/// let prefix = rowkey::encode_prefix::<(String, i64), _>(&("alice",), &orders);
/// let scan = Scan::prefix(prefix.clone());
/// assert_eq!(scan.start, prefix);
/// let key = |shopper: &str| rowkey::encode(&(shopper.to_string(), 5_i64), &orders);
/// assert!(key("alice").starts_with(&prefix));
/// assert!(!key("alice2").starts_with(&prefix));
/// ```
pub fn encode_prefix<K, P: KeyPrefix<K> + ?Sized>(prefix: &P, orders: &[Order]) -> Vec<u8> {
    let mut out = Vec::new();
    prefix.encode_prefix(orders, &mut out);
    out
}

/// Reads a whole composite key from its row key; an error of kind
/// [`ErrorKind::InvalidRowKey`] names the key and the part that fails.
///
/// ```
/// use capjure::ErrorKind;
/// use capjure::rowkey::{self, Order};
/// let row = rowkey::encode(&("alice".to_string(), 7_i64), &[]);
/// assert_eq!(rowkey::decode::<(String, i64)>(&row, &[])?, ("alice".into(), 7));
/// let err = rowkey::decode::<(String, i64)>(&row[..row.len() - 1], &[]).unwrap_err();
/// assert!(matches!(err.kind(), ErrorKind::InvalidRowKey { .. }));
/// assert_eq!(err.to_string(), "row key \"alice\\x00\\x01\\x80\\x00\\x00\\x00\\x00\\x00\\x00\": \
///     part 1: expected 8 bytes, found 7");
/// # Ok::<(), capjure::Error>(())
/// ```
pub fn decode<K: KeyTuple>(row: &[u8], orders: &[Order]) -> Result<K> {
    K::decode_key(row, orders, &[])
}

impl fmt::Display for Order {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Order::Ascending => "ascending",
            Order::Descending => "descending",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_one_byte_terminator_would_misorder_what_two_bytes_order() {
        // ("a", 0xFFFF) < ("a\0", 0) as tuples; behind a lone 0x00
        // terminator, 0xFF 0xFF would compare against the escape's 0xFF
        // and then the terminator's 0x00, and sort last.
        let key = |text: &str, n: u16, order| encode(&(text.to_string(), n), &[order]);
        let a = key("a", 0xFFFF, Order::Ascending);
        let b = key("a\0", 0, Order::Ascending);
        assert!(a < b);
        let a = key("a", 0xFFFF, Order::Descending);
        let b = key("a\0", 0, Order::Descending);
        assert!(a > b);
    }

    #[test]
    fn trailing_and_truncated_bytes_name_the_part() {
        let mut row = encode(&("x".to_string(), 1_u16), &[]);
        row.push(9);
        let err = decode::<(String, u16)>(&row, &[]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row key \"x\\x00\\x01\\x00\\x01\\x09\": after part 1: 1 byte(s) follow the last part"
        );
        let err = <(String, u16)>::decode_key(b"x\x00\x02", &[], &["shopper", "n"]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "row key \"x\\x00\\x02\": part 0 (`shopper`): 0x00 followed by 0x02, \
             neither an escaped 0x00 nor the terminator"
        );
    }

    #[test]
    fn long_keys_are_shortened_in_errors() {
        let row = vec![b'k'; 100];
        let err = decode::<(String,)>(&row, &[]).unwrap_err();
        assert!(err.to_string().contains("... (100 bytes)"), "{err}");
    }
}
