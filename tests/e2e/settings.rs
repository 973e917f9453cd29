//! CloudTrail settings added in 2025-2026: the recursive-logging guard, and settings
//! changed in AWS by hand (the AWS CLI, as the management account) while the object was
//! Ready, which the operator restores with one `DriftCorrected` Warning naming them.

use super::*;

/// A Lake federation role of the management account.
const FEDERATION_ROLE: &str = "arn:aws:iam::111111111111:role/LakeQueryFederation";
const LAKE: &str = "organization-lake";

/// `aws cloudtrail <args>` against the emulator as the management account, with the model
/// extras: its JSON output, or AWS's error message.
fn run_cli(s: &Scenario, args: &[&str]) -> Result<Value, String> {
    let args: Vec<&str> = std::iter::once("cloudtrail")
        .chain(args.iter().copied())
        .collect();
    let out = s.aws_raw(AKID_MANAGEMENT, &args);
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

/// `aws cloudtrail <args>`; `None` if AWS refused it (e.g. `InsightNotEnabledException`).
fn try_cli(s: &Scenario, args: &[&str]) -> Option<Value> {
    run_cli(s, args).ok()
}

/// `aws cloudtrail <args>`; must succeed.
fn cli(s: &Scenario, args: &[&str]) -> Value {
    run_cli(s, args).unwrap_or_else(|err| {
        panic!(
            "aws cloudtrail {} failed: {err}{}",
            args.join(" "),
            s.diagnostics()
        )
    })
}

/// `get-trail`'s `Trail`, with `RecursiveLogging` (through the model extras).
fn get_trail(s: &Scenario, name: &str) -> Value {
    cli(s, &["get-trail", "--name", name])["Trail"].clone()
}

/// How many times an event happened (`count`, or its series' count; at least 1).
fn occurrences(e: &Value) -> u64 {
    let count = e["count"].as_u64().unwrap_or(1);
    let series = e["series"]["count"].as_u64().unwrap_or(1);
    count.max(series).max(1)
}

/// The Warning events with `reason` about `kind/name`.
fn warnings(s: &Scenario, reason: &str, kind: &str, name: &str) -> Vec<Value> {
    s.events()
        .into_iter()
        .filter(|e| {
            e["type"] == "Warning"
                && e["reason"] == reason
                && e["involvedObject"]["kind"] == kind
                && e["involvedObject"]["name"] == name
        })
        .collect()
}

/// Total occurrences of the Warning events with `reason` about `kind/name`.
fn warning_count(s: &Scenario, reason: &str, kind: &str, name: &str) -> u64 {
    warnings(s, reason, kind, name)
        .iter()
        .map(occurrences)
        .sum()
}

/// Whether the `DriftCorrected` Warnings about `kind/name`, together, name every one of
/// `settings` (the operator may restore them in more than one reconcile).
fn drift_corrected_names(s: &Scenario, kind: &str, name: &str, settings: &[&str]) -> bool {
    let messages: Vec<String> = warnings(s, "DriftCorrected", kind, name)
        .iter()
        .filter_map(|e| e["message"].as_str().map(str::to_owned))
        .collect();
    !messages.is_empty()
        && settings
            .iter()
            .all(|setting| messages.iter().any(|m| m.contains(setting)))
}

/// The `DriftCorrected` Warnings about `kind/name`: time, occurrences and message.
fn describe_drift_corrected(s: &Scenario, kind: &str, name: &str) -> String {
    warnings(s, "DriftCorrected", kind, name)
        .iter()
        .map(|e| {
            format!(
                "\n  {} x{}: {}",
                e["eventTime"].as_str().unwrap_or_default(),
                occurrences(e),
                e["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

/// A setting changed by hand (the AWS CLI) while the object is Ready.
struct HandChange<'a> {
    /// Its AWS name, which the `DriftCorrected` message must contain.
    setting: &'static str,
    /// The change.
    tamper: &'a dyn Fn(&Scenario),
    /// Whether AWS shows the declared value again.
    restored: &'a dyn Fn(&Scenario) -> bool,
}

/// How long after AWS shows the declared value again its `DriftCorrected` Warning may
/// take to appear (the operator publishes it before restoring: this is slack).
const ANNOUNCED_WITHIN: Duration = Duration::from_secs(10);

/// Each change in turn, one correction at a time: made by hand, then undone in AWS (a hard
/// failure otherwise), then named by a `DriftCorrected` Warning about `kind/name`. Fails
/// after the last one if any correction was not named, listing which.
fn each_change_is_undone_and_named(
    s: &mut Scenario,
    kind: &str,
    name: &str,
    changes: &[HandChange],
) {
    let mut unnamed = vec![];
    for change in changes {
        (change.tamper)(s);
        s.wait_for(
            &format!("{} restored in AWS after a change by hand", change.setting),
            TIMEOUT,
            |s| (change.restored)(s).then_some(()),
        );
        let deadline = std::time::Instant::now() + ANNOUNCED_WITHIN;
        while !drift_corrected_names(s, kind, name, &[change.setting]) {
            if std::time::Instant::now() > deadline {
                unnamed.push(change.setting);
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }
    assert!(
        unnamed.is_empty(),
        "AWS shows every setting restored, but no Warning DriftCorrected about {kind}/{name} names {unnamed:?}; its DriftCorrected events:{}{}",
        describe_drift_corrected(s, kind, name),
        s.diagnostics()
    );
}

/// Sorted copies of JSON arrays, for order-insensitive comparison.
fn sorted(v: &Value) -> Vec<String> {
    let mut items: Vec<String> = v
        .as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default();
    items.sort();
    items
}

fn patch(s: &Scenario, kind: &str, name: &str, patch: &Value) {
    s.kubectl_ok(&[
        "patch",
        &harness::qualified(kind),
        name,
        "--type",
        "merge",
        "-p",
        &patch.to_string(),
    ]);
}

/// An account-level trail of the management account that logs S3 data events on every
/// object of its own bucket (log files included), with `recursiveLogging` left unset.
const LOOPING_TRAIL: &str = "bucket-access";
const LOOPING_TRAIL_YAML: &str = r#"apiVersion: orgtrail.dev/v1alpha1
kind: OrgTrail
metadata:
  name: bucket-access
spec:
  name: bucket-access
  homeRegion: us-east-1
  s3BucketName: orgtrail-account-only
  isOrganizationTrail: false
  advancedEventSelectors:
    - name: Management events
      fieldSelectors:
        - field: eventCategory
          equals: ["Management"]
    - name: Every object of the log bucket
      fieldSelectors:
        - field: eventCategory
          equals: ["Data"]
        - field: resources.type
          equals: ["AWS::S3::Object"]
        - field: resources.ARN
          startsWith: ["arn:aws:s3:::orgtrail-account-only/"]
  deletionPolicy: Delete
"#;

/// The examples' trail sets `recursiveLogging: false`: no warning. A trail logging S3 data
/// events on its own bucket while AWS's RecursiveLogging is on (its default) gets the
/// `RecursiveLogging` condition and one Warning; `recursiveLogging: false` clears both.
#[test]
fn s13_examples_show_no_recursive_logging_warning_and_a_looping_trail_does() {
    let mut s = Scenario::start();
    examples_ready(&mut s);
    let org_trail = s.get("orgtrail", TRAIL).expect("OrgTrail");
    assert!(
        condition(&org_trail, "RecursiveLogging").is_none(),
        "the example trail sets recursiveLogging: false: {org_trail}"
    );
    assert_eq!(
        get_trail(&s, TRAIL_ARN)["RecursiveLogging"],
        false,
        "the example trail's RecursiveLogging in AWS"
    );

    s.apply_ok(LOOPING_TRAIL_YAML);
    let arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/bucket-access";
    s.wait_for(
        "RecursiveLogging=True on the looping trail, AWS's RecursiveLogging on, one Warning",
        TIMEOUT,
        |s| {
            let ot = s.get("orgtrail", LOOPING_TRAIL)?;
            let c = condition(&ot, "RecursiveLogging")?;
            let aws = get_trail(s, arn);
            (c["status"] == "True"
                && c["reason"] == "RecursiveLogging"
                && aws["RecursiveLogging"] == true
                && aws["IsOrganizationTrail"] == false
                && s.has_event("Warning", "RecursiveLogging", "OrgTrail", LOOPING_TRAIL))
            .then_some(())
        },
    );
    let ot = s.wait_ready("orgtrail", LOOPING_TRAIL);
    let message = condition(&ot, "RecursiveLogging").expect("condition")["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(message.contains("recursiveLogging: false"), "{message}");
    let selectors = cli(&s, &["get-event-selectors", "--trail-name", arn]);
    assert!(
        selectors["AdvancedEventSelectors"]
            .to_string()
            .contains("arn:aws:s3:::orgtrail-account-only/"),
        "AWS logs the bucket's data events: {selectors}"
    );
    // One Warning when the loop appears, not one per resync.
    std::thread::sleep(Duration::from_secs(3 * RESYNC_SECS + 1));
    assert_eq!(
        warning_count(&s, "RecursiveLogging", "OrgTrail", LOOPING_TRAIL),
        1,
        "exactly one RecursiveLogging Warning: {:?}{}",
        warnings(&s, "RecursiveLogging", "OrgTrail", LOOPING_TRAIL),
        s.diagnostics()
    );
    assert_eq!(
        warning_count(&s, "RecursiveLogging", "OrgTrail", TRAIL),
        0,
        "no RecursiveLogging Warning for the example trail"
    );
    let org_trail = s.get("orgtrail", TRAIL).expect("OrgTrail");
    assert!(
        condition(&org_trail, "RecursiveLogging").is_none(),
        "{org_trail}"
    );

    patch(
        &s,
        "orgtrail",
        LOOPING_TRAIL,
        &json!({"spec": {"recursiveLogging": false}}),
    );
    s.wait_for(
        "RecursiveLogging condition gone and AWS's RecursiveLogging false",
        TIMEOUT,
        |s| {
            let ot = s.get("orgtrail", LOOPING_TRAIL)?;
            (condition(&ot, "RecursiveLogging").is_none()
                && crate::support::kstatus::is_ready(&ot)
                && get_trail(s, arn)["RecursiveLogging"] == false)
                .then_some(())
        },
    );
    assert_eq!(
        warning_count(&s, "RecursiveLogging", "OrgTrail", LOOPING_TRAIL),
        1,
        "no further RecursiveLogging Warning"
    );
    assert!(
        warnings(&s, "DriftCorrected", "OrgTrail", LOOPING_TRAIL).is_empty(),
        "a spec edit is no drift: {:?}",
        warnings(&s, "DriftCorrected", "OrgTrail", LOOPING_TRAIL)
    );
    s.finish();
}

/// RecursiveLogging, Insights event categories and aggregations changed by hand on a Ready
/// trail are put back, each correction with a DriftCorrected Warning naming the setting.
/// One change at a time, so that each is its own correction whatever the timing.
#[test]
fn s13b_trail_settings_changed_by_hand_are_restored() {
    let mut s = Scenario::start();
    examples_ready(&mut s);
    // The example declares recursiveLogging: false and insightSelectors
    // [ApiCallRateInsight]; add categories and aggregations.
    patch(
        &s,
        "orgtrail",
        TRAIL,
        &json!({"spec": {
            "insightEventCategories": {"ApiCallRateInsight": ["Management", "Data"]},
            "aggregationConfigurations": [
                {"templates": ["API_ACTIVITY"], "eventCategory": "Data"}
            ],
        }}),
    );
    s.wait_ready("orgtrail", TRAIL);

    let recursive_off = |s: &Scenario| get_trail(s, TRAIL_ARN)["RecursiveLogging"] == false;
    let insights_declared = |s: &Scenario| {
        try_cli(s, &["get-insight-selectors", "--trail-name", TRAIL_ARN]).is_some_and(|i| {
            i["InsightSelectors"].as_array().is_some_and(|a| {
                a.len() == 1
                    && a[0]["InsightType"] == "ApiCallRateInsight"
                    && sorted(&a[0]["EventCategories"]) == sorted(&json!(["Management", "Data"]))
            })
        })
    };
    let aggregations_declared = |s: &Scenario| {
        cli(s, &["get-event-configuration", "--trail-name", TRAIL_ARN])["AggregationConfigurations"]
            == json!([{"Templates": ["API_ACTIVITY"], "EventCategory": "Data"}])
    };
    let declared = |s: &Scenario| {
        (recursive_off(s) && insights_declared(s) && aggregations_declared(s)).then_some(())
    };
    s.wait_for("AWS shows the declared trail settings", TIMEOUT, declared);
    assert!(
        warnings(&s, "DriftCorrected", "OrgTrail", TRAIL).is_empty(),
        "a spec edit is no drift:{}",
        describe_drift_corrected(&s, "OrgTrail", TRAIL)
    );

    each_change_is_undone_and_named(
        &mut s,
        "OrgTrail",
        TRAIL,
        &[
            HandChange {
                setting: "RecursiveLogging",
                tamper: &|s| {
                    cli(
                        s,
                        &["update-trail", "--name", TRAIL_ARN, "--recursive-logging"],
                    );
                },
                restored: &recursive_off,
            },
            HandChange {
                setting: "InsightSelectors",
                tamper: &|s| {
                    cli(
                        s,
                        &[
                            "put-insight-selectors",
                            "--trail-name",
                            TRAIL_ARN,
                            "--insight-selectors",
                            r#"[{"InsightType": "ApiCallRateInsight", "EventCategories": ["Management"]}]"#,
                        ],
                    );
                },
                restored: &insights_declared,
            },
            HandChange {
                setting: "AggregationConfigurations",
                tamper: &|s| {
                    cli(
                        s,
                        &[
                            "put-event-configuration",
                            "--trail-name",
                            TRAIL_ARN,
                            "--aggregation-configurations",
                            r#"[{"Templates": ["USER_ACTIONS"], "EventCategory": "Data"}]"#,
                        ],
                    );
                },
                restored: &aggregations_declared,
            },
        ],
    );
    s.wait_for(
        "AWS still shows every declared trail setting",
        TIMEOUT,
        declared,
    );
    // The spec says recursiveLogging: false: AWS's value, on for a moment, is no loop.
    assert_eq!(
        warning_count(&s, "RecursiveLogging", "OrgTrail", TRAIL),
        0,
        "no RecursiveLogging Warning for a trail declaring recursiveLogging: false"
    );
    let ot = s.wait_ready("orgtrail", TRAIL);
    assert!(condition(&ot, "RecursiveLogging").is_none(), "{ot}");
    assert!(s.is_logging(TRAIL_ARN));
    s.finish();
}

/// The store receiving the organization lake's Insights events.
const INSIGHTS_STORE: &str = "organization-insights";
const INSIGHTS_STORE_YAML: &str = r#"apiVersion: orgtrail.dev/v1alpha1
kind: OrgEventDataStore
metadata:
  name: organization-insights
spec:
  name: organization-insights
  homeRegion: us-east-1
  organizationEnabled: false
  retentionPeriod: 90
  advancedEventSelectors:
    - name: Insights events
      fieldSelectors:
        - field: eventCategory
          equals: ["Insight"]
"#;

/// The declared resource policy: the security tooling account may query the lake.
fn declared_policy() -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "SecurityToolingQueries",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": [
                "cloudtrail:StartQuery",
                "cloudtrail:DescribeQuery",
                "cloudtrail:GetQueryResults"
            ],
            "Resource": "*"
        }]
    })
}

/// Event size, context keys, federation, resource policy and Insights changed by hand on
/// a Ready event data store are put back, each correction with a DriftCorrected Warning
/// naming the setting. One change at a time, as for trails.
#[test]
fn s13c_store_settings_changed_by_hand_are_restored() {
    let mut s = Scenario::start();
    s.start_operator();
    s.apply_example("");
    s.apply_ok(INSIGHTS_STORE_YAML);
    s.wait_examples_ready();
    let destination = s.wait_ready("orgeventdatastore", INSIGHTS_STORE)["status"]["arn"]
        .as_str()
        .expect("status.arn of the Insights store")
        .to_owned();
    let store = store_arn(&s);

    let context_keys = json!([
        {"type": "TagContext", "equals": ["team", "CostCenter"]},
        {"type": "RequestContext", "equals": ["aws:PrincipalOrgID"]},
    ]);
    patch(
        &s,
        "orgeventdatastore",
        LAKE,
        &json!({"spec": {
            "maxEventSize": "Large",
            "contextKeySelectors": context_keys,
            "federationEnabled": true,
            "federationRoleArn": FEDERATION_ROLE,
            "resourcePolicy": serde_json::to_string_pretty(&declared_policy()).unwrap(),
            "insightSelectors": ["ApiCallRateInsight"],
            "insightsDestination": destination,
        }}),
    );
    s.wait_ready("orgeventdatastore", LAKE);

    // Context keys as sets: neither the selectors' order nor their keys' order matters.
    let keys_of = |selectors: &Value| -> Vec<(String, Vec<String>)> {
        let mut keys: Vec<_> = selectors
            .as_array()
            .into_iter()
            .flatten()
            .map(|k| (k["Type"].to_string(), sorted(&k["Equals"])))
            .collect();
        keys.sort();
        keys
    };
    let expected_keys = keys_of(&json!([
        {"Type": "TagContext", "Equals": ["team", "CostCenter"]},
        {"Type": "RequestContext", "Equals": ["aws:PrincipalOrgID"]},
    ]));
    let configuration_declared = |s: &Scenario| {
        let config = cli(
            s,
            &["get-event-configuration", "--event-data-store", &store],
        );
        config["MaxEventSize"] == "Large"
            && keys_of(&config["ContextKeySelectors"]) == expected_keys
    };
    let federation_declared = |s: &Scenario| {
        let eds = s.event_data_store(&store);
        eds["FederationStatus"] == "ENABLED" && eds["FederationRoleArn"] == FEDERATION_ROLE
    };
    let policy_declared = |s: &Scenario| {
        try_cli(s, &["get-resource-policy", "--resource-arn", &store])
            .and_then(|p| serde_json::from_str::<Value>(p["ResourcePolicy"].as_str()?).ok())
            .is_some_and(|p| p == declared_policy())
    };
    let insights_declared = |s: &Scenario| {
        try_cli(s, &["get-insight-selectors", "--event-data-store", &store]).is_some_and(|i| {
            i["InsightsDestination"] == destination.as_str()
                && i["InsightSelectors"].as_array().is_some_and(|a| {
                    a.len() == 1
                        && a[0]["InsightType"] == "ApiCallRateInsight"
                        && a[0]["EventCategories"]
                            .as_array()
                            .is_none_or(|c| c.iter().all(|x| x == "Management"))
                })
        })
    };
    let declared = |s: &Scenario| {
        (configuration_declared(s)
            && federation_declared(s)
            && policy_declared(s)
            && insights_declared(s))
        .then_some(())
    };
    s.wait_for("AWS shows the declared store settings", TIMEOUT, declared);
    assert!(
        warnings(&s, "DriftCorrected", "OrgEventDataStore", LAKE).is_empty(),
        "a spec edit is no drift:{}",
        describe_drift_corrected(&s, "OrgEventDataStore", LAKE)
    );

    let other_policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": "333333333333"},
            "Action": "cloudtrail:StartQuery",
            "Resource": "*"
        }]
    })
    .to_string();
    each_change_is_undone_and_named(
        &mut s,
        "OrgEventDataStore",
        LAKE,
        &[
            HandChange {
                setting: "EventConfiguration",
                // Standard, and so no context keys.
                tamper: &|s| {
                    cli(
                        s,
                        &[
                            "put-event-configuration",
                            "--event-data-store",
                            &store,
                            "--max-event-size",
                            "Standard",
                        ],
                    );
                },
                restored: &configuration_declared,
            },
            HandChange {
                setting: "Federation",
                tamper: &|s| {
                    cli(s, &["disable-federation", "--event-data-store", &store]);
                },
                restored: &federation_declared,
            },
            HandChange {
                setting: "ResourcePolicy",
                tamper: &|s| {
                    cli(
                        s,
                        &[
                            "put-resource-policy",
                            "--resource-arn",
                            &store,
                            "--resource-policy",
                            &other_policy,
                        ],
                    );
                },
                restored: &policy_declared,
            },
            HandChange {
                setting: "InsightSelectors",
                tamper: &|s| {
                    cli(
                        s,
                        &[
                            "put-insight-selectors",
                            "--event-data-store",
                            &store,
                            "--insight-selectors",
                            "[]",
                        ],
                    );
                },
                restored: &insights_declared,
            },
        ],
    );
    s.wait_for(
        "AWS still shows every declared store setting",
        TIMEOUT,
        declared,
    );
    s.wait_ready("orgeventdatastore", LAKE);
    let eds = s.event_data_store(&store);
    assert_eq!(eds["Status"], "ENABLED", "{eds}");
    s.finish();
}
