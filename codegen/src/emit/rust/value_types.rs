//! Value types: a newtype per field whose values have rules beyond their JSON type (a string with
//! a length, pattern, format or privacy form; a number with bounds). A value of one can only be
//! made through its checks (`new`, `TryFrom`, deserialization) or by the clearly named
//! `new_unchecked`, so a value the catalog forbids is never built by accident.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{checks, doc_attrs, doc_lines, extra_derives, ident};
use crate::ir::{Field, FieldType, StringRules};
use crate::model::{Pii, StringFormat};

/// Traits every value type implements itself; an extra derive of one is left out.
const VALUE_TYPE_DERIVES: &[&str] = &[
    "Debug",
    "Clone",
    "Copy",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Serialize",
    "Deserialize",
];

/// The value type of `field`, if it has one. `owner` says whose field it is, for the docs.
pub(super) fn value_type_items(field: &Field, owner: &str, derives: &[syn::Path]) -> TokenStream {
    let Some(name) = field.value_type.as_deref() else {
        return quote!();
    };
    let (ty, is_item) = match &field.ty {
        FieldType::Array(items) => (items.as_ref(), true),
        ty => (ty, false),
    };
    let mut docs = vec![if is_item {
        format!(" An element of {owner}, checked against the catalog's rules:")
    } else {
        format!(" A value of {owner}, checked against the catalog's rules:")
    }];
    docs.extend(doc_lines(&field.description));
    docs.push(String::new());
    docs.push(format!(" Rules: {}.", rules_text(field, ty)));
    let docs = doc_attrs(&docs);
    let name = ident(name);
    let rules = checks::value_rules(field, ty);
    let derives = extra_derives(derives, VALUE_TYPE_DERIVES);
    let rules_fn = quote! {
        /// The rules of the value, checked on its JSON form at `pointer`.
        #[doc(hidden)]
        #[allow(unused_variables)]
        pub fn __rules(value: &::serde_json::Value, pointer: &str, out: &mut ::std::vec::Vec<::eventcat_runtime::Violation>) {
            #rules
        }
    };
    match ty {
        FieldType::String(rules) => string_type(&name, &docs, &derives, &rules_fn, field, rules),
        FieldType::Integer(rules) => {
            let repr = format_ident!("{}", rules.rust_type());
            integer_type(&name, &docs, &derives, &rules_fn, &repr)
        }
        FieldType::Number(_) => number_type(&name, &docs, &derives, &rules_fn),
        _ => quote!(),
    }
}

/// The rules in words, for the type's docs.
fn rules_text(field: &Field, ty: &FieldType) -> String {
    let mut rules = Vec::new();
    match ty {
        FieldType::String(string) => {
            if let Some(min) = string.min_length {
                rules.push(format!("at least {min} characters"));
            }
            if let Some(max) = string.max_length {
                rules.push(format!("at most {max} characters"));
            }
            if let Some(pattern) = &string.pattern {
                rules.push(format!("matches `{}`", pattern.replace('`', "'")));
            }
            if let Some(format) = string.format {
                rules.push(format!("format `{}`", format.as_str()));
            }
        }
        FieldType::Integer(integer) => {
            if let Some(min) = integer.minimum {
                rules.push(format!(">= {min}"));
            }
            if let Some(max) = integer.maximum {
                rules.push(format!("<= {max}"));
            }
        }
        FieldType::Number(number) => {
            if let Some(min) = number.minimum {
                rules.push(format!(">= {min}"));
            }
            if let Some(max) = number.maximum {
                rules.push(format!("<= {max}"));
            }
        }
        _ => {}
    }
    match field.pii {
        Some(Pii::Hashed) => rules.push("a SHA-256 digest, 64 lowercase hex digits".to_owned()),
        Some(Pii::AnonymizedIp) => rules.push(
            "an anonymized IP (IPv4 with the last octet 0, IPv6 truncated to /48)".to_owned(),
        ),
        _ => {}
    }
    rules.join(", ")
}

/// Whether the privacy form is the value's only rule (its constructor from an address or a
/// digest then cannot fail).
fn only_privacy(rules: &StringRules) -> bool {
    rules.min_length.is_none()
        && rules.max_length.is_none()
        && rules.pattern.is_none()
        && matches!(rules.format, None | Some(StringFormat::Ip))
}

/// Whether every SHA-256 digest (64 hex digits) keeps the field's other rules: lengths that
/// allow 64 characters, no pattern, no format.
fn digest_keeps_the_rules(rules: &StringRules) -> bool {
    rules.min_length.is_none_or(|min| min <= 64)
        && rules.max_length.is_none_or(|max| max >= 64)
        && rules.pattern.is_none()
        && rules.format.is_none()
}

