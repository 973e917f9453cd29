//! AWS Organizations (awsJson1.1, target prefix AWSOrganizationsV20161128): the organization,
//! accounts, trusted access and delegated administrators.

use serde_json::{Value, json};

use crate::assumptions;
use crate::config::AccountConfig;
use crate::delegation;
use crate::error::{ApiError, ApiResult};
use crate::req::{self, Req};
use crate::rules;
use crate::state::{Caller, State, now};

pub const OPERATIONS: &[&str] = &[
    "DescribeOrganization",
    "ListAccounts",
    "DescribeAccount",
    "EnableAWSServiceAccess",
    "DisableAWSServiceAccess",
    "ListAWSServiceAccessForOrganization",
    "RegisterDelegatedAdministrator",
    "DeregisterDelegatedAdministrator",
    "ListDelegatedAdministrators",
];

pub fn handle(st: &mut State, c: &Caller, op: &str, r: &Req) -> ApiResult<Value> {
    if !st.config.organization.in_use {
        return Err(ApiError::new(
            "AWSOrganizationsNotInUseException",
            "Your account is not a member of an organization.",
        ));
    }
    match op {
        "DescribeOrganization" => Ok(describe_organization(st)),
        "ListAccounts" => list_accounts(st, c, r),
        "DescribeAccount" => describe_account(st, c, r),
        "EnableAWSServiceAccess" => enable_service_access(st, c, r),
        "DisableAWSServiceAccess" => disable_service_access(st, c, r),
        "ListAWSServiceAccessForOrganization" => list_service_access(st, c, r),
        "RegisterDelegatedAdministrator" => register_delegated_admin(st, c, r),
        "DeregisterDelegatedAdministrator" => deregister_delegated_admin(st, c, r),
        "ListDelegatedAdministrators" => list_delegated_admins(st, c, r),
        _ => Err(ApiError::unknown_operation(op)),
    }
}

fn access_denied() -> ApiError {
    ApiError::new(
        "AccessDeniedException",
        "You don't have permissions to access this resource.",
    )
}

fn require_management(st: &State, c: &Caller) -> ApiResult<()> {
    if st.is_management(&c.account) {
        Ok(())
    } else {
        Err(access_denied())
    }
}

/// Read-only organization views are open to the management account and to any
/// delegated administrator.
fn require_management_or_delegated(st: &State, c: &Caller) -> ApiResult<()> {
    if st.is_management(&c.account) || st.is_any_delegated_admin(&c.account) {
        Ok(())
    } else {
        Err(access_denied())
    }
}

fn invalid_input(reason: &str, message: &str) -> ApiError {
    ApiError::new("InvalidInputException", message).with_reason(reason)
}

fn describe_organization(st: &State) -> Value {
    let org = &st.config.organization;
    json!({"Organization": {
        "Id": org.id,
        "Arn": rules::organization_arn(&org.id, st.management()),
        "FeatureSet": org.feature_set,
        "MasterAccountArn": rules::account_arn(&org.id, st.management(), st.management()),
        "MasterAccountId": st.management(),
        "MasterAccountEmail": org.management_account.display_email(),
        "AvailablePolicyTypes": [],
    }})
}

/// The Account shape. `Status` was retired on 2026-09-09 (the Organizations model), so only
/// `State` is sent: a client still reading `Status` finds nothing, as it would on AWS.
fn account_json(st: &State, a: &AccountConfig) -> Value {
    json!({
        "Id": a.id,
        "Arn": rules::account_arn(st.org_id(), st.management(), &a.id),
        "Email": a.display_email(),
        "Name": a.display_name(),
        "State": a.state,
        "JoinedMethod": if a.id == st.management() { "CREATED" } else { "INVITED" },
        "JoinedTimestamp": st.created,
    })
}

/// MaxResults for Organizations: 1..=20.
fn max_results(r: &Req) -> ApiResult<usize> {
    match r.int_opt("MaxResults")? {
        None => Ok(20),
        Some(n) if n < 1 => Err(invalid_input(
            "MIN_VALUE_EXCEEDED",
            "MaxResults must be at least 1.",
        )),
        Some(n) if n > 20 => Err(invalid_input(
            "MAX_VALUE_EXCEEDED",
            "MaxResults must be at most 20.",
        )),
        Some(n) => Ok(n as usize),
    }
}

