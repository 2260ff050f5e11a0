//! `#[capjure(...)]` attributes, parsed into plain values.
//!
//! Container: `table = "..."`, `single_family = "..."`, `codec = "json" |
//! "text" | "java"`, `max_versions = N`, `ttl = N`. Field: `row_key` or
//! `row_key(order = N, descending)`, `counter`, `primary_key = "field"` or
//! `primary_key(field = "...", encode = path, decode = path)`, `rename =
//! "..."`, `skip`. Unknown and repeated attributes are errors here; how
//! they combine is [`crate::check`]'s business.

use proc_macro2::Span;
use quote::ToTokens;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

use crate::ctxt::Ctxt;
use crate::symbol::*;

/// The codec named by `codec = "..."`.
#[derive(Clone, Copy)]
pub(crate) enum Codec {
    Json,
    Text,
    Java,
}

/// Container attributes.
#[derive(Default)]
pub(crate) struct Container {
    pub(crate) table: Option<LitStr>,
    pub(crate) single_family: Option<LitStr>,
    pub(crate) codec: Option<(LitStr, Codec)>,
    /// Checked to be a positive integer in [`crate::check`].
    pub(crate) max_versions: Option<syn::Expr>,
    pub(crate) ttl: Option<syn::Expr>,
}

/// `row_key` or `row_key(order = N, descending)`.
pub(crate) struct RowKey {
    /// The attribute's own name, for errors.
    pub(crate) span: Span,
    /// Whether it had arguments, which make the key composite.
    pub(crate) has_args: bool,
    pub(crate) order: Option<syn::Expr>,
    pub(crate) descending: Option<Span>,
}

/// `primary_key = "field"` or `primary_key(field = "...", encode = path,
/// decode = path)`.
pub(crate) struct PrimaryKey {
    /// The attribute's own name, for errors.
    pub(crate) span: Span,
    pub(crate) field: Option<LitStr>,
    pub(crate) encode: Option<syn::Path>,
    pub(crate) decode: Option<syn::Path>,
}

/// Field attributes.
#[derive(Default)]
pub(crate) struct Field {
    pub(crate) row_key: Option<RowKey>,
    /// `descending` outside `row_key(...)`, to report where it belongs.
    pub(crate) stray_descending: Option<Span>,
    pub(crate) counter: Option<Span>,
    pub(crate) skip: Option<Span>,
    pub(crate) rename: Option<LitStr>,
    pub(crate) primary_key: Option<PrimaryKey>,
}

/// Stores `value` unless the attribute was already given.
fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, meta: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.error_spanned_by(
            &meta.path,
            format!(
                "duplicate capjure attribute `{}`",
                meta.path.to_token_stream()
            ),
        );
    } else {
        *slot = Some(value);
    }
}

fn unknown(meta: &ParseNestedMeta<'_>, known: &str) -> syn::Error {
    meta.error(format!(
        "unknown capjure attribute `{}`; expected one of {known}",
        meta.path.to_token_stream().to_string().replace(' ', "")
    ))
}

/// Runs `parse` on every `#[capjure(...)]` item, collecting errors.
fn each_meta(
    cx: &Ctxt,
    attrs: &[Attribute],
    mut parse: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()>,
) {
    for attr in attrs.iter().filter(|attr| attr.path() == CAPJURE) {
        if let Err(err) = attr.parse_nested_meta(|meta| parse(&meta)) {
            cx.syn_error(err);
        }
    }
}

