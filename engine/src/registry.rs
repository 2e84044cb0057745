//! The schemas, compiled once, and validation of one payload against the right one.

use std::borrow::Cow;
use std::collections::HashMap;

use foldhash::fast::RandomState;
use std::path::{Path, PathBuf};

use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde_json::Value;

use super::parse::{self, ParseError, push_segment};
use std::sync::LazyLock;

use super::program::{self, Outcome, PrivacyPath, Program};
use super::verdict::{Invalid, PayloadError, Verdict, one_of, rules, shorten, show, typed};
use crate::privacy::{ANONYMIZED_IPV4_PATTERN, HASHED_PATTERN, PrivacyKind, RULE_ENVIRONMENT};

/// The envelope keys a payload is dispatched on.
pub const EVENT_NAME_KEY: &str = "event_name";
pub const VERSION_KEY: &str = "version";

/// One schema to register: an event version and its JSON Schema text.
#[derive(Debug, Clone)]
pub struct SchemaSource {
    pub event: String,
    pub version: String,
    pub schema: String,
    /// Where it came from, for error messages.
    pub origin: String,
}

/// A registered schema's index, stable for the registry's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SchemaId(pub u32);

/// Why a registry cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("{origin}: not JSON: {error}")]
    NotJson {
        origin: String,
        error: serde_json::Error,
    },
    #[error("{origin}: not a valid JSON Schema 2020-12: {message}")]
    InvalidSchema { origin: String, message: String },
    #[error("{origin}: {event} {version} is registered twice (also in {first})")]
    Duplicate {
        origin: String,
        first: String,
        event: String,
        version: String,
    },
    #[error("{origin}: the schema says {key} is {found:?}, the file name says {expected:?}")]
    Mismatch {
        origin: String,
        key: &'static str,
        found: String,
        expected: String,
    },
    #[error("cannot read {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{0}")]
    Catalog(String),
    #[error("no schema to validate with{0}")]
    Empty(String),
}

/// A compiled schema of one event version.
#[derive(Debug)]
pub struct CompiledSchema {
    pub event: String,
    pub version: String,
    pub origin: String,
    validator: Validator,
    /// The schema's one-pass program, or why it takes the tree path.
    program: Result<Program, String>,
    /// Fields whose values have a privacy form (`x-pii`), for our own checks.
    privacy: Vec<PrivacyField>,
    /// Fields allowed only in some environments (`x-environments`).
    restricted: Vec<RestrictedField>,
}

#[derive(Debug, Clone)]
struct PrivacyField {
    /// Object keys from the payload root.
    segments: Vec<String>,
    pointer: String,
    /// The field is an array; the form applies to each element.
    each_item: bool,
    kind: PrivacyKind,
}

#[derive(Debug, Clone)]
struct RestrictedField {
    pointer: String,
    environments: Vec<String>,
}

#[derive(Debug, Default)]
struct EventEntry {
    versions: HashMap<String, SchemaId, RandomState>,
    /// Sorted, for messages.
    listed: Vec<String>,
}

/// Every schema, compiled once; shared by all threads (`Send + Sync`).
#[derive(Debug)]
pub struct Registry {
    events: HashMap<String, EventEntry, RandomState>,
    schemas: Vec<CompiledSchema>,
}

impl Registry {
    /// Compiles every source (draft 2020-12, formats asserted). The event and version a source
    /// claims must match its schema's `event_name` and `version` constants when it has them.
    pub fn new(sources: impl IntoIterator<Item = SchemaSource>) -> Result<Self, RegistryError> {
        let mut registry = Registry {
            events: HashMap::default(),
            schemas: Vec::new(),
        };
        for source in sources {
            registry.add(source)?;
        }
        for entry in registry.events.values_mut() {
            entry.listed = entry.versions.keys().cloned().collect();
            entry.listed.sort_by(|a, b| {
                match (semver::Version::parse(a), semver::Version::parse(b)) {
                    (Ok(a), Ok(b)) => a.cmp(&b),
                    _ => a.cmp(b),
                }
            });
        }
        Ok(registry)
    }

