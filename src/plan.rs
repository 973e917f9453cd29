//! `orgtrail-operator plan -f FILE|DIR|-`: what the operator would do with these
//! manifests, for a reviewer to read before they are applied.
//!
//! Each object goes through its controller's own observe → plan → act, with the operator's
//! usual AWS credentials, but through a dry-run port (`aws::dry_run`): AWS is read, never
//! written, and nothing is written to Kubernetes either. The objects are planned in the
//! order their effects flow (TrustedAccess, DelegatedAdmin, event data stores, trails), and
//! each sees what the ones before would have done. Exit codes follow
//! `terraform plan -detailed-exitcode`: 0 no changes, 1 error, 2 changes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use kube::ResourceExt;
use serde::Serialize;
use serde_json::Value;

use crate::api::{DelegatedAdmin, OrgEventDataStore, OrgTrail, TrustedAccess};
use crate::aws::AwsResult;
use crate::aws::access::Aws;
use crate::aws::dry_run::{Journal, PlannedCall};
use crate::aws::sdk::rate_limit::Rates;
use crate::controllers::events::{Note, Report};
use crate::controllers::failure::outcome_of;
use crate::controllers::outcome::Outcome;
use crate::controllers::{delegated_admin, org_event_data_store, org_trail, trusted_access};
use crate::run::aws_access;
use crate::runtime::trust::TrustGate;

/// Nothing would change.
pub const NO_CHANGES: u8 = 0;
/// An object or AWS could not be read.
pub const ERROR: u8 = 1;
/// The operator would make AWS calls.
pub const CHANGES: u8 = 2;

/// What `plan` reads and how it prints.
pub struct PlanOptions {
    /// Files, directories (their `*.yaml`, `*.yml`, `*.json`) or `-` for stdin.
    pub files: Vec<PathBuf>,
    /// JSON instead of text.
    pub json: bool,
    /// AWS region (as `run`).
    pub region: Option<String>,
    /// Endpoint override (as `run`).
    pub endpoint_url: Option<String>,
    /// Management-account role (as `run`).
    pub management_role_arn: Option<String>,
}

/// The plan of one object.
#[derive(Debug, Serialize)]
pub struct ObjectPlan {
    /// Kind.
    pub kind: &'static str,
    /// Object name.
    pub name: String,
    /// The AWS calls that would change something, in order.
    pub calls: Vec<PlannedCall>,
    /// The events the operator would publish.
    pub events: Vec<PlannedEvent>,
    /// The status it would report afterwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<PlannedOutcome>,
    /// Why it could not be planned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// An event the operator would publish.
#[derive(Debug, Serialize)]
pub struct PlannedEvent {
    /// `Normal` or `Warning`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Reason.
    pub reason: &'static str,
    /// Message.
    pub message: String,
}

/// The `Ready` condition the operator would report.
#[derive(Debug, Serialize)]
pub struct PlannedOutcome {
    /// `Ready`, `Waiting` (for a prerequisite that comes by itself) or `Stalled`.
    pub state: &'static str,
    /// Reason.
    pub reason: &'static str,
    /// Message.
    pub message: String,
}

impl From<&Outcome> for PlannedOutcome {
    fn from(o: &Outcome) -> Self {
        let (state, reason, message) = match o {
            Outcome::Ready { reason, message } => ("Ready", reason, message),
            Outcome::Waiting { reason, message } => ("Waiting", reason, message),
            Outcome::Stalled {
                reason, message, ..
            } => ("Stalled", reason, message),
        };
        PlannedOutcome {
            state,
            reason,
            message: message.clone(),
        }
    }
}

/// The whole plan, as `-o json` prints it.
#[derive(Debug, Serialize)]
pub struct PlanReport {
    /// One entry per object, in planning order.
    pub objects: Vec<ObjectPlan>,
    /// AWS calls in all.
    pub changes: usize,
    /// Objects that could not be planned.
    pub errors: usize,
}

impl PlanReport {
    /// The exit code.
    pub fn exit_code(&self) -> u8 {
        if self.errors > 0 {
            ERROR
        } else if self.changes > 0 {
            CHANGES
        } else {
            NO_CHANGES
        }
    }
}

/// Read the manifests, plan them, print the plan; the exit code.
pub async fn plan(opts: PlanOptions) -> anyhow::Result<u8> {
    let objects = Manifests::read(&opts.files)?;
    let journal = Arc::new(Journal::default());
    let (aws, _) = aws_access(
        opts.region.clone(),
        opts.endpoint_url.clone(),
        opts.management_role_arn.as_deref(),
        None,
        Rates::DEFAULT,
    )
    .await?;
    let aws = aws.dry_run(journal.clone());
    let report = objects.plan(&aws, &journal).await;
    if opts.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", text(&report));
    }
    Ok(report.exit_code())
}

