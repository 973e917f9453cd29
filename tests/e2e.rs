//! End-to-end scenarios (issue 5) against a real kube-apiserver (`make test` starts one
//! with hack/with-testenv.sh), the AWS emulator and the operator binary as separate
//! processes. Manifests go in with `kubectl`, out-of-band AWS changes with the AWS CLI.
//! Without ORGTRAIL_TEST_KUBECONFIG every test fails: none can pass vacuously.
//! One file per story under `tests/e2e/`; what they share is here and in `harness.rs`.

mod support;

#[path = "e2e/harness.rs"]
mod harness;

#[path = "e2e/converge.rs"]
mod converge;
#[path = "e2e/crash.rs"]
mod crash;
#[path = "e2e/delegated_admin.rs"]
mod delegated_admin;
#[path = "e2e/events.rs"]
mod events;
#[path = "e2e/observe.rs"]
mod observe;
#[path = "e2e/pacing.rs"]
mod pacing;
#[path = "e2e/plan.rs"]
mod plan;
#[path = "e2e/settings.rs"]
mod settings;
#[path = "e2e/tampering.rs"]
mod tampering;
#[path = "e2e/trusted_access.rs"]
mod trusted_access;

use std::time::Duration;

use harness::{RESYNC_SECS, Scenario, TIMEOUT, condition, examples_dir};
use serde_json::{Value, json};
use support::{AKID_DELEGATED, AKID_MANAGEMENT, AKID_MEMBER, MANAGEMENT_ACCOUNT};

const TRAIL: &str = "organization-audit";
const TRAIL_ARN: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/organization-audit";
const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";

/// Apply examples/ with a running management-key operator and wait for all Ready.
fn examples_ready(s: &mut Scenario) {
    s.start_operator();
    s.apply_example("");
    s.wait_examples_ready();
}

/// The event data store ARN the operator recorded.
fn store_arn(s: &Scenario) -> String {
    s.get("orgeventdatastore", "organization-lake")
        .expect("store object")["status"]["arn"]
        .as_str()
        .expect("status.arn of the OrgEventDataStore")
        .to_owned()
}

/// The org trail is an organization trail, logging, and members see it.
fn assert_org_trail_live(s: &Scenario) {
    let trail = s
        .trail(AKID_MANAGEMENT, TRAIL)
        .expect("trail in describe-trails");
    assert_eq!(trail["TrailARN"], TRAIL_ARN);
    assert_eq!(trail["IsOrganizationTrail"], true, "{trail}");
    assert!(s.is_logging(TRAIL_ARN), "trail is not logging");
    let seen = s
        .trails(AKID_MEMBER)
        .into_iter()
        .any(|t| t["TrailARN"] == TRAIL_ARN && t["IsOrganizationTrail"] == true);
    assert!(
        seen,
        "member 333333333333 does not see the organization trail"
    );
}

fn wait_org_scope(s: &mut Scenario, store: &str, org: bool) {
    let store = store.to_owned();
    s.wait_for(
        &format!("trail and store with organization scope = {org}"),
        TIMEOUT,
        move |s| {
            let trail = s.trail(AKID_MANAGEMENT, TRAIL)?;
            let eds = s.event_data_store(&store);
            (trail["IsOrganizationTrail"] == org
                && eds["OrganizationEnabled"] == org
                && (!org || s.is_logging(TRAIL_ARN)))
            .then_some(())
        },
    );
}

/// Someone turns trusted access for CloudTrail on or off by hand (the AWS CLI, as the
/// management account), outside the operator.
fn set_trusted_access_by_hand(s: &Scenario, enabled: bool) {
    let op = if enabled {
        "enable-aws-service-access"
    } else {
        "disable-aws-service-access"
    };
    s.aws(
        AKID_MANAGEMENT,
        &["organizations", op, "--service-principal", CLOUDTRAIL],
    );
}

/// Wait until Organizations trusts CloudTrail again.
fn wait_trusted_access_enabled(s: &mut Scenario) {
    s.wait_for("trusted access re-enabled", TIMEOUT, |s| {
        s.trusted_services()
            .iter()
            .any(|p| p == CLOUDTRAIL)
            .then_some(())
    });
}
