//! One controller per kind on a shared engine. Each reconcile reads as
//! **observe** (AWS reads into a plain struct) → **plan** (a pure function of spec,
//! observation and trusted-access state: the steps to take and the status to report) →
//! **act** (the steps through the AWS port, with events). `engine` runs the watches and
//! calls [`Reconciled::reconcile`]; `status` writes what it returns.

pub mod delegated_admin;
pub mod engine;
pub mod events;
pub mod failure;
#[cfg(test)]
pub mod fixtures;
pub mod invalid;
pub mod observe_only;
pub mod org_event_data_store;
pub mod org_scoped;
pub mod org_trail;
pub mod outcome;
pub mod status;
pub mod tags;
pub mod trusted_access;

use std::fmt::Debug;
use std::future::Future;
use std::time::Duration;

use kube::Resource;
use kube::core::ClusterResourceScope;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::ManagementPolicy;
use crate::aws::AwsResult;
use crate::aws::access::Aws;
use crate::runtime::context::Context;
use crate::runtime::trust::TrustGate;
use crate::triggers::Hint;
use events::{Note, Report};
use outcome::{KindCondition, Outcome};
use status::KindStatus;

/// Field manager of every status write.
pub const MANAGER: &str = "orgtrail-operator";
/// Finalizer guarding AWS cleanup.
pub const FINALIZER: &str = "orgtrail.dev/cleanup";

/// A kind the operator reconciles.
pub trait Reconciled:
    Resource<DynamicType = (), Scope = ClusterResourceScope>
    + Clone
    + Debug
    + Serialize
    + DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// Metric label.
    const KIND: &'static str;
    /// Whether deleting the object may need AWS work (then a finalizer guards it).
    const CLEANUP: bool;
    /// Whether trusted access coming back, or any `TrustedAccess` change, must
    /// re-reconcile every object of this kind.
    const FOLLOWS_TRUSTED_ACCESS: bool;
    /// The kind's status.
    type Status: KindStatus;
    /// How long a converged object waits before AWS is read again.
    fn resync(ctx: &Context) -> Duration {
        ctx.resync()
    }
    /// The stored status.
    fn status(&self) -> Option<&Self::Status>;
    /// Whether the operator may write to AWS for this object.
    fn management_policy(&self) -> ManagementPolicy;
    /// Whether an AWS API call that touched `hint` may have changed this object's
    /// resource (then it is reconciled now). Erring towards yes costs a few reads.
    fn affected_by(&self, hint: &Hint) -> bool;
    /// Observe AWS, plan, act through `aws` (the operator's, or a dry run of it for an
    /// observe-only object) and `trust`; record what is observed in `status`. Failures a
    /// human must see come back as `Err` and are mapped by [`failure::outcome_of`].
    fn reconcile(
        &self,
        ctx: &Context,
        aws: &Aws,
        trust: &TrustGate,
        status: &mut Self::Status,
        report: &impl Report<Self::Status>,
    ) -> impl Future<Output = AwsResult<Outcome>> + Send;
    /// Kind-specific conditions derived from the observed status.
    fn kind_conditions(status: &Self::Status, outcome: &Outcome) -> Vec<KindCondition>;
    /// The object is being deleted: apply its deletion policy; the event to publish.
    fn cleanup(&self, ctx: &Context) -> impl Future<Output = AwsResult<Option<Note>>> + Send;
}
