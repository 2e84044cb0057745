//! Typed rows, written on the client: each valid payload becomes one row of its table in
//! `COPY`'s text format, so the batch goes into a session temporary table shaped like the event
//! table and from there with one `INSERT ... SELECT ... ON CONFLICT DO NOTHING` per table: no
//! `jsonb` staging and no field extraction in SQL, which is where the loader functions spend
//! their time (BENCHMARKS.md).
//!
//! The mapping is the emitter's (`generated/sql/columns.json`, embedded at build time), used for
//! a table only when the database's table is at the same version with the same columns and
//! types; otherwise that table's rows go through its loader function, as before. The values
//! stored are the loader functions' to the bit: every value is sent as the text the loader
//! function's cast reads (PostgreSQL's own input functions parse it in both paths), and a
//! payload whose value the client cannot render exactly that way (a number with an exponent,
//! a negative zero, a key with escapes, a field the map does not know, a string holding NUL,
//! a value of another JSON type than the column's) goes through the loader function instead.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use eventcat::emit::sql::quote::{ident, literal, qualified};
use postgres::Client;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

#[derive(Deserialize)]
struct MapFile {
    tables: Vec<MapTable>,
}

#[derive(Deserialize)]
struct MapTable {
    table: String,
    version: String,
    columns: Vec<MapColumn>,
}

#[derive(Deserialize)]
struct MapColumn {
    column: String,
    key: String,
    in_properties: bool,
    #[serde(rename = "type")]
    ty: String,
}

/// How a column's JSON value is written as the text its type's input function reads.
#[derive(Debug, Clone, PartialEq)]
enum Encoding {
    /// A JSON string, unescaped: `text`, and the types whose input reads the same text the
    /// loader functions cast (`uuid`, `timestamptz`, `inet`).
    String,
    /// A JSON integer in plain digits (the loader functions read `5.0` through `numeric`).
    Integer,
    /// `double precision`: a JSON number without an exponent, not a negative zero (the loader
    /// functions read numbers through `jsonb`'s `numeric`, which has neither).
    Float,
    /// `numeric`: a JSON number without an exponent.
    Numeric,
    Boolean,
    /// The JSON text as is: `jsonb` parses it as it parses the whole payload.
    Jsonb,
    /// A JSON array of scalars, as an array literal.
    Array(Box<Encoding>),
}

fn encoding(ty: &str) -> Option<Encoding> {
    if let Some(item) = ty.strip_suffix("[]") {
        return match encoding(item)? {
            Encoding::Jsonb | Encoding::Array(_) => None,
            item => Some(Encoding::Array(Box::new(item))),
        };
    }
    Some(match ty {
        "text" | "uuid" | "timestamptz" | "inet" => Encoding::String,
        "smallint" | "integer" | "bigint" => Encoding::Integer,
        "double precision" => Encoding::Float,
        "numeric" => Encoding::Numeric,
        "boolean" => Encoding::Boolean,
        "jsonb" => Encoding::Jsonb,
        _ => return None,
    })
}

/// The tables the client types rows for, and the session's staging table they share: one
/// `COPY` a batch for every table (a `COPY` per table would cost a round trip per table and
/// batch), `table_no` saying whose row it is (a partition each, so each insert reads only its
/// own), `c1`..`cN` the values as text, the timestamp first; each table's insert casts them to
/// its column types (the types' input functions, as `COPY` into typed columns would).
#[derive(Debug)]
pub(super) struct Typed {
    pub(super) tables: Vec<TypedTable>,
    /// Creates the staging table (once a session).
    pub(super) create: String,
    /// The partitions every staged row needs, one statement.
    ensure: String,
    /// Text columns of the staging table: the widest table's.
    width: usize,
    /// Each table's partition width (`day` or `month`).
    widths: Vec<String>,
    /// [`Typed::ensure_direct`]'s statement.
    ensure_direct: String,
}

/// One event table the client types rows for.
#[derive(Debug)]
pub(super) struct TypedTable {
    pub(super) name: String,
    /// Per staging column (`c1`, ...), how its value is written.
    encodings: Vec<Encoding>,
    /// Key → staging column, at the top level and under `properties`.
    envelope: foldhash::HashMap<String, usize>,
    properties: foldhash::HashMap<String, usize>,
    /// Its staged rows into the table, skipping those stored already; the row count is the
    /// rows inserted.
    insert: String,
    /// `COPY` of typed rows straight into the table, its columns in staging order.
    pub(super) copy: String,
    /// The staging column of `event_id` (the timestamp is the first).
    event_id: usize,
}

