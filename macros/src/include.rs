//! `include_catalog!("path", events = [...], categories = [...], derive = [...])`.

use eventcat::emit::rust::{self, RustOptions};
use proc_macro2::TokenStream;
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token, bracketed};

use crate::catalog;

/// The macro's arguments.
struct Args {
    path: LitStr,
    events: Option<Vec<LitStr>>,
    categories: Option<Vec<LitStr>>,
    derives: Vec<syn::Path>,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let path: LitStr = input.parse()?;
        let mut args = Args {
            path,
            events: None,
            categories: None,
            derives: Vec::new(),
        };
        while !input.is_empty() {
            input.parse::<Token![,]>()?;
            if input.is_empty() {
                break;
            }
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let content;
            bracketed!(content in input);
            match key.to_string().as_str() {
                "events" => {
                    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
                    args.events = Some(list.into_iter().collect());
                }
                "categories" => {
                    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
                    args.categories = Some(list.into_iter().collect());
                }
                "derive" => {
                    let list = Punctuated::<syn::Path, Token![,]>::parse_terminated(&content)?;
                    args.derives = list.into_iter().collect();
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!(
                            "unknown option `{other}`: expected `events`, `categories` or `derive`"
                        ),
                    ));
                }
            }
        }
        Ok(args)
    }
}

/// The expansion, as a function of tokens so it can be tested without a compiler.
pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let args: Args = syn::parse2(input)?;
    let loaded = catalog::load(&args.path.value(), args.path.span())?;
    let catalog = &loaded.catalog;

    let mut only: Option<Vec<String>> = None;
    if let Some(events) = &args.events {
        for event in events {
            if !catalog.events.contains_key(&event.value()) {
                return Err(syn::Error::new(
                    event.span(),
                    format!("the catalog has no event `{}`", event.value()),
                ));
            }
        }
        only = Some(events.iter().map(LitStr::value).collect());
    }
    if let Some(categories) = &args.categories {
        for category in categories {
            if !catalog.categories.iter().any(|c| c.id == category.value()) {
                return Err(syn::Error::new(
                    category.span(),
                    format!("the catalog has no category `{}`", category.value()),
                ));
            }
        }
        let in_categories = catalog
            .events
            .values()
            .filter(|event| categories.iter().any(|c| c.value() == event.category));
        let names: Vec<String> = in_categories.map(|e| e.name.clone()).collect();
        only = Some(match only {
            Some(events) => events.into_iter().filter(|e| names.contains(e)).collect(),
            None => names,
        });
    }
    let options = RustOptions {
        extra_derives: args.derives,
        only_events: only,
    };
    let items = rust::tokens(catalog, &options);
    let tracking = catalog::track(&loaded.files);
    Ok(quote! {
        #tracking
        #items
    })
}

#[cfg(test)]
mod tests {
    use quote::quote;

    /// `include_catalog!` must expand to exactly the items of the checked-in generated crate
    /// (which `eventcat generate` writes with the same emitter), token for token.
    #[test]
    fn expansion_equals_the_generated_crate() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let expanded = super::expand(quote!("../catalog")).unwrap();
        let mut expanded: syn::File = syn::parse2(expanded).unwrap();
        let tracked = expanded
            .items
            .iter()
            .filter(|i| is_tracking_const(i))
            .count();
        assert_eq!(tracked, 31, "one include_str! per catalog file");
        expanded.items.retain(|item| !is_tracking_const(item));

        let source = std::fs::read_to_string(manifest.join("../generated/src/events.rs")).unwrap();
        let generated: syn::File = syn::parse_file(&source).unwrap();

        // Compare item by item, through the same printer: the checked-in file went through
        // prettyplease, which writes doc comments as `///` and adds trailing commas to long
        // lists; printing both sides the same way leaves only real differences.
        assert_eq!(expanded.items.len(), generated.items.len());
        for (expanded, generated) in expanded.items.iter().zip(&generated.items) {
            let print = |item: &syn::Item| {
                prettyplease::unparse(&syn::File {
                    shebang: None,
                    attrs: Vec::new(),
                    items: vec![item.clone()],
                })
            };
            assert_eq!(print(expanded), print(generated));
        }
    }

    fn is_tracking_const(item: &syn::Item) -> bool {
        matches!(item, syn::Item::Const(c) if c.ident == "_")
    }

    #[test]
    fn unknown_options_and_events_are_errors() {
        let error = super::expand(quote!("../catalog", colours = ["red"])).unwrap_err();
        assert!(
            error.to_string().contains("unknown option `colours`"),
            "{error}"
        );
        let error = super::expand(quote!("../catalog", events = ["user.flew"])).unwrap_err();
        assert!(
            error.to_string().contains("no event `user.flew`"),
            "{error}"
        );
    }

    #[test]
    fn categories_select_their_events() {
        let expanded = super::expand(quote!("../catalog", categories = ["business"])).unwrap();
        let text = expanded.to_string();
        assert!(text.contains("BusinessRevenueGenerated"));
        assert!(!text.contains("UserLogin"));
    }
}
