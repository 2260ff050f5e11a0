//! Typed conditions on an object's fields; `pushdown` turns them into a
//! store [`Filter`](crate::store::Filter) and what is left to check on
//! the client.
//!
//! See [`Cond`] for what runs on the store and what on the client.

use serde::Serialize;
use serde_json::Value;

use super::pushdown::{CondPlan, compile};
use crate::codec::Codec;
use crate::error::Result;
use crate::mapper::Mapper;
use crate::ser::scalar::{Form, Kind, ScalarSerializer};
use crate::store::CompareOp;

/// Where a condition looks: a top-level scalar key, or one field of a map.
///
/// ```
/// use capjure::table::{Cond, Path};
/// let speed: Path = Cond::field("road", "speed");
/// assert_eq!(speed.to_string(), "road.speed");
/// let fast = speed.gt(60);
/// # let _ = fast;
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Path {
    pub(super) key: String,
    pub(super) field: Option<String>,
}

impl std::fmt::Display for Path {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.field {
            Some(field) => write!(f, "{}.{}", self.key, field),
            None => f.write_str(&self.key),
        }
    }
}

/// A condition's operand: the value as JSON (for the `Value` path and for
/// typed comparison) and as each codec's typed bytes (for the typed path).
/// Made by the [`Path`] methods from any `Serialize` scalar.
///
/// ```
/// use capjure::table::Cond;
/// let cond = Cond::key("n").eq(7u8);
/// assert!(matches!(cond, Cond::Compare { .. }));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    pub(super) json: std::result::Result<Value, String>,
    /// Bytes for [`Form::Json`], [`Form::Text`], [`Form::Java`]; `None`
    /// where that form cannot hold the value.
    typed: [Option<Vec<u8>>; 3],
}

impl Operand {
    /// `value`, serialized once as JSON and once per codec.
    fn new<T: Serialize + ?Sized>(value: &T) -> Self {
        let form = |form: Form| {
            let mut out = Vec::new();
            let kind = value.serialize(ScalarSerializer {
                out: &mut out,
                form,
            });
            matches!(
                kind,
                Ok(Kind::Null | Kind::Bool | Kind::Number | Kind::Str | Kind::Bytes)
            )
            .then_some(out)
        };
        Operand {
            json: serde_json::to_value(value).map_err(|err| err.to_string()),
            typed: [form(Form::Json), form(Form::Text), form(Form::Java)],
        }
    }

    pub(super) fn typed(&self, codec: Codec) -> Option<&[u8]> {
        let index = match codec {
            Codec::Json => 0,
            Codec::Text => 1,
            Codec::Java => 2,
        };
        self.typed[index].as_deref()
    }
}

/// A typed condition on an object's fields, for [`Query::filter`](super::Query::filter).
///
/// Build one from a [`Path`] ([`Cond::key`], [`Cond::field`]) and combine
/// with [`Cond::and`] / [`Cond::or`]; [`Cond::plan`] compiles it for a
/// mapper.
///
/// A condition names a path (a top-level scalar key, or one field of a map)
/// and a value. The mapper decides the column (layout) and the bytes
/// (codec); the store compares bytes. Byte order is value order only for
/// some encodings, so each comparison is pushed down only where the store's
/// answer is the typed answer:
///
/// | condition | pushed down | checked on the client |
/// |---|---|---|
/// | `eq`, `ne` | always: the stored bytes equal the encoded value or not | no |
/// | `prefix` | always (JSON: `"` and the escaped prefix) | no |
/// | `exists`, `missing`, `contains` | always: the column is there or not | no |
/// | `lt`, `le`, `gt`, `ge` on a string, text and java codecs | yes: UTF-8 byte order is character order | no |
/// | `lt`, `le`, `gt`, `ge` otherwise (numbers, booleans, any JSON value) | only "the column exists" | yes, with typed comparison |
///
/// A condition with a client-side part is sent to the store with each such
/// part widened to "the column exists" (never dropping a row the condition
/// keeps), and the whole condition is then checked on each row fetched, so
/// an `or` mixing both kinds is exact too.
///
/// Typed comparison: numbers compare as numbers (integers exactly), strings
/// as strings, booleans as booleans; values of different types never
/// compare (the condition is false). A row without the column never
/// matches a comparison or a prefix, `ne` included (HBase's
/// `filterIfMissing`). Under [`Codec::Text`] every value is text: a number
/// compared with a number is read from its text, and `eq` compares text
/// (`eq(60)` matches the stored `"60"`). Under [`Codec::Java`] the stored
/// bytes are read as the value's type (an integer from 1, 2, 4 or 8 bytes,
/// a float from 4 or 8).
///
/// ```
/// use capjure::table::Cond;
/// let cond = Cond::field("road", "speed").gt(60)
///     .and(Cond::key("name").prefix("it's"))
///     .or(Cond::key("houses").missing());
/// assert!(matches!(cond, Cond::Or(_)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// The path's value compares to the operand as `op` says.
    Compare {
        /// Where.
        path: Path,
        /// `stored OP operand`.
        op: CompareOp,
        /// The value compared with.
        value: Operand,
    },
    /// The path's value is a string starting with `prefix` (under the text
    /// and java codecs: its bytes start with the prefix's).
    Prefix {
        /// Where.
        path: Path,
        /// The leading text.
        prefix: String,
    },
    /// The path has a value.
    Exists(Path),
    /// The path has no value.
    Missing(Path),
    /// The array of scalars under the key holds the element (its column
    /// exists; elements are told apart by their text, as their qualifiers
    /// are).
    Contains {
        /// The array's key.
        key: String,
        /// The element.
        element: Operand,
    },
    /// Every condition holds (none: every row).
    And(Vec<Cond>),
    /// At least one condition holds (none: no row).
    Or(Vec<Cond>),
}

