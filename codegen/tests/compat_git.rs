//! `eventcat compat` end to end, in temporary git repositories with real `git`: commit a catalog,
//! change it, run `compat --against HEAD`, and check the exit code and the located report.

mod compat_support;

use compat_support::{Repo, bundled_catalog, mini_catalog};
use serde_json::Value;

const LOGIN: &str = "catalog/events/user/user.login.yaml";
const ITEM: &str = "catalog/events/shop/shop.item_viewed.yaml";
const CHECKOUT: &str = "catalog/events/shop/checkout.completed.yaml";
const CATALOG: &str = "catalog/catalog.yaml";

const BROWSER: &str = "  browser:\n    type: string\n    description: Browser name and version.\n";

fn remove_browser(repo: &Repo) {
    repo.replace(LOGIN, BROWSER, "");
}

// ---------------------------------------------------------------------------------------------
// The "done when", on a copy of the bundled catalog

#[test]
fn removing_a_property_with_only_a_minor_bump_fails_naming_event_property_file_and_line() {
    let repo = Repo::with_catalog(&bundled_catalog());
    let line = repo.line_of(LOGIN, "browser:");
    remove_browser(&repo);
    repo.set_version(LOGIN, "1.1.0");
    repo.set_version(CATALOG, "1.3.0");

    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    let expected = format!(
        "{LOGIN}:{line}: error[PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL]: user.login: property `browser` (required) was removed"
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    assert!(
        run.stdout.contains("user.login: 1.0.0 → 1.1.0 is a minor bump, but its changes against 1.0.0 at HEAD require a major bump"),
        "{}",
        run.stdout
    );

    // The same, as GitHub annotations on the YAML line.
    let run = repo
        .eventcat(&["compat", "--against", "HEAD", "--format", "github"])
        .expect(1);
    let annotation = format!(
        "::error file={LOGIN},line={line},title=eventcat compat%3A PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL (against HEAD)::"
    );
    assert!(run.stdout.contains(&annotation), "{}", run.stdout);
    assert!(
        run.stdout.contains("user.login: property `browser`"),
        "{}",
        run.stdout
    );

    // And as data.
    let run = repo
        .eventcat(&["compat", "--against", "HEAD", "--format", "json"])
        .expect(1);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(report["ok"], false);
    let login = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "user.login")
        .expect("user.login reported");
    let comparison = &login["comparisons"][0];
    assert_eq!(comparison["bump"], "minor");
    assert_eq!(comparison["required_bump"], "major");
    let finding = &comparison["findings"][0];
    assert_eq!(
        finding["kind"],
        "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
    );
    assert_eq!(finding["property"], "browser");
    assert_eq!(finding["file"], LOGIN);
    assert_eq!(finding["line"], line);
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["verdict"], "incompatible");
    assert_eq!(finding["breaks"], serde_json::json!(["backward"]));
}

