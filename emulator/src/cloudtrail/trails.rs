//! Trails: create/update/delete, reads, logging. Visibility and addressing follow the
//! reference: org trails are owned by the management account and seen by every member.

use serde_json::{Value, json};

use super::{bucket_check, kms_check, normalize_kms, put_opt};
use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::req::{self, Req};
use crate::rules;
use crate::state::{Caller, State, Trail, now};

fn default_event_selectors() -> Vec<Value> {
    vec![json!({
        "ReadWriteType": "All",
        "IncludeManagementEvents": true,
        "DataResources": [],
        "ExcludeManagementEventSources": []
    })]
}

fn not_found(name: &str) -> ApiError {
    ApiError::new(
        "TrailNotFoundException",
        format!("Unknown trail: {name} for the user"),
    )
}

/// Whether `c` can see trail `t` from the region of the call.
fn visible(st: &State, c: &Caller, t: &Trail) -> bool {
    let in_region = t.home_region == c.region || t.is_multi_region_trail;
    in_region && readable(st, c, t)
}

/// The caller's own trails and the organization trails it is a member for, in any region.
fn readable(st: &State, c: &Caller, t: &Trail) -> bool {
    t.owner == c.account
        || (t.is_organization_trail
            && st.config.organization.in_use
            && st.account(&c.account).is_some())
}

/// A shadow trail is one seen from outside its home region or outside its owner account.
fn is_shadow(c: &Caller, t: &Trail) -> bool {
    t.home_region != c.region || t.owner != c.account
}

/// Resolves `Name`/`TrailName` (bare name or ARN) to a trail index the caller can see.
pub fn find(st: &State, c: &Caller, name: &str) -> ApiResult<usize> {
    if name.starts_with("arn:") {
        let is_trail_arn =
            rules::parse_cloudtrail_arn(name).is_some_and(|a| a.resource_type == "trail");
        if !is_trail_arn {
            return Err(ApiError::new(
                "CloudTrailARNInvalidException",
                format!("{name} is not a valid trail ARN."),
            ));
        }
        return st
            .trails
            .iter()
            .position(|t| t.arn == name && visible(st, c, t))
            .ok_or_else(|| not_found(name));
    }
    if !rules::valid_trail_name(name) {
        return Err(ApiError::new(
            "InvalidTrailNameException",
            format!("Trail name {name} is not valid."),
        ));
    }
    st.trails
        .iter()
        .position(|t| t.owner == c.account && t.name == name && visible(st, c, t))
        .ok_or_else(|| not_found(name))
}

/// Writes happen in the home region, by the owner or (for org trails) the CloudTrail
/// delegated admin.
pub fn check_write(st: &State, c: &Caller, t: &Trail, home_region_error: &str) -> ApiResult<()> {
    if t.home_region != c.region {
        return Err(ApiError::new(
            home_region_error,
            format!(
                "This operation must be called from the trail's home region {}.",
                t.home_region
            ),
        ));
    }
    if t.owner == c.account {
        return Ok(());
    }
    if t.is_organization_trail && st.is_ct_delegated_admin(&c.account) {
        return Ok(());
    }
    Err(ApiError::new(
        assumptions::MEMBER_WRITE_ON_ORG_TRAIL_ERROR,
        "Member accounts cannot modify an organization trail.",
    ))
}

/// The Trail shape (GetTrail/DescribeTrails).
pub fn trail_json(t: &Trail) -> Value {
    let mut v = create_update_json(t);
    v["HomeRegion"] = json!(t.home_region);
    v["HasCustomEventSelectors"] = json!(t.has_custom_event_selectors);
    v["HasInsightSelectors"] = json!(!t.insight_selectors.is_empty());
    v
}

