//! Test hooks that no AWS client needs: the call log, counters and fault injection.
//! Served under `/_emulator/` by server.rs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::error::ApiError;

/// Oldest calls are dropped beyond this, so a long soak test cannot exhaust memory.
const MAX_CALLS: usize = 100_000;

#[derive(Debug, Clone, Serialize)]
pub struct CallRecord {
    pub seq: u64,
    pub time_ms: u64,
    pub service: String,
    pub operation: String,
    /// The access key that signed the call (absent when it could not be read).
    pub access_key: Option<String>,
    pub account: Option<String>,
    pub region: Option<String>,
    pub kind: &'static str,
    pub outcome: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    Throttle,
    Error5xx,
    Latency,
    /// Any modelled 4xx error by its code, e.g. `ConcurrentModificationException`, which the
    /// SDKs don't retry and the emulator never raises by itself (see assumptions.rs).
    Error,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    #[serde(default)]
    pub id: u64,
    /// Only this operation (e.g. `CreateTrail`); any when absent.
    pub operation: Option<String>,
    /// Only this service (`organizations`, `cloudtrail`, `sts`, `sqs`, `events`); any when absent.
    pub service: Option<String>,
    pub kind: FaultKind,
    /// Fire for the next `count` matching calls, then stop.
    pub count: Option<u64>,
    /// Fire with this probability (0..=1) on each matching call.
    pub rate: Option<f64>,
    pub latency_ms: Option<u64>,
    /// HTTP status for error5xx (500 default, 503 gives ServiceUnavailable).
    pub status: Option<u16>,
    /// The error code (wire `__type`) for kind `error`.
    pub code: Option<String>,
}

impl Fault {
    pub fn validate(&self) -> Result<(), String> {
        if self.rate.is_some_and(|r| !(0.0..=1.0).contains(&r)) {
            return Err("rate must be between 0 and 1".into());
        }
        if self.kind == FaultKind::Latency && self.latency_ms.is_none() {
            return Err("latency faults need latency_ms".into());
        }
        if self.status.is_some_and(|s| !(500..=599).contains(&s)) {
            return Err("status must be 5xx".into());
        }
        let valid_code = self.code.as_deref().is_some_and(|c| {
            !c.is_empty() && c.len() <= 128 && c.chars().all(|ch| ch.is_ascii_alphanumeric())
        });
        match (self.kind, self.code.is_some()) {
            (FaultKind::Error, _) if !valid_code => {
                return Err("error faults need code, an alphanumeric error code".into());
            }
            (FaultKind::Error, _) => {}
            (_, true) => return Err("code is only for error faults".into()),
            (_, false) => {}
        }
        if let Some(s) = &self.service
            && !matches!(
                s.as_str(),
                "organizations" | "cloudtrail" | "sts" | "sqs" | "events"
            )
        {
            return Err("service must be organizations, cloudtrail, sts, sqs or events".into());
        }
        Ok(())
    }

    fn matches(&self, service: &str, operation: &str) -> bool {
        self.service.as_deref().is_none_or(|s| s == service)
            && self.operation.as_deref().is_none_or(|o| o == operation)
            && self.count != Some(0)
    }
}

/// What the faults decided for one call.
#[derive(Debug, Default)]
pub struct FaultOutcome {
    pub latency_ms: u64,
    pub error: Option<ApiError>,
}

#[derive(Debug, Default)]
pub struct Hooks {
    pub calls: Vec<CallRecord>,
    pub seq: u64,
    pub faults: Vec<Fault>,
    pub next_fault_id: u64,
}

impl Hooks {
    pub fn record(&mut self, mut rec: CallRecord) {
        self.seq += 1;
        rec.seq = self.seq;
        if self.calls.len() >= MAX_CALLS {
            self.calls.remove(0);
        }
        self.calls.push(rec);
    }

    pub fn add_fault(&mut self, mut f: Fault) -> Result<u64, String> {
        f.validate()?;
        self.next_fault_id += 1;
        f.id = self.next_fault_id;
        self.faults.push(f);
        Ok(self.next_fault_id)
    }

    /// Applies the matching faults to a call: latency adds up, the first error wins.
    pub fn decide(&mut self, service: &str, operation: &str) -> FaultOutcome {
        let mut out = FaultOutcome::default();
        for f in self
            .faults
            .iter_mut()
            .filter(|f| f.matches(service, operation))
        {
            if f.rate.is_some_and(|r| rand::random::<f64>() >= r) {
                continue;
            }
            if f.kind != FaultKind::Latency && out.error.is_some() {
                continue;
            }
            if let Some(n) = f.count.as_mut() {
                *n -= 1;
            }
            match f.kind {
                FaultKind::Latency => out.latency_ms += f.latency_ms.unwrap_or(0),
                FaultKind::Throttle => out.error = Some(throttle_error(service)),
                FaultKind::Error5xx => {
                    out.error = Some(server_error(service, f.status.unwrap_or(500)))
                }
                FaultKind::Error => {
                    out.error = Some(ApiError::new(
                        f.code.as_deref().unwrap_or("InternalFailure"),
                        "Injected error fault.",
                    ))
                }
            }
        }
        out
    }

