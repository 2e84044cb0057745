//! The catalog as one Markdown page, `docs/catalog.md`, laid out like the source document it was
//! refined from, so the YAML stays the only place anyone edits and the docs cannot drift from it.
//!
//! Every piece of catalog text goes through [`super::text`]: the page must render as written on
//! GitHub (a GFM renderer) and in any CommonMark renderer, whatever the YAML holds. Values that
//! are identifiers (event names, enum values, policy ids) are code spans; prose is escaped text.
//!
//! The table of contents links to headings by the anchors GitHub generates, so the page carries no
//! HTML of its own (no `<a id>`): the anchors are computed here with GitHub's algorithm, over every
//! heading in document order, which is why the body is rendered before the contents that precede
//! it.

use std::collections::{BTreeSet, HashMap};

use super::OutputFile;
use super::text::{
    html_comment, markdown_code, markdown_heading, markdown_inline, markdown_table_code,
};
use crate::ir::{Catalog, Category, EnvelopeRole, Event, Field, FieldType, StringRules};

/// Where the page goes, relative to the output folder.
pub const PATH: &str = "docs/catalog.md";

const PROPERTY_COLUMNS: [&str; 8] = [
    "Property",
    "Type",
    "Required",
    "Nullable",
    "Unit",
    "Values / range",
    "PII",
    "Description",
];

/// The files this emitter writes.
pub fn files(catalog: &Catalog) -> Vec<OutputFile> {
    vec![OutputFile::new(PATH, render(catalog))]
}

/// The whole page.
pub fn render(catalog: &Catalog) -> String {
    let mut page = Page::default();

    // Headings before the contents take their anchors first, as GitHub numbers duplicates in
    // document order.
    page.slugs.slug(&heading_text(&catalog.title));
    page.slugs.slug(CONTENTS);

    let mut toc = Vec::new();
    page.categories_overview_and_sections(catalog, &mut toc);
    page.orphans(catalog, &mut toc);
    page.envelope(catalog, &mut toc);
    page.retention_policies(catalog, &mut toc);
    page.privacy(catalog, &mut toc);

    let mut out = String::new();
    out.push_str(&format!(
        "<!-- {} -->\n\n",
        html_comment(&super::generated_notice(catalog))
    ));
    out.push_str(&format!("# {}\n\n", markdown_heading(&catalog.title)));
    if !catalog.description.trim().is_empty() {
        out.push_str(&format!("{}\n\n", markdown_inline(&catalog.description)));
    }
    out.push_str(&format!(
        "**Version:** {} · {} in {}\n\n",
        catalog.version,
        count(catalog.events.len(), "event", "events"),
        count(catalog.categories.len(), "category", "categories"),
    ));
    out.push_str(
        "*Generated from the YAML catalog by eventcat: edit the catalog, not this page.*\n\n",
    );
    out.push_str(&format!("## {CONTENTS}\n\n"));
    write_toc(&mut out, &toc, 0);
    out.push('\n');
    out.push_str(&page.out);
    // One trailing newline, whatever the last section ended with.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    out
}

const CONTENTS: &str = "Contents";

/// An entry of the table of contents: its link text (Markdown) and the heading's anchor.
struct TocEntry {
    label: String,
    anchor: String,
    children: Vec<TocEntry>,
}

fn write_toc(out: &mut String, entries: &[TocEntry], depth: usize) {
    for entry in entries {
        let indent = "  ".repeat(depth);
        // An empty anchor (a heading with no letters or digits) would link to the page's top.
        if entry.anchor.is_empty() {
            out.push_str(&format!("{indent}- {}\n", entry.label));
        } else {
            out.push_str(&format!("{indent}- [{}](#{})\n", entry.label, entry.anchor));
        }
        write_toc(out, &entry.children, depth + 1);
    }
}

#[derive(Default)]
struct Page {
    out: String,
    slugs: Slugger,
}

impl Page {
    /// Writes a heading and returns the anchor GitHub gives it. `plain` is the heading's text as
    /// rendered (escapes resolved, code spans without their backticks): GitHub slugs that, not
    /// the Markdown source.
    fn heading(&mut self, level: usize, markdown: &str, plain: &str) -> String {
        self.out
            .push_str(&format!("{} {markdown}\n\n", "#".repeat(level)));
        self.slugs.slug(plain)
    }

    fn paragraph(&mut self, markdown: &str) {
        if !markdown.is_empty() {
            self.out.push_str(markdown);
            self.out.push_str("\n\n");
        }
    }