impl Cond {
    /// A top-level scalar key.
    ///
    /// ```
    /// assert_eq!(capjure::table::Cond::key("houses").to_string(), "houses");
    /// ```
    pub fn key(key: impl Into<String>) -> Path {
        Path {
            key: key.into(),
            field: None,
        }
    }

    /// One field of a map under `key`.
    ///
    /// ```
    /// assert_eq!(capjure::table::Cond::field("road", "name").to_string(), "road.name");
    /// ```
    pub fn field(key: impl Into<String>, field: impl Into<String>) -> Path {
        Path {
            key: key.into(),
            field: Some(field.into()),
        }
    }

    /// The array of scalars under `key` holds `element`.
    ///
    /// ```
    /// let cond = capjure::table::Cond::contains("trees", "oak");
    /// assert!(matches!(cond, capjure::table::Cond::Contains { .. }));
    /// ```
    pub fn contains<T: Serialize + ?Sized>(key: impl Into<String>, element: &T) -> Cond {
        Cond::Contains {
            key: key.into(),
            element: Operand::new(element),
        }
    }

    /// Every one of `conds` (none: every row).
    ///
    /// ```
    /// use capjure::table::Cond;
    /// let all = Cond::all([Cond::key("a").exists(), Cond::key("b").exists()]);
    /// assert!(matches!(all, Cond::And(ref parts) if parts.len() == 2));
    /// ```
    pub fn all(conds: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::And(conds.into_iter().collect())
    }

    /// At least one of `conds` (none: no row).
    ///
    /// ```
    /// use capjure::table::Cond;
    /// let any = Cond::any([Cond::key("a").exists(), Cond::key("b").exists()]);
    /// assert!(matches!(any, Cond::Or(ref parts) if parts.len() == 2));
    /// ```
    pub fn any(conds: impl IntoIterator<Item = Cond>) -> Cond {
        Cond::Or(conds.into_iter().collect())
    }

    /// This condition and `other`.
    ///
    /// ```
    /// use capjure::table::Cond;
    /// let both = Cond::key("a").eq(1).and(Cond::key("b").eq(2));
    /// assert!(matches!(both, Cond::And(ref parts) if parts.len() == 2));
    /// ```
    pub fn and(self, other: Cond) -> Cond {
        match self {
            Cond::And(mut parts) => {
                parts.push(other);
                Cond::And(parts)
            }
            first => Cond::And(vec![first, other]),
        }
    }

    /// This condition or `other`.
    ///
    /// ```
    /// use capjure::table::Cond;
    /// let either = Cond::key("a").eq(1).or(Cond::key("a").eq(2));
    /// assert!(matches!(either, Cond::Or(ref parts) if parts.len() == 2));
    /// ```
    pub fn or(self, other: Cond) -> Cond {
        match self {
            Cond::Or(mut parts) => {
                parts.push(other);
                Cond::Or(parts)
            }
            first => Cond::Or(vec![first, other]),
        }
    }

