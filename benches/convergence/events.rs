//! AWS API call events as triggers (issue 12): how fast a change made by hand is undone
//! once its event is published, and what steady state costs in AWS reads with and without
//! events at the operator's default periods.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::aws::{self, Tally};
use crate::cluster::{self, TRAIL, TRUSTED_ACCESS};
use crate::report::Stats;
use crate::scenarios::{Bench, READY_TIMEOUT};
use crate::support::{self, AKID_ADMIN, AKID_MANAGEMENT, Emulator};

const QUEUE: &str = "orgtrail-operator-events";
const RULE: &str = "orgtrail-operator-api-calls";
/// Time between two timed stops.
const SAMPLE_GAP: Duration = Duration::from_millis(1500);
const PATTERN: &str = include_str!("../../deploy/events/event-pattern.json");

/// The queue and the rule, as docs/events.md sets them up; the queue URL.
async fn events_queue(emu: &Emulator) -> String {
    let config = support::sdk_config(emu, AKID_MANAGEMENT, "us-east-1").await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = sqs
        .create_queue()
        .queue_name(QUEUE)
        .send()
        .await
        .expect("CreateQueue")
        .queue_url
        .expect("QueueUrl");
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("GetQueueAttributes")
        .attributes
        .and_then(|mut a| a.remove(&aws_sdk_sqs::types::QueueAttributeName::QueueArn))
        .expect("QueueArn");
    let events = aws_sdk_eventbridge::Client::new(&config);
    events
        .put_rule()
        .name(RULE)
        .event_pattern(PATTERN)
        .send()
        .await
        .expect("PutRule");
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id(QUEUE)
        .arn(arn)
        .build()
        .expect("target");
    events
        .put_targets()
        .rule(RULE)
        .targets(target)
        .send()
        .await
        .expect("PutTargets");
    url
}

/// A person (not the operator) stopping a trail: `cloudtrail stop-logging`.
async fn stop_logging_by_hand(emu: &Emulator, name: &str) {
    let config = support::sdk_config(emu, AKID_ADMIN, "us-east-1").await;
    aws_sdk_cloudtrail::Client::new(&config)
        .stop_logging()
        .name(format!(
            "arn:aws:cloudtrail:us-east-1:{}:trail/{name}",
            support::MANAGEMENT_ACCOUNT
        ))
        .send()
        .await
        .expect("StopLogging");
}

/// When the emulator published the StopLogging event of trail `name` (the latest).
fn published_ms(emu: &Emulator, name: &str) -> Option<f64> {
    let events = tokio::task::block_in_place(|| emu.published_events());
    events.iter().rev().find_map(|e: &Value| {
        let detail = &e["event"]["detail"];
        let about = detail["requestParameters"]["name"].as_str()?;
        (detail["eventName"] == "StopLogging" && about.ends_with(&format!("/{name}")))
            .then(|| e["published_ms"].as_f64())
            .flatten()
    })
}

