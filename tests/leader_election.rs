//! Leader election against a real kube-apiserver (hack/testenv, via `make test`).
//!
//! Two contenders share one Lease. Their work records when it starts and when its future
//! is dropped; the test fails if two ever run at once, and checks that leadership moves:
//! when an outsider takes the Lease (the leader must stop at once), and when the leader
//! shuts down (it releases the Lease and the standby takes over well before expiry).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::Lease;
use kube::api::{DeleteParams, Patch, PatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Api, Client, Config};
use orgtrail_operator::runtime::leader::{LeaderConfig, run_while_leader};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const NAMESPACE: &str = "default";
const LEASE_DURATION_SECS: u64 = 4;
const RENEW_GRACE_SECS: u64 = 2;

async fn client() -> Client {
    let path = std::env::var("ORGTRAIL_TEST_KUBECONFIG").unwrap_or_else(|_| {
        panic!(
            "ORGTRAIL_TEST_KUBECONFIG is not set: this test needs a real API server; \
             run it through `make test` (hack/with-testenv.sh starts one)"
        )
    });
    // Logs of both contenders (filtered by RUST_LOG) help when this test fails.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
    // kube uses ring, the AWS SDK aws-lc-rs: pick one explicitly, as main does.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let kubeconfig = Kubeconfig::read_from(&path).expect("readable kubeconfig");
    let config = Config::from_custom_kubeconfig(kubeconfig, &KubeConfigOptions::default())
        .await
        .expect("usable kubeconfig");
    Client::try_from(config).expect("client")
}

/// Who is running work right now, and everything that happened, with timestamps.
#[derive(Default)]
struct Tracker {
    state: Mutex<TrackerState>,
}

#[derive(Default)]
struct TrackerState {
    running: Vec<&'static str>,
    starts: Vec<&'static str>,
    overlaps: Vec<String>,
    log: Vec<String>,
}

impl Tracker {
    fn started(self: &Arc<Self>, who: &'static str, epoch: Instant) -> RunningGuard {
        let mut state = self.state.lock().unwrap();
        state
            .log
            .push(format!("{:?} {who} started", epoch.elapsed()));
        if !state.running.is_empty() {
            let msg = format!("{who} started while {:?} was running", state.running);
            state.overlaps.push(msg);
        }
        state.running.push(who);
        state.starts.push(who);
        RunningGuard {
            who,
            epoch,
            tracker: self.clone(),
        }
    }

