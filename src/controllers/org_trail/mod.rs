//! OrgTrail: create, convert back, correct drift, keep logging — the shared lifecycle of
//! `org_scoped`, with what only trails have in `lifecycle` and `plan`.

pub mod lifecycle;
pub mod plan;
pub mod recursion;
#[cfg(test)]
mod tests;

use kube::ResourceExt;

use super::events::{Note, Report};
use super::org_scoped::{self, Declared};
use super::outcome::{KindCondition, Outcome};
use super::{Reconciled, tags};
use crate::api::{DeletionPolicy, ManagementPolicy, OrgTrail, OrgTrailStatus};
use crate::aws::access::Aws;
use crate::aws::{AwsResult, ErrorKind, trail_arn};
use crate::runtime::context::Context;
use crate::runtime::trust::TrustGate;
use crate::triggers::Hint;
use lifecycle::Trails;

/// Kind-specific conditions.
pub const ORGANIZATION_SCOPE: &str = "OrganizationScope";
/// Whether the trail logs as declared.
pub const LOGGING: &str = "Logging";
/// Present (True) while the trail records CloudTrail's own deliveries.
pub const RECURSIVE_LOGGING: &str = "RecursiveLogging";

impl Reconciled for OrgTrail {
    const KIND: &'static str = "OrgTrail";
    const CLEANUP: bool = true;
    const FOLLOWS_TRUSTED_ACCESS: bool = true;

    type Status = OrgTrailStatus;

    fn status(&self) -> Option<&OrgTrailStatus> {
        self.status.as_ref()
    }

    fn management_policy(&self) -> ManagementPolicy {
        self.spec.management_policy
    }

    /// Trail calls name the trail (bare name, or ARN) in its home region.
    fn affected_by(&self, hint: &Hint) -> bool {
        matches!(hint, Hint::Trail { name, region }
            if *name == self.spec.name && *region == self.spec.home_region)
    }

    async fn reconcile(
        &self,
        _: &Context,
        aws: &Aws,
        trust: &TrustGate,
        status: &mut OrgTrailStatus,
        report: &impl Report<OrgTrailStatus>,
    ) -> AwsResult<Outcome> {
        reconcile(self, status, aws, trust, report).await
    }

    fn kind_conditions(status: &OrgTrailStatus, outcome: &Outcome) -> Vec<KindCondition> {
        let scope = status.is_organization_trail.map(|org| {
            let (reason, message) = match (org, outcome) {
                (true, _) => (
                    "OrganizationTrail",
                    "the trail logs every account of the organization",
                ),
                (false, Outcome::Waiting { .. }) => (
                    "TrustedAccessDisabled",
                    "trusted access for CloudTrail is disabled: the trail is account-level and member accounts' copies are gone",
                ),
                (false, _) => ("AccountTrail", "the trail is an account-level trail"),
            };
            KindCondition {
                type_: ORGANIZATION_SCOPE,
                status: org,
                reason,
                message: message.into(),
            }
        });
        let logging = status.is_logging.map(|logging| KindCondition {
            type_: LOGGING,
            status: logging,
            reason: if logging { "Logging" } else { "NotLogging" },
            message: String::new(),
        });
        let recursive = status
            .records_own_deliveries
            .as_deref()
            .map(|what| KindCondition {
                type_: RECURSIVE_LOGGING,
                status: true,
                reason: RECURSIVE_LOGGING,
                message: recursion::warning(what),
            });
        scope.into_iter().chain(logging).chain(recursive).collect()
    }

    async fn cleanup(&self, ctx: &Context) -> AwsResult<Option<Note>> {
        cleanup(self, &ctx.aws).await
    }
}

/// Observe, plan and act for one trail.
pub async fn reconcile(
    trail: &OrgTrail,
    status: &mut OrgTrailStatus,
    aws: &Aws,
    trust: &TrustGate,
    report: &impl Report<OrgTrailStatus>,
) -> AwsResult<Outcome> {
    let spec = &trail.spec;
    let region = spec.home_region.as_str();
    // Organization trails belong to the management account whoever creates them; address
    // them by that ARN so delegated-admin credentials work too.
    let owner_account = if spec.is_organization_trail {
        aws.organization().await?.management_account_id.clone()
    } else {
        aws.caller().await?.account_id.clone()
    };
    let arn = trail_arn(region, &owner_account, &spec.name);
    status.arn = Some(arn.clone());
    status.home_region = Some(region.to_string());
    status.owner_account_id = Some(owner_account);
    let owner = tags::owner_value(OrgTrail::KIND, &trail.name_any());
    let declared = Declared::<Trails> {
        spec,
        region,
        name: &spec.name,
        arn: Some(arn),
        settings: plan::settings(spec, &owner),
        owner,
        organization: spec.is_organization_trail,
        adopt_existing: spec.adopt_existing,
        existed: status.is_logging.is_some(),
        was_ready: super::engine::converged(trail),
    };
    org_scoped::reconcile(&declared, status, aws, trust, report).await
}

/// Deletion policy `Delete`: delete the trail we recorded.
pub async fn cleanup(trail: &OrgTrail, aws: &Aws) -> AwsResult<Option<Note>> {
    let arn = match (&trail.spec.deletion_policy, &trail.status) {
        (DeletionPolicy::Delete, Some(OrgTrailStatus { arn: Some(arn), .. })) => arn,
        _ => return Ok(None),
    };
    let ct = &aws.primary.cloudtrail;
    match ct.delete_trail(&trail.spec.home_region, arn).await {
        Ok(()) => Ok(Some(Note::normal(
            "Deleted",
            format!("trail {arn} deleted"),
        ))),
        Err(e) if e.kind == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
