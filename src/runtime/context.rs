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

/// Operator settings that reconcilers read.
#[derive(Clone, Debug)]
pub struct Settings {
    /// How often converged objects are re-read from AWS to catch drift nobody announced.
    pub resync: Duration,
    /// How often trusted access is re-read (an out-of-band disable is noticed this fast).
    pub trusted_access_resync: Duration,
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
        })
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
