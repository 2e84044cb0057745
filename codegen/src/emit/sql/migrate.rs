//! Forward migrations between published versions, from the changes `compat` finds between them
//! ([`diff_events`]): within a major version, an `ALTER TABLE` per changed column (a new optional
//! property is `ADD COLUMN`, a changed bound replaces the column's CHECK constraint, ...); the
//! first version of a major creates its table.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::ddl;
use super::quote::ident;
use super::table::Table;
use crate::compat::diff::{Scope, diff_events};
use crate::compat::kind::ChangeKind;
use crate::compat::shape::EventShape;

/// The statements that take `old` (the table at the previous version) to `new`.
pub fn alter(old: &Table, new: &Table, old_shape: &EventShape, new_shape: &EventShape) -> String {
    let mut out = String::new();
    let changes = diff_events(old_shape, new_shape);
    let mut columns: BTreeSet<(bool, String)> = BTreeSet::new();
    for change in &changes {
        match (change.scope, &change.property) {
            (Scope::Event, _) if change.kind == ChangeKind::DescriptionChanged => {}
            (Scope::Property | Scope::Envelope, Some(property))
                if change.kind != ChangeKind::ExamplesChanged =>
            {
                columns.insert((change.scope == Scope::Property, property.clone()));
            }
            _ => {}
        }
    }
    let target = new.qualified();
    for (in_properties, key) in &columns {
        match (
            old.column(*in_properties, key),
            new.column(*in_properties, key),
        ) {
            (None, Some(column)) => {
                let _ = writeln!(
                    out,
                    "ALTER TABLE {target} ADD COLUMN {};",
                    ddl::column_definition(column)
                );
                if let Some(check) = &column.check {
                    let _ = writeln!(
                        out,
                        "ALTER TABLE {target} ADD CONSTRAINT {} CHECK ({check});",
                        ident(&new.check_name(column))
                    );
                }
                let _ = writeln!(out, "{}", ddl::column_comment(new, column));
            }
            (Some(column), None) => {
                // Only an accepted change removes a property within a major version.
                let _ = writeln!(
                    out,
                    "ALTER TABLE {target} DROP COLUMN {};",
                    ident(&column.name)
                );
            }
            (Some(before), Some(column)) => {
                let name = ident(&column.name);
                let _ = writeln!(
                    out,
                    "ALTER TABLE {target} DROP CONSTRAINT IF EXISTS {};",
                    ident(&old.check_name(before))
                );
                if before.ty != column.ty {
                    let ty = column.ty.sql();
                    let _ = writeln!(
                        out,
                        "ALTER TABLE {target} ALTER COLUMN {name} TYPE {ty} USING {name}::{ty};"
                    );
                }
                let null = if column.not_null { "SET" } else { "DROP" };
                let _ = writeln!(
                    out,
                    "ALTER TABLE {target} ALTER COLUMN {name} {null} NOT NULL;"
                );
                if let Some(check) = &column.check {
                    let _ = writeln!(
                        out,
                        "ALTER TABLE {target} ADD CONSTRAINT {} CHECK ({check});",
                        ident(&new.check_name(column))
                    );
                }
                let _ = writeln!(out, "{}", ddl::column_comment(new, column));
            }
            (None, None) => {}
        }
    }
    // The comment names the version, so it changes with every one.
    let _ = writeln!(out, "{}", ddl::table_comment(new));
    out.push_str(&ddl::register(new));
    out.push_str(&ddl::loader_function(new));
    out
}
