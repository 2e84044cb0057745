//! The rule checks of the generated code, from the IR: one call into `eventcat_runtime::check`
//! per rule the event's JSON Schema states, so the Rust types reject exactly what the schema
//! (and `eventcat-validate`) rejects.
//!
//! Two kinds of code come out of here:
//! - the body of a value type's `__rules` ([`value_rules`]): the rules of one value (lengths,
//!   pattern, format, bounds, privacy form), shared by its constructor and by the walk;
//! - the walk of a payload ([`object_walk`], [`value_walk`]): types, required and unknown
//!   properties, enums, nullable and array items, calling the value types' rules.

use proc_macro2::TokenStream;
use quote::quote;

use super::ident;
use crate::emit::json_schema;
use crate::ir::{Field, FieldType, StringRules};
use crate::model::{Pii, StringFormat};

/// `::eventcat_runtime::check`.
fn check() -> TokenStream {
    quote!(::eventcat_runtime::check)
}

/// The runtime's name of a format.
fn format_path(format: StringFormat) -> Option<TokenStream> {
    let variant = match format {
        StringFormat::Uuid => quote!(Uuid),
        StringFormat::Uri => quote!(Uri),
        StringFormat::UriReference => quote!(UriReference),
        StringFormat::Email => quote!(Email),
        StringFormat::Hostname => quote!(Hostname),
        StringFormat::Ipv4 => quote!(Ipv4),
        StringFormat::Ipv6 => quote!(Ipv6),
        StringFormat::Ip => return None,
    };
    Some(quote!(::eventcat_runtime::format::Format::#variant))
}

/// The value's own rules, checked on `value` (already known to be of the right JSON type) at
/// `pointer`, into `out`. The JSON Schema emitter states the same rules; this says them in code.
pub(super) fn value_rules(field: &Field, ty: &FieldType) -> TokenStream {
    let check = check();
    match ty {
        FieldType::String(rules) => string_rules(rules, field.pii),
        FieldType::Integer(rules) => {
            let mut calls = Vec::new();
            if let Some(minimum) = rules.minimum {
                let text = minimum.to_string();
                let limit = minimum as f64;
                calls.push(quote!(#check::minimum(value, #limit, #text, pointer, out);));
            }
            if let Some(maximum) = rules.maximum {
                let text = maximum.to_string();
                let limit = maximum as f64;
                calls.push(quote!(#check::maximum(value, #limit, #text, pointer, out);));
            }
            quote!(#(#calls)*)
        }
        FieldType::Number(rules) => {
            let mut calls = Vec::new();
            // The bounds as the schema writes them (a non-finite bound bounds nothing).
            if let Some((limit, text)) = rules.minimum.and_then(bound) {
                calls.push(quote!(#check::minimum(value, #limit, #text, pointer, out);));
            }
            if let Some((limit, text)) = rules.maximum.and_then(bound) {
                calls.push(quote!(#check::maximum(value, #limit, #text, pointer, out);));
            }
            quote!(#(#calls)*)
        }
        _ => quote!(),
    }
}

fn bound(value: f64) -> Option<(f64, String)> {
    json_schema::number(value).map(|json| (value, json.to_string()))
}

fn string_rules(rules: &StringRules, pii: Option<Pii>) -> TokenStream {
    let check = check();
    let mut calls = Vec::new();
    if let Some(min) = rules.min_length {
        calls.push(quote!(#check::min_length(value, #min, pointer, out);));
    }
    if let Some(max) = rules.max_length {
        calls.push(quote!(#check::max_length(value, #max, pointer, out);));
    }
    if let Some(pattern) = &rules.pattern {
        calls.push(quote! {
            static PATTERN: ::std::sync::OnceLock<::eventcat_runtime::regex::Regex> = ::std::sync::OnceLock::new();
            let regex = PATTERN.get_or_init(|| {
                ::eventcat_runtime::regex::Regex::new(#pattern).expect("lint checked the pattern")
            });
            #check::pattern(value, regex, #pattern, pointer, out);
        });
    }
    let privacy = |kind: TokenStream| quote!(#check::privacy(value, ::eventcat_runtime::privacy::PrivacyKind::#kind, pointer, out););
    match (pii, rules.format) {
        // The schema states an anonymized IP as its own `anyOf` (IPv4 pattern, IPv6 format)
        // in place of the `ip` format, and the validator reports a failed format of such a
        // field as the privacy rule.
        (Some(Pii::AnonymizedIp), None | Some(StringFormat::Ip)) => {
            calls.push(privacy(quote!(AnonymizedIp)));
        }
        (Some(Pii::AnonymizedIp), Some(format @ (StringFormat::Ipv4 | StringFormat::Ipv6))) => {
            let format = format_path(format);
            calls.push(quote!(#check::anonymized_with_format(value, #format, pointer, out);));
        }
        (pii, format) => {
            match format {
                Some(StringFormat::Ip) => calls.push(quote!(#check::ip(value, pointer, out);)),
                Some(format) => {
                    let format = format_path(format);
                    calls.push(quote!(#check::format(value, #format, pointer, out);));
                }
                None => {}
            }
            match pii {
                Some(Pii::Hashed) => calls.push(privacy(quote!(Hashed))),
                Some(Pii::AnonymizedIp) => calls.push(privacy(quote!(AnonymizedIp))),
                _ => {}
            }
        }
    }
    quote!(#(#calls)*)
}

/// Checks the JSON `value` of `field` at `pointer`: its type (through `null` where it is
/// nullable), its enum or its value type's rules, each element of an array.
pub(super) fn value_walk(field: &Field) -> TokenStream {
    let inner = type_walk(field, &field.ty, false);
    if field.nullable {
        let check = check();
        quote! {
            #check::nullable(value, &pointer, out, |value, out| { #inner });
        }
    } else {
        inner
    }
}

fn type_walk(field: &Field, ty: &FieldType, is_item: bool) -> TokenStream {
    let check = check();
    let value_type = field.value_type.as_deref().map(ident);
    // An array's value type is that of its elements; a scalar's is its own.
    let rules = match (
        &value_type,
        matches!(field.ty, FieldType::Array(_)) == is_item,
    ) {
        (Some(name), true) => Some(quote!(#name::__rules(value, &pointer, out);)),
        _ => None,
    };
    // The type's check, then (when the value is of that type) the value type's rules.
    let typed = |type_check: TokenStream| match &rules {
        Some(rules) => quote!(if #type_check { #rules }),
        None => quote!(#type_check;),
    };
    match ty {
        FieldType::String(_) => typed(quote!(#check::string(value, &pointer, out))),
        FieldType::Enum(enumeration) => {
            let values = enumeration.variants.iter().map(|v| v.value.as_str());
            quote!(#check::string_enum(value, &[#(#values),*], &pointer, out);)
        }
        FieldType::Integer(_) => typed(quote!(#check::integer(value, &pointer, out))),
        FieldType::Number(_) => typed(quote!(#check::number(value, &pointer, out))),
        FieldType::Boolean => quote!(#check::boolean(value, &pointer, out);),
        FieldType::DateTime => quote! {
            if #check::string(value, &pointer, out) {
                #check::format(value, ::eventcat_runtime::format::Format::DateTime, &pointer, out);
            }
        },
        FieldType::Object => quote!(#check::free_object(value, &pointer, out);),
        FieldType::Array(items) => {
            let item = type_walk(field, items, true);
            quote! {
                if let ::std::option::Option::Some(items) = #check::array(value, &pointer, out) {
                    for (index, value) in items.iter_mut().enumerate() {
                        let pointer = #check::item(&pointer, index);
                        #item
                    }
                }
            }
        }
    }
}

/// Checks the object `value` at `parent` whose properties are `fields`: an object, closed,
/// every required property present, each present one by [`value_walk`]. `extra` names keys
/// checked elsewhere (the envelope's `properties`); `constants` the fields whose value is a
/// constant (`(name, expression of the value)`).
pub(super) fn object_walk(
    fields: &[&Field],
    extra: &[&str],
    constants: &[(&str, TokenStream)],
) -> TokenStream {
    let check = check();
    let known = fields
        .iter()
        .map(|f| f.name.as_str())
        .chain(extra.iter().copied());
    let checks = fields.iter().map(|field| {
        let name = &field.name;
        let walk = match constants.iter().find(|(constant, _)| constant == name) {
            Some((_, value)) => quote!(#check::constant(value, #value, &pointer, out);),
            None => value_walk(field),
        };
        let absent = if field.optional {
            quote!()
        } else {
            quote!(else { #check::missing(parent, #name, out); })
        };
        quote! {
            if let ::std::option::Option::Some(value) = map.get_mut(#name) {
                let pointer = #check::child(parent, #name);
                #walk
            } #absent
        }
    });
    quote! {
        #check::closed(map, &[#(#known),*], parent, out);
        #(#checks)*
    }
}
