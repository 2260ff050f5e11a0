//! Code generation: `Entity`, `Serialize` and `Deserialize` impls.
//!
//! Generated code sits in `const _: () = { ... };`, names everything by
//! absolute path through `::capjure::__private` (so it compiles under
//! `#![no_implicit_prelude]` and whatever the user has imported), and calls
//! trait methods in their fully qualified form.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::DeriveInput;
use syn::spanned::Spanned;

use crate::ast::{Container, Field, vec_element};
use crate::attr::Codec;
use crate::check;
use crate::ctxt::Ctxt;

/// Parses, checks and generates; every error found is reported at once.
pub(crate) fn derive_entity(input: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::default();
    let Some(cont) = Container::from_ast(&cx, input) else {
        cx.check()?;
        return Err(syn::Error::new(Span::call_site(), "cannot derive Entity"));
    };
    check::check(&cx, &cont);
    cx.check()?;
    Ok(generate(&cont))
}

fn generate(cont: &Container<'_>) -> TokenStream {
    let entity = impl_entity(cont);
    let serialize = impl_serialize(cont);
    let deserialize = impl_deserialize(cont);
    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals, unused_qualifications, clippy::all)]
        const _: () = {
            #entity
            #serialize
            #deserialize
        };
    }
}

/// The fields that are stored, with their columns.
fn stored<'c, 'a>(cont: &'c Container<'a>) -> impl Iterator<Item = (&'c Field<'a>, String)> {
    cont.fields
        .iter()
        .filter(|field| field.attrs.skip.is_none())
        .map(|field| (field, field.column()))
}

