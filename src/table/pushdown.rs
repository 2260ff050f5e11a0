//! What of a [`Cond`] the store runs and what is checked on each row: the
//! pushdown rules (see [`Cond`]), the columns and bytes a condition names
//! through the mapper, and typed comparison of stored values.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use super::cond::{Cond, Encoding, Operand, Path};
use crate::codec::Codec;
use crate::error::{ErrorKind, Result};
use crate::mapper::Mapper;
use crate::store::{Column, CompareOp, Filter, Row};

/// The condition as byte filters the store can run and typed comparisons
/// it cannot.
pub(super) fn compile(cond: &Cond, mapper: &Mapper, values: Encoding) -> Result<Check> {
    let codec = mapper.codec();
    Ok(match cond {
        Cond::And(parts) => Check::And(
            parts
                .iter()
                .map(|part| compile(part, mapper, values))
                .collect::<Result<_>>()?,
        ),
        Cond::Or(parts) => Check::Or(
            parts
                .iter()
                .map(|part| compile(part, mapper, values))
                .collect::<Result<_>>()?,
        ),
        Cond::Exists(path) => {
            let (family, qualifier) = column(mapper, path)?;
            Check::Bytes(Filter::exists(family, qualifier))
        }
        Cond::Missing(path) => {
            let (family, qualifier) = column(mapper, path)?;
            Check::Bytes(Filter::missing(family, qualifier))
        }
        Cond::Contains { key, element } => {
            let json = operand_json(mapper, key, element)?;
            let mut object = Map::new();
            object.insert(key.clone(), Value::Array(vec![json.clone()]));
            let cells = mapper
                .flatten_map(&object)
                .map_err(|err| invalid(key, err.to_string()))?;
            let cell = cells
                .iter()
                .find(|cell| !cell.qualifier.is_empty())
                .ok_or_else(|| invalid(key, "the element names no column".into()))?;
            Check::Bytes(Filter::exists(cell.family, cell.qualifier))
        }
        Cond::Prefix { path, prefix } => {
            let (family, qualifier) = column(mapper, path)?;
            let mut bytes = Vec::new();
            match codec {
                Codec::Json => {
                    crate::codec::write_json_str(prefix, &mut bytes);
                    // Up to the closing quote: a string starts with the
                    // prefix exactly when its JSON text starts with the
                    // prefix's (each character escapes on its own).
                    bytes.pop();
                }
                _ => bytes.extend_from_slice(prefix.as_bytes()),
            }
            Check::Bytes(Filter::prefix(family, qualifier, bytes))
        }
        Cond::Compare { path, op, value } => {
            let (family, qualifier, bytes) = encode(mapper, path, value, values)?;
            let json = operand_json(mapper, &path.to_string(), value)?;
            let ordering = !matches!(op, CompareOp::Eq | CompareOp::Ne);
            let byte_order_is_value_order =
                matches!(codec, Codec::Text | Codec::Java) && json.is_string();
            if ordering && !byte_order_is_value_order {
                Check::Typed {
                    family,
                    qualifier,
                    op: *op,
                    operand: json,
                    codec,
                }
            } else {
                Check::Bytes(Filter::compare(family, qualifier, *op, bytes))
            }
        }
    })
}

/// A [`Cond`] made ready for one mapper: see [`Cond::plan`].
///
/// ```
/// use capjure::Mapper;
/// use capjure::table::{Cond, Encoding};
///
/// // JSON numbers do not sort as their text: checked on each row.
/// let plan = Cond::field("road", "speed").gt(60).plan(&Mapper::default(), Encoding::Value)?;
/// assert!(plan.checks_rows());
/// assert_eq!(plan.columns().len(), 1);
/// # Ok::<(), capjure::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CondPlan {
    pub(super) filter: Option<Filter>,
    pub(super) check: Option<Check>,
    pub(super) columns: Vec<Column>,
}

