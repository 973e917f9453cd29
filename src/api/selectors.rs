//! Event and insight selectors, shared by `OrgTrail` and `OrgEventDataStore`.
//!
//! Field names follow the CloudTrail API (`EventSelector`, `AdvancedEventSelector`,
//! `AdvancedFieldSelector`, `InsightSelector`) so that a user who knows the AWS docs can
//! write them without a lookup table. These are plain data: the AWS port maps them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A basic event selector (CloudTrail `EventSelector`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct EventSelector {
    /// Whether to log read-only events, write-only events, or all events.
    #[serde(default)]
    pub read_write_type: ReadWriteType,
    /// Whether management events are logged.
    #[serde(default = "default_true")]
    pub include_management_events: bool,
    /// Data events to log (S3 objects, Lambda functions, DynamoDB tables, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(length(max = 250))]
    pub data_resources: Vec<DataResource>,
    /// Management event sources to exclude, e.g. `kms.amazonaws.com`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_management_event_sources: Vec<String>,
}

fn default_true() -> bool {
    true
}

/// CloudTrail `ReadWriteType`.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, JsonSchema)]
pub enum ReadWriteType {
    /// Only read-only API events.
    ReadOnly,
    /// Only mutating API events.
    WriteOnly,
    /// Both.
    #[default]
    All,
}

impl ReadWriteType {
    /// The AWS wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ReadWriteType::ReadOnly => "ReadOnly",
            ReadWriteType::WriteOnly => "WriteOnly",
            ReadWriteType::All => "All",
        }
    }
}

/// A data resource of a basic event selector (CloudTrail `DataResource`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DataResource {
    /// Resource type, e.g. `AWS::S3::Object` or `AWS::Lambda::Function`.
    #[serde(rename = "type")]
    pub type_: String,
    /// ARNs or ARN prefixes of the resources, e.g. `arn:aws:s3:::my-bucket/`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// An advanced event selector (CloudTrail `AdvancedEventSelector`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedEventSelector {
    /// Descriptive name, e.g. `Log all S3 data events`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1000))]
    pub name: Option<String>,
    /// Conditions that all must match for an event to be logged.
    #[schemars(length(min = 1))]
    pub field_selectors: Vec<AdvancedFieldSelector>,
}

/// One condition of an advanced event selector (CloudTrail `AdvancedFieldSelector`).
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AdvancedFieldSelector {
    /// Field to match: `eventCategory`, `eventSource`, `eventName`, `readOnly`,
    /// `resources.type`, `resources.ARN`, `errorCode`, ...
    #[schemars(length(min = 1, max = 1000))]
    pub field: String,
    /// Values the field must equal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub equals: Vec<String>,
    /// Prefixes the field must start with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub starts_with: Vec<String>,
    /// Suffixes the field must end with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ends_with: Vec<String>,
    /// Values the field must not equal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_equals: Vec<String>,
    /// Prefixes the field must not start with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_starts_with: Vec<String>,
    /// Suffixes the field must not end with.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ends_with: Vec<String>,
}

/// CloudTrail Insights type (`InsightSelector.InsightType`).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
pub enum InsightType {
    /// Unusual write management API call rates.
    ApiCallRateInsight,
    /// Unusual API error rates.
    ApiErrorRateInsight,
}

impl InsightType {
    /// The AWS wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            InsightType::ApiCallRateInsight => "ApiCallRateInsight",
            InsightType::ApiErrorRateInsight => "ApiErrorRateInsight",
        }
    }
}

/// The event selectors in force on a trail: basic and advanced are mutually exclusive in AWS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventSelectors {
    /// Basic `EventSelectors`.
    Basic(Vec<EventSelector>),
    /// `AdvancedEventSelectors`.
    Advanced(Vec<AdvancedEventSelector>),
}
