//! Value codecs: how one scalar becomes a cell value, and back.
//!
//! The layout decides which cells an object becomes; the codec decides the
//! bytes in each. [`Codec::Json`] (the default) stores each scalar as its
//! JSON text, so `4`, `"4"`, `true` and `null` stay distinct and every value
//! reads back exactly; it also writes the few structural cells the layout
//! needs to keep empty maps and arrays, array order and duplicates.
//! [`Codec::Text`] stores display text exactly as the original capjure did,
//! so tables shared with it read and write the same; every value then reads
//! back as a string. [`Codec::Java`] stores what Java HBase's `Bytes.toBytes`
//! writes, for tables shared with Java clients.

use serde_json::Value;

use crate::error::{ErrorKind, column_name};

/// The value written for each element of an array of scalars by the
/// original capjure (and by [`Codec::Text`]).
pub const ARRAY_MARKER: &[u8] = b"1c8fd7d";

/// How scalar values are encoded in cells.
///
/// ```
/// use capjure::{Codec, KeyConfig, Mapper};
/// use serde_json::json;
///
/// let object = json!({"houses": 4, "name": "4"});
///
/// let json = Mapper::new(KeyConfig::new());
/// assert_eq!(json.hydrate(&json.flatten(&object).unwrap()).unwrap(), object);
///
/// let text = Mapper::new(KeyConfig::new()).with_codec(Codec::Text);
/// assert_eq!(
///     text.hydrate(&text.flatten(&object).unwrap()).unwrap(),
///     json!({"houses": "4", "name": "4"}),
/// );
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Codec {
    /// Lossless: each scalar is its JSON text (`4`, `"4"`, `true`, `null`),
    /// readable in the HBase shell and by any JSON parser. Arrays keep their
    /// order and duplicates and empty maps and arrays survive, through a few
    /// structural cells (see the crate documentation). The default, because
    /// a mapper should give back what it was given.
    #[default]
    Json,
    /// capjure-compatible: each scalar is its display text (`4`, `true`, an
    /// empty value for null), arrays of scalars are qualifiers holding the
    /// marker [`ARRAY_MARKER`]. Every value reads back as a string; arrays
    /// read back in byte order of their qualifiers; shapes the original
    /// could not store (empty arrays and maps, duplicate elements, a value
    /// equal to the marker) are errors at flatten time.
    Text,
    /// Java-compatible: each value holds exactly the bytes of Java HBase's
    /// `Bytes.toBytes` for the value's type, so a Java client reads it with
    /// `Bytes.toLong`, `Bytes.toDouble`, `Bytes.toBoolean`, `Bytes.toString`.
    ///
    /// On the typed path ([`Mapper::to_cells`](crate::Mapper::to_cells)) the
    /// Rust type picks the width: `i8` one byte, `i16` two (`short`), `i32`
    /// four (`int`), `i64` eight (`long`), all big-endian two's complement;
    /// unsigned types widen to the next Java type that holds them (`u8` as
    /// `short`, `u16` as `int`, `u32` and `u64` as `long`; a `u64` above
    /// `i64::MAX` is an error); `f32` and `f64` as IEEE-754 big-endian
    /// (`float`, `double`, raw bits, so `-0.0` and NaN payloads survive);
    /// `bool` as one byte, `0xFF` for true and `0x00` for false; `String`,
    /// `char` and unit enum variants as UTF-8; byte buffers as they are.
    ///
    /// On the `serde_json::Value` path integers are `long` and other numbers
    /// `double`; `null` has no Java form and is an error. The values carry
    /// no type, so [`Mapper::hydrate`](crate::Mapper::hydrate) cannot read
    /// them back: read rows written with this codec with
    /// [`Mapper::from_cells`](crate::Mapper::from_cells).
    ///
    /// Qualifiers stay text (UTF-8) under every codec. The structural cells
    /// are binary: an empty array, map or struct is `k:` holding no bytes;
    /// an array-of-scalars cell `k:element` holds the element's positions,
    /// each a 4-byte `int`; a child of an array of maps has the index cell
    /// `k:<pk>` holding its position as a 4-byte `int` followed by its
    /// primary key's `Bytes.toBytes`.
    ///
    /// ```
    /// use capjure::{Codec, KeyConfig, Mapper};
    ///
    /// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    /// struct Visit { hits: i32, score: f64, bot: bool }
    ///
    /// let mapper = Mapper::new(KeyConfig::new()).with_codec(Codec::Java);
    /// let visit = Visit { hits: 7, score: 0.5, bot: true };
    /// let cells = mapper.to_cells(&visit)?;
    /// let hits = cells.iter().find(|c| c.family == b"hits").unwrap();
    /// assert_eq!(hits.value, [0, 0, 0, 7]); // Bytes.toBytes(7)
    /// assert_eq!(mapper.from_cells::<Visit, _>(&cells)?, visit);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    Java,
}

/// What a stored value is, by its first bytes, under [`Codec::Json`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JsonCell {
    /// A scalar's JSON text.
    Scalar,
    /// `{}`: an empty map.
    EmptyMap,
    /// `[]`: an empty array.
    EmptyArray,
    /// `[pos, [pos, elem], ...]`: where the element named by the qualifier
    /// stands in an array of scalars. A bare position means the element is
    /// the qualifier itself, as a string; a pair carries any other scalar.
    Elements,
    /// `{"at": pos}` or `{"at": pos, "pk": value}`: one child of an array of
    /// maps. Without `pk` the primary key is the qualifier, as a string.
    Child,
}

