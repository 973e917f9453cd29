//! What a trail should look like, and how AWS's view differs from it (pure).

use crate::api::OrgTrailSpec;
use crate::api::selectors::EventSelectors;
use crate::aws::{
    EventConfiguration, InsightSelector, Insights, SourceEventCategory, Trail, TrailSettings,
    aws_default_selectors,
};

use super::super::tags;

/// `CreateTrail` / `UpdateTrail` input for `spec`; `owner` goes into the tags.
pub fn settings(spec: &OrgTrailSpec, owner: &str) -> TrailSettings {
    // No `..`: a new spec field stops compiling here until it is sent to AWS (or said
    // not to be).
    let OrgTrailSpec {
        name,
        home_region: _,
        s3_bucket_name,
        s3_key_prefix,
        sns_topic_name,
        kms_key_id,
        cloud_watch_logs_log_group_arn,
        cloud_watch_logs_role_arn,
        is_multi_region_trail,
        include_global_service_events,
        enable_log_file_validation,
        event_selectors: _,
        advanced_event_selectors: _,
        insight_selectors: _,
        insight_event_categories: _,
        recursive_logging,
        // Through PutEventConfiguration (a step of its own).
        aggregation_configurations: _,
        tags,
        logging: _,
        is_organization_trail,
        deletion_policy: _,
        adopt_existing: _,
        // Decides whether the engine acts at all, not what AWS should hold.
        management_policy: _,
    } = spec;
    TrailSettings {
        name: name.clone(),
        s3_bucket_name: s3_bucket_name.clone(),
        s3_key_prefix: non_empty(s3_key_prefix),
        sns_topic_name: non_empty(sns_topic_name),
        kms_key_id: non_empty(kms_key_id),
        cloud_watch_logs_log_group_arn: non_empty(cloud_watch_logs_log_group_arn),
        cloud_watch_logs_role_arn: non_empty(cloud_watch_logs_role_arn),
        is_multi_region_trail: *is_multi_region_trail,
        include_global_service_events: *include_global_service_events,
        enable_log_file_validation: *enable_log_file_validation,
        is_organization_trail: *is_organization_trail,
        recursive_logging: *recursive_logging,
        tags: tags::desired(tags, owner),
    }
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_ref().filter(|s| !s.is_empty()).cloned()
}

/// Whether an observed ARN-valued field matches a spec value that may be a name, id or
/// ARN. AWS returns ARNs (`SnsTopicARN`, the KMS key ARN) whatever form was sent.
/// A KMS alias can't be resolved without KMS, so it is trusted once applied.
fn arn_matches(spec: &Option<String>, observed: &Option<String>) -> bool {
    match (non_empty(spec), non_empty(observed)) {
        (None, None) => true,
        (Some(s), Some(o)) => {
            s == o
                || o.ends_with(&format!(":{s}"))
                || o.ends_with(&format!("/{s}"))
                || s.contains("alias/")
        }
        _ => false,
    }
}

