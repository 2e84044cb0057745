//! A JSON Schema to a validation program: one [`State`] per place in a payload.
//!
//! A place (the root, `/properties`, `/properties/tags/<item>`...) can be under several
//! subschemas at once: a property's own schema, the branches of its nullable `anyOf`, the
//! `then` of an environment rule that names it. All of them are the place's [`Node`]s, each with
//! the checks it makes on the value itself and the subschemas it combines (`anyOf`, `allOf`,
//! `oneOf`, `not`, `if`/`then`/`else`), which are nodes of the same place. Node `i`'s
//! subschemas always come after it, so the verdicts settle from the last node to the first.
//! A place's keys (every `properties` and `required` name of its nodes) lead to the places
//! below it; every other key leads to the "anything" place, which checks only syntax.
//!
//! Up to 64 nodes and 64 keys per place (verdicts and seen keys are bit masks); a schema past
//! that, or with a keyword outside [`KEYWORDS`], is not compiled and takes the tree path.

use serde_json::{Map, Value};

use super::leaf::{Limits, Text};
use crate::privacy::PrivacyKind;

/// The keywords a program checks, beside annotations (`x-*`, `description`, ...).
pub const KEYWORDS: &[&str] = &[
    "type",
    "properties",
    "required",
    "additionalProperties (true or false)",
    "const and enum (strings)",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "items",
    "anyOf",
    "allOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
];

/// Keywords that never change a verdict.
const ANNOTATIONS: &[&str] = &[
    "$comment",
    "title",
    "description",
    "examples",
    "default",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// The most nodes or keys of one place (the width of the masks).
const MAX_WIDTH: usize = 64;

/// Type bits.
pub(super) const NULL: u8 = 1;
pub(super) const BOOLEAN: u8 = 2;
pub(super) const INTEGER: u8 = 4;
pub(super) const NUMBER: u8 = 8;
pub(super) const STRING: u8 = 16;
pub(super) const ARRAY: u8 = 32;
pub(super) const OBJECT: u8 = 64;
const ANY_TYPE: u8 = 127;

/// The place that checks nothing but syntax (and duplicate keys).
pub(super) const ANYTHING: u32 = 0;

/// A schema's compiled program.
#[derive(Debug)]
pub struct Program {
    pub(super) states: Vec<State>,
    pub(super) root: u32,
}

#[derive(Debug, Default)]
pub(super) struct State {
    pub(super) nodes: Vec<Node>,
    /// Sorted by key, for binary search with borrowed keys.
    pub(super) keys: Vec<KeyEdge>,
    /// The key a payload most likely starts this object with (its first in the schema's
    /// `properties` order), an index of `keys`; `u32::MAX` when there are none.
    pub(super) first_key: u32,
    /// Nodes that refuse keys they do not list (`additionalProperties: false`).
    pub(super) closed: u64,
    pub(super) items: Option<Edge>,
    /// The privacy form string values here must have.
    pub(super) privacy: Option<PrivacyKind>,
    /// Whether any node here combines others (`anyOf`, `allOf`, `oneOf`, `not`, `if`): when
    /// none does, a value's bits need no settling.
    pub(super) combines: bool,
}

#[derive(Debug)]
pub(super) struct KeyEdge {
    pub(super) key: Box<str>,
    pub(super) edge: Edge,
    /// The closed nodes that do not list this key.
    pub(super) refused_by: u64,
    /// The key that follows this one in the schema's `properties` order (an index of the
    /// place's `keys`; `u32::MAX` after the last): payloads written from the catalog's types
    /// list their keys in that order, so the reader tries it before searching.
    pub(super) follows: u32,
    /// Whether the key's JSON text is the key itself (no quote, backslash or control
    /// character to escape): then the reader can match the text's bytes against it directly.
    pub(super) plain: bool,
}

/// Where a value goes and which nodes of this place fail when a node there fails.
#[derive(Debug)]
pub(super) struct Edge {
    pub(super) state: u32,
    /// (child node, parent node).
    pub(super) links: Vec<(u8, u8)>,
}

#[derive(Debug, Default)]
pub(super) struct Node {
    pub(super) types: u8,
    pub(super) never: bool,
    /// Each list: the value must be a string equal to one of it (`const`, `enum`).
    pub(super) strings: Vec<Box<[Box<str>]>>,
    /// `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, for numbers.
    pub(super) limits: Option<Limits>,
    pub(super) min_length: Option<u64>,
    pub(super) max_length: Option<u64>,
    /// `pattern` and `format`, for strings.
    pub(super) text: Option<Text>,
    /// Key bits of this place that must be present.
    pub(super) required: u64,
    pub(super) any_of: Vec<u8>,
    pub(super) all_of: Vec<u8>,
    pub(super) one_of: Vec<u8>,
    pub(super) not: Option<u8>,
    /// (`if`, `then`, `else`).
    pub(super) condition: Option<(u8, Option<u8>, Option<u8>)>,
}

impl Node {
    /// Whether the value-level checks need a string (any of them fails a non-string).
    pub(super) fn wants_string(&self) -> bool {
        !self.strings.is_empty()
    }
}

/// A field with a privacy form: its object keys from the root, and whether the form applies to
/// each element of an array there.
#[derive(Debug, Clone)]
pub struct PrivacyPath {
    pub segments: Vec<String>,
    pub each_item: bool,
    pub kind: PrivacyKind,
}

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Key(String),
    Item,
}

