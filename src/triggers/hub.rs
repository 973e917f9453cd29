//! Where the consumer hands hints to the controllers, and what they remember of them:
//! who made the change an object is being reconciled for, and whether events flow.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use futures::Stream;
use tokio::sync::{broadcast, watch};

use super::call::Actor;
use super::hints::Hint;

/// Hints buffered per controller. A controller that falls this far behind reconciles all
/// its objects instead (see [`Triggers::subscribe`]), so nothing is missed.
const CAPACITY: usize = 1024;

/// How long an attribution waits for the reconcile that corrects the change. Longer
/// than any backoff a reconcile of a tampered object sees in practice; an older one is
/// stale (its change was surely already seen and corrected, or was no drift at all).
const ATTRIBUTION_TTL: Duration = Duration::from_secs(600);

/// Outages closer together than this cause one full pass, not one each: a flapping
/// queue must not turn into a read of everything every few seconds.
const OUTAGE_PASS_INTERVAL: Duration = Duration::from_secs(300);

/// Who changed something, for the event that reports the correction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attribution {
    /// The caller.
    pub actor: Actor,
    /// The API call, e.g. `StopLogging`.
    pub event_name: String,
    /// When it was made (CloudTrail's `eventTime`).
    pub time: String,
}

impl Attribution {
    /// `StopLogging by arn:... from 203.0.113.7 at 2026-...`.
    pub fn describe(&self) -> String {
        format!(
            "{} by {} from {} at {}",
            self.event_name, self.actor.arn, self.actor.source_ip, self.time
        )
    }
}

/// One hint for the controllers.
#[derive(Clone, Debug)]
pub struct Hinted {
    /// What the call may have changed.
    pub hint: Hint,
    /// Who made it.
    pub attribution: Attribution,
}

/// A hint, or `None`: hints were lost to a lagging subscriber, so look at everything.
pub type Delivery = Option<Hinted>;

/// The hub: a broadcast of hints, the attributions waiting for their reconcile, and
/// whether the event queue works (which sets the resync periods).
pub struct Triggers {
    enabled: bool,
    sender: broadcast::Sender<Hinted>,
    healthy: AtomicBool,
    attributions: Mutex<HashMap<String, (Attribution, Instant)>>,
    /// Bumped when events stop flowing: whatever happened meanwhile was not announced.
    outages: watch::Sender<u64>,
    last_outage_pass: Mutex<Option<Instant>>,
}

impl Triggers {
    /// A hub; `enabled` when an event queue is configured.
    pub fn new(enabled: bool) -> Self {
        Triggers {
            enabled,
            sender: broadcast::Sender::new(CAPACITY),
            healthy: AtomicBool::new(false),
            attributions: Mutex::new(HashMap::new()),
            outages: watch::Sender::new(0),
            last_outage_pass: Mutex::new(None),
        }
    }

    /// Whether an event queue is configured.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Whether events currently flow: configured, and the last receive succeeded.
    pub fn healthy(&self) -> bool {
        self.enabled && self.healthy.load(Ordering::Relaxed)
    }

    /// Record whether the last receive succeeded; true when this changed it. When events
    /// stop flowing, every object is looked at once ([`Triggers::outages`]): objects
    /// scheduled at the long period with events would otherwise wait that long.
    pub fn set_healthy(&self, healthy: bool) -> bool {
        let changed = self.healthy.swap(healthy, Ordering::Relaxed) != healthy;
        if changed && !healthy {
            let mut last = self.last_outage_pass.lock().expect("outage time poisoned");
            if last.is_none_or(|at| at.elapsed() >= OUTAGE_PASS_INTERVAL) {
                *last = Some(Instant::now());
                self.outages.send_modify(|n| *n += 1);
            }
        }
        changed
    }

