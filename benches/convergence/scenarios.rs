//! The scenarios, in the order they run. Each starts from an empty cluster, a fresh
//! emulator and a fresh operator, so no scenario's objects load another's figures.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::aws::{self, Call, Tally};
use crate::cluster::{self, Cluster, STORE, TRAIL, TRUSTED_ACCESS};
use crate::operator::{Launch, Operator, ProcSample};
use crate::report::{self, Report, Stats, ms};
use crate::support::Emulator;

/// The operator's resync period in every scenario (short, so steady state shows quickly).
pub(crate) const RESYNC_SECS: u64 = 5;
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(480);

struct Sizes {
    /// Batches of OrgTrails applied at once (each in its own scenario).
    creates: Vec<usize>,
    /// Batch sizes after which steady state and resources are measured.
    steady_at: Vec<usize>,
    /// Objects (half trails, half stores) for the trusted-access re-enable scenario.
    reenables: Vec<usize>,
    /// Resync periods the steady-state window lasts.
    steady_resyncs: u64,
    /// Operator restarts per start-up measure.
    restarts: usize,
    /// How long the idle operator runs before its resources are read.
    idle: Duration,
    /// Trails re-read in the resync-pass rows (unpaced and at the default pacing).
    pass: usize,
    /// Trails, and how long AWS throttles every call, in the recovery row.
    throttled: usize,
    outage: Duration,
    /// Trails managed while stops are timed, and stops per size (events on).
    events_at: Vec<usize>,
    event_samples: usize,
    /// Trails, and stores, per row of the 2025-2026 settings' call counts.
    settings: usize,
}

pub async fn run_all(quick: bool, events_only: bool, settings_only: bool) {
    let sizes = if quick {
        Sizes {
            creates: vec![1, 10],
            steady_at: vec![10],
            reenables: vec![10],
            steady_resyncs: 2,
            restarts: 2,
            idle: Duration::from_secs(3),
            pass: 50,
            throttled: 5,
            outage: Duration::from_secs(10),
            events_at: quick_events_at(),
            event_samples: 5,
            settings: 10,
        }
    } else {
        Sizes {
            creates: vec![1, 10, 100, 500],
            steady_at: vec![100, 500],
            reenables: vec![10, 100],
            steady_resyncs: 6,
            restarts: 5,
            idle: Duration::from_secs(15),
            pass: 1000,
            throttled: 20,
            outage: Duration::from_secs(60),
            events_at: vec![1, 100],
            event_samples: 50,
            settings: 10,
        }
    };
    let kubeconfig = std::env::var("KUBECONFIG")
        .expect("KUBECONFIG is not set: run through `make bench` (needs the test control plane)");
    let logs = report::out_dir().join("logs");
    std::fs::create_dir_all(&logs).expect("create target/bench/logs");
    let mut b = Bench {
        cluster: Cluster::connect().await,
        kubeconfig,
        logs,
        report: Report::default(),
        launches: 0,
    };
    b.report.set("resync_seconds", RESYNC_SECS);
    b.report.set("quick", quick);
    b.report.set(
        "cpus",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    b.report
        .set("started_unix", epoch_ms(SystemTime::now()) / 1000.0);
    let started = Instant::now();

    // `-- --events-only`: just the rows of AWS API call events (issue 12);
    // `-- --settings-only`: just the call counts of the 2025-2026 settings (issue 13).
    if settings_only {
        settings(&mut b, &sizes).await;
    } else {
        if !events_only {
            others(&mut b, &sizes).await;
            settings(&mut b, &sizes).await;
        }
        events(&mut b, &sizes, quick).await;
    }
    b.cluster.clean().await;
    b.report
        .set("bench_seconds", started.elapsed().as_secs_f64());
    println!("\n{}", b.report.table());
    println!("wrote {}", b.save().display());
}

async fn others(b: &mut Bench, sizes: &Sizes) {
    startup(b, sizes).await;
    b.save();
    for &n in &sizes.creates {
        create(b, n, sizes.steady_at.contains(&n), sizes).await;
        b.save();
    }
    let largest = sizes.reenables.iter().copied().max();
    for &n in &sizes.reenables {
        reenable(b, n, Some(n) == largest, sizes, false).await;
        b.save();
    }
    if let Some(n) = largest {
        reenable(b, n, false, sizes, true).await;
        b.save();
    }
    crate::quota::resync_pass(b, sizes.pass).await;
    b.save();
    crate::quota::throttling_recovery(b, sizes.throttled, sizes.outage).await;
    b.save();
}

async fn settings(b: &mut Bench, sizes: &Sizes) {
    for (kind, declared) in crate::settings::VARIANTS {
        crate::settings::calls(b, kind, declared, sizes.settings, sizes.steady_resyncs).await;
        b.save();
    }
}

async fn events(b: &mut Bench, sizes: &Sizes, quick: bool) {
    for &n in &sizes.events_at {
        crate::events::tamper_response(b, n, sizes.event_samples, 0.0, 0).await;
        b.save();
    }
    if let Some(&n) = sizes.events_at.iter().max() {
        // Dropped events wait for the resync: 30 s here, the default hour in production.
        crate::events::tamper_response(b, n, sizes.event_samples, 0.1, 30).await;
        b.save();
        let window = Duration::from_secs(if quick { 20 } else { 60 });
        crate::events::reads_per_hour(b, n, 10, window).await;
        b.save();
    }
}

/// `ORGTRAIL_BENCH_EVENTS_AT=1,100` overrides the quick run's event sizes.
fn quick_events_at() -> Vec<usize> {
    std::env::var("ORGTRAIL_BENCH_EVENTS_AT")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 10])
}

