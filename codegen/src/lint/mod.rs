//! Lint: every rule the catalog must follow beyond what serde's shape checks catch.
//!
//! `lint` never stops early: it walks the whole catalog and returns every finding, sorted by file
//! and position. Rules are grouped by what they look at: the catalog file ([`catalog`]), event
//! files ([`event`]) and the properties both contain ([`property`]).

mod accepted;
mod catalog;
mod collisions;
mod event;

mod property;

use crate::diagnostics::{self, Finding, Rule};
use crate::load::LoadedCatalog;
use crate::span::Pos;

pub use crate::names::{is_event_name, is_snake_case};
pub use catalog::environment_values;

/// All findings for a loaded catalog: the loader's (syntax, unknown keys) and the rules'.
pub fn lint(loaded: &LoadedCatalog) -> Vec<Finding> {
    let mut out = Findings::default();
    out.all.extend(loaded.findings.iter().cloned());
    if let Some((index, catalog)) = &loaded.catalog {
        catalog::check(&mut out, &loaded.source(*index).display, catalog);
    }
    event::check_all(&mut out, loaded);
    collisions::check(&mut out, loaded);
    let mut all = out.all;
    diagnostics::sort(&mut all);
    all
}

/// The findings collected so far.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    all: Vec<Finding>,
}

impl Findings {
    pub(crate) fn push(&mut self, rule: Rule, file: &str, pos: Pos, message: impl Into<String>) {
        self.all.push(Finding::new(rule, file, pos, message));
    }

    pub(crate) fn push_help(
        &mut self,
        rule: Rule,
        file: &str,
        pos: Pos,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        self.all
            .push(Finding::new(rule, file, pos, message).with_help(help));
    }

    /// `empty-description` when `text` is blank.
    pub(crate) fn non_empty(&mut self, file: &str, what: &str, text: &crate::span::Sp<String>) {
        if text.trim().is_empty() {
            self.push(
                Rule::EmptyDescription,
                file,
                text.pos,
                format!("{what} is empty"),
            );
        }
    }

    /// `property-name-format` when `name` is not snake_case; `what` names it in the message
    /// (`property name`, `group id`, ...), and the help suggests the snake_case spelling.
    pub(crate) fn snake_case(&mut self, file: &str, what: &str, name: &crate::span::Sp<String>) {
        if !is_snake_case(name) {
            self.push_help(
                Rule::PropertyNameFormat,
                file,
                name.pos,
                format!("{what} `{}` is not snake_case", name.value),
                format!(
                    "rename it to `{}`",
                    heck::ToSnakeCase::to_snake_case(name.value.as_str())
                ),
            );
        }
    }

    /// `invalid-version` when `text` is not a semantic version.
    pub(crate) fn semver(&mut self, file: &str, what: &str, text: &crate::span::Sp<String>) {
        if let Err(error) = semver::Version::parse(text) {
            self.push_help(
                Rule::InvalidVersion,
                file,
                text.pos,
                format!("{what} `{}` is not a semantic version: {error}", text.value),
                "write MAJOR.MINOR.PATCH, e.g. 1.0.0",
            );
        }
    }
}
