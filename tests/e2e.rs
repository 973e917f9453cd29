//! End-to-end scenarios (issue 5) against a real kube-apiserver (`make test` starts one
//! with hack/with-testenv.sh), the AWS emulator and the operator binary as separate
//! processes. Manifests go in with `kubectl`, out-of-band AWS changes with the AWS CLI.
//! Without ORGTRAIL_TEST_KUBECONFIG every test fails: none can pass vacuously.

mod support;

#[path = "e2e/harness.rs"]
mod harness;

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

// ------------------------------------------------------------------------ 1

#[test]
fn s1_examples_converge_and_stay_quiet() {
    let mut s = Scenario::start();
    examples_ready(&mut s);

    assert_org_trail_live(&s);
    let trail = s.trail(AKID_MANAGEMENT, TRAIL).unwrap();
    assert_eq!(trail["S3BucketName"], "orgtrail-logs");
    assert_eq!(trail["IsMultiRegionTrail"], true);
    assert_eq!(trail["LogFileValidationEnabled"], true);
    let eds = s.event_data_store(&store_arn(&s));
    assert_eq!(eds["OrganizationEnabled"], true, "{eds}");
    assert_eq!(eds["Status"], "ENABLED", "{eds}");
    assert_eq!(eds["RetentionPeriod"], 366, "{eds}");
    assert!(s.trusted_services().iter().any(|p| p == CLOUDTRAIL));
    let admins = s.aws(
        AKID_MANAGEMENT,
        &[
            "organizations",
            "list-delegated-administrators",
            "--service-principal",
            CLOUDTRAIL,
        ],
    );
    assert!(
        admins["DelegatedAdministrators"]
            .as_array()
            .is_some_and(|a| a.iter().any(|d| d["Id"] == "222222222222")),
        "222222222222 is not a delegated administrator: {admins}"
    );
    let ot = s.get("orgtrail", TRAIL).unwrap();
    assert_eq!(ot["status"]["arn"], TRAIL_ARN);
    assert_eq!(
        condition(&ot, "OrganizationScope").map(|c| c["status"].clone()),
        Some(json!("True"))
    );

    // Steady state: nothing changes, so the operator must not write to AWS.
    s.emu.clear_calls();
    std::thread::sleep(Duration::from_secs(3 * RESYNC_SECS + 1));
    let calls = s.emu.calls();
    let reads = calls.iter().filter(|c| c["kind"] == "read").count();
    let writes: Vec<&Value> = calls.iter().filter(|c| c["kind"] == "write").collect();
    assert!(
        reads > 0,
        "no AWS reads in 3 resyncs: the operator is not resyncing"
    );
    assert!(writes.is_empty(), "writes in steady state: {writes:#?}");
    s.finish();
}

// ------------------------------------------------------------------------ 2

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

    s.aws(
        AKID_MANAGEMENT,
        &[
            "organizations",
            "enable-aws-service-access",
            "--service-principal",
            CLOUDTRAIL,
        ],
    );
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

// ------------------------------------------------------------------------ 3

