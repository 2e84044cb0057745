//! One canonical layout for catalog files (`eventcat fmt`).
//!
//! The layout: the `yaml-language-server` modeline first; block mappings indented by two
//! spaces; the keys of a format record (a property, a group, the file itself) in the order the
//! format defines them, the entries of a named map (properties, categories, policies) in the
//! author's order; a list of short words in flow style (`[a, b]`) when it fits in
//! [`LINE_WIDTH`] columns, otherwise one `- item` a line; scalars plain when YAML reads them
//! back as the same value, otherwise double-quoted. Text is never re-wrapped (folding a plain
//! scalar across lines is legal YAML but easy to break by hand).
//!
//! No well-kept YAML crate rewrites a document while keeping its comments in place, so a file
//! with a comment other than the modeline is refused (and left untouched) rather than stripped.
//! Every result is parsed again and compared with the input, value for value, before it is
//! returned: formatting can change the layout, never the content.

use serde_json::Value as Json;

use crate::load::node::{self, Node, Value};
use crate::load::shape::FileKind;

/// Lines longer than this put a flow list in block style.
pub const LINE_WIDTH: usize = 100;

/// Why a file is not formatted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FmtError {
    #[error(
        "line {line}: the file has a comment, and `eventcat fmt` cannot keep comments in place; move what it says into a description (or remove it), then run fmt again"
    )]
    HasComment { line: u32 },
    #[error(
        "the file does not parse as a catalog file: run `eventcat lint` and fix its findings first ({0})"
    )]
    Invalid(String),
    #[error(
        "internal error: the formatted text does not read back as the same values; the file was left as it is"
    )]
    NotRoundTrip,
}

/// Whether a file is `catalog.yaml` or an event file (the modeline and key order differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Catalog,
    Event,
}

impl Kind {
    fn modeline(self) -> &'static str {
        match self {
            Kind::Catalog => "# yaml-language-server: $schema=schema/catalog.schema.json",
            Kind::Event => "# yaml-language-server: $schema=../../schema/event.schema.json",
        }
    }

    fn file_kind(self) -> FileKind {
        match self {
            Kind::Catalog => FileKind::Catalog,
            Kind::Event => FileKind::Event,
        }
    }
}

/// The canonical layout of `text`.
pub fn format(text: &str, kind: Kind) -> Result<String, FmtError> {
    let valid = match kind {
        Kind::Catalog => serde_saphyr::from_str::<crate::model::CatalogDef>(text).map(|_| ()),
        Kind::Event => serde_saphyr::from_str::<crate::model::EventDef>(text).map(|_| ()),
    };
    valid.map_err(|e| FmtError::Invalid(e.to_string().lines().next().unwrap_or("").to_owned()))?;
    if let Some(line) = first_comment(text) {
        return Err(FmtError::HasComment { line });
    }
    let tree = node::parse(text).map_err(|e| FmtError::Invalid(e.to_string()))?;
    let schema = kind.file_kind().schema();
    let mut writer = Writer {
        root: schema,
        out: String::new(),
    };
    writer.out.push_str(kind.modeline());
    writer.out.push('\n');
    writer.mapping_body(&tree, Some(schema), 0);
    let mut formatted = writer.out;
    if kind == Kind::Catalog {
        formatted = separate_sections(&formatted);
    }
    let again = node::parse(&formatted).map_err(|_| FmtError::NotRoundTrip)?;
    if !same(&tree, &again) {
        return Err(FmtError::NotRoundTrip);
    }
    Ok(formatted)
}

/// A blank line before each top-level key whose value takes several lines (catalog.yaml's
/// envelope, policies, categories): the file is long, and its sections should stand out.
fn separate_sections(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::with_capacity(text.len() + 64);
    for (index, line) in lines.iter().enumerate() {
        let top_level = !line.starts_with(' ') && !line.starts_with('#') && !line.starts_with('-');
        let block_follows = lines
            .get(index + 1)
            .is_some_and(|next| next.starts_with(' '));
        let first_key = lines[..index].iter().all(|l| l.starts_with('#'));
        if top_level && block_follows && !first_key && !line.ends_with(">-") {
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// `text` as a folded block scalar (`>-`) wrapped to [`LINE_WIDTH`] at `indent`, when folding
/// reads back as the same text (single spaces only, no line breaks, no edge spaces).
fn folded(text: &str, indent: usize) -> Option<String> {
    if text.contains("  ")
        || text.contains(['\n', '\t', '\r'])
        || text.trim() != text
        || text.is_empty()
    {
        return None;
    }
    let width = LINE_WIDTH.saturating_sub(indent).max(20);
    let mut lines: Vec<String> = Vec::new();
    for word in text.split(' ') {
        match lines.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_owned()),
        }
    }
    let pad = " ".repeat(indent);
    let mut block = " >-\n".to_owned();
    for line in &lines {
        block.push_str(&pad);
        block.push_str(line);
        block.push('\n');
    }
    let reads_back = matches!(node::parse(&format!("k:{block}")),
        Ok(Node { value: Value::Map(e), .. }) if e.len() == 1 && e[0].1.value == Value::Str(text.to_owned()));
    reads_back.then_some(block)
}

/// The line of the first comment that is not the modeline on line 1.
fn first_comment(text: &str) -> Option<u32> {
    use serde_saphyr::granit_parser::{Event, Parser};
    for event in Parser::new_from_str(text) {
        let Ok((event, span)) = event else {
            return None;
        };
        if let Event::Comment(comment, _) = event {
            let line = span.start.line() as u32;
            let is_modeline =
                line == 1 && comment.trim_start().starts_with("yaml-language-server:");
            if !is_modeline {
                return Some(line);
            }
        }
    }
    None
}

/// Equal values, positions aside.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.iter().any(|(k2, v2)| k.value == k2.value && same(v, v2)))
        }
        (Value::Float(x), Value::Float(y)) => x.to_bits() == y.to_bits() || x == y,
        (x, y) => x == y,
    }
}

