//! Trusted access kept as declared, against in-memory AWS.

use super::*;
use crate::api::{OrgEventDataStoreStatus, OrgTrailStatus};
use crate::aws::memory::MANAGEMENT;
use crate::controllers::events::recorded::Recorded;
use crate::controllers::fixtures::{Fixture, World, ready};

async fn run(
    w: &World,
    state: &str,
    status: &mut TrustedAccessStatus,
) -> (AwsResult<Outcome>, Recorded<TrustedAccessStatus>) {
    let ta: TrustedAccess = Fixture::trusted_access("cloudtrail", state).build();
    let report = Recorded::default();
    let regions = async { vec!["us-east-1".to_string()] };
    let outcome = reconcile(&ta, status, &w.access, &w.trust, regions, &report).await;
    (outcome, report)
}

#[tokio::test]
async fn enables_trusted_access_and_tells_the_gate() {
    let w = World::management(false);
    let mut status = TrustedAccessStatus::default();
    let (outcome, report) = run(&w, "Enabled", &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(report.reasons(), ["Enabled"]);
    assert!(w.aws.state.lock().unwrap().trusted);
    assert_eq!(status.enabled, Some(true));
    assert_eq!(status.management_account_id.as_deref(), Some(MANAGEMENT));
    w.calls();
    // The gate answers from what was just done: no read per trail afterwards.
    assert!(w.trust.trusted(&w.access).await.unwrap());
    assert!(w.calls().is_empty());
}

#[tokio::test]
async fn a_disable_behind_our_back_is_announced_then_undone() {
    let w = World::management(true);
    let mut status = TrustedAccessStatus::default();
    assert!(ready(&run(&w, "Enabled", &mut status).await.0));
    w.disable_trust();
    let (outcome, report) = run(&w, "Enabled", &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(report.reasons(), ["DisabledOutOfBand", "Enabled"]);
    let checkpoints = report.checkpoints.lock().unwrap();
    assert_eq!(checkpoints.len(), 1, "status says so before the fix");
    assert_eq!(checkpoints[0].0.enabled, Some(false));
    assert!(w.aws.state.lock().unwrap().trusted);
}

#[tokio::test]
async fn a_declared_disable_announces_what_it_converts_before_doing_it() {
    let w = World::management(true);
    let mut trail = OrgTrailStatus::default();
    assert!(ready(
        &w.trail(&Fixture::trail("audit").build(), &mut trail)
            .await
            .0
    ));
    let mut store = OrgEventDataStoreStatus::default();
    assert!(ready(
        &w.store(&Fixture::store("lake").build(), &mut store).await.0
    ));

    let mut status = TrustedAccessStatus::default();
    let (outcome, report) = run(&w, "Disabled", &mut status).await;
    assert!(ready(&outcome));
    assert_eq!(report.reasons(), ["Disabled"]);
    let checkpoints = report.checkpoints.lock().unwrap();
    let (announced, disabling) = &checkpoints[0];
    let impact = announced.disable_impact.as_ref().unwrap();
    assert_eq!(impact.trails_converted, [trail.arn.unwrap()]);
    assert_eq!(impact.event_data_stores_converted, [store.arn.unwrap()]);
    assert!(matches!(
        disabling,
        Outcome::Waiting {
            reason: "Disabling",
            ..
        }
    ));
    assert_eq!(status.enabled, Some(false));
    let s = w.aws.state.lock().unwrap();
    assert!(!s.trusted && s.trails.values().all(|t| !t.trail.is_organization_trail));
}

#[tokio::test]
async fn matching_aws_costs_one_read_and_no_writes() {
    let w = World::management(true);
    let mut status = TrustedAccessStatus::default();
    assert!(ready(&run(&w, "Enabled", &mut status).await.0));
    w.calls();
    let (outcome, report) = run(&w, "Enabled", &mut status).await;
    assert!(ready(&outcome));
    assert!(report.reasons().is_empty());
    // DescribeOrganization is asked once per operator run.
    assert_eq!(w.calls(), ["ListAWSServiceAccessForOrganization"]);
}

#[test]
fn plan_follows_the_declared_state() {
    let observed = |enabled| Observed {
        organization: Organization::default(),
        enabled,
    };
    let seen_on = TrustedAccessStatus {
        enabled: Some(true),
        ..Default::default()
    };
    let never_seen = TrustedAccessStatus::default();
    use TrustedAccessState::{Disabled, Enabled};
    assert_eq!(plan(Enabled, &seen_on, &observed(true)), Plan::Keep);
    assert_eq!(
        plan(Enabled, &seen_on, &observed(false)),
        Plan::Enable { out_of_band: true }
    );
    assert_eq!(
        plan(Enabled, &never_seen, &observed(false)),
        Plan::Enable { out_of_band: false }
    );
    assert_eq!(plan(Disabled, &seen_on, &observed(true)), Plan::Disable);
    assert_eq!(plan(Disabled, &seen_on, &observed(false)), Plan::Keep);
}