/// A typed row's primary key as the client sent it (`event_id`, `timestamp`).
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub(super) struct Key {
    pub(super) event_id: String,
    pub(super) timestamp: String,
}

/// The staging table.
const STAGING: &str = "pg_temp.eventcat_typed";

/// Why the column map could not be read.
#[derive(Debug)]
pub(super) struct BadMap(serde_json::Error);

impl fmt::Display for BadMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the embedded generated/sql/columns.json: {}", self.0)
    }
}

/// What the database says of one event table.
pub(super) struct Registered {
    pub(super) version: String,
    /// `day` or `month`.
    pub(super) width: String,
}

/// The tables of `map` (the text of `columns.json`) whose version, columns and types the
/// database has (`registered`: table → its row in `eventcat.event_tables`). The others are
/// left to their loader functions.
pub(super) fn plan(
    client: &mut Client,
    map: &str,
    registered: &HashMap<String, Registered>,
) -> Result<Typed, PlanError> {
    let map: MapFile = serde_json::from_str(map).map_err(|e| PlanError::Map(BadMap(e)))?;
    let rows = client.query(
        "SELECT c.relname::text, a.attname::text, format_type(a.atttypid, a.atttypmod) \
         FROM pg_catalog.pg_attribute AS a \
         JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid \
         JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace \
         WHERE n.nspname = 'events' AND c.relkind = 'p' AND a.attnum > 0 AND NOT a.attisdropped",
        &[],
    )?;
    let mut database: HashMap<String, BTreeMap<String, String>> = HashMap::new();
    for row in &rows {
        database
            .entry(row.get(0))
            .or_default()
            .insert(row.get(1), row.get(2));
    }
    // The map's type names as the database spells them (`timestamptz`: `timestamp with time zone`).
    let mut names: Vec<&str> = map
        .tables
        .iter()
        .flat_map(|t| t.columns.iter().map(|c| c.ty.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    let spelled: HashMap<String, Option<String>> = client
        .query(
            "SELECT t, format_type(to_regtype(t), NULL) FROM unnest($1::text[]) AS t",
            &[&names],
        )?
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    let mut tables = Vec::new();
    let mut partitions = Vec::new();
    let mut widths = Vec::new();
    for table in &map.tables {
        let Some(registered) = registered
            .get(&table.table)
            .filter(|r| r.version == table.version)
        else {
            continue;
        };
        let Some(columns) = database.get(&table.table) else {
            continue;
        };
        let same = columns.len() == table.columns.len()
            && table.columns.iter().all(|c| {
                spelled.get(&c.ty).and_then(Option::as_deref)
                    == columns.get(&c.column).map(String::as_str)
            });
        if same && let Some(t) = TypedTable::new(table, tables.len()) {
            partitions.push(format!(
                "({}, {}, {})",
                tables.len(),
                literal(&table.table),
                literal(&registered.width)
            ));
            tables.push(t);
            widths.push(registered.width.clone());
        }
    }
    let width = tables.iter().map(|t| t.encodings.len()).max().unwrap_or(0);
    let columns: String = (1..=width).map(|i| format!(", c{i} text")).collect();
    let mut create = format!(
        "CREATE TEMP TABLE IF NOT EXISTS {STAGING} (table_no integer{columns}) PARTITION BY LIST (table_no);\n"
    );
    for no in 0..tables.len() {
        create.push_str(&format!(
            "CREATE TEMP TABLE IF NOT EXISTS {STAGING}_{no} PARTITION OF {STAGING} FOR VALUES IN ({no}) ON COMMIT DELETE ROWS;\n"
        ));
    }
    Ok(Typed {
        create,
        // What each loader function does first, for every table at once: the partition of
        // each day or month the rows fall in (`c1` is the timestamp).
        ensure: ensure(
            &format!("(SELECT table_no, c1 FROM {STAGING})"),
            &partitions,
        ) + ";\n",
        ensure_direct: ensure("unnest($1::integer[], $2::text[])", &partitions),
        tables,
        width,
        widths,
    })
}

/// The statement that makes sure of the partitions of `rows` (a relation of table numbers and
/// timestamps as text), over `partitions` (`(no, name, width)` of each typed table).
fn ensure(rows: &str, partitions: &[String]) -> String {
    format!(
        "SELECT {ensure}(days.name, days.moment) FROM \
         (SELECT DISTINCT t.name, date_trunc(t.width, k.t::timestamptz, 'UTC') AS moment \
         FROM {rows} AS k (no, t) \
         JOIN (VALUES {list}) AS t (no, name, width) ON t.no = k.no) AS days",
        ensure = qualified("eventcat", "ensure_partition"),
        list = partitions.join(", "),
    )
}

/// Why the typed tables could not be planned.
#[derive(Debug)]
pub(super) enum PlanError {
    Map(BadMap),
    Database(postgres::Error),
}

impl From<postgres::Error> for PlanError {
    fn from(error: postgres::Error) -> Self {
        PlanError::Database(error)
    }
}

impl Typed {
    /// No table typed on the client: every row through its loader function.
    pub(super) fn none() -> Typed {
        Typed {
            tables: Vec::new(),
            create: String::new(),
            ensure: String::new(),
            width: 0,
            widths: Vec::new(),
            ensure_direct: String::new(),
        }
    }

    /// The statements after the batch's `COPY`: the partitions, then an insert for each table
    /// of `present` (its row count is the rows inserted).
    pub(super) fn script(&self, present: impl Iterator<Item = usize>) -> String {
        let mut script = self.ensure.clone();
        for i in present {
            script.push_str(&self.tables[i].insert);
        }
        script
    }

    /// `COPY` of the batch into the staging table.
    pub(super) fn copy(&self) -> &'static str {
        "COPY pg_temp.eventcat_typed FROM STDIN"
    }

    /// Appends `payload` as one row of table `no` in `COPY`'s text format; `false` (and `out`
    /// as it was) when the client cannot render one of its values exactly as the loader
    /// function would store it.
    pub(super) fn encode(&self, no: usize, payload: &str, out: &mut Vec<u8>) -> bool {
        let start = out.len();
        let table = &self.tables[no];
        let ok = table.try_encode(Some(no), payload, out, None);
        if ok {
            for _ in table.encodings.len()..self.width {
                out.extend_from_slice(b"\t\\N");
            }
            out.push(b'\n');
        } else {
            out.truncate(start);
        }
        ok
    }

    /// Appends `payload` as one row of table `no` itself (its [`TypedTable::copy`]), and
    /// returns its key; `None` (and `out` as it was) when the client cannot render one of its
    /// values exactly, or its key is missing.
    pub(super) fn encode_direct(&self, no: usize, payload: &str, out: &mut Vec<u8>) -> Option<Key> {
        let start = out.len();
        let mut key = Key::default();
        if self.tables[no].try_encode(None, payload, out, Some(&mut key))
            && !key.event_id.is_empty()
            && !key.timestamp.is_empty()
        {
            out.push(b'\n');
            Some(key)
        } else {
            out.truncate(start);
            None
        }
    }

    /// The partitions of rows, one statement: `$1` the rows' tables, `$2` their timestamps
    /// (as `ensure` does over the staging table).
    pub(super) fn ensure_direct(&self) -> &str {
        &self.ensure_direct
    }

    /// What decides which partition a row of table `no` goes to, as far as the client can
    /// tell without reading the timestamp as a time: its UTC day or month when it is written
    /// in UTC (`...Z`, seconds below 60), else the whole timestamp. Rows of one key share a
    /// partition, so one of them stands for all in [`Typed::ensure_direct`].
    pub(super) fn partition_key<'k>(&self, no: usize, timestamp: &'k str) -> &'k str {
        let b = timestamp.as_bytes();
        let in_utc = b.len() >= 20
            && b[4] == b'-'
            && b[7] == b'-'
            && b[13] == b':'
            && b[16] == b':'
            && b[17] < b'6'
            && matches!(b[b.len() - 1], b'Z' | b'z');
        let prefix = match self.widths[no].as_str() {
            "day" => 10,
            "month" => 7,
            _ => b.len(),
        };
        if in_utc {
            &timestamp[..prefix]
        } else {
            timestamp
        }
    }
}

