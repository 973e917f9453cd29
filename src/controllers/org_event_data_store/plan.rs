//! What an event data store should look like, and how AWS's view differs from it (pure).

use crate::api::OrgEventDataStoreSpec;
use crate::aws::{
    EventConfiguration, EventDataStore, EventDataStoreSettings, EventDataStoreStatus,
    InsightSelector, Insights, SourceEventCategory,
};

use super::super::tags;

/// The steps only event data stores take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreStep {
    /// `RestoreEventDataStore` (it was deleted by hand and is pending deletion).
    Restore,
    /// `StartEventDataStoreIngestion`.
    StartIngestion,
    /// `StopEventDataStoreIngestion`.
    StopIngestion,
    /// `PutEventConfiguration` (maximum event size, context keys).
    PutEventConfiguration(EventConfiguration),
    /// `EnableFederation` with this role.
    EnableFederation(String),
    /// `DisableFederation`.
    DisableFederation,
    /// `PutResourcePolicy`.
    PutResourcePolicy(String),
    /// `PutInsightSelectors` (empty: Insights off).
    PutInsightSelectors(Insights),
}

/// A store's state beyond `GetEventDataStore`, each part read only when the spec
/// declares it (`None`: not read).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StoreDetails {
    /// `GetEventConfiguration` (canonical).
    pub event_configuration: Option<EventConfiguration>,
    /// `GetResourcePolicy` (`Some(None)`: it has none).
    pub resource_policy: Option<Option<String>>,
    /// `GetInsightSelectors` (canonical).
    pub insights: Option<Insights>,
}

impl StoreDetails {
    /// What CloudTrail gives a new store: no event configuration, policy or Insights.
    pub fn of_new_store() -> Self {
        StoreDetails {
            event_configuration: Some(EventConfiguration::default()),
            resource_policy: Some(None),
            insights: Some(Insights::default()),
        }
    }
}

/// Whether the spec declares any part of the event configuration.
pub fn declares_event_configuration(spec: &OrgEventDataStoreSpec) -> bool {
    spec.max_event_size.is_some() || spec.context_key_selectors.is_some()
}

/// The Insights the spec declares (`None`: not managed), canonical.
pub fn desired_insights(spec: &OrgEventDataStoreSpec) -> Option<Insights> {
    let types = spec.insight_selectors.as_ref()?;
    let selectors: Vec<_> = types
        .iter()
        .map(|t| InsightSelector {
            insight_type: *t,
            // Stores take Insights on management events only.
            event_categories: vec![SourceEventCategory::Management],
        })
        .collect();
    let destination = (!selectors.is_empty())
        .then(|| spec.insights_destination.clone())
        .flatten();
    Some(
        Insights {
            selectors,
            destination,
        }
        .canonical(),
    )
}

/// Event configuration, federation, resource policy and Insights as declared; what the
/// spec leaves unset is left as AWS has it.
pub fn reconfigure(
    spec: &OrgEventDataStoreSpec,
    store: &EventDataStore,
    details: &StoreDetails,
) -> Vec<StoreStep> {
    let mut steps = vec![];
    if let Some(observed) = &details.event_configuration
        && declares_event_configuration(spec)
    {
        // PutEventConfiguration replaces it all: what is not declared is sent as it is.
        let size = |c: &EventConfiguration| c.max_event_size.unwrap_or_default();
        let desired = EventConfiguration {
            max_event_size: Some(spec.max_event_size.unwrap_or(size(observed))),
            context_key_selectors: spec
                .context_key_selectors
                .clone()
                .unwrap_or_else(|| observed.context_key_selectors.clone()),
            aggregation_configurations: vec![],
        }
        .canonical();
        if size(&desired) != size(observed)
            || desired.context_key_selectors != observed.context_key_selectors
        {
            steps.push(StoreStep::PutEventConfiguration(desired));
        }
    }
    steps.extend(federation(spec, store));
    if let (Some(policy), Some(observed)) = (&spec.resource_policy, &details.resource_policy)
        && !same_policy(policy, observed.as_deref())
    {
        steps.push(StoreStep::PutResourcePolicy(policy.clone()));
    }
    if let (Some(desired), Some(observed)) = (desired_insights(spec), &details.insights) {
        let off = |i: &Insights| i.selectors.is_empty();
        if desired != *observed && !(off(&desired) && off(observed)) {
            steps.push(StoreStep::PutInsightSelectors(desired));
        }
    }
    steps
}

