//! The Helm chart against a real API server (our own control plane, see tests/cluster):
//! lint, schema, server-side dry-run, install, and the operator running with the chart's
//! ServiceAccount identity (a TokenRequest token) through the happy path — then the same
//! with one RBAC rule removed, which must fail, and `helm upgrade`, which must repair it.

mod cluster;
mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use cluster::{
    ControlPlane, Operator, describe, helm, helm_ok, is_ready, root, start_operator, wait_for,
};
use serde_json::Value;
use support::Emulator;

const NAMESPACE: &str = "orgtrail-system";
const RELEASE: &str = "orgtrail";
/// `<release>-<chart>`, the chart's full name and default ServiceAccount name.
const FULLNAME: &str = "orgtrail-orgtrail-operator";
const LEASE: &str = "orgtrail-operator-leader";
const WAIT: Duration = Duration::from_secs(60);

/// The four examples, by plural resource name (`orgtrail` alone is the category of all
/// four kinds, so `kubectl get orgtrail NAME` would not mean the OrgTrail).
const EXAMPLES: [(&str, &str); 4] = [
    ("trustedaccesses", "cloudtrail"),
    ("delegatedadmins", "security-tooling"),
    ("orgtrails", "organization-audit"),
    ("orgeventdatastores", "organization-lake"),
];

fn chart() -> PathBuf {
    root().join("charts/orgtrail-operator")
}