struct Compiler<'a> {
    states: Vec<State>,
    privacy: &'a [PrivacyPath],
    attached: usize,
}

/// Compiles a schema, or says why it is not one the program covers.
pub fn compile(schema: &Value, privacy: &[PrivacyPath]) -> Result<Program, String> {
    if let Value::Object(root) = schema {
        for key in root.keys() {
            if !matches!(key.as_str(), "$schema" | "$id") && !is_known(key) {
                return Err(format!("keyword {key:?}"));
            }
        }
        if let Some(dialect) = root.get("$schema")
            && dialect != "https://json-schema.org/draft/2020-12/schema"
        {
            return Err(format!("$schema {dialect}"));
        }
    }
    let mut compiler = Compiler {
        states: vec![State::default()],
        privacy,
        attached: 0,
    };
    let (root, _) = compiler.state(&[(schema, 0)], &mut Vec::new(), true)?;
    if compiler.attached != privacy.len() {
        return Err("a privacy field outside the schema's properties".to_owned());
    }
    Ok(Program {
        states: compiler.states,
        root,
    })
}

fn is_known(key: &str) -> bool {
    key.starts_with("x-")
        || ANNOTATIONS.contains(&key)
        || matches!(
            key,
            "type"
                | "properties"
                | "required"
                | "additionalProperties"
                | "const"
                | "enum"
                | "minimum"
                | "maximum"
                | "exclusiveMinimum"
                | "exclusiveMaximum"
                | "minLength"
                | "maxLength"
                | "pattern"
                | "format"
                | "items"
                | "anyOf"
                | "allOf"
                | "oneOf"
                | "not"
                | "if"
                | "then"
                | "else"
        )
}

