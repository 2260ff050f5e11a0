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

impl<'a> Container<'a> {
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
