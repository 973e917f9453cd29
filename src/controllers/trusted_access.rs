//! TrustedAccess: keep Organizations' trust in CloudTrail as declared.

use std::sync::Arc;
use std::time::Duration;

use kube::api::{Api, ListParams};
use kube::core::DeserializeGuard;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;
use kube::runtime::reflector::Store;

use super::conditions::{Extra, Health};
use super::{Reconciled, event, write_status};
use crate::api::trusted_access::DisableImpact;
use crate::api::{OrgEventDataStore, TrustedAccess, TrustedAccessState, TrustedAccessStatus};
use crate::aws::AwsResult;
use crate::runtime::context::Context;
use crate::runtime::error::Result;

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
        ctx.settings.trusted_access_resync
    }

    /// Trails and stores ask whether a TrustedAccess object declares `Disabled` before
    /// converting back; they read this cache instead of the API server.
    fn share_store(ctx: &Context, store: Store<DeserializeGuard<TrustedAccess>>) {
        ctx.set_trusted_access_objects(store);
    }

    fn status(&self) -> Option<&TrustedAccessStatus> {
        self.status.as_ref()
    }

    async fn converge(&self, ctx: &Context, status: &mut TrustedAccessStatus) -> AwsResult<Health> {
        converge(self, ctx, status).await
    }

    fn extras(status: &TrustedAccessStatus, _: &Health) -> Vec<Extra> {
        status
            .enabled
            .map(|enabled| Extra {
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

    async fn cleanup(_: Arc<Self>, _: Arc<Context>) -> Result<Action> {
        Ok(Action::await_change())
    }
}

async fn converge(
    ta: &TrustedAccess,
    ctx: &Context,
    status: &mut TrustedAccessStatus,
) -> AwsResult<Health> {
    let principal = ta.spec.service_principal.as_str();
    let org = ctx.organization().await?;
    status.organization_id = Some(org.id.clone());
    status.management_account_id = Some(org.management_account_id.clone());
    let orgs = &ctx.aws.management().organizations;
    let enabled = orgs
        .list_aws_service_access()
        .await?
        .iter()
        .any(|p| p == principal);
    ctx.observed_trusted(enabled);
    match ta.spec.state {
        TrustedAccessState::Enabled => {
            if !enabled {
                if status.enabled == Some(true) {
                    // Somebody disabled it behind our back. Say so in status first: the
                    // status change wakes the trail and store controllers too.
                    event(ctx, ta, EventType::Warning, "DisabledOutOfBand",
                        "trusted access for CloudTrail was disabled outside the operator; re-enabling").await;
                    status.enabled = Some(false);
                    let waiting = Health::Waiting {
                        reason: "DisabledOutOfBand",
                        message: "re-enabling trusted access".into(),
                    };
                    if let Err(e) = write_status(ctx, ta, status.clone(), &waiting).await {
                        tracing::warn!(%e, "status write before re-enable failed");
                    }
                }
                orgs.enable_aws_service_access(principal).await?;
                ctx.observed_trusted(true);
                event(
                    ctx,
                    ta,
                    EventType::Normal,
                    "Enabled",
                    &format!("trusted access enabled for {principal}"),
                )
                .await;
            }
            status.enabled = Some(true);
            status.disable_impact = None;
            ctx.metrics.set_trusted_access_enabled(true);
            Ok(Health::Ready {
                reason: "Enabled",
                message: format!("Organizations trusts {principal}"),
            })
        }
        TrustedAccessState::Disabled => {
            if enabled {
                // Announce the damage before doing it.
                let impact = disable_impact(ctx).await?;
                status.disable_impact = Some(impact.clone());
                status.enabled = Some(true);
                let disabling = Health::Waiting {
                    reason: "Disabling",
                    message: describe(&impact),
                };
                if let Err(e) = write_status(ctx, ta, status.clone(), &disabling).await {
                    tracing::warn!(%e, "status write before disable failed");
                }
                orgs.disable_aws_service_access(principal).await?;
                ctx.observed_trusted(false);
                event(ctx, ta, EventType::Normal, "Disabled", &describe(&impact)).await;
            }
            status.enabled = Some(false);
            ctx.metrics.set_trusted_access_enabled(false);
            Ok(Health::Ready {
                reason: "Disabled",
                message: format!("Organizations does not trust {principal}"),
            })
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
/// region, so every organization trail is found from the operator's region; event data
/// stores are regional, so they are looked for in the operator's region and in the home
/// regions of the declared stores.
async fn disable_impact(ctx: &Context) -> AwsResult<DisableImpact> {
    let home = ctx.settings.region.clone();
    let ct = &ctx.aws.management().cloudtrail;
    let mut impact = DisableImpact::default();
    for summary in ct.list_trails(&home).await? {
        // A trail is described in its home region (elsewhere only its shadow exists).
        if let Some(trail) = ct.get_trail(&summary.home_region, &summary.arn).await?
            && trail.is_organization_trail
            && !impact.trails_converted.contains(&trail.arn)
        {
            impact.trails_converted.push(trail.arn);
        }
    }

    let mut regions = vec![home];
    if let Ok(list) = Api::<OrgEventDataStore>::all(ctx.client.clone())
        .list(&ListParams::default())
        .await
    {
        regions.extend(list.items.iter().map(|s| s.spec.home_region.clone()));
    }
    regions.sort();
    regions.dedup();
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
