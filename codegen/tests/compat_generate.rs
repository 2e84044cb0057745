//! Published versions are immutable: `eventcat generate` writes `schemas/<event>/<version>.json`
//! once, adds a file when an event's version is bumped, keeps every older one (the index and the
//! union cover them all), and refuses, naming the event, to change or lose a published version.

mod compat_support;

use compat_support::{Repo, mini_catalog};
use serde_json::{Value, json};

const ITEM: &str = "catalog/events/shop/shop.item_viewed.yaml";
const CATALOG: &str = "catalog/catalog.yaml";
const ITEM_1_0_0: &str = "generated/schemas/shop.item_viewed/1.0.0.json";

fn json_file(repo: &Repo, relative: &str) -> Value {
    serde_json::from_str(&repo.read(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

#[test]
fn a_published_version_cannot_change_without_a_bump() {
    let repo = Repo::with_catalog(&mini_catalog());
    let before = repo.read(ITEM_1_0_0);
    repo.replace(ITEM, "minimum: 0", "minimum: 1");
    for args in [&["generate", "--check"][..], &["generate"][..]] {
        let run = repo.eventcat(args).expect(1);
        assert!(
            run.stderr.contains("shop.item_viewed 1.0.0: the catalog (events/shop/shop.item_viewed.yaml) would change the published schema"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("bump the version of shop.item_viewed"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(repo.read(ITEM_1_0_0), before, "nothing was written");
    assert!(repo.git(&["status", "--porcelain", "generated"]).is_empty());

    // Bumped: a new file, and the old one stays as it was.
    repo.set_version(ITEM, "2.0.0");
    repo.set_version(CATALOG, "1.0.0");
    repo.eventcat(&["generate"]).expect(0);
    assert_eq!(repo.read(ITEM_1_0_0), before);
    let new = json_file(&repo, "generated/schemas/shop.item_viewed/2.0.0.json");
    assert_eq!(new["properties"]["version"]["const"], "2.0.0");
    repo.eventcat(&["generate", "--check"]).expect(0);

    // While 2.0.0 is a draft (not committed), changing it again is refused too: restoring the
    // committed generated/ is how a draft is redone.
    repo.replace(ITEM, "minimum: 1", "minimum: 2");
    repo.eventcat(&["generate"]).expect(1);
    repo.git(&["checkout", "--", "generated"]);
    repo.git(&["clean", "-fdq", "generated"]);
    repo.eventcat(&["generate"]).expect(0);
}

#[test]
fn a_deleted_published_file_or_a_lower_version_is_refused() {
    let repo = Repo::with_catalog(&mini_catalog());
    std::fs::remove_file(repo.path(ITEM_1_0_0)).unwrap();
    let run = repo.eventcat(&["generate", "--check"]).expect(1);
    assert!(
        run.stderr
            .contains("shop.item_viewed 1.0.0: the published schema `")
            && run.stderr.contains("was deleted"),
        "{}",
        run.stderr
    );
    repo.eventcat(&["generate"]).expect(1);
    assert!(
        !repo.path(ITEM_1_0_0).exists(),
        "generate does not quietly rewrite it"
    );
    repo.git(&["checkout", "--", "generated"]);

    repo.set_version(ITEM, "0.9.0");
    let run = repo.eventcat(&["generate"]).expect(1);
    assert!(
        run.stderr.contains("shop.item_viewed: the catalog (events/shop/shop.item_viewed.yaml) says 0.9.0, but 1.0.0 is already published"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_index_and_the_union_cover_every_published_version() {
    let repo = Repo::with_catalog(&mini_catalog());
    let old_catalog = lowered(&repo);
    // 1.0.0 → 1.1.0 → 1.10.0: versions sort as versions, not as text.
    repo.replace(
        ITEM,
        "enum: [search, home, link]",
        "enum: [search, home, link, ad]",
    );
    repo.set_version(ITEM, "1.1.0");
    repo.set_version(CATALOG, "0.2.0");
    repo.eventcat(&["generate"]).expect(0);
    repo.commit("1.1.0");
    repo.replace(
        ITEM,
        "enum: [search, home, link, ad]",
        "enum: [search, home, link, ad, mail]",
    );
    repo.set_version(ITEM, "1.10.0");
    repo.set_version(CATALOG, "0.3.0");
    repo.eventcat(&["generate"]).expect(0);

    let index = json_file(&repo, "generated/schemas/index.json");
    let entry = &index["events"]["shop.item_viewed"];
    let versions: Vec<&String> = entry["versions"].as_object().unwrap().keys().collect();
    assert_eq!(versions, ["1.0.0", "1.1.0", "1.10.0"]);
    assert_eq!(entry["latest"], "1.10.0");
    assert_eq!(index["version"], "0.3.0");
    for file in entry["versions"].as_object().unwrap().values() {
        let path = format!("generated/schemas/{}", file.as_str().unwrap());
        assert!(repo.path(&path).is_file(), "{path}");
    }

    let union = json_file(&repo, "generated/schemas/analytics_event.json");
    let branch = union["allOf"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["if"]["properties"]["event_name"]["const"] == "shop.item_viewed")
        .expect("a branch");
    assert_eq!(
        branch["then"]["properties"]["version"]["enum"],
        json!(["1.0.0", "1.1.0", "1.10.0"])
    );
    // A published version's definition is the published schema, as published.
    let mut published = json_file(&repo, ITEM_1_0_0);
    for key in ["$schema", "$id", "$comment"] {
        published.as_object_mut().unwrap().remove(key);
    }
    assert_eq!(union["$defs"]["shop.item_viewed@1.0.0"], published);

    // The validator side: old and new payloads both pass the union.
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&union)
        .unwrap();
    let new_catalog = lowered(&repo);
    let old = eventcat::sample::Sampler::new(&old_catalog, 3)
        .valid(&old_catalog.events["shop.item_viewed"]);
    let new = eventcat::sample::Sampler::new(&new_catalog, 3)
        .valid(&new_catalog.events["shop.item_viewed"]);
    assert!(validator.is_valid(&old));
    assert!(validator.is_valid(&new));
    let mut unknown = new.clone();
    unknown["version"] = json!("1.5.0");
    assert!(
        !validator.is_valid(&unknown),
        "an unpublished version is rejected"
    );
    repo.eventcat(&["generate", "--check"]).expect(0);
}

#[test]
fn a_catalog_only_bump_leaves_published_files_byte_for_byte() {
    let repo = Repo::with_catalog(&mini_catalog());
    let before = repo.read(ITEM_1_0_0);
    repo.replace(CATALOG, "title: Mini Catalog", "title: The Mini Catalog");
    repo.set_version(CATALOG, "0.1.1");
    repo.eventcat(&["generate"]).expect(0);
    // The schema's generated-by notice still names 0.1.0, the catalog it was published from.
    assert_eq!(repo.read(ITEM_1_0_0), before);
    assert!(before.contains("catalog 0.1.0"));
    assert_eq!(
        json_file(&repo, "generated/schemas/index.json")["version"],
        "0.1.1"
    );
    repo.eventcat(&["generate", "--check"]).expect(0);
    repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
}

#[test]
fn a_removed_event_stays_published() {
    let repo = Repo::with_catalog(&mini_catalog());
    std::fs::remove_file(repo.path(ITEM)).unwrap();
    repo.set_version(CATALOG, "1.0.0");
    repo.eventcat(&["generate"]).expect(0);
    assert!(repo.path(ITEM_1_0_0).is_file());
    let index = json_file(&repo, "generated/schemas/index.json");
    let entry = &index["events"]["shop.item_viewed"];
    assert_eq!(entry["retired"], true);
    assert_eq!(entry["latest"], "1.0.0");
    assert_eq!(entry["event_type"], "shop.browsing");
    assert!(
        index["events"]["checkout.completed"]
            .get("retired")
            .is_none()
    );
    let union = json_file(&repo, "generated/schemas/analytics_event.json");
    assert!(
        union["properties"]["event_name"]["enum"]
            .as_array()
            .unwrap()
            .contains(&json!("shop.item_viewed"))
    );
    repo.eventcat(&["generate", "--check"]).expect(0);
}

fn lowered(repo: &Repo) -> eventcat::ir::Catalog {
    let loaded = eventcat::load(&repo.path("catalog")).unwrap();
    eventcat::ir::lower(&loaded).unwrap()
}