    fn add(&mut self, source: SchemaSource) -> Result<(), RegistryError> {
        let schema: Value =
            serde_json::from_str(&source.schema).map_err(|error| RegistryError::NotJson {
                origin: source.origin.clone(),
                error,
            })?;
        for (key, claimed) in [
            (EVENT_NAME_KEY, &source.event),
            (VERSION_KEY, &source.version),
        ] {
            if let Some(found) = schema
                .pointer(&format!("/properties/{key}/const"))
                .and_then(Value::as_str)
                && found != claimed
            {
                return Err(RegistryError::Mismatch {
                    origin: source.origin.clone(),
                    key,
                    found: found.to_owned(),
                    expected: claimed.clone(),
                });
            }
        }
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|error| RegistryError::InvalidSchema {
                origin: source.origin.clone(),
                message: error.to_string(),
            })?;
        let mut privacy = Vec::new();
        let mut restricted = Vec::new();
        collect_fields(&schema, &mut Vec::new(), &mut privacy, &mut restricted);
        let paths: Vec<PrivacyPath> = privacy
            .iter()
            .map(|field| PrivacyPath {
                segments: field.segments.clone(),
                each_item: field.each_item,
                kind: field.kind,
            })
            .collect();
        let program = program::compile(&schema, &paths);

        let id = SchemaId(self.schemas.len() as u32);
        let entry = self.events.entry(source.event.clone()).or_default();
        if let Some(first) = entry.versions.get(&source.version) {
            return Err(RegistryError::Duplicate {
                origin: source.origin,
                first: self.schemas[first.0 as usize].origin.clone(),
                event: source.event,
                version: source.version,
            });
        }
        entry.versions.insert(source.version.clone(), id);
        self.schemas.push(CompiledSchema {
            event: source.event,
            version: source.version,
            origin: source.origin,
            validator,
            program,
            privacy,
            restricted,
        });
        Ok(())
    }

    /// Every `<event>/<version>.json` below `dir` (the layout of `generated/schemas`); files at
    /// the top (`index.json`, the union) are not event schemas and are skipped.
    pub fn from_dir(dir: &Path) -> Result<Self, RegistryError> {
        let sources = read_dir_sources(dir)?;
        if sources.is_empty() {
            return Err(RegistryError::Empty(format!(
                ": {} holds no <event>/<version>.json file",
                dir.display()
            )));
        }
        Self::new(sources)
    }

    pub fn len(&self) -> usize {
        self.schemas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }

    pub fn schema(&self, id: SchemaId) -> &CompiledSchema {
        &self.schemas[id.0 as usize]
    }

    /// Every schema, in registration order (their ids are 0, 1, ...).
    pub fn schemas(&self) -> impl Iterator<Item = (SchemaId, &CompiledSchema)> {
        self.schemas
            .iter()
            .enumerate()
            .map(|(i, s)| (SchemaId(i as u32), s))
    }

    /// The schema of an event version.
    pub fn lookup(&self, event: &str, version: &str) -> Option<SchemaId> {
        self.events.get(event)?.versions.get(version).copied()
    }

    /// Validates one payload: JSON text (UTF-8, surrounding whitespace allowed, no BOM).
    /// Byte input that is not UTF-8 is an `input:invalid_utf8` error.
    pub fn validate(&self, payload: &[u8]) -> Verdict {
        match std::str::from_utf8(payload) {
            Ok(text) => self.validate_str(text),
            Err(error) => Verdict::input_error(utf8_error(payload, &error)),
        }
    }

    /// Validates one payload given as text: the schema's program decides (one pass, no tree);
    /// a payload it does not find valid is parsed into a tree and checked again, for every
    /// error (the same report as [`Registry::validate_tree`]).
    pub fn validate_str(&self, text: &str) -> Verdict {
        match self.quick(text) {
            Quick::Valid(schema) => Verdict::Valid { schema },
            Quick::Invalid => self.validate_tree_invalid(text),
            Quick::Undecided | Quick::NoProgram => self.validate_tree(text),
        }
    }

    /// The one-pass verdict alone: what the program says, before any tree is built. For the
    /// differential tests and fuzzing, which hold it equal to [`Registry::validate_tree`].
    pub fn quick(&self, text: &str) -> Quick {
        // First a guess at the envelope, which the run confirms; reading the envelope properly
        // costs a second pass over the values before `version`.
        static FINDER: LazyLock<program::EnvelopeFinder> =
            LazyLock::new(|| program::EnvelopeFinder::new(EVENT_NAME_KEY, VERSION_KEY));
        if let Some((event, version)) = program::guess_envelope(text, &FINDER)
            && let Some(id) = self.lookup(event, version)
            && let Ok(program) = &self.schema(id).program
        {
            let guessed = [(EVENT_NAME_KEY, event), (VERSION_KEY, version)];
            if let Some(outcome) = program.run_guessed(text, guessed) {
                return Quick::of(outcome, id);
            }
        }
        let Some((event, version)) = program::envelope(text, EVENT_NAME_KEY, VERSION_KEY) else {
            return Quick::Undecided;
        };
        let Some(id) = self.lookup(&event, &version) else {
            return Quick::Undecided;
        };
        let Ok(program) = &self.schema(id).program else {
            return Quick::NoProgram;
        };
        Quick::of(program.run(text), id)
    }

    /// Validates one payload on the tree path: parsed into a `serde_json::Value` (duplicate
    /// keys refused), then `jsonschema` and the privacy checks.
    pub fn validate_tree(&self, text: &str) -> Verdict {
        match parse::parse(text) {
            Ok(value) => self.validate_value(&value),
            Err(error) => Verdict::input_error(parse_error(error)),
        }
    }

    /// The tree path for a payload the program found invalid: straight to collecting its
    /// errors, without jsonschema's `is_valid` first (which would only say so again). The
    /// verdict is still the tree path's own: no error collected means valid.
    fn validate_tree_invalid(&self, text: &str) -> Verdict {
        let value = match parse::parse(text) {
            Ok(value) => value,
            Err(error) => return Verdict::input_error(parse_error(error)),
        };
        let id = match self.dispatch(&value) {
            Ok(id) => id,
            Err(invalid) => return Verdict::Invalid(invalid),
        };
        let errors = self.schema(id).errors(&value);
        if errors.is_empty() {
            return Verdict::Valid { schema: id };
        }
        self.schema(id).invalid(id, errors)
    }

    /// Validates a parsed payload: dispatch on `event_name` and `version`, then the schema
    /// (fast path `is_valid`) and the privacy forms; details only for the invalid.
    pub fn validate_value(&self, value: &Value) -> Verdict {
        let id = match self.dispatch(value) {
            Ok(id) => id,
            Err(invalid) => return Verdict::Invalid(invalid),
        };
        let schema = self.schema(id);
        if schema.validator.is_valid(value) && schema.privacy_ok(value) {
            return Verdict::Valid { schema: id };
        }
        schema.invalid(id, schema.errors(value))
    }

    fn dispatch(&self, value: &Value) -> Result<SchemaId, Box<Invalid>> {
        let Value::Object(object) = value else {
            return Err(Box::new(Invalid {
                event: None,
                version: None,
                schema: None,
                errors: vec![PayloadError::new(
                    "",
                    rules::NOT_OBJECT,
                    "a JSON object (an event payload)",
                    typed(value),
                )],
            }));
        };
        let event = object.get(EVENT_NAME_KEY);
        let version = object.get(VERSION_KEY);
        let event_text = event.and_then(Value::as_str);
        let version_text = version.and_then(Value::as_str);
        let invalid = |errors: Vec<PayloadError>| {
            Box::new(Invalid {
                event: event_text.map(str::to_owned),
                version: version_text.map(str::to_owned),
                schema: None,
                errors,
            })
        };
        let mut errors = Vec::new();
        if event_text.is_none() {
            errors.push(PayloadError::new(
                format!("/{EVENT_NAME_KEY}"),
                rules::EVENT_NAME,
                "a string naming the event",
                event.map_or_else(|| "absent".to_owned(), typed),
            ));
        }
        if version_text.is_none() {
            errors.push(PayloadError::new(
                format!("/{VERSION_KEY}"),
                rules::VERSION,
                "a string naming the event's schema version",
                version.map_or_else(|| "absent".to_owned(), typed),
            ));
        }
        let (Some(event_text), Some(version_text)) = (event_text, version_text) else {
            return Err(invalid(errors));
        };
        let Some(entry) = self.events.get(event_text) else {
            return Err(invalid(vec![PayloadError::new(
                format!("/{EVENT_NAME_KEY}"),
                rules::UNKNOWN_EVENT,
                format!("an event of the registry ({} known)", self.events.len()),
                show(&Value::from(event_text)),
            )]));
        };
        match entry.versions.get(version_text) {
            Some(id) => Ok(*id),
            None => {
                let known: Vec<Value> = entry
                    .listed
                    .iter()
                    .map(|v| Value::from(v.as_str()))
                    .collect();
                Err(invalid(vec![PayloadError::new(
                    format!("/{VERSION_KEY}"),
                    rules::UNKNOWN_VERSION,
                    format!("a version of {event_text}: {}", one_of(&known)),
                    show(&Value::from(version_text)),
                )]))
            }
        }
    }
}

