//! Shared by the `compat_*` tests: a temporary git repository holding a copy of a catalog, and
//! the `eventcat` binary run inside it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bundled catalog.
pub fn bundled_catalog() -> PathBuf {
    workspace().join("catalog")
}

/// The small test catalog.
pub fn mini_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mini")
}

/// What a run of `eventcat` gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the output unless the exit code is `code`.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }
}

/// A git repository in a temporary folder, with the catalog at `catalog/` and the generated
/// output at `generated/` (as in this workspace).
#[derive(Debug)]
pub struct Repo {
    pub dir: tempfile::TempDir,
}

impl Repo {
    /// An empty repository.
    pub fn new() -> Repo {
        let repo = Repo {
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A repository holding a copy of `catalog` and what `eventcat generate` makes of it,
    /// committed.
    pub fn with_catalog(catalog: &Path) -> Repo {
        let repo = Repo::new();
        copy_tree(catalog, &repo.path("catalog"));
        repo.eventcat(&["generate"]).expect(0);
        repo.commit("catalog");
        repo
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Runs git in the repository; panics when it fails.
    pub fn git(&self, args: &[&str]) -> String {
        let output = git_command(self.dir.path())
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    pub fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
    }

    pub fn write(&self, relative: &str, contents: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("folder");
        std::fs::write(path, contents).expect("write");
    }

    /// Replaces `from` (which must occur exactly once) with `to` in a file.
    pub fn replace(&self, relative: &str, from: &str, to: &str) {
        let text = self.read(relative);
        assert_eq!(
            text.matches(from).count(),
            1,
            "{relative} should hold `{from}` exactly once"
        );
        self.write(relative, &text.replacen(from, to, 1));
    }

    /// Sets an event's (or catalog.yaml's) top-level `version:`.
    pub fn set_version(&self, relative: &str, version: &str) {
        let text = self.read(relative);
        let mut out = String::new();
        let mut done = false;
        for line in text.split_inclusive('\n') {
            if !done && line.starts_with("version:") {
                out.push_str(&format!("version: {version}\n"));
                done = true;
            } else {
                out.push_str(line);
            }
        }
        assert!(done, "{relative} has no top-level version");
        self.write(relative, &out);
    }

    /// Runs `eventcat` in the repository.
    pub fn eventcat(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_eventcat"))
            .args(args)
            .current_dir(self.dir.path())
            .envs(git_env())
            .output()
            .expect("eventcat runs");
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The 1-based line of the first line of `file` that contains `needle`.
    pub fn line_of(&self, relative: &str, needle: &str) -> usize {
        self.read(relative)
            .lines()
            .position(|line| line.contains(needle))
            .unwrap_or_else(|| panic!("{relative} has no `{needle}`"))
            + 1
    }
}

/// git with no user or system configuration, and a fixed identity.
fn git_command(dir: &Path) -> Command {
    let mut command = Command::new("git");
    command.arg("-C").arg(dir).envs(git_env());
    command
}

fn git_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("GIT_CONFIG_GLOBAL", "/dev/null"),
        ("GIT_CONFIG_NOSYSTEM", "1"),
        ("GIT_AUTHOR_NAME", "eventcat tests"),
        ("GIT_AUTHOR_EMAIL", "tests@example.invalid"),
        ("GIT_COMMITTER_NAME", "eventcat tests"),
        ("GIT_COMMITTER_EMAIL", "tests@example.invalid"),
    ]
}

/// Copies a folder's files (recursively).
pub fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("readable");
        let target = to.join(entry.path().strip_prefix(from).expect("below"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("folder");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
