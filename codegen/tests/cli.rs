//! The `eventcat` command line as users and CI run it: path errors, colour, `--quiet`, JSON on
//! failure, GitHub annotations, completions, `new` and `fmt`. Table-driven where the cases share
//! a shape; every case runs the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn eventcat_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_eventcat"));
    command.args(args).current_dir(dir).env_remove("NO_COLOR");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap(),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

fn eventcat(args: &[&str]) -> Run {
    eventcat_in(&workspace(), args, &[])
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(target).unwrap();
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temporary folder with a copy of the bundled catalog as `catalog/` (and of the published
/// schemas as `generated/schemas/`, when asked).
fn repo_copy(with_generated: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&workspace().join("catalog"), &dir.path().join("catalog"));
    if with_generated {
        copy_tree(
            &workspace().join("generated"),
            &dir.path().join("generated"),
        );
    }
    dir
}

/// A catalog with exactly one lint error (an unknown key) in user.logout.
fn one_error_copy() -> tempfile::TempDir {
    let dir = repo_copy(false);
    let path = dir.path().join("catalog/events/user/user.logout.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replacen("    pii: identifier", "    pi: identifier", 1),
    )
    .unwrap();
    dir
}

#[test]
fn every_folder_argument_is_checked_the_same_way() {
    let root = workspace();
    let subfolder = root.join("codegen");
    let no_such = "/no/such/dir";
    let file = root.join("README.md");
    let file = file.to_str().unwrap();
    // (where, arguments, what stderr must say)
    let cases: &[(&Path, &[&str], &[&str])] = &[
        (
            &subfolder,
            &["lint"],
            &[
                "catalog folder `catalog` does not exist",
                "looked in",
                "codegen",
                "run from the repository root or pass --catalog DIR",
            ],
        ),
        (
            &subfolder,
            &["generate", "--check"],
            &[
                "catalog folder `catalog` does not exist",
                "pass --catalog DIR",
            ],
        ),
        (
            &subfolder,
            &["schema", "--check"],
            &["catalog folder `catalog` does not exist"],
        ),
        (
            &subfolder,
            &["fmt", "--check"],
            &["catalog folder `catalog` does not exist"],
        ),
        (
            &subfolder,
            &["sample", "--count", "1"],
            &["catalog folder `catalog` does not exist"],
        ),
        (
            &subfolder,
            &["new", "user.x"],
            &["catalog folder `catalog` does not exist"],
        ),
        (
            &subfolder,
            &["compat", "--against", "HEAD"],
            &["catalog folder `catalog` does not exist"],
        ),
        (
            &root,
            &["schema", "--catalog", no_such],
            &[
                "catalog folder `/no/such/dir` does not exist",
                "check the path given to --catalog",
            ],
        ),
        (
            &root,
            &["lint", "--catalog", no_such],
            &["catalog folder `/no/such/dir` does not exist"],
        ),
        (
            &root,
            &["lint", "--catalog", file],
            &["is a file, not a folder"],
        ),
        (
            &root,
            &["compat", "--against", no_such],
            &[
                "`/no/such/dir` is not a folder",
                "and not a git revision either",
            ],
        ),
        (
            &root,
            &["compat", "--against", "no-such-revision"],
            &["unknown git revision `no-such-revision`"],
        ),
    ];
    for (dir, args, expected) in cases {
        let run = eventcat_in(dir, args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        for text in *expected {
            assert!(
                run.stderr.contains(text),
                "{args:?}: `{text}` not in:\n{}",
                run.stderr
            );
        }
    }
    // `schema` used to create the folder it was pointed at.
    assert!(!Path::new(no_such).exists());
}

/// `--format json`: stdout is always one JSON document, for every way a command can fail.
#[test]
fn json_is_one_document_on_stdout_for_every_failure() {
    let broken = one_error_copy();
    let broken_catalog = broken.path().join("catalog");
    let broken_catalog = broken_catalog.to_str().unwrap();

    // A published schema changed without a version bump: generate refuses (immutable).
    let changed = repo_copy(true);
    let login = changed.path().join("catalog/events/user/user.login.yaml");
    let text = std::fs::read_to_string(&login).unwrap();
    std::fs::write(
        &login,
        text.replacen("enum: [password, sso, mfa]", "enum: [password, sso]", 1),
    )
    .unwrap();
    let changed_catalog = changed.path().join("catalog");
    let changed_out = changed.path().join("generated");

    // A stale generated file.
    let stale = repo_copy(true);
    std::fs::write(stale.path().join("generated/docs/catalog.md"), "stale\n").unwrap();
    let stale_catalog = stale.path().join("catalog");
    let stale_out = stale.path().join("generated");

    // (arguments, exit code, error kind or None for a findings document with ok=false)
    let cases: Vec<(Vec<&str>, i32, Option<&str>)> = vec![
        (
            vec!["lint", "--format", "json", "--no-such-flag"],
            2,
            Some("usage"),
        ),
        (vec!["lint", "--format=json", "--catalog"], 2, Some("usage")),
        (
            vec!["lint", "--format", "json", "--catalog", "/no/such/dir"],
            2,
            Some("path"),
        ),
        (
            vec!["generate", "--format", "json", "--catalog", "/no/such/dir"],
            2,
            Some("path"),
        ),
        (
            vec!["schema", "--format", "json", "--catalog", "/no/such/dir"],
            2,
            Some("path"),
        ),
        (
            vec!["fmt", "--format", "json", "--catalog", "/no/such/dir"],
            2,
            Some("path"),
        ),
        (
            vec!["new", "Bad Name", "--format", "json"],
            2,
            Some("error"),
        ),
        (
            vec![
                "compat",
                "--format",
                "json",
                "--against",
                "no-such-revision",
            ],
            2,
            Some("git"),
        ),
        (
            vec!["lint", "--format", "json", "--catalog", broken_catalog],
            1,
            None,
        ),
        (
            vec![
                "generate",
                "--format",
                "json",
                "--check",
                "--catalog",
                broken_catalog,
            ],
            1,
            None,
        ),
        (
            vec![
                "generate",
                "--format",
                "json",
                "--catalog",
                changed_catalog.to_str().unwrap(),
                "--out",
                changed_out.to_str().unwrap(),
            ],
            1,
            Some("immutable"),
        ),
        (
            vec![
                "generate",
                "--format",
                "json",
                "--check",
                "--catalog",
                stale_catalog.to_str().unwrap(),
                "--out",
                stale_out.to_str().unwrap(),
            ],
            1,
            None,
        ),
    ];
    for (args, code, kind) in cases {
        let run = eventcat(&args);
        assert_eq!(run.code, code, "{args:?}: {}{}", run.stdout, run.stderr);
        let document: serde_json::Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: stdout is not one JSON document ({e}):\n{}",
                run.stdout
            )
        });
        assert_eq!(document["ok"], false, "{args:?}: {document}");
        match kind {
            Some(kind) => {
                assert_eq!(document["error"]["kind"], kind, "{args:?}: {document}");
                assert!(
                    document["error"]["message"]
                        .as_str()
                        .is_some_and(|m| !m.is_empty())
                );
            }
            None => assert!(document.get("error").is_none(), "{args:?}: {document}"),
        }
    }
}

