//! OrgTrail: create, convert back, correct drift, keep logging.

pub mod plan;

use std::sync::Arc;

use kube::ResourceExt;
use kube::runtime::controller::Action;
use kube::runtime::events::EventType;

use super::conditions::{Extra, Health};
use super::tags;
use super::{Reconciled, claim, event, not_visible, reconversion_blocked};
use crate::api::{DeletionPolicy, OrgTrail, OrgTrailStatus};
use crate::aws::{AwsResult, ErrorKind, Trail, trail_arn};
use crate::runtime::context::Context;
use crate::runtime::error::Result;

/// Kind-specific conditions.
pub const ORGANIZATION_SCOPE: &str = "OrganizationScope";
/// Whether the trail logs as declared.
pub const LOGGING: &str = "Logging";

impl Reconciled for OrgTrail {
    const KIND: &'static str = "OrgTrail";
    const CLEANUP: bool = true;
    const FOLLOWS_TRUSTED_ACCESS: bool = true;

    type Status = OrgTrailStatus;

    fn status(&self) -> Option<&OrgTrailStatus> {
        self.status.as_ref()
    }

    async fn converge(&self, ctx: &Context, status: &mut OrgTrailStatus) -> AwsResult<Health> {
        converge(self, ctx, status).await
    }

    fn extras(status: &OrgTrailStatus, health: &Health) -> Vec<Extra> {
        let mut extras = vec![];
        if let Some(org) = status.is_organization_trail {
            let (reason, message) = match (org, health) {
                (true, _) => (
                    "OrganizationTrail",
                    "the trail logs every account of the organization",
                ),
                (false, Health::Waiting { .. }) => (
                    "TrustedAccessDisabled",
                    "trusted access for CloudTrail is disabled: the trail is account-level and member accounts' copies are gone",
                ),
                (false, _) => ("AccountTrail", "the trail is an account-level trail"),
            };
            extras.push(Extra {
                type_: ORGANIZATION_SCOPE,
                status: org,
                reason,
                message: message.into(),
            });
        }
        if let Some(logging) = status.is_logging {
            extras.push(Extra {
                type_: LOGGING,
                status: logging,
                reason: if logging { "Logging" } else { "NotLogging" },
                message: String::new(),
            });
        }
        extras
    }

