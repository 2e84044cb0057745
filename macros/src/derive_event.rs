//! `#[derive(Event)]`: a hand-written struct checked against one event of the catalog.

use eventcat::ir::{Event, Field, FieldType};
use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Data, DeriveInput, Fields, LitStr, Type};

use crate::catalog;

/// The `#[event(...)]` attribute.
struct EventAttr {
    name: LitStr,
    version: LitStr,
    catalog: LitStr,
    trait_path: Option<syn::Path>,
}

pub fn expand(input: TokenStream) -> syn::Result<TokenStream> {
    let input: DeriveInput = syn::parse2(input)?;
    let attr = parse_attr(&input)?;
    let loaded = catalog::load(&attr.catalog.value(), attr.catalog.span())?;
    let name = attr.name.value();
    let Some(event) = loaded.catalog.events.get(&name) else {
        return Err(syn::Error::new(
            attr.name.span(),
            format!(
                "the catalog `{}` has no event `{name}`",
                attr.catalog.value()
            ),
        ));
    };
    if event.version.to_string() != attr.version.value() {
        return Err(syn::Error::new(
            attr.version.span(),
            format!(
                "the catalog has `{name}` at version {}, not {}",
                event.version,
                attr.version.value()
            ),
        ));
    }
    check_fields(&input, event)?;

    let ident = &input.ident;
    let (impl_generics, type_generics, where_clause) = input.generics.split_for_impl();
    let trait_path = attr
        .trait_path
        .map_or_else(|| quote!(EventProperties), |p| p.to_token_stream());
    let event_type = &event.event_type;
    let version = event.version.to_string();
    let tracking = catalog::track(&loaded.files);
    Ok(quote! {
        #tracking
        impl #impl_generics #trait_path for #ident #type_generics #where_clause {
            const EVENT_NAME: &'static str = #name;
            const EVENT_TYPE: &'static str = #event_type;
            const VERSION: &'static str = #version;
        }
    })
}

fn parse_attr(input: &DeriveInput) -> syn::Result<EventAttr> {
    let mut name = None;
    let mut version = None;
    let mut catalog = None;
    let mut trait_path = None;
    let mut errors: Option<syn::Error> = None;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("event")) {
        let result = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(ToString::to_string)
                .unwrap_or_default();
            let value: LitStr = meta.value()?.parse()?;
            match key.as_str() {
                "name" => name = Some(value),
                "version" => version = Some(value),
                "catalog" => catalog = Some(value),
                "trait_path" => trait_path = Some(value.parse::<syn::Path>()?),
                _ => {
                    return Err(meta.error(
                        "unknown key: expected `name`, `version`, `catalog` or `trait_path`",
                    ));
                }
            }
            Ok(())
        });
        if let Err(error) = result {
            push(error);
        }
    }
    let missing = |key: &str| {
        syn::Error::new(
            Span::call_site(),
            format!(
                "#[event(...)] needs `{key} = \"...\"`, e.g. #[event(name = \"user.login\", version = \"1.0.0\", catalog = \"../catalog\")]"
            ),
        )
    };
    if name.is_none() {
        push(missing("name"));
    }
    if version.is_none() {
        push(missing("version"));
    }
    if catalog.is_none() {
        push(missing("catalog"));
    }
    if let Some(errors) = errors {
        return Err(errors);
    }
    match (name, version, catalog) {
        (Some(name), Some(version), Some(catalog)) => Ok(EventAttr {
            name,
            version,
            catalog,
            trait_path,
        }),
        _ => Err(missing("name")),
    }
}

