//! `OrgEventDataStore`: a CloudTrail Lake event data store for the organization.

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::common::{
    Conditions, DeletionPolicy, ManagementPolicy, Tags, conditions_schema, default_true,
};
use super::rules::*;
use super::selectors::{AdvancedEventSelector, InsightType};
use super::settings::{ContextKeySelector, MaxEventSize};

/// A CloudTrail Lake event data store collecting the organization's events, owned by the
/// management account. Like trails, AWS turns it into an account-level store when trusted
/// access is disabled; the operator sets `OrganizationEnabled` back when it returns.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "orgtrail.dev",
    version = "v1alpha1",
    kind = "OrgEventDataStore",
    shortname = "oeds",
    category = "orgtrail-all",
    doc = "A CloudTrail Lake organization event data store.",
    status = "OrgEventDataStoreStatus",
    printcolumn(
        name = "Store",
        type_ = "string",
        json_path = ".spec.name",
        description = "Event data store name"
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
        name = "Status",
        type_ = "string",
        json_path = ".status.status",
        description = "AWS status of the store"
    ),
    printcolumn(
        name = "ARN",
        type_ = "string",
        json_path = ".status.arn",
        priority = 1,
        description = "Event data store ARN"
    ),
    printcolumn(
        name = "Federation",
        type_ = "string",
        json_path = ".status.federationStatus",
        priority = 1,
        description = "Lake query federation (FederationStatus)"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[x_kube(validation = Rule::new("self.billingMode != 'FIXED_RETENTION_PRICING' || self.retentionPeriod <= 2557").message("retentionPeriod is at most 2557 days with FIXED_RETENTION_PRICING"))]
#[x_kube(validation = Rule::new("!(oldSelf.billingMode == 'EXTENDABLE_RETENTION_PRICING' && self.billingMode == 'FIXED_RETENTION_PRICING')").message("billingMode cannot change from EXTENDABLE_RETENTION_PRICING to FIXED_RETENTION_PRICING"))]
#[x_kube(validation = Rule::new("!has(oldSelf.kmsKeyId) || (has(self.kmsKeyId) && self.kmsKeyId == oldSelf.kmsKeyId)").message("kmsKeyId cannot be changed or removed once set"))]
#[x_kube(validation = Rule::new("!has(self.contextKeySelectors) || size(self.contextKeySelectors) == 0 || (has(self.maxEventSize) && self.maxEventSize == 'Large')").message("contextKeySelectors need maxEventSize: Large"))]
#[x_kube(validation = Rule::new("!has(self.federationEnabled) || !self.federationEnabled || has(self.federationRoleArn)").message("federationEnabled: true needs federationRoleArn"))]
#[x_kube(validation = Rule::new("!has(self.insightSelectors) || size(self.insightSelectors) == 0 || has(self.insightsDestination)").message("insightSelectors need insightsDestination, the event data store that receives the Insights events"))]
#[serde(rename_all = "camelCase")]
pub struct OrgEventDataStoreSpec {
    /// The event data store name (`Name`). Immutable.
    #[x_kube(validation = Rule::new(EDS_NAME).message(EDS_NAME_MSG))]
    #[x_kube(validation = Rule::new(IMMUTABLE).message("name is immutable"))]
    #[schemars(length(max = 128))]
    pub name: String,
    /// The region the store lives in. Immutable.
    #[x_kube(validation = Rule::new(REGION).message(REGION_MSG))]
    #[x_kube(validation = Rule::new(IMMUTABLE).message("homeRegion is immutable"))]
    #[schemars(length(max = 32))]
    pub home_region: String,
    /// Collect events of every account in the organization (`OrganizationEnabled`).
    /// Default true.
    #[serde(default = "default_true")]
    pub organization_enabled: bool,
    /// Collect events from every region (`MultiRegionEnabled`). Default true.
    #[serde(default = "default_true")]
    pub multi_region_enabled: bool,
    /// Days to keep events (`RetentionPeriod`): 7-3653, at most 2557 with
    /// `FIXED_RETENTION_PRICING`. Default 366.
    #[serde(default = "default_retention")]
    #[x_kube(validation = Rule::new("self >= 7 && self <= 3653").message("retentionPeriod must be between 7 and 3653 days"))]
    pub retention_period: i32,
    /// Refuse deletion while enabled (`TerminationProtectionEnabled`). Default true; the
    /// operator turns it off itself before a `Delete` deletion policy deletes the store.
    #[serde(default = "default_true")]
    pub termination_protection_enabled: bool,
    /// Which events to collect (`AdvancedEventSelectors`). Unset: all management events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 500))]
    pub advanced_event_selectors: Option<Vec<AdvancedEventSelector>>,
    /// The largest event the store accepts (`PutEventConfiguration` `MaxEventSize`):
    /// `Standard` (256 KB) or `Large` (1 MB, required by `contextKeySelectors`). Unset:
    /// left as AWS has it and never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_event_size: Option<MaxEventSize>,
    /// Enriched events (`PutEventConfiguration` `ContextKeySelectors`): the tag keys
    /// (`TagContext`) and IAM condition keys (`RequestContext`) whose values CloudTrail adds
    /// to each event. `[]` removes them; unset leaves AWS's alone and is never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2))]
    #[x_kube(validation = Rule::new("self.all(x, self.exists_one(y, y.type == x.type))").message("contextKeySelectors takes each type (TagContext, RequestContext) at most once"))]
    pub context_key_selectors: Option<Vec<ContextKeySelector>>,
    /// Lake query federation (`EnableFederation` / `DisableFederation`): the store's
    /// events become queryable from Athena through the Glue Data Catalog. Unset: left as
    /// AWS has it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_enabled: Option<bool>,
    /// The role federation uses (`FederationRoleArn`); required with
    /// `federationEnabled: true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(ROLE_ARN).message(ROLE_ARN_MSG))]
    #[schemars(length(max = 125))]
    pub federation_role_arn: Option<String>,
    /// The store's resource-based policy (`PutResourcePolicy`), a JSON document: kept
    /// exactly as declared (compared as JSON, so formatting does not matter). Unset: left
    /// as AWS has it and never read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new("self.trim().startsWith('{') && self.trim().endsWith('}')").message("resourcePolicy must be a JSON policy document ({...})"))]
    #[schemars(length(min = 1, max = 8192))]
    pub resource_policy: Option<String>,
    /// CloudTrail Insights types to run on the store's management events
    /// (`PutInsightSelectors` with `EventDataStore`); `[]` turns Insights off, unset
    /// leaves AWS's alone (and is never read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new("self.all(x, self.exists_one(y, y == x))").message("insightSelectors must not repeat a type"))]
    #[schemars(length(max = 2))]
    pub insight_selectors: Option<Vec<InsightType>>,
    /// The event data store receiving the Insights events (`InsightsDestination`: its ARN);
    /// required with `insightSelectors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(EDS_ARN).message(EDS_ARN_MSG))]
    #[schemars(length(max = 256))]
    pub insights_destination: Option<String>,
    /// KMS key encrypting the store (`KmsKeyId`). Cannot be changed or removed once set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(KMS_KEY).message(KMS_KEY_MSG))]
    #[schemars(length(max = 350))]
    pub kms_key_id: Option<String>,
    /// `BillingMode`. Can't change from `EXTENDABLE_RETENTION_PRICING` to
    /// `FIXED_RETENTION_PRICING`.
    #[serde(default)]
    pub billing_mode: BillingMode,
    /// Whether the store ingests events (`Start`/`StopEventDataStoreIngestion`).
    /// Default true.
    #[serde(default = "default_true")]
    pub ingestion: bool,
    /// Tags on the store, kept exactly equal to these.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    #[x_kube(validation = Rule::new(TAGS_COUNT).message(TAGS_COUNT_MSG))]
    #[x_kube(validation = Rule::new(TAGS_FORMAT).message(TAGS_FORMAT_MSG))]
    pub tags: Tags,
    /// `Retain` (default) leaves the store when this object is deleted; `Delete` turns off
    /// termination protection and deletes it (AWS keeps it restorable for 7 days).
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
    /// Take over an existing store of the same name instead of reporting a name clash.
    #[serde(default)]
    pub adopt_existing: bool,
    /// `Manage` (default) lets the operator change AWS; `Observe` only reports how AWS
    /// differs from this spec, and never writes to AWS.
    #[serde(default)]
    pub management_policy: ManagementPolicy,
}

fn default_retention() -> i32 {
    366
}

/// CloudTrail Lake `BillingMode`.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, schemars::JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum BillingMode {
    /// Retention up to 3653 days, extendable.
    #[default]
    ExtendableRetentionPricing,
    /// Retention up to 2557 days, fixed.
    FixedRetentionPricing,
}

impl BillingMode {
    /// The AWS wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            BillingMode::ExtendableRetentionPricing => "EXTENDABLE_RETENTION_PRICING",
            BillingMode::FixedRetentionPricing => "FIXED_RETENTION_PRICING",
        }
    }
}

/// Observed state of the event data store.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgEventDataStoreStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Current state, as kstatus conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "conditions_schema")]
    pub conditions: Conditions,
    /// The event data store ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The store's home region (from its ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_region: Option<String>,
    /// The account that owns the store (from its ARN): the management account for an
    /// organization store, even when a delegated administrator created it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_account_id: Option<String>,
    /// The AWS status (`ENABLED`, `STOPPED_INGESTION`, `PENDING_DELETION`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// Whether AWS reports the store as organization-enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_enabled: Option<bool>,
    /// Lake query federation as AWS reports it (`FederationStatus`: `ENABLED`, `ENABLING`,
    /// `DISABLING`, `DISABLED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_status: Option<String>,
    /// With `managementPolicy: Observe`: the AWS calls the operator would make to match
    /// the spec, at most 20 (none when AWS matches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Vec<String>>,
}
