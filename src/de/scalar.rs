//! The scalar level: one stored value read as the Rust type asked for.
//!
//! The codec says how to read the bytes; the visitor (the Rust type) says
//! what to read them as. Under JSON the value says its own type; under text
//! the type parses the text; under Java the type picks the width.

use std::borrow::Cow;
use std::str::FromStr;

use serde::de::value::StrDeserializer;
use serde::de::{Deserializer, IntoDeserializer, Visitor};

use super::At;
use crate::cell::Excerpt;
use crate::error::{Error, ErrorKind, Result};
use crate::ser::Form;

/// Reads one scalar.
pub(crate) struct ScalarDeserializer<'b> {
    pub(crate) bytes: &'b [u8],
    pub(crate) form: Form,
    pub(crate) at: At<'b>,
    /// An empty value reads as `None`: array elements under text and Java,
    /// where a `None` element is stored as the empty qualifier.
    pub(crate) empty_is_none: bool,
    /// Under JSON, the bytes are a string's text, unquoted: an array element
    /// the JSON codec stores as its qualifier.
    pub(crate) bare_string: bool,
}

/// A JSON scalar.
enum Json<'b> {
    Null,
    Bool(bool),
    I64(i64),
    U64(u64),
    F64(f64),
    Str(Cow<'b, str>),
}

fn parse_json(bytes: &[u8]) -> Result<Json<'_>, String> {
    match bytes {
        b"null" => Ok(Json::Null),
        b"true" => Ok(Json::Bool(true)),
        b"false" => Ok(Json::Bool(false)),
        [b'"', inner @ .., b'"'] if !needs_unescaping(inner) => crate::text::utf8(inner)
            .map(|text| Json::Str(Cow::Borrowed(text)))
            .map_err(|_| "the string is not valid UTF-8".to_string()),
        [b'"', ..] => serde_json::from_slice::<String>(bytes)
            .map(|text| Json::Str(Cow::Owned(text)))
            .map_err(|err| format!("the value is not a JSON string ({err})")),
        [b'-' | b'0'..=b'9', ..] => {
            if let Some(integer) = parse_integer(bytes) {
                return Ok(integer);
            }
            if let Some(decimal) = parse_decimal(bytes) {
                return Ok(Json::F64(decimal));
            }
            let text = std::str::from_utf8(bytes).map_err(|_| "not a JSON number".to_string())?;
            let not_a_number = || format!("`{}` is not a JSON number", Excerpt::text(text));
            if !text
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            {
                return Err(not_a_number());
            }
            if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                text.parse().map(Json::F64).map_err(|_| not_a_number())
            } else if text.starts_with('-') {
                text.parse().map(Json::I64).map_err(|_| not_a_number())
            } else {
                text.parse().map(Json::U64).map_err(|_| not_a_number())
            }
        }
        _ => Err(format!(
            "the value is not a JSON scalar ({}); was it written with another codec?",
            Excerpt(bytes)
        )),
    }
}

/// Whether a JSON string's text holds a `"`, a `\` or a control character,
/// and so needs a JSON parser. Checked 8 bytes at a time: a word holds
/// such a byte when the word XORed with it, or less 0x20 in each byte,
/// borrows into a byte's high bit that was clear.
#[inline]
fn needs_unescaping(text: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let below = |word: u64, bound: u8| word.wrapping_sub(ONES * u64::from(bound)) & !word & HIGHS;
    let special = |bytes: &[u8; 8]| {
        let word = u64::from_ne_bytes(*bytes);
        below(word ^ (ONES * u64::from(b'"')), 1)
            | below(word ^ (ONES * u64::from(b'\\')), 1)
            | below(word, 0x20)
            != 0
    };
    if text
        .chunks_exact(8)
        .any(|chunk| chunk.first_chunk().is_none_or(special))
    {
        return true;
    }
    // The last bytes: as a word overlapping the one before when there is one.
    match text.last_chunk() {
        Some(last) => special(last),
        None => text.iter().any(|&b| b == b'"' || b == b'\\' || b < 0x20),
    }
}

