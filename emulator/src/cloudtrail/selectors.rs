//! Event selectors (basic xor advanced) on trails, and what a set of selectors logs.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::trails::{check_write, find};
use crate::error::{ApiError, ApiResult};
use crate::req::{Req, member_str};
use crate::state::{Caller, State};

const MAX_EVENT_SELECTORS: usize = 5;
const MAX_DATA_RESOURCE_VALUES: usize = 250;
const MAX_ADVANCED_CONDITION_VALUES: usize = 500;
const OPERATORS: &[&str] = &[
    "Equals",
    "StartsWith",
    "EndsWith",
    "NotEquals",
    "NotStartsWith",
    "NotEndsWith",
];

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new("InvalidEventSelectorsException", msg)
}

fn str_list(v: &Value, member: &str) -> ApiResult<Vec<String>> {
    match v.get(member) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ApiError::serialization(format!("Expected string in {member}")))
            })
            .collect(),
        Some(_) => Err(ApiError::serialization(format!(
            "Expected list for {member}"
        ))),
    }
}

fn normalize_basic(items: &[Value]) -> ApiResult<Vec<Value>> {
    if items.len() > MAX_EVENT_SELECTORS {
        return Err(invalid(format!(
            "A trail can have at most {MAX_EVENT_SELECTORS} event selectors."
        )));
    }
    let mut values = 0;
    let mut out = Vec::new();
    for s in items {
        if !s.is_object() {
            return Err(ApiError::serialization(
                "Expected structure for EventSelector",
            ));
        }
        let rw = member_str(s, "ReadWriteType", "EventSelector")?.unwrap_or_else(|| "All".into());
        if !matches!(rw.as_str(), "ReadOnly" | "WriteOnly" | "All") {
            return Err(invalid(format!("ReadWriteType {rw} is not valid.")));
        }
        let mgmt = match s.get("IncludeManagementEvents") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(b)) => *b,
            Some(_) => {
                return Err(ApiError::serialization(
                    "Expected boolean for IncludeManagementEvents",
                ));
            }
        };
        let mut resources = Vec::new();
        if let Some(list) = s.get("DataResources").and_then(Value::as_array) {
            for d in list {
                let ty = member_str(d, "Type", "DataResource")?
                    .ok_or_else(|| invalid("DataResource Type is required."))?;
                let vals = str_list(d, "Values")?;
                values += vals.len();
                resources.push(json!({"Type": ty, "Values": vals}));
            }
        }
        let excluded = str_list(s, "ExcludeManagementEventSources")?;
        out.push(json!({
            "ReadWriteType": rw,
            "IncludeManagementEvents": mgmt,
            "DataResources": resources,
            "ExcludeManagementEventSources": excluded,
        }));
    }
    if values > MAX_DATA_RESOURCE_VALUES {
        return Err(invalid(format!(
            "A trail can have at most {MAX_DATA_RESOURCE_VALUES} data resource values."
        )));
    }
    Ok(out)
}

/// Validates advanced selectors (shared with event data stores) and returns them normalized.
pub fn normalize_advanced(items: &[Value]) -> ApiResult<Vec<Value>> {
    let mut conditions = 0;
    let mut out = Vec::new();
    for s in items {
        if !s.is_object() {
            return Err(ApiError::serialization(
                "Expected structure for AdvancedEventSelector",
            ));
        }
        let fields = s
            .get("FieldSelectors")
            .and_then(Value::as_array)
            .filter(|f| !f.is_empty())
            .ok_or_else(|| {
                invalid("Each advanced event selector needs at least one FieldSelector.")
            })?;
        let mut norm_fields = Vec::new();
        for f in fields {
            let field = member_str(f, "Field", "FieldSelector")?
                .filter(|x| !x.is_empty())
                .ok_or_else(|| invalid("FieldSelector Field is required."))?;
            let mut nf = json!({"Field": field});
            let mut any = false;
            for op in OPERATORS {
                let vals = str_list(f, op)?;
                if f.get(*op).is_some_and(|v| !v.is_null()) && vals.is_empty() {
                    return Err(invalid(format!("{op} for {field} must not be empty.")));
                }
                if !vals.is_empty() {
                    any = true;
                    conditions += vals.len();
                    nf[*op] = json!(vals);
                }
            }
            if !any {
                return Err(invalid(format!("Field {field} has no operator.")));
            }
            norm_fields.push(nf);
        }
        let mut ns = json!({"FieldSelectors": norm_fields});
        if let Some(name) = member_str(s, "Name", "AdvancedEventSelector")? {
            ns["Name"] = json!(name);
        }
        out.push(ns);
    }
    if conditions > MAX_ADVANCED_CONDITION_VALUES {
        return Err(invalid(format!(
            "Advanced event selectors can have at most {MAX_ADVANCED_CONDITION_VALUES} condition values."
        )));
    }
    Ok(out)
}

/// What a trail's or event data store's selectors log: the checks of PutInsightSelectors
/// (Insights need the events they analyse) and PutEventConfiguration (aggregation needs
/// data events; context keys need a store of CloudTrail events) read it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    pub management_read: bool,
    pub management_write: bool,
    pub data: bool,
    /// Every `eventCategory` value selected (`Management`, `Data`, `Insight`, ...).
    pub categories: BTreeSet<String>,
}

