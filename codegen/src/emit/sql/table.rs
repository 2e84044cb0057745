//! The warehouse table of an event's major version, derived from the shape of one version
//! ([`EventShape`], the normalized form `compat` also reads: from the IR for the current version,
//! from its published JSON Schema for an older one), so current and historical tables come from
//! the same mapping.

use serde_json::Value;

use super::quote::{self, MAX_IDENTIFIER_BYTES, ident, literal};
use crate::compat::shape::{Bounds, EventShape, PropertyShape, StringShape, TypeShape};
use crate::emit::json_schema::PROPERTIES_KEY;
use crate::model::Period;

/// The schema that holds the event tables (analysts read it).
pub const EVENTS_SCHEMA: &str = "events";
/// The schema of eventcat's own tables and functions: metadata, `bad_events`, the loaders.
pub const META_SCHEMA: &str = "eventcat";
/// The role the loader logs in as (or is a member of).
pub const WRITER_ROLE: &str = "eventcat_writer";
/// The role analysts are members of: read the event tables, nothing else.
pub const READER_ROLE: &str = "eventcat_reader";
/// Room left in a table's name for a partition suffix (`_p20260101`).
const TABLE_NAME_BYTES: usize = 50;

/// One table: an event's major version, at the latest version of that major.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub name: String,
    pub event: String,
    pub major: u64,
    /// The version whose shape the table has.
    pub version: semver::Version,
    pub description: String,
    pub columns: Vec<Column>,
    /// Fixed when the table is created (by its major's first version): partitions never overlap.
    pub partition: PartitionWidth,
    /// `2_years`, from the shape's `x-retention`.
    pub retention_period: Option<Period>,
    pub archive_after: Option<Period>,
}

/// A column and where its value is in a payload.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// The key in the payload: an envelope field, or a property under `properties`.
    pub key: String,
    pub in_properties: bool,
    pub ty: SqlType,
    pub not_null: bool,
    /// A boolean SQL expression over the (quoted) column, the column's one CHECK constraint.
    pub check: Option<String>,
    pub comment: String,
}

/// The SQL types the catalog's types map to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlType {
    Text,
    Uuid,
    Timestamptz,
    Smallint,
    Integer,
    Bigint,
    DoublePrecision,
    Numeric,
    Boolean,
    Inet,
    Jsonb,
    Array(Box<SqlType>),
}

impl SqlType {
    pub fn sql(&self) -> String {
        match self {
            SqlType::Text => "text".into(),
            SqlType::Uuid => "uuid".into(),
            SqlType::Timestamptz => "timestamptz".into(),
            SqlType::Smallint => "smallint".into(),
            SqlType::Integer => "integer".into(),
            SqlType::Bigint => "bigint".into(),
            SqlType::DoublePrecision => "double precision".into(),
            SqlType::Numeric => "numeric".into(),
            SqlType::Boolean => "boolean".into(),
            SqlType::Inet => "inet".into(),
            SqlType::Jsonb => "jsonb".into(),
            SqlType::Array(item) => format!("{}[]", item.sql()),
        }
    }
}

/// How much time one partition holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartitionWidth {
    Day,
    Month,
}

impl PartitionWidth {
    /// Sized to the policy: archiving and dropping work on whole partitions, so a partition must
    /// be short beside `archive_after` (a day when events archive within 90 days), and few
    /// enough over `retention_period` to stay cheap to plan (a month otherwise: 84 for 7 years).
    pub fn for_policy(archive_after: Option<&Period>) -> PartitionWidth {
        match archive_after {
            Some(period) if period.approx_days() < 90 => PartitionWidth::Day,
            _ => PartitionWidth::Month,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PartitionWidth::Day => "day",
            PartitionWidth::Month => "month",
        }
    }
}

/// The table name of an event's major version: `user.login`, 1 → `user_login_v1` (characters
/// other than ASCII letters, digits and `_` become `_`; a long name is cut with a hash).
pub fn table_name(event: &str, major: u64) -> String {
    let base: String = event
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let mut name = format!("{base}_v{major}");
    if base != event.replace('.', "_") {
        // Lossy: keep names that differ only in the replaced characters apart.
        name = format!(
            "{base}_{:08x}_v{major}",
            quote::fnv1a(event.as_bytes()) as u32
        );
    }
    quote::short_name(&name, TABLE_NAME_BYTES)
}

