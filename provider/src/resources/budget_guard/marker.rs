//! How a guard's children stay discoverable, before they are recorded (an
//! apply killed or timed out after a create landed) and from the main budget
//! (import). The guard ID is known before the first create: a hash of the
//! billing account and the display name, so a re-apply of the same
//! configuration finds what an interrupted one created. Channels, alert
//! policies, the topic and the subscription carry the label
//! `platform_budget_guard = <guard ID>` (Monitoring lists by its
//! `user_labels.…` filter); Budgets have no labels, so tenant budgets carry
//! the ID's first characters in their display name and the main budget is
//! found by its display name; a descriptor the guard creates names the ID in
//! its description.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// User label naming the guard (its main budget's ID).
pub const GUARD_LABEL: &str = "platform_budget_guard";
/// User label holding a channel's `secret_version` (the secret itself can't be read back).
pub const SECRET_VERSION_LABEL: &str = "platform_budget_guard_secret_version";
/// Label values allow at most 63 characters.
const MAX_LABEL_VALUE: usize = 63;
/// Characters of the guard ID in tenant budget display names.
const TAG_LEN: usize = 8;
const MAX_DISPLAY_NAME: usize = 60;

/// Hex characters of the guard ID (80 bits: collisions need ~10^12 guards).
const ID_LEN: usize = 20;

/// The guard ID: derived from what identifies the guard in its billing
/// account, independent of its Terraform address and of any server-assigned name.
pub fn guard_id(billing_account: &str, display_name: &str) -> String {
    let digest = Sha256::digest(format!("{billing_account}\n{display_name}"));
    digest
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>()
        .chars()
        .take(ID_LEN)
        .collect()
}

/// The guard ID of guards created before IDs were derived from the
/// configuration: the main budget's ID, as a valid label value (import still
/// finds their children by it).
pub fn legacy_guard_id(budget_name: &str) -> String {
    budget_name
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .take(MAX_LABEL_VALUE)
        .collect()
}

/// The Monitoring list filter selecting the guard's channels and policies.
pub fn filter(guard_id: &str) -> String {
    format!("user_labels.{GUARD_LABEL}=\"{guard_id}\"")
}

/// User labels for an alert policy.
pub fn policy_labels(guard_id: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(GUARD_LABEL.to_owned(), guard_id.to_owned())])
}

/// The text a descriptor the guard created carries in its description, so a
/// re-apply after an interrupted one knows the descriptor is the guard's own.
pub fn descriptor_note(guard_id: &str) -> String {
    format!("Created by {GUARD_LABEL} {guard_id}.")
}

/// User labels for a channel: the guard, and the secret version when set.
/// Label values can't hold `.`, so a fractional version is written with `_`.
pub fn channel_labels(guard_id: &str, secret_version: Option<&str>) -> BTreeMap<String, String> {
    let mut labels = policy_labels(guard_id);
    if let Some(v) = secret_version {
        labels.insert(SECRET_VERSION_LABEL.to_owned(), v.replace('.', "_"));
    }
    labels
}

/// `secret_version` decimal text from a channel's user labels.
pub fn secret_version(labels: &BTreeMap<String, String>) -> Option<String> {
    labels
        .get(SECRET_VERSION_LABEL)
        .map(|v| v.replace('_', "."))
}

fn tag(guard_id: &str) -> String {
    guard_id.chars().take(TAG_LEN).collect()
}

fn suffix(guard_id: &str) -> String {
    format!(" AI cost [{}]", tag(guard_id))
}

/// `<tenant> AI cost [<tag>]`, the tenant name shortened to fit 60 characters.
pub fn tenant_display_name(tenant: &str, guard_id: &str) -> String {
    let suffix = suffix(guard_id);
    let room = MAX_DISPLAY_NAME.saturating_sub(suffix.chars().count());
    let name: String = tenant.chars().take(room).collect();
    format!("{name}{suffix}")
}

/// The tenant name (possibly shortened) when `display_name` is one of this guard's.
pub fn tenant_of(display_name: &str, guard_id: &str) -> Option<String> {
    display_name
        .strip_suffix(&suffix(guard_id))
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// A per-tenant budget of some guard (whose ID the name's tag holds).
pub fn is_tenant_budget(display_name: &str) -> bool {
    display_name
        .rsplit_once(" AI cost [")
        .is_some_and(|(tenant, tag)| !tenant.is_empty() && tag.ends_with(']'))
}

/// True when `shown` is `tenant` as [`tenant_display_name`] shortened it.
pub fn is_shortened(shown: &str, tenant: &str, guard_id: &str) -> bool {
    tenant_of(&tenant_display_name(tenant, guard_id), guard_id).as_deref() == Some(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_budgets_are_told_from_guards() {
        assert!(is_tenant_budget(&tenant_display_name(
            "acme",
            "0123456789abcdef0123"
        )));
        assert!(!is_tenant_budget("Production Monthly Budget"));
        assert!(!is_tenant_budget(" AI cost [x]"));
    }

    #[test]
    fn tenant_names_round_trip_and_fit() {
        let id = legacy_guard_id("billingAccounts/A/budgets/4B8A2D1C-aaaa-bbbb");
        assert_eq!(id, "4b8a2d1c-aaaa-bbbb");
        let shown = tenant_display_name("acme", &id);
        assert_eq!(shown, "acme AI cost [4b8a2d1c]");
        assert_eq!(tenant_of(&shown, &id).as_deref(), Some("acme"));
        assert_eq!(tenant_of(&shown, "other-guard"), None);
        let long = "t".repeat(80);
        let shown = tenant_display_name(&long, &id);
        assert_eq!(shown.chars().count(), 60);
        let short = tenant_of(&shown, &id).unwrap();
        assert!(is_shortened(&short, &long, &id));
        assert!(!is_shortened(&short, "tt", &id));
    }

    #[test]
    fn guard_ids_come_from_the_configuration_and_are_label_values() {
        let id = guard_id("012345-6789AB-CDEF01", "production");
        assert_eq!(id, guard_id("012345-6789AB-CDEF01", "production"));
        assert_eq!(id.len(), ID_LEN);
        assert!(id
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(id, guard_id("012345-6789AB-CDEF01", "staging"));
        assert_ne!(id, guard_id("012345-6789AB-CDEF02", "production"));
    }

    #[test]
    fn secret_versions_survive_label_rules() {
        let labels = channel_labels("g", Some("2.5"));
        assert_eq!(labels[SECRET_VERSION_LABEL], "2_5");
        assert_eq!(secret_version(&labels).as_deref(), Some("2.5"));
        assert_eq!(filter("g"), "user_labels.platform_budget_guard=\"g\"");
    }
}
