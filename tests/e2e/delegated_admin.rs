//! A delegated administrator runs the operator, with and without a management role.

use super::*;

#[test]
fn s7_delegated_admin_manages_the_org_trail() {
    let mut s = Scenario::start();
    // The management account enables trusted access and registers the delegated admin.
    s.start_operator();
    s.apply_example("00-trusted-access.yaml");
    s.apply_example("10-delegated-admin.yaml");
    s.wait_ready("trustedaccess", "cloudtrail");
    s.wait_ready("delegatedadmin", "security-tooling");
    s.stop_operator();
    // Leave the management objects out of the delegated operator's way.
    for kind in [
        "trustedaccess/cloudtrail",
        "delegatedadmin/security-tooling",
    ] {
        s.kubectl_ok(&[
            "patch",
            kind,
            "--type",
            "merge",
            "-p",
            r#"{"metadata":{"finalizers":null}}"#,
        ]);
        s.kubectl_ok(&["delete", kind]);
    }

    s.start_operator_as(AKID_DELEGATED);
    s.apply_example("20-org-trail.yaml");
    let ot = s.wait_ready("orgtrail", TRAIL);
    assert_eq!(ot["status"]["arn"], TRAIL_ARN, "{ot}");
    assert_eq!(ot["status"]["ownerAccountId"], MANAGEMENT_ACCOUNT, "{ot}");
    assert_org_trail_live(&s);
    let seen = s
        .trail(AKID_DELEGATED, TRAIL)
        .expect("delegated admin sees the trail");
    assert_eq!(seen["TrailARN"], TRAIL_ARN);
    let creates = s.emu.calls_of("CreateTrail");
    assert!(
        creates
            .iter()
            .any(|c| c["account"] == "222222222222" && c["outcome"] == "ok"),
        "the trail was not created with the delegated admin's credentials: {creates:#?}"
    );
    s.finish();
}

/// A delegated-admin operator with a management-account role to assume does the
/// management-only steps too: after an out-of-band disable (when the delegated admin can
/// no longer even see the now account-level trail and store) it re-enables trusted access
/// and converts both back through the role.
#[test]
fn s7b_delegated_admin_with_management_role_reconverts() {
    let mut s = Scenario::start();
    s.start_operator_with(
        AKID_DELEGATED,
        &[
            "--management-role-arn",
            "arn:aws:iam::111111111111:role/OrgTrailManagement",
        ],
    );
    s.apply_example("");
    s.wait_examples_ready();
    let store = store_arn(&s);
    wait_org_scope(&mut s, &store, true);
    // Created with the delegated admin's keys, owned by the management account.
    let eds = s
        .get("orgeventdatastore", "organization-lake")
        .expect("the OrgEventDataStore");
    assert_eq!(eds["status"]["ownerAccountId"], MANAGEMENT_ACCOUNT, "{eds}");
    assert_eq!(eds["status"]["homeRegion"], "us-east-1", "{eds}");
    set_trusted_access_by_hand(&s, false);
    wait_trusted_access_enabled(&mut s);
    wait_org_scope(&mut s, &store, true);
    s.wait_for("Reconverted events", TIMEOUT, |s| {
        (s.has_event("Normal", "Reconverted", "OrgTrail", TRAIL)
            && s.has_event(
                "Normal",
                "Reconverted",
                "OrgEventDataStore",
                "organization-lake",
            ))
        .then_some(())
    });
    let updates = s.emu.calls_of("UpdateTrail");
    assert!(
        updates
            .iter()
            .any(|c| c["account"] == "111111111111" && c["outcome"] == "ok"),
        "the trail was not converted back with management credentials: {updates:#?}"
    );
    s.finish();
}