fn paged(st: &State, r: &Req, items: Vec<Value>, member: &str) -> ApiResult<Value> {
    let token = r.str_opt("NextToken")?;
    let (page, next) = req::page(
        &items,
        token.as_deref(),
        max_results(r)?,
        st.config.empty_first_page,
    )
    .ok_or_else(|| invalid_input("INVALID_NEXT_TOKEN", "The NextToken is not valid."))?;
    let mut out = json!({ member: page });
    if let Some(next) = next {
        out["NextToken"] = json!(next);
    }
    Ok(out)
}

fn list_accounts(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management_or_delegated(st, c)?;
    let items = st
        .accounts()
        .into_iter()
        .map(|a| account_json(st, a))
        .collect();
    paged(st, r, items, "Accounts")
}

fn account_id_arg(r: &Req) -> ApiResult<String> {
    let id = r.str_req("AccountId")?;
    if !rules::valid_account_id(&id) {
        return Err(invalid_input(
            "INVALID_PATTERN",
            "AccountId must be 12 digits.",
        ));
    }
    Ok(id)
}

fn describe_account(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management_or_delegated(st, c)?;
    let id = account_id_arg(r)?;
    let a = st
        .account(&id)
        .ok_or_else(|| ApiError::account_not_found(&id))?;
    Ok(json!({ "Account": account_json(st, a) }))
}

fn service_principal_arg(r: &Req) -> ApiResult<String> {
    let p = r.str_req("ServicePrincipal")?;
    if p.is_empty() || p.len() > 128 || !p.ends_with(".amazonaws.com") {
        return Err(invalid_input(
            "UNRECOGNIZED_SERVICE_PRINCIPAL",
            &format!("You specified an unrecognized service principal: {p}"),
        ));
    }
    Ok(p)
}

fn enable_service_access(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management(st, c)?;
    let p = service_principal_arg(r)?;
    if !st.all_features() {
        return Err(ApiError::constraint(
            "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE",
            "The organization must have all features enabled.",
        ));
    }
    if !st.trusted(&p) || !assumptions::REPEATED_ENABLE_DISABLE_IS_NOOP {
        st.trusted_access.insert(p, now());
    }
    Ok(json!({}))
}

fn disable_service_access(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management(st, c)?;
    let p = service_principal_arg(r)?;
    delegation::disable_trusted_access(st, &p);
    Ok(json!({}))
}

fn list_service_access(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management_or_delegated(st, c)?;
    let items = st
        .trusted_access
        .iter()
        .map(|(p, t)| json!({"ServicePrincipal": p, "DateEnabled": t}))
        .collect();
    paged(st, r, items, "EnabledServicePrincipals")
}

fn register_delegated_admin(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management(st, c)?;
    let id = account_id_arg(r)?;
    let p = service_principal_arg(r)?;
    delegation::register(st, &id, &p)?;
    Ok(json!({}))
}

fn deregister_delegated_admin(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management(st, c)?;
    let id = account_id_arg(r)?;
    let p = service_principal_arg(r)?;
    delegation::deregister(st, &id, &p)?;
    Ok(json!({}))
}

fn list_delegated_admins(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    require_management_or_delegated(st, c)?;
    let filter = match r.str_opt("ServicePrincipal")? {
        Some(_) => Some(service_principal_arg(r)?),
        None => None,
    };
    let mut by_account: std::collections::BTreeMap<&str, f64> = Default::default();
    for (p, admins) in &st.delegated_admins {
        if filter.as_ref().is_some_and(|f| f != p) {
            continue;
        }
        for (acct, since) in admins {
            let e = by_account.entry(acct.as_str()).or_insert(*since);
            *e = e.min(*since);
        }
    }
    let items = by_account
        .into_iter()
        .filter_map(|(acct, since)| {
            let mut v = account_json(st, st.account(acct)?);
            v["DelegationEnabledDate"] = json!(since);
            Some(v)
        })
        .collect();
    paged(st, r, items, "DelegatedAdministrators")
}
