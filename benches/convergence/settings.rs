//! Settings CloudTrail added in 2025-2026 (issue 13; docs/design.md): what they cost in AWS
//! API calls. Trails and event data stores, each plain (the benchmark specs) and with every
//! new setting declared: calls per create and calls per object per resync, by operation.

use std::time::{Duration, Instant};

use aws_sdk_cloudtrail::types::{AdvancedEventSelector, AdvancedFieldSelector};
use serde_json::{Value, json};

use crate::aws::{self, Call, Tally};
use crate::cluster::{self, STORE, TRAIL};
use crate::operator::Operator;
use crate::scenarios::{Bench, READY_TIMEOUT, RESYNC_SECS};
use crate::support::{self, AKID_MANAGEMENT, Emulator};

/// The store receiving the Insights events of the stores with settings. Made by the bench
/// with the AWS SDK, not declared, so that none of the operator's calls is for it.
const INSIGHTS_STORE: &str = "bench-insights";

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    Trail,
    Store,
}

/// The rows, in the order they run: (kind, with every new setting declared).
pub(crate) const VARIANTS: [(Kind, bool); 4] = [
    (Kind::Trail, false),
    (Kind::Trail, true),
    (Kind::Store, false),
    (Kind::Store, true),
];

impl Kind {
    fn kind(self) -> &'static str {
        match self {
            Kind::Trail => TRAIL,
            Kind::Store => STORE,
        }
    }

    /// The first read of every reconcile.
    fn first_read(self) -> &'static str {
        match self {
            Kind::Trail => "GetTrail",
            Kind::Store => "GetEventDataStore",
        }
    }

    fn plural(self) -> &'static str {
        match self {
            Kind::Trail => "trails",
            Kind::Store => "stores",
        }
    }
}

/// The benchmark trail with every new trail setting: `recursiveLogging: false`, both
/// Insights types on management and data events, and all three aggregation templates.
/// Data Insights and aggregations need data events, so the trail also logs S3 data events
/// on its own log bucket (which is what makes `recursiveLogging: false` matter).
fn trail_with_settings(name: &str) -> Value {
    let mut spec = cluster::trail_spec(name);
    spec["advancedEventSelectors"] = json!([
        {
            "name": "Management events",
            "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}],
        },
        {
            "name": "Data events on the log bucket",
            "fieldSelectors": [
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                {"field": "resources.ARN", "startsWith": ["arn:aws:s3:::orgtrail-logs/"]},
            ],
        },
    ]);
    spec["recursiveLogging"] = json!(false);
    spec["insightSelectors"] = json!(["ApiCallRateInsight", "ApiErrorRateInsight"]);
    spec["insightEventCategories"] = json!({
        "ApiCallRateInsight": ["Management", "Data"],
        "ApiErrorRateInsight": ["Management", "Data"],
    });
    spec["aggregationConfigurations"] = json!([{
        "templates": ["API_ACTIVITY", "RESOURCE_ACCESS", "USER_ACTIONS"],
        "eventCategory": "Data",
    }]);
    spec
}

/// The benchmark store with every new store setting: large events with context keys,
/// Lake federation, a resource policy, and Insights into `destination`.
fn store_with_settings(name: &str, destination: &str) -> Value {
    let mut spec = cluster::store_spec(name);
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "SecurityToolingQueries",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{}:root", support::DELEGATED_ACCOUNT)},
            "Action": [
                "cloudtrail:StartQuery",
                "cloudtrail:DescribeQuery",
                "cloudtrail:GetQueryResults"
            ],
            "Resource": "*"
        }]
    });
    spec["maxEventSize"] = json!("Large");
    spec["contextKeySelectors"] = json!([
        {"type": "TagContext", "equals": ["team", "CostCenter"]},
        {"type": "RequestContext", "equals": ["aws:PrincipalOrgID"]},
    ]);
    spec["federationEnabled"] = json!(true);
    spec["federationRoleArn"] = json!(format!(
        "arn:aws:iam::{}:role/LakeQueryFederation",
        support::MANAGEMENT_ACCOUNT
    ));
    spec["resourcePolicy"] = json!(policy.to_string());
    spec["insightSelectors"] = json!(["ApiCallRateInsight", "ApiErrorRateInsight"]);
    spec["insightsDestination"] = json!(destination);
    spec
}

