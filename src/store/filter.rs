//! Server-side row filters: byte comparisons on one column's newest value,
//! combined with and/or.
//!
//! See [`Filter`] for the semantics.

use std::cmp::Ordering;

use super::{Column, Row};

/// How a column's value compares to a given value: `value OP operand`.
///
/// Used by [`Filter::compare`]; byte order is unsigned lexicographic, as
/// HBase's `BinaryComparator` compares.
///
/// ```
/// use capjure::store::CompareOp;
/// assert!(CompareOp::Lt.holds(b"a".as_slice().cmp(b"b")));
/// assert_eq!(CompareOp::Ge.symbol(), ">=");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
}

impl CompareOp {
    /// Whether `value.cmp(operand)` satisfies this operator.
    ///
    /// ```
    /// use capjure::store::CompareOp;
    /// use std::cmp::Ordering;
    /// assert!(CompareOp::Ne.holds(Ordering::Greater));
    /// assert!(!CompareOp::Gt.holds(Ordering::Equal));
    /// ```
    pub fn holds(self, ordering: Ordering) -> bool {
        match self {
            CompareOp::Eq => ordering == Ordering::Equal,
            CompareOp::Ne => ordering != Ordering::Equal,
            CompareOp::Lt => ordering == Ordering::Less,
            CompareOp::Le => ordering != Ordering::Greater,
            CompareOp::Gt => ordering == Ordering::Greater,
            CompareOp::Ge => ordering != Ordering::Less,
        }
    }

    /// HBase's filter-language symbol (`=`, `!=`, `<`, `<=`, `>`, `>=`).
    ///
    /// ```
    /// assert_eq!(capjure::store::CompareOp::Ne.symbol(), "!=");
    /// ```
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// A row filter on the newest values of columns.
///
/// The semantics are HBase's `SingleColumnValueFilter` with a
/// `BinaryComparator` (or `BinaryPrefixComparator`), `latestVersionOnly`
/// set, and `filterIfMissing` chosen per filter:
///
/// | filter | a row matches when the column's newest value... | a row without the column |
/// |---|---|---|
/// | [`Filter::compare`] | compares to the bytes as the [`CompareOp`] says (unsigned byte order) | does not match (`Ne` included) |
/// | [`Filter::prefix`] | starts with the bytes | does not match |
/// | [`Filter::exists`] | is there (any value, even empty) | does not match |
/// | [`Filter::missing`] | never | matches |
///
/// "Newest" means the newest version the scan reads (below
/// [`Scan::before`](crate::store::Scan::before), at or after
/// [`Scan::since`](crate::store::Scan::since)).
/// [`ThriftStore`](crate::ThriftStore) sends filters as HBase filter strings
/// ([`Filter::to_filter_string`]);
/// [`MemoryStore`](crate::MemoryStore) evaluates them with
/// [`Filter::matches`]. Both answer the same, whatever bytes the values
/// hold.
///
/// ```
/// use capjure::store::{CompareOp, Filter};
/// let fast = Filter::compare("road", "speed", CompareOp::Gt, "60")
///     .and(Filter::exists("houses", ""));
/// assert_eq!(fast.columns().len(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Filter {
    /// The column's newest value compares to `value` as `op` says; a row
    /// without the column does not match.
    Compare {
        /// The column family.
        family: Vec<u8>,
        /// The qualifier.
        qualifier: Vec<u8>,
        /// The operator: `stored OP value`.
        op: CompareOp,
        /// The bytes compared with.
        value: Vec<u8>,
    },
    /// The column's newest value starts with `prefix`; a row without the
    /// column does not match.
    Prefix {
        /// The column family.
        family: Vec<u8>,
        /// The qualifier.
        qualifier: Vec<u8>,
        /// The leading bytes.
        prefix: Vec<u8>,
    },
    /// The row has the column.
    Exists {
        /// The column family.
        family: Vec<u8>,
        /// The qualifier.
        qualifier: Vec<u8>,
    },
    /// The row lacks the column.
    Missing {
        /// The column family.
        family: Vec<u8>,
        /// The qualifier.
        qualifier: Vec<u8>,
    },
    /// Every filter matches (none: every row).
    And(Vec<Filter>),
    /// At least one filter matches (none: no row).
    Or(Vec<Filter>),
}

