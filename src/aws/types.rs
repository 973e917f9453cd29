//! Domain types of the AWS port: what reconcilers read from and write to AWS.
//! Names follow the AWS API; none of these are SDK types.

use std::collections::BTreeMap;

use crate::api::selectors::InsightType;
pub use crate::api::settings::{
    AggregationConfiguration, ContextKeySelector, MaxEventSize, SourceEventCategory,
};

/// The service principal whose trusted access we manage.
pub const CLOUDTRAIL_SERVICE_PRINCIPAL: &str = "cloudtrail.amazonaws.com";

/// `DescribeOrganization`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Organization {
    /// `o-...`.
    pub id: String,
    /// `ALL` is required for trusted access.
    pub all_features: bool,
    /// The management account id (owner of every organization trail).
    pub management_account_id: String,
}

/// `sts:GetCallerIdentity`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    /// The account the operator's credentials belong to.
    pub account_id: String,
    /// The caller's ARN.
    pub arn: String,
}

/// Desired trail configuration, as passed to `CreateTrail` / `UpdateTrail`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrailSettings {
    /// Trail name (for create; updates address the trail by ARN).
    pub name: String,
    /// `S3BucketName`.
    pub s3_bucket_name: String,
    /// `S3KeyPrefix`.
    pub s3_key_prefix: Option<String>,
    /// `SnsTopicName` (name or ARN).
    pub sns_topic_name: Option<String>,
    /// `KmsKeyId` (ARN, alias or id).
    pub kms_key_id: Option<String>,
    /// `CloudWatchLogsLogGroupArn`.
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    pub cloud_watch_logs_role_arn: Option<String>,
    /// `IsMultiRegionTrail`.
    pub is_multi_region_trail: bool,
    /// `IncludeGlobalServiceEvents`.
    pub include_global_service_events: bool,
    /// `EnableLogFileValidation`.
    pub enable_log_file_validation: bool,
    /// `IsOrganizationTrail`.
    pub is_organization_trail: bool,
    /// `RecursiveLogging`; `None`: not sent (AWS keeps what it has, `true` for a new trail).
    pub recursive_logging: Option<bool>,
    /// `TagsList` on create only; later changes go through AddTags/RemoveTags.
    pub tags: BTreeMap<String, String>,
}

/// A trail as `GetTrail` reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trail {
    /// `Name`.
    pub name: String,
    /// `TrailARN` (carries the owner account and home region).
    pub arn: String,
    /// `HomeRegion`.
    pub home_region: String,
    /// `S3BucketName`.
    pub s3_bucket_name: String,
    /// `S3KeyPrefix`.
    pub s3_key_prefix: Option<String>,
    /// `SnsTopicARN`.
    pub sns_topic_arn: Option<String>,
    /// `KmsKeyId` (AWS returns the key ARN).
    pub kms_key_id: Option<String>,
    /// `CloudWatchLogsLogGroupArn`.
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// `CloudWatchLogsRoleArn`.
    pub cloud_watch_logs_role_arn: Option<String>,
    /// `IsMultiRegionTrail`.
    pub is_multi_region_trail: bool,
    /// `IncludeGlobalServiceEvents`.
    pub include_global_service_events: bool,
    /// `LogFileValidationEnabled`.
    pub log_file_validation_enabled: bool,
    /// `IsOrganizationTrail`.
    pub is_organization_trail: bool,
    /// `HasCustomEventSelectors`.
    pub has_custom_event_selectors: bool,
    /// `HasInsightSelectors`.
    pub has_insight_selectors: bool,
    /// `RecursiveLogging` (`true` when AWS omits it: its default).
    pub recursive_logging: bool,
}

/// An entry of `ListTrails`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrailSummary {
    /// `TrailARN`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `HomeRegion`.
    pub home_region: String,
}

/// `GetTrailStatus`, reduced to what we act on.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrailStatus {
    /// `IsLogging`.
    pub is_logging: bool,
}

/// `BillingMode` of an event data store (the API type is already a plain AWS enum).
pub use crate::api::org_event_data_store::BillingMode;

/// `EventDataStoreStatus`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventDataStoreStatus {
    /// `CREATED`.
    Created,
    /// `ENABLED`.
    Enabled,
    /// `PENDING_DELETION`.
    PendingDeletion,
    /// `STARTING_INGESTION`.
    StartingIngestion,
    /// `STOPPING_INGESTION`.
    StoppingIngestion,
    /// `STOPPED_INGESTION`.
    StoppedIngestion,
    /// Anything newer than this code knows.
    Other(String),
}