/// Trusted access managed outside the cluster (no TrustedAccess object): after someone
/// turns it back on, trails and stores that were waiting for it are converted back at the
/// trusted-access period, not at the next full resync (an hour here, so only the
/// waiting path can pass this).
#[test]
fn s3a_reenabled_elsewhere_converts_back_without_a_trusted_access_object() {
    let mut s = Scenario::start();
    let trust = |s: &Scenario, verb: &str| {
        s.aws(
            AKID_MANAGEMENT,
            &[
                "organizations",
                &format!("{verb}-aws-service-access"),
                "--service-principal",
                CLOUDTRAIL,
            ],
        );
    };
    let flags = [
        "--resync-seconds",
        "3600",
        "--trusted-access-resync-seconds",
        "2",
    ];
    trust(&s, "enable");
    s.start_operator_with(AKID_MANAGEMENT, &flags);
    s.apply_example("20-org-trail.yaml");
    s.apply_example("30-org-event-data-store.yaml");
    s.wait_ready("orgtrail", TRAIL);
    s.wait_ready("orgeventdatastore", "organization-lake");
    let store = store_arn(&s);

    trust(&s, "disable");
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

    trust(&s, "enable");
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

    s.aws(
        AKID_MANAGEMENT,
        &[
            "organizations",
            "disable-aws-service-access",
            "--service-principal",
            CLOUDTRAIL,
        ],
    );
    s.wait_for("trusted access re-enabled", TIMEOUT, |s| {
        s.trusted_services()
            .iter()
            .any(|p| p == CLOUDTRAIL)
            .then_some(())
    });
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

/// A CRD newer than the operator (here: one more `deletionPolicy` value) lets through an
/// object this operator cannot read. It is reported on the object (kstatus Stalled,
/// reason InvalidObject, naming the bad value) and by a Warning event, while other objects
/// of the kind keep converging.
#[test]
fn s5b_unreadable_object_is_reported_not_fatal() {
    let mut s = Scenario::start();
    s.start_operator();
    s.kubectl_ok(&[
        "patch",
        "crd",
        "delegatedadmins.orgtrail.dev",
        "--type",
        "json",
        "-p",
        r#"[{"op":"add","path":"/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/deletionPolicy/enum/-","value":"Orphan"}]"#,
    ]);
    // Whatever happens below, the next scenario gets the CRD from crds/ back.
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        unreadable_object_scenario(&mut s)
    }));
    let crd = examples_dir().join("../crds/delegatedadmin.yaml");
    s.kubectl_ok(&[
        "apply",
        "--server-side",
        "--force-conflicts",
        "-f",
        crd.to_str().expect("utf-8 path"),
    ]);
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
    s.finish();
}

fn unreadable_object_scenario(s: &mut Scenario) {
    let bad = s.dir.path().join("from-the-future.yaml");
    std::fs::write(
        &bad,
        "apiVersion: orgtrail.dev/v1alpha1\nkind: DelegatedAdmin\nmetadata: {name: from-the-future}\n\
         spec: {accountId: '444444444444', deletionPolicy: Orphan}\n",
    )
    .expect("write manifest");
    // The API server takes a moment to serve the widened schema.
    s.wait_for(
        "the API server accepts deletionPolicy Orphan",
        TIMEOUT,
        |s| {
            s.kubectl(&["apply", "-f", bad.to_str().expect("utf-8 path")])
                .status
                .success()
                .then_some(())
        },
    );
    s.apply_example("00-trusted-access.yaml");
    s.apply_example("10-delegated-admin.yaml");

    let stalled = s.wait_for("InvalidObject on the unreadable object", TIMEOUT, |s| {
        let o = s.get("delegatedadmin", "from-the-future")?;
        let c = condition(&o, "Stalled")?;
        (c["status"] == "True" && c["reason"] == "InvalidObject").then_some(o)
    });
    let message = condition(&stalled, "Stalled").expect("Stalled")["message"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(message.contains("Orphan"), "{message}");
    assert_eq!(
        condition(&stalled, "Ready").expect("Ready")["status"],
        "False",
        "{stalled}"
    );
    assert_eq!(
        stalled["status"]["observedGeneration"], stalled["metadata"]["generation"],
        "{stalled}"
    );
    s.wait_ready("delegatedadmin", "security-tooling");
    s.wait_for("Warning InvalidObject event", TIMEOUT, |s| {
        s.has_event(
            "Warning",
            "InvalidObject",
            "DelegatedAdmin",
            "from-the-future",
        )
        .then_some(())
    });
    let registered = s.aws(
        AKID_MANAGEMENT,
        &["organizations", "list-delegated-administrators"],
    );
    assert!(
        !registered.to_string().contains("444444444444"),
        "an unreadable object reached AWS: {registered}"
    );
    s.kubectl_ok(&["delete", "delegatedadmin", "from-the-future"]);
}

// ------------------------------------------------------------------------ 4

#[test]
fn s4_tampering_is_undone() {
    let mut s = Scenario::start();
    examples_ready(&mut s);

    s.aws(
        AKID_MANAGEMENT,
        &["cloudtrail", "stop-logging", "--name", TRAIL_ARN],
    );
    s.wait_for("logging restarted", TIMEOUT, |s| {
        (s.is_logging(TRAIL_ARN) && s.has_event("Warning", "LoggingRestarted", "OrgTrail", TRAIL))
            .then_some(())
    });

    s.aws(
        AKID_MANAGEMENT,
        &["cloudtrail", "delete-trail", "--name", TRAIL_ARN],
    );
    s.wait_for("trail recreated", TIMEOUT, |s| {
        let t = s.trail(AKID_MANAGEMENT, TRAIL)?;
        (t["IsOrganizationTrail"] == true
            && s.is_logging(TRAIL_ARN)
            && s.has_event("Warning", "Recreated", "OrgTrail", TRAIL))
        .then_some(())
    });
    assert_org_trail_live(&s);
    s.wait_ready("orgtrail", TRAIL);
    s.finish();
}

// ------------------------------------------------------------------------ 5

/// `kubectl apply` must fail with `message`, and create nothing.
fn assert_rejected(s: &mut Scenario, yaml: &str, message: &str) {
    let out = s.apply(yaml);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "accepted:\n{yaml}");
    assert!(
        stderr.contains(message),
        "expected {message:?} in kubectl's error, got: {stderr}"
    );
}

