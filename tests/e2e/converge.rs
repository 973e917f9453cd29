//! Examples converge and stay quiet; bad input is refused at admission or reported;
//! deletion policies.

use super::*;

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

    // Steady state: nothing changes, so the operator must not write to AWS, nor to the
    // objects (a status is written only when it changes).
    let versions = |s: &Scenario| -> Vec<Value> {
        [
            ("trustedaccess", "cloudtrail"),
            ("delegatedadmin", "security-tooling"),
            ("orgtrail", TRAIL),
            ("orgeventdatastore", "organization-lake"),
        ]
        .iter()
        .map(|(kind, name)| {
            s.get(kind, name).expect("example object")["metadata"]["resourceVersion"].clone()
        })
        .collect()
    };
    let before = versions(&s);
    s.emu.clear_calls();
    std::thread::sleep(Duration::from_secs(3 * RESYNC_SECS + 1));
    assert_eq!(versions(&s), before, "objects written in steady state");
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

/// A CRD newer than the operator (here: one more `deletionPolicy` value) lets through an
/// object this operator cannot read. It is reported on the object (kstatus Stalled,
/// reason InvalidObject, naming the bad value) and by a Warning event, while other objects
/// of the kind keep converging.
#[test]
fn s5b_unreadable_object_is_reported_not_fatal() {
    let mut s = Scenario::start();
    s.start_operator();
    s.with_object_from_the_future(
        "delegatedadmin",
        r#"[{"op":"add","path":"/spec/versions/0/schema/openAPIV3Schema/properties/spec/properties/deletionPolicy/enum/-","value":"Orphan"}]"#,
        "apiVersion: orgtrail.dev/v1alpha1\nkind: DelegatedAdmin\nmetadata: {name: from-the-future}\n\
         spec: {accountId: '444444444444', deletionPolicy: Orphan}\n",
        unreadable_object_scenario,
    );
    s.finish();
}

fn unreadable_object_scenario(s: &mut Scenario) {
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

/// An ordinary first apply (the examples and 20 trails at once) is no trouble: no
/// reconcile failure is counted (the alert in docs/operations.md stays quiet), and the
/// finalizers are owned by the operator, not by `unknown`.
#[test]
fn s1b_a_first_apply_counts_no_failures() {
    let mut s = Scenario::start();
    s.emu.configure(json!({"trail_quota": 1000}));
    s.start_operator();
    let mut manifest = std::fs::read_to_string(examples_dir().join("00-trusted-access.yaml"))
        .expect("example manifest");
    for i in 0..20 {
        let name = format!("first-apply-{i:02}");
        manifest.push_str(&format!(
            "\n---\napiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {{name: {name}}}\n\
             spec:\n  name: {name}\n  homeRegion: us-east-1\n  s3BucketName: orgtrail-logs\n"
        ));
    }
    s.apply_ok(&manifest);
    s.apply_example("");
    s.wait_examples_ready();
    for i in 0..20 {
        s.wait_ready("orgtrail", &format!("first-apply-{i:02}"));
    }
    let metrics = s.metrics().expect("the operator's /metrics");
    let failures: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("orgtrail_reconcile_failures_total{") && !l.ends_with(" 0"))
        .collect();
    assert!(failures.is_empty(), "failures counted: {failures:#?}");

    let managed = s.kubectl_ok(&[
        "get",
        "orgtrail",
        "first-apply-00",
        "-o",
        "json",
        "--show-managed-fields",
    ]);
    let managed: Value = serde_json::from_str(&managed).expect("kubectl JSON");
    let owners: Vec<&str> = managed["metadata"]["managedFields"]
        .as_array()
        .expect("managedFields")
        .iter()
        .filter(|m| m["fieldsV1"]["f:metadata"]["f:finalizers"].is_object())
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert_eq!(owners, ["orgtrail-operator"], "{managed:#}");
    s.finish();
}