impl Filter {
    /// `family:qualifier`'s newest value `op` `value`.
    ///
    /// ```
    /// use capjure::store::{CompareOp, Filter};
    /// let filter = Filter::compare("f", "q", CompareOp::Eq, "it's");
    /// assert!(matches!(filter, Filter::Compare { op: CompareOp::Eq, .. }));
    /// ```
    pub fn compare(
        family: impl Into<Vec<u8>>,
        qualifier: impl Into<Vec<u8>>,
        op: CompareOp,
        value: impl Into<Vec<u8>>,
    ) -> Self {
        Filter::Compare {
            family: family.into(),
            qualifier: qualifier.into(),
            op,
            value: value.into(),
        }
    }

    /// `family:qualifier`'s newest value starts with `prefix`.
    ///
    /// ```
    /// let filter = capjure::store::Filter::prefix("f", "q", b"\xFF".to_vec());
    /// assert_eq!(filter.columns(), vec![(&b"f"[..], &b"q"[..])]);
    /// ```
    pub fn prefix(
        family: impl Into<Vec<u8>>,
        qualifier: impl Into<Vec<u8>>,
        prefix: impl Into<Vec<u8>>,
    ) -> Self {
        Filter::Prefix {
            family: family.into(),
            qualifier: qualifier.into(),
            prefix: prefix.into(),
        }
    }

    /// The row has `family:qualifier`.
    ///
    /// ```
    /// let filter = capjure::store::Filter::exists("houses", "");
    /// assert_eq!(filter.columns().len(), 1);
    /// ```
    pub fn exists(family: impl Into<Vec<u8>>, qualifier: impl Into<Vec<u8>>) -> Self {
        Filter::Exists {
            family: family.into(),
            qualifier: qualifier.into(),
        }
    }

    /// The row lacks `family:qualifier`.
    ///
    /// ```
    /// let filter = capjure::store::Filter::missing("houses", "");
    /// assert_eq!(filter.columns().len(), 1);
    /// ```
    pub fn missing(family: impl Into<Vec<u8>>, qualifier: impl Into<Vec<u8>>) -> Self {
        Filter::Missing {
            family: family.into(),
            qualifier: qualifier.into(),
        }
    }

    /// Both this filter and `other`.
    ///
    /// ```
    /// use capjure::store::Filter;
    /// let both = Filter::exists("a", "").and(Filter::exists("b", ""));
    /// assert!(matches!(both, Filter::And(ref parts) if parts.len() == 2));
    /// ```
    pub fn and(self, other: Filter) -> Self {
        match self {
            Filter::And(mut parts) => {
                parts.push(other);
                Filter::And(parts)
            }
            first => Filter::And(vec![first, other]),
        }
    }

    /// This filter or `other`.
    ///
    /// ```
    /// use capjure::store::Filter;
    /// let either = Filter::exists("a", "").or(Filter::exists("b", ""));
    /// assert!(matches!(either, Filter::Or(ref parts) if parts.len() == 2));
    /// ```
    pub fn or(self, other: Filter) -> Self {
        match self {
            Filter::Or(mut parts) => {
                parts.push(other);
                Filter::Or(parts)
            }
            first => Filter::Or(vec![first, other]),
        }
    }

    /// The columns the filter reads, each once, in order of appearance.
    ///
    /// ```
    /// use capjure::store::Filter;
    /// let filter = Filter::exists("a", "x").or(Filter::missing("a", "x"));
    /// assert_eq!(filter.columns(), vec![(&b"a"[..], &b"x"[..])]);
    /// ```
    pub fn columns(&self) -> Vec<(&[u8], &[u8])> {
        let mut out = Vec::new();
        self.collect_columns(&mut out);
        out
    }

