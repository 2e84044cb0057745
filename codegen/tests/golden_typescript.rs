//! The TypeScript emitter's output: golden files for the mini and hostile fixtures (review a
//! change of output as a diff; `EXPECTORATE=overwrite cargo test -p eventcat --test
//! golden_typescript` rewrites them), and the hostile fixture's text reaching the declarations
//! and the runtime modules intact and harmless. That `tsc` accepts the output is checked in
//! `tests/tests/typescript_tsc.rs`, that it runs in `tests/tests/typescript_runtime.rs`.

use std::path::{Path, PathBuf};

use eventcat::emit::typescript;
use eventcat::ir::Catalog;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lower(fixture: &str) -> Catalog {
    let root = manifest_dir().join("tests/fixtures").join(fixture);
    let loaded = eventcat::load(&root).expect("the fixture loads");
    eventcat::ir::lower(&loaded).expect("the fixture lints clean")
}

fn index_d_ts(catalog: &Catalog) -> String {
    typescript::files(catalog)
        .into_iter()
        .find(|file| file.path == "typescript/index.d.ts")
        .expect("the emitter writes typescript/index.d.ts")
        .contents
}

/// Every file under `dir`, relative to it, `/`-separated and sorted.
fn files_under(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|entry| entry.expect("the golden folder is readable"))
        .filter(|entry| entry.file_type().is_file())
        .map(|entry| {
            let relative = entry.path().strip_prefix(dir).unwrap();
            relative.to_string_lossy().replace('\\', "/")
        })
        .collect();
    files.sort();
    files
}

/// The package of `fixture` against `tests/golden/typescript/<fixture>/`.
fn assert_golden(fixture: &str) {
    let files = typescript::files(&lower(fixture));
    let golden = manifest_dir().join("tests/golden/typescript").join(fixture);
    for file in &files {
        expectorate::assert_contents(golden.join(&file.path), &file.contents);
    }
    // A file the emitter stopped writing must not linger as a golden file nobody checks.
    let written: Vec<String> = files.iter().map(|file| file.path.clone()).collect();
    let on_disk: Vec<String> = files_under(&golden.join("typescript"))
        .into_iter()
        .map(|path| format!("typescript/{path}"))
        .collect();
    assert_eq!(on_disk, written, "golden files vs emitted files");
}

#[test]
fn mini_matches_the_golden_files() {
    assert_golden("mini");
}

#[test]
fn hostile_matches_the_golden_files() {
    assert_golden("hostile");
}

#[test]
fn output_is_deterministic() {
    let catalog = lower("hostile");
    assert_eq!(typescript::files(&catalog), typescript::files(&catalog));
    assert_eq!(
        typescript::files(&catalog),
        typescript::files(&lower("hostile"))
    );
}

#[test]
fn package_json_names_the_catalog_and_its_declarations() {
    let catalog = lower("mini");
    let file = typescript::files(&catalog)
        .into_iter()
        .find(|file| file.path == "typescript/package.json")
        .expect("the emitter writes typescript/package.json");
    assert!(file.contents.ends_with("}\n"), "trailing newline");
    let package: serde_json::Value = serde_json::from_str(&file.contents).unwrap();
    assert_eq!(package["name"], "mini-events");
    assert_eq!(package["version"], "0.1.0");
    assert_eq!(package["private"], true);
    assert_eq!(package["types"], "index.d.ts");
    assert_eq!(package["type"], "module");
    assert_eq!(package["exports"]["."]["types"], "./index.d.ts");
    assert_eq!(package["exports"]["."]["default"], "./index.js");
    assert_eq!(package["exports"]["./validate"]["types"], "./validate.d.ts");
    assert_eq!(package["exports"]["./validate"]["default"], "./validate.js");
    // No runtime dependency of any kind.
    for key in ["dependencies", "peerDependencies", "optionalDependencies"] {
        assert!(package.get(key).is_none(), "{key}");
    }
    // Every file an export names is written.
    let paths: Vec<String> = typescript::files(&catalog)
        .into_iter()
        .map(|f| f.path)
        .collect();
    for entry in [
        "./index.js",
        "./index.d.ts",
        "./validate.js",
        "./validate.d.ts",
    ] {
        let path = format!("typescript/{}", entry.trim_start_matches("./"));
        assert!(paths.contains(&path), "{path}");
    }
    assert!(
        package["description"]
            .as_str()
            .is_some_and(|d| !d.is_empty())
    );
}

