//! TrustedAccess: keep Organizations' trust in CloudTrail as declared.

use std::future::Future;
use std::time::Duration;

use kube::api::{Api, ListParams};

use super::Reconciled;
use super::events::{Note, Report};
use super::outcome::{KindCondition, Outcome};
use crate::api::trusted_access::DisableImpact;
use crate::api::{
    ManagementPolicy, OrgEventDataStore, TrustedAccess, TrustedAccessState, TrustedAccessStatus,
};
use crate::aws::access::Aws;
use crate::aws::{AwsResult, Organization};
use crate::runtime::context::Context;
use crate::runtime::trust::TrustGate;
use crate::triggers::Hint;

/// Kind-specific condition: whether AWS reports trusted access enabled.
pub const SERVICE_ACCESS_ENABLED: &str = "ServiceAccessEnabled";

impl Reconciled for TrustedAccess {
    const KIND: &'static str = "TrustedAccess";
    // Deleting the object never disables trusted access: that takes `state: Disabled`.
    const CLEANUP: bool = false;
    const FOLLOWS_TRUSTED_ACCESS: bool = false;

    type Status = TrustedAccessStatus;

    /// Trusted access is checked more often than the other kinds are resynced: one cheap
    /// read, and an out-of-band disable is the costliest drift there is.
    fn resync(ctx: &Context) -> Duration {
        ctx.trusted_access_resync()
    }

    fn status(&self) -> Option<&TrustedAccessStatus> {
        self.status.as_ref()
    }

    fn management_policy(&self) -> ManagementPolicy {
        self.spec.management_policy
    }

    fn affected_by(&self, hint: &Hint) -> bool {
        matches!(hint, Hint::TrustedAccess { service_principal }
            if *service_principal == self.spec.service_principal)
    }

    async fn reconcile(
        &self,
        ctx: &Context,
        aws: &Aws,
        trust: &TrustGate,
        status: &mut TrustedAccessStatus,
        report: &impl Report<TrustedAccessStatus>,
    ) -> AwsResult<Outcome> {
        let regions = store_regions(ctx);
        let outcome = reconcile(self, status, aws, trust, regions, report).await?;
        // An observe-only object's status comes from a dry run: it is no observation.
        if self.spec.management_policy == ManagementPolicy::Manage {
            ctx.metrics
                .set_trusted_access_enabled(status.enabled == Some(true));
        }
        Ok(outcome)
    }

    fn kind_conditions(status: &TrustedAccessStatus, _: &Outcome) -> Vec<KindCondition> {
        status
            .enabled
            .map(|enabled| KindCondition {
                type_: SERVICE_ACCESS_ENABLED,
                status: enabled,
                reason: if enabled { "Enabled" } else { "Disabled" },
                message: format!(
                    "AWS reports trusted access for CloudTrail {}",
                    if enabled { "enabled" } else { "disabled" }
                ),
            })
            .into_iter()
            .collect()
    }

    async fn cleanup(&self, _: &Context) -> AwsResult<Option<Note>> {
        Ok(None)
    }
}

/// What AWS says about trusted access.
#[derive(Debug)]
pub struct Observed {
    /// `DescribeOrganization`.
    pub organization: Organization,
    /// Whether Organizations trusts the service principal.
    pub enabled: bool,
}

/// What to do about it.
#[derive(Debug, PartialEq, Eq)]
pub enum Plan {
    /// AWS matches the declared state.
    Keep,
    /// `EnableAWSServiceAccess`; `out_of_band`: we had seen it enabled, so someone
    /// disabled it behind our back.
    Enable {
        /// Say so first.
        out_of_band: bool,
    },
    /// `DisableAWSServiceAccess`, after announcing what it converts.
    Disable,
}