/// An event data store of Insights events (what `insightsDestination` must name: a store
/// of the same account selecting `eventCategory` `Insight`), made as a person would with
/// the CLI; its ARN.
async fn insights_store(emu: &Emulator) -> String {
    let config = support::sdk_config(emu, AKID_MANAGEMENT, "us-east-1").await;
    let selector = AdvancedEventSelector::builder()
        .name("Insights events")
        .field_selectors(
            AdvancedFieldSelector::builder()
                .field("eventCategory")
                .equals("Insight")
                .build()
                .expect("field selector"),
        )
        .build()
        .expect("event selector");
    aws_sdk_cloudtrail::Client::new(&config)
        .create_event_data_store()
        .name(INSIGHTS_STORE)
        .organization_enabled(false)
        .retention_period(90)
        .advanced_event_selectors(selector)
        .send()
        .await
        .expect("CreateEventDataStore (Insights destination)")
        .event_data_store_arn
        .expect("EventDataStoreArn")
}

/// Whether AWS holds every setting `trail_with_settings` / `store_with_settings` declares
/// (the emulator's state of one trail or store).
fn holds_settings(kind: Kind, aws: &Value, destination: &str) -> bool {
    let len = |v: &Value| v.as_array().map_or(0, Vec::len);
    match kind {
        Kind::Trail => {
            aws["recursive_logging"] == false
                && len(&aws["insight_selectors"]) == 2
                && aws["insight_selectors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .all(|s| len(&s["EventCategories"]) == 2)
                && len(&aws["aggregation_configurations"]) == 1
        }
        Kind::Store => {
            aws["max_event_size"] == "Large"
                && len(&aws["context_key_selectors"]) == 2
                && aws["federation_status"] == "ENABLED"
                && aws["resource_policy"].is_string()
                && len(&aws["insight_selectors"]) == 2
                && aws["insights_destination"] == destination
        }
    }
}

/// How many of `names` AWS shows with every declared setting.
fn settings_held(emu: &Emulator, kind: Kind, names: &[String], destination: &str) -> usize {
    let state = aws::state(emu);
    let list = match kind {
        Kind::Trail => &state["trails"],
        Kind::Store => &state["event_data_stores"],
    };
    list.as_array()
        .into_iter()
        .flatten()
        .filter(|o| names.iter().any(|n| o["name"] == n.as_str()))
        .filter(|o| holds_settings(kind, o, destination))
        .count()
}

/// `"GetTrail 1.0 · CreateTrail 1.0 · …"`: CloudTrail calls by operation, divided by `per`,
/// in the order of their first call, starting at `first` when given (a resync window
/// opens in the middle of a reconcile; its order starts at the reconcile's first read).
fn by_operation(calls: &[&Call], per: f64, decimals: usize, first: Option<&str>) -> String {
    let mut order: Vec<&str> = vec![];
    for c in calls {
        if !order.contains(&c.operation.as_str()) {
            order.push(&c.operation);
        }
    }
    if let Some(at) = first.and_then(|f| order.iter().position(|op| *op == f)) {
        order.rotate_left(at);
    }
    order
        .iter()
        .map(|op| {
            let n = calls.iter().filter(|c| c.operation == *op).count();
            format!("{op} {:.decimals$}", n as f64 / per)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// `n` trails or stores, plain or `declared` with every new setting: CloudTrail calls per
/// create (up to the batch's last write), then per object per resync over `resyncs`
/// resync periods once converged.
pub(crate) async fn calls(b: &mut Bench, kind: Kind, declared: bool, n: usize, resyncs: u64) {
    let (emu, op) = b.prepared().await;
    let variant = if declared {
        "all 2025-2026 settings"
    } else {
        "plain"
    };
    let label = format!("{n} {} · {variant}", kind.plural());
    let destination = match (kind, declared) {
        (Kind::Store, true) => insights_store(&emu).await,
        _ => String::new(),
    };
    aws::clear_calls(&emu);
    let names: Vec<String> = (0..n)
        .map(|i| {
            let tag = if declared { "set" } else { "plain" };
            format!("bench-{}-{tag}-{i:03}", kind.plural())
        })
        .collect();
    for name in &names {
        let spec = match (kind, declared) {
            (Kind::Trail, false) => cluster::trail_spec(name),
            (Kind::Trail, true) => trail_with_settings(name),
            (Kind::Store, false) => cluster::store_spec(name),
            (Kind::Store, true) => store_with_settings(name, &destination),
        };
        b.cluster.create(kind.kind(), name, spec).await;
    }
    let keys: Vec<_> = names
        .iter()
        .map(|name| (kind.kind(), name.clone()))
        .collect();
    let create_measure =
        "AWS calls per full create, 2025-2026 settings (CloudTrail, create → last write)";
    if let Err(e) = b.cluster.wait_ready(&keys, READY_TIMEOUT).await {
        b.report.row(create_measure, &label, e);
        op.stop();
        return;
    }
    let calls = aws::calls(&emu);
    let ready_seq = calls.iter().map(|c| c.seq).max().unwrap_or(0);
    let cloudtrail: Vec<&Call> = calls.iter().filter(|c| c.service == "cloudtrail").collect();
    // The create: every CloudTrail call up to the batch's last write (a trail's last write
    // is its StartLogging, as in the rows above). Calls after it and before all were Ready
    // would be reads the create window misses; the row says if there were any.
    let last_write = cloudtrail
        .iter()
        .filter(|c| c.kind == "write")
        .map(|c| (c.seq, c.time_ms))
        .max();
    let (last_seq, last_ms) = last_write.unwrap_or((ready_seq, 0));
    let first_ms = cloudtrail.iter().map(|c| c.time_ms).min().unwrap_or(0);
    let window: Vec<&Call> = cloudtrail
        .iter()
        .copied()
        .filter(|c| c.seq <= last_seq)
        .collect();
    let after = cloudtrail.iter().filter(|c| c.seq > last_seq).count();
    let clean = last_ms.saturating_sub(first_ms) < RESYNC_SECS * 1000;
    let tally = Tally::of(window.iter().copied());
    let held = declared.then(|| settings_held(&emu, kind, &names, &destination));
    let per = |v: usize| v as f64 / n as f64;
    b.report.row(
        create_measure,
        &label,
        format!(
            "{:.1} ({:.1} reads, {:.1} writes{}): {}{}{}{}",
            per(tally.total),
            per(tally.reads),
            per(tally.writes),
            tally.errors_text(n as f64),
            by_operation(&window, n as f64, 1, None),
            if after > 0 {
                format!(" · {after} further CloudTrail calls before all were Ready")
            } else {
                String::new()
            },
            if clean {
                ""
            } else {
                " — includes resync reads of early objects"
            },
            held.map_or(String::new(), |h| format!(
                " · AWS holds every declared setting on {h} of {n}"
            )),
        ),
    );

    // Steady state, measured as the steady-state rows above measure it.
    tokio::time::sleep(Duration::from_secs(2 * RESYNC_SECS)).await;
    let reconciles = |op: &Operator| op.reconciles(TRAIL) + op.reconciles(STORE);
    aws::clear_calls(&emu);
    let (r0, t0) = (reconciles(&op), Instant::now());
    tokio::time::sleep(Duration::from_secs(resyncs * RESYNC_SECS)).await;
    let steady_calls = aws::calls(&emu);
    let (r1, secs) = (reconciles(&op), t0.elapsed().as_secs_f64());
    let passes = secs / RESYNC_SECS as f64;
    let steady_ct: Vec<&Call> = steady_calls
        .iter()
        .filter(|c| c.service == "cloudtrail")
        .collect();
    let ct = Tally::of(steady_ct.iter().copied());
    let all = Tally::of(&steady_calls);
    let per_pass = |v: usize| v as f64 / n as f64 / passes;
    b.report.row(
        &format!(
            "AWS calls per object per resync, 2025-2026 settings (steady state, resync {RESYNC_SECS} s)"
        ),
        &label,
        format!(
            "{:.2} CloudTrail calls ({:.2} reads, {} writes{}): {}; {:.2} per reconcile; all services over {secs:.0} s: {} reads, {} writes, {} reconciles",
            per_pass(ct.total),
            per_pass(ct.reads),
            ct.writes,
            ct.errors_text(n as f64 * passes),
            by_operation(&steady_ct, n as f64 * passes, 2, Some(kind.first_read())),
            ct.total as f64 / (r1 - r0),
            all.reads,
            all.writes,
            r1 - r0
        ),
    );
    b.report.set(
        &format!(
            "settings_{}_{}",
            kind.plural(),
            if declared { "declared" } else { "plain" }
        ),
        json!({
            "objects": n,
            "create_calls": tally,
            "create_calls_after_last_write": after,
            "create_window_free_of_resyncs": clean,
            "objects_holding_every_declared_setting": held,
            "steady_window_seconds": secs,
            "resyncs_in_window": passes,
            "reconciles_in_window": r1 - r0,
            "cloudtrail_calls_per_object_per_resync": per_pass(ct.total),
            "cloudtrail_calls_per_reconcile": ct.total as f64 / (r1 - r0),
            "steady_cloudtrail_calls": ct,
            "steady_calls": all,
        }),
    );
    op.stop();
}
