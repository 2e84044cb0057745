//! Escaping of catalog text (descriptions, names) for each output language, in one place.
//!
//! Text from YAML is untrusted: a description may hold `*/`, backticks, `</script>`, pipes or
//! newlines. Every emitter that puts catalog text into a comment or a document goes through here.

/// Catalog text with its control characters made visible, for every comment and document: a
/// CR or CRLF is a line break (`\n`), a tab stays, and any other control character (NUL, the
/// other C0 and the C1 controls, DEL) and the Unicode line and paragraph separators (U+2028,
/// U+2029, which JavaScript and some editors read as line breaks) become the text `\u{..}`.
/// Nothing invisible then reaches a doc comment, where a bare CR is a Rust syntax error and a
/// line separator would end a `//` comment early in some tools.
pub fn visible_controls(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => out.push('\n'),
            '\n' | '\t' => out.push(c),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out
}

/// Text safe inside a `/** ... */` JSDoc block: `*/` cannot close the comment early, and each
/// line is returned separately so the caller can prefix ` * `.
pub fn jsdoc_lines(text: &str) -> Vec<String> {
    visible_controls(text)
        .lines()
        .map(|line| line.replace("*/", "*\\/").trim_end().to_owned())
        .collect()
}

/// Text safe inside a Markdown table cell, paragraph, list item or heading: HTML is shown, not
/// interpreted; pipes do not split cells; newlines become `<br>` so a cell stays on one line.
///
/// Beyond CommonMark, GitHub reads `~` as strikethrough and `$` as math, so both are escaped too.
/// The text may start a line (a paragraph, or right after a list marker), so a leading `-`, `+`
/// or `1.` is escaped where it would otherwise open a list or a thematic break.
pub fn markdown_inline(text: &str) -> String {
    let text = visible_controls(text);
    let text = text.trim();
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    if text.starts_with(['-', '+']) {
        out.push('\\');
    }
    // CommonMark: 1 to 9 digits, `.` or `)`, then a space or the end of the line.
    let ordered_marker = text
        .find(|c: char| !c.is_ascii_digit())
        .filter(|&end| (1..=9).contains(&end) && text[end..].starts_with(['.', ')']))
        .filter(|&end| {
            text[end + 1..]
                .chars()
                .next()
                .is_none_or(char::is_whitespace)
        });
    while let Some((index, c)) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if Some(index) == ordered_marker => {
                out.push('\\');
                out.push(c);
            }
            '\r' if chars.peek().is_some_and(|&(_, next)| next == '\n') => {}
            '\n' | '\r' => out.push_str("<br>"),
            c => out.push(c),
        }
    }
    out
}

/// [`markdown_inline`] on one line, for headings: a `<br>` there would make the anchor GitHub
/// derives from the heading differ from the text a reader sees.
pub fn markdown_heading(text: &str) -> String {
    markdown_inline(&one_line(text))
}

/// Line breaks replaced by spaces: what headings and code spans can hold.
pub fn one_line(text: &str) -> String {
    visible_controls(text).replace('\n', " ")
}

/// A Markdown code span holding `text` verbatim, whatever backticks it contains.
///
/// Line breaks become spaces (a code span cannot hold one). A space is added inside each fence
/// when the text starts or ends with a backtick or a space, because CommonMark strips exactly one
/// space from each side of a code span that has one on both.
pub fn markdown_code(text: &str) -> String {
    let text = one_line(text);
    let longest_run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest_run + 1);
    let pad = if text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']) || text.is_empty() {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// A code span that is safe inside a table cell.
///
/// GFM splits cells on every `|` not escaped as `\|`, even inside a code span, and removes that
/// backslash before the span is read, so pipes are escaped. A `\` right before a `|` cannot be
/// written in a code span in a cell (GitHub's cmark-gfm and pulldown-cmark read `\\|`
/// differently), so such text is shown as escaped plain text instead: exact, if not monospace.
pub fn markdown_table_code(text: &str) -> String {
    if text.contains("\\|") {
        return markdown_inline(&one_line(text));
    }
    markdown_code(text).replace('|', "\\|")
}

/// Text safe inside an HTML comment (`<!-- ... -->`): with no `>` left, neither `-->` nor
/// `--!>` can close the comment early.
pub fn html_comment(text: &str) -> String {
    visible_controls(text).replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_made_visible() {
        assert_eq!(
            visible_controls("a\rb\r\nc\0d\u{1b}e\u{85}f\u{2028}g\u{2029}h\u{7f}\ti"),
            "a\nb\nc\\u{0}d\\u{1b}e\\u{85}f\\u{2028}g\\u{2029}h\\u{7f}\ti"
        );
        assert_eq!(jsdoc_lines("a\rb"), ["a", "b"]);
        assert_eq!(one_line("a\u{2028}b\rc"), "a\\u{2028}b c");
        assert_eq!(markdown_inline("a\0b"), "a\\\\u{0}b");
    }

    #[test]
    fn jsdoc_cannot_be_closed_early() {
        assert_eq!(jsdoc_lines("a */ b\nc"), vec!["a *\\/ b", "c"]);
    }

    #[test]
    fn markdown_inline_escapes_html_and_tables() {
        assert_eq!(
            markdown_inline("</script> | `x` *y*\nz"),
            "&lt;/script&gt; \\| \\`x\\` \\*y\\*<br>z"
        );
    }

    #[test]
    fn markdown_code_survives_backticks() {
        assert_eq!(markdown_code("a`b"), "``a`b``");
        assert_eq!(markdown_code("`x"), "`` `x ``");
        assert_eq!(markdown_code("plain"), "`plain`");
    }

    #[test]
    fn markdown_inline_cannot_start_a_block() {
        assert_eq!(markdown_inline("- a"), "\\- a");
        assert_eq!(markdown_inline("+ a"), "\\+ a");
        assert_eq!(markdown_inline("---"), "\\---");
        assert_eq!(markdown_inline("12. a"), "12\\. a");
        assert_eq!(markdown_inline("3) a"), "3\\) a");
        assert_eq!(markdown_inline("3 a. b"), "3 a. b");
        assert_eq!(markdown_inline("3.5 s"), "3.5 s");
        assert_eq!(markdown_inline("7."), "7\\.");
        assert_eq!(markdown_inline("# a"), "\\# a");
        assert_eq!(markdown_inline("~~~ $x$"), "\\~\\~\\~ \\$x\\$");
    }

    #[test]
    fn markdown_inline_line_breaks() {
        assert_eq!(markdown_inline("a\r\nb\rc\n\nd"), "a<br>b<br>c<br><br>d");
        assert_eq!(markdown_heading(" a\nb "), "a b");
    }

    #[test]
    fn markdown_code_keeps_edge_spaces() {
        assert_eq!(markdown_code(" a"), "`  a `");
        assert_eq!(markdown_code("a\nb"), "`a b`");
        assert_eq!(markdown_code(""), "`  `");
    }

    #[test]
    fn markdown_table_code_escapes_pipes() {
        assert_eq!(markdown_table_code("(a|b)"), "`(a\\|b)`");
        assert_eq!(markdown_table_code("a\\|b"), "a\\\\\\|b");
    }

    #[test]
    fn html_comment_cannot_be_closed_early() {
        assert_eq!(html_comment("a --> b --!> c"), "a --&gt; b --!&gt; c");
    }
}