pub(crate) struct Bench {
    pub(crate) cluster: Cluster,
    kubeconfig: String,
    pub(crate) logs: PathBuf,
    pub(crate) report: Report,
    launches: usize,
}

impl Bench {
    fn launch(&mut self, emu: &Emulator, leader_election: bool) -> Operator {
        self.launch_with(emu, leader_election, RESYNC_SECS, &[])
    }

    /// An operator re-reading every `resync_secs`, with further `run` flags `extra`.
    pub(crate) fn launch_with(
        &mut self,
        emu: &Emulator,
        leader_election: bool,
        resync_secs: u64,
        extra: &[&str],
    ) -> Operator {
        self.launches += 1;
        let log = self.logs.join(format!("operator-{:02}.log", self.launches));
        Operator::start(&Launch {
            emulator_url: emu.url(),
            kubeconfig: &self.kubeconfig,
            resync_secs,
            leader_election,
            log: &log,
            extra,
        })
    }

    /// Empty cluster, fresh emulator, a ready operator and a Ready TrustedAccess.
    pub(crate) async fn prepared(&mut self) -> (Emulator, Operator) {
        self.cluster.clean().await;
        let emu = aws::fresh_emulator();
        let mut op = self.launch(&emu, false);
        tokio::task::block_in_place(|| op.wait_ready());
        self.cluster
            .create(TRUSTED_ACCESS, "cloudtrail", cluster::trusted_access_spec())
            .await;
        self.cluster
            .wait_ready(
                &[(TRUSTED_ACCESS, "cloudtrail".into())],
                Duration::from_secs(60),
            )
            .await
            .expect("TrustedAccess Ready");
        // A Ready seen by the watch could be a late event of the previous scenario's
        // object of the same name: AWS itself must say trusted access is on.
        let deadline = Instant::now() + Duration::from_secs(60);
        while !aws::trusted_access_enabled(&emu) {
            assert!(
                Instant::now() < deadline,
                "trusted access not enabled in 60s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        (emu, op)
    }

    fn save(&mut self) -> PathBuf {
        self.report.write(&report::out_dir())
    }
}

pub(crate) fn epoch_ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

fn resources(p: &ProcSample) -> String {
    format!(
        "RSS {:.1} MiB · peak RSS {:.1} MiB · CPU {:.2} s since start",
        p.rss_mib, p.peak_rss_mib, p.cpu_secs
    )
}

/// Start-up: idle resources with no objects, then start → ready and start → first
/// reconcile done over several restarts next to one converged trail.
async fn startup(b: &mut Bench, s: &Sizes) {
    b.cluster.clean().await;
    let emu = aws::fresh_emulator();
    let mut op = b.launch(&emu, false);
    tokio::task::block_in_place(|| op.wait_ready());
    tokio::time::sleep(s.idle).await;
    let idle = op.sample();
    b.report.row(
        &format!(
            "operator resources, idle {} s after start",
            s.idle.as_secs()
        ),
        0,
        resources(&idle),
    );
    b.report.set("resources_0_objects", idle);

    b.cluster
        .create(TRUSTED_ACCESS, "cloudtrail", cluster::trusted_access_spec())
        .await;
    b.cluster
        .create(TRAIL, "bench-restart", cluster::trail_spec("bench-restart"))
        .await;
    let keys = [
        (TRUSTED_ACCESS, "cloudtrail".to_owned()),
        (TRAIL, "bench-restart".to_owned()),
    ];
    b.cluster
        .wait_ready(&keys, Duration::from_secs(60))
        .await
        .expect("restart trail Ready");
    op.stop();

    let mut json = serde_json::Map::new();
    for leader_election in [false, true] {
        let (mut ready, mut first) = (vec![], vec![]);
        for _ in 0..s.restarts {
            let mut op = b.launch(&emu, leader_election);
            ready.push(tokio::task::block_in_place(|| op.wait_ready()).as_secs_f64() * 1000.0);
            first.push(first_reconcile(&mut op).await.as_secs_f64() * 1000.0);
            op.stop();
        }
        let label = if leader_election {
            "leader election on"
        } else {
            "leader election off"
        };
        let (ready, first) = (Stats::of(ready), Stats::of(first));
        b.report.row(
            &format!("operator start → /readyz 200 ({label})"),
            format!("{} starts", s.restarts),
            format!("median {} · max {}", ms(ready.p50_ms), ms(ready.max_ms)),
        );
        b.report.row(
            &format!("operator start → first OrgTrail reconcile done ({label})"),
            format!("{} starts", s.restarts),
            format!("median {} · max {}", ms(first.p50_ms), ms(first.max_ms)),
        );
        json.insert(
            label.replace(' ', "_"),
            json!({"start_to_ready": ready, "start_to_first_reconcile": first}),
        );
    }
    b.report.set("startup", json);
}

/// Time from spawn until /metrics counts a completed OrgTrail reconcile (polled every
/// 2 ms).
async fn first_reconcile(op: &mut Operator) -> Duration {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if op.reconciles(TRAIL) >= 1.0 {
            return op.spawned.elapsed();
        }
        op.assert_alive();
        assert!(
            Instant::now() < deadline,
            "no OrgTrail reconcile within 120s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// Apply `n` OrgTrails at once; per trail, the time from its create request to its
/// StartLoggingTime in AWS and to Ready in a watch; the AWS calls a create costs.
async fn create(b: &mut Bench, n: usize, steady_after: bool, s: &Sizes) {
    let (emu, op) = b.prepared().await;
    aws::clear_calls(&emu);
    let names: Vec<String> = (0..n).map(|i| format!("bench-{n}-{i:03}")).collect();
    let mut submitted = Vec::with_capacity(n);
    for name in &names {
        submitted.push(
            b.cluster
                .create(TRAIL, name, cluster::trail_spec(name))
                .await,
        );
    }
    let keys: Vec<_> = names.iter().map(|name| (TRAIL, name.clone())).collect();
    if let Err(e) = b.cluster.wait_ready(&keys, READY_TIMEOUT).await {
        b.report
            .row("apply → AWS converged (org trail logging)", n, e);
        op.stop();
        return;
    }
    let trails = aws::trails(&emu);
    let (mut to_aws, mut to_ready) = (vec![], vec![]);
    for (name, at) in names.iter().zip(&submitted) {
        let (org, logging, started) = trails.get(name).copied().unwrap_or_default();
        assert!(
            org && logging,
            "{name} is Ready but AWS says organization trail {org}, logging {logging}: {}",
            aws::state(&emu)
        );
        if let Some(started) = started {
            to_aws.push(started - epoch_ms(*at));
        }
        if let Some(ready) = b.cluster.ready_at(TRAIL, name) {
            to_ready.push(epoch_ms(ready) - epoch_ms(*at));
        }
    }
    // The whole batch: first create request to the last trail's StartLoggingTime.
    let last_started = trails.values().filter_map(|t| t.2).fold(f64::NAN, f64::max);
    let batch_ms = last_started - submitted.first().map_or(f64::NAN, |t| epoch_ms(*t));
    let (to_aws, to_ready) = (Stats::of(to_aws), Stats::of(to_ready));
    b.report.row(
        "apply → AWS converged (org trail, StartLoggingTime)",
        n,
        format!("{} · whole batch {}", to_aws.text(), ms(batch_ms)),
    );
    b.report
        .row("apply → Ready seen by a watch", n, to_ready.text());

    // The create cost: CloudTrail calls up to the last StartLogging. Trails converged
    // early get their first resync RESYNC_SECS later; say so if that fell in the window.
    let calls = aws::calls(&emu);
    let starts: Vec<&Call> = calls
        .iter()
        .filter(|c| c.operation == "StartLogging" && c.outcome == "ok")
        .collect();
    let first_ms = starts.iter().map(|c| c.time_ms).min().unwrap_or(0);
    let last = starts.iter().map(|c| (c.seq, c.time_ms)).max();
    let (last_seq, last_ms) = last.unwrap_or((0, 0));
    let window = Tally::of(
        calls
            .iter()
            .filter(|c| c.service == "cloudtrail" && c.seq <= last_seq),
    );
    let clean = last_ms.saturating_sub(first_ms) < RESYNC_SECS * 1000;
    let per = |v: usize| v as f64 / n as f64;
    b.report.row(
        "AWS calls per full create (CloudTrail, create → StartLogging)",
        n,
        format!(
            "{:.1} ({:.1} reads, {:.1} writes{}){}",
            per(window.total),
            per(window.reads),
            per(window.writes),
            window.errors_text(n as f64),
            if clean {
                ""
            } else {
                " — includes resync reads of early trails"
            }
        ),
    );
    b.report.set(
        &format!("create_{n}"),
        json!({
            "apply_to_aws_converged": to_aws,
            "apply_to_ready_watch": to_ready,
            "first_apply_to_last_start_logging_ms": batch_ms,
            "create_calls": window,
            "create_window_free_of_resyncs": clean,
        }),
    );
    if steady_after {
        steady(b, &emu, &op, n, "trails", s).await;
    }
    op.stop();
}

/// Calls per object per resync once everything converged, and the operator's resources.
async fn steady(
    b: &mut Bench,
    emu: &Emulator,
    op: &Operator,
    objects: usize,
    what: &str,
    s: &Sizes,
) {
    // Let the creation wave settle into the resync rhythm first.
    tokio::time::sleep(Duration::from_secs(2 * RESYNC_SECS)).await;
    let reconciles = |op: &Operator| op.reconciles(TRAIL) + op.reconciles(STORE);
    aws::clear_calls(emu);
    let (r0, p0, t0) = (reconciles(op), op.sample(), Instant::now());
    tokio::time::sleep(Duration::from_secs(s.steady_resyncs * RESYNC_SECS)).await;
    let calls = aws::calls(emu);
    let (r1, p1, secs) = (reconciles(op), op.sample(), t0.elapsed().as_secs_f64());
    let resyncs = secs / RESYNC_SECS as f64;
    let cloudtrail = Tally::of(calls.iter().filter(|c| c.service == "cloudtrail"));
    let all = Tally::of(&calls);
    let per_object = cloudtrail.total as f64 / objects as f64 / resyncs;
    let label = format!("{objects} {what}");
    b.report.row(
        &format!("AWS calls per object per resync, steady state (resync {RESYNC_SECS} s)"),
        &label,
        format!(
            "{per_object:.2} CloudTrail calls ({:.2} reads, {} writes{}); all services over {secs:.0} s: {} reads, {} writes, {} reconciles",
            cloudtrail.reads as f64 / objects as f64 / resyncs,
            cloudtrail.writes,
            cloudtrail.errors_text(objects as f64 * resyncs),
            all.reads,
            all.writes,
            r1 - r0
        ),
    );
    let cpu_rate = (p1.cpu_secs - p0.cpu_secs) / secs;
    b.report.row(
        "operator resources after converging",
        &label,
        format!("{} · steady {:.3} CPU-s per s", resources(&p1), cpu_rate),
    );
    b.report.set(
        &format!("steady_{objects}_{what}"),
        json!({
            "window_seconds": secs,
            "resyncs_in_window": resyncs,
            "reconciles_in_window": r1 - r0,
            "cloudtrail_calls_per_object_per_resync": per_object,
            "calls": all,
            "resources": p1,
            "steady_cpu_seconds_per_second": cpu_rate,
        }),
    );
}

/// Disable trusted access out of band, let the operator re-enable it, and time how long
/// until every account-level trail and store is an organization one again and logging.
/// Trusted access disabled out of band, then re-enabled: by the operator (its TrustedAccess
/// object says Enabled), or, `by_hand`, by a person, with no TrustedAccess object declared
/// (the operator only follows: its trusted-access re-check must notice).
async fn reenable(b: &mut Bench, n: usize, steady_before: bool, s: &Sizes, by_hand: bool) {
    let (emu, op) = b.prepared().await;
    let what = if by_hand {
        "trusted access re-enabled by hand (no TrustedAccess object) → all re-converted and logging"
    } else {
        "trusted access re-enabled → all re-converted and logging"
    };
    if by_hand {
        b.cluster.delete(TRUSTED_ACCESS, "cloudtrail").await;
    }
    let trails: Vec<String> = (0..n / 2).map(|i| format!("re-{n}-trail-{i:03}")).collect();
    let stores: Vec<String> = (0..n - n / 2)
        .map(|i| format!("re-{n}-store-{i:03}"))
        .collect();
    let mut keys = vec![];
    for name in &trails {
        b.cluster
            .create(TRAIL, name, cluster::trail_spec(name))
            .await;
        keys.push((TRAIL, name.clone()));
    }
    for name in &stores {
        b.cluster
            .create(STORE, name, cluster::store_spec(name))
            .await;
        keys.push((STORE, name.clone()));
    }
    let label = format!("{n} ({} trails, {} stores)", trails.len(), stores.len());
    if let Err(e) = b.cluster.wait_ready(&keys, READY_TIMEOUT).await {
        b.report.row(what, &label, e);
        op.stop();
        return;
    }
    if steady_before {
        steady(b, &emu, &op, n, "trails and stores (half each)", s).await;
    }

    aws::clear_calls(&emu);
    let disabled_at = epoch_ms(SystemTime::now());
    aws::disable_trusted_access(&emu).await;
    if by_hand {
        // Every object's resync notices the account-level trail/store and waits; then the
        // person turns trusted access back on.
        tokio::time::sleep(Duration::from_secs(2 * RESYNC_SECS + 1)).await;
        aws::clear_calls(&emu);
        aws::enable_trusted_access(&emu).await;
    }
    // AWS converts everything to account level as part of the disable call.
    let account_level = aws::trails(&emu).values().filter(|t| !t.0).count()
        + aws::stores(&emu).values().filter(|s| !s.0).count();
    let deadline = Instant::now() + Duration::from_secs(180);
    let converged = loop {
        let (t, st) = (aws::trails(&emu), aws::stores(&emu));
        let trails_ok = trails
            .iter()
            .all(|name| t.get(name).is_some_and(|&(org, logging, _)| org && logging));
        let stores_ok = stores.iter().all(|name| {
            st.get(name)
                .is_some_and(|(org, status)| *org && status == "ENABLED")
        });
        if trails_ok && stores_ok {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let calls = aws::calls(&emu);
    let enable = calls
        .iter()
        .find(|c| c.operation == "EnableAWSServiceAccess" && c.outcome == "ok");
    let (Some(enable), true) = (enable, converged) else {
        b.report.row(
            what,
            &label,
            format!(
                "not converged within 180 s (EnableAWSServiceAccess seen: {})",
                enable.is_some()
            ),
        );
        op.stop();
        return;
    };
    let conversions: Vec<&Call> = calls
        .iter()
        .filter(|c| c.seq > enable.seq && c.outcome == "ok")
        .filter(|c| {
            matches!(
                c.operation.as_str(),
                "UpdateTrail"
                    | "UpdateEventDataStore"
                    | "StartLogging"
                    | "StartEventDataStoreIngestion"
            )
        })
        .collect();
    let last = conversions.iter().map(|c| (c.seq, c.time_ms)).max();
    let (last_seq, last_ms) = last.unwrap_or((enable.seq, enable.time_ms));
    let count = |op: &str| conversions.iter().filter(|c| c.operation == op).count();
    let took = last_ms.saturating_sub(enable.time_ms) as f64;
    let during = Tally::of(
        calls
            .iter()
            .filter(|c| c.seq >= enable.seq && c.seq <= last_seq),
    );
    b.report.row(
        what,
        &label,
        format!(
            "{} (EnableAWSServiceAccess → last of {} UpdateTrail, {} UpdateEventDataStore, {} StartLogging)",
            ms(took),
            count("UpdateTrail"),
            count("UpdateEventDataStore"),
            count("StartLogging")
        ),
    );
    if !by_hand {
        b.report.row(
            "out-of-band disable → operator re-enables trusted access",
            &label,
            format!(
                "{} ({account_level} objects were account-level after the disable)",
                ms(enable.time_ms as f64 - disabled_at)
            ),
        );
    }
    b.report.set(
        &format!("reenable_{}{n}", if by_hand { "by_hand_" } else { "" }),
        json!({
            "account_level_after_disable": account_level,
            "disable_to_enable_ms": enable.time_ms as f64 - disabled_at,
            "enable_to_last_conversion_ms": took,
            "update_trail": count("UpdateTrail"),
            "update_event_data_store": count("UpdateEventDataStore"),
            "start_logging": count("StartLogging"),
            "calls_enable_to_last_conversion": during,
        }),
    );
    op.stop();
}
