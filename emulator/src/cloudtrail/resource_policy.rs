//! PutResourcePolicy / GetResourcePolicy / DeleteResourcePolicy on event data stores.
//! Dashboards and channels are valid resource types but the emulator has none, so their ARNs
//! are never found. Organization stores also carry the `DelegatedAdminResourcePolicy`
//! CloudTrail generates for the delegated administrators (the user guide).

use serde_json::{Value, json};

use super::constraints::{arn_like, str_len};
use super::{event_data_stores, put_opt};
use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::req::Req;
use crate::rules;
use crate::state::{CLOUDTRAIL_PRINCIPAL, Caller, EventDataStore, State};

/// The actions the user guide supports in an event data store's resource-based policy.
const STORE_ACTIONS: &[&str] = &[
    "cloudtrail:StartQuery",
    "cloudtrail:CancelQuery",
    "cloudtrail:ListQueries",
    "cloudtrail:DescribeQuery",
    "cloudtrail:GetQueryResults",
    "cloudtrail:GenerateQuery",
    "cloudtrail:GenerateQueryResultsSummary",
    "cloudtrail:GetEventDataStore",
];

fn not_valid(msg: impl Into<String>) -> ApiError {
    ApiError::new("ResourcePolicyNotValidException", msg)
}

fn not_found(arn: &str) -> ApiError {
    ApiError::new(
        "ResourceNotFoundException",
        format!("Resource {arn} not found."),
    )
}

/// Resolves ResourceArn to a store the caller can see; `write` also needs its owner.
fn resolve(st: &State, c: &Caller, r: &Req, write: bool) -> ApiResult<usize> {
    let arn = r.str_req("ResourceArn")?;
    arn_like("resourceArn", &arn)?;
    let parsed = rules::parse_cloudtrail_arn(&arn).ok_or_else(|| {
        ApiError::new(
            "ResourceARNNotValidException",
            format!("{arn} is not a valid event data store, dashboard or channel ARN."),
        )
    })?;
    match parsed.resource_type.as_str() {
        "eventdatastore" => {}
        "dashboard" | "channel" => return Err(not_found(&arn)),
        other => {
            return Err(ApiError::new(
                "ResourceTypeNotSupportedException",
                format!("Resource type {other} does not support resource-based policies."),
            ));
        }
    }
    let i = event_data_stores::find(st, c, &arn).map_err(|e| {
        if e.code == "EventDataStoreNotFoundException" {
            not_found(&arn)
        } else {
            e
        }
    })?;
    if write && st.event_data_stores[i].owner != c.account {
        return Err(ApiError::new(
            assumptions::RESOURCE_POLICY_NOT_OWNER_ERROR,
            "Only the account that owns the event data store can change its resource-based policy.",
        ));
    }
    Ok(i)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

fn valid_principal(p: &Value) -> bool {
    let aws_ok = |s: &str| {
        s == "*"
            || rules::valid_account_id(s)
            || s.strip_prefix("arn:aws:iam::")
                .or_else(|| s.strip_prefix("arn:aws:sts::"))
                .and_then(|rest| rest.split_once(':'))
                .is_some_and(|(acct, res)| rules::valid_account_id(acct) && !res.is_empty())
    };
    match p {
        Value::String(s) => s == "*",
        Value::Object(m) if !m.is_empty() => m.iter().all(|(k, v)| {
            let items = as_list(v);
            !items.is_empty()
                && items.iter().all(|i| {
                    let s = i.as_str().unwrap_or_default();
                    match k.as_str() {
                        "AWS" => aws_ok(s),
                        "Service" => {
                            s.ends_with(".amazonaws.com") && s.len() > ".amazonaws.com".len()
                        }
                        _ => false,
                    }
                })
        }),
        _ => false,
    }
}

fn valid_action(a: &str) -> bool {
    STORE_ACTIONS.iter().any(|s| rules::action_matches(a, s))
}

/// Syntax and principal checks ("syntax errors, or contains a principal that is not valid").
pub fn validate_policy(text: &str) -> ApiResult<()> {
    let v: Value = serde_json::from_str(text)
        .map_err(|e| not_valid(format!("The resource policy is not valid JSON: {e}")))?;
    let statements = as_list(&v["Statement"]);
    if !v.is_object() || statements.is_empty() {
        return Err(not_valid(
            "The resource policy needs at least one Statement.",
        ));
    }
    if let Some(ver) = v.get("Version")
        && ver != "2012-10-17"
        && ver != "2008-10-17"
    {
        return Err(not_valid("Version must be 2012-10-17 or 2008-10-17."));
    }
    for s in &statements {
        if !matches!(s["Effect"].as_str(), Some("Allow" | "Deny")) {
            return Err(not_valid("Each statement needs Effect Allow or Deny."));
        }
        if !valid_principal(&s["Principal"]) {
            return Err(not_valid("A statement has a missing or invalid Principal."));
        }
        let actions = as_list(&s["Action"]);
        if actions.is_empty() {
            return Err(not_valid("Each statement needs an Action."));
        }
        for a in &actions {
            let a = a.as_str().unwrap_or_default();
            if !valid_action(a) {
                return Err(not_valid(format!(
                    "Action {a} is not supported in an event data store's resource-based policy."
                )));
            }
        }
    }
    Ok(())
}

/// The policy CloudTrail keeps for the delegated administrators of an organization store.
fn delegated_admin_policy(st: &State, s: &EventDataStore) -> Option<String> {
    let admins: Vec<String> = st
        .delegated_admins
        .get(CLOUDTRAIL_PRINCIPAL)?
        .keys()
        .map(|a| format!("arn:aws:iam::{a}:root"))
        .collect();
    if !s.organization_enabled || admins.is_empty() {
        return None;
    }
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DelegatedAdminResourcePolicy",
            "Effect": "Allow",
            "Principal": {"AWS": admins},
            "Action": assumptions::DELEGATED_ADMIN_POLICY_ACTIONS,
            "Resource": s.arn,
        }],
    });
    Some(policy.to_string())
}