/// The CreateTrailResponse / UpdateTrailResponse shape.
fn create_update_json(t: &Trail) -> Value {
    let mut v = json!({
        "Name": t.name,
        "S3BucketName": t.s3_bucket_name,
        "IncludeGlobalServiceEvents": t.include_global_service_events,
        "IsMultiRegionTrail": t.is_multi_region_trail,
        "TrailARN": t.arn,
        "LogFileValidationEnabled": t.log_file_validation_enabled,
        "IsOrganizationTrail": t.is_organization_trail,
        "RecursiveLogging": t.recursive_logging,
    });
    put_opt(&mut v, "S3KeyPrefix", t.s3_key_prefix.clone());
    put_opt(&mut v, "SnsTopicName", t.sns_topic_name.clone());
    put_opt(
        &mut v,
        "SnsTopicARN",
        t.sns_topic_name
            .as_ref()
            .map(|n| format!("arn:aws:sns:{}:{}:{n}", t.home_region, t.owner)),
    );
    put_opt(
        &mut v,
        "CloudWatchLogsLogGroupArn",
        t.cloud_watch_logs_log_group_arn.clone(),
    );
    put_opt(
        &mut v,
        "CloudWatchLogsRoleArn",
        t.cloud_watch_logs_role_arn.clone(),
    );
    put_opt(&mut v, "KmsKeyId", t.kms_key_id.clone());
    v
}

/// Both CloudWatch Logs members or neither.
fn check_cloudwatch(group: &Option<String>, role: &Option<String>) -> ApiResult<()> {
    match (group, role) {
        (Some(g), _) if !g.starts_with("arn:aws:logs:") => Err(ApiError::new(
            "InvalidCloudWatchLogsLogGroupArnException",
            "CloudWatchLogsLogGroupArn is not a log group ARN.",
        )),
        (_, Some(r)) if !r.starts_with("arn:aws:iam::") => Err(ApiError::new(
            "InvalidCloudWatchLogsRoleArnException",
            "CloudWatchLogsRoleArn is not a role ARN.",
        )),
        (Some(_), None) | (None, Some(_)) => Err(ApiError::new(
            "InvalidParameterCombinationException",
            "CloudWatchLogsLogGroupArn and CloudWatchLogsRoleArn must be given together.",
        )),
        _ => Ok(()),
    }
}

fn check_global_events(multi: bool, global: bool) -> ApiResult<()> {
    if multi && !global {
        return Err(ApiError::new(
            "InvalidParameterCombinationException",
            "Multi-Region trail must include global service events.",
        ));
    }
    Ok(())
}

fn check_prefix(prefix: &Option<String>) -> ApiResult<()> {
    if prefix.as_ref().is_some_and(|p| p.len() > 200) {
        return Err(ApiError::new(
            "InvalidS3PrefixException",
            "S3KeyPrefix is longer than 200 characters.",
        ));
    }
    Ok(())
}

pub fn create(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("Name")?;
    if !rules::valid_trail_name(&name) {
        return Err(ApiError::new(
            "InvalidTrailNameException",
            format!("Trail name {name} is not valid."),
        ));
    }
    let bucket = r.str_req("S3BucketName")?;
    let prefix = r.str_opt("S3KeyPrefix")?.filter(|p| !p.is_empty());
    let is_org = r.bool_opt("IsOrganizationTrail")?.unwrap_or(false);
    let multi = r.bool_opt("IsMultiRegionTrail")?.unwrap_or(false);
    let global = r.bool_opt("IncludeGlobalServiceEvents")?.unwrap_or(true);
    let group = r
        .str_opt("CloudWatchLogsLogGroupArn")?
        .filter(|s| !s.is_empty());
    let role = r
        .str_opt("CloudWatchLogsRoleArn")?
        .filter(|s| !s.is_empty());
    let kms = r.str_opt("KmsKeyId")?.filter(|s| !s.is_empty());
    let tags = super::parse_tags(&r.list_opt("TagsList")?.unwrap_or_default())?;
    if tags.len() > super::MAX_TAGS {
        return Err(ApiError::new(
            "TagsLimitExceededException",
            format!(
                "The number of tags exceeds the limit of {}.",
                super::MAX_TAGS
            ),
        ));
    }
    check_global_events(multi, global)?;
    check_cloudwatch(&group, &role)?;
    check_prefix(&prefix)?;
    if is_org {
        super::org_scope_check(st, c)?;
    }
    let owner = if is_org {
        st.management().to_string()
    } else {
        c.account.clone()
    };
    bucket_check(st, &bucket, is_org)?;
    if let Some(k) = &kms {
        kms_check(k, is_org)?;
    }
    let clash = st.trails.iter().any(|t| {
        t.owner == owner
            && t.name == name
            && (t.home_region == c.region || t.is_multi_region_trail || multi)
    });
    if clash {
        return Err(ApiError::new(
            "TrailAlreadyExistsException",
            format!("Trail {name} already exists for customer: {owner}"),
        ));
    }
    let in_region = st
        .trails
        .iter()
        .filter(|t| t.owner == owner && (t.home_region == c.region || t.is_multi_region_trail))
        .count();
    if in_region >= st.config.trail_quota as usize {
        return Err(ApiError::new(
            "MaximumNumberOfTrailsExceededException",
            format!(
                "User: {owner} already has {in_region} trails in {}.",
                c.region
            ),
        ));
    }
    let trail = Trail {
        arn: rules::trail_arn(&c.region, &owner, &name),
        name,
        owner: owner.clone(),
        home_region: c.region.clone(),
        created_by: c.account.clone(),
        s3_bucket_name: bucket,
        s3_key_prefix: prefix,
        sns_topic_name: r.str_opt("SnsTopicName")?.filter(|s| !s.is_empty()),
        include_global_service_events: global,
        is_multi_region_trail: multi,
        log_file_validation_enabled: r.bool_opt("EnableLogFileValidation")?.unwrap_or(false),
        cloud_watch_logs_log_group_arn: group,
        cloud_watch_logs_role_arn: role,
        kms_key_id: kms.map(|k| normalize_kms(&k, &c.region, &owner)),
        is_organization_trail: is_org,
        event_selectors: default_event_selectors(),
        advanced_event_selectors: Vec::new(),
        has_custom_event_selectors: false,
        insight_selectors: Vec::new(),
        recursive_logging: r.bool_opt("RecursiveLogging")?.unwrap_or(true),
        aggregation_configurations: Vec::new(),
        tags,
        is_logging: false,
        start_logging_time: None,
        stop_logging_time: None,
    };
    let out = create_update_json(&trail);
    if is_org {
        super::org_scope_commit(st, c);
    }
    st.trails.push(trail);
    Ok(out)
}