impl TypedTable {
    fn new(table: &MapTable, no: usize) -> Option<TypedTable> {
        // The timestamp first: the partitions of all tables come from `c1`.
        let envelope_column = |key: &str| {
            table
                .columns
                .iter()
                .position(|c| !c.in_properties && c.key == key)
        };
        let timestamp = envelope_column("timestamp")?;
        // The primary key's other column: a table without it is not one the emitter made.
        let event_id_column = envelope_column("event_id")?;
        let mut order: Vec<usize> = (0..table.columns.len()).collect();
        order.remove(timestamp);
        order.insert(0, timestamp);
        let mut encodings = Vec::new();
        let mut envelope = foldhash::HashMap::default();
        let mut properties = foldhash::HashMap::default();
        let mut staged = vec![0; table.columns.len()];
        for (position, &i) in order.iter().enumerate() {
            let column = &table.columns[i];
            encodings.push(encoding(&column.ty)?);
            let keys = if column.in_properties {
                &mut properties
            } else {
                &mut envelope
            };
            keys.insert(column.key.clone(), position);
            staged[i] = position;
        }
        // `properties` holds the properties; a column of that name is not a mapping this reads.
        if envelope.contains_key("properties")
            || envelope.len() + properties.len() != encodings.len()
        {
            return None;
        }
        let names: Vec<String> = table.columns.iter().map(|c| ident(&c.column)).collect();
        let staged_names: Vec<&str> = order.iter().map(|&i| names[i].as_str()).collect();
        let values: Vec<String> = table
            .columns
            .iter()
            .zip(&staged)
            .map(|(c, position)| match c.ty.as_str() {
                "text" => format!("c{}", position + 1),
                ty => format!("c{}::{ty}", position + 1),
            })
            .collect();
        Some(TypedTable {
            name: table.table.clone(),
            // The loader function's insert, over typed rows: `ON CONFLICT DO NOTHING` skips
            // what is stored, within the batch as against other loaders. (A `NOT EXISTS` on the
            // key instead was measured and dropped: on tables without statistics, just
            // created or truncated, PostgreSQL plans it as a merge anti join that reads every
            // partition, BENCHMARKS.md.)
            insert: format!(
                "INSERT INTO {} ({}) SELECT {} FROM {STAGING}_{no} ON CONFLICT DO NOTHING;\n",
                qualified("events", &table.table),
                names.join(", "),
                values.join(", "),
            ),
            copy: format!(
                "COPY {} ({}) FROM STDIN",
                qualified("events", &table.table),
                staged_names.join(", ")
            ),
            event_id: staged[event_id_column],
            encodings,
            envelope,
            properties,
        })
    }