/// Walks the JSDoc blocks the emitter writes (`/** one line */`, or `/**`, ` * ...` lines and
/// ` */`) and fails on any `*/` that is not the block's own end: catalog text closing a comment
/// early would turn the rest of it into code.
#[test]
fn hostile_text_never_closes_a_jsdoc_block_early() {
    let output = index_d_ts(&lower("hostile"));
    let mut in_doc = false;
    let mut blocks = 0;
    for (number, line) in output.lines().enumerate() {
        let number = number + 1;
        let trimmed = line.trim();
        if in_doc {
            if trimmed == "*/" {
                in_doc = false;
                continue;
            }
            assert!(
                trimmed.starts_with('*') && !trimmed.contains("*/"),
                "line {number} inside a JSDoc block: {line:?}"
            );
        } else if let Some(rest) = trimmed.strip_prefix("/**") {
            blocks += 1;
            match rest.strip_suffix("*/") {
                Some(inner) => assert!(!inner.contains("*/"), "line {number}: {line:?}"),
                None => {
                    assert!(rest.is_empty(), "line {number}: {line:?}");
                    in_doc = true;
                }
            }
        } else {
            let code = trimmed.split('"').step_by(2).collect::<String>();
            assert!(
                !code.contains("/*") && !code.contains("*/"),
                "line {number}: a comment marker outside a string literal: {line:?}"
            );
        }
    }
    assert!(!in_doc, "the last JSDoc block is not closed");
    assert!(
        blocks > 20,
        "only {blocks} JSDoc blocks: is the output documented?"
    );
    // The hostile text is there, defused, not dropped.
    assert!(output.contains("Closes comments *\\/ and /* opens them"));
    assert!(output.contains("a line *\\/ that ends a comment"));
}

