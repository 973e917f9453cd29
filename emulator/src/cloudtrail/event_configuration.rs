//! PutEventConfiguration / GetEventConfiguration. The API reference: "updating the maximum
//! event size, adding or modifying context key selectors for event data store, and
//! configuring aggregation settings for the trail". A put replaces the whole configuration
//! of its resource (the user guide removes context keys by putting none).

use serde_json::{Value, json};

use super::constraints::{list_len, one_of, str_len};
use super::selectors::coverage;
use super::{event_data_stores, put_opt, trails};
use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::req::{Req, member_str, member_str_list};
use crate::state::{Caller, EVENT_CONTEXT_SLR, EventDataStore, State, Trail};

pub const STANDARD: &str = "Standard";
const LARGE: &str = "Large";
/// Model: ContextKeySelectors max 2; OperatorTargetList (Equals) 1..=50 of 1..=128 chars.
const MAX_CONTEXT_KEY_SELECTORS: usize = 2;
const MAX_EQUALS: usize = 50;
const MAX_KEY_CHARS: usize = 128;
/// Model: AggregationConfigurations max 1; Templates 1..=50.
const MAX_AGGREGATION_CONFIGURATIONS: usize = 1;
const MAX_TEMPLATES: usize = 50;
const TEMPLATES: &[&str] = &["API_ACTIVITY", "RESOURCE_ACCESS", "USER_ACTIONS"];
/// The IAM global condition keys the user guide lists as supported for enriched events.
const REQUEST_CONTEXT_KEYS: &[&str] = &[
    "aws:FederatedProvider",
    "aws:TokenIssueTime",
    "aws:MultiFactorAuthAge",
    "aws:MultiFactorAuthPresent",
    "aws:SourceIdentity",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalServiceNamesList",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    "aws:RequestedRegion",
    "aws:SecureTransport",
    "aws:ViaAWSService",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:SourceAccount",
    "aws:SourceOrgID",
];

fn combination(msg: &str) -> ApiError {
    ApiError::new("InvalidParameterCombinationException", msg)
}

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidParameterException", msg)
}

enum Target {
    Trail(String),
    Store(String),
}

/// Exactly one of TrailName and EventDataStore.
fn target(r: &Req) -> ApiResult<Target> {
    match (r.str_opt("TrailName")?, r.str_opt("EventDataStore")?) {
        (Some(t), None) => Ok(Target::Trail(t)),
        (None, Some(s)) => Ok(Target::Store(s)),
        (Some(_), Some(_)) => Err(combination(
            "Specify either TrailName or EventDataStore, not both.",
        )),
        (None, None) => Err(combination("Specify TrailName or EventDataStore.")),
    }
}

/// ContextKeySelectors checked against the model: Type enum, Equals 1..=50 keys of 1..=128.
fn parse_context_keys(items: &[Value]) -> ApiResult<Vec<Value>> {
    list_len(
        "contextKeySelectors",
        items.len(),
        0,
        MAX_CONTEXT_KEY_SELECTORS,
    )?;
    let mut out: Vec<Value> = Vec::new();
    for (i, s) in items.iter().enumerate() {
        let at = format!("contextKeySelectors.{}.member", i + 1);
        if !s.is_object() {
            return Err(ApiError::serialization(
                "Expected structure for ContextKeySelector",
            ));
        }
        let ty = member_str(s, "Type", "ContextKeySelector")?.ok_or_else(|| {
            ApiError::validation(&format!("{at}.type"), "Member must not be null")
        })?;
        one_of(
            &format!("{at}.type"),
            &ty,
            &["TagContext", "RequestContext"],
        )?;
        let equals = member_str_list(s, "Equals", "ContextKeySelector")?.ok_or_else(|| {
            ApiError::validation(&format!("{at}.equals"), "Member must not be null")
        })?;
        list_len(&format!("{at}.equals"), equals.len(), 1, MAX_EQUALS)?;
        for key in &equals {
            str_len(&format!("{at}.equals.member"), key, 1, MAX_KEY_CHARS)?;
        }
        out.push(json!({"Type": ty, "Equals": equals}));
    }
    Ok(out)
}

