//! AWS API call events (EventBridge → SQS) as triggers, with the operator at its DEFAULT
//! resync periods (1 hour, trusted access 5 minutes, with events): every change made by
//! hand below is undone within the scenario's timeout only because its event woke the
//! operator. Run once with the queue flag removed, this scenario fails at its first
//! restoration (docs/events.md records it).

use super::*;
use support::AKID_ADMIN;

/// The queue and the rule, made with the AWS CLI as docs/events.md shows (in us-east-1,
/// the operator's region, one rule covers CloudTrail and Organizations calls alike).
pub fn events_queue(s: &Scenario) -> String {
    let url = s.aws(
        AKID_MANAGEMENT,
        &[
            "sqs",
            "create-queue",
            "--queue-name",
            "orgtrail-operator-events",
        ],
    )["QueueUrl"]
        .as_str()
        .expect("QueueUrl")
        .to_owned();
    let arn = s.aws(
        AKID_MANAGEMENT,
        &[
            "sqs",
            "get-queue-attributes",
            "--queue-url",
            &url,
            "--attribute-names",
            "QueueArn",
        ],
    )["Attributes"]["QueueArn"]
        .as_str()
        .expect("QueueArn")
        .to_owned();
    let pattern = format!(
        "file://{}/deploy/events/event-pattern.json",
        env!("CARGO_MANIFEST_DIR")
    );
    s.aws(
        AKID_MANAGEMENT,
        &[
            "events",
            "put-rule",
            "--name",
            "orgtrail-operator-api-calls",
            "--event-pattern",
            &pattern,
        ],
    );
    s.aws(
        AKID_MANAGEMENT,
        &[
            "events",
            "put-targets",
            "--rule",
            "orgtrail-operator-api-calls",
            "--targets",
            &format!("Id=orgtrail-operator-events,Arn={arn}"),
        ],
    );
    url
}

/// Whether a Warning `reason` about `kind/name` names the admin who made the change.
fn warned_about_admin(s: &Scenario, reason: &str, kind: &str, name: &str, call: &str) -> bool {
    s.events().iter().any(|e| {
        let note = e["message"].as_str().or(e["note"].as_str()).unwrap_or("");
        e["type"] == "Warning"
            && e["reason"] == reason
            && e["involvedObject"]["kind"] == kind
            && e["involvedObject"]["name"] == name
            && note.contains(&format!(
                "{call} by arn:aws:iam::111111111111:user/admin from "
            ))
    })
}

