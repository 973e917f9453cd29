//! Pacing under AWS's documented request quotas, urgent calls first.
//!
//! CloudTrail documents, per account and region, 10 transactions per second for its Get,
//! Describe and List APIs and 1 for all other APIs (AWS General Reference, "AWS CloudTrail
//! endpoints and quotas"; the CloudTrail User Guide's "Quotas in AWS CloudTrail"). Calls
//! above that are answered `ThrottlingException`, and every call, throttled or not, is an
//! event in the customer's own trail. So the adapter paces itself instead of leaning on
//! throttling errors: each operation, per region, gets evenly spaced permits at the
//! configured rate (one bucket per SDK adapter, i.e. per set of credentials, i.e. per
//! account). Organizations documents no request rate; its calls are paced the same way.
//!
//! When calls queue, [`Priority::Urgent`] ones (answering a change) are served before
//! [`Priority::Routine`] ones (periodic re-reads), each in arrival order. The timing is
//! `governor`'s (GCRA); only the order of the waiters is ours.

use std::collections::{HashMap, VecDeque};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use tokio::sync::oneshot;

use crate::aws::priority::{self, Priority};

/// CloudTrail's documented quota for Get, Describe and List APIs (calls per second).
pub const CLOUDTRAIL_READ_QUOTA: f64 = 10.0;
/// CloudTrail's documented quota for all other APIs (calls per second).
pub const CLOUDTRAIL_WRITE_QUOTA: f64 = 1.0;

/// Calls per second allowed per operation, region and account; `0` means unpaced.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rates {
    /// Get, Describe and List calls.
    pub read: f64,
    /// Every other call.
    pub write: f64,
}

impl Rates {
    /// The operator's defaults: reads at 80% of CloudTrail's quota, leaving room for the
    /// console and other tools of the same account; writes at the quota, since a write
    /// answers a change and the quota is already one per second.
    pub const DEFAULT: Rates = Rates {
        read: 8.0,
        write: 1.0,
    };
    /// No pacing (tests and benchmarks against the emulator, which has no quota).
    pub const UNLIMITED: Rates = Rates {
        read: 0.0,
        write: 0.0,
    };

    fn for_operation(&self, operation: &str) -> f64 {
        if is_read(operation) {
            self.read
        } else {
            self.write
        }
    }
}

/// Whether CloudTrail counts `operation` among its Get, Describe and List APIs.
pub fn is_read(operation: &str) -> bool {
    ["Get", "Describe", "List"]
        .iter()
        .any(|p| operation.starts_with(p))
}

/// The pacing of one SDK adapter (one set of credentials).
#[derive(Clone)]
pub struct RateLimits {
    rates: Rates,
    buckets: Arc<Mutex<HashMap<BucketKey, Arc<Bucket>>>>,
}

/// Service, region, operation.
type BucketKey = (&'static str, String, &'static str);

impl std::fmt::Debug for RateLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimits")
            .field("rates", &self.rates)
            .finish_non_exhaustive()
    }
}

impl RateLimits {
    /// Pace calls at `rates`.
    pub fn new(rates: Rates) -> Self {
        RateLimits {
            rates,
            buckets: Arc::default(),
        }
    }

    /// The rates in force.
    pub fn rates(&self) -> Rates {
        self.rates
    }

    /// Wait until a call of `operation` to `service` in `region` may go, at the current
    /// reconcile's priority; returns how long it queued (zero when it went at once).
    pub async fn permit(
        &self,
        service: &'static str,
        region: &str,
        operation: &'static str,
    ) -> Duration {
        let Some(bucket) = self.bucket(service, region, operation) else {
            return Duration::ZERO;
        };
        let start = Instant::now();
        if bucket.acquire(priority::current()).await {
            start.elapsed()
        } else {
            Duration::ZERO
        }
    }

    fn bucket(
        &self,
        service: &'static str,
        region: &str,
        operation: &'static str,
    ) -> Option<Arc<Bucket>> {
        let quota = quota(self.rates.for_operation(operation))?;
        let mut buckets = lock(&self.buckets);
        let bucket = buckets
            .entry((service, region.to_owned(), operation))
            .or_insert_with(|| Arc::new(Bucket::new(quota)));
        Some(bucket.clone())
    }
}

