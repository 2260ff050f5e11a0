//! The struct being derived, as a typed model.

use syn::{Data, DeriveInput, Fields, Ident, Type};

use crate::attr;
use crate::ctxt::Ctxt;

/// A struct with named fields and its attributes.
pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) input: &'a DeriveInput,
    pub(crate) attrs: attr::Container,
    pub(crate) fields: Vec<Field<'a>>,
}

/// One field.
pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) ty: &'a Type,
    pub(crate) attrs: attr::Field,
}

impl Field<'_> {
    /// The column (top-level key) the field is stored under.
    pub(crate) fn column(&self) -> String {
        match &self.attrs.rename {
            Some(name) => name.value(),
            None => self.ident.to_string().trim_start_matches("r#").to_string(),
        }
    }
}

/// One part of the row key.
pub(crate) struct KeyPart<'c, 'a> {
    pub(crate) field: &'c Field<'a>,
    pub(crate) descending: bool,
}

impl<'a> Container<'a> {
    /// The row-key fields in key order: by `order` when given, else in
    /// declaration order. Meaningful once [`crate::check`] passed.
    pub(crate) fn key_parts(&self) -> Vec<KeyPart<'_, 'a>> {
        let mut parts: Vec<_> = self
            .fields
            .iter()
            .filter_map(|field| {
                let key = field.attrs.row_key.as_ref()?;
                let order = key.order.as_ref().and_then(literal_u64);
                Some((
                    order,
                    KeyPart {
                        field,
                        descending: key.descending.is_some(),
                    },
                ))
            })
            .collect();
        parts.sort_by_key(|(order, _)| *order);
        parts.into_iter().map(|(_, part)| part).collect()
    }

    /// Whether the key is a tuple in capjure's order-preserving encoding:
    /// several parts, or one with `order` or `descending`. A lone plain
    /// `row_key` keeps its own bytes.
    pub(crate) fn composite_key(&self) -> bool {
        let mut keys = self.fields.iter().filter_map(|f| f.attrs.row_key.as_ref());
        match (keys.next(), keys.next()) {
            (Some(key), None) => key.has_args,
            (Some(_), Some(_)) => true,
            (None, _) => false,
        }
    }

    /// `None` (with an error recorded) when the input is no struct with
    /// named fields.
    pub(crate) fn from_ast(cx: &Ctxt, input: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, &input.attrs);
        let named = match &input.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => named,
                _ => {
                    cx.error_spanned_by(
                        &input.ident,
                        "#[derive(Entity)] needs a struct with named fields",
                    );
                    return None;
                }
            },
            Data::Enum(_) | Data::Union(_) => {
                cx.error_spanned_by(
                    &input.ident,
                    "#[derive(Entity)] needs a struct with named fields",
                );
                return None;
            }
        };
        let fields = named
            .named
            .iter()
            .filter_map(|field| {
                Some(Field {
                    ident: field.ident.as_ref()?,
                    ty: &field.ty,
                    attrs: attr::Field::from_ast(cx, &field.attrs),
                })
            })
            .collect();
        Some(Container {
            ident: &input.ident,
            input,
            attrs,
            fields,
        })
    }
}

/// The `T` of a type spelled `Vec<T>` (or `std::vec::Vec<T>`).
pub(crate) fn vec_element(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        syn::GenericArgument::Type(element) if args.args.len() == 1 => Some(element),
        _ => None,
    }
}

/// The value of an integer literal such as `3`; `None` for anything else.
pub(crate) fn literal_u64(expr: &syn::Expr) -> Option<u64> {
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().ok(),
        _ => None,
    }
}