#[test]
fn chart_crds_are_the_generated_ones() {
    let names = |dir: PathBuf| -> BTreeSet<String> {
        std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let generated = names(root().join("crds"));
    let shipped = names(chart().join("files/crds"));
    assert_eq!(
        generated, shipped,
        "charts/orgtrail-operator/files/crds vs crds/"
    );
    for name in &generated {
        let a = std::fs::read_to_string(root().join("crds").join(name)).unwrap();
        let b = std::fs::read_to_string(chart().join("files/crds").join(name)).unwrap();
        assert!(
            a == b,
            "charts/orgtrail-operator/files/crds/{name} differs from crds/{name}; \
             run `cp crds/*.yaml charts/orgtrail-operator/files/crds/`"
        );
    }
}

#[test]
fn chart_lints_and_rejects_unknown_values() {
    cluster::require_testenv();
    helm_ok(None, &["lint", "--strict", &chart().to_string_lossy()]);
    // A typo in a value fails with a message naming it (values.schema.json).
    let out = helm(
        None,
        &[
            "template",
            "x",
            &chart().to_string_lossy(),
            "--set",
            "replica=3",
        ],
    );
    assert!(!out.status.success(), "a typo in values must fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("replica"), "{err}");
    // Templates render with every optional part switched on and off.
    for set in [
        "metrics.serviceMonitor.enabled=true,aws.managementRoleArn=arn:aws:iam::111111111111:role/m,\
         events.queueUrl=https://sqs.eu-west-1.amazonaws.com/111111111111/q,resyncSeconds=600,\
         trustedAccessResyncSeconds=60",
        "crds.install=false,rbac.create=false,serviceAccount.create=false,serviceAccount.name=sa,\
         metrics.service.enabled=false,podDisruptionBudget.enabled=false,leaderElection.enabled=false,replicas=1",
    ] {
        helm_ok(
            None,
            &["template", "x", &chart().to_string_lossy(), "--set", set],
        );
    }
    let out = helm(
        None,
        &[
            "template",
            "x",
            &chart().to_string_lossy(),
            "--set",
            "aws.region=nowhere",
        ],
    );
    assert!(!out.status.success(), "an invalid region must fail");
}

/// The operator container's environment (name → value) as `helm template` renders the
/// Deployment with these `--set`s.
fn rendered_env(sets: &[&str]) -> BTreeMap<String, String> {
    let chart = chart().to_string_lossy().into_owned();
    let mut args = vec![
        "template",
        "x",
        &chart,
        "--show-only",
        "templates/deployment.yaml",
    ];
    for set in sets {
        args.extend(["--set", *set]);
    }
    let yaml = helm_ok(None, &args);
    let deployment: Value =
        serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{e}:\n{yaml}"));
    deployment
        .pointer("/spec/template/spec/containers/0/env")
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no env in\n{yaml}"))
        .iter()
        .filter_map(|e| Some((e["name"].as_str()?.into(), e["value"].as_str()?.into())))
        .collect()
}

#[test]
fn chart_events_queue_and_resync_periods() {
    cluster::require_testenv();
    const QUEUE: &str = "ORGTRAIL_EVENTS_QUEUE_URL";
    const RESYNC: &str = "ORGTRAIL_RESYNC_SECONDS";
    const TRUSTED: &str = "ORGTRAIL_TRUSTED_ACCESS_RESYNC_SECONDS";
    let url = "https://sqs.eu-west-1.amazonaws.com/111111111111/orgtrail-operator-events";
    let with_url = format!("events.queueUrl={url}");

    // By default events are off and no period is set: the operator picks its own, which
    // depend on whether events are on (a fixed chart default would pin the events-off
    // 300 s and make the events-on 1-hour safety net unreachable).
    let env = rendered_env(&[]);
    for name in [QUEUE, RESYNC, TRUSTED] {
        assert!(
            !env.contains_key(name),
            "{name} rendered by default: {env:?}"
        );
    }

    let env = rendered_env(&[with_url.as_str()]);
    assert_eq!(env.get(QUEUE).map(String::as_str), Some(url), "{env:?}");
    assert!(
        !env.contains_key(RESYNC) && !env.contains_key(TRUSTED),
        "{env:?}"
    );

    // Explicit periods are passed as before, with or without events.
    for sets in [
        &["resyncSeconds=600", "trustedAccessResyncSeconds=20"][..],
        &[
            "resyncSeconds=600",
            "trustedAccessResyncSeconds=20",
            with_url.as_str(),
        ],
    ] {
        let env = rendered_env(sets);
        assert_eq!(env.get(RESYNC).map(String::as_str), Some("600"), "{env:?}");
        assert_eq!(env.get(TRUSTED).map(String::as_str), Some("20"), "{env:?}");
    }

    // Not a queue URL (a name or an ARN), a zero period, a misspelt key: the install fails.
    for bad in [
        "events.queueUrl=orgtrail-operator-events",
        "events.queueUrl=arn:aws:sqs:eu-west-1:111111111111:orgtrail-operator-events",
        "resyncSeconds=0",
        "trustedAccessResyncSeconds=0",
        "events.queueURL=x",
    ] {
        let out = helm(
            None,
            &["template", "x", &chart().to_string_lossy(), "--set", bad],
        );
        assert!(!out.status.success(), "--set {bad} must fail");
    }
}

/// `kubectl auth can-i` as the chart's ServiceAccount.
fn can_i(cp: &ControlPlane, args: &[&str]) -> bool {
    let who = format!("--as=system:serviceaccount:{NAMESPACE}:{FULLNAME}");
    let mut full = vec!["auth", "can-i", who.as_str()];
    full.extend_from_slice(args);
    let out = cp.kubectl(&full);
    match String::from_utf8_lossy(&out.stdout).trim() {
        "yes" => true,
        "no" => false,
        _ => panic!("kubectl {full:?}: {}", describe(&out)),
    }
}

fn objects_ready(cp: &ControlPlane, objects: &[(&str, &str)]) -> bool {
    objects
        .iter()
        .all(|(kind, name)| cp.get(kind, name).is_some_and(|o| is_ready(&o)))
}

fn states(cp: &ControlPlane, objects: &[(&str, &str)], op: &Operator) -> String {
    let mut out = String::new();
    for (kind, name) in objects {
        out += &format!(
            "{kind}/{name}: {:#}\n",
            cp.get(kind, name).unwrap_or_default()
        );
    }
    let logs = op.logs();
    let lines: Vec<_> = logs.lines().collect();
    out + "operator log tail:\n" + &lines[lines.len().saturating_sub(40)..].join("\n")
}

#[test]
fn operator_runs_as_the_charts_service_account() {
    let cp = ControlPlane::start();
    cp.kubectl_ok(&["create", "namespace", NAMESPACE]);
    let chart = chart().to_string_lossy().into_owned();

    // Everything the chart renders is accepted by the API server.
    let rendered = helm_ok(None, &["template", RELEASE, &chart, "-n", NAMESPACE]);
    cp.kubectl_stdin(&["apply", "--dry-run=server", "-f", "-"], &rendered);

    helm_ok(Some(&cp), &["install", RELEASE, &chart, "-n", NAMESPACE]);
    cp.kubectl_ok(&[
        "wait",
        "--for=condition=established",
        "--timeout=60s",
        "crd",
        "--all",
    ]);
    let crd = cp
        .get("crd", "orgtrails.orgtrail.dev")
        .expect("chart installed the CRDs");
    assert_eq!(
        crd.pointer("/metadata/annotations/helm.sh~1resource-policy"),
        Some(&Value::from("keep")),
        "CRDs survive helm uninstall"
    );

    // Least privilege, as the API server's authorizer sees it.
    for allowed in [
        &["list", "orgtrails.orgtrail.dev"][..],
        &["watch", "trustedaccesses.orgtrail.dev"],
        &["patch", "orgtrails.orgtrail.dev/x", "--subresource=status"],
        &["patch", "delegatedadmins.orgtrail.dev"],
        &["create", "events.events.k8s.io", "-n", "default"],
        &["patch", "events.events.k8s.io", "-n", "default"],
        &["create", "leases.coordination.k8s.io", "-n", NAMESPACE],
        &[
            "patch",
            &format!("leases.coordination.k8s.io/{LEASE}"),
            "-n",
            NAMESPACE,
        ],
    ] {
        assert!(can_i(&cp, allowed), "the operator needs {allowed:?}");
    }
    for denied in [
        &["create", "orgtrails.orgtrail.dev"][..],
        &["delete", "orgtrails.orgtrail.dev"],
        &["get", "orgtrails.orgtrail.dev"],
        &["update", "orgtrails.orgtrail.dev/x", "--subresource=status"],
        // TrustedAccess holds no finalizer: no patch of the object itself.
        &["patch", "trustedaccesses.orgtrail.dev"],
        &["get", "secrets", "-n", NAMESPACE],
        &["create", "events.events.k8s.io", "-n", NAMESPACE],
        &["delete", "events.events.k8s.io", "-n", "default"],
        &[
            "patch",
            "leases.coordination.k8s.io/someone-elses",
            "-n",
            NAMESPACE,
        ],
        &[
            "delete",
            &format!("leases.coordination.k8s.io/{LEASE}"),
            "-n",
            NAMESPACE,
        ],
        &["list", "leases.coordination.k8s.io", "-n", "kube-system"],
    ] {
        assert!(
            !can_i(&cp, denied),
            "the operator must not be allowed {denied:?}"
        );
    }

    // The happy path, as the ServiceAccount, with leader election on.
    let kubeconfig = cp.service_account_kubeconfig(NAMESPACE, FULLNAME);
    let emu = Emulator::start();
    let logs = root().join("target/chart-test");
    std::fs::create_dir_all(&logs).unwrap();
    let start = |name: &str| {
        let mut cmd_log = logs.join(name);
        cmd_log.set_extension("log");
        start_operator(
            &kubeconfig,
            emu.url(),
            cmd_log,
            &["--lease-namespace", NAMESPACE, "--lease-name", LEASE],
        )
    };
    let mut op = start("operator");
    cp.kubectl_ok(&["apply", "-f", &root().join("examples").to_string_lossy()]);
    wait_for(
        WAIT,
        "all four examples Ready under the chart's RBAC",
        || objects_ready(&cp, &EXAMPLES).then_some(()),
        || states(&cp, &EXAMPLES, &op),
    );
    let lease = cp.kubectl_ok(&[
        "get",
        "lease",
        LEASE,
        "-n",
        NAMESPACE,
        "-o",
        "jsonpath={.spec.holderIdentity}",
    ]);
    assert!(!lease.trim().is_empty(), "the operator holds the Lease");
    let events: Value = serde_json::from_str(&cp.kubectl_ok(&[
        "get",
        "events.events.k8s.io",
        "-n",
        "default",
        "-o",
        "json",
    ]))
    .unwrap();
    let ours = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["reportingController"] == "orgtrail-operator")
        .count();
    assert!(ours > 0, "the operator recorded events: {events:#}");
    assert_policy_covers(&emu.calls());
    assert!(
        !op.logs().contains("forbidden"),
        "no request was forbidden:\n{}",
        op.logs()
    );
    op.stop();

    // Drop one rule (status writes) from the installed ClusterRole: the happy path breaks.
    let mut role = cp.get("clusterrole", FULLNAME).expect("ClusterRole");
    let rules = role["rules"].as_array_mut().unwrap();
    let before = rules.len();
    rules.retain(|r| !r["resources"].to_string().contains("/status"));
    assert_eq!(rules.len(), before - 1, "exactly one status rule");
    cp.kubectl_stdin(&["replace", "-f", "-"], &role.to_string());
    assert!(!can_i(
        &cp,
        &["patch", "orgtrails.orgtrail.dev/x", "--subresource=status"]
    ));
    let broken = [("orgtrails", "chart-rbac-probe")];
    let mut op = start("operator-without-status-rule");
    cp.kubectl_stdin(&["apply", "-f", "-"], &probe_trail(broken[0].1));
    // The operator does act on it (the finalizer is added) but cannot report.
    wait_for(
        WAIT,
        "the operator to act on the probe and be forbidden to write its status",
        || {
            let obj = cp.get(broken[0].0, broken[0].1)?;
            let finalized = obj.pointer("/metadata/finalizers").is_some();
            (finalized && op.logs().contains("forbidden")).then_some(())
        },
        || states(&cp, &broken, &op),
    );
    std::thread::sleep(Duration::from_secs(5));
    let obj = cp.get(broken[0].0, broken[0].1).unwrap();
    assert!(
        obj.pointer("/status/conditions").is_none() && !is_ready(&obj),
        "without the status rule no status may be written: {obj:#}"
    );

    // helm upgrade restores the rule; the same operator process then converges.
    helm_ok(Some(&cp), &["upgrade", RELEASE, &chart, "-n", NAMESPACE]);
    assert!(can_i(
        &cp,
        &["patch", "orgtrails.orgtrail.dev/x", "--subresource=status"]
    ));
    wait_for(
        WAIT,
        "the probe Ready after helm upgrade restored the rule",
        || objects_ready(&cp, &broken).then_some(()),
        || states(&cp, &broken, &op),
    );
    op.stop();
}

/// Every AWS call the operator made (the emulator's call log) is an action that
/// docs/iam-policy.json allows; sts:GetCallerIdentity needs no permission.
fn assert_policy_covers(calls: &[Value]) {
    let text = std::fs::read_to_string(root().join("docs/iam-policy.json")).unwrap();
    let policy: Value = serde_json::from_str(&text).expect("docs/iam-policy.json is JSON");
    let mut allowed = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("Statement list") {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        match &statement["Action"] {
            Value::String(a) => {
                allowed.insert(a.to_lowercase());
            }
            Value::Array(list) => {
                allowed.extend(list.iter().map(|a| a.as_str().unwrap().to_lowercase()));
            }
            other => panic!("Action {other}"),
        }
    }
    assert!(!calls.is_empty(), "the emulator saw the operator's calls");
    let missing: BTreeSet<String> = calls
        .iter()
        .map(|c| {
            format!(
                "{}:{}",
                c["service"].as_str().unwrap(),
                c["operation"].as_str().unwrap()
            )
            .to_lowercase()
        })
        .filter(|a| a != "sts:getcalleridentity" && !allowed.contains(a))
        .collect();
    assert!(
        missing.is_empty(),
        "called but not in docs/iam-policy.json: {missing:?}"
    );
}

fn probe_trail(name: &str) -> String {
    format!(
        "apiVersion: orgtrail.dev/v1alpha1
kind: OrgTrail
metadata:
  name: {name}
spec:
  name: {name}
  homeRegion: us-east-1
  s3BucketName: orgtrail-logs
  isMultiRegionTrail: true
  isOrganizationTrail: true
  logging: true
  deletionPolicy: Delete
"
    )
}
