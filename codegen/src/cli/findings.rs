//! Rendering lint findings: miette snippets for people, JSON for machines, GitHub annotations.

use eventcat::compat::report::{escape_data, escape_property};
use eventcat::diagnostics::{Finding, Rule, Severity};
use eventcat::load::LoadedCatalog;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic, NamedSource};

use super::Format;
use super::output::{Output, outln, plural, print_json};

/// Prints findings in `format`: a header line and a source snippet each (human), one JSON
/// document, or a GitHub workflow annotation each. `summary` adds the closing count line
/// (left out with `--quiet` when there is nothing to report).
pub fn print_findings(
    loaded: &LoadedCatalog,
    findings: &[Finding],
    format: Format,
    output: &Output,
) -> std::io::Result<()> {
    let errors = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = findings.len() - errors;
    let files = loaded.sources.len();
    let events = loaded.events.len() + loaded.broken_events.len();
    match format {
        Format::Json => {
            print_json(&serde_json::json!({
                "ok": errors == 0,
                "catalog": loaded.root.to_string_lossy(),
                "files": files,
                "events": events,
                "errors": errors,
                "warnings": warnings,
                "findings": findings,
            }))?;
        }
        Format::Github => {
            for finding in findings {
                let level = match finding.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let message = match &finding.help {
                    Some(help) => format!("{}\n{help}", finding.message),
                    None => finding.message.clone(),
                };
                outln!(
                    "::{level} file={},line={},col={},title={}::{}",
                    escape_property(&finding.file),
                    finding.line.max(1),
                    finding.column.max(1),
                    escape_property(&format!("eventcat lint: {}", finding.rule)),
                    escape_data(&message)
                )?;
            }
            if !(output.quiet && findings.is_empty()) {
                outln!("{}", summary(files, events, errors, warnings))?;
            }
        }
        Format::Human => {
            let theme = if output.color {
                GraphicalTheme::unicode()
            } else {
                GraphicalTheme::unicode_nocolor()
            };
            let handler = GraphicalReportHandler::new_themed(theme);
            for finding in findings {
                outln!("{}", header(finding, output))?;
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
                    outln!("{}", without_message_line(&rendered))?;
                }
            }
            if !(output.quiet && findings.is_empty()) {
                let line = summary(files, events, errors, warnings);
                let line = if errors > 0 {
                    output.red(&line)
                } else {
                    output.green(&line)
                };
                outln!("{line}")?;
            }
        }
    }
    Ok(())
}

/// `path:line:col: error[rule]: message`, the form editors and CI annotators parse; the
/// severity coloured when colour is on.
fn header(finding: &Finding, output: &Output) -> String {
    let severity = match finding.severity {
        Severity::Error => output.red("error"),
        Severity::Warning => output.yellow("warning"),
    };
    format!(
        "{}: {severity}[{}]: {}",
        output.bold(&format!(
            "{}:{}:{}",
            finding.file, finding.line, finding.column
        )),
        finding.rule,
        finding.message
    )
}

/// miette starts its rendering with `× message`; the header line above already says it.
fn without_message_line(rendered: &str) -> &str {
    rendered.split_once('\n').map_or(rendered, |(_, rest)| rest)
}

/// `31 files, 30 events: 1 error, 0 warnings` or `...: no findings`.
fn summary(files: usize, events: usize, errors: usize, warnings: usize) -> String {
    let head = format!("{}, {}", plural(files, "file"), plural(events, "event"));
    if errors + warnings == 0 {
        format!("{head}: no findings")
    } else {
        format!(
            "{head}: {}, {}",
            plural(errors, "error"),
            plural(warnings, "warning")
        )
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

pub fn print_rules(format: Format) -> std::io::Result<()> {
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
            print_json(&serde_json::Value::Array(rules))?;
        }
        Format::Human | Format::Github => {
            for rule in Rule::ALL {
                let severity = match rule.severity() {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                outln!("{:<26} {severity:<8} {}", rule.id(), rule.summary())?;
            }
        }
    }
    Ok(())
}