impl CondPlan {
    /// The filter to give the store ([`Scan::filter`](crate::store::Scan::filter)):
    /// exact when [`checks_rows`](Self::checks_rows) is false, else keeps
    /// at least every row the condition keeps.
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::table::{Cond, Encoding};
    /// let plan = Cond::key("a").exists().plan(&Mapper::default(), Encoding::Value)?;
    /// assert!(plan.filter().is_some());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn filter(&self) -> Option<&Filter> {
        self.filter.as_ref()
    }

    /// Whether rows the store returns must still pass
    /// [`matches`](Self::matches).
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::table::{Cond, Encoding};
    /// let plan = Cond::key("a").eq(1).plan(&Mapper::default(), Encoding::Value)?;
    /// assert!(!plan.checks_rows());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn checks_rows(&self) -> bool {
        self.check.is_some()
    }

    /// The columns the condition reads: a scan that checks rows must fetch
    /// them (and leave them out of what it returns if they are not
    /// wanted).
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::store::Column;
    /// use capjure::table::{Cond, Encoding};
    /// let plan = Cond::field("road", "speed").gt(60).plan(&Mapper::default(), Encoding::Value)?;
    /// assert_eq!(plan.columns(), &[Column::qualified("road", "speed")]);
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Whether a row the store returned matches the condition (true when
    /// nothing is left to check).
    ///
    /// ```
    /// use capjure::{Cell, Mapper};
    /// use capjure::store::Row;
    /// use capjure::table::{Cond, Encoding};
    /// let plan = Cond::field("road", "speed").gt(60).plan(&Mapper::default(), Encoding::Value)?;
    /// let row = |v: &str| Row { key: b"r".to_vec(), cells: vec![Cell::new("road", "speed", v)] };
    /// assert!(plan.matches(&row("100")) && !plan.matches(&row("9")));
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn matches(&self, row: &Row) -> bool {
        self.check.as_ref().is_none_or(|check| check.eval(row))
    }
}

/// A compiled condition: byte filters the store can run, typed comparisons
/// it cannot.
#[derive(Clone, Debug)]
pub(super) enum Check {
    Bytes(Filter),
    Typed {
        family: Vec<u8>,
        qualifier: Vec<u8>,
        op: CompareOp,
        operand: Value,
        codec: Codec,
    },
    And(Vec<Check>),
    Or(Vec<Check>),
}

impl Check {
    pub(super) fn has_typed(&self) -> bool {
        match self {
            Check::Bytes(_) => false,
            Check::Typed { .. } => true,
            Check::And(parts) | Check::Or(parts) => parts.iter().any(Check::has_typed),
        }
    }

    /// The store filter: byte filters as they are, each typed comparison
    /// widened to "the column exists" (a row without it never matches).
    pub(super) fn prefilter(&self) -> Option<Filter> {
        let filter = match self {
            Check::Bytes(filter) => filter.clone(),
            Check::Typed {
                family, qualifier, ..
            } => Filter::exists(family.clone(), qualifier.clone()),
            Check::And(parts) => Filter::And(parts.iter().filter_map(Check::prefilter).collect()),
            Check::Or(parts) => {
                let mut any = Vec::with_capacity(parts.len());
                for part in parts {
                    match part.prefilter() {
                        Some(filter) => any.push(filter),
                        // A part that keeps every row: so does the `or`.
                        None => return None,
                    }
                }
                Filter::Or(any)
            }
        };
        match filter {
            Filter::And(parts) if parts.is_empty() => None,
            filter => Some(filter),
        }
    }

    pub(super) fn collect_columns(&self, out: &mut Vec<Column>) {
        let mut push = |family: &[u8], qualifier: &[u8]| {
            let column = Column::qualified(family, qualifier);
            if !out.contains(&column) {
                out.push(column);
            }
        };
        match self {
            Check::Bytes(filter) => {
                for (family, qualifier) in filter.columns() {
                    push(family, qualifier);
                }
            }
            Check::Typed {
                family, qualifier, ..
            } => push(family, qualifier),
            Check::And(parts) | Check::Or(parts) => {
                for part in parts {
                    part.collect_columns(out);
                }
            }
        }
    }

    fn eval(&self, row: &Row) -> bool {
        match self {
            Check::Bytes(filter) => filter.matches(row),
            Check::And(parts) => parts.iter().all(|part| part.eval(row)),
            Check::Or(parts) => parts.iter().any(|part| part.eval(row)),
            Check::Typed {
                family,
                qualifier,
                op,
                operand,
                codec,
            } => row
                .cell(family, qualifier)
                .and_then(|cell| decode(*codec, &cell.value, operand))
                .and_then(|stored| compare(&stored, operand))
                .is_some_and(|ordering| op.holds(ordering)),
        }
    }
}

fn invalid(path: &str, reason: String) -> crate::Error {
    ErrorKind::InvalidArgument {
        table: String::new(),
        operation: "query",
        message: format!("condition on `{path}`: {reason}"),
    }
    .into()
}

fn operand_json(mapper: &Mapper, path: &str, operand: &Operand) -> Result<Value> {
    let _ = mapper;
    match &operand.json {
        Ok(Value::Array(_) | Value::Object(_)) => Err(invalid(
            path,
            "a condition compares with a scalar, not an array or a map".into(),
        )),
        Ok(value) => Ok(value.clone()),
        Err(reason) => Err(invalid(path, reason.clone())),
    }
}