impl JsonCell {
    pub(crate) fn of(value: &[u8]) -> Self {
        match value.first() {
            Some(b'{') if value == b"{}" => JsonCell::EmptyMap,
            Some(b'{') => JsonCell::Child,
            Some(b'[') if value == b"[]" => JsonCell::EmptyArray,
            Some(b'[') => JsonCell::Elements,
            _ => JsonCell::Scalar,
        }
    }
}

/// The value of the one cell that keeps an empty map (`map`) or array:
/// `{}` or `[]` under JSON, no bytes under Java (a structural cell; see
/// [`Codec::Java`]). The text codec has no such cell: an error naming
/// `path`. Both writers take their empty containers from here.
pub(crate) fn empty_marker(
    codec: Codec,
    map: bool,
    path: impl FnOnce() -> String,
) -> Result<&'static [u8], ErrorKind> {
    match (codec, map) {
        (Codec::Json, true) => Ok(b"{}"),
        (Codec::Json, false) => Ok(b"[]"),
        (Codec::Java, _) => Ok(b""),
        (Codec::Text, _) => Err(ErrorKind::Unrepresentable {
            path: path(),
            codec: "text",
            reason: format!(
                "{} leaves no cell in capjure's layout",
                if map {
                    "an empty map"
                } else {
                    "an empty array"
                }
            ),
        }),
    }
}

/// The error for a text-codec value that equals [`ARRAY_MARKER`]: it would
/// read back as an array. Both writers check for it.
pub(crate) fn marker_value_error(path: String) -> ErrorKind {
    ErrorKind::Unrepresentable {
        path,
        codec: "text",
        reason: "the value equals the array marker and would read back as an array".into(),
    }
}

/// Appends a scalar's JSON text. Inlined: for a literal or a short number
/// the call cost as much as the writing.
#[inline]
pub(crate) fn write_json(value: &Value, out: &mut Vec<u8>) -> Result<(), ErrorKind> {
    match value {
        Value::String(text) => write_json_str(text, out),
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => write_json_number(number, out),
        // Callers only pass scalars; refuse rather than write a nested value.
        Value::Array(_) | Value::Object(_) => {
            return Err(ErrorKind::Unrepresentable {
                path: String::new(),
                codec: "json",
                reason: "only scalars are written as values".into(),
            });
        }
    }
    Ok(())
}

/// Appends a number exactly as serde_json writes it, so that every path to
/// a cell writes the same bytes. Integers are written here (serde_json's
/// writer costs more than the digits), finite floats by [`write_f64`].
pub(crate) fn write_json_number(number: &serde_json::Number, out: &mut Vec<u8>) {
    if let Some(integer) = number.as_i64() {
        if integer < 0 {
            out.push(b'-');
        }
        // Values' integers are often long (timestamps): their digits
        // inline here, sparing two calls.
        let magnitude = integer.unsigned_abs();
        if magnitude < 100 {
            write_decimal(magnitude, out);
        } else {
            long_decimal(magnitude, out);
        }
    } else if let Some(integer) = number.as_u64() {
        write_decimal(integer, out);
    } else if let Some(float) = number.as_f64().filter(|float| float.is_finite()) {
        write_f64(float, out);
    } else {
        // Serialising a number into a Vec cannot fail.
        let _ = serde_json::to_writer(out, number);
    }
}

/// Appends a finite float as serde_json writes it: with `zmij`, the
/// formatter serde_json's own `Formatter::write_f64` calls, without the
/// serializer and `io::Write` plumbing around it, which cost more than the
/// digits. Both the Value and the typed path write floats here.
#[inline]
pub(crate) fn write_f64(value: f64, out: &mut Vec<u8>) {
    let mut buffer = zmij::Buffer::new();
    out.extend_from_slice(buffer.format_finite(value).as_bytes());
}

/// Appends `bytes`. Names and values are mostly 4 to 16 bytes: those are
/// copied as two fixed-size words that overlap, which compiles to a few
/// moves, where `extend_from_slice` calls `memcpy` and its size dispatch.
#[inline(always)]
pub(crate) fn push_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    if bytes.len() <= 16 {
        if let (Some(first), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
            return push_overlapping(out, first, last, bytes.len());
        }
        if let (Some(first), Some(last)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
            return push_overlapping(out, first, last, bytes.len());
        }
    }
    out.extend_from_slice(bytes);
}

/// Appends `len` bytes (`N` to `2 * N`, at most 16) whose first and last
/// `N` are `first` and `last`: room for 16 is made, the two words are
/// written, and the rest is cut off.
#[inline(always)]
fn push_overlapping<const N: usize>(
    out: &mut Vec<u8>,
    first: &[u8; N],
    last: &[u8; N],
    len: usize,
) {
    let at = out.len();
    out.extend_from_slice(&[0; 16]);
    if let Some(window) = out.get_mut(at..at + len) {
        window[..N].copy_from_slice(first);
        window[len - N..].copy_from_slice(last);
    }
    out.truncate(at + len);
}

