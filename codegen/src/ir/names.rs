//! Generated identifiers: from catalog names (which can be anything lint lets through, keywords
//! included) to names that are valid, unambiguous and stable in Rust and TypeScript.

use heck::{ToSnakeCase, ToUpperCamelCase};

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

/// The payload type name of an event, e.g. `UserLogin` for `user.login`.
pub fn event_type_name(event_name: &str) -> String {
    rust_type(&event_name.replace('.', "_"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
