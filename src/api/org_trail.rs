//! `OrgTrail`: a CloudTrail organization trail.

use kube::{CustomResource, KubeSchema};
use serde::{Deserialize, Serialize};

use super::common::{
    Conditions, DeletionPolicy, ManagementPolicy, Tags, conditions_schema, default_true,
};
use super::rules::*;
use super::selectors::{AdvancedEventSelector, EventSelector, InsightType};
use super::settings::{AggregationConfiguration, SourceEventCategory};
use std::collections::BTreeMap;

/// Trail names as CloudTrail documents them: 3-128 of `[A-Za-z0-9._-]`, starting and ending
/// with a letter or digit.
const TRAIL_NAME: &str = "self.matches('^[A-Za-z0-9][A-Za-z0-9._-]{1,126}[A-Za-z0-9]$')";
const TRAIL_NAME_MSG: &str = "trail name must be 3-128 characters of letters, digits, periods, underscores and hyphens, starting and ending with a letter or digit";
const TRAIL_NAME_ADJACENT: &str = "!self.matches('[._-][._-]')";
const TRAIL_NAME_ADJACENT_MSG: &str =
    "trail name must not contain adjacent periods, underscores or hyphens (such as '..', '_-')";
const TRAIL_NAME_IP: &str = "!self.matches('^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$')";
const TRAIL_NAME_IP_MSG: &str = "trail name must not be formatted as an IP address";

/// S3 bucket naming rules (general purpose buckets).
const BUCKET: &str = "self.matches('^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$') && !self.matches('[.][.]') && !self.matches('^[0-9]+[.][0-9]+[.][0-9]+[.][0-9]+$') && !self.startsWith('xn--') && !self.startsWith('sthree-') && !self.endsWith('-s3alias') && !self.endsWith('--ol-s3')";
const BUCKET_MSG: &str = "must be an S3 bucket name: 3-63 lowercase letters, digits, periods and hyphens, starting and ending with a letter or digit, no '..', not an IP address";
const SNS_TOPIC: &str =
    "self.matches('^(arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:)?[A-Za-z0-9_-]{1,256}([.]fifo)?$')";
const SNS_TOPIC_MSG: &str = "must be an SNS topic name or topic ARN";
const LOG_GROUP_ARN: &str = "self.matches('^arn:aws[a-z-]*:logs:[a-z0-9-]+:[0-9]{12}:log-group:[A-Za-z0-9._/#-]{1,512}:[*]$')";
const LOG_GROUP_ARN_MSG: &str = "must be a CloudWatch Logs log group ARN ending in ':*', e.g. arn:aws:logs:us-east-1:111111111111:log-group:cloudtrail:*";