/// Appends a position in decimal; `write!` costs more than the cell itself.
#[inline]
pub(crate) fn write_position(position: usize, out: &mut Vec<u8>) {
    write_decimal(position as u64, out);
}

/// Appends an integer's decimal text (with a `-` when `negative`), the
/// bytes serde_json writes for it. Inlined: its fast paths are a few
/// stores, less than a call.
#[inline]
pub(crate) fn write_integer(negative: bool, magnitude: u64, out: &mut Vec<u8>) {
    if negative {
        out.push(b'-');
    }
    write_decimal(magnitude, out);
}

#[inline(always)]
fn write_decimal(value: u64, out: &mut Vec<u8>) {
    // Positions and small counts are the common case: write them as bytes
    // of known length, which compiles to stores instead of a memcpy call.
    if value < 10 {
        out.push(b'0' + value as u8);
    } else if value < 100 {
        let pair = value as usize * 2;
        out.extend_from_slice(&[PAIRS[pair], PAIRS[pair + 1]]);
    } else {
        write_long_decimal(value, out);
    }
}

/// Two digits per division, from a table of "00" to "99".
const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
    2021222324252627282930313233343536373839\
    4041424344454647484950515253545556575859\
    6061626364656667686970717273747576777879\
    8081828384858687888990919293949596979899";

/// Kept out of line so that [`write_decimal`]'s fast paths inline into
/// their callers. Eight digits at a time, each group written as one word:
/// no division per digit pair, and no variable-length copy.
#[inline(never)]
fn write_long_decimal(value: u64, out: &mut Vec<u8>) {
    long_decimal(value, out);
}

/// The body of [`write_long_decimal`], for callers that inline it.
#[inline(always)]
fn long_decimal(value: u64, out: &mut Vec<u8>) {
    const EIGHT: u64 = 100_000_000;
    if value < EIGHT {
        write_leading_digits(value as u32, out);
    } else if value < EIGHT * EIGHT {
        write_leading_digits((value / EIGHT) as u32, out);
        write_eight_digits((value % EIGHT) as u32, out);
    } else {
        let rest = value % (EIGHT * EIGHT);
        write_leading_digits((value / (EIGHT * EIGHT)) as u32, out);
        write_eight_digits((rest / EIGHT) as u32, out);
        write_eight_digits((rest % EIGHT) as u32, out);
    }
}

/// The eight decimal digits of `value` (below 10^8), most significant in
/// the lowest byte, as numbers 0 to 9: each step splits every lane of the
/// word in two at once (4+4 digits, then 2+2, then 1+1), dividing by 100
/// and by 10 with multiplications that are exact in these ranges.
#[inline]
fn eight_digits(value: u32) -> u64 {
    let quads = u64::from(value / 10_000) | (u64::from(value % 10_000) << 32);
    let high = ((quads * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let pairs = high | ((quads - high * 100) << 16);
    let high = ((pairs * 103) >> 10) & 0x000f_000f_000f_000f;
    high | ((pairs - high * 10) << 8)
}

const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// Appends all eight digits of `value` (below 10^8), leading zeros too.
#[inline]
fn write_eight_digits(value: u32, out: &mut Vec<u8>) {
    out.extend_from_slice(&(eight_digits(value) | ASCII_ZEROS).to_le_bytes());
}

/// Appends `value` (1 to 10^8 - 1) without leading zeros: the word is
/// shifted past them, written whole, and the bytes beyond cut off.
#[inline]
fn write_leading_digits(value: u32, out: &mut Vec<u8>) {
    let digits = eight_digits(value);
    // The leading zero digits are the low zero bytes; `value` is not zero.
    let zeros = (digits.trailing_zeros() / 8).min(7);
    let len = out.len();
    out.extend_from_slice(&((digits | ASCII_ZEROS) >> (8 * zeros)).to_le_bytes());
    out.truncate(len + 8 - zeros as usize);
}

/// For each byte, the character after `\\` that escapes it in a JSON
/// string, `u` for `\\u00XX`, or 0 for a byte written as it is. The same
/// escapes serde_json writes.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends a JSON string literal.
pub(crate) fn write_json_str(text: &str, out: &mut Vec<u8>) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Almost every string has nothing to escape: find that out eight bytes
    // at a time and copy it whole, instead of a table lookup per byte.
    if !has_escape(bytes) {
        push_bytes(out, bytes);
    } else {
        write_escaped(bytes, out);
    }
    out.push(b'"');
}

/// Whether any byte of `bytes` needs escaping in a JSON string. Exact:
/// words with no such byte give no false alarm (a borrow only starts at a
/// byte that is one). The bytes past the last whole word, and strings of
/// 4 to 7 bytes, are checked as words that overlap bytes already checked,
/// instead of one at a time.
#[inline]
fn has_escape(bytes: &[u8]) -> bool {
    if let Some(last) = bytes.last_chunk::<8>() {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            if let Ok(word) = <[u8; 8]>::try_from(word) {
                if word_has_escape(u64::from_le_bytes(word)) {
                    return true;
                }
            }
        }
        return !words.remainder().is_empty() && word_has_escape(u64::from_le_bytes(*last));
    }
    if let (Some(head), Some(tail)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        let head = u64::from(u32::from_le_bytes(*head));
        let tail = u64::from(u32::from_le_bytes(*tail));
        return word_has_escape(head | (tail << 32));
    }
    bytes.iter().any(|&byte| ESCAPE[usize::from(byte)] != 0)
}

