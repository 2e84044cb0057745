//! Python string literals for catalog text: every character that could end a literal, start an
//! escape, or read differently to a person than to the tokenizer is written as an escape.
//!
//! Kept as they are: printable ASCII (but `\` and `"`) and non-ASCII letters and digits, so
//! docstrings stay readable. Everything else (control characters, line and paragraph
//! separators, bidirectional overrides, zero-width characters, emoji) becomes `\xNN`, `\uNNNN`
//! or `\UNNNNNNNN`, which Python reads back as exactly the same character.

/// A double-quoted literal of exactly `text` (line breaks escaped).
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        push(&mut out, c, false);
    }
    out.push('"');
    out
}

/// A triple-quoted literal of exactly `text`, line breaks kept as line breaks: a docstring.
/// Every `"` is escaped, so no run of quotes in the text can close it.
pub fn docstring(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 6);
    out.push_str("\"\"\"");
    for c in text.chars() {
        push(&mut out, c, true);
    }
    out.push_str("\"\"\"");
    out
}

fn push(out: &mut String, c: char, keep_newlines: bool) {
    match c {
        '\\' => out.push_str("\\\\"),
        '"' => out.push_str("\\\""),
        '\n' if keep_newlines => out.push('\n'),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        ' '..='~' => out.push(c),
        c if !c.is_ascii() && c.is_alphanumeric() => out.push(c),
        c => {
            let code = u32::from(c);
            if code <= 0xFF {
                out.push_str(&format!("\\x{code:02x}"));
            } else if code <= 0xFFFF {
                out.push_str(&format!("\\u{code:04x}"));
            } else {
                out.push_str(&format!("\\U{code:08x}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_table() {
        for (text, literal) in [
            ("plain", r#""plain""#),
            ("a\"b", r#""a\"b""#),
            ("back\\slash", r#""back\\slash""#),
            ("two\nlines\r\n", r#""two\nlines\r\n""#),
            ("tab\t", r#""tab\t""#),
            ("nul\0", r#""nul\x00""#),
            ("del\u{7f}", r#""del\x7f""#),
            ("ünïcode", "\"ünïcode\""),
            ("sep\u{2028}para\u{2029}", r#""sep\u2028para\u2029""#),
            ("bidi\u{202e}x\u{2066}", r#""bidi\u202ex\u2066""#),
            ("zero\u{200b}width\u{feff}", r#""zero\u200bwidth\ufeff""#),
            ("emoji😀", r#""emoji\U0001f600""#),
            ("{braces} %s", r#""{braces} %s""#),
        ] {
            assert_eq!(string(text), literal, "literal of {text:?}");
        }
    }

    #[test]
    fn docstrings_cannot_be_closed_early() {
        assert_eq!(docstring("a \"\"\" b"), r#""""a \"\"\" b""""#);
        assert_eq!(
            docstring("ends with a quote\""),
            r#""""ends with a quote\"""""#
        );
        assert_eq!(
            docstring("ends with a backslash\\"),
            r#""""ends with a backslash\\""""#
        );
        assert_eq!(docstring("line\nline"), "\"\"\"line\nline\"\"\"");
    }
}
