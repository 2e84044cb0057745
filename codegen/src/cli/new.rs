//! `eventcat new <event.name>`: scaffold an event file and list it in its group's `order`.

use std::path::PathBuf;

use eventcat::load::{CATALOG_FILE, EVENTS_DIR};

use super::output::{Output, outln, print_json};
use super::{Format, paths};

/// Arguments of `eventcat new`.
#[derive(Debug, clap::Args)]
pub struct NewArgs {
    /// The event's name, `<namespace>.<snake_case>` (e.g. `user.password_reset`); the namespace
    /// picks the category folder.
    pub name: String,
    /// The group of the event's category [default: the category's only group].
    #[arg(long)]
    pub group: Option<String>,
    /// The catalog folder.
    #[arg(long, default_value = "catalog")]
    pub catalog: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

/// Why an event cannot be scaffolded (a usage error: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    #[error(
        "`{0}` is not an event name: write `<namespace>.<snake_case>`, e.g. `user.password_reset`"
    )]
    BadName(String),
    #[error("{} does not parse; run `eventcat lint --catalog {}` and fix it first", .0.display(), .1.display())]
    BrokenCatalog(PathBuf, PathBuf),
    #[error("no category owns the namespace `{namespace}`; namespaces: {known}")]
    UnknownNamespace { namespace: String, known: String },
    #[error("category `{category}` has several groups; pass --group with one of: {known}")]
    GroupNeeded { category: String, known: String },
    #[error("category `{category}` has no group `{group}`{suggestion}; groups: {known}")]
    UnknownGroup {
        category: String,
        group: String,
        suggestion: String,
        known: String,
    },
    #[error("event `{name}` already exists: {}", file.display())]
    Exists { name: String, file: PathBuf },
}

pub fn run(args: &NewArgs, output: &Output) -> super::Outcome {
    paths::catalog(&args.catalog)?;
    let name = args.name.as_str();
    if !eventcat::lint::is_event_name(name) {
        return Err(NewError::BadName(name.to_owned()).into());
    }
    let loaded = eventcat::load(&args.catalog)?;
    let Some((catalog_index, catalog)) = &loaded.catalog else {
        return Err(
            NewError::BrokenCatalog(args.catalog.join(CATALOG_FILE), args.catalog.clone()).into(),
        );
    };
    if let Some(existing) = loaded.events.iter().find(|e| e.def.name.value == name) {
        return Err(NewError::Exists {
            name: name.to_owned(),
            file: args.catalog.join(&loaded.source(existing.source).relative),
        }
        .into());
    }
    let (namespace, _) = name.split_once('.').expect("an event name has a dot");
    let Some((category_id, category)) = catalog
        .categories
        .iter()
        .find(|(_, c)| c.namespaces.iter().any(|n| n.value == namespace))
    else {
        let known: Vec<&str> = catalog
            .categories
            .values()
            .flat_map(|c| c.namespaces.iter().map(|n| n.value.as_str()))
            .collect();
        return Err(NewError::UnknownNamespace {
            namespace: namespace.to_owned(),
            known: known.join(", "),
        }
        .into());
    };
    let groups: Vec<&str> = category.groups.keys().map(|k| k.value.as_str()).collect();
    let group = match (&args.group, groups.as_slice()) {
        (Some(group), _) if groups.contains(&group.as_str()) => group.clone(),
        (Some(group), _) => {
            return Err(NewError::UnknownGroup {
                category: category_id.value.clone(),
                group: group.clone(),
                suggestion: eventcat::suggest::did_you_mean(group, groups.iter().copied()),
                known: groups.join(", "),
            }
            .into());
        }
        (None, [only]) => (*only).to_owned(),
        (None, _) => {
            return Err(NewError::GroupNeeded {
                category: category_id.value.clone(),
                known: groups.join(", "),
            }
            .into());
        }
    };
    let relative = format!("{EVENTS_DIR}/{}/{name}.yaml", category_id.value);
    let file = args.catalog.join(&relative);
    if file.exists() {
        return Err(NewError::Exists {
            name: name.to_owned(),
            file,
        }
        .into());
    }

    let catalog_file = args.catalog.join(CATALOG_FILE);
    let order = category
        .groups
        .get(group.as_str())
        .map(|g| g.order.as_slice())
        .unwrap_or_default();
    let catalog_text = &loaded.source(*catalog_index).text;
    let updated = append_to_order(catalog_text, order, name).map(|updated| {
        // A catalog.yaml in fmt's layout stays in it (a longer order may need block style);
        // any other keeps every byte but the new entry.
        let format = |text: &str| eventcat::fmt::format(text, eventcat::fmt::Kind::Catalog).ok();
        match format(catalog_text) {
            Some(formatted) if formatted == *catalog_text => format(&updated).unwrap_or(updated),
            _ => updated,
        }
    });

    eventcat::generate::write_atomically(&file, scaffold(name, &group).as_bytes())?;
    if let Some(updated) = &updated {
        eventcat::generate::write_atomically(&catalog_file, updated.as_bytes())?;
    }
    match args.format {
        Format::Json => print_json(&serde_json::json!({
            "ok": true,
            "file": file.to_string_lossy(),
            "group": group,
            "order_updated": updated.is_some(),
        }))?,
        Format::Human | Format::Github => {
            outln!("wrote {}", file.display())?;
            if updated.is_some() {
                outln!(
                    "added `{name}` to the order of group `{group}` in {}",
                    catalog_file.display()
                )?;
            }
            if !output.quiet {
                outln!(
                    "next: replace each TODO (`eventcat lint --catalog {}` lists them), then `eventcat generate`",
                    args.catalog.display()
                )?;
            }
        }
    }
    Ok(true)
}

