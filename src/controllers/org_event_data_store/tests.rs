//! Every branch of the event data store lifecycle, run against in-memory AWS.

use crate::api::{OrgEventDataStore, OrgEventDataStoreStatus};
use crate::aws::{EventDataStore, EventDataStoreStatus};
use crate::controllers::fixtures::{Fixture, World, ready, reason, reasons};

fn lake() -> OrgEventDataStore {
    Fixture::store("lake").build()
}

fn only_store(w: &World) -> EventDataStore {
    let s = w.aws.state.lock().unwrap();
    assert_eq!(s.stores.len(), 1, "one store expected");
    s.stores.values().next().unwrap().clone()
}

fn tamper(w: &World, f: impl FnOnce(&mut EventDataStore)) {
    let mut s = w.aws.state.lock().unwrap();
    f(s.stores.values_mut().next().unwrap());
}

async fn converged() -> (World, OrgEventDataStoreStatus) {
    let w = World::management(true);
    let mut status = OrgEventDataStoreStatus::default();
    assert!(ready(&w.store(&lake(), &mut status).await.0));
    w.calls();
    (w, status)
}

#[tokio::test]
async fn creates_an_organization_store_that_ingests() {
    let w = World::management(true);
    let mut status = OrgEventDataStoreStatus::default();
    let (outcome, notes) = w.store(&lake(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["Created"]);
    assert_eq!(w.calls(), ["ListEventDataStores", "CreateEventDataStore"]);
    let e = only_store(&w);
    assert!(e.organization_enabled && e.termination_protection_enabled);
    assert_eq!(e.status, EventDataStoreStatus::Enabled);
    assert_eq!(status.arn, Some(e.arn));
    assert_eq!(status.status.as_deref(), Some("ENABLED"));
}

#[tokio::test]
async fn a_converged_store_costs_two_reads_and_no_writes() {
    let (w, mut status) = converged().await;
    let (outcome, notes) = w.store(&lake(), &mut status).await;
    assert!(ready(&outcome));
    assert!(notes.is_empty());
    // Found by the recorded ARN: no listing.
    assert_eq!(w.calls(), ["GetEventDataStore", "ListTags"]);
}

#[tokio::test]
async fn restores_a_store_deleted_by_hand_then_converges_it() {
    let (w, mut status) = converged().await;
    tamper(&w, |e| {
        e.status = EventDataStoreStatus::PendingDeletion;
        e.retention_period = 90;
    });
    let (outcome, notes) = w.store(&lake(), &mut status).await;
    assert!(ready(&outcome), "{outcome:?}");
    assert_eq!(reasons(&notes), ["Restored", "Updated"]);
    let e = only_store(&w);
    assert_eq!(e.status, EventDataStoreStatus::Enabled);
    assert_eq!(e.retention_period, 366);
}

#[tokio::test]
async fn leaves_someone_elses_pending_deletion_store_alone() {
    let (w, _) = converged().await;
    tamper(&w, |e| e.status = EventDataStoreStatus::PendingDeletion);
    // A new object of the same name: nothing recorded, so the store is not ours to restore.
    let mut status = OrgEventDataStoreStatus::default();
    let (outcome, _) = w.store(&lake(), &mut status).await;
    assert_eq!(reason(&outcome), "NameClash");
    assert_eq!(only_store(&w).status, EventDataStoreStatus::PendingDeletion);
    assert!(!w.calls().contains(&"RestoreEventDataStore"));
}

#[tokio::test]
async fn restarts_ingestion_stopped_by_hand() {
    let (w, mut status) = converged().await;
    tamper(&w, |e| e.status = EventDataStoreStatus::StoppedIngestion);
    assert!(ready(&w.store(&lake(), &mut status).await.0));
    assert_eq!(w.calls().last(), Some(&"StartEventDataStoreIngestion"));
    assert_eq!(only_store(&w).status, EventDataStoreStatus::Enabled);
}

#[tokio::test]
async fn waits_while_trusted_access_is_disabled_then_converts_back() {
    let (w, mut status) = converged().await;
    w.disable_trust();
    let (outcome, _) = w.store(&lake(), &mut status).await;
    assert_eq!(reason(&outcome), "TrustedAccessDisabled");
    assert_eq!(status.organization_enabled, Some(false));
    assert!(!w.calls().contains(&"UpdateEventDataStore"));

    w.enable_trust();
    let (outcome, notes) = w.store(&lake(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["Reconverted"]);
    assert!(only_store(&w).organization_enabled);
    assert_eq!(status.organization_enabled, Some(true));
}

#[tokio::test]
async fn corrects_drift_without_touching_scope() {
    let (w, mut status) = converged().await;
    tamper(&w, |e| e.termination_protection_enabled = false);
    let (outcome, notes) = w.store(&lake(), &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(notes[0].message, "corrected TerminationProtectionEnabled");
    let e = only_store(&w);
    assert!(e.termination_protection_enabled && e.organization_enabled);
}

#[tokio::test]
async fn finds_a_store_by_name_when_its_arn_is_not_recorded() {
    let (w, _) = converged().await;
    let mut status = OrgEventDataStoreStatus::default();
    let (outcome, notes) = w.store(&lake(), &mut status).await;
    assert!(ready(&outcome), "our owner tag makes it ours: {outcome:?}");
    assert!(notes.is_empty());
    assert!(status.arn.is_some());
    assert!(!w.calls().contains(&"CreateEventDataStore"));
}

#[tokio::test]
async fn stops_ingestion_when_declared_off() {
    let (w, mut status) = converged().await;
    let off: OrgEventDataStore = Fixture::store("lake").with("ingestion", false).build();
    let (outcome, notes) = w.store(&off, &mut status).await;
    assert!(ready(&outcome));
    assert!(notes.is_empty(), "a declared stop is not tampering");
    assert_eq!(w.calls().last(), Some(&"StopEventDataStoreIngestion"));
    assert_eq!(
        only_store(&w).status,
        EventDataStoreStatus::StoppedIngestion
    );
}

#[tokio::test]
async fn deletion_turns_termination_protection_off_then_deletes() {
    let (w, status) = converged().await;
    let mut deleted: OrgEventDataStore = Fixture::store("lake")
        .with("deletionPolicy", "Delete")
        .build();
    deleted.status = Some(status);
    let note = super::cleanup(&deleted, &w.access).await.unwrap();
    assert_eq!(note.map(|n| n.reason), Some("Deleted"));
    let e = only_store(&w);
    assert_eq!(e.status, EventDataStoreStatus::PendingDeletion);
    assert!(!e.termination_protection_enabled);
    // Pending deletion already: nothing more to do, nothing to announce.
    w.calls();
    assert_eq!(super::cleanup(&deleted, &w.access).await.unwrap(), None);
    assert_eq!(w.calls(), ["GetEventDataStore"], "no second delete");
}

const DESTINATION: &str = "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/insights";
const ROLE: &str = "arn:aws:iam::111111111111:role/LakeFederation";
const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "cloudtrail:StartQuery", "Resource": "*"}]}"#;

