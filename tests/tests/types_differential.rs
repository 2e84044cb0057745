//! The generated Rust types reject exactly what `eventcat-validate` rejects.
//!
//! Corpora of `eventcat sample` (several seeds, half of them broken, and every invalid kind of
//! every event on purpose) go through both: `serde_json::from_slice::<AnyEvent>` must succeed
//! exactly when the validation engine (the registry `eventcat-validate` embeds, built from
//! `generated/schemas`) says valid, and for an invalid payload both must name the same
//! (pointer, rule) pairs.
//!
//! Payload-level rules are part of the comparison, not excluded: a duplicate key is refused by
//! the types too (`json:duplicate_key`), nesting deeper than 127 levels too (serde_json's own
//! limit is the engine's). Two input rules cannot arise from `from_slice` of one payload and are
//! not compared: a blank line (`input:blank`: the types see no payload, and an empty slice is a
//! JSON error for both) and a UTF-8 byte order mark (the engine strips it from a line of a
//! file; `serde_json::from_slice` refuses it, as any JSON parser of a single document may).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use auterity_events::AnyEvent;
use eventcat::ir::Catalog;
use eventcat::sample::{InvalidKind, Sampler};
use eventcat_engine::{Registry, Verdict};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn catalog() -> Catalog {
    let loaded = eventcat::load(&workspace().join("catalog")).unwrap();
    eventcat::ir::lower(&loaded).unwrap()
}

fn registry() -> Registry {
    Registry::from_dir(&workspace().join("generated/schemas")).unwrap()
}

/// What one side says about a payload: `None` for valid, the (pointer, rule) pairs otherwise
/// (`None` pairs when the payload is not JSON to the side, where only the verdict is compared).
type Judgement = Option<Option<BTreeSet<(String, String)>>>;

fn engine_judgement(registry: &Registry, line: &[u8]) -> Judgement {
    match registry.validate(line) {
        Verdict::Valid { .. } => None,
        Verdict::Invalid(invalid) => {
            let pairs: BTreeSet<(String, String)> = invalid
                .errors
                .iter()
                .map(|e| (e.pointer.clone(), e.rule.to_string()))
                .collect();
            let json_level = invalid.errors.iter().any(|e| e.rule.starts_with("json:"));
            Some((!json_level).then_some(pairs))
        }
    }
}

fn types_judgement(line: &[u8]) -> Judgement {
    match serde_json::from_slice::<AnyEvent>(line) {
        Ok(_) => None,
        Err(_) => Some(match AnyEvent::from_slice(line) {
            Err(eventcat_runtime::Error::Invalid(violations)) => Some(
                violations
                    .iter()
                    .map(|v| (v.pointer.clone(), v.rule.to_string()))
                    .collect(),
            ),
            Err(eventcat_runtime::Error::Json(_)) => None,
            Ok(_) => panic!("from_slice accepts what from_slice::<AnyEvent> refused"),
        }),
    }
}

/// A disagreement between the engine and `judge`, described; `None` when they agree.
fn disagreement(
    registry: &Registry,
    line: &str,
    judge: impl Fn(&[u8]) -> Judgement,
) -> Option<String> {
    let engine = engine_judgement(registry, line.as_bytes());
    let types = judge(line.as_bytes());
    match (&engine, &types) {
        (None, None) => None,
        (Some(_), None) => Some(format!(
            "the types accept what the engine rejects ({engine:?}): {line}"
        )),
        (None, Some(_)) => Some(format!(
            "the types reject what the engine accepts ({types:?}): {line}"
        )),
        (Some(Some(engine)), Some(Some(types))) if engine != types => Some(format!(
            "different errors: engine {engine:?}, types {types:?}: {line}"
        )),
        // Not JSON to one side (a syntax error, a duplicate key): the verdicts agree.
        _ => None,
    }
}

#[test]
fn the_types_reject_exactly_what_the_engine_rejects() {
    let catalog = catalog();
    let registry = registry();
    let mut lines = Vec::new();
    for seed in [1, 2, 3, 4, 5] {
        let mut sampler = Sampler::new(&catalog, seed);
        for _ in 0..10_000 {
            lines.push(sampler.sample(0.5).expect("the catalog has events"));
        }
        // Every invalid kind of every event, on purpose.
        for event in catalog.events.values() {
            for kind in InvalidKind::ALL {
                for _ in 0..2 {
                    if let Some(sample) = sampler.invalid(event, *kind) {
                        lines.push(sample);
                    }
                }
            }
        }
    }
    assert!(lines.len() >= 50_000, "{} payloads", lines.len());
    let kinds: BTreeSet<InvalidKind> = lines
        .iter()
        .filter_map(|s| s.broken.as_ref().map(|b| b.kind))
        .collect();
    assert_eq!(
        kinds.len(),
        InvalidKind::ALL.len(),
        "every invalid kind is in the corpus"
    );

    let mut valid = 0;
    let mut problems = Vec::new();
    for sample in &lines {
        if sample.broken.is_none() {
            valid += 1;
        }
        if let Some(problem) = disagreement(&registry, &sample.line, types_judgement) {
            problems.push(problem);
        }
    }
    assert!(
        valid > 20_000 && valid < lines.len() - 20_000,
        "{valid} valid of {}",
        lines.len()
    );
    assert!(
        problems.is_empty(),
        "{} disagreements in {} payloads, the first ones:\n{}",
        problems.len(),
        lines.len(),
        problems
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The comparison can fail: a judge that accepts any JSON (as the types did before they checked
/// the catalog's rules) disagrees with the engine on a known-invalid payload.
#[test]
fn the_comparison_catches_a_judge_that_accepts_too_much() {
    let catalog = catalog();
    let registry = registry();
    let mut sampler = Sampler::new(&catalog, 9);
    let event = &catalog.events["business.user_adoption_milestone"];
    let mut payload = sampler.valid(event);
    payload["properties"]["engagement_score"] = serde_json::json!(150);
    let line = payload.to_string();
    let anything_goes = |bytes: &[u8]| -> Judgement {
        serde_json::from_slice::<serde_json::Value>(bytes)
            .err()
            .map(|_| None)
    };
    let problem = disagreement(&registry, &line, anything_goes);
    assert!(
        problem
            .as_deref()
            .is_some_and(|p| p.starts_with("the types accept")),
        "{problem:?}"
    );
    assert_eq!(disagreement(&registry, &line, types_judgement), None);
}
