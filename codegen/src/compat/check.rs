//! The comparison: the current catalog against the old one (and, in the transitive modes,
//! against every published version of each event), with verdicts, bumps and accepted changes.
//!
//! Per event and per baseline (the old catalog's version, or a published one):
//! 1. diff the two shapes ([`super::diff`]);
//! 2. judge each change under the mode and policy ([`super::mode`]); an `accepted_changes` entry
//!    of the event (or of catalog.yaml, for the envelope) turns a breaking change into a note
//!    that asks only for a minor bump;
//! 3. the baseline passes when the author's bump (old version → new version) is at least the
//!    largest bump a change asks for: a breaking change is fine in a new major version, and only
//!    there (or when accepted).
//!
//! The catalog's own version must then follow the largest bump among its events (a new event
//! counts as minor, a removed one as its verdict asks, catalog documentation as patch).

use std::collections::BTreeSet;

use serde::Serialize;

use super::bump::{self, Bump};
use super::diff::{self, Change, Scope};
use super::kind::ChangeKind;
use super::mode::{self, Mode, Policy, Verdict};
use super::published::{Published, PublishedError};
use super::shape::EventShape;
use super::source::OldCatalog;
use crate::ir::Catalog;
use crate::load::{CATALOG_FILE, LoadedCatalog};
use crate::model::{AcceptedChangeDef, CatalogAcceptedChangeDef, EventDef};

/// How changes are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    pub policy: Policy,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Backward,
            policy: Policy::Strict,
        }
    }
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A compatible change, bumped enough.
    Info,
    /// An accepted change, or something worth knowing.
    Note,
    /// A breaking change the author declared with a major bump.
    Warning,
    /// A change the bump does not cover, or a version problem: fails the check.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in the current catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    /// The file as shown to the user (the catalog folder as given, joined with `relative`).
    pub file: String,
    pub line: u32,
    /// The file relative to the catalog folder.
    #[serde(skip)]
    pub relative: String,
}

/// One change, judged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub kind: ChangeKind,
    pub scope: Scope,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
    pub message: String,
    #[serde(flatten)]
    pub location: Location,
    /// Compatible in each direction under the policy (whatever the mode).
    pub backward: bool,
    pub forward: bool,
    /// The verdict under the mode.
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The bump this change asks for.
    pub required_bump: Bump,
    /// The reason of the `accepted_changes` entry that accepts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
}

/// An event against one baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// `HEAD` (the old catalog) or `published` (a published version's schema).
    pub against: String,
    /// True for a published version checked by a transitive mode.
    pub transitive: bool,
    pub from: String,
    pub to: String,
    /// The author's bump; `None` when the version went down.
    pub bump: Option<Bump>,
    pub required_bump: Bump,
    pub ok: bool,
    /// What is wrong with the bump, when something is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// The changes found. Against the old catalog, the envelope's are reported once for the
    /// whole catalog ([`CatalogResult::findings`]), not here.
    pub findings: Vec<Finding>,
    /// Whether anything changed (the envelope included).
    #[serde(skip)]
    pub changed: bool,
}

/// What happened to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventStatus {
    Added,
    Removed,
    Changed,
    Unchanged,
}

/// One event's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventResult {
    pub event: String,
    pub status: EventStatus,
    /// The event file's `version` line (catalog.yaml for a removed event).
    #[serde(flatten)]
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_version: Option<String>,
    pub comparisons: Vec<Comparison>,
    pub ok: bool,
}

/// The catalog file's own version, and changes of the catalog as a whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogResult {
    #[serde(flatten)]
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_version: Option<String>,
    pub new_version: String,
    pub bump: Option<Bump>,
    pub required_bump: Bump,
    /// What asks for the required bump.
    pub because: Vec<String>,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
    /// Events added and removed, catalog documentation, and the envelope's changes (once, not
    /// once per event).
    pub findings: Vec<Finding>,
}

/// A remark that belongs to no change (an unused accepted change, no published schemas).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub severity: Severity,
    pub message: String,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

/// Everything `eventcat compat` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub against: String,
    pub mode: Mode,
    pub policy: Policy,
    pub ok: bool,
    pub catalog: CatalogResult,
    /// Events added, removed, changed, or failing; unchanged events are only counted.
    pub events: Vec<EventResult>,
    pub unchanged_events: usize,
    pub notes: Vec<Note>,
}

