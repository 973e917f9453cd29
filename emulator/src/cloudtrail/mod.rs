//! AWS CloudTrail (awsJson1.1, target prefix com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101):
//! dispatch plus the organization-scope rules shared by trails, event data stores and
//! delegated administrators.

mod constraints;
mod delegated_admin;
mod event_configuration;
mod event_data_stores;
mod federation;
mod insights;
mod resource_policy;
mod selectors;
mod tags;
mod trails;

use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::req::{Req, member_str};
use crate::state::{Caller, State, Tag};

pub const OPERATIONS: &[&str] = &[
    "CreateTrail",
    "UpdateTrail",
    "DeleteTrail",
    "GetTrail",
    "DescribeTrails",
    "ListTrails",
    "GetTrailStatus",
    "StartLogging",
    "StopLogging",
    "PutEventSelectors",
    "GetEventSelectors",
    "PutInsightSelectors",
    "GetInsightSelectors",
    "AddTags",
    "RemoveTags",
    "ListTags",
    "CreateEventDataStore",
    "UpdateEventDataStore",
    "GetEventDataStore",
    "ListEventDataStores",
    "DeleteEventDataStore",
    "RestoreEventDataStore",
    "StartEventDataStoreIngestion",
    "StopEventDataStoreIngestion",
    "RegisterOrganizationDelegatedAdmin",
    "DeregisterOrganizationDelegatedAdmin",
    "PutEventConfiguration",
    "GetEventConfiguration",
    "EnableFederation",
    "DisableFederation",
    "PutResourcePolicy",
    "GetResourcePolicy",
    "DeleteResourcePolicy",
];

pub fn handle(st: &mut State, c: &Caller, op: &str, r: &Req) -> ApiResult<Value> {
    st.expire_deleted_stores();
    match op {
        "CreateTrail" => trails::create(st, c, r),
        "UpdateTrail" => trails::update(st, c, r),
        "DeleteTrail" => trails::delete(st, c, r),
        "GetTrail" => trails::get(st, c, r),
        "DescribeTrails" => trails::describe(st, c, r),
        "ListTrails" => trails::list(st, c, r),
        "GetTrailStatus" => trails::status(st, c, r),
        "StartLogging" => trails::set_logging(st, c, r, true),
        "StopLogging" => trails::set_logging(st, c, r, false),
        "PutEventSelectors" => selectors::put_event_selectors(st, c, r),
        "GetEventSelectors" => selectors::get_event_selectors(st, c, r),
        "PutInsightSelectors" => insights::put(st, c, r),
        "GetInsightSelectors" => insights::get(st, c, r),
        "AddTags" => tags::add(st, c, r),
        "RemoveTags" => tags::remove(st, c, r),
        "ListTags" => tags::list(st, c, r),
        "CreateEventDataStore" => event_data_stores::create(st, c, r),
        "UpdateEventDataStore" => event_data_stores::update(st, c, r),
        "GetEventDataStore" => event_data_stores::get(st, c, r),
        "ListEventDataStores" => event_data_stores::list(st, c, r),
        "DeleteEventDataStore" => event_data_stores::delete(st, c, r),
        "RestoreEventDataStore" => event_data_stores::restore(st, c, r),
        "StartEventDataStoreIngestion" => event_data_stores::set_ingestion(st, c, r, true),
        "StopEventDataStoreIngestion" => event_data_stores::set_ingestion(st, c, r, false),
        "RegisterOrganizationDelegatedAdmin" => delegated_admin::register(st, c, r),
        "DeregisterOrganizationDelegatedAdmin" => delegated_admin::deregister(st, c, r),
        "PutEventConfiguration" => event_configuration::put(st, c, r),
        "GetEventConfiguration" => event_configuration::get(st, c, r),
        "EnableFederation" => federation::enable(st, c, r),
        "DisableFederation" => federation::disable(st, c, r),
        "PutResourcePolicy" => resource_policy::put(st, c, r),
        "GetResourcePolicy" => resource_policy::get(st, c, r),
        "DeleteResourcePolicy" => resource_policy::delete(st, c, r),
        _ => Err(ApiError::unknown_operation(op)),
    }
}

