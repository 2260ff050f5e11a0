//! `#[capjure::test]`: parses the attribute and the test's parameters,
//! checks them (every error at once, at the token at fault), and wraps
//! the body in the setup that gives each parameter its isolated table.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, Ident, ItemFn, LitStr, Pat, PathArguments, Token, Type};

use crate::ctxt::Ctxt;
use crate::symbol::FIXTURES;

/// What the attribute asked for.
#[derive(Default)]
struct Args {
    fixtures: Vec<LitStr>,
}

/// A parameter and what it receives.
enum Param {
    /// `name: EntityTable<E, _>`: a table of its own for `E`.
    Entities {
        pat: Box<Pat>,
        name: Ident,
        ty: Box<Type>,
        entity: Box<Type>,
    },
    /// `name: TestStore`: the test store.
    Store { pat: Box<Pat>, ty: Box<Type> },
}

pub(crate) fn expand(args: TokenStream, function: ItemFn) -> syn::Result<TokenStream> {
    let cx = Ctxt::default();
    let args = parse_args(&cx, args);
    let params = parse_params(&cx, &function);
    check(&cx, &args, &params, &function);
    cx.check()?;
    Ok(generate(&args, &params, function))
}

fn parse_args(cx: &Ctxt, args: TokenStream) -> Args {
    let mut parsed = Args::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path == FIXTURES {
            let content;
            syn::parenthesized!(content in meta.input);
            let names = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
            parsed.fixtures.extend(names);
            Ok(())
        } else {
            Err(meta.error("unknown #[capjure::test] argument; expected `fixtures(\"name\", ...)`"))
        }
    });
    if let Err(err) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(err);
    }
    parsed
}

fn parse_params(cx: &Ctxt, function: &ItemFn) -> Vec<Param> {
    let mut params = Vec::new();
    for input in &function.sig.inputs {
        let FnArg::Typed(typed) = input else {
            cx.error_spanned_by(
                input,
                "#[capjure::test] goes on a free function, not a method",
            );
            continue;
        };
        let Pat::Ident(binding) = &*typed.pat else {
            cx.error_spanned_by(
                &typed.pat,
                "#[capjure::test] parameters must be plain names",
            );
            continue;
        };
        match classify(&typed.ty) {
            Some(Kind::Entities(entity)) => params.push(Param::Entities {
                pat: typed.pat.clone(),
                name: binding.ident.clone(),
                ty: typed.ty.clone(),
                entity,
            }),
            Some(Kind::Store) => params.push(Param::Store {
                pat: typed.pat.clone(),
                ty: typed.ty.clone(),
            }),
            None => cx.error_spanned_by(
                &typed.ty,
                "#[capjure::test] hands a test `EntityTable<E, _>` (a table of its own for \
                 entity `E`) or `TestStore`; it cannot provide this type",
            ),
        }
    }
    params
}

enum Kind {
    Entities(Box<Type>),
    Store,
}

/// `EntityTable<E, _>` or `TestStore`, by the last segment of the path
/// (so `capjure::EntityTable<E, _>` works as well).
fn classify(ty: &Type) -> Option<Kind> {
    let Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident == "TestStore" && last.arguments.is_empty() {
        return Some(Kind::Store);
    }
    if last.ident != "EntityTable" {
        return None;
    }
    let PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    match generics.args.first() {
        Some(GenericArgument::Type(entity)) if generics.args.len() <= 2 => {
            Some(Kind::Entities(Box::new(entity.clone())))
        }
        _ => None,
    }
}

fn check(cx: &Ctxt, args: &Args, params: &[Param], function: &ItemFn) {
    let sig = &function.sig;
    if let Some(asyncness) = &sig.asyncness {
        cx.error_spanned_by(
            asyncness,
            "#[capjure::test] does not take async functions yet; write a synchronous test",
        );
    }
    if !sig.generics.params.is_empty() {
        cx.error_spanned_by(
            &sig.generics,
            "a #[capjure::test] function cannot be generic",
        );
    }
    for (i, fixture) in args.fixtures.iter().enumerate() {
        let name = fixture.value();
        if args.fixtures[..i].iter().any(|seen| seen.value() == name) {
            cx.error_spanned_by(fixture, format!("fixture \"{name}\" is listed twice"));
            continue;
        }
        let has_table = params
            .iter()
            .any(|param| matches!(param, Param::Entities { name: table, .. } if *table == name));
        if !has_table {
            cx.error_spanned_by(
                fixture,
                format!(
                    "fixture \"{name}\" has no table to load into; add a parameter \
                     `{name}: EntityTable<E, _>`"
                ),
            );
        }
    }
}

fn generate(args: &Args, params: &[Param], function: ItemFn) -> TokenStream {
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    let name = &sig.ident;
    let output = &sig.output;
    // Mixed-site: the test body cannot see or shadow it.
    let store = format_ident!("capjure_test_store", span = Span::mixed_site());
    let setup = params.iter().map(|param| match param {
        // The binding is the guard; the declared type is checked against
        // what it derefs to (a wrong store type is an error at the
        // user's type, and the type's imports count as used).
        Param::Entities {
            pat,
            name,
            ty,
            entity,
        } => {
            let check = quote_spanned! {ty.span()=>
                let _: &#ty = ::core::ops::Deref::deref(&#name);
            };
            quote! {
                let #pat: ::capjure::testing::TestEntities<#entity> = #store
                    .table::<#entity>()
                    .unwrap_or_else(|e| ::core::panic!(
                        "#[capjure::test]: cannot create a table for `{}`: {}",
                        ::core::stringify!(#entity),
                        e
                    ));
                #check
            }
        }
        Param::Store { pat, ty } => quote! {
            let #pat: #ty = ::core::clone::Clone::clone(&#store);
        },
    });
    let fixtures = args.fixtures.iter().map(|fixture| {
        let table = Ident::new(&fixture.value(), fixture.span());
        quote! {
            if let ::core::result::Result::Err(e) = #table.load_fixture(#fixture) {
                ::core::panic!("#[capjure::test]: {}", e);
            }
        }
    });
    quote! {
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() #output {
            let #store = ::capjure::testing::TestStore::from_env()
                .unwrap_or_else(|e| ::core::panic!("#[capjure::test]: no test store: {}", e));
            #(#setup)*
            #(#fixtures)*
            #block
        }
    }
}
