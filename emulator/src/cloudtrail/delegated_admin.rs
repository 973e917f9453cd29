//! CloudTrail's RegisterOrganizationDelegatedAdmin / DeregisterOrganizationDelegatedAdmin:
//! they register through Organizations and (first time) create the management account's
//! service-linked role.

use serde_json::{Value, json};

use crate::delegation;
use crate::error::{ApiError, ApiResult};
use crate::req::Req;
use crate::rules;
use crate::state::{CLOUDTRAIL_PRINCIPAL, Caller, State};

fn common_checks(st: &State, c: &Caller, id: &str) -> ApiResult<()> {
    if !st.config.organization.in_use {
        return Err(ApiError::new(
            "OrganizationsNotInUseException",
            "This account is not a member of an organization.",
        ));
    }
    if !st.is_management(&c.account) {
        return Err(ApiError::new(
            "NotOrganizationManagementAccountException",
            "This operation can be called only by the management account of the organization.",
        ));
    }
    if !st.all_features() {
        return Err(ApiError::new(
            "OrganizationNotInAllFeaturesModeException",
            "This organization is not in all features mode.",
        ));
    }
    if !st.trusted(CLOUDTRAIL_PRINCIPAL) {
        return Err(ApiError::new(
            "CloudTrailAccessNotEnabledException",
            "Trusted access for CloudTrail is not enabled in AWS Organizations.",
        ));
    }
    if !rules::valid_account_id(id) {
        return Err(ApiError::new(
            "InvalidParameterException",
            format!("{id} is not a valid account id."),
        ));
    }
    if st.account(id).is_none() {
        return Err(ApiError::new(
            "AccountNotFoundException",
            format!("Account {id} is not a member of the organization."),
        ));
    }
    Ok(())
}

/// Organizations' error codes become CloudTrail's names for the same conditions.
fn translate(e: ApiError) -> ApiError {
    let code = match (e.code.as_str(), e.reason.as_deref()) {
        ("AccountAlreadyRegisteredException", _) => "AccountRegisteredException",
        ("AccountNotRegisteredException", _) => "AccountNotRegisteredException",
        ("AccountNotFoundException", _) => "AccountNotFoundException",
        (_, Some("CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR")) => {
            "CannotDelegateManagementAccountException"
        }
        (_, Some("MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED")) => {
            "DelegatedAdminAccountLimitExceededException"
        }
        _ => "InsufficientDependencyServiceAccessPermissionException",
    };
    ApiError::new(code, e.message)
}

pub fn register(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("MemberAccountId")?;
    common_checks(st, c, &id)?;
    if id == st.management() {
        return Err(ApiError::new(
            "CannotDelegateManagementAccountException",
            "You cannot register the management account as a delegated administrator.",
        ));
    }
    let deps = [
        "organizations:RegisterDelegatedAdministrator",
        "organizations:ListAWSServiceAccessForOrganization",
    ];
    if deps.iter().any(|a| c.denied(a)) {
        return Err(ApiError::new(
            "InsufficientDependencyServiceAccessPermissionException",
            "The caller lacks Organizations permissions required to register a delegated administrator.",
        ));
    }
    let mgmt = st.management().to_string();
    let needs_slr = !st.has_ct_slr(&mgmt);
    if (needs_slr && c.denied("iam:CreateServiceLinkedRole")) || c.denied("iam:GetRole") {
        return Err(ApiError::new(
            "InsufficientIAMAccessPermissionException",
            "The caller lacks iam:CreateServiceLinkedRole or iam:GetRole.",
        ));
    }
    delegation::register(st, &id, CLOUDTRAIL_PRINCIPAL).map_err(translate)?;
    st.ensure_ct_slr(&mgmt);
    Ok(json!({}))
}

pub fn deregister(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let id = r.str_req("DelegatedAdminAccountId")?;
    common_checks(st, c, &id)?;
    if c.denied("organizations:DeregisterDelegatedAdministrator") {
        return Err(ApiError::new(
            "InsufficientDependencyServiceAccessPermissionException",
            "The caller lacks organizations:DeregisterDelegatedAdministrator.",
        ));
    }
    delegation::deregister(st, &id, CLOUDTRAIL_PRINCIPAL).map_err(translate)?;
    Ok(json!({}))
}
