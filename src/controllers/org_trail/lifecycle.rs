//! What trails add to the shared lifecycle of organization-scoped resources.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::plan::{self, TrailDetails, TrailStep};
use super::recursion;
use crate::api::{OrgTrailSpec, OrgTrailStatus};
use crate::aws::{AwsResult, CloudTrail, Insights, Target, Trail, TrailSettings};
use crate::controllers::events::Note;
use crate::controllers::org_scoped::OrgScoped;
use crate::controllers::org_scoped::plan::Step;

/// Trails in the shared lifecycle.
#[derive(Debug, PartialEq)]
pub struct Trails;

#[async_trait]
impl OrgScoped for Trails {
    const WHAT: &'static str = "trail";
    const ACCOUNT_LEVEL: &'static str = "an account-level trail";
    const ORGANIZATION_LEVEL: &'static str = "an organization trail";
    type Spec = OrgTrailSpec;
    type Status = OrgTrailStatus;
    type Resource = Trail;
    type Details = TrailDetails;
    type Settings = TrailSettings;
    type Step = TrailStep;

    fn arn(trail: &Trail) -> &str {
        &trail.arn
    }

    fn organization(trail: &Trail) -> bool {
        trail.is_organization_trail
    }

    fn pending_deletion(_: &Trail) -> Option<TrailStep> {
        None
    }

    fn drift(spec: &OrgTrailSpec, trail: &Trail) -> Vec<&'static str> {
        plan::drift(spec, trail)
    }

    fn new_details(_: &Trail) -> TrailDetails {
        TrailDetails::of_new_trail()
    }

    fn reconfigure(spec: &OrgTrailSpec, _: &Trail, details: &TrailDetails) -> Vec<TrailStep> {
        plan::reconfigure(spec, details)
    }

    fn restores(step: &TrailStep) -> Option<&'static str> {
        plan::restores(step)
    }

    fn activity(
        spec: &OrgTrailSpec,
        status: &OrgTrailStatus,
        trail: &Trail,
        details: &TrailDetails,
    ) -> Vec<Step<Self>> {
        let mut steps = vec![];
        // One Warning when the loop appears (the condition stays while it lasts).
        if let Some(what) = recursion::own_deliveries(spec, trail.recursive_logging)
            && status.records_own_deliveries.is_none()
        {
            steps.push(Step::Note(Note::warning(
                "RecursiveLogging",
                format!("trail {}: {}", trail.arn, recursion::warning(&what)),
            )));
        }
        let start = plan::logging(spec, details);
        if start == Some(TrailStep::StartLogging) && status.is_logging == Some(true) {
            steps.push(Step::Note(Note::warning(
                "LoggingRestarted",
                format!(
                    "trail {} stopped logging outside the operator; logging restarted",
                    trail.arn
                ),
            )));
        }
        steps.extend(start.map(Step::Kind));
        steps
    }

    fn scoped(settings: &TrailSettings, organization: bool) -> TrailSettings {
        TrailSettings {
            is_organization_trail: organization,
            ..settings.clone()
        }
    }

    fn tags(settings: &TrailSettings) -> &BTreeMap<String, String> {
        &settings.tags
    }

    fn record(status: &mut OrgTrailStatus, spec: &OrgTrailSpec, trail: &Trail, ready: bool) {
        status.is_organization_trail = Some(trail.is_organization_trail);
        status.records_own_deliveries = recursion::own_deliveries(spec, trail.recursive_logging);
        if ready {
            status.is_logging = Some(spec.logging);
        }
    }

    async fn find(
        ct: &dyn CloudTrail,
        region: &str,
        arn: Option<&str>,
        name: &str,
    ) -> AwsResult<Option<Trail>> {
        ct.get_trail(region, arn.unwrap_or(name)).await
    }

    async fn details(
        ct: &dyn CloudTrail,
        region: &str,
        spec: &OrgTrailSpec,
        trail: &Trail,
    ) -> AwsResult<TrailDetails> {
        let arn = trail.arn.as_str();
        let selectors = ct.get_event_selectors(region, arn).await?;
        // GetInsightSelectors on a trail without Insights answers InsightNotEnabledException,
        // an error record in the customer's own trail on every resync: ask only when needed.
        let insights = if trail.has_insight_selectors {
            ct.get_insight_selectors(region, Target::Trail(arn)).await?
        } else {
            Insights::default()
        };
        // Aggregations are managed only when declared: otherwise nothing to compare.
        let event_configuration = match spec.aggregation_configurations {
            Some(_) => Some(
                ct.get_event_configuration(region, Target::Trail(arn))
                    .await?,
            ),
            None => None,
        };
        Ok(TrailDetails {
            selectors,
            insights,
            event_configuration,
            logging: ct.get_trail_status(region, arn).await?.is_logging,
        })
    }

    async fn create(
        ct: &dyn CloudTrail,
        region: &str,
        settings: &TrailSettings,
    ) -> AwsResult<Trail> {
        ct.create_trail(region, settings).await
    }

    async fn convert(
        ct: &dyn CloudTrail,
        region: &str,
        trail: &Trail,
        organization: bool,
    ) -> AwsResult<Trail> {
        let converted = ct
            .set_organization_trail(region, &trail.arn, organization)
            .await?;
        Ok(keep_selector_flags(trail, converted))
    }

    async fn update(
        ct: &dyn CloudTrail,
        region: &str,
        trail: &Trail,
        settings: &TrailSettings,
        fields: &[&'static str],
    ) -> AwsResult<Trail> {
        let updated = ct
            .update_trail(region, &trail.arn, settings, fields)
            .await?;
        Ok(keep_selector_flags(trail, updated))
    }

    async fn step(
        ct: &dyn CloudTrail,
        region: &str,
        trail: &mut Trail,
        step: &TrailStep,
    ) -> AwsResult<()> {
        let arn = trail.arn.as_str();
        match step {
            TrailStep::PutEventSelectors(s) => ct.put_event_selectors(region, arn, s).await,
            TrailStep::PutInsightSelectors(i) => {
                ct.put_insight_selectors(region, Target::Trail(arn), i)
                    .await?;
                trail.has_insight_selectors = !i.selectors.is_empty();
                Ok(())
            }
            TrailStep::PutEventConfiguration(c) => {
                ct.put_event_configuration(region, Target::Trail(arn), c)
                    .await
            }
            TrailStep::StartLogging => ct.start_logging(region, arn).await,
            TrailStep::StopLogging => ct.stop_logging(region, arn).await,
        }
    }
}

/// `UpdateTrail`'s answer lacks the Has*Selectors flags; updates keep them.
fn keep_selector_flags(before: &Trail, after: Trail) -> Trail {
    Trail {
        has_custom_event_selectors: before.has_custom_event_selectors,
        has_insight_selectors: before.has_insight_selectors,
        ..after
    }
}
