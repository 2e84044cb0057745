//! The TypeScript package `typescript/`: an npm package named after the catalog, of ES modules
//! with declarations and no runtime dependency.
//!
//! | file | module | what it is |
//! |---|---|---|
//! | `package.json` | [`package`] | the package: `exports` for `.` and `./validate` |
//! | `index.d.ts` | [`declarations`], [`tracker`] | the events' types, and the tracker's |
//! | `index.js` | [`tracker`] | `createTracker` with one function per event, the transports |
//! | `validate.js`, `validate.d.ts` | [`validator`] | `validate`: the catalog's rules as data, checked by `checks.js` |
//! | `tracker.js`, `transport.js`, `checks.js` (and `.d.ts`) | [`runtime`] | the fixed runtime the generated modules import |
//!
//! Every catalog string reaches the output as a JSON string literal (in code and in the rule
//! tables, which are JSON) or through [`jsdoc_lines`] (in comments), so no catalog text can end a
//! literal or a comment early. Names that could clash with the catalog's own type names are
//! chosen in [`Names`].

mod declarations;
mod package;
mod runtime;
mod tracker;
mod validator;
mod writer;

use writer::Writer;

use std::collections::BTreeSet;

use serde_json::Value;

use super::OutputFile;
use super::text::jsdoc_lines;
use crate::ir::{Catalog, EnumType, FieldType};

/// The files of the package, sorted by path.
pub fn files(catalog: &Catalog) -> Vec<OutputFile> {
    let names = Names::new(catalog);
    let mut files = vec![
        OutputFile::new(
            "typescript/index.d.ts",
            declarations::index_d_ts(catalog, &names),
        ),
        OutputFile::new("typescript/index.js", tracker::index_js(catalog, &names)),
        OutputFile::new("typescript/package.json", package::package_json(catalog)),
        OutputFile::new("typescript/validate.js", validator::validate_js(catalog)),
        OutputFile::new(
            "typescript/validate.d.ts",
            validator::validate_d_ts(catalog, &names),
        ),
    ];
    files.extend(runtime::files(catalog));
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// The enum types a field's type declares: its own, or its items'.
fn enums(ty: &FieldType) -> Vec<&EnumType> {
    match ty {
        FieldType::Enum(enum_type) => vec![enum_type],
        FieldType::Array(items) => enums(items),
        _ => Vec::new(),
    }
}

/// Type names chosen so that no catalog type can shadow what the declarations rely on.
pub(crate) struct Names {
    /// The envelope's type parameters: `N`, `T`, `V`, `P`, unless an envelope enum is named so
    /// (inside the interface the parameter would hide it).
    params: [String; 4],
    /// `Record<string, unknown>`, unless the catalog declares its own `Record`.
    object: &'static str,
    /// Every type name the catalog's events and enums take.
    taken: BTreeSet<String>,
}

impl Names {
    fn new(catalog: &Catalog) -> Self {
        let envelope = catalog.envelope.fields.iter().map(|f| &f.field);
        let events = catalog.events.values().flat_map(|e| &e.properties);
        let mut taken: BTreeSet<String> = envelope
            .chain(events)
            .flat_map(|field| enums(&field.ty))
            .map(|enum_type| enum_type.type_name.clone())
            .collect();
        let params = ["N", "T", "V", "P"].map(|base| fresh(&taken, base));
        let object = if taken.contains("Record") {
            "{ [key: string]: unknown }"
        } else {
            "Record<string, unknown>"
        };
        for event in catalog.events.values() {
            taken.insert(event.names.type_name.clone());
            taken.insert(event.names.properties_type.clone());
        }
        Names {
            params,
            object,
            taken,
        }
    }

    /// The name the package gives one of its own types (`Tracker`, `Transport`, ...): the name
    /// itself, or with `_` appended while the catalog has a type of that name.
    fn runtime(&self, base: &str) -> String {
        fresh(&self.taken, base)
    }

    fn ts_type(&self, ty: &FieldType) -> String {
        match ty {
            FieldType::String(_) | FieldType::DateTime => "string".into(),
            FieldType::Enum(enum_type) => enum_type.type_name.clone(),
            FieldType::Integer(_) | FieldType::Number(_) => "number".into(),
            FieldType::Boolean => "boolean".into(),
            FieldType::Object => self.object.into(),
            FieldType::Array(items) => {
                let items = self.ts_type(items);
                if items.contains(' ') {
                    format!("({items})[]")
                } else {
                    format!("{items}[]")
                }
            }
        }
    }
}

fn fresh(taken: &BTreeSet<String>, base: &str) -> String {
    let mut name = base.to_owned();
    while taken.contains(&name) {
        name.push('_');
    }
    name
}

/// A property name as written in an interface: bare when it is an identifier name (keywords are
/// fine there), quoted otherwise. ASCII only, so no Unicode-version differences with `tsc`.
pub(crate) fn property_key(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if identifier {
        name.to_owned()
    } else {
        string_literal(name)
    }
}

/// A JSON string is a valid TypeScript string literal of the same value.
pub(crate) fn string_literal(value: &str) -> String {
    Value::from(value).to_string()
}

/// Catalog text as JSDoc lines, without the blank lines YAML block scalars leave around it.
pub(crate) fn text(text: &str) -> Vec<String> {
    jsdoc_lines(text.trim())
}

/// A tag followed by multi-line text: the first line joins the tag, the others follow it.
pub(crate) fn tagged(tag: &str, text: &str) -> Vec<String> {
    jsdoc_lines(&format!("{tag} {}", text.trim()))
}

/// The first line of every file of the package: the generated notice as a `//` comment (the
/// notice holds the catalog's name, and a line break in it would end the comment).
pub(crate) fn notice_line(catalog: &Catalog) -> String {
    format!(
        "// {}\n",
        super::generated_notice(catalog).replace(['\n', '\r', '\u{2028}', '\u{2029}'], " ")
    )
}

/// A JSON value as JavaScript source: JSON is a JavaScript expression, and the two line
/// separators JSON leaves raw are escaped so that no tool that predates ES2019 reads them as
/// line ends.
pub(crate) fn js_value(value: &Value) -> String {
    format!("{value:#}")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_keys_are_bare_only_when_they_are_identifier_names() {
        for (name, key) in [
            ("type", "type"),
            ("default", "default"),
            ("$ref", "$ref"),
            ("_x1", "_x1"),
            ("a-b", "\"a-b\""),
            ("3d", "\"3d\""),
            ("", "\"\""),
            ("with space", "\"with space\""),
            ("ünïcode", "\"ünïcode\""),
            ("q\"uote", "\"q\\\"uote\""),
        ] {
            assert_eq!(property_key(name), key, "key of {name:?}");
        }
    }

    #[test]
    fn string_literals_escape_what_would_end_them() {
        assert_eq!(string_literal("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
    }

    #[test]
    fn single_line_docs_stay_on_one_line() {
        let mut w = Writer::default();
        w.open("x {");
        w.doc(&["one".into()]);
        w.doc(&["a".into(), String::new(), "b".into()]);
        w.close("}");
        assert_eq!(
            w.out,
            "x {\n  /** one */\n  /**\n   * a\n   *\n   * b\n   */\n}\n"
        );
    }
}