impl Report {
    /// Every finding, the catalog's first.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.catalog.findings.iter().chain(
            self.events
                .iter()
                .flat_map(|e| e.comparisons.iter().flat_map(|c| c.findings.iter())),
        )
    }

    /// The number of errors: failing findings, and failing bumps without a failing finding.
    pub fn error_count(&self) -> usize {
        let findings = self
            .findings()
            .filter(|f| f.severity == Severity::Error)
            .count();
        let bumps = self
            .events
            .iter()
            .flat_map(|e| &e.comparisons)
            .filter(|c| c.problem.is_some())
            .count()
            + usize::from(self.catalog.problem.is_some());
        let notes = self
            .notes
            .iter()
            .filter(|n| n.severity == Severity::Error)
            .count();
        findings + bumps + notes
    }
}

/// The current catalog, as loaded and lowered.
#[derive(Debug, Clone, Copy)]
pub struct Current<'a> {
    pub loaded: &'a LoadedCatalog,
    pub catalog: &'a Catalog,
}

/// Compares `current` with `old` (`None` when the baseline has no catalog yet) and, in the
/// transitive modes, with every version of `published`.
pub fn check(
    current: Current<'_>,
    old: Option<&OldCatalog>,
    against: &str,
    published: &Published,
    options: Options,
) -> Result<Report, PublishedError> {
    let mut run = Run {
        current,
        old,
        against,
        options,
        used: BTreeSet::new(),
        envelope: Vec::new(),
        notes: Vec::new(),
    };
    let new = current.catalog;
    let mut events = Vec::new();
    let mut unchanged = 0;

    // Events of the current catalog.
    for event in new.events.values() {
        let def = run.event_def(&event.name);
        let shape = EventShape::from_ir(new, event, def);
        let location = run.location(&event.source_file, shape.lines.version);
        let old_event = old.and_then(|o| {
            o.catalog.events.get(&event.name).map(|e| {
                let def = o.loaded.events.iter().find(|l| l.def.name.value == e.name);
                (o, e, def.map(|l| &l.def))
            })
        });
        let mut comparisons = Vec::new();
        let status = match old_event {
            Some((old, old_event, old_def)) => {
                let old_shape = EventShape::from_ir(&old.catalog, old_event, old_def);
                let comparison = run.compare(&old_shape, &shape, def, against, false);
                let status = if comparison.changed || comparison.bump != Some(Bump::None) {
                    EventStatus::Changed
                } else {
                    EventStatus::Unchanged
                };
                comparisons.push(comparison);
                status
            }
            None => EventStatus::Added,
        };
        if options.mode.is_transitive() {
            let primary = old_event.map(|(_, e, _)| e.version.clone());
            for version in published.versions(&event.name) {
                if version >= event.version || Some(&version) == primary.as_ref() {
                    continue;
                }
                match published.load(&event.name, &version)? {
                    Some(schema) => match EventShape::from_schema(&event.name, &version, &schema) {
                        Ok(old_shape) => {
                            comparisons.push(run.compare(&old_shape, &shape, def, "published", true));
                        }
                        Err(error) => run.notes.push(Note {
                            severity: Severity::Warning,
                            message: format!(
                                "{} {version}: the published schema cannot be compared: {error}",
                                event.name
                            ),
                            location: None,
                        }),
                    },
                    None => run.notes.push(Note {
                        severity: Severity::Warning,
                        message: format!(
                            "{} {version} is listed in {}/index.json but its file is missing (`eventcat generate --check` reports it)",
                            event.name,
                            published.dir.display()
                        ),
                        location: None,
                    }),
                }
            }
        }
        let ok = comparisons.iter().all(|c| c.ok);
        // An unchanged event that passes is only counted (against older published versions it
        // may still differ: that is history, reported when it fails).
        if status == EventStatus::Unchanged && ok {
            unchanged += 1;
            continue;
        }
        events.push(EventResult {
            event: event.name.clone(),
            status,
            location,
            old_version: old_event.map(|(_, e, _)| e.version.to_string()),
            new_version: Some(event.version.to_string()),
            comparisons,
            ok,
        });
    }

    // The catalog's version, and the events that left it.
    let catalog = run.catalog_result(&mut events);

    let ok = catalog.ok && events.iter().all(|e| e.ok);
    let mut notes = std::mem::take(&mut run.notes);
    notes.extend(run.unused_accepted());
    if options.mode.is_transitive() && !published.dir.is_dir() {
        notes.push(Note {
            severity: Severity::Warning,
            message: format!(
                "no published schemas at `{}`: the transitive mode could only check the previous catalog (pass `--schemas`)",
                published.dir.display()
            ),
            location: None,
        });
    }
    let ok = ok && !notes.iter().any(|n| n.severity == Severity::Error);
    events.sort_by(|a, b| a.event.cmp(&b.event));
    Ok(Report {
        against: against.to_owned(),
        mode: options.mode,
        policy: options.policy,
        ok,
        catalog,
        events,
        unchanged_events: unchanged,
        notes,
    })
}

