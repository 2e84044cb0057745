//! The bundled catalog holds the whole seed document: all 30 events and their 277 properties, with
//! the seed's names in the seed's order, and it lints clean.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// `event name -> property names`, from `tests/fixtures/seed_events.txt`.
fn seed_events() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(workspace().join("tests/fixtures/seed_events.txt")).unwrap();
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .map(|line| {
            let (name, properties) = line.split_once(": ").unwrap();
            let properties = properties.split_whitespace().map(str::to_owned).collect();
            (name.to_owned(), properties)
        })
        .collect()
}

fn bundled() -> eventcat::LoadedCatalog {
    eventcat::load(&workspace().join("catalog")).unwrap()
}

#[test]
fn the_bundled_catalog_lints_clean() {
    let loaded = bundled();
    let findings = eventcat::lint::lint(&loaded);
    let lines: Vec<String> = findings.iter().map(ToString::to_string).collect();
    assert!(findings.is_empty(), "{}", lines.join("\n"));
}

#[test]
fn every_seed_event_and_property_is_in_the_catalog() {
    let seed = seed_events();
    assert_eq!(seed.len(), 30, "the seed lists 30 events");
    assert_eq!(seed.values().map(Vec::len).sum::<usize>(), 277);

    let loaded = bundled();
    let catalog: BTreeMap<String, Vec<String>> = loaded
        .events
        .iter()
        .map(|event| {
            let properties = event
                .def
                .properties
                .keys()
                .map(|k| k.value.clone())
                .collect();
            (event.def.name.value.clone(), properties)
        })
        .collect();
    assert_eq!(
        catalog.keys().collect::<Vec<_>>(),
        seed.keys().collect::<Vec<_>>(),
        "the catalog's events differ from the seed's"
    );
    for (name, properties) in &seed {
        assert_eq!(&catalog[name], properties, "properties of {name}");
    }
}

/// When the seed document is beside the repository (as on developer machines and in CI), the
/// fixture above must still be what the seed says: re-derive it from the document's TypeScript.
#[test]
fn the_fixture_matches_the_seed_document() {
    let seed_path = workspace().join("../shared/seed/000_aa8fdb06e59b904b.txt");
    let Ok(document) = std::fs::read_to_string(&seed_path) else {
        eprintln!(
            "seed document not found at {}; skipped",
            seed_path.display()
        );
        return;
    };
    let mut derived: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    let mut in_block = false;
    for line in document.lines() {
        if let Some(rest) = line.strip_prefix("#### `") {
            current = rest.strip_suffix('`').map(str::to_owned);
        } else if line.starts_with("```typescript") && current.is_some() {
            in_block = true;
        } else if line.starts_with("```") {
            in_block = false;
            current = None;
        } else if in_block {
            let trimmed = line.trim_start();
            if let Some((name, _)) = trimmed.split_once(':') {
                let name = name.trim_end_matches('?');
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    let event = current.clone().unwrap();
                    derived.entry(event).or_default().push(name.to_owned());
                }
            }
        }
    }
    assert_eq!(derived, seed_events());
}

#[test]
fn every_event_resolves_to_exactly_one_retention_policy() {
    let loaded = bundled();
    let (_, catalog) = loaded.catalog.as_ref().unwrap();
    for event in &loaded.events {
        let category = &catalog.categories[event.category_dir.as_str()];
        let group = category.groups.get(event.def.group.value.as_str());
        assert!(
            eventcat::resolve::retention_policy(catalog, category, group, &event.def).is_some(),
            "{} has no retention policy",
            event.def.name.value
        );
    }
}