#[test]
fn every_line_of_hostile_text_survives() {
    let catalog = lower("hostile");
    let output = index_d_ts(&catalog);
    let mut texts = vec![
        catalog.title.clone(),
        catalog.description.clone(),
        catalog.envelope.description.clone(),
    ];
    for field in &catalog.envelope.fields {
        texts.push(field.field.description.clone());
    }
    for event in catalog.events.values() {
        texts.push(event.description.clone());
        texts.push(event.trigger.clone());
        texts.extend(event.properties.iter().map(|p| p.description.clone()));
    }
    let doc_lines: Vec<&str> = output
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with('*') || line.starts_with("/**"))
        .map(|line| line.trim_end_matches("*/").trim_end())
        .collect();
    let mut checked = 0;
    for text in &texts {
        // Control characters are shown as `\u{..}` (a CR as a line break).
        let text = eventcat::emit::text::visible_controls(text);
        for line in text.lines().map(str::trim).filter(|line| !line.is_empty()) {
            // Whole, escaped, at the end of a doc line (a tag such as `@trigger` may precede it).
            let escaped = line.replace("*/", "*\\/");
            assert!(
                doc_lines.iter().any(|doc| doc.ends_with(&escaped)),
                "the line {line:?} is missing from the declarations"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} lines checked");
    // Multi-line text keeps its lines: the trigger's second line is a line of its own.
    assert!(output.contains("\n * @trigger Multi-line trigger.\n * Second line with *\\/ and <!-- html comment -->\n * # not a heading\n"));
    assert!(output.contains(
        "\n   * Newlines\n   * inside\n   *\n   * the description, and a line *\\/ that ends a comment\n"
    ));
}

#[test]
fn hostile_names_and_values_are_typed_exactly() {
    let output = index_d_ts(&lower("hostile"));
    for expected in [
        // Keywords are property names as they are.
        "\n  type: string;\n",
        "\n  self: WeirdKeywordsSelf;\n",
        "\n  enum: number;\n",
        "\n  default?: boolean;\n",
        "\n  fn: WeirdKeywordsFnItem[];\n",
        "\n  constructor: number | null;\n",
        "\n  prototype?: string;\n",
        // Optional and nullable are separate; both at once is `?:` and `| null`.
        "\n  referrer?: string | null;\n",
        // Enum values of any text, as JSON string literals.
        "export type WeirdKeywordsSelf = \"self\" | \"super\" | \"3d\" | \"a-b\" | \"with space\" | \"*/\" | \"ünïcode\";\n",
        "export type WeirdKeywordsFnItem = \"crate\" | \"async\" | \"null\";\n",
        "export type Environment = \"production\" | \"staging\" | \"development\";\n",
        "export type WeirdKeywords = EventEnvelope<\"weird.keywords\", \"weird.oddities\", \"1.0.0\", WeirdKeywordsProperties>;\n",
        "  \"weird.keywords\": WeirdKeywords;\n",
    ] {
        assert!(
            output.contains(expected),
            "missing {expected:?} in:\n{output}"
        );
    }
}

/// Catalog text reaches the JavaScript modules only inside JSON string literals (the rule tables
/// and the tracker's event list) or comments it cannot close: each line outside a string holds no
/// catalog text, and every string parses back to what the catalog says.
#[test]
fn hostile_text_in_the_javascript_stays_inside_string_literals() {
    let catalog = lower("hostile");
    let validate_texts: &[&str] = &[
        "*/",
        "3d",
        "a-b",
        "with space",
        "ünïcode",
        "constructor",
        "prototype",
    ];
    let index_texts: &[&str] = &["weird.keywords", "weird.oddities", "weirdKeywords"];
    for (name, texts) in [
        ("typescript/index.js", index_texts),
        ("typescript/validate.js", validate_texts),
    ] {
        let file = typescript::files(&catalog)
            .into_iter()
            .find(|file| file.path == name)
            .expect("the emitter writes the module");
        let tables: Vec<&str> = file.contents.lines().collect();
        // The data block is JSON: it starts after `= ` and ends at the `};` closing it.
        let start = file.contents.find(" = {\n").expect("a table") + 3;
        let end = file.contents[start..].find("\n};").expect("its end") + start + 2;
        let table: serde_json::Value = serde_json::from_str(&file.contents[start..end])
            .unwrap_or_else(|e| panic!("{name}: the table is not JSON: {e}"));
        let text = table.to_string();
        for hostile in texts {
            assert!(
                text.contains(hostile),
                "{name}: {hostile:?} is missing from the table"
            );
        }
        for line in &tables {
            assert!(!line.contains("</script>"), "{name}: {line}");
        }
    }
}

/// `checks.js` states the privacy forms with the same patterns and words as the Rust engine,
/// so the two cannot drift apart unnoticed.
#[test]
fn the_runtime_privacy_forms_are_the_engines() {
    use eventcat_runtime::privacy::{ANONYMIZED_IPV4_PATTERN, HASHED_PATTERN, PrivacyKind};
    let checks = typescript::files(&lower("mini"))
        .into_iter()
        .find(|file| file.path == "typescript/checks.js")
        .expect("the emitter writes checks.js")
        .contents;
    for text in [
        ANONYMIZED_IPV4_PATTERN,
        HASHED_PATTERN,
        PrivacyKind::AnonymizedIp.expected(),
        PrivacyKind::Hashed.expected(),
        PrivacyKind::AnonymizedIp.rule(),
        PrivacyKind::Hashed.rule(),
    ] {
        let literal = serde_json::Value::from(text).to_string();
        assert!(checks.contains(&literal), "checks.js lacks {literal}");
    }
}