/// The object `{key: value}` or `{key: {field: value}}`.
fn object_at(path: &Path, value: Value) -> Map<String, Value> {
    let value = match &path.field {
        Some(field) => {
            let mut map = Map::new();
            map.insert(field.clone(), value);
            Value::Object(map)
        }
        None => value,
    };
    let mut object = Map::new();
    object.insert(path.key.clone(), value);
    object
}

/// The one cell the mapper writes for `value` at `path`: the column the
/// layout names and the codec's bytes, exactly as a write would.
fn cell_at(mapper: &Mapper, path: &Path, value: Value) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    if mapper.keys().get(&path.key).is_some() {
        return Err(invalid(
            &path.to_string(),
            "the key is an array of maps; conditions name scalars and map fields".into(),
        ));
    }
    let cells = mapper
        .flatten_map(&object_at(path, value))
        .map_err(|err| invalid(&path.to_string(), err.to_string()))?;
    match cells.iter().next() {
        Some(cell) if cells.len() == 1 => Ok((
            cell.family.to_vec(),
            cell.qualifier.to_vec(),
            cell.value.to_vec(),
        )),
        _ => Err(invalid(
            &path.to_string(),
            "the value is not stored as one cell".into(),
        )),
    }
}

fn column(mapper: &Mapper, path: &Path) -> Result<(Vec<u8>, Vec<u8>)> {
    // Every codec stores a boolean as one cell, at the path's column.
    let (family, qualifier, _) = cell_at(mapper, path, Value::Bool(true))?;
    Ok((family, qualifier))
}

fn encode(
    mapper: &Mapper,
    path: &Path,
    operand: &Operand,
    values: Encoding,
) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
    let json = operand_json(mapper, &path.to_string(), operand)?;
    match values {
        Encoding::Value => cell_at(mapper, path, json),
        Encoding::Typed => {
            let (family, qualifier) = column(mapper, path)?;
            let bytes = operand.typed(mapper.codec()).ok_or_else(|| {
                invalid(
                    &path.to_string(),
                    format!("the value has no {:?} codec form", mapper.codec()).to_lowercase(),
                )
            })?;
            Ok((family, qualifier, bytes.to_vec()))
        }
    }
}

/// A stored value read as the operand's kind of value; `None` when it is
/// not one.
fn decode(codec: Codec, bytes: &[u8], operand: &Value) -> Option<Value> {
    match codec {
        Codec::Json => serde_json::from_slice(bytes).ok(),
        Codec::Text => {
            let text = std::str::from_utf8(bytes).ok()?;
            match operand {
                Value::Number(_) => serde_json::from_str::<serde_json::Number>(text.trim())
                    .ok()
                    .map(Value::Number),
                Value::Bool(_) => match text {
                    "true" => Some(Value::Bool(true)),
                    "false" => Some(Value::Bool(false)),
                    _ => None,
                },
                _ => Some(Value::String(text.to_string())),
            }
        }
        Codec::Java => match operand {
            Value::String(_) => std::str::from_utf8(bytes)
                .ok()
                .map(|text| Value::String(text.to_string())),
            Value::Bool(_) => match bytes {
                [byte] => Some(Value::Bool(*byte != 0)),
                _ => None,
            },
            Value::Number(number) if number.is_f64() => {
                let float = match bytes.len() {
                    8 => f64::from_be_bytes(bytes.try_into().ok()?),
                    4 => f64::from(f32::from_be_bytes(bytes.try_into().ok()?)),
                    _ => return None,
                };
                serde_json::Number::from_f64(float).map(Value::Number)
            }
            Value::Number(_) => {
                let integer = match bytes.len() {
                    8 => i64::from_be_bytes(bytes.try_into().ok()?),
                    4 => i64::from(i32::from_be_bytes(bytes.try_into().ok()?)),
                    2 => i64::from(i16::from_be_bytes(bytes.try_into().ok()?)),
                    1 => i64::from(i8::from_be_bytes(bytes.try_into().ok()?)),
                    _ => return None,
                };
                Some(Value::from(integer))
            }
            _ => None,
        },
    }
}

