//! The organization and knobs the emulator starts from: defaults, a JSON file (`--config`)
//! and flags. `POST /_emulator/config` patches the live knobs with [`ConfigPatch`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rules;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub organization: OrganizationConfig,
    /// Access key id -> identity. Keys equal to an org account id also work (see server.rs).
    pub access_keys: BTreeMap<String, AccessKeyConfig>,
    pub s3_buckets: Vec<BucketConfig>,
    /// Trails per region per account (AWS: 5).
    pub trail_quota: u32,
    /// Event data stores per region per account (AWS: 10).
    pub event_data_store_quota: u32,
    /// CloudTrail delegated administrators per organization (AWS: 3).
    pub delegated_admin_limit: u32,
    /// Service principals with trusted access enabled at start.
    pub trusted_access: Vec<String>,
    /// Accounts that already have AWSServiceRoleForCloudTrail at start.
    pub service_linked_roles: Vec<String>,
    /// When false, CreateEventDataStore is refused to accounts that never used Lake.
    pub lake_open_to_new_customers: bool,
    /// When true, list calls answer the first request with an empty page and a NextToken.
    pub empty_first_page: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrganizationConfig {
    /// False: the management account is not in an organization at all.
    pub in_use: bool,
    pub id: String,
    pub feature_set: String,
    pub management_account: AccountConfig,
    pub members: Vec<AccountConfig>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default = "active")]
    pub state: String,
}