    /// Writes `no` (when given) and the payload's values (no line end), and the key into
    /// `key` (when given); `false` as soon as one cannot be rendered exactly.
    fn try_encode(
        &self,
        no: Option<usize>,
        payload: &str,
        out: &mut Vec<u8>,
        mut key: Option<&mut Key>,
    ) -> bool {
        let mut values: Vec<Option<&RawValue>> = vec![None; self.encodings.len()];
        let mut known = true;
        let mut de = serde_json::Deserializer::from_str(payload);
        let fields = Fields {
            table: self,
            values: &mut values,
            known: &mut known,
            nested: false,
        };
        if fields.deserialize(&mut de).is_err() || de.end().is_err() || !known {
            return false;
        }
        if let Some(no) = no {
            out.extend_from_slice(no.to_string().as_bytes());
        }
        let mut scratch = String::new();
        for (position, (encoding, value)) in self.encodings.iter().zip(&values).enumerate() {
            if no.is_some() || position > 0 {
                out.push(b'\t');
            }
            match value.map(|v| v.get()) {
                None | Some("null") => out.extend_from_slice(b"\\N"),
                Some(json) => {
                    scratch.clear();
                    if !render(encoding, json, &mut scratch) {
                        return false;
                    }
                    push_escaped(out, scratch.as_bytes());
                    if let Some(key) = key.as_deref_mut() {
                        if position == 0 {
                            key.timestamp.clone_from(&scratch);
                        } else if position == self.event_id {
                            key.event_id.clone_from(&scratch);
                        }
                    }
                }
            }
        }
        true
    }
}