/// What the one-pass program says of a payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quick {
    Valid(SchemaId),
    Invalid,
    /// Not dispatched (no string `event_name` and `version` of the registry), or the program
    /// could not decide: the tree path decides.
    Undecided,
    /// The schema has no program (a keyword outside the program's set).
    NoProgram,
}

impl Quick {
    /// What the run of schema `id`'s program said.
    fn of(outcome: Outcome, id: SchemaId) -> Quick {
        match outcome {
            Outcome::Valid => Quick::Valid(id),
            Outcome::Invalid => Quick::Invalid,
            Outcome::Undecided => Quick::Undecided,
        }
    }
}

impl CompiledSchema {
    /// `Ok` when payloads of this schema are validated in one pass, `Err` with the reason when
    /// they take the tree path.
    pub fn engine(&self) -> Result<(), &str> {
        match &self.program {
            Ok(_) => Ok(()),
            Err(reason) => Err(reason),
        }
    }

    /// Whether every privacy field holds its form (the fast path: no allocation).
    fn privacy_ok(&self, value: &Value) -> bool {
        self.privacy.iter().all(|field| {
            let mut ok = true;
            field.for_each_string(value, |_, text| ok &= field.kind.check(text).is_ok());
            ok
        })
    }

    /// The verdict of schema `id` (this one) on a payload it refused, with every error.
    fn invalid(&self, id: SchemaId, errors: Vec<PayloadError>) -> Verdict {
        Verdict::Invalid(Box::new(Invalid {
            event: Some(self.event.clone()),
            version: Some(self.version.clone()),
            schema: Some(id),
            errors,
        }))
    }