/// Enable or disable federation as declared. A transition under way in the declared
/// direction needs nothing more.
fn federation(spec: &OrgEventDataStoreSpec, store: &EventDataStore) -> Option<StoreStep> {
    let heading = store.federation_status.heading_to();
    match (spec.federation_enabled?, &spec.federation_role_arn) {
        (true, Some(role)) => (heading != Some(true)
            || store.federation_role_arn.as_deref() != Some(role.as_str()))
        .then(|| StoreStep::EnableFederation(role.clone())),
        // CEL requires the role; without one there is nothing to enable with.
        (true, None) => None,
        (false, _) => (heading != Some(false)).then_some(StoreStep::DisableFederation),
    }
}

/// Policies compare as JSON documents: AWS may return them formatted differently.
fn same_policy(declared: &str, observed: Option<&str>) -> bool {
    let Some(observed) = observed else {
        return false;
    };
    match (
        serde_json::from_str::<serde_json::Value>(declared),
        serde_json::from_str::<serde_json::Value>(observed),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => declared.trim() == observed.trim(),
    }
}

/// What a step restores, by its AWS name.
pub fn restores(step: &StoreStep) -> Option<&'static str> {
    match step {
        StoreStep::PutEventConfiguration(_) => Some("EventConfiguration"),
        StoreStep::EnableFederation(_) | StoreStep::DisableFederation => Some("Federation"),
        StoreStep::PutResourcePolicy(_) => Some("ResourcePolicy"),
        StoreStep::PutInsightSelectors(_) => Some("InsightSelectors"),
        // Restored and ingestion changes have their own events or none.
        StoreStep::Restore | StoreStep::StartIngestion | StoreStep::StopIngestion => None,
    }
}

/// `CreateEventDataStore` / `UpdateEventDataStore` input for `spec`; `owner` goes into
/// the tags.
pub fn settings(spec: &OrgEventDataStoreSpec, owner: &str) -> EventDataStoreSettings {
    // No `..`: a new spec field stops compiling here until it is sent to AWS (or said
    // not to be).
    let OrgEventDataStoreSpec {
        name,
        home_region: _,
        organization_enabled,
        multi_region_enabled,
        retention_period,
        termination_protection_enabled,
        advanced_event_selectors,
        kms_key_id,
        billing_mode,
        ingestion,
        tags,
        // Through their own calls (steps of their own).
        max_event_size: _,
        context_key_selectors: _,
        federation_enabled: _,
        federation_role_arn: _,
        resource_policy: _,
        insight_selectors: _,
        insights_destination: _,
        deletion_policy: _,
        adopt_existing: _,
        // Decides whether the engine acts at all, not what AWS should hold.
        management_policy: _,
    } = spec;
    EventDataStoreSettings {
        name: name.clone(),
        advanced_event_selectors: advanced_event_selectors.clone().unwrap_or_default(),
        multi_region_enabled: *multi_region_enabled,
        organization_enabled: *organization_enabled,
        retention_period: *retention_period,
        termination_protection_enabled: *termination_protection_enabled,
        kms_key_id: kms_key_id.clone(),
        billing_mode: *billing_mode,
        start_ingestion: *ingestion,
        tags: tags::desired(tags, owner),
    }
}