/// Collects the raw values of the mapped keys of the payload (or, `nested`, of its
/// `properties`); an unknown key, a key with escapes or a `properties` that is not an object
/// is an error or `known = false`, and the payload goes to the loader function.
struct Fields<'t, 'v, 'de> {
    table: &'t TypedTable,
    values: &'v mut Vec<Option<&'de RawValue>>,
    known: &'v mut bool,
    nested: bool,
}

impl<'de> DeserializeSeed<'de> for Fields<'_, '_, 'de> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Fields<'_, '_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let keys = if self.nested {
            &self.table.properties
        } else {
            &self.table.envelope
        };
        while let Some(key) = map.next_key::<&'de str>()? {
            if !self.nested && key == "properties" {
                map.next_value_seed(Fields {
                    table: self.table,
                    values: &mut *self.values,
                    known: &mut *self.known,
                    nested: true,
                })?;
            } else if let Some(&i) = keys.get(key) {
                // A key given twice: the last, as jsonb keeps it.
                self.values[i] = Some(map.next_value::<&'de RawValue>()?);
            } else {
                *self.known = false;
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

/// Writes the text the column's type reads for the JSON value `json` (not `null`); `false`
/// when that text would not be exactly what the loader function casts.
fn render(encoding: &Encoding, json: &str, out: &mut String) -> bool {
    match encoding {
        Encoding::String => match unescape(json) {
            Some(text) => {
                out.push_str(&text);
                true
            }
            None => false,
        },
        Encoding::Integer => {
            let digits = json.strip_prefix('-').unwrap_or(json);
            let ok = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
            ok && {
                out.push_str(json);
                true
            }
        }
        Encoding::Float | Encoding::Numeric => {
            let number = json.starts_with(|c: char| c == '-' || c.is_ascii_digit())
                && !json.contains(['e', 'E']);
            let negative_zero = *encoding == Encoding::Float
                && json.starts_with('-')
                && json.bytes().all(|b| matches!(b, b'-' | b'0' | b'.'));
            number && !negative_zero && {
                out.push_str(json);
                true
            }
        }
        Encoding::Boolean => match json {
            "true" => {
                out.push('t');
                true
            }
            "false" => {
                out.push('f');
                true
            }
            _ => false,
        },
        Encoding::Jsonb => {
            out.push_str(json);
            true
        }
        Encoding::Array(item) => {
            let Ok(items) = serde_json::from_str::<Vec<&RawValue>>(json) else {
                return false;
            };
            out.push('{');
            let mut element = String::new();
            for (i, value) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if value.get() == "null" {
                    out.push_str("NULL");
                    continue;
                }
                element.clear();
                if !render(item, value.get(), &mut element) {
                    return false;
                }
                // Every element quoted: the array literal's escapes are `\` and `"`.
                out.push('"');
                for c in element.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
            out.push('}');
            true
        }
    }
}

/// The text of a JSON string (`None`: not a string, or holding NUL, which no text value can).
fn unescape(json: &str) -> Option<std::borrow::Cow<'_, str>> {
    let inner = json.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        return Some(inner.into());
    }
    let text: String = serde_json::from_str(json).ok()?;
    (!text.contains('\0')).then_some(text.into())
}