/// A trail that logs the whole organization, owned by the management account.
///
/// The operator creates it with `IsOrganizationTrail=true`, starts logging, applies the
/// selectors and tags, and corrects drift on every field. If trusted access is disabled,
/// AWS turns the trail into an account-level trail; when trusted access is back, the
/// operator converts it back to an organization trail and restarts logging.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "orgtrail.dev",
    version = "v1alpha1",
    kind = "OrgTrail",
    shortname = "otrail",
    category = "orgtrail-all",
    doc = "A CloudTrail organization trail.",
    status = "OrgTrailStatus",
    printcolumn(
        name = "Trail",
        type_ = "string",
        json_path = ".spec.name",
        description = "Trail name"
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
        name = "Logging",
        type_ = "boolean",
        json_path = ".status.isLogging",
        description = "Whether the trail is logging"
    ),
    printcolumn(
        name = "ARN",
        type_ = "string",
        json_path = ".status.arn",
        priority = 1,
        description = "Trail ARN"
    ),
    printcolumn(
        name = "Recursive",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"RecursiveLogging\")].status",
        priority = 1,
        description = "True: the trail records CloudTrail's own deliveries to its destinations (set recursiveLogging: false)"
    ),
    printcolumn(
        name = "Age",
        type_ = "date",
        json_path = ".metadata.creationTimestamp"
    )
)]
#[x_kube(validation = Rule::new("has(self.cloudWatchLogsLogGroupArn) == has(self.cloudWatchLogsRoleArn)").message("cloudWatchLogsLogGroupArn and cloudWatchLogsRoleArn must be set together"))]
#[x_kube(validation = Rule::new("!(has(self.eventSelectors) && has(self.advancedEventSelectors))").message("eventSelectors and advancedEventSelectors are mutually exclusive: set one or the other"))]
#[x_kube(validation = Rule::new("!has(self.insightEventCategories) || self.insightEventCategories.all(k, has(self.insightSelectors) && k in self.insightSelectors)").message("insightEventCategories may only name types listed in insightSelectors"))]
#[x_kube(validation = Rule::new("!self.isMultiRegionTrail || self.includeGlobalServiceEvents").message("a multi-region trail must include global service events (includeGlobalServiceEvents: true)"))]
#[serde(rename_all = "camelCase")]
pub struct OrgTrailSpec {
    /// The trail name (`Name`). Immutable.
    #[x_kube(validation = Rule::new(TRAIL_NAME).message(TRAIL_NAME_MSG))]
    #[x_kube(validation = Rule::new(TRAIL_NAME_ADJACENT).message(TRAIL_NAME_ADJACENT_MSG))]
    #[x_kube(validation = Rule::new(TRAIL_NAME_IP).message(TRAIL_NAME_IP_MSG))]
    #[x_kube(validation = Rule::new(IMMUTABLE).message("name is immutable"))]
    #[schemars(length(max = 128))]
    pub name: String,
    /// The trail's home region, where it is created and managed. Immutable.
    #[x_kube(validation = Rule::new(REGION).message(REGION_MSG))]
    #[x_kube(validation = Rule::new(IMMUTABLE).message("homeRegion is immutable"))]
    #[schemars(length(max = 32))]
    pub home_region: String,
    /// S3 bucket receiving the log files (`S3BucketName`). Its policy must allow CloudTrail
    /// to write under `AWSLogs/<management-account-id>/` and `AWSLogs/<organization-id>/`.
    #[x_kube(validation = Rule::new(BUCKET).message(BUCKET_MSG))]
    #[schemars(length(max = 63))]
    pub s3_bucket_name: String,
    /// Prefix of the log file keys in the bucket (`S3KeyPrefix`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 2000))]
    pub s3_key_prefix: Option<String>,
    /// SNS topic notified of each log file delivery (`SnsTopicName`: name or ARN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(SNS_TOPIC).message(SNS_TOPIC_MSG))]
    #[schemars(length(max = 512))]
    pub sns_topic_name: Option<String>,
    /// KMS key encrypting the log files (`KmsKeyId`: key id, alias or ARN). Its policy must
    /// allow the organization.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(KMS_KEY).message(KMS_KEY_MSG))]
    #[schemars(length(max = 350))]
    pub kms_key_id: Option<String>,
    /// CloudWatch Logs log group receiving the events (`CloudWatchLogsLogGroupArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(LOG_GROUP_ARN).message(LOG_GROUP_ARN_MSG))]
    #[schemars(length(max = 1024))]
    pub cloud_watch_logs_log_group_arn: Option<String>,
    /// Role CloudTrail assumes to write to the log group (`CloudWatchLogsRoleArn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[x_kube(validation = Rule::new(ROLE_ARN).message(ROLE_ARN_MSG))]
    #[schemars(length(max = 1024))]
    pub cloud_watch_logs_role_arn: Option<String>,
    /// Log events from every region (`IsMultiRegionTrail`). Default true, as the console
    /// does: an organization trail that misses regions misses attacks.
    #[serde(default = "default_true")]
    pub is_multi_region_trail: bool,
    /// Log global service events such as IAM (`IncludeGlobalServiceEvents`). Default true.
    #[serde(default = "default_true")]
    pub include_global_service_events: bool,
    /// Write digest files for log file integrity validation (`EnableLogFileValidation`).
    /// Default true.
    #[serde(default = "default_true")]
    pub enable_log_file_validation: bool,
    /// Basic event selectors (`EventSelectors`), at most 5. Mutually exclusive with
    /// `advancedEventSelectors`. Neither set: AWS's default (all management events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 5))]
    pub event_selectors: Option<Vec<EventSelector>>,
    /// Advanced event selectors (`AdvancedEventSelectors`). Mutually exclusive with
    /// `eventSelectors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 500))]
    pub advanced_event_selectors: Option<Vec<AdvancedEventSelector>>,
    /// CloudTrail Insights types to enable (`InsightSelectors`); empty turns Insights off.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[x_kube(validation = Rule::new("self.all(x, self.exists_one(y, y == x))").message("insightSelectors must not repeat a type"))]
    #[schemars(length(max = 2))]
    pub insight_selectors: Vec<InsightType>,
    /// The event categories each Insights type analyses (`InsightSelector.EventCategories`):
    /// `Management`, `Data` or both, keyed by a type of `insightSelectors`, e.g.
    /// `{ApiCallRateInsight: [Management, Data]}`. A type not listed here analyses
    /// management events, AWS's default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    // Bounds keep the CEL rules below within the API server's cost budget.
    #[schemars(extend("maxProperties" = 2, "additionalProperties" = {
        "type": "array", "minItems": 1, "maxItems": 2,
        "items": {"type": "string", "enum": ["Management", "Data"]}
    }))]
    #[x_kube(validation = Rule::new(INSIGHT_TYPE_KEYS).message(INSIGHT_TYPE_KEYS_MSG))]
    #[x_kube(validation = Rule::new(CATEGORY_LISTS).message(CATEGORY_LISTS_MSG))]
    pub insight_event_categories: BTreeMap<String, Vec<SourceEventCategory>>,
    /// Whether the trail records CloudTrail's own deliveries to its destinations
    /// (`RecursiveLogging`): the S3 `PutObject` of each log file and CloudWatch Logs
    /// `PutLogEvents`, which a trail logging data events on its own bucket or log group
    /// records again and again, at the price of data events. `false` suppresses them.
    /// Unset: left as AWS has it (AWS's default is `true`); the `RecursiveLogging`
    /// condition warns when that loop is configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recursive_logging: Option<bool>,
    /// Aggregated data events (`PutEventConfiguration` `AggregationConfigurations`):
    /// CloudTrail also delivers summaries of the trail's data events by template. `[]`
    /// turns aggregation off; unset leaves AWS's configuration alone (and is never read).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(max = 1))]
    #[x_kube(validation = Rule::new("self.all(a, a.templates.all(t, a.templates.exists_one(u, u == t)))").message("aggregationConfigurations templates must not repeat"))]
    pub aggregation_configurations: Option<Vec<AggregationConfiguration>>,
    /// Tags on the trail. The trail's tags are kept exactly equal to these: tags added in AWS
    /// by hand are removed.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    #[x_kube(validation = Rule::new(TAGS_COUNT).message(TAGS_COUNT_MSG))]
    #[x_kube(validation = Rule::new(TAGS_FORMAT).message(TAGS_FORMAT_MSG))]
    pub tags: Tags,
    /// Whether the trail logs (`StartLogging` / `StopLogging`). Default true; the operator
    /// restarts logging if someone stops it.
    #[serde(default = "default_true")]
    pub logging: bool,
    /// Organization scope (`IsOrganizationTrail`). Default true; false manages an
    /// account-level trail of the operator's account.
    #[serde(default = "default_true")]
    pub is_organization_trail: bool,
    /// `Retain` (default) leaves the trail in AWS when this object is deleted; `Delete`
    /// deletes it.
    #[serde(default)]
    pub deletion_policy: DeletionPolicy,
    /// Take over an existing trail of the same name instead of reporting a name clash.
    #[serde(default)]
    pub adopt_existing: bool,
    /// `Manage` (default) lets the operator change AWS; `Observe` only reports how AWS
    /// differs from this spec, and never writes to AWS.
    #[serde(default)]
    pub management_policy: ManagementPolicy,
}

/// Observed state of the trail.
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrgTrailStatus {
    /// The `metadata.generation` this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Current state, as kstatus conditions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[schemars(schema_with = "conditions_schema")]
    pub conditions: Conditions,
    /// The trail ARN (`TrailARN`): management account id and home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The trail's home region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_region: Option<String>,
    /// The account that owns the trail (the management account for organization trails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_account_id: Option<String>,
    /// Whether AWS reports the trail as an organization trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_organization_trail: Option<bool>,
    /// Whether AWS reports the trail as logging.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_logging: Option<bool>,
    /// What of CloudTrail's own deliveries the trail records as data events while
    /// `RecursiveLogging` is on (the `RecursiveLogging` condition); unset when none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records_own_deliveries: Option<String>,
    /// With `managementPolicy: Observe`: the AWS calls the operator would make to match
    /// the spec, at most 20 (none when AWS matches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift: Option<Vec<String>>,
}
