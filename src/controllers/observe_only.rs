//! `managementPolicy: Observe`: the object's own observe → plan → act, run over a dry run
//! of the operator's AWS access (`aws::dry_run`), so nothing reaches AWS. The calls it
//! would have made are the drift: listed in `status.drift`, announced by one Warning event
//! when they change, and `Ready=False` (reason `Drifted`) until AWS matches again.

use std::sync::Arc;

use super::events::{Note, Report, publish};
use super::failure::outcome_of;
use super::outcome::Outcome;
use super::status::KindStatus;
use super::{Reconciled, tags};
use crate::aws::dry_run::{Journal, PlannedCall};
use crate::runtime::context::Context;
use crate::runtime::error::Result;
use crate::runtime::trust::TrustGate;

/// At most this many calls are listed in `status.drift`.
const MAX_DRIFT: usize = 20;

/// Observe `obj` and report how AWS differs from its spec; never writes to AWS.
pub async fn reconcile<K: Reconciled>(
    obj: &K,
    ctx: &Context,
    status: &mut K::Status,
) -> Result<Outcome> {
    let journal = Arc::new(Journal::default());
    let aws = ctx.aws.dry_run(journal.clone());
    // A gate of its own: what a dry run "does" to trusted access must not reach the
    // operator's gate, which the managed objects rely on.
    let trust = TrustGate::new(None, ctx.settings.polling.trusted_access);
    let mut scratch = status.clone();
    let result = obj
        .reconcile(ctx, &aws, &trust, &mut scratch, &Silent)
        .await;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(e) => outcome_of(e)?,
    };
    let drift: Vec<String> = journal
        .take()
        .iter()
        .filter(|c| !only_owner_tag(c))
        .map(describe)
        .collect();
    if drift.is_empty() {
        // Nothing would be done: what the dry run recorded is what AWS has.
        *status = scratch;
        status.set_drift(None);
        return Ok(outcome);
    }
    let listed: Vec<String> = drift.iter().take(MAX_DRIFT).cloned().collect();
    if status.drift() != Some(listed.as_slice()) {
        let note = Note::warning(
            "Drifted",
            format!(
                "AWS differs from the spec (managementPolicy: Observe, nothing changed): {}",
                listed.join("; ")
            ),
        );
        publish(ctx, &obj.object_ref(&()), &note).await;
    }
    // The rest of the dry run's status is what AWS would hold after acting: not an
    // observation. Keep identifiers, drop what conditions are derived from.
    status.forget_observations();
    status.set_drift(Some(listed));
    Ok(Outcome::Stalled {
        reason: "Drifted",
        message: format!(
            "observe only: the operator would make {} AWS call(s) to match the spec (status.drift); set managementPolicy: Manage to let it",
            drift.len()
        ),
        spec_change_needed: false,
    })
}

/// `Operation target: changes`, for `status.drift`.
fn describe(c: &PlannedCall) -> String {
    let mut s = format!("{} {}", c.operation, c.target);
    if !c.changes.is_empty() {
        let changes: String = c.changes.join(", ").chars().take(300).collect();
        s.push_str(&format!(" ({changes})"));
    }
    s
}

/// Tagging a resource as the operator's is bookkeeping of taking it over, which an
/// observed object does not do: not a difference from the spec.
fn only_owner_tag(c: &PlannedCall) -> bool {
    c.operation == "AddTags"
        && c.changes
            .iter()
            .all(|t| t.starts_with(&format!("{}=", tags::OWNER_TAG)))
}

/// Act's reports of a dry run are not events: nothing happened.
struct Silent;

impl<S: Sync> Report<S> for Silent {
    async fn note(&self, _: Note) {}
    async fn checkpoint(&self, _: &S, _: &Outcome) {}
    fn corrected(&self, _: &[&'static str]) -> Vec<&'static str> {
        vec![]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(operation: &'static str, changes: &[&str]) -> PlannedCall {
        PlannedCall {
            service: "cloudtrail",
            operation,
            region: Some("us-east-1".into()),
            target: "arn:aws:cloudtrail:us-east-1:111111111111:trail/t".into(),
            changes: changes.iter().map(|c| c.to_string()).collect(),
            credentials: "operator",
        }
    }

    #[test]
    fn taking_ownership_is_not_drift_but_any_other_tag_is() {
        assert!(only_owner_tag(&call(
            "AddTags",
            &["orgtrail.dev/owner=OrgTrail/t"]
        )));
        assert!(!only_owner_tag(&call(
            "AddTags",
            &["orgtrail.dev/owner=OrgTrail/t", "team=security"]
        )));
        assert!(!only_owner_tag(&call("StartLogging", &[])));
    }

    #[test]
    fn drift_names_the_call_its_target_and_the_change() {
        assert_eq!(
            describe(&call("UpdateTrail", &["S3KeyPrefix: a → b"])),
            "UpdateTrail arn:aws:cloudtrail:us-east-1:111111111111:trail/t (S3KeyPrefix: a → b)"
        );
    }
}
