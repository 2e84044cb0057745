//! Renderings of a [`Report`]: for people (`human`), for machines (`json`), and for GitHub
//! Actions (`github`: workflow-command annotations `::error file=...,line=...::message`, which
//! GitHub shows on the pull request's diff at the YAML line).

use std::fmt::Write as _;
use std::str::FromStr;

use super::bump::Bump;
use super::check::{Comparison, EventStatus, Finding, Location, Report, Severity};
use super::mode::{Mode, Verdict};
use super::source::RepoPath;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Github,
}

impl Format {
    pub const NAMES: &'static [&'static str] = &["human", "json", "github"];
}

impl FromStr for Format {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "human" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "github" => Ok(Format::Github),
            _ => Err(format!("unknown format `{text}`")),
        }
    }
}

/// Renders `report`. `repo` is where the catalog folder is in its repository (GitHub wants
/// paths relative to the repository's root).
pub fn render(report: &Report, format: Format, repo: Option<&RepoPath>) -> String {
    match format {
        Format::Human => human(report),
        Format::Json => json(report),
        Format::Github => github(report, repo),
    }
}

fn json(report: &Report) -> String {
    let mut value = serde_json::to_value(report).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("errors".into(), report.error_count().into());
    }
    format!("{value:#}\n")
}

/// `file:line: severity[KIND]: event: message (verdict; requires a bump)`.
fn finding_line(finding: &Finding, mode: Mode) -> String {
    let mut line = format!(
        "{}: {}[{}]: ",
        place(&finding.location),
        finding.severity.as_str(),
        finding.kind
    );
    if let Some(event) = &finding.event {
        let _ = write!(line, "{event}: ");
    }
    let _ = write!(
        line,
        "{} ({}; requires {}",
        finding.message,
        verdict_text(&finding.verdict, mode),
        finding.required_bump.phrase()
    );
    if let Some(reason) = &finding.accepted {
        let _ = write!(line, "; accepted: {reason}");
    } else if finding.severity == Severity::Warning {
        line.push_str("; allowed by the major bump");
    }
    line.push(')');
    line
}

fn verdict_text(verdict: &Verdict, mode: Mode) -> String {
    match verdict {
        Verdict::Compatible if mode == Mode::None => "mode none".into(),
        Verdict::Compatible => format!("compatible under {mode}"),
        Verdict::Incompatible(directions) => {
            let names: Vec<&str> = directions.iter().map(|d| d.as_str()).collect();
            format!("breaks {} compatibility", names.join(" and "))
        }
    }
}

fn place(location: &Location) -> String {
    format!("{}:{}", location.file, location.line)
}

fn bump_text(comparison: &Comparison) -> String {
    match comparison.bump {
        Some(Bump::None) => "no bump".into(),
        Some(bump) => bump.phrase().into(),
        None => "version went down".into(),
    }
}

fn human(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "eventcat compat against {} (mode {}, policy {})",
        report.against, report.mode, report.policy
    );
    let catalog = &report.catalog;
    if !catalog.findings.is_empty() || catalog.problem.is_some() {
        out.push('\n');
        let _ = writeln!(
            out,
            "catalog {} → {} ({}; requires {})",
            catalog.old_version.as_deref().unwrap_or("(none)"),
            catalog.new_version,
            catalog.bump.map_or("version went down", |b| b.phrase()),
            catalog.required_bump.phrase()
        );
        for finding in &catalog.findings {
            let _ = writeln!(out, "  {}", finding_line(finding, report.mode));
        }
        if let Some(problem) = &catalog.problem {
            let _ = writeln!(out, "  {}: error: {problem}", place(&catalog.location));
        }
    }
    for event in &report.events {
        if event.status == EventStatus::Removed {
            continue; // listed with the catalog
        }
        out.push('\n');
        match (&event.old_version, &event.new_version) {
            (Some(old), Some(new)) => {
                let primary = event.comparisons.iter().find(|c| !c.transitive);
                let _ = writeln!(
                    out,
                    "{} {old} → {new} ({}; requires {})",
                    event.event,
                    primary.map_or_else(String::new, bump_text),
                    primary.map_or("nothing", |c| c.required_bump.phrase())
                );
            }
            (None, Some(new)) => {
                let _ = writeln!(out, "{} {new} (new)", event.event);
            }
            _ => {}
        }
        for comparison in &event.comparisons {
            if comparison.transitive {
                // Against older published versions, show only what fails there (breaks across
                // a major bump are expected; `--format json` has everything).
                let shown: Vec<&Finding> = comparison
                    .findings
                    .iter()
                    .filter(|f| f.severity == Severity::Error)
                    .collect();
                if shown.is_empty() && comparison.problem.is_none() {
                    continue;
                }
                let _ = writeln!(
                    out,
                    "  against published {} ({}; requires {}):",
                    comparison.from,
                    bump_text(comparison),
                    comparison.required_bump.phrase()
                );
                for finding in shown {
                    let _ = writeln!(out, "    {}", finding_line(finding, report.mode));
                }
                if let Some(problem) = &comparison.problem {
                    let _ = writeln!(out, "    {}: error: {problem}", place(&event.location));
                }
            } else {
                for finding in &comparison.findings {
                    let _ = writeln!(out, "  {}", finding_line(finding, report.mode));
                }
                if let Some(problem) = &comparison.problem {
                    let _ = writeln!(out, "  {}: error: {problem}", place(&event.location));
                }
            }
        }
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for note in &report.notes {
            match &note.location {
                Some(location) => {
                    let _ = writeln!(
                        out,
                        "{}: {}: {}",
                        place(location),
                        note.severity.as_str(),
                        note.message
                    );
                }
                None => {
                    let _ = writeln!(out, "{}: {}", note.severity.as_str(), note.message);
                }
            }
        }
    }
    out.push('\n');
    out.push_str(&summary(report));
    out.push('\n');
    out
}

