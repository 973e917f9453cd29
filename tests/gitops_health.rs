//! GitOps health of live objects: Flux's kstatus and our Argo CD health scripts
//! (deploy/argocd/resource_customizations, run with gopher-lua like Argo CD does) must
//! agree with what the operator means by each state.
//!
//! The objects are captured from a real API server (our own control plane, see
//! tests/cluster) while the operator runs against the emulator: a fresh object with no
//! status, the four examples Ready, an OrgTrail waiting for trusted access, one stalled
//! on a bucket that does not exist, and objects being deleted while the operator is
//! stopped (so their finalizer holds them). hack/gitops judges them with the real
//! libraries; the samples are kept in target/gitops-health/ for inspection.

mod cluster;
mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use cluster::{ControlPlane, Operator, is_ready, root, run_ok, start_operator, wait_for};
use serde_json::Value;
use support::Emulator;
use support::kstatus::status_and_reason as condition;

const WAIT: Duration = Duration::from_secs(60);

/// What both tools must say about one captured object.
struct Expect {
    file: PathBuf,
    kstatus: &'static str,
    argocd: &'static str,
}

/// Builds hack/gitops into target/ (Go's build cache makes repeat builds quick).
fn gitops_health() -> PathBuf {
    let bin = root().join("target/gitops-health/bin/gitops-health");
    run_ok(
        Command::new("nice")
            .args(["-n", "10", "go", "build", "-o"])
            .arg(&bin)
            .arg(".")
            .current_dir(root().join("hack/gitops"))
            .env("GOFLAGS", "-buildvcs=false"),
    );
    bin
}

fn scripts_dir() -> PathBuf {
    root().join("deploy/argocd/resource_customizations")
}

