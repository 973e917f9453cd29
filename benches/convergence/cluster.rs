//! The test control plane through kube-rs: create objects, watch them become Ready
//! (recording when the watch said so), and remove everything between scenarios.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use futures::StreamExt;
use kube::api::{Api, ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::runtime::{WatchStreamExt, watcher};
use orgtrail_operator::api::{OrgEventDataStore, OrgTrail, TrustedAccess};
use serde_json::{Value, json};

pub const TRAIL: &str = "OrgTrail";
pub const STORE: &str = "OrgEventDataStore";
pub const TRUSTED_ACCESS: &str = "TrustedAccess";

fn resource(kind: &str) -> ApiResource {
    match kind {
        TRAIL => ApiResource::erase::<OrgTrail>(&()),
        STORE => ApiResource::erase::<OrgEventDataStore>(&()),
        _ => ApiResource::erase::<TrustedAccess>(&()),
    }
}

/// `kind/name` -> the wall-clock moment a watch event first showed Ready=True for the
/// object's current generation.
type ReadyTimes = Arc<Mutex<HashMap<String, SystemTime>>>;

pub struct Cluster {
    client: kube::Client,
    ready: ReadyTimes,
}

impl Cluster {
    /// Connect with `KUBECONFIG` and start watching the three kinds.
    pub async fn connect() -> Cluster {
        let client = kube::Client::try_default()
            .await
            .expect("Kubernetes client from KUBECONFIG (run through `make bench`)");
        let ready = ReadyTimes::default();
        for kind in [TRAIL, STORE, TRUSTED_ACCESS] {
            let api = Api::<DynamicObject>::all_with(client.clone(), &resource(kind));
            let ready = ready.clone();
            tokio::spawn(async move {
                let mut events = watcher(api, watcher::Config::default())
                    .default_backoff()
                    .applied_objects()
                    .boxed();
                while let Some(event) = events.next().await {
                    let Ok(obj) = event else { continue };
                    if is_ready(&obj) {
                        let key = format!("{kind}/{}", obj.metadata.name.unwrap_or_default());
                        let mut map = ready.lock().expect("ready map");
                        map.entry(key).or_insert_with(SystemTime::now);
                    }
                }
            });
        }
        Cluster { client, ready }
    }

    fn api(&self, kind: &str) -> Api<DynamicObject> {
        Api::all_with(self.client.clone(), &resource(kind))
    }

    /// Create `kind/name` with `spec`; the wall-clock moment just before the request.
    pub async fn create(&self, kind: &str, name: &str, spec: Value) -> SystemTime {
        let obj: DynamicObject = serde_json::from_value(json!({
            "apiVersion": "orgtrail.dev/v1alpha1",
            "kind": kind,
            "metadata": {"name": name},
            "spec": spec,
        }))
        .expect("object JSON");
        let at = SystemTime::now();
        self.api(kind)
            .create(&Default::default(), &obj)
            .await
            .unwrap_or_else(|e| panic!("creating {kind}/{name}: {e}"));
        at
    }

    /// When the watch first saw `kind/name` Ready (for its current generation).
    pub fn ready_at(&self, kind: &str, name: &str) -> Option<SystemTime> {
        self.ready
            .lock()
            .expect("ready map")
            .get(&format!("{kind}/{name}"))
            .copied()
    }

    /// Wait until every `kind/name` in `keys` was seen Ready; `Err` says how many were
    /// not, after `timeout`.
    pub async fn wait_ready(
        &self,
        keys: &[(&str, String)],
        timeout: Duration,
    ) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let missing = keys
                .iter()
                .filter(|(k, n)| self.ready_at(k, n).is_none())
                .count();
            if missing == 0 {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{missing} of {} objects not Ready within {timeout:?}",
                    keys.len()
                ));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Delete one object (finalizers dropped first: the operator must not act on it).
    pub async fn delete(&self, kind: &str, name: &str) {
        let api = self.api(kind);
        let unfinalize = json!({"metadata": {"finalizers": null}});
        let _ = api
            .patch(name, &PatchParams::default(), &Patch::Merge(&unfinalize))
            .await;
        let _ = api.delete(name, &DeleteParams::default()).await;
        let deadline = Instant::now() + Duration::from_secs(60);
        while api.get_opt(name).await.expect("get object").is_some() {
            assert!(Instant::now() < deadline, "{kind}/{name} remains after 60s");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Remove every orgtrail object without an operator: drop finalizers, delete, wait
    /// until none is left, forget the recorded Ready times.
    pub async fn clean(&self) {
        let unfinalize = json!({"metadata": {"finalizers": null}});
        for kind in [TRAIL, STORE, TRUSTED_ACCESS] {
            let api = self.api(kind);
            let list = api
                .list(&ListParams::default())
                .await
                .expect("list objects");
            for obj in list.items {
                let name = obj.metadata.name.unwrap_or_default();
                let _ = api
                    .patch(&name, &PatchParams::default(), &Patch::Merge(&unfinalize))
                    .await;
            }
            api.delete_collection(&DeleteParams::default(), &ListParams::default())
                .await
                .expect("delete objects");
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        for kind in [TRAIL, STORE, TRUSTED_ACCESS] {
            let api = self.api(kind);
            while !api
                .list(&ListParams::default().limit(1))
                .await
                .expect("list objects")
                .items
                .is_empty()
            {
                assert!(Instant::now() < deadline, "{kind} objects remain after 60s");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        self.ready.lock().expect("ready map").clear();
    }
}

/// Ready=True with status.observedGeneration equal to metadata.generation.
fn is_ready(obj: &DynamicObject) -> bool {
    let status = &obj.data["status"];
    let current = status["observedGeneration"].as_i64() == obj.metadata.generation;
    current
        && status["conditions"].as_array().is_some_and(|cs| {
            cs.iter()
                .any(|c| c["type"] == "Ready" && c["status"] == "True")
        })
}

/// The OrgTrail spec of the benchmark: an organization trail, logging, defaults for the
/// rest (multi-region, global service events, log file validation).
pub fn trail_spec(name: &str) -> Value {
    json!({
        "name": name,
        "homeRegion": "us-east-1",
        "s3BucketName": "orgtrail-logs",
        "advancedEventSelectors": [{
            "name": "Management events",
            "fieldSelectors": [{"field": "eventCategory", "equals": ["Management"]}],
        }],
        "tags": {"team": "security"},
    })
}

/// The OrgEventDataStore spec of the benchmark: organization-enabled, ingesting.
pub fn store_spec(name: &str) -> Value {
    json!({
        "name": name,
        "homeRegion": "us-east-1",
        "organizationEnabled": true,
        "retentionPeriod": 366,
        "tags": {"team": "security"},
    })
}

pub fn trusted_access_spec() -> Value {
    json!({"servicePrincipal": "cloudtrail.amazonaws.com", "state": "Enabled"})
}
