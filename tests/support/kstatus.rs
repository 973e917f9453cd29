//! kstatus, as Flux and Argo CD read it: the conditions of a live object (JSON from
//! `kubectl get -o json` or the API), the one copy every test crate uses.

use serde_json::Value;

/// Condition `type_` of `obj.status.conditions`, if present.
pub fn condition<'a>(obj: &'a Value, type_: &str) -> Option<&'a Value> {
    obj.pointer("/status/conditions")?
        .as_array()?
        .iter()
        .find(|c| c["type"] == type_)
}

/// `(status, reason)` of condition `type_`, if present.
pub fn status_and_reason(obj: &Value, type_: &str) -> Option<(String, String)> {
    condition(obj, type_).map(|c| {
        (
            c["status"].as_str().unwrap_or_default().to_owned(),
            c["reason"].as_str().unwrap_or_default().to_owned(),
        )
    })
}

/// Whether the object's status describes its current generation.
pub fn current(obj: &Value) -> bool {
    obj.pointer("/status/observedGeneration") == obj.pointer("/metadata/generation")
}

/// Whether the object is `Ready=True` for its current generation (kstatus: Current).
pub fn is_ready(obj: &Value) -> bool {
    current(obj) && condition(obj, "Ready").is_some_and(|c| c["status"] == "True")
}