/// Resource names are plurals: `orgtrail` is also the category of all four kinds, and
/// `kubectl get orgtrail NAME` resolves to the category.
///
/// Saves the live object `kind/name` as `<dir>/<sample>.json` (trimmed of managedFields,
/// which neither tool reads).
fn capture(cp: &ControlPlane, dir: &Path, sample: &str, kind: &str, name: &str) -> PathBuf {
    let mut obj = cp
        .get(kind, name)
        .unwrap_or_else(|| panic!("{kind}/{name} does not exist"));
    if let Some(meta) = obj["metadata"].as_object_mut() {
        meta.remove("managedFields");
    }
    let path = dir.join(format!("{sample}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&obj).unwrap()).unwrap();
    path
}

fn wait_until(
    cp: &ControlPlane,
    op: &Operator,
    kind: &str,
    name: &str,
    what: &str,
    pred: impl Fn(&Value) -> bool,
) {
    wait_for(
        WAIT,
        &format!("{kind}/{name} {what}"),
        || cp.get(kind, name).filter(|o| pred(o)),
        || {
            format!(
                "object: {:#}\noperator log tail:\n{}",
                cp.get(kind, name).unwrap_or_default(),
                tail(&op.logs())
            )
        },
    );
}

fn tail(log: &str) -> String {
    let lines: Vec<_> = log.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

fn org_trail(name: &str, bucket: &str) -> String {
    format!(
        "apiVersion: orgtrail.dev/v1alpha1
kind: OrgTrail
metadata:
  name: {name}
spec:
  name: {name}
  homeRegion: us-east-1
  s3BucketName: {bucket}
  isMultiRegionTrail: true
  isOrganizationTrail: true
  logging: true
  deletionPolicy: Delete
"
    )
}

#[test]
fn kstatus_and_argocd_health_of_live_objects() {
    let cp = ControlPlane::with_crds();
    let samples = root().join("target/gitops-health/samples");
    let _ = std::fs::remove_dir_all(&samples);
    std::fs::create_dir_all(&samples).unwrap();
    let bin = gitops_health();
    let mut expect = Vec::new();

    // A fresh object nobody has reconciled: no status at all.
    cp.kubectl_stdin(
        &["apply", "-f", "-"],
        &org_trail("gh-fresh", "orgtrail-logs"),
    );
    expect.push(Expect {
        file: capture(&cp, &samples, "fresh-orgtrail", "orgtrails", "gh-fresh"),
        kstatus: "InProgress",
        argocd: "Progressing",
    });
    cp.kubectl_ok(&["delete", "orgtrails", "gh-fresh"]);

    let emu = Emulator::start();
    let mut op = start_operator(
        &cp.kubeconfig,
        emu.url(),
        samples.join("operator.log"),
        &["--leader-election", "false"],
    );

    // Ready: the four examples.
    cp.kubectl_ok(&["apply", "-f", &root().join("examples").to_string_lossy()]);
    for (kind, name) in [
        ("trustedaccesses", "cloudtrail"),
        ("delegatedadmins", "security-tooling"),
        ("orgtrails", "organization-audit"),
        ("orgeventdatastores", "organization-lake"),
    ] {
        wait_until(&cp, &op, kind, name, "Ready", is_ready);
        expect.push(Expect {
            file: capture(&cp, &samples, &format!("ready-{kind}"), kind, name),
            kstatus: "Current",
            argocd: "Healthy",
        });
    }

    // Stalled on invalid input: the bucket does not exist; only a spec change helps.
    cp.kubectl_stdin(
        &["apply", "-f", "-"],
        &org_trail("gh-stalled", "no-such-bucket"),
    );
    wait_until(&cp, &op, "orgtrails", "gh-stalled", "Stalled", |o| {
        condition(o, "Stalled").is_some_and(|(s, _)| s == "True")
    });
    expect.push(Expect {
        file: capture(&cp, &samples, "stalled-orgtrail", "orgtrails", "gh-stalled"),
        kstatus: "Failed",
        argocd: "Degraded",
    });

    // Waiting for trusted access: declared Disabled, so a new organization trail waits
    // (Reconciling) rather than failing.
    cp.kubectl_ok(&[
        "patch",
        "trustedaccesses",
        "cloudtrail",
        "--type=merge",
        "-p",
        r#"{"spec":{"state":"Disabled","disableConfirmation":"disable"}}"#,
    ]);
    cp.kubectl_stdin(
        &["apply", "-f", "-"],
        &org_trail("gh-waiting", "orgtrail-logs"),
    );
    wait_until(
        &cp,
        &op,
        "orgtrails",
        "gh-waiting",
        "waiting for trusted access",
        |o| {
            condition(o, "Reconciling") == Some(("True".into(), "TrustedAccessDisabled".into()))
                && condition(o, "Ready").is_some_and(|(s, _)| s == "False")
        },
    );
    expect.push(Expect {
        file: capture(&cp, &samples, "waiting-orgtrail", "orgtrails", "gh-waiting"),
        kstatus: "InProgress",
        argocd: "Progressing",
    });

    // Deleting: with the operator stopped, the finalizer holds each object.
    op.stop();
    for (kind, name) in [
        ("delegatedadmins", "security-tooling"),
        ("orgtrails", "organization-audit"),
        ("orgeventdatastores", "organization-lake"),
    ] {
        cp.kubectl_ok(&["delete", kind, name, "--wait=false"]);
        let obj = cp.get(kind, name).expect("held by its finalizer");
        assert!(
            obj.pointer("/metadata/deletionTimestamp").is_some(),
            "{obj:#}"
        );
        expect.push(Expect {
            file: capture(&cp, &samples, &format!("deleting-{kind}"), kind, name),
            kstatus: "Terminating",
            argocd: "Progressing",
        });
    }

    let files: Vec<&Path> = expect.iter().map(|e| e.file.as_path()).collect();
    let out = run_ok(
        Command::new(&bin)
            .args(["check", "--scripts"])
            .arg(scripts_dir())
            .args(&files),
    );
    let verdicts: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(verdicts.len(), expect.len(), "{out}");
    let mut wrong = Vec::new();
    for (e, v) in expect.iter().zip(&verdicts) {
        let got = (
            v["kstatus"]["status"].as_str(),
            v["argocd"]["status"].as_str(),
        );
        if got != (Some(e.kstatus), Some(e.argocd)) {
            wrong.push(format!(
                "{}: want kstatus {} / Argo CD {}, got {v}",
                e.file.display(),
                e.kstatus,
                e.argocd
            ));
        }
        // Argo CD shows the message: it must carry the operator's reason.
        assert!(
            !v["argocd"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{v}"
        );
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// The shipped health_test.yaml cases (Argo CD's own test format) pass.
#[test]
fn argocd_health_test_yaml_cases_pass() {
    cluster::require_testenv();
    let out = Command::new(gitops_health())
        .arg("test-scripts")
        .arg(scripts_dir())
        .output()
        .expect("running gitops-health");
    assert!(out.status.success(), "{}", cluster::describe(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    for kind in [
        "TrustedAccess",
        "DelegatedAdmin",
        "OrgTrail",
        "OrgEventDataStore",
    ] {
        assert!(
            report.contains(&format!("orgtrail.dev/{kind} ")),
            "{kind} untested:\n{report}"
        );
    }
}