/// Colour under a real pseudo-terminal (`script` from util-linux): on by default, off with
/// `NO_COLOR` or `--color never`; `--color always` colours a pipe too.
#[test]
fn colour_follows_the_terminal_no_color_and_the_flag() {
    let script = Command::new("script").arg("--version").output();
    assert!(
        script.is_ok_and(|o| o.status.success()),
        "this test needs `script` (util-linux): sudo apt-get install bsdutils"
    );
    let broken = one_error_copy();
    let catalog = broken.path().join("catalog");
    let binary = env!("CARGO_BIN_EXE_eventcat");
    let under_pty = |extra: &str, no_color: Option<&str>| {
        let command_line = format!("{binary} lint --catalog {} {extra}", catalog.display());
        let mut command = Command::new("script");
        command
            .args(["-qec", &command_line, "/dev/null"])
            .env_remove("NO_COLOR");
        if let Some(value) = no_color {
            command.env("NO_COLOR", value);
        }
        let output = command.output().unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    // (flags, NO_COLOR, coloured?)
    for (extra, no_color, coloured) in [
        ("", None, true),
        ("", Some("1"), false),
        ("", Some(""), true),
        ("--color never", None, false),
        ("--color always", Some("1"), true),
        ("--color auto", None, true),
    ] {
        let out = under_pty(extra, no_color);
        assert!(
            out.contains("unknown key `pi`"),
            "{extra} {no_color:?}: {out}"
        );
        assert_eq!(
            out.contains("\x1b["),
            coloured,
            "{extra} {no_color:?}:\n{out}"
        );
    }
    let piped = eventcat(&["lint", "--catalog", catalog.to_str().unwrap()]);
    assert!(!piped.stdout.contains("\x1b["), "{}", piped.stdout);
    let forced = eventcat(&[
        "lint",
        "--color",
        "always",
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
    assert!(
        forced.stdout.contains("\x1b[1;31merror\x1b[0m"),
        "{}",
        forced.stdout
    );
}

#[test]
fn each_message_once_with_correct_plurals() {
    let broken = one_error_copy();
    let catalog = broken.path().join("catalog");
    let run = eventcat(&["lint", "--catalog", catalog.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout.matches("unknown key `pi`").count(),
        1,
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("31 files, 30 events: 1 error, 0 warnings"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("1 errors"), "{}", run.stdout);
}

#[test]
fn quiet_prints_only_what_is_wrong() {
    let clean = eventcat(&["lint", "--quiet"]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""));
    let current = eventcat(&["generate", "--check", "-q"]);
    assert_eq!((current.code, current.stdout.as_str()), (0, ""));
    let broken = one_error_copy();
    let catalog = broken.path().join("catalog");
    let run = eventcat(&["lint", "-q", "--catalog", catalog.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("error[unknown-key]"), "{}", run.stdout);
}

#[test]
fn github_annotations_for_lint_and_generate_check() {
    let broken = one_error_copy();
    let catalog = broken.path().join("catalog");
    let run = eventcat(&[
        "lint",
        "--format",
        "github",
        "--catalog",
        catalog.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    let line = run.stdout.lines().next().unwrap();
    assert!(line.starts_with("::error file="), "{line}");
    assert!(
        line.contains(
            "user.logout.yaml,line=12,col=5,title=eventcat lint%3A unknown-key::unknown key `pi`"
        ),
        "{line}"
    );

    let stale = repo_copy(true);
    std::fs::write(stale.path().join("generated/docs/catalog.md"), "stale\n").unwrap();
    let run = eventcat_in(
        stale.path(),
        &[
            "generate",
            "--check",
            "--format",
            "github",
            "--out",
            "generated",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains(
            "::error file=generated/docs/catalog.md,title=eventcat generate%3A stale file::"
        ),
        "{}",
        run.stdout
    );
    // The fix hint repeats the flags the user passed, not only the defaults.
    let custom = eventcat_in(
        stale.path(),
        &["generate", "--check", "--out", "./generated"],
        &[],
    );
    assert!(
        custom
            .stdout
            .contains("run `eventcat generate --out ./generated`"),
        "{}",
        custom.stdout
    );
}

#[test]
fn completions_for_each_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let run = eventcat(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains("eventcat"), "{shell}");
        assert!(
            run.stdout.contains("generate") && run.stdout.contains("fmt"),
            "{shell}"
        );
    }
    assert_eq!(eventcat(&["completions", "tcsh"]).code, 2);
}

#[test]
fn new_scaffolds_an_event_that_lints_clean_and_generates() {
    let dir = repo_copy(true);
    let root = dir.path();
    let run = eventcat_in(
        root,
        &["new", "user.password_reset", "--group", "authentication"],
        &[],
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let file = root.join("catalog/events/user/user.password_reset.yaml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# yaml-language-server: $schema=../../schema/event.schema.json\n"));
    assert!(text.contains("\nversion: 1.0.0\n"));
    let catalog = std::fs::read_to_string(root.join("catalog/catalog.yaml")).unwrap();
    assert!(
        catalog.contains(
            "order: [user.login, user.logout, user.session_expired, user.password_reset]"
        ),
        "{catalog}"
    );

    // Lint passes (exit 0) and explains each placeholder with a warning.
    let lint = eventcat_in(root, &["lint", "--format", "json"], &[]);
    assert_eq!(lint.code, 0, "{}", lint.stdout);
    let document: serde_json::Value = serde_json::from_str(&lint.stdout).unwrap();
    assert_eq!(document["errors"], 0);
    let rules: Vec<&str> = document["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["placeholder"; 4], "{document}");
    let fmt = eventcat_in(root, &["fmt", "--check"], &[]);
    assert_eq!(
        fmt.code, 0,
        "new writes in fmt's layout and keeps catalog.yaml in it: {}",
        fmt.stdout
    );
    let generate = eventcat_in(root, &["generate"], &[]);
    assert_eq!(generate.code, 0, "{}{}", generate.stdout, generate.stderr);
    assert!(
        root.join("generated/schemas/user.password_reset/1.0.0.json")
            .is_file()
    );

    // Refusals: (arguments, what stderr says)
    let cases: &[(&[&str], &str)] = &[
        (
            &["new", "user.password_reset", "--group", "authentication"],
            "already exists",
        ),
        (&["new", "User.PasswordReset"], "is not an event name"),
        (&["new", "user"], "is not an event name"),
        (
            &["new", "nobody.thing"],
            "no category owns the namespace `nobody`",
        ),
        (&["new", "user.thing"], "has several groups; pass --group"),
        (
            &["new", "user.thing", "--group", "authentcation"],
            "did you mean `authentication`?",
        ),
    ];
    for (args, expected) in cases {
        let run = eventcat_in(root, args, &[]);
        assert_eq!(run.code, 2, "{args:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
}

/// fmt on every bundled file: the result reads back as the same content, formatting it again
/// changes nothing, and a comment other than the modeline makes fmt refuse the file.
#[test]
fn fmt_is_idempotent_and_refuses_comments_on_every_bundled_file() {
    let catalog = workspace().join("catalog");
    let loaded = eventcat::load(&catalog).unwrap();
    assert_eq!(loaded.sources.len(), 31);
    for source in &loaded.sources {
        let kind = if source.relative == "catalog.yaml" {
            eventcat::fmt::Kind::Catalog
        } else {
            eventcat::fmt::Kind::Event
        };
        let once = eventcat::fmt::format(&source.text, kind)
            .unwrap_or_else(|e| panic!("{}: {e}", source.relative));
        let twice = eventcat::fmt::format(&once, kind).unwrap();
        assert_eq!(once, twice, "{}: not idempotent", source.relative);
        assert!(
            once.starts_with("# yaml-language-server: $schema="),
            "{}",
            source.relative
        );
        assert!(
            once.lines()
                .all(|l| l.chars().count() <= 100 || !l.contains(' ')),
            "{}",
            source.relative
        );

        let commented = source.text.replacen('\n', "\n# a note\n", 1);
        assert!(
            matches!(
                eventcat::fmt::format(&commented, kind),
                Err(eventcat::fmt::FmtError::HasComment { line: 2 })
            ),
            "{}",
            source.relative
        );
    }

    // Through the CLI: write, then --check is clean; a commented file is left byte for byte.
    let dir = repo_copy(false);
    let login = dir.path().join("catalog/events/user/user.login.yaml");
    let commented = std::fs::read_to_string(&login)
        .unwrap()
        .replacen("group:", "# why\ngroup:", 1);
    std::fs::write(&login, &commented).unwrap();
    let run = eventcat_in(dir.path(), &["fmt"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("user.login.yaml: line 4: the file has a comment"),
        "{}",
        run.stdout
    );
    assert_eq!(std::fs::read_to_string(&login).unwrap(), commented);
    std::fs::write(&login, commented.replacen("# why\n", "", 1)).unwrap();
    assert_eq!(eventcat_in(dir.path(), &["fmt"], &[]).code, 0);
    let check = eventcat_in(dir.path(), &["fmt", "--check"], &[]);
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, "31 files: 0 would reformat, 0 left alone\n")
    );
    assert_eq!(eventcat_in(dir.path(), &["lint", "-q"], &[]).code, 0);
    let compat = eventcat_in(
        dir.path(),
        &[
            "compat",
            "--against",
            workspace().join("catalog").to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(
        compat.code, 0,
        "formatting changed the catalog's meaning:\n{}{}",
        compat.stdout, compat.stderr
    );
}

/// How the reader of a command's stdout goes away.
#[derive(Clone, Copy, Debug)]
enum Closed {
    /// Before the command starts: its first write to stdout meets a pipe with no reader.
    BeforeStart,
    /// After the first line, as `| head -1` does (the command must write more than the pipe
    /// holds, 64 KiB on Linux, so a later write meets the closed pipe).
    AfterFirstLine,
}

/// Runs `eventcat` with stdout a real pipe closed early; the exit code, the first line read (if
/// any) and stderr.
fn eventcat_into_closed_pipe(args: &[&str], closed: Closed) -> (i32, String, String) {
    use std::io::{BufRead, Read};
    let mut command = Command::new(env!("CARGO_BIN_EXE_eventcat"));
    command
        .args(args)
        .current_dir(workspace())
        .stderr(std::process::Stdio::piped());
    let mut first = String::new();
    let mut child = match closed {
        Closed::BeforeStart => {
            let (reader, writer) = rustix::pipe::pipe().unwrap();
            drop(reader);
            command
                .stdout(std::process::Stdio::from(writer))
                .spawn()
                .unwrap()
        }
        Closed::AfterFirstLine => {
            let mut child = command
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
            stdout.read_line(&mut first).unwrap();
            child
        }
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), first, stderr)
}

/// A closed stdout (`eventcat ... | head -1`) is no failure: every command that prints stops
/// there with exit 0 and not a word on stderr, as ripgrep does (it used to panic in `println!`).
#[test]
fn a_closed_stdout_ends_any_command_quietly_with_0() {
    let cases: &[(&[&str], Closed)] = &[
        (&["lint", "--list-rules"], Closed::BeforeStart),
        (
            &["lint", "--list-rules", "--format", "json"],
            Closed::BeforeStart,
        ),
        (&["lint"], Closed::BeforeStart),
        (&["lint", "--format", "github"], Closed::BeforeStart),
        (&["generate", "--check"], Closed::BeforeStart),
        (&["schema", "--check"], Closed::BeforeStart),
        (&["fmt", "--check"], Closed::BeforeStart),
        (&["completions", "bash"], Closed::BeforeStart),
        (&["sample", "--count", "2"], Closed::BeforeStart),
        (&["sample", "--count", "5000"], Closed::AfterFirstLine),
    ];
    for (args, closed) in cases {
        let (code, first, stderr) = eventcat_into_closed_pipe(args, *closed);
        assert_eq!(
            (code, stderr.as_str()),
            (0, ""),
            "eventcat {args:?} into a pipe closed {closed:?}"
        );
        if let Closed::AfterFirstLine = closed {
            let payload: serde_json::Value = serde_json::from_str(&first).unwrap();
            assert!(payload["event_name"].is_string(), "{first}");
        }
    }
}
