//! The operator as users run it: the container image `make image` builds, installed with
//! `helm install` on a real kubelet (hack/cluster: containerd over runc, kube-proxy,
//! controller-manager, scheduler), reaching AWS (the emulator) only with IRSA-style
//! credentials: a projected ServiceAccount token exchanged through STS
//! AssumeRoleWithWebIdentity, verified against the API server's own signing keys.
//!
//! Needs root, podman and runc: `make cluster-test` runs it (`.ci/run` does); `make test`
//! skips it (ignored).

mod cluster;
mod support;

use std::path::Path;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region};
use cluster::{ControlPlane, describe, helm_ok, is_ready, root, tool, wait_for};
use serde_json::{Value, json};
use support::{AKID_ADMIN, Emulator, MANAGEMENT_ACCOUNT};

const NAMESPACE: &str = "orgtrail-system";
const RELEASE: &str = "orgtrail";
/// `<release>-<chart>`: the Deployment's and the ServiceAccount's name.
const FULLNAME: &str = "orgtrail-orgtrail-operator";
const LEASE: &str = "orgtrail-operator-leader";
const ROLE: &str = "orgtrail-operator";
const REGION: &str = "us-east-1";
/// Pods start in seconds here; generous for a loaded 2-core CI machine.
const WAIT: Duration = Duration::from_secs(120);
const EXAMPLES: [(&str, &str); 4] = [
    ("trustedaccesses", "cloudtrail"),
    ("delegatedadmins", "security-tooling"),
    ("orgtrails", "organization-audit"),
    ("orgeventdatastores", "organization-lake"),
];

fn role_arn() -> String {
    format!("arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/{ROLE}")
}

