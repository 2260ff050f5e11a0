//! `#[derive(Entity)]` for [capjure](https://docs.rs/capjure): maps a struct
//! to an HBase table in capjure's cell layout.
//!
//! Use it through `capjure` (feature `derive`, on by default), which
//! documents the attributes on `capjure::Entity`. The work is a pipeline:
//! `ast` parses the struct and its `#[capjure(...)]` attributes (`attr`)
//! into a typed model, `check` rejects misuse, and `expand` generates
//! the code. Every error found along the way is collected (`ctxt`) and
//! reported at once, each pointing at the attribute or field at fault.
//!
//! `#[capjure::test]` (`test_attr`) is the attribute behind
//! `capjure::test` (features `derive` and `testing`).

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod symbol;
mod test_attr;

use proc_macro::TokenStream;
use syn::{DeriveInput, ItemFn, parse_macro_input};

/// Implements `capjure::Entity`, `serde::Serialize` and
/// `serde::Deserialize` for a struct with named fields.
#[proc_macro_derive(Entity, attributes(capjure))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_entity(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}

/// `#[capjure::test]`: a test with tables of its own and fixtures loaded
/// before its body; documented and re-exported as `capjure::test`
/// (features `derive` and `testing`).
///
/// ```text
/// #[capjure::test(fixtures("sessions"))]
/// fn renames(sessions: EntityTable<Session, _>, store: TestStore) { ... }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let function = parse_macro_input!(item as ItemFn);
    test_attr::expand(args.into(), function)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
