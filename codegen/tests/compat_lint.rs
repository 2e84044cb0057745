//! Lint of the escape hatch, `accepted_changes`: every entry names a kind `compat` knows, says
//! why, and sits in the file where `compat` looks for it.

mod compat_support;

use compat_support::{copy_tree, mini_catalog};

/// Lint findings (`rule file:line`) of the mini catalog with `catalog_tail` appended to
/// catalog.yaml and `event_tail` to shop.item_viewed.yaml.
fn findings(catalog_tail: &str, event_tail: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&mini_catalog(), dir.path());
    for (file, tail) in [
        ("catalog.yaml", catalog_tail),
        ("events/shop/shop.item_viewed.yaml", event_tail),
    ] {
        let path = dir.path().join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, format!("{text}{tail}")).unwrap();
    }
    let loaded = eventcat::load(dir.path()).unwrap();
    eventcat::lint::lint(&loaded)
        .into_iter()
        .map(|f| {
            let file = f
                .file
                .strip_prefix(&format!("{}/", dir.path().display()))
                .unwrap_or(&f.file)
                .to_owned();
            format!("{} {file}:{}", f.rule, f.line)
        })
        .collect()
}

fn line_count(file: &str) -> usize {
    std::fs::read_to_string(mini_catalog().join(file))
        .unwrap()
        .lines()
        .count()
}

#[test]
fn valid_entries_are_clean() {
    let found = findings(
        "accepted_changes:\n  - kind: EVENT_REMOVED\n    event: shop.old\n    reason: Retired.\n  - kind: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL\n    property: user_id\n    reason: Moved.\n",
        "accepted_changes:\n  - kind: TYPE_NARROWED\n    property: dwell_time\n    reason: Reviewed.\n  - kind: EVENT_TYPE_CHANGED\n    reason: Regrouped.\n",
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn misplaced_or_incomplete_entries_are_reported_at_their_kind() {
    let base = line_count("catalog.yaml");
    let found = findings(
        "accepted_changes:\n  - kind: EVENT_REMOVED\n    reason: Which one?\n  - kind: TYPE_CHANGED\n    event: shop.item_viewed\n    reason: Wrong file.\n  - kind: SUM_TYPE_NARROWED\n    reason: No field named.\n  - kind: EVENT_ADDED\n    event: shop.new\n    reason: Nothing to accept.\n",
        "",
    );
    let expected: Vec<String> = [2, 4, 7, 9]
        .iter()
        .map(|offset| format!("invalid-value catalog.yaml:{}", base + offset))
        .collect();
    assert_eq!(found, expected);

    let base = line_count("events/shop/shop.item_viewed.yaml");
    let found = findings(
        "",
        "accepted_changes:\n  - kind: EVENT_REMOVED\n    reason: Not about this event.\n  - kind: TYPE_CHANGED\n    property: DwellTime\n    reason: Bad name.\n",
    );
    assert_eq!(
        found,
        [
            format!(
                "invalid-value events/shop/shop.item_viewed.yaml:{}",
                base + 2
            ),
            format!(
                "property-name-format events/shop/shop.item_viewed.yaml:{}",
                base + 5
            ),
        ]
    );
}

#[test]
fn an_unknown_kind_is_an_unknown_type() {
    let base = line_count("events/shop/shop.item_viewed.yaml");
    let found = findings(
        "",
        "accepted_changes:\n  - kind: PROPERTY_VANISHED\n    reason: Typo.\n",
    );
    assert_eq!(
        found,
        [format!(
            "unknown-type events/shop/shop.item_viewed.yaml:{}",
            base + 2
        )]
    );
}
