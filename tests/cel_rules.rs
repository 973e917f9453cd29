//! Every CEL rule of every CRD, evaluated client-side with kube's CEL validator against
//! the generated schema (the same rules the API server enforces at admission): each valid
//! example passes, each invalid one fails with the rule's message, and every rule in the
//! CRDs is exercised by at least one invalid example.

use std::collections::BTreeSet;

use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::CustomResourceExt;
use kube::core::cel::Validator;
use orgtrail_operator::api::{DelegatedAdmin, OrgEventDataStore, OrgTrail, TrustedAccess};
use serde_json::{Value, json};

fn schema(crd: &CustomResourceDefinition) -> Value {
    serde_json::to_value(
        crd.spec.versions[0]
            .schema
            .as_ref()
            .and_then(|s| s.open_api_v3_schema.as_ref())
            .expect("schema"),
    )
    .unwrap()
}

/// Deep-merge `patch` into `base`; a `null` in the patch removes the key.
fn merged(base: &Value, patch: &Value) -> Value {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            let mut out = b.clone();
            for (k, v) in p {
                if v.is_null() {
                    out.remove(k);
                } else {
                    let next = merged(out.get(k).unwrap_or(&Value::Null), v);
                    out.insert(k.clone(), next);
                }
            }
            Value::Object(out)
        }
        (_, p) => p.clone(),
    }
}

/// The messages and rules of the failures for `obj` (and `old` for an update).
fn failures(
    crd: &CustomResourceDefinition,
    obj: &Value,
    old: Option<&Value>,
) -> Vec<(String, String)> {
    match Validator::new().validate(&schema(crd), obj, old) {
        Ok(()) => vec![],
        Err(errs) => errs
            .iter()
            .map(|e| (e.message.clone(), e.rule.clone()))
            .collect(),
    }
}

fn all_rules(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Array(rules)) = m.get("x-kubernetes-validations") {
                for r in rules {
                    out.insert(r["rule"].as_str().unwrap().to_string());
                }
            }
            m.values().for_each(|x| all_rules(x, out));
        }
        Value::Array(a) => a.iter().for_each(|x| all_rules(x, out)),
        _ => {}
    }
}

/// An invalid example: a patch on the valid base (and optionally a patch giving the old
/// object for transition rules) and the message it must be rejected with.
struct Case {
    patch: Value,
    old_patch: Option<Value>,
    message: &'static str,
}

fn create(patch: Value, message: &'static str) -> Case {
    Case {
        patch,
        old_patch: None,
        message,
    }
}

fn update(old_patch: Value, patch: Value, message: &'static str) -> Case {
    Case {
        patch,
        old_patch: Some(old_patch),
        message,
    }
}

/// Runs the valid examples and the invalid cases of one kind; returns the rules exercised.
fn check_kind(crd: &CustomResourceDefinition, valid: &[Value], cases: &[Case]) -> BTreeSet<String> {
    let base = &valid[0];
    for v in valid {
        let obj = merged(base, v);
        assert_eq!(
            failures(crd, &obj, None),
            vec![],
            "valid example rejected: {obj}"
        );
        assert_eq!(
            failures(crd, &obj, Some(&obj)),
            vec![],
            "unchanged update rejected: {obj}"
        );
    }
    let mut exercised = BTreeSet::new();
    for case in cases {
        let obj = merged(base, &case.patch);
        let old = case.old_patch.as_ref().map(|p| merged(base, p));
        let got = failures(crd, &obj, old.as_ref());
        let hit = got.iter().find(|(m, _)| m == case.message);
        assert!(
            hit.is_some(),
            "expected rejection with {:?} for {obj}, got {got:?}",
            case.message
        );
        exercised.insert(hit.unwrap().1.clone());
    }
    exercised
}

fn assert_every_rule_exercised(crd: &CustomResourceDefinition, exercised: &BTreeSet<String>) {
    let mut rules = BTreeSet::new();
    all_rules(&schema(crd), &mut rules);
    let missing: Vec<_> = rules.difference(exercised).collect();
    assert!(
        missing.is_empty(),
        "{}: rules without an invalid example: {missing:?}",
        crd.spec.names.kind
    );
}

