//! Rules for one property (of an event, or a field of the envelope).

use std::collections::BTreeMap;

use super::Findings;
use crate::diagnostics::Rule;
use crate::model::{ItemsDef, PropertyDef, TypeName};
use crate::span::Sp;

/// Largest integer a JSON number holds exactly (2^53 - 1): a larger bound is a typo or a float.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

pub(super) fn check(
    out: &mut Findings,
    file: &str,
    name: &Sp<String>,
    def: &PropertyDef,
    environments: Option<&[String]>,
) {
    let ty = def.ty.value;
    out.non_empty(
        file,
        &format!("the description of `{}`", name.value),
        &def.description,
    );

    let misplaced = |key: &str, applies_to: &str| {
        format!(
            "`{key}` applies to {applies_to} only, but `{}` is {}",
            name.value,
            ty.as_str()
        )
    };
    let numeric = ty.is_numeric();
    let string = ty == TypeName::String;
    let (numbers, strings) = ("integer and number properties", "string properties");
    for (key, pos, applies, applies_to) in [
        ("unit", def.unit.as_ref().map(|u| u.pos), numeric, numbers),
        (
            "minimum",
            def.minimum.as_ref().map(|m| m.pos),
            numeric,
            numbers,
        ),
        (
            "maximum",
            def.maximum.as_ref().map(|m| m.pos),
            numeric,
            numbers,
        ),
        (
            "min_length",
            def.min_length.as_ref().map(|m| m.pos),
            string,
            strings,
        ),
        (
            "max_length",
            def.max_length.as_ref().map(|m| m.pos),
            string,
            strings,
        ),
        (
            "pattern",
            def.pattern.as_ref().map(|p| p.pos),
            string,
            strings,
        ),
        (
            "format",
            def.format.as_ref().map(|f| f.pos),
            string,
            strings,
        ),
    ] {
        if let (Some(pos), false) = (pos, applies) {
            out.push(
                Rule::ConstraintTypeMismatch,
                file,
                pos,
                misplaced(key, applies_to),
            );
        }
    }
    match (&def.items, ty) {
        (Some(items), TypeName::Array) => check_items(out, file, name, items),
        (Some(items), _) => out.push(
            Rule::ConstraintTypeMismatch,
            file,
            items.pos,
            misplaced("items", "array properties"),
        ),
        (None, TypeName::Array) => out.push_help(
            Rule::ConstraintTypeMismatch,
            file,
            def.ty.pos,
            format!("array `{}` does not say its element type", name.value),
            "add `items: { type: string }` (or the element type it has)",
        ),
        (None, _) => {}
    }

    if let Some(values) = &def.enum_values {
        if ty != TypeName::String {
            out.push(
                Rule::ConstraintTypeMismatch,
                file,
                values.first().map_or(def.ty.pos, |v| v.pos),
                misplaced("enum", "string properties"),
            );
        }
        check_enum(out, file, name, values.pos, values);
    }
    if let (Some(_), Some(examples)) = (&def.enum_values, &def.examples)
        && let Some(first) = examples.first()
    {
        out.push(
            Rule::EnumAndExamples,
            file,
            first.pos,
            format!(
                "`{}` has a closed enum and examples: the enum already lists every value",
                name.value
            ),
        );
    }

    if let (Some(min), Some(max)) = (&def.minimum, &def.maximum)
        && min.value > max.value
    {
        out.push(
            Rule::InvalidRange,
            file,
            min.pos,
            format!(
                "minimum {} of `{}` is above its maximum {}",
                min.value, name.value, max.value
            ),
        );
    }
    if ty == TypeName::Integer {
        for bound in [&def.minimum, &def.maximum].into_iter().flatten() {
            if bound.value.fract() != 0.0 || bound.value.abs() > MAX_SAFE_INTEGER {
                out.push(
                    Rule::InvalidRange,
                    file,
                    bound.pos,
                    format!(
                        "bound {} of integer `{}` is not a whole number a JSON integer holds exactly",
                        bound.value, name.value
                    ),
                );
            }
        }
    }
    if let (Some(min), Some(max)) = (&def.min_length, &def.max_length)
        && min.value > max.value
    {
        out.push(
            Rule::InvalidRange,
            file,
            min.pos,
            format!(
                "min_length {} of `{}` is above its max_length {}",
                min.value, name.value, max.value
            ),
        );
    }
    if let Some(pattern) = &def.pattern {
        check_pattern(out, file, pattern);
    }

    if let Some(examples) = &def.examples {
        for example in examples {
            if let Err(why) = example_fits(def, &example.value) {
                out.push(
                    Rule::ExampleMismatch,
                    file,
                    example.pos,
                    format!("example {} of `{}` {why}", example.value, name.value),
                );
            }
        }
    }

    if let Some(allowed) = &def.environments {
        for environment in allowed {
            let known = environments.is_none_or(|known| known.contains(&environment.value));
            if !known {
                out.push_help(
                    Rule::UnknownEnvironment,
                    file,
                    environment.pos,
                    format!("`{}` is not an environment", environment.value),
                    format!(
                        "the envelope's environment enum has: {}",
                        environments.unwrap_or_default().join(", ")
                    ),
                );
            }
        }
        if !def.optional {
            out.push_help(
                Rule::RestrictedRequired,
                file,
                name.pos,
                format!(
                    "`{}` may only be sent in some environments, so it cannot be required",
                    name.value
                ),
                "add `optional: true`",
            );
        }
    }
}

