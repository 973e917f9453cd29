//! Pacing under AWS's request quotas (issue 11): at its default rates the operator stays
//! under CloudTrail's documented 10 Get/Describe/List calls per second (per operation,
//! account and region) however many objects it re-reads at once, and an object that
//! needs work does not wait behind those routine re-reads.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use orgtrail_operator::aws::sdk::rate_limit::{CLOUDTRAIL_READ_QUOTA, Rates, is_read};

use super::*;
use crate::support::hooks::peak_per_second;

const TRAILS: usize = 100;

fn trail_manifest(name: &str) -> String {
    format!(
        "\n---\napiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {{name: {name}}}\n\
         spec:\n  name: {name}\n  homeRegion: us-east-1\n  s3BucketName: orgtrail-logs\n"
    )
}

fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The most calls of one operation, by one access key in one region, that fall in any
/// one-second window of the call log.
fn peak_per_operation(calls: &[Value]) -> BTreeMap<String, usize> {
    let mut times: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for c in calls {
        let key = format!(
            "{} {} {}",
            c["operation"].as_str().unwrap_or("?"),
            c["region"].as_str().unwrap_or("-"),
            c["access_key"].as_str().unwrap_or("-")
        );
        times
            .entry(key)
            .or_default()
            .push(c["time_ms"].as_u64().unwrap_or(0));
    }
    times
        .into_iter()
        .map(|(key, mut t)| (key, peak_per_second(&mut t)))
        .collect()
}

/// Seconds the operator's AWS calls waited for pacing at `priority` (its /metrics).
fn paced_seconds(metrics: &str, priority: &str) -> f64 {
    let label = format!("priority=\"{priority}\"");
    metrics
        .lines()
        .filter(|l| l.starts_with("orgtrail_aws_pacing_wait_seconds_total{") && l.contains(&label))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// 100 converged trails, an operator restarted at the default rates (its first look at
/// each is a routine re-read, 400 reads at once), then a new trail applied while those
/// reads queue.
#[test]
fn s9_reads_stay_under_the_quota_and_a_new_object_goes_first() {
    let mut s = Scenario::start();
    s.emu.configure(json!({"trail_quota": 1000}));
    // Converge quickly, unpaced.
    s.start_operator();
    let mut manifest = std::fs::read_to_string(examples_dir().join("00-trusted-access.yaml"))
        .expect("example manifest");
    for i in 0..TRAILS {
        manifest.push_str(&trail_manifest(&format!("paced-{i:03}")));
    }
    s.apply_ok(&manifest);
    for i in 0..TRAILS {
        s.wait_ready("orgtrail", &format!("paced-{i:03}"));
    }
    s.stop_operator();

    // The operator's default rates (what `run` uses when no flag is given).
    s.emu.clear_calls();
    let (read, write) = (
        Rates::DEFAULT.read.to_string(),
        Rates::DEFAULT.write.to_string(),
    );
    s.start_operator_with(
        AKID_MANAGEMENT,
        &["--aws-read-rate", &read, "--aws-write-rate", &write],
    );
    // Let the start-up re-reads queue, then ask for something new.
    std::thread::sleep(Duration::from_secs(2));
    let created = epoch_ms();
    s.apply_ok(&trail_manifest("paced-new"));
    s.wait_ready("orgtrail", "paced-new");
    let metrics = s.metrics().expect("the operator's /metrics");
    // Let the pass go on, so that the window below covers sustained queueing.
    std::thread::sleep(Duration::from_secs(5));
    let calls = s.emu.calls();

    // 1. Under the quota: no operation exceeds 10 reads in any second.
    let reads: Vec<Value> = calls
        .iter()
        .filter(|c| is_read(c["operation"].as_str().unwrap_or("")))
        .cloned()
        .collect();
    let peaks = peak_per_operation(&reads);
    let over: Vec<_> = peaks
        .iter()
        .filter(|(_, n)| **n as f64 > CLOUDTRAIL_READ_QUOTA)
        .collect();
    assert!(
        over.is_empty(),
        "reads per second above the quota: {over:?}"
    );
    // The pacing was what held them back: unpaced, 100 re-reads arrive within a second.
    let get_trail = peaks
        .iter()
        .find(|(k, _)| k.starts_with("GetTrail "))
        .map_or(0, |(_, n)| *n);
    assert!(get_trail >= 5, "GetTrail was never busy: {peaks:?}");

    // 2. The new trail did not queue behind them: its GetTrail went before the ~90
    //    routine GetTrail calls still waiting when it was applied.
    let created_trail = calls
        .iter()
        .find(|c| c["operation"] == "CreateTrail" && c["outcome"] == "ok")
        .expect("the new trail was created");
    let before = created_trail["time_ms"].as_u64().unwrap_or(0);
    let overtaken = calls
        .iter()
        .filter(|c| c["operation"] == "GetTrail")
        .filter(|c| (created..before).contains(&c["time_ms"].as_u64().unwrap_or(0)))
        .count();
    assert!(
        overtaken < 40,
        "{overtaken} GetTrail calls went between applying the new trail and creating it"
    );
    let (urgent, routine) = (
        paced_seconds(&metrics, "urgent"),
        paced_seconds(&metrics, "routine"),
    );
    eprintln!(
        "{overtaken} GetTrail overtaken; pacing waits: urgent {urgent:.2} s, routine {routine:.1} s"
    );
    assert!(
        routine > 10.0,
        "routine re-reads queued {routine:.1} s in all"
    );
    assert!(
        urgent < 2.0,
        "urgent calls waited {urgent:.1} s for pacing (routine {routine:.1} s)"
    );

    // Clean up unpaced: deleting 101 trails at one DeleteTrail per second takes too long.
    s.stop_operator();
    s.start_operator();
    s.finish();
}