impl Container {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut container = Container::default();
        each_meta(cx, attrs, |meta| {
            if meta.path == TABLE {
                let table: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut container.table, table, meta);
            } else if meta.path == SINGLE_FAMILY {
                let family: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut container.single_family, family, meta);
            } else if meta.path == CODEC {
                let name: LitStr = meta.value()?.parse()?;
                let codec = match name.value().as_str() {
                    "json" => Codec::Json,
                    "text" => Codec::Text,
                    "java" => Codec::Java,
                    other => {
                        // Recorded, not returned, so the attributes after
                        // this one are still checked.
                        cx.error_spanned_by(
                            &name,
                            format!(
                                "unknown codec \"{other}\"; expected \"json\", \"text\" or \"java\""
                            ),
                        );
                        return Ok(());
                    }
                };
                set_once(cx, &mut container.codec, (name, codec), meta);
            } else if meta.path == MAX_VERSIONS {
                let value: syn::Expr = meta.value()?.parse()?;
                set_once(cx, &mut container.max_versions, value, meta);
            } else if meta.path == TTL {
                let value: syn::Expr = meta.value()?.parse()?;
                set_once(cx, &mut container.ttl, value, meta);
            } else {
                return Err(unknown(
                    meta,
                    "`table`, `single_family`, `codec`, `max_versions`, `ttl`",
                ));
            }
            Ok(())
        });
        container
    }
}

impl Field {
    pub(crate) fn from_ast(cx: &Ctxt, attrs: &[Attribute]) -> Self {
        let mut field = Field::default();
        each_meta(cx, attrs, |meta| {
            let span = meta
                .path
                .segments
                .first()
                .map_or_else(Span::call_site, |s| s.ident.span());
            if meta.path == ROW_KEY {
                let mut key = RowKey {
                    span,
                    has_args: false,
                    order: None,
                    descending: None,
                };
                if meta.input.peek(syn::token::Paren) {
                    key.has_args = true;
                    // Recorded, not returned, so the field still counts as
                    // a key part and no "no row key" error follows.
                    let parsed = meta.parse_nested_meta(|inner| {
                        let inner_span = inner
                            .path
                            .segments
                            .first()
                            .map_or_else(Span::call_site, |s| s.ident.span());
                        if inner.path == ORDER {
                            let order: syn::Expr = inner.value()?.parse()?;
                            set_once(cx, &mut key.order, order, &inner);
                        } else if inner.path == DESCENDING {
                            set_once(cx, &mut key.descending, inner_span, &inner);
                        } else {
                            return Err(unknown(&inner, "`order`, `descending`"));
                        }
                        Ok(())
                    });
                    if let Err(err) = parsed {
                        cx.syn_error(err);
                    }
                }
                set_once(cx, &mut field.row_key, key, meta);
            } else if meta.path == DESCENDING {
                set_once(cx, &mut field.stray_descending, span, meta);
            } else if meta.path == COUNTER {
                set_once(cx, &mut field.counter, span, meta);
            } else if meta.path == SKIP {
                set_once(cx, &mut field.skip, span, meta);
            } else if meta.path == RENAME {
                let name: LitStr = meta.value()?.parse()?;
                set_once(cx, &mut field.rename, name, meta);
            } else if meta.path == PRIMARY_KEY {
                let mut key = PrimaryKey {
                    span,
                    field: None,
                    encode: None,
                    decode: None,
                };
                if meta.input.peek(syn::Token![=]) {
                    key.field = Some(meta.value()?.parse()?);
                } else {
                    meta.parse_nested_meta(|inner| {
                        if inner.path == FIELD {
                            let name: LitStr = inner.value()?.parse()?;
                            set_once(cx, &mut key.field, name, &inner);
                        } else if inner.path == ENCODE {
                            let path: syn::Path = inner.value()?.parse()?;
                            set_once(cx, &mut key.encode, path, &inner);
                        } else if inner.path == DECODE {
                            let path: syn::Path = inner.value()?.parse()?;
                            set_once(cx, &mut key.decode, path, &inner);
                        } else {
                            return Err(unknown(&inner, "`field`, `encode`, `decode`"));
                        }
                        Ok(())
                    })?;
                }
                set_once(cx, &mut field.primary_key, key, meta);
            } else {
                return Err(unknown(
                    meta,
                    "`row_key`, `counter`, `primary_key`, `rename`, `skip`",
                ));
            }
            Ok(())
        });
        field
    }
}
