//! CloudTrail Lake event data stores: lifecycle (termination protection, PENDING_DELETION,
//! restore), ingestion, retention/billing rules, KMS immutability, organization scope.

use serde_json::{Value, json};

use super::selectors::normalize_advanced;
use super::{kms_check, normalize_kms, put_opt, tags_json};
use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::req::{self, Req};
use crate::rules;
use crate::state::{Caller, EventDataStore, State, now};

const EXTENDABLE: &str = "EXTENDABLE_RETENTION_PRICING";
const FIXED: &str = "FIXED_RETENTION_PRICING";
const PENDING_DELETION: &str = "PENDING_DELETION";
const ENABLED: &str = "ENABLED";
const STOPPED: &str = "STOPPED_INGESTION";
const PENDING_DELETION_SECS: f64 = 7.0 * 24.0 * 3600.0;

fn invalid_param(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterException", msg)
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(
        "EventDataStoreNotFoundException",
        format!("The event data store {id} does not exist."),
    )
}

fn default_selectors() -> Vec<Value> {
    vec![json!({
        "Name": "Default management events",
        "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]
    })]
}

fn visible(st: &State, c: &Caller, s: &EventDataStore) -> bool {
    s.home_region == c.region
        && (s.owner == c.account
            || (s.organization_enabled && st.is_ct_delegated_admin(&c.account)))
}

/// Resolves an ARN or the id suffix of one to a store the caller can see.
pub fn find(st: &State, c: &Caller, id: &str) -> ApiResult<usize> {
    let invalid = || {
        ApiError::new(
            "EventDataStoreARNInvalidException",
            format!("{id} is not a valid event data store ARN or id."),
        )
    };
    let by_arn = id.starts_with("arn:");
    if by_arn {
        rules::parse_cloudtrail_arn(id)
            .filter(|a| a.resource_type == "eventdatastore")
            .ok_or_else(invalid)?;
    } else if id.len() < 3
        || !id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    {
        return Err(invalid());
    }
    st.event_data_stores
        .iter()
        .position(|s| (if by_arn { s.arn == id } else { s.id == id }) && visible(st, c, s))
        .ok_or_else(|| not_found(id))
}

/// Like [`find`], but a store pending deletion is inactive.
pub fn find_active(st: &State, c: &Caller, id: &str) -> ApiResult<usize> {
    let i = find(st, c, id)?;
    if st.event_data_stores[i].status == PENDING_DELETION {
        return Err(ApiError::new(
            "InactiveEventDataStoreException",
            format!("The event data store {id} is pending deletion."),
        ));
    }
    Ok(i)
}

fn check_retention(days: i64, billing: &str) -> ApiResult<()> {
    if !(7..=3653).contains(&days) {
        return Err(invalid_param(
            "RetentionPeriod must be between 7 and 3653 days.",
        ));
    }
    if billing == FIXED && days > 2557 {
        return Err(invalid_param(
            "RetentionPeriod can be at most 2557 days with FIXED_RETENTION_PRICING.",
        ));
    }
    Ok(())
}

fn check_billing(mode: &str) -> ApiResult<()> {
    if mode != EXTENDABLE && mode != FIXED {
        return Err(invalid_param(format!("BillingMode {mode} is not valid.")));
    }
    Ok(())
}

fn base_json(s: &EventDataStore, status: &str) -> Value {
    let mut v = json!({
        "EventDataStoreArn": s.arn,
        "Name": s.name,
        "Status": status,
        "AdvancedEventSelectors": s.advanced_event_selectors,
        "MultiRegionEnabled": s.multi_region_enabled,
        "OrganizationEnabled": s.organization_enabled,
        "RetentionPeriod": s.retention_period,
        "TerminationProtectionEnabled": s.termination_protection_enabled,
        "CreatedTimestamp": s.created_timestamp,
        "UpdatedTimestamp": s.updated_timestamp,
        "BillingMode": s.billing_mode,
    });
    put_opt(&mut v, "KmsKeyId", s.kms_key_id.clone());
    v
}

/// GetEventDataStore / UpdateEventDataStore responses: the base plus federation.
fn full_json(s: &EventDataStore) -> Value {
    let mut v = base_json(s, &s.status);
    v["FederationStatus"] = json!(s.federation_status);
    put_opt(&mut v, "FederationRoleArn", s.federation_role_arn.clone());
    v
}

