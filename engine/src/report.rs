//! Reports: one entry per invalid payload in the chosen format, the good and bad rows, and the
//! summary at the end.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Value, json};

use super::registry::{Registry, SchemaId};
use super::verdict::{Invalid, PayloadError};

/// How invalid payloads and the summary are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportFormat {
    /// `file:line: event version: N errors`, then one indented line per error; a summary table.
    #[default]
    Human,
    /// One JSON document: `{"invalid": [...], "summary": {...}}`, streamed.
    Json,
    /// One JSON object a line: `{"type": "invalid", ...}` per invalid payload, then
    /// `{"type": "summary", ...}`.
    Ndjson,
    /// GitHub Actions workflow commands: an `::error file=...,line=...::` annotation per invalid
    /// payload, then the summary as text and a `::notice::`.
    Github,
}

/// A place in the input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    pub line: u64,
}

/// Lines that were accepted with a tolerated oddity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub count: u64,
    pub first: Option<Location>,
}

impl Notice {
    fn note(&mut self, file: &str, line: u64) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(Location {
                file: file.to_owned(),
                line,
            });
        }
    }

    fn merge(&mut self, other: Notice) {
        self.count += other.count;
        if self.first.is_none() {
            self.first = other.first;
        }
    }
}

/// One input's accounting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FileSummary {
    pub file: String,
    /// Physical lines read (a final line without a newline counts).
    pub lines: u64,
    /// Payloads: one per line in NDJSON, one per element or document in JSON mode.
    pub payloads: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Why the input could not be read (to the end), if it could not.
    pub failure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventCount {
    /// `None`: payloads checked against no schema (not JSON, unknown event, ...).
    pub event: Option<String>,
    pub version: Option<String>,
    pub valid: u64,
    pub invalid: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorCount {
    pub event: Option<String>,
    pub version: Option<String>,
    pub rule: String,
    pub pointer: String,
    pub count: u64,
}

/// Everything counted in a run. `lines` is the sum of the files' lines; `valid + invalid ==
/// payloads`; in NDJSON `payloads == lines`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    pub lines: u64,
    pub payloads: u64,
    pub valid: u64,
    pub invalid: u64,
    /// Errors over all invalid payloads.
    pub errors: u64,
    /// Per event version seen, in name and version order; the no-schema row last.
    pub by_event: Vec<EventCount>,
    /// Errors per rule.
    pub by_rule: BTreeMap<String, u64>,
    /// The most frequent (event, version, rule, pointer), most frequent first.
    pub top_errors: Vec<ErrorCount>,
    /// Lines that began with a UTF-8 byte order mark (stripped, then validated).
    pub bom: Notice,
    /// Lines that ended with `\r\n` (the `\r` is stripped, then validated).
    pub crlf: Notice,
}

impl Summary {
    /// Whether any input could not be read.
    pub fn has_failures(&self) -> bool {
        self.files.iter().any(|f| f.failure.is_some())
    }
}

/// Distinct (event, rule, pointer) counted at most; the rest is summed under one row, so a
/// stream of random unknown keys cannot grow memory.
const MAX_ERROR_KEYS: usize = 10_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct ErrorKey {
    schema: Option<SchemaId>,
    rule: Cow<'static, str>,
    pointer: String,
}

/// Counts of one piece of input, merged in input order into the run's.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub file: u32,
    pub lines: u64,
    pub payloads: u64,
    pub valid: u64,
    pub invalid: u64,
    pub errors: u64,
    /// Indexed by schema id: [valid, invalid].
    per_schema: Vec<[u64; 2]>,
    no_schema: u64,
    by_rule: HashMap<Cow<'static, str>, u64>,
    by_error: HashMap<ErrorKey, u64>,
    other_errors: u64,
    pub bom: Notice,
    pub crlf: Notice,
}

impl Tally {
    pub fn new(file: u32) -> Self {
        Tally {
            file,
            ..Tally::default()
        }
    }

    pub fn valid(&mut self, schema: SchemaId) {
        self.payloads += 1;
        self.valid += 1;
        self.slot(schema)[0] += 1;
    }