#[test]
fn s5_bad_manifests_are_rejected_with_cel_messages() {
    let mut s = Scenario::start();
    // The operator runs, so a rejection cannot be confused with a reconcile failure.
    s.start_operator();

    assert_rejected(
        &mut s,
        "apiVersion: orgtrail.dev/v1alpha1\nkind: TrustedAccess\nmetadata: {name: cloudtrail}\n\
         spec: {servicePrincipal: cloudtrail.amazonaws.com, state: Disabled}\n",
        "to confirm, set disableConfirmation: disable",
    );
    let trail = |name: &str, extra: &str| {
        format!(
            "apiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {{name: bad-trail}}\n\
             spec:\n  name: {name}\n  homeRegion: us-east-1\n  s3BucketName: orgtrail-logs\n{extra}"
        )
    };
    assert_rejected(
        &mut s,
        &trail("-bad-name", ""),
        "trail name must be 3-128 characters",
    );
    assert_rejected(
        &mut s,
        &trail("bad..name", ""),
        "trail name must not contain adjacent periods",
    );
    assert_rejected(
        &mut s,
        "apiVersion: orgtrail.dev/v1alpha1\nkind: DelegatedAdmin\nmetadata: {name: bad-admin}\n\
         spec: {accountId: \"12345\"}\n",
        "must be a 12-digit AWS account id",
    );
    assert_rejected(
        &mut s,
        &trail(
            "both-selectors",
            "  eventSelectors:\n  - readWriteType: All\n    includeManagementEvents: true\n\
             \x20 advancedEventSelectors:\n  - fieldSelectors:\n    - field: eventCategory\n      equals: [Management]\n",
        ),
        "eventSelectors and advancedEventSelectors are mutually exclusive",
    );
    assert_rejected(
        &mut s,
        "apiVersion: orgtrail.dev/v1alpha1\nkind: OrgEventDataStore\nmetadata: {name: bad-lake}\n\
         spec: {name: bad-lake, homeRegion: us-east-1, retentionPeriod: 5}\n",
        "retentionPeriod must be between 7 and 3653 days",
    );
    let remaining = s.remaining();
    assert!(
        remaining.is_empty(),
        "rejected objects exist: {remaining:?}"
    );

    // Immutability needs an existing object.
    s.apply_ok(&trail("renamable", "  isOrganizationTrail: false\n"));
    assert_rejected(
        &mut s,
        &trail("renamed", "  isOrganizationTrail: false\n"),
        "name is immutable",
    );
    let kept = s.get("orgtrail", "bad-trail").expect("object");
    assert_eq!(kept["spec"]["name"], "renamable");
    s.finish();
}

