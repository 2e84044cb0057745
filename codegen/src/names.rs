//! Names: the rules catalog names follow, and the identifiers generated from them.
//!
//! Both lint (which checks names and the collisions of what they become) and the IR (which
//! chooses every generated name) use this module, so it sits below both: catalog names (which
//! can be anything lint lets through, keywords included) become names that are valid,
//! unambiguous and stable in Rust and TypeScript, the same way in every stage.

use heck::{ToSnakeCase, ToUpperCamelCase};

use crate::model::{Pii, PropertyDef, TypeName};

/// `snake_case`: a lowercase letter, then lowercase letters and digits in `_`-separated words.
pub fn is_snake_case(name: &str) -> bool {
    let mut chars = name.chars();
    if !chars.next().is_some_and(|c| c.is_ascii_lowercase()) {
        return false;
    }
    !name.ends_with('_')
        && !name.contains("__")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// `<namespace>.<snake_case>`, both parts snake_case, e.g. `user.login`.
pub fn is_event_name(name: &str) -> bool {
    match name.split_once('.') {
        Some((namespace, rest)) => is_snake_case(namespace) && is_snake_case(rest),
        None => false,
    }
}

/// Rust keywords (strict and reserved, all editions) that cannot be field or variant names.
const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield", "union",
];

/// A snake_case Rust field name for a catalog property name: keywords get a trailing `_`.
pub fn rust_field(name: &str) -> String {
    let mut ident = name.to_snake_case();
    if ident.is_empty() || ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, '_');
    }
    if RUST_KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// An UpperCamelCase type or variant name: keywords get a trailing `_`, a leading digit a `V`.
pub fn rust_type(name: &str) -> String {
    let mut ident = name.to_upper_camel_case();
    if ident.is_empty() {
        ident.push_str("Empty");
    }
    if ident.starts_with(|c: char| c.is_ascii_digit()) {
        ident.insert(0, 'V');
    }
    if RUST_KEYWORDS.contains(&ident.as_str()) {
        ident.push('_');
    }
    ident
}

/// Type names the generated code defines itself; no catalog name may turn into one of them.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Event",
    "AnyEvent",
    "EventProperties",
    "EventName",
    "EventType",
    "SchemaVersion",
    "Timestamp",
    "EventMap",
    "AnalyticsEvent",
    "Envelope",
    "EventEnvelope",
    "EventContext",
];

/// The properties type of an event, e.g. `UserLoginProperties`.
pub fn properties_type_name(event_name: &str) -> String {
    format!("{}Properties", event_type_name(event_name))
}

/// The type of an enum property: the owner's type name and the property's, e.g.
/// `UserLoginLoginMethod`; `Item` is appended for the elements of an array.
pub fn enum_type_name(owner: Option<&str>, property: &str, is_array_item: bool) -> String {
    let mut name = format!(
        "{}{}",
        owner.map(event_type_name).unwrap_or_default(),
        rust_type(property).trim_end_matches('_')
    );
    if is_array_item {
        name.push_str("Item");
    }
    name
}

/// Whether a property's values get a generated type of their own, checked on construction and
/// deserialization: a string with a length, pattern or format rule or a `pii` form (hashed,
/// anonymized IP), a number or integer with a bound. `Some(true)` when the type is that of each
/// element of an array. Its name is [`enum_type_name`]'s (a property has either an enum or
/// such a type, never both), and lint claims it like an enum's.
pub fn value_type_of(def: &PropertyDef) -> Option<bool> {
    let privacy_form = matches!(
        def.pii.as_ref().map(|p| p.value),
        Some(Pii::Hashed | Pii::AnonymizedIp)
    );
    match def.ty.value {
        TypeName::String if def.enum_values.is_none() => (def.min_length.is_some()
            || def.max_length.is_some()
            || def.pattern.is_some()
            || def.format.is_some()
            || privacy_form)
            .then_some(false),
        TypeName::Integer | TypeName::Number => {
            (def.minimum.is_some() || def.maximum.is_some()).then_some(false)
        }
        TypeName::Array => {
            let items = def.items.as_ref()?;
            (items.ty.value == TypeName::String
                && items.enum_values.is_none()
                && (items.pattern.is_some() || items.format.is_some() || privacy_form))
                .then_some(true)
        }
        _ => None,
    }
}

/// The payload type name of an event, e.g. `UserLogin` for `user.login`.
pub fn event_type_name(event_name: &str) -> String {
    rust_type(&event_name.replace('.', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_table() {
        for (name, ok) in [
            ("user_id", true),
            ("a", true),
            ("input_tokens2", true),
            ("UserId", false),
            ("user-id", false),
            ("_user", false),
            ("user_", false),
            ("user__id", false),
            ("2fa", false),
            ("", false),
            ("naïve", false),
        ] {
            assert_eq!(is_snake_case(name), ok, "{name}");
        }
    }

    #[test]
    fn event_name_table() {
        for (name, ok) in [
            ("user.login", true),
            ("ai.model_requested", true),
            ("user", false),
            ("user.login.extra", false),
            ("User.login", false),
            ("user.Login", false),
            ("user-login", false),
            (".login", false),
        ] {
            assert_eq!(is_event_name(name), ok, "{name}");
        }
    }

    #[test]
    fn names_table() {
        for (input, field, ty) in [
            ("user_id", "user_id", "UserId"),
            ("type", "type_", "Type"),
            ("self", "self_", "Self_"),
            ("enum", "enum_", "Enum"),
            ("default", "default", "Default"),
            ("4xx", "_4xx", "V4xx"),
            ("gpt-3.5-turbo", "gpt_3_5_turbo", "Gpt35Turbo"),
            ("GET", "get", "Get"),
        ] {
            assert_eq!(rust_field(input), field, "field of {input}");
            assert_eq!(rust_type(input), ty, "type of {input}");
        }
        assert_eq!(event_type_name("ai.model_requested"), "AiModelRequested");
        assert_eq!(
            enum_type_name(Some("user.login"), "login_method", false),
            "UserLoginLoginMethod"
        );
        assert_eq!(enum_type_name(None, "environment", false), "Environment");
    }
}
