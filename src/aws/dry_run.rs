//! A port that reads AWS and only pretends to write, for `orgtrail-operator plan`.
//!
//! `plan` runs the controllers' own observe → plan → act through it, so what it lists is
//! what the operator would do, call for call. Reads go to AWS. Writes are recorded, never
//! sent, and answered as AWS would answer them (the resource as declared, the way the
//! in-memory model of the unit tests answers: `types::trail_created` and friends). What
//! later reads of the same run would see changes with them: trusted access enabled by a
//! planned TrustedAccess lets the trails planned after it be created, a planned
//! registration lists the account, a restored store reads as restored.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use serde::Serialize;

use super::access::AwsClients;
use super::*;
use crate::api::selectors::EventSelectors;

/// One AWS call the operator would make.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedCall {
    /// `cloudtrail` or `organizations`.
    pub service: &'static str,
    /// The AWS operation.
    pub operation: &'static str,
    /// Where it would go (CloudTrail is regional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// What it acts on: an ARN, a name, a service principal, an account.
    pub target: String,
    /// What it would change, for people to read (`Field: before → after`, tags, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
    /// `management` when it needs the management account's role.
    pub credentials: &'static str,
}

/// What the run has written so far, as later reads of the run must see it.
#[derive(Default)]
struct Overlay {
    /// Service principals with trusted access changed: enabled or not.
    trusted: BTreeMap<String, bool>,
    /// Delegated administrator accounts registered (true) or deregistered.
    delegated: BTreeMap<String, bool>,
    /// Trails as written (`None`: deleted).
    trails: HashMap<String, Option<Trail>>,
    /// Event data stores as written (`None`: deleted).
    stores: HashMap<String, Option<EventDataStore>>,
    /// Resources this run created: nothing about them can be read from AWS.
    created: BTreeSet<String>,
    /// Tags of the resources created.
    tags: HashMap<String, BTreeMap<String, String>>,
    /// Insights put, by trail or store ARN (canonical).
    insights: HashMap<String, Insights>,
    /// Event configurations put, by trail or store ARN (canonical).
    event_configurations: HashMap<String, EventConfiguration>,
    /// Resource policies put (`Some`) or deleted (`None`), by store ARN.
    resource_policies: HashMap<String, Option<String>>,
    /// The last answer AWS gave for each trail and store read (for before → after).
    seen_trails: HashMap<String, Trail>,
    seen_stores: HashMap<String, EventDataStore>,
}

/// The state one `plan` run shares between its credentials.
#[derive(Default)]
pub struct Journal {
    calls: Mutex<Vec<PlannedCall>>,
    overlay: Mutex<Overlay>,
}

impl Journal {
    /// The calls recorded since the last `take`.
    pub fn take(&self) -> Vec<PlannedCall> {
        std::mem::take(&mut *lock(&self.calls))
    }

    fn record(&self, call: PlannedCall) {
        lock(&self.calls).push(call);
    }

    fn overlay(&self) -> MutexGuard<'_, Overlay> {
        lock(&self.overlay)
    }
}

/// A dry run over one set of credentials' clients.
pub struct DryRun {
    inner: AwsClients,
    credentials: &'static str,
    journal: Arc<Journal>,
}

impl DryRun {
    /// Dry-run clients over `inner`; `management`: these are the management role's.
    pub fn clients(inner: AwsClients, management: bool, journal: Arc<Journal>) -> AwsClients {
        let dry = Arc::new(DryRun {
            inner,
            credentials: if management { "management" } else { "operator" },
            journal,
        });
        AwsClients {
            organizations: dry.clone(),
            cloudtrail: dry,
        }
    }

    fn write(
        &self,
        service: &'static str,
        operation: &'static str,
        region: Option<&str>,
        target: impl Into<String>,
        changes: Vec<String>,
    ) {
        self.journal.record(PlannedCall {
            service,
            operation,
            region: region.map(str::to_owned),
            target: target.into(),
            changes,
            credentials: self.credentials,
        });
    }