    fn collect_columns<'a>(&'a self, out: &mut Vec<(&'a [u8], &'a [u8])>) {
        match self {
            Filter::And(parts) | Filter::Or(parts) => {
                for part in parts {
                    part.collect_columns(out);
                }
            }
            Filter::Compare {
                family, qualifier, ..
            }
            | Filter::Prefix {
                family, qualifier, ..
            }
            | Filter::Exists { family, qualifier }
            | Filter::Missing { family, qualifier } => {
                let column = (family.as_slice(), qualifier.as_slice());
                if !out.contains(&column) {
                    out.push(column);
                }
            }
        }
    }

    /// Whether a row matches, given its cells as a store returns them
    /// (sorted, newest version of each column first).
    ///
    /// ```
    /// use capjure::Cell;
    /// use capjure::store::{CompareOp, Filter, Row};
    /// let row = Row { key: b"r".to_vec(), cells: vec![Cell::new("road", "speed", "65")] };
    /// assert!(Filter::compare("road", "speed", CompareOp::Gt, "60").matches(&row));
    /// assert!(!Filter::compare("road", "lanes", CompareOp::Ne, "2").matches(&row));
    /// assert!(Filter::missing("road", "lanes").matches(&row));
    /// ```
    pub fn matches(&self, row: &Row) -> bool {
        let value = |family: &[u8], qualifier: &[u8]| {
            row.cell(family, qualifier)
                .map(|cell| cell.value.as_slice())
        };
        match self {
            Filter::And(parts) => parts.iter().all(|part| part.matches(row)),
            Filter::Or(parts) => parts.iter().any(|part| part.matches(row)),
            Filter::Compare {
                family,
                qualifier,
                op,
                value: operand,
            } => value(family, qualifier)
                .is_some_and(|stored| op.holds(stored.cmp(operand.as_slice()))),
            Filter::Prefix {
                family,
                qualifier,
                prefix,
            } => value(family, qualifier).is_some_and(|stored| stored.starts_with(prefix)),
            Filter::Exists { family, qualifier } => value(family, qualifier).is_some(),
            Filter::Missing { family, qualifier } => value(family, qualifier).is_none(),
        }
    }

    /// The filter with empty `And`s (every row) and `Or`s (no row) folded
    /// away: `Ok(None)` when it matches every row, `Err(())` when it
    /// matches none. HBase's filter language has no empty list.
    pub(crate) fn simplify(&self) -> Result<Option<Filter>, ()> {
        match self {
            Filter::And(parts) => {
                let mut kept = Vec::new();
                for part in parts {
                    if let Some(part) = part.simplify()? {
                        kept.push(part);
                    }
                }
                Ok(match kept.len() {
                    0 => None,
                    1 => kept.pop(),
                    _ => Some(Filter::And(kept)),
                })
            }
            Filter::Or(parts) => {
                let mut kept = Vec::new();
                for part in parts {
                    match part.simplify() {
                        Ok(None) => return Ok(None),
                        Ok(Some(part)) => kept.push(part),
                        Err(()) => {}
                    }
                }
                match kept.len() {
                    0 => Err(()),
                    1 => Ok(kept.pop()),
                    _ => Ok(Some(Filter::Or(kept))),
                }
            }
            leaf => Ok(Some(leaf.clone())),
        }
    }

    /// The filter in HBase's filter language, as the Thrift gateway's
    /// `filterString` takes it: each leaf a `SingleColumnValueFilter`,
    /// lists joined with `AND`/`OR` in parentheses. Every argument is a
    /// quoted byte string with its single quotes doubled, the only escape
    /// the language has; all other bytes (parentheses, commas, `0x00`,
    /// `0xFF`) stand for themselves inside quotes, so no value can change
    /// the filter's structure.
    ///
    /// An empty `And` is written as a filter that keeps every row and an
    /// empty `Or` as one that keeps none (stores fold them away first).
    ///
    /// ```
    /// use capjure::store::{CompareOp, Filter};
    /// let filter = Filter::compare("f", "q", CompareOp::Eq, "it's");
    /// assert_eq!(
    ///     filter.to_filter_string(),
    ///     b"SingleColumnValueFilter('f', 'q', =, 'binary:it''s', true, true)".to_vec(),
    /// );
    /// ```
    pub fn to_filter_string(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_filter_string(&mut out);
        out
    }

    fn write_filter_string(&self, out: &mut Vec<u8>) {
        match self {
            // Every row key is at least the empty key: a row filter that
            // keeps every row, or (turned round) none.
            Filter::And(parts) if parts.is_empty() => {
                out.extend_from_slice(b"RowFilter(>=, 'binary:')")
            }
            Filter::Or(parts) if parts.is_empty() => {
                out.extend_from_slice(b"RowFilter(<, 'binary:')")
            }
            Filter::And(parts) | Filter::Or(parts) => {
                let joiner: &[u8] = if matches!(self, Filter::And(_)) {
                    b" AND "
                } else {
                    b" OR "
                };
                for (index, part) in parts.iter().enumerate() {
                    if index > 0 {
                        out.extend_from_slice(joiner);
                    }
                    out.push(b'(');
                    part.write_filter_string(out);
                    out.push(b')');
                }
            }
            Filter::Compare {
                family,
                qualifier,
                op,
                value,
            } => scvf(out, family, qualifier, op.symbol(), b"binary:", value, true),
            Filter::Prefix {
                family,
                qualifier,
                prefix,
            } => scvf(out, family, qualifier, "=", b"binaryprefix:", prefix, true),
            // Every value is at least the empty value: only a missing
            // column fails `>= ''`, and is dropped by filterIfMissing.
            Filter::Exists { family, qualifier } => {
                scvf(out, family, qualifier, ">=", b"binary:", b"", true)
            }
            // No value is below the empty value: a row with the column
            // never passes, a row without it passes (filterIfMissing off).
            Filter::Missing { family, qualifier } => {
                scvf(out, family, qualifier, "<", b"binary:", b"", false)
            }
        }
    }
}