/// May `c` create (or restore) an organization-scope resource? Order documented in
/// assumptions.rs ("org-scope-check-order"). No side effects: see [`org_scope_commit`].
pub fn org_scope_check(st: &State, c: &Caller) -> ApiResult<()> {
    if !st.config.organization.in_use {
        return Err(ApiError::new(
            "OrganizationsNotInUseException",
            "This account is not a member of an organization.",
        ));
    }
    let management = st.is_management(&c.account);
    if !management && !st.is_ct_delegated_admin(&c.account) {
        return Err(not_management("create or update an organization resource"));
    }
    if !st.all_features() {
        return Err(ApiError::new(
            "OrganizationNotInAllFeaturesModeException",
            "This organization is not in all features mode.",
        ));
    }
    if !st.trusted(crate::state::CLOUDTRAIL_PRINCIPAL) {
        return Err(ApiError::new(
            "CloudTrailAccessNotEnabledException",
            "Trusted access for CloudTrail is not enabled in AWS Organizations.",
        ));
    }
    let needs = [
        "organizations:DescribeOrganization",
        "organizations:ListAWSServiceAccessForOrganization",
    ];
    if needs.iter().any(|a| c.denied(a)) {
        return Err(dependency_permission());
    }
    let mgmt = st.management().to_string();
    if management {
        if !st.has_ct_slr(&mgmt) && c.denied("iam:CreateServiceLinkedRole") {
            return Err(dependency_permission());
        }
    } else if !st.has_ct_slr(&mgmt) {
        return Err(ApiError::new(
            "NoManagementAccountSLRExistsException",
            "This operation requires the service-linked role AWSServiceRoleForCloudTrail in the management account.",
        ));
    }
    Ok(())
}

/// After an organization-scope change succeeded: the management account acting itself
/// gets AWSServiceRoleForCloudTrail, as AWS creates it then (never on a failed call).
pub fn org_scope_commit(st: &mut State, c: &Caller) {
    if st.is_management(&c.account) {
        let mgmt = st.management().to_string();
        st.ensure_ct_slr(&mgmt);
    }
}

/// Turning an existing resource into an organization resource (or back) is management only.
pub fn conversion_check(st: &State, c: &Caller, to_org: bool) -> ApiResult<()> {
    if !st.is_management(&c.account) {
        return Err(ApiError::new(
            crate::assumptions::DELEGATED_ADMIN_CONVERT_ERROR,
            "Only the management account of the organization can change the organization scope of this resource.",
        ));
    }
    if to_org {
        org_scope_check(st, c)
    } else {
        Ok(())
    }
}

pub fn not_management(what: &str) -> ApiError {
    ApiError::new(
        "NotOrganizationMasterAccountException",
        format!(
            "The account making the request is not the management account or a delegated administrator for CloudTrail, so it cannot {what}."
        ),
    )
}

fn dependency_permission() -> ApiError {
    ApiError::new(
        "InsufficientDependencyServiceAccessPermissionException",
        "The caller lacks permissions in a dependency service (Organizations or IAM) that are required for organization resources.",
    )
}

/// Bucket existence and (for organization scope) the `AWSLogs/o-<orgid>/*` statement.
pub fn bucket_check(st: &State, bucket: &str, org_scope: bool) -> ApiResult<()> {
    let valid_name = (3..=63).contains(&bucket.len())
        && bucket
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'.' || c == b'-');
    if !valid_name {
        return Err(ApiError::new(
            "InvalidS3BucketNameException",
            format!("Bucket name {bucket} is not valid."),
        ));
    }
    let b = st.bucket(bucket).ok_or_else(|| {
        ApiError::new(
            "S3BucketDoesNotExistException",
            format!("S3 bucket {bucket} does not exist."),
        )
    })?;
    if org_scope && !b.covers_organization {
        return Err(ApiError::new(
            "InsufficientS3BucketPolicyException",
            format!(
                "Incorrect S3 bucket policy is detected for bucket: {bucket}: the policy lacks the AWSLogs/{}/* statement for the organization.",
                st.org_id()
            ),
        ));
    }
    Ok(())
}

/// KMS keys exist unless malformed; a key whose id contains `no-org-policy` lacks the
/// organization statement in its key policy.
pub fn kms_check(key: &str, org_scope: bool) -> ApiResult<()> {
    if key.is_empty() || key.len() > 350 || key.chars().any(char::is_whitespace) {
        return Err(ApiError::new(
            "InvalidKmsKeyIdException",
            format!("KMS key {key} is not valid."),
        ));
    }
    if org_scope && key.contains("no-org-policy") {
        return Err(ApiError::new(
            "InsufficientEncryptionPolicyException",
            format!("Insufficient permissions in the key policy of {key} for organization use."),
        ));
    }
    Ok(())
}

