//! EnableFederation / DisableFederation (Lake query federation through Glue and Lake
//! Formation). The user guide: the federation role must exist in the caller's account; a
//! federated store can't be deleted; for an organization store the management account or a
//! delegated administrator enables it (only one of them: it is then enabled), and any of them
//! disables it. Glue, Lake Formation and IAM are not modelled beyond the caller's denials.

use serde_json::{Value, json};

use super::constraints::{arn_like, charset, str_len};
use super::event_data_stores::find_active;
use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::req::Req;
use crate::rules;
use crate::state::{Caller, State};

pub const ENABLED: &str = "ENABLED";
pub const DISABLED: &str = "DISABLED";

/// The IAM actions the user guide lists as needed to enable / disable federation.
const ENABLE_ACTIONS: &[&str] = &[
    "iam:PassRole",
    "iam:GetRole",
    "glue:CreateDatabase",
    "glue:CreateTable",
    "lakeformation:RegisterResource",
];
const DISABLE_ACTIONS: &[&str] = &["glue:DeleteTable", "lakeformation:DeregisterResource"];

/// Organization stores need the organization-scope prerequisites (the operation's errors
/// list CloudTrailAccessNotEnabledException, NotOrganizationMasterAccountException, ...).
fn org_check(st: &State, c: &Caller, i: usize) -> ApiResult<()> {
    if st.event_data_stores[i].organization_enabled {
        super::org_scope_check(st, c)?;
    }
    Ok(())
}

fn denied(c: &Caller, actions: &[&str]) -> ApiResult<()> {
    match actions.iter().find(|a| c.denied(a)) {
        Some(a) => Err(ApiError::access_denied(&c.arn, a)),
        None => Ok(()),
    }
}

pub fn enable(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("EventDataStore")?;
    let role = r.str_req("FederationRoleArn")?;
    arn_like("eventDataStore", &id)?;
    // Model: FederationRoleArn 3..=125 of [a-zA-Z0-9._/\-:@=\+,\.].
    str_len("federationRoleArn", &role, 3, 125)?;
    charset("federationRoleArn", &role, "._/-:@=+,")?;
    match rules::parse_role_arn(&role) {
        Some((account, _)) if account == c.account => {}
        Some(_) => {
            return Err(ApiError::new(
                assumptions::FEDERATION_ROLE_INVALID_ERROR,
                format!(
                    "The federation role {role} must be in your account {}.",
                    c.account
                ),
            ));
        }
        None => {
            return Err(ApiError::new(
                assumptions::FEDERATION_ROLE_INVALID_ERROR,
                format!("{role} is not an IAM role ARN."),
            ));
        }
    }
    let i = find_active(st, c, &id)?;
    org_check(st, c, i)?;
    denied(c, ENABLE_ACTIONS)?;
    let s = &mut st.event_data_stores[i];
    if s.federation_status == ENABLED {
        return Err(ApiError::new(
            "EventDataStoreFederationEnabledException",
            format!("Lake query federation is already enabled on {}.", s.arn),
        ));
    }
    s.federation_status = ENABLED.into();
    s.federation_role_arn = Some(role.clone());
    Ok(json!({
        "EventDataStoreArn": s.arn,
        "FederationStatus": ENABLED,
        "FederationRoleArn": role,
    }))
}

pub fn disable(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("EventDataStore")?;
    arn_like("eventDataStore", &id)?;
    let i = find_active(st, c, &id)?;
    org_check(st, c, i)?;
    denied(c, DISABLE_ACTIONS)?;
    // Disabling a store that is not federated succeeds (see assumptions.rs).
    let s = &mut st.event_data_stores[i];
    s.federation_status = DISABLED.into();
    s.federation_role_arn = None;
    Ok(json!({"EventDataStoreArn": s.arn, "FederationStatus": DISABLED}))
}