/// Whether one of eight bytes is a control character, `"` or a backslash: the
/// high bit of a byte survives the subtractions only where the byte was
/// below 0x20 or equal to the byte compared with; bytes of 0x80 and above
/// (UTF-8 beyond ASCII) never need escaping and are masked out.
#[inline]
fn word_has_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let control = word.wrapping_sub(ONES * 0x20);
    let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
    let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
    (control | quote | backslash) & !word & HIGH != 0
}

/// Appends the bytes of a string that has something to escape.
#[cold]
fn write_escaped(bytes: &[u8], out: &mut Vec<u8>) {
    let mut plain_from = 0;
    for (i, &byte) in bytes.iter().enumerate() {
        let escape = ESCAPE[usize::from(byte)];
        if escape == 0 {
            continue;
        }
        out.extend_from_slice(&bytes[plain_from..i]);
        if escape == b'u' {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]);
        } else {
            out.extend_from_slice(&[b'\\', escape]);
        }
        plain_from = i + 1;
    }
    out.extend_from_slice(&bytes[plain_from..]);
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Reads a scalar's JSON text.
pub(crate) fn read_json(family: &[u8], qualifier: &[u8], value: &[u8]) -> Result<Value, ErrorKind> {
    // Most values are plain strings, integers or literals: take them
    // without a JSON parser.
    if let [b'"', inner @ .., b'"'] = value {
        if !inner.iter().any(|&b| b == b'\\' || b == b'"' || b < 0x20) {
            return match crate::text::utf8(inner) {
                Ok(text) => Ok(Value::String(text.to_string())),
                Err(_) => Err(ErrorKind::InvalidUtf8 {
                    column: column_name(family, qualifier),
                    part: "value",
                }),
            };
        }
    }
    match value {
        b"true" => return Ok(Value::Bool(true)),
        b"false" => return Ok(Value::Bool(false)),
        b"null" => return Ok(Value::Null),
        _ => {}
    }
    if let Some(number) = read_json_integer(value) {
        return Ok(number);
    }
    match serde_json::from_slice::<Value>(value) {
        Ok(scalar @ (Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_))) => {
            Ok(scalar)
        }
        Ok(_) => Err(ErrorKind::malformed(
            family,
            qualifier,
            "holds a JSON array or object where a scalar belongs",
        )),
        Err(err) => Err(ErrorKind::malformed(
            family,
            qualifier,
            format!("value is not JSON ({err}); was it written with the text codec?"),
        )),
    }
}

/// Parses a JSON integer (`-?(0|[1-9][0-9]*)`) without a JSON parser;
/// `None` for anything else, which then takes the general path.
fn read_json_integer(value: &[u8]) -> Option<Value> {
    let digits = value.strip_prefix(b"-").unwrap_or(value);
    let well_formed = match digits {
        [] => false,
        // serde_json reads `-0` as the float -0.0: leave it to serde_json.
        [b'0'] => digits.len() == value.len(),
        [b'0', ..] => false,
        _ => digits.iter().all(u8::is_ascii_digit),
    };
    if !well_formed {
        return None;
    }
    // The digits are checked ASCII: accumulate them directly instead of
    // validating UTF-8 and parsing text. Out of range is `None`, so that
    // serde_json decides (it reads such numbers as floats).
    let magnitude = digits.iter().try_fold(0u64, |acc, &digit| {
        acc.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    })?;
    if digits.len() == value.len() {
        Some(Value::from(magnitude))
    } else {
        0i64.checked_sub_unsigned(magnitude).map(Value::from)
    }
}

/// The position of the usual index cell, `{"at":N}`: a child whose key is
/// a string, the qualifier's text. `None` for any other index cell.
#[inline]
pub(crate) fn read_lone_position(value: &[u8]) -> Option<u64> {
    match split_index_position(value) {
        Some((position, b"}")) => Some(position),
        _ => None,
    }
}

/// An index cell's position, `{"at":N`, and what follows it: `}`, or the
/// key's value `,"pk":...}`.
#[inline]
fn split_index_position(value: &[u8]) -> Option<(u64, &[u8])> {
    value.strip_prefix(b"{\"at\":").and_then(split_position)
}

/// Splits a run of ASCII digits off the front of `bytes` as a number.
fn split_position(bytes: &[u8]) -> Option<(u64, &[u8])> {
    let mut position: u64 = 0;
    let mut end = 0;
    while let Some(digit) = bytes.get(end).filter(|b| b.is_ascii_digit()) {
        position = position
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
        end += 1;
    }
    if end == 0 {
        return None;
    }
    Some((position, &bytes[end..]))
}

/// Appends a scalar's display text, as the original capjure wrote it.
pub(crate) fn write_text(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::String(text) => out.extend_from_slice(text.as_bytes()),
        Value::Null => {}
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(number) => write_json_number(number, out),
        Value::Array(_) | Value::Object(_) => {}
    }
}