    fn ct(
        &self,
        operation: &'static str,
        region: &str,
        target: &str,
        changes: Vec<String>,
    ) -> AwsResult<()> {
        self.write("cloudtrail", operation, Some(region), target, changes);
        Ok(())
    }

    /// The trail as this run last knows it (written, or as AWS answered).
    fn trail(&self, arn: &str) -> Option<Trail> {
        let o = self.journal.overlay();
        match o.trails.get(arn) {
            Some(t) => t.clone(),
            None => o.seen_trails.get(arn).cloned(),
        }
    }

    fn store(&self, arn: &str) -> Option<EventDataStore> {
        let o = self.journal.overlay();
        match o.stores.get(arn) {
            Some(s) => s.clone(),
            None => o.seen_stores.get(arn).cloned(),
        }
    }

    fn created(&self, arn: &str) -> bool {
        self.journal.overlay().created.contains(arn)
    }

    /// A setting's read: what this run wrote, else a new resource's default (nothing to
    /// ask AWS about), else AWS's answer.
    async fn read_back<T: Default>(
        &self,
        written: Option<T>,
        arn: &str,
        aws: impl Future<Output = AwsResult<T>>,
    ) -> AwsResult<T> {
        match written {
            Some(written) => Ok(written),
            None if self.created(arn) => Ok(T::default()),
            None => aws.await,
        }
    }

    async fn owner(&self, organization: bool) -> AwsResult<String> {
        Ok(if organization {
            self.inner
                .organizations
                .describe_organization()
                .await?
                .management_account_id
        } else {
            self.inner.organizations.caller_identity().await?.account_id
        })
    }

    fn put_trail(&self, trail: Trail) -> Trail {
        let mut o = self.journal.overlay();
        o.trails.insert(trail.arn.clone(), Some(trail.clone()));
        trail
    }

    fn put_store(&self, store: EventDataStore) -> EventDataStore {
        let mut o = self.journal.overlay();
        o.stores.insert(store.arn.clone(), Some(store.clone()));
        store
    }

    fn unknown(operation: &'static str, arn: &str) -> AwsError {
        AwsError::new(
            ErrorKind::Transient,
            operation,
            "PlanUnknownResource",
            format!("plan: {arn} was not read before {operation}"),
        )
    }
}