impl EventDataStoreStatus {
    /// Whether events are being ingested (or about to be).
    pub fn ingesting(&self) -> bool {
        matches!(
            self,
            EventDataStoreStatus::Created
                | EventDataStoreStatus::Enabled
                | EventDataStoreStatus::StartingIngestion
        )
    }
}

/// Desired event data store configuration (`CreateEventDataStore` / `UpdateEventDataStore`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventDataStoreSettings {
    /// `Name`.
    pub name: String,
    /// `AdvancedEventSelectors`; empty means AWS's default (all management events).
    pub advanced_event_selectors: Vec<crate::api::selectors::AdvancedEventSelector>,
    /// `MultiRegionEnabled`.
    pub multi_region_enabled: bool,
    /// `OrganizationEnabled`.
    pub organization_enabled: bool,
    /// `RetentionPeriod` in days.
    pub retention_period: i32,
    /// `TerminationProtectionEnabled`.
    pub termination_protection_enabled: bool,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
    /// `BillingMode`.
    pub billing_mode: BillingMode,
    /// `StartIngestion` (create only).
    pub start_ingestion: bool,
    /// `TagsList` (create only).
    pub tags: BTreeMap<String, String>,
}

/// An event data store as `GetEventDataStore` reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventDataStore {
    /// `EventDataStoreArn`.
    pub arn: String,
    /// `Name`.
    pub name: String,
    /// `Status`.
    pub status: EventDataStoreStatus,
    /// `AdvancedEventSelectors`.
    pub advanced_event_selectors: Vec<crate::api::selectors::AdvancedEventSelector>,
    /// `MultiRegionEnabled`.
    pub multi_region_enabled: bool,
    /// `OrganizationEnabled`.
    pub organization_enabled: bool,
    /// `RetentionPeriod`.
    pub retention_period: i32,
    /// `TerminationProtectionEnabled`.
    pub termination_protection_enabled: bool,
    /// `KmsKeyId`.
    pub kms_key_id: Option<String>,
    /// `BillingMode`.
    pub billing_mode: BillingMode,
    /// `FederationStatus`.
    pub federation_status: FederationStatus,
    /// `FederationRoleArn`.
    pub federation_role_arn: Option<String>,
}

/// `FederationStatus` of an event data store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum FederationStatus {
    /// `ENABLING`.
    Enabling,
    /// `ENABLED`.
    Enabled,
    /// `DISABLING`.
    Disabling,
    /// `DISABLED` (also what AWS's silence means).
    #[default]
    Disabled,
    /// Anything newer than this code knows.
    Other(String),
}

impl FederationStatus {
    /// The AWS wire value.
    pub fn as_str(&self) -> &str {
        match self {
            FederationStatus::Enabling => "ENABLING",
            FederationStatus::Enabled => "ENABLED",
            FederationStatus::Disabling => "DISABLING",
            FederationStatus::Disabled => "DISABLED",
            FederationStatus::Other(s) => s,
        }
    }

    /// Where it is heading: `Some(true)` enabled or enabling, `Some(false)` disabled or
    /// disabling, `None` unknown.
    pub fn heading_to(&self) -> Option<bool> {
        match self {
            FederationStatus::Enabling | FederationStatus::Enabled => Some(true),
            FederationStatus::Disabling | FederationStatus::Disabled => Some(false),
            FederationStatus::Other(_) => None,
        }
    }
}

/// What a CloudTrail call that takes a trail or an event data store addresses
/// (`TrailName` or `EventDataStore`), by ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target<'a> {
    /// A trail ARN.
    Trail(&'a str),
    /// An event data store ARN.
    EventDataStore(&'a str),
}

impl Target<'_> {
    /// The ARN.
    pub fn arn(&self) -> &str {
        match self {
            Target::Trail(a) | Target::EventDataStore(a) => a,
        }
    }
}

/// `GetEventConfiguration` / `PutEventConfiguration`: the maximum event size and context
/// keys of a store, the aggregations of a trail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventConfiguration {
    /// `MaxEventSize` (stores; `None` when AWS reports none).
    pub max_event_size: Option<MaxEventSize>,
    /// `ContextKeySelectors` (stores), sorted by type.
    pub context_key_selectors: Vec<ContextKeySelector>,
    /// `AggregationConfigurations` (trails), each with sorted templates.
    pub aggregation_configurations: Vec<AggregationConfiguration>,
}

