//! One end-to-end scenario: a fresh emulator, the operator binary as a child process,
//! `kubectl` against the test control plane and the AWS CLI against the emulator.
//!
//! Scenarios share one API server, and two operators must never reconcile the same
//! objects, so every scenario holds a process-wide lock for its whole life.

use std::fs;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::operator::{Launch, Operator};
use crate::support::{AKID_MANAGEMENT, Emulator, kstatus};

/// The four kinds, dependants first so that deleting in this order never leaves an
/// org trail behind a deleted TrustedAccess.
pub const KINDS: [&str; 4] = [
    "orgeventdatastores.orgtrail.dev",
    "orgtrails.orgtrail.dev",
    "delegatedadmins.orgtrail.dev",
    "trustedaccesses.orgtrail.dev",
];

/// The operator's resync period: short, so drift is noticed within seconds.
pub const RESYNC_SECS: u64 = 2;
pub const REGION: &str = "us-east-1";
const POLL: Duration = Duration::from_millis(250);
pub const TIMEOUT: Duration = Duration::from_secs(60);

static SERIAL: Mutex<()> = Mutex::new(());

pub struct Scenario {
    pub emu: Emulator,
    operator: Option<Operator>,
    kubectl: String,
    kubeconfig: String,
    pub dir: tempfile::TempDir,
    manifests: usize,
    // Last field: released after everything above is torn down.
    _serial: MutexGuard<'static, ()>,
}

/// Paths of the test control plane, or a failure that says how to get one.
fn control_plane() -> (String, String) {
    let Ok(kubeconfig) = std::env::var("ORGTRAIL_TEST_KUBECONFIG") else {
        panic!(
            "ORGTRAIL_TEST_KUBECONFIG is not set: run through `make test` (needs the test control plane)"
        );
    };
    let kubectl = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    (kubeconfig, kubectl)
}

impl Scenario {
    /// Take the lock, clear leftovers of earlier scenarios, start an emulator.
    pub fn start() -> Scenario {
        let serial = SERIAL
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (kubeconfig, kubectl) = control_plane();
        let s = Scenario {
            emu: Emulator::start(),
            operator: None,
            kubectl,
            kubeconfig,
            dir: tempfile::tempdir().expect("temp dir"),
            manifests: 0,
            _serial: serial,
        };
        s.force_clean();
        // Events of earlier scenarios would satisfy this scenario's event assertions.
        let _ = s.kubectl(&["delete", "events", "--all", "-A", "--wait=false"]);
        s
    }

    /// Start the operator with the management account's keys.
    pub fn start_operator(&mut self) {
        self.start_operator_as(AKID_MANAGEMENT);
    }

    /// Start the operator (leader election off) with `access_key`.
    pub fn start_operator_as(&mut self, access_key: &str) {
        self.start_operator_with(access_key, &[]);
    }

    /// Start the operator with `access_key` and extra `run` flags (`--resync-seconds` among
    /// them replaces the suite's short default).
    pub fn start_operator_with(&mut self, access_key: &str, extra: &[&str]) {
        self.launch(access_key, extra, true);
    }

    /// Start the operator with `access_key` and `extra` flags at its default resync
    /// periods (what a user runs).
    pub fn start_operator_at_defaults(&mut self, access_key: &str, extra: &[&str]) {
        self.launch(access_key, extra, false);
    }

    fn launch(&mut self, access_key: &str, extra: &[&str], short_resync: bool) {
        assert!(self.operator.is_none(), "an operator is already running");
        let n = fs::read_dir(self.dir.path()).map_or(0, |d| d.count());
        let log = self.dir.path().join(format!("operator-{n}.log"));
        let resync = RESYNC_SECS.to_string();
        let mut args = vec![
            "--metrics-addr",
            "127.0.0.1:0",
            "--leader-election",
            "false",
            "--lease-namespace",
            "default",
        ];
        if short_resync && !extra.contains(&"--resync-seconds") {
            args.extend(["--resync-seconds", resync.as_str()]);
        }
        args.extend(extra);
        let kubeconfig = PathBuf::from(&self.kubeconfig);
        self.operator = Some(Operator::start(&Launch {
            access_key,
            args: &args,
            ..Launch::new(&kubeconfig, self.emu.url(), &log)
        }));
    }

