//! Settings CloudTrail added in 2025-2026 (`PutEventConfiguration`, Insights event
//! categories, Lake federation), shared by `OrgTrail` and `OrgEventDataStore`. Field and
//! value names are the CloudTrail API's. Plain data: the AWS port maps them.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `MaxEventSize` of an event data store (`PutEventConfiguration`).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
pub enum MaxEventSize {
    /// Events up to 256 KB (AWS's default).
    #[default]
    Standard,
    /// Events up to 1 MB; required with `contextKeySelectors`.
    Large,
}

impl MaxEventSize {
    /// The AWS wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            MaxEventSize::Standard => "Standard",
            MaxEventSize::Large => "Large",
        }
    }
}

/// Which part of the event record a context key selector enriches (`ContextKeySelector.Type`).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
pub enum ContextKeyType {
    /// Resource tags (`eventContext.tagContext`).
    TagContext,
    /// IAM global condition keys of the request (`eventContext.requestContext`).
    RequestContext,
}

impl ContextKeyType {
    /// The AWS wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            ContextKeyType::TagContext => "TagContext",
            ContextKeyType::RequestContext => "RequestContext",
        }
    }
}

/// Keys whose values CloudTrail adds to each event (`ContextKeySelector`: enriched events).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContextKeySelector {
    /// `TagContext` (resource tag keys) or `RequestContext` (IAM condition keys).
    #[serde(rename = "type")]
    pub type_: ContextKeyType,
    /// The keys, e.g. tag keys `Environment`, `CostCenter`.
    #[schemars(length(min = 1, max = 50))]
    pub equals: Vec<String>,
}

/// An aggregation template of a trail (`AggregationConfiguration.Templates`).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AggregationTemplate {
    /// Summaries of API activity.
    ApiActivity,
    /// Summaries of resource access.
    ResourceAccess,
    /// Summaries of user actions.
    UserActions,
}

impl AggregationTemplate {
    /// The AWS wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            AggregationTemplate::ApiActivity => "API_ACTIVITY",
            AggregationTemplate::ResourceAccess => "RESOURCE_ACCESS",
            AggregationTemplate::UserActions => "USER_ACTIONS",
        }
    }
}

/// The event category aggregated (`AggregationConfiguration.EventCategory`): data events only.
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
pub enum AggregationEventCategory {
    /// Data events.
    #[default]
    Data,
}

/// Aggregated data events of a trail (`AggregationConfiguration`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct AggregationConfiguration {
    /// `API_ACTIVITY`, `RESOURCE_ACCESS`, `USER_ACTIONS`.
    #[schemars(length(min = 1, max = 3))]
    pub templates: Vec<AggregationTemplate>,
    /// The category aggregated: `Data` (the only one AWS offers).
    #[serde(default)]
    pub event_category: AggregationEventCategory,
}

/// The event category Insights analyses (`InsightSelector.EventCategories`).
#[derive(
    Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, JsonSchema,
)]
pub enum SourceEventCategory {
    /// Management events (AWS's default).
    Management,
    /// Data events (trails only).
    Data,
}

impl SourceEventCategory {
    /// The AWS wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceEventCategory::Management => "Management",
            SourceEventCategory::Data => "Data",
        }
    }
}