/// An integer of ASCII digits (with a leading `-`, an `I64`), read without
/// validating and parsing text; `None` for anything else (a float, or a
/// number out of range), which then takes the general path.
#[inline]
fn parse_integer(bytes: &[u8]) -> Option<Json<'static>> {
    let (negative, digits) = match bytes {
        [b'-', digits @ ..] => (true, digits),
        digits => (false, digits),
    };
    if digits.is_empty() {
        return None;
    }
    // Up to 19 digits cannot overflow: check and add in one pass.
    let magnitude = if digits.len() <= 19 {
        digits.iter().try_fold(0u64, |acc, &digit| {
            let value = digit.wrapping_sub(b'0');
            (value <= 9).then(|| acc * 10 + u64::from(value))
        })?
    } else {
        digits.iter().try_fold(0u64, |acc, &digit| {
            let value = digit.wrapping_sub(b'0');
            if value > 9 {
                return None;
            }
            acc.checked_mul(10)?.checked_add(u64::from(value))
        })?
    };
    if negative {
        0i64.checked_sub_unsigned(magnitude).map(Json::I64)
    } else {
        Some(Json::U64(magnitude))
    }
}

/// Powers of ten a double holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A plain decimal (`-12.75`) whose digits a double holds exactly, read
/// without the general float parser: the digits and the power of ten are
/// both exact, so their quotient is the correctly rounded value, as the
/// parser would give. `None` for anything else (an exponent, too many
/// digits), which then takes the general path.
#[inline]
fn parse_decimal(bytes: &[u8]) -> Option<f64> {
    let (negative, rest) = match bytes {
        [b'-', rest @ ..] => (true, rest),
        rest => (false, rest),
    };
    let dot = rest.iter().position(|&b| b == b'.')?;
    let (whole, fraction) = (rest.get(..dot)?, rest.get(dot + 1..)?);
    if whole.is_empty() || fraction.is_empty() {
        return None;
    }
    let scale = *EXACT_POWERS_OF_TEN.get(fraction.len())?;
    let mut digits: u64 = 0;
    for &digit in whole.iter().chain(fraction) {
        if !digit.is_ascii_digit() {
            return None;
        }
        digits = digits
            .checked_mul(10)?
            .checked_add(u64::from(digit - b'0'))?;
    }
    // Integers up to 2^53 convert to a double exactly.
    if digits > 1 << 53 {
        return None;
    }
    let magnitude = digits as f64 / scale;
    Some(if negative { -magnitude } else { magnitude })
}

impl<'b> ScalarDeserializer<'b> {
    fn mismatch<T>(&self, reason: impl Into<String>) -> Error {
        self.at.mismatch(std::any::type_name::<T>(), reason)
    }

    /// Fills in where a visitor's own error happened.
    #[inline]
    fn visited<T>(&self, result: Result<T>) -> Result<T> {
        result.map_err(|err| match err.into_kind() {
            ErrorKind::Serde { path, message } if path.is_empty() => self.mismatch::<T>(message),
            kind => kind.into(),
        })
    }