pub fn create(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("Name")?;
    if !rules::valid_event_data_store_name(&name) {
        return Err(invalid_param(format!(
            "Event data store name {name} is not valid."
        )));
    }
    let billing = r
        .str_opt("BillingMode")?
        .unwrap_or_else(|| EXTENDABLE.into());
    check_billing(&billing)?;
    let default_retention = if billing == FIXED { 2557 } else { 366 };
    let retention = r.int_opt("RetentionPeriod")?.unwrap_or(default_retention);
    check_retention(retention, &billing)?;
    let org = r.bool_opt("OrganizationEnabled")?.unwrap_or(false);
    let kms = r.str_opt("KmsKeyId")?;
    let selectors = match r.list_opt("AdvancedEventSelectors")? {
        Some(a) if !a.is_empty() => normalize_advanced(&a)?,
        _ => default_selectors(),
    };
    let tags = super::parse_tags(&r.list_opt("TagsList")?.unwrap_or_default())?;
    let mut tag_list = Vec::new();
    super::merge_tags(&mut tag_list, tags)?;
    if org {
        super::org_scope_check(st, c)?;
    }
    let owner = if org {
        st.management().to_string()
    } else {
        c.account.clone()
    };
    if !st.config.lake_open_to_new_customers
        && !st.lake_users.contains(&owner)
        && !st.lake_users.contains(&c.account)
    {
        return Err(ApiError::new(
            assumptions::LAKE_CLOSED_ERROR,
            "CloudTrail Lake is not available to new customers.",
        ));
    }
    if let Some(k) = &kms {
        kms_check(k, org)?;
    }
    let mine: Vec<&EventDataStore> = st
        .event_data_stores
        .iter()
        .filter(|s| s.owner == owner && s.home_region == c.region)
        .collect();
    if mine.iter().any(|s| s.name == name) {
        return Err(ApiError::new(
            "EventDataStoreAlreadyExistsException",
            format!("An event data store named {name} already exists."),
        ));
    }
    if mine.len() >= st.config.event_data_store_quota as usize {
        return Err(ApiError::new(
            "EventDataStoreMaxLimitExceededException",
            "Your account has used the maximum number of event data stores.",
        ));
    }
    let id = st.fresh_id();
    let t = now();
    let start = r.bool_opt("StartIngestion")?.unwrap_or(true);
    let store = EventDataStore {
        arn: rules::event_data_store_arn(&c.region, &owner, &id),
        id,
        name,
        owner: owner.clone(),
        home_region: c.region.clone(),
        created_by: c.account.clone(),
        status: if start {
            ENABLED
        } else {
            assumptions::EDS_STATUS_WITHOUT_INGESTION
        }
        .into(),
        status_before_deletion: None,
        advanced_event_selectors: selectors,
        multi_region_enabled: r.bool_opt("MultiRegionEnabled")?.unwrap_or(true),
        organization_enabled: org,
        retention_period: retention,
        termination_protection_enabled: r.bool_opt("TerminationProtectionEnabled")?.unwrap_or(true),
        kms_key_id: kms.map(|k| normalize_kms(&k, &c.region, &owner)),
        billing_mode: billing,
        tags: tag_list,
        max_event_size: super::event_configuration::STANDARD.into(),
        context_key_selectors: Vec::new(),
        insight_selectors: Vec::new(),
        insights_destination: None,
        federation_status: super::federation::DISABLED.into(),
        federation_role_arn: None,
        resource_policy: None,
        created_timestamp: t,
        updated_timestamp: t,
        deletion_time: None,
    };
    let mut out = base_json(&store, assumptions::EDS_CREATE_RESPONSE_STATUS);
    out["TagsList"] = tags_json(&store.tags);
    if org {
        super::org_scope_commit(st, c);
    }
    st.lake_users.insert(owner);
    st.lake_users.insert(c.account.clone());
    st.event_data_stores.push(store);
    Ok(out)
}

pub fn update(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("EventDataStore")?;
    let idx = find_active(st, c, &id)?;
    let cur = st.event_data_stores[idx].clone();
    let org = r.bool_opt("OrganizationEnabled")?;
    if let Some(v) = org
        && v != cur.organization_enabled
    {
        super::conversion_check(st, c, v)?;
    }
    let org = org.unwrap_or(cur.organization_enabled);
    let billing = r
        .str_opt("BillingMode")?
        .unwrap_or(cur.billing_mode.clone());
    check_billing(&billing)?;
    if cur.billing_mode == EXTENDABLE && billing == FIXED {
        return Err(invalid_param(
            "BillingMode cannot change from EXTENDABLE_RETENTION_PRICING to FIXED_RETENTION_PRICING.",
        ));
    }
    let retention = r
        .int_opt("RetentionPeriod")?
        .unwrap_or(cur.retention_period);
    check_retention(retention, &billing)?;
    let kms = match r.str_opt("KmsKeyId")? {
        None => cur.kms_key_id.clone(),
        Some(k) => {
            let normalized =
                (!k.is_empty()).then(|| normalize_kms(&k, &cur.home_region, &cur.owner));
            if cur.kms_key_id.is_some() && normalized != cur.kms_key_id {
                return Err(ApiError::new(
                    assumptions::KMS_IMMUTABLE_ERROR,
                    "The KmsKeyId of an event data store cannot be changed or removed once set.",
                ));
            }
            if !k.is_empty() {
                kms_check(&k, org)?;
            }
            normalized
        }
    };
    if org
        && !cur.organization_enabled
        && let Some(k) = &kms
    {
        kms_check(k, true)?;
    }
    let name = match r.str_opt("Name")? {
        Some(n) => {
            if !rules::valid_event_data_store_name(&n) {
                return Err(invalid_param(format!(
                    "Event data store name {n} is not valid."
                )));
            }
            let clash = st.event_data_stores.iter().any(|s| {
                s.arn != cur.arn
                    && s.owner == cur.owner
                    && s.home_region == cur.home_region
                    && s.name == n
            });
            if clash {
                return Err(ApiError::new(
                    "EventDataStoreAlreadyExistsException",
                    format!("An event data store named {n} already exists."),
                ));
            }
            n
        }
        None => cur.name.clone(),
    };
    let selectors = match r.list_opt("AdvancedEventSelectors")? {
        Some(a) if !a.is_empty() => normalize_advanced(&a)?,
        _ => cur.advanced_event_selectors.clone(),
    };
    // The InvalidInsightSelectorsException reference: with Insights on, the new selectors
    // must still log the management events the Insights types analyse.
    super::insights::check_coverage(
        &cur.insight_selectors,
        &super::selectors::coverage(&[], &selectors),
        "the event data store",
    )?;
    let multi = r
        .bool_opt("MultiRegionEnabled")?
        .unwrap_or(cur.multi_region_enabled);
    let protection = r
        .bool_opt("TerminationProtectionEnabled")?
        .unwrap_or(cur.termination_protection_enabled);
    let s = &mut st.event_data_stores[idx];
    s.name = name;
    s.organization_enabled = org;
    s.billing_mode = billing;
    s.retention_period = retention;
    s.kms_key_id = kms;
    s.advanced_event_selectors = selectors;
    s.multi_region_enabled = multi;
    s.termination_protection_enabled = protection;
    s.updated_timestamp = now();
    let out = full_json(s);
    if org && !cur.organization_enabled {
        super::org_scope_commit(st, c);
    }
    Ok(out)
}