#[test]
fn s12_changes_by_hand_are_undone_at_default_settings() {
    let mut s = Scenario::start();
    let queue = events_queue(&s);
    s.start_operator_at_defaults(AKID_MANAGEMENT, &["--events-queue-url", &queue]);
    s.apply_example("");
    s.wait_examples_ready();
    let store = store_arn(&s);
    let selectors = |s: &Scenario| {
        s.aws(
            AKID_MANAGEMENT,
            &[
                "cloudtrail",
                "get-event-selectors",
                "--trail-name",
                TRAIL_ARN,
            ],
        )["AdvancedEventSelectors"]
            .clone()
    };
    let declared_selectors = selectors(&s);

    // Logging stopped.
    s.aws(
        AKID_ADMIN,
        &["cloudtrail", "stop-logging", "--name", TRAIL_ARN],
    );
    s.wait_for("logging restarted", TIMEOUT, |s| {
        (s.is_logging(TRAIL_ARN)
            && warned_about_admin(s, "LoggingRestarted", "OrgTrail", TRAIL, "StopLogging"))
        .then_some(())
    });

    // A field changed.
    s.aws(
        AKID_ADMIN,
        &[
            "cloudtrail",
            "update-trail",
            "--name",
            TRAIL_ARN,
            "--no-enable-log-file-validation",
        ],
    );
    s.wait_for("log file validation back on", TIMEOUT, |s| {
        let t = s.trail(AKID_MANAGEMENT, TRAIL)?;
        (t["LogFileValidationEnabled"] == true
            && warned_about_admin(s, "Updated", "OrgTrail", TRAIL, "UpdateTrail"))
        .then_some(())
    });

    // Selectors replaced.
    s.aws(
        AKID_ADMIN,
        &[
            "cloudtrail",
            "put-event-selectors",
            "--trail-name",
            TRAIL_ARN,
            "--event-selectors",
            r#"[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": true}]"#,
        ],
    );
    s.wait_for("selectors restored", TIMEOUT, |s| {
        (selectors(s) == declared_selectors).then_some(())
    });

    // Ingestion stopped.
    s.aws(
        AKID_ADMIN,
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

    // The store deleted. Termination protection must go first, and the operator would
    // put it back within a second of hearing about it: that event is held back (the
    // emulator's delay fault) until the delete is done, as a slow EventBridge would.
    s.emu.add_event_fault(json!({
        "kind": "delay", "delay_ms": 5000, "event_name": "UpdateEventDataStore", "count": 1
    }));
    s.aws(
        AKID_ADMIN,
        &[
            "cloudtrail",
            "update-event-data-store",
            "--event-data-store",
            &store,
            "--no-termination-protection-enabled",
        ],
    );
    s.aws(
        AKID_ADMIN,
        &[
            "cloudtrail",
            "delete-event-data-store",
            "--event-data-store",
            &store,
        ],
    );
    s.wait_for("store restored and protected", TIMEOUT, |s| {
        let eds = s.event_data_store(&store);
        (eds["Status"] == "ENABLED"
            && eds["TerminationProtectionEnabled"] == true
            && warned_about_admin(
                s,
                "Restored",
                "OrgEventDataStore",
                "organization-lake",
                "DeleteEventDataStore",
            ))
        .then_some(())
    });

    // Trusted access disabled: back on, trail and store converted back.
    s.aws(
        AKID_ADMIN,
        &[
            "organizations",
            "disable-aws-service-access",
            "--service-principal",
            CLOUDTRAIL,
        ],
    );
    s.wait_for("trusted access back", TIMEOUT, |s| {
        s.trusted_services()
            .iter()
            .any(|p| p == CLOUDTRAIL)
            .then_some(())
    });
    wait_org_scope(&mut s, &store, true);

    // The trail deleted (last: no trail logs until it is back, so no events either).
    s.aws(
        AKID_ADMIN,
        &["cloudtrail", "delete-trail", "--name", TRAIL_ARN],
    );
    s.wait_for("trail recreated", TIMEOUT, |s| {
        let t = s.trail(AKID_MANAGEMENT, TRAIL)?;
        (t["IsOrganizationTrail"] == true && s.is_logging(TRAIL_ARN)).then_some(())
    });
    assert_org_trail_live(&s);

    // The operator's own writes came back as events and were recognised as its own.
    let metrics = s.metrics().expect("metrics");
    let count = |outcome: &str| -> f64 {
        metrics
            .lines()
            .find(|l| {
                l.starts_with(&format!(
                    "orgtrail_events_received_total{{outcome=\"{outcome}\"}}"
                ))
            })
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    assert!(count("matched") >= 7.0, "{metrics}");
    assert!(count("ignored") >= 1.0, "own writes are ignored: {metrics}");
    assert!(
        metrics.contains("orgtrail_events_queue_healthy 1"),
        "{metrics}"
    );
    s.wait_examples_ready();
    s.finish();
}

/// Events are hints: a lost one costs time, never the correction. With events on and a
/// short resync, a StopLogging whose event is dropped is still undone by the resync.
#[test]
fn s12b_a_lost_event_is_caught_by_the_resync() {
    let mut s = Scenario::start();
    let queue = events_queue(&s);
    s.start_operator_with(
        AKID_MANAGEMENT,
        &["--events-queue-url", &queue, "--resync-seconds", "5"],
    );
    s.apply_example("");
    s.wait_examples_ready();
    s.emu
        .add_event_fault(json!({"kind": "drop", "event_name": "StopLogging", "count": 1}));
    s.aws(
        AKID_ADMIN,
        &["cloudtrail", "stop-logging", "--name", TRAIL_ARN],
    );
    s.wait_for("logging restarted by the resync", TIMEOUT, |s| {
        s.is_logging(TRAIL_ARN).then_some(())
    });
    let dropped = s.emu.published_events().iter().any(|e| {
        e["event"]["detail"]["eventName"] == "StopLogging"
            && e.to_string().contains("dropped_by_fault")
    });
    assert!(
        dropped,
        "the StopLogging event was not dropped: {:?}",
        s.emu.published_events()
    );
    // Without its event, nothing names who stopped it.
    assert!(!warned_about_admin(
        &s,
        "LoggingRestarted",
        "OrgTrail",
        TRAIL,
        "StopLogging"
    ));
    s.finish();
}
