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