    /// Every error: the schema's (from `iter_errors`), renamed to `privacy:*` where a privacy
    /// field's form or environment rule is what failed, then our privacy checks for what the
    /// schema did not already report.
    fn errors(&self, value: &Value) -> Vec<PayloadError> {
        let mut errors = Vec::new();
        for error in self.validator.iter_errors(value) {
            self.convert(&error, &mut errors);
        }
        for field in &self.privacy {
            field.for_each_string(value, |pointer, text| {
                if let Err(problem) = field.kind.check(text) {
                    let rule = field.kind.rule();
                    // The schema's pattern already said so: keep one error, with the reason.
                    if let Some(existing) = errors
                        .iter_mut()
                        .find(|e| e.pointer == pointer && e.rule == rule)
                    {
                        existing.actual = format!("{} ({problem})", show(&Value::from(text)));
                        return;
                    }
                    errors.push(PayloadError::new(
                        pointer,
                        rule,
                        field.kind.expected(),
                        format!("{} ({problem})", show(&Value::from(text))),
                    ));
                }
            });
        }
        errors
    }

    /// The privacy kind whose form the failed keyword states, if it is one: the privacy
    /// patterns, and the `anyOf` or `format` of an anonymized IP field.
    fn is_privacy_form(&self, kind: &ValidationErrorKind, pointer: &str) -> Option<PrivacyKind> {
        let field = self.privacy_at(pointer)?;
        let states_it = match (field, kind) {
            (PrivacyKind::Hashed, ValidationErrorKind::Pattern { pattern }) => {
                pattern == HASHED_PATTERN
            }
            (PrivacyKind::AnonymizedIp, ValidationErrorKind::Pattern { pattern }) => {
                pattern == ANONYMIZED_IPV4_PATTERN
            }
            (
                PrivacyKind::AnonymizedIp,
                ValidationErrorKind::AnyOf { .. } | ValidationErrorKind::Format { .. },
            ) => true,
            _ => false,
        };
        states_it.then_some(field)
    }