fn with_settings() -> OrgEventDataStore {
    Fixture::store("lake")
        .with("maxEventSize", "Large")
        .with(
            "contextKeySelectors",
            serde_json::json!([{"type": "TagContext", "equals": ["Environment"]}]),
        )
        .with("federationEnabled", true)
        .with("federationRoleArn", ROLE)
        .with("resourcePolicy", POLICY)
        .with(
            "insightSelectors",
            serde_json::json!(["ApiCallRateInsight"]),
        )
        .with("insightsDestination", DESTINATION)
        .build()
}

fn ready_object(mut s: OrgEventDataStore, status: &OrgEventDataStoreStatus) -> OrgEventDataStore {
    s.status = Some(OrgEventDataStoreStatus {
        conditions: crate::controllers::fixtures::ready_conditions(s.metadata.generation),
        ..status.clone()
    });
    s
}

#[tokio::test]
async fn new_settings_are_applied_on_create_and_read_only_when_declared() {
    use crate::aws::{CloudTrail, FederationStatus, Target};
    let w = World::management(true);
    let mut status = OrgEventDataStoreStatus::default();
    let s = with_settings();
    let (outcome, _) = w.store(&s, &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(
        w.calls(),
        [
            "ListEventDataStores",
            "CreateEventDataStore",
            "PutEventConfiguration",
            "EnableFederation",
            "PutResourcePolicy",
            "PutInsightSelectors"
        ]
    );
    let arn = only_store(&w).arn;
    let config = w
        .aws
        .get_event_configuration("us-east-1", Target::EventDataStore(&arn))
        .await
        .unwrap();
    assert_eq!(config.max_event_size, Some(crate::aws::MaxEventSize::Large));
    assert_eq!(config.context_key_selectors.len(), 1);
    assert_eq!(
        w.aws
            .get_resource_policy("us-east-1", &arn)
            .await
            .unwrap()
            .as_deref(),
        Some(POLICY)
    );
    let insights = w
        .aws
        .get_insight_selectors("us-east-1", Target::EventDataStore(&arn))
        .await
        .unwrap();
    assert_eq!(insights.destination.as_deref(), Some(DESTINATION));
    let e = only_store(&w);
    assert!(matches!(
        e.federation_status,
        FederationStatus::Enabled | FederationStatus::Enabling
    ));
    assert_eq!(e.federation_role_arn.as_deref(), Some(ROLE));
    w.calls();
    let (outcome, notes) = w.store(&s, &mut status).await;
    assert!(ready(&outcome) && notes.is_empty(), "{notes:?}");
    assert_eq!(
        w.calls(),
        [
            "GetEventDataStore",
            "ListTags",
            "GetEventConfiguration",
            "GetResourcePolicy",
            "GetInsightSelectors"
        ]
    );
    // Undeclared: none of the three reads.
    let (w, mut status) = converged().await;
    assert!(ready(&w.store(&lake(), &mut status).await.0));
    assert_eq!(w.calls(), ["GetEventDataStore", "ListTags"]);
}

#[tokio::test]
async fn store_settings_changed_by_hand_are_restored_with_one_warning() {
    use crate::aws::{CloudTrail, EventConfiguration, Insights, Target};
    let w = World::management(true);
    let mut status = OrgEventDataStoreStatus::default();
    let s = with_settings();
    assert!(ready(&w.store(&s, &mut status).await.0));
    let arn = only_store(&w).arn;
    let t = Target::EventDataStore(&arn);
    w.aws
        .put_event_configuration("us-east-1", t, &EventConfiguration::default())
        .await
        .unwrap();
    w.aws.disable_federation("us-east-1", &arn).await.unwrap();
    w.aws
        .put_resource_policy(
            "us-east-1",
            &arn,
            r#"{"Version": "2012-10-17", "Statement": []}"#,
        )
        .await
        .unwrap();
    w.aws
        .put_insight_selectors("us-east-1", t, &Insights::default())
        .await
        .unwrap();
    w.calls();
    let (outcome, notes) = w
        .store(&ready_object(s.clone(), &status), &mut status)
        .await;
    assert!(ready(&outcome));
    assert_eq!(reasons(&notes), ["DriftCorrected"]);
    for what in [
        "EventConfiguration",
        "Federation",
        "ResourcePolicy",
        "InsightSelectors",
    ] {
        assert!(notes[0].message.contains(what), "{}", notes[0].message);
    }
    let (outcome, notes) = w.store(&s, &mut status).await;
    assert!(ready(&outcome) && notes.is_empty(), "restored: {notes:?}");
    assert_eq!(
        status
            .federation_status
            .as_deref()
            .map(|f| f.starts_with("ENABL")),
        Some(true)
    );
}

#[tokio::test]
async fn a_policy_formatted_differently_is_no_drift() {
    use crate::aws::CloudTrail;
    let w = World::management(true);
    let mut status = OrgEventDataStoreStatus::default();
    let s = with_settings();
    assert!(ready(&w.store(&s, &mut status).await.0));
    let arn = only_store(&w).arn;
    let reformatted: serde_json::Value = serde_json::from_str(POLICY).unwrap();
    w.aws
        .put_resource_policy(
            "us-east-1",
            &arn,
            &serde_json::to_string_pretty(&reformatted).unwrap(),
        )
        .await
        .unwrap();
    w.calls();
    let (_, notes) = w.store(&s, &mut status).await;
    assert!(notes.is_empty(), "{notes:?}");
    assert!(!w.calls().contains(&"PutResourcePolicy"));
}