    /// Fires when events stop flowing (at most every few minutes).
    pub fn outages(&self) -> impl Stream<Item = ()> + Send + 'static {
        let mut receiver = self.outages.subscribe();
        receiver.mark_unchanged();
        futures::stream::unfold(receiver, |mut receiver| async move {
            receiver.changed().await.ok()?;
            Some(((), receiver))
        })
    }

    /// Hand a hint to every controller (none listening is fine: not leading).
    pub fn send(&self, hinted: Hinted) {
        let _ = self.sender.send(hinted);
    }

    /// The hints from now on; `None` items when some were lost to lag.
    pub fn subscribe(&self) -> impl Stream<Item = Delivery> + Send + 'static {
        let receiver = self.sender.subscribe();
        futures::stream::unfold(receiver, |mut receiver| async move {
            match receiver.recv().await {
                Ok(hinted) => Some((Some(hinted), receiver)),
                Err(broadcast::error::RecvError::Lagged(_)) => Some((None, receiver)),
                Err(broadcast::error::RecvError::Closed) => None,
            }
        })
    }

    /// Remember who changed `object` until its reconcile asks.
    pub fn attribute(&self, object: String, attribution: Attribution) {
        let mut map = self.attributions.lock().expect("attributions poisoned");
        map.retain(|_, (_, at)| at.elapsed() < ATTRIBUTION_TTL);
        map.insert(object, (attribution, Instant::now()));
    }

    /// Who changed `object` lately, if an event said so (once: the next reconcile takes it).
    pub fn take_attribution(&self, object: &str) -> Option<Attribution> {
        let mut map = self.attributions.lock().expect("attributions poisoned");
        map.remove(object)
            .filter(|(_, at)| at.elapsed() < ATTRIBUTION_TTL)
            .map(|(a, _)| a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn hinted(name: &str) -> Hinted {
        Hinted {
            hint: Hint::Trail {
                name: name.into(),
                region: "us-east-1".into(),
            },
            attribution: Attribution {
                actor: Actor {
                    arn: "arn:aws:iam::111111111111:user/mallory".into(),
                    source_ip: "203.0.113.7".into(),
                },
                event_name: "StopLogging".into(),
                time: "2026-12-02T10:00:00Z".into(),
            },
        }
    }

    #[tokio::test]
    async fn every_subscriber_gets_every_hint() {
        let hub = Triggers::new(true);
        let (a, b) = (hub.subscribe(), hub.subscribe());
        hub.send(hinted("one"));
        let (mut a, mut b) = (Box::pin(a), Box::pin(b));
        assert_eq!(a.next().await.unwrap().unwrap().hint, hinted("one").hint);
        assert_eq!(b.next().await.unwrap().unwrap().hint, hinted("one").hint);
    }

    #[tokio::test]
    async fn a_lagging_subscriber_is_told_to_look_at_everything() {
        let hub = Triggers::new(true);
        let mut s = Box::pin(hub.subscribe());
        for i in 0..CAPACITY + 5 {
            hub.send(hinted(&i.to_string()));
        }
        assert!(
            s.next().await.unwrap().is_none(),
            "lag is reported, not hidden"
        );
        assert!(s.next().await.unwrap().is_some());
    }

    #[test]
    fn an_attribution_is_taken_once() {
        let hub = Triggers::new(true);
        hub.attribute("OrgTrail/x".into(), hinted("x").attribution);
        assert!(hub.take_attribution("OrgTrail/y").is_none());
        let a = hub.take_attribution("OrgTrail/x").unwrap();
        assert!(
            a.describe()
                .contains("StopLogging by arn:aws:iam::111111111111:user/mallory from 203.0.113.7")
        );
        assert!(hub.take_attribution("OrgTrail/x").is_none());
    }

    #[tokio::test]
    async fn losing_events_asks_for_one_full_pass() {
        let hub = Triggers::new(true);
        let mut outages = Box::pin(hub.outages());
        hub.set_healthy(true);
        hub.set_healthy(false);
        assert_eq!(outages.next().await, Some(()));
        // Flapping right after: no second pass.
        hub.set_healthy(true);
        hub.set_healthy(false);
        let again = tokio::time::timeout(Duration::from_millis(50), outages.next()).await;
        assert!(
            again.is_err(),
            "a flapping queue must not cause a pass per flap"
        );
    }

    #[test]
    fn health_needs_a_configured_queue() {
        let off = Triggers::new(false);
        off.set_healthy(true);
        assert!(!off.healthy());
        let on = Triggers::new(true);
        assert!(!on.healthy(), "not before the first receive");
        assert!(on.set_healthy(true));
        assert!(!on.set_healthy(true), "no change");
        assert!(on.healthy());
    }
}