impl Table {
    /// The table of `shape`'s major version; `first` is the shape of the major's first version
    /// (it fixes the partition width).
    pub fn from_shape(shape: &EventShape, first: &EventShape) -> Table {
        let (retention_period, archive_after) = policy(shape);
        let (_, first_archive) = policy(first);
        let mut columns: Vec<Column> = Vec::new();
        let envelope_names: Vec<&str> = shape.envelope.iter().map(|f| f.name.as_str()).collect();
        for field in &shape.envelope {
            columns.push(column(shape, field, field.name.clone(), false));
        }
        for property in &shape.properties {
            let mut name = property.name.clone();
            if envelope_names.contains(&name.as_str()) || name == PROPERTIES_KEY {
                name = format!("{PROPERTIES_KEY}_{name}");
            }
            columns.push(column(shape, property, name, true));
        }
        // Names PostgreSQL would truncate, and collisions after renaming, made unique.
        for i in 0..columns.len() {
            let mut name = quote::short_name(&columns[i].name, MAX_IDENTIFIER_BYTES);
            if columns[..i].iter().any(|c| c.name == name) {
                let path = format!("{}/{}", columns[i].in_properties, columns[i].key);
                name = quote::short_name(
                    &format!("{name}_{:08x}", quote::fnv1a(path.as_bytes()) as u32),
                    MAX_IDENTIFIER_BYTES,
                );
            }
            columns[i].name = name;
        }
        let env = columns
            .iter()
            .find(|c| !c.in_properties && c.key == "environment")
            .map(|c| c.name.clone());
        for (column, field) in columns
            .iter_mut()
            .zip(shape.envelope.iter().chain(&shape.properties))
        {
            column.check = check(shape, field, &column.name, env.as_deref());
        }
        Table {
            name: table_name(&shape.name, shape.version.major),
            event: shape.name.clone(),
            major: shape.version.major,
            version: shape.version.clone(),
            description: shape.description.clone(),
            columns,
            partition: PartitionWidth::for_policy(first_archive.as_ref()),
            retention_period,
            archive_after,
        }
    }

    pub fn qualified(&self) -> String {
        quote::qualified(EVENTS_SCHEMA, &self.name)
    }

    /// The name of the column's CHECK constraint (one per column, so a migration replaces it).
    pub fn check_name(&self, column: &Column) -> String {
        quote::short_name(
            &format!("{}_{}_check", self.name, column.name),
            MAX_IDENTIFIER_BYTES,
        )
    }

    /// The loader function of this table (in [`META_SCHEMA`]).
    pub fn loader(&self) -> String {
        quote::qualified(
            META_SCHEMA,
            &quote::short_name(&format!("load_{}", self.name), MAX_IDENTIFIER_BYTES),
        )
    }

    pub fn column(&self, in_properties: bool, key: &str) -> Option<&Column> {
        self.columns
            .iter()
            .find(|c| c.in_properties == in_properties && c.key == key)
    }
}

fn policy(shape: &EventShape) -> (Option<Period>, Option<Period>) {
    let read = |key: &str| {
        shape
            .retention
            .as_ref()
            .and_then(|r| r.get(key))
            .and_then(Value::as_str)
            .and_then(|s| Period::try_from(s.to_owned()).ok())
    };
    (read("retention_period"), read("archive_after"))
}

fn column(shape: &EventShape, field: &PropertyShape, name: String, in_properties: bool) -> Column {
    let ty = sql_type(&field.ty, field);
    let mut comment = field.description.trim().to_owned();
    if let Some(unit) = &field.unit {
        comment.push_str(&format!(" (unit: {unit})"));
    }
    let _ = shape;
    Column {
        name,
        key: field.name.clone(),
        in_properties,
        ty,
        not_null: field.required && !field.nullable,
        check: None,
        comment,
    }
}

/// The one mapping from a catalog type to a SQL type.
fn sql_type(ty: &TypeShape, field: &PropertyShape) -> SqlType {
    match ty {
        TypeShape::String(string) => string_type(string, field),
        TypeShape::Integer(bounds) => integer_type(*bounds),
        // Money is exact: a sum of `double precision` amounts drifts by cents.
        TypeShape::Number(_) if field.unit.as_deref() == Some("usd") => SqlType::Numeric,
        TypeShape::Number(_) => SqlType::DoublePrecision,
        TypeShape::Boolean => SqlType::Boolean,
        TypeShape::Object | TypeShape::Unknown(_) => SqlType::Jsonb,
        TypeShape::Const(_) => SqlType::Text,
        TypeShape::Array(items) => match items.as_ref() {
            TypeShape::Object
            | TypeShape::Array(_)
            | TypeShape::Unknown(_)
            | TypeShape::Const(_) => SqlType::Jsonb,
            item => SqlType::Array(Box::new(sql_type(item, field))),
        },
    }
}