    #[inline]
    fn text<T>(&self) -> Result<&'b str> {
        crate::text::utf8(self.bytes)
            .map_err(|_| self.mismatch::<T>("the value is not valid UTF-8"))
    }

    /// Under JSON: the value, given to the visitor as the type it holds.
    fn json<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let value = if self.bare_string {
            Json::Str(Cow::Borrowed(self.text::<V::Value>()?))
        } else {
            parse_json(self.bytes).map_err(|reason| self.mismatch::<V::Value>(reason))?
        };
        let result = match value {
            Json::Null => visitor.visit_unit(),
            Json::Bool(v) => visitor.visit_bool(v),
            Json::I64(v) => visitor.visit_i64(v),
            Json::U64(v) => visitor.visit_u64(v),
            Json::F64(v) => visitor.visit_f64(v),
            Json::Str(v) => visitor.visit_str(&v),
        };
        self.visited(result)
    }

    /// Under JSON, for a visitor that asks for a number: [`Self::json`],
    /// with the usual values (plain integers and decimals) read in line
    /// rather than through [`parse_json`] and its general result.
    #[inline]
    fn json_number<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.bare_string {
            return self.json(visitor);
        }
        let result = match parse_integer(self.bytes) {
            Some(Json::U64(v)) => visitor.visit_u64(v),
            Some(Json::I64(v)) => visitor.visit_i64(v),
            _ => match parse_decimal(self.bytes) {
                Some(v) => visitor.visit_f64(v),
                None => return self.json(visitor),
            },
        };
        self.visited(result)
    }

    /// Under JSON, for a visitor that asks for a bool: [`Self::json`], with
    /// `true` and `false` read in line.
    #[inline]
    fn json_bool<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let result = match self.bytes {
            b"true" if !self.bare_string => visitor.visit_bool(true),
            b"false" if !self.bare_string => visitor.visit_bool(false),
            _ => return self.json(visitor),
        };
        self.visited(result)
    }

    /// Under JSON, for a visitor that asks for a string: [`Self::json`],
    /// with a string that needs no unescaping (and an element's bare text)
    /// read in line.
    #[inline]
    fn json_str<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let text = match self.bytes {
            _ if self.bare_string => self.bytes,
            [b'"', inner @ .., b'"'] if !needs_unescaping(inner) => inner,
            _ => return self.json(visitor),
        };
        let Ok(text) = crate::text::utf8(text) else {
            return self.json(visitor);
        };
        let result = visitor.visit_str(text);
        self.visited(result)
    }

    /// Under text: the text parsed as `P`, then given to the visitor.
    fn parse<'de, P, V>(
        self,
        visitor: V,
        visit: impl FnOnce(V, P) -> Result<V::Value>,
    ) -> Result<V::Value>
    where
        P: FromStr,
        V: Visitor<'de>,
    {
        let text = self.text::<V::Value>()?;
        let value = text.parse::<P>().map_err(|_| {
            self.mismatch::<V::Value>(format!(
                "\"{}\" is not a {}",
                Excerpt::text(text),
                std::any::type_name::<P>()
            ))
        })?;
        let result = visit(visitor, value);
        self.visited(result)
    }

    /// Under Java: exactly `N` bytes.
    fn java<const N: usize, T>(&self) -> Result<[u8; N]> {
        self.bytes.try_into().map_err(|_| {
            self.mismatch::<T>(format!(
                "the java codec stores it in {N} byte{}, the cell holds {}",
                if N == 1 { "" } else { "s" },
                self.bytes.len()
            ))
        })
    }

    #[inline]
    fn string<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.form {
            Form::Json => self.json_str(visitor),
            Form::Text | Form::Java => {
                let text = self.text::<V::Value>()?;
                let result = visitor.visit_str(text);
                self.visited(result)
            }
        }
    }
}

macro_rules! integer {
    ($method:ident, $ty:ty, $visit:ident, $java:ty, $java_visit:ident) => {
        #[inline]
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            match self.form {
                Form::Json => self.json_number(visitor),
                Form::Text => self.parse::<$ty, V>(visitor, |v, n| v.$visit(n)),
                Form::Java => {
                    let bytes = self.java::<{ std::mem::size_of::<$java>() }, V::Value>()?;
                    let result = visitor.$java_visit(<$java>::from_be_bytes(bytes));
                    self.visited(result)
                }
            }
        }
    };
}