/// `Field: before → after` for each field sent.
fn diff(
    fields: &[&'static str],
    before: impl Fn(&str) -> String,
    after: impl Fn(&str) -> String,
) -> Vec<String> {
    fields
        .iter()
        .map(|f| format!("{f}: {} → {}", shown(before(f)), shown(after(f))))
        .collect()
}

/// A value for people: an unset one says so.
fn shown(v: String) -> String {
    if v.is_empty() { "(none)".into() } else { v }
}

fn tag_list(tags: &BTreeMap<String, String>) -> Vec<String> {
    tags.iter().map(|(k, v)| format!("{k}={v}")).collect()
}

#[async_trait]
impl Organizations for DryRun {
    async fn caller_identity(&self) -> AwsResult<CallerIdentity> {
        self.inner.organizations.caller_identity().await
    }

    async fn describe_organization(&self) -> AwsResult<Organization> {
        self.inner.organizations.describe_organization().await
    }

    async fn list_aws_service_access(&self) -> AwsResult<Vec<String>> {
        let mut principals = self.inner.organizations.list_aws_service_access().await?;
        for (principal, on) in &self.journal.overlay().trusted {
            principals.retain(|p| p != principal);
            if *on {
                principals.push(principal.clone());
            }
        }
        Ok(principals)
    }

    async fn enable_aws_service_access(&self, principal: &str) -> AwsResult<()> {
        self.write(
            "organizations",
            "EnableAWSServiceAccess",
            None,
            principal,
            vec![],
        );
        let mut o = self.journal.overlay();
        o.trusted.insert(principal.to_owned(), true);
        Ok(())
    }

    async fn disable_aws_service_access(&self, principal: &str) -> AwsResult<()> {
        self.write(
            "organizations",
            "DisableAWSServiceAccess",
            None,
            principal,
            vec![],
        );
        let mut o = self.journal.overlay();
        o.trusted.insert(principal.to_owned(), false);
        Ok(())
    }

    async fn list_delegated_administrators(&self, principal: &str) -> AwsResult<Vec<String>> {
        let mut accounts = self
            .inner
            .organizations
            .list_delegated_administrators(principal)
            .await?;
        for (account, on) in &self.journal.overlay().delegated {
            accounts.retain(|a| a != account);
            if *on {
                accounts.push(account.clone());
            }
        }
        Ok(accounts)
    }
}

#[async_trait]
impl CloudTrail for DryRun {
    async fn get_trail(&self, region: &str, arn: &str) -> AwsResult<Option<Trail>> {
        if let Some(written) = self.journal.overlay().trails.get(arn) {
            return Ok(written.clone());
        }
        let trail = self.inner.cloudtrail.get_trail(region, arn).await?;
        if let Some(t) = &trail {
            let mut o = self.journal.overlay();
            o.seen_trails.insert(t.arn.clone(), t.clone());
        }
        Ok(trail)
    }

    async fn list_trails(&self, region: &str) -> AwsResult<Vec<TrailSummary>> {
        self.inner.cloudtrail.list_trails(region).await
    }

    async fn create_trail(&self, region: &str, settings: &TrailSettings) -> AwsResult<Trail> {
        let owner = self.owner(settings.is_organization_trail).await?;
        let arn = trail_arn(region, &owner, &settings.name);
        let mut changes = vec![format!(
            "IsOrganizationTrail: {}",
            settings.is_organization_trail
        )];
        let created = trail_created(region, &arn, settings);
        changes.extend(
            TRAIL_UPDATE_FIELDS
                .iter()
                .map(|f| (f, created.field(f)))
                .filter(|(_, v)| !v.is_empty())
                .map(|(f, v)| format!("{f}: {v}")),
        );
        changes.extend(
            tag_list(&settings.tags)
                .into_iter()
                .map(|t| format!("tag {t}")),
        );
        self.ct("CreateTrail", region, &arn, changes)?;
        let mut o = self.journal.overlay();
        o.created.insert(arn.clone());
        o.tags.insert(arn.clone(), settings.tags.clone());
        drop(o);
        Ok(self.put_trail(created))
    }

    async fn update_trail(
        &self,
        region: &str,
        arn: &str,
        settings: &TrailSettings,
        fields: &[&'static str],
    ) -> AwsResult<Trail> {
        let before = self
            .trail(arn)
            .ok_or_else(|| Self::unknown("UpdateTrail", arn))?;
        let mut after = before.clone();
        after.update_fields(settings, fields);
        let sent = trail_update_fields(fields);
        let changes = diff(&sent, |f| before.field(f), |f| after.field(f));
        self.ct("UpdateTrail", region, arn, changes)?;
        Ok(self.put_trail(after))
    }

    async fn set_organization_trail(&self, region: &str, arn: &str, org: bool) -> AwsResult<Trail> {
        let mut trail = self
            .trail(arn)
            .ok_or_else(|| Self::unknown("UpdateTrail", arn))?;
        let change = format!(
            "IsOrganizationTrail: {} → {org}",
            trail.is_organization_trail
        );
        self.ct("UpdateTrail", region, arn, vec![change])?;
        trail.is_organization_trail = org;
        Ok(self.put_trail(trail))
    }

    async fn delete_trail(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("DeleteTrail", region, arn, vec![])?;
        self.journal.overlay().trails.insert(arn.to_owned(), None);
        Ok(())
    }

    async fn get_trail_status(&self, region: &str, arn: &str) -> AwsResult<TrailStatus> {
        if self.created(arn) {
            return Ok(TrailStatus::default());
        }
        self.inner.cloudtrail.get_trail_status(region, arn).await
    }

    async fn start_logging(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("StartLogging", region, arn, vec![])
    }

    async fn stop_logging(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("StopLogging", region, arn, vec![])
    }

    async fn get_event_selectors(&self, region: &str, arn: &str) -> AwsResult<EventSelectors> {
        if self.created(arn) {
            return Ok(aws_default_selectors());
        }
        self.inner.cloudtrail.get_event_selectors(region, arn).await
    }

    async fn put_event_selectors(
        &self,
        region: &str,
        arn: &str,
        selectors: &EventSelectors,
    ) -> AwsResult<()> {
        let (kind, json) = match selectors {
            EventSelectors::Basic(s) => ("EventSelectors", serde_json::to_string(s)),
            EventSelectors::Advanced(s) => ("AdvancedEventSelectors", serde_json::to_string(s)),
        };
        let change = format!("{kind}: {}", json.unwrap_or_default());
        self.ct("PutEventSelectors", region, arn, vec![change])
    }

    async fn get_insight_selectors(&self, region: &str, target: Target<'_>) -> AwsResult<Insights> {
        let arn = target.arn();
        let written = self.journal.overlay().insights.get(arn).cloned();
        let aws = self.inner.cloudtrail.get_insight_selectors(region, target);
        self.read_back(written, arn, aws).await
    }

    async fn put_insight_selectors(
        &self,
        region: &str,
        target: Target<'_>,
        insights: &Insights,
    ) -> AwsResult<()> {
        let insights = insights.clone().canonical();
        let mut changes: Vec<String> = insights
            .selectors
            .iter()
            .map(|s| {
                let categories: Vec<_> = s.event_categories.iter().map(|c| c.as_str()).collect();
                format!("{}: {}", s.insight_type.as_str(), categories.join(", "))
            })
            .collect();
        if changes.is_empty() {
            changes.push("Insights: off".into());
        }
        if let Some(d) = &insights.destination {
            changes.push(format!("InsightsDestination: {d}"));
        }
        let arn = target.arn();
        self.ct("PutInsightSelectors", region, arn, changes)?;
        if let Target::Trail(_) = target
            && let Some(mut trail) = self.trail(arn)
        {
            trail.has_insight_selectors = !insights.selectors.is_empty();
            self.put_trail(trail);
        }
        self.journal
            .overlay()
            .insights
            .insert(arn.to_owned(), insights);
        Ok(())
    }

    async fn get_event_configuration(
        &self,
        region: &str,
        target: Target<'_>,
    ) -> AwsResult<EventConfiguration> {
        let arn = target.arn();
        let written = self
            .journal
            .overlay()
            .event_configurations
            .get(arn)
            .cloned();
        let aws = self
            .inner
            .cloudtrail
            .get_event_configuration(region, target);
        self.read_back(written, arn, aws).await
    }

    async fn put_event_configuration(
        &self,
        region: &str,
        target: Target<'_>,
        configuration: &EventConfiguration,
    ) -> AwsResult<()> {
        let x = configuration.clone().canonical();
        let changes = match target {
            Target::Trail(_) => {
                let aggregations: Vec<String> = x
                    .aggregation_configurations
                    .iter()
                    .map(|a| {
                        let templates: Vec<_> = a.templates.iter().map(|t| t.as_str()).collect();
                        format!("{:?}: {}", a.event_category, templates.join(", "))
                    })
                    .collect();
                vec![format!(
                    "AggregationConfigurations: {}",
                    shown(aggregations.join("; "))
                )]
            }
            Target::EventDataStore(_) => {
                let keys: Vec<String> = x
                    .context_key_selectors
                    .iter()
                    .map(|k| format!("{}={}", k.type_.as_str(), k.equals.join(",")))
                    .collect();
                vec![
                    format!(
                        "MaxEventSize: {}",
                        shown(
                            x.max_event_size
                                .map(|m| m.as_str().to_owned())
                                .unwrap_or_default()
                        )
                    ),
                    format!("ContextKeySelectors: {}", shown(keys.join("; "))),
                ]
            }
        };
        let arn = target.arn();
        self.ct("PutEventConfiguration", region, arn, changes)?;
        self.journal
            .overlay()
            .event_configurations
            .insert(arn.to_owned(), x);
        Ok(())
    }

    async fn enable_federation(&self, region: &str, arn: &str, role_arn: &str) -> AwsResult<()> {
        let mut changes = vec![];
        let store = self.store(arn);
        if let Some(s) = &store {
            changes.push(format!(
                "FederationStatus: {} → {}",
                s.federation_status.as_str(),
                FederationStatus::Enabled.as_str()
            ));
        }
        changes.push(format!("FederationRoleArn: {role_arn}"));
        self.ct("EnableFederation", region, arn, changes)?;
        if let Some(mut s) = store {
            s.federation_status = FederationStatus::Enabled;
            s.federation_role_arn = Some(role_arn.to_owned());
            self.put_store(s);
        }
        Ok(())
    }

    async fn disable_federation(&self, region: &str, arn: &str) -> AwsResult<()> {
        let store = self.store(arn);
        let changes = store
            .iter()
            .map(|s| {
                format!(
                    "FederationStatus: {} → {}",
                    s.federation_status.as_str(),
                    FederationStatus::Disabled.as_str()
                )
            })
            .collect();
        self.ct("DisableFederation", region, arn, changes)?;
        if let Some(mut s) = store {
            s.federation_status = FederationStatus::Disabled;
            s.federation_role_arn = None;
            self.put_store(s);
        }
        Ok(())
    }

    async fn get_resource_policy(&self, region: &str, arn: &str) -> AwsResult<Option<String>> {
        let written = self.journal.overlay().resource_policies.get(arn).cloned();
        let aws = self.inner.cloudtrail.get_resource_policy(region, arn);
        self.read_back(written, arn, aws).await
    }

    async fn put_resource_policy(&self, region: &str, arn: &str, policy: &str) -> AwsResult<()> {
        self.ct(
            "PutResourcePolicy",
            region,
            arn,
            vec![format!("ResourcePolicy: {policy}")],
        )?;
        self.journal
            .overlay()
            .resource_policies
            .insert(arn.to_owned(), Some(policy.to_owned()));
        Ok(())
    }

    async fn delete_resource_policy(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("DeleteResourcePolicy", region, arn, vec![])?;
        self.journal
            .overlay()
            .resource_policies
            .insert(arn.to_owned(), None);
        Ok(())
    }

    async fn list_tags(&self, region: &str, arn: &str) -> AwsResult<BTreeMap<String, String>> {
        if let Some(tags) = self.journal.overlay().tags.get(arn) {
            return Ok(tags.clone());
        }
        self.inner.cloudtrail.list_tags(region, arn).await
    }

    async fn add_tags(
        &self,
        region: &str,
        arn: &str,
        tags: &BTreeMap<String, String>,
    ) -> AwsResult<()> {
        self.ct("AddTags", region, arn, tag_list(tags))
    }

    async fn remove_tags(&self, region: &str, arn: &str, keys: &[String]) -> AwsResult<()> {
        self.ct("RemoveTags", region, arn, keys.to_vec())
    }

    async fn list_event_data_stores(&self, region: &str) -> AwsResult<Vec<EventDataStoreSummary>> {
        self.inner.cloudtrail.list_event_data_stores(region).await
    }

    async fn get_event_data_store(
        &self,
        region: &str,
        arn: &str,
    ) -> AwsResult<Option<EventDataStore>> {
        if let Some(written) = self.journal.overlay().stores.get(arn) {
            return Ok(written.clone());
        }
        let store = self
            .inner
            .cloudtrail
            .get_event_data_store(region, arn)
            .await?;
        if let Some(s) = &store {
            let mut o = self.journal.overlay();
            o.seen_stores.insert(s.arn.clone(), s.clone());
        }
        Ok(store)
    }

    async fn create_event_data_store(
        &self,
        region: &str,
        settings: &EventDataStoreSettings,
    ) -> AwsResult<EventDataStore> {
        // AWS names a new store's ARN with an id of its own choosing.
        let owner = self.owner(settings.organization_enabled).await?;
        let arn = format!(
            "arn:aws:cloudtrail:{region}:{owner}:eventdatastore/(new {})",
            settings.name
        );
        let created = event_data_store_created(&arn, settings);
        let mut changes: Vec<String> = [
            "OrganizationEnabled",
            "MultiRegionEnabled",
            "RetentionPeriod",
            "TerminationProtectionEnabled",
            "BillingMode",
            "KmsKeyId",
        ]
        .iter()
        .map(|f| (f, created.field(f)))
        .filter(|(_, v)| !v.is_empty())
        .map(|(f, v)| format!("{f}: {v}"))
        .collect();
        changes.extend(
            tag_list(&settings.tags)
                .into_iter()
                .map(|t| format!("tag {t}")),
        );
        self.write(
            "cloudtrail",
            "CreateEventDataStore",
            Some(region),
            settings.name.clone(),
            changes,
        );
        let mut o = self.journal.overlay();
        o.created.insert(arn.clone());
        o.tags.insert(arn.clone(), settings.tags.clone());
        drop(o);
        Ok(self.put_store(created))
    }

    async fn update_event_data_store(
        &self,
        region: &str,
        arn: &str,
        settings: &EventDataStoreSettings,
        fields: &[&'static str],
    ) -> AwsResult<EventDataStore> {
        let before = self
            .store(arn)
            .ok_or_else(|| Self::unknown("UpdateEventDataStore", arn))?;
        let mut after = before.clone();
        after.update_fields(settings, fields);
        let changes = diff(fields, |f| before.field(f), |f| after.field(f));
        self.ct("UpdateEventDataStore", region, arn, changes)?;
        Ok(self.put_store(after))
    }

    async fn set_event_data_store_organization_enabled(
        &self,
        region: &str,
        arn: &str,
        org: bool,
    ) -> AwsResult<EventDataStore> {
        let mut store = self
            .store(arn)
            .ok_or_else(|| Self::unknown("UpdateEventDataStore", arn))?;
        let change = format!(
            "OrganizationEnabled: {} → {org}",
            store.organization_enabled
        );
        self.ct("UpdateEventDataStore", region, arn, vec![change])?;
        store.organization_enabled = org;
        Ok(self.put_store(store))
    }

    async fn set_termination_protection(
        &self,
        region: &str,
        arn: &str,
        enabled: bool,
    ) -> AwsResult<EventDataStore> {
        let mut store = self
            .store(arn)
            .ok_or_else(|| Self::unknown("UpdateEventDataStore", arn))?;
        let change = format!(
            "TerminationProtectionEnabled: {} → {enabled}",
            store.termination_protection_enabled
        );
        self.ct("UpdateEventDataStore", region, arn, vec![change])?;
        store.termination_protection_enabled = enabled;
        Ok(self.put_store(store))
    }

    async fn delete_event_data_store(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("DeleteEventDataStore", region, arn, vec![])?;
        self.journal.overlay().stores.insert(arn.to_owned(), None);
        Ok(())
    }

    async fn restore_event_data_store(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("RestoreEventDataStore", region, arn, vec![])?;
        if let Some(mut store) = self.store(arn) {
            store.status = EventDataStoreStatus::Enabled;
            self.put_store(store);
        }
        Ok(())
    }

    async fn start_event_data_store_ingestion(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("StartEventDataStoreIngestion", region, arn, vec![])
    }

    async fn stop_event_data_store_ingestion(&self, region: &str, arn: &str) -> AwsResult<()> {
        self.ct("StopEventDataStoreIngestion", region, arn, vec![])
    }

    async fn register_organization_delegated_admin(&self, account: &str) -> AwsResult<()> {
        self.write(
            "cloudtrail",
            "RegisterOrganizationDelegatedAdmin",
            None,
            account,
            vec![],
        );
        let mut o = self.journal.overlay();
        o.delegated.insert(account.to_owned(), true);
        Ok(())
    }

    async fn deregister_organization_delegated_admin(&self, account: &str) -> AwsResult<()> {
        self.write(
            "cloudtrail",
            "DeregisterOrganizationDelegatedAdmin",
            None,
            account,
            vec![],
        );
        let mut o = self.journal.overlay();
        o.delegated.insert(account.to_owned(), false);
        Ok(())
    }
}

/// A poisoned lock only means a panic elsewhere; the journal itself stays consistent.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::MemoryAws;

    fn dry(memory: &Arc<MemoryAws>, journal: &Arc<Journal>) -> AwsClients {
        let clients = AwsClients {
            organizations: memory.clone(),
            cloudtrail: memory.clone(),
        };
        DryRun::clients(clients, false, journal.clone())
    }

    #[tokio::test]
    async fn writes_are_recorded_not_sent_and_later_reads_of_the_run_see_them() {
        let memory = Arc::new(MemoryAws::new(false));
        let journal = Arc::new(Journal::default());
        let aws = dry(&memory, &journal);
        let principal = CLOUDTRAIL_SERVICE_PRINCIPAL;
        aws.organizations
            .enable_aws_service_access(principal)
            .await
            .unwrap();
        let settings = TrailSettings {
            name: "audit".into(),
            s3_bucket_name: "logs".into(),
            is_organization_trail: true,
            ..Default::default()
        };
        let trail = aws
            .cloudtrail
            .create_trail("eu-west-1", &settings)
            .await
            .unwrap();
        aws.cloudtrail
            .start_logging("eu-west-1", &trail.arn)
            .await
            .unwrap();

        // Nothing reached AWS but reads.
        let sent = memory.take_calls();
        assert!(
            sent.iter().all(|op| ["Describe", "Get", "List"]
                .iter()
                .any(|r| op.starts_with(r))),
            "{sent:?}"
        );
        assert!(
            !memory
                .list_aws_service_access()
                .await
                .unwrap()
                .contains(&principal.to_owned())
        );
        // The run itself sees what it planned.
        assert!(
            aws.organizations
                .list_aws_service_access()
                .await
                .unwrap()
                .contains(&principal.to_owned())
        );
        assert_eq!(
            aws.cloudtrail
                .get_trail("eu-west-1", &trail.arn)
                .await
                .unwrap(),
            Some(trail.clone())
        );
        let planned: Vec<_> = journal.take().iter().map(|c| c.operation).collect();
        assert_eq!(
            planned,
            ["EnableAWSServiceAccess", "CreateTrail", "StartLogging"]
        );
        assert!(journal.take().is_empty());
    }

    #[tokio::test]
    async fn an_update_shows_each_field_before_and_after() {
        let memory = Arc::new(MemoryAws::new(true));
        let settings = TrailSettings {
            name: "audit".into(),
            s3_bucket_name: "logs".into(),
            ..Default::default()
        };
        let trail = memory.create_trail("eu-west-1", &settings).await.unwrap();
        let journal = Arc::new(Journal::default());
        let aws = dry(&memory, &journal);
        aws.cloudtrail
            .get_trail("eu-west-1", &trail.arn)
            .await
            .unwrap();
        let wanted = TrailSettings {
            s3_key_prefix: Some("org".into()),
            ..settings
        };
        let updated = aws
            .cloudtrail
            .update_trail("eu-west-1", &trail.arn, &wanted, &["S3KeyPrefix"])
            .await
            .unwrap();
        assert_eq!(updated.s3_key_prefix.as_deref(), Some("org"));
        let calls = journal.take();
        assert_eq!(calls[0].changes, ["S3KeyPrefix: (none) → org"]);
        assert_eq!(
            memory.get_trail("eu-west-1", &trail.arn).await.unwrap(),
            Some(trail)
        );
    }

    #[tokio::test]
    async fn settings_writes_are_recorded_and_read_back_within_the_run() {
        let memory = Arc::new(MemoryAws::new(true));
        let region = "eu-west-1";
        let (trail, store) = crate::aws::memory::trail_and_store(&memory, region).await;
        memory.take_calls();
        let journal = Arc::new(Journal::default());
        let aws = dry(&memory, &journal);
        let ct = &aws.cloudtrail;
        ct.get_trail(region, &trail.arn).await.unwrap();
        ct.get_event_data_store(region, &store.arn).await.unwrap();

        let insights = Insights {
            selectors: vec![InsightSelector {
                insight_type: crate::api::selectors::InsightType::ApiCallRateInsight,
                event_categories: vec![SourceEventCategory::Data, SourceEventCategory::Management],
            }],
            destination: None,
        };
        let trail_target = Target::Trail(&trail.arn);
        ct.put_insight_selectors(region, trail_target, &insights)
            .await
            .unwrap();
        let configuration = EventConfiguration {
            max_event_size: Some(MaxEventSize::Large),
            ..Default::default()
        };
        let store_target = Target::EventDataStore(&store.arn);
        ct.put_event_configuration(region, store_target, &configuration)
            .await
            .unwrap();
        ct.enable_federation(region, &store.arn, "arn:aws:iam::111111111111:role/f")
            .await
            .unwrap();
        ct.put_resource_policy(region, &store.arn, "{}")
            .await
            .unwrap();

        // Nothing but reads reached AWS.
        let sent = memory.take_calls();
        assert!(sent.iter().all(|op| op.starts_with("Get")), "{sent:?}");
        assert_eq!(
            memory
                .get_resource_policy(region, &store.arn)
                .await
                .unwrap(),
            None
        );
        // The run sees what it planned.
        assert_eq!(
            ct.get_insight_selectors(region, trail_target)
                .await
                .unwrap(),
            insights.clone().canonical()
        );
        assert!(
            ct.get_trail(region, &trail.arn)
                .await
                .unwrap()
                .unwrap()
                .has_insight_selectors
        );
        assert_eq!(
            ct.get_event_configuration(region, store_target)
                .await
                .unwrap(),
            configuration
        );
        let federated = ct
            .get_event_data_store(region, &store.arn)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(federated.federation_status, FederationStatus::Enabled);
        assert_eq!(
            ct.get_resource_policy(region, &store.arn).await.unwrap(),
            Some("{}".to_owned())
        );
        ct.delete_resource_policy(region, &store.arn).await.unwrap();
        assert_eq!(
            ct.get_resource_policy(region, &store.arn).await.unwrap(),
            None
        );

        let calls = journal.take();
        let planned: Vec<_> = calls.iter().map(|c| c.operation).collect();
        assert_eq!(
            planned,
            [
                "PutInsightSelectors",
                "PutEventConfiguration",
                "EnableFederation",
                "PutResourcePolicy",
                "DeleteResourcePolicy"
            ]
        );
        assert_eq!(calls[0].changes, ["ApiCallRateInsight: Management, Data"]);
        assert_eq!(
            calls[1].changes,
            ["MaxEventSize: Large", "ContextKeySelectors: (none)"]
        );
        assert_eq!(
            calls[2].changes,
            [
                "FederationStatus: DISABLED → ENABLED",
                "FederationRoleArn: arn:aws:iam::111111111111:role/f"
            ]
        );
    }
}