#[test]
fn trusted_access_rules() {
    let crd = TrustedAccess::crd();
    let valid = [
        json!({"apiVersion": "orgtrail.dev/v1alpha1", "kind": "TrustedAccess", "metadata": {"name": "cloudtrail"},
               "spec": {"servicePrincipal": "cloudtrail.amazonaws.com", "state": "Enabled"}}),
        json!({"spec": {"servicePrincipal": null}}),
        json!({"spec": {"state": "Disabled", "disableConfirmation": "disable"}}),
    ];
    let cases = [
        create(
            json!({"spec": {"servicePrincipal": "config.amazonaws.com"}}),
            "servicePrincipal must be cloudtrail.amazonaws.com (the only service supported)",
        ),
        update(
            json!({"spec": {"servicePrincipal": "other.amazonaws.com"}}),
            json!({}),
            "servicePrincipal is immutable",
        ),
        create(
            json!({"spec": {"state": "Disabled"}}),
            "state: Disabled deletes member accounts' copies of organization trails and converts organization trails and event data stores to account level; to confirm, set disableConfirmation: disable",
        ),
        create(
            json!({"spec": {"state": "Disabled", "disableConfirmation": "yes"}}),
            "state: Disabled deletes member accounts' copies of organization trails and converts organization trails and event data stores to account level; to confirm, set disableConfirmation: disable",
        ),
    ];
    let exercised = check_kind(&crd, &valid, &cases);
    assert_every_rule_exercised(&crd, &exercised);
}

#[test]
fn delegated_admin_rules() {
    let crd = DelegatedAdmin::crd();
    let valid = [
        json!({"apiVersion": "orgtrail.dev/v1alpha1", "kind": "DelegatedAdmin", "metadata": {"name": "security"},
               "spec": {"accountId": "222222222222"}}),
        json!({"spec": {"deletionPolicy": "Delete", "servicePrincipal": "cloudtrail.amazonaws.com"}}),
    ];
    let cases = [
        create(
            json!({"spec": {"accountId": "12345"}}),
            "must be a 12-digit AWS account id",
        ),
        create(
            json!({"spec": {"accountId": "22222222222a"}}),
            "must be a 12-digit AWS account id",
        ),
        update(
            json!({"spec": {"accountId": "333333333333"}}),
            json!({}),
            "accountId is immutable; create another DelegatedAdmin instead",
        ),
        create(
            json!({"spec": {"servicePrincipal": "guardduty.amazonaws.com"}}),
            "servicePrincipal must be cloudtrail.amazonaws.com (the only service supported)",
        ),
        update(
            json!({"spec": {"servicePrincipal": "x.amazonaws.com"}}),
            json!({}),
            "servicePrincipal is immutable",
        ),
    ];
    let exercised = check_kind(&crd, &valid, &cases);
    assert_every_rule_exercised(&crd, &exercised);
}

const TRAIL_NAME_MSG: &str = "trail name must be 3-128 characters of letters, digits, periods, underscores and hyphens, starting and ending with a letter or digit";
const BUCKET_MSG: &str = "must be an S3 bucket name: 3-63 lowercase letters, digits, periods and hyphens, starting and ending with a letter or digit, no '..', not an IP address";
const TAGS_FORMAT_MSG: &str = "tag keys must be 1-128 characters and must not start with 'aws:'; tag values at most 256 characters";

fn fifty_one_tags() -> Value {
    Value::Object((0..51).map(|i| (format!("k{i}"), json!("v"))).collect())
}