/// Every mismatch between the struct and the event, each its own error on its own span.
fn check_fields(input: &DeriveInput, event: &Event) -> syn::Result<()> {
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Event)] applies to structs with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new_spanned(
            &input.ident,
            "#[derive(Event)] applies to structs with named fields",
        ));
    };
    let mut errors: Vec<syn::Error> = Vec::new();
    let mut seen = Vec::new();
    for field in &fields.named {
        let Some(ident) = &field.ident else { continue };
        let payload_name = serde_rename(field)?.unwrap_or_else(|| {
            let text = ident.to_string();
            text.strip_prefix("r#").unwrap_or(&text).to_owned()
        });
        let Some(property) = event.properties.iter().find(|p| p.name == payload_name) else {
            errors.push(syn::Error::new_spanned(
                ident,
                format!(
                    "`{payload_name}` is not a property of `{}` {}; its properties are: {}",
                    event.name,
                    event.version,
                    property_list(event)
                ),
            ));
            continue;
        };
        seen.push(payload_name);
        if let Err(why) = check_type(property, &field.ty) {
            errors.push(syn::Error::new_spanned(&field.ty, why));
        }
    }
    for property in event.properties.iter().filter(|p| !p.optional) {
        if !seen.contains(&property.name) {
            errors.push(syn::Error::new_spanned(
                &input.ident,
                format!(
                    "missing field for the required property `{}` of `{}` ({}): add `{}: {}`",
                    property.name,
                    event.name,
                    describe(property),
                    property.rust_name,
                    suggested_type(property)
                ),
            ));
        }
    }
    let mut errors = errors.into_iter();
    match errors.next() {
        None => Ok(()),
        Some(mut first) => {
            for error in errors {
                first.combine(error);
            }
            Err(first)
        }
    }
}

fn property_list(event: &Event) -> String {
    event
        .properties
        .iter()
        .map(|p| p.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The `rename` of a field's `#[serde(rename = "...")]`, if any.
fn serde_rename(field: &syn::Field) -> syn::Result<Option<String>> {
    let mut rename = None;
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("serde")) {
        attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if let Ok(value) = meta.value() {
                // Other keys (`default`, `with = "..."`): skip their value.
                let _: syn::Expr = value.parse()?;
            }
            Ok(())
        })?;
    }
    Ok(rename)
}

/// What a written type is, as far as the catalog cares.
#[derive(Debug, Clone, PartialEq)]
enum Written {
    Option(Box<Written>),
    Vec(Box<Written>),
    /// An integer type and the range it holds.
    Int(String, i128, i128),
    Float(String),
    Bool,
    Str,
    Timestamp,
    Object,
    /// Any other named type: an enum or a newtype of the user's.
    Other(String),
}

fn classify(ty: &Type) -> Written {
    match ty {
        Type::Reference(reference) => classify(&reference.elem),
        Type::Group(group) => classify(&group.elem),
        Type::Paren(paren) => classify(&paren.elem),
        Type::Path(path) => {
            let Some(last) = path.path.segments.last() else {
                return Written::Other(String::new());
            };
            let name = last.ident.to_string();
            let first_arg = match &last.arguments {
                syn::PathArguments::AngleBracketed(args) => {
                    args.args.iter().find_map(|a| match a {
                        syn::GenericArgument::Type(t) => Some(t),
                        _ => None,
                    })
                }
                _ => None,
            };
            let int = |min: i128, max: i128| Written::Int(name.clone(), min, max);
            match name.as_str() {
                "Option" => Written::Option(Box::new(
                    first_arg.map_or(Written::Other(name.clone()), classify),
                )),
                "Vec" => Written::Vec(Box::new(
                    first_arg.map_or(Written::Other(name.clone()), classify),
                )),
                "u8" => int(0, u8::MAX.into()),
                "u16" => int(0, u16::MAX.into()),
                "u32" => int(0, u32::MAX.into()),
                "u64" | "usize" => int(0, u64::MAX.into()),
                "u128" => int(0, i128::MAX),
                "i8" => int(i8::MIN.into(), i8::MAX.into()),
                "i16" => int(i16::MIN.into(), i16::MAX.into()),
                "i32" => int(i32::MIN.into(), i32::MAX.into()),
                "i64" | "isize" => int(i64::MIN.into(), i64::MAX.into()),
                "i128" => int(i128::MIN, i128::MAX),
                "f32" | "f64" => Written::Float(name),
                "bool" => Written::Bool,
                "String" | "str" | "Cow" | "Box" | "Arc" | "Rc" => Written::Str,
                "Timestamp" | "OffsetDateTime" | "DateTime" | "UtcDateTime" => Written::Timestamp,
                "Map" | "HashMap" | "BTreeMap" | "IndexMap" | "Value" => Written::Object,
                _ => Written::Other(name),
            }
        }
        other => Written::Other(other.to_token_stream().to_string()),
    }
}

/// Largest integer JSON numbers hold exactly: the catalog's bound when it states none.
const JSON_SAFE: i128 = 9_007_199_254_740_991;

