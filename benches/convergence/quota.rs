//! AWS's request quotas: a resync pass at scale, unpaced and at the operator's default
//! pacing, and recovery after a minute in which AWS throttled every call.

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime};

use orgtrail_operator::aws::sdk::rate_limit::{CLOUDTRAIL_READ_QUOTA, Rates, is_read};
use serde_json::json;

use crate::aws::{self, Call};
use crate::cluster::{self, TRAIL};
use crate::report::ms;
use crate::scenarios::{Bench, READY_TIMEOUT, RESYNC_SECS, epoch_ms};
use crate::support::hooks::peak_per_second;

/// The operator's default pacing, spelled out (`run` without the flags is the same; the
/// shared launcher lifts pacing unless told).
pub(crate) fn default_pacing() -> [String; 4] {
    [
        "--aws-read-rate".into(),
        Rates::DEFAULT.read.to_string(),
        "--aws-write-rate".into(),
        Rates::DEFAULT.write.to_string(),
    ]
}

/// Long enough that a pass is one start-up re-read of every trail and nothing more.
const NO_RESYNC_SECS: u64 = 3600;

/// Every CloudTrail operation the operator may call.
const CLOUDTRAIL_OPERATIONS: [&str; 24] = [
    "GetTrail",
    "ListTrails",
    "CreateTrail",
    "UpdateTrail",
    "DeleteTrail",
    "GetTrailStatus",
    "StartLogging",
    "GetEventSelectors",
    "PutEventSelectors",
    "GetInsightSelectors",
    "PutInsightSelectors",
    "ListTags",
    "AddTags",
    "RemoveTags",
    "ListEventDataStores",
    "GetEventDataStore",
    "CreateEventDataStore",
    "UpdateEventDataStore",
    "DeleteEventDataStore",
    "RestoreEventDataStore",
    "StartEventDataStoreIngestion",
    "StopEventDataStoreIngestion",
    "RegisterOrganizationDelegatedAdmin",
    "DeregisterOrganizationDelegatedAdmin",
];