    /// An object written under a newer CRD than the operator's: widen `kind`'s CRD with
    /// JSON patch `patch`, apply `object` once the API server serves the wider schema,
    /// then run `rest`. The CRD from crds/ comes back afterwards, whatever happened, so
    /// the next scenario gets it as generated.
    pub fn with_object_from_the_future(
        &mut self,
        kind: &str,
        patch: &str,
        object: &str,
        rest: impl FnOnce(&mut Scenario),
    ) {
        self.kubectl_ok(&[
            "patch",
            "crd",
            &qualified(kind),
            "--type",
            "json",
            "-p",
            patch,
        ]);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let file = self.dir.path().join("from-the-future.yaml");
            fs::write(&file, object).expect("write manifest");
            let file = file.to_str().expect("utf-8 path").to_owned();
            self.wait_for("the API server accepts the newer object", TIMEOUT, |s| {
                s.kubectl(&["apply", "-f", &file])
                    .status
                    .success()
                    .then_some(())
            });
            rest(self)
        }));
        let crd = examples_dir().join(format!("../crds/{kind}.yaml"));
        self.kubectl_ok(&[
            "apply",
            "--server-side",
            "--force-conflicts",
            "-f",
            crd.to_str().expect("utf-8 path"),
        ]);
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }

    /// The running operator's `/metrics` text; `None` until it has logged its address.
    pub fn metrics(&self) -> Option<String> {
        use std::io::{Read, Write};
        let op = self.operator.as_ref().expect("no operator running");
        let logs = op.logs();
        let addr = logs
            .lines()
            .find(|l| l.contains("serving /healthz"))
            .and_then(|l| l.split("addr=").nth(1))
            .and_then(|rest| rest.split_whitespace().next())?
            .to_owned();
        let mut conn = std::net::TcpStream::connect(&addr).ok()?;
        write!(
            conn,
            "GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .ok()?;
        let mut response = String::new();
        conn.read_to_string(&mut response).ok()?;
        response.starts_with("HTTP/1.1 200").then_some(response)
    }

    /// `kill -9` the operator: no graceful shutdown, no lease release. Its log stays for
    /// diagnostics: the next operator writes a new file.
    pub fn kill_operator(&mut self) {
        if let Some(mut op) = self.operator.take() {
            op.kill();
        }
    }

    /// Stop the operator gracefully (SIGTERM) and wait for it to exit.
    pub fn stop_operator(&mut self) {
        if let Some(mut op) = self.operator.take() {
            op.stop();
        }
    }

    // ---------------------------------------------------------------- kubectl

    pub fn kubectl(&self, args: &[&str]) -> Output {
        Command::new(&self.kubectl)
            .args(args)
            .env("KUBECONFIG", &self.kubeconfig)
            .output()
            .unwrap_or_else(|e| panic!("running {}: {e}", self.kubectl))
    }

    pub fn kubectl_ok(&self, args: &[&str]) -> String {
        let out = self.kubectl(args);
        assert!(
            out.status.success(),
            "kubectl {} failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `kubectl apply -f` of an inline manifest (written to the scenario's temp dir).
    pub fn apply(&mut self, yaml: &str) -> Output {
        self.manifests += 1;
        let path = self
            .dir
            .path()
            .join(format!("manifest-{}.yaml", self.manifests));
        fs::write(&path, yaml).expect("write manifest");
        self.kubectl(&["apply", "-f", path.to_str().expect("utf-8 path")])
    }

    pub fn apply_ok(&mut self, yaml: &str) {
        let out = self.apply(yaml);
        assert!(
            out.status.success(),
            "kubectl apply failed: {}\n{yaml}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `kubectl apply -f examples/<file>` (or the whole directory with "").
    pub fn apply_example(&self, file: &str) {
        let path = examples_dir().join(file);
        self.kubectl_ok(&["apply", "-f", path.to_str().expect("utf-8 path")]);
    }

    /// The object as JSON, or `None` if it does not exist.
    pub fn get(&self, kind: &str, name: &str) -> Option<Value> {
        let out = self.kubectl(&["get", &qualified(kind), name, "-o", "json"]);
        if !out.status.success() {
            return None;
        }
        serde_json::from_slice(&out.stdout).ok()
    }

    /// Every event in every namespace, as `kubectl get events -A` sees them.
    pub fn events(&self) -> Vec<Value> {
        let out = self.kubectl_ok(&["get", "events", "-A", "-o", "json"]);
        let v: Value = serde_json::from_str(&out).expect("events JSON");
        v["items"].as_array().cloned().unwrap_or_default()
    }

    /// Whether an event with this type and reason exists for `kind/name`
    /// (`kind` as in `involvedObject.kind`, e.g. `OrgTrail`).
    pub fn has_event(&self, type_: &str, reason: &str, kind: &str, name: &str) -> bool {
        self.events().iter().any(|e| {
            e["type"] == type_
                && e["reason"] == reason
                && e["involvedObject"]["kind"] == kind
                && e["involvedObject"]["name"] == name
        })
    }

    // ---------------------------------------------------------------- AWS CLI

    /// The AWS CLI against the emulator with `access_key`; the raw output. The CLI reads
    /// the emulator's model extras (`emulator/tests/aws-data`: members newer than the
    /// pinned CLI, such as `RecursiveLogging`).
    pub fn aws_raw(&self, access_key: &str, args: &[&str]) -> Output {
        let extras = concat!(env!("CARGO_MANIFEST_DIR"), "/emulator/tests/aws-data");
        Command::new("aws")
            .env("AWS_DATA_PATH", extras)
            .args(["--endpoint-url", self.emu.url(), "--region", REGION])
            .args(["--output", "json"])
            .args(args)
            .env("AWS_ACCESS_KEY_ID", access_key)
            .env("AWS_SECRET_ACCESS_KEY", "any-secret")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", self.dir.path().join("no-aws-config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.dir.path().join("no-aws-credentials"),
            )
            .env("AWS_PAGER", "")
            .env("AWS_MAX_ATTEMPTS", "2")
            .output()
            .expect("running the AWS CLI (`aws`; pip install awscli)")
    }

    /// The AWS CLI; its JSON output (`Null` for commands that print nothing).
    pub fn aws(&self, access_key: &str, args: &[&str]) -> Value {
        let out = self.aws_raw(access_key, args);
        assert!(
            out.status.success(),
            "aws {} failed: {}{}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr),
            self.diagnostics()
        );
        serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
    }

    /// `describe-trails` as seen by `access_key`.
    pub fn trails(&self, access_key: &str) -> Vec<Value> {
        self.aws(access_key, &["cloudtrail", "describe-trails"])["trailList"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The trail called `name` in `describe-trails` as seen by `access_key`.
    pub fn trail(&self, access_key: &str, name: &str) -> Option<Value> {
        self.trails(access_key)
            .into_iter()
            .find(|t| t["Name"] == name)
    }

    pub fn is_logging(&self, arn: &str) -> bool {
        self.aws(
            AKID_MANAGEMENT,
            &["cloudtrail", "get-trail-status", "--name", arn],
        )["IsLogging"]
            == true
    }

    pub fn event_data_store(&self, arn: &str) -> Value {
        self.aws(
            AKID_MANAGEMENT,
            &[
                "cloudtrail",
                "get-event-data-store",
                "--event-data-store",
                arn,
            ],
        )
    }

    /// Service principals Organizations trusts.
    pub fn trusted_services(&self) -> Vec<String> {
        let v = self.aws(
            AKID_MANAGEMENT,
            &["organizations", "list-aws-service-access-for-organization"],
        );
        v["EnabledServicePrincipals"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|p| p["ServicePrincipal"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    // ---------------------------------------------------------------- waiting

    /// Poll `check` until it returns `Some`, for at most `timeout`; on timeout fail with
    /// the objects' YAML, the operator's log tail and the emulator state. Fails at once
    /// if the operator process died.
    pub fn wait_for<T>(
        &mut self,
        what: &str,
        timeout: Duration,
        mut check: impl FnMut(&Scenario) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(v) = check(self) {
                return v;
            }
            if let Some(op) = self.operator.as_mut()
                && let Some(status) = op.exited()
            {
                panic!(
                    "the operator exited ({status}) while waiting for {what}{}",
                    self.diagnostics()
                );
            }
            if Instant::now() > deadline {
                panic!(
                    "timed out after {timeout:?} waiting for {what}{}",
                    self.diagnostics()
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// Wait until `kind/name` has `Ready=True` for its current generation.
    pub fn wait_ready(&mut self, kind: &str, name: &str) -> Value {
        self.wait_for(&format!("{kind}/{name} Ready"), TIMEOUT, |s| {
            let obj = s.get(kind, name)?;
            kstatus::is_ready(&obj).then_some(obj)
        })
    }

    /// Wait until the four example objects are Ready.
    pub fn wait_examples_ready(&mut self) {
        self.wait_ready("trustedaccess", "cloudtrail");
        self.wait_ready("delegatedadmin", "security-tooling");
        self.wait_ready("orgtrail", "organization-audit");
        self.wait_ready("orgeventdatastore", "organization-lake");
    }

    /// Everything a person needs to see why a wait failed.
    pub fn diagnostics(&self) -> String {
        let mut out = String::from("\n\n===== orgtrail objects =====\n");
        for kind in KINDS {
            let o = self.kubectl(&["get", kind, "-o", "yaml"]);
            out.push_str(&String::from_utf8_lossy(&o.stdout));
        }
        out.push_str("\n===== events =====\n");
        let o = self.kubectl(&["get", "events", "-A"]);
        out.push_str(&String::from_utf8_lossy(&o.stdout));
        out.push_str("\n===== operator log (tail) =====\n");
        let mut logs: Vec<_> = fs::read_dir(self.dir.path())
            .map(|d| {
                d.filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.to_string_lossy().ends_with(".log"))
                    .collect()
            })
            .unwrap_or_default();
        logs.sort();
        if let Some(op) = &self.operator {
            logs.retain(|l| l != op.log());
            logs.push(op.log().to_path_buf());
        }
        if let Some(last) = logs.last() {
            let text = fs::read_to_string(last).unwrap_or_default();
            let lines: Vec<&str> = text.lines().collect();
            out.push_str(&format!("({})\n", last.display()));
            out.push_str(&lines[lines.len().saturating_sub(60)..].join("\n"));
        }
        out.push_str("\n===== emulator state =====\n");
        let (_, state) = self.emu.hook("GET", "/_emulator/state", None);
        let mut state = state;
        if let Some(cfg) = state.as_object_mut() {
            cfg.remove("config");
        }
        out.push_str(&serde_json::to_string_pretty(&state).unwrap_or_default());
        out
    }

    // ---------------------------------------------------------------- cleanup

    /// Delete every orgtrail object through the running operator (so deletion policies
    /// apply), waiting for finalizers; then force away whatever is left.
    pub fn finish(mut self) {
        for kind in KINDS {
            let _ = self.kubectl(&["delete", kind, "--all", "--wait=true", "--timeout=45s"]);
        }
        let leftovers = self.remaining();
        self.stop_operator();
        self.force_clean();
        assert!(
            leftovers.is_empty(),
            "objects not deleted through their finalizer within 45s: {leftovers:?}{}",
            self.diagnostics()
        );
    }

    /// `kind/name` of every orgtrail object that still exists.
    pub fn remaining(&self) -> Vec<String> {
        let mut left = vec![];
        for kind in KINDS {
            let out = self.kubectl(&["get", kind, "-o", "name"]);
            left.extend(
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(str::to_owned),
            );
        }
        left
    }

    /// Remove finalizers and delete everything, without an operator. Never panics.
    fn force_clean(&self) {
        for object in self.remaining() {
            let _ = self.kubectl(&[
                "patch",
                &object,
                "--type",
                "merge",
                "-p",
                r#"{"metadata":{"finalizers":null}}"#,
            ]);
        }
        for kind in KINDS {
            let _ = self.kubectl(&["delete", kind, "--all", "--wait=true", "--timeout=30s"]);
        }
    }
}

impl Drop for Scenario {
    fn drop(&mut self) {
        // The operator goes first so it cannot re-add finalizers while we clean up.
        self.kill_operator();
        if std::thread::panicking() {
            self.force_clean();
        }
    }
}

/// `orgtrail` -> `orgtrails.orgtrail.dev`. `orgtrail` is both OrgTrail's singular and
/// the category of all four kinds, and kubectl resolves it as the category; the
/// fully qualified plural is unambiguous.
pub fn qualified(kind: &str) -> String {
    if kind.contains('.') {
        return kind.to_owned();
    }
    let plural = match kind {
        "trustedaccess" => "trustedaccesses".to_owned(),
        k if k.ends_with('s') => k.to_owned(),
        k => format!("{k}s"),
    };
    format!("{plural}.orgtrail.dev")
}

pub use crate::support::kstatus::condition;

pub fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples")
}
