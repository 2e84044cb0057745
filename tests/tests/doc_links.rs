//! Every relative link of `README.md` and `docs/*.md` leads somewhere: the file (or folder)
//! exists, and a `#anchor` names a heading of the Markdown file it points into, as GitHub
//! makes anchors from headings. Moving text between pages cannot leave a dead link behind.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The pages whose links are checked: the README and every page of `docs/`.
fn pages() -> Vec<PathBuf> {
    let root = workspace();
    let mut pages = vec![root.join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

fn parse(text: &str) -> Parser<'_> {
    Parser::new_ext(
        text,
        Options::ENABLE_TABLES | Options::ENABLE_HEADING_ATTRIBUTES,
    )
}

/// Every link and image destination of a Markdown text, in order.
fn destinations(text: &str) -> Vec<String> {
    parse(text)
        .filter_map(|event| match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                Some(dest_url.into_string())
            }
            _ => None,
        })
        .collect()
}

/// GitHub's anchor for a heading: lower case, every character but letters, digits, spaces,
/// `-` and `_` dropped, spaces made `-`; a repeated anchor gets `-1`, `-2`, ...
fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown text's headings (an explicit `{#id}` counts too).
fn anchors(text: &str) -> BTreeSet<String> {
    let mut anchors = BTreeSet::new();
    let mut heading: Option<(String, Option<String>)> = None;
    for event in parse(text) {
        match event {
            Event::Start(Tag::Heading { id, .. }) => {
                heading = Some((String::new(), id.map(|id| id.into_string())));
            }
            Event::Text(part) | Event::Code(part) => {
                if let Some((text, _)) = &mut heading {
                    text.push_str(&part);
                }
            }
            Event::End(TagEnd::Heading(_)) => {
                let (text, id) = heading.take().unwrap();
                if let Some(id) = id {
                    anchors.insert(id);
                }
                let base = slug(&text);
                let mut anchor = base.clone();
                let mut n = 0;
                while !anchors.insert(anchor.clone()) {
                    n += 1;
                    anchor = format!("{base}-{n}");
                }
            }
            _ => {}
        }
    }
    anchors
}

/// What is wrong with one link of `page`, if anything (`None` for links out of the repository).
fn broken(page: &Path, destination: &str) -> Option<String> {
    if destination.contains("://") || destination.starts_with("mailto:") {
        return None;
    }
    let (path, anchor) = match destination.split_once('#') {
        Some((path, anchor)) => (path, Some(anchor)),
        None => (destination, None),
    };
    let target = if path.is_empty() {
        page.to_path_buf()
    } else {
        page.parent().unwrap().join(path)
    };
    if !target.exists() {
        return Some(format!("{} does not exist", target.display()));
    }
    let anchor = anchor.filter(|a| !a.is_empty())?;
    if target.extension().is_none_or(|e| e != "md") {
        return None; // anchors into source files are line numbers and the like
    }
    let known = anchors(&std::fs::read_to_string(&target).unwrap());
    (!known.contains(anchor)).then(|| {
        format!(
            "{} has no heading with the anchor #{anchor} (it has: {})",
            target.display(),
            known.into_iter().collect::<Vec<_>>().join(", ")
        )
    })
}

#[test]
fn every_relative_link_of_the_readme_and_the_docs_resolves() {
    let mut checked = 0;
    let mut problems = Vec::new();
    for page in pages() {
        let text = std::fs::read_to_string(&page).unwrap();
        for destination in destinations(&text) {
            checked += 1;
            if let Some(problem) = broken(&page, &destination) {
                problems.push(format!("{}: ({destination}): {problem}", page.display()));
            }
        }
    }
    assert!(problems.is_empty(), "dead links:\n{}", problems.join("\n"));
    // The README links to every page and the pages to each other: far more than this.
    assert!(
        checked > 40,
        "only {checked} links found: is the parser reading the pages?"
    );
}

/// The checker itself: GitHub's anchors, and a dead file or anchor is caught.
#[test]
fn the_checker_knows_anchors_and_catches_dead_links() {
    for (heading, expected) in [
        ("Quick start", "quick-start"),
        ("`--format json`", "--format-json"),
        (
            "Shape errors and \"did you mean\"",
            "shape-errors-and-did-you-mean",
        ),
        (
            "Versions and `eventcat compat`: reference",
            "versions-and-eventcat-compat-reference",
        ),
        ("`eventcat-validate serve`", "eventcat-validate-serve"),
    ] {
        assert_eq!(slug(heading), expected, "{heading}");
    }
    let known = anchors("# A\n\n## Part\n\ntext\n\n## Part\n\n## With `code` {#custom}\n");
    assert!(known.contains("part") && known.contains("part-1") && known.contains("custom"));

    let readme = workspace().join("README.md");
    assert_eq!(broken(&readme, "docs/lint.md#rules"), None);
    assert_eq!(broken(&readme, "https://example.com/nowhere"), None);
    assert!(broken(&readme, "docs/no-such-page.md").is_some());
    assert!(broken(&readme, "docs/lint.md#no-such-heading").is_some());
    assert!(broken(&readme, "#no-such-heading").is_some());
    assert_eq!(
        destinations("[a](x.md) ![b](y.png) `[c](z.md)`\n\n```\n[d](w.md)\n```\n"),
        ["x.md", "y.png"]
    );
}
