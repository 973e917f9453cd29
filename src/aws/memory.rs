//! An in-memory AWS for unit tests of observe → plan → act: a small stateful model of
//! Organizations and CloudTrail with the rules the plans depend on (trusted access gates
//! organization scope; disabling it converts organization trails and stores to account
//! level; names are unique; a store deleted by hand is pending deletion until restored).
//! Not a replay of scripts: what a step does is seen by the next read. Every call is
//! logged by operation name, so tests can count AWS calls as the benchmark does.
//!
//! Several accounts may share one model ([`MemoryAws::as_account`]): a delegated
//! administrator sees its own resources and the organization's, not the management
//! account's account-level ones, and may not change a resource's scope.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::*;
use crate::api::selectors::{EventSelectors, InsightType};

/// The management account of the model.
pub const MANAGEMENT: &str = "111111111111";

/// A trail and what CloudTrail keeps beside it.
#[derive(Clone, Debug)]
pub struct TrailState {
    /// `GetTrail`'s view.
    pub trail: Trail,
    /// Event selectors.
    pub selectors: EventSelectors,
    /// Insight types.
    pub insights: Vec<InsightType>,
    /// Logging.
    pub logging: bool,
}

/// Everything AWS holds.
#[derive(Default)]
pub struct State {
    /// Whether Organizations trusts CloudTrail.
    pub trusted: bool,
    /// Trails by ARN.
    pub trails: BTreeMap<String, TrailState>,
    /// Event data stores by ARN.
    pub stores: BTreeMap<String, EventDataStore>,
    /// Tags by resource ARN.
    pub tags: BTreeMap<String, BTreeMap<String, String>>,
    /// Delegated administrators of CloudTrail.
    pub delegated: Vec<String>,
    /// Accounts CloudTrail considers registered although Organizations does not list them
    /// (the two services disagreeing, which tests set up).
    pub registered_in_cloudtrail_only: Vec<String>,
    /// Operations called, in order.
    pub calls: Vec<&'static str>,
}

/// The in-memory AWS, as seen by one account.
pub struct MemoryAws {
    /// Its state, open to tests that tamper with AWS; shared by every account's view.
    pub state: Arc<Mutex<State>>,
    /// Whose credentials call.
    pub account: String,
}

fn refused(op: &'static str) -> AwsError {
    AwsError::new(
        ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled),
        op,
        "CloudTrailAccessNotEnabledException",
        "trusted access is not enabled",
    )
}

fn not_found(op: &'static str, what: &str) -> AwsError {
    AwsError::new(
        ErrorKind::NotFound,
        op,
        "NotFound",
        format!("{what} not found"),
    )
}

impl MemoryAws {
    /// A model with trusted access as given.
    pub fn new(trusted: bool) -> Self {
        let state = State {
            trusted,
            ..State::default()
        };
        MemoryAws {
            state: Arc::new(Mutex::new(state)),
            account: MANAGEMENT.into(),
        }
    }

    /// The same AWS, called with `account`'s credentials (a delegated administrator).
    pub fn as_account(&self, account: &str) -> Self {
        MemoryAws {
            state: self.state.clone(),
            account: account.into(),
        }
    }

    fn management(&self) -> bool {
        self.account == MANAGEMENT
    }

    /// Whether this account sees (and may manage) a resource: its own, or the
    /// organization's.
    fn sees(&self, arn: &str, organization: bool) -> bool {
        organization || arn_region_and_account(arn).is_some_and(|(_, a)| a == self.account)
    }

    fn refuse_unless_management(&self, op: &'static str) -> AwsResult<()> {
        if self.management() {
            return Ok(());
        }
        Err(AwsError::new(
            ErrorKind::PrerequisiteMissing(Prerequisite::NotManagementAccount),
            op,
            "NotOrganizationManagementAccountException",
            "only the management account may do this",
        ))
    }

    fn call(&self, op: &'static str) -> std::sync::MutexGuard<'_, State> {
        let mut s = self.state.lock().unwrap();
        s.calls.push(op);
        s
    }

    /// Log a call that reads nothing from the state.
    fn record(&self, op: &'static str) {
        drop(self.call(op));
    }

    /// The calls made so far, and forget them.
    pub fn take_calls(&self) -> Vec<&'static str> {
        std::mem::take(&mut self.state.lock().unwrap().calls)
    }

    /// `DisableAWSServiceAccess` as AWS does it: organization resources turn account-level.
    pub fn disable_trust(&self) {
        let mut s = self.state.lock().unwrap();
        s.trusted = false;
        s.trails
            .values_mut()
            .for_each(|t| t.trail.is_organization_trail = false);
        s.stores
            .values_mut()
            .for_each(|e| e.organization_enabled = false);
    }

