//! Prometheus metrics of the operator, exposed on `/metrics` in OpenMetrics text format.
//!
//! Every label value is a `&'static str` chosen by our own code (a CRD kind, an error
//! category, an AWS operation name), never data from a resource, so the number of series
//! stays bounded whatever users create.

use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};

use crate::aws::CallObserver;
use crate::aws::priority::Priority;

/// Prefix of every metric name.
const PREFIX: &str = "orgtrail";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabels {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FailureLabels {
    kind: &'static str,
    category: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct AwsCallLabels {
    service: &'static str,
    operation: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PacingLabels {
    service: &'static str,
    operation: &'static str,
    priority: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct EventLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueErrorLabels {
    category: &'static str,
}

/// All metrics of the operator plus the registry that encodes them. Share it as
/// `Arc<Metrics>`; every method takes `&self` (the metric types are atomics inside).
pub struct Metrics {
    registry: Registry,
    reconciliations: Family<KindLabels, Counter>,
    reconcile_duration: Family<KindLabels, Histogram, fn() -> Histogram>,
    reconcile_failures: Family<FailureLabels, Counter>,
    trusted_access_enabled: Gauge,
    reconversions: Family<KindLabels, Counter>,
    aws_calls: Family<AwsCallLabels, Counter>,
    aws_pacing_wait: Family<PacingLabels, Counter<f64, AtomicU64>>,
    events_received: Family<EventLabels, Counter>,
    events_age: Histogram,
    events_queue_healthy: Gauge,
    events_queue_errors: Family<QueueErrorLabels, Counter>,
}

/// Buckets from 10 ms to ~82 s: a reconcile is a handful of AWS calls, each of which can
/// be retried with backoff by the SDK, so slow tails matter.
fn duration_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.01, 2.0, 14))
}

impl Metrics {
    /// Creates the metrics and registers them under the `orgtrail_` prefix.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix(PREFIX);

        let reconciliations = Family::<KindLabels, Counter>::default();
        registry.register(
            "reconciliations",
            "Reconciliations started, by resource kind",
            reconciliations.clone(),
        );

        let reconcile_duration =
            Family::<KindLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                duration_histogram,
            );
        registry.register_with_unit(
            "reconcile_duration",
            "Time a reconciliation took, by resource kind",
            Unit::Seconds,
            reconcile_duration.clone(),
        );

        let reconcile_failures = Family::<FailureLabels, Counter>::default();
        registry.register(
            "reconcile_failures",
            "Reconciliations that ended in an error, by resource kind and error category",
            reconcile_failures.clone(),
        );

        let trusted_access_enabled = Gauge::default();
        registry.register(
            "trusted_access_enabled",
            "1 when CloudTrail trusted access with AWS Organizations was last seen enabled, else 0",
            trusted_access_enabled.clone(),
        );

        let reconversions = Family::<KindLabels, Counter>::default();
        registry.register(
            "reconversions",
            "Trails or event data stores converted back to organization scope after trusted access returned",
            reconversions.clone(),
        );

        let aws_calls = Family::<AwsCallLabels, Counter>::default();
        registry.register(
            "aws_calls",
            "AWS API calls made, by service, operation and outcome (ok or an error category)",
            aws_calls.clone(),
        );

        let aws_pacing_wait = Family::<PacingLabels, Counter<f64, AtomicU64>>::default();
        registry.register_with_unit(
            "aws_pacing_wait",
            "Time AWS calls waited to stay under AWS's request quotas, by service, operation and priority (urgent or routine)",
            Unit::Seconds,
            aws_pacing_wait.clone(),
        );

        let events_received = Family::<EventLabels, Counter>::default();
        registry.register(
            "events_received",
            "AWS API call events received from the event queue, by outcome: matched (names something the operator manages), ignored (the operator's own call, a failed call, nothing managed) or unparseable",
            events_received.clone(),
        );
        // 50 ms to ~7 min: EventBridge usually delivers within a second or two, and a
        // backlog after an outage shows as the tail.
        let events_age = Histogram::new(exponential_buckets(0.05, 2.0, 14));
        registry.register_with_unit(
            "events_age",
            "Time from an AWS API call (its eventTime) to the operator receiving its event",
            Unit::Seconds,
            events_age.clone(),
        );
        let events_queue_healthy = Gauge::default();
        registry.register(
            "events_queue_healthy",
            "1 while the event queue is configured and its last receive succeeded (then the longer resync periods apply), else 0 (polling at the periods without events)",
            events_queue_healthy.clone(),
        );
        let events_queue_errors = Family::<QueueErrorLabels, Counter>::default();
        registry.register(
            "events_queue_errors",
            "Failed calls to the event queue, by error category (access_denied, not_found, throttled, transient, ...)",
            events_queue_errors.clone(),
        );

        Self {
            registry,
            events_received,
            events_age,
            events_queue_healthy,
            events_queue_errors,
            reconciliations,
            reconcile_duration,
            reconcile_failures,
            trusted_access_enabled,
            reconversions,
            aws_calls,
            aws_pacing_wait,
        }
    }

    /// One event from the queue, and what became of it.
    pub fn event_received(&self, outcome: &'static str) {
        self.events_received
            .get_or_create(&EventLabels { outcome })
            .inc();
    }

    /// How old an event was when it was received.
    pub fn event_age(&self, age: Duration) {
        self.events_age.observe(age.as_secs_f64());
    }

    /// Whether the event queue currently works.
    pub fn events_queue_healthy(&self, healthy: bool) {
        self.events_queue_healthy.set(i64::from(healthy));
    }

    /// A failed call to the event queue.
    pub fn events_queue_error(&self, category: &'static str) {
        self.events_queue_errors
            .get_or_create(&QueueErrorLabels { category })
            .inc();
    }

    /// Counts a reconciliation of `kind` and times it until the returned guard is dropped.
    /// Hold the guard for the whole reconcile (including its error path).
    #[must_use = "the duration is recorded when the timer is dropped"]
    pub fn reconcile_started(&self, kind: &'static str) -> ReconcileTimer {
        let labels = KindLabels { kind };
        self.reconciliations.get_or_create(&labels).inc();
        ReconcileTimer {
            histogram: self.reconcile_duration.get_or_create(&labels).clone(),
            start: Instant::now(),
        }
    }

    /// Counts a failed reconciliation of `kind`; `category` is a fixed error class
    /// (for example `throttled`, `access_denied`).
    pub fn reconcile_failed(&self, kind: &'static str, category: &'static str) {
        self.reconcile_failures
            .get_or_create(&FailureLabels { kind, category })
            .inc();
    }

    /// Records whether CloudTrail trusted access is enabled in the organization.
    pub fn set_trusted_access_enabled(&self, enabled: bool) {
        self.trusted_access_enabled.set(i64::from(enabled));
    }

    /// Counts a trail or event data store of `kind` restored to organization scope.
    pub fn reconverted(&self, kind: &'static str) {
        self.reconversions.get_or_create(&KindLabels { kind }).inc();
    }

    /// The metrics in OpenMetrics text format (ends with `# EOF`).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail; an error here would mean a bug in the
        // encoder, and a scrape is better served partial than with a panic.
        if let Err(err) = encode(&mut out, &self.registry) {
            tracing::error!(%err, "failed to encode metrics");
        }
        out
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl CallObserver for Metrics {
    fn observe(&self, service: &'static str, operation: &'static str, outcome: &'static str) {
        self.aws_calls
            .get_or_create(&AwsCallLabels {
                service,
                operation,
                outcome,
            })
            .inc();
    }

    fn paced(
        &self,
        service: &'static str,
        operation: &'static str,
        priority: Priority,
        waited: Duration,
    ) {
        self.aws_pacing_wait
            .get_or_create(&PacingLabels {
                service,
                operation,
                priority: priority.label(),
            })
            .inc_by(waited.as_secs_f64());
    }
}

