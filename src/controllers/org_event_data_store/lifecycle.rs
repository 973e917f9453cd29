//! What event data stores add to the shared lifecycle of organization-scoped resources.

use std::collections::BTreeMap;

use async_trait::async_trait;

use super::plan::{self, StoreDetails, StoreStep};
use crate::api::{OrgEventDataStoreSpec, OrgEventDataStoreStatus};
use crate::aws::{
    AwsResult, CloudTrail, EventDataStore, EventDataStoreSettings, EventDataStoreStatus,
    FederationStatus, Target, arn_region_and_account,
};
use crate::controllers::org_scoped::OrgScoped;
use crate::controllers::org_scoped::plan::Step;

/// Event data stores in the shared lifecycle.
#[derive(Debug, PartialEq)]
pub struct Stores;

#[async_trait]
impl OrgScoped for Stores {
    const WHAT: &'static str = "event data store";
    const ACCOUNT_LEVEL: &'static str = "account-level";
    const ORGANIZATION_LEVEL: &'static str = "organization-enabled";
    type Spec = OrgEventDataStoreSpec;
    type Status = OrgEventDataStoreStatus;
    type Resource = EventDataStore;
    type Details = StoreDetails;
    type Settings = EventDataStoreSettings;
    type Step = StoreStep;

    fn arn(store: &EventDataStore) -> &str {
        &store.arn
    }

    fn organization(store: &EventDataStore) -> bool {
        store.organization_enabled
    }

    /// A store deleted by hand sits in PENDING_DELETION for 7 days, where AWS refuses even
    /// ListTags; it can be restored.
    fn pending_deletion(store: &EventDataStore) -> Option<StoreStep> {
        (store.status == EventDataStoreStatus::PendingDeletion).then_some(StoreStep::Restore)
    }

    fn drift(spec: &OrgEventDataStoreSpec, store: &EventDataStore) -> Vec<&'static str> {
        plan::drift(spec, store)
    }

    fn new_details(_: &EventDataStore) -> StoreDetails {
        StoreDetails::of_new_store()
    }

    fn reconfigure(
        spec: &OrgEventDataStoreSpec,
        store: &EventDataStore,
        details: &StoreDetails,
    ) -> Vec<StoreStep> {
        plan::reconfigure(spec, store, details)
    }

    fn restores(step: &StoreStep) -> Option<&'static str> {
        plan::restores(step)
    }

    fn activity(
        spec: &OrgEventDataStoreSpec,
        _: &OrgEventDataStoreStatus,
        store: &EventDataStore,
        _: &StoreDetails,
    ) -> Vec<Step<Self>> {
        plan::ingestion(spec, store)
            .map(Step::Kind)
            .into_iter()
            .collect()
    }

    fn scoped(settings: &EventDataStoreSettings, organization: bool) -> EventDataStoreSettings {
        EventDataStoreSettings {
            organization_enabled: organization,
            ..settings.clone()
        }
    }

    fn tags(settings: &EventDataStoreSettings) -> &BTreeMap<String, String> {
        &settings.tags
    }

    fn record(
        status: &mut OrgEventDataStoreStatus,
        _: &OrgEventDataStoreSpec,
        store: &EventDataStore,
        _ready: bool,
    ) {
        status.arn = Some(store.arn.clone());
        if let Some((home, owner_account)) = arn_region_and_account(&store.arn) {
            status.home_region = Some(home.to_string());
            status.owner_account_id = Some(owner_account.to_string());
        }
        status.organization_enabled = Some(store.organization_enabled);
        status.status = Some(plan::status_str(&store.status));
        status.federation_status = Some(store.federation_status.as_str().to_string());
    }

    /// By the ARN we recorded, else by name (store ARNs carry a random id).
    async fn find(
        ct: &dyn CloudTrail,
        region: &str,
        arn: Option<&str>,
        name: &str,
    ) -> AwsResult<Option<EventDataStore>> {
        if let Some(arn) = arn
            && let Some(store) = ct.get_event_data_store(region, arn).await?
        {
            return Ok(Some(store));
        }
        for summary in ct.list_event_data_stores(region).await? {
            if summary.name == name {
                return ct.get_event_data_store(region, &summary.arn).await;
            }
        }
        Ok(None)
    }

    /// Only what the spec declares: each read costs a call (and, for a store without a
    /// policy or Insights, an error record in the customer's trail).
    async fn details(
        ct: &dyn CloudTrail,
        region: &str,
        spec: &OrgEventDataStoreSpec,
        store: &EventDataStore,
    ) -> AwsResult<StoreDetails> {
        let target = Target::EventDataStore(&store.arn);
        let mut details = StoreDetails::default();
        if plan::declares_event_configuration(spec) {
            details.event_configuration = Some(ct.get_event_configuration(region, target).await?);
        }
        if spec.resource_policy.is_some() {
            details.resource_policy = Some(ct.get_resource_policy(region, &store.arn).await?);
        }
        if spec.insight_selectors.is_some() {
            details.insights = Some(ct.get_insight_selectors(region, target).await?);
        }
        Ok(details)
    }

    async fn create(
        ct: &dyn CloudTrail,
        region: &str,
        settings: &EventDataStoreSettings,
    ) -> AwsResult<EventDataStore> {
        ct.create_event_data_store(region, settings).await
    }

    async fn convert(
        ct: &dyn CloudTrail,
        region: &str,
        store: &EventDataStore,
        organization: bool,
    ) -> AwsResult<EventDataStore> {
        ct.set_event_data_store_organization_enabled(region, &store.arn, organization)
            .await
    }

    async fn update(
        ct: &dyn CloudTrail,
        region: &str,
        store: &EventDataStore,
        settings: &EventDataStoreSettings,
        fields: &[&'static str],
    ) -> AwsResult<EventDataStore> {
        ct.update_event_data_store(region, &store.arn, settings, fields)
            .await
    }

    async fn step(
        ct: &dyn CloudTrail,
        region: &str,
        store: &mut EventDataStore,
        step: &StoreStep,
    ) -> AwsResult<()> {
        let arn = store.arn.as_str();
        match step {
            StoreStep::Restore => ct.restore_event_data_store(region, arn).await,
            StoreStep::StartIngestion => {
                ct.start_event_data_store_ingestion(region, arn).await?;
                store.status = EventDataStoreStatus::Enabled;
                Ok(())
            }
            StoreStep::StopIngestion => {
                ct.stop_event_data_store_ingestion(region, arn).await?;
                store.status = EventDataStoreStatus::StoppedIngestion;
                Ok(())
            }
            StoreStep::PutEventConfiguration(c) => {
                ct.put_event_configuration(region, Target::EventDataStore(arn), c)
                    .await
            }
            StoreStep::EnableFederation(role) => {
                ct.enable_federation(region, arn, role).await?;
                store.federation_status = FederationStatus::Enabling;
                store.federation_role_arn = Some(role.clone());
                Ok(())
            }
            StoreStep::DisableFederation => {
                ct.disable_federation(region, arn).await?;
                store.federation_status = FederationStatus::Disabling;
                Ok(())
            }
            StoreStep::PutResourcePolicy(p) => ct.put_resource_policy(region, arn, p).await,
            StoreStep::PutInsightSelectors(i) => {
                ct.put_insight_selectors(region, Target::EventDataStore(arn), i)
                    .await
            }
        }
    }
}
