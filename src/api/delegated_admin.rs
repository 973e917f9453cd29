//! `DelegatedAdmin`: a member account registered as CloudTrail delegated administrator.

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::common::{
    Conditions, DeletionPolicy, ManagementPolicy, conditions_schema, default_service_principal,
};
use super::rules::{ACCOUNT_ID, ACCOUNT_ID_MSG, IMMUTABLE};

/// A member account that may manage the organization's trails and event data stores
/// (`RegisterOrganizationDelegatedAdmin`). What it creates is owned by the management
/// account. Registration needs trusted access; at most 3 per organization.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "orgtrail.dev",
    version = "v1alpha1",
    kind = "DelegatedAdmin",
    shortname = "da",
    category = "orgtrail-all",
    doc = "A CloudTrail delegated administrator account of the organization.",
    status = "DelegatedAdminStatus",
    printcolumn(
        name = "Account",
        type_ = "string",
        json_path = ".spec.accountId",
        description = "Member account id"
    ),
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status",
        description = "Whether AWS matches the spec"
    ),
    printcolumn(
        name = "Reason",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].reason",
        description = "Why (not) ready"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[serde(rename_all = "camelCase")]
pub struct DelegatedAdminSpec {
    /// The member account to register (12 digits). Not the management account. Immutable.
    #[x_kube(validation = Rule::new(ACCOUNT_ID).message(ACCOUNT_ID_MSG))]
    #[x_kube(validation = Rule::new(IMMUTABLE).message("accountId is immutable; create another DelegatedAdmin instead"))]
    #[schemars(length(max = 12))]
    pub account_id: String,
    /// The service the account administers. Only `cloudtrail.amazonaws.com`. Immutable.
    #[serde(default = "default_service_principal")]
    #[x_kube(validation = Rule::new("self == 'cloudtrail.amazonaws.com'").message("servicePrincipal must be cloudtrail.amazonaws.com (the only service supported)"))]
    #[x_kube(validation = Rule::new(IMMUTABLE).message("servicePrincipal is immutable"))]
    #[schemars(length(max = 128))]
    pub service_principal: String,
    /// `Retain` (default) keeps the registration when this object is deleted; `Delete`
    /// deregisters the account. Deregistering deletes nothing the account created.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
    /// `Manage` (default) lets the operator change AWS; `Observe` only reports how AWS
    /// differs from this spec, and never writes to AWS.
    #[serde(default)]
    pub management_policy: ManagementPolicy,
}

/// Observed state of the registration.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct DelegatedAdminStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Current state, as kstatus conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "conditions_schema")]
    pub conditions: Conditions,
    /// Whether Organizations lists the account as delegated administrator for the service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registered: Option<bool>,
    /// With `managementPolicy: Observe`: the AWS calls the operator would make to match
    /// the spec, at most 20 (none when AWS matches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Vec<String>>,
}
