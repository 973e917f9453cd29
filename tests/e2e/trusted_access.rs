//! Trusted access disabled and enabled again (declared, by hand, elsewhere), and what it
//! does to the trail and the store.

use super::*;

#[test]
fn s2_declared_disable_and_reenable() {
    let mut s = Scenario::start();
    examples_ready(&mut s);
    let store = store_arn(&s);
    // An organization trail nobody declared, homed in another region: disabling converts
    // it too, so the impact report must name it.
    let undeclared = s.aws(
        AKID_MANAGEMENT,
        &[
            "cloudtrail",
            "create-trail",
            "--region",
            "eu-west-1",
            "--name",
            "legacy-eu-trail",
            "--s3-bucket-name",
            "orgtrail-logs",
            "--is-organization-trail",
        ],
    )["TrailARN"]
        .as_str()
        .expect("TrailARN of the undeclared trail")
        .to_string();
    assert!(undeclared.contains(":eu-west-1:"), "{undeclared}");

    s.kubectl_ok(&[
        "patch",
        "trustedaccess",
        "cloudtrail",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"state":"Disabled","disableConfirmation":"disable"}}"#,
    ]);
    wait_org_scope(&mut s, &store, false);
    assert!(!s.trusted_services().iter().any(|p| p == CLOUDTRAIL));
    let member_sees = s
        .trails(AKID_MEMBER)
        .into_iter()
        .any(|t| t["TrailARN"] == TRAIL_ARN);
    assert!(!member_sees, "member still sees the trail after disable");
    s.wait_for(
        "OrgTrail OrganizationScope=False/TrustedAccessDisabled",
        TIMEOUT,
        |s| {
            let ot = s.get("orgtrail", TRAIL)?;
            let c = condition(&ot, "OrganizationScope")?;
            (c["status"] == "False" && c["reason"] == "TrustedAccessDisabled").then_some(())
        },
    );
    let ta = s.wait_ready("trustedaccess", "cloudtrail");
    let impact = &ta["status"]["disableImpact"];
    let lists = |key: &str, needle: &str| {
        impact[key].as_array().is_some_and(|a| {
            a.iter()
                .any(|v| v.as_str().is_some_and(|v| v.contains(needle)))
        })
    };
    assert!(lists("trailsConverted", TRAIL), "disableImpact: {impact}");
    assert!(
        lists("trailsConverted", &undeclared),
        "disableImpact misses the undeclared eu-west-1 trail: {impact}"
    );
    assert!(
        lists("eventDataStoresConverted", "organization-lake")
            || lists("eventDataStoresConverted", &store),
        "disableImpact: {impact}"
    );

    s.kubectl_ok(&[
        "patch",
        "trustedaccess",
        "cloudtrail",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"state":"Enabled","disableConfirmation":null}}"#,
    ]);
    wait_org_scope(&mut s, &store, true);
    s.wait_examples_ready();
    assert_org_trail_live(&s);
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
    s.finish();
}

/// A declared disable wins over someone turning trusted access back on by hand: the
/// TrustedAccess controller turns it off again, and in between no trail or store is
/// converted back (that would only recreate member copies for moments).
#[test]
fn s2b_declared_disable_holds_against_a_manual_enable() {
    let mut s = Scenario::start();
    examples_ready(&mut s);
    let store = store_arn(&s);
    s.kubectl_ok(&[
        "patch",
        "trustedaccess",
        "cloudtrail",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"state":"Disabled","disableConfirmation":"disable"}}"#,
    ]);
    wait_org_scope(&mut s, &store, false);
    let conversions = |s: &Scenario| {
        s.emu.calls_of("UpdateTrail").len() + s.emu.calls_of("UpdateEventDataStore").len()
    };
    let before = conversions(&s);
    let disables = s.emu.calls_of("DisableAWSServiceAccess").len();

    set_trusted_access_by_hand(&s, true);
    s.wait_for("the declared Disabled state restored", TIMEOUT, |s| {
        (s.emu.calls_of("DisableAWSServiceAccess").len() > disables
            && !s.trusted_services().iter().any(|p| p == CLOUDTRAIL))
        .then_some(())
    });
    // Two more resyncs in which a conversion would show up.
    std::thread::sleep(Duration::from_secs(2 * RESYNC_SECS + 1));
    assert_eq!(
        conversions(&s),
        before,
        "trails or stores were converted back while TrustedAccess declares Disabled: {:#?}",
        s.emu.calls_of("UpdateTrail")
    );
    wait_org_scope(&mut s, &store, false);
    s.finish();
}