struct Writer<'a> {
    root: &'a Json,
    out: String,
}

impl<'a> Writer<'a> {
    /// The schema `schema` points at (through `$ref`, and the non-null branch of an `anyOf`).
    fn resolve(&self, schema: Option<&'a Json>) -> Option<&'a Json> {
        let mut schema = schema?;
        for _ in 0..16 {
            if let Some(name) = schema
                .get("$ref")
                .and_then(Json::as_str)
                .and_then(|r| r.strip_prefix("#/$defs/"))
            {
                schema = self.root.get("$defs")?.get(name)?;
                continue;
            }
            if let Some(alternatives) = schema.get("anyOf").and_then(Json::as_array) {
                let non_null: Vec<&Json> = alternatives
                    .iter()
                    .filter(|a| a.get("type").and_then(Json::as_str) != Some("null"))
                    .collect();
                if let [only] = non_null.as_slice() {
                    schema = only;
                    continue;
                }
            }
            break;
        }
        Some(schema)
    }

    /// The entries of a mapping at `indent`, keys ordered as the schema lists them.
    fn mapping_body(&mut self, node: &Node, schema: Option<&'a Json>, indent: usize) {
        let Value::Map(entries) = &node.value else {
            return;
        };
        let schema = self.resolve(schema);
        let properties = schema
            .and_then(|s| s.get("properties"))
            .and_then(Json::as_object);
        let additional = schema
            .and_then(|s| s.get("additionalProperties"))
            .filter(|a| a.is_object());
        let mut ordered: Vec<&(Node, Node)> = entries.iter().collect();
        if let Some(properties) = properties {
            let rank = |key: &Node| match &key.value {
                Value::Str(k) => properties.keys().position(|p| p == k).unwrap_or(usize::MAX),
                _ => usize::MAX,
            };
            ordered.sort_by_key(|(k, _)| rank(k));
        }
        for (key, value) in ordered {
            let key_text = match &key.value {
                Value::Str(k) => k.clone(),
                other => scalar_plain(other),
            };
            let child = match (properties.and_then(|p| p.get(&key_text)), additional) {
                (Some(schema), _) => Some(schema),
                (None, Some(schema)) => Some(schema),
                _ => None,
            };
            self.pad(indent);
            self.out.push_str(&scalar(&Value::Str(key_text)));
            self.out.push(':');
            self.value(value, child, indent);
        }
    }

    /// A value after `key:` (on the same line, or the next lines indented).
    fn value(&mut self, node: &Node, schema: Option<&'a Json>, indent: usize) {
        match &node.value {
            Value::Map(entries) if entries.is_empty() => self.out.push_str(" {}\n"),
            Value::Map(_) => {
                self.out.push('\n');
                self.mapping_body(node, schema, indent + 2);
            }
            Value::Seq(items) if items.is_empty() => self.out.push_str(" []\n"),
            Value::Seq(items) => {
                let item_schema = self.resolve(schema).and_then(|s| s.get("items"));
                if let Some(flow) = flow_list(items)
                    && self.current_column() + 1 + flow.chars().count() <= LINE_WIDTH
                {
                    self.out.push(' ');
                    self.out.push_str(&flow);
                    self.out.push('\n');
                    return;
                }
                self.out.push('\n');
                for item in items {
                    self.pad(indent + 2);
                    self.out.push('-');
                    match &item.value {
                        Value::Map(entries) if !entries.is_empty() => {
                            // `- key: value` with the other keys aligned under the first.
                            let mut inner = Writer {
                                root: self.root,
                                out: String::new(),
                            };
                            inner.mapping_body(item, item_schema, indent + 4);
                            self.out.push(' ');
                            self.out.push_str(inner.out.trim_start());
                        }
                        _ => self.value(item, item_schema, indent + 2),
                    }
                }
            }
            Value::Str(text)
                if self.current_column() + 1 + scalar(&node.value).chars().count() > LINE_WIDTH =>
            {
                match folded(text, indent + 2) {
                    Some(block) => self.out.push_str(&block),
                    None => {
                        self.out.push(' ');
                        self.out.push_str(&scalar(&node.value));
                        self.out.push('\n');
                    }
                }
            }
            scalar_value => {
                self.out.push(' ');
                self.out.push_str(&scalar(scalar_value));
                self.out.push('\n');
            }
        }
    }

    /// Columns used on the line being written.
    fn current_column(&self) -> usize {
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        self.out[line_start..].chars().count()
    }

    fn pad(&mut self, indent: usize) {
        self.out.extend(std::iter::repeat_n(' ', indent));
    }
}

/// `[a, b, c]` when every item is a scalar that can stand plain in a flow list.
fn flow_list(items: &[Node]) -> Option<String> {
    let mut parts = Vec::with_capacity(items.len());
    for item in items {
        let text = scalar(&item.value);
        let flow_safe = !matches!(item.value, Value::Seq(_) | Value::Map(_))
            && (text.starts_with('"') || !text.contains([',', '[', ']', '{', '}', '#', ':']))
            && !text.contains(' ');
        if !flow_safe {
            return None;
        }
        parts.push(text);
    }
    Some(format!("[{}]", parts.join(", ")))
}

/// A scalar as it is written: plain when it reads back as the same value, else double-quoted.
fn scalar(value: &Value) -> String {
    match value {
        Value::Str(text) => {
            if plain_reads_back(text) {
                text.clone()
            } else {
                serde_json::to_string(text).expect("a string serializes")
            }
        }
        other => scalar_plain(other),
    }
}

fn scalar_plain(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        // `{:?}` keeps a float a float (`1.0`, not `1`) and round-trips.
        Value::Float(f) => format!("{f:?}"),
        Value::Str(s) => s.clone(),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

/// Whether `text`, written plain as a mapping value and as a key, is read back as this string.
fn plain_reads_back(text: &str) -> bool {
    if text.is_empty()
        || text.trim() != text
        || text.contains('\n')
        || text.contains(": ")
        || text.contains(" #")
    {
        return false;
    }
    let as_value = node::parse(&format!("k: {text}\n"));
    let as_key = node::parse(&format!("{text}: v\n"));
    let value_ok = matches!(&as_value, Ok(Node { value: Value::Map(e), .. })
        if e.len() == 1 && e[0].1.value == Value::Str(text.to_owned()));
    let key_ok = matches!(&as_key, Ok(Node { value: Value::Map(e), .. })
        if e.len() == 1 && e[0].0.value == Value::Str(text.to_owned()));
    value_ok && key_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_are_quoted_only_when_needed() {
        for (text, expected) in [
            ("plain words", "plain words"),
            ("1.0.0", "1.0.0"),
            ("1.0", "\"1.0\""),
            ("true", "\"true\""),
            ("null", "\"null\""),
            ("a: b", "\"a: b\""),
            ("x #y", "\"x #y\""),
            ("- item", "\"- item\""),
            ("", "\"\""),
            ("two\nlines", "\"two\\nlines\""),
            ("*alias", "\"*alias\""),
        ] {
            assert_eq!(scalar(&Value::Str(text.to_owned())), expected, "{text:?}");
        }
    }

    #[test]
    fn comments_other_than_the_modeline_are_refused() {
        let modeline = "# yaml-language-server: $schema=../../schema/event.schema.json\n";
        let body =
            "name: a.b\nversion: 1.0.0\ngroup: g\ndescription: d\ntrigger: t\nproperties: {}\n";
        assert!(format(&format!("{modeline}{body}"), Kind::Event).is_ok());
        assert_eq!(
            format(&format!("{modeline}{body}# a note\n"), Kind::Event),
            Err(FmtError::HasComment { line: 8 })
        );
        assert_eq!(
            format(&body.replace("group: g", "group: g # why"), Kind::Event),
            Err(FmtError::HasComment { line: 3 })
        );
        // A `#` inside text is no comment.
        assert!(
            format(
                &body.replace("description: d", "description: \"issue #4\""),
                Kind::Event
            )
            .is_ok()
        );
    }

    #[test]
    fn keys_follow_the_format_and_the_result_is_stable() {
        let messy = "properties:\n  b:\n    description: B\n    type: string\n  a: {type: integer, description: A, minimum: 1.0}\ntrigger: t\nname: a.b\nversion: 1.0.0\ndescription: d\ngroup: g\nusage: [one thing, another]\n";
        let once = format(messy, Kind::Event).unwrap();
        assert_eq!(
            once,
            "# yaml-language-server: $schema=../../schema/event.schema.json\nname: a.b\nversion: 1.0.0\ngroup: g\ndescription: d\ntrigger: t\nproperties:\n  b:\n    type: string\n    description: B\n  a:\n    type: integer\n    description: A\n    minimum: 1.0\nusage:\n  - one thing\n  - another\n"
        );
        assert_eq!(format(&once, Kind::Event).unwrap(), once);
    }
}