    async fn cleanup(trail: Arc<Self>, ctx: Arc<Context>) -> Result<Action> {
        if trail.spec.deletion_policy == DeletionPolicy::Delete
            && let Some(arn) = trail.status.as_ref().and_then(|s| s.arn.clone())
        {
            match ctx
                .aws
                .primary
                .cloudtrail
                .delete_trail(&trail.spec.home_region, &arn)
                .await
            {
                Ok(()) => {
                    event(
                        &ctx,
                        &*trail,
                        EventType::Normal,
                        "Deleted",
                        &format!("trail {arn} deleted"),
                    )
                    .await
                }
                Err(e) if e.kind == ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(Action::await_change())
    }
}

async fn converge(t: &OrgTrail, ctx: &Context, status: &mut OrgTrailStatus) -> AwsResult<Health> {
    let spec = &t.spec;
    let region = spec.home_region.as_str();
    // Organization trails belong to the management account whoever creates them; address
    // them by that ARN so delegated-admin credentials work too.
    let owner_account = if spec.is_organization_trail {
        ctx.organization().await?.management_account_id.clone()
    } else {
        ctx.caller().await?.account_id.clone()
    };
    let arn = trail_arn(region, &owner_account, &spec.name);
    status.arn = Some(arn.clone());
    status.home_region = Some(region.to_string());
    status.owner_account_id = Some(owner_account);
    let owner = tags::owner_value("OrgTrail", &t.name_any());
    let settings = plan::settings(spec, &owner);

    // Once trusted access is disabled, an organization trail is an ordinary trail of the
    // management account: a delegated administrator gets TrailNotFound for it. Look with
    // the management credentials too (when we have them) before concluding it is gone.
    let mut ct = &ctx.aws.primary.cloudtrail;
    let mut found = ct.get_trail(region, &arn).await?;
    if found.is_none() && ctx.aws.management.is_some() {
        ct = &ctx.aws.management().cloudtrail;
        found = ct.get_trail(region, &arn).await?;
    }

    // A trail created just now has AWS's defaults: default selectors, no Insights, not
    // logging. No need to read them back.
    let mut created_now = false;
    let (mut trail, observed_tags) = match found {
        Some(trail) => {
            let observed_tags = ct.list_tags(region, &arn).await?;
            let adopt = spec.adopt_existing;
            if let Some(clash) = claim(ctx, t, "trail", &arn, &observed_tags, &owner, adopt).await {
                return Ok(clash);
            }
            (trail, observed_tags)
        }
        None => {
            if status.is_logging.is_some() {
                event(
                    ctx,
                    t,
                    EventType::Warning,
                    "Recreated",
                    &format!("trail {arn} was deleted outside the operator; recreating it"),
                )
                .await;
            }
            let created = match ct.create_trail(region, &settings).await {
                Ok(created) => created,
                Err(e) if e.kind == ErrorKind::AlreadyExists => {
                    return Ok(not_visible("trail", &spec.name, &e));
                }
                Err(e) => return Err(e),
            };
            event(
                ctx,
                t,
                EventType::Normal,
                "Created",
                &format!("trail {} created", created.arn),
            )
            .await;
            created_now = true;
            (created, settings.tags.clone())
        }
    };

    if spec.is_organization_trail != trail.is_organization_trail {
        // AWS turned it into an account trail when trusted access went away, and does not
        // turn it back. Only try when trusted access is on again.
        if spec.is_organization_trail
            && let Some(why) = reconversion_blocked(ctx).await?
        {
            status.is_organization_trail = Some(false);
            return Ok(Health::Waiting {
                reason: "TrustedAccessDisabled",
                message: format!(
                    "trail {arn} is an account-level trail while {why}; it is converted back when trusted access is enabled"
                ),
            });
        }
        let converted = ctx
            .aws
            .management()
            .cloudtrail
            .set_organization_trail(region, &arn, spec.is_organization_trail)
            .await
            .inspect_err(|e| ctx.forget_trust_if_refused(e))?;
        // UpdateTrail's answer lacks the Has*Selectors flags; conversion keeps them.
        trail = Trail {
            has_custom_event_selectors: trail.has_custom_event_selectors,
            has_insight_selectors: trail.has_insight_selectors,
            ..converted
        };
        if spec.is_organization_trail {
            ctx.metrics.reconverted("OrgTrail");
            event(
                ctx,
                t,
                EventType::Normal,
                "Reconverted",
                &format!("trail {arn} is an organization trail again"),
            )
            .await;
        }
    }
    status.is_organization_trail = Some(trail.is_organization_trail);

    let drifted = plan::drift(spec, &trail);
    if !drifted.is_empty() {
        let mut update = settings.clone();
        // Scope changes go through the management-only conversion above, never here.
        update.is_organization_trail = trail.is_organization_trail;
        ct.update_trail(region, &arn, &update).await?;
        event(
            ctx,
            t,
            EventType::Normal,
            "Updated",
            &format!("corrected {}", drifted.join(", ")),
        )
        .await;
    }

    let selectors = plan::desired_selectors(spec);
    let observed_selectors = if created_now {
        plan::aws_default_selectors()
    } else {
        ct.get_event_selectors(region, &arn).await?
    };
    if observed_selectors != selectors {
        ct.put_event_selectors(region, &arn, &selectors).await?;
    }
    let insights = plan::sorted_insights(spec.insight_selectors.clone());
    // GetInsightSelectors on a trail without Insights answers InsightNotEnabledException,
    // an error record in the customer's own trail on every resync: ask only when needed.
    let observed_insights = if created_now || !trail.has_insight_selectors {
        vec![]
    } else {
        plan::sorted_insights(ct.get_insight_selectors(region, &arn).await?)
    };
    if observed_insights != insights {
        ct.put_insight_selectors(region, &arn, &insights).await?;
    }
    let (add, remove) = tags::changes(&settings.tags, &observed_tags);
    if !add.is_empty() {
        ct.add_tags(region, &arn, &add).await?;
    }
    if !remove.is_empty() {
        ct.remove_tags(region, &arn, &remove).await?;
    }

    let logging = !created_now && ct.get_trail_status(region, &arn).await?.is_logging;
    if spec.logging && !logging {
        if status.is_logging == Some(true) {
            event(
                ctx,
                t,
                EventType::Warning,
                "LoggingRestarted",
                &format!("trail {arn} stopped logging outside the operator; logging restarted"),
            )
            .await;
        }
        ct.start_logging(region, &arn).await?;
    } else if !spec.logging && logging {
        ct.stop_logging(region, &arn).await?;
    }
    status.is_logging = Some(spec.logging);
    Ok(Health::Ready {
        reason: "Ready",
        message: format!("trail {arn} matches the spec"),
    })
}