    fn table(&mut self, header: &[&str], rows: &[Vec<String>]) {
        let line = |cells: &mut dyn Iterator<Item = &str>| {
            let mut line = String::from("|");
            for cell in cells {
                line.push(' ');
                line.push_str(cell);
                line.push_str(" |");
            }
            line.push('\n');
            line
        };
        self.out.push_str(&line(&mut header.iter().copied()));
        self.out.push_str(&line(&mut header.iter().map(|_| "---")));
        for row in rows {
            self.out
                .push_str(&line(&mut row.iter().map(String::as_str)));
        }
        self.out.push('\n');
    }

    /// The overview table links to the category sections, whose anchors are known only once they
    /// are written (GitHub numbers repeated anchors in document order), so the table is written
    /// after them and put back in its place.
    fn categories_overview_and_sections(&mut self, catalog: &Catalog, toc: &mut Vec<TocEntry>) {
        let title = "Event categories";
        let anchor = self.heading(2, title, title);
        toc.push(TocEntry {
            label: title.into(),
            anchor,
            children: Vec::new(),
        });
        let overview_at = self.out.len();
        let mut rows = Vec::new();
        for category in &catalog.categories {
            let entry = self.category(catalog, category);
            let link = if entry.anchor.is_empty() {
                entry.label.clone()
            } else {
                format!("[{}](#{})", entry.label, entry.anchor)
            };
            rows.push(vec![
                link,
                markdown_inline(&category.description),
                catalog.events_in(category).count().to_string(),
            ]);
            toc.push(entry);
        }
        let sections = self.out.split_off(overview_at);
        if rows.is_empty() {
            self.paragraph("The catalog declares no categories.");
        } else {
            self.table(&["Category", "Description", "Events"], &rows);
        }
        self.out.push_str(&sections);
    }

    fn category(&mut self, catalog: &Catalog, category: &Category) -> TocEntry {
        let anchor = self.heading(
            2,
            &markdown_heading(&category.title),
            &heading_text(&category.title),
        );
        let mut entry = TocEntry {
            label: markdown_heading(&category.title),
            anchor,
            children: Vec::new(),
        };
        self.paragraph(&markdown_inline(&category.description));

        // The IR keeps each event's resolved policy, not the category's declared default, so the
        // category shows the policies its events actually resolve to.
        let category_policies = policies_of(catalog.events_in(category));
        if !category_policies.is_empty() {
            self.paragraph(&format!(
                "**Retention:** {}",
                policy_list(catalog, &category_policies)
            ));
        }
        if let Some(rationale) = &category.retention_rationale {
            self.paragraph(&format!(
                "**Retention rationale:** {}",
                markdown_inline(rationale)
            ));
        }
        if category.groups.is_empty() {
            self.paragraph("No groups are declared in this category.");
        }

        for group in &category.groups {
            let anchor = self.heading(
                3,
                &markdown_heading(&group.title),
                &heading_text(&group.title),
            );
            let mut group_entry = TocEntry {
                label: markdown_heading(&group.title),
                anchor,
                children: Vec::new(),
            };
            self.paragraph(&format!(
                "**Event type:** {}",
                markdown_code(&group.event_type)
            ));
            let events: Vec<&Event> = catalog
                .events_in(category)
                .filter(|event| event.group == group.id)
                .collect();
            // Repeating the category's policy under every group is noise; a group says it only
            // when it differs or when the catalog explains the choice.
            let group_policies = policies_of(events.iter().copied());
            if group.retention_rationale.is_some()
                || (!group_policies.is_empty() && group_policies != category_policies)
            {
                if !group_policies.is_empty() {
                    self.paragraph(&format!(
                        "**Retention:** {}",
                        policy_list(catalog, &group_policies)
                    ));
                }
                if let Some(rationale) = &group.retention_rationale {
                    self.paragraph(&format!(
                        "**Retention rationale:** {}",
                        markdown_inline(rationale)
                    ));
                }
            }
            if events.is_empty() {
                self.paragraph("No events in this group yet.");
            }
            for event in events {
                group_entry.children.push(self.event(catalog, event));
            }
            entry.children.push(group_entry);
        }
        entry
    }

