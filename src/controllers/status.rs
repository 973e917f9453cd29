//! Status writing: by server-side apply, owned by the operator, and only when it changes.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::ResourceExt;
use kube::api::{Api, Patch, PatchParams};
use kube::core::DeserializeGuard;
use serde::Serialize;

use super::outcome::{self, Outcome};
use super::{MANAGER, Reconciled};
use crate::runtime::context::Context;
use crate::runtime::error::Result;

/// The status of every kind: kstatus conditions plus the observed generation.
pub trait KindStatus: Clone + Default + PartialEq + Serialize + Send + Sync {
    /// Conditions as last written.
    fn conditions(&self) -> &[Condition];
    /// Record the generation this status describes and its conditions.
    fn set_observed(&mut self, generation: Option<i64>, conditions: Vec<Condition>);
    /// `status.drift`: what an observe-only object would need done to match its spec.
    fn drift(&self) -> Option<&[String]>;
    /// Set `status.drift`.
    fn set_drift(&mut self, drift: Option<Vec<String>>);
    /// Forget what was observed of AWS (the fields kind conditions come from), so that an
    /// observe-only object in drift shows no condition AWS may contradict.
    fn forget_observations(&mut self);
}

/// Write `status` with its conditions for `outcome`, unless that is what is `stored` (the
/// object's status as read, or as this reconcile last wrote it): a converged object's
/// status never changes. Returns the status as it now stands.
pub async fn write_status<K: Reconciled>(
    ctx: &Context,
    obj: &K,
    stored: Option<&K::Status>,
    mut status: K::Status,
    outcome: &Outcome,
) -> Result<K::Status> {
    let generation = obj.meta().generation;
    let kind_conditions = K::kind_conditions(&status, outcome);
    let conditions = outcome::conditions(
        outcome,
        &kind_conditions,
        generation,
        status.conditions(),
        &now(),
    );
    status.set_observed(generation, conditions);
    if stored == Some(&status) {
        return Ok(status);
    }
    patch_status::<K>(ctx, &obj.name_any(), &status).await?;
    Ok(status)
}

/// Write `status` with server-side apply: deterministic, owned by the operator. Through
/// the guard type, so that the answer is read back even for an object `K` cannot read.
pub async fn patch_status<K: Reconciled>(
    ctx: &Context,
    name: &str,
    status: impl Serialize,
) -> Result<()> {
    let api = Api::<DeserializeGuard<K>>::all(ctx.client.clone());
    let patch = serde_json::json!({
        "apiVersion": K::api_version(&()),
        "kind": K::kind(&()),
        "status": status,
    });
    api.patch_status(
        name,
        &PatchParams::apply(MANAGER).force(),
        &Patch::Apply(&patch),
    )
    .await?;
    Ok(())
}

/// The four status types share the observed-generation and conditions fields.
macro_rules! kind_status {
    ($($status:ty => [$($observed:ident),*]),*) => {$(
        impl KindStatus for $status {
            fn conditions(&self) -> &[Condition] {
                &self.conditions
            }
            fn set_observed(&mut self, generation: Option<i64>, conditions: Vec<Condition>) {
                self.observed_generation = generation;
                self.conditions = conditions;
            }
            fn drift(&self) -> Option<&[String]> {
                self.drift.as_deref()
            }
            fn set_drift(&mut self, drift: Option<Vec<String>>) {
                self.drift = drift;
            }
            fn forget_observations(&mut self) {
                $(self.$observed = None;)*
            }
        }
    )*};
}
kind_status!(
    crate::api::TrustedAccessStatus => [enabled],
    crate::api::DelegatedAdminStatus => [registered],
    crate::api::OrgTrailStatus => [is_organization_trail, is_logging],
    crate::api::OrgEventDataStoreStatus => [status, organization_enabled]
);

/// Now, for condition transitions.
pub fn now() -> Time {
    Time(k8s_openapi::jiff::Timestamp::now())
}