    /// What this condition becomes for a table mapped by `mapper`: the
    /// filter to send to the store and what to check on each row fetched.
    /// `values` says how operands are encoded: as the `serde_json::Value`
    /// path writes them, or as the typed path writes the Rust value given.
    ///
    /// ```
    /// use capjure::Mapper;
    /// use capjure::store::{CompareOp, Filter};
    /// use capjure::table::{Cond, Encoding};
    ///
    /// let plan = Cond::field("road", "name").eq("101N").plan(&Mapper::default(), Encoding::Value)?;
    /// assert_eq!(plan.filter(), Some(&Filter::compare("road", "name", CompareOp::Eq, "\"101N\"")));
    /// assert!(!plan.checks_rows());
    /// # Ok::<(), capjure::Error>(())
    /// ```
    pub fn plan(&self, mapper: &Mapper, values: Encoding) -> Result<CondPlan> {
        let check = compile(self, mapper, values)?;
        let client = check.has_typed();
        let mut columns = Vec::new();
        check.collect_columns(&mut columns);
        Ok(CondPlan {
            filter: check.prefilter(),
            check: client.then_some(check),
            columns,
        })
    }
}

impl Path {
    fn compare<T: Serialize + ?Sized>(self, op: CompareOp, value: &T) -> Cond {
        Cond::Compare {
            path: self,
            op,
            value: Operand::new(value),
        }
    }

    /// Equal to `value` (the same encoded bytes).
    ///
    /// ```
    /// let cond = capjure::table::Cond::field("road", "name").eq("101N");
    /// # let _ = cond;
    /// ```
    pub fn eq<T: Serialize>(self, value: T) -> Cond {
        self.compare(CompareOp::Eq, &value)
    }

    /// Present and not equal to `value`.
    ///
    /// ```
    /// let cond = capjure::table::Cond::key("houses").ne(4);
    /// # let _ = cond;
    /// ```
    pub fn ne<T: Serialize>(self, value: T) -> Cond {
        self.compare(CompareOp::Ne, &value)
    }

    /// Less than `value`.
    ///
    /// ```
    /// let cond = capjure::table::Cond::key("houses").lt(4);
    /// # let _ = cond;
    /// ```
    pub fn lt<T: Serialize>(self, value: T) -> Cond {
        self.compare(CompareOp::Lt, &value)
    }

    /// At most `value`.
    ///
    /// ```
    /// let cond = capjure::table::Cond::key("houses").le(4);
    /// # let _ = cond;
    /// ```
    pub fn le<T: Serialize>(self, value: T) -> Cond {
        self.compare(CompareOp::Le, &value)
    }

    /// Greater than `value`.
    ///
    /// ```
    /// let cond = capjure::table::Cond::field("road", "speed").gt(60);
    /// # let _ = cond;
    /// ```
    pub fn gt<T: Serialize>(self, value: T) -> Cond {
        self.compare(CompareOp::Gt, &value)
    }

    /// At least `value`.
    ///
    /// ```
    /// let cond = capjure::table::Cond::field("road", "speed").ge(60.5);
    /// # let _ = cond;
    /// ```
    pub fn ge<T: Serialize>(self, value: T) -> Cond {
        self.compare(CompareOp::Ge, &value)
    }

    /// Compared with `value` by `op` (for callers that pick the operator
    /// at run time).
    ///
    /// ```
    /// use capjure::store::CompareOp;
    /// let cond = capjure::table::Cond::key("houses").op(CompareOp::Ge, 4);
    /// assert_eq!(cond, capjure::table::Cond::key("houses").ge(4));
    /// ```
    pub fn op<T: Serialize>(self, op: CompareOp, value: T) -> Cond {
        self.compare(op, &value)
    }

    /// A string starting with `prefix`.
    ///
    /// ```
    /// let cond = capjure::table::Cond::field("road", "name").prefix("10");
    /// # let _ = cond;
    /// ```
    pub fn prefix(self, prefix: impl Into<String>) -> Cond {
        Cond::Prefix {
            path: self,
            prefix: prefix.into(),
        }
    }

    /// Has a value.
    ///
    /// ```
    /// let cond = capjure::table::Cond::key("houses").exists();
    /// # let _ = cond;
    /// ```
    pub fn exists(self) -> Cond {
        Cond::Exists(self)
    }

    /// Has no value.
    ///
    /// ```
    /// let cond = capjure::table::Cond::key("houses").missing();
    /// # let _ = cond;
    /// ```
    pub fn missing(self) -> Cond {
        Cond::Missing(self)
    }
}

/// How a condition's operands are encoded.
///
/// ```
/// use capjure::table::Encoding;
/// assert_ne!(Encoding::Value, Encoding::Typed);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// As the `serde_json::Value` path writes the value (for
    /// [`Table`](crate::Table): under [`Codec::Java`] every integer is a
    /// `long`).
    Value,
    /// As the typed path writes the Rust value given (under
    /// [`Codec::Java`] an `i32` is 4 bytes): for tables of serde structs,
    /// whose conditions pass values of the fields' own types.
    Typed,
}