/// The orgtrail.dev objects of the manifests, in planning order.
#[derive(Default)]
struct Manifests {
    trusted_access: Vec<TrustedAccess>,
    delegated_admins: Vec<DelegatedAdmin>,
    stores: Vec<OrgEventDataStore>,
    trails: Vec<OrgTrail>,
}

impl Manifests {
    fn read(paths: &[PathBuf]) -> anyhow::Result<Manifests> {
        let mut m = Manifests::default();
        for path in paths {
            for (source, text) in sources(path)? {
                let docs: Vec<Value> = serde_saphyr::from_multiple(&text)
                    .with_context(|| format!("{source}: not YAML"))?;
                for doc in docs.into_iter().filter(|d| !d.is_null()) {
                    m.add(doc).with_context(|| source.clone())?;
                }
            }
        }
        Ok(m)
    }

    /// Keep `doc` if it is ours; anything else (a Namespace, a Secret) is not planned.
    fn add(&mut self, doc: Value) -> anyhow::Result<()> {
        let api_version = doc["apiVersion"].as_str().unwrap_or_default();
        if !api_version.starts_with("orgtrail.dev/") {
            return Ok(());
        }
        let kind = doc["kind"].as_str().unwrap_or_default().to_owned();
        let name = doc["metadata"]["name"].as_str().unwrap_or("?").to_owned();
        let bad = |e: serde_json::Error| anyhow::anyhow!("{kind} {name}: {e}");
        match kind.as_str() {
            "TrustedAccess" => self
                .trusted_access
                .push(serde_json::from_value(doc).map_err(bad)?),
            "DelegatedAdmin" => self
                .delegated_admins
                .push(serde_json::from_value(doc).map_err(bad)?),
            "OrgEventDataStore" => self.stores.push(serde_json::from_value(doc).map_err(bad)?),
            "OrgTrail" => self.trails.push(serde_json::from_value(doc).map_err(bad)?),
            other => anyhow::bail!("{other} {name}: not a kind of {api_version}"),
        }
        Ok(())
    }

    async fn plan(&self, aws: &Aws, journal: &Journal) -> PlanReport {
        let trust = self.trust_gate();
        let regions: Vec<String> = self
            .stores
            .iter()
            .map(|s| s.spec.home_region.clone())
            .collect();
        let mut objects = vec![];
        for ta in &self.trusted_access {
            let mut status = ta.status.clone().unwrap_or_default();
            let (r, regions) = (Collected::default(), regions.clone());
            let result =
                trusted_access::reconcile(ta, &mut status, aws, &trust, async { regions }, &r)
                    .await;
            objects.push(r.finish("TrustedAccess", ta.name_any(), journal, result));
        }
        for da in &self.delegated_admins {
            let mut status = da.status.clone().unwrap_or_default();
            let r = Collected::default();
            let result = delegated_admin::reconcile(da, &mut status, aws, &r).await;
            objects.push(r.finish("DelegatedAdmin", da.name_any(), journal, result));
        }
        for store in &self.stores {
            let mut status = store.status.clone().unwrap_or_default();
            let r = Collected::default();
            let result = org_event_data_store::reconcile(store, &mut status, aws, &trust, &r).await;
            objects.push(r.finish("OrgEventDataStore", store.name_any(), journal, result));
        }
        for trail in &self.trails {
            let mut status = trail.status.clone().unwrap_or_default();
            let r = Collected::default();
            let result = org_trail::reconcile(trail, &mut status, aws, &trust, &r).await;
            objects.push(r.finish("OrgTrail", trail.name_any(), journal, result));
        }
        PlanReport {
            changes: objects.iter().map(|o| o.calls.len()).sum(),
            errors: objects.iter().filter(|o| o.error.is_some()).count(),
            objects,
        }
    }

