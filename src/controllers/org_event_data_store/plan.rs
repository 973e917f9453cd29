//! What an event data store should look like, and how AWS's view differs from it (pure).

use crate::api::OrgEventDataStoreSpec;
use crate::aws::{EventDataStore, EventDataStoreSettings, EventDataStoreStatus};

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
