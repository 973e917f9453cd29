//! The one home of what the operator knows about trusted access for CloudTrail.
//!
//! Trails and stores that wait for trusted access do not poll for it themselves (a
//! deliberate disable could last months, and every poll would cost CloudTrail reads per
//! object). Instead one observation is shared here, and when it flips from off to on,
//! [`TrustGate::restored`] wakes every waiting object at once, however the flip was seen:
//! the TrustedAccess controller enabling it, or [`TrustGate::recheck_while_off`] noticing
//! that someone turned it back on by hand. The gate also answers the one question a
//! conversion back to organization scope must ask: may it happen now?

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use futures::Stream;
use kube::Api;
use kube::core::DeserializeGuard;
use kube::runtime::reflector::Store;
use tokio::sync::watch;

use crate::api::{ManagementPolicy, TrustedAccess, TrustedAccessState};
use crate::aws::{AwsError, AwsResult, ErrorKind, Prerequisite, access::Aws};

/// How long a trusted-access answer is reused. When trusted access comes back, every trail
/// and store reconciles at once; they share one `ListAWSServiceAccessForOrganization`
/// instead of each making its own (Organizations' rate limits are low). Never longer than
/// the trusted-access period, so a faster configured period is honoured.
const TRUSTED_ACCESS_TTL: Duration = Duration::from_secs(10);

/// How long a conversion waits for the TrustedAccess cache's first listing.
const STORE_READY_WAIT: Duration = Duration::from_secs(5);

/// Trusted access as last seen, the declared TrustedAccess objects, and the wake-up.
pub struct TrustGate {
    seen: Mutex<Option<(bool, Instant)>>,
    restored: watch::Sender<u64>,
    /// The TrustedAccess controller's cache of this term of leadership (handed over by
    /// the composition root, which builds it).
    declared: Mutex<Option<Store<DeserializeGuard<TrustedAccess>>>>,
    /// Asked when the cache has not listed yet; `None` in unit tests.
    fallback: Option<Api<TrustedAccess>>,
    /// The trusted-access period (`--trusted-access-resync-seconds`).
    period: Duration,
}

impl TrustGate {
    /// A gate reading declarations through `fallback` until a cache is handed over by
    /// [`TrustGate::watch_declared`], re-reading AWS at most every `period` while off.
    pub fn new(fallback: Option<Api<TrustedAccess>>, period: Duration) -> Self {
        TrustGate {
            seen: Mutex::new(None),
            restored: watch::Sender::new(0),
            declared: Mutex::new(None),
            fallback,
            period,
        }
    }

    /// A gate whose declarations are `objects`, with no API server behind it (`plan`).
    pub fn declaring(objects: Vec<TrustedAccess>, period: Duration) -> Self {
        use kube::runtime::watcher::Event;
        let gate = TrustGate::new(None, period);
        let (store, mut writer) = kube::runtime::reflector::store();
        writer.apply_watcher_event(&Event::Init);
        for ta in objects {
            writer.apply_watcher_event(&Event::InitApply(DeserializeGuard(Ok(ta))));
        }
        writer.apply_watcher_event(&Event::InitDone);
        gate.watch_declared(store);
        gate
    }

    /// Read declarations from `store` (the TrustedAccess controller's cache) from now on.
    pub fn watch_declared(&self, store: Store<DeserializeGuard<TrustedAccess>>) {
        *self.declared.lock().expect("TrustedAccess store poisoned") = Some(store);
    }

    /// Whether Organizations trusts CloudTrail: the latest observation (the TrustedAccess
    /// controller's, usually), or a fresh read when that is older than a few seconds.
    pub async fn trusted(&self, aws: &Aws) -> AwsResult<bool> {
        match self.fresh(TRUSTED_ACCESS_TTL.min(self.period)) {
            Some(trusted) => Ok(trusted),
            None => self.read(aws).await,
        }
    }

    async fn read(&self, aws: &Aws) -> AwsResult<bool> {
        let trusted = aws.cloudtrail_trusted().await?;
        self.record(trusted);
        Ok(trusted)
    }