    pub fn invalid(&mut self, invalid: &Invalid) {
        self.payloads += 1;
        self.invalid += 1;
        match invalid.schema {
            Some(schema) => self.slot(schema)[1] += 1,
            None => self.no_schema += 1,
        }
        for error in &invalid.errors {
            self.error(invalid.schema, error, 1);
        }
    }

    fn slot(&mut self, schema: SchemaId) -> &mut [u64; 2] {
        let index = schema.0 as usize;
        if self.per_schema.len() <= index {
            self.per_schema.resize(index + 1, [0, 0]);
        }
        &mut self.per_schema[index]
    }

    fn error(&mut self, schema: Option<SchemaId>, error: &PayloadError, count: u64) {
        self.errors += count;
        *self.by_rule.entry(error.rule.clone()).or_default() += count;
        let key = ErrorKey {
            schema,
            rule: error.rule.clone(),
            pointer: error.pointer.clone(),
        };
        self.count_key(key, count);
    }

    fn count_key(&mut self, key: ErrorKey, count: u64) {
        if let Some(n) = self.by_error.get_mut(&key) {
            *n += count;
        } else if self.by_error.len() < MAX_ERROR_KEYS {
            self.by_error.insert(key, count);
        } else {
            self.other_errors += count;
        }
    }

    /// Adds `other` (a later piece) into `self`.
    pub fn merge(&mut self, other: Tally) {
        self.lines += other.lines;
        self.payloads += other.payloads;
        self.valid += other.valid;
        self.invalid += other.invalid;
        self.errors += other.errors;
        if self.per_schema.len() < other.per_schema.len() {
            self.per_schema.resize(other.per_schema.len(), [0, 0]);
        }
        for (mine, theirs) in self.per_schema.iter_mut().zip(&other.per_schema) {
            mine[0] += theirs[0];
            mine[1] += theirs[1];
        }
        self.no_schema += other.no_schema;
        for (rule, n) in other.by_rule {
            *self.by_rule.entry(rule).or_default() += n;
        }
        for (key, n) in other.by_error {
            self.count_key(key, n);
        }
        self.other_errors += other.other_errors;
        self.bom.merge(other.bom);
        self.crlf.merge(other.crlf);
    }

    pub fn note_bom(&mut self, file: &str, line: u64) {
        self.bom.note(file, line);
    }

    pub fn note_crlf(&mut self, file: &str, line: u64) {
        self.crlf.note(file, line);
    }

    /// The run's summary.
    pub fn summarize(self, registry: &Registry, files: Vec<FileSummary>, top: usize) -> Summary {
        let mut by_event: Vec<EventCount> = self
            .per_schema
            .iter()
            .enumerate()
            .filter(|(_, c)| c[0] + c[1] > 0)
            .map(|(i, c)| {
                let schema = registry.schema(SchemaId(i as u32));
                EventCount {
                    event: Some(schema.event.clone()),
                    version: Some(schema.version.clone()),
                    valid: c[0],
                    invalid: c[1],
                }
            })
            .collect();
        by_event.sort_by(|a, b| {
            (a.event.as_deref(), version_key(a.version.as_deref()))
                .cmp(&(b.event.as_deref(), version_key(b.version.as_deref())))
        });
        if self.no_schema > 0 {
            by_event.push(EventCount {
                event: None,
                version: None,
                valid: 0,
                invalid: self.no_schema,
            });
        }
        let names = |schema: Option<SchemaId>| match schema {
            Some(id) => {
                let s = registry.schema(id);
                (Some(s.event.clone()), Some(s.version.clone()))
            }
            None => (None, None),
        };
        let mut errors: Vec<(ErrorKey, u64)> = self.by_error.into_iter().collect();
        errors.sort_by(|(a, n), (b, m)| {
            m.cmp(n)
                .then_with(|| a.schema.cmp(&b.schema))
                .then_with(|| a.rule.cmp(&b.rule))
                .then_with(|| a.pointer.cmp(&b.pointer))
        });
        let mut top_errors: Vec<ErrorCount> = errors
            .into_iter()
            .take(top)
            .map(|(key, count)| {
                let (event, version) = names(key.schema);
                ErrorCount {
                    event,
                    version,
                    rule: key.rule.into_owned(),
                    pointer: key.pointer,
                    count,
                }
            })
            .collect();
        if self.other_errors > 0 && top_errors.len() < top {
            top_errors.push(ErrorCount {
                event: None,
                version: None,
                rule: "(other)".to_owned(),
                pointer: String::new(),
                count: self.other_errors,
            });
        }
        Summary {
            lines: files.iter().map(|f| f.lines).sum(),
            files,
            payloads: self.payloads,
            valid: self.valid,
            invalid: self.invalid,
            errors: self.errors,
            by_event,
            by_rule: self
                .by_rule
                .into_iter()
                .map(|(k, v)| (k.into_owned(), v))
                .collect(),
            top_errors,
            bom: self.bom,
            crlf: self.crlf,
        }
    }
}