impl<'de> Deserializer<'de> for ScalarDeserializer<'_> {
    type Error = Error;

    #[inline]
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.form {
            Form::Json => self.json(visitor),
            Form::Text => self.string(visitor),
            Form::Java => Err(ErrorKind::Untyped {
                column: self.at.column(),
                codec: "java",
            }
            .into()),
        }
    }

    #[inline]
    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.form {
            Form::Json => self.json_bool(visitor),
            Form::Text => self.parse::<bool, V>(visitor, |v, b| v.visit_bool(b)),
            Form::Java => {
                let [byte] = self.java::<1, V::Value>()?;
                // Bytes.toBoolean: any byte but zero is true.
                let result = visitor.visit_bool(byte != 0);
                self.visited(result)
            }
        }
    }

    integer!(deserialize_i8, i8, visit_i8, i8, visit_i8);
    integer!(deserialize_i16, i16, visit_i16, i16, visit_i16);
    integer!(deserialize_i32, i32, visit_i32, i32, visit_i32);
    integer!(deserialize_i64, i64, visit_i64, i64, visit_i64);
    // Unsigned types are stored widened; the visitor checks the range.
    integer!(deserialize_u8, u8, visit_u8, i16, visit_i16);
    integer!(deserialize_u16, u16, visit_u16, i32, visit_i32);
    integer!(deserialize_u32, u32, visit_u32, i64, visit_i64);
    integer!(deserialize_u64, u64, visit_u64, i64, visit_i64);
    integer!(deserialize_f32, f32, visit_f32, f32, visit_f32);
    integer!(deserialize_f64, f64, visit_f64, f64, visit_f64);

    #[inline]
    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.string(visitor)
    }

    #[inline]
    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.string(visitor)
    }

    #[inline]
    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.string(visitor)
    }

    #[inline]
    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Byte buffers are stored as they are under every codec.
        let result = visitor.visit_bytes(self.bytes);
        self.visited(result)
    }

    #[inline]
    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    #[inline]
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let none = match self.form {
            Form::Json => !self.bare_string && self.bytes == b"null",
            Form::Text | Form::Java => self.empty_is_none && self.bytes.is_empty(),
        };
        if none {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    #[inline]
    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let unit = match self.form {
            Form::Json => !self.bare_string && self.bytes == b"null",
            Form::Text | Form::Java => self.bytes.is_empty(),
        };
        if unit {
            visitor.visit_unit()
        } else {
            Err(self.mismatch::<V::Value>("expected no value"))
        }
    }

    #[inline]
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    #[inline]
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    #[inline]
    fn deserialize_seq<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(self.mismatch::<V::Value>("a scalar is stored here, not an array"))
    }

    #[inline]
    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    #[inline]
    fn deserialize_map<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(self.mismatch::<V::Value>("a scalar is stored here, not a map"))
    }

    #[inline]
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }

    #[inline]
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let variant: Cow<'_, str> = match self.form {
            Form::Json if self.bare_string => Cow::Borrowed(self.text::<V::Value>()?),
            Form::Json => match parse_json(self.bytes) {
                Ok(Json::Str(text)) => text,
                _ => {
                    return Err(
                        self.mismatch::<V::Value>("expected a JSON string naming a unit variant")
                    );
                }
            },
            Form::Text | Form::Java => Cow::Borrowed(self.text::<V::Value>()?),
        };
        let access: StrDeserializer<'_, Error> = variant.as_ref().into_deserializer();
        let result = visitor.visit_enum(access);
        self.visited(result)
    }

    #[inline]
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.string(visitor)
    }

    #[inline]
    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_value_makes_a_short_reason() {
        for value in ["1-".repeat(1 << 19), format!("[{}", "x".repeat(1 << 20))] {
            let Err(reason) = parse_json(value.as_bytes()) else {
                panic!("parsed {} bytes", value.len());
            };
            assert!(reason.len() < 200, "{} bytes: {reason}", reason.len());
            assert!(
                reason.contains(&format!("({} bytes)", value.len())),
                "{reason}"
            );
        }
    }

    /// What `parse_json` reads, as text, for comparing.
    fn read(text: &str) -> String {
        match parse_json(text.as_bytes()) {
            Ok(Json::I64(v)) => format!("i64 {v}"),
            Ok(Json::U64(v)) => format!("u64 {v}"),
            Ok(Json::F64(v)) => format!("f64 {:#x}", v.to_bits()),
            Ok(_) => "other".into(),
            Err(_) => "error".into(),
        }
    }

    #[test]
    fn strings_needing_a_parser_are_found() {
        let specials = [b'"', b'\\', 0, 0x1f];
        for len in 0..20 {
            let plain: Vec<u8> = (0..len)
                .map(|i| [b'a', b' ', 0x7f, 0x80, 0xff, b'!', b'#', b']'][i % 8])
                .collect();
            assert!(!needs_unescaping(&plain), "{plain:?}");
            for at in 0..len {
                for special in specials {
                    let mut text = plain.clone();
                    text[at] = special;
                    assert!(needs_unescaping(&text), "{text:?}");
                }
            }
        }
    }

    #[test]
    fn integers_read_as_the_text_parsers_read_them() {
        for text in [
            "0",
            "-0",
            "7",
            "007",
            "-7",
            "9223372036854775807",
            "-9223372036854775808",
            "-9223372036854775809",
            "9999999999999999999",
            "1/",
            "1:",
            "18446744073709551615",
            "18446744073709551616",
            "-",
            "1-2",
            "1.5",
            "-2e3",
            "19.99",
            "-0.0",
            "0.1",
            "3.0000000000000000000001",
            "9007199254740993.5",
            "123456789.123456789",
            "1.",
            "1.2.3",
            "1.-2",
        ] {
            let expected = if text.contains(['.', 'e', 'E']) {
                text.parse::<f64>()
                    .ok()
                    .map(|v| format!("f64 {:#x}", v.to_bits()))
            } else if text.starts_with('-') {
                text.parse::<i64>().ok().map(|v| format!("i64 {v}"))
            } else {
                text.parse::<u64>().ok().map(|v| format!("u64 {v}"))
            }
            .unwrap_or_else(|| "error".into());
            assert_eq!(read(text), expected, "{text}");
        }
    }

    #[test]
    fn decimals_read_as_the_float_parser_reads_them() {
        // A fixed pseudo-random walk over digit counts and digits.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            state >> 33
        };
        for _ in 0..20_000 {
            let whole = next() % 12 + 1;
            let fraction = next() % 20 + 1;
            let mut text = String::new();
            if next() % 2 == 0 {
                text.push('-');
            }
            for i in 0..whole + fraction {
                if i == whole {
                    text.push('.');
                }
                text.push(char::from(b'0' + (next() % 10) as u8));
            }
            let expected = text.parse::<f64>().map(f64::to_bits).ok();
            let read = match parse_json(text.as_bytes()) {
                Ok(Json::F64(v)) => Some(v.to_bits()),
                _ => None,
            };
            assert_eq!(read, expected, "{text}");
        }
    }
}