pub fn update(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("Name")?;
    let idx = find(st, c, &name)?;
    check_write(st, c, &st.trails[idx], "InvalidHomeRegionException")?;
    let cur = st.trails[idx].clone();
    let to_org = r.bool_opt("IsOrganizationTrail")?;
    let is_org = to_org.unwrap_or(cur.is_organization_trail);
    if let Some(v) = to_org
        && v != cur.is_organization_trail
    {
        super::conversion_check(st, c, v)?;
    }
    let bucket = r
        .str_opt("S3BucketName")?
        .unwrap_or(cur.s3_bucket_name.clone());
    if bucket != cur.s3_bucket_name || (is_org && !cur.is_organization_trail) {
        bucket_check(st, &bucket, is_org)?;
    }
    let prefix = match r.str_opt("S3KeyPrefix")? {
        Some(p) if p.is_empty() => None,
        Some(p) => Some(p),
        None => cur.s3_key_prefix.clone(),
    };
    check_prefix(&prefix)?;
    let kms = match r.str_opt("KmsKeyId")? {
        Some(k) if k.is_empty() => None,
        Some(k) => {
            kms_check(&k, is_org)?;
            Some(normalize_kms(&k, &cur.home_region, &cur.owner))
        }
        None => cur.kms_key_id.clone(),
    };
    if is_org
        && !cur.is_organization_trail
        && let Some(k) = &kms
    {
        kms_check(k, true)?;
    }
    let multi = r
        .bool_opt("IsMultiRegionTrail")?
        .unwrap_or(cur.is_multi_region_trail);
    let global = r
        .bool_opt("IncludeGlobalServiceEvents")?
        .unwrap_or(cur.include_global_service_events);
    check_global_events(multi, global)?;
    let empty_to_none = |v: Option<String>, old: &Option<String>| match v {
        Some(s) if s.is_empty() => None,
        Some(s) => Some(s),
        None => old.clone(),
    };
    let group = empty_to_none(
        r.str_opt("CloudWatchLogsLogGroupArn")?,
        &cur.cloud_watch_logs_log_group_arn,
    );
    let role = empty_to_none(
        r.str_opt("CloudWatchLogsRoleArn")?,
        &cur.cloud_watch_logs_role_arn,
    );
    check_cloudwatch(&group, &role)?;
    let sns = empty_to_none(r.str_opt("SnsTopicName")?, &cur.sns_topic_name);
    let validation = r
        .bool_opt("EnableLogFileValidation")?
        .unwrap_or(cur.log_file_validation_enabled);
    let recursive = r
        .bool_opt("RecursiveLogging")?
        .unwrap_or(cur.recursive_logging);
    let t = &mut st.trails[idx];
    t.s3_bucket_name = bucket;
    t.s3_key_prefix = prefix;
    t.kms_key_id = kms;
    t.is_multi_region_trail = multi;
    t.include_global_service_events = global;
    t.cloud_watch_logs_log_group_arn = group;
    t.cloud_watch_logs_role_arn = role;
    t.sns_topic_name = sns;
    t.log_file_validation_enabled = validation;
    t.recursive_logging = recursive;
    t.is_organization_trail = is_org;
    let out = create_update_json(t);
    if is_org && !cur.is_organization_trail {
        super::org_scope_commit(st, c);
    }
    Ok(out)
}