fn string_type(
    name: &syn::Ident,
    docs: &TokenStream,
    derives: &TokenStream,
    rules_fn: &TokenStream,
    field: &Field,
    rules: &StringRules,
) -> TokenStream {
    let violations = quote!(::eventcat_runtime::Violations);
    let mut makers = Vec::new();
    match field.pii {
        Some(Pii::AnonymizedIp) if only_privacy(rules) => makers.push(quote! {
            /// The address in the anonymized form: IPv4 with its last octet zeroed, IPv6
            /// truncated to its /48 prefix.
            pub fn from_ip(address: ::std::net::IpAddr) -> Self {
                Self(::eventcat_runtime::construct::anonymize_ip(address))
            }
        }),
        Some(Pii::AnonymizedIp) => makers.push(quote! {
            /// The address in the anonymized form (IPv4 with its last octet zeroed, IPv6
            /// truncated to its /48 prefix), checked against the field's other rules.
            ///
            /// # Errors
            /// Every rule the anonymized address breaks.
            pub fn from_ip(address: ::std::net::IpAddr) -> ::std::result::Result<Self, #violations> {
                Self::new(::eventcat_runtime::construct::anonymize_ip(address))
            }
        }),
        Some(Pii::Hashed) if digest_keeps_the_rules(rules) => makers.push(quote! {
            /// A SHA-256 digest, written as 64 lowercase hex digits.
            pub fn from_digest(digest: &[u8; 32]) -> Self {
                Self(::eventcat_runtime::construct::digest_hex(digest))
            }
            /// The SHA-256 of `data` (needs `eventcat-runtime`'s `sha2` feature). Put a secret
            /// salt of yours in `data`: the unsalted hash of a short id is easy to reverse.
            pub fn hash(data: &[u8]) -> Self {
                Self(::eventcat_runtime::construct::sha256_hex(data))
            }
        }),
        Some(Pii::Hashed) => makers.push(quote! {
            /// A SHA-256 digest, written as 64 lowercase hex digits, checked against the field's
            /// other rules.
            ///
            /// # Errors
            /// Every rule the digest breaks.
            pub fn from_digest(digest: &[u8; 32]) -> ::std::result::Result<Self, #violations> {
                Self::new(::eventcat_runtime::construct::digest_hex(digest))
            }
        }),
        _ => {}
    }
    let only_uuid = rules.format == Some(StringFormat::Uuid)
        && rules.min_length.is_none()
        && rules.max_length.is_none()
        && rules.pattern.is_none()
        && field.pii.is_none();
    if only_uuid {
        makers.push(quote! {
            /// A fresh random (version 4) UUID.
            pub fn random() -> Self {
                Self(::eventcat_runtime::construct::random_uuid())
            }
        });
    }
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::cmp::PartialOrd, ::std::cmp::Ord, ::std::hash::Hash, ::serde::Serialize #derives)]
        #[serde(transparent)]
        pub struct #name(::std::string::String);

        impl #name {
            /// The value, if it keeps every rule of the catalog.
            ///
            /// # Errors
            /// Every rule it breaks, in the validator's words.
            pub fn new(value: impl ::std::convert::Into<::std::string::String>) -> ::std::result::Result<Self, #violations> {
                let value = ::serde_json::Value::String(value.into());
                let mut out = ::std::vec::Vec::new();
                Self::__rules(&value, "", &mut out);
                #violations::check(out)?;
                match value {
                    ::serde_json::Value::String(text) => ::std::result::Result::Ok(Self(text)),
                    _ => ::std::unreachable!("the value was made a string above"),
                }
            }

            /// The value with no check: for tests that need a value the catalog forbids.
            /// Everything else should use [`Self::new`].
            pub fn new_unchecked(value: impl ::std::convert::Into<::std::string::String>) -> Self {
                Self(value.into())
            }

            #(#makers)*

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_inner(self) -> ::std::string::String {
                self.0
            }

            #rules_fn
        }

        impl ::std::convert::TryFrom<::std::string::String> for #name {
            type Error = #violations;
            fn try_from(value: ::std::string::String) -> ::std::result::Result<Self, #violations> {
                Self::new(value)
            }
        }
        impl ::std::convert::TryFrom<&str> for #name {
            type Error = #violations;
            fn try_from(value: &str) -> ::std::result::Result<Self, #violations> {
                Self::new(value)
            }
        }
        impl ::std::convert::From<#name> for ::std::string::String {
            fn from(value: #name) -> Self {
                value.0
            }
        }
        impl ::std::ops::Deref for #name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }
        impl ::std::convert::AsRef<str> for #name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::string::String as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::new(text).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    }
}