/// Reads a value as text: every value is a string.
pub(crate) fn read_text(family: &[u8], qualifier: &[u8], value: &[u8]) -> Result<Value, ErrorKind> {
    match crate::text::utf8(value) {
        Ok(text) => Ok(Value::String(text.to_string())),
        Err(_) => Err(ErrorKind::InvalidUtf8 {
            column: column_name(family, qualifier),
            part: "value",
        }),
    }
}

/// Parses an [`JsonCell::Elements`] value into (position, element) pairs.
///
/// `family` and `qualifier` name the stored column in errors; `logical` is
/// the qualifier the layout wrote it under, which names the element.
pub(crate) fn read_elements(
    family: &[u8],
    qualifier: &[u8],
    logical: &[u8],
    value: &[u8],
    out: &mut Vec<(u64, Value)>,
) -> Result<(), ErrorKind> {
    if let Some(position) = lone_position(value) {
        out.push((
            position as u64,
            qualifier_string(family, qualifier, logical)?,
        ));
        return Ok(());
    }
    for item in ElementCell::new(value) {
        let (position, element) = item.map_err(|reason| {
            ErrorKind::malformed(family, qualifier, format!("array element cell {reason}"))
        })?;
        let element = match element {
            Some(json) => read_json(family, qualifier, json)?,
            None => qualifier_string(family, qualifier, logical)?,
        };
        out.push((position, element));
    }
    Ok(())
}

/// The logical qualifier as a JSON string value; errors name the stored
/// column.
pub(crate) fn qualifier_string(
    family: &[u8],
    qualifier: &[u8],
    logical: &[u8],
) -> Result<Value, ErrorKind> {
    match crate::text::utf8(logical) {
        Ok(text) => Ok(Value::String(text.to_string())),
        Err(_) => Err(ErrorKind::InvalidUtf8 {
            column: column_name(family, qualifier),
            part: "qualifier",
        }),
    }
}

/// The position in an element cell that holds one bare position and
/// nothing else, `[7]`, as this crate writes an element that stands once in
/// its array: the element is the qualifier. Both readers read this common
/// cell without the general splitter; `None` sends anything else
/// there.
#[inline]
pub(crate) fn lone_position(value: &[u8]) -> Option<usize> {
    let digits = value.strip_prefix(b"[")?.strip_suffix(b"]")?;
    // Longer positions are rare enough for the general splitter.
    if digits.is_empty() || digits.len() > 3 {
        return None;
    }
    digits.iter().try_fold(0, |position: usize, &digit| {
        let digit = digit.wrapping_sub(b'0');
        (digit <= 9).then(|| position * 10 + usize::from(digit))
    })
}

/// Splits an [`JsonCell::Elements`] value, `[pos,[pos,elem],...]`, into its
/// positions and elements without parsing the elements: a bare position
/// stands for the qualifier as a string (`None`), a pair carries the
/// element's JSON text. Both hydrate paths read element cells through this
/// one splitter, so that they accept the same cells: this crate writes no
/// spaces, but JSON whitespace between tokens, as other writers put it, is
/// allowed. An error is the reason, to follow "array element cell"; after
/// it the iterator ends.
///
/// An iterator rather than a callback, so that each caller's loop body is
/// compiled into one loop with the splitting.
pub(crate) struct ElementCell<'v> {
    value: &'v [u8],
    at: usize,
    done: bool,
}

/// A position and, for a pair, the element's JSON text.
pub(crate) type Element<'v> = (u64, Option<&'v [u8]>);

const NOT_PAIRS: &str = "does not hold positions and [position, element] pairs";

impl<'v> ElementCell<'v> {
    pub(crate) fn new(value: &'v [u8]) -> Self {
        ElementCell {
            value,
            at: 0,
            done: false,
        }
    }