impl Compiler<'_> {
    /// The place reached by `path`, under `schemas` (each with the parent node it belongs to).
    /// Returns the state id and the links to the parents. `root` keeps even an empty place
    /// its own state.
    fn state(
        &mut self,
        schemas: &[(&Value, u8)],
        path: &mut Vec<Step>,
        root: bool,
    ) -> Result<(u32, Vec<(u8, u8)>), String> {
        let mut nodes: Vec<(Node, &Value)> = Vec::new();
        let mut links = Vec::new();
        for (schema, parent) in schemas {
            let index = add_node(&mut nodes, schema, root)?;
            links.push((index, *parent));
        }
        let privacy = self.privacy_at(path);
        if privacy.is_some() && !matches!(path.last(), Some(Step::Item)) {
            self.attached += 1;
        }
        // Keys: every `properties` and `required` name, in one sorted table.
        let mut names: Vec<&str> = Vec::new();
        for (_, schema) in &nodes {
            if let Some(Value::Object(properties)) = schema.get("properties") {
                names.extend(properties.keys().map(String::as_str));
            }
            if let Some(Value::Array(required)) = schema.get("required") {
                for name in required {
                    names.push(
                        name.as_str()
                            .ok_or("a required name that is not a string")?,
                    );
                }
            }
        }
        let mut in_order: Vec<&str> = Vec::with_capacity(names.len());
        for name in &names {
            if !in_order.contains(name) {
                in_order.push(name);
            }
        }
        names.sort_unstable();
        names.dedup();
        if names.len() > MAX_WIDTH || nodes.len() > MAX_WIDTH {
            return Err(format!(
                "{} keys or {} subschemas at one place (at most {MAX_WIDTH})",
                names.len(),
                nodes.len()
            ));
        }
        let mut closed = 0u64;
        for (index, (_, schema)) in nodes.iter().enumerate() {
            match schema.get("additionalProperties") {
                None | Some(Value::Bool(true)) => {}
                Some(Value::Bool(false)) => closed |= 1 << index,
                Some(_) => return Err("additionalProperties with a schema".to_owned()),
            }
        }
        let mut keys = Vec::with_capacity(names.len());
        for name in &names {
            let mut children = Vec::new();
            let mut refused_by = 0u64;
            for (index, (_, schema)) in nodes.iter().enumerate() {
                match schema.get("properties").and_then(|p| p.get(*name)) {
                    Some(child) => children.push((child, index as u8)),
                    None if closed & (1 << index) != 0 => refused_by |= 1 << index,
                    None => {}
                }
            }
            path.push(Step::Key((*name).to_owned()));
            let (state, links) = self.state(&children, path, false)?;
            path.pop();
            keys.push(KeyEdge {
                key: (*name).into(),
                edge: Edge { state, links },
                refused_by,
                follows: u32::MAX,
                plain: !name.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20),
            });
        }
        let sorted_index = |name: &str| names.binary_search(&name).map_or(u32::MAX, |i| i as u32);
        for pair in in_order.windows(2) {
            keys[sorted_index(pair[0]) as usize].follows = sorted_index(pair[1]);
        }
        let first_key = in_order.first().map_or(u32::MAX, |name| sorted_index(name));
        for (node, schema) in &mut nodes {
            if let Some(Value::Array(required)) = schema.get("required") {
                for name in required.iter().filter_map(Value::as_str) {
                    let bit = names.binary_search(&name).map_err(|_| "required")?;
                    node.required |= 1 << bit;
                }
            }
        }
        let item_schemas: Vec<(&Value, u8)> = nodes
            .iter()
            .enumerate()
            .filter_map(|(index, (_, schema))| schema.get("items").map(|i| (i, index as u8)))
            .collect();
        let each_item_privacy = self.privacy_each_item_at(path);
        let items = if item_schemas.is_empty() && !each_item_privacy {
            None
        } else {
            path.push(Step::Item);
            let (state, links) = self.state(&item_schemas, path, false)?;
            path.pop();
            Some(Edge { state, links })
        };
        let combines = nodes.iter().any(|(node, _)| {
            !node.any_of.is_empty()
                || !node.all_of.is_empty()
                || !node.one_of.is_empty()
                || node.not.is_some()
                || node.condition.is_some()
        });
        let state = State {
            combines,
            nodes: nodes.into_iter().map(|(node, _)| node).collect(),
            keys,
            first_key,
            closed,
            items,
            privacy,
        };
        if !root && state.nodes.is_empty() && state.privacy.is_none() && state.items.is_none() {
            return Ok((ANYTHING, links));
        }
        self.states.push(state);
        Ok(((self.states.len() - 1) as u32, links))
    }

    fn privacy_at(&self, path: &[Step]) -> Option<PrivacyKind> {
        let item = matches!(path.last(), Some(Step::Item));
        let keys = if item { &path[..path.len() - 1] } else { path };
        if keys.contains(&Step::Item) {
            return None;
        }
        self.privacy
            .iter()
            .find(|field| {
                (!item || field.each_item)
                    && field.segments.len() == keys.len()
                    && field
                        .segments
                        .iter()
                        .zip(keys)
                        .all(|(a, b)| matches!(b, Step::Key(k) if k == a))
            })
            .map(|field| field.kind)
    }

    /// Whether the array elements at `path` have a privacy form (so the place below is needed
    /// even when no schema has `items`).
    fn privacy_each_item_at(&self, path: &[Step]) -> bool {
        self.privacy.iter().any(|field| {
            field.each_item
                && field.segments.len() == path.len()
                && field
                    .segments
                    .iter()
                    .zip(path)
                    .all(|(a, b)| matches!(b, Step::Key(k) if k == a))
        })
    }
}

