//! One fixture per lint rule, each proving that the rule fires exactly where it should.
//!
//! A fixture is a folder `tests/fixtures/lint/<rule-id>/` laid over a copy of the clean catalog
//! `tests/fixtures/mini/`: its files replace or add files of the copy, and a file `<path>.delete`
//! deletes `<path>`. Its `expected.txt` lists every finding the broken catalog must produce, one
//! per line as `<rule-id> <path relative to the catalog>:<line>:<column>`; lines starting with `#`
//! are comments. The test fails on a missing finding, an extra finding, or a wrong position, and
//! also when a rule has no fixture at all.

use std::collections::BTreeSet;

/// Findings as sorted lines; a multiset, so a finding reported twice is a failure too.
type Lines = Vec<String>;
use std::fs;
use std::path::{Path, PathBuf};

use eventcat::Rule;

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let relative = entry.path().strip_prefix(from).unwrap();
        let target = to.join(relative);
        if entry.file_type().is_dir() {
            fs::create_dir_all(&target).unwrap();
        } else if let Some(deleted) = relative.to_str().unwrap().strip_suffix(".delete") {
            let victim = to.join(deleted);
            fs::remove_file(&victim)
                .unwrap_or_else(|e| panic!("cannot delete {}: {e}", victim.display()));
        } else if relative != Path::new("expected.txt") {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Findings of the mini catalog with `overlay` applied, as `rule path:line:col` strings.
fn findings_with_overlay(overlay: &Path) -> Lines {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&fixtures_dir().join("mini"), dir.path());
    copy_tree(overlay, dir.path());
    let loaded = eventcat::load(dir.path()).unwrap();
    let mut lines = eventcat::lint::lint(&loaded)
        .into_iter()
        .map(|finding| {
            let path = Path::new(&finding.file)
                .strip_prefix(dir.path())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            format!(
                "{} {path}:{}:{}",
                finding.rule, finding.line, finding.column
            )
        })
        .collect::<Lines>();
    lines.sort();
    lines
}

fn expected(fixture: &Path) -> Lines {
    let text = fs::read_to_string(fixture.join("expected.txt"))
        .unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
    let mut lines = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(str::to_owned)
        .collect::<Lines>();
    lines.sort();
    lines
}

#[test]
fn the_base_fixture_is_clean() {
    let loaded = eventcat::load(&fixtures_dir().join("mini")).unwrap();
    let findings = eventcat::lint::lint(&loaded);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn every_rule_fires_where_its_fixture_says() {
    let root = fixtures_dir().join("lint");
    let mut failures = Vec::new();
    for rule in Rule::ALL {
        let fixture = root.join(rule.id());
        if !fixture.is_dir() {
            failures.push(format!(
                "rule `{rule}` has no fixture at {}",
                fixture.display()
            ));
            continue;
        }
        let want = expected(&fixture);
        assert!(
            want.iter()
                .any(|line| line.starts_with(&format!("{rule} "))),
            "the fixture of `{rule}` expects no `{rule}` finding"
        );
        let got = findings_with_overlay(&fixture);
        if got != want {
            let missing = without(&want, &got);
            let extra = without(&got, &want);
            failures.push(format!(
                "rule `{rule}`:\n  missing: {missing:?}\n  unexpected: {extra:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_fixture_without_a_rule() {
    let ids: BTreeSet<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    for entry in fs::read_dir(fixtures_dir().join("lint")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            ids.contains(name.as_str()),
            "fixture `{name}` names no rule"
        );
    }
}

/// The lines of `a` not matched one-for-one by a line of `b`.
fn without(a: &[String], b: &[String]) -> Vec<String> {
    let mut rest = b.to_vec();
    a.iter()
        .filter(|line| match rest.iter().position(|r| r == *line) {
            Some(index) => {
                rest.remove(index);
                false
            }
            None => true,
        })
        .cloned()
        .collect()
}