#[cfg(test)]
mod in_line_tests {
    use serde::de::DeserializeOwned;

    use super::*;
    use crate::de::Path;

    /// A scalar read only through `deserialize_any`, which under JSON is
    /// [`ScalarDeserializer::json`]: what the typed methods read in line.
    struct General<'b>(ScalarDeserializer<'b>);

    impl<'de> Deserializer<'de> for General<'_> {
        type Error = Error;

        fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.0.deserialize_any(visitor)
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            bytes byte_buf option unit unit_struct newtype_struct seq tuple
            tuple_struct map struct enum identifier ignored_any
        }
    }

    fn scalar(bytes: &[u8], bare_string: bool) -> ScalarDeserializer<'_> {
        ScalarDeserializer {
            bytes,
            form: Form::Json,
            at: At {
                family: b"f",
                qualifier: b"q",
                path: Path::Key("k"),
            },
            empty_is_none: false,
            bare_string,
        }
    }

    fn agree<T: DeserializeOwned + std::fmt::Debug>(bytes: &[u8]) {
        for bare_string in [false, true] {
            let typed = T::deserialize(scalar(bytes, bare_string));
            let general = T::deserialize(General(scalar(bytes, bare_string)));
            assert_eq!(
                format!("{typed:?}"),
                format!("{general:?}"),
                "{} {bytes:?} bare: {bare_string}",
                std::any::type_name::<T>()
            );
        }
    }

    #[test]
    fn typed_json_scalars_read_as_the_general_path_reads_them() {
        let values: [&[u8]; 30] = [
            b"0",
            b"7",
            b"-7",
            b"300",
            b"-129",
            b"4294967296",
            b"18446744073709551615",
            b"18446744073709551616",
            b"-9223372036854775809",
            b"19.99",
            b"-0.5",
            b"1e3",
            b"1.",
            b"-",
            b"007",
            b"true",
            b"false",
            b"null",
            b"\"\"",
            b"\"text\"",
            b"\"x\"",
            b"\"esc\\\"aped\"",
            b"\"bad\xff\"",
            b"\"caf\xc3\xa9\"",
            b"\"",
            b"text",
            b"\xff",
            b"",
            b"[1]",
            b"tru",
        ];
        for bytes in values {
            agree::<u8>(bytes);
            agree::<u32>(bytes);
            agree::<i8>(bytes);
            agree::<i64>(bytes);
            agree::<u64>(bytes);
            agree::<f32>(bytes);
            agree::<f64>(bytes);
            agree::<bool>(bytes);
            agree::<String>(bytes);
            agree::<char>(bytes);
        }
    }
}