/// Permits for one operation in one region.
struct Bucket {
    limiter: DefaultDirectRateLimiter,
    queue: Mutex<Queue>,
}

/// Callers waiting for a permit, and whether a task is handing permits out.
#[derive(Default)]
struct Queue {
    urgent: VecDeque<oneshot::Sender<()>>,
    routine: VecDeque<oneshot::Sender<()>>,
    draining: bool,
}

impl Queue {
    /// The next caller still waiting: urgent ones first, each kind in arrival order.
    /// Callers that gave up (their reconcile was cancelled) are skipped.
    fn next(&mut self) -> Option<oneshot::Sender<()>> {
        let Queue {
            urgent, routine, ..
        } = self;
        std::iter::from_fn(|| urgent.pop_front().or_else(|| routine.pop_front()))
            .find(|tx| !tx.is_closed())
    }

    fn is_empty(&self) -> bool {
        self.urgent.is_empty() && self.routine.is_empty()
    }
}

/// Evenly spaced permits at `rate` per second, no burst: any one-second window then
/// holds at most `rate` + 1 calls, so 8 per second stays under a quota of 10 however the
/// window falls. `None`: unpaced (zero, or too fast to matter).
fn quota(rate: f64) -> Option<Quota> {
    if !(rate > 0.0 && rate.is_finite()) {
        return None;
    }
    Quota::with_period(Duration::from_secs_f64(1.0 / rate)).map(|q| q.allow_burst(NonZeroU32::MIN))
}

impl Bucket {
    fn new(quota: Quota) -> Self {
        Bucket {
            limiter: RateLimiter::direct(quota),
            queue: Mutex::default(),
        }
    }

    /// Wait for a permit; whether the caller had to queue for it.
    async fn acquire(self: Arc<Self>, priority: Priority) -> bool {
        let granted = {
            let mut queue = lock(&self.queue);
            // Nobody waiting and a permit free: go now (the common case).
            if queue.is_empty() && self.limiter.check().is_ok() {
                return false;
            }
            let (tx, rx) = oneshot::channel();
            match priority {
                Priority::Urgent => queue.urgent.push_back(tx),
                Priority::Routine => queue.routine.push_back(tx),
            }
            if !queue.draining {
                queue.draining = true;
                tokio::spawn(self.clone().drain());
            }
            rx
        };
        // An error means the drainer is gone (the runtime is shutting down): go.
        let _ = granted.await;
        true
    }

    /// Hand out permits as the rate allows, one waiter at a time, until nobody waits.
    async fn drain(self: Arc<Self>) {
        loop {
            // Take a permit only for someone waiting: one taken for nobody is lost, and
            // the next caller would queue for a whole period behind it — at 1 write per
            // second, every StartLogging after a busy moment waited up to a second.
            if self.stop_if_idle() {
                return;
            }
            self.limiter.until_ready().await;
            let mut queue = lock(&self.queue);
            match queue.next() {
                Some(tx) => {
                    let _ = tx.send(());
                }
                None => {
                    queue.draining = false;
                    return;
                }
            }
        }
    }
}

impl Bucket {
    /// Stop draining when nobody waits; whether it stopped.
    fn stop_if_idle(&self) -> bool {
        let mut queue = lock(&self.queue);
        // Callers that gave up need no permit either.
        while queue.urgent.front().is_some_and(|tx| tx.is_closed()) {
            queue.urgent.pop_front();
        }
        while queue.routine.front().is_some_and(|tx| tx.is_closed()) {
            queue.routine.pop_front();
        }
        if queue.is_empty() {
            queue.draining = false;
        }
        !queue.draining
    }
}