pub fn delete(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("Name")?;
    let idx = find(st, c, &name)?;
    check_write(st, c, &st.trails[idx], "InvalidHomeRegionException")?;
    st.trails.remove(idx);
    Ok(json!({}))
}

pub fn get(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("Name")?;
    let idx = find(st, c, &name)?;
    Ok(json!({"Trail": trail_json(&st.trails[idx])}))
}

pub fn describe(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let include_shadow = r.bool_opt("includeShadowTrails")?.unwrap_or(true);
    let names = r.str_list_opt("trailNameList")?.unwrap_or_default();
    let mut picked: Vec<usize> = Vec::new();
    if names.is_empty() {
        picked = (0..st.trails.len())
            .filter(|&i| visible(st, c, &st.trails[i]))
            .collect();
    } else {
        for n in &names {
            match find(st, c, n) {
                Ok(i) if !picked.contains(&i) => picked.push(i),
                Ok(_) => {}
                // See assumptions.rs ("describe-trails-unknown-names").
                Err(e) if e.code == "TrailNotFoundException" => {}
                Err(e) => return Err(e),
            }
        }
    }
    let list: Vec<Value> = picked
        .into_iter()
        .map(|i| &st.trails[i])
        .filter(|t| include_shadow || !is_shadow(c, t))
        .map(trail_json)
        .collect();
    Ok(json!({"trailList": list}))
}

pub fn list(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let items: Vec<Value> = st
        .trails
        .iter()
        .filter(|t| {
            if assumptions::LIST_TRAILS_ALL_REGIONS {
                readable(st, c, t)
            } else {
                visible(st, c, t)
            }
        })
        .map(|t| json!({"TrailARN": t.arn, "Name": t.name, "HomeRegion": t.home_region}))
        .collect();
    let token = r.str_opt("NextToken")?;
    let (page, next) = req::page(&items, token.as_deref(), 50, st.config.empty_first_page)
        .ok_or_else(|| ApiError::new("InvalidNextTokenException", "The NextToken is not valid."))?;
    let mut out = json!({"Trails": page});
    put_opt(&mut out, "NextToken", next);
    Ok(out)
}

pub fn status(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("Name")?;
    let t = &st.trails[find(st, c, &name)?];
    let mut v = json!({
        "IsLogging": t.is_logging,
        "LatestDeliveryAttemptTime": "",
        "LatestNotificationAttemptTime": "",
        "LatestNotificationAttemptSucceeded": "",
        "LatestDeliveryAttemptSucceeded": "",
        "TimeLoggingStarted": t.start_logging_time.map(rules::iso8601).unwrap_or_default(),
        "TimeLoggingStopped": t.stop_logging_time.map(rules::iso8601).unwrap_or_default(),
    });
    put_opt(&mut v, "StartLoggingTime", t.start_logging_time);
    put_opt(&mut v, "StopLoggingTime", t.stop_logging_time);
    Ok(v)
}

pub fn set_logging(st: &mut State, c: &Caller, r: &Req, on: bool) -> ApiResult<Value> {
    let name = r.str_req("Name")?;
    let idx = find(st, c, &name)?;
    check_write(st, c, &st.trails[idx], "InvalidHomeRegionException")?;
    let t = &mut st.trails[idx];
    if t.is_logging != on {
        t.is_logging = on;
        if on {
            t.start_logging_time = Some(now());
        } else {
            t.stop_logging_time = Some(now());
        }
    }
    Ok(json!({}))
}
