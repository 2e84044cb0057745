//! Rendering findings: miette snippets for people, JSON for machines.

use std::io::IsTerminal;

use eventcat::diagnostics::{Finding, Rule, Severity};
use eventcat::load::LoadedCatalog;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use crate::Format;

pub fn print_findings(loaded: &LoadedCatalog, findings: &[Finding], format: Format) {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    match format {
        Format::Json => {
            let document = serde_json::json!({
                "catalog": loaded.root.to_string_lossy(),
                "files": loaded.sources.len(),
                "events": loaded.events.len(),
                "errors": errors,
                "warnings": warnings,
                "findings": findings,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&document).expect("findings serialize")
            );
        }
        Format::Human => {
            let theme = if std::io::stdout().is_terminal() {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let handler = GraphicalReportHandler::new_themed(theme);
            for finding in findings {
                println!("{finding}");
                let mut rendered = String::new();
                let diagnostic = to_diagnostic(finding);
                let source = loaded.sources.iter().find(|s| s.display == finding.file);
                let result = match source {
                    Some(source) => {
                        let diagnostic = labelled(diagnostic, &source.text, finding);
                        let with_source = miette::Report::new(diagnostic)
                            .with_source_code(NamedSource::new(&finding.file, source.text.clone()));
                        handler.render_report(&mut rendered, with_source.as_ref())
                    }
                    None => handler.render_report(&mut rendered, &diagnostic),
                };
                if result.is_ok() {
                    println!("{rendered}");
                }
            }
            let files = loaded.sources.len();
            let events = loaded.events.len();
            if findings.is_empty() {
                println!("{files} files, {events} events: no findings");
            } else {
                println!("{files} files, {events} events: {errors} errors, {warnings} warnings");
            }
        }
    }
}

fn to_diagnostic(finding: &Finding) -> MietteDiagnostic {
    let severity = match finding.severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
    };
    // No `with_code`: the one-line header printed above already names the rule.
    let mut diagnostic = MietteDiagnostic::new(finding.message.clone()).with_severity(severity);
    if let Some(help) = &finding.help {
        diagnostic = diagnostic.with_help(help.clone());
    }
    diagnostic
}

/// Puts a label under the offending token of `text`.
fn labelled(diagnostic: MietteDiagnostic, text: &str, finding: &Finding) -> MietteDiagnostic {
    let offset = finding.pos().byte_offset(text).min(text.len());
    let token = token_len(&text[offset..]);
    diagnostic.with_label(LabeledSpan::at(offset..offset + token, "here"))
}

/// Length of the YAML token starting at `rest`: up to a delimiter or the end of the line.
fn token_len(rest: &str) -> usize {
    let end = rest
        .char_indices()
        .find(|(_, c)| matches!(c, '\n' | '\r' | ',' | ']' | '}') || *c == ':')
        .map_or(rest.len(), |(i, _)| i);
    rest[..end].trim_end().len().max(1).min(rest.len())
}

pub fn print_rules(format: Format) {
    match format {
        Format::Json => {
            let rules: Vec<_> = Rule::ALL
                .iter()
                .map(|rule| {
                    serde_json::json!({
                        "id": rule.id(),
                        "severity": rule.severity(),
                        "summary": rule.summary(),
                    })
                })
                .collect();
            println!(
                "{}",
                serde_json::to_string_pretty(&rules).expect("rules serialize")
            );
        }
        Format::Human => {
            for rule in Rule::ALL {
                let severity = match rule.severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                println!("{:<26} {severity:<8} {}", rule.id(), rule.summary());
            }
        }
    }
}

pub fn print_generate(
    out: &std::path::Path,
    outcome: &eventcat::generate::Report,
    mode: eventcat::generate::Mode,
    format: Format,
) {
    match format {
        Format::Json => {
            let document = serde_json::json!({
                "out": out.to_string_lossy(),
                "check": mode == eventcat::generate::Mode::Check,
                "current": outcome.is_current(),
                "written": outcome.written,
                "unchanged": outcome.unchanged.len(),
                "stale": outcome.stale,
                "missing": outcome.missing,
            });
            println!(
                "{}",
                serde_json::to_string_pretty(&document).expect("report serializes")
            );
        }
        Format::Human => {
            let out = out.display();
            for path in &outcome.written {
                println!("wrote {out}/{path}");
            }
            for path in &outcome.stale {
                println!("stale: {out}/{path}");
            }
            for path in &outcome.missing {
                println!("missing: {out}/{path}");
            }
            let unchanged = outcome.unchanged.len();
            if mode == eventcat::generate::Mode::Check {
                if outcome.is_current() {
                    println!("{out}: all {unchanged} files are current");
                } else {
                    println!(
                        "{out}: {} stale, {} missing; run `cargo run -p eventcat -- generate` and commit the result",
                        outcome.stale.len(),
                        outcome.missing.len()
                    );
                }
            } else {
                println!(
                    "{out}: {} written, {unchanged} unchanged",
                    outcome.written.len()
                );
            }
        }
    }
}