    /// A trust gate that knows the declared TrustedAccess objects (a `Disabled` one keeps
    /// account-level trails and stores where they are) and never asks Kubernetes.
    fn trust_gate(&self) -> TrustGate {
        TrustGate::declaring(self.trusted_access.clone(), Duration::from_secs(30))
    }
}

/// `(where it came from, its text)` for each manifest file under `path`.
fn sources(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading stdin")?;
        return Ok(vec![("stdin".into(), text)]);
    }
    let read =
        |p: &Path| std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()));
    if !path.is_dir() {
        return Ok(vec![(path.display().to_string(), read(path)?)]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("reading {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| Ok((p.display().to_string(), read(p)?)))
        .collect()
}

/// Collects what act reports: events, never status writes.
#[derive(Default)]
struct Collected {
    notes: Mutex<Vec<Note>>,
}

impl<S: Sync> Report<S> for Collected {
    async fn note(&self, note: Note) {
        self.notes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(note);
    }

    async fn checkpoint(&self, _: &S, _: &Outcome) {}

    fn corrected(&self, _: &[&'static str]) -> Vec<&'static str> {
        vec![]
    }
}

impl Collected {
    /// What one object's reconcile would have done: the calls the journal recorded since
    /// the previous object, the events, the outcome (or why there is none).
    fn finish(
        self,
        kind: &'static str,
        name: String,
        journal: &Journal,
        result: AwsResult<Outcome>,
    ) -> ObjectPlan {
        let (outcome, error) = match result.map_err(outcome_of) {
            Ok(outcome) | Err(Ok(outcome)) => (Some(PlannedOutcome::from(&outcome)), None),
            Err(Err(e)) => (None, Some(e.to_string())),
        };
        let notes = self.notes.into_inner().unwrap_or_else(|e| e.into_inner());
        ObjectPlan {
            kind,
            name,
            calls: journal.take(),
            events: notes
                .into_iter()
                .map(|n| PlannedEvent {
                    type_: format!("{:?}", n.type_),
                    reason: n.reason,
                    message: n.message,
                })
                .collect(),
            outcome,
            error,
        }
    }
}

/// The plan as people read it.
pub fn text(report: &PlanReport) -> String {
    let mut out = String::new();
    for o in &report.objects {
        out.push_str(&format!("{} {}\n", o.kind, o.name));
        if o.calls.is_empty() && o.error.is_none() {
            out.push_str("  no changes\n");
        }
        for c in &o.calls {
            let region = c
                .region
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default();
            let creds = if c.credentials == "management" {
                " [management role]"
            } else {
                ""
            };
            out.push_str(&format!(
                "  + {}:{} {}{region}{creds}\n",
                c.service, c.operation, c.target
            ));
            for change in &c.changes {
                out.push_str(&format!("      {change}\n"));
            }
        }
        for e in &o.events {
            out.push_str(&format!(
                "  event {} {}: {}\n",
                e.type_, e.reason, e.message
            ));
        }
        if let Some(outcome) = &o.outcome {
            out.push_str(&format!(
                "  then {} ({}): {}\n",
                outcome.state, outcome.reason, outcome.message
            ));
        }
        if let Some(e) = &o.error {
            out.push_str(&format!("  error: {e}\n"));
        }
    }
    let changed = report
        .objects
        .iter()
        .filter(|o| !o.calls.is_empty())
        .count();
    out.push_str(&format!(
        "\nPlan: {} AWS call{} for {changed} of {} object{}",
        report.changes,
        if report.changes == 1 { "" } else { "s" },
        report.objects.len(),
        if report.objects.len() == 1 { "" } else { "s" },
    ));
    if report.errors > 0 {
        out.push_str(&format!("; {} could not be planned", report.errors));
    }
    out.push_str(".\n");
    out
}