impl EventConfiguration {
    /// The same configuration in the canonical order comparisons use.
    pub fn canonical(mut self) -> Self {
        for c in &mut self.context_key_selectors {
            c.equals.sort();
            c.equals.dedup();
        }
        self.context_key_selectors.sort();
        for a in &mut self.aggregation_configurations {
            a.templates.sort();
            a.templates.dedup();
        }
        self.aggregation_configurations.sort();
        self
    }
}

/// One `InsightSelector`: a type and the event categories it analyses.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct InsightSelector {
    /// `InsightType`.
    pub insight_type: InsightType,
    /// `EventCategories`, sorted; AWS's default (omitted) is `[Management]`.
    pub event_categories: Vec<SourceEventCategory>,
}

/// `GetInsightSelectors` / `PutInsightSelectors`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Insights {
    /// `InsightSelectors`, sorted by type; empty: Insights off.
    pub selectors: Vec<InsightSelector>,
    /// `InsightsDestination` (event data stores only).
    pub destination: Option<String>,
}

impl Insights {
    /// The same selectors in the canonical order comparisons use.
    pub fn canonical(mut self) -> Self {
        for s in &mut self.selectors {
            if s.event_categories.is_empty() {
                s.event_categories = vec![SourceEventCategory::Management];
            }
            s.event_categories.sort();
            s.event_categories.dedup();
        }
        self.selectors.sort();
        self.selectors.dedup();
        self
    }
}

/// An entry of `ListEventDataStores` (which returns only these two fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventDataStoreSummary {
    /// `EventDataStoreArn`.
    pub arn: String,
    /// `Name`.
    pub name: String,
}

/// Insight types in force on a trail.
pub type InsightTypes = Vec<InsightType>;

/// What CloudTrail gives a new trail: all management events, read and write.
pub fn aws_default_selectors() -> crate::api::selectors::EventSelectors {
    use crate::api::selectors::{EventSelector, EventSelectors};
    EventSelectors::Basic(vec![EventSelector {
        include_management_events: true,
        ..Default::default()
    }])
}

/// The `UpdateTrail` fields the operator corrects, by their AWS names.
pub const TRAIL_UPDATE_FIELDS: [&str; 10] = [
    "S3BucketName",
    "S3KeyPrefix",
    "SnsTopicName",
    "KmsKeyId",
    "CloudWatchLogsLogGroupArn",
    "CloudWatchLogsRoleArn",
    "IsMultiRegionTrail",
    "IncludeGlobalServiceEvents",
    "EnableLogFileValidation",
    "RecursiveLogging",
];