// ------------------------------------------------------------------------ 6

#[test]
fn s6_deletion_policy_retain_and_delete() {
    let mut s = Scenario::start();
    s.start_operator();
    s.apply_example("00-trusted-access.yaml");
    let trail = |name: &str, policy: &str| {
        format!(
            "apiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {{name: {name}}}\n\
             spec:\n  name: {name}\n  homeRegion: us-east-1\n  s3BucketName: orgtrail-logs\n\
             \x20 isOrganizationTrail: true\n  logging: true\n  deletionPolicy: {policy}\n"
        )
    };
    s.apply_ok(&trail("kept-trail", "Retain"));
    s.apply_ok(&trail("dropped-trail", "Delete"));
    s.apply_ok(
        "apiVersion: orgtrail.dev/v1alpha1\nkind: OrgEventDataStore\nmetadata: {name: dropped-lake}\n\
         spec:\n  name: dropped-lake\n  homeRegion: us-east-1\n  organizationEnabled: true\n\
         \x20 retentionPeriod: 30\n  terminationProtectionEnabled: true\n  deletionPolicy: Delete\n",
    );
    s.wait_ready("orgtrail", "kept-trail");
    s.wait_ready("orgtrail", "dropped-trail");
    let lake = s.wait_ready("orgeventdatastore", "dropped-lake");
    let lake_arn = lake["status"]["arn"]
        .as_str()
        .expect("store arn")
        .to_owned();
    assert_eq!(
        s.event_data_store(&lake_arn)["TerminationProtectionEnabled"],
        true
    );

    s.kubectl_ok(&[
        "delete",
        "orgtrails.orgtrail.dev",
        "kept-trail",
        "--timeout=45s",
    ]);
    s.kubectl_ok(&[
        "delete",
        "orgtrails.orgtrail.dev",
        "dropped-trail",
        "--timeout=45s",
    ]);
    s.kubectl_ok(&[
        "delete",
        "orgeventdatastore",
        "dropped-lake",
        "--timeout=45s",
    ]);

    let kept = s.trail(AKID_MANAGEMENT, "kept-trail");
    assert!(
        kept.is_some(),
        "Retain: trail deleted from AWS{}",
        s.diagnostics()
    );
    assert!(
        s.trail(AKID_MANAGEMENT, "dropped-trail").is_none(),
        "Delete: trail still in AWS{}",
        s.diagnostics()
    );
    let eds = s.event_data_store(&lake_arn);
    assert_eq!(eds["Status"], "PENDING_DELETION", "{eds}");
    assert_eq!(eds["TerminationProtectionEnabled"], false, "{eds}");

    // Delegated administrators: Retain keeps the registration, Delete deregisters.
    let admin = |name: &str, account: &str, policy: &str| {
        format!(
            "apiVersion: orgtrail.dev/v1alpha1\nkind: DelegatedAdmin\nmetadata: {{name: {name}}}\n\
             spec:\n  accountId: \"{account}\"\n  deletionPolicy: {policy}\n"
        )
    };
    s.apply_ok(&admin("kept-admin", "222222222222", "Retain"));
    s.apply_ok(&admin("dropped-admin", "333333333333", "Delete"));
    s.wait_ready("delegatedadmin", "kept-admin");
    s.wait_ready("delegatedadmin", "dropped-admin");
    let admins = |s: &Scenario| -> Vec<String> {
        let mut ids: Vec<String> = s.aws(
            AKID_MANAGEMENT,
            &[
                "organizations",
                "list-delegated-administrators",
                "--service-principal",
                CLOUDTRAIL,
            ],
        )["DelegatedAdministrators"]
            .as_array()
            .expect("DelegatedAdministrators")
            .iter()
            .filter_map(|a| a["Id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(admins(&s), ["222222222222", "333333333333"]);
    for name in ["kept-admin", "dropped-admin"] {
        s.kubectl_ok(&["delete", "delegatedadmin", name, "--timeout=45s"]);
    }
    assert_eq!(
        admins(&s),
        ["222222222222"],
        "Retain kept, Delete deregistered"
    );
    s.finish();
}

// ------------------------------------------------------------------------ 7

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
    s.aws(
        AKID_MANAGEMENT,
        &[
            "organizations",
            "disable-aws-service-access",
            "--service-principal",
            CLOUDTRAIL,
        ],
    );
    s.wait_for("trusted access re-enabled", TIMEOUT, |s| {
        s.trusted_services()
            .iter()
            .any(|p| p == CLOUDTRAIL)
            .then_some(())
    });
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

/// Event data store tampering: ingestion stopped by hand is restarted; a store deleted
/// by hand (after turning its termination protection off) is restored, not duplicated.
#[test]
fn s4b_event_data_store_tampering_is_undone() {
    let mut s = Scenario::start();
    examples_ready(&mut s);
    let store = store_arn(&s);

    s.aws(
        AKID_MANAGEMENT,
        &[
            "cloudtrail",
            "stop-event-data-store-ingestion",
            "--event-data-store",
            &store,
        ],
    );
    s.wait_for("ingestion restarted", TIMEOUT, |s| {
        (s.event_data_store(&store)["Status"] == "ENABLED").then_some(())
    });

    // The operator would put termination protection back within a resync, before the
    // delete: tamper while it is down, as drift found at start-up.
    s.stop_operator();

    s.aws(
        AKID_MANAGEMENT,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &store,
            "--no-termination-protection-enabled",
        ],
    );
    s.aws(
        AKID_MANAGEMENT,
        &[
            "cloudtrail",
            "delete-event-data-store",
            "--event-data-store",
            &store,
        ],
    );
    s.start_operator();
    s.wait_for("store restored with termination protection", TIMEOUT, |s| {
        let eds = s.event_data_store(&store);
        (eds["Status"] == "ENABLED"
            && eds["TerminationProtectionEnabled"] == true
            && s.has_event(
                "Warning",
                "Restored",
                "OrgEventDataStore",
                "organization-lake",
            ))
        .then_some(())
    });
    let stores = s.aws(AKID_MANAGEMENT, &["cloudtrail", "list-event-data-stores"]);
    let named: Vec<_> = stores["EventDataStores"]
        .as_array()
        .expect("EventDataStores")
        .iter()
        .filter(|e| e["Name"] == "organization-lake")
        .collect();
    assert_eq!(named.len(), 1, "exactly one store of that name: {stores}");
    s.wait_ready("orgeventdatastore", "organization-lake");
    s.finish();
}

/// A trail that exists in AWS and is not ours is a name clash (Stalled) until the user
/// asks to adopt it; then the operator takes it over, tags it, and makes it match.
#[test]
fn s4c_name_clash_then_adoption() {
    let mut s = Scenario::start();
    s.start_operator();
    s.apply_example("00-trusted-access.yaml");
    s.wait_ready("trustedaccess", "cloudtrail");
    s.aws(
        AKID_MANAGEMENT,
        &[
            "cloudtrail",
            "create-trail",
            "--name",
            TRAIL,
            "--s3-bucket-name",
            "orgtrail-logs",
            "--is-organization-trail",
        ],
    );
    s.apply_example("20-org-trail.yaml");
    let stalled = s.wait_for("NameClash stall", TIMEOUT, |s| {
        let ot = s.get("orgtrail", TRAIL)?;
        let st = condition(&ot, "Stalled")?;
        (st["status"] == "True" && st["reason"] == "NameClash").then_some(ot)
    });
    assert_eq!(
        condition(&stalled, "Ready").expect("Ready")["status"],
        "False"
    );
    assert!(
        !s.is_logging(TRAIL_ARN),
        "a foreign trail must not be touched"
    );

    s.kubectl_ok(&[
        "patch",
        "orgtrails.orgtrail.dev",
        TRAIL,
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"adoptExisting":true}}"#,
    ]);
    s.wait_ready("orgtrail", TRAIL);
    assert!(s.has_event("Normal", "Adopted", "OrgTrail", TRAIL));
    let trail = s.trail(AKID_MANAGEMENT, TRAIL).expect("trail");
    assert_eq!(
        trail["LogFileValidationEnabled"], true,
        "adopted trail made to match the spec: {trail}"
    );
    assert!(s.is_logging(TRAIL_ARN));
    let tags = s.aws(
        AKID_MANAGEMENT,
        &["cloudtrail", "list-tags", "--resource-id-list", TRAIL_ARN],
    );
    let owner = tags["ResourceTagList"][0]["TagsList"]
        .as_array()
        .expect("TagsList")
        .iter()
        .any(|t| t["Key"] == "orgtrail.dev/owner" && t["Value"] == "OrgTrail/organization-audit");
    assert!(owner, "adopted trail carries the owner tag: {tags}");
    s.finish();
}