/// The fields `UpdateTrail` must correct, by their AWS names (empty: no drift). Scope,
/// selectors, Insights, tags and logging have their own calls (and their own steps).
pub fn drift(spec: &OrgTrailSpec, observed: &Trail) -> Vec<&'static str> {
    // No `..`: a field added to what `settings` sends stops compiling here until drift
    // detection handles it (and `settings` names every spec field).
    let TrailSettings {
        name: _,
        s3_bucket_name,
        s3_key_prefix,
        sns_topic_name,
        kms_key_id,
        cloud_watch_logs_log_group_arn: log_group,
        cloud_watch_logs_role_arn: role,
        is_multi_region_trail,
        include_global_service_events: global_events,
        enable_log_file_validation: validation,
        is_organization_trail: _,
        recursive_logging,
        tags: _,
    } = settings(spec, "");
    let o = observed;
    [
        (s3_bucket_name != o.s3_bucket_name, "S3BucketName"),
        (s3_key_prefix != non_empty(&o.s3_key_prefix), "S3KeyPrefix"),
        (
            !arn_matches(&sns_topic_name, &o.sns_topic_arn),
            "SnsTopicName",
        ),
        (!arn_matches(&kms_key_id, &o.kms_key_id), "KmsKeyId"),
        (
            log_group != non_empty(&o.cloud_watch_logs_log_group_arn),
            "CloudWatchLogsLogGroupArn",
        ),
        (
            role != non_empty(&o.cloud_watch_logs_role_arn),
            "CloudWatchLogsRoleArn",
        ),
        (
            is_multi_region_trail != o.is_multi_region_trail,
            "IsMultiRegionTrail",
        ),
        (
            global_events != o.include_global_service_events,
            "IncludeGlobalServiceEvents",
        ),
        (
            validation != o.log_file_validation_enabled,
            "EnableLogFileValidation",
        ),
        // Unset: AWS's value stands.
        (
            recursive_logging.is_some_and(|r| r != o.recursive_logging),
            "RecursiveLogging",
        ),
    ]
    .into_iter()
    .filter_map(|(drifted, field)| drifted.then_some(field))
    .collect()
}

/// The selectors of the spec; when it sets none, AWS's default for a new trail.
pub fn desired_selectors(spec: &OrgTrailSpec) -> EventSelectors {
    match (&spec.advanced_event_selectors, &spec.event_selectors) {
        (Some(advanced), _) => EventSelectors::Advanced(advanced.clone()),
        (None, Some(basic)) => EventSelectors::Basic(basic.clone()),
        (None, None) => aws_default_selectors(),
    }
}

/// The Insights the spec declares, canonical: each type with its categories
/// (`Management`, AWS's default, when `insightEventCategories` does not name it).
pub fn desired_insights(spec: &OrgTrailSpec) -> Insights {
    let selectors = spec
        .insight_selectors
        .iter()
        .map(|t| InsightSelector {
            insight_type: *t,
            event_categories: spec
                .insight_event_categories
                .get(t.as_str())
                .cloned()
                .unwrap_or_else(|| vec![SourceEventCategory::Management]),
        })
        .collect();
    Insights {
        selectors,
        destination: None,
    }
    .canonical()
}

/// The aggregations the spec declares, canonical; `None`: not managed.
pub fn desired_event_configuration(spec: &OrgTrailSpec) -> Option<EventConfiguration> {
    spec.aggregation_configurations.as_ref().map(|a| {
        EventConfiguration {
            aggregation_configurations: a.clone(),
            ..Default::default()
        }
        .canonical()
    })
}

/// A trail's state beyond `GetTrail`: selectors, Insights, event configuration, logging.
#[derive(Clone, Debug, PartialEq)]
pub struct TrailDetails {
    /// `GetEventSelectors`.
    pub selectors: EventSelectors,
    /// `GetInsightSelectors` (canonical), read only when `HasInsightSelectors`.
    pub insights: Insights,
    /// `GetEventConfiguration` (canonical), read only when the spec declares aggregations.
    pub event_configuration: Option<EventConfiguration>,
    /// `GetTrailStatus.IsLogging`.
    pub logging: bool,
}

impl TrailDetails {
    /// What CloudTrail gives a new trail: default selectors, no Insights, no
    /// aggregation, not logging.
    pub fn of_new_trail() -> Self {
        TrailDetails {
            selectors: aws_default_selectors(),
            insights: Insights::default(),
            event_configuration: Some(EventConfiguration::default()),
            logging: false,
        }
    }
}

/// The steps only trails take.
#[derive(Clone, Debug, PartialEq)]
pub enum TrailStep {
    /// `PutEventSelectors`.
    PutEventSelectors(EventSelectors),
    /// `PutInsightSelectors` (empty: Insights off).
    PutInsightSelectors(Insights),
    /// `PutEventConfiguration` (aggregations).
    PutEventConfiguration(EventConfiguration),
    /// `StartLogging`.
    StartLogging,
    /// `StopLogging`.
    StopLogging,
}