    fn event(&mut self, catalog: &Catalog, event: &Event) -> TocEntry {
        let label = markdown_code(&event.name);
        let anchor = self.heading(4, &label, &event_heading_text(event));
        self.paragraph(&format!(
            "**Version:** {} · defined in the catalog's {}",
            event.version,
            markdown_code(&event.source_file)
        ));
        self.paragraph(&format!(
            "**Description:** {}",
            markdown_inline(&event.description)
        ));
        self.paragraph(&format!("**Trigger:** {}", markdown_inline(&event.trigger)));
        if event.properties.is_empty() {
            self.paragraph("**Properties:** none.");
        } else {
            self.paragraph("**Properties:**");
            let rows: Vec<Vec<String>> = event
                .properties
                .iter()
                .map(|field| field_row(field, None))
                .collect();
            self.table(&PROPERTY_COLUMNS, &rows);
        }
        if !event.usage.is_empty() {
            self.paragraph("**Usage:**");
            for usage in &event.usage {
                self.out
                    .push_str(&format!("- {}\n", markdown_inline(usage)));
            }
            self.out.push('\n');
        }
        self.paragraph(&format!(
            "**Retention:** {}",
            policy_detail(catalog, &event.retention)
        ));
        TocEntry {
            label,
            anchor,
            children: Vec::new(),
        }
    }

    /// Events no category and group of the catalog reaches. Lowering never produces them, but a
    /// page that silently drops an event would be worse than one with an extra section.
    fn orphans(&mut self, catalog: &Catalog, toc: &mut Vec<TocEntry>) {
        let listed: BTreeSet<&str> = catalog
            .categories
            .iter()
            .flat_map(|category| catalog.events_in(category))
            .map(|event| event.name.as_str())
            .collect();
        let orphans: Vec<&Event> = catalog
            .events
            .values()
            .filter(|event| !listed.contains(event.name.as_str()))
            .collect();
        if orphans.is_empty() {
            return;
        }
        let title = "Other events";
        let anchor = self.heading(2, title, title);
        let mut entry = TocEntry {
            label: title.into(),
            anchor,
            children: Vec::new(),
        };
        self.paragraph("Events whose category or group the catalog does not declare.");
        for event in orphans {
            entry.children.push(self.event(catalog, event));
        }
        toc.push(entry);
    }

    fn envelope(&mut self, catalog: &Catalog, toc: &mut Vec<TocEntry>) {
        let title = "Event envelope";
        let anchor = self.heading(2, title, title);
        toc.push(TocEntry {
            label: title.into(),
            anchor,
            children: Vec::new(),
        });
        self.paragraph(&markdown_inline(&catalog.envelope.description));
        self.paragraph(
            "Every event is sent inside these fields; its own properties, documented with each \
             event above, travel in the envelope's `properties` object.",
        );
        let rows: Vec<Vec<String>> = catalog
            .envelope
            .fields
            .iter()
            .map(|field| field_row(&field.field, Some(field.role)))
            .collect();
        self.table(&PROPERTY_COLUMNS, &rows);
    }

    fn retention_policies(&mut self, catalog: &Catalog, toc: &mut Vec<TocEntry>) {
        let title = "Retention policies";
        let anchor = self.heading(2, title, title);
        toc.push(TocEntry {
            label: title.into(),
            anchor,
            children: Vec::new(),
        });
        if catalog.retention_policies.is_empty() {
            self.paragraph("The catalog declares no retention policies.");
            return;
        }
        self.paragraph("Events are retained according to business and compliance requirements.");
        let rows: Vec<Vec<String>> = catalog
            .retention_policies
            .values()
            .map(|policy| {
                let used = catalog
                    .events
                    .values()
                    .filter(|event| event.retention == policy.id)
                    .count();
                vec![
                    markdown_table_code(&policy.id),
                    markdown_inline(&period(&policy.retention_period)),
                    markdown_inline(&period(&policy.archive_after)),
                    markdown_inline(&policy.compliance_reason),
                    markdown_inline(&policy.description),
                    used.to_string(),
                ]
            })
            .collect();
        self.table(
            &[
                "Policy",
                "Retention period",
                "Archive after",
                "Compliance reason",
                "Description",
                "Events",
            ],
            &rows,
        );
    }

    fn privacy(&mut self, catalog: &Catalog, toc: &mut Vec<TocEntry>) {
        let title = "Privacy & compliance";
        let anchor = self.heading(2, title, title);
        toc.push(TocEntry {
            label: title.into(),
            anchor,
            children: Vec::new(),
        });
        if catalog.privacy.is_empty() {
            self.paragraph("The catalog lists no privacy rules.");
            return;
        }
        self.paragraph("All events adhere to these privacy rules:");
        for rule in &catalog.privacy {
            self.out.push_str(&format!("- {}\n", markdown_inline(rule)));
        }
        self.out.push('\n');
    }
}

