//! Every shape problem of a file at once: unknown keys, wrong value types, missing keys.
//!
//! serde stops at the first error, so a file with three typos would take three runs to fix. When
//! typed deserialization fails, the loader calls [`check`], which walks the file's
//! [`node`](super::node) tree against the JSON Schema of the format, the one `schemars` derives
//! from the same model types serde reads (and that editors use through the modeline), so the two
//! cannot disagree about what is allowed. Values are accepted as serde-saphyr's typed
//! deserialization accepts them (a quoted `'1'` is a number, `yes` a boolean), so the walk reports
//! nothing serde would let through.
//!
//! A missing key that an unknown key probably meant (`descripton` for `description`) is not
//! reported again: the unknown key's "did you mean" already says it.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::Value as Json;

use super::node::{self, Node, Value};
use crate::diagnostics::{Finding, Rule};
use crate::span::Pos;
use crate::suggest;

/// Which format a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    Catalog,
    Event,
}

impl FileKind {
    pub(crate) fn schema(self) -> &'static Json {
        static CATALOG: OnceLock<Json> = OnceLock::new();
        static EVENT: OnceLock<Json> = OnceLock::new();
        match self {
            FileKind::Catalog => {
                CATALOG.get_or_init(|| schemars::schema_for!(crate::model::CatalogDef).to_value())
            }
            FileKind::Event => {
                EVENT.get_or_init(|| schemars::schema_for!(crate::model::EventDef).to_value())
            }
        }
    }

    fn noun(self) -> &'static str {
        match self {
            FileKind::Catalog => "catalog.yaml",
            FileKind::Event => "the event file",
        }
    }
}

/// What a file holds, as far as the shape check could tell.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Every shape problem, in source order. Empty when the tree could not be read (a syntax
    /// error: the caller reports serde's error instead) or when it found nothing.
    pub findings: Vec<Finding>,
    /// The top-level `name`, when it is a string (to recognise a broken event elsewhere).
    pub name: Option<String>,
    /// The top-level `group`, when it is a string.
    pub group: Option<String>,
}

/// Walks `text` against the schema of `kind`, collecting every problem.
pub(crate) fn check(text: &str, file: &str, kind: FileKind) -> Shape {
    let Ok(tree) = node::parse(text) else {
        return Shape::default();
    };
    let root = kind.schema();
    let mut walker = Walker {
        root,
        file,
        findings: Vec::new(),
    };
    walker.check(&tree, root, &Context::top(kind));
    Shape {
        findings: walker.findings,
        name: top_level_string(&tree, "name"),
        group: top_level_string(&tree, "group"),
    }
}

fn top_level_string(tree: &Node, key: &str) -> Option<String> {
    let Value::Map(entries) = &tree.value else {
        return None;
    };
    entries
        .iter()
        .find_map(|(k, v)| match (&k.value, &v.value) {
            (Value::Str(k), Value::Str(v)) if k == key => Some(v.clone()),
            _ => None,
        })
}

/// Where in the file a value is, for messages.
#[derive(Debug, Clone)]
struct Context {
    /// The key whose value this is (`minimum`), when there is one.
    key: Option<String>,
    /// The mapping this value's keys belong to, as a phrase: "property `gift`", "the event file".
    mapping: String,
}

impl Context {
    fn top(kind: FileKind) -> Self {
        Context {
            key: None,
            mapping: kind.noun().to_owned(),
        }
    }

    /// "`minimum`" or "the value".
    fn subject(&self) -> String {
        match &self.key {
            Some(key) => format!("`{key}`"),
            None => format!("{} as a whole", self.mapping),
        }
    }
}

/// The noun for a mapping described by a `$defs` entry, so messages say "in property `gift`".
fn def_noun(def: &str) -> Option<&'static str> {
    Some(match def {
        "PropertyDef" => "property",
        "GroupDef" => "group",
        "CategoryDef" => "category",
        "RetentionPolicyDef" => "retention policy",
        "EnvelopeDef" => "the envelope",
        _ => return None,
    })
}

struct Walker<'a> {
    root: &'a Json,
    file: &'a str,
    findings: Vec<Finding>,
}

impl<'a> Walker<'a> {
    fn push(&mut self, rule: Rule, pos: Pos, message: String, help: Option<String>) {
        let mut finding = Finding::new(rule, self.file, pos, message);
        if let Some(help) = help {
            finding = finding.with_help(help);
        }
        self.findings.push(finding);
    }