/// `n` converged trails; the operator restarted twice with nothing else to do, so its
/// start-up re-read of every trail is one resync pass: first unpaced, then at the
/// default pacing, with a new trail applied while the paced pass queues.
pub async fn resync_pass(b: &mut Bench, n: usize) {
    let (emu, op) = b.prepared().await;
    let names: Vec<String> = (0..n).map(|i| format!("bench-pass-{i:04}")).collect();
    for name in &names {
        b.cluster
            .create(TRAIL, name, cluster::trail_spec(name))
            .await;
    }
    let keys: Vec<_> = names.iter().map(|name| (TRAIL, name.clone())).collect();
    if let Err(e) = b.cluster.wait_ready(&keys, READY_TIMEOUT).await {
        b.report.row("resync pass (CloudTrail reads)", n, e);
        op.stop();
        return;
    }
    op.stop();
    let mut json = serde_json::Map::new();
    let paced = default_pacing();
    let paced: Vec<&str> = paced.iter().map(String::as_str).collect();
    for (label, extra) in [("unpaced", &[][..]), ("default pacing", &paced[..])] {
        aws::clear_calls(&emu);
        let mut op = b.launch_with(&emu, false, NO_RESYNC_SECS, extra);
        let paced = !extra.is_empty();
        let mut new_trail = None;
        let started = Instant::now();
        let expected = (4 * n + if paced { 4 } else { 0 }) as f64;
        loop {
            let done = op
                .metric("orgtrail_aws_calls_total{service=\"cloudtrail\"")
                .unwrap_or(0.0);
            if done >= expected || started.elapsed() > Duration::from_secs(900) {
                break;
            }
            if paced && new_trail.is_none() && started.elapsed() > Duration::from_secs(3) {
                let name = "bench-pass-new";
                let at = b
                    .cluster
                    .create(TRAIL, name, cluster::trail_spec(name))
                    .await;
                new_trail = Some((name, at));
            }
            op.assert_alive();
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        let calls: Vec<Call> = aws::calls(&emu)
            .into_iter()
            .filter(|c| c.service == "cloudtrail")
            .collect();
        let reads: Vec<&Call> = calls.iter().filter(|c| is_read(&c.operation)).collect();
        let first = reads.iter().map(|c| c.time_ms).min().unwrap_or(0);
        let last = reads.iter().map(|c| c.time_ms).max().unwrap_or(0);
        let mut all: Vec<u64> = calls.iter().map(|c| c.time_ms).collect();
        let mut by_op: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
        for c in &reads {
            by_op.entry(&c.operation).or_default().push(c.time_ms);
        }
        let peaks: BTreeMap<&str, usize> = by_op
            .iter_mut()
            .map(|(op, t)| (*op, peak_per_second(t)))
            .collect();
        let over = peaks
            .values()
            .filter(|p| **p as f64 > CLOUDTRAIL_READ_QUOTA)
            .count();
        let per_op = peaks
            .iter()
            .map(|(op, p)| format!("{op} {p}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut text = format!(
            "{} reads in {} · peak {} CloudTrail calls/s · peak per operation: {per_op} (quota {CLOUDTRAIL_READ_QUOTA}/s each; {over} above)",
            reads.len(),
            ms((last - first) as f64),
            peak_per_second(&mut all),
        );
        let mut entry = json!({
            "reads": reads.len(),
            "pass_ms": last - first,
            "peak_calls_per_second": peak_per_second(&mut all),
            "peak_reads_per_second_by_operation": peaks,
        });
        if let Some((name, at)) = new_trail {
            let converged = wait_logging(&emu, name, Duration::from_secs(120)).await;
            let took = converged.map(|t| t - epoch_ms(at));
            text.push_str(&format!(
                " · a trail applied 3 s into the pass: apply → AWS converged {}",
                took.map_or("not within 120 s".into(), ms)
            ));
            entry["new_trail_apply_to_converged_ms"] = json!(took);
        }
        b.report.row(
            &format!("resync pass, start-up re-read of every trail ({label})"),
            format!("{n} trails"),
            text,
        );
        json.insert(label.replace(' ', "_"), entry);
        op.stop();
    }
    b.report.set(&format!("resync_pass_{n}"), json);
}

/// The StartLoggingTime (epoch ms) of trail `name` once AWS says it is logging.
async fn wait_logging(
    emu: &crate::support::Emulator,
    name: &str,
    timeout: Duration,
) -> Option<f64> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if let Some((_, true, started)) = aws::trails(emu).get(name).copied() {
            return started;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// `n` converged trails at the default pacing and the bench's short resync; one trail's
/// logging stopped by hand, then every call the operator makes throttled for `outage`.
/// How soon after AWS answers again does the operator succeed, and restart the logging?
pub async fn throttling_recovery(b: &mut Bench, n: usize, outage: Duration) {
    let (emu, op) = b.prepared().await;
    op.stop();
    let paced = default_pacing();
    let paced: Vec<&str> = paced.iter().map(String::as_str).collect();
    let mut op = b.launch_with(&emu, false, RESYNC_SECS, &paced);
    let names: Vec<String> = (0..n).map(|i| format!("bench-throttle-{i:03}")).collect();
    for name in &names {
        b.cluster
            .create(TRAIL, name, cluster::trail_spec(name))
            .await;
    }
    let keys: Vec<_> = names.iter().map(|name| (TRAIL, name.clone())).collect();
    let label = format!(
        "recovery after {} s of total throttling (resync {RESYNC_SECS} s, default pacing)",
        outage.as_secs()
    );
    if let Err(e) = b.cluster.wait_ready(&keys, READY_TIMEOUT).await {
        b.report.row(&label, n, e);
        op.stop();
        return;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    // Everything the operator calls is throttled; StopLogging stays open for the person.
    tokio::task::block_in_place(|| {
        for service in ["organizations", "sts"] {
            emu.add_fault(json!({"kind": "throttle", "service": service}));
        }
        for operation in CLOUDTRAIL_OPERATIONS {
            emu.add_fault(
                json!({"kind": "throttle", "service": "cloudtrail", "operation": operation}),
            );
        }
    });
    let tampered = &names[0];
    aws::stop_logging(&emu, tampered).await;
    let throttled_from = epoch_ms(SystemTime::now()) as u64;
    tokio::time::sleep(outage).await;
    tokio::task::block_in_place(|| emu.clear_faults());
    let lifted = epoch_ms(SystemTime::now());
    let logging = wait_logging(&emu, tampered, Duration::from_secs(300)).await;
    op.assert_alive();
    let calls = aws::calls(&emu);
    let throttled = calls
        .iter()
        .filter(|c| c.outcome.contains("Throttl") || c.outcome.contains("TooManyRequests"))
        .filter(|c| c.time_ms >= throttled_from)
        .count();
    let first_ok = calls
        .iter()
        .filter(|c| c.outcome == "ok" && c.time_ms as f64 >= lifted)
        .map(|c| c.time_ms as f64 - lifted)
        .fold(f64::NAN, f64::min);
    let restarted = logging.map(|t| t - lifted);
    b.report.row(
        &label,
        format!("{n} trails"),
        format!(
            "first successful call {} after AWS answered again · hand-stopped trail logging again {} after · {throttled} throttled calls during the outage ({:.1}/s)",
            ms(first_ok),
            restarted.map_or("not within 300 s".into(), ms),
            throttled as f64 / outage.as_secs_f64()
        ),
    );
    b.report.set(
        &format!("throttling_recovery_{n}"),
        json!({
            "outage_s": outage.as_secs(),
            "first_ok_after_ms": first_ok,
            "logging_again_after_ms": restarted,
            "throttled_calls": throttled,
        }),
    );
    op.stop();
}