    pub fn counters(&self) -> Value {
        let mut by_op: BTreeMap<String, BTreeMap<&str, u64>> = BTreeMap::new();
        let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
        let mut by_outcome: BTreeMap<String, u64> = BTreeMap::new();
        for c in &self.calls {
            let e = by_op
                .entry(format!("{}:{}", c.service, c.operation))
                .or_default();
            *e.entry("total").or_default() += 1;
            *e.entry(if c.outcome == "ok" { "ok" } else { "error" })
                .or_default() += 1;
            *by_kind.entry(c.kind).or_default() += 1;
            *by_outcome.entry(c.outcome.clone()).or_default() += 1;
        }
        json!({
            "total": self.calls.len(),
            "by_operation": by_op,
            "by_kind": by_kind,
            "by_outcome": by_outcome,
        })
    }
}

pub fn throttle_error(service: &str) -> ApiError {
    match service {
        "organizations" => ApiError::new(
            "TooManyRequestsException",
            "You have sent too many requests in too short a period of time.",
        ),
        "sts" => ApiError::new("Throttling", "Rate exceeded"),
        // Sent as x-amzn-query-error RequestThrottled, which the SDKs retry.
        "sqs" => ApiError::new("RequestThrottled", "Rate exceeded"),
        _ => ApiError::new("ThrottlingException", "Rate exceeded"),
    }
}

pub fn server_error(service: &str, status: u16) -> ApiError {
    let code = match (service, status) {
        (_, 503) => "ServiceUnavailableException",
        ("organizations", _) => "ServiceException",
        _ => "InternalFailure",
    };
    ApiError::new(
        code,
        "The service encountered an internal error (injected fault).",
    )
    .with_status(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(kind: FaultKind) -> Fault {
        Fault {
            id: 0,
            operation: None,
            service: None,
            kind,
            count: None,
            rate: None,
            latency_ms: None,
            status: None,
            code: None,
        }
    }

    #[test]
    fn count_faults_expire_and_match_by_service() {
        let mut h = Hooks::default();
        h.add_fault(Fault {
            count: Some(2),
            service: Some("organizations".into()),
            ..fault(FaultKind::Throttle)
        })
        .unwrap();
        assert!(h.decide("cloudtrail", "CreateTrail").error.is_none());
        let e = h.decide("organizations", "ListAccounts").error.unwrap();
        assert_eq!(e.code, "TooManyRequestsException");
        assert!(h.decide("organizations", "ListAccounts").error.is_some());
        assert!(h.decide("organizations", "ListAccounts").error.is_none());
    }

    #[test]
    fn errors_latency_and_rates() {
        let mut h = Hooks::default();
        h.add_fault(Fault {
            latency_ms: Some(30),
            ..fault(FaultKind::Latency)
        })
        .unwrap();
        h.add_fault(Fault {
            status: Some(503),
            operation: Some("GetTrail".into()),
            ..fault(FaultKind::Error5xx)
        })
        .unwrap();
        h.add_fault(Fault {
            rate: Some(0.0),
            ..fault(FaultKind::Throttle)
        })
        .unwrap();
        let o = h.decide("cloudtrail", "GetTrail");
        assert_eq!(o.latency_ms, 30);
        let e = o.error.unwrap();
        assert_eq!(
            (e.status, e.code.as_str()),
            (503, "ServiceUnavailableException")
        );
        assert!(
            h.decide("cloudtrail", "ListTrails").error.is_none(),
            "rate 0 never fires"
        );
        assert!(
            h.add_fault(Fault {
                rate: Some(2.0),
                ..fault(FaultKind::Throttle)
            })
            .is_err()
        );
        assert!(h.add_fault(fault(FaultKind::Latency)).is_err());
    }

    #[test]
    fn error_faults_answer_their_code() {
        let mut h = Hooks::default();
        assert!(
            h.add_fault(fault(FaultKind::Error)).is_err(),
            "needs a code"
        );
        assert!(
            h.add_fault(Fault {
                code: Some("X".into()),
                ..fault(FaultKind::Throttle)
            })
            .is_err()
        );
        h.add_fault(Fault {
            code: Some("ConcurrentModificationException".into()),
            operation: Some("EnableFederation".into()),
            count: Some(1),
            ..fault(FaultKind::Error)
        })
        .unwrap();
        let e = h.decide("cloudtrail", "EnableFederation").error.unwrap();
        assert_eq!(
            (e.status, e.code.as_str()),
            (400, "ConcurrentModificationException")
        );
        assert!(h.decide("cloudtrail", "EnableFederation").error.is_none());
    }
}