/// AggregationConfigurations checked against the model: at most 1; Templates 1..=50 of the
/// enum; EventCategory `Data`.
fn parse_aggregations(items: &[Value]) -> ApiResult<Vec<Value>> {
    list_len(
        "aggregationConfigurations",
        items.len(),
        0,
        MAX_AGGREGATION_CONFIGURATIONS,
    )?;
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate() {
        let at = format!("aggregationConfigurations.{}.member", i + 1);
        if !a.is_object() {
            return Err(ApiError::serialization(
                "Expected structure for AggregationConfiguration",
            ));
        }
        let templates =
            member_str_list(a, "Templates", "AggregationConfiguration")?.ok_or_else(|| {
                ApiError::validation(&format!("{at}.templates"), "Member must not be null")
            })?;
        list_len(
            &format!("{at}.templates"),
            templates.len(),
            1,
            MAX_TEMPLATES,
        )?;
        for t in &templates {
            one_of(&format!("{at}.templates.member"), t, TEMPLATES)?;
        }
        let category =
            member_str(a, "EventCategory", "AggregationConfiguration")?.ok_or_else(|| {
                ApiError::validation(&format!("{at}.eventCategory"), "Member must not be null")
            })?;
        one_of(&format!("{at}.eventCategory"), &category, &["Data"])?;
        for (j, t) in templates.iter().enumerate() {
            if templates[..j].contains(t) {
                return Err(invalid(format!("Template {t} is repeated.")));
            }
        }
        out.push(json!({"Templates": templates, "EventCategory": category}));
    }
    Ok(out)
}

pub fn put(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let target = target(r)?;
    let size = r.str_opt("MaxEventSize")?;
    if let Some(s) = &size {
        one_of("maxEventSize", s, &[STANDARD, LARGE])?;
    }
    let keys = parse_context_keys(&r.list_opt("ContextKeySelectors")?.unwrap_or_default())?;
    let aggregations =
        parse_aggregations(&r.list_opt("AggregationConfigurations")?.unwrap_or_default())?;
    match target {
        Target::Trail(name) => {
            if size.is_some() || !keys.is_empty() {
                return Err(combination(
                    "MaxEventSize and ContextKeySelectors apply to event data stores, not trails.",
                ));
            }
            put_trail(st, c, &name, aggregations)
        }
        Target::Store(id) => {
            if !aggregations.is_empty() {
                return Err(combination(
                    "AggregationConfigurations apply to trails, not event data stores.",
                ));
            }
            put_store(st, c, &id, size, keys)
        }
    }
}

fn put_trail(st: &mut State, c: &Caller, name: &str, aggregations: Vec<Value>) -> ApiResult<Value> {
    let idx = trails::find(st, c, name)?;
    let t = &st.trails[idx];
    trails::check_write(st, c, t, "InvalidHomeRegionException")?;
    // "Before you enable event aggregation, you must create a trail and configure data
    // events in it" (user guide, Aggregating data events).
    if !aggregations.is_empty() && !coverage(&t.event_selectors, &t.advanced_event_selectors).data {
        return Err(ApiError::new(
            assumptions::AGGREGATION_WITHOUT_DATA_EVENTS_ERROR,
            "Event aggregation needs a trail that logs data events.",
        ));
    }
    let t = &mut st.trails[idx];
    t.aggregation_configurations = aggregations;
    Ok(trail_json(t))
}

fn put_store(
    st: &mut State,
    c: &Caller,
    id: &str,
    size: Option<String>,
    keys: Vec<Value>,
) -> ApiResult<Value> {
    let i = event_data_stores::find_active(st, c, id)?;
    check_category(&st.event_data_stores[i])?;
    // Omitted MaxEventSize is the default, Standard: the put replaces the whole configuration.
    let size = size.unwrap_or_else(|| assumptions::EVENT_CONFIGURATION_SIZE_WHEN_OMITTED.into());
    if !keys.is_empty() && size != LARGE {
        return Err(ApiError::new(
            assumptions::CONTEXT_KEYS_WITHOUT_LARGE_ERROR,
            "MaxEventSize must be Large when ContextKeySelectors are used.",
        ));
    }
    for (n, k) in keys.iter().enumerate() {
        if keys[..n].iter().any(|o| o["Type"] == k["Type"]) {
            return Err(invalid(format!(
                "ContextKeySelectors has more than one {} selector.",
                k["Type"].as_str().unwrap_or_default()
            )));
        }
        if k["Type"] == "RequestContext" {
            for key in k["Equals"].as_array().into_iter().flatten() {
                let key = key.as_str().unwrap_or_default();
                let supported = REQUEST_CONTEXT_KEYS
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(key))
                    || key.to_ascii_lowercase().starts_with("aws:principaltag/");
                if !supported {
                    return Err(invalid(format!(
                        "{key} is not a supported IAM global condition key for enriched events."
                    )));
                }
            }
        }
    }
    let owner = st.event_data_stores[i].owner.clone();
    let tag_context = keys.iter().any(|k| k["Type"] == "TagContext");
    if tag_context && !st.has_slr(&owner, EVENT_CONTEXT_SLR) {
        if c.denied("iam:CreateServiceLinkedRole") {
            return Err(ApiError::new(
                "InsufficientIAMAccessPermissionException",
                format!("Creating {EVENT_CONTEXT_SLR} needs iam:CreateServiceLinkedRole."),
            ));
        }
        // The user guide: CloudTrail creates the role when the context feature is first used.
        st.ensure_slr(&owner, EVENT_CONTEXT_SLR);
    }
    let s = &mut st.event_data_stores[i];
    s.max_event_size = size;
    s.context_key_selectors = keys;
    Ok(store_json(s))
}