/// State of one comparison run.
struct Run<'a> {
    current: Current<'a>,
    old: Option<&'a OldCatalog>,
    against: &'a str,
    options: Options,
    /// Accepted entries that matched a change: (file, line).
    used: BTreeSet<(String, u32)>,
    /// Envelope findings met in event comparisons, by event (reported once, at catalog level).
    envelope: Vec<(String, Finding)>,
    notes: Vec<Note>,
}

impl<'a> Run<'a> {
    fn event_def(&self, name: &str) -> Option<&'a EventDef> {
        self.current
            .loaded
            .events
            .iter()
            .find(|e| e.def.name.value == name)
            .map(|e| &e.def)
    }

    fn catalog_accepted(&self) -> &'a [CatalogAcceptedChangeDef] {
        self.current
            .loaded
            .catalog
            .as_ref()
            .map_or(&[], |(_, def)| def.accepted_changes.as_slice())
    }

    fn location(&self, relative: &str, line: u32) -> Location {
        let file = self
            .current
            .loaded
            .root
            .join(relative)
            .to_string_lossy()
            .replace('\\', "/");
        Location {
            file,
            line,
            relative: relative.to_owned(),
        }
    }

    fn catalog_line(&self) -> u32 {
        self.current
            .loaded
            .catalog
            .as_ref()
            .map_or(0, |(_, def)| def.version.pos.line)
    }

    /// The entry accepting `change`, if any, marked as used.
    fn accept(&mut self, change: &Change, event: Option<&'a EventDef>) -> Option<String> {
        let property = change.property.as_deref();
        let found = match change.scope {
            Scope::Event | Scope::Property => event.and_then(|def| {
                def.accepted_changes
                    .iter()
                    .find(|e: &&AcceptedChangeDef| {
                        e.kind.value == change.kind
                            && e.property.as_ref().map(|p| p.value.as_str()) == property
                    })
                    .map(|e| {
                        let file = self.event_file(&def.name);
                        (file, e.kind.pos.line, e.reason.value.clone())
                    })
            }),
            Scope::Envelope | Scope::Catalog => {
                let envelope = change.scope == Scope::Envelope;
                self.catalog_accepted()
                    .iter()
                    .find(|e| {
                        e.kind.value == change.kind
                            && if envelope {
                                e.event.is_none()
                                    && e.property.as_ref().map(|p| p.value.as_str()) == property
                            } else {
                                e.event.as_ref().map(|p| p.value.as_str()) == property
                            }
                    })
                    .map(|e| {
                        (
                            CATALOG_FILE.to_owned(),
                            e.kind.pos.line,
                            e.reason.value.clone(),
                        )
                    })
            }
        };
        found.map(|(file, line, reason)| {
            self.used.insert((file, line));
            reason
        })
    }

    fn event_file(&self, name: &str) -> String {
        self.current
            .catalog
            .events
            .get(name)
            .map_or_else(String::new, |e| e.source_file.clone())
    }

    /// A change, judged under the options; `bump` is the author's (None: the version went down).
    fn judge(
        &mut self,
        change: &Change,
        event: Option<&str>,
        def: Option<&'a EventDef>,
        bump: Option<Bump>,
    ) -> Finding {
        let options = self.options;
        let verdict = mode::verdict(
            change.kind,
            options.mode,
            options.policy,
            change.was_optional,
        );
        let accepted = self.accept(change, def);
        let mut required = mode::required_bump(change.kind, &verdict);
        if accepted.is_some() && required == Bump::Major {
            required = Bump::Minor;
        }
        let severity = if bump.is_none_or(|b| b < required) {
            Severity::Error
        } else if accepted.is_some() {
            Severity::Note
        } else if !verdict.is_compatible() {
            Severity::Warning
        } else {
            Severity::Info
        };
        let (relative, line) = match change.scope {
            Scope::Envelope | Scope::Catalog => (CATALOG_FILE.to_owned(), change.line),
            _ => (
                event.map(|e| self.event_file(e)).unwrap_or_default(),
                change.line,
            ),
        };
        let line = if line == 0 && relative == CATALOG_FILE {
            self.catalog_line()
        } else {
            line
        };
        Finding {
            severity,
            kind: change.kind,
            scope: change.scope,
            event: event.map(str::to_owned),
            property: change.property.clone(),
            message: change.message.clone(),
            location: self.location(&relative, line),
            backward: mode::compatible(
                change.kind,
                options.policy,
                mode::Direction::Backward,
                change.was_optional,
            ),
            forward: mode::compatible(
                change.kind,
                options.policy,
                mode::Direction::Forward,
                change.was_optional,
            ),
            verdict,
            required_bump: required,
            accepted,
        }
    }

    /// One event against one baseline.
    fn compare(
        &mut self,
        old: &EventShape,
        new: &EventShape,
        def: Option<&'a EventDef>,
        against: &str,
        transitive: bool,
    ) -> Comparison {
        let bump = bump::between(&old.version, &new.version).ok();
        let mut findings = Vec::new();
        for change in diff::diff_events(old, new) {
            let finding = self.judge(&change, Some(&new.name), def, bump);
            if change.scope == Scope::Envelope && !transitive {
                self.envelope.push((new.name.clone(), finding.clone()));
            }
            findings.push(finding);
        }
        let required = findings
            .iter()
            .map(|f| f.required_bump)
            .max()
            .unwrap_or(Bump::None);
        let problem = match bump {
            None => Some(format!(
                "{}: the version went down ({} → {}); versions only go up",
                new.name, old.version, new.version
            )),
            Some(made) if made < required => {
                let demanding: Vec<String> = findings
                    .iter()
                    .filter(|f| f.required_bump == required)
                    .map(|f| match &f.property {
                        Some(p) => format!("{} (`{p}`)", f.kind),
                        None => f.kind.to_string(),
                    })
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                let made_text = if made == Bump::None {
                    format!("{} did not change", new.version)
                } else {
                    format!("{} → {} is {}", old.version, new.version, made.phrase())
                };
                let escape = if required == Bump::Major {
                    ", or accept an intended break with an `accepted_changes` entry"
                } else {
                    ""
                };
                let baseline = if transitive {
                    format!("published {}", old.version)
                } else {
                    format!("{} at {against}", old.version)
                };
                Some(format!(
                    "{}: {made_text}, but its changes against {baseline} require {}: {}; bump to {} or higher{escape}",
                    new.name,
                    required.phrase(),
                    demanding.join(", "),
                    required.apply(&old.version)
                ))
            }
            Some(_) => None,
        };
        let changed = !findings.is_empty();
        if !transitive {
            findings.retain(|f| f.scope != Scope::Envelope);
        }
        findings.sort_by_key(|f| (f.location.line, f.kind));
        Comparison {
            against: against.to_owned(),
            transitive,
            from: old.version.to_string(),
            to: new.version.to_string(),
            bump,
            required_bump: required,
            ok: problem.is_none(),
            problem,
            findings,
            changed,
        }
    }

    /// The catalog's version, events added and removed, catalog documentation, and the envelope.
    fn catalog_result(&mut self, events: &mut Vec<EventResult>) -> CatalogResult {
        let new = self.current.catalog;
        let location = self.location(CATALOG_FILE, self.catalog_line());
        let mut findings = Vec::new();
        let mut contributions: Vec<(Bump, String)> = Vec::new();

        let Some(old) = self.old else {
            return CatalogResult {
                location,
                old_version: None,
                new_version: new.version.to_string(),
                bump: None,
                required_bump: Bump::None,
                because: vec![format!(
                    "no catalog at {}: every event is new",
                    self.against
                )],
                ok: true,
                problem: None,
                findings,
            };
        };
        let made = bump::between(&old.catalog.version, &new.version).ok();

        // Events added and removed.
        for event in events.iter() {
            if event.status == EventStatus::Added {
                let change = Change {
                    kind: ChangeKind::EventAdded,
                    scope: Scope::Catalog,
                    property: Some(event.event.clone()),
                    message: format!(
                        "event `{}` ({}) was added",
                        event.event,
                        event.new_version.as_deref().unwrap_or("?")
                    ),
                    was_optional: true,
                    line: event.location.line,
                };
                let mut finding = self.judge(&change, Some(&event.event), None, made);
                finding.location = event.location.clone();
                contributions.push((finding.required_bump, format!("{} added", event.event)));
                findings.push(finding);
            }
        }
        for (name, old_event) in &old.catalog.events {
            if new.events.contains_key(name) {
                continue;
            }
            let change = Change {
                kind: ChangeKind::EventRemoved,
                scope: Scope::Catalog,
                property: Some(name.clone()),
                message: format!(
                    "event `{name}` ({}, was {}) was removed; its published schemas stay",
                    old_event.version,
                    old.file(&old_event.source_file)
                ),
                was_optional: true,
                line: 0,
            };
            let finding = self.judge(&change, Some(name), None, made);
            contributions.push((finding.required_bump, format!("{name} removed")));
            events.push(EventResult {
                event: name.clone(),
                status: EventStatus::Removed,
                location: finding.location.clone(),
                old_version: Some(old_event.version.to_string()),
                new_version: None,
                comparisons: Vec::new(),
                ok: true,
            });
            findings.push(finding);
        }

        // The events' own bumps: the catalog follows the largest.
        for event in events.iter() {
            if let Some(Some(b)) = event
                .comparisons
                .iter()
                .find(|c| !c.transitive)
                .map(|c| c.bump)
                && b > Bump::None
            {
                contributions.push((
                    b,
                    format!(
                        "{} {} → {}",
                        event.event,
                        event.old_version.as_deref().unwrap_or("?"),
                        event.new_version.as_deref().unwrap_or("?")
                    ),
                ));
            }
        }

        // Catalog documentation.
        for (message, line) in catalog_docs(&old.catalog, new, self.current.loaded) {
            let change = Change {
                kind: ChangeKind::DescriptionChanged,
                scope: Scope::Catalog,
                property: None,
                message,
                was_optional: true,
                line,
            };
            let finding = self.judge(&change, None, None, made);
            contributions.push((finding.required_bump, finding.message.clone()));
            findings.push(finding);
        }

        // The envelope, once: the worst severity among the events it touches.
        let mut envelope: Vec<(Finding, Vec<String>)> = Vec::new();
        for (event, finding) in std::mem::take(&mut self.envelope) {
            let key = |f: &Finding| (f.kind, f.property.clone(), f.message.clone());
            match envelope.iter_mut().find(|(f, _)| key(f) == key(&finding)) {
                Some((existing, names)) => {
                    existing.severity = existing.severity.max(finding.severity);
                    names.push(event);
                }
                None => envelope.push((finding, vec![event])),
            }
        }
        for (mut finding, names) in envelope {
            finding.event = None;
            finding.message = format!(
                "{} (in every event's schema: {} event(s) affected)",
                finding.message,
                names.len()
            );
            findings.push(finding);
        }

        let required = contributions
            .iter()
            .map(|(b, _)| *b)
            .max()
            .unwrap_or(Bump::None);
        let because: Vec<String> = contributions
            .iter()
            .filter(|(b, _)| *b == required && required > Bump::None)
            .map(|(b, why)| format!("{why} ({b})"))
            .collect();
        let problem = match made {
            None => Some(format!(
                "the catalog's version went down ({} → {}); versions only go up",
                old.catalog.version, new.version
            )),
            Some(made) if made < required => Some(format!(
                "the catalog's version must follow the largest bump among its events: {} → {} is {}, but {} requires {}; bump to {} or higher",
                old.catalog.version,
                new.version,
                made.phrase(),
                because.join(", "),
                required.phrase(),
                required.apply(&old.catalog.version)
            )),
            Some(_) => None,
        };
        CatalogResult {
            location,
            old_version: Some(old.catalog.version.to_string()),
            new_version: new.version.to_string(),
            bump: made,
            required_bump: required,
            because,
            ok: problem.is_none(),
            problem,
            findings,
        }
    }

    /// Accepted entries that matched no change: worth removing once no published version needs
    /// them, or a typo.
    fn unused_accepted(&self) -> Vec<Note> {
        let mut notes = Vec::new();
        for loaded in &self.current.loaded.events {
            let file = self.event_file(&loaded.def.name);
            for entry in &loaded.def.accepted_changes {
                if !self.used.contains(&(file.clone(), entry.kind.pos.line)) {
                    notes.push(Note {
                        severity: Severity::Note,
                        message: format!(
                            "{}: accepted change {}{} matches no change against {}",
                            loaded.def.name.value,
                            entry.kind.value,
                            entry
                                .property
                                .as_ref()
                                .map(|p| format!(" of `{}`", p.value))
                                .unwrap_or_default(),
                            self.against
                        ),
                        location: Some(self.location(&file, entry.kind.pos.line)),
                    });
                }
            }
        }
        for entry in self.catalog_accepted() {
            if !self
                .used
                .contains(&(CATALOG_FILE.to_owned(), entry.kind.pos.line))
            {
                notes.push(Note {
                    severity: Severity::Note,
                    message: format!(
                        "accepted change {}{} matches no change against {}",
                        entry.kind.value,
                        entry
                            .property
                            .as_ref()
                            .or(entry.event.as_ref())
                            .map(|p| format!(" of `{}`", p.value))
                            .unwrap_or_default(),
                        self.against
                    ),
                    location: Some(self.location(CATALOG_FILE, entry.kind.pos.line)),
                });
            }
        }
        notes
    }
}