#[test]
fn org_trail_rules() {
    let crd = OrgTrail::crd();
    let valid = [
        json!({"apiVersion": "orgtrail.dev/v1alpha1", "kind": "OrgTrail", "metadata": {"name": "org"},
               "spec": {"name": "org-trail", "homeRegion": "us-east-1", "s3BucketName": "orgtrail-logs"}}),
        json!({"spec": {
            "name": "Org_Trail.2026", "homeRegion": "us-gov-west-1", "s3BucketName": "my.logs-bucket",
            "s3KeyPrefix": "cloudtrail", "snsTopicName": "arn:aws:sns:us-east-1:111111111111:trail-topic",
            "kmsKeyId": "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "cloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:cloudtrail/org:*",
            "cloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/CloudTrailToCloudWatch",
            "advancedEventSelectors": [{"name": "mgmt", "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}],
            "insightSelectors": ["ApiCallRateInsight", "ApiErrorRateInsight"],
            "tags": {"team": "security", "cost-center": "42"}, "logging": false, "deletionPolicy": "Delete"}}),
        json!({"spec": {"snsTopicName": "trail-topic", "kmsKeyId": "alias/cloudtrail",
            "eventSelectors": [{"readWriteType": "All", "includeManagementEvents": true,
                "dataResources": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3:::bucket/"]}]}]}}),
        json!({"spec": {"isMultiRegionTrail": false, "includeGlobalServiceEvents": false}}),
        json!({"spec": {"recursiveLogging": false,
            "insightSelectors": ["ApiCallRateInsight", "ApiErrorRateInsight"],
            "insightEventCategories": {"ApiCallRateInsight": ["Management", "Data"], "ApiErrorRateInsight": ["Data"]},
            "aggregationConfigurations": [{"templates": ["API_ACTIVITY", "USER_ACTIONS"], "eventCategory": "Data"}]}}),
        json!({"spec": {"aggregationConfigurations": []}}),
    ];
    let cases = [
        create(json!({"spec": {"name": "ab"}}), TRAIL_NAME_MSG),
        create(json!({"spec": {"name": "-trail"}}), TRAIL_NAME_MSG),
        create(json!({"spec": {"name": "trail name"}}), TRAIL_NAME_MSG),
        create(
            json!({"spec": {"name": "org..trail"}}),
            "trail name must not contain adjacent periods, underscores or hyphens (such as '..', '_-')",
        ),
        create(
            json!({"spec": {"name": "org_-trail"}}),
            "trail name must not contain adjacent periods, underscores or hyphens (such as '..', '_-')",
        ),
        create(
            json!({"spec": {"name": "192.168.5.4"}}),
            "trail name must not be formatted as an IP address",
        ),
        update(
            json!({"spec": {"name": "old-trail"}}),
            json!({}),
            "name is immutable",
        ),
        create(
            json!({"spec": {"homeRegion": "useast1"}}),
            "must be an AWS region code such as us-east-1",
        ),
        update(
            json!({"spec": {"homeRegion": "eu-west-1"}}),
            json!({}),
            "homeRegion is immutable",
        ),
        create(json!({"spec": {"s3BucketName": "My_Bucket"}}), BUCKET_MSG),
        create(json!({"spec": {"s3BucketName": "a..b"}}), BUCKET_MSG),
        create(json!({"spec": {"s3BucketName": "10.0.0.1"}}), BUCKET_MSG),
        create(
            json!({"spec": {"snsTopicName": "arn:aws:sqs:us-east-1:111111111111:q"}}),
            "must be an SNS topic name or topic ARN",
        ),
        create(
            json!({"spec": {"kmsKeyId": "arn:aws:s3:::not-a-key"}}),
            "must be a KMS key id, alias (alias/name), key ARN or alias ARN",
        ),
        create(
            json!({"spec": {"cloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:ct",
                               "cloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/r"}}),
            "must be a CloudWatch Logs log group ARN ending in ':*', e.g. arn:aws:logs:us-east-1:111111111111:log-group:cloudtrail:*",
        ),
        create(
            json!({"spec": {"cloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:ct:*",
                               "cloudWatchLogsRoleArn": "arn:aws:iam::111111111111:user/bob"}}),
            "must be an IAM role ARN, e.g. arn:aws:iam::111111111111:role/CloudTrailToCloudWatch",
        ),
        create(
            json!({"spec": {"cloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:ct:*"}}),
            "cloudWatchLogsLogGroupArn and cloudWatchLogsRoleArn must be set together",
        ),
        create(
            json!({"spec": {
                "eventSelectors": [{"readWriteType": "All"}],
                "advancedEventSelectors": [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}]}}),
            "eventSelectors and advancedEventSelectors are mutually exclusive: set one or the other",
        ),
        create(
            json!({"spec": {"isMultiRegionTrail": true, "includeGlobalServiceEvents": false}}),
            "a multi-region trail must include global service events (includeGlobalServiceEvents: true)",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiCallRateInsight", "ApiCallRateInsight"]}}),
            "insightSelectors must not repeat a type",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiErrorRateInsight"],
                            "insightEventCategories": {"ApiCallRateInsight": ["Data"]}}}),
            "insightEventCategories may only name types listed in insightSelectors",
        ),
        create(
            json!({"spec": {"insightEventCategories": {"ApiCallRateInsight": ["Data"]}}}),
            "insightEventCategories may only name types listed in insightSelectors",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiCallRateInsight"],
                            "insightEventCategories": {"ApiCallRate": ["Data"]}}}),
            "keys must be Insights types: ApiCallRateInsight or ApiErrorRateInsight",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiCallRateInsight"],
                            "insightEventCategories": {"ApiCallRateInsight": ["Data", "Data"]}}}),
            "each type takes one or both of Management and Data, without repeats",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiCallRateInsight"],
                            "insightEventCategories": {"ApiCallRateInsight": []}}}),
            "each type takes one or both of Management and Data, without repeats",
        ),
        create(
            json!({"spec": {"aggregationConfigurations": [{"templates": ["API_ACTIVITY", "API_ACTIVITY"]}]}}),
            "aggregationConfigurations templates must not repeat",
        ),
        create(
            json!({"spec": {"tags": fifty_one_tags()}}),
            "at most 50 tags are allowed",
        ),
        create(
            json!({"spec": {"tags": {"aws:createdBy": "me"}}}),
            TAGS_FORMAT_MSG,
        ),
        create(
            json!({"spec": {"tags": {"team": "x".repeat(257)}}}),
            TAGS_FORMAT_MSG,
        ),
    ];
    let exercised = check_kind(&crd, &valid, &cases);
    assert_every_rule_exercised(&crd, &exercised);
}