/// The new file: the modeline, version 1.0.0, and `TODO:` placeholders that lint's
/// `placeholder` rule points at until they are replaced; in fmt's layout, so `eventcat fmt
/// --check` (run by CI) passes right after `new`.
pub fn scaffold(name: &str, group: &str) -> String {
    let text = format!(
        "# yaml-language-server: $schema=../../schema/event.schema.json
name: {name}
version: 1.0.0
group: {group}
description: \"TODO: what happened, in one sentence\"
trigger: \"TODO: when exactly the event is sent\"
properties:
  todo_property:
    type: string
    description: \"TODO: replace with the event's first property (rename the key, set its type), or remove it\"
usage:
  - \"TODO: what the event is used for\"
"
    );
    eventcat::fmt::format(&text, eventcat::fmt::Kind::Event).unwrap_or(text)
}

/// `catalog_text` with `name` added after the last entry of `order`, keeping everything else
/// byte for byte; `None` when the group lists no order (unlisted events follow by name).
fn append_to_order(
    catalog_text: &str,
    order: &[eventcat::span::Sp<String>],
    name: &str,
) -> Option<String> {
    let last = order.last()?;
    let start = last.pos.byte_offset(catalog_text);
    let line_start = catalog_text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &catalog_text[line_start..start];
    let entry_len = catalog_text[start..]
        .find([',', ']', '\n', '#'])
        .unwrap_or(catalog_text.len() - start);
    let end = start + catalog_text[start..start + entry_len].trim_end().len();
    let mut out = String::with_capacity(catalog_text.len() + name.len() + 8);
    if before.trim() == "-" {
        // A block list: a new `- name` line with the same indentation.
        let line_end = catalog_text[end..]
            .find('\n')
            .map_or(catalog_text.len(), |i| end + i);
        out.push_str(&catalog_text[..line_end]);
        out.push('\n');
        out.push_str(before);
        out.push_str(name);
        out.push_str(&catalog_text[line_end..]);
    } else {
        out.push_str(&catalog_text[..end]);
        out.push_str(", ");
        out.push_str(name);
        out.push_str(&catalog_text[end..]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventcat::span::{Pos, Sp};

    #[test]
    fn the_order_grows_in_flow_and_block_lists() {
        let flow = "g:\n  order: [a.x, a.y]\n  title: T\n";
        let order = [
            Sp::at("a.x".to_owned(), Pos::new(2, 11)),
            Sp::at("a.y".to_owned(), Pos::new(2, 16)),
        ];
        assert_eq!(
            append_to_order(flow, &order, "a.z").unwrap(),
            "g:\n  order: [a.x, a.y, a.z]\n  title: T\n"
        );
        let block = "g:\n  order:\n    - a.x\n    - a.y\n  title: T\n";
        let order = [
            Sp::at("a.x".to_owned(), Pos::new(3, 7)),
            Sp::at("a.y".to_owned(), Pos::new(4, 7)),
        ];
        assert_eq!(
            append_to_order(block, &order, "a.z").unwrap(),
            "g:\n  order:\n    - a.x\n    - a.y\n    - a.z\n  title: T\n"
        );
        assert_eq!(append_to_order(flow, &[], "a.z"), None);
    }
}
