//! `managementPolicy: Observe` (issue 14): an organization that already has trusted access
//! and a trail, watched before the operator is allowed to act. Hand tampering, an
//! out-of-band disable and deleting the object cause no AWS write; status lists the drift;
//! switching to `Manage` lets the operator act.

use orgtrail_operator::aws::sdk::rate_limit::is_read;

use super::*;
use crate::harness::qualified;

const OBSERVED: &str = "observed-audit";
const OBSERVED_ARN: &str = "arn:aws:cloudtrail:us-east-1:111111111111:trail/observed-audit";

const MANIFEST: &str = "\
apiVersion: orgtrail.dev/v1alpha1
kind: TrustedAccess
metadata: {name: cloudtrail}
spec: {servicePrincipal: cloudtrail.amazonaws.com, state: Enabled, managementPolicy: Observe}
---
apiVersion: orgtrail.dev/v1alpha1
kind: OrgTrail
metadata: {name: observed-audit}
spec:
  name: observed-audit
  homeRegion: us-east-1
  s3BucketName: orgtrail-logs
  isOrganizationTrail: true
  adoptExisting: true
  deletionPolicy: Delete
  managementPolicy: Observe
";

/// `(Ready status, reason, drift)` of `kind/name`.
fn observed(s: &Scenario, kind: &str, name: &str) -> Option<(String, String, Vec<String>)> {
    let obj = s.get(kind, name)?;
    let ready = condition(&obj, "Ready")?;
    let drift = obj["status"]["drift"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some((
        ready["status"].as_str()?.to_owned(),
        ready["reason"].as_str()?.to_owned(),
        drift,
    ))
}

/// Wait until `kind/name` reports drift naming `operation`.
fn wait_drift(s: &mut Scenario, kind: &str, name: &str, operation: &str) -> Vec<String> {
    s.wait_for(
        &format!("{kind}/{name} drift naming {operation}"),
        TIMEOUT,
        |s| {
            let (ready, reason, drift) = observed(s, kind, name)?;
            (ready == "False"
                && reason == "Drifted"
                && drift.iter().any(|d| d.starts_with(operation)))
            .then_some(drift)
        },
    )
}

/// Writes in the call log other than the ones people made by hand.
fn operator_writes(s: &Scenario, by_hand: &[&str]) -> Vec<Value> {
    s.emu
        .calls()
        .into_iter()
        .filter(|c| {
            let op = c["operation"].as_str().unwrap_or("");
            !is_read(op) && !by_hand.contains(&op)
        })
        .collect()
}

#[test]
fn s11_observed_objects_report_drift_and_never_write() {
    let mut s = Scenario::start();
    // What the organization already has, made by hand.
    set_trusted_access_by_hand(&s, true);
    s.aws(
        AKID_MANAGEMENT,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            OBSERVED,
            "--s3-bucket-name",
            "orgtrail-logs",
            "--is-organization-trail",
            "--is-multi-region-trail",
            "--enable-log-file-validation",
        ],
    );
    s.aws(
        AKID_MANAGEMENT,
        &["cloudtrail", "start-logging", "--name", OBSERVED_ARN],
    );
    s.emu.clear_calls();
    s.start_operator();
    s.apply_ok(MANIFEST);
    // As declared: Ready, nothing to list.
    s.wait_ready("trustedaccess", "cloudtrail");
    s.wait_ready("orgtrail", OBSERVED);
    assert_eq!(
        observed(&s, "orgtrail", OBSERVED).map(|o| o.2),
        Some(vec![]),
        "no drift while AWS matches"
    );

    // Someone stops the trail: reported, not undone.
    s.aws(
        AKID_MANAGEMENT,
        &["cloudtrail", "stop-logging", "--name", OBSERVED_ARN],
    );
    let drift = wait_drift(&mut s, "orgtrail", OBSERVED, "StartLogging");
    assert!(drift.iter().all(|d| !d.starts_with("AddTags")), "{drift:?}");
    assert!(s.has_event("Warning", "Drifted", "OrgTrail", OBSERVED));

    // Someone disables trusted access: reported, not undone.
    set_trusted_access_by_hand(&s, false);
    wait_drift(
        &mut s,
        "trustedaccess",
        "cloudtrail",
        "EnableAWSServiceAccess",
    );
    std::thread::sleep(Duration::from_secs(3 * RESYNC_SECS));
    assert!(!s.trusted_services().iter().any(|p| p == CLOUDTRAIL));
    assert!(!s.is_logging(OBSERVED_ARN));

    // An observed object whose resource does not exist: listed, not created.
    s.apply_ok(
        "apiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {name: observed-missing}\n\
         spec: {name: observed-missing, homeRegion: us-east-1, s3BucketName: orgtrail-logs, \
         isOrganizationTrail: false, managementPolicy: Observe}\n",
    );
    wait_drift(&mut s, "orgtrail", "observed-missing", "CreateTrail");

    // Deleting the object deletes nothing, whatever deletionPolicy says.
    s.kubectl_ok(&[
        "delete",
        &qualified("orgtrail"),
        OBSERVED,
        "--wait=true",
        "--timeout=45s",
    ]);
    assert!(
        s.trail(AKID_MANAGEMENT, OBSERVED).is_some(),
        "the observed trail was deleted"
    );
    // The only writes since the operator started are the two made by hand.
    let writes = operator_writes(&s, &["StopLogging", "DisableAWSServiceAccess"]);
    assert!(writes.is_empty(), "the operator wrote to AWS: {writes:#?}");

    // Switching to Manage lets the operator act.
    s.kubectl_ok(&[
        "patch",
        &qualified("trustedaccess"),
        "cloudtrail",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"managementPolicy":"Manage"}}"#,
    ]);
    wait_trusted_access_enabled(&mut s);
    s.wait_ready("trustedaccess", "cloudtrail");
    s.finish();
}
