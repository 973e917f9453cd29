//! Corrections that do not stick. When the operator corrects the same field of the same
//! object at every look, something else (a script, another tool, an independent control
//! plane) keeps changing it back; fighting silently while reporting `Ready` would hide
//! that. This remembers, per object, how many reconciles in a row corrected each field.
//! In memory only: after a restart the count starts again, which costs a few more
//! corrections before the report, never a false one.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

/// Corrections in a row after which a field is reported contested.
pub const CONTESTED_AFTER: u32 = 3;

/// Per object, per field: corrections in a row.
#[derive(Default)]
pub struct Contests {
    seen: Mutex<HashMap<String, BTreeMap<&'static str, u32>>>,
}

impl Contests {
    /// Record that the reconcile of `object` just corrected `fields` (and found every
    /// other field as declared); the fields corrected [`CONTESTED_AFTER`] times in a row.
    pub fn corrected(&self, object: &str, fields: &[&'static str]) -> Vec<&'static str> {
        let mut seen = self.seen.lock().expect("contests poisoned");
        if fields.is_empty() {
            seen.remove(object);
            return vec![];
        }
        let counts = seen.entry(object.to_string()).or_default();
        counts.retain(|field, _| fields.contains(field));
        for field in fields {
            *counts.entry(field).or_insert(0) += 1;
        }
        counts
            .iter()
            .filter(|(_, n)| **n >= CONTESTED_AFTER)
            .map(|(field, _)| *field)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_field_corrected_again_and_again_is_contested() {
        let c = Contests::default();
        assert!(c.corrected("a", &["S3BucketName"]).is_empty());
        assert!(c.corrected("a", &["S3BucketName", "KmsKeyId"]).is_empty());
        assert!(c.corrected("b", &["S3BucketName"]).is_empty(), "per object");
        assert_eq!(c.corrected("a", &["S3BucketName"]), ["S3BucketName"]);
        assert_eq!(
            c.corrected("a", &["KmsKeyId", "S3BucketName"]),
            ["S3BucketName"],
            "KmsKeyId's run was broken"
        );
        assert!(c.corrected("a", &[]).is_empty(), "a clean look clears it");
        assert!(c.corrected("a", &["S3BucketName"]).is_empty());
    }
}
