//! `#[derive(Fields)]` on a model struct: one associated `&str` const per
//! named field, holding the attribute name serde maps it to (the field name,
//! or its `#[serde(rename = "...")]`). Code that names an attribute (a
//! diagnostic's path, a computed attribute to mark unknown) uses
//! `Model::DISK_TYPE` instead of `"disk_type"`, so renaming or misspelling
//! one fails to compile, and the model/schema test covers every name.

use proc_macro::TokenStream;
use quote::{format_ident, quote};
use syn::{parse_macro_input, Data, DeriveInput, Fields as SynFields, LitStr};

#[proc_macro_derive(Fields)]
pub fn derive_fields(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match fields(&input) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn fields(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "derive(Fields) needs a struct",
        ));
    };
    let SynFields::Named(named) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "derive(Fields) needs named fields",
        ));
    };
    let mut consts = Vec::new();
    for field in &named.named {
        let Some(ident) = &field.ident else { continue };
        let name = serde_rename(field)?.unwrap_or_else(|| ident.to_string());
        let konst = format_ident!("{}", ident.to_string().to_uppercase());
        let doc = format!("The attribute `{name}`.");
        consts.push(quote! {
            #[doc = #doc]
            pub const #konst: &'static str = #name;
        });
    }
    let ty = &input.ident;
    let (imp, args, wher) = input.generics.split_for_impl();
    Ok(quote! {
        impl #imp #ty #args #wher {
            #(#consts)*
        }
    })
}

/// The `rename = "..."` of a field's `#[serde(...)]` attributes, if any.
fn serde_rename(field: &syn::Field) -> syn::Result<Option<String>> {
    let mut renamed = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                renamed = Some(meta.value()?.parse::<LitStr>()?.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Other `key = value` settings (`with`, `default`): skip the value.
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        })?;
    }
    Ok(renamed)
}