/// One row of a properties table, every cell already escaped for a table.
fn field_row(field: &Field, role: Option<EnvelopeRole>) -> Vec<String> {
    let mut required = if field.optional {
        "optional".to_owned()
    } else {
        "required".to_owned()
    };
    if let Some(environments) = &field.environments {
        let environments: Vec<String> = environments.iter().map(|e| markdown_inline(e)).collect();
        match environments.as_slice() {
            [] => required.push_str(", in no environment"),
            [only] => required.push_str(&format!(", {only} only")),
            several => required.push_str(&format!(", only in {}", several.join(", "))),
        }
    }
    vec![
        markdown_table_code(&field.name),
        markdown_inline(&field.ty.catalog_name()),
        required,
        if field.nullable { "yes" } else { "no" }.to_owned(),
        field
            .unit
            .map(|unit| markdown_inline(unit.as_str()))
            .unwrap_or_default(),
        values_and_range(field, role),
        field
            .pii
            .map(|pii| markdown_inline(pii.as_str()))
            .unwrap_or_default(),
        markdown_inline(&field.description),
    ]
}

/// The "Values / range" cell: what the schemas will check, in words.
fn values_and_range(field: &Field, role: Option<EnvelopeRole>) -> String {
    let mut parts = Vec::new();
    match role {
        Some(EnvelopeRole::EventName) => parts.push("fixed per event: its name".to_owned()),
        Some(EnvelopeRole::EventType) => {
            parts.push("fixed per event: its group's event type".to_owned());
        }
        Some(EnvelopeRole::Version) => parts.push("fixed per event: its version".to_owned()),
        Some(EnvelopeRole::Environment | EnvelopeRole::Plain) | None => {}
    }
    type_rules(&field.ty, "", &mut parts);
    if !field.examples.is_empty() {
        let examples: Vec<String> = field
            .examples
            .iter()
            .map(|example| match example {
                serde_json::Value::String(text) => markdown_table_code(text),
                other => markdown_table_code(&other.to_string()),
            })
            .collect();
        parts.push(format!("e.g. {}", examples.join(", ")));
    }
    parts.join("; ")
}

/// Constraints of a type; `prefix` names what they apply to (`items ` for array elements).
fn type_rules(ty: &FieldType, prefix: &str, parts: &mut Vec<String>) {
    match ty {
        FieldType::String(rules) => string_rules(rules, prefix, parts),
        FieldType::Enum(enumeration) => {
            if enumeration.variants.is_empty() {
                parts.push(format!("{prefix}no allowed values"));
            } else {
                let values: Vec<String> = enumeration
                    .variants
                    .iter()
                    .map(|variant| markdown_table_code(&variant.value))
                    .collect();
                parts.push(format!("{prefix}one of {}", values.join(", ")));
            }
        }
        FieldType::Integer(rules) => {
            if let Some(range) = range(rules.minimum, rules.maximum) {
                parts.push(format!("{prefix}{range}"));
            }
        }
        FieldType::Number(rules) => {
            if let Some(range) = range(rules.minimum, rules.maximum) {
                parts.push(format!("{prefix}{range}"));
            }
        }
        FieldType::DateTime => parts.push(format!("{prefix}RFC 3339")),
        FieldType::Array(items) => type_rules(items, &format!("{prefix}items "), parts),
        FieldType::Boolean | FieldType::Object => {}
    }
}

fn string_rules(rules: &StringRules, prefix: &str, parts: &mut Vec<String>) {
    match (rules.min_length, rules.max_length) {
        (Some(min), Some(max)) if min == max => parts.push(format!("{prefix}length {min}")),
        (min, max) => {
            if let Some(range) = range(min, max) {
                parts.push(format!("{prefix}length {range}"));
            }
        }
    }
    if let Some(format) = rules.format {
        parts.push(format!(
            "{prefix}format {}",
            markdown_table_code(format.as_str())
        ));
    }
    if let Some(pattern) = &rules.pattern {
        parts.push(format!("{prefix}pattern {}", markdown_table_code(pattern)));
    }
}