/// Versions sort as semantic versions where they are ones.
fn version_key(version: Option<&str>) -> (Option<semver::Version>, Option<&str>) {
    (
        version.and_then(|v| semver::Version::parse(v).ok()),
        version,
    )
}

fn errors_json(errors: &[PayloadError]) -> Value {
    Value::Array(
        errors
            .iter()
            .map(|e| {
                json!({
                    "pointer": e.pointer,
                    "rule": e.rule,
                    "expected": e.expected,
                    "actual": e.actual,
                })
            })
            .collect(),
    )
}

fn item_json(kind: Option<&str>, file: &str, line: u64, invalid: &Invalid) -> Value {
    let mut item = serde_json::Map::new();
    if let Some(kind) = kind {
        item.insert("type".into(), kind.into());
    }
    item.insert("file".into(), file.into());
    item.insert("line".into(), line.into());
    item.insert("event".into(), json!(invalid.event));
    item.insert("version".into(), json!(invalid.version));
    item.insert("errors".into(), errors_json(&invalid.errors));
    Value::Object(item)
}

/// The report of one invalid payload, appended to `out`.
pub(crate) fn render_invalid(
    format: ReportFormat,
    file: &str,
    line: u64,
    invalid: &Invalid,
    out: &mut Vec<u8>,
) {
    match format {
        ReportFormat::Human => {
            let _ = writeln!(out, "{file}:{line}: {}", title(invalid));
            for e in &invalid.errors {
                let _ = writeln!(
                    out,
                    "  {} [{}] expected {}; got {}",
                    shown_pointer(&e.pointer),
                    e.rule,
                    e.expected,
                    e.actual
                );
            }
        }
        ReportFormat::Json => {
            // Every item starts with a comma; the writer drops the first one.
            out.extend_from_slice(b",\n    ");
            let _ = serde_json::to_writer(&mut *out, &item_json(None, file, line, invalid));
        }
        ReportFormat::Ndjson => {
            let _ =
                serde_json::to_writer(&mut *out, &item_json(Some("invalid"), file, line, invalid));
            out.push(b'\n');
        }
        ReportFormat::Github => {
            let mut message = String::new();
            for (i, e) in invalid.errors.iter().enumerate() {
                if i > 0 {
                    message.push('\n');
                }
                message.push_str(&format!(
                    "{} [{}] expected {}; got {}",
                    shown_pointer(&e.pointer),
                    e.rule,
                    e.expected,
                    e.actual
                ));
            }
            let _ = writeln!(
                out,
                "::error file={},line={line},title={}::{}",
                github_property(file),
                github_property(&title(invalid)),
                github_data(&message)
            );
        }
    }
}

fn title(invalid: &Invalid) -> String {
    let errors = match invalid.errors.len() {
        1 => "1 error".to_owned(),
        n => format!("{n} errors"),
    };
    match (&invalid.event, &invalid.version) {
        (Some(event), Some(version)) => format!("{event} {version}: {errors}"),
        (Some(event), None) => format!("{event}: {errors}"),
        _ => format!("invalid payload: {errors}"),
    }
}

fn shown_pointer(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(payload)"
    } else {
        pointer
    }
}