/// Throttling beyond the SDK's own retries ends in exponential backoff, not a hot loop,
/// and the object converges once AWS recovers.
#[test]
fn s4d_throttling_backs_off_then_converges() {
    let mut s = Scenario::start();
    s.emu.throttle("CreateTrail", 100_000);
    s.start_operator();
    s.apply_example("");
    s.wait_ready("trustedaccess", "cloudtrail");
    std::thread::sleep(Duration::from_secs(12));
    let attempts = s.emu.calls_of("CreateTrail").len();
    // Backoff 1 s, 2 s, 4 s, 8 s (x the SDK's 3 attempts each, plus one early retrigger by
    // the TrustedAccess watch) allows about 15 calls in 12 s; a retry loop makes hundreds.
    assert!(
        (3..=24).contains(&attempts),
        "{attempts} CreateTrail attempts in 12 s"
    );
    let ot = s.get("orgtrail", TRAIL).expect("OrgTrail");
    assert_ne!(
        condition(&ot, "Ready").map(|c| c["status"].clone()),
        Some(json!("True")),
        "cannot be Ready while CreateTrail is throttled: {ot}"
    );
    s.emu.clear_faults();
    s.wait_examples_ready();
    let ok = s
        .emu
        .calls_of("CreateTrail")
        .iter()
        .filter(|c| c["outcome"] == "ok")
        .count();
    assert_eq!(ok, 1, "exactly one trail created");
    s.finish();
}