fn check_type(property: &Field, ty: &Type) -> Result<(), String> {
    let written = classify(ty);
    let expects_option = property.optional || property.nullable;
    let inner = match (&written, expects_option) {
        (Written::Option(inner), true) => {
            match (&**inner, property.optional && property.nullable) {
                (Written::Option(innermost), true) => (**innermost).clone(),
                (other, _) => other.clone(),
            }
        }
        (Written::Option(_), false) => {
            return Err(format!(
                "`{}` is required and never null in the catalog: its type is not an `Option`; expected `{}`",
                property.name,
                suggested_type(property)
            ));
        }
        (_, true) => {
            let why = if property.optional {
                "optional"
            } else {
                "nullable"
            };
            return Err(format!(
                "`{}` is {why} in the catalog, so its field must be an `Option`: expected `{}`",
                property.name,
                suggested_type(property)
            ));
        }
        (other, false) => other.clone(),
    };
    check_value(property, &property.ty, &inner)
}

fn check_value(property: &Field, expected: &FieldType, written: &Written) -> Result<(), String> {
    let mismatch = || {
        Err(format!(
            "`{}` is {} in the catalog; expected `{}`",
            property.name,
            describe_type(expected),
            suggested_type(property)
        ))
    };
    match (expected, written) {
        (FieldType::String(_), Written::Str | Written::Other(_)) => Ok(()),
        (FieldType::Enum(_), Written::Other(_)) => Ok(()),
        (FieldType::Integer(rules), Written::Int(name, min, max)) => {
            let need_min = rules.minimum.map_or(-JSON_SAFE, i128::from);
            let need_max = rules.maximum.map_or(JSON_SAFE, i128::from);
            if *min <= need_min && *max >= need_max {
                Ok(())
            } else {
                let range = match (rules.minimum, rules.maximum) {
                    (Some(min), Some(max)) => format!("ranges from {min} to {max}"),
                    (Some(min), None) => format!("has a minimum of {min} and no maximum"),
                    (None, Some(max)) => format!("has a maximum of {max} and no minimum"),
                    (None, None) => "has no bounds".to_owned(),
                };
                Err(format!(
                    "`{}` {range} in the catalog, which `{name}` cannot hold; expected `{}` or wider",
                    property.name,
                    rules.rust_type()
                ))
            }
        }
        (FieldType::Number(_), Written::Float(name)) if name == "f64" => Ok(()),
        (FieldType::Number(_), Written::Float(_)) => Err(format!(
            "`{}` is a number in the catalog; `f32` loses precision: expected `f64`",
            property.name
        )),
        (FieldType::Boolean, Written::Bool) => Ok(()),
        (FieldType::DateTime, Written::Timestamp) => Ok(()),
        (FieldType::Object, Written::Object) => Ok(()),
        (FieldType::Array(items), Written::Vec(inner)) => check_value(property, items, inner),
        _ => mismatch(),
    }
}

fn describe(property: &Field) -> String {
    let mut text = describe_type(&property.ty);
    if property.optional {
        text.push_str(", optional");
    }
    if property.nullable {
        text.push_str(", nullable");
    }
    text
}

fn describe_type(ty: &FieldType) -> String {
    match ty {
        FieldType::Enum(e) => format!(
            "a closed enum ({})",
            e.variants
                .iter()
                .map(|v| v.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        FieldType::Integer(rules) => match (rules.minimum, rules.maximum) {
            (Some(min), Some(max)) => format!("an integer from {min} to {max}"),
            (Some(min), None) => format!("an integer of at least {min}"),
            _ => "an integer".to_owned(),
        },
        FieldType::DateTime => "an RFC 3339 date-time".to_owned(),
        other => format!("a {}", other.catalog_name()),
    }
}

/// The type the generated code uses, as a hint.
fn suggested_type(property: &Field) -> String {
    let inner = suggested_value(&property.ty);
    match (property.optional, property.nullable) {
        (false, false) => inner,
        (true, true) => format!("Option<Option<{inner}>>"),
        _ => format!("Option<{inner}>"),
    }
}

fn suggested_value(ty: &FieldType) -> String {
    match ty {
        FieldType::String(_) => "String".to_owned(),
        FieldType::Enum(e) => e.type_name.clone(),
        FieldType::Integer(rules) => rules.rust_type().to_owned(),
        FieldType::Number(_) => "f64".to_owned(),
        FieldType::Boolean => "bool".to_owned(),
        FieldType::DateTime => "Timestamp".to_owned(),
        FieldType::Object => "serde_json::Map<String, serde_json::Value>".to_owned(),
        FieldType::Array(items) => format!("Vec<{}>", suggested_value(items)),
    }
}
