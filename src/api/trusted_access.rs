//! `TrustedAccess`: whether AWS Organizations trusts CloudTrail.

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::common::{Conditions, ManagementPolicy, conditions_schema, default_service_principal};

/// Trusted access of AWS Organizations for CloudTrail (`EnableAWSServiceAccess`).
///
/// Organization trails, organization event data stores and CloudTrail delegated
/// administrators exist only while Organizations trusts `cloudtrail.amazonaws.com`.
/// Disabling it deletes every member account's copy of every organization trail and turns
/// the management account's organization trails and event data stores into account-level
/// ones, so `state: Disabled` must be confirmed with `disableConfirmation: disable`.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "orgtrail.dev",
    version = "v1alpha1",
    kind = "TrustedAccess",
    plural = "trustedaccesses",
    shortname = "ta",
    category = "orgtrail-all",
    doc = "Trusted access of AWS Organizations for CloudTrail.",
    status = "TrustedAccessStatus",
    printcolumn(
        name = "State",
        type_ = "string",
        json_path = ".spec.state",
        description = "Declared state"
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
        name = "Organization",
        type_ = "string",
        json_path = ".status.organizationId",
        description = "AWS Organizations id"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[x_kube(validation = Rule::new("self.state != 'Disabled' || (has(self.disableConfirmation) && self.disableConfirmation == 'disable')").message("state: Disabled deletes member accounts' copies of organization trails and converts organization trails and event data stores to account level; to confirm, set disableConfirmation: disable"))]
#[serde(rename_all = "camelCase")]
pub struct TrustedAccessSpec {
    /// The AWS service principal to trust. Only `cloudtrail.amazonaws.com` is supported.
    /// Immutable.
    #[serde(default = "default_service_principal")]
    #[x_kube(validation = Rule::new("self == 'cloudtrail.amazonaws.com'").message("servicePrincipal must be cloudtrail.amazonaws.com (the only service supported)"))]
    #[x_kube(validation = Rule::new("self == oldSelf").message("servicePrincipal is immutable"))]
    #[schemars(length(max = 128))]
    pub service_principal: String,
    /// `Enabled` keeps trusted access on (and turns it back on if someone disables it).
    /// `Disabled` turns it off, which is destructive; it needs `disableConfirmation`.
    pub state: TrustedAccessState,
    /// Must be the literal `disable` when `state` is `Disabled`, as the AWS console asks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 16))]
    pub disable_confirmation: Option<String>,
    /// `Manage` (default) lets the operator change AWS; `Observe` only reports how AWS
    /// differs from this spec, and never writes to AWS.
    #[serde(default)]
    pub management_policy: ManagementPolicy,
}

/// Declared trusted access state.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, schemars::JsonSchema)]
pub enum TrustedAccessState {
    /// Organizations trusts the service.
    Enabled,
    /// Organizations does not trust the service.
    Disabled,
}

/// Observed state of trusted access.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrustedAccessStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Current state, as kstatus conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "conditions_schema")]
    pub conditions: Conditions,
    /// Whether AWS reports the service principal as trusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The organization id (`o-...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_id: Option<String>,
    /// The management account id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub management_account_id: Option<String>,
    /// What disabling trusted access does (or did) to the organization's CloudTrail
    /// resources, written before the operator disables it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_impact: Option<DisableImpact>,
    /// With `managementPolicy: Observe`: the AWS calls the operator would make to match
    /// the spec, at most 20 (none when AWS matches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Vec<String>>,
}

/// The effect of disabling trusted access, as announced before doing it.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct DisableImpact {
    /// Organization trails that become account-level trails in the management account;
    /// every member account's copy of them is deleted.
    #[serde(default)]
    pub trails_converted: Vec<String>,
    /// Organization event data stores that become account-level stores.
    #[serde(default)]
    pub event_data_stores_converted: Vec<String>,
}