/// What AWS refuses becomes a condition with AWS's reason, never a retry storm: an IAM
/// denial names the missing permission and clears itself once granted; input AWS rejects
/// stalls with no retry until the spec changes.
#[test]
fn s4e_refusals_become_conditions() {
    let mut s = Scenario::start();
    s.emu
        .configure(json!({"denied_actions": {"AKIDMANAGEMENT": ["cloudtrail:StartLogging"]}}));
    s.start_operator();
    s.apply_example("00-trusted-access.yaml");
    s.apply_example("20-org-trail.yaml");
    s.wait_for(
        "Stalled AccessDenied naming cloudtrail:StartLogging",
        TIMEOUT,
        |s| {
            let ot = s.get("orgtrail", TRAIL)?;
            let c = condition(&ot, "Stalled")?;
            (c["status"] == "True"
                && c["reason"] == "AccessDenied"
                && c["message"].as_str()?.contains("cloudtrail:StartLogging"))
            .then_some(())
        },
    );
    s.emu
        .configure(json!({"denied_actions": {"AKIDMANAGEMENT": []}}));
    s.wait_ready("orgtrail", TRAIL);
    assert!(s.is_logging(TRAIL_ARN));

    // The management account can't be its own delegated administrator: AWS says so.
    s.apply_ok(
        "apiVersion: orgtrail.dev/v1alpha1\nkind: DelegatedAdmin\nmetadata: {name: self-admin}\n\
         spec:\n  accountId: \"111111111111\"\n",
    );
    s.wait_for("Stalled InvalidInput", TIMEOUT, |s| {
        let da = s.get("delegatedadmin", "self-admin")?;
        let c = condition(&da, "Stalled")?;
        (c["status"] == "True" && c["reason"] == "InvalidInput").then_some(())
    });
    let registers = || s.emu.calls_of("RegisterOrganizationDelegatedAdmin").len();
    let before = registers();
    std::thread::sleep(Duration::from_secs(3 * RESYNC_SECS + 1));
    assert_eq!(
        registers(),
        before,
        "rejected input was retried without a spec change"
    );
    s.finish();
}