/// Adds the node of `schema` (`document`: the whole document, where `$schema` and `$id` may
/// stand) and, after it, the nodes of the subschemas it combines (they
/// apply to the same value). Returns its index.
fn add_node<'v>(
    nodes: &mut Vec<(Node, &'v Value)>,
    schema: &'v Value,
    document: bool,
) -> Result<u8, String> {
    if nodes.len() >= MAX_WIDTH {
        return Err(format!("more than {MAX_WIDTH} subschemas at one place"));
    }
    let index = nodes.len();
    let object = match schema {
        Value::Bool(true) => {
            nodes.push((Node::any(), schema));
            return Ok(index as u8);
        }
        Value::Bool(false) => {
            nodes.push((
                Node {
                    never: true,
                    ..Node::any()
                },
                schema,
            ));
            return Ok(index as u8);
        }
        Value::Object(object) => object,
        _ => return Err("a subschema that is not an object or a boolean".to_owned()),
    };
    nodes.push((local_checks(object, document)?, schema));
    let sub = |nodes: &mut Vec<(Node, &'v Value)>, key: &str| -> Result<Vec<u8>, String> {
        match object.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(list)) if !list.is_empty() => list
                .iter()
                .map(|s| add_node(nodes, s, false))
                .collect::<Result<_, _>>(),
            Some(_) => Err(format!("{key} that is not a non-empty array")),
        }
    };
    let any_of = sub(nodes, "anyOf")?;
    let all_of = sub(nodes, "allOf")?;
    let one_of = sub(nodes, "oneOf")?;
    let not = object
        .get("not")
        .map(|s| add_node(nodes, s, false))
        .transpose()?;
    let condition = match object.get("if") {
        Some(condition) => {
            let condition = add_node(nodes, condition, false)?;
            let then = object
                .get("then")
                .map(|s| add_node(nodes, s, false))
                .transpose()?;
            let otherwise = object
                .get("else")
                .map(|s| add_node(nodes, s, false))
                .transpose()?;
            Some((condition, then, otherwise))
        }
        // Without `if`, `then` and `else` are ignored (but must still be schemas).
        None => None,
    };
    let node = &mut nodes[index].0;
    node.any_of = any_of;
    node.all_of = all_of;
    node.one_of = one_of;
    node.not = not;
    node.condition = condition;
    Ok(index as u8)
}

impl Node {
    fn any() -> Node {
        Node {
            types: ANY_TYPE,
            ..Node::default()
        }
    }
}

/// The checks a schema object makes on the value itself.
fn local_checks(object: &Map<String, Value>, document: bool) -> Result<Node, String> {
    for key in object.keys() {
        if !(is_known(key) || (document && matches!(key.as_str(), "$schema" | "$id"))) {
            return Err(format!("keyword {key:?}"));
        }
    }
    let mut node = Node::any();
    if let Some(types) = object.get("type") {
        node.types = match types {
            Value::String(name) => type_bit(name)?,
            Value::Array(names) => names.iter().try_fold(0, |bits, name| {
                Ok::<_, String>(
                    bits | type_bit(name.as_str().ok_or("a type that is not a string")?)?,
                )
            })?,
            _ => return Err("type that is not a string or an array".to_owned()),
        };
    }
    if let Some(constant) = object.get("const") {
        let Value::String(text) = constant else {
            return Err("const that is not a string".to_owned());
        };
        node.strings.push(Box::new([text.as_str().into()]));
    }
    if let Some(options) = object.get("enum") {
        let Value::Array(options) = options else {
            return Err("enum that is not an array".to_owned());
        };
        let texts: Option<Vec<Box<str>>> =
            options.iter().map(|o| o.as_str().map(Into::into)).collect();
        node.strings.push(
            texts
                .ok_or("enum with a value that is not a string")?
                .into_boxed_slice(),
        );
    }
    for key in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"] {
        if object.get(key).is_some_and(|limit| !limit.is_number()) {
            return Err(format!("{key} that is not a number"));
        }
    }
    node.limits = Limits::of(object)?;
    node.min_length = length(object, "minLength")?;
    node.max_length = length(object, "maxLength")?;
    for key in ["pattern", "format"] {
        if object.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("{key} that is not a string"));
        }
    }
    node.text = Text::of(object)?;
    if let Some(properties) = object.get("properties")
        && !properties.is_object()
    {
        return Err("properties that is not an object".to_owned());
    }
    Ok(node)
}

fn length(object: &Map<String, Value>, key: &str) -> Result<Option<u64>, String> {
    object
        .get(key)
        .map(|v| {
            v.as_u64()
                .ok_or_else(|| format!("{key} that is not a whole number"))
        })
        .transpose()
}

fn type_bit(name: &str) -> Result<u8, String> {
    Ok(match name {
        "null" => NULL,
        "boolean" => BOOLEAN,
        "integer" => INTEGER,
        // A number type admits integers too.
        "number" => NUMBER | INTEGER,
        "string" => STRING,
        "array" => ARRAY,
        "object" => OBJECT,
        other => return Err(format!("type {other:?}")),
    })
}
