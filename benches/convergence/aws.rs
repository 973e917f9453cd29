//! The emulator side: a fresh emulator per scenario, its state and its call log, and the
//! out-of-band change a person would make with the AWS CLI.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Value, json};

use crate::support::{self, AKID_MANAGEMENT, Emulator};

/// The hooks are blocking loopback HTTP; keep them off the async workers' backs.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

/// A new emulator with AWS's trail and event data store quotas lifted for scale runs.
pub fn fresh_emulator() -> Emulator {
    blocking(|| {
        let emu = Emulator::start();
        emu.configure(json!({"trail_quota": 10_000, "event_data_store_quota": 10_000}));
        emu
    })
}

/// One entry of `GET /_emulator/calls`.
#[derive(Clone, Debug, serde::Deserialize)]
pub struct Call {
    pub seq: u64,
    pub time_ms: u64,
    pub service: String,
    pub operation: String,
    pub kind: String,
    pub outcome: String,
}

pub fn calls(emu: &Emulator) -> Vec<Call> {
    blocking(|| emu.calls())
        .into_iter()
        .filter_map(|c| serde_json::from_value(c).ok())
        .collect()
}

pub fn clear_calls(emu: &Emulator) {
    blocking(|| emu.clear_calls());
}

/// Trail name -> (is organization trail, is logging, StartLoggingTime in epoch ms).
pub fn trails(emu: &Emulator) -> HashMap<String, (bool, bool, Option<f64>)> {
    let state = blocking(|| emu.state());
    state["trails"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| {
            (
                t["name"].as_str().unwrap_or_default().to_owned(),
                (
                    t["is_organization_trail"] == true,
                    t["is_logging"] == true,
                    t["start_logging_time"].as_f64().map(|s| s * 1000.0),
                ),
            )
        })
        .collect()
}

/// Store name -> (organization enabled, status).
pub fn stores(emu: &Emulator) -> HashMap<String, (bool, String)> {
    let state = blocking(|| emu.state());
    state["event_data_stores"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default().to_owned(),
                (
                    s["organization_enabled"] == true,
                    s["status"].as_str().unwrap_or_default().to_owned(),
                ),
            )
        })
        .collect()
}

/// What a person does in the console or CLI: `organizations disable-aws-service-access`.
pub async fn disable_trusted_access(emu: &Emulator) {
    let config = support::sdk_config(emu, AKID_MANAGEMENT, "us-east-1").await;
    aws_sdk_organizations::Client::new(&config)
        .disable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect("DisableAWSServiceAccess");
}

/// Someone stopping a trail's logging by hand: `cloudtrail stop-logging`.
pub async fn stop_logging(emu: &Emulator, name: &str) {
    let config = support::sdk_config(emu, AKID_MANAGEMENT, "us-east-1").await;
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

/// A person turning trusted access back on: `organizations enable-aws-service-access`.
pub async fn enable_trusted_access(emu: &Emulator) {
    let config = support::sdk_config(emu, AKID_MANAGEMENT, "us-east-1").await;
    aws_sdk_organizations::Client::new(&config)
        .enable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect("EnableAWSServiceAccess");
}

/// Calls counted by kind and by `service:Operation`.
#[derive(Debug, Default, serde::Serialize)]
pub struct Tally {
    pub total: usize,
    pub reads: usize,
    pub writes: usize,
    pub errors: usize,
    pub by_operation: BTreeMap<String, usize>,
    /// `Operation ErrorCode` -> calls answered with that error.
    pub errors_by_operation: BTreeMap<String, usize>,
}

impl Tally {
    pub fn of<'a>(calls: impl IntoIterator<Item = &'a Call>) -> Tally {
        let mut t = Tally::default();
        for c in calls {
            t.total += 1;
            match c.kind.as_str() {
                "write" => t.writes += 1,
                _ => t.reads += 1,
            }
            if c.outcome != "ok" {
                t.errors += 1;
                *t.errors_by_operation
                    .entry(format!("{} {}", c.operation, c.outcome))
                    .or_default() += 1;
            }
            *t.by_operation
                .entry(format!("{}:{}", c.service, c.operation))
                .or_default() += 1;
        }
        t
    }
}

impl Tally {
    /// `"GetTrail TrailNotFoundException ×1, …"` with counts divided by `per`.
    /// `; answered with an error: <operation> <code> ×<per object>, ...`, or nothing.
    pub fn errors_text(&self, per: f64) -> String {
        if self.errors_by_operation.is_empty() {
            return String::new();
        }
        let list = self
            .errors_by_operation
            .iter()
            .map(|(what, n)| format!("{what} ×{:.1}", *n as f64 / per))
            .collect::<Vec<_>>()
            .join(", ");
        format!("; answered with an error: {list}")
    }
}

/// Whether Organizations trusts CloudTrail (the emulator's state).
pub fn trusted_access_enabled(emu: &Emulator) -> bool {
    blocking(|| emu.state())["trusted_access"]
        .get("cloudtrail.amazonaws.com")
        .is_some()
}

/// Debug helper for failures: the state as JSON.
pub fn state(emu: &Emulator) -> Value {
    blocking(|| emu.state())
}
