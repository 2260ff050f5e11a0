//! Checks across attributes: each misuse becomes an error pointing at the
//! attribute or field at fault.

use std::collections::HashMap;

use syn::Type;

use crate::ast::{Container, Field, literal_u64, vec_element};
use crate::attr;
use crate::ctxt::Ctxt;

/// Records every misuse of the attributes in `cont`.
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_container(cx, cont);
    check_row_key(cx, cont);
    check_fields(cx, cont);
    check_counters(cx, cont);
    check_columns(cx, cont);
}

fn check_container(cx: &Ctxt, cont: &Container<'_>) {
    if !cont.input.generics.params.is_empty() {
        cx.error_spanned_by(
            &cont.input.generics,
            "#[derive(Entity)] does not support generic structs: an entity is one table's row",
        );
    }
    match &cont.attrs.table {
        None => cx.error_spanned_by(
            cont.ident,
            "missing #[capjure(table = \"...\")]: an entity needs a table name",
        ),
        Some(table) if table.value().is_empty() => {
            cx.error_spanned_by(table, "the table name cannot be empty")
        }
        Some(_) => {}
    }
    if let Some(versions) = &cont.attrs.max_versions {
        check_positive(
            cx,
            versions,
            "max_versions",
            "how many versions of a cell HBase keeps",
        );
    }
    if let Some(ttl) = &cont.attrs.ttl {
        check_positive(cx, ttl, "ttl", "seconds HBase keeps a cell");
    }
    if let Some(family) = &cont.attrs.single_family {
        let name = family.value();
        if name.is_empty() || name.starts_with('.') || name.contains([':', '/', '\\']) {
            cx.error_spanned_by(
                family,
                "not a valid column family: it must be non-empty, not start with `.`, and hold no `:`, `/` or `\\`",
            );
        }
    }
}

fn check_row_key(cx: &Ctxt, cont: &Container<'_>) {
    let keys: Vec<_> = cont
        .fields
        .iter()
        .filter_map(|field| field.attrs.row_key.as_ref().map(|key| (field, key)))
        .collect();
    let Some((first, _)) = keys.first() else {
        cx.error_spanned_by(
            cont.ident,
            "no field is marked #[capjure(row_key)]; mark one, or several for a composite key",
        );
        return;
    };
    for (field, _) in &keys {
        if let Some(skip) = field.attrs.skip {
            cx.syn_error(syn::Error::new(skip, "the row key cannot be skipped"));
        }
    }
    if !cont.composite_key() {
        if let Some(reason) = unsupported_row_key(first.ty) {
            cx.error_spanned_by(
                first.ty,
                format!("a row key must be a String, an integer or Vec<u8>; {reason}"),
            );
        }
        return;
    }
    if keys.len() > MAX_PARTS {
        cx.syn_error(syn::Error::new(
            keys[MAX_PARTS].1.span,
            format!("a composite row key has at most {MAX_PARTS} parts"),
        ));
    }
    for (field, key) in &keys {
        if let Some(reason) = unsupported_part(field.ty) {
            cx.syn_error(syn::Error::new(
                key.span,
                format!(
                    "`{}` cannot be part of a composite row key: {reason}; key parts are \
                     String, Vec<u8>, bool, char and integers",
                    field.ident
                ),
            ));
        }
    }
    check_orders(cx, &keys);
}

/// The most parts a composite key has (the tuples `rowkey` implements).
const MAX_PARTS: usize = 8;

