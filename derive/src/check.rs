//! Checks across attributes: each misuse becomes an error pointing at the
//! attribute or field at fault.

use std::collections::HashMap;

use syn::Type;

use crate::ast::{Container, vec_element};
use crate::ctxt::Ctxt;

/// Records every misuse of the attributes in `cont`.
pub(crate) fn check(cx: &Ctxt, cont: &Container<'_>) {
    check_container(cx, cont);
    check_row_key(cx, cont);
    check_fields(cx, cont);
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
    let mut row_keys = cont
        .fields
        .iter()
        .filter_map(|field| field.attrs.row_key.map(|span| (field, span)));
    let Some((first, _)) = row_keys.next() else {
        cx.error_spanned_by(
            cont.ident,
            "no field is marked #[capjure(row_key)]; mark exactly one",
        );
        return;
    };
    for (_, span) in row_keys {
        cx.syn_error(syn::Error::new(
            span,
            format!(
                "only one field can be the row key, and `{}` already is",
                first.ident
            ),
        ));
    }
    if let Some(skip) = first.attrs.skip {
        cx.syn_error(syn::Error::new(skip, "the row key cannot be skipped"));
    }
    if let Some(reason) = unsupported_row_key(first.ty) {
        cx.error_spanned_by(
            first.ty,
            format!("a row key must be a String, an integer or Vec<u8>; {reason}"),
        );
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