/// Inclusive bounds in words; the values are numbers, so the result needs no escaping.
fn range<T: std::fmt::Display>(minimum: Option<T>, maximum: Option<T>) -> Option<String> {
    match (minimum, maximum) {
        (Some(min), Some(max)) => Some(format!("{min} to {max}")),
        (Some(min), None) => Some(format!("≥ {min}")),
        (None, Some(max)) => Some(format!("≤ {max}")),
        (None, None) => None,
    }
}

/// Distinct policies of some events, in the order they first appear.
fn policies_of<'a>(events: impl Iterator<Item = &'a Event>) -> Vec<&'a str> {
    let mut policies: Vec<&str> = Vec::new();
    for event in events {
        if !policies.contains(&event.retention.as_str()) {
            policies.push(&event.retention);
        }
    }
    policies
}

fn policy_list(catalog: &Catalog, ids: &[&str]) -> String {
    ids.iter()
        .map(|id| policy_summary(catalog, id))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A policy in a sentence: its id and periods.
fn policy_summary(catalog: &Catalog, id: &str) -> String {
    match catalog.retention_policies.get(id) {
        Some(policy) => format!(
            "{} (kept {}, archived after {})",
            markdown_code(id),
            markdown_inline(&period(&policy.retention_period)),
            markdown_inline(&period(&policy.archive_after)),
        ),
        None => format!("{} (not a declared policy)", markdown_code(id)),
    }
}

/// A policy with its reason, for an event.
fn policy_detail(catalog: &Catalog, id: &str) -> String {
    match catalog.retention_policies.get(id) {
        Some(policy) => format!(
            "{}; reason: {}",
            policy_summary(catalog, id),
            markdown_inline(&policy.compliance_reason)
        ),
        None => policy_summary(catalog, id),
    }
}

/// `2_years` as `2 years`: the catalog's spelling is for machines.
fn period(text: &str) -> String {
    text.replace('_', " ")
}

/// `n thing(s)`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A title as its heading renders it, for slugging: one line, trimmed like the heading is.
fn heading_text(title: &str) -> String {
    super::text::one_line(title).trim().to_owned()
}

/// An event heading's rendered text: the code span's content.
fn event_heading_text(event: &Event) -> String {
    super::text::one_line(&event.name)
}

/// GitHub's heading anchors (the algorithm of `github-slugger`): lowercase, drop everything but
/// letters, digits, `-`, `_` and spaces, spaces become `-`; a repeated anchor gets `-1`, `-2`...
/// For non-ASCII text "letters and digits" is Rust's `char::is_alphanumeric`, close to but not
/// exactly GitHub's Unicode classes.
#[derive(Debug, Default, Clone)]
struct Slugger {
    occurrences: HashMap<String, usize>,
}

impl Slugger {
    fn slug(&mut self, text: &str) -> String {
        let base: String = text
            .to_lowercase()
            .chars()
            .filter_map(|c| match c {
                ' ' => Some('-'),
                '-' | '_' => Some(c),
                c if c.is_alphanumeric() => Some(c),
                _ => None,
            })
            .collect();
        let mut result = base.clone();
        while self.occurrences.contains_key(&result) {
            let n = self.occurrences.entry(base.clone()).or_insert(0);
            *n += 1;
            result = format!("{base}-{n}");
        }
        self.occurrences.insert(result.clone(), 0);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_github() {
        let mut slugger = Slugger::default();
        assert_eq!(slugger.slug("Privacy & compliance"), "privacy--compliance");
        assert_eq!(slugger.slug("user.login"), "userlogin");
        assert_eq!(
            slugger.slug("User Engagement Events"),
            "user-engagement-events"
        );
        assert_eq!(slugger.slug("userlogin"), "userlogin-1");
        assert_eq!(slugger.slug("user.login"), "userlogin-2");
        assert_eq!(slugger.slug("userlogin-1"), "userlogin-1-1");
        assert_eq!(slugger.slug("Odd <i>events</i> | ``"), "odd-ieventsi--");
        assert_eq!(slugger.slug("Héllo"), "héllo");
    }

    #[test]
    fn ranges_in_words() {
        assert_eq!(range(Some(1), Some(5)).as_deref(), Some("1 to 5"));
        assert_eq!(range(Some(0.5), None).as_deref(), Some("≥ 0.5"));
        assert_eq!(range::<i64>(None, Some(-3)).as_deref(), Some("≤ -3"));
        assert_eq!(range::<i64>(None, None), None);
    }
}