pub fn get(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("EventDataStore")?;
    let i = find(st, c, &id)?;
    Ok(full_json(&st.event_data_stores[i]))
}

pub fn list(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let max = match r.int_opt("MaxResults")? {
        None => 1000,
        Some(n) if (1..=1000).contains(&n) => n as usize,
        Some(_) => {
            return Err(ApiError::new(
                "InvalidMaxResultsException",
                "MaxResults must be between 1 and 1000.",
            ));
        }
    };
    let items: Vec<Value> = st
        .event_data_stores
        .iter()
        .filter(|s| visible(st, c, s))
        .map(|s| json!({"EventDataStoreArn": s.arn, "Name": s.name}))
        .collect();
    let token = r.str_opt("NextToken")?;
    let (page, next) = req::page(&items, token.as_deref(), max, st.config.empty_first_page)
        .ok_or_else(|| ApiError::new("InvalidNextTokenException", "The NextToken is not valid."))?;
    let mut out = json!({"EventDataStores": page});
    put_opt(&mut out, "NextToken", next);
    Ok(out)
}

pub fn delete(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("EventDataStore")?;
    let i = find_active(st, c, &id)?;
    let s = &mut st.event_data_stores[i];
    if s.termination_protection_enabled {
        return Err(ApiError::new(
            "EventDataStoreTerminationProtectedException",
            format!("The event data store {id} has termination protection enabled."),
        ));
    }
    // The user guide: a federated store can't be deleted until federation is disabled.
    if s.federation_status == super::federation::ENABLED {
        return Err(ApiError::new(
            "EventDataStoreFederationEnabledException",
            format!("Lake query federation is enabled on {id}; disable it first."),
        ));
    }
    let t = now();
    s.status_before_deletion = Some(std::mem::replace(&mut s.status, PENDING_DELETION.into()));
    s.deletion_time = Some(t + PENDING_DELETION_SECS);
    s.updated_timestamp = t;
    Ok(json!({}))
}

pub fn restore(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("EventDataStore")?;
    let i = find(st, c, &id)?;
    if st.event_data_stores[i].status != PENDING_DELETION {
        return Err(ApiError::new(
            "InvalidEventDataStoreStatusException",
            format!("The event data store {id} is not pending deletion."),
        ));
    }
    if st.event_data_stores[i].organization_enabled {
        super::org_scope_check(st, c)?;
    }
    let s = &mut st.event_data_stores[i];
    s.status = s
        .status_before_deletion
        .take()
        .unwrap_or_else(|| ENABLED.into());
    s.deletion_time = None;
    s.updated_timestamp = now();
    Ok(base_json(s, &s.status))
}

pub fn set_ingestion(st: &mut State, c: &Caller, r: &Req, start: bool) -> ApiResult<Value> {
    let id = r.str_req("EventDataStore")?;
    let i = find(st, c, &id)?;
    let s = &mut st.event_data_stores[i];
    let (from, to) = if start {
        (STOPPED, ENABLED)
    } else {
        (ENABLED, STOPPED)
    };
    if s.status != from {
        return Err(ApiError::new(
            "InvalidEventDataStoreStatusException",
            format!(
                "The event data store {id} is {}; expected {from}.",
                s.status
            ),
        ));
    }
    s.status = to.into();
    s.updated_timestamp = now();
    Ok(json!({}))
}
