//! What the operator last saw of trusted access for CloudTrail, shared by all controllers.
//!
//! Trails and stores that wait for trusted access do not poll for it themselves (a
//! deliberate disable could last months, and every poll would cost CloudTrail reads per
//! object). Instead one observation is shared here, and when it flips from off to on,
//! [`Trust::restored`] wakes every waiting object at once, however the flip was seen: the
//! TrustedAccess controller enabling it, or the re-check of
//! `Context::recheck_trust_while_off` noticing that someone turned it back on by hand.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::Stream;
use tokio::sync::watch;

/// The latest observation of trusted access, and a signal for "it came back".
pub struct Trust {
    seen: Mutex<Option<(bool, Instant)>>,
    restored: watch::Sender<u64>,
}

impl Default for Trust {
    fn default() -> Self {
        Trust {
            seen: Mutex::new(None),
            restored: watch::Sender::new(0),
        }
    }
}

impl Trust {
    /// The last observation, if younger than `max_age`.
    pub fn fresh(&self, max_age: Duration) -> Option<bool> {
        match *self.seen.lock().expect("trust cache poisoned") {
            Some((trusted, at)) if at.elapsed() < max_age => Some(trusted),
            _ => None,
        }
    }

    /// How long ago trusted access was last seen, if it was last seen off.
    pub fn off_since(&self) -> Option<Duration> {
        match *self.seen.lock().expect("trust cache poisoned") {
            Some((false, at)) => Some(at.elapsed()),
            _ => None,
        }
    }

    /// Record what AWS just said (or did); an off → on flip wakes [`Trust::restored`].
    pub fn record(&self, trusted: bool) {
        let was_off = {
            let mut seen = self.seen.lock().expect("trust cache poisoned");
            let was_off = matches!(*seen, Some((false, _)));
            *seen = Some((trusted, Instant::now()));
            was_off
        };
        if was_off && trusted {
            self.restored.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    /// Yields once per off → on flip recorded after the call.
    pub fn restored(&self) -> impl Stream<Item = ()> + Send + 'static {
        futures::stream::unfold(self.restored.subscribe(), |mut rx| async move {
            rx.changed().await.ok()?;
            Some(((), rx))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{FutureExt, StreamExt};

    fn woke(s: &mut (impl Stream<Item = ()> + Unpin)) -> bool {
        s.next().now_or_never().is_some()
    }

    #[test]
    fn only_off_to_on_wakes_the_waiters() {
        let trust = Trust::default();
        let mut restored = Box::pin(trust.restored());
        trust.record(true);
        assert!(
            !woke(&mut restored),
            "first sight of trust is no restoration"
        );
        trust.record(true);
        assert!(!woke(&mut restored));
        trust.record(false);
        assert!(!woke(&mut restored));
        assert!(trust.off_since().is_some());
        trust.record(true);
        assert!(woke(&mut restored), "off → on must wake the waiters");
        assert!(!woke(&mut restored), "once per flip");
        assert_eq!(trust.off_since(), None);
    }

    #[test]
    fn fresh_observations_expire() {
        let trust = Trust::default();
        assert_eq!(trust.fresh(Duration::from_secs(10)), None);
        trust.record(false);
        assert_eq!(trust.fresh(Duration::from_secs(10)), Some(false));
        assert_eq!(trust.fresh(Duration::ZERO), None);
    }
}