fn active() -> String {
    "ACTIVE".into()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessKeyConfig {
    pub account: String,
    /// IAM user name for the caller ARN (default: `orgtrail`).
    #[serde(default)]
    pub user: Option<String>,
    /// IAM actions this principal is denied (`cloudtrail:*`, `iam:CreateServiceLinkedRole`).
    #[serde(default)]
    pub denied_actions: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BucketConfig {
    pub name: String,
    /// Whether the bucket policy has the `AWSLogs/o-<orgid>/*` statement for org trails.
    #[serde(default)]
    pub covers_organization: bool,
}

impl AccountConfig {
    pub fn new(id: &str, name: &str) -> Self {
        AccountConfig {
            id: id.into(),
            name: Some(name.into()),
            email: None,
            state: active(),
        }
    }

    pub fn display_name(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("account-{}", self.id))
    }

    pub fn display_email(&self) -> String {
        self.email
            .clone()
            .unwrap_or_else(|| format!("aws+{}@example.com", self.id))
    }
}

impl Default for OrganizationConfig {
    fn default() -> Self {
        OrganizationConfig {
            in_use: true,
            id: "o-exampleorgid".into(),
            feature_set: "ALL".into(),
            management_account: AccountConfig::new("111111111111", "management"),
            members: vec![
                AccountConfig::new("222222222222", "security-tooling"),
                AccountConfig::new("333333333333", "workload-a"),
                AccountConfig::new("444444444444", "workload-b"),
            ],
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        let key = |account: &str| AccessKeyConfig {
            account: account.into(),
            user: None,
            denied_actions: Vec::new(),
        };
        // A person in the management account, distinct from the operator's identity:
        // their changes come back as events the operator must not take for its own.
        let admin = AccessKeyConfig {
            user: Some("admin".into()),
            ..key("111111111111")
        };
        Config {
            organization: OrganizationConfig::default(),
            access_keys: BTreeMap::from([
                ("AKIDMANAGEMENT".to_string(), key("111111111111")),
                ("AKIDADMIN".to_string(), admin),
                ("AKIDDELEGATED".to_string(), key("222222222222")),
                ("AKIDMEMBER".to_string(), key("333333333333")),
            ]),
            s3_buckets: vec![
                BucketConfig {
                    name: "orgtrail-logs".into(),
                    covers_organization: true,
                },
                BucketConfig {
                    name: "orgtrail-account-only".into(),
                    covers_organization: false,
                },
            ],
            trail_quota: 5,
            event_data_store_quota: 10,
            delegated_admin_limit: 3,
            trusted_access: Vec::new(),
            service_linked_roles: Vec::new(),
            lake_open_to_new_customers: true,
            empty_first_page: false,
        }
    }
}

impl Config {
    /// Rejects configs that would make the emulator inconsistent.
    pub fn validate(&self) -> Result<(), String> {
        let org = &self.organization;
        let ids: Vec<&str> = std::iter::once(&org.management_account)
            .chain(&org.members)
            .map(|a| a.id.as_str())
            .collect();
        for id in &ids {
            if !rules::valid_account_id(id) {
                return Err(format!("account id {id:?} is not 12 digits"));
            }
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        if sorted.len() != ids.len() {
            return Err("duplicate account ids in the organization".into());
        }
        let id_ok = org.id.len() >= 12
            && org.id.len() <= 34
            && org.id.starts_with("o-")
            && org.id[2..]
                .bytes()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
        if !id_ok {
            return Err(format!(
                "organization id {:?} must be o- + 10-32 lowercase alnum",
                org.id
            ));
        }
        if !matches!(org.feature_set.as_str(), "ALL" | "CONSOLIDATED_BILLING") {
            return Err("feature_set must be ALL or CONSOLIDATED_BILLING".into());
        }
        for (key, k) in &self.access_keys {
            if !ids.contains(&k.account.as_str()) {
                return Err(format!(
                    "access key {key} maps to unknown account {}",
                    k.account
                ));
            }
        }
        Ok(())
    }
}

/// Live changes through `POST /_emulator/config`; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigPatch {
    pub trail_quota: Option<u32>,
    pub event_data_store_quota: Option<u32>,
    pub delegated_admin_limit: Option<u32>,
    pub lake_open_to_new_customers: Option<bool>,
    pub empty_first_page: Option<bool>,
    pub feature_set: Option<String>,
    pub organization_in_use: Option<bool>,
    /// Replaces the denied actions of the given access keys.
    pub denied_actions: Option<BTreeMap<String, Vec<String>>>,
    pub s3_buckets: Option<Vec<BucketConfig>>,
}

impl ConfigPatch {
    pub fn apply(self, cfg: &mut Config) -> Result<(), String> {
        let mut next = cfg.clone();
        if let Some(v) = self.trail_quota {
            next.trail_quota = v;
        }
        if let Some(v) = self.event_data_store_quota {
            next.event_data_store_quota = v;
        }
        if let Some(v) = self.delegated_admin_limit {
            next.delegated_admin_limit = v;
        }
        if let Some(v) = self.lake_open_to_new_customers {
            next.lake_open_to_new_customers = v;
        }
        if let Some(v) = self.empty_first_page {
            next.empty_first_page = v;
        }
        if let Some(v) = self.feature_set {
            next.organization.feature_set = v;
        }
        if let Some(v) = self.organization_in_use {
            next.organization.in_use = v;
        }
        if let Some(v) = self.s3_buckets {
            next.s3_buckets = v;
        }
        if let Some(map) = self.denied_actions {
            for (key, actions) in map {
                let entry = next
                    .access_keys
                    .get_mut(&key)
                    .ok_or_else(|| format!("unknown access key {key}"))?;
                entry.denied_actions = actions;
            }
        }
        next.validate()?;
        *cfg = next;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_config_is_valid_and_matches_the_contract() {
        let c = Config::default();
        c.validate().unwrap();
        assert_eq!(c.organization.id, "o-exampleorgid");
        assert_eq!(c.access_keys["AKIDDELEGATED"].account, "222222222222");
        assert_eq!(c.trail_quota, 5);
    }

    #[test]
    fn bad_configs_are_rejected() {
        let mut c = Config::default();
        c.organization.id = "org-1".into();
        assert!(c.validate().is_err());
        let mut c = Config::default();
        c.organization
            .members
            .push(AccountConfig::new("111111111111", "dup"));
        assert!(c.validate().is_err());
        let mut c = Config::default();
        let patch = ConfigPatch {
            feature_set: Some("SOME".into()),
            ..Default::default()
        };
        assert!(patch.apply(&mut c).is_err());
        assert_eq!(
            c.organization.feature_set, "ALL",
            "failed patch leaves config untouched"
        );
    }

    #[test]
    fn file_format_parses_with_defaults() {
        let c: Config = serde_json::from_str(
            r#"{"organization": {"id": "o-abcdefghij", "management_account": {"id": "999999999999"}, "members": []},
                "access_keys": {"K": {"account": "999999999999"}}, "trail_quota": 2}"#,
        )
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.organization.feature_set, "ALL");
        assert_eq!(c.trail_quota, 2);
        assert!(serde_json::from_str::<Config>(r#"{"nope": 1}"#).is_err());
    }
}
