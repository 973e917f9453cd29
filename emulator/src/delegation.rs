//! What Organizations and CloudTrail both change: delegated-administrator registrations
//! (each service has its own API for them) and the effect of disabling trusted access on
//! CloudTrail's resources. Both API modules call down into this one, never into each
//! other.

use crate::assumptions;
use crate::error::{ApiError, ApiResult};
use crate::state::{CLOUDTRAIL_PRINCIPAL, State, now};

/// `DisableAWSServiceAccess` for `principal`; for CloudTrail, what AWS does to its
/// organization resources.
pub fn disable_trusted_access(st: &mut State, principal: &str) {
    if st.trusted_access.remove(principal).is_some() && principal == CLOUDTRAIL_PRINCIPAL {
        convert_to_account_level(st);
    }
}

/// Organizations disabled trusted access for CloudTrail: member copies disappear (they are
/// derived from IsOrganizationTrail) and the management account's organization trails and
/// event data stores become account-level. The service-linked role stays.
fn convert_to_account_level(st: &mut State) {
    let t = now();
    for trail in st.trails.iter_mut().filter(|t| t.is_organization_trail) {
        trail.is_organization_trail = false;
    }
    for eds in st
        .event_data_stores
        .iter_mut()
        .filter(|s| s.organization_enabled)
    {
        eds.organization_enabled = false;
        eds.updated_timestamp = t;
    }
    if !assumptions::DELEGATED_ADMINS_SURVIVE_DISABLE {
        st.delegated_admins.remove(CLOUDTRAIL_PRINCIPAL);
    }
}

/// Register `id` as delegated administrator of `principal`: Organizations'
/// RegisterDelegatedAdministrator, and CloudTrail's RegisterOrganizationDelegatedAdmin.
pub fn register(st: &mut State, id: &str, principal: &str) -> ApiResult<()> {
    if st.account(id).is_none() {
        return Err(ApiError::account_not_found(id));
    }
    if id == st.management() {
        return Err(ApiError::constraint(
            "CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR",
            "You cannot register the management account as a delegated administrator.",
        ));
    }
    if !st.all_features() {
        return Err(ApiError::constraint(
            "ORGANIZATION_NOT_IN_ALL_FEATURES_MODE",
            "The organization must have all features enabled.",
        ));
    }
    if !st.trusted(principal) {
        return Err(ApiError::constraint(
            "SERVICE_ACCESS_NOT_ENABLED",
            "You must enable trusted access for the service before registering a delegated administrator.",
        ));
    }
    let limit = st.config.delegated_admin_limit as usize;
    let admins = st
        .delegated_admins
        .entry(principal.to_string())
        .or_default();
    if admins.contains_key(id) {
        return Err(ApiError::new(
            "AccountAlreadyRegisteredException",
            "The provided account is already a delegated administrator for your organization.",
        ));
    }
    if principal == CLOUDTRAIL_PRINCIPAL && admins.len() >= limit {
        return Err(ApiError::constraint(
            "MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED",
            "You have reached the maximum number of delegated administrators for this service.",
        ));
    }
    admins.insert(id.to_string(), now());
    Ok(())
}

/// Deregister `id` as delegated administrator of `principal` (either API).
pub fn deregister(st: &mut State, id: &str, principal: &str) -> ApiResult<()> {
    if st.account(id).is_none() {
        return Err(ApiError::account_not_found(id));
    }
    let removed = st
        .delegated_admins
        .get_mut(principal)
        .and_then(|m| m.remove(id));
    if removed.is_none() {
        return Err(ApiError::new(
            "AccountNotRegisteredException",
            "The provided account is not a registered delegated administrator for this service.",
        ));
    }
    Ok(())
}