/// The emulator on the node's address (pods reach it there), trusting the cluster's
/// service-account issuer as an IAM OIDC identity provider for `sts.amazonaws.com`.
fn emulator_trusting(cp: &ControlPlane) -> Emulator {
    let jwks = cp.kubectl_ok(&["get", "--raw", "/openid/v1/jwks"]);
    let jwks_file = cp.dir().join("jwks.json");
    std::fs::write(&jwks_file, jwks).expect("writing jwks.json");
    let config = json!({"oidc_providers": [{
        "issuer": cp.server_url(),
        "client_ids": ["sts.amazonaws.com"],
        "jwks_file": jwks_file,
    }]});
    let config_file = cp.dir().join("emulator.json");
    std::fs::write(&config_file, config.to_string()).expect("writing emulator.json");
    Emulator::start_listening(
        &format!("{}:0", cp.env("NODE_IP")),
        &["--config", &config_file.to_string_lossy()],
    )
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// The operator's pods, as JSON.
fn pods(cp: &ControlPlane) -> Vec<Value> {
    let list = json_of(&cp.kubectl_ok(&[
        "get",
        "pods",
        "-n",
        NAMESPACE,
        "-l",
        "app.kubernetes.io/name=orgtrail-operator",
        "-o",
        "json",
    ]));
    list["items"].as_array().cloned().unwrap_or_default()
}

fn pod_ready(pod: &Value) -> bool {
    pod["metadata"]["deletionTimestamp"].is_null()
        && pod["status"]["conditions"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

fn ready_pod_names(cp: &ControlPlane) -> Vec<String> {
    pods(cp)
        .iter()
        .filter(|p| pod_ready(p))
        .map(|p| {
            p["metadata"]["name"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

/// The Lease holder's pod name (the identity is `<pod>-<pid>`).
fn leader(cp: &ControlPlane) -> Option<String> {
    let holder = cp.kubectl(&[
        "get",
        "lease",
        LEASE,
        "-n",
        NAMESPACE,
        "-o",
        "jsonpath={.spec.holderIdentity}",
    ]);
    let holder = String::from_utf8_lossy(&holder.stdout).trim().to_owned();
    let pods = ready_pod_names(cp);
    pods.into_iter().find(|p| {
        holder
            .strip_prefix(p.as_str())
            .is_some_and(|rest| rest.starts_with('-'))
    })
}

fn examples_ready(cp: &ControlPlane) -> bool {
    EXAMPLES
        .iter()
        .all(|(kind, name)| cp.get(kind, name).is_some_and(|o| is_ready(&o)))
}

fn diagnostics(cp: &ControlPlane) -> String {
    let mut out = cp
        .kubectl(&["get", "pods,lease,deploy", "-n", NAMESPACE, "-o", "wide"])
        .stdout;
    out.extend(cp.kubectl(&["get", "orgtrail", "-o", "wide"]).stdout);
    out.extend(cp.kubectl(&["get", "events", "-A"]).stdout);
    for pod in pods(cp) {
        let name = pod["metadata"]["name"].as_str().unwrap_or_default();
        out.extend(format!("--- logs of {name}\n").into_bytes());
        out.extend(
            cp.kubectl(&["logs", "-n", NAMESPACE, name, "--tail=40"])
                .stdout,
        );
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The host pid of a pod's operator container, from containerd (the runtime is ours).
fn container_pid(cp: &ControlPlane, pod: &Value) -> u32 {
    let id = pod["status"]["containerStatuses"][0]["containerID"]
        .as_str()
        .and_then(|id| id.strip_prefix("containerd://"))
        .expect("containerd container id")
        .to_owned();
    let out = std::process::Command::new(tool("ctr"))
        .args(["--address", &cp.env("CONTAINERD_ADDRESS"), "-n", "k8s.io"])
        .args(["tasks", "ls"])
        .output()
        .expect("ctr tasks ls");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| {
            let mut cols = l.split_whitespace();
            (cols.next() == Some(id.as_str())).then(|| cols.next()?.parse().ok())?
        })
        .unwrap_or_else(|| panic!("no task {id} in {}", describe(&out)))
}

fn status_field(status: &str, key: &str) -> String {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .unwrap_or_else(|| panic!("{key} in /proc/<pid>/status"))
        .trim()
        .to_owned()
}

/// The chart's securityContext, as the kernel applies it to the running process, and a
/// write to the root filesystem through the real exec path failing as read-only.
fn assert_confined(cp: &ControlPlane, pod: &Value) {
    let name = pod["metadata"]["name"].as_str().unwrap_or_default();
    let pid = container_pid(cp, pod);
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    for (key, want) in [
        ("Uid", "65532\t65532\t65532\t65532"),
        ("Gid", "65532\t65532\t65532\t65532"),
        ("CapEff", "0000000000000000"),
        ("CapPrm", "0000000000000000"),
        ("NoNewPrivs", "1"),
        ("Seccomp", "2"),
    ] {
        assert_eq!(
            status_field(&status, key),
            want,
            "{key} of {name} (pid {pid})"
        );
    }
    let mounts = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).expect("mountinfo");
    let root_mount = mounts
        .lines()
        .find(|l| l.split_whitespace().nth(4) == Some("/"))
        .expect("a / mount");
    let options = root_mount.split_whitespace().nth(5).unwrap_or_default();
    assert!(
        options.split(',').any(|o| o == "ro"),
        "the root filesystem of {name} is mounted read-only: {root_mount}"
    );
    // The image has no shell; its one binary writes files (crdgen). As the pod's user on
    // a writable root this fails with EACCES, on a read-only one with EROFS.
    let out = cp.kubectl(&[
        "exec",
        "-n",
        NAMESPACE,
        name,
        "--",
        "/orgtrail-operator",
        "crdgen",
        "--out-dir",
        "/probe",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("Read-only file system"),
        "a write to / in {name} fails as read-only: {}",
        describe(&out)
    );
}

/// The test's own AWS clients, made once: an admin of the management account (who
/// tampers) and an anonymous STS client (who presents tokens).
struct Aws {
    rt: tokio::runtime::Runtime,
    ct: aws_sdk_cloudtrail::Client,
    org: aws_sdk_organizations::Client,
    sts: aws_sdk_sts::Client,
}

impl Aws {
    fn new(emu: &Emulator) -> Aws {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("tokio runtime");
        let (admin, anonymous) = rt.block_on(async {
            let anonymous = aws_config::defaults(BehaviorVersion::latest())
                .region(Region::new(REGION))
                .endpoint_url(emu.url())
                .no_credentials()
                .load()
                .await;
            (
                support::sdk_config(emu, AKID_ADMIN, REGION).await,
                anonymous,
            )
        });
        Aws {
            rt,
            ct: aws_sdk_cloudtrail::Client::new(&admin),
            org: aws_sdk_organizations::Client::new(&admin),
            sts: aws_sdk_sts::Client::new(&anonymous),
        }
    }

    /// (IsOrganizationTrail, IsLogging) of the trail `arn`.
    fn trail_state(&self, arn: &str) -> (bool, bool) {
        self.rt.block_on(async {
            let trail = self
                .ct
                .get_trail()
                .name(arn)
                .send()
                .await
                .expect("GetTrail");
            let status = self
                .ct
                .get_trail_status()
                .name(arn)
                .send()
                .await
                .expect("GetTrailStatus");
            (
                trail.trail().and_then(|t| t.is_organization_trail()) == Some(true),
                status.is_logging() == Some(true),
            )
        })
    }

    /// STS's answer to a token of the operator's ServiceAccount for `audience`: the
    /// access key id, or the error code.
    fn assume_with_token_for(&self, cp: &ControlPlane, audience: &str) -> Result<String, String> {
        let token = cp.kubectl_ok(&[
            "create",
            "token",
            FULLNAME,
            "-n",
            NAMESPACE,
            "--audience",
            audience,
        ]);
        self.rt.block_on(async {
            self.sts
                .assume_role_with_web_identity()
                .role_arn(role_arn())
                .role_session_name("pods-test")
                .web_identity_token(token.trim())
                .send()
                .await
                .map(|o| {
                    o.credentials()
                        .map(|c| c.access_key_id().to_owned())
                        .unwrap_or_default()
                })
                .map_err(|e| {
                    use aws_sdk_sts::error::ProvideErrorMetadata as _;
                    e.code().unwrap_or("no code").to_owned()
                })
        })
    }
}

#[test]
#[ignore = "needs root, podman, runc and the image: run by `make cluster-test`"]
fn the_chart_on_a_real_kubelet_with_web_identity() {
    let image = root().join("target/image/orgtrail-operator.oci.tar");
    assert!(
        image.exists(),
        "{} is missing: `make image` builds it (make cluster-test does)",
        image.display()
    );
    let cp = ControlPlane::with_node(&[Path::new(&image)]);
    let emu = emulator_trusting(&cp);
    let aws = Aws::new(&emu);

    // As a user installs it; only the AWS endpoint (the emulator), the role and the
    // drift re-read period differ from the defaults. Without the events queue a tampered
    // setting is seen at the next re-read (default 300 s): 3 s, so that the new leader
    // is seen restoring one within the test's patience. The ServiceAccount carries the EKS
    // annotation too.
    let chart = root().join("charts/orgtrail-operator");
    helm_ok(
        Some(&cp),
        &[
            "install",
            RELEASE,
            &chart.to_string_lossy(),
            "-n",
            NAMESPACE,
            "--create-namespace",
            "--set",
            &format!("aws.endpointUrl={}", emu.url()),
            "--set",
            &format!("aws.webIdentity.roleArn={}", role_arn()),
            "--set",
            "resyncSeconds=3",
            "--set",
            &format!(
                "serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn={}",
                role_arn()
            ),
        ],
    );

    // Both replicas Running and Ready through the chart's probes; exactly one leads.
    wait_for(
        WAIT,
        "both replicas Ready",
        || (ready_pod_names(&cp).len() == 2).then_some(()),
        || diagnostics(&cp),
    );
    let first_leader = wait_for(
        WAIT,
        "a Lease holder among the pods",
        || leader(&cp),
        || diagnostics(&cp),
    );
    for pod in pods(&cp) {
        assert_eq!(pod["spec"]["nodeName"], "orgtrail-node");
        assert_confined(&cp, &pod);
    }

    // The happy path, served by the operator in the pod, with web-identity credentials only.
    cp.kubectl_ok(&["apply", "-f", &root().join("examples").to_string_lossy()]);
    wait_for(
        WAIT,
        "the examples Ready",
        || examples_ready(&cp).then_some(()),
        || diagnostics(&cp),
    );
    let calls = emu.calls();
    let exchanges: Vec<&Value> = calls
        .iter()
        .filter(|c| c["operation"] == "AssumeRoleWithWebIdentity")
        .collect();
    assert!(
        !exchanges.is_empty(),
        "the operator exchanged its token: {calls:#?}"
    );
    // The token STS accepted is the pod's ServiceAccount's, for the chart's role.
    let subject = format!("system:serviceaccount:{NAMESPACE}:{FULLNAME}");
    let state = emu.state();
    let sessions = state["sessions"].as_object().cloned().unwrap_or_default();
    assert!(
        sessions
            .values()
            .any(|s| s["web_identity"]["subject"] == subject.as_str()
                && s["web_identity"]["audience"] == "sts.amazonaws.com"
                && s["role_arn"] == role_arn().as_str()),
        "a session for {subject}: {sessions:#?}"
    );
    for call in calls.iter().filter(|c| c["service"] != "sts") {
        let key = call["access_key"].as_str().unwrap_or_default();
        assert!(
            key.starts_with("ASIA") && call["account"] == MANAGEMENT_ACCOUNT,
            "every AWS call is made with the assumed role's temporary key: {call}"
        );
    }
    let trail_arn = cp.get("orgtrails", "organization-audit").unwrap()["status"]["arn"]
        .as_str()
        .expect("OrgTrail status.arn")
        .to_owned();
    assert_eq!(aws.trail_state(&trail_arn), (true, true));

    // Trusted access disabled out of band: the pod's operator converts the trail back.
    aws.rt.block_on(async {
        aws.org
            .disable_aws_service_access()
            .service_principal("cloudtrail.amazonaws.com")
            .send()
            .await
            .expect("DisableAWSServiceAccess");
    });
    assert!(!aws.trail_state(&trail_arn).0, "AWS converted the trail");
    wait_for(
        WAIT,
        "the trail converted back to an organization trail",
        || (aws.trail_state(&trail_arn) == (true, true)).then_some(()),
        || diagnostics(&cp),
    );

    // The leader's pod deleted: the other replica takes over and keeps reconciling.
    cp.kubectl_ok(&[
        "delete",
        "pod",
        "-n",
        NAMESPACE,
        &first_leader,
        "--wait=false",
    ]);
    let second_leader = wait_for(
        WAIT,
        "another pod holding the Lease",
        || leader(&cp).filter(|l| *l != first_leader),
        || diagnostics(&cp),
    );
    aws.rt.block_on(async {
        aws.ct
            .stop_logging()
            .name(&trail_arn)
            .send()
            .await
            .expect("StopLogging");
    });
    wait_for(
        WAIT,
        "logging restarted by the new leader",
        || (aws.trail_state(&trail_arn) == (true, true)).then_some(()),
        || format!("leader {second_leader}\n{}", diagnostics(&cp)),
    );
    wait_for(
        WAIT,
        "the Deployment back to two Ready replicas",
        || (ready_pod_names(&cp).len() == 2).then_some(()),
        || diagnostics(&cp),
    );

    // STS checks the token: the ServiceAccount's token for another audience is refused;
    // for sts.amazonaws.com it is accepted.
    assert_eq!(
        aws.assume_with_token_for(&cp, "not-sts.example.com"),
        Err("InvalidIdentityToken".to_owned())
    );
    let key = aws
        .assume_with_token_for(&cp, "sts.amazonaws.com")
        .expect("accepted");
    assert!(key.starts_with("ASIA"), "{key}");

    helm_ok(
        Some(&cp),
        &["uninstall", RELEASE, "-n", NAMESPACE, "--wait"],
    );
}