    /// Why an account-level trail or store must stay so for now, if it must: trusted
    /// access is off, or a TrustedAccess object declares it `Disabled`. In the second case
    /// someone turned it on by hand and the TrustedAccess controller is about to turn it
    /// off again; converting in between would only recreate member copies for moments.
    pub async fn conversion_blocked(&self, aws: &Aws) -> AwsResult<Option<&'static str>> {
        if !self.trusted(aws).await? {
            return Ok(Some("trusted access for CloudTrail is disabled"));
        }
        if self.declared_off().await {
            return Ok(Some(
                "a TrustedAccess object declares trusted access Disabled",
            ));
        }
        Ok(None)
    }

    /// Whether a TrustedAccess object declares trusted access `Disabled`: from the
    /// TrustedAccess controller's cache once it has its first listing, the API server
    /// otherwise. If neither answers, AWS's word decides (false).
    pub async fn declared_off(&self) -> bool {
        // An observe-only TrustedAccess states a belief, not an intent.
        let declared_off = |ta: &TrustedAccess| {
            ta.spec.state == TrustedAccessState::Disabled
                && ta.spec.management_policy == ManagementPolicy::Manage
        };
        let store = self
            .declared
            .lock()
            .expect("TrustedAccess store poisoned")
            .clone();
        if let Some(store) = store
            && let Ok(Ok(())) =
                tokio::time::timeout(STORE_READY_WAIT, store.wait_until_ready()).await
        {
            return store
                .state()
                .iter()
                .any(|guard| guard.0.as_ref().is_ok_and(declared_off));
        }
        let Some(api) = &self.fallback else {
            return false;
        };
        match api.list(&kube::api::ListParams::default()).await {
            Ok(list) => list.items.iter().any(declared_off),
            Err(e) => {
                tracing::warn!(%e, "listing TrustedAccess objects failed");
                false
            }
        }
    }

    /// Record what AWS just said (or did); an off → on flip wakes [`TrustGate::restored`].
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

    /// A call refused for lack of trusted access means the remembered "trusted" was
    /// stale: forget it, so that its return is watched for.
    pub fn forget_if_refused(&self, err: &AwsError) {
        if err.kind == ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled) {
            self.record(false);
        }
    }

    /// Yields once per off → on flip recorded after the call: every trail, store and
    /// delegated admin waiting for trusted access reconciles then.
    pub fn restored(&self) -> impl Stream<Item = ()> + Send + 'static {
        futures::stream::unfold(self.restored.subscribe(), |mut rx| async move {
            rx.changed().await.ok()?;
            Some(((), rx))
        })
    }

    /// While trusted access was last seen off, re-read it every period, so that turning it
    /// back on outside the cluster (no TrustedAccess object declared, or one that is not
    /// ours) wakes the waiting objects within that period. Costs nothing while trusted
    /// access is on, and skips a period in which someone else has just looked. Runs until
    /// `shutdown`.
    pub async fn recheck_while_off(&self, aws: &Aws, shutdown: impl Future<Output = ()>) {
        let recheck = async {
            loop {
                tokio::time::sleep(self.period).await;
                if self.off_since().is_some_and(|age| age >= self.period / 2)
                    && let Err(e) = self.read(aws).await
                {
                    tracing::debug!(%e, "re-reading trusted access failed");
                }
            }
        };
        tokio::select! {
            () = recheck => {}
            () = shutdown => {}
        }
    }

    /// The last observation, if younger than `max_age`.
    fn fresh(&self, max_age: Duration) -> Option<bool> {
        match *self.seen.lock().expect("trust cache poisoned") {
            Some((trusted, at)) if at.elapsed() < max_age => Some(trusted),
            _ => None,
        }
    }

    /// How long ago trusted access was last seen, if it was last seen off.
    fn off_since(&self) -> Option<Duration> {
        match *self.seen.lock().expect("trust cache poisoned") {
            Some((false, at)) => Some(at.elapsed()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::{FutureExt, StreamExt};

    fn gate() -> TrustGate {
        TrustGate::new(None, Duration::from_secs(30))
    }

    fn woke(s: &mut (impl Stream<Item = ()> + Unpin)) -> bool {
        s.next().now_or_never().is_some()
    }

    fn declaring(objects: Vec<TrustedAccess>) -> TrustGate {
        TrustGate::declaring(objects, Duration::from_secs(30))
    }

    #[tokio::test]
    async fn only_a_managed_disabled_trusted_access_declares_it_off() {
        use crate::controllers::fixtures::Fixture;
        let disabled = || {
            Fixture::trusted_access("cloudtrail", "Disabled").with("disableConfirmation", "disable")
        };
        let observed = disabled().with("managementPolicy", "Observe").build();
        assert!(!declaring(vec![observed]).declared_off().await);
        assert!(declaring(vec![disabled().build()]).declared_off().await);
        let enabled = Fixture::trusted_access("cloudtrail", "Enabled").build();
        assert!(!declaring(vec![enabled]).declared_off().await);
    }

    #[test]
    fn only_off_to_on_wakes_the_waiters() {
        let trust = gate();
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
        let trust = gate();
        assert_eq!(trust.fresh(Duration::from_secs(10)), None);
        trust.record(false);
        assert_eq!(trust.fresh(Duration::from_secs(10)), Some(false));
        assert_eq!(trust.fresh(Duration::ZERO), None);
    }

    #[test]
    fn a_refusal_for_lack_of_trust_forgets_trust() {
        let trust = gate();
        trust.record(true);
        let refused = AwsError::new(
            ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled),
            "UpdateTrail",
            "CloudTrailAccessNotEnabledException",
            "no",
        );
        trust.forget_if_refused(&AwsError::new(ErrorKind::Throttled, "x", "y", "z"));
        assert_eq!(trust.fresh(Duration::from_secs(10)), Some(true));
        trust.forget_if_refused(&refused);
        assert_eq!(trust.fresh(Duration::from_secs(10)), Some(false));
    }
}