/// Appends `bytes` as one field of `COPY`'s text format: backslash, tab and line ends escaped.
pub(super) fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    // Most values hold nothing to escape: copied in runs between the bytes that need it.
    let mut rest = bytes;
    while let Some(at) = rest
        .iter()
        .position(|&b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r'))
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(match rest[at] {
            b'\\' => b"\\\\",
            b'\t' => b"\\t",
            b'\n' => b"\\n",
            _ => b"\\r",
        });
        rest = &rest[at + 1..];
    }
    out.extend_from_slice(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed() -> Typed {
        let map = MapTable {
            table: "t_v1".into(),
            version: "1.0.0".into(),
            columns: [
                ("event_id", "event_id", false, "uuid"),
                ("timestamp", "timestamp", false, "timestamptz"),
                ("n", "n", true, "integer"),
                ("x", "x", true, "double precision"),
                ("m", "m", true, "numeric"),
                ("b", "b", true, "boolean"),
                ("tags", "tags", true, "text[]"),
                ("meta", "meta", true, "jsonb"),
                ("properties_timestamp", "timestamp", true, "text"),
            ]
            .into_iter()
            .map(|(column, key, in_properties, ty)| MapColumn {
                column: column.into(),
                key: key.into(),
                in_properties,
                ty: ty.into(),
            })
            .collect(),
        };
        let table = TypedTable::new(&map, 0).unwrap();
        Typed {
            tables: vec![table],
            create: String::new(),
            ensure: String::new(),
            // One column more than the table: rows are padded.
            width: 10,
            widths: vec!["month".into()],
            ensure_direct: String::new(),
        }
    }

    fn row(payload: &str) -> Option<String> {
        let mut out = Vec::new();
        typed()
            .encode(0, payload, &mut out)
            .then(|| String::from_utf8(out).unwrap())
    }

    #[test]
    fn payloads_become_copy_rows_or_go_to_the_loader_function() {
        let cases: &[(&str, Option<&str>)] = &[
            (
                r#"{"event_id":"e","timestamp":"2026-01-01T00:00:00Z","properties":{"n":5,"x":1.5,"m":0.10,"b":true,"tags":["a","b\"c",null],"meta":{"k":"v\\w"},"timestamp":"t\tab"}}"#,
                Some(
                    "0\t2026-01-01T00:00:00Z\te\t5\t1.5\t0.10\tt\t{\"a\",\"b\\\\\"c\",NULL}\t{\"k\":\"v\\\\\\\\w\"}\tt\\tab\t\\N\n",
                ),
            ),
            (
                r#"{"event_id":"e","timestamp":"2026-01-01T00:00:00Z","properties":{"n":-5,"x":-0.25,"m":12.50,"b":false,"tags":[],"meta":null}}"#,
                Some("0\t2026-01-01T00:00:00Z\te\t-5\t-0.25\t12.50\tf\t{}\t\\N\t\\N\t\\N\n"),
            ),
            (
                r#"{"event_id":"e\u00e9","timestamp":"2026","properties":{"tags":["a","b\"c\\",null],"meta":{"k":"v\\w"},"timestamp":"t\tab\n"}}"#,
                Some(
                    "0\t2026\te\u{e9}\t\\N\t\\N\t\\N\t\\N\t{\"a\",\"b\\\\\"c\\\\\\\\\",NULL}\t{\"k\":\"v\\\\\\\\w\"}\tt\\tab\\n\t\\N\n",
                ),
            ),
            // Through the loader function: what the client cannot render exactly.
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"n":5.0}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"x":1e3}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"x":-0.0}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"x":-0}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"m":1E-2}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"m":"1"}}"#,
                None,
            ),
            (r#"{"event_id":"e","timestamp":"t","unknown":1}"#, None),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"unknown":1}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":null}"#,
                None,
            ),
            (r#"{"event_id":"e","time\u0073tamp":"t"}"#, None),
            (r#"{"event_id":"a\u0000b","timestamp":"t"}"#, None),
            (r#"{"event_id":"\ud800","timestamp":"t"}"#, None),
            (r#"{"event_id":5,"timestamp":"t"}"#, None),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"b":"yes"}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"tags":"a"}}"#,
                None,
            ),
            (
                r#"{"event_id":"e","timestamp":"t","properties":{"tags":[1]}}"#,
                None,
            ),
            (r#"{"event_id":"e","timestamp":"t"} x"#, None),
            (r#"[1]"#, None),
        ];
        for (payload, expected) in cases {
            assert_eq!(row(payload).as_deref(), *expected, "{payload}");
        }
    }

    #[test]
    fn types_the_client_cannot_render_are_left_to_the_loader_function() {
        for (ty, expected) in [
            (
                "timestamptz[]",
                Some(Encoding::Array(Box::new(Encoding::String))),
            ),
            ("smallint", Some(Encoding::Integer)),
            ("jsonb[]", None),
            ("text[][]", None),
            ("interval", None),
        ] {
            assert_eq!(encoding(ty), expected, "{ty}");
        }
    }
}