/// One `SingleColumnValueFilter(family, qualifier, op, 'kind:operand',
/// filterIfMissing, latestVersionOnly = true)`.
fn scvf(
    out: &mut Vec<u8>,
    family: &[u8],
    qualifier: &[u8],
    op: &str,
    kind: &[u8],
    operand: &[u8],
    if_missing: bool,
) {
    out.extend_from_slice(b"SingleColumnValueFilter(");
    quoted(out, &[family]);
    out.extend_from_slice(b", ");
    quoted(out, &[qualifier]);
    out.extend_from_slice(b", ");
    out.extend_from_slice(op.as_bytes());
    out.extend_from_slice(b", ");
    quoted(out, &[kind, operand]);
    out.extend_from_slice(if if_missing {
        b", true, true)"
    } else {
        b", false, true)"
    });
}

/// Appends `parts` as one quoted filter-language string: `'` doubled.
pub(crate) fn quoted(out: &mut Vec<u8>, parts: &[&[u8]]) {
    out.push(b'\'');
    for part in parts {
        for &byte in *part {
            if byte == b'\'' {
                out.push(b'\'');
            }
            out.push(byte);
        }
    }
    out.push(b'\'');
}

/// The columns `filter` reads that `projection` does not select: what a
/// store fetches beside the projection so that the filter sees them, and
/// strips from the rows it returns.
pub(crate) fn extra_columns(filter: &Filter, projection: &[Column]) -> Vec<Column> {
    filter
        .columns()
        .into_iter()
        .filter(|(family, qualifier)| !projection.iter().any(|c| c.matches(family, qualifier)))
        .map(|(family, qualifier)| Column::qualified(family, qualifier))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_strings_quote_every_argument_and_double_quotes() {
        let filter = Filter::compare("f", "it's", CompareOp::Ge, b"')\x00,\xFF''".to_vec())
            .or(Filter::prefix("f", "q", "x AND y"))
            .and(Filter::missing("g", ""));
        let expected: &[u8] = b"((SingleColumnValueFilter('f', 'it''s', >=, \
            'binary:'')\x00,\xFF''''', true, true)) OR \
            (SingleColumnValueFilter('f', 'q', =, 'binaryprefix:x AND y', true, true))) AND \
            (SingleColumnValueFilter('g', '', <, 'binary:', false, true))";
        assert_eq!(
            String::from_utf8_lossy(&filter.to_filter_string()),
            String::from_utf8_lossy(expected)
        );
        assert_eq!(filter.to_filter_string(), expected);
    }

    #[test]
    fn quoting_leaves_no_unpaired_quote_inside_an_argument() {
        for value in [
            &b"'"[..],
            b"''",
            b"')",
            b"', true, true) OR (",
            b"\xFF'\x00",
        ] {
            let mut out = Vec::new();
            quoted(&mut out, &[value]);
            // Inside the outer quotes, quotes come in pairs only.
            let inner = &out[1..out.len() - 1];
            let mut quotes = 0;
            for &byte in inner {
                if byte == b'\'' {
                    quotes += 1;
                } else {
                    assert_eq!(quotes % 2, 0, "{:?}", String::from_utf8_lossy(&out));
                    quotes = 0;
                }
            }
            assert_eq!(quotes % 2, 0);
        }
    }

    #[test]
    fn empty_lists_fold_away() {
        assert_eq!(Filter::And(vec![]).simplify(), Ok(None));
        assert_eq!(Filter::Or(vec![]).simplify(), Err(()));
        let exists = Filter::exists("f", "q");
        assert_eq!(
            Filter::And(vec![Filter::Or(vec![]), exists.clone()]).simplify(),
            Err(())
        );
        assert_eq!(
            Filter::Or(vec![Filter::Or(vec![]), exists.clone()]).simplify(),
            Ok(Some(exists.clone()))
        );
        assert_eq!(
            Filter::Or(vec![Filter::And(vec![]), exists]).simplify(),
            Ok(None)
        );
    }
}
