//! PutInsightSelectors / GetInsightSelectors on a trail (`TrailName`) or on an event data
//! store (`EventDataStore` + `InsightsDestination`). Each selector keeps its
//! `EventCategories` (omitted = `Management`, as the API reference says), and Insights need
//! the events they analyse (the PutInsightSelectors reference).

use serde_json::{Value, json};

use super::event_data_stores;
use super::selectors::{Coverage, coverage};
use super::trails::{check_write, find};
use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::req::{Req, member_str, member_str_list};
use crate::state::{Caller, State};

const INSIGHT_TYPES: &[&str] = &["ApiCallRateInsight", "ApiErrorRateInsight"];
const CATEGORIES: &[&str] = &["Management", "Data"];

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidInsightSelectorsException", msg)
}

fn combination(msg: &str) -> ApiError {
    ApiError::new("InvalidParameterCombinationException", msg)
}

/// Normalizes InsightSelectors: known, unrepeated types; categories default to Management.
pub fn normalize(items: &[Value]) -> ApiResult<Vec<Value>> {
    let mut types: Vec<String> = Vec::new();
    let mut out = Vec::new();
    for s in items {
        if !s.is_object() {
            return Err(ApiError::serialization(
                "Expected structure for InsightSelector",
            ));
        }
        let ty = member_str(s, "InsightType", "InsightSelector")?.unwrap_or_default();
        if !INSIGHT_TYPES.contains(&ty.as_str()) || types.contains(&ty) {
            return Err(invalid(format!(
                "InsightType {ty:?} is not valid or repeated."
            )));
        }
        let mut categories =
            member_str_list(s, "EventCategories", "InsightSelector")?.unwrap_or_default();
        if categories.is_empty() {
            categories.push("Management".into());
        }
        for (i, cat) in categories.iter().enumerate() {
            if !CATEGORIES.contains(&cat.as_str()) || categories[..i].contains(cat) {
                return Err(invalid(format!(
                    "EventCategories value {cat:?} is not valid or repeated; valid values are Management and Data."
                )));
            }
        }
        types.push(ty.clone());
        out.push(json!({"InsightType": ty, "EventCategories": categories}));
    }
    Ok(out)
}

/// Insights analyse events the trail or store logs: ApiCallRateInsight on management events
/// needs write management events, ApiErrorRateInsight read or write ones; Data needs data events.
pub fn check_coverage(selectors: &[Value], c: &Coverage, what: &str) -> ApiResult<()> {
    for s in selectors {
        let ty = s["InsightType"].as_str().unwrap_or_default();
        for cat in s["EventCategories"].as_array().into_iter().flatten() {
            let ok = match cat.as_str() {
                Some("Data") => c.data,
                _ if ty == "ApiCallRateInsight" => c.management_write,
                _ => c.management_read || c.management_write,
            };
            if !ok {
                return Err(invalid(format!(
                    "{ty} on {} events needs {what} to log {} events.",
                    cat.as_str().unwrap_or_default(),
                    match (cat.as_str(), ty) {
                        (Some("Data"), _) => "data",
                        (_, "ApiCallRateInsight") => "write management",
                        _ => "management",
                    }
                )));
            }
        }
    }
    Ok(())
}

pub fn put(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let items = r.list_req("InsightSelectors")?;
    let trail = r.str_opt("TrailName")?;
    let store = r.str_opt("EventDataStore")?;
    let destination = r.str_opt("InsightsDestination")?;
    match (trail, store) {
        (Some(_), Some(_)) => Err(combination(
            "TrailName cannot be used with EventDataStore or InsightsDestination.",
        )),
        (Some(_), None) if destination.is_some() => Err(combination(
            "TrailName cannot be used with EventDataStore or InsightsDestination.",
        )),
        (Some(name), None) => put_trail(st, c, &name, &items),
        (None, Some(id)) => put_store(st, c, &id, destination, &items),
        (None, None) => Err(combination(
            "Specify TrailName, or EventDataStore and InsightsDestination.",
        )),
    }
}

fn put_trail(st: &mut State, c: &Caller, name: &str, items: &[Value]) -> ApiResult<Value> {
    let selectors = normalize(items)?;
    let idx = find(st, c, name)?;
    check_write(st, c, &st.trails[idx], "InvalidHomeRegionException")?;
    let t = &st.trails[idx];
    let cov = coverage(&t.event_selectors, &t.advanced_event_selectors);
    check_coverage(&selectors, &cov, "the trail")?;
    let t = &mut st.trails[idx];
    t.insight_selectors = selectors;
    Ok(json!({"TrailARN": t.arn, "InsightSelectors": t.insight_selectors}))
}

