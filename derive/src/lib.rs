//! `#[derive(Entity)]` for [capjure](https://docs.rs/capjure): maps a struct
//! to an HBase table in capjure's cell layout.
//!
//! Use it through `capjure` (feature `derive`, on by default), which
//! documents the attributes on `capjure::Entity`. The work is a pipeline:
//! `ast` parses the struct and its `#[capjure(...)]` attributes (`attr`)
//! into a typed model, `check` rejects misuse, and `expand` generates
//! the code. Every error found along the way is collected (`ctxt`) and
//! reported at once, each pointing at the attribute or field at fault.

mod ast;
mod attr;
mod check;
mod ctxt;
mod expand;
mod symbol;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implements `capjure::Entity`, `serde::Serialize` and
/// `serde::Deserialize` for a struct with named fields.
#[proc_macro_derive(Entity, attributes(capjure))]
pub fn derive_entity(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive_entity(&input)
        .unwrap_or_else(syn::Error::into_compile_error)
        .into()
}