fn policy_json(st: &State, s: &EventDataStore) -> Value {
    let mut v = json!({"ResourceArn": s.arn});
    put_opt(&mut v, "ResourcePolicy", s.resource_policy.clone());
    put_opt(
        &mut v,
        "DelegatedAdminResourcePolicy",
        delegated_admin_policy(st, s),
    );
    v
}

pub fn put(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let policy = r.str_req("ResourcePolicy")?;
    str_len("resourcePolicy", &policy, 1, 8192)?;
    let i = resolve(st, c, r, true)?;
    validate_policy(&policy)?;
    st.event_data_stores[i].resource_policy = Some(policy);
    Ok(policy_json(st, &st.event_data_stores[i]))
}

pub fn get(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = resolve(st, c, r, false)?;
    let s = &st.event_data_stores[i];
    let v = policy_json(st, s);
    if v.get("ResourcePolicy").is_none() && v.get("DelegatedAdminResourcePolicy").is_none() {
        return Err(ApiError::new(
            "ResourcePolicyNotFoundException",
            format!("No resource-based policy is attached to {}.", s.arn),
        ));
    }
    Ok(v)
}

pub fn delete(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = resolve(st, c, r, true)?;
    let s = &mut st.event_data_stores[i];
    if s.resource_policy.take().is_none() {
        return Err(ApiError::new(
            "ResourcePolicyNotFoundException",
            format!("No resource-based policy is attached to {}.", s.arn),
        ));
    }
    Ok(json!({}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies() {
        let ok = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::222222222222:root","333333333333"]},"Action":["cloudtrail:StartQuery","cloudtrail:GetQueryResults"],"Resource":"*"}]}"#;
        assert!(validate_policy(ok).is_ok());
        let service = r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"cloudtrail:*"}}"#;
        assert!(validate_policy(service).is_ok());
        for bad in [
            "not json",
            "[]",
            r#"{"Statement":[]}"#,
            r#"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"cloudtrail:StartQuery"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"cloudtrail:StartQuery"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"cloudtrail:DeleteTrail"}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*"}]}"#,
        ] {
            assert_eq!(
                validate_policy(bad).unwrap_err().code,
                "ResourcePolicyNotValidException",
                "{bad}"
            );
        }
    }
}
