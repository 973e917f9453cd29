//! The API server goes away and comes back (same etcd), as it does in an upgrade or a
//! control-plane failover: the operator, with and without leader election, notices new
//! objects again within seconds, without a restart of its own.

mod cluster;
mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cluster::{ControlPlane, describe, is_ready, root, start_operator, wait_for};
use support::Emulator;

/// How long the API server stays away: long enough for every watch and the Lease renewal
/// to fail and back off.
const OUTAGE_SECS: &str = "20";

/// From the API server being ready again to a new object reconciled. The operator needs
/// a few seconds (retries wait at most 4 s); the bound leaves room for a loaded machine.
const RECOVERY: Duration = Duration::from_secs(20);

fn trail(name: &str) -> String {
    format!(
        "apiVersion: orgtrail.dev/v1alpha1\nkind: OrgTrail\nmetadata: {{name: {name}}}\n\
         spec: {{name: {name}, homeRegion: us-east-1, s3BucketName: orgtrail-logs}}\n"
    )
}

fn restart_api_server(cp: &ControlPlane) {
    let out = Command::new(root().join("hack/testenv/restart-apiserver.sh"))
        .arg(cp.dir())
        .arg(OUTAGE_SECS)
        .stderr(Stdio::inherit())
        .output()
        .expect("running hack/testenv/restart-apiserver.sh");
    assert!(out.status.success(), "restart failed: {}", describe(&out));
}

fn survives_an_api_server_restart(leader_election: &str) {
    let cp = ControlPlane::with_crds();
    let emu = Emulator::start();
    let log = cp.dir().join("operator.log");
    let mut op = start_operator(
        &cp.kubeconfig,
        emu.url(),
        log,
        &[
            "--leader-election",
            leader_election,
            "--lease-namespace",
            "default",
        ],
    );
    let ready = |name: &str| cp.get("orgtrails", name).is_some_and(|o| is_ready(&o));
    cp.kubectl_ok(&[
        "apply",
        "-f",
        &root()
            .join("examples/00-trusted-access.yaml")
            .to_string_lossy(),
    ]);
    cp.kubectl_stdin(&["apply", "-f", "-"], &trail("before-outage"));
    wait_for(
        Duration::from_secs(60),
        "before-outage Ready",
        || ready("before-outage").then_some(()),
        || op.logs(),
    );

    restart_api_server(&cp);
    let back = Instant::now();
    cp.kubectl_stdin(&["apply", "-f", "-"], &trail("after-outage"));
    wait_for(
        RECOVERY,
        "after-outage Ready after the API server came back",
        || ready("after-outage").then_some(()),
        || op.logs(),
    );
    eprintln!(
        "leader election {leader_election}: new object Ready {:?} after the API server was ready again",
        back.elapsed()
    );
    assert!(op.exited().is_none(), "the operator exited:\n{}", op.logs());
}

#[test]
fn without_leader_election() {
    survives_an_api_server_restart("false");
}

#[test]
fn with_leader_election() {
    survives_an_api_server_restart("true");
}
