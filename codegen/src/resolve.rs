//! Resolution rules shared by lint and lowering, so that both agree on what an event inherits.

use crate::model::{CatalogDef, CategoryDef, EventDef, GroupDef, RetentionPolicyDef};
use crate::span::Sp;

/// The id of the retention policy that applies to an event: its own, else its group's, else its
/// category's. `None` when none of them names one. Whether the policy exists is a separate check
/// (`unresolved-retention` at the reference), so one bad reference is reported once.
pub fn retention_policy_ref<'a>(
    category: &'a CategoryDef,
    group: Option<&'a GroupDef>,
    event: &'a EventDef,
) -> Option<&'a Sp<String>> {
    event
        .retention
        .as_ref()
        .or_else(|| group.and_then(|g| g.retention.as_ref()))
        .or(category.retention.as_ref())
}

/// The declared retention policy that applies to an event, if it resolves.
pub fn retention_policy<'a>(
    catalog: &'a CatalogDef,
    category: &'a CategoryDef,
    group: Option<&'a GroupDef>,
    event: &'a EventDef,
) -> Option<(&'a str, &'a RetentionPolicyDef)> {
    let id = retention_policy_ref(category, group, event)?;
    catalog
        .retention_policies
        .get_key_value(id.value.as_str())
        .map(|(key, policy)| (key.value.as_str(), policy))
}