/// The fields an `UpdateTrail` of `fields` must send: AWS accepts some only in pairs (a
/// CloudWatch Logs group with its role; a multi-region trail with global service events).
pub fn trail_update_fields(fields: &[&'static str]) -> Vec<&'static str> {
    const PAIRS: [(&str, &str); 2] = [
        ("CloudWatchLogsLogGroupArn", "CloudWatchLogsRoleArn"),
        ("IsMultiRegionTrail", "IncludeGlobalServiceEvents"),
    ];
    let mut out: Vec<&'static str> = fields.to_vec();
    for (a, b) in PAIRS {
        if fields.contains(&a) || fields.contains(&b) {
            out.extend([a, b]);
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// How AWS's answers follow from what is written: the trail `CreateTrail` makes of
/// `settings` (shared by the dry run of `plan` and the in-memory port of unit tests).
pub fn trail_created(region: &str, arn: &str, settings: &TrailSettings) -> Trail {
    let mut trail = Trail {
        name: settings.name.clone(),
        arn: arn.to_owned(),
        home_region: region.to_owned(),
        is_organization_trail: settings.is_organization_trail,
        recursive_logging: true,
        ..Default::default()
    };
    trail.update_fields(settings, &TRAIL_UPDATE_FIELDS);
    trail
}

impl Trail {
    /// What `UpdateTrail` of `fields` (and the fields AWS pairs with them) to `x` does.
    pub fn update_fields(&mut self, x: &TrailSettings, fields: &[&'static str]) {
        for field in trail_update_fields(fields) {
            match field {
                "S3BucketName" => self.s3_bucket_name = x.s3_bucket_name.clone(),
                "S3KeyPrefix" => self.s3_key_prefix = x.s3_key_prefix.clone(),
                "SnsTopicName" => self.sns_topic_arn = x.sns_topic_name.clone(),
                "KmsKeyId" => self.kms_key_id = x.kms_key_id.clone(),
                "CloudWatchLogsLogGroupArn" => {
                    self.cloud_watch_logs_log_group_arn = x.cloud_watch_logs_log_group_arn.clone()
                }
                "CloudWatchLogsRoleArn" => {
                    self.cloud_watch_logs_role_arn = x.cloud_watch_logs_role_arn.clone()
                }
                "IsMultiRegionTrail" => self.is_multi_region_trail = x.is_multi_region_trail,
                "IncludeGlobalServiceEvents" => {
                    self.include_global_service_events = x.include_global_service_events
                }
                "EnableLogFileValidation" => {
                    self.log_file_validation_enabled = x.enable_log_file_validation
                }
                "RecursiveLogging" => {
                    if let Some(r) = x.recursive_logging {
                        self.recursive_logging = r
                    }
                }
                other => unreachable!("no UpdateTrail field {other}"),
            }
        }
    }

    /// The value of an `UpdateTrail` field as AWS reports it, for people to read.
    pub fn field(&self, field: &str) -> String {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        match field {
            "S3BucketName" => self.s3_bucket_name.clone(),
            "S3KeyPrefix" => opt(&self.s3_key_prefix),
            "SnsTopicName" => opt(&self.sns_topic_arn),
            "KmsKeyId" => opt(&self.kms_key_id),
            "CloudWatchLogsLogGroupArn" => opt(&self.cloud_watch_logs_log_group_arn),
            "CloudWatchLogsRoleArn" => opt(&self.cloud_watch_logs_role_arn),
            "IsMultiRegionTrail" => self.is_multi_region_trail.to_string(),
            "IncludeGlobalServiceEvents" => self.include_global_service_events.to_string(),
            "EnableLogFileValidation" => self.log_file_validation_enabled.to_string(),
            "IsOrganizationTrail" => self.is_organization_trail.to_string(),
            "RecursiveLogging" => self.recursive_logging.to_string(),
            _ => String::new(),
        }
    }
}

/// The event data store `CreateEventDataStore` makes of `settings`.
pub fn event_data_store_created(arn: &str, x: &EventDataStoreSettings) -> EventDataStore {
    EventDataStore {
        arn: arn.to_owned(),
        name: x.name.clone(),
        status: if x.start_ingestion {
            EventDataStoreStatus::Enabled
        } else {
            EventDataStoreStatus::StoppedIngestion
        },
        advanced_event_selectors: x.advanced_event_selectors.clone(),
        multi_region_enabled: x.multi_region_enabled,
        organization_enabled: x.organization_enabled,
        retention_period: x.retention_period,
        termination_protection_enabled: x.termination_protection_enabled,
        kms_key_id: x.kms_key_id.clone(),
        billing_mode: x.billing_mode,
        federation_status: FederationStatus::Disabled,
        federation_role_arn: None,
    }
}

impl EventDataStore {
    /// What `UpdateEventDataStore` of `fields` to `x` does (selectors only when declared).
    pub fn update_fields(&mut self, x: &EventDataStoreSettings, fields: &[&'static str]) {
        for field in fields {
            match *field {
                "MultiRegionEnabled" => self.multi_region_enabled = x.multi_region_enabled,
                "RetentionPeriod" => self.retention_period = x.retention_period,
                "TerminationProtectionEnabled" => {
                    self.termination_protection_enabled = x.termination_protection_enabled
                }
                "BillingMode" => self.billing_mode = x.billing_mode,
                "KmsKeyId" => self.kms_key_id = x.kms_key_id.clone(),
                "AdvancedEventSelectors" if !x.advanced_event_selectors.is_empty() => {
                    self.advanced_event_selectors = x.advanced_event_selectors.clone()
                }
                "AdvancedEventSelectors" => {}
                other => unreachable!("no UpdateEventDataStore field {other}"),
            }
        }
    }

    /// The value of an `UpdateEventDataStore` field, for people to read.
    pub fn field(&self, field: &str) -> String {
        match field {
            "MultiRegionEnabled" => self.multi_region_enabled.to_string(),
            "RetentionPeriod" => self.retention_period.to_string(),
            "TerminationProtectionEnabled" => self.termination_protection_enabled.to_string(),
            "BillingMode" => format!("{:?}", self.billing_mode),
            "KmsKeyId" => self.kms_key_id.clone().unwrap_or_default(),
            "AdvancedEventSelectors" => {
                serde_json::to_string(&self.advanced_event_selectors).unwrap_or_default()
            }
            "OrganizationEnabled" => self.organization_enabled.to_string(),
            _ => String::new(),
        }
    }
}