#[test]
fn org_event_data_store_rules() {
    let crd = OrgEventDataStore::crd();
    let valid = [
        json!({"apiVersion": "orgtrail.dev/v1alpha1", "kind": "OrgEventDataStore", "metadata": {"name": "lake"},
               "spec": {"name": "org-lake", "homeRegion": "us-east-1"}}),
        json!({"spec": {"retentionPeriod": 3653, "billingMode": "EXTENDABLE_RETENTION_PRICING",
            "kmsKeyId": "alias/lake", "ingestion": false, "terminationProtectionEnabled": false,
            "advancedEventSelectors": [{"fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}]}],
            "tags": {"team": "security"}}}),
        json!({"spec": {"retentionPeriod": 2557, "billingMode": "FIXED_RETENTION_PRICING"}}),
        json!({"spec": {"retentionPeriod": 7}}),
        json!({"spec": {"maxEventSize": "Large",
            "contextKeySelectors": [{"type": "TagContext", "equals": ["Environment"]},
                                    {"type": "RequestContext", "equals": ["aws:SourceVpc"]}],
            "federationEnabled": true, "federationRoleArn": "arn:aws:iam::111111111111:role/LakeFederation",
            "resourcePolicy": "{\"Version\": \"2012-10-17\", \"Statement\": []}",
            "insightSelectors": ["ApiCallRateInsight"],
            "insightsDestination": "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-f852-4e8f"}}),
        json!({"spec": {"maxEventSize": "Standard", "contextKeySelectors": [], "federationEnabled": false,
                        "insightSelectors": []}}),
    ];
    let cases = [
        create(
            json!({"spec": {"name": "ab"}}),
            "must be 3-128 characters of letters, digits, periods, underscores and hyphens",
        ),
        create(
            json!({"spec": {"name": "org lake"}}),
            "must be 3-128 characters of letters, digits, periods, underscores and hyphens",
        ),
        update(
            json!({"spec": {"name": "old-lake"}}),
            json!({}),
            "name is immutable",
        ),
        create(
            json!({"spec": {"homeRegion": "mars-1"}}),
            "must be an AWS region code such as us-east-1",
        ),
        update(
            json!({"spec": {"homeRegion": "eu-west-1"}}),
            json!({}),
            "homeRegion is immutable",
        ),
        create(
            json!({"spec": {"retentionPeriod": 6}}),
            "retentionPeriod must be between 7 and 3653 days",
        ),
        create(
            json!({"spec": {"retentionPeriod": 3654}}),
            "retentionPeriod must be between 7 and 3653 days",
        ),
        create(
            json!({"spec": {"retentionPeriod": 2558, "billingMode": "FIXED_RETENTION_PRICING"}}),
            "retentionPeriod is at most 2557 days with FIXED_RETENTION_PRICING",
        ),
        update(
            json!({"spec": {"billingMode": "EXTENDABLE_RETENTION_PRICING"}}),
            json!({"spec": {"billingMode": "FIXED_RETENTION_PRICING"}}),
            "billingMode cannot change from EXTENDABLE_RETENTION_PRICING to FIXED_RETENTION_PRICING",
        ),
        update(
            json!({"spec": {"kmsKeyId": "alias/a"}}),
            json!({"spec": {"kmsKeyId": "alias/b"}}),
            "kmsKeyId cannot be changed or removed once set",
        ),
        update(
            json!({"spec": {"kmsKeyId": "alias/a"}}),
            json!({}),
            "kmsKeyId cannot be changed or removed once set",
        ),
        create(
            json!({"spec": {"kmsKeyId": "not a key"}}),
            "must be a KMS key id, alias (alias/name), key ARN or alias ARN",
        ),
        create(
            json!({"spec": {"tags": fifty_one_tags()}}),
            "at most 50 tags are allowed",
        ),
        create(
            json!({"spec": {"tags": {"": "empty key"}}}),
            TAGS_FORMAT_MSG,
        ),
        create(
            json!({"spec": {"contextKeySelectors": [{"type": "TagContext", "equals": ["Environment"]}]}}),
            "contextKeySelectors need maxEventSize: Large",
        ),
        create(
            json!({"spec": {"maxEventSize": "Standard",
                            "contextKeySelectors": [{"type": "TagContext", "equals": ["Environment"]}]}}),
            "contextKeySelectors need maxEventSize: Large",
        ),
        create(
            json!({"spec": {"maxEventSize": "Large",
                            "contextKeySelectors": [{"type": "TagContext", "equals": ["a"]},
                                                    {"type": "TagContext", "equals": ["b"]}]}}),
            "contextKeySelectors takes each type (TagContext, RequestContext) at most once",
        ),
        create(
            json!({"spec": {"federationEnabled": true}}),
            "federationEnabled: true needs federationRoleArn",
        ),
        create(
            json!({"spec": {"federationEnabled": true, "federationRoleArn": "arn:aws:iam::111111111111:user/bob"}}),
            "must be an IAM role ARN, e.g. arn:aws:iam::111111111111:role/CloudTrailToCloudWatch",
        ),
        create(
            json!({"spec": {"resourcePolicy": "Allow everyone"}}),
            "resourcePolicy must be a JSON policy document ({...})",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiCallRateInsight"]}}),
            "insightSelectors need insightsDestination, the event data store that receives the Insights events",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiCallRateInsight", "ApiCallRateInsight"],
                            "insightsDestination": "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/x"}}),
            "insightSelectors must not repeat a type",
        ),
        create(
            json!({"spec": {"insightSelectors": ["ApiCallRateInsight"], "insightsDestination": "my-insights-store"}}),
            "must be an event data store ARN, e.g. arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-f852-4e8f-8bd1-bcf6cEXAMPLE",
        ),
    ];
    let exercised = check_kind(&crd, &valid, &cases);
    assert_every_rule_exercised(&crd, &exercised);
}
