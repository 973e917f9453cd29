//! What every reconcile needs: the Kubernetes client, the AWS access, the trusted-access
//! gate, events, metrics and configuration. Built once by the composition root
//! (`crate::run`), shared by all controllers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kube::runtime::events::Recorder;
use kube::runtime::reflector::ObjectRef;

use crate::aws::access::Aws;
use crate::runtime::contests::Contests;
use crate::runtime::metrics::Metrics;
use crate::runtime::schedule::Schedule;
use crate::runtime::trust::TrustGate;
use crate::triggers::Triggers;

/// How often what is converged is re-read from AWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Periods {
    /// Converged objects, to catch drift nobody announced.
    pub resync: Duration,
    /// Trusted access (an out-of-band disable is noticed this fast).
    pub trusted_access: Duration,
}

impl Periods {
    /// Without events: drift is only found by looking.
    pub const POLLING: Periods = Periods {
        resync: Duration::from_secs(300),
        trusted_access: Duration::from_secs(30),
    };
    /// With events: every change is announced within seconds; looking is the safety
    /// net for a lost event.
    pub const WITH_EVENTS: Periods = Periods {
        resync: Duration::from_secs(3600),
        trusted_access: Duration::from_secs(300),
    };
}

impl Periods {
    /// The periods while events flow, and while they do not, from the flags (`None`: not
    /// given) and whether an event queue is configured. Trusted access is never read less
    /// often than everything else.
    pub fn resolve(
        resync: Option<Duration>,
        trusted_access: Option<Duration>,
        events: bool,
    ) -> (Periods, Periods) {
        let defaults = if events {
            Periods::WITH_EVENTS
        } else {
            Periods::POLLING
        };
        let resync = resync
            .unwrap_or(defaults.resync)
            .max(Duration::from_secs(1));
        let periods = Periods {
            resync,
            trusted_access: trusted_access
                .unwrap_or(defaults.trusted_access)
                .clamp(Duration::from_secs(1), resync),
        };
        let polling = Periods {
            resync: periods.resync.min(Periods::POLLING.resync),
            trusted_access: periods.trusted_access.min(Periods::POLLING.trusted_access),
        };
        (periods, polling)
    }
}

/// Operator settings that reconcilers read.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The periods while events flow (or always, without an event queue).
    pub periods: Periods,
    /// The periods while the configured event queue does not answer: never longer than
    /// [`Periods::POLLING`], since changes are then only found by looking.
    pub polling: Periods,
    /// The region of the operator's AWS configuration (where Organizations listings go).
    pub region: String,
}

/// Shared state of all controllers.
pub struct Context {
    /// Kubernetes client.
    pub client: kube::Client,
    /// AWS access.
    pub aws: Aws,
    /// Everything known about trusted access for CloudTrail.
    pub trust: TrustGate,
    /// The one event recorder.
    pub recorder: Recorder,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Settings.
    pub settings: Settings,
    /// Corrections that do not stick, per object.
    pub contests: Contests,
    /// When each object's periodic re-read is due (which reconciles are routine).
    pub schedule: Schedule,
    /// AWS API call events: hints to reconcile, and whether they flow.
    pub triggers: Triggers,
    /// Consecutive failures per object, for exponential backoff.
    failures: Mutex<HashMap<String, u32>>,
}

impl Context {
    /// Assemble the context.
    pub fn new(
        client: kube::Client,
        aws: Aws,
        trust: TrustGate,
        recorder: Recorder,
        metrics: Arc<Metrics>,
        settings: Settings,
        triggers: Triggers,
    ) -> Arc<Self> {
        Arc::new(Context {
            client,
            aws,
            trust,
            recorder,
            metrics,
            settings,
            failures: Mutex::new(HashMap::new()),
            contests: Contests::default(),
            schedule: Schedule::default(),
            triggers,
        })
    }

    /// The periods in force: the longer ones only while events flow.
    pub fn periods(&self) -> Periods {
        if self.triggers.healthy() {
            self.settings.periods
        } else {
            self.settings.polling
        }
    }

    /// How long a converged object waits before AWS is read again.
    pub fn resync(&self) -> Duration {
        self.periods().resync
    }

    /// How long before trusted access is read again.
    pub fn trusted_access_resync(&self) -> Duration {
        self.periods().trusted_access
    }

    /// Count a failure of `obj`; returns how many in a row.
    pub fn failed<K: kube::Resource<DynamicType = ()>>(&self, obj: &ObjectRef<K>) -> u32 {
        let mut map = self.failures.lock().expect("failure map poisoned");
        let n = map.entry(obj.to_string()).or_insert(0);
        *n = n.saturating_add(1);
        *n
    }

    /// Forget the failures of `obj` after a success.
    pub fn succeeded<K: kube::Resource<DynamicType = ()>>(&self, obj: &ObjectRef<K>) {
        self.failures
            .lock()
            .expect("failure map poisoned")
            .remove(&obj.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn events_lengthen_the_default_periods_only() {
        assert_eq!(
            Periods::resolve(None, None, false),
            (Periods::POLLING, Periods::POLLING)
        );
        assert_eq!(
            Periods::resolve(None, None, true),
            (Periods::WITH_EVENTS, Periods::POLLING),
            "without events flowing, the polling periods apply"
        );
        let (periods, polling) = Periods::resolve(Some(S(600)), None, true);
        assert_eq!(periods.resync, S(600), "a given period is kept");
        assert_eq!(polling.resync, S(300));
        let (periods, polling) = Periods::resolve(Some(S(60)), Some(S(10)), false);
        assert_eq!((periods.resync, periods.trusted_access), (S(60), S(10)));
        assert_eq!(polling, periods, "shorter than polling's: kept");
    }

    #[test]
    fn trusted_access_is_never_read_less_often_than_the_rest() {
        let (periods, _) = Periods::resolve(Some(S(20)), None, false);
        assert_eq!(periods.trusted_access, S(20));
        let (periods, _) = Periods::resolve(Some(S(0)), Some(S(0)), true);
        assert_eq!((periods.resync, periods.trusted_access), (S(1), S(1)));
    }
}
