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
    /// IAM OIDC identity providers that STS AssumeRoleWithWebIdentity trusts (web_identity.rs).
    pub oidc_providers: Vec<OidcProviderConfig>,
}

/// An IAM OpenID Connect identity provider: the issuer URL, its client ids (the audiences
/// AssumeRoleWithWebIdentity accepts) and its signing keys as a JWKS.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// The `iss` of its tokens, `https://…` (IAM's provider URL).
    pub issuer: String,
    /// Accepted `aud` values (IAM's client id list); default `["sts.amazonaws.com"]`.
    #[serde(default = "default_client_ids")]
    pub client_ids: Vec<String>,
    /// The JWKS (`{"keys": [...]}`) inline ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    /// ... or a file holding it, read at every call (so it may be written after start, e.g.
    /// from `kubectl get --raw /openid/v1/jwks`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_file: Option<std::path::PathBuf>,
}

pub fn default_client_ids() -> Vec<String> {
    vec!["sts.amazonaws.com".to_string()]
}

impl OidcProviderConfig {
    pub fn validate(&self) -> Result<(), String> {
        let host = self.issuer.strip_prefix("https://").unwrap_or_default();
        if host.is_empty() || host.contains(char::is_whitespace) {
            return Err(format!(
                "OIDC provider issuer {:?} must be an https:// URL",
                self.issuer
            ));
        }
        if self.client_ids.is_empty() || self.client_ids.iter().any(String::is_empty) {
            return Err(format!(
                "OIDC provider {} needs non-empty client_ids",
                self.issuer
            ));
        }
        match (&self.jwks, &self.jwks_file) {
            (Some(jwks), None) => crate::web_identity::parse_jwks(jwks.clone())
                .map(|_| ())
                .map_err(|e| format!("OIDC provider {}: {e}", self.issuer)),
            (None, Some(_)) => Ok(()),
            _ => Err(format!(
                "OIDC provider {} needs exactly one of jwks and jwks_file",
                self.issuer
            )),
        }
    }
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
            oidc_providers: Vec::new(),
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
        let mut issuers = Vec::new();
        for p in &self.oidc_providers {
            p.validate()?;
            let issuer = crate::web_identity::normalize_issuer(&p.issuer);
            if issuers.contains(&issuer) {
                return Err(format!("duplicate OIDC provider {}", p.issuer));
            }
            issuers.push(issuer);
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
    /// Replaces the OIDC identity providers.
    pub oidc_providers: Option<Vec<OidcProviderConfig>>,
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
        if let Some(v) = self.oidc_providers {
            next.oidc_providers = v;
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

    #[test]
    fn oidc_providers_parse_and_validate() {
        let parse = |providers: &str| -> Result<Config, String> {
            let c: Config = serde_json::from_str(&format!(r#"{{"oidc_providers": {providers}}}"#))
                .map_err(|e| e.to_string())?;
            c.validate().map(|_| c)
        };
        let c = parse(r#"[{"issuer": "https://127.0.0.1:6443", "jwks_file": "/tmp/jwks.json"}]"#)
            .unwrap();
        assert_eq!(c.oidc_providers[0].client_ids, ["sts.amazonaws.com"]);
        let jwks = r#"{"keys": [{"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}"#;
        parse(&format!(
            r#"[{{"issuer": "https://a", "client_ids": ["x"], "jwks": {jwks}}}]"#
        ))
        .unwrap();
        for bad in [
            // both key sources, or neither
            format!(r#"[{{"issuer": "https://a", "jwks": {jwks}, "jwks_file": "/f"}}]"#),
            r#"[{"issuer": "https://a"}]"#.to_string(),
            // not https, empty client ids, duplicate issuer, unknown field, bad inline JWKS
            r#"[{"issuer": "http://a", "jwks_file": "/f"}]"#.to_string(),
            r#"[{"issuer": "https://a", "client_ids": [], "jwks_file": "/f"}]"#.to_string(),
            r#"[{"issuer": "https://a", "jwks_file": "/f"}, {"issuer": "https://a/", "jwks_file": "/g"}]"#.to_string(),
            r#"[{"issuer": "https://a", "jwks_file": "/f", "thumbprints": []}]"#.to_string(),
            r#"[{"issuer": "https://a", "jwks": {"keys": []}}]"#.to_string(),
        ] {
            assert!(parse(&bad).is_err(), "{bad}");
        }
    }
}
