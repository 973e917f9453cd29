//! Pieces every kind shares: deletion policy, conditions, the service principal.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The only service principal the operator manages trusted access for (for now).
pub const CLOUDTRAIL_SERVICE_PRINCIPAL: &str = "cloudtrail.amazonaws.com";

pub(crate) fn default_service_principal() -> String {
    CLOUDTRAIL_SERVICE_PRINCIPAL.to_string()
}

pub(crate) fn default_true() -> bool {
    true
}

/// What happens in AWS when the Kubernetes object is deleted.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum DeletionPolicy {
    /// Leave the AWS resource as it is (the default: these are audit controls).
    #[default]
    Retain,
    /// Delete the AWS resource (or deregister, or disable).
    Delete,
}

/// Whether the operator may change AWS for an object (Crossplane's management policies,
/// ACK's read-only resources).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum ManagementPolicy {
    /// Create, correct, convert back and delete as declared (the default).
    #[default]
    Manage,
    /// Only read AWS and report in status how it differs from the spec (`Ready=False`,
    /// reason `Drifted`, `status.drift`); never write to AWS, whatever happens, and never
    /// delete on deletion whatever `deletionPolicy` says. Switch to `Manage` to let the
    /// operator act.
    Observe,
}

/// Conditions, as a list-map keyed by `type` so server-side apply merges them per type.
/// Follows the kstatus convention Flux and Argo CD read: `Ready`, `Reconciling`, `Stalled`.
pub type Conditions = Vec<Condition>;

/// Schema attributes for a conditions list: `x-kubernetes-list-type: map` keyed by `type`.
pub(crate) fn conditions_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let mut schema = generator.subschema_for::<Vec<Condition>>();
    schema.insert("x-kubernetes-list-type".into(), "map".into());
    schema.insert(
        "x-kubernetes-list-map-keys".into(),
        serde_json::json!(["type"]),
    );
    schema.insert(
        "description".into(),
        "Current state, as kstatus conditions: Ready, Reconciling, Stalled and kind-specific ones."
            .into(),
    );
    schema
}

/// A tag map: at most 50 tags, keys 1-128 and values 0-256 characters, no `aws:` prefix.
pub type Tags = std::collections::BTreeMap<String, String>;
