//! kstatus conditions from a reconcile outcome (pure). Flux's kstatus and our Argo CD
//! health scripts read these: `Ready=True` → healthy; `Reconciling=True` → progressing;
//! `Stalled=True` → failed. Only the true one of Reconciling/Stalled is written.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};

/// Condition types.
pub const READY: &str = "Ready";
/// Work in progress or waiting for a prerequisite that will come by itself.
pub const RECONCILING: &str = "Reconciling";
/// Needs a human: invalid input, missing permission, name clash, ...
pub const STALLED: &str = "Stalled";

/// How a reconcile ended, as users should read it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// AWS matches the spec.
    Ready {
        /// CamelCase reason.
        reason: &'static str,
        /// Human message.
        message: String,
    },
    /// Not yet: waiting for something that will happen without a human (e.g. trusted
    /// access being re-enabled by the TrustedAccess object).
    Waiting {
        /// CamelCase reason.
        reason: &'static str,
        /// Human message.
        message: String,
    },
    /// Stuck until a human changes something.
    Stalled {
        /// CamelCase reason.
        reason: &'static str,
        /// Human message.
        message: String,
        /// Whether only a spec change can help (AWS rejected the input): no requeue.
        spec_change_needed: bool,
    },
}

/// A kind-specific condition (e.g. `OrganizationScope`, `Logging`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindCondition {
    /// Condition type.
    pub type_: &'static str,
    /// True or False.
    pub status: bool,
    /// CamelCase reason.
    pub reason: &'static str,
    /// Human message.
    pub message: String,
}

/// The conditions to write. `previous` keeps `lastTransitionTime` stable while a
/// condition's status does not change, so a converged object's status never changes.
pub fn conditions(
    outcome: &Outcome,
    kind_conditions: &[KindCondition],
    generation: Option<i64>,
    previous: &[Condition],
    now: &Time,
) -> Vec<Condition> {
    let mut out = Vec::new();
    let mut push = |type_: &str, status: bool, reason: &str, message: &str| {
        let status = if status { "True" } else { "False" }.to_string();
        let last_transition_time = previous
            .iter()
            .find(|c| c.type_ == type_ && c.status == status)
            .map(|c| c.last_transition_time.clone())
            .unwrap_or_else(|| now.clone());
        out.push(Condition {
            type_: type_.to_string(),
            status,
            reason: reason.to_string(),
            message: message.to_string(),
            observed_generation: generation,
            last_transition_time,
        });
    };
    match outcome {
        Outcome::Ready { reason, message } => push(READY, true, reason, message),
        Outcome::Waiting { reason, message } => {
            push(READY, false, reason, message);
            push(RECONCILING, true, reason, message);
        }
        Outcome::Stalled {
            reason, message, ..
        } => {
            push(READY, false, reason, message);
            push(STALLED, true, reason, message);
        }
    }
    for e in kind_conditions {
        push(e.type_, e.status, e.reason, &e.message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Time {
        Time(s.parse().unwrap())
    }

    #[test]
    fn kstatus_polarity() {
        let now = t("2026-01-01T00:00:00Z");
        let ready = Outcome::Ready {
            reason: "Ready",
            message: "ok".into(),
        };
        let c = conditions(&ready, &[], Some(3), &[], &now);
        assert_eq!(c.len(), 1);
        assert_eq!((c[0].type_.as_str(), c[0].status.as_str()), (READY, "True"));
        assert_eq!(c[0].observed_generation, Some(3));

        let waiting = Outcome::Waiting {
            reason: "TrustedAccessDisabled",
            message: "m".into(),
        };
        let c = conditions(&waiting, &[], Some(3), &[], &now);
        let types: Vec<_> = c
            .iter()
            .map(|c| (c.type_.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(types, [(READY, "False"), (RECONCILING, "True")]);

        let stalled = Outcome::Stalled {
            reason: "InvalidInput",
            message: "m".into(),
            spec_change_needed: true,
        };
        let c = conditions(&stalled, &[], Some(3), &[], &now);
        let types: Vec<_> = c
            .iter()
            .map(|c| (c.type_.as_str(), c.status.as_str()))
            .collect();
        assert_eq!(types, [(READY, "False"), (STALLED, "True")]);
    }

    #[test]
    fn transition_time_only_moves_on_transitions() {
        let first = t("2026-01-01T00:00:00Z");
        let later = t("2026-01-02T00:00:00Z");
        let ready = Outcome::Ready {
            reason: "Ready",
            message: "ok".into(),
        };
        let extra = [KindCondition {
            type_: "Logging",
            status: true,
            reason: "Logging",
            message: "".into(),
        }];
        let c1 = conditions(&ready, &extra, Some(1), &[], &first);
        let c2 = conditions(&ready, &extra, Some(1), &c1, &later);
        assert_eq!(c1, c2, "a converged object's conditions do not change");

        let waiting = Outcome::Waiting {
            reason: "TrustedAccessDisabled",
            message: "m".into(),
        };
        let c3 = conditions(&waiting, &extra, Some(1), &c2, &later);
        assert_eq!(c3[0].last_transition_time, later);
        assert_eq!(
            c3[2].last_transition_time, first,
            "Logging did not transition"
        );
    }
}