/// Records the duration of one reconciliation when dropped (see
/// [`Metrics::reconcile_started`]).
pub struct ReconcileTimer {
    histogram: Histogram,
    start: Instant,
}

impl Drop for ReconcileTimer {
    fn drop(&mut self) {
        self.histogram.observe(self.start.elapsed().as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the sample line that starts with `series ` (name plus labels).
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
            .and_then(|value| value.parse().ok())
    }

    #[test]
    fn fresh_registry_shows_only_the_gauge() {
        // Families without series are left out, so nothing is invented before it happens.
        let text = Metrics::new().encode();
        assert_eq!(sample(&text, "orgtrail_trusted_access_enabled"), Some(0.0));
        assert!(!text.contains("orgtrail_reconciliations"), "{text}");
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn metadata_uses_openmetrics_names() {
        let metrics = Metrics::new();
        drop(metrics.reconcile_started("OrgTrail"));
        metrics.reconcile_failed("OrgTrail", "throttled");
        metrics.reconverted("OrgTrail");
        metrics.observe("sts", "AssumeRole", "ok");
        let text = metrics.encode();
        for line in [
            "# TYPE orgtrail_reconciliations counter",
            "# TYPE orgtrail_reconcile_duration_seconds histogram",
            "# UNIT orgtrail_reconcile_duration_seconds seconds",
            "# TYPE orgtrail_reconcile_failures counter",
            "# TYPE orgtrail_reconversions counter",
            "# TYPE orgtrail_aws_calls counter",
            "# TYPE orgtrail_trusted_access_enabled gauge",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        assert!(text.ends_with("# EOF\n"), "{text}");
    }

    #[test]
    fn reconcile_counts_and_duration_are_labelled_by_kind() {
        let metrics = Metrics::new();
        drop(metrics.reconcile_started("OrgTrail"));
        drop(metrics.reconcile_started("OrgTrail"));
        let timer = metrics.reconcile_started("TrustedAccess");
        let text = metrics.encode();
        assert_eq!(
            sample(&text, r#"orgtrail_reconciliations_total{kind="OrgTrail"}"#),
            Some(2.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_reconcile_duration_seconds_count{kind="OrgTrail"}"#
            ),
            Some(2.0)
        );
        // Still running: counted as started, but no duration recorded yet.
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_reconciliations_total{kind="TrustedAccess"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_reconcile_duration_seconds_count{kind="TrustedAccess"}"#
            ),
            Some(0.0)
        );
        drop(timer);
        let text = metrics.encode();
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_reconcile_duration_seconds_count{kind="TrustedAccess"}"#
            ),
            Some(1.0)
        );
    }

    #[test]
    fn failures_reconversions_and_trusted_access() {
        let metrics = Metrics::new();
        metrics.reconcile_failed("OrgTrail", "throttled");
        metrics.reconcile_failed("OrgTrail", "throttled");
        metrics.reconcile_failed("DelegatedAdmin", "access_denied");
        metrics.reconverted("OrgEventDataStore");
        metrics.set_trusted_access_enabled(true);
        let text = metrics.encode();
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_reconcile_failures_total{kind="OrgTrail",category="throttled"}"#
            ),
            Some(2.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_reconcile_failures_total{kind="DelegatedAdmin",category="access_denied"}"#
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_reconversions_total{kind="OrgEventDataStore"}"#
            ),
            Some(1.0)
        );
        assert_eq!(sample(&text, "orgtrail_trusted_access_enabled"), Some(1.0));
        metrics.set_trusted_access_enabled(false);
        assert_eq!(
            sample(&metrics.encode(), "orgtrail_trusted_access_enabled"),
            Some(0.0)
        );
    }

    #[test]
    fn pacing_waits_add_up_by_operation_and_priority() {
        let metrics = Metrics::new();
        let observer: &dyn CallObserver = &metrics;
        let ms = Duration::from_millis;
        observer.paced("cloudtrail", "GetTrail", Priority::Routine, ms(250));
        observer.paced("cloudtrail", "GetTrail", Priority::Routine, ms(500));
        observer.paced("cloudtrail", "GetTrail", Priority::Urgent, ms(125));
        let text = metrics.encode();
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_aws_pacing_wait_seconds_total{service="cloudtrail",operation="GetTrail",priority="routine"}"#
            ),
            Some(0.75)
        );
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_aws_pacing_wait_seconds_total{service="cloudtrail",operation="GetTrail",priority="urgent"}"#
            ),
            Some(0.125)
        );
    }

    #[test]
    fn aws_calls_observed_through_the_call_observer_trait() {
        let metrics = Metrics::new();
        let observer: &dyn CallObserver = &metrics;
        observer.observe("cloudtrail", "CreateTrail", "ok");
        observer.observe("cloudtrail", "CreateTrail", "throttled");
        observer.observe("cloudtrail", "CreateTrail", "ok");
        let text = metrics.encode();
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_aws_calls_total{service="cloudtrail",operation="CreateTrail",outcome="ok"}"#
            ),
            Some(2.0)
        );
        assert_eq!(
            sample(
                &text,
                r#"orgtrail_aws_calls_total{service="cloudtrail",operation="CreateTrail",outcome="throttled"}"#
            ),
            Some(1.0)
        );
    }
}