    fn byte(&self) -> Option<u8> {
        self.value.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.byte(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// A position, through the digit reader the other cells use.
    fn position(&mut self) -> Result<u64, &'static str> {
        self.skip_space();
        let rest = self.value.get(self.at..).unwrap_or_default();
        let (position, after) =
            split_position(rest).ok_or("has a position that is not a whole number")?;
        self.at = self.value.len() - after.len();
        self.skip_space();
        Ok(position)
    }

    /// The element of a pair, from its first byte to its last.
    fn element(&mut self) -> Result<&'v [u8], &'static str> {
        self.skip_space();
        let start = self.at;
        match self.byte() {
            Some(b'"') => {
                self.at += 1;
                loop {
                    match self.byte() {
                        None => return Err("has an unterminated string"),
                        Some(b'\\') => self.at += 2,
                        Some(b'"') => {
                            self.at += 1;
                            break;
                        }
                        Some(_) => self.at += 1,
                    }
                }
            }
            Some(b'[' | b'{') => return Err("holds an element that is not a scalar"),
            _ => {
                while self
                    .byte()
                    .is_some_and(|b| !matches!(b, b',' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                {
                    self.at += 1;
                }
            }
        }
        let element = self.value.get(start..self.at).filter(|e| !e.is_empty());
        self.skip_space();
        element.ok_or(NOT_PAIRS)
    }

    /// One position or pair, and the `,` or final `]` after it.
    fn item(&mut self) -> Result<Element<'v>, &'static str> {
        if self.at == 0 {
            self.skip_space();
            if self.byte() != Some(b'[') {
                return Err("is not a JSON array");
            }
            self.at += 1;
            self.skip_space();
            if self.byte() == Some(b']') {
                return Err("lists no position");
            }
        }
        let item = if self.byte() == Some(b'[') {
            self.at += 1;
            let position = self.position()?;
            if self.byte() != Some(b',') {
                return Err(NOT_PAIRS);
            }
            self.at += 1;
            let element = self.element()?;
            if self.byte() != Some(b']') {
                return Err(NOT_PAIRS);
            }
            self.at += 1;
            self.skip_space();
            (position, Some(element))
        } else {
            (self.position()?, None)
        };
        match self.byte() {
            Some(b',') => {
                self.at += 1;
                self.skip_space();
            }
            Some(b']') => {
                self.at += 1;
                self.skip_space();
                if self.at != self.value.len() {
                    return Err(NOT_PAIRS);
                }
                self.done = true;
            }
            _ => return Err(NOT_PAIRS),
        }
        Ok(item)
    }
}

impl<'v> Iterator for ElementCell<'v> {
    type Item = Result<Element<'v>, &'static str>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.item();
        if item.is_err() {
            self.done = true;
        }
        Some(item)
    }
}

/// Appends the value of an [`JsonCell::Elements`] cell: the positions of
/// the elements whose qualifier is `qualifier`.
pub(crate) fn write_elements<'v>(
    qualifier: &str,
    elements: impl Iterator<Item = (usize, &'v Value)>,
    out: &mut Vec<u8>,
) -> Result<(), ErrorKind> {
    out.push(b'[');
    for (n, (position, element)) in elements.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        match element {
            // The caller usually passes the element's own text as the
            // qualifier: then the pointers match and no bytes are compared.
            Value::String(text) if std::ptr::eq(text.as_str(), qualifier) || text == qualifier => {
                write_position(position, out)
            }
            other => {
                out.push(b'[');
                write_position(position, out);
                out.push(b',');
                write_json(other, out)?;
                out.push(b']');
            }
        }
    }
    out.push(b']');
    Ok(())
}

/// Appends the value of an [`JsonCell::Elements`] cell whose one element
/// is the qualifier itself, a string: `[position]`, what [`write_elements`]
/// writes for it.
///
/// Inlined, and two-digit positions written as one store of four bytes:
/// arrays of strings call this once per element, and a call with three
/// pushes cost about as much as the rest of the element's cell.
#[inline(always)]
pub(crate) fn write_lone_position(position: usize, out: &mut Vec<u8>) {
    if position < 10 {
        out.extend_from_slice(&[b'[', b'0' + position as u8, b']']);
    } else if let (true, Some(&[tens, ones])) = (
        position < 100,
        PAIRS.get(position % 100 * 2..position % 100 * 2 + 2),
    ) {
        out.extend_from_slice(&[b'[', tens, ones, b']']);
    } else {
        out.push(b'[');
        write_position(position, out);
        out.push(b']');
    }
}

/// Appends the value of one child's index cell: `{"at":pos}` when the
/// primary key is the qualifier as a string, else `{"at":pos,"pk":value}`.
pub(crate) fn write_child(
    qualifier: &[u8],
    position: usize,
    primary_key: &Value,
    out: &mut Vec<u8>,
) -> Result<(), ErrorKind> {
    out.extend_from_slice(b"{\"at\":");
    write_position(position, out);
    // The caller usually passes the key's own text as the qualifier: then
    // the pointers match and no bytes are compared.
    let own_text =
        |text: &str| std::ptr::eq(text.as_bytes(), qualifier) || text.as_bytes() == qualifier;
    if !matches!(primary_key, Value::String(text) if own_text(text)) {
        out.extend_from_slice(b",\"pk\":");
        write_json(primary_key, out)?;
    }
    out.push(b'}');
    Ok(())
}

/// Parses a [`JsonCell::Child`] value into (position, primary key value).
pub(crate) fn read_child(
    family: &[u8],
    qualifier: &[u8],
    logical: &[u8],
    value: &[u8],
) -> Result<(u64, Value), ErrorKind> {
    if let Some(fast) = split_index_position(value).and_then(|(position, rest)| {
        if rest == b"}" {
            return Some((position, qualifier_string(family, qualifier, logical).ok()?));
        }
        let pk = rest.strip_prefix(b",\"pk\":")?.strip_suffix(b"}")?;
        Some((position, read_json(family, qualifier, pk).ok()?))
    }) {
        return Ok(fast);
    }
    let bad = |reason: String| {
        ErrorKind::malformed(family, qualifier, format!("array child cell {reason}"))
    };
    let parsed: Value =
        serde_json::from_slice(value).map_err(|err| bad(format!("is not JSON ({err})")))?;
    let Value::Object(mut fields) = parsed else {
        return Err(bad("is not a JSON object".into()));
    };
    let position = fields.get("at").and_then(Value::as_u64);
    let pk = match fields.remove("pk") {
        Some(pk) => pk,
        None => qualifier_string(family, qualifier, logical)?,
    };
    match position {
        Some(position) if fields.len() == 1 && !pk.is_array() && !pk.is_object() => {
            Ok((position, pk))
        }
        _ => Err(bad(
            "is not of the form {\"at\": position, \"pk\": scalar}".into()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pushed_bytes_are_the_bytes_at_every_length() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
            for before in [0, 3, 8] {
                let mut ours = vec![b'x'; before];
                push_bytes(&mut ours, &bytes);
                let mut theirs = vec![b'x'; before];
                theirs.extend_from_slice(&bytes);
                assert_eq!(ours, theirs, "{len} after {before}");
            }
        }
    }

    #[test]
    fn lone_positions_match_the_general_writer() {
        // The one-, two- and more-digit branches, and their edges.
        for position in (0..1_200).chain([9_999, 10_000, usize::MAX]) {
            let mut fast = Vec::new();
            write_lone_position(position, &mut fast);
            let mut general = vec![b'['];
            write_position(position, &mut general);
            general.push(b']');
            assert_eq!(fast, general, "position {position}");
        }
    }

    #[test]
    fn json_strings_match_serde_json() {
        for text in [
            "",
            "plain",
            "quote\"back\\slash",
            "tab\tnew\nline\r",
            "\u{0}\u{1f}\u{8}\u{c}",
            "ünï😀",
        ] {
            let mut ours = Vec::new();
            write_json_str(text, &mut ours);
            assert_eq!(ours, serde_json::to_vec(text).unwrap(), "{text:?}");
            assert_eq!(read_json(b"f", b"q", &ours).unwrap(), json!(text));
        }
    }

    #[test]
    fn escape_scan_agrees_with_byte_table() {
        // Every byte at every place of a word and of the tail, next to
        // bytes that need no escape (ASCII and beyond).
        assert!(!has_escape(b""));
        for len in 1..=19 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    for filler in [b'a', 0xc3, 0x7f, 0x80, 0xff] {
                        let mut bytes = vec![filler; len];
                        bytes[at] = byte;
                        let expected = bytes.iter().any(|&b| ESCAPE[usize::from(b)] != 0);
                        assert_eq!(has_escape(&bytes), expected, "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn integers_parse_like_serde_json() {
        for text in [
            "0",
            "-0",
            "7",
            "-7",
            "9223372036854775807",
            "-9223372036854775808",
            "-9223372036854775809",
            "18446744073709551615",
            "18446744073709551616",
            "123456789012345678901234567890",
        ] {
            let expected: Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                read_json(b"f", b"q", text.as_bytes()).unwrap(),
                expected,
                "{text}"
            );
        }
        for text in ["01", "-", "", "1e3", "18446744073709551616", "+1"] {
            assert_eq!(read_json_integer(text.as_bytes()), None, "{text}");
        }
    }

    #[test]
    fn literals_read_like_serde_json() {
        for text in ["true", "false", "null", " true", "nul", "1.5", "-0"] {
            let ours = read_json(b"f", b"q", text.as_bytes()).ok();
            let theirs = serde_json::from_str::<Value>(text).ok();
            assert_eq!(ours, theirs, "{text}");
        }
    }

    #[test]
    fn element_cells_parse_on_both_paths() {
        let cases: [(&str, Vec<(u64, Value)>); 5] = [
            ("[0]", vec![(0, json!("q"))]),
            ("[3,7]", vec![(3, json!("q")), (7, json!("q"))]),
            (
                r#"[1,[2,1],[5,null]]"#,
                vec![(1, json!("q")), (2, json!(1)), (5, json!(null))],
            ),
            (r#"[[0,"q\"uote"]]"#, vec![(0, json!("q\"uote"))]),
            (
                r#"[ 0 , [ 2 , -1.5 ] ]"#,
                vec![(0, json!("q")), (2, json!(-1.5))],
            ),
        ];
        for (text, expected) in cases {
            let mut parsed = Vec::new();
            read_elements(b"f", b"q", b"q", text.as_bytes(), &mut parsed).unwrap();
            assert_eq!(parsed, expected, "{text}");
        }
        for bad in ["[]", "[[0]]", "[-1]", "[\"x\"]", "[[0,[1]]]"] {
            assert!(
                read_elements(b"f", b"q", b"q", bad.as_bytes(), &mut Vec::new()).is_err(),
                "{bad}"
            );
        }
    }

    fn split(value: &str) -> Result<Vec<(u64, Option<String>)>, &'static str> {
        ElementCell::new(value.as_bytes())
            .map(|item| {
                item.map(|(position, bytes)| {
                    (
                        position,
                        bytes.map(|bytes| String::from_utf8_lossy(bytes).into_owned()),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn element_cells_split_into_positions_and_elements() {
        assert_eq!(
            split(r#"[0,[3,"q\"],"],[4,-2.5e3],7]"#).unwrap(),
            [
                (0, None),
                (3, Some(r#""q\"],""#.into())),
                (4, Some("-2.5e3".into())),
                (7, None)
            ]
        );
        for bad in [
            "",
            "[",
            "[]",
            "[x]",
            "[1,]",
            "[[1]]",
            "[[1,]]",
            "[[1,\"a]]",
            "[1]x",
            "[[1,2]",
            "[1 2]",
            "[[1,{}]]",
            "[[1 ,2 3]]",
        ] {
            assert!(split(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn element_cells_split_as_serde_json_reads_them_whatever_the_spacing() {
        // The reference is serde_json's own reading of the same text.
        fn reference(value: &str) -> Vec<(u64, Option<Value>)> {
            let items: Vec<Value> = serde_json::from_str(value).unwrap();
            items
                .into_iter()
                .map(|item| match item {
                    Value::Number(position) => (position.as_u64().unwrap(), None),
                    Value::Array(pair) => (pair[0].as_u64().unwrap(), Some(pair[1].clone())),
                    other => panic!("{other}"),
                })
                .collect()
        }
        let tokens = [
            "[",
            "0",
            ",",
            "[",
            "12",
            ",",
            r#""a \" ]""#,
            "]",
            ",",
            "[",
            "3",
            ",",
            "-1e2",
            "]",
            "]",
        ];
        for space in [" ", "\t", "\n", "\r\n ", ""] {
            // Spacing before each token in turn, then before all of them.
            for at in 0..=tokens.len() {
                let text: String = tokens
                    .iter()
                    .enumerate()
                    .map(|(i, token)| {
                        if at == tokens.len() || i == at {
                            format!("{space}{token}")
                        } else {
                            token.to_string()
                        }
                    })
                    .collect::<String>()
                    .trim_start()
                    .to_string();
                let ours: Vec<(u64, Option<Value>)> = split(&text)
                    .unwrap_or_else(|reason| panic!("{text:?}: {reason}"))
                    .into_iter()
                    .map(|(position, json)| {
                        (
                            position,
                            json.map(|json| serde_json::from_str(&json).unwrap()),
                        )
                    })
                    .collect();
                assert_eq!(ours, reference(&text), "{text:?}");
            }
        }
    }

    #[test]
    fn element_cells_written_are_read_back() {
        let elements = [json!("q"), json!(4), json!("q"), json!(null)];
        let mut out = Vec::new();
        write_elements("q", elements.iter().enumerate(), &mut out).unwrap();
        assert_eq!(out, b"[0,[1,4],2,[3,null]]");
        let mut parsed = Vec::new();
        read_elements(b"f", b"q", b"q", &out, &mut parsed).unwrap();
        let expected: Vec<(u64, Value)> = elements
            .iter()
            .cloned()
            .enumerate()
            .map(|(i, e)| (i as u64, e))
            .collect();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn numbers_are_written_like_serde_json() {
        let numbers = [
            json!(0),
            json!(-1),
            json!(99),
            json!(100),
            json!(-99),
            json!(-100),
            json!(1_700_000_000_000_i64),
            json!(-1_700_000_000_000_i64),
            json!(i64::MAX as u64 + 1),
            json!(i64::MIN),
            json!(i64::MAX),
            json!(u64::MAX),
            json!(1.5),
            json!(-0.0),
            json!(1e300),
            json!(2.5e-8),
        ];
        for number in numbers {
            let mut ours = Vec::new();
            write_json(&number, &mut ours).unwrap();
            assert_eq!(ours, serde_json::to_vec(&number).unwrap(), "{number}");
        }
    }

    #[test]
    fn positions_are_written_in_decimal() {
        for position in [0, 7, 10, 99, 12345, usize::MAX] {
            let mut out = Vec::new();
            write_position(position, &mut out);
            assert_eq!(out, position.to_string().as_bytes());
        }
        // Every length, every group boundary and digit, on both sides of
        // each power of ten.
        let mut values = vec![u64::MAX, u64::MAX - 1, 1_700_000_000_000];
        for power in 0..20 {
            let ten = 10u64.pow(power);
            values.extend([ten - 1, ten, ten + 1]);
            values
                .extend((1..10).filter_map(|digit: u64| {
                    digit.checked_mul(ten)?.checked_add(12_345_678 % ten)
                }));
        }
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..10_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            values.push(state >> (state % 64));
        }
        for value in values {
            let mut out = b"x".to_vec();
            write_decimal(value, &mut out);
            assert_eq!(out, format!("x{value}").as_bytes());
        }
    }

    #[test]
    fn lone_positions_are_element_cells() {
        for position in [0, 1, 9, 10, 99, 100, 12_345] {
            let element = json!("q");
            let mut general = Vec::new();
            write_elements("q", [(position, &element)].into_iter(), &mut general).unwrap();
            let mut lone = Vec::new();
            write_lone_position(position, &mut lone);
            assert_eq!(lone, general, "{position}");
        }
    }

    #[test]
    fn child_cells_round_trip() {
        let mut out = Vec::new();
        write_child(b"ah12001", 3, &json!("ah12001"), &mut out).unwrap();
        assert_eq!(out, br#"{"at":3}"#);
        assert_eq!(
            read_child(b"f", b"ah12001", b"ah12001", &out).unwrap(),
            (3, json!("ah12001"))
        );
        out.clear();
        write_child(b"12", 0, &json!(12), &mut out).unwrap();
        assert_eq!(out, br#"{"at":0,"pk":12}"#);
        assert_eq!(
            read_child(b"f", b"12", b"12", &out).unwrap(),
            (0, json!(12))
        );
        assert_eq!(
            read_child(b"f", b"x", b"x", br#"{ "at": 1 }"#).unwrap(),
            (1, json!("x"))
        );
    }
}