fn put_store(
    st: &mut State,
    c: &Caller,
    id: &str,
    destination: Option<String>,
    items: &[Value],
) -> ApiResult<Value> {
    let selectors = normalize(items)?;
    if selectors.is_empty() {
        // Turning Insights off names only the source store (see assumptions.rs).
        let i = event_data_stores::find_active(st, c, id)?;
        org_store_check(st, c, i)?;
        let s = &mut st.event_data_stores[i];
        s.insight_selectors.clear();
        s.insights_destination = None;
        return Ok(json!({"EventDataStoreArn": s.arn, "InsightSelectors": []}));
    }
    let destination = destination.ok_or_else(|| {
        combination("EventDataStore needs InsightsDestination to enable Insights.")
    })?;
    if selectors.iter().any(|s| {
        s["EventCategories"]
            .as_array()
            .is_some_and(|c| c.iter().any(|v| v == "Data"))
    }) {
        return Err(invalid(
            "Insights on data events are not supported on event data stores.",
        ));
    }
    let i = event_data_stores::find_active(st, c, id)?;
    org_store_check(st, c, i)?;
    let d = event_data_stores::find_active(st, c, &destination)?;
    let (source, dest) = (&st.event_data_stores[i], &st.event_data_stores[d]);
    if source.owner != dest.owner {
        return Err(ApiError::new(
            assumptions::INSIGHTS_DESTINATION_OTHER_ACCOUNT_ERROR,
            "The source and destination event data stores must belong to the same account.",
        ));
    }
    check_coverage(
        &selectors,
        &coverage(&[], &source.advanced_event_selectors),
        "the source event data store",
    )?;
    if !coverage(&[], &dest.advanced_event_selectors)
        .categories
        .contains("Insight")
    {
        return Err(invalid(
            "The destination event data store must log Insights events (eventCategory Insight).",
        ));
    }
    let dest_arn = dest.arn.clone();
    let s = &mut st.event_data_stores[i];
    s.insight_selectors = selectors;
    s.insights_destination = Some(dest_arn);
    Ok(store_json(s))
}

/// The CloudTrail user guide's capability table: only the management account enables
/// Insights on an organization event data store, not the delegated administrator.
fn org_store_check(st: &State, c: &Caller, i: usize) -> ApiResult<()> {
    if st.event_data_stores[i].organization_enabled && !st.is_management(&c.account) {
        return Err(super::not_management(
            "change Insights on an organization event data store",
        ));
    }
    Ok(())
}

fn store_json(s: &crate::state::EventDataStore) -> Value {
    let mut v = json!({"EventDataStoreArn": s.arn, "InsightSelectors": s.insight_selectors});
    super::put_opt(
        &mut v,
        "InsightsDestination",
        s.insights_destination.clone(),
    );
    v
}

pub fn get(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let trail = r.str_opt("TrailName")?;
    let store = r.str_opt("EventDataStore")?;
    match (trail, store) {
        (Some(_), Some(_)) => Err(combination(
            "Specify either TrailName or EventDataStore, not both.",
        )),
        (None, None) => Err(combination("Specify TrailName or EventDataStore.")),
        (Some(name), None) => {
            let t = &st.trails[find(st, c, &name)?];
            if t.insight_selectors.is_empty() {
                return Err(not_enabled(&format!("Trail {}", t.name)));
            }
            Ok(json!({"TrailARN": t.arn, "InsightSelectors": t.insight_selectors}))
        }
        (None, Some(id)) => {
            let s = &st.event_data_stores[event_data_stores::find(st, c, &id)?];
            if s.insight_selectors.is_empty() {
                return Err(not_enabled(&format!("Event data store {}", s.arn)));
            }
            Ok(store_json(s))
        }
    }
}

fn not_enabled(what: &str) -> ApiError {
    ApiError::new(
        "InsightNotEnabledException",
        format!("{what} does not have Insights enabled."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_default_to_management() {
        let n = normalize(&[json!({"InsightType": "ApiCallRateInsight"})]).unwrap();
        assert_eq!(n[0]["EventCategories"], json!(["Management"]));
        let n = normalize(&[json!({"InsightType": "ApiErrorRateInsight", "EventCategories": ["Data", "Management"]})]).unwrap();
        assert_eq!(n[0]["EventCategories"], json!(["Data", "Management"]));
        for bad in [
            json!({"InsightType": "ApiCallRateInsight", "EventCategories": ["Network"]}),
            json!({"InsightType": "ApiCallRateInsight", "EventCategories": ["Data", "Data"]}),
            json!({"InsightType": "Nope"}),
        ] {
            assert_eq!(
                normalize(&[bad]).unwrap_err().code,
                "InvalidInsightSelectorsException"
            );
        }
    }

    #[test]
    fn insights_need_the_events_they_analyse() {
        let reads = Coverage {
            management_read: true,
            ..Default::default()
        };
        let rate = normalize(&[json!({"InsightType": "ApiCallRateInsight"})]).unwrap();
        let errors = normalize(&[json!({"InsightType": "ApiErrorRateInsight"})]).unwrap();
        assert!(check_coverage(&rate, &reads, "t").is_err());
        assert!(check_coverage(&errors, &reads, "t").is_ok());
        let data = normalize(&[
            json!({"InsightType": "ApiErrorRateInsight", "EventCategories": ["Data"]}),
        ])
        .unwrap();
        assert!(check_coverage(&data, &reads, "t").is_err());
    }
}