#[test]
fn bumping_user_login_to_2_0_0_with_a_removed_property_passes_and_keeps_1_0_0() {
    let repo = Repo::with_catalog(&bundled_catalog());
    let published = repo.read("generated/schemas/user.login/1.0.0.json");
    let old_catalog = lowered(&repo);
    remove_browser(&repo);
    repo.set_version(LOGIN, "2.0.0");
    repo.set_version(CATALOG, "2.0.0");

    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
    assert!(
        run.stdout.contains(
            "warning[PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL]: user.login: property `browser`"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("allowed by the major bump"),
        "{}",
        run.stdout
    );

    repo.eventcat(&["generate"]).expect(0);
    assert_eq!(
        repo.read("generated/schemas/user.login/1.0.0.json"),
        published,
        "a published version is never rewritten"
    );
    let new_schema: Value =
        serde_json::from_str(&repo.read("generated/schemas/user.login/2.0.0.json")).unwrap();
    assert!(
        new_schema["properties"]["properties"]["properties"]
            .get("browser")
            .is_none()
    );
    let index: Value = serde_json::from_str(&repo.read("generated/schemas/index.json")).unwrap();
    let versions = &index["events"]["user.login"]["versions"];
    assert_eq!(versions["1.0.0"], "user.login/1.0.0.json");
    assert_eq!(versions["2.0.0"], "user.login/2.0.0.json");
    assert_eq!(index["events"]["user.login"]["latest"], "2.0.0");
    repo.eventcat(&["generate", "--check"]).expect(0);

    // The union accepts payloads of both versions; each version's own schema only its own.
    let new_catalog = lowered(&repo);
    let old_payload =
        eventcat::sample::Sampler::new(&old_catalog, 7).valid(&old_catalog.events["user.login"]);
    let new_payload =
        eventcat::sample::Sampler::new(&new_catalog, 7).valid(&new_catalog.events["user.login"]);
    assert_eq!(old_payload["version"], "1.0.0");
    assert_eq!(new_payload["version"], "2.0.0");
    assert!(old_payload["properties"].get("browser").is_some());
    let union: Value =
        serde_json::from_str(&repo.read("generated/schemas/analytics_event.json")).unwrap();
    let union = validator(&union);
    assert!(
        union.is_valid(&old_payload),
        "{:?}",
        errors(&union, &old_payload)
    );
    assert!(
        union.is_valid(&new_payload),
        "{:?}",
        errors(&union, &new_payload)
    );
    let v2 = validator(&new_schema);
    assert!(!v2.is_valid(&old_payload), "2.0.0 rejects a 1.0.0 payload");
    let v1 = validator(&serde_json::from_str(&published).unwrap());
    assert!(v1.is_valid(&old_payload));
}

fn lowered(repo: &Repo) -> eventcat::ir::Catalog {
    let loaded = eventcat::load(&repo.path("catalog")).unwrap();
    eventcat::ir::lower(&loaded).unwrap()
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(schema)
        .expect("the schema compiles")
}

fn errors(validator: &jsonschema::Validator, payload: &Value) -> Vec<String> {
    validator
        .iter_errors(payload)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Bumps

const COUPON: &str =
    "  coupon:\n    type: string\n    optional: true\n    description: Coupon code.\nusage:";

#[test]
fn a_too_small_bump_fails_and_a_correct_one_passes() {
    let repo = Repo::with_catalog(&mini_catalog());
    repo.replace(ITEM, "usage:", COUPON);
    let coupon = repo.line_of(ITEM, "coupon:");

    // A patch bump for a compatible addition: too small.
    repo.set_version(ITEM, "1.0.1");
    repo.set_version(CATALOG, "0.1.1");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    assert!(
        run.stdout.contains(&format!(
            "{ITEM}:{coupon}: error[OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL]: shop.item_viewed: optional property `coupon` (string) was added (compatible under backward; requires a minor bump)"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("bump to 1.1.0 or higher"),
        "{}",
        run.stdout
    );

    // The event is right, the catalog does not follow it.
    repo.set_version(ITEM, "1.1.0");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    assert!(
        run.stdout.contains("the catalog's version must follow the largest bump among its events: 0.1.0 → 0.1.1 is a patch bump, but shop.item_viewed 1.0.0 → 1.1.0 (minor) requires a minor bump; bump to 0.2.0 or higher"),
        "{}",
        run.stdout
    );

    // Both right.
    repo.set_version(CATALOG, "0.2.0");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
    assert!(
        run.stdout
            .contains("compat: compatible, and every bump is right: 1 changed"),
        "{}",
        run.stdout
    );

    // Under full (strict), the same addition breaks old readers: it needs a major bump.
    let run = repo
        .eventcat(&["compat", "--against", "HEAD", "--mode", "full"])
        .expect(1);
    assert!(
        run.stdout
            .contains("breaks forward compatibility; requires a major bump"),
        "{}",
        run.stdout
    );
    // Lenient readers ignore the new property: full passes with the minor bump.
    repo.eventcat(&[
        "compat",
        "--against",
        "HEAD",
        "--mode",
        "full",
        "--policy",
        "lenient",
    ])
    .expect(0);
    // No compatibility requirement at all: still a bump.
    repo.eventcat(&["compat", "--against", "HEAD", "--mode", "none"])
        .expect(0);
}

#[test]
fn a_change_without_a_bump_fails_even_for_documentation() {
    let repo = Repo::with_catalog(&mini_catalog());
    repo.replace(
        ITEM,
        "description: Item identifier.",
        "description: The item's identifier.",
    );
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    assert!(
        run.stdout.contains(
            "error[DESCRIPTION_CHANGED]: shop.item_viewed: `item_id`: description changed"
        ),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("shop.item_viewed: 1.0.0 did not change, but its changes against 1.0.0 at HEAD require a patch bump"), "{}", run.stdout);
    repo.set_version(ITEM, "1.0.1");
    repo.set_version(CATALOG, "0.1.1");
    repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);

    // A version that goes down fails.
    repo.set_version(ITEM, "0.9.0");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    assert!(
        run.stdout.contains("the version went down (1.0.0 → 0.9.0)"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Transitive modes

#[test]
fn transitive_modes_catch_a_break_across_two_versions_that_each_look_compatible() {
    let repo = Repo::with_catalog(&mini_catalog());
    let referrer = "  referrer:\n    type: string\n    optional: true\n    nullable: true\n    description: Previous page, if any.\n";

    // 1.1.0: the optional `referrer` goes (lenient readers ignore it, it was optional).
    repo.replace(ITEM, referrer, "");
    repo.set_version(ITEM, "1.1.0");
    repo.set_version(CATALOG, "0.2.0");
    repo.eventcat(&[
        "compat",
        "--against",
        "HEAD",
        "--mode",
        "full",
        "--policy",
        "lenient",
    ])
    .expect(0);
    repo.eventcat(&["generate"]).expect(0);
    repo.commit("1.1.0");

    // 1.2.0: `referrer` comes back, as an integer: compatible with 1.1.0, which lacks it...
    repo.replace(
        ITEM,
        "usage:",
        "  referrer:\n    type: integer\n    optional: true\n    description: Previous page id.\nusage:",
    );
    repo.set_version(ITEM, "1.2.0");
    repo.set_version(CATALOG, "0.3.0");
    repo.eventcat(&["generate"]).expect(0);
    repo.eventcat(&[
        "compat",
        "--against",
        "HEAD",
        "--mode",
        "full",
        "--policy",
        "lenient",
    ])
    .expect(0);

    // ...but not with 1.0.0, whose payloads hold it as a string.
    let line = repo.line_of(ITEM, "referrer:");
    let run = repo
        .eventcat(&[
            "compat",
            "--against",
            "HEAD",
            "--mode",
            "full-transitive",
            "--policy",
            "lenient",
        ])
        .expect(1);
    assert!(
        run.stdout.contains("against published 1.0.0"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "{ITEM}:{line}: error[TYPE_CHANGED]: shop.item_viewed: `referrer`: type string → integer"
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("changes against published 1.0.0 require a major bump"),
        "{}",
        run.stdout
    );
    let run = repo
        .eventcat(&[
            "compat",
            "--against",
            "HEAD",
            "--mode",
            "backward-transitive",
            "--policy",
            "lenient",
            "--format",
            "github",
        ])
        .expect(1);
    assert!(
        run.stdout.contains("(against published 1.0.0)::"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// The escape hatch

#[test]
fn an_accepted_change_becomes_a_note_and_is_reported() {
    let repo = Repo::with_catalog(&mini_catalog());
    repo.replace(
        CHECKOUT,
        "  gift:\n    type: boolean\n    description: Whether the order is a gift.\n",
        "",
    );
    repo.set_version(CHECKOUT, "1.3.0");
    repo.set_version(CATALOG, "0.2.0");
    repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);

    let text = repo.read(CHECKOUT);
    repo.write(
        CHECKOUT,
        &format!(
            "{text}accepted_changes:\n  - kind: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL\n    property: gift\n    reason: Nobody reads it; agreed with the finance team.\n  - kind: TYPE_NARROWED\n    property: amount\n    reason: Kept from an older release.\n"
        ),
    );
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
    assert!(
        run.stdout.contains("note[PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL]: checkout.completed: property `gift` (required) was removed (breaks backward compatibility; requires a minor bump; accepted: Nobody reads it; agreed with the finance team.)"),
        "{}",
        run.stdout
    );
    // An entry that accepts nothing is pointed out.
    assert!(
        run.stdout.contains("note: checkout.completed: accepted change TYPE_NARROWED of `amount` matches no change against HEAD"),
        "{}",
        run.stdout
    );
    let run = repo
        .eventcat(&["compat", "--against", "HEAD", "--format", "github"])
        .expect(0);
    assert!(
        run.stdout
            .contains("::notice file=catalog/events/shop/checkout.completed.yaml"),
        "{}",
        run.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Events added and removed, the envelope

#[test]
fn a_new_event_asks_the_catalog_for_a_minor_bump() {
    let repo = Repo::with_catalog(&mini_catalog());
    repo.write(
        "catalog/events/shop/shop.cart_viewed.yaml",
        "name: shop.cart_viewed\nversion: 1.0.0\ngroup: browsing\ndescription: The cart is opened.\ntrigger: Cart page load.\nproperties:\n  item_count:\n    type: integer\n    minimum: 0\n    description: Items in the cart.\n",
    );
    repo.set_version(CATALOG, "0.1.1");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    assert!(
        run.stdout.contains(
            "error[EVENT_ADDED]: shop.cart_viewed: event `shop.cart_viewed` (1.0.0) was added"
        ),
        "{}",
        run.stdout
    );
    repo.set_version(CATALOG, "0.2.0");
    repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
}

#[test]
fn a_removed_event_asks_for_a_major_bump_unless_accepted() {
    let repo = Repo::with_catalog(&mini_catalog());
    std::fs::remove_file(repo.path(ITEM)).unwrap();
    repo.set_version(CATALOG, "0.2.0");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    assert!(run.stdout.contains("error[EVENT_REMOVED]: shop.item_viewed: event `shop.item_viewed` (1.0.0, was HEAD:catalog/events/shop/shop.item_viewed.yaml) was removed"), "{}", run.stdout);
    repo.set_version(CATALOG, "1.0.0");
    repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);

    repo.set_version(CATALOG, "0.2.0");
    let text = repo.read(CATALOG);
    repo.write(
        CATALOG,
        &format!("{text}accepted_changes:\n  - kind: EVENT_REMOVED\n    event: shop.item_viewed\n    reason: Replaced by page views.\n"),
    );
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
    assert!(run.stdout.contains("note[EVENT_REMOVED]"), "{}", run.stdout);
}

#[test]
fn an_envelope_change_is_reported_once_and_every_event_must_bump() {
    let repo = Repo::with_catalog(&mini_catalog());
    repo.replace(
        CATALOG,
        "    user_id:\n      type: string\n      optional: true\n      pii: identifier\n      description: User context.\n",
        "",
    );
    repo.set_version(CATALOG, "0.2.0");
    repo.set_version(ITEM, "1.1.0");
    repo.set_version(CHECKOUT, "1.3.0");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    let reported = run
        .stdout
        .matches("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL]: envelope field `user_id`")
        .count();
    assert_eq!(reported, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("catalog/catalog.yaml:"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("(in every event's schema: 2 event(s) affected)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("shop.item_viewed: 1.0.0 → 1.1.0 is a minor bump, but its changes against 1.0.0 at HEAD require a major bump: PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL (`user_id`)"), "{}", run.stdout);

    repo.set_version(CATALOG, "1.0.0");
    repo.set_version(ITEM, "2.0.0");
    repo.set_version(CHECKOUT, "2.0.0");
    repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
}

// ---------------------------------------------------------------------------------------------
// Published files, sources, errors

#[test]
fn a_published_schema_edited_in_place_fails() {
    let repo = Repo::with_catalog(&mini_catalog());
    let path = "generated/schemas/shop.item_viewed/1.0.0.json";
    repo.replace(path, "Item identifier.", "The item.");
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(1);
    assert!(
        run.stdout
            .contains(&format!("{path}: published at HEAD, and was changed since")),
        "{}",
        run.stdout
    );
}

#[test]
fn the_old_catalog_can_be_a_folder_or_an_older_revision() {
    let repo = Repo::with_catalog(&mini_catalog());
    let old = tempfile::tempdir().unwrap();
    compat_support::copy_tree(&repo.path("catalog"), old.path());
    repo.replace(ITEM, "usage:", COUPON);
    repo.set_version(ITEM, "1.1.0");
    repo.set_version(CATALOG, "0.2.0");
    let folder = old.path().to_string_lossy().into_owned();
    let run = repo.eventcat(&["compat", "--against", &folder]).expect(0);
    assert!(
        run.stdout
            .contains("OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"),
        "{}",
        run.stdout
    );
    repo.eventcat(&["generate"]).expect(0);
    repo.commit("coupon");
    repo.eventcat(&["compat", "--against", "HEAD~1"]).expect(0);
    repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);

    // A catalog in a subfolder of the repository, named with --catalog from elsewhere.
    let outside = tempfile::tempdir().unwrap();
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_eventcat"))
        .args(["compat", "--against", "HEAD~1", "--catalog"])
        .arg(repo.path("catalog"))
        .current_dir(outside.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
}

#[test]
fn usage_git_and_io_errors_exit_2() {
    let repo = Repo::with_catalog(&mini_catalog());
    let run = repo
        .eventcat(&["compat", "--against", "no-such-revision"])
        .expect(2);
    assert!(
        run.stderr
            .contains("unknown git revision `no-such-revision`"),
        "{}",
        run.stderr
    );
    repo.eventcat(&["compat", "--against", "--mode"]).expect(2);
    repo.eventcat(&["compat", "--against", "HEAD", "--mode", "sideways"])
        .expect(2);
    repo.eventcat(&["compat", "--against", "HEAD", "--catalog", "nowhere"])
        .expect(2);

    // Not a repository: a revision cannot be read.
    let plain = tempfile::tempdir().unwrap();
    compat_support::copy_tree(&mini_catalog(), &plain.path().join("catalog"));
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_eventcat"))
        .args(["compat", "--against", "HEAD"])
        .current_dir(plain.path())
        .env("GIT_CEILING_DIRECTORIES", plain.path())
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&run.stderr).contains("not inside a git repository"));
}

#[test]
fn a_revision_without_the_catalog_has_every_event_new() {
    let repo = Repo::new();
    repo.write("README", "before the catalog\n");
    repo.commit("start");
    compat_support::copy_tree(&mini_catalog(), &repo.path("catalog"));
    let run = repo.eventcat(&["compat", "--against", "HEAD"]).expect(0);
    assert!(run.stdout.contains("2 added"), "{}", run.stdout);
}
