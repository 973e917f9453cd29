//! A private control plane and an operator process, for tests that run the operator.
//!
//! An operator reconciles every orgtrail object in its cluster, so tests that start one
//! must not share an API server with other test binaries: each gets its own etcd +
//! kube-apiserver from hack/testenv/up.sh (cached binaries; a few seconds to start).
//! Everything is driven through kubectl, like a user would.
#![allow(dead_code)] // chart.rs and gitops_health.rs use different subsets

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::operator::Launch;

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fails the test unless it runs under `make test` (hack/with-testenv.sh), which builds
/// the control-plane binaries this module needs.
pub fn require_testenv() {
    assert!(
        std::env::var_os("ORGTRAIL_TEST_KUBECONFIG").is_some(),
        "ORGTRAIL_TEST_KUBECONFIG is not set: this test needs the test control plane; \
         run it through `make test` (or hack/with-testenv.sh cargo test --test <name>)"
    );
}

/// A binary from the test-environment cache (kube-apiserver, etcd, kubectl, helm).
pub fn tool(name: &str) -> PathBuf {
    if name == "kubectl"
        && let Some(kubectl) = std::env::var_os("KUBECTL")
    {
        return kubectl.into();
    }
    let cache = std::env::var_os("ORGTRAIL_TESTENV_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").expect("HOME")).join(".cache/orgtrail-testenv")
        });
    let path = cache.join("bin").join(name);
    assert!(
        path.exists(),
        "{} missing: run hack/testenv/build.sh",
        path.display()
    );
    path
}

