//! Unit-test fixtures: objects built from the fields a test cares about, and a world of
//! in-memory AWS in which a reconcile runs as it does in the operator (observe → plan →
//! act through the port), with no HTTP and no API server.

use std::sync::Arc;
use std::time::Duration;

use kube::core::DeserializeGuard;
use kube::runtime::reflector::{self, Store};
use kube::runtime::watcher;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::events::Note;
use super::events::recorded::Recorded;
use super::outcome::Outcome;
use crate::api::{OrgEventDataStore, OrgTrail, TrustedAccess};
use crate::aws::AwsResult;
use crate::aws::access::{Aws, AwsClients};
use crate::aws::memory::MemoryAws;
use crate::runtime::contests::Contests;
use crate::runtime::trust::TrustGate;

/// An object of a kind, built from a spec with the defaults a user would leave out.
pub struct Fixture {
    name: String,
    spec: Value,
}

impl Fixture {
    /// An OrgTrail `name` (AWS name too) logging to bucket `logs` from us-east-1.
    pub fn trail(name: &str) -> Self {
        Fixture {
            name: name.into(),
            spec: json!({ "name": name, "homeRegion": "us-east-1", "s3BucketName": "logs" }),
        }
    }

    /// An OrgEventDataStore `name` (AWS name too) in us-east-1.
    pub fn store(name: &str) -> Self {
        Fixture {
            name: name.into(),
            spec: json!({ "name": name, "homeRegion": "us-east-1" }),
        }
    }

    /// A TrustedAccess `name` declaring `state`.
    pub fn trusted_access(name: &str, state: &str) -> Self {
        Fixture {
            name: name.into(),
            spec: json!({ "state": state }),
        }
    }

    /// A DelegatedAdmin `name` registering `account`.
    pub fn delegated_admin(name: &str, account: &str) -> Self {
        Fixture {
            name: name.into(),
            spec: json!({ "accountId": account }),
        }
    }

    /// Set spec field `field` (camelCase, as in YAML).
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.spec[field] = value.into();
        self
    }

    /// The object.
    pub fn build<K: DeserializeOwned>(self) -> K {
        serde_json::from_value(json!({
            "apiVersion": "orgtrail.dev/v1alpha1",
            "metadata": { "name": self.name },
            "spec": self.spec,
        }))
        .expect("fixture does not deserialize")
    }
}

/// In-memory AWS, the operator's access to it, and its trusted-access gate.
pub struct World {
    /// The model (the management account's view), for tests to tamper with.
    pub aws: Arc<MemoryAws>,
    /// The operator's access.
    pub access: Aws,
    /// The trusted-access gate.
    pub trust: TrustGate,
    /// Corrections per object, kept across reconciles as the engine keeps them.
    pub contests: Arc<Contests>,
}

fn clients(aws: &Arc<MemoryAws>) -> AwsClients {
    AwsClients {
        organizations: aws.clone(),
        cloudtrail: aws.clone(),
    }
}

impl World {
    /// An operator with management-account credentials.
    pub fn management(trusted: bool) -> Self {
        let aws = Arc::new(MemoryAws::new(trusted));
        World {
            access: Aws::new(clients(&aws), None),
            aws,
            trust: gate(),
            contests: Default::default(),
        }
    }

    /// An operator running as delegated administrator `account` in `of`'s AWS, with a
    /// management role to assume when `management_role`.
    pub fn delegated(of: &World, account: &str, management_role: bool) -> Self {
        let own = Arc::new(of.aws.as_account(account));
        let management = management_role.then(|| clients(&of.aws));
        World {
            access: Aws::new(clients(&own), management),
            aws: of.aws.clone(),
            trust: gate(),
            contests: Default::default(),
        }
    }

    /// Trusted access disabled by hand: AWS converts organization resources.
    pub fn disable_trust(&self) {
        self.aws.disable_trust();
    }

    /// Trusted access enabled again, as the TrustedAccess controller does and records.
    pub fn enable_trust(&self) {
        self.aws.state.lock().unwrap().trusted = true;
        self.trust.record(true);
    }

    /// The AWS calls made since the last look.
    pub fn calls(&self) -> Vec<&'static str> {
        self.aws.take_calls()
    }

    /// Hand the gate a TrustedAccess cache holding `objects`, as the composition root does.
    pub fn declare(&self, objects: Vec<TrustedAccess>) {
        self.trust.watch_declared(cache(objects));
    }

    /// A reporter that records, sharing this world's corrections.
    pub fn reporter<S>(&self) -> Recorded<S> {
        Recorded {
            contests: self.contests.clone(),
            ..Recorded::default()
        }
    }

    /// One reconcile of `trail`: its outcome, and the events published.
    pub async fn trail(
        &self,
        trail: &OrgTrail,
        status: &mut crate::api::OrgTrailStatus,
    ) -> (AwsResult<Outcome>, Vec<Note>) {
        let report = self.reporter();
        let outcome =
            super::org_trail::reconcile(trail, status, &self.access, &self.trust, &report).await;
        (outcome, report.notes.into_inner().unwrap())
    }

    /// One reconcile of `store`: its outcome, and the events published.
    pub async fn store(
        &self,
        store: &OrgEventDataStore,
        status: &mut crate::api::OrgEventDataStoreStatus,
    ) -> (AwsResult<Outcome>, Vec<Note>) {
        let report = self.reporter();
        let outcome = super::org_event_data_store::reconcile(
            store,
            status,
            &self.access,
            &self.trust,
            &report,
        )
        .await;
        (outcome, report.notes.into_inner().unwrap())
    }
}

fn gate() -> TrustGate {
    TrustGate::new(None, Duration::from_secs(30))
}

/// A TrustedAccess cache after its first listing.
fn cache(objects: Vec<TrustedAccess>) -> Store<DeserializeGuard<TrustedAccess>> {
    let (reader, mut writer) = reflector::store::<DeserializeGuard<TrustedAccess>>();
    writer.apply_watcher_event(&watcher::Event::Init);
    for object in objects {
        writer.apply_watcher_event(&watcher::Event::InitApply(DeserializeGuard(Ok(object))));
    }
    writer.apply_watcher_event(&watcher::Event::InitDone);
    reader
}

/// The reasons of `notes`, in order.
pub fn reasons(notes: &[Note]) -> Vec<&'static str> {
    notes.iter().map(|n| n.reason).collect()
}

/// The reason of an outcome, and whether it is Ready.
pub fn reason(outcome: &AwsResult<Outcome>) -> &'static str {
    match outcome {
        Ok(Outcome::Ready { reason, .. })
        | Ok(Outcome::Waiting { reason, .. })
        | Ok(Outcome::Stalled { reason, .. }) => reason,
        Err(e) => panic!("reconcile failed: {e}"),
    }
}

/// Whether `outcome` is Ready.
/// The conditions the engine writes once an object at `generation` is Ready: it counts
/// as converged, so what differs in AWS next was changed there.
pub fn ready_conditions(
    generation: Option<i64>,
) -> Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::Condition> {
    let ready = Outcome::Ready {
        reason: "Ready",
        message: String::new(),
    };
    super::outcome::conditions(&ready, &[], generation, &[], &super::status::now())
}

pub fn ready(outcome: &AwsResult<Outcome>) -> bool {
    matches!(outcome, Ok(Outcome::Ready { .. }))
}