fn integer_type(
    name: &syn::Ident,
    docs: &TokenStream,
    derives: &TokenStream,
    rules_fn: &TokenStream,
    repr: &syn::Ident,
) -> TokenStream {
    let violations = quote!(::eventcat_runtime::Violations);
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy, ::std::cmp::PartialEq, ::std::cmp::Eq, ::std::cmp::PartialOrd, ::std::cmp::Ord, ::std::hash::Hash, ::serde::Serialize #derives)]
        #[serde(transparent)]
        pub struct #name(#repr);

        impl #name {
            /// The value, if it keeps every rule of the catalog.
            ///
            /// # Errors
            /// Every rule it breaks, in the validator's words.
            pub fn new(value: #repr) -> ::std::result::Result<Self, #violations> {
                let mut out = ::std::vec::Vec::new();
                Self::__rules(&::serde_json::Value::from(value), "", &mut out);
                #violations::check(out)?;
                ::std::result::Result::Ok(Self(value))
            }

            /// The value with no check: for tests that need a value the catalog forbids.
            /// Everything else should use [`Self::new`].
            pub fn new_unchecked(value: #repr) -> Self {
                Self(value)
            }

            /// The number.
            pub fn get(self) -> #repr {
                self.0
            }

            #rules_fn
        }

        impl ::std::convert::TryFrom<#repr> for #name {
            type Error = #violations;
            fn try_from(value: #repr) -> ::std::result::Result<Self, #violations> {
                Self::new(value)
            }
        }
        impl ::std::convert::From<#name> for #repr {
            fn from(value: #name) -> Self {
                value.0
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let number = ::eventcat_runtime::de::integer(deserializer)?;
                // Out of the type's range is out of the catalog's: the rules say which bound.
                let json = ::eventcat_runtime::de::integer_json(number);
                let mut out = ::std::vec::Vec::new();
                Self::__rules(&json, "", &mut out);
                #violations::check(out).map_err(<D::Error as ::serde::de::Error>::custom)?;
                <#repr as ::std::convert::TryFrom<i128>>::try_from(number)
                    .map(Self)
                    .map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    }
}

fn number_type(
    name: &syn::Ident,
    docs: &TokenStream,
    derives: &TokenStream,
    rules_fn: &TokenStream,
) -> TokenStream {
    let violations = quote!(::eventcat_runtime::Violations);
    quote! {
        #docs
        #[derive(::std::fmt::Debug, ::std::clone::Clone, ::std::marker::Copy, ::std::cmp::PartialEq, ::std::cmp::PartialOrd, ::serde::Serialize #derives)]
        #[serde(transparent)]
        pub struct #name(f64);

        impl #name {
            /// The value, if it is a finite number that keeps every rule of the catalog.
            ///
            /// # Errors
            /// Every rule it breaks, in the validator's words (NaN and infinities are not JSON
            /// numbers: a `type` error).
            pub fn new(value: f64) -> ::std::result::Result<Self, #violations> {
                let mut out = ::std::vec::Vec::new();
                if value.is_finite() {
                    Self::__rules(&::serde_json::Value::from(value), "", &mut out);
                } else {
                    out.push(::eventcat_runtime::Violation::new("", "type", "type number", ::std::format!("{value} (not a JSON number)")));
                }
                #violations::check(out)?;
                ::std::result::Result::Ok(Self(value))
            }

            /// The value with no check: for tests that need a value the catalog forbids.
            /// Everything else should use [`Self::new`].
            pub fn new_unchecked(value: f64) -> Self {
                Self(value)
            }

            /// The number.
            pub fn get(self) -> f64 {
                self.0
            }

            #rules_fn
        }

        impl ::std::convert::TryFrom<f64> for #name {
            type Error = #violations;
            fn try_from(value: f64) -> ::std::result::Result<Self, #violations> {
                Self::new(value)
            }
        }
        impl ::std::convert::From<#name> for f64 {
            fn from(value: #name) -> Self {
                value.0
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.0, f)
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                let number = <f64 as ::serde::Deserialize>::deserialize(deserializer)?;
                Self::new(number).map_err(<D::Error as ::serde::de::Error>::custom)
            }
        }
    }
}
