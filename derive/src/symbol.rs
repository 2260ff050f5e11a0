//! The attribute names, in one place.

use std::fmt;

use syn::{Ident, Path};

/// An attribute name.
#[derive(Copy, Clone)]
pub(crate) struct Symbol(&'static str);

pub(crate) const CAPJURE: Symbol = Symbol("capjure");
pub(crate) const TABLE: Symbol = Symbol("table");
pub(crate) const SINGLE_FAMILY: Symbol = Symbol("single_family");
pub(crate) const CODEC: Symbol = Symbol("codec");
pub(crate) const ROW_KEY: Symbol = Symbol("row_key");
pub(crate) const PRIMARY_KEY: Symbol = Symbol("primary_key");
pub(crate) const FIELD: Symbol = Symbol("field");
pub(crate) const ENCODE: Symbol = Symbol("encode");
pub(crate) const DECODE: Symbol = Symbol("decode");
pub(crate) const RENAME: Symbol = Symbol("rename");
pub(crate) const SKIP: Symbol = Symbol("skip");
pub(crate) const ORDER: Symbol = Symbol("order");
pub(crate) const DESCENDING: Symbol = Symbol("descending");
pub(crate) const COUNTER: Symbol = Symbol("counter");
pub(crate) const MAX_VERSIONS: Symbol = Symbol("max_versions");
pub(crate) const TTL: Symbol = Symbol("ttl");
/// `#[capjure::test(fixtures(...))]`.
pub(crate) const FIXTURES: Symbol = Symbol("fixtures");

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl fmt::Display for Symbol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}