/// See assumptions.rs ("kms-normalisation").
pub fn normalize_kms(key: &str, region: &str, owner: &str) -> String {
    if key.starts_with("arn:") {
        key.to_string()
    } else if key.starts_with("alias/") {
        format!("arn:aws:kms:{region}:{owner}:{key}")
    } else {
        format!("arn:aws:kms:{region}:{owner}:key/{key}")
    }
}

pub const MAX_TAGS: usize = 50;

/// Parses a TagsList; keys 1-128 chars, values up to 256.
pub fn parse_tags(items: &[Value]) -> ApiResult<Vec<Tag>> {
    items
        .iter()
        .map(|v| {
            if !v.is_object() {
                return Err(ApiError::serialization(
                    "Expected structure for TagsList member",
                ));
            }
            let key = member_str(v, "Key", "TagsList")?.unwrap_or_default();
            let value = member_str(v, "Value", "TagsList")?;
            if key.is_empty() || key.chars().count() > 128 || key.starts_with("aws:") {
                return Err(ApiError::new(
                    "InvalidTagParameterException",
                    format!("Tag key {key:?} is not valid."),
                ));
            }
            if value.as_ref().is_some_and(|v| v.chars().count() > 256) {
                return Err(ApiError::new(
                    "InvalidTagParameterException",
                    format!("Tag value for key {key} is longer than 256 characters."),
                ));
            }
            Ok(Tag { key, value })
        })
        .collect()
}

/// Adds or overwrites tags, enforcing the 50-tag limit on the result.
pub fn merge_tags(existing: &mut Vec<Tag>, new: Vec<Tag>) -> ApiResult<()> {
    let mut merged = existing.clone();
    for t in new {
        match merged.iter_mut().find(|e| e.key == t.key) {
            Some(e) => e.value = t.value,
            None => merged.push(t),
        }
    }
    if merged.len() > MAX_TAGS {
        return Err(ApiError::new(
            "TagsLimitExceededException",
            format!("The number of tags exceeds the limit of {MAX_TAGS}."),
        ));
    }
    *existing = merged;
    Ok(())
}

pub fn tags_json(tags: &[Tag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| match &t.value {
                Some(v) => json!({"Key": t.key, "Value": v}),
                None => json!({"Key": t.key}),
            })
            .collect(),
    )
}

/// Inserts `value` under `key` when present (optional response members are omitted, not null).
pub fn put_opt(obj: &mut Value, key: &str, value: Option<impl Into<Value>>) {
    if let (Some(v), Some(map)) = (value, obj.as_object_mut()) {
        map.insert(key.to_string(), v.into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_rules() {
        let ok =
            parse_tags(&[json!({"Key": "team", "Value": "sec"}), json!({"Key": "x"})]).unwrap();
        assert_eq!(ok.len(), 2);
        assert_eq!(
            parse_tags(&[json!({"Key": ""})]).unwrap_err().code,
            "InvalidTagParameterException"
        );
        assert_eq!(
            parse_tags(&[json!({"Key": "k", "Value": "v".repeat(257)})])
                .unwrap_err()
                .code,
            "InvalidTagParameterException"
        );
        let mut tags = Vec::new();
        let fifty: Vec<Tag> = (0..50)
            .map(|i| Tag {
                key: format!("k{i}"),
                value: None,
            })
            .collect();
        merge_tags(&mut tags, fifty).unwrap();
        // Overwriting an existing key does not count against the limit.
        merge_tags(
            &mut tags,
            vec![Tag {
                key: "k1".into(),
                value: Some("v".into()),
            }],
        )
        .unwrap();
        let err = merge_tags(
            &mut tags,
            vec![Tag {
                key: "k50".into(),
                value: None,
            }],
        )
        .unwrap_err();
        assert_eq!(err.code, "TagsLimitExceededException");
        assert_eq!(tags.len(), 50);
    }

    #[test]
    fn kms_rules() {
        assert!(kms_check("alias/trail", true).is_ok());
        assert_eq!(
            kms_check(
                "arn:aws:kms:us-east-1:111111111111:key/no-org-policy-1",
                true
            )
            .unwrap_err()
            .code,
            "InsufficientEncryptionPolicyException"
        );
        assert!(kms_check("no-org-policy", false).is_ok());
        assert_eq!(
            normalize_kms("abcd", "eu-west-1", "111111111111"),
            "arn:aws:kms:eu-west-1:111111111111:key/abcd"
        );
    }
}