/// `n` trails with events on, the operator at its default pacing; `samples` times a person stops one (in turn) and the time
/// from its event's publication to the operator's StartLogging is taken. With `drop_rate`
/// the emulator drops that share of events: those wait for the resync (`resync_secs`, 0 =
/// the default hour — too long to wait for here, so the dropped-events row uses a shorter
/// one and says so).
pub async fn tamper_response(
    b: &mut Bench,
    n: usize,
    samples: usize,
    drop_rate: f64,
    resync_secs: u64,
) {
    b.cluster.clean().await;
    let emu = aws::fresh_emulator();
    let queue = events_queue(&emu).await;
    // Default settings throughout: the default pacing too (the launcher lifts it unless
    // told), so a restore's StartLogging waits its turn under CloudTrail's write quota.
    let pacing = crate::quota::default_pacing();
    let mut flags: Vec<&str> = pacing.iter().map(String::as_str).collect();
    flags.extend(["--events-queue-url", queue.as_str()]);
    let mut op = b.launch_with(&emu, false, resync_secs, &flags);
    tokio::task::block_in_place(|| op.wait_ready());
    b.cluster
        .create(TRUSTED_ACCESS, "cloudtrail", cluster::trusted_access_spec())
        .await;
    let names: Vec<String> = (0..n).map(|i| format!("bench-event-{i:03}")).collect();
    for name in &names {
        b.cluster
            .create(TRAIL, name, cluster::trail_spec(name))
            .await;
    }
    let mut keys: Vec<(&str, String)> = names.iter().map(|n| (TRAIL, n.clone())).collect();
    keys.push((TRUSTED_ACCESS, "cloudtrail".into()));
    b.cluster
        .wait_ready(&keys, READY_TIMEOUT)
        .await
        .expect("trails Ready");
    if drop_rate > 0.0 {
        tokio::task::block_in_place(|| {
            emu.add_event_fault(
                json!({"kind": "drop", "rate": drop_rate, "event_name": "StopLogging"}),
            )
        });
    }
    let wait_limit = Duration::from_secs(if resync_secs == 0 {
        120
    } else {
        2 * resync_secs + 30
    });
    let mut latencies = Vec::new();
    let mut unrestored = 0;
    for i in 0..samples {
        // Stops further apart than CloudTrail's write quota (1 call per second, which the
        // default pacing keeps): back to back, each StartLogging would wait for the
        // previous one's second and the figure would show the quota, not the response.
        tokio::time::sleep(SAMPLE_GAP).await;
        let name = &names[i % n];
        stop_logging_by_hand(&emu, name).await;
        let started = Instant::now();
        let restored_ms = loop {
            let (_, logging, start) = aws::trails(&emu).get(name).copied().unwrap_or_default();
            if logging {
                break start;
            }
            if started.elapsed() > wait_limit {
                break None;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        match (restored_ms, published_ms(&emu, name)) {
            (Some(restored), Some(published)) => latencies.push(restored - published),
            _ => unrestored += 1,
        }
        op.assert_alive();
    }
    // The call log goes with the operator logs: where a restoration's time went.
    let log = b.logs.join(format!(
        "events-{n}-drop{}-calls.json",
        (drop_rate * 100.0) as u32
    ));
    let calls = tokio::task::block_in_place(|| emu.calls());
    let _ = std::fs::write(&log, serde_json::to_string(&calls).unwrap_or_default());
    let stats = Stats::of(latencies.clone());
    let resync = if resync_secs == 0 {
        "default resync".to_owned()
    } else {
        format!("resync {resync_secs} s")
    };
    let dropped = if drop_rate > 0.0 {
        format!(", {:.0}% of events dropped", drop_rate * 100.0)
    } else {
        String::new()
    };
    b.report.row(
        &format!("event published → restored (StopLogging by hand, events on, {resync}{dropped})"),
        n,
        format!(
            "{} over {} stops{}",
            stats.text(),
            samples,
            if unrestored > 0 {
                format!("; {unrestored} not restored within {wait_limit:?}")
            } else {
                String::new()
            }
        ),
    );
    b.report.set(
        &format!("event_restore_{n}_drop{}", (drop_rate * 100.0) as u32),
        json!({"stats": stats, "latencies_ms": latencies, "unrestored": unrestored, "resync_seconds": resync_secs}),
    );
    op.stop();
}

/// Steady-state AWS reads per object per hour at the default periods, events on and off.
/// One resync pass costs the same with or without events; what events change is how
/// often passes run (3600 s / 300 s for trusted access with events, 300 s / 30 s
/// without). So the cost of a pass is measured — `n` trails and one TrustedAccess at a
/// short `period` for a few periods — and scaled to the default periods; the SQS long
/// polls of the events-on operator are counted in the same window.
pub async fn reads_per_hour(b: &mut Bench, n: usize, period: u64, window: Duration) {
    b.cluster.clean().await;
    let emu = aws::fresh_emulator();
    let queue = events_queue(&emu).await;
    let period_s = period.to_string();
    let mut op = b.launch_with(
        &emu,
        false,
        period,
        &[
            "--events-queue-url",
            &queue,
            "--trusted-access-resync-seconds",
            &period_s,
        ],
    );
    tokio::task::block_in_place(|| op.wait_ready());
    b.cluster
        .create(TRUSTED_ACCESS, "cloudtrail", cluster::trusted_access_spec())
        .await;
    let names: Vec<String> = (0..n).map(|i| format!("bench-cost-{i:03}")).collect();
    for name in &names {
        b.cluster
            .create(TRAIL, name, cluster::trail_spec(name))
            .await;
    }
    let keys: Vec<(&str, String)> = names.iter().map(|n| (TRAIL, n.clone())).collect();
    b.cluster
        .wait_ready(&keys, READY_TIMEOUT)
        .await
        .expect("trails Ready");
    tokio::time::sleep(Duration::from_secs(2 * period)).await;
    aws::clear_calls(&emu);
    let t0 = Instant::now();
    tokio::time::sleep(window).await;
    let secs = t0.elapsed().as_secs_f64();
    let calls = aws::calls(&emu);
    let passes = secs / period as f64;
    let trail_reads = Tally::of(
        calls
            .iter()
            .filter(|c| c.service == "cloudtrail" && c.kind != "write"),
    );
    let org_reads = Tally::of(
        calls
            .iter()
            .filter(|c| c.service == "organizations" && c.kind != "write"),
    );
    let sqs = Tally::of(calls.iter().filter(|c| c.service == "sqs"));
    let per_trail_pass = trail_reads.total as f64 / n as f64 / passes;
    let per_ta_pass = org_reads.total as f64 / passes;
    let per_hour = |resync: f64, ta: f64| {
        per_trail_pass * 3600.0 / resync + per_ta_pass * 3600.0 / ta / n as f64
    };
    let (on, off) = (per_hour(3600.0, 300.0), per_hour(300.0, 30.0));
    let sqs_per_hour = sqs.total as f64 * 3600.0 / secs;
    b.report.row(
        "AWS reads per object per hour, steady state at the default periods",
        n,
        format!(
            "events on {on:.2} · events off {off:.2} ({per_trail_pass:.2} CloudTrail reads per trail and {per_ta_pass:.2} Organizations reads per pass, measured over {secs:.0} s at {period} s; events on adds {sqs_per_hour:.0} SQS calls per hour for the whole operator)"
        ),
    );
    b.report.set(
        &format!("reads_per_hour_{n}"),
        json!({
            "events_on": on, "events_off": off,
            "cloudtrail_reads_per_trail_per_pass": per_trail_pass,
            "organizations_reads_per_pass": per_ta_pass,
            "sqs_calls_per_hour": sqs_per_hour,
            "window_seconds": secs, "period_seconds": period,
            "cloudtrail": trail_reads, "organizations": org_reads,
        }),
    );
    op.stop();
}
