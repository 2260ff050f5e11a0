//! `Codec::Java` writes what Java HBase's `Bytes.toBytes` writes.
//!
//! `tests/data/java_bytes.txt` was printed by `tools/java-golden`, a
//! ten-line Java program calling `org.apache.hadoop.hbase.util.Bytes` from
//! hbase-common 2.5.10: each line is a Java type, a value and the bytes
//! Java wrote for it.

use capjure::{Cell, Codec, ErrorKind, KeyConfig, Mapper};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct One<T> {
    v: T,
}

fn java() -> Mapper {
    Mapper::new(KeyConfig::new().field("kids", "id")).with_codec(Codec::Java)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of the one cell `v:`, and the value read back from them.
fn cell<T: Serialize + DeserializeOwned>(value: T) -> (String, T) {
    let mapper = java();
    let cells = mapper.to_cells(&One { v: value }).unwrap();
    assert_eq!(cells.len(), 1);
    let bytes = hex(cells.get(0).unwrap().value);
    let back: One<T> = mapper.from_cells(&cells).unwrap();
    (bytes, back.v)
}

#[test]
fn values_match_hbase_bytes_to_bytes() {
    let golden = include_str!("data/java_bytes.txt");
    let mut checked = 0;
    for line in golden.lines() {
        let mut parts = line.split('\t');
        let (Some(ty), Some(text), Some(expected)) = (parts.next(), parts.next(), parts.next())
        else {
            panic!("bad golden line {line:?}");
        };
        let (ours, ok) = match ty {
            "i64" => {
                let v: i64 = text.parse().unwrap();
                let (bytes, back) = cell(v);
                (bytes, back == v)
            }
            "i32" => {
                let v: i32 = text.parse().unwrap();
                let (bytes, back) = cell(v);
                (bytes, back == v)
            }
            "i16" => {
                let v: i16 = text.parse().unwrap();
                let (bytes, back) = cell(v);
                (bytes, back == v)
            }
            "f64" => {
                let v: f64 = text.parse().unwrap();
                let (bytes, back) = cell(v);
                (bytes, back.to_bits() == v.to_bits())
            }
            "f32" => {
                let v: f32 = text.parse().unwrap();
                let (bytes, back) = cell(v);
                (bytes, back.to_bits() == v.to_bits())
            }
            "bool" => {
                let v: bool = text.parse().unwrap();
                let (bytes, back) = cell(v);
                (bytes, back == v)
            }
            "string" => {
                let v = text.replace("\\t", "\t");
                let (bytes, back) = cell(v.clone());
                (bytes, back == v)
            }
            other => panic!("unknown golden type {other}"),
        };
        assert_eq!(ours, expected, "{ty} {text}");
        assert!(ok, "{ty} {text} did not read back");
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} golden vectors");
}

#[test]
fn rust_only_types_take_the_java_type_that_holds_them() {
    assert_eq!(cell(-2i8).0, "fe");
    assert_eq!(cell(i8::MIN).0, "80");
    assert_eq!(cell(255u8).0, "00ff"); // short
    assert_eq!(cell(u16::MAX).0, "0000ffff"); // int
    assert_eq!(cell(u32::MAX).0, "00000000ffffffff"); // long
    assert_eq!(cell(i64::MAX as u64).0, "7fffffffffffffff");
    assert_eq!(cell('ü').0, "c3bc");
    let err = java().to_cells(&One { v: u64::MAX }).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { path, codec: "java", .. } if path == "v"),
        "{err}"
    );
}

#[test]
fn widths_are_checked_on_read() {
    let cells = [Cell::new("v", "", vec![0u8, 0, 0, 7])];
    let err = java().from_cells::<One<i64>, _>(&cells).unwrap_err();
    assert_eq!(
        err.to_string(),
        "column \"v:\" (`v`) cannot be read as `i64`: \
         the java codec stores it in 8 bytes, the cell holds 4"
    );
    assert_eq!(java().from_cells::<One<i32>, _>(&cells).unwrap().v, 7);
    // A u8 is a Java short: out-of-range shorts are refused, not wrapped.
    let cells = [Cell::new("v", "", vec![0x01u8, 0x00])];
    assert!(java().from_cells::<One<u8>, _>(&cells).is_err());
}

#[test]
fn structural_cells_are_java_ints() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Kid {
        id: i32,
        name: String,
    }
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct Family {
        tags: Vec<String>,
        kids: Vec<Kid>,
        none: Vec<i64>,
    }
    let family = Family {
        tags: vec!["b".into(), "a".into(), "b".into()],
        kids: vec![Kid {
            id: 7,
            name: "ann".into(),
        }],
        none: vec![],
    };
    let mapper = java();
    let cells = mapper.to_cells(&family).unwrap();
    let got: Vec<String> = cells
        .iter()
        .map(|c| {
            format!(
                "{}:{} => {}",
                String::from_utf8_lossy(c.family),
                String::from_utf8_lossy(c.qualifier),
                hex(c.value)
            )
        })
        .collect();
    let mut got = got;
    got.sort();
    assert_eq!(
        got,
        [
            // The child's index cell: position 0, then Bytes.toBytes(7).
            "kids:7 => 0000000000000007",
            "kids_name:7 => 616e6e",
            // An empty array: no bytes.
            "none: => ",
            // Each element's positions, as Java ints.
            "tags:a => 00000001",
            "tags:b => 0000000000000002",
        ]
    );
    assert_eq!(mapper.from_cells::<Family, _>(&cells).unwrap(), family);
}

#[test]
fn the_value_path_writes_longs_and_doubles_but_cannot_read_them() {
    let mapper = java();
    let cells = mapper
        .flatten(&serde_json::json!({"n": 1, "x": 0.5, "s": "é"}))
        .unwrap();
    let value = |family: &[u8]| hex(cells.iter().find(|c| c.family == family).unwrap().value);
    assert_eq!(value(b"n"), "0000000000000001");
    assert_eq!(value(b"x"), "3fe0000000000000");
    assert_eq!(value(b"s"), "c3a9");
    let err = mapper.hydrate(&cells).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Untyped { .. }), "{err}");
    assert!(err.to_string().contains("Mapper::from_cells"), "{err}");
    let err = mapper.flatten(&serde_json::json!({"n": null})).unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Unrepresentable { .. }),
        "{err}"
    );
}