    /// The trail at `arn`, if this account sees it.
    fn trail<'s>(
        &self,
        s: &'s mut State,
        op: &'static str,
        arn: &str,
    ) -> AwsResult<&'s mut TrailState> {
        match s.trails.get_mut(arn) {
            Some(t) if self.sees(arn, t.trail.is_organization_trail) => Ok(t),
            _ => Err(not_found(op, arn)),
        }
    }

    /// Call `op` on the trail at `arn`.
    fn on_trail<T>(
        &self,
        op: &'static str,
        arn: &str,
        f: impl FnOnce(&mut TrailState) -> T,
    ) -> AwsResult<T> {
        let mut s = self.call(op);
        self.trail(&mut s, op, arn).map(f)
    }

    /// The event data store at `arn`, if this account sees it.
    fn store<'s>(
        &self,
        s: &'s mut State,
        op: &'static str,
        arn: &str,
    ) -> AwsResult<&'s mut EventDataStore> {
        match s.stores.get_mut(arn) {
            Some(e) if self.sees(arn, e.organization_enabled) => Ok(e),
            _ => Err(not_found(op, arn)),
        }
    }

    /// Call `op` on the event data store at `arn`.
    fn on_store<T>(
        &self,
        op: &'static str,
        arn: &str,
        f: impl FnOnce(&mut EventDataStore) -> T,
    ) -> AwsResult<T> {
        let mut s = self.call(op);
        self.store(&mut s, op, arn).map(f)
    }
}

#[async_trait]
impl Organizations for MemoryAws {
    async fn caller_identity(&self) -> AwsResult<CallerIdentity> {
        self.record("GetCallerIdentity");
        Ok(CallerIdentity {
            account_id: self.account.clone(),
            arn: format!("arn:aws:iam::{}:role/operator", self.account),
        })
    }
    async fn describe_organization(&self) -> AwsResult<Organization> {
        self.record("DescribeOrganization");
        Ok(Organization {
            id: "o-example".into(),
            all_features: true,
            management_account_id: MANAGEMENT.into(),
        })
    }
    async fn list_aws_service_access(&self) -> AwsResult<Vec<String>> {
        let s = self.call("ListAWSServiceAccessForOrganization");
        Ok(s.trusted
            .then(|| CLOUDTRAIL_SERVICE_PRINCIPAL.to_string())
            .into_iter()
            .collect())
    }
    async fn enable_aws_service_access(&self, _: &str) -> AwsResult<()> {
        let mut s = self.call("EnableAWSServiceAccess");
        self.refuse_unless_management("EnableAWSServiceAccess")?;
        s.trusted = true;
        Ok(())
    }
    async fn disable_aws_service_access(&self, _: &str) -> AwsResult<()> {
        self.record("DisableAWSServiceAccess");
        self.refuse_unless_management("DisableAWSServiceAccess")?;
        self.disable_trust();
        Ok(())
    }
    async fn list_delegated_administrators(&self, _: &str) -> AwsResult<Vec<String>> {
        Ok(self.call("ListDelegatedAdministrators").delegated.clone())
    }
}