/// Runs `cmd`, panicking with its output unless it succeeds; returns stdout.
pub fn run_ok(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("running {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", describe(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn describe(out: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// etcd + kube-apiserver of our own (and with [`ControlPlane::with_node`], a kubelet and
/// the controllers), stopped on drop.
pub struct ControlPlane {
    dir: tempfile::TempDir,
    /// Admin kubeconfig (group system:masters).
    pub kubeconfig: PathBuf,
    /// The script that stops it: hack/testenv/down.sh or hack/cluster/down.sh.
    down: &'static str,
}

impl ControlPlane {
    /// Starts one and installs nothing.
    pub fn start() -> ControlPlane {
        require_testenv();
        let dir = tempfile::Builder::new()
            .prefix("orgtrail-cp-")
            .tempdir()
            .expect("tempdir");
        let out = Command::new(root().join("hack/testenv/up.sh"))
            .arg(dir.path())
            .env("ORGTRAIL_TESTENV_SKIP_BUILD", "1")
            .stderr(Stdio::inherit())
            .output()
            .expect("running hack/testenv/up.sh");
        let cp = ControlPlane {
            kubeconfig: PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()),
            dir,
            down: "hack/testenv/down.sh",
        };
        assert!(out.status.success(), "up.sh failed: {}", describe(&out));
        cp
    }

    /// A single-node cluster (hack/cluster/up.sh: kubelet, containerd, controllers,
    /// kube-proxy) with the OCI image archives `images` imported into its runtime.
    /// Needs root; one per machine.
    pub fn with_node(images: &[&Path]) -> ControlPlane {
        require_testenv();
        let dir = tempfile::Builder::new()
            .prefix("orgtrail-cluster-")
            .tempdir()
            .expect("tempdir");
        let images: Vec<String> = images
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let out = Command::new(root().join("hack/cluster/up.sh"))
            .arg(dir.path())
            .env("ORGTRAIL_CLUSTER_IMAGES", images.join(" "))
            .stderr(Stdio::inherit())
            .output()
            .expect("running hack/cluster/up.sh");
        let cp = ControlPlane {
            kubeconfig: PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()),
            dir,
            down: "hack/cluster/down.sh",
        };
        assert!(
            out.status.success(),
            "cluster up.sh failed: {}",
            describe(&out)
        );
        cp
    }

    /// A value up.sh recorded in `<dir>/testenv.env` (APISERVER_URL, NODE_IP, …).
    pub fn env(&self, key: &str) -> String {
        let env = std::fs::read_to_string(self.dir().join("testenv.env")).expect("testenv.env");
        env.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .unwrap_or_else(|| panic!("{key} in testenv.env"))
            .to_owned()
    }

    /// Starts one with the repository's CRDs installed and established.
    pub fn with_crds() -> ControlPlane {
        let cp = ControlPlane::start();
        cp.kubectl_ok(&[
            "apply",
            "--server-side",
            "-f",
            &root().join("crds").to_string_lossy(),
        ]);
        cp.kubectl_ok(&[
            "wait",
            "--for=condition=established",
            "--timeout=60s",
            "crd",
            "--all",
        ]);
        cp
    }

    /// The state directory (pki/, logs, testenv.env).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `https://127.0.0.1:<port>`.
    pub fn server_url(&self) -> String {
        self.env("APISERVER_URL")
    }

    /// kubectl against this control plane as admin.
    pub fn kubectl(&self, args: &[&str]) -> Output {
        self.kubectl_as(&self.kubeconfig, args, None)
    }

    /// kubectl as admin; panics unless it succeeds; returns stdout.
    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(out.status.success(), "kubectl {args:?}: {}", describe(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// kubectl with `stdin` as input (e.g. `apply -f -`), as admin; panics on failure.
    pub fn kubectl_stdin(&self, args: &[&str], stdin: &str) -> String {
        let out = self.kubectl_as(&self.kubeconfig, args, Some(stdin));
        assert!(out.status.success(), "kubectl {args:?}: {}", describe(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// kubectl with another kubeconfig (e.g. a ServiceAccount token's).
    pub fn kubectl_as(&self, kubeconfig: &Path, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = Command::new(tool("kubectl"));
        cmd.args(args)
            .env("KUBECONFIG", kubeconfig)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawning kubectl");
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .expect("piped stdin")
                .write_all(input.as_bytes())
                .expect("writing kubectl stdin");
        }
        child.wait_with_output().expect("waiting for kubectl")
    }

    /// An object as JSON, or `None` if it does not exist.
    pub fn get(&self, kind: &str, name: &str) -> Option<Value> {
        let out = self.kubectl(&["get", kind, name, "-o", "json", "--ignore-not-found"]);
        assert!(
            out.status.success(),
            "kubectl get {kind} {name}: {}",
            describe(&out)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        (!text.trim().is_empty())
            .then(|| serde_json::from_str(&text).expect("kubectl get -o json is JSON"))
    }

    /// A kubeconfig that authenticates with a TokenRequest token of a ServiceAccount.
    pub fn service_account_kubeconfig(&self, namespace: &str, name: &str) -> PathBuf {
        let token = self.kubectl_ok(&["create", "token", name, "-n", namespace, "--duration=2h"]);
        let path = self.dir().join(format!("kubeconfig-{namespace}-{name}"));
        let kubeconfig = serde_json::json!({
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "testenv", "cluster": {
                "server": self.server_url(),
                "certificate-authority": self.dir().join("pki/ca.crt"),
            }}],
            "users": [{"name": name, "user": {"token": token.trim()}}],
            "contexts": [{"name": "sa", "context": {"cluster": "testenv", "user": name}}],
            "current-context": "sa",
        });
        std::fs::write(&path, kubeconfig.to_string()).expect("writing kubeconfig");
        path
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        let _ = Command::new(root().join(self.down))
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

pub use crate::support::operator::Operator;

/// Starts the operator with `kubeconfig`, management-account credentials for the emulator
/// at `aws_url`, a 2-second resync and `extra` arguments.
pub fn start_operator(kubeconfig: &Path, aws_url: &str, log: PathBuf, extra: &[&str]) -> Operator {
    let mut args = vec!["--metrics-addr", "127.0.0.1:0", "--resync-seconds", "2"];
    args.extend(extra);
    Operator::start(&Launch {
        args: &args,
        ..Launch::new(kubeconfig, aws_url, &log)
    })
}

/// helm (the testenv build) against `cp`, or with no cluster (lint, template).
pub fn helm(cp: Option<&ControlPlane>, args: &[&str]) -> Output {
    let mut cmd = Command::new(tool("helm"));
    cmd.args(args);
    let home = root().join("target/test-helm");
    // Keep helm's caches/config out of $HOME and away from other runs.
    cmd.env("HELM_CACHE_HOME", home.join("cache"))
        .env("HELM_CONFIG_HOME", home.join("config"))
        .env("HELM_DATA_HOME", home.join("data"));
    if let Some(cp) = cp {
        cmd.env("KUBECONFIG", &cp.kubeconfig);
    }
    cmd.output().expect("running helm")
}

/// [`helm`], panicking unless it succeeds; returns stdout.
pub fn helm_ok(cp: Option<&ControlPlane>, args: &[&str]) -> String {
    let out = helm(cp, args);
    assert!(out.status.success(), "helm {args:?}: {}", describe(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls `probe` every 250 ms until it returns `Some`, or panics after `timeout` with
/// `what` and the last value seen (from `last`).
pub fn wait_for<T>(
    timeout: Duration,
    what: &str,
    mut probe: impl FnMut() -> Option<T>,
    context: impl Fn() -> String,
) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = probe() {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}\n{}",
            context()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub use crate::support::kstatus::is_ready;
