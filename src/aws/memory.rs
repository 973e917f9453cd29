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
use crate::api::selectors::EventSelectors;

/// The management account of the model.
pub const MANAGEMENT: &str = "111111111111";

/// A trail and what CloudTrail keeps beside it.
#[derive(Clone, Debug)]
pub struct TrailState {
    /// `GetTrail`'s view.
    pub trail: Trail,
    /// Event selectors.
    pub selectors: EventSelectors,
    /// Insight selectors (canonical; empty: Insights off).
    pub insights: Insights,
    /// `PutEventConfiguration`'s aggregations.
    pub event_configuration: EventConfiguration,
    /// Logging.
    pub logging: bool,
}

/// What CloudTrail keeps beside an event data store (federation is on the store itself).
#[derive(Clone, Debug, Default)]
pub struct StoreSettings {
    /// Insight selectors and destination (canonical; empty: Insights off).
    pub insights: Insights,
    /// `PutEventConfiguration`'s maximum event size and context keys.
    pub event_configuration: EventConfiguration,
    /// The resource-based policy.
    pub resource_policy: Option<String>,
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
    /// What CloudTrail keeps beside each store, by ARN (absent: AWS's defaults).
    pub store_settings: BTreeMap<String, StoreSettings>,
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

fn invalid(op: &'static str, code: &str, message: &str) -> AwsError {
    AwsError::new(ErrorKind::InvalidInput, op, code, message)
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

    /// Call `op` on what CloudTrail keeps beside the store at `arn`, if this account sees
    /// the store.
    fn on_store_settings<T>(
        &self,
        op: &'static str,
        arn: &str,
        f: impl FnOnce(&mut StoreSettings) -> AwsResult<T>,
    ) -> AwsResult<T> {
        let mut s = self.call(op);
        self.store(&mut s, op, arn)?;
        f(s.store_settings.entry(arn.to_owned()).or_default())
    }

    /// Call `op` on the resource policy of the store at `arn` (trails have none).
    fn on_policy<T>(
        &self,
        op: &'static str,
        arn: &str,
        f: impl FnOnce(&mut Option<String>) -> AwsResult<T>,
    ) -> AwsResult<T> {
        if self.state.lock().unwrap().trails.contains_key(arn) {
            self.record(op);
            return Err(invalid(
                op,
                "ResourceTypeNotSupportedException",
                "trails take no resource policy",
            ));
        }
        self.on_store_settings(op, arn, |e| f(&mut e.resource_policy))
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
                insights: Insights::default(),
                event_configuration: EventConfiguration::default(),
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
    async fn get_insight_selectors(&self, _: &str, target: Target<'_>) -> AwsResult<Insights> {
        const OP: &str = "GetInsightSelectors";
        match target {
            Target::Trail(arn) => self.on_trail(OP, arn, |t| t.insights.clone()),
            Target::EventDataStore(arn) => {
                self.on_store_settings(OP, arn, |e| Ok(e.insights.clone()))
            }
        }
    }
    async fn put_insight_selectors(
        &self,
        _: &str,
        target: Target<'_>,
        x: &Insights,
    ) -> AwsResult<()> {
        const OP: &str = "PutInsightSelectors";
        let combination = "InvalidParameterCombinationException";
        let insights = x.clone().canonical();
        match target {
            Target::Trail(_) if insights.destination.is_some() => Err(invalid(
                OP,
                combination,
                "TrailName cannot be used with InsightsDestination",
            )),
            Target::Trail(arn) => self.on_trail(OP, arn, |t| {
                t.trail.has_insight_selectors = !insights.selectors.is_empty();
                t.insights = insights;
            }),
            Target::EventDataStore(arn) => self.on_store_settings(OP, arn, |e| {
                if insights.selectors.is_empty() {
                    // Off: the destination goes with the selectors.
                    e.insights = Insights::default();
                    return Ok(());
                }
                if insights.destination.is_none() {
                    return Err(invalid(OP, combination, "InsightsDestination is required"));
                }
                if insights
                    .selectors
                    .iter()
                    .any(|s| s.event_categories.contains(&SourceEventCategory::Data))
                {
                    return Err(invalid(
                        OP,
                        "InvalidInsightSelectorsException",
                        "no Insights on data events of event data stores",
                    ));
                }
                e.insights = insights;
                Ok(())
            }),
        }
    }
    async fn get_event_configuration(
        &self,
        _: &str,
        target: Target<'_>,
    ) -> AwsResult<EventConfiguration> {
        const OP: &str = "GetEventConfiguration";
        match target {
            Target::Trail(arn) => self.on_trail(OP, arn, |t| t.event_configuration.clone()),
            Target::EventDataStore(arn) => {
                self.on_store_settings(OP, arn, |e| Ok(e.event_configuration.clone()))
            }
        }
    }
    async fn put_event_configuration(
        &self,
        _: &str,
        target: Target<'_>,
        x: &EventConfiguration,
    ) -> AwsResult<()> {
        const OP: &str = "PutEventConfiguration";
        let combination = "InvalidParameterCombinationException";
        let x = x.clone().canonical();
        match target {
            Target::Trail(_)
                if x.max_event_size.is_some() || !x.context_key_selectors.is_empty() =>
            {
                Err(invalid(
                    OP,
                    combination,
                    "MaxEventSize and ContextKeySelectors are for event data stores",
                ))
            }
            Target::Trail(arn) => self.on_trail(OP, arn, |t| t.event_configuration = x),
            Target::EventDataStore(_) if !x.aggregation_configurations.is_empty() => Err(invalid(
                OP,
                combination,
                "AggregationConfigurations are for trails",
            )),
            Target::EventDataStore(_)
                if !x.context_key_selectors.is_empty()
                    && x.max_event_size != Some(MaxEventSize::Large) =>
            {
                Err(invalid(
                    OP,
                    combination,
                    "ContextKeySelectors need MaxEventSize Large",
                ))
            }
            Target::EventDataStore(arn) => self.on_store_settings(OP, arn, |e| {
                e.event_configuration = x;
                Ok(())
            }),
        }
    }
    async fn enable_federation(&self, _: &str, arn: &str, role_arn: &str) -> AwsResult<()> {
        const OP: &str = "EnableFederation";
        let mut s = self.call(OP);
        let e = self.store(&mut s, OP, arn)?;
        if e.federation_status.heading_to() == Some(true) {
            return Err(AwsError::new(
                ErrorKind::Conflict,
                OP,
                "EventDataStoreFederationEnabledException",
                "federation is already enabled",
            ));
        }
        e.federation_status = FederationStatus::Enabled;
        e.federation_role_arn = Some(role_arn.to_owned());
        Ok(())
    }
    async fn disable_federation(&self, _: &str, arn: &str) -> AwsResult<()> {
        self.on_store("DisableFederation", arn, |e| {
            e.federation_status = FederationStatus::Disabled;
            e.federation_role_arn = None;
        })
    }
    async fn get_resource_policy(&self, _: &str, arn: &str) -> AwsResult<Option<String>> {
        self.on_policy("GetResourcePolicy", arn, |p| Ok(p.clone()))
    }
    async fn put_resource_policy(&self, _: &str, arn: &str, policy: &str) -> AwsResult<()> {
        const OP: &str = "PutResourcePolicy";
        if serde_json::from_str::<serde_json::Value>(policy).is_err() {
            return Err(invalid(OP, "ResourcePolicyNotValidException", "not JSON"));
        }
        self.on_policy(OP, arn, |p| {
            *p = Some(policy.to_owned());
            Ok(())
        })
    }
    async fn delete_resource_policy(&self, _: &str, arn: &str) -> AwsResult<()> {
        const OP: &str = "DeleteResourcePolicy";
        self.on_policy(OP, arn, |p| match p.take() {
            Some(_) => Ok(()),
            None => Err(AwsError::new(
                ErrorKind::NotFound,
                OP,
                "ResourcePolicyNotFoundException",
                "no resource policy",
            )),
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
        if e.federation_status.heading_to() != Some(false) {
            return Err(invalid(
                "DeleteEventDataStore",
                "EventDataStoreFederationEnabledException",
                "disable federation first",
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

/// A trail `audit` (bucket `logs`) and a store `lake`, created in `region` with AWS's
/// defaults (for tests of the settings calls).
pub async fn trail_and_store(aws: &MemoryAws, region: &str) -> (Trail, EventDataStore) {
    let trail = aws
        .create_trail(
            region,
            &TrailSettings {
                name: "audit".into(),
                s3_bucket_name: "logs".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let store = aws
        .create_event_data_store(
            region,
            &EventDataStoreSettings {
                name: "lake".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    (trail, store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::selectors::InsightType;

    const REGION: &str = "eu-west-1";

    #[tokio::test]
    async fn new_resources_have_aws_defaults() {
        let aws = MemoryAws::new(true);
        let (trail, store) = trail_and_store(&aws, REGION).await;
        assert!(trail.recursive_logging);
        assert_eq!(store.federation_status, FederationStatus::Disabled);
        for target in [
            Target::Trail(&trail.arn),
            Target::EventDataStore(&store.arn),
        ] {
            assert_eq!(
                aws.get_insight_selectors(REGION, target).await.unwrap(),
                Insights::default()
            );
            assert_eq!(
                aws.get_event_configuration(REGION, target).await.unwrap(),
                EventConfiguration::default()
            );
        }
        assert_eq!(
            aws.get_resource_policy(REGION, &store.arn).await.unwrap(),
            None
        );
    }

    #[tokio::test]
    async fn gets_return_what_puts_stored() {
        let aws = MemoryAws::new(true);
        let (trail, store) = trail_and_store(&aws, REGION).await;
        let insights = Insights {
            selectors: vec![InsightSelector {
                insight_type: InsightType::ApiErrorRateInsight,
                event_categories: vec![],
            }],
            destination: None,
        };
        let t = Target::Trail(&trail.arn);
        aws.put_insight_selectors(REGION, t, &insights)
            .await
            .unwrap();
        assert_eq!(
            aws.get_insight_selectors(REGION, t).await.unwrap(),
            insights.clone().canonical()
        );
        assert!(
            aws.state.lock().unwrap().trails[&trail.arn]
                .trail
                .has_insight_selectors
        );
        aws.put_insight_selectors(REGION, t, &Insights::default())
            .await
            .unwrap();
        assert!(
            !aws.state.lock().unwrap().trails[&trail.arn]
                .trail
                .has_insight_selectors
        );

        let e = Target::EventDataStore(&store.arn);
        let err = aws
            .put_insight_selectors(REGION, e, &insights)
            .await
            .unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::InvalidInput,
            "a store needs a destination"
        );
        let with_destination = Insights {
            destination: Some("dest".into()),
            ..insights
        };
        aws.put_insight_selectors(REGION, e, &with_destination)
            .await
            .unwrap();
        assert_eq!(
            aws.get_insight_selectors(REGION, e).await.unwrap(),
            with_destination.canonical()
        );

        let keys = EventConfiguration {
            max_event_size: Some(MaxEventSize::Standard),
            context_key_selectors: vec![ContextKeySelector {
                type_: crate::api::settings::ContextKeyType::TagContext,
                equals: vec!["team".into()],
            }],
            aggregation_configurations: vec![],
        };
        let err = aws
            .put_event_configuration(REGION, e, &keys)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidInput, "context keys need Large");
        let keys = EventConfiguration {
            max_event_size: Some(MaxEventSize::Large),
            ..keys
        };
        aws.put_event_configuration(REGION, e, &keys).await.unwrap();
        assert_eq!(aws.get_event_configuration(REGION, e).await.unwrap(), keys);

        aws.enable_federation(REGION, &store.arn, "role")
            .await
            .unwrap();
        let err = aws
            .delete_event_data_store(REGION, &store.arn)
            .await
            .unwrap_err();
        assert_eq!(err.code, "EventDataStoreFederationEnabledException");
        let got = aws
            .get_event_data_store(REGION, &store.arn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.federation_status, FederationStatus::Enabled);
        assert_eq!(got.federation_role_arn.as_deref(), Some("role"));
        aws.disable_federation(REGION, &store.arn).await.unwrap();
        aws.delete_event_data_store(REGION, &store.arn)
            .await
            .unwrap();

        aws.put_resource_policy(REGION, &store.arn, "{}")
            .await
            .unwrap();
        assert_eq!(
            aws.get_resource_policy(REGION, &store.arn).await.unwrap(),
            Some("{}".into())
        );
        aws.delete_resource_policy(REGION, &store.arn)
            .await
            .unwrap();
        let err = aws
            .delete_resource_policy(REGION, &store.arn)
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound);
        let err = aws
            .put_resource_policy(REGION, &trail.arn, "{}")
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::InvalidInput, "trails take no policy");
    }
}