/// Trusted access managed outside the cluster (no TrustedAccess object): after someone
/// turns it back on, trails and stores that were waiting for it are converted back at the
/// trusted-access period, not at the next full resync (an hour here, so only the
/// waiting path can pass this).
#[test]
fn s3a_reenabled_elsewhere_converts_back_without_a_trusted_access_object() {
    let mut s = Scenario::start();
    let flags = [
        "--resync-seconds",
        "3600",
        "--trusted-access-resync-seconds",
        "2",
    ];
    set_trusted_access_by_hand(&s, true);
    s.start_operator_with(AKID_MANAGEMENT, &flags);
    s.apply_example("20-org-trail.yaml");
    s.apply_example("30-org-event-data-store.yaml");
    s.wait_ready("orgtrail", TRAIL);
    s.wait_ready("orgeventdatastore", "organization-lake");
    let store = store_arn(&s);

    set_trusted_access_by_hand(&s, false);
    wait_org_scope(&mut s, &store, false);
    // A restart makes every object look at AWS now, find trusted access off and wait.
    s.stop_operator();
    s.start_operator_with(AKID_MANAGEMENT, &flags);
    for (kind, name) in [
        ("orgtrail", TRAIL),
        ("orgeventdatastore", "organization-lake"),
    ] {
        s.wait_for(
            &format!("{kind} waiting for trusted access"),
            TIMEOUT,
            |s| {
                let o = s.get(kind, name)?;
                let ready = condition(&o, "Ready")?;
                (ready["status"] == "False" && ready["reason"] == "TrustedAccessDisabled")
                    .then_some(())
            },
        );
    }

    set_trusted_access_by_hand(&s, true);
    wait_org_scope(&mut s, &store, true);
    s.wait_ready("orgtrail", TRAIL);
    s.wait_ready("orgeventdatastore", "organization-lake");
    assert!(
        !s.trusted_services().is_empty(),
        "trusted access was re-enabled by hand, and stays"
    );
    s.finish();
}

#[test]
fn s3_out_of_band_disable_is_reverted() {
    let mut s = Scenario::start();
    examples_ready(&mut s);
    let store = store_arn(&s);

    set_trusted_access_by_hand(&s, false);
    wait_trusted_access_enabled(&mut s);
    wait_org_scope(&mut s, &store, true);
    s.wait_examples_ready();
    assert_org_trail_live(&s);
    s.wait_for(
        "Warning DisabledOutOfBand and Reconverted events",
        TIMEOUT,
        |s| {
            (s.has_event(
                "Warning",
                "DisabledOutOfBand",
                "TrustedAccess",
                "cloudtrail",
            ) && s.has_event("Normal", "Reconverted", "OrgTrail", TRAIL)
                && s.has_event(
                    "Normal",
                    "Reconverted",
                    "OrgEventDataStore",
                    "organization-lake",
                ))
            .then_some(())
        },
    );
    // What a person types:
    let table = s.kubectl_ok(&["get", "events", "-A"]);
    assert!(table.contains("DisabledOutOfBand"), "{table}");
    s.finish();
}

/// One TrustedAccess the operator cannot read (written under a newer CRD) must not delay
/// what every other controller learns from the TrustedAccess objects it can read.
#[test]
fn s2c_an_unreadable_trusted_access_silences_nothing() {
    let mut s = Scenario::start();
    // A resync far beyond the test: the trail can only learn through the TrustedAccess
    // trigger watch.
    s.start_operator_with(AKID_MANAGEMENT, &["--resync-seconds", "300"]);
    s.apply_example("");
    s.wait_examples_ready();
    s.with_object_from_the_future(
        "trustedaccess",
        r#"[{"op":"add","path":"/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/state/enum/-","value":"Suspended"}]"#,
        "apiVersion: orgtrail.dev/v1alpha1\nkind: TrustedAccess\nmetadata: {name: from-the-future}\n\
         spec: {state: Suspended}\n",
        unreadable_trusted_access_scenario,
    );
    s.finish();
}

fn unreadable_trusted_access_scenario(s: &mut Scenario) {
    s.wait_for(
        "InvalidObject on the unreadable TrustedAccess",
        TIMEOUT,
        |s| {
            let o = s.get("trustedaccess", "from-the-future")?;
            let c = condition(&o, "Stalled")?;
            (c["status"] == "True" && c["reason"] == "InvalidObject").then_some(())
        },
    );
    // What used to break is a watch that lists while the unreadable object exists (at
    // start, or after a 410 Gone): restart the operator, and let its first reconciles of
    // the trails finish before anything changes.
    s.stop_operator();
    s.start_operator_with(AKID_MANAGEMENT, &["--resync-seconds", "300"]);
    s.wait_for(
        "the restarted operator reconciled the OrgTrails",
        TIMEOUT,
        |s| {
            s.metrics()?
                .lines()
                .any(|l| {
                    l.starts_with(r#"orgtrail_reconcile_duration_seconds_count{kind="OrgTrail"}"#)
                        && !l.ends_with(" 0")
                })
                .then_some(())
        },
    );
    std::thread::sleep(Duration::from_secs(2));

    s.kubectl_ok(&[
        "patch",
        "trustedaccess",
        "cloudtrail",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"state":"Disabled","disableConfirmation":"disable"}}"#,
    ]);
    // The trail learns it through the TrustedAccess trigger watch, which the unreadable
    // object used to break (every relist failed): within seconds, not a resync later.
    s.wait_for(
        "OrgTrail not Ready, OrganizationScope=False/TrustedAccessDisabled",
        Duration::from_secs(20),
        |s| {
            let ot = s.get("orgtrail", TRAIL)?;
            let scope = condition(&ot, "OrganizationScope")?;
            let ready = condition(&ot, "Ready")?;
            (scope["status"] == "False"
                && scope["reason"] == "TrustedAccessDisabled"
                && ready["status"] == "False")
                .then_some(())
        },
    );
    s.kubectl_ok(&["delete", "trustedaccess", "from-the-future"]);
}