/// A poisoned lock only means another task panicked while holding it; the queue and the
/// map are still consistent (every change to them is a single push, pop or insert).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::priority::with_priority;

    #[test]
    fn cloudtrail_counts_get_describe_and_list_as_reads() {
        for op in ["GetTrail", "DescribeTrails", "ListTags", "GetTrailStatus"] {
            assert!(is_read(op), "{op}");
        }
        for op in [
            "StartLogging",
            "UpdateTrail",
            "PutEventSelectors",
            "AddTags",
        ] {
            assert!(!is_read(op), "{op}");
        }
    }

    #[tokio::test]
    async fn unpaced_when_the_rate_is_zero() {
        let limits = RateLimits::new(Rates::UNLIMITED);
        for _ in 0..100 {
            assert_eq!(
                limits.permit("cloudtrail", "eu-west-1", "GetTrail").await,
                Duration::ZERO
            );
        }
    }

    #[tokio::test]
    async fn calls_of_one_operation_are_spaced_by_the_rate() {
        let limits = RateLimits::new(Rates {
            read: 20.0,
            write: 0.0,
        });
        let start = Instant::now();
        for _ in 0..6 {
            limits.permit("cloudtrail", "eu-west-1", "GetTrail").await;
        }
        // The first goes at once, the five others 50 ms apart.
        assert!(
            start.elapsed() >= Duration::from_millis(240),
            "{:?}",
            start.elapsed()
        );
        // Another operation, or the same one in another region, has its own permits.
        assert_eq!(
            limits.permit("cloudtrail", "eu-west-1", "ListTags").await,
            Duration::ZERO
        );
        assert_eq!(
            limits.permit("cloudtrail", "us-east-1", "GetTrail").await,
            Duration::ZERO
        );
        // Writes are unpaced here.
        assert_eq!(
            limits
                .permit("cloudtrail", "eu-west-1", "StartLogging")
                .await,
            Duration::ZERO
        );
    }

    /// After a queued moment the next caller that comes once the rate allows goes at once:
    /// no permit is spent on nobody (it was: the next StartLogging after any burst waited
    /// for a second that nobody used).
    #[tokio::test]
    async fn no_permit_is_taken_when_nobody_waits() {
        let limits = RateLimits::new(Rates {
            read: 2.0,
            write: 0.0,
        });
        let permit = || limits.permit("cloudtrail", "eu-west-1", "GetTrail");
        assert_eq!(permit().await, Duration::ZERO);
        // Queues for the next slot, 500 ms on.
        assert!(permit().await >= Duration::from_millis(400));
        // 750 ms after that one: its successor's slot (500 ms) has passed unused.
        tokio::time::sleep(Duration::from_millis(750)).await;
        assert_eq!(
            permit().await,
            Duration::ZERO,
            "a permit was spent on nobody"
        );
    }

    #[tokio::test]
    async fn urgent_callers_go_before_routine_ones_already_waiting() {
        let limits = RateLimits::new(Rates {
            read: 10.0,
            write: 0.0,
        });
        // Take the free permit, so that everyone below has to queue.
        limits.permit("cloudtrail", "eu-west-1", "GetTrail").await;
        let order = Arc::new(Mutex::new(Vec::new()));
        let call = |name: &'static str, priority: Priority| {
            let limits = limits.clone();
            let order = order.clone();
            tokio::spawn(with_priority(priority, async move {
                limits.permit("cloudtrail", "eu-west-1", "GetTrail").await;
                order.lock().unwrap().push(name);
            }))
        };
        let mut tasks = Vec::new();
        for name in ["routine 1", "routine 2", "routine 3"] {
            tasks.push(call(name, Priority::Routine));
            tokio::task::yield_now().await;
        }
        // Let the routine callers queue before the urgent one arrives.
        tokio::time::sleep(Duration::from_millis(5)).await;
        tasks.push(call("urgent", Priority::Urgent));
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().unwrap().clone();
        let urgent = order.iter().position(|n| *n == "urgent").unwrap();
        // At most the routine caller already holding the next permit goes first.
        assert!(urgent <= 1, "{order:?}");
        let routine: Vec<_> = order.iter().copied().filter(|n| *n != "urgent").collect();
        assert_eq!(routine, ["routine 1", "routine 2", "routine 3"]);
    }

    #[tokio::test]
    async fn a_caller_that_gave_up_does_not_hold_the_queue() {
        let limits = RateLimits::new(Rates {
            read: 20.0,
            write: 0.0,
        });
        limits.permit("cloudtrail", "eu-west-1", "GetTrail").await;
        // Queue and abandon a caller (its reconcile was cancelled).
        let abandoned = tokio::time::timeout(
            Duration::from_millis(1),
            limits.permit("cloudtrail", "eu-west-1", "GetTrail"),
        )
        .await;
        assert!(abandoned.is_err());
        // The next caller is still served.
        tokio::time::timeout(
            Duration::from_secs(5),
            limits.permit("cloudtrail", "eu-west-1", "GetTrail"),
        )
        .await
        .expect("served");
    }
}