/// Enriched events and the large event size exist for stores of CloudTrail events
/// (management, data, network activity), not Insights, Config or integration stores.
fn check_category(s: &EventDataStore) -> ApiResult<()> {
    let cats = coverage(&[], &s.advanced_event_selectors).categories;
    if ["Management", "Data", "NetworkActivity"]
        .iter()
        .any(|k| cats.contains(*k))
    {
        return Ok(());
    }
    Err(ApiError::new(
        "InvalidEventDataStoreCategoryException",
        format!(
            "The event data store {} does not collect CloudTrail management, data or network activity events.",
            s.arn
        ),
    ))
}

fn trail_json(t: &Trail) -> Value {
    let mut v = json!({"TrailARN": t.arn});
    if !t.aggregation_configurations.is_empty() {
        v["AggregationConfigurations"] = json!(t.aggregation_configurations);
    }
    v
}

fn store_json(s: &EventDataStore) -> Value {
    let mut v = json!({"EventDataStoreArn": s.arn, "MaxEventSize": s.max_event_size});
    put_opt(
        &mut v,
        "ContextKeySelectors",
        (!s.context_key_selectors.is_empty()).then(|| json!(s.context_key_selectors)),
    );
    v
}

pub fn get(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    match target(r)? {
        Target::Trail(name) => Ok(trail_json(&st.trails[trails::find(st, c, &name)?])),
        Target::Store(id) => {
            let s = &st.event_data_stores[event_data_stores::find(st, c, &id)?];
            check_category(s)?;
            Ok(store_json(s))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_limits() {
        let one = json!({"Type": "TagContext", "Equals": ["team"]});
        assert_eq!(
            parse_context_keys(&[one.clone(), one.clone()])
                .unwrap()
                .len(),
            2
        );
        assert_eq!(
            parse_context_keys(&[one.clone(), one.clone(), one])
                .unwrap_err()
                .code,
            "ValidationException"
        );
        let fifty_one = json!({"Type": "TagContext", "Equals": vec!["k"; 51]});
        assert_eq!(
            parse_context_keys(&[fifty_one]).unwrap_err().code,
            "ValidationException"
        );
        let long = json!({"Type": "TagContext", "Equals": ["k".repeat(129)]});
        assert_eq!(
            parse_context_keys(&[long]).unwrap_err().code,
            "ValidationException"
        );
        let empty = json!({"Type": "RequestContext", "Equals": []});
        assert_eq!(
            parse_context_keys(&[empty]).unwrap_err().code,
            "ValidationException"
        );
        let bad_type = json!({"Type": "BodyContext", "Equals": ["x"]});
        assert_eq!(
            parse_context_keys(&[bad_type]).unwrap_err().code,
            "ValidationException"
        );

        let agg = json!({"Templates": ["API_ACTIVITY"], "EventCategory": "Data"});
        assert!(parse_aggregations(std::slice::from_ref(&agg)).is_ok());
        assert_eq!(
            parse_aggregations(&[agg.clone(), agg]).unwrap_err().code,
            "ValidationException"
        );
        let mgmt = json!({"Templates": ["API_ACTIVITY"], "EventCategory": "Management"});
        assert_eq!(
            parse_aggregations(&[mgmt]).unwrap_err().code,
            "ValidationException"
        );
        let none = json!({"Templates": [], "EventCategory": "Data"});
        assert_eq!(
            parse_aggregations(&[none]).unwrap_err().code,
            "ValidationException"
        );
        let twice = json!({"Templates": ["USER_ACTIONS", "USER_ACTIONS"], "EventCategory": "Data"});
        assert_eq!(
            parse_aggregations(&[twice]).unwrap_err().code,
            "InvalidParameterException"
        );
    }
}
