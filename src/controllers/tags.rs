//! Tags (pure): the operator marks what it owns with one tag, and keeps the rest exactly
//! equal to the spec.

use std::collections::BTreeMap;

/// Tag put on every trail and event data store the operator creates or adopts, so that
/// after a crash between `Create*` and the status write, the next reconcile recognises
/// its own resource instead of reporting a name clash (and never creates a duplicate).
pub const OWNER_TAG: &str = "orgtrail.dev/owner";

/// The owner tag value for an object: `<Kind>/<name>`.
pub fn owner_value(kind: &str, name: &str) -> String {
    format!("{kind}/{name}")
}

/// Spec tags plus the owner tag.
pub fn desired(spec: &BTreeMap<String, String>, owner: &str) -> BTreeMap<String, String> {
    let mut tags = spec.clone();
    tags.insert(OWNER_TAG.to_string(), owner.to_string());
    tags
}

/// What to add (or overwrite) and what to remove so that `observed` equals `desired`.
pub fn changes(
    desired: &BTreeMap<String, String>,
    observed: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let add = desired
        .iter()
        .filter(|(k, v)| observed.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = observed
        .keys()
        .filter(|k| !desired.contains_key(*k))
        .cloned()
        .collect();
    (add, remove)
}

/// Who owns a resource, judged by its tags.
#[derive(Debug, PartialEq, Eq)]
pub enum Ownership {
    /// Tagged as ours.
    Ours,
    /// Not tagged by us (or by another object).
    Foreign(Option<String>),
}

/// Judge ownership of an existing resource.
pub fn ownership(observed: &BTreeMap<String, String>, owner: &str) -> Ownership {
    match observed.get(OWNER_TAG) {
        Some(v) if v == owner => Ownership::Ours,
        other => Ownership::Foreign(other.cloned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn changes_make_tags_exact() {
        let desired = map(&[("team", "sec"), ("env", "prod")]);
        let observed = map(&[("team", "ops"), ("manual", "x")]);
        let (add, remove) = changes(&desired, &observed);
        assert_eq!(add, map(&[("team", "sec"), ("env", "prod")]));
        assert_eq!(remove, vec!["manual".to_string()]);
        assert_eq!(changes(&desired, &desired), (BTreeMap::new(), vec![]));
    }

    #[test]
    fn ownership_by_tag() {
        let owner = owner_value("OrgTrail", "audit");
        assert_eq!(
            ownership(&desired(&BTreeMap::new(), &owner), &owner),
            Ownership::Ours
        );
        assert_eq!(
            ownership(&BTreeMap::new(), &owner),
            Ownership::Foreign(None)
        );
        let other = desired(&BTreeMap::new(), "OrgTrail/other");
        assert_eq!(
            ownership(&other, &owner),
            Ownership::Foreign(Some("OrgTrail/other".into()))
        );
    }
}