/// Fields `UpdateEventDataStore` must correct. Selectors are compared only when declared:
/// AWS fills in its default when none are sent. Scope, ingestion and tags have their own
/// calls (and their own steps).
pub fn drift(spec: &OrgEventDataStoreSpec, observed: &EventDataStore) -> Vec<&'static str> {
    // No `..`: a new spec field stops compiling here until drift detection handles it.
    let OrgEventDataStoreSpec {
        name: _,
        home_region: _,
        organization_enabled: _,
        multi_region_enabled,
        retention_period,
        termination_protection_enabled,
        advanced_event_selectors,
        kms_key_id,
        billing_mode,
        ingestion: _,
        tags: _,
        // Not UpdateEventDataStore fields: see `reconfigure`.
        max_event_size: _,
        context_key_selectors: _,
        federation_enabled: _,
        federation_role_arn: _,
        resource_policy: _,
        insight_selectors: _,
        insights_destination: _,
        deletion_policy: _,
        adopt_existing: _,
        // Decides whether the engine acts at all, not what AWS should hold.
        management_policy: _,
    } = spec;
    let o = observed;
    let selectors = advanced_event_selectors
        .as_ref()
        .is_some_and(|s| *s != o.advanced_event_selectors);
    [
        (
            *multi_region_enabled != o.multi_region_enabled,
            "MultiRegionEnabled",
        ),
        (*retention_period != o.retention_period, "RetentionPeriod"),
        (
            *termination_protection_enabled != o.termination_protection_enabled,
            "TerminationProtectionEnabled",
        ),
        (*billing_mode != o.billing_mode, "BillingMode"),
        (selectors, "AdvancedEventSelectors"),
        // AWS never allows removing a key, and reports it in its own form.
        (kms_key_id.is_some() && o.kms_key_id.is_none(), "KmsKeyId"),
    ]
    .into_iter()
    .filter_map(|(drifted, field)| drifted.then_some(field))
    .collect()
}

/// Start or stop ingestion, when AWS's state differs from the spec.
pub fn ingestion(spec: &OrgEventDataStoreSpec, observed: &EventDataStore) -> Option<StoreStep> {
    match (spec.ingestion, observed.status.ingesting()) {
        (true, false) => Some(StoreStep::StartIngestion),
        (false, true) => Some(StoreStep::StopIngestion),
        _ => None,
    }
}

/// `Status` as AWS spells it.
pub fn status_str(s: &EventDataStoreStatus) -> String {
    match s {
        EventDataStoreStatus::Created => "CREATED".into(),
        EventDataStoreStatus::Enabled => "ENABLED".into(),
        EventDataStoreStatus::PendingDeletion => "PENDING_DELETION".into(),
        EventDataStoreStatus::StartingIngestion => "STARTING_INGESTION".into(),
        EventDataStoreStatus::StoppingIngestion => "STOPPING_INGESTION".into(),
        EventDataStoreStatus::StoppedIngestion => "STOPPED_INGESTION".into(),
        EventDataStoreStatus::Other(s) => s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::org_event_data_store::BillingMode;

    fn spec() -> OrgEventDataStoreSpec {
        serde_json::from_value(serde_json::json!({"name": "lake", "homeRegion": "us-east-1"}))
            .unwrap()
    }

    fn observed(spec: &OrgEventDataStoreSpec) -> EventDataStore {
        EventDataStore {
            arn: "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/x".into(),
            name: spec.name.clone(),
            status: EventDataStoreStatus::Enabled,
            advanced_event_selectors: vec![],
            multi_region_enabled: true,
            organization_enabled: true,
            retention_period: 366,
            termination_protection_enabled: true,
            kms_key_id: None,
            billing_mode: BillingMode::ExtendableRetentionPricing,
            federation_status: Default::default(),
            federation_role_arn: None,
        }
    }

    #[test]
    fn defaults_match_a_default_store() {
        let spec = spec();
        assert_eq!(drift(&spec, &observed(&spec)), Vec::<&str>::new());
        let s = settings(&spec, "OrgEventDataStore/lake");
        assert!(s.organization_enabled && s.termination_protection_enabled && s.start_ingestion);
    }

    #[test]
    fn drift_names_each_field_and_ignores_undeclared_selectors() {
        let spec = spec();
        let mut o = observed(&spec);
        o.retention_period = 90;
        o.termination_protection_enabled = false;
        o.advanced_event_selectors = vec![Default::default()];
        assert_eq!(
            drift(&spec, &o),
            ["RetentionPeriod", "TerminationProtectionEnabled"]
        );
    }

    #[test]
    fn ingestion_follows_the_spec() {
        let mut spec = spec();
        let mut o = observed(&spec);
        assert_eq!(ingestion(&spec, &o), None);
        o.status = EventDataStoreStatus::StoppedIngestion;
        assert_eq!(ingestion(&spec, &o), Some(StoreStep::StartIngestion));
        spec.ingestion = false;
        assert_eq!(ingestion(&spec, &o), None);
        o.status = EventDataStoreStatus::Created;
        assert_eq!(ingestion(&spec, &o), Some(StoreStep::StopIngestion));
    }
}
