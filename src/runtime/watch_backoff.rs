//! How every watch of the operator retries: quickly, and back to quick soon after.
//!
//! kube's default (0.8 s doubling to 30 s, reset only after two minutes without an error)
//! suits a client that can wait. After a 22 s API-server outage the operator met
//! reconnect errors and `410 Gone` in a row, each through a grown delay (and, inside a
//! `Controller`, through a second such backoff on all its triggers at once), and noticed
//! new objects a minute or two late. Here a retry waits at most a few seconds, and the
//! delay starts small again once the watch has run quietly for a few seconds.

use std::time::Duration;

use backon::ExponentialBuilder;
use kube::runtime::utils::{Backoff, ResetTimerBackoff};
use kube::runtime::watcher::ExponentialBackoff;

/// First retry.
const MIN_DELAY: Duration = Duration::from_millis(250);
/// Longest wait between retries before jitter (which adds up to as much again).
const MAX_DELAY: Duration = Duration::from_secs(2);
/// Quiet time after which the delay starts from [`MIN_DELAY`] again.
const RESET_AFTER: Duration = Duration::from_secs(10);

/// The backoff of every watch stream: pass it to `WatchStreamExt::backoff`.
pub fn watch_backoff() -> ResetTimerBackoff<ExponentialBackoff> {
    let exponential = ExponentialBuilder::default()
        .with_min_delay(MIN_DELAY)
        .with_max_delay(MAX_DELAY)
        .with_jitter()
        .without_max_times();
    ResetTimerBackoff::new(exponential.into(), RESET_AFTER)
}

/// A `Controller`'s backoff on its merged triggers: none, since each trigger stream
/// already backs off on its own errors ([`watch_backoff`]); a second, shared backoff
/// would make one failing watch delay every other trigger.
pub struct Immediate;

impl Iterator for Immediate {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        Some(Duration::ZERO)
    }
}

impl Backoff for Immediate {
    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_stay_within_a_few_seconds() {
        let delays: Vec<Duration> = watch_backoff().take(20).collect();
        assert!(delays[0] < Duration::from_secs(1), "{delays:?}");
        // Jitter adds up to one more delay on top of the cap.
        assert!(delays.iter().all(|d| *d <= MAX_DELAY * 2), "{delays:?}");
        assert!(delays[19] >= MAX_DELAY, "grows to the cap: {delays:?}");
    }
}