fn summary(report: &Report) -> String {
    let count = |status| report.events.iter().filter(|e| e.status == status).count();
    let errors = report.error_count();
    let verdict = if report.ok {
        "compatible, and every bump is right".to_owned()
    } else {
        format!("FAILED with {errors} error(s)")
    };
    format!(
        "compat: {verdict}: {} changed, {} added, {} removed, {} unchanged event(s)",
        count(EventStatus::Changed),
        count(EventStatus::Added),
        count(EventStatus::Removed),
        report.unchanged_events
    )
}

fn github(report: &Report, repo: Option<&RepoPath>) -> String {
    let file = |location: &Location| match repo {
        Some(repo) => repo.join(&location.relative),
        None => location.file.clone(),
    };
    let mut out = String::new();
    let mut annotate = |level: &str, location: &Location, title: &str, message: &str| {
        let _ = writeln!(
            out,
            "::{level} file={},line={},title={}::{}",
            escape_property(&file(location)),
            location.line.max(1),
            escape_property(title),
            escape_data(message)
        );
    };
    let level = |severity: Severity| match severity {
        Severity::Error => Some("error"),
        Severity::Warning => Some("warning"),
        Severity::Note => Some("notice"),
        Severity::Info => None,
    };
    let mut plain = Vec::new();
    let mut finding = |finding: &Finding, against: &str| {
        let text = finding_line(finding, report.mode);
        // Strip the leading `file:line: severity[KIND]: ` (the annotation carries them).
        let message = text
            .split_once("]: ")
            .map_or(text.as_str(), |(_, rest)| rest)
            .to_owned();
        match level(finding.severity) {
            Some(level) => annotate(
                level,
                &finding.location,
                &format!("eventcat compat: {} (against {against})", finding.kind),
                &message,
            ),
            None => plain.push(text),
        }
    };
    for f in &report.catalog.findings {
        finding(f, &report.against);
    }
    for event in &report.events {
        for comparison in &event.comparisons {
            let against = if comparison.transitive {
                format!("published {}", comparison.from)
            } else {
                report.against.clone()
            };
            for f in &comparison.findings {
                // Against older published versions, only what fails.
                if !comparison.transitive || f.severity == Severity::Error {
                    finding(f, &against);
                }
            }
        }
    }
    for event in &report.events {
        for comparison in &event.comparisons {
            if let Some(problem) = &comparison.problem {
                annotate(
                    "error",
                    &event.location,
                    &format!("eventcat compat: {} version", event.event),
                    problem,
                );
            }
        }
    }
    if let Some(problem) = &report.catalog.problem {
        annotate(
            "error",
            &report.catalog.location,
            "eventcat compat: catalog version",
            problem,
        );
    }
    for note in &report.notes {
        match (&note.location, level(note.severity)) {
            (Some(location), Some(level)) => {
                annotate(level, location, "eventcat compat", &note.message);
            }
            (_, level) => plain.push(format!("{}: {}", level.unwrap_or("info"), note.message)),
        }
    }
    for line in plain {
        out.push_str(&line);
        out.push('\n');
    }
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// Escapes a workflow command's message.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped() {
        assert_eq!(escape_data("a%b\nc"), "a%25b%0Ac");
        assert_eq!(escape_property("x: a,b"), "x%3A a%2Cb");
    }
}
