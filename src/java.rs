//! Java HBase's `Bytes.toBytes` encodings, for [`Codec::Java`](crate::Codec::Java).
//!
//! Values only: qualifiers stay UTF-8 text under every codec. The typed
//! path picks each value's width from its Rust type (see `ser::scalar`);
//! this module holds what the `serde_json::Value` path and the structural
//! cells share.

use serde_json::Value;

use crate::error::ErrorKind;

/// `Bytes.toBytes(true)`: Java's `(byte) -1`.
pub(crate) const TRUE: u8 = 0xFF;
/// `Bytes.toBytes(false)`.
pub(crate) const FALSE: u8 = 0x00;

/// Appends a `serde_json` scalar: integers as `long`, other numbers as
/// `double`, booleans as one byte, strings as UTF-8. `path` names the value
/// in errors.
pub(crate) fn write_value(
    value: &Value,
    out: &mut Vec<u8>,
    path: impl FnOnce() -> String,
) -> Result<(), ErrorKind> {
    let unrepresentable = |reason: &str| ErrorKind::Unrepresentable {
        path: path(),
        codec: "java",
        reason: reason.to_string(),
    };
    match value {
        Value::String(text) => out.extend_from_slice(text.as_bytes()),
        Value::Bool(flag) => out.push(if *flag { TRUE } else { FALSE }),
        Value::Number(number) => {
            if let Some(long) = number.as_i64() {
                out.extend_from_slice(&long.to_be_bytes());
            } else if number.is_u64() {
                return Err(unrepresentable("it is larger than a Java long can hold"));
            } else if let Some(double) = number.as_f64() {
                out.extend_from_slice(&double.to_be_bytes());
            }
        }
        Value::Null => {
            return Err(unrepresentable(
                "null has no Java form; leave the key out instead",
            ));
        }
        Value::Array(_) | Value::Object(_) => {
            return Err(unrepresentable("only scalars are written as values"));
        }
    }
    Ok(())
}

/// Appends an array position or child index as a Java `int`.
pub(crate) fn write_position(
    position: usize,
    out: &mut Vec<u8>,
    path: impl FnOnce() -> String,
) -> Result<(), ErrorKind> {
    match i32::try_from(position) {
        Ok(position) => {
            out.extend_from_slice(&position.to_be_bytes());
            Ok(())
        }
        Err(_) => Err(ErrorKind::Unrepresentable {
            path: path(),
            codec: "java",
            reason: "the position does not fit a Java int".into(),
        }),
    }
}

/// Reads a Java `int` position from the first four bytes.
pub(crate) fn read_position(bytes: &[u8]) -> Option<u64> {
    let array: [u8; 4] = bytes.get(..4)?.try_into().ok()?;
    u64::try_from(i32::from_be_bytes(array)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn bytes(value: Value) -> Vec<u8> {
        let mut out = Vec::new();
        write_value(&value, &mut out, String::new).unwrap();
        out
    }

    #[test]
    fn value_path_writes_longs_doubles_booleans_and_utf8() {
        assert_eq!(bytes(json!(1)), [0, 0, 0, 0, 0, 0, 0, 1]);
        assert_eq!(bytes(json!(-1)), [0xFF; 8]);
        assert_eq!(bytes(json!(0.5)), 0.5f64.to_be_bytes());
        assert_eq!(bytes(json!(true)), [0xFF]);
        assert_eq!(bytes(json!(false)), [0x00]);
        assert_eq!(bytes(json!("ü")), "ü".as_bytes());
        let mut out = Vec::new();
        assert!(write_value(&json!(null), &mut out, || "k".into()).is_err());
        assert!(write_value(&json!(u64::MAX), &mut out, || "k".into()).is_err());
    }

    #[test]
    fn positions_are_java_ints() {
        let mut out = Vec::new();
        write_position(258, &mut out, String::new).unwrap();
        assert_eq!(out, [0, 0, 1, 2]);
        assert_eq!(read_position(&out), Some(258));
        assert_eq!(read_position(&[0xFF, 0, 0, 0]), None);
        assert_eq!(read_position(&[0, 0]), None);
    }
}
