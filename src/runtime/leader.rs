//! Lease-based leader election, so that of several replicas only one acts on AWS.
//!
//! [`kube_lease_manager`] acquires and renews a `coordination.k8s.io/v1` Lease. On top of
//! it, this module keeps its own view of the Lease through a watch and runs the work only
//! while that view says we hold it:
//!
//! > work runs only while the newest observed Lease names us as holder **and**
//! > `renewTime + leaseDurationSeconds - grace/2` is still in the future on our clock.
//!
//! Another replica takes the Lease only once it is released or `renewTime +
//! leaseDurationSeconds` has passed on *its* clock, so the two never overlap as long as
//! clocks differ by less than `grace/2`. The lease manager alone would not give that: it
//! hides renewal errors and keeps reporting "leader" while a renewal hangs, so a replica
//! cut off from the API server would go on acting after its Lease expired.
//!
//! On graceful shutdown the work is dropped first, then the Lease is released. A standby
//! that sees the Lease released restarts its lease manager, which would otherwise sleep
//! until the old expiry, so handover takes about a second instead of a lease duration.
//!
//! RBAC: `get`, `create`, `patch`, `list`, `watch` on `leases` in the Lease's namespace.

use std::future::Future;
use std::pin::{Pin, pin};
use std::time::{Duration, SystemTime};

use anyhow::bail;
use futures::StreamExt;
use k8s_openapi::api::coordination::v1::Lease;
use kube::runtime::{WatchStreamExt, watcher};
use kube::{Api, Client};
use kube_lease_manager::{LeaseManager, LeaseManagerBuilder};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, info, warn};

use super::watch_backoff::watch_backoff;

/// Default Lease name.
pub const DEFAULT_LEASE_NAME: &str = "orgtrail-operator-leader";
/// Default Lease duration: how long a crashed leader blocks a standby at most.
pub const DEFAULT_LEASE_DURATION_SECS: u64 = 15;
/// Default grace: the leader renews this long before expiry; half of it is the clock skew
/// tolerated between replicas.
pub const DEFAULT_RENEW_GRACE_SECS: u64 = 5;

/// How long a graceful release may take before we give up on it (the Lease then simply
/// expires).
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);
const MIN_RETRY: Duration = Duration::from_secs(1);
const MAX_RETRY: Duration = Duration::from_secs(30);

/// Leader-election settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeaderConfig {
    /// When false, [`run_while_leader`] just runs the work (single replica, local runs).
    pub enabled: bool,
    /// Name of the Lease object.
    pub lease_name: String,
    /// Namespace of the Lease object (usually the operator's own namespace).
    pub namespace: String,
    /// Unique name of this replica; see [`default_identity`].
    pub identity: String,
    /// `leaseDurationSeconds` written into the Lease.
    pub lease_duration_secs: u64,
    /// Renew this many seconds before the Lease expires; must be below the duration.
    pub renew_grace_secs: u64,
}

impl LeaderConfig {
    /// Enabled election on `lease_name` in `namespace` with default timings and identity.
    pub fn new(lease_name: impl Into<String>, namespace: impl Into<String>) -> Self {
        Self {
            enabled: true,
            lease_name: lease_name.into(),
            namespace: namespace.into(),
            identity: default_identity(),
            lease_duration_secs: DEFAULT_LEASE_DURATION_SECS,
            renew_grace_secs: DEFAULT_RENEW_GRACE_SECS,
        }
    }

    /// No election: the work runs at once.
    pub fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::new(DEFAULT_LEASE_NAME, "default")
        }
    }

    /// Rejects settings the lease manager would panic on or that make no sense.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.lease_name.is_empty() || self.namespace.is_empty() || self.identity.is_empty() {
            bail!("leader election needs a lease name, a namespace and an identity");
        }
        if self.renew_grace_secs == 0 || self.renew_grace_secs >= self.lease_duration_secs {
            bail!(
                "leader election: renew grace ({}s) must be at least 1s and below the lease duration ({}s)",
                self.renew_grace_secs,
                self.lease_duration_secs
            );
        }
        Ok(())
    }

    /// How long before the observed expiry we stop the work ourselves.
    fn safety_margin(&self) -> Duration {
        Duration::from_millis(self.renew_grace_secs.saturating_mul(500))
    }
}

impl Default for LeaderConfig {
    fn default() -> Self {
        Self::new(DEFAULT_LEASE_NAME, "default")
    }
}

/// `<hostname>-<pid>`: the pod name in Kubernetes (unique among replicas), and still
/// unique for several processes on one machine.
pub fn default_identity() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "orgtrail-operator".to_owned());
    format!("{host}-{}", std::process::id())
}

