//! Identifiers and literals for PostgreSQL, escaped in one place.
//!
//! Catalog text is untrusted: a name or a description may hold quotes, backslashes, `$$`,
//! semicolons, comment markers or NUL. Every identifier the emitter writes is a quoted identifier
//! ([`ident`]) and every piece of text an escape string constant ([`literal`]), whatever it holds,
//! so no catalog text can end a statement or change its meaning.

/// PostgreSQL's limit on identifiers (NAMEDATALEN - 1): longer names are silently truncated by
/// the server, so two long names could become one. [`short_name`] keeps every name below it.
pub const MAX_IDENTIFIER_BYTES: usize = 63;

/// `name` as a quoted identifier: `"` doubled, NUL (which no identifier may hold) replaced.
pub fn ident(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    out.push('"');
    for c in name.chars() {
        match c {
            '"' => out.push_str("\"\""),
            '\0' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `schema.name`, both quoted.
pub fn qualified(schema: &str, name: &str) -> String {
    format!("{}.{}", ident(schema), ident(name))
}

/// `text` as an escape string constant (`E'...'`): its meaning does not depend on the server's
/// `standard_conforming_strings`; quotes and backslashes are escaped, control characters written
/// as escapes (so a literal stays on one line), NUL (which no text value may hold) replaced.
pub fn literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 3);
    out.push_str("E'");
    for c in text.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\0' => out.push('\u{FFFD}'),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// A name of at most `max` bytes: `name` itself when it fits, else a prefix (cut at a character
/// boundary) and a hash of the whole name, so distinct long names stay distinct.
pub fn short_name(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let suffix = format!("_{:08x}", fnv1a(name.as_bytes()) as u32);
    let mut cut = max.saturating_sub(suffix.len());
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{suffix}", &name[..cut])
}

/// A stable 64-bit hash (FNV-1a): the same name always gives the same short name.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Text for a `--` comment: one line, control characters as spaces (a newline would end it).
pub fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A dollar-quote tag that does not occur in `body`, so the body cannot end the quote.
pub fn dollar_tag(body: &str) -> String {
    let mut n = 0u32;
    loop {
        let tag = if n == 0 {
            "$body$".to_owned()
        } else {
            format!("$body{n}$")
        };
        if !body.contains(&tag) {
            return tag;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_and_literals_cannot_break_out() {
        let cases = [
            ("plain", "\"plain\"", "E'plain'"),
            ("a\"b", "\"a\"\"b\"", "E'a\"b'"),
            ("it's", "\"it's\"", "E'it\\'s'"),
            ("back\\slash", "\"back\\slash\"", "E'back\\\\slash'"),
            (
                "x'); DROP TABLE t; --",
                "\"x'); DROP TABLE t; --\"",
                "E'x\\'); DROP TABLE t; --'",
            ),
            ("two\nlines", "\"two\nlines\"", "E'two\\nlines'"),
            ("nul\0", "\"nul\u{FFFD}\"", "E'nul\u{FFFD}'"),
            ("bell\u{7}", "\"bell\u{7}\"", "E'bell\\u0007'"),
        ];
        for (text, quoted, lit) in cases {
            assert_eq!(ident(text), quoted, "{text:?}");
            assert_eq!(literal(text), lit, "{text:?}");
        }
    }

    #[test]
    fn long_names_are_cut_with_a_hash() {
        let long = "é".repeat(40);
        let short = short_name(&long, MAX_IDENTIFIER_BYTES);
        assert!(short.len() <= MAX_IDENTIFIER_BYTES);
        assert_ne!(short, short_name(&"é".repeat(41), MAX_IDENTIFIER_BYTES));
        assert_eq!(short_name("fits", 10), "fits");
    }

    #[test]
    fn the_dollar_tag_is_not_in_the_body() {
        assert_eq!(dollar_tag("select 1"), "$body$");
        assert_eq!(dollar_tag("x $body$ y"), "$body1$");
    }
}