    fn running(&self) -> Vec<&'static str> {
        self.state.lock().unwrap().running.clone()
    }

    fn starts(&self) -> Vec<&'static str> {
        self.state.lock().unwrap().starts.clone()
    }

    fn report(&self) -> String {
        self.state.lock().unwrap().log.join("\n")
    }

    fn assert_no_overlap(&self) {
        let state = self.state.lock().unwrap();
        assert!(
            state.overlaps.is_empty(),
            "work ran twice at once: {:?}\n{}",
            state.overlaps,
            state.log.join("\n")
        );
    }

    /// Waits until exactly one contender runs and returns it.
    async fn wait_for_single_runner(&self, within: Duration) -> &'static str {
        let deadline = Instant::now() + within;
        loop {
            if let [who] = self.running()[..] {
                return who;
            }
            assert!(
                Instant::now() < deadline,
                "no leader within {within:?}\n{}",
                self.report()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Dropped together with the work future.
struct RunningGuard {
    who: &'static str,
    epoch: Instant,
    tracker: Arc<Tracker>,
}

impl Drop for RunningGuard {
    fn drop(&mut self) {
        let mut state = self.tracker.state.lock().unwrap();
        state.running.retain(|w| *w != self.who);
        let msg = format!("{:?} {} stopped", self.epoch.elapsed(), self.who);
        state.log.push(msg);
    }
}

struct Contender {
    stop: oneshot::Sender<()>,
    run: JoinHandle<anyhow::Result<()>>,
}

fn contender(
    client: &Client,
    lease: &str,
    who: &'static str,
    tracker: &Arc<Tracker>,
    epoch: Instant,
) -> Contender {
    let cfg = LeaderConfig {
        enabled: true,
        lease_name: lease.to_owned(),
        namespace: NAMESPACE.to_owned(),
        identity: who.to_owned(),
        lease_duration_secs: LEASE_DURATION_SECS,
        renew_grace_secs: RENEW_GRACE_SECS,
    };
    let (stop, stopped) = oneshot::channel::<()>();
    let tracker = tracker.clone();
    let run = tokio::spawn(run_while_leader(
        client.clone(),
        cfg,
        move || {
            let tracker = tracker.clone();
            async move {
                let _guard = tracker.started(who, epoch);
                std::future::pending::<anyhow::Result<()>>().await
            }
        },
        async {
            let _ = stopped.await;
        },
    ));
    Contender { stop, run }
}

impl Contender {
    async fn shut_down(self) {
        let _ = self.stop.send(());
        let result = tokio::time::timeout(Duration::from_secs(10), self.run)
            .await
            .expect("contender did not stop within 10s")
            .expect("contender task panicked");
        result.expect("contender returned an error");
    }
}

async fn holder(leases: &Api<Lease>, name: &str) -> Option<String> {
    leases
        .get(name)
        .await
        .expect("lease exists")
        .spec
        .and_then(|s| s.holder_identity)
}

async fn renew_time(leases: &Api<Lease>, name: &str) -> Option<String> {
    let lease = leases.get(name).await.expect("lease exists");
    lease
        .spec
        .and_then(|s| s.renew_time)
        .map(|t| t.0.to_string())
}

/// Returns as soon as the holder has renewed the Lease.
async fn wait_for_renewal(leases: &Api<Lease>, name: &str) {
    let before = renew_time(leases, name).await;
    let deadline = Instant::now() + Duration::from_secs(2 * LEASE_DURATION_SECS);
    while renew_time(leases, name).await == before {
        assert!(Instant::now() < deadline, "the leader stopped renewing");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn one_leader_at_a_time_and_fast_handover() {
    let client = client().await;
    let leases: Api<Lease> = Api::namespaced(client.clone(), NAMESPACE);
    let lease = format!(
        "orgtrail-leader-test-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let tracker = Arc::new(Tracker::default());
    let epoch = Instant::now();

    let mut a = Some(contender(&client, &lease, "a", &tracker, epoch));
    let mut b = Some(contender(&client, &lease, "b", &tracker, epoch));

    // 1. Exactly one leads, and stays leader across several renewals.
    let first = tracker
        .wait_for_single_runner(Duration::from_secs(15))
        .await;
    assert_eq!(holder(&leases, &lease).await.as_deref(), Some(first));
    tokio::time::sleep(Duration::from_secs(2 * LEASE_DURATION_SECS)).await;
    assert_eq!(tracker.running(), vec![first], "{}", tracker.report());
    assert!(
        tracker.starts().iter().all(|w| *w == first),
        "the standby ran while the leader renewed normally\n{}",
        tracker.report()
    );
    tracker.assert_no_overlap();

    // 2. An outsider takes the Lease: the leader stops at once, without waiting for
    //    its own lease manager to notice at the next renewal.
    let now = k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime(
        k8s_openapi::jiff::Timestamp::now(),
    );
    let stolen = serde_json::json!({
        "spec": {"holderIdentity": "intruder", "renewTime": now,
                 "leaseDurationSeconds": LEASE_DURATION_SECS}
    });
    leases
        .patch(&lease, &PatchParams::default(), &Patch::Merge(&stolen))
        .await
        .expect("steal the lease");
    let stolen_at = Instant::now();
    while !tracker.running().is_empty() {
        assert!(
            stolen_at.elapsed() < Duration::from_secs(1),
            "leader kept working after losing the lease\n{}",
            tracker.report()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The intruder never renews, so its Lease expires and one of ours takes over.
    let second = tracker
        .wait_for_single_runner(Duration::from_secs(4 * LEASE_DURATION_SECS))
        .await;
    assert_eq!(holder(&leases, &lease).await.as_deref(), Some(second));
    tracker.assert_no_overlap();

    // 3. The leader shuts down: it stops its work, releases the Lease, and the standby
    //    takes over well before the Lease would have expired.
    let (leader, standby) = if second == "a" {
        (a.take().unwrap(), "b")
    } else {
        (b.take().unwrap(), "a")
    };
    // Right after a renewal the standby's lease manager sleeps for another 2-4 s before
    // looking again, so a handover within 1 s shows the release woke it up.
    wait_for_renewal(&leases, &lease).await;
    let shutdown_at = Instant::now();
    leader.shut_down().await;
    let third = tracker
        .wait_for_single_runner(Duration::from_secs(4 * LEASE_DURATION_SECS))
        .await;
    assert_eq!(third, standby);
    let handover = shutdown_at.elapsed();
    assert!(
        handover < Duration::from_secs(1),
        "handover took {handover:?}: the standby did not take the released Lease at once\n{}",
        tracker.report()
    );
    assert_eq!(holder(&leases, &lease).await.as_deref(), Some(standby));
    tracker.assert_no_overlap();

    // 4. The last one shuts down too and leaves the Lease free.
    a.or(b).unwrap().shut_down().await;
    assert!(tracker.running().is_empty(), "{}", tracker.report());
    assert_eq!(holder(&leases, &lease).await, None);
    tracker.assert_no_overlap();
    eprintln!("{}", tracker.report());

    leases
        .delete(&lease, &DeleteParams::default())
        .await
        .expect("delete the test lease");
}
