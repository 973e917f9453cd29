//! Changes made in AWS behind the operator's back, name clashes, throttling and refusals.

use super::*;

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

/// Something keeps changing one field back (a script, another tool): the operator keeps
/// correcting it, and its status says so, naming the field, instead of `Ready=True`.
#[test]
fn s4f_a_field_changed_back_again_and_again_is_contested() {
    use std::sync::atomic::{AtomicBool, Ordering};
    let mut s = Scenario::start();
    examples_ready(&mut s);
    let stop = AtomicBool::new(false);
    let contested = std::thread::scope(|scope| {
        let s = &s;
        scope.spawn(|| {
            while !stop.load(Ordering::SeqCst) {
                s.aws_raw(
                    AKID_MANAGEMENT,
                    &[
                        "cloudtrail",
                        "update-trail",
                        "--name",
                        TRAIL_ARN,
                        "--no-enable-log-file-validation",
                    ],
                );
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        let deadline = std::time::Instant::now() + TIMEOUT;
        let found = loop {
            let stalled = s.get("orgtrail", TRAIL).and_then(|ot| {
                let c = condition(&ot, "Stalled")?.clone();
                (c["status"] == "True" && c["reason"] == "Contested").then_some(c)
            });
            if stalled.is_some() || std::time::Instant::now() > deadline {
                break stalled;
            }
            std::thread::sleep(Duration::from_millis(250));
        };
        stop.store(true, Ordering::SeqCst);
        found
    });
    let contested = contested.unwrap_or_else(|| panic!("never Contested\n{}", s.diagnostics()));
    let message = contested["message"].as_str().unwrap_or_default();
    assert!(message.contains("EnableLogFileValidation"), "{message}");
    let ot = s.get("orgtrail", TRAIL).expect("OrgTrail");
    assert_eq!(condition(&ot, "Ready").expect("Ready")["status"], "False");
    // Left alone, it is corrected once more and Ready again.
    s.wait_ready("orgtrail", TRAIL);
    let trail = s.trail(AKID_MANAGEMENT, TRAIL).expect("trail");
    assert_eq!(trail["LogFileValidationEnabled"], true, "{trail}");
    s.finish();
}