// ------------------------------------------------------------------------ 8

const BULK: usize = 20;

fn bulk_names() -> Vec<String> {
    (0..BULK).map(|i| format!("bulk-{i:02}")).collect()
}

/// Trails named `bulk-*` in the emulator state: (total, organization trails).
fn bulk_in_state(s: &Scenario) -> (Vec<String>, usize) {
    let state = s.emu.state();
    let trails: Vec<&Value> = state["trails"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|t| t["name"].as_str().is_some_and(|n| n.starts_with("bulk-")))
                .collect()
        })
        .unwrap_or_default();
    let names = trails
        .iter()
        .filter_map(|t| t["name"].as_str().map(str::to_owned))
        .collect();
    let org = trails
        .iter()
        .filter(|t| t["is_organization_trail"] == true)
        .count();
    (names, org)
}

#[test]
fn s8_kill_during_reconversion_then_converge_without_duplicates() {
    let mut s = Scenario::start();
    s.emu.configure(json!({"trail_quota": 1000}));
    s.start_operator();
    s.apply_example("00-trusted-access.yaml");
    let mut manifest = String::new();
    for name in bulk_names() {
        manifest.push_str(&format!(
            "---\napiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {{name: {name}}}\n\
             spec:\n  name: {name}\n  homeRegion: us-east-1\n  s3BucketName: orgtrail-logs\n\
             \x20 isOrganizationTrail: true\n  logging: true\n  deletionPolicy: Delete\n"
        ));
    }
    s.apply_ok(&manifest);
    for name in bulk_names() {
        s.wait_ready("orgtrail", &name);
    }

    // Slow conversions down so the kill lands in the middle of them.
    s.emu.add_fault(
        json!({"operation": "UpdateTrail", "kind": "latency", "latency_ms": 3000, "count": 10000}),
    );
    s.aws(
        AKID_MANAGEMENT,
        &[
            "organizations",
            "disable-aws-service-access",
            "--service-principal",
            CLOUDTRAIL,
        ],
    );
    // The operator turns trusted access back on first, then converts the trails.
    s.wait_for("trusted access re-enabled", Duration::from_secs(60), |s| {
        (!s.emu.calls_of("EnableAWSServiceAccess").is_empty()).then_some(())
    });
    // Conversions run concurrently; with 3 s of latency each, they are all in flight now.
    std::thread::sleep(Duration::from_millis(500));
    s.kill_operator();
    let (_, at_kill) = bulk_in_state(&s);
    assert!(at_kill < BULK, "every trail converged before the kill");
    s.emu.clear_faults();

    s.start_operator();
    s.wait_for(
        "all bulk trails organization trails again",
        Duration::from_secs(120),
        |s| {
            let (_, org) = bulk_in_state(s);
            (org == BULK).then_some(())
        },
    );
    for name in bulk_names() {
        s.wait_ready("orgtrail", &name);
    }
    let (mut names, _) = bulk_in_state(&s);
    names.sort();
    assert_eq!(names, bulk_names(), "exactly one trail per name");
    let member_view = s
        .trails(AKID_MEMBER)
        .into_iter()
        .filter(|t| t["Name"].as_str().is_some_and(|n| n.starts_with("bulk-")))
        .count();
    assert_eq!(
        member_view, BULK,
        "member accounts see every organization trail once"
    );
    s.finish();
}