fn check_items(out: &mut Findings, file: &str, name: &Sp<String>, items: &Sp<ItemsDef>) {
    let ty = items.ty.value;
    if matches!(ty, TypeName::Array | TypeName::Object) {
        out.push(
            Rule::ConstraintTypeMismatch,
            file,
            items.ty.pos,
            format!(
                "elements of `{}` must be scalars, not {}",
                name.value,
                ty.as_str()
            ),
        );
    }
    if ty != TypeName::String {
        for (key, pos) in [
            (
                "enum",
                items
                    .enum_values
                    .as_ref()
                    .and_then(|v| v.first())
                    .map(|v| v.pos),
            ),
            ("format", items.format.as_ref().map(|f| f.pos)),
            ("pattern", items.pattern.as_ref().map(|p| p.pos)),
        ] {
            if let Some(pos) = pos {
                out.push(
                    Rule::ConstraintTypeMismatch,
                    file,
                    pos,
                    format!("`{key}` applies to string elements only"),
                );
            }
        }
    }
    if let Some(values) = &items.enum_values {
        check_enum(out, file, name, values.pos, values);
    }
    if let Some(pattern) = &items.pattern {
        check_pattern(out, file, pattern);
    }
}

fn check_enum(
    out: &mut Findings,
    file: &str,
    name: &Sp<String>,
    anchor: crate::span::Pos,
    values: &[Sp<String>],
) {
    if values.is_empty() {
        out.push(
            Rule::EmptyEnum,
            file,
            anchor,
            format!("the enum of `{}` has no values", name.value),
        );
    }
    let mut seen: BTreeMap<&str, &Sp<String>> = BTreeMap::new();
    for value in values {
        if value.is_empty() {
            out.push(
                Rule::EmptyDescription,
                file,
                value.pos,
                format!("the enum of `{}` has an empty value", name.value),
            );
        }
        if let Some(first) = seen.insert(&value.value, value) {
            out.push(
                Rule::DuplicateEnumValue,
                file,
                value.pos,
                format!(
                    "`{}` is listed twice in the enum of `{}` (first at line {})",
                    value.value, name.value, first.pos.line
                ),
            );
        }
    }
}

/// Constructs of Rust's regex syntax that ECMA-262 (what Ajv and browsers run) does not have, or
/// reads differently: a pattern must mean the same to every validator.
const NOT_ECMA: &[(&str, &str)] = &[
    ("(?i", "inline flags"),
    ("(?m", "inline flags"),
    ("(?s", "inline flags"),
    ("(?x", "inline flags"),
    ("(?u", "inline flags"),
    ("(?P<", "Python-style named groups"),
    ("\\A", "`\\A` (use `^`)"),
    ("\\z", "`\\z` (use `$`)"),
    ("\\Z", "`\\Z` (use `$`)"),
    ("[[:", "POSIX classes"),
];

fn check_pattern(out: &mut Findings, file: &str, pattern: &Sp<String>) {
    if let Some((_, what)) = NOT_ECMA.iter().find(|(needle, _)| pattern.contains(needle)) {
        out.push(
            Rule::InvalidPattern,
            file,
            pattern.pos,
            format!(
                "pattern `{}` uses {what}, which ECMA-262 regular expressions (Ajv, browsers) do not have",
                pattern.value
            ),
        );
        return;
    }
    if let Err(error) = regex::Regex::new(pattern) {
        let detail = error.to_string();
        let last = detail.lines().last().unwrap_or_default().trim().to_owned();
        out.push(
            Rule::InvalidPattern,
            file,
            pattern.pos,
            format!(
                "pattern `{}` is not a valid regular expression: {last}",
                pattern.value
            ),
        );
    }
}

/// Whether an example is a value the property accepts, and if not, why.
fn example_fits(def: &PropertyDef, example: &serde_json::Value) -> Result<(), String> {
    use serde_json::Value;
    let ty = def.ty.value;
    let type_ok = match (ty, example) {
        (TypeName::String | TypeName::DateTime, Value::String(_)) => true,
        (TypeName::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
        (TypeName::Number, Value::Number(_)) => true,
        (TypeName::Boolean, Value::Bool(_)) => true,
        (TypeName::Object, Value::Object(_)) => true,
        (TypeName::Array, Value::Array(_)) => true,
        _ => false,
    };
    if !type_ok {
        return Err(format!("is not of type {}", ty.as_str()));
    }
    if let (Some(values), Value::String(text)) = (&def.enum_values, example)
        && !values.iter().any(|v| &v.value == text)
    {
        return Err("is not one of the enum's values".to_owned());
    }
    if let Some(number) = example.as_f64() {
        if def.minimum.as_ref().is_some_and(|min| number < min.value) {
            return Err("is below the minimum".to_owned());
        }
        if def.maximum.as_ref().is_some_and(|max| number > max.value) {
            return Err("is above the maximum".to_owned());
        }
    }
    if let Value::String(text) = example {
        let length = text.chars().count() as u64;
        if def
            .min_length
            .as_ref()
            .is_some_and(|min| length < min.value)
        {
            return Err("is shorter than min_length".to_owned());
        }
        if def
            .max_length
            .as_ref()
            .is_some_and(|max| length > max.value)
        {
            return Err("is longer than max_length".to_owned());
        }
        if let Some(pattern) = &def.pattern
            && let Ok(regex) = regex::Regex::new(pattern)
            && !regex.is_match(text)
        {
            return Err(format!("does not match the pattern `{}`", pattern.value));
        }
    }
    Ok(())
}