    /// Follows `$ref`s to the schema they name, returning it and the name of the last `$defs`
    /// entry on the way.
    fn resolve(&self, mut schema: &'a Json) -> (&'a Json, Option<&'a str>) {
        let mut def = None;
        for _ in 0..16 {
            let Some(target) = schema.get("$ref").and_then(Json::as_str) else {
                break;
            };
            let Some(name) = target.strip_prefix("#/$defs/") else {
                break;
            };
            match self.root.get("$defs").and_then(|d| d.get(name)) {
                Some(next) => {
                    schema = next;
                    def = Some(name);
                }
                None => break,
            }
        }
        (schema, def)
    }

    /// Whether `node` satisfies `schema`, without reporting anything.
    fn fits(&self, node: &Node, schema: &'a Json, context: &Context) -> bool {
        let mut probe = Walker {
            root: self.root,
            file: self.file,
            findings: Vec::new(),
        };
        probe.check(node, schema, context);
        probe.findings.is_empty()
    }

    fn check(&mut self, node: &Node, schema: &'a Json, context: &Context) {
        let (schema, _) = self.resolve(schema);
        if schema.as_bool() == Some(true) {
            return;
        }
        if let Some(alternatives) = schema
            .get("anyOf")
            .or_else(|| schema.get("oneOf"))
            .and_then(Json::as_array)
        {
            self.check_alternatives(node, alternatives, context);
            return;
        }
        let types = types_of(schema);
        if node.value == Value::Null && types.contains(&"null") {
            return;
        }
        if !types.is_empty() && !types.iter().any(|ty| accepts(ty, &node.value)) {
            let expected: Vec<&str> = types
                .iter()
                .filter(|ty| **ty != "null")
                .map(|ty| type_phrase(ty))
                .collect();
            self.push(
                Rule::InvalidValue,
                node.pos,
                format!(
                    "{} must be {}, not {}",
                    context.subject(),
                    expected.join(" or "),
                    node.value.describe()
                ),
                None,
            );
            return;
        }
        if let Some(values) = allowed_values(schema) {
            self.check_value_in(node, &values, context);
            return;
        }
        match &node.value {
            Value::Map(entries) => self.check_mapping(node, entries, schema, context),
            Value::Seq(items) => {
                if let Some(item_schema) = schema.get("items") {
                    let item_context = Context {
                        key: context.key.as_ref().map(|k| format!("{k}` entry `")),
                        mapping: context.mapping.clone(),
                    };
                    for item in items {
                        self.check(item, item_schema, &item_context);
                    }
                }
            }
            scalar => self.check_scalar(node, scalar, schema, context),
        }
    }

    /// `anyOf`/`oneOf`: `null` or one schema (an `Option`), a set of constants (an enum), or else
    /// the first alternative that fits.
    fn check_alternatives(&mut self, node: &Node, alternatives: &'a [Json], context: &Context) {
        let resolved: Vec<&'a Json> = alternatives.iter().map(|a| self.resolve(a).0).collect();
        let allows_null = resolved.iter().any(|a| types_of(a) == ["null"]);
        if node.value == Value::Null && allows_null {
            return;
        }
        let non_null: Vec<&'a Json> = alternatives
            .iter()
            .zip(&resolved)
            .filter(|(_, r)| types_of(r) != ["null"])
            .map(|(a, _)| a)
            .collect();
        if let [only] = non_null.as_slice() {
            self.check(node, only, context);
            return;
        }
        let values: Option<Vec<String>> = non_null
            .iter()
            .map(|a| allowed_values(self.resolve(a).0))
            .collect::<Option<Vec<_>>>()
            .map(|sets| sets.into_iter().flatten().collect());
        if let Some(values) = values {
            self.check_value_in(node, &values, context);
            return;
        }
        if non_null.iter().any(|a| self.fits(node, a, context)) {
            return;
        }
        if let Some(first) = non_null.first() {
            self.check(node, first, context);
        }
    }