/// Runs `work()` only while this replica holds the Lease (see the module docs).
///
/// `work` is called again each time leadership is (re)gained; its future is dropped as
/// soon as leadership is lost or `shutdown` completes, so it must not leave detached
/// tasks behind. Returns `Ok(())` after `shutdown` (with the Lease released), or the
/// work's own result if it finishes while leading.
pub async fn run_while_leader<F, Fut>(
    client: Client,
    cfg: LeaderConfig,
    work: F,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    LeaderElection::new(client, cfg)?.run(work, shutdown).await
}

/// One replica's participation in the election. Use [`run_while_leader`] unless you need
/// to observe leadership (see [`LeaderElection::subscribe`]).
pub struct LeaderElection {
    client: Client,
    cfg: LeaderConfig,
    leading: watch::Sender<bool>,
}

/// A running lease manager: its "I hold the lock" channel and its task.
struct Contender {
    locked: watch::Receiver<bool>,
    task: JoinHandle<kube_lease_manager::Result<LeaseManager>>,
}

/// What the newest watch event told us about the Lease.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct LeaseView {
    holder: Option<String>,
    renewed: Option<SystemTime>,
    duration: Option<Duration>,
}

impl LeaseView {
    fn from_lease(lease: &Lease) -> Self {
        let Some(spec) = &lease.spec else {
            return Self::default();
        };
        Self {
            holder: spec.holder_identity.clone().filter(|h| !h.is_empty()),
            renewed: spec.renew_time.as_ref().map(|t| SystemTime::from(t.0)),
            duration: spec
                .lease_duration_seconds
                .and_then(|s| u64::try_from(s).ok())
                .map(Duration::from_secs),
        }
    }

    /// Until when we may act, if the Lease is ours.
    fn deadline(&self, identity: &str, margin: Duration) -> Option<SystemTime> {
        if self.holder.as_deref() != Some(identity) {
            return None;
        }
        (self.renewed? + self.duration?).checked_sub(margin)
    }
}

/// How long we may still act, given the deadline; `None` once it has passed.
fn remaining(deadline: Option<SystemTime>, now: SystemTime) -> Option<Duration> {
    deadline?
        .duration_since(now)
        .ok()
        .filter(|left| !left.is_zero())
}

impl LeaderElection {
    /// Checks the configuration; nothing talks to the API server yet.
    pub fn new(client: Client, cfg: LeaderConfig) -> anyhow::Result<Self> {
        if cfg.enabled {
            cfg.validate()?;
        }
        Ok(Self {
            client,
            cfg,
            leading: watch::Sender::new(false),
        })
    }