    fn privacy_at(&self, pointer: &str) -> Option<PrivacyKind> {
        self.privacy
            .iter()
            .find(|f| {
                f.pointer == pointer
                    || (f.each_item
                        && pointer
                            .strip_prefix(f.pointer.as_str())
                            .and_then(|rest| rest.strip_prefix('/'))
                            .is_some_and(|index| {
                                !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit())
                            }))
            })
            .map(|f| f.kind)
    }

    fn convert(&self, error: &ValidationError<'_>, out: &mut Vec<PayloadError>) {
        let pointer = error.instance_path().as_str();
        let instance = error.instance();
        fn push(
            out: &mut Vec<PayloadError>,
            pointer: String,
            rule: Cow<'static, str>,
            expected: String,
            actual: String,
        ) {
            out.push(PayloadError {
                pointer,
                rule,
                expected,
                actual,
            });
        }
        let keyword = static_keyword(error.kind().keyword());
        match error.kind() {
            ValidationErrorKind::AdditionalProperties { unexpected }
            | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
                for key in unexpected {
                    let mut at = pointer.to_owned();
                    push_segment(&mut at, key);
                    let actual = instance.get(key).map_or_else(|| "present".to_owned(), show);
                    push(
                        out,
                        at,
                        keyword.clone(),
                        "no such property: the schema is closed (not in the catalog)".to_owned(),
                        actual,
                    );
                }
            }
            ValidationErrorKind::Required { property } => {
                let mut at = pointer.to_owned();
                push_segment(&mut at, property.as_str().unwrap_or_default());
                push(
                    out,
                    at,
                    keyword,
                    format!("required property {property}"),
                    "absent".to_owned(),
                );
            }
            ValidationErrorKind::FalseSchema => {
                if let Some(field) = self.restricted.iter().find(|f| f.pointer == pointer) {
                    push(
                        out,
                        pointer.to_owned(),
                        Cow::Borrowed(RULE_ENVIRONMENT),
                        format!(
                            "absent: allowed only in environment {}",
                            field.environments.join(", ")
                        ),
                        format!("present: {}", show(instance)),
                    );
                } else {
                    push(
                        out,
                        pointer.to_owned(),
                        keyword,
                        "absent (the schema allows nothing here)".to_owned(),
                        format!("present: {}", show(instance)),
                    );
                }
            }
            kind if self.is_privacy_form(kind, pointer).is_some() => {
                let kind = self
                    .is_privacy_form(kind, pointer)
                    .unwrap_or(PrivacyKind::Hashed);
                if out
                    .iter()
                    .any(|e| e.pointer == pointer && e.rule == kind.rule())
                {
                    return;
                }
                push(
                    out,
                    pointer.to_owned(),
                    Cow::Borrowed(kind.rule()),
                    kind.expected().to_owned(),
                    show(instance),
                );
            }
            kind => {
                let expected = expected(kind, error);
                push(
                    out,
                    pointer.to_owned(),
                    keyword,
                    expected,
                    typed_or_shown(kind, instance),
                );
            }
        }
    }
}