    /// A closed set of words (`type`, `unit`, `format`, `pii`, a change kind).
    fn check_value_in(&mut self, node: &Node, values: &[String], context: &Context) {
        let text = match &node.value {
            Value::Str(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
            Value::Int(i) => i.to_string(),
            Value::Float(f) => f.to_string(),
            other => {
                self.push(
                    Rule::InvalidValue,
                    node.pos,
                    format!(
                        "{} must be one word of a fixed list, not {}",
                        context.subject(),
                        other.describe()
                    ),
                    Some(format!("allowed: {}", values.join(", "))),
                );
                return;
            }
        };
        if values.contains(&text) {
            return;
        }
        let what = match context.key.as_deref() {
            Some("kind") => "change kind".to_owned(),
            Some(key) => key.replace('_', " "),
            None => "value".to_owned(),
        };
        self.push(
            Rule::UnknownType,
            node.pos,
            format!(
                "unknown {what} `{text}`{}",
                suggest::did_you_mean(&text, values.iter().map(String::as_str))
            ),
            Some(format!("allowed: {}", values.join(", "))),
        );
    }

    fn check_scalar(&mut self, node: &Node, scalar: &Value, schema: &'a Json, context: &Context) {
        if let Some(pattern) = schema.get("pattern").and_then(Json::as_str) {
            let text = scalar_text(scalar);
            let matches = regex::Regex::new(pattern).is_ok_and(|re| re.is_match(&text));
            if !matches {
                let examples = schema
                    .get("examples")
                    .and_then(Json::as_array)
                    .map(|e| {
                        e.iter()
                            .filter_map(Json::as_str)
                            .map(|s| format!("`{s}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .filter(|e| !e.is_empty());
                self.push(
                    Rule::InvalidValue,
                    node.pos,
                    format!(
                        "{} is not of the expected form: {}",
                        context.subject(),
                        scalar.describe()
                    ),
                    examples.map(|e| format!("for example {e}")),
                );
            }
        }
        if let (Some(minimum), Some(number)) = (
            schema.get("minimum").and_then(Json::as_f64),
            scalar_number(scalar),
        ) && number < minimum
        {
            self.push(
                Rule::InvalidValue,
                node.pos,
                format!(
                    "{} must be at least {minimum}, not {}",
                    context.subject(),
                    scalar.describe()
                ),
                None,
            );
        }
    }

    fn check_mapping(
        &mut self,
        node: &Node,
        entries: &[(Node, Node)],
        schema: &'a Json,
        context: &Context,
    ) {
        let properties = schema.get("properties").and_then(Json::as_object);
        let additional = schema.get("additionalProperties");
        let allowed: Vec<&str> = properties
            .map(|p| p.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let mut seen: Vec<(String, Pos)> = Vec::new();
        let mut meant: BTreeSet<&str> = BTreeSet::new();
        for (key, value) in entries {
            let name = match &key.value {
                Value::Map(_) | Value::Seq(_) | Value::Null => {
                    self.push(
                        Rule::InvalidValue,
                        key.pos,
                        format!(
                            "a key in {} must be a word, not {}",
                            context.mapping,
                            key.value.describe()
                        ),
                        None,
                    );
                    continue;
                }
                scalar => scalar_text(scalar),
            };
            if let Some((_, first)) = seen.iter().find(|(k, _)| *k == name) {
                self.push(
                    Rule::DuplicateKey,
                    key.pos,
                    format!(
                        "key `{name}` appears twice in {} (first at line {})",
                        context.mapping, first.line
                    ),
                    Some("remove one of them".to_owned()),
                );
                continue;
            }
            seen.push((name.clone(), key.pos));
            let child = |mapping: String| Context {
                key: Some(name.clone()),
                mapping,
            };
            if let Some(property) = properties.and_then(|p| p.get(&name)) {
                let mapping = format!("`{name}` of {}", context.mapping);
                self.check(value, property, &child(mapping));
            } else if let Some(item) = additional.filter(|a| a.is_object()) {
                let (_, item_def) = self.resolve(item);
                let mapping = match item_def.and_then(def_noun) {
                    Some(noun) => format!("{noun} `{name}`"),
                    None => format!("`{name}`"),
                };
                self.check(value, item, &child(mapping));
            } else if additional.and_then(Json::as_bool) == Some(false) {
                let unseen = allowed.iter().copied();
                let suggestion = suggest::closest(&name, unseen);
                if let Some(suggestion) = suggestion {
                    meant.insert(suggestion);
                }
                self.push(
                    Rule::UnknownKey,
                    key.pos,
                    format!(
                        "unknown key `{name}` in {}{}",
                        context.mapping,
                        suggestion
                            .map(|s| format!("; did you mean `{s}`?"))
                            .unwrap_or_default()
                    ),
                    Some(format!("the keys allowed here: {}", allowed.join(", "))),
                );
            }
        }
        let required = schema
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str);
        for key in required {
            if seen.iter().any(|(k, _)| k == key) || meant.contains(key) {
                continue;
            }
            let description = properties
                .and_then(|p| p.get(key))
                .and_then(|p| p.get("description"))
                .and_then(Json::as_str)
                .map(|d| format!(": {}", d.lines().next().unwrap_or_default()))
                .unwrap_or_default();
            self.push(
                Rule::InvalidValue,
                node.pos,
                format!("{} has no `{key}`, which is required", context.mapping),
                Some(format!("add `{key}`{description}")),
            );
        }
    }
}

/// The `type` of a schema as a list (`"string"` or `["string", "null"]`).
fn types_of(schema: &Json) -> Vec<&str> {
    match schema.get("type") {
        Some(Json::String(ty)) => vec![ty.as_str()],
        Some(Json::Array(types)) => types.iter().filter_map(Json::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The words a schema allows (`enum` or `const`), when it is a closed set of strings.
fn allowed_values(schema: &Json) -> Option<Vec<String>> {
    if let Some(value) = schema.get("const").and_then(Json::as_str) {
        return Some(vec![value.to_owned()]);
    }
    schema.get("enum").and_then(Json::as_array).map(|values| {
        values
            .iter()
            .filter_map(Json::as_str)
            .map(str::to_owned)
            .collect()
    })
}

/// Whether serde-saphyr's typed deserialization would accept `value` for a JSON Schema `type`:
/// scalars are read from their text, so `'1'` is a number and `12` a string.
fn accepts(ty: &str, value: &Value) -> bool {
    match (ty, value) {
        ("null", Value::Null) => true,
        ("object", Value::Map(_)) | ("array", Value::Seq(_)) => true,
        ("string", Value::Str(_) | Value::Bool(_) | Value::Int(_) | Value::Float(_)) => true,
        ("number", Value::Int(_) | Value::Float(_)) | ("integer", Value::Int(_)) => true,
        ("number", Value::Str(s)) => s.trim().parse::<f64>().is_ok(),
        ("integer", Value::Str(s)) => s.trim().parse::<i128>().is_ok(),
        ("boolean", Value::Bool(_)) => true,
        ("boolean", Value::Str(s)) => matches!(
            s.to_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
        ),
        _ => false,
    }
}

fn type_phrase(ty: &str) -> &'static str {
    match ty {
        "object" => "a mapping",
        "array" => "a list",
        "string" => "text",
        "number" => "a number",
        "integer" => "a whole number",
        "boolean" => "true or false",
        _ => "a value",
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Str(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Null => String::new(),
        Value::Seq(_) | Value::Map(_) => String::new(),
    }
}

fn scalar_number(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Str(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(text: &str, kind: FileKind) -> Vec<String> {
        check(text, "f.yaml", kind)
            .findings
            .iter()
            .map(|f| format!("{}:{} {} {}", f.line, f.column, f.rule, f.message))
            .collect()
    }

    const EVENT: &str = "\
name: shop.x
version: 1.0.0
group: g
description: d
trigger: t
properties:
  a:
    type: string
    description: d
";

    #[test]
    fn a_valid_file_has_no_shape_finding() {
        assert_eq!(findings(EVENT, FileKind::Event), Vec::<String>::new());
        let catalog = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/catalog.yaml"),
        )
        .unwrap();
        assert_eq!(findings(&catalog, FileKind::Catalog), Vec::<String>::new());
    }

    #[test]
    fn each_problem_is_found_once_and_located() {
        for (broken, expected) in [
            (
                EVENT.replace("description: d\ntrigger", "descripton: d\ntrigger"),
                vec![
                    "4:1 unknown-key unknown key `descripton` in the event file; did you mean `description`?",
                ],
            ),
            (
                EVENT.replace("    type: string", "    typ: string\n    pi: hashed"),
                vec![
                    "8:5 unknown-key unknown key `typ` in property `a`; did you mean `type`?",
                    "9:5 unknown-key unknown key `pi` in property `a`; did you mean `pii`?",
                ],
            ),
            (
                EVENT.replace("type: string", "type: strng"),
                vec!["8:11 unknown-type unknown type `strng`; did you mean `string`?"],
            ),
            (
                EVENT.replace(
                    "type: string",
                    "type: string\n    minimum: none\n    optional: maybe",
                ),
                vec![
                    "9:14 invalid-value `minimum` must be a number, not the string `none`",
                    "10:15 invalid-value `optional` must be true or false, not the string `maybe`",
                ],
            ),
            (
                EVENT.replace("    description: d\n", ""),
                vec!["8:5 invalid-value property `a` has no `description`, which is required"],
            ),
            (
                EVENT.replace("group: g\n", "group: g\ngroup: h\n"),
                vec![
                    "4:1 duplicate-key key `group` appears twice in the event file (first at line 3)",
                ],
            ),
            (
                EVENT.replace("properties:\n", "usage: {a: 1}\nproperties:\n"),
                vec!["6:8 invalid-value `usage` must be a list, not a mapping"],
            ),
        ] {
            assert_eq!(findings(&broken, FileKind::Event), expected, "{broken}");
        }
    }

    #[test]
    fn catalog_values_are_checked_against_their_definitions() {
        let catalog = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../catalog/catalog.yaml"),
        )
        .unwrap();
        let broken = catalog.replacen("retention_period: ", "retention_period: forever_", 1);
        let found = findings(&broken, FileKind::Catalog);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("invalid-value `retention_period` is not of the expected form"),
            "{found:?}"
        );
    }
}