    /// Whether this replica is currently running the work (for logs, metrics, readiness).
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.leading.subscribe()
    }

    /// See [`run_while_leader`].
    pub async fn run<F, Fut>(
        self,
        mut work: F,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = anyhow::Result<()>>,
    {
        let mut shutdown = pin!(shutdown);
        if !self.cfg.enabled {
            info!("leader election disabled; running as the only replica");
            self.leading.send_replace(true);
            return tokio::select! {
                result = work() => result,
                () = &mut shutdown => Ok(()),
            };
        }

        let cfg = &self.cfg;
        let margin = cfg.safety_margin();
        let leases: Api<Lease> = Api::namespaced(self.client.clone(), &cfg.namespace);
        let mut lease_events = pin!(
            watcher(
                leases,
                watcher::Config::default().fields(&format!("metadata.name={}", cfg.lease_name)),
            )
            .backoff(watch_backoff())
        );
        let mut view = LeaseView::default();
        // Whether the current relist has shown the Lease (it may have been deleted).
        let mut seen_in_relist = false;

        let Some(mut contender) = self.start_contender(&mut shutdown).await else {
            return Ok(());
        };
        info!(lease = %cfg.lease_name, namespace = %cfg.namespace, identity = %cfg.identity,
            "waiting for leadership");
        let mut running: Option<Pin<Box<Fut>>> = None;

        let (outcome, contender) = loop {
            let left = remaining(view.deadline(&cfg.identity, margin), SystemTime::now());
            let may_work = *contender.locked.borrow() && left.is_some();
            if may_work && running.is_none() {
                info!(identity = %cfg.identity, "acquired leadership; starting work");
                running = Some(Box::pin(work()));
                self.leading.send_replace(true);
            } else if !may_work && running.is_some() {
                warn!(identity = %cfg.identity, holder = ?view.holder,
                    "leadership lost or not renewed in time; stopping work");
                running = None;
                self.leading.send_replace(false);
            }
            // Wake up when our Lease would run out unless a renewal is observed first.
            let expiry = tokio::time::sleep(left.unwrap_or(MAX_RETRY));

            tokio::select! {
                biased;
                () = &mut shutdown => break (Ok(()), Some(contender)),
                result = async { running.as_mut().expect("guarded by the precondition").await },
                    if running.is_some() =>
                {
                    info!("work finished while leading; stepping down");
                    break (result, Some(contender));
                }
                changed = contender.locked.changed() => {
                    if changed.is_err() {
                        // The lease manager's task ended (it only does so on a panic or a
                        // closed channel): stop acting and start a fresh one.
                        warn!("lease manager stopped unexpectedly; restarting it");
                        running = None;
                        self.leading.send_replace(false);
                        match self.restart_contender(contender, &mut shutdown).await {
                            Some(fresh) => contender = fresh,
                            None => break (Ok(()), None),
                        }
                    }
                }
                event = lease_events.next() => {
                    let held_by_other = view.holder.as_ref().is_some_and(|h| *h != cfg.identity);
                    let restart = match event {
                        Some(Ok(watcher::Event::Apply(lease) | watcher::Event::InitApply(lease))) => {
                            seen_in_relist = true;
                            view = LeaseView::from_lease(&lease);
                            // Released by its holder while our manager sleeps until the
                            // expiry it last saw.
                            held_by_other && view.holder.is_none() && !*contender.locked.borrow()
                        }
                        // The manager cannot lock a Lease that is gone; a fresh one
                        // recreates it.
                        Some(Ok(watcher::Event::Delete(_))) => {
                            view = LeaseView::default();
                            true
                        }
                        Some(Ok(watcher::Event::Init)) => {
                            seen_in_relist = false;
                            false
                        }
                        Some(Ok(watcher::Event::InitDone)) => {
                            if !seen_in_relist {
                                view = LeaseView::default();
                            }
                            !seen_in_relist
                        }
                        Some(Err(err)) => {
                            // The watcher retries with backoff; meanwhile the deadline
                            // keeps us safe.
                            debug!(%err, "lease watch error");
                            false
                        }
                        None => break (Err(anyhow::anyhow!("lease watch ended")), Some(contender)),
                    };
                    debug!(?view, "observed lease");
                    if restart {
                        debug!("lease released or deleted; contending now");
                        if *contender.locked.borrow() {
                            running = None;
                            self.leading.send_replace(false);
                        }
                        match self.restart_contender(contender, &mut shutdown).await {
                            Some(fresh) => contender = fresh,
                            None => break (Ok(()), None),
                        }
                    }
                }
                () = expiry => {}
            }
        };

        // Stop acting before letting anyone else in.
        drop(running);
        self.leading.send_replace(false);
        if let Some(contender) = contender {
            if *contender.locked.borrow() {
                if release_and_stop(contender).await {
                    info!(identity = %cfg.identity, "stepped down; lease released");
                }
            } else {
                // Not holding it: nothing to release. (Letting the manager "release"
                // here could clear a Lease it wrongly believes expired.)
                contender.task.abort();
            }
        }
        outcome
    }

    /// Builds a lease manager (creating the Lease if needed) and starts it, retrying
    /// with backoff while the API server is unreachable. `None` if shut down meanwhile.
    async fn start_contender(
        &self,
        shutdown: &mut Pin<&mut impl Future<Output = ()>>,
    ) -> Option<Contender> {
        let mut delay = MIN_RETRY;
        loop {
            let build = LeaseManagerBuilder::new(self.client.clone(), &self.cfg.lease_name)
                .with_namespace(&self.cfg.namespace)
                .with_identity(&self.cfg.identity)
                .with_duration(self.cfg.lease_duration_secs)
                .with_grace(self.cfg.renew_grace_secs)
                .build();
            let result = tokio::select! {
                () = shutdown.as_mut() => return None,
                result = build => result,
            };
            match result {
                Ok(manager) => return Some(watch_manager(manager).await),
                Err(err) => {
                    warn!(%err, retry_in = ?delay, "cannot set up the leader election lease");
                }
            }
            tokio::select! {
                () = shutdown.as_mut() => return None,
                () = tokio::time::sleep(delay) => {}
            }
            delay = (delay * 2).min(MAX_RETRY);
        }
    }

    /// Replaces the lease manager by a fresh one, which looks at the Lease at once.
    /// The old one is aborted rather than asked to release: it does not hold the Lease,
    /// and its release would clear a Lease it wrongly believes expired.
    async fn restart_contender(
        &self,
        contender: Contender,
        shutdown: &mut Pin<&mut impl Future<Output = ()>>,
    ) -> Option<Contender> {
        contender.task.abort();
        self.start_contender(shutdown).await
    }
}

async fn watch_manager(manager: LeaseManager) -> Contender {
    let (locked, task) = manager.watch().await;
    Contender { locked, task }
}

