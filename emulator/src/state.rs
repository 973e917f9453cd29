//! The whole emulated world, behind one Mutex in `server.rs`. Serializable for
//! `GET /_emulator/state`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde_json::Value;

use crate::config::{AccountConfig, Config};

pub const CLOUDTRAIL_PRINCIPAL: &str = "cloudtrail.amazonaws.com";
pub const CLOUDTRAIL_SLR: &str = "AWSServiceRoleForCloudTrail";
/// Created when an event data store first uses TagContext keys (enriched events).
pub const EVENT_CONTEXT_SLR: &str = "AWSServiceRoleForCloudTrailEventContext";

/// Who is calling: derived from the access key (server.rs).
#[derive(Debug, Clone)]
pub struct Caller {
    /// The access key the request was signed with (the call log tells replicas apart).
    pub access_key: String,
    pub account: String,
    pub region: String,
    pub arn: String,
    pub user_id: String,
    pub denied_actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub key: String,
    pub value: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Trail {
    pub name: String,
    /// The owning account: always the management account for organization trails.
    pub owner: String,
    pub home_region: String,
    pub arn: String,
    pub created_by: String,
    pub s3_bucket_name: String,
    pub s3_key_prefix: Option<String>,
    pub sns_topic_name: Option<String>,
    pub include_global_service_events: bool,
    pub is_multi_region_trail: bool,
    pub log_file_validation_enabled: bool,
    pub cloud_watch_logs_log_group_arn: Option<String>,
    pub cloud_watch_logs_role_arn: Option<String>,
    pub kms_key_id: Option<String>,
    pub is_organization_trail: bool,
    pub event_selectors: Vec<Value>,
    pub advanced_event_selectors: Vec<Value>,
    pub has_custom_event_selectors: bool,
    /// Normalized InsightSelector objects, each with its EventCategories.
    pub insight_selectors: Vec<Value>,
    /// false: CloudTrail drops the events of its own log deliveries (AWS default true).
    pub recursive_logging: bool,
    /// PutEventConfiguration AggregationConfigurations (data-event aggregation).
    pub aggregation_configurations: Vec<Value>,
    pub tags: Vec<Tag>,
    pub is_logging: bool,
    pub start_logging_time: Option<f64>,
    pub stop_logging_time: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventDataStore {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub owner: String,
    pub home_region: String,
    pub created_by: String,
    pub status: String,
    /// Status to return to when a PENDING_DELETION store is restored.
    pub status_before_deletion: Option<String>,
    pub advanced_event_selectors: Vec<Value>,
    pub multi_region_enabled: bool,
    pub organization_enabled: bool,
    pub retention_period: i64,
    pub termination_protection_enabled: bool,
    pub kms_key_id: Option<String>,
    pub billing_mode: String,
    pub tags: Vec<Tag>,
    /// PutEventConfiguration: `Standard` (AWS default) or `Large`.
    pub max_event_size: String,
    pub context_key_selectors: Vec<Value>,
    /// Insights on this (source) store, and the store that receives the Insights events.
    pub insight_selectors: Vec<Value>,
    pub insights_destination: Option<String>,
    /// `ENABLED` or `DISABLED` (transitions are immediate, see assumptions.rs).
    pub federation_status: String,
    pub federation_role_arn: Option<String>,
    /// The resource-based policy JSON text (PutResourcePolicy).
    pub resource_policy: Option<String>,
    pub created_timestamp: f64,
    pub updated_timestamp: f64,
    pub deletion_time: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub account: String,
    pub role_arn: String,
    pub session_name: String,
    pub created: f64,
    pub expiration: f64,
    /// Set for sessions from AssumeRoleWithWebIdentity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_identity: Option<WebIdentitySession>,
}

/// Who a web identity session was issued to (AssumeRoleWithWebIdentity's response facts).
#[derive(Debug, Clone, Serialize)]
pub struct WebIdentitySession {
    pub subject: String,
    pub provider: String,
    pub audience: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct State {
    pub config: Config,
    /// Service principal -> date enabled (epoch seconds).
    pub trusted_access: BTreeMap<String, f64>,
    /// Service principal -> account -> date delegated (Organizations' registry).
    pub delegated_admins: BTreeMap<String, BTreeMap<String, f64>>,
    /// Account -> IAM service-linked roles that exist in it.
    pub service_linked_roles: BTreeMap<String, BTreeSet<String>>,
    pub trails: Vec<Trail>,
    pub event_data_stores: Vec<EventDataStore>,
    /// Temporary access key -> session (STS AssumeRole, AssumeRoleWithWebIdentity).
    pub sessions: BTreeMap<String, Session>,
    /// Accounts that have ever created an event data store (the Lake new-customer gate).
    pub lake_users: BTreeSet<String>,
    pub sqs: crate::sqs::SqsState,
    pub events: crate::eventbridge::EventBridgeState,
    /// When the organization was created (JoinedTimestamp of every account).
    pub created: f64,
    #[serde(skip)]
    pub next_id: u64,
}

pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl State {
    pub fn new(config: Config) -> State {
        let created = now();
        let trusted_access = config
            .trusted_access
            .iter()
            .map(|p| (p.clone(), created))
            .collect();
        let service_linked_roles = config
            .service_linked_roles
            .iter()
            .map(|a| (a.clone(), BTreeSet::from([CLOUDTRAIL_SLR.to_string()])))
            .collect();
        State {
            config,
            trusted_access,
            delegated_admins: BTreeMap::new(),
            service_linked_roles,
            trails: Vec::new(),
            event_data_stores: Vec::new(),
            sessions: BTreeMap::new(),
            lake_users: BTreeSet::new(),
            sqs: Default::default(),
            events: Default::default(),
            created,
            next_id: 1,
        }
    }

    pub fn management(&self) -> &str {
        &self.config.organization.management_account.id
    }

    pub fn org_id(&self) -> &str {
        &self.config.organization.id
    }

    pub fn accounts(&self) -> Vec<&AccountConfig> {
        let org = &self.config.organization;
        std::iter::once(&org.management_account)
            .chain(org.members.iter())
            .collect()
    }

    pub fn account(&self, id: &str) -> Option<&AccountConfig> {
        self.accounts().into_iter().find(|a| a.id == id)
    }

    pub fn is_management(&self, account: &str) -> bool {
        self.config.organization.in_use && self.management() == account
    }

    pub fn all_features(&self) -> bool {
        self.config.organization.feature_set == "ALL"
    }

    pub fn trusted(&self, principal: &str) -> bool {
        self.trusted_access.contains_key(principal)
    }

    /// A CloudTrail delegated administrator (registered in Organizations for cloudtrail).
    pub fn is_ct_delegated_admin(&self, account: &str) -> bool {
        self.config.organization.in_use
            && self
                .delegated_admins
                .get(CLOUDTRAIL_PRINCIPAL)
                .is_some_and(|m| m.contains_key(account))
    }

    pub fn is_any_delegated_admin(&self, account: &str) -> bool {
        self.delegated_admins
            .values()
            .any(|m| m.contains_key(account))
    }

    pub fn has_ct_slr(&self, account: &str) -> bool {
        self.has_slr(account, CLOUDTRAIL_SLR)
    }

    pub fn ensure_ct_slr(&mut self, account: &str) {
        self.ensure_slr(account, CLOUDTRAIL_SLR);
    }

    pub fn has_slr(&self, account: &str, role: &str) -> bool {
        self.service_linked_roles
            .get(account)
            .is_some_and(|r| r.contains(role))
    }

    pub fn ensure_slr(&mut self, account: &str, role: &str) {
        self.service_linked_roles
            .entry(account.to_string())
            .or_default()
            .insert(role.to_string());
    }

    pub fn bucket(&self, name: &str) -> Option<&crate::config::BucketConfig> {
        self.config.s3_buckets.iter().find(|b| b.name == name)
    }

    /// A fresh id: random-looking but unique within this run.
    pub fn fresh_id(&mut self) -> String {
        self.next_id += 1;
        let r: u64 = rand::random();
        let a = r ^ self.next_id;
        format!(
            "{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            (a >> 32) as u32,
            (a >> 16) as u16,
            (a as u16) & 0xfff,
            self.next_id & 0xfff,
            self.next_id
        )
    }

    /// Drops event data stores whose 7-day pending deletion has elapsed.
    pub fn expire_deleted_stores(&mut self) {
        let t = now();
        self.event_data_stores
            .retain(|s| s.deletion_time.is_none_or(|d| d > t));
    }
}

impl Caller {
    /// Whether an IAM deny in the config applies to `action` (e.g. `iam:GetRole`).
    pub fn denied(&self, action: &str) -> bool {
        self.denied_actions
            .iter()
            .any(|p| crate::rules::action_matches(p, action))
    }
}