fn impl_entity(cont: &Container<'_>) -> TokenStream {
    let p = quote!(::capjure::__private);
    let ident = cont.ident;
    let table = &cont.attrs.table;
    let layout = match &cont.attrs.single_family {
        Some(family) => quote!(::capjure::Layout::single_family(#family)),
        None => quote!(::capjure::Layout::MultiFamily),
    };
    let codec = match cont.attrs.codec.as_ref().map(|(_, codec)| *codec) {
        None | Some(Codec::Json) => quote!(::capjure::Codec::Json),
        Some(Codec::Text) => quote!(::capjure::Codec::Text),
        Some(Codec::Java) => quote!(::capjure::Codec::Java),
    };
    let key = impl_key(cont);
    let counters: Vec<_> = stored(cont)
        .filter(|(field, _)| field.attrs.counter.is_some())
        .map(|(field, column)| {
            let name = field.ident.to_string().trim_start_matches("r#").to_string();
            quote!((#name, #column))
        })
        .collect();
    let counters = (!counters.is_empty()).then(|| {
        quote! {
            fn counters() -> #p::Vec<::capjure::CounterColumn> {
                #p::counters(&<Self as ::capjure::Entity>::mapper(), &[#(#counters),*])
            }
        }
    });
    let max_versions = cont.attrs.max_versions.as_ref().map(|versions| {
        quote! {
            fn max_versions() -> u32 {
                #versions
            }
        }
    });
    let ttl = cont.attrs.ttl.as_ref().map(|ttl| {
        quote! {
            fn ttl() -> #p::Option<u32> {
                #p::Option::Some(#ttl)
            }
        }
    });
    let fields: Vec<_> = stored(cont)
        .map(|(field, column)| {
            let name = field.ident.to_string().trim_start_matches("r#").to_string();
            quote!((#name, #column))
        })
        .collect();
    let mut keys = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in stored(cont) {
        let children = match &field.attrs.primary_key {
            Some(primary_key) => {
                let pk = &primary_key.field;
                keys.push(match (&primary_key.encode, &primary_key.decode) {
                    (Some(encode), Some(decode)) => {
                        quote!(let keys = keys.composite(#column, #pk, #encode, #decode);)
                    }
                    _ => quote!(let keys = keys.field(#column, #pk);),
                });
                let element = vec_element(field.ty);
                quote! {
                    #p::Option::Some((
                        #pk,
                        #p::struct_fields::<#element> as #p::FieldNames,
                    ))
                }
            }
            None => quote!(#p::Option::None),
        };
        columns.push(quote!(#p::Column { name: #column, children: #children }));
    }
    quote! {
        #[automatically_derived]
        impl ::capjure::Entity for #ident {
            const TABLE: &'static str = #table;

            #key
            #counters
            #max_versions
            #ttl

            fn fields() -> &'static [(&'static str, &'static str)] {
                &[#(#fields),*]
            }

            fn key_config() -> ::capjure::KeyConfig {
                let keys = ::capjure::KeyConfig::new();
                #(#keys)*
                keys
            }

            fn layout() -> ::capjure::Layout {
                #layout
            }

            fn codec() -> ::capjure::Codec {
                #codec
            }

            fn families() -> #p::Vec<#p::String> {
                #p::families(
                    &<Self as ::capjure::Entity>::mapper(),
                    &[#(#columns),*],
                )
            }
        }
    }
}

/// The key type and its encoding: a lone plain `row_key` keeps its own
/// bytes (`RowKey`), anything else is a tuple in `capjure::rowkey`'s
/// order-preserving encoding.
fn impl_key(cont: &Container<'_>) -> TokenStream {
    let p = quote!(::capjure::__private);
    let parts = cont.key_parts();
    if !cont.composite_key() {
        let Some(part) = parts.first() else {
            return TokenStream::new();
        };
        let (name, ty) = (part.field.ident, part.field.ty);
        let field = name.to_string().trim_start_matches("r#").to_string();
        // Spanned at the type, so an unsupported type is reported there.
        let encode = quote_spanned!(ty.span()=> #p::RowKey::row_key(__key));
        let own = quote_spanned!(ty.span()=> #p::RowKey::row_key(&self.#name));
        return quote! {
            type Key = #ty;

            fn key(&self) -> #ty {
                #p::Clone::clone(&self.#name)
            }

            fn encode_key(__key: &#ty) -> #p::Vec<u8> {
                #encode
            }

            fn decode_key(__row: &[u8]) -> ::capjure::Result<#ty> {
                #p::decode_single::<#ty>(__row, #field)
            }

            fn row_key(&self) -> #p::Vec<u8> {
                #own
            }
        };
    }
    let names: Vec<_> = parts.iter().map(|part| part.field.ident).collect();
    let fields: Vec<_> = names
        .iter()
        .map(|name| name.to_string().trim_start_matches("r#").to_string())
        .collect();
    let types: Vec<_> = parts.iter().map(|part| part.field.ty).collect();
    let orders: Vec<_> = parts
        .iter()
        .map(|part| match part.descending {
            true => quote!(#p::Order::Descending),
            false => quote!(#p::Order::Ascending),
        })
        .collect();
    let indices: Vec<_> = (0..parts.len()).map(syn::Index::from).collect();
    // Each part is written and read through a call spanned at its type,
    // so a type with no order-preserving form is reported at the field.
    let writes: Vec<_> = types
        .iter()
        .zip(&indices)
        .map(|(ty, index)| {
            quote_spanned!(ty.span()=> #p::write_part::<#ty>(&__key.#index, __orders[#index], &mut __out);)
        })
        .collect();
    let own_writes: Vec<_> = types
        .iter()
        .zip(&indices)
        .zip(&names)
        .map(|((ty, index), name)| {
            quote_spanned!(ty.span()=> #p::write_part::<#ty>(&self.#name, __orders[#index], &mut __out);)
        })
        .collect();
    let reads: Vec<_> = types
        .iter()
        .zip(&indices)
        .map(|(ty, index)| {
            quote_spanned!(ty.span()=> #p::read_part::<#ty>(__row, &mut __input, #index, __orders, __names)?)
        })
        .collect();
    let count = parts.len();
    quote! {
        type Key = (#(#types,)*);

        fn key(&self) -> Self::Key {
            (#(#p::Clone::clone(&self.#names),)*)
        }

        fn encode_key(__key: &Self::Key) -> #p::Vec<u8> {
            let __orders: &[#p::Order; #count] = &[#(#orders),*];
            let mut __out = #p::Vec::new();
            #(#writes)*
            __out
        }

        fn decode_key(__row: &[u8]) -> ::capjure::Result<Self::Key> {
            let __orders: &[#p::Order; #count] = &[#(#orders),*];
            let __names: &[&str] = &[#(#fields),*];
            let mut __input = __row;
            let __key = (#(#reads,)*);
            #p::end_of_key(__row, __input, #count)?;
            #p::Result::Ok(__key)
        }

        fn key_order() -> &'static [#p::Order] {
            &[#(#orders),*]
        }

        fn row_key(&self) -> #p::Vec<u8> {
            let __orders: &[#p::Order; #count] = &[#(#orders),*];
            let mut __out = #p::Vec::new();
            #(#own_writes)*
            __out
        }
    }
}

fn impl_serialize(cont: &Container<'_>) -> TokenStream {
    let p = quote!(::capjure::__private);
    let ident = cont.ident;
    let name = ident.to_string();
    let fields: Vec<_> = stored(cont)
        .map(|(field, column)| {
            let member = field.ident;
            let value = match field.attrs.counter {
                Some(_) => quote!(&#p::CounterRef(&self.#member)),
                None => quote!(&self.#member),
            };
            quote! {
                #p::serde::ser::SerializeStruct::serialize_field(
                    &mut __state, #column, #value,
                )?;
            }
        })
        .collect();
    let count = fields.len();
    quote! {
        #[automatically_derived]
        impl #p::serde::Serialize for #ident {
            fn serialize<__S>(&self, __serializer: __S) -> #p::Result<__S::Ok, __S::Error>
            where
                __S: #p::serde::Serializer,
            {
                let mut __state =
                    #p::serde::Serializer::serialize_struct(__serializer, #name, #count)?;
                #(#fields)*
                #p::serde::ser::SerializeStruct::end(__state)
            }
        }
    }
}

fn impl_deserialize(cont: &Container<'_>) -> TokenStream {
    let p = quote!(::capjure::__private);
    let ident = cont.ident;
    let name = ident.to_string();
    let expecting = format!("struct {name}");
    let stored: Vec<_> = stored(cont).collect();
    let variants: Vec<_> = (0..stored.len())
        .map(|i| format_ident!("__field{}", i))
        .collect();
    let slots: Vec<_> = (0..stored.len())
        .map(|i| format_ident!("__value{}", i))
        .collect();
    let columns: Vec<_> = stored.iter().map(|(_, column)| column).collect();
    let types: Vec<_> = stored.iter().map(|(field, _)| field.ty).collect();
    // What each field's value is read as: a counter through its wrapper.
    let reads: Vec<_> = stored
        .iter()
        .map(|(field, _)| {
            let ty = field.ty;
            match field.attrs.counter {
                Some(_) => {
                    quote!(#p::serde::de::MapAccess::next_value::<#p::Counter<#ty>>(&mut __map)?.0)
                }
                None => quote!(#p::serde::de::MapAccess::next_value::<#ty>(&mut __map)?),
            }
        })
        .collect();
    // What a field without cells reads as: a counter no increment has
    // touched yet is 0, as HBase's Increment would start it.
    let missing: Vec<_> = stored
        .iter()
        .map(|(field, column)| {
            let ty = field.ty;
            match field.attrs.counter {
                Some(_) => quote!(#p::missing_counter::<#ty, __A::Error>()?),
                None => quote!(#p::missing_field::<#ty, __A::Error>(#column)?),
            }
        })
        .collect();
    let members: Vec<_> = stored.iter().map(|(field, _)| field.ident).collect();
    let skipped: Vec<_> = cont
        .fields
        .iter()
        .filter(|field| field.attrs.skip.is_some())
        .map(|field| field.ident)
        .collect();
    quote! {
        #[automatically_derived]
        impl<'de> #p::serde::Deserialize<'de> for #ident {
            fn deserialize<__D>(__deserializer: __D) -> #p::Result<Self, __D::Error>
            where
                __D: #p::serde::Deserializer<'de>,
            {
                #[allow(non_camel_case_types)]
                enum __Field {
                    #(#variants,)*
                    __ignore,
                }

                struct __FieldVisitor;

                impl<'de> #p::serde::de::Visitor<'de> for __FieldVisitor {
                    type Value = __Field;

                    fn expecting(&self, __f: &mut #p::fmt::Formatter<'_>) -> #p::fmt::Result {
                        __f.write_str("a field name")
                    }

                    fn visit_str<__E>(self, __value: &str) -> #p::Result<__Field, __E>
                    where
                        __E: #p::serde::de::Error,
                    {
                        #p::Result::Ok(match __value {
                            #(#columns => __Field::#variants,)*
                            _ => __Field::__ignore,
                        })
                    }
                }

                impl<'de> #p::serde::Deserialize<'de> for __Field {
                    fn deserialize<__D2>(__d: __D2) -> #p::Result<Self, __D2::Error>
                    where
                        __D2: #p::serde::Deserializer<'de>,
                    {
                        #p::serde::Deserializer::deserialize_identifier(__d, __FieldVisitor)
                    }
                }

                struct __Visitor;

                impl<'de> #p::serde::de::Visitor<'de> for __Visitor {
                    type Value = #ident;

                    fn expecting(&self, __f: &mut #p::fmt::Formatter<'_>) -> #p::fmt::Result {
                        __f.write_str(#expecting)
                    }

                    fn visit_map<__A>(self, mut __map: __A) -> #p::Result<#ident, __A::Error>
                    where
                        __A: #p::serde::de::MapAccess<'de>,
                    {
                        #(let mut #slots: #p::Option<#types> = #p::Option::None;)*
                        while let #p::Option::Some(__key) =
                            #p::serde::de::MapAccess::next_key::<__Field>(&mut __map)?
                        {
                            match __key {
                                #(
                                    __Field::#variants => {
                                        if #p::Option::is_some(&#slots) {
                                            return #p::Result::Err(
                                                <__A::Error as #p::serde::de::Error>::duplicate_field(#columns),
                                            );
                                        }
                                        #slots = #p::Option::Some(#reads);
                                    }
                                )*
                                __Field::__ignore => {
                                    let _ = #p::serde::de::MapAccess::next_value::<
                                        #p::serde::de::IgnoredAny,
                                    >(&mut __map)?;
                                }
                            }
                        }
                        #(
                            let #slots = match #slots {
                                #p::Option::Some(__value) => __value,
                                #p::Option::None => #missing,
                            };
                        )*
                        #p::Result::Ok(#ident {
                            #(#members: #slots,)*
                            #(#skipped: #p::Default::default(),)*
                        })
                    }
                }

                const FIELDS: &[&str] = &[#(#columns),*];
                #p::serde::Deserializer::deserialize_struct(__deserializer, #name, FIELDS, __Visitor)
            }
        }
    }
}