/// Documentation of the catalog as a whole that changed, as (message, line) pairs.
fn catalog_docs(old: &Catalog, new: &Catalog, loaded: &LoadedCatalog) -> Vec<(String, u32)> {
    let def = loaded.catalog.as_ref().map(|(_, def)| def);
    let line = |pick: fn(&crate::model::CatalogDef) -> u32| def.map_or(0, pick);
    let mut changes = Vec::new();
    if old.title != new.title {
        changes.push((
            "the catalog's title changed".to_owned(),
            line(|d| d.title.pos.line),
        ));
    }
    if old.description != new.description {
        changes.push((
            "the catalog's description changed".to_owned(),
            line(|d| d.description.pos.line),
        ));
    }
    if old.privacy != new.privacy {
        changes.push((
            "the privacy principles changed".to_owned(),
            line(|d| d.privacy.first().map_or(d.version.pos.line, |p| p.pos.line)),
        ));
    }
    if old.envelope.description != new.envelope.description {
        changes.push((
            "the envelope's description changed".to_owned(),
            line(|d| d.envelope.description.pos.line),
        ));
    }
    // Titles, descriptions and rationales of categories and groups, one text each.
    let docs = |c: &Catalog| -> Vec<String> {
        c.categories
            .iter()
            .flat_map(|cat| {
                let category = format!(
                    "{}\u{0}{}\u{0}{}\u{0}{:?}",
                    cat.id, cat.title, cat.description, cat.retention_rationale
                );
                std::iter::once(category).chain(cat.groups.iter().map(move |g| {
                    format!(
                        "{}/{}\u{0}{}\u{0}{:?}",
                        cat.id, g.id, g.title, g.retention_rationale
                    )
                }))
            })
            .collect()
    };
    if docs(old) != docs(new) {
        changes.push((
            "category or group documentation changed".to_owned(),
            line(|d| d.version.pos.line),
        ));
    }
    let policies = |c: &Catalog| -> Vec<(String, String)> {
        c.retention_policies
            .values()
            .map(|p| (p.id.clone(), p.description.clone()))
            .collect()
    };
    if policies(old) != policies(new) {
        changes.push((
            "retention policy documentation changed".to_owned(),
            line(|d| d.version.pos.line),
        ));
    }
    changes
}

/// Published versions that changed since `rev`: every version file published there must still be
/// on disk with the same contract (only the generated-by notice may differ). `at_rev` holds the
/// files at the revision ([`super::source::published_at`]).
pub fn published_changes(
    at_rev: &[(String, Vec<u8>)],
    published: &Published,
    rev: &str,
) -> Vec<Note> {
    let mut notes = Vec::new();
    for (relative, contents) in at_rev {
        let path = published.dir.join(relative);
        let shown = path.to_string_lossy().replace('\\', "/");
        let then: Option<serde_json::Value> = serde_json::from_slice(contents).ok();
        let now: Option<serde_json::Value> = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok());
        let problem = match (then, now) {
            (_, None) if !path.is_file() => Some("was deleted"),
            (Some(then), Some(now)) if super::published::same_contract(&then, &now) => None,
            (None, _) => None, // not JSON at the revision: nothing to hold it to
            _ => Some("was changed"),
        };
        if let Some(problem) = problem {
            notes.push(Note {
                severity: Severity::Error,
                message: format!(
                    "{shown}: published at {rev}, and {problem} since; published versions are immutable: restore it (`git checkout {rev} -- {shown}`) and bump the event's version instead"
                ),
                location: None,
            });
        }
    }
    notes
}