#[async_trait]
impl CloudTrail for MemoryAws {
    async fn get_trail(&self, _: &str, arn: &str) -> AwsResult<Option<Trail>> {
        Ok(self
            .call("GetTrail")
            .trails
            .get(arn)
            .filter(|t| self.sees(arn, t.trail.is_organization_trail))
            .map(|t| t.trail.clone()))
    }
    async fn list_trails(&self, _: &str) -> AwsResult<Vec<TrailSummary>> {
        let s = self.call("ListTrails");
        Ok(s.trails
            .values()
            .filter(|t| self.sees(&t.trail.arn, t.trail.is_organization_trail))
            .map(|t| TrailSummary {
                arn: t.trail.arn.clone(),
                name: t.trail.name.clone(),
                home_region: t.trail.home_region.clone(),
            })
            .collect())
    }
    async fn create_trail(&self, region: &str, x: &TrailSettings) -> AwsResult<Trail> {
        let mut s = self.call("CreateTrail");
        if x.is_organization_trail && !s.trusted {
            return Err(refused("CreateTrail"));
        }
        // Organization trails belong to the management account, whoever creates them.
        let owner = if x.is_organization_trail {
            MANAGEMENT
        } else {
            &self.account
        };
        let arn = trail_arn(region, owner, &x.name);
        if s.trails.contains_key(&arn) {
            return Err(AwsError::new(
                ErrorKind::AlreadyExists,
                "CreateTrail",
                "TrailAlreadyExistsException",
                "exists",
            ));
        }
        let trail = trail_created(region, &arn, x);
        s.tags.insert(arn.clone(), x.tags.clone());
        s.trails.insert(
            arn,
            TrailState {
                trail: trail.clone(),
                selectors: aws_default_selectors(),
                insights: vec![],
                logging: false,
            },
        );
        Ok(trail)
    }
    async fn update_trail(
        &self,
        _: &str,
        arn: &str,
        x: &TrailSettings,
        fields: &[&'static str],
    ) -> AwsResult<Trail> {
        let mut s = self.call("UpdateTrail");
        let t = &mut self.trail(&mut s, "UpdateTrail", arn)?.trail;
        // Only the fields sent change.
        t.update_fields(x, fields);
        Ok(t.clone())
    }
    async fn set_organization_trail(&self, _: &str, arn: &str, org: bool) -> AwsResult<Trail> {
        let mut s = self.call("UpdateTrail");
        self.refuse_unless_management("UpdateTrail")?;
        if org && !s.trusted {
            return Err(refused("UpdateTrail"));
        }
        let t = &mut self.trail(&mut s, "UpdateTrail", arn)?.trail;
        t.is_organization_trail = org;
        Ok(t.clone())
    }
    async fn delete_trail(&self, _: &str, arn: &str) -> AwsResult<()> {
        let mut s = self.call("DeleteTrail");
        s.trails
            .remove(arn)
            .map(|_| ())
            .ok_or_else(|| not_found("DeleteTrail", arn))
    }
    async fn get_trail_status(&self, _: &str, arn: &str) -> AwsResult<TrailStatus> {
        self.on_trail("GetTrailStatus", arn, |t| TrailStatus {
            is_logging: t.logging,
        })
    }
    async fn start_logging(&self, _: &str, arn: &str) -> AwsResult<()> {
        self.on_trail("StartLogging", arn, |t| t.logging = true)
    }
    async fn stop_logging(&self, _: &str, arn: &str) -> AwsResult<()> {
        self.on_trail("StopLogging", arn, |t| t.logging = false)
    }
    async fn get_event_selectors(&self, _: &str, arn: &str) -> AwsResult<EventSelectors> {
        self.on_trail("GetEventSelectors", arn, |t| t.selectors.clone())
    }
    async fn put_event_selectors(&self, _: &str, arn: &str, x: &EventSelectors) -> AwsResult<()> {
        self.on_trail("PutEventSelectors", arn, |t| {
            t.selectors = x.clone();
            t.trail.has_custom_event_selectors = true;
        })
    }
    async fn get_insight_selectors(&self, _: &str, arn: &str) -> AwsResult<Vec<InsightType>> {
        self.on_trail("GetInsightSelectors", arn, |t| t.insights.clone())
    }
    async fn put_insight_selectors(&self, _: &str, arn: &str, x: &[InsightType]) -> AwsResult<()> {
        self.on_trail("PutInsightSelectors", arn, |t| {
            t.insights = x.to_vec();
            t.trail.has_insight_selectors = !x.is_empty();
        })
    }
    async fn list_tags(&self, _: &str, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        Ok(self
            .call("ListTags")
            .tags
            .get(arn)
            .cloned()
            .unwrap_or_default())
    }
    async fn add_tags(&self, _: &str, arn: &str, tags: &BTreeMap<String, String>) -> AwsResult<()> {
        let mut s = self.call("AddTags");
        s.tags.entry(arn.into()).or_default().extend(tags.clone());
        Ok(())
    }
    async fn remove_tags(&self, _: &str, arn: &str, keys: &[String]) -> AwsResult<()> {
        let mut s = self.call("RemoveTags");
        let tags = s.tags.entry(arn.into()).or_default();
        keys.iter().for_each(|k| {
            tags.remove(k);
        });
        Ok(())
    }
    async fn list_event_data_stores(&self, _: &str) -> AwsResult<Vec<EventDataStoreSummary>> {
        let s = self.call("ListEventDataStores");
        Ok(s.stores
            .values()
            .filter(|e| self.sees(&e.arn, e.organization_enabled))
            .map(|e| EventDataStoreSummary {
                arn: e.arn.clone(),
                name: e.name.clone(),
            })
            .collect())
    }
    async fn get_event_data_store(&self, _: &str, arn: &str) -> AwsResult<Option<EventDataStore>> {
        Ok(self
            .call("GetEventDataStore")
            .stores
            .get(arn)
            .filter(|e| self.sees(arn, e.organization_enabled))
            .cloned())
    }
    async fn create_event_data_store(
        &self,
        region: &str,
        x: &EventDataStoreSettings,
    ) -> AwsResult<EventDataStore> {
        let mut s = self.call("CreateEventDataStore");
        if x.organization_enabled && !s.trusted {
            return Err(refused("CreateEventDataStore"));
        }
        if s.stores.values().any(|e| e.name == x.name) {
            // Names are unique per account; the model keeps one namespace.
            return Err(AwsError::new(
                ErrorKind::AlreadyExists,
                "CreateEventDataStore",
                "EventDataStoreAlreadyExistsException",
                "exists",
            ));
        }
        let owner = if x.organization_enabled {
            MANAGEMENT
        } else {
            &self.account
        };
        let arn = format!(
            "arn:aws:cloudtrail:{region}:{owner}:eventdatastore/{}-{}",
            x.name,
            s.stores.len()
        );
        let store = event_data_store_created(&arn, x);
        s.tags.insert(arn.clone(), x.tags.clone());
        s.stores.insert(arn, store.clone());
        Ok(store)
    }
    async fn update_event_data_store(
        &self,
        _: &str,
        arn: &str,
        x: &EventDataStoreSettings,
        fields: &[&'static str],
    ) -> AwsResult<EventDataStore> {
        let mut s = self.call("UpdateEventDataStore");
        let e = self.store(&mut s, "UpdateEventDataStore", arn)?;
        // Only the fields sent change.
        e.update_fields(x, fields);
        Ok(e.clone())
    }
    async fn set_event_data_store_organization_enabled(
        &self,
        _: &str,
        arn: &str,
        org: bool,
    ) -> AwsResult<EventDataStore> {
        let mut s = self.call("UpdateEventDataStore");
        self.refuse_unless_management("UpdateEventDataStore")?;
        if org && !s.trusted {
            return Err(refused("UpdateEventDataStore"));
        }
        let e = self.store(&mut s, "UpdateEventDataStore", arn)?;
        e.organization_enabled = org;
        Ok(e.clone())
    }
    async fn set_termination_protection(
        &self,
        _: &str,
        arn: &str,
        on: bool,
    ) -> AwsResult<EventDataStore> {
        self.on_store("UpdateEventDataStore", arn, |e| {
            e.termination_protection_enabled = on;
            e.clone()
        })
    }
    async fn delete_event_data_store(&self, _: &str, arn: &str) -> AwsResult<()> {
        let mut s = self.call("DeleteEventDataStore");
        let e = self.store(&mut s, "DeleteEventDataStore", arn)?;
        if e.termination_protection_enabled {
            return Err(AwsError::new(
                ErrorKind::Conflict,
                "DeleteEventDataStore",
                "EventDataStoreTerminationProtectedException",
                "protected",
            ));
        }
        e.status = EventDataStoreStatus::PendingDeletion;
        Ok(())
    }
    async fn restore_event_data_store(&self, _: &str, arn: &str) -> AwsResult<()> {
        self.on_store("RestoreEventDataStore", arn, |e| {
            e.status = EventDataStoreStatus::Enabled
        })
    }
    async fn start_event_data_store_ingestion(&self, _: &str, arn: &str) -> AwsResult<()> {
        self.on_store("StartEventDataStoreIngestion", arn, |e| {
            e.status = EventDataStoreStatus::Enabled
        })
    }
    async fn stop_event_data_store_ingestion(&self, _: &str, arn: &str) -> AwsResult<()> {
        self.on_store("StopEventDataStoreIngestion", arn, |e| {
            e.status = EventDataStoreStatus::StoppedIngestion
        })
    }
    async fn register_organization_delegated_admin(&self, account: &str) -> AwsResult<()> {
        let mut s = self.call("RegisterOrganizationDelegatedAdmin");
        self.refuse_unless_management("RegisterOrganizationDelegatedAdmin")?;
        if s.delegated.iter().any(|a| a == account)
            || s.registered_in_cloudtrail_only.iter().any(|a| a == account)
        {
            return Err(AwsError::new(
                ErrorKind::AlreadyExists,
                "RegisterOrganizationDelegatedAdmin",
                "AccountRegisteredException",
                "already registered",
            ));
        }
        if !s.trusted {
            return Err(refused("RegisterOrganizationDelegatedAdmin"));
        }
        s.delegated.push(account.into());
        Ok(())
    }
    async fn deregister_organization_delegated_admin(&self, account: &str) -> AwsResult<()> {
        let mut s = self.call("DeregisterOrganizationDelegatedAdmin");
        s.delegated.retain(|a| a != account);
        Ok(())
    }
}
