//! What a trail should look like, and how AWS's view differs from it (pure).

use crate::api::OrgTrailSpec;
use crate::api::selectors::{EventSelector, EventSelectors, InsightType};
use crate::aws::{Trail, TrailSettings};

use super::super::tags;

/// `CreateTrail` / `UpdateTrail` input for `spec`; `owner` goes into the tags.
pub fn settings(spec: &OrgTrailSpec, owner: &str) -> TrailSettings {
    TrailSettings {
        name: spec.name.clone(),
        s3_bucket_name: spec.s3_bucket_name.clone(),
        s3_key_prefix: non_empty(&spec.s3_key_prefix),
        sns_topic_name: non_empty(&spec.sns_topic_name),
        kms_key_id: non_empty(&spec.kms_key_id),
        cloud_watch_logs_log_group_arn: non_empty(&spec.cloud_watch_logs_log_group_arn),
        cloud_watch_logs_role_arn: non_empty(&spec.cloud_watch_logs_role_arn),
        is_multi_region_trail: spec.is_multi_region_trail,
        include_global_service_events: spec.include_global_service_events,
        enable_log_file_validation: spec.enable_log_file_validation,
        is_organization_trail: spec.is_organization_trail,
        tags: tags::desired(&spec.tags, owner),
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

/// The fields `UpdateTrail` must correct, by their AWS names (empty: no drift).
pub fn drift(spec: &OrgTrailSpec, observed: &Trail) -> Vec<&'static str> {
    let mut out = vec![];
    if spec.s3_bucket_name != observed.s3_bucket_name {
        out.push("S3BucketName");
    }
    if non_empty(&spec.s3_key_prefix) != non_empty(&observed.s3_key_prefix) {
        out.push("S3KeyPrefix");
    }
    if !arn_matches(&spec.sns_topic_name, &observed.sns_topic_arn) {
        out.push("SnsTopicName");
    }
    if !arn_matches(&spec.kms_key_id, &observed.kms_key_id) {
        out.push("KmsKeyId");
    }
    if non_empty(&spec.cloud_watch_logs_log_group_arn)
        != non_empty(&observed.cloud_watch_logs_log_group_arn)
    {
        out.push("CloudWatchLogsLogGroupArn");
    }
    if non_empty(&spec.cloud_watch_logs_role_arn) != non_empty(&observed.cloud_watch_logs_role_arn)
    {
        out.push("CloudWatchLogsRoleArn");
    }
    if spec.is_multi_region_trail != observed.is_multi_region_trail {
        out.push("IsMultiRegionTrail");
    }
    if spec.include_global_service_events != observed.include_global_service_events {
        out.push("IncludeGlobalServiceEvents");
    }
    if spec.enable_log_file_validation != observed.log_file_validation_enabled {
        out.push("EnableLogFileValidation");
    }
    out
}

/// The selectors of the spec; when it sets none, AWS's default for a new trail.
pub fn desired_selectors(spec: &OrgTrailSpec) -> EventSelectors {
    match (&spec.advanced_event_selectors, &spec.event_selectors) {
        (Some(advanced), _) => EventSelectors::Advanced(advanced.clone()),
        (None, Some(basic)) => EventSelectors::Basic(basic.clone()),
        (None, None) => aws_default_selectors(),
    }
}

/// What CloudTrail gives a new trail: all management events, read and write.
pub fn aws_default_selectors() -> EventSelectors {
    EventSelectors::Basic(vec![EventSelector {
        include_management_events: true,
        ..Default::default()
    }])
}

/// Insight types, in a canonical order for comparison.
pub fn sorted_insights(mut v: Vec<InsightType>) -> Vec<InsightType> {
    v.sort();
    v.dedup();
    v
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