/// Typed comparison: `None` for values of different types.
fn compare(stored: &Value, operand: &Value) -> Option<Ordering> {
    match (stored, operand) {
        (Value::Number(a), Value::Number(b)) => {
            let integer = |n: &serde_json::Number| {
                n.as_i64()
                    .map(i128::from)
                    .or_else(|| n.as_u64().map(i128::from))
            };
            match (integer(a), integer(b)) {
                (Some(a), Some(b)) => Some(a.cmp(&b)),
                _ => a.as_f64()?.partial_cmp(&b.as_f64()?),
            }
        }
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
        (Value::Null, Value::Null) => Some(Ordering::Equal),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cell;
    use crate::keys::KeyConfig;
    use crate::layout::Layout;

    fn row(family: &str, qualifier: &str, value: &[u8]) -> Row {
        Row {
            key: b"r".to_vec(),
            cells: vec![Cell::new(family, qualifier, value)],
        }
    }

    #[test]
    fn orderings_push_down_only_where_bytes_sort_as_values() {
        let json = Mapper::default();
        let text = Mapper::default().with_codec(Codec::Text);
        let java = Mapper::default().with_codec(Codec::Java);
        let speed = || Cond::field("road", "speed");
        for (mapper, cond, pushed) in [
            (&json, speed().gt(60), false),
            (&json, speed().gt("60"), false),
            (&text, speed().gt("60"), true),
            (&text, speed().gt(60), false),
            (&java, speed().gt("a"), true),
            (&java, speed().gt(60), false),
            (&json, speed().eq(60), true),
            (&json, speed().prefix("6"), true),
        ] {
            let plan = cond.plan(mapper, Encoding::Value).unwrap();
            assert_eq!(!plan.checks_rows(), pushed, "{:?} {cond:?}", mapper.codec());
        }
    }

    #[test]
    fn typed_comparisons_read_each_codec() {
        let cases: [(Codec, &[u8], Cond, bool); 8] = [
            (Codec::Json, b"10", Cond::key("n").gt(9), true),
            (Codec::Json, b"-1", Cond::key("n").gt(-2), true),
            (Codec::Json, b"\"10\"", Cond::key("n").gt(9), false),
            (Codec::Json, b"\"b\"", Cond::key("n").gt("a"), true),
            (Codec::Text, b"10", Cond::key("n").gt(9), true),
            (
                Codec::Java,
                &(-5i64).to_be_bytes(),
                Cond::key("n").lt(3),
                true,
            ),
            (Codec::Java, &7i32.to_be_bytes(), Cond::key("n").ge(7), true),
            (
                Codec::Java,
                &1.5f64.to_be_bytes(),
                Cond::key("n").lt(2.0),
                true,
            ),
        ];
        for (codec, stored, cond, want) in cases {
            let mapper = Mapper::default().with_codec(codec);
            let plan = cond.plan(&mapper, Encoding::Value).unwrap();
            assert_eq!(
                plan.matches(&row("n", "", stored)),
                want,
                "{codec:?} {cond:?}"
            );
            // A row without the column never matches.
            assert!(!plan.matches(&row("m", "", stored)));
        }
    }

    #[test]
    fn columns_follow_the_layout() {
        let single = Mapper::new(KeyConfig::new()).with_layout(Layout::single_family("meta"));
        let plan = Cond::field("road", "speed")
            .eq(1)
            .plan(&single, Encoding::Value)
            .unwrap();
        assert_eq!(
            plan.filter(),
            Some(&Filter::compare("meta", "road__speed", CompareOp::Eq, "1"))
        );
        let prefix = Cond::key("name")
            .prefix("a\"b")
            .plan(&Mapper::default(), Encoding::Value)
            .unwrap();
        assert_eq!(
            prefix.filter(),
            Some(&Filter::prefix("name", "", b"\"a\\\"b".to_vec()))
        );
    }

    #[test]
    fn typed_operands_keep_their_width() {
        let java = Mapper::default().with_codec(Codec::Java);
        let plan = Cond::key("n")
            .eq(7i32)
            .plan(&java, Encoding::Typed)
            .unwrap();
        assert_eq!(
            plan.filter(),
            Some(&Filter::compare("n", "", CompareOp::Eq, 7i32.to_be_bytes()))
        );
        let plan = Cond::key("n")
            .eq(7i32)
            .plan(&java, Encoding::Value)
            .unwrap();
        assert_eq!(
            plan.filter(),
            Some(&Filter::compare("n", "", CompareOp::Eq, 7i64.to_be_bytes()))
        );
    }

    #[test]
    fn conditions_on_arrays_of_maps_and_nested_values_are_errors() {
        let mapper = Mapper::new(KeyConfig::new().field("cars", "license"));
        let err = Cond::key("cars")
            .exists()
            .plan(&mapper, Encoding::Value)
            .unwrap_err();
        assert!(err.to_string().contains("`cars`"), "{err}");
        let err = Cond::key("a")
            .eq(vec![1])
            .plan(&mapper, Encoding::Value)
            .unwrap_err();
        assert!(err.to_string().contains("scalar"), "{err}");
    }
}