/// The keyword as a rule name, without an allocation for the standard ones.
fn static_keyword(keyword: &str) -> Cow<'static, str> {
    const KNOWN: &[&str] = &[
        "additionalProperties",
        "unevaluatedProperties",
        "required",
        "type",
        "enum",
        "const",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "pattern",
        "format",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "falseSchema",
        "uniqueItems",
        "contains",
        "propertyNames",
        "multipleOf",
    ];
    match KNOWN.iter().find(|k| **k == keyword) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(keyword.to_owned()),
    }
}

/// The value as reports show it: with its type for type errors, plain otherwise.
fn typed_or_shown(kind: &ValidationErrorKind, instance: &Value) -> String {
    match kind {
        ValidationErrorKind::Type { .. } | ValidationErrorKind::AnyOf { .. } => typed(instance),
        _ => show(instance),
    }
}

/// What the failed keyword wants, in words.
fn expected(kind: &ValidationErrorKind, error: &ValidationError<'_>) -> String {
    match kind {
        ValidationErrorKind::Type { kind } => match kind {
            TypeKind::Single(t) => format!("type {t}"),
            TypeKind::Multiple(types) => {
                let names: Vec<&str> = types.iter().map(|t| t.as_str()).collect();
                format!("type {}", names.join(" or "))
            }
        },
        ValidationErrorKind::Enum { options } => match options.as_ref() {
            Value::Array(options) => one_of(options),
            other => format!("one of {}", show(other)),
        },
        ValidationErrorKind::Constant { expected_value } => show(expected_value),
        ValidationErrorKind::Minimum { limit } => format!(">= {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("<= {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("> {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("< {limit}"),
        ValidationErrorKind::MinLength { limit } => format!("at least {limit} characters"),
        ValidationErrorKind::MaxLength { limit } => format!("at most {limit} characters"),
        ValidationErrorKind::MinItems { limit } => format!("at least {limit} items"),
        ValidationErrorKind::MaxItems { limit } => format!("at most {limit} items"),
        ValidationErrorKind::Pattern { pattern } => format!("a string matching {pattern}"),
        ValidationErrorKind::Format { format } => format!("a valid {format} (format)"),
        ValidationErrorKind::AnyOf { context } => {
            // Each branch's own wants, so `anyOf: [{string}, {null}]` reads "type string | type null".
            let branches: Vec<String> = context
                .iter()
                .map(|errors| {
                    let wants: Vec<String> = errors.iter().map(|e| expected(e.kind(), e)).collect();
                    wants.join(" and ")
                })
                .collect();
            shorten(&format!("any of: {}", branches.join(" | ")))
        }
        _ => shorten(&error.to_string()),
    }
}

/// Walks a schema's `properties` (through a nullable `anyOf` wrapper) and records the fields
/// with a privacy form or an environment restriction, with their pointers.
fn collect_fields(
    schema: &Value,
    path: &mut Vec<String>,
    privacy: &mut Vec<PrivacyField>,
    restricted: &mut Vec<RestrictedField>,
) {
    let Some(Value::Object(properties)) = schema.get("properties") else {
        return;
    };
    for (key, field) in properties {
        path.push(key.clone());
        let pointer = parse::pointer_of(path.iter().map(String::as_str));
        if let Some(kind) = field
            .get("x-pii")
            .and_then(Value::as_str)
            .and_then(PrivacyKind::from_annotation)
        {
            privacy.push(PrivacyField {
                segments: path.clone(),
                pointer: pointer.clone(),
                each_item: is_array(field),
                kind,
            });
        }
        if let Some(Value::Array(environments)) = field.get("x-environments") {
            restricted.push(RestrictedField {
                pointer,
                environments: environments
                    .iter()
                    .filter_map(|e| e.as_str().map(str::to_owned))
                    .collect(),
            });
        }
        collect_fields(field, path, privacy, restricted);
        path.pop();
    }
}

/// A field schema of type array, directly or as the non-null branch of a nullable wrapper.
fn is_array(field: &Value) -> bool {
    if field.get("type").and_then(Value::as_str) == Some("array") {
        return true;
    }
    match field.get("anyOf") {
        Some(Value::Array(branches)) => branches
            .iter()
            .any(|b| b.get("type").and_then(Value::as_str) == Some("array")),
        _ => false,
    }
}

impl PrivacyField {
    /// Calls `f(pointer, text)` for each string value at this field (each element when it is an
    /// array). Values of other types are the schema's business.
    fn for_each_string(&self, root: &Value, mut f: impl FnMut(String, &str)) {
        let mut value = root;
        for segment in &self.segments {
            match value.get(segment) {
                Some(next) => value = next,
                None => return,
            }
        }
        match value {
            Value::String(text) => f(self.pointer.clone(), text),
            Value::Array(items) if self.each_item => {
                for (index, item) in items.iter().enumerate() {
                    if let Value::String(text) = item {
                        f(format!("{}/{index}", self.pointer), text);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The error for bytes that are not UTF-8: the column (1-based byte offset) of the first bad byte.
pub(crate) fn utf8_error(bytes: &[u8], error: &std::str::Utf8Error) -> PayloadError {
    let at = error.valid_up_to();
    PayloadError::new(
        "",
        rules::INVALID_UTF8,
        "UTF-8 text",
        format!("byte 0x{:02x} at column {}", bytes[at], at + 1),
    )
}

/// The error for text that is not a JSON value we validate.
pub(crate) fn parse_error(error: ParseError) -> PayloadError {
    match error {
        ParseError::Syntax {
            message,
            line,
            column,
        } => PayloadError::new(
            "",
            rules::SYNTAX,
            "a JSON value",
            position(&message, line, column),
        ),
        ParseError::TooDeep { line, column } => PayloadError::new(
            "",
            rules::TOO_DEEP,
            format!("nesting at most {} levels deep", parse::MAX_DEPTH),
            position("deeper", line, column),
        ),
        ParseError::DuplicateKey {
            key,
            pointer,
            line,
            column,
        } => PayloadError::new(
            pointer,
            rules::DUPLICATE_KEY,
            "each key once per object",
            position(
                &format!("key {} repeated", show(&Value::from(key))),
                line,
                column,
            ),
        ),
    }
}

/// `message at line L column C` (or `at column C` on the first line), as NDJSON lines read best.
fn position(message: &str, line: usize, column: usize) -> String {
    if line <= 1 {
        format!("{message} at column {column}")
    } else {
        format!("{message} at line {line} column {column} of the payload")
    }
}

/// The sources below a `schemas/` folder: `<event>/<version>.json`, names percent-decoded.
pub fn read_dir_sources(dir: &Path) -> Result<Vec<SchemaSource>, RegistryError> {
    let io = |(path, error)| RegistryError::Io { path, error };
    crate::schema_files::list(dir)
        .map_err(io)?
        .into_iter()
        .map(|file| {
            let schema =
                std::fs::read_to_string(&file.path).map_err(|e| io((file.path.clone(), e)))?;
            Ok(SchemaSource {
                event: file.event,
                version: file.version,
                schema,
                origin: file.path.display().to_string(),
            })
        })
        .collect()
}

pub use crate::schema_files::percent_decode;
