//! The condition of a check-and-mutate ([`Store::check_and_mutate`]).

#[cfg(doc)]
use super::Store;
use super::filter::CompareOp;

/// A condition on the newest value of one column: `stored OP value`,
/// compared as unsigned bytes, with HBase's rules for a missing column:
///
/// * with a non-empty `value`, a missing column matches nothing;
/// * with an empty (or no) `value`, a missing column and an empty value
///   count as equal to it: [`CompareOp::Ne`] matches a column holding a
///   non-empty value, every other op a missing or empty one.
///
/// ```
/// use capjure::store::{Check, CompareOp};
/// let check = Check::new("f", "version", CompareOp::Lt, "5");
/// assert!(check.holds(Some(b"4")));
/// assert!(!check.holds(Some(b"6")));
/// assert!(!check.holds(None));
/// assert!(Check::missing("f", "lock").holds(None));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Check {
    /// The family.
    pub family: Vec<u8>,
    /// The qualifier.
    pub qualifier: Vec<u8>,
    /// How the stored value compares with `value`.
    pub op: CompareOp,
    /// The value compared with; `None` as empty.
    pub value: Option<Vec<u8>>,
}

impl Check {
    /// `family:qualifier`'s newest value `op` `value`.
    ///
    /// ```
    /// use capjure::store::{Check, CompareOp};
    /// assert_eq!(Check::new("f", "q", CompareOp::Ge, "b").op, CompareOp::Ge);
    /// ```
    pub fn new(
        family: impl Into<Vec<u8>>,
        qualifier: impl Into<Vec<u8>>,
        op: CompareOp,
        value: impl Into<Vec<u8>>,
    ) -> Self {
        Check {
            family: family.into(),
            qualifier: qualifier.into(),
            op,
            value: Some(value.into()),
        }
    }

    /// The column is missing (or empty).
    ///
    /// ```
    /// use capjure::store::Check;
    /// assert!(!Check::missing("f", "q").holds(Some(b"x")));
    /// ```
    pub fn missing(family: impl Into<Vec<u8>>, qualifier: impl Into<Vec<u8>>) -> Self {
        Check {
            family: family.into(),
            qualifier: qualifier.into(),
            op: CompareOp::Eq,
            value: None,
        }
    }

    /// Whether a column whose newest value is `stored` (`None`: missing)
    /// meets the condition, as HBase decides it.
    ///
    /// ```
    /// use capjure::store::{Check, CompareOp};
    /// assert!(Check::new("f", "q", CompareOp::Ne, "").holds(Some(b"x")));
    /// ```
    pub fn holds(&self, stored: Option<&[u8]>) -> bool {
        match self.value.as_deref() {
            None | Some([]) => {
                let empty = stored.is_none_or(<[u8]>::is_empty);
                empty == (self.op != CompareOp::Ne)
            }
            Some(value) => stored.is_some_and(|stored| self.op.holds(stored.cmp(value))),
        }
    }
}