/// Closes the manager's channel, which makes it release the Lease it holds, and waits
/// (bounded) for that. True if the release went through.
async fn release_and_stop(contender: Contender) -> bool {
    let Contender { locked, mut task } = contender;
    drop(locked);
    match tokio::time::timeout(RELEASE_TIMEOUT, &mut task).await {
        Ok(Ok(Ok(_manager))) => true,
        Ok(Ok(Err(err))) => {
            warn!(%err, "releasing the leader election lease failed; it will expire");
            false
        }
        Ok(Err(err)) => {
            warn!(%err, "lease manager task failed");
            false
        }
        Err(_) => {
            warn!("releasing the leader election lease timed out; it will expire");
            task.abort();
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::coordination::v1::LeaseSpec;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    fn lease(holder: Option<&str>, renewed: SystemTime, duration: i32) -> Lease {
        Lease {
            spec: Some(LeaseSpec {
                holder_identity: holder.map(str::to_owned),
                renew_time: Some(MicroTime(renewed.try_into().unwrap())),
                lease_duration_seconds: Some(duration),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn deadline_only_for_our_own_lease() {
        let renewed = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000);
        let margin = Duration::from_millis(2_500);
        let ours = LeaseView::from_lease(&lease(Some("me"), renewed, 15));
        assert_eq!(
            ours.deadline("me", margin),
            Some(renewed + Duration::from_millis(12_500))
        );
        assert_eq!(ours.deadline("someone-else", margin), None);
        let free = LeaseView::from_lease(&lease(None, renewed, 15));
        assert_eq!(free.deadline("me", margin), None);
        assert_eq!(
            LeaseView::from_lease(&Lease::default()),
            LeaseView::default()
        );
        // An empty holder string is "no holder", not a holder called "".
        assert_eq!(
            LeaseView::from_lease(&lease(Some(""), renewed, 15)).deadline("", margin),
            None
        );
    }

    #[test]
    fn remaining_is_none_once_the_deadline_passed() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(100);
        assert_eq!(
            remaining(Some(now + Duration::from_secs(3)), now),
            Some(Duration::from_secs(3))
        );
        assert_eq!(remaining(Some(now), now), None);
        assert_eq!(remaining(Some(now - Duration::from_secs(1)), now), None);
        assert_eq!(remaining(None, now), None);
    }

    #[test]
    fn config_validation() {
        let cfg = LeaderConfig::new("lease", "ns");
        assert!(cfg.enabled);
        cfg.validate().unwrap();
        assert_eq!(cfg.safety_margin(), Duration::from_millis(2_500));
        for (duration, grace) in [(5, 5), (5, 6), (5, 0)] {
            let bad = LeaderConfig {
                lease_duration_secs: duration,
                renew_grace_secs: grace,
                ..cfg.clone()
            };
            assert!(bad.validate().is_err(), "{duration}/{grace}");
        }
        let nameless = LeaderConfig {
            lease_name: String::new(),
            ..cfg
        };
        assert!(nameless.validate().is_err());
    }

    #[test]
    fn default_identity_is_host_and_pid() {
        let identity = default_identity();
        assert!(
            identity.ends_with(&format!("-{}", std::process::id())),
            "{identity}"
        );
        assert!(identity.len() > format!("-{}", std::process::id()).len());
    }

    /// A client for a server that does not exist: disabled election must never use it.
    fn unreachable_client() -> Client {
        // Two rustls backends are linked (ring via kube, aws-lc-rs via the AWS SDK), so
        // one must be chosen before a client is built; main does the same.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let config = kube::Config::new("http://127.0.0.1:9".parse().unwrap());
        Client::try_from(config).unwrap()
    }

    #[tokio::test]
    async fn disabled_election_runs_work_until_shutdown() {
        let started = Arc::new(AtomicBool::new(false));
        let flag = started.clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let election = LeaderElection::new(unreachable_client(), LeaderConfig::disabled()).unwrap();
        let leading = election.subscribe();
        let run = tokio::spawn(election.run(
            move || {
                let flag = flag.clone();
                async move {
                    flag.store(true, Ordering::SeqCst);
                    std::future::pending::<anyhow::Result<()>>().await
                }
            },
            async {
                let _ = stopped.await;
            },
        ));
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(started.load(Ordering::SeqCst));
        assert!(*leading.borrow());
        stop.send(()).unwrap();
        let result = tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .unwrap()
            .unwrap();
        assert!(result.is_ok());
    }

    #[tokio::test]
    async fn disabled_election_returns_the_work_result() {
        let result = run_while_leader(
            unreachable_client(),
            LeaderConfig::disabled(),
            || async { Err(anyhow::anyhow!("controllers failed")) },
            std::future::pending(),
        )
        .await;
        assert_eq!(result.unwrap_err().to_string(), "controllers failed");
    }

    #[test]
    fn invalid_config_is_rejected_before_running() {
        let cfg = LeaderConfig {
            renew_grace_secs: 20,
            ..LeaderConfig::default()
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let err = runtime.block_on(async {
            LeaderElection::new(unreachable_client(), cfg)
                .err()
                .expect("rejected")
        });
        assert!(err.to_string().contains("renew grace"), "{err}");
    }
}