/// Observe, plan and act for one TrustedAccess. `store_regions`: the home regions of the
/// declared event data stores, awaited only before a disable (to list its impact).
pub async fn reconcile(
    ta: &TrustedAccess,
    status: &mut TrustedAccessStatus,
    aws: &Aws,
    trust: &TrustGate,
    store_regions: impl Future<Output = Vec<String>> + Send,
    report: &impl Report<TrustedAccessStatus>,
) -> AwsResult<Outcome> {
    let observed = observe(ta, aws).await?;
    trust.record(observed.enabled);
    status.organization_id = Some(observed.organization.id.clone());
    status.management_account_id = Some(observed.organization.management_account_id.clone());
    let principal = ta.spec.service_principal.as_str();
    let orgs = &aws.management().organizations;
    match plan(ta.spec.state, status, &observed) {
        Plan::Keep => {}
        Plan::Enable { out_of_band } => {
            if out_of_band {
                // Say so in status first: the status change wakes the trail and store
                // controllers too.
                report.note(Note::warning("DisabledOutOfBand",
                    "trusted access for CloudTrail was disabled outside the operator; re-enabling")).await;
                status.enabled = Some(false);
                let waiting = Outcome::Waiting {
                    reason: "DisabledOutOfBand",
                    message: "re-enabling trusted access".into(),
                };
                report.checkpoint(status, &waiting).await;
            }
            orgs.enable_aws_service_access(principal).await?;
            trust.record(true);
            let note = format!("trusted access enabled for {principal}");
            report.note(Note::normal("Enabled", note)).await;
        }
        Plan::Disable => {
            // Announce the damage before doing it.
            let impact = disable_impact(aws, store_regions.await).await?;
            status.disable_impact = Some(impact.clone());
            status.enabled = Some(true);
            let disabling = Outcome::Waiting {
                reason: "Disabling",
                message: describe(&impact),
            };
            report.checkpoint(status, &disabling).await;
            orgs.disable_aws_service_access(principal).await?;
            trust.record(false);
            report
                .note(Note::normal("Disabled", describe(&impact)))
                .await;
        }
    }
    Ok(converged(ta, status))
}

async fn observe(ta: &TrustedAccess, aws: &Aws) -> AwsResult<Observed> {
    let organization = aws.organization().await?.clone();
    let principal = ta.spec.service_principal.as_str();
    let enabled = aws
        .management()
        .organizations
        .list_aws_service_access()
        .await?
        .iter()
        .any(|p| p == principal);
    Ok(Observed {
        organization,
        enabled,
    })
}

/// The plan for `observed` (pure).
pub fn plan(state: TrustedAccessState, status: &TrustedAccessStatus, observed: &Observed) -> Plan {
    match (state, observed.enabled) {
        (TrustedAccessState::Enabled, false) => Plan::Enable {
            out_of_band: status.enabled == Some(true),
        },
        (TrustedAccessState::Disabled, true) => Plan::Disable,
        _ => Plan::Keep,
    }
}

/// Status and outcome once AWS matches the declared state.
fn converged(ta: &TrustedAccess, status: &mut TrustedAccessStatus) -> Outcome {
    let principal = &ta.spec.service_principal;
    match ta.spec.state {
        TrustedAccessState::Enabled => {
            status.enabled = Some(true);
            status.disable_impact = None;
            Outcome::Ready {
                reason: "Enabled",
                message: format!("Organizations trusts {principal}"),
            }
        }
        TrustedAccessState::Disabled => {
            status.enabled = Some(false);
            Outcome::Ready {
                reason: "Disabled",
                message: format!("Organizations does not trust {principal}"),
            }
        }
    }
}

fn describe(impact: &DisableImpact) -> String {
    format!(
        "disabling trusted access converts {} organization trail(s) {:?} and {} organization event data store(s) {:?} to account level and deletes member accounts' copies of the trails",
        impact.trails_converted.len(),
        impact.trails_converted,
        impact.event_data_stores_converted.len(),
        impact.event_data_stores_converted
    )
}

/// Which organization trails and stores disabling converts. ListTrails answers for every
/// region, so every organization trail is found from any region; event data stores are
/// regional, so they are looked for in each of `regions` (the operator's region and the
/// home regions of the declared stores).
async fn disable_impact(aws: &Aws, mut regions: Vec<String>) -> AwsResult<DisableImpact> {
    let ct = &aws.management().cloudtrail;
    let mut impact = DisableImpact::default();
    regions.sort();
    regions.dedup();
    let Some(home) = regions.first() else {
        return Ok(impact);
    };
    for summary in ct.list_trails(home).await? {
        // A trail is described in its home region (elsewhere only its shadow exists).
        if let Some(trail) = ct.get_trail(&summary.home_region, &summary.arn).await?
            && trail.is_organization_trail
            && !impact.trails_converted.contains(&trail.arn)
        {
            impact.trails_converted.push(trail.arn);
        }
    }
    for region in &regions {
        for summary in ct.list_event_data_stores(region).await? {
            if let Some(store) = ct.get_event_data_store(region, &summary.arn).await?
                && store.organization_enabled
            {
                impact.event_data_stores_converted.push(store.arn);
            }
        }
    }
    Ok(impact)
}

/// The operator's region and the home regions of the declared event data stores.
async fn store_regions(ctx: &Context) -> Vec<String> {
    let mut regions = vec![ctx.settings.region.clone()];
    if let Ok(list) = Api::<OrgEventDataStore>::all(ctx.client.clone())
        .list(&ListParams::default())
        .await
    {
        regions.extend(list.items.iter().map(|s| s.spec.home_region.clone()));
    }
    regions
}

#[cfg(test)]
mod tests;