/// Selectors, Insights and aggregations as declared.
pub fn reconfigure(spec: &OrgTrailSpec, observed: &TrailDetails) -> Vec<TrailStep> {
    let mut steps = vec![];
    let selectors = desired_selectors(spec);
    if selectors != observed.selectors {
        steps.push(TrailStep::PutEventSelectors(selectors));
    }
    let insights = desired_insights(spec);
    if insights != observed.insights {
        steps.push(TrailStep::PutInsightSelectors(insights));
    }
    if let (Some(desired), Some(observed)) = (
        desired_event_configuration(spec),
        &observed.event_configuration,
    ) && desired != *observed
    {
        steps.push(TrailStep::PutEventConfiguration(desired));
    }
    steps
}

/// What a step restores, by its AWS name.
pub fn restores(step: &TrailStep) -> Option<&'static str> {
    match step {
        TrailStep::PutEventSelectors(_) => Some("EventSelectors"),
        TrailStep::PutInsightSelectors(_) => Some("InsightSelectors"),
        TrailStep::PutEventConfiguration(_) => Some("AggregationConfigurations"),
        // LoggingRestarted says it.
        TrailStep::StartLogging | TrailStep::StopLogging => None,
    }
}

/// `StartLogging` / `StopLogging`, when AWS's logging state differs from the spec.
pub fn logging(spec: &OrgTrailSpec, observed: &TrailDetails) -> Option<TrailStep> {
    match (spec.logging, observed.logging) {
        (true, false) => Some(TrailStep::StartLogging),
        (false, true) => Some(TrailStep::StopLogging),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> OrgTrailSpec {
        serde_json::from_value(serde_json::json!({
            "name": "audit", "homeRegion": "us-east-1", "s3BucketName": "logs",
            "snsTopicName": "topic", "kmsKeyId": "1234abcd-12ab-34cd-56ef-1234567890ab"
        }))
        .unwrap()
    }

    fn observed(spec: &OrgTrailSpec) -> Trail {
        Trail {
            name: spec.name.clone(),
            arn: "arn:aws:cloudtrail:us-east-1:111111111111:trail/audit".into(),
            home_region: "us-east-1".into(),
            s3_bucket_name: "logs".into(),
            sns_topic_arn: Some("arn:aws:sns:us-east-1:111111111111:topic".into()),
            kms_key_id: Some(
                "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                    .into(),
            ),
            is_multi_region_trail: true,
            include_global_service_events: true,
            log_file_validation_enabled: true,
            is_organization_trail: true,
            ..Default::default()
        }
    }

    #[test]
    fn defaults_are_secure() {
        let s = settings(&spec(), "OrgTrail/audit");
        assert!(s.is_organization_trail && s.is_multi_region_trail && s.enable_log_file_validation);
        assert_eq!(
            s.tags.get(tags::OWNER_TAG).map(String::as_str),
            Some("OrgTrail/audit")
        );
    }

    #[test]
    fn no_drift_when_aws_reports_arns_for_names() {
        let spec = spec();
        assert_eq!(drift(&spec, &observed(&spec)), Vec::<&str>::new());
    }

    #[test]
    fn drift_names_each_field() {
        let spec = spec();
        let mut t = observed(&spec);
        t.s3_bucket_name = "other".into();
        t.log_file_validation_enabled = false;
        t.kms_key_id = None;
        t.s3_key_prefix = Some("x".into());
        assert_eq!(
            drift(&spec, &t),
            [
                "S3BucketName",
                "S3KeyPrefix",
                "KmsKeyId",
                "EnableLogFileValidation"
            ]
        );
    }

    #[test]
    fn selectors_default_to_all_management_events() {
        match desired_selectors(&spec()) {
            EventSelectors::Basic(v) => {
                assert_eq!(v.len(), 1);
                assert!(v[0].include_management_events && v[0].data_resources.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }
}
