//! Property-based tests on the boundaries of every range and length of the catalog: values just
//! inside and just outside each bound, put into a valid payload, are accepted by the generated
//! types exactly when the validation engine accepts them, with the same (pointer, rule) pairs.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use auterity_events::AnyEvent;
use eventcat::ir::{Catalog, FieldType};
use eventcat::sample::Sampler;
use eventcat_engine::{Registry, Verdict};
use proptest::prelude::*;
use serde_json::{Value, json};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let loaded = eventcat::load(&workspace().join("catalog")).unwrap();
    eventcat::ir::lower(&loaded).unwrap()
});

static REGISTRY: LazyLock<Registry> =
    LazyLock::new(|| Registry::from_dir(&workspace().join("generated/schemas")).unwrap());

/// A bound of the catalog: (event, property, kind, the bound's value).
#[derive(Debug, Clone)]
struct Bound {
    event: String,
    property: String,
    kind: BoundKind,
}

#[derive(Debug, Clone, Copy)]
enum BoundKind {
    IntegerMin(i64),
    IntegerMax(i64),
    NumberMin(f64),
    NumberMax(f64),
    MinLength(u64),
    MaxLength(u64),
}

static BOUNDS: LazyLock<Vec<Bound>> = LazyLock::new(|| {
    let mut bounds = Vec::new();
    for event in CATALOG.events.values() {
        for field in &event.properties {
            let mut push = |kind| {
                bounds.push(Bound {
                    event: event.name.clone(),
                    property: field.name.clone(),
                    kind,
                });
            };
            match &field.ty {
                FieldType::Integer(rules) => {
                    rules
                        .minimum
                        .into_iter()
                        .for_each(|m| push(BoundKind::IntegerMin(m)));
                    rules
                        .maximum
                        .into_iter()
                        .for_each(|m| push(BoundKind::IntegerMax(m)));
                }
                FieldType::Number(rules) => {
                    rules
                        .minimum
                        .into_iter()
                        .for_each(|m| push(BoundKind::NumberMin(m)));
                    rules
                        .maximum
                        .into_iter()
                        .for_each(|m| push(BoundKind::NumberMax(m)));
                }
                FieldType::String(rules)
                    if rules.pattern.is_none() && rules.format.is_none() && field.pii.is_none() =>
                {
                    rules
                        .min_length
                        .into_iter()
                        .for_each(|m| push(BoundKind::MinLength(m)));
                    rules
                        .max_length
                        .into_iter()
                        .for_each(|m| push(BoundKind::MaxLength(m)));
                }
                _ => {}
            }
        }
    }
    bounds
});

/// The value `offset` steps from the bound (an integer step, a small fraction, a character).
fn value_near(kind: BoundKind, offset: i64, fraction: f64, letter: char) -> Value {
    match kind {
        BoundKind::IntegerMin(m) | BoundKind::IntegerMax(m) => json!(m.saturating_add(offset)),
        BoundKind::NumberMin(m) | BoundKind::NumberMax(m) => json!(m + offset as f64 * fraction),
        BoundKind::MinLength(m) | BoundKind::MaxLength(m) => {
            let length = (m as i64 + offset).max(0) as usize;
            json!(std::iter::repeat_n(letter, length).collect::<String>())
        }
    }
}

fn pairs_of_engine(line: &[u8]) -> Option<BTreeSet<(String, String)>> {
    match REGISTRY.validate(line) {
        Verdict::Valid { .. } => None,
        Verdict::Invalid(invalid) => Some(
            invalid
                .errors
                .iter()
                .map(|e| (e.pointer.clone(), e.rule.to_string()))
                .collect(),
        ),
    }
}

fn pairs_of_types(line: &[u8]) -> Option<BTreeSet<(String, String)>> {
    let typed = serde_json::from_slice::<AnyEvent>(line);
    match AnyEvent::from_slice(line) {
        Ok(_) => {
            assert!(typed.is_ok(), "from_slice and serde disagree");
            None
        }
        Err(eventcat_runtime::Error::Invalid(violations)) => {
            assert!(typed.is_err(), "from_slice and serde disagree");
            Some(
                violations
                    .iter()
                    .map(|v| (v.pointer.clone(), v.rule.to_string()))
                    .collect(),
            )
        }
        Err(error) => panic!("not JSON: {error}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn values_at_every_bound_are_judged_like_the_engine(
        pick in any::<prop::sample::Index>(),
        offset in -3_i64..=3,
        fraction in prop_oneof![Just(1.0), Just(0.5), Just(1e-9), 0.0..1.0],
        letter in prop_oneof![Just('a'), Just('é'), Just('日'), Just('🎉')],
        as_float in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let bound = pick.get(&BOUNDS);
        let event = &CATALOG.events[&bound.event];
        let mut payload = Sampler::new(&CATALOG, seed).valid(event);
        let mut value = value_near(bound.kind, offset, fraction, letter);
        // An integer may be written with a zero fraction (`5.0`): still an integer to JSON Schema.
        if let (true, Some(i)) = (as_float, value.as_i64()) {
            value = json!(i as f64);
        }
        payload["properties"][&bound.property] = value;
        let line = payload.to_string();
        prop_assert_eq!(pairs_of_types(line.as_bytes()), pairs_of_engine(line.as_bytes()), "{}", line);
    }
}

#[test]
fn the_catalog_has_bounds_to_test() {
    assert!(BOUNDS.len() >= 20, "{} bounds", BOUNDS.len());
}