fn field_equals(selector: &Value, field: &str) -> Vec<String> {
    selector["FieldSelectors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["Field"] == field)
        .flat_map(|f| f["Equals"].as_array().cloned().unwrap_or_default())
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Reads normalized selectors (as stored): basic ones of a trail, advanced ones of a trail
/// or store. An advanced selector's `readOnly` Equals `true`/`false` limits it to reads or
/// writes; without that field it selects both.
pub fn coverage(basic: &[Value], advanced: &[Value]) -> Coverage {
    let mut c = Coverage::default();
    for s in basic {
        if s["IncludeManagementEvents"] != json!(false) {
            c.categories.insert("Management".into());
            let rw = s["ReadWriteType"].as_str().unwrap_or("All");
            c.management_read |= rw != "WriteOnly";
            c.management_write |= rw != "ReadOnly";
        }
        if s["DataResources"].as_array().is_some_and(|d| !d.is_empty()) {
            c.categories.insert("Data".into());
            c.data = true;
        }
    }
    for s in advanced {
        let categories = field_equals(s, "eventCategory");
        let read_only = field_equals(s, "readOnly");
        let reads = read_only.is_empty() || read_only.iter().any(|v| v == "true");
        let writes = read_only.is_empty() || read_only.iter().any(|v| v == "false");
        if categories.iter().any(|v| v == "Management") {
            c.management_read |= reads;
            c.management_write |= writes;
        }
        c.data |= categories.iter().any(|v| v == "Data");
        c.categories.extend(categories);
    }
    c
}

pub fn put_event_selectors(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("TrailName")?;
    let idx = find(st, c, &name)?;
    check_write(st, c, &st.trails[idx], "InvalidHomeRegionException")?;
    let basic = r.list_opt("EventSelectors")?;
    let advanced = r.list_opt("AdvancedEventSelectors")?;
    let t = &mut st.trails[idx];
    match (basic, advanced) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                "EventSelectors and AdvancedEventSelectors are mutually exclusive.",
            ));
        }
        (None, None) => {
            return Err(invalid("Specify EventSelectors or AdvancedEventSelectors."));
        }
        (Some(b), None) => {
            t.event_selectors = normalize_basic(&b)?;
            t.advanced_event_selectors.clear();
        }
        (None, Some(a)) => {
            t.advanced_event_selectors = normalize_advanced(&a)?;
            t.event_selectors.clear();
        }
    }
    t.has_custom_event_selectors = true;
    Ok(selectors_json(t))
}

fn selectors_json(t: &crate::state::Trail) -> Value {
    if t.advanced_event_selectors.is_empty() {
        json!({"TrailARN": t.arn, "EventSelectors": t.event_selectors})
    } else {
        json!({"TrailARN": t.arn, "AdvancedEventSelectors": t.advanced_event_selectors})
    }
}

pub fn get_event_selectors(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = r.str_req("TrailName")?;
    let idx = find(st, c, &name)?;
    Ok(selectors_json(&st.trails[idx]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_limits() {
        let one = json!({"ReadWriteType": "WriteOnly"});
        assert_eq!(normalize_basic(&vec![one.clone(); 5]).unwrap().len(), 5);
        assert_eq!(
            normalize_basic(&vec![one; 6]).unwrap_err().code,
            "InvalidEventSelectorsException"
        );
        let bad = json!({"ReadWriteType": "Sometimes"});
        assert!(normalize_basic(&[bad]).is_err());
        let many = json!({"DataResources": [{"Type": "AWS::S3::Object", "Values": vec!["arn:aws:s3"; 251]}]});
        assert!(normalize_basic(&[many]).is_err());
    }

    #[test]
    fn advanced_limits() {
        let ok = json!({"Name": "mgmt", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Management"]}]});
        let n = normalize_advanced(&[ok]).unwrap();
        assert_eq!(n[0]["FieldSelectors"][0]["Equals"][0], "Management");
        assert!(normalize_advanced(&[json!({"FieldSelectors": []})]).is_err());
        let big =
            json!({"FieldSelectors": [{"Field": "resources.ARN", "StartsWith": vec!["x"; 501]}]});
        assert_eq!(
            normalize_advanced(&[big]).unwrap_err().code,
            "InvalidEventSelectorsException"
        );
        assert!(
            normalize_advanced(&[json!({"FieldSelectors": [{"Field": "eventCategory"}]})]).is_err()
        );
    }

    #[test]
    fn coverage_of_selectors() {
        let basic = normalize_basic(&[json!({"ReadWriteType": "ReadOnly"})]).unwrap();
        let c = coverage(&basic, &[]);
        assert!(c.management_read && !c.management_write && !c.data);
        let data = json!({"IncludeManagementEvents": false, "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]});
        let c = coverage(&normalize_basic(&[data]).unwrap(), &[]);
        assert!(c.data && !c.management_read && !c.management_write);
        let writes = json!({"FieldSelectors": [
            {"Field": "eventCategory", "Equals": ["Management"]},
            {"Field": "readOnly", "Equals": ["false"]}]});
        let c = coverage(&[], &[writes]);
        assert!(c.management_write && !c.management_read);
        let insight =
            json!({"FieldSelectors": [{"Field": "eventCategory", "Equals": ["Insight"]}]});
        let c = coverage(&[], &[insight]);
        assert!(c.categories.contains("Insight") && !c.management_write);
    }
}