fn string_type(string: &StringShape, field: &PropertyShape) -> SqlType {
    if field.pii.as_deref() == Some("anonymized_ip") {
        return SqlType::Inet;
    }
    match string.format.as_deref() {
        Some("date-time") => SqlType::Timestamptz,
        Some("uuid") => SqlType::Uuid,
        Some("ip" | "ipv4" | "ipv6") => SqlType::Inet,
        _ => SqlType::Text,
    }
}

/// The narrowest integer type that holds the range (PostgreSQL has no unsigned types).
fn integer_type(bounds: Bounds) -> SqlType {
    let fits = |min: f64, max: f64| {
        bounds.minimum.is_some_and(|m| m >= min) && bounds.maximum.is_some_and(|m| m <= max)
    };
    if fits(f64::from(i16::MIN), f64::from(i16::MAX)) {
        SqlType::Smallint
    } else if fits(f64::from(i32::MIN), f64::from(i32::MAX)) {
        SqlType::Integer
    } else {
        SqlType::Bigint
    }
}

/// What SQL can say of a field's rules, as one boolean expression over the column.
fn check(
    shape: &EventShape,
    field: &PropertyShape,
    column: &str,
    environment: Option<&str>,
) -> Option<String> {
    let c = ident(column);
    let mut parts: Vec<String> = Vec::new();
    match &field.ty {
        TypeShape::Const(Value::String(value)) => {
            if *value == shape.version.to_string() && field.name == "version" {
                // One table holds every version of its major.
                parts.push(format!(
                    "split_part({c}, '.', 1) = {}",
                    literal(&shape.version.major.to_string())
                ));
            } else {
                parts.push(format!("{c} = {}", literal(value)));
            }
        }
        TypeShape::String(string) => string_checks(&c, string, field, &mut parts),
        TypeShape::Integer(bounds) | TypeShape::Number(bounds) => {
            bounds_checks(&c, *bounds, &mut parts);
        }
        TypeShape::Array(items) => {
            if let TypeShape::String(StringShape {
                values: Some(values),
                ..
            }) = items.as_ref()
            {
                parts.push(format!("{c} <@ {}", text_array(values)));
            }
        }
        _ => {}
    }
    if let (Some(envs), Some(env)) = (&field.environments, environment)
        && env != column
    {
        parts.push(format!(
            "({c} IS NULL OR {} = ANY ({}))",
            ident(env),
            text_array(envs)
        ));
    }
    if parts.is_empty() {
        None
    } else {
        Some(parts.join(" AND "))
    }
}

fn string_checks(c: &str, string: &StringShape, field: &PropertyShape, parts: &mut Vec<String>) {
    if let Some(values) = &string.values {
        parts.push(format!("{c} = ANY ({})", text_array(values)));
    }
    match (string.min_length, string.max_length) {
        (Some(min), Some(max)) => parts.push(format!("char_length({c}) BETWEEN {min} AND {max}")),
        (Some(min), None) => parts.push(format!("char_length({c}) >= {min}")),
        (None, Some(max)) => parts.push(format!("char_length({c}) <= {max}")),
        (None, None) => {}
    }
    match field.pii.as_deref() {
        Some("hashed") => parts.push(format!("{c} ~ '^[0-9a-f]{{64}}$'")),
        // IPv4 with its last octet 0, IPv6 cut to its first 48 bits.
        Some("anonymized_ip") => parts.push(format!(
            "host({c}) = host(network(set_masklen({c}, CASE family({c}) WHEN 4 THEN 24 ELSE 48 END)))"
        )),
        _ => {}
    }
}

fn bounds_checks(c: &str, bounds: Bounds, parts: &mut Vec<String>) {
    if let Some(min) = bounds.minimum {
        parts.push(format!("{c} >= {}", number(min)));
    }
    if let Some(max) = bounds.maximum {
        parts.push(format!("{c} <= {}", number(max)));
    }
}

/// A bound as a SQL numeric literal (Rust prints `f64` without an exponent).
fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value}")
    }
}

fn text_array(values: &[String]) -> String {
    let items: Vec<String> = values.iter().map(|v| literal(v)).collect();
    format!("ARRAY[{}]::text[]", items.join(", "))
}