/// `order` is on every part or on none, and numbers the parts 1 to n.
fn check_orders(cx: &Ctxt, keys: &[(&Field<'_>, &attr::RowKey)]) {
    let given = keys.iter().filter(|(_, key)| key.order.is_some()).count();
    if given == 0 {
        return;
    }
    let count = keys.len();
    let mut seen: HashMap<u64, &syn::Ident> = HashMap::new();
    for (field, key) in keys {
        let Some(order) = &key.order else {
            cx.syn_error(syn::Error::new(
                key.span,
                format!(
                    "`{}` has no `order`, and other row-key fields have one; \
                     give every part an order or none",
                    field.ident
                ),
            ));
            continue;
        };
        match literal_u64(order) {
            Some(value) if (1..=count as u64).contains(&value) => {
                if let Some(other) = seen.insert(value, field.ident) {
                    cx.error_spanned_by(
                        order,
                        format!("row-key order {value} is already `{other}`'s"),
                    );
                }
            }
            _ => cx.error_spanned_by(
                order,
                format!(
                    "a row-key order is a whole number from 1 to {count}, the number of key parts"
                ),
            ),
        }
    }
}

/// Why `ty` cannot be a part of a composite key, when that shows in its
/// spelling (other types are left to the `KeyPart` trait bound).
fn unsupported_part(ty: &Type) -> Option<String> {
    let spelled = quote::quote!(#ty).to_string().replace(' ', "");
    match ty {
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            match last.ident.to_string().as_str() {
                "f32" | "f64" => Some(format!(
                    "`{spelled}` has no exact byte order that sorts (and NaN != NaN)"
                )),
                "Option" => Some(format!(
                    "`{spelled}` is optional, and a row key has every part"
                )),
                "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" | "usize" | "isize" => {
                    Some(format!("`{spelled}` has no order-preserving form"))
                }
                "Vec" => match vec_element(ty) {
                    Some(Type::Path(element)) if element.path.is_ident("u8") => None,
                    _ => Some(format!("`{spelled}` has no order-preserving form")),
                },
                _ => None,
            }
        }
        _ => Some(format!("`{spelled}` has no order-preserving form")),
    }
}

/// Why `ty` cannot be a row key, when that shows in its spelling (other
/// types are left to the `RowKey` trait bound).
fn unsupported_row_key(ty: &Type) -> Option<String> {
    let spelled = quote::quote!(#ty).to_string().replace(' ', "");
    match ty {
        Type::Path(path) => {
            let last = path.path.segments.last()?;
            let name = last.ident.to_string();
            match name.as_str() {
                "f32" | "f64" => Some(format!(
                    "`{spelled}` has no exact byte order that sorts (and NaN != NaN)"
                )),
                "bool" | "char" | "Option" | "HashMap" | "BTreeMap" | "HashSet" | "BTreeSet" => {
                    Some(format!("`{spelled}` is not one"))
                }
                "Vec" => match vec_element(ty) {
                    Some(Type::Path(element)) if element.path.is_ident("u8") => None,
                    _ => Some(format!("`{spelled}` is not one")),
                },
                _ => None,
            }
        }
        _ => Some(format!("`{spelled}` is not one")),
    }
}

fn check_fields(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        if let Some(rename) = &field.attrs.rename {
            if rename.value().is_empty() {
                cx.error_spanned_by(rename, "a column name cannot be empty");
            }
        }
        let Some(primary_key) = &field.attrs.primary_key else {
            continue;
        };
        if vec_element(field.ty).is_none() {
            cx.syn_error(syn::Error::new(
                primary_key.span,
                format!(
                    "primary_key belongs on a Vec of structs, and `{}` is not a Vec",
                    field.ident
                ),
            ));
        }
        if let Some(skip) = field.attrs.skip {
            cx.syn_error(syn::Error::new(
                skip,
                "a skipped field is not stored, so it needs no primary_key",
            ));
        }
        match &primary_key.field {
            None => cx.syn_error(syn::Error::new(
                primary_key.span,
                "primary_key needs the key field: primary_key = \"field\" or primary_key(field = \"...\")",
            )),
            Some(name) if name.value().is_empty() => {
                cx.error_spanned_by(name, "the primary-key field name cannot be empty")
            }
            Some(_) => {}
        }
        if primary_key.encode.is_some() != primary_key.decode.is_some() {
            cx.syn_error(syn::Error::new(
                primary_key.span,
                "a composite primary key needs both `encode` and `decode`",
            ));
        }
    }
}

fn check_columns(cx: &Ctxt, cont: &Container<'_>) {
    let mut seen: HashMap<String, &syn::Ident> = HashMap::new();
    for field in cont
        .fields
        .iter()
        .filter(|field| field.attrs.skip.is_none())
    {
        let column = field.column();
        match seen.get(&column) {
            Some(first) => {
                let message = format!("column `{column}` is already used by field `{first}`");
                match &field.attrs.rename {
                    Some(rename) => cx.error_spanned_by(rename, message),
                    None => cx.error_spanned_by(field.ident, message),
                }
            }
            None => {
                seen.insert(column, field.ident);
            }
        }
    }
}

/// `value` is an integer literal from 1 to `i32::MAX` (HBase stores both
/// settings as a Java `int`).
fn check_positive(cx: &Ctxt, value: &syn::Expr, name: &str, what: &str) {
    if !literal_u64(value).is_some_and(|n| (1..=i32::MAX as u64).contains(&n)) {
        cx.error_spanned_by(
            value,
            format!("`{name}` is {what}: an integer from 1 to {}", i32::MAX),
        );
    }
}

/// The integer types a counter can have: those that fit an `i64`, and
/// `u64` (checked when written).
const COUNTER_TYPES: &[&str] = &["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"];

fn check_counters(cx: &Ctxt, cont: &Container<'_>) {
    for field in &cont.fields {
        if let Some(descending) = field.attrs.stray_descending {
            let message = match field.attrs.row_key {
                None => format!(
                    "`descending` orders a row-key part, and `{}` is not one",
                    field.ident
                ),
                Some(_) => "`descending` goes inside the row-key attribute: \
                            #[capjure(row_key(descending))]"
                    .to_string(),
            };
            cx.syn_error(syn::Error::new(descending, message));
        }
        let Some(counter) = field.attrs.counter else {
            continue;
        };
        let is_integer = matches!(field.ty, Type::Path(path)
            if COUNTER_TYPES.iter().any(|name| path.path.is_ident(name)));
        if !is_integer {
            let ty = field.ty;
            cx.syn_error(syn::Error::new(
                counter,
                format!(
                    "a counter is an integer (i8 to i64, u8 to u64), and `{}` is `{}`",
                    field.ident,
                    quote::quote!(#ty).to_string().replace(' ', "")
                ),
            ));
        }
        if field.attrs.row_key.is_some() {
            cx.syn_error(syn::Error::new(
                counter,
                "a row key cannot be a counter: an increment would change the row's key",
            ));
        }
        if field.attrs.skip.is_some() {
            cx.syn_error(syn::Error::new(
                counter,
                "a skipped field is not stored, so it cannot be a counter",
            ));
        }
    }
}
