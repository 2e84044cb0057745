//! The naming rules, in one place so lint, lowering and the macros agree.

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
}