/// GitHub workflow command escaping of a message.
fn github_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub workflow command escaping of a property value.
fn github_property(text: &str) -> String {
    github_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// What comes before the first report entry.
pub(crate) fn write_header(format: ReportFormat, w: &mut dyn Write) -> io::Result<()> {
    match format {
        ReportFormat::Json => w.write_all(b"{\n  \"invalid\": ["),
        _ => Ok(()),
    }
}

/// The summary (and whatever closes the report).
pub(crate) fn write_summary(
    format: ReportFormat,
    summary: &Summary,
    any_items: bool,
    w: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReportFormat::Human => write_human_summary(summary, w),
        ReportFormat::Json => {
            if any_items {
                w.write_all(b"\n  ")?;
            }
            w.write_all(b"],\n  \"summary\": ")?;
            serde_json::to_writer(&mut *w, summary)?;
            w.write_all(b"\n}\n")
        }
        ReportFormat::Ndjson => {
            let mut value = serde_json::to_value(summary)?;
            if let Value::Object(map) = &mut value {
                let mut with_type = serde_json::Map::new();
                with_type.insert("type".into(), "summary".into());
                with_type.extend(std::mem::take(map));
                *map = with_type;
            }
            serde_json::to_writer(&mut *w, &value)?;
            w.write_all(b"\n")
        }
        ReportFormat::Github => {
            write_human_summary(summary, w)?;
            let level = if summary.invalid > 0 || summary.has_failures() {
                "error"
            } else {
                "notice"
            };
            writeln!(
                w,
                "::{level} title=eventcat-validate::{}",
                github_data(&headline(summary))
            )
        }
    }
}

fn headline(summary: &Summary) -> String {
    format!(
        "{} lines, {} payloads: {} valid, {} invalid ({} errors)",
        summary.lines, summary.payloads, summary.valid, summary.invalid, summary.errors
    )
}

fn write_human_summary(summary: &Summary, w: &mut dyn Write) -> io::Result<()> {
    if summary.invalid > 0 {
        writeln!(w)?;
    }
    writeln!(w, "summary: {}", headline(summary))?;
    if summary.files.len() > 1 {
        for f in &summary.files {
            writeln!(
                w,
                "  {}: {} lines, {} payloads: {} valid, {} invalid",
                f.file, f.lines, f.payloads, f.valid, f.invalid
            )?;
        }
    }
    if !summary.by_event.is_empty() {
        let width = summary
            .by_event
            .iter()
            .map(|e| e.event.as_deref().map_or(11, str::len))
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(
            w,
            "  {:width$}  {:>9}  {:>10}  {:>10}",
            "event", "version", "valid", "invalid"
        )?;
        for e in &summary.by_event {
            writeln!(
                w,
                "  {:width$}  {:>9}  {:>10}  {:>10}",
                e.event.as_deref().unwrap_or("(no schema)"),
                e.version.as_deref().unwrap_or("-"),
                e.valid,
                e.invalid
            )?;
        }
    }
    if !summary.top_errors.is_empty() {
        writeln!(w, "most frequent errors:")?;
        for e in &summary.top_errors {
            let event = match (&e.event, &e.version) {
                (Some(event), Some(version)) => format!("{event} {version}"),
                _ => "(no schema)".to_owned(),
            };
            writeln!(
                w,
                "  {:>10}  {}  {}  {}",
                e.count,
                e.rule,
                event,
                shown_pointer(&e.pointer)
            )?;
        }
    }
    if summary.bom.count > 0 {
        writeln!(
            w,
            "note: {} line(s) began with a UTF-8 byte order mark, ignored{}",
            summary.bom.count,
            first(&summary.bom)
        )?;
    }
    if summary.crlf.count > 0 {
        writeln!(
            w,
            "note: {} line(s) ended with CRLF, accepted{}",
            summary.crlf.count,
            first(&summary.crlf)
        )?;
    }
    for f in &summary.files {
        if let Some(failure) = &f.failure {
            writeln!(w, "error: {}: {failure}", f.file)?;
        }
    }
    Ok(())
}

fn first(notice: &Notice) -> String {
    match &notice.first {
        Some(at) => format!(" (first at {}:{})", at.file, at.line),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_escaping() {
        assert_eq!(github_data("50%\na"), "50%25%0Aa");
        assert_eq!(github_property("a:b,c"), "a%3Ab%2Cc");
    }
}
