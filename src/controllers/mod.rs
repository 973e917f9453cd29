//! One controller per kind, sharing the plumbing in this module: the guarded watch, the
//! finalizer, status by server-side apply, events, backoff, and the mapping from AWS
//! failures to what users see.

pub mod conditions;
pub mod delegated_admin;
pub mod invalid;
pub mod org_event_data_store;
pub mod org_trail;
pub mod tags;
pub mod trusted_access;

use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{Condition, Time};
use kube::api::{Api, Patch, PatchParams};
use kube::core::{ClusterResourceScope, DeserializeGuard};
use kube::runtime::controller::{Action, Controller};
use kube::runtime::events::{Event, EventType};
use kube::runtime::finalizer::{Event as Finalized, finalizer};
use kube::runtime::reflector::{ObjectRef, Store};
use kube::runtime::{Predicate, WatchStreamExt, predicates, reflector, watcher};
use kube::{Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::TrustedAccess;
use crate::aws::{AwsError, AwsResult, ErrorKind, Prerequisite};
use crate::runtime::context::Context;
use crate::runtime::error::{Error, Result};
use conditions::{Extra, Health};

/// Field manager of every status write.
pub const MANAGER: &str = "orgtrail-operator";
/// Finalizer guarding AWS cleanup.
pub const FINALIZER: &str = "orgtrail.dev/cleanup";

/// The status of every kind: kstatus conditions plus the observed generation.
pub trait KindStatus: Clone + Default + PartialEq + Serialize + Send + Sync {
    /// Conditions as last written.
    fn conditions(&self) -> &[Condition];
    /// Record the generation this status describes and its conditions.
    fn set_observed(&mut self, generation: Option<i64>, conditions: Vec<Condition>);
}

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
    /// Whether a change of any `TrustedAccess` must re-reconcile every object of this kind.
    const FOLLOWS_TRUSTED_ACCESS: bool;
    /// The kind's status.
    type Status: KindStatus;
    /// How long a converged object waits before AWS is read again.
    fn resync(ctx: &Context) -> Duration {
        ctx.settings.resync
    }
    /// Offered the controller's cache of objects of this kind when the controller starts.
    fn share_store(_ctx: &Context, _store: Store<DeserializeGuard<Self>>) {}
    /// The stored status.
    fn status(&self) -> Option<&Self::Status>;
    /// Read AWS and make it match the object, recording what is observed in `status`.
    /// Failures a human must see come back as `Err` and are mapped by [`health_of`].
    fn converge(
        &self,
        ctx: &Context,
        status: &mut Self::Status,
    ) -> impl Future<Output = AwsResult<Health>> + Send;
    /// Kind-specific conditions derived from the observed status.
    fn extras(status: &Self::Status, health: &Health) -> Vec<Extra>;
    /// The object is being deleted: apply its deletion policy.
    fn cleanup(obj: Arc<Self>, ctx: Arc<Context>) -> impl Future<Output = Result<Action>> + Send;
}

/// Converge, then write the status once; when to look again follows from the outcome.
async fn apply<K: Reconciled>(obj: Arc<K>, ctx: Arc<Context>) -> Result<Action> {
    let mut status = obj.status().cloned().unwrap_or_default();
    let health = match obj.converge(&ctx, &mut status).await {
        Ok(health) => health,
        Err(e) => {
            // Refused for lack of trusted access: remember it is off, so its return is
            // watched for (Context::recheck_trust_while_off).
            ctx.forget_trust_if_refused(&e);
            health_of(e)?
        }
    };
    write_status(&ctx, &*obj, status, &health).await?;
    Ok(next_action(&health, K::resync(&ctx)))
}

/// Write `status` with its conditions for `health`, unless that is what is stored: a
/// converged object's status never changes.
pub async fn write_status<K: Reconciled>(
    ctx: &Context,
    obj: &K,
    mut status: K::Status,
    health: &Health,
) -> Result<()> {
    let generation = obj.meta().generation;
    let extras = K::extras(&status, health);
    let conditions =
        conditions::conditions(health, &extras, generation, status.conditions(), &now());
    status.set_observed(generation, conditions);
    if obj.status() == Some(&status) {
        return Ok(());
    }
    patch_status::<K>(ctx, &obj.name_any(), status).await
}

/// Run the controller of `K` until `shutdown` resolves.
pub async fn run<K: Reconciled>(
    ctx: Arc<Context>,
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let client = ctx.client.clone();
    // DeserializeGuard: one malformed object is reported, never stops the watch.
    let api = Api::<DeserializeGuard<K>>::all(client.clone());
    let (reader, writer) = reflector::store();
    K::share_store(&ctx, reader.clone());
    // Reconcile on spec changes (generation), deletion and finalizer changes — not on our
    // own status writes, so a status update never triggers another reconcile.
    let stream = watcher(api, watcher::Config::default().any_semantic())
        .default_backoff()
        .reflect(writer)
        .applied_objects()
        .predicate_filter(
            predicates::generation.combine(predicates::finalizers),
            Default::default(),
        );
    let mut controller = Controller::for_stream(stream, reader);
    if K::FOLLOWS_TRUSTED_ACCESS {
        // Trusted access seen coming back, by whoever turned it on: wake everything.
        controller = controller.reconcile_all_on(ctx.trust_restored());
        let store = controller.store();
        controller = controller.watches(
            Api::<TrustedAccess>::all(client),
            watcher::Config::default(),
            move |_| {
                store
                    .state()
                    .into_iter()
                    .map(|o| ObjectRef::from_obj(&*o))
                    .collect::<Vec<_>>()
            },
        );
    }
    controller
        .graceful_shutdown_on(shutdown)
        .run(reconcile::<K>, error_policy::<K>, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
}

async fn reconcile<K: Reconciled>(
    guard: Arc<DeserializeGuard<K>>,
    ctx: Arc<Context>,
) -> Result<Action> {
    let _timer = ctx.metrics.reconcile_started(K::KIND);
    let obj = match &guard.0 {
        Ok(obj) => Arc::new(obj.clone()),
        Err(invalid) => return invalid::report(&ctx, &guard, invalid).await,
    };
    let result = if K::CLEANUP {
        let api = Api::<K>::all(ctx.client.clone());
        finalizer(&api, FINALIZER, obj, |event| async {
            match event {
                Finalized::Apply(o) => apply(o, ctx.clone()).await,
                Finalized::Cleanup(o) => K::cleanup(o, ctx.clone()).await,
            }
        })
        .await
        .map_err(|e| Error::Finalizer(Box::new(e)))
    } else if obj.meta().deletion_timestamp.is_some() {
        Ok(Action::await_change())
    } else {
        apply(obj, ctx.clone()).await
    };
    if result.is_ok() {
        ctx.succeeded(&ObjectRef::from_obj(&*guard));
    }
    result
}

fn error_policy<K: Reconciled>(
    guard: Arc<DeserializeGuard<K>>,
    error: &Error,
    ctx: Arc<Context>,
) -> Action {
    ctx.metrics.reconcile_failed(K::KIND, error.category());
    let attempt = ctx.failed(&ObjectRef::from_obj(&*guard));
    tracing::warn!(kind = K::KIND, name = %guard.name_any(), attempt, %error, "reconcile failed");
    Action::requeue(backoff(attempt))
}

/// Exponential backoff with ±20% jitter: 1s, 2s, 4s, ... capped at 5 minutes.
pub fn backoff(attempt: u32) -> Duration {
    let base =
        Duration::from_secs(1u64 << attempt.saturating_sub(1).min(9)).min(Duration::from_secs(300));
    base.mul_f64(rand::random_range(0.8..1.2))
}

/// What a failed AWS call means for the user, or `Err` for failures we retry with backoff.
pub fn health_of(err: AwsError) -> Result<Health> {
    let message = format!("{}: {}", err.code, err.message);
    match err.kind {
        ErrorKind::PrerequisiteMissing(Prerequisite::TrustedAccessDisabled) => {
            Ok(Health::Waiting {
                reason: Prerequisite::TrustedAccessDisabled.reason(),
                message: format!(
                    "waiting for trusted access for cloudtrail.amazonaws.com ({message})"
                ),
            })
        }
        ErrorKind::PrerequisiteMissing(p) => Ok(Health::Stalled {
            reason: p.reason(),
            message,
            spec_change_needed: false,
        }),
        ErrorKind::AccessDenied { ref action } => Ok(Health::Stalled {
            reason: "AccessDenied",
            message: format!("missing permission {action}: {message}"),
            spec_change_needed: false,
        }),
        ErrorKind::InvalidInput => Ok(Health::Stalled {
            reason: "InvalidInput",
            message,
            spec_change_needed: true,
        }),
        _ => Err(Error::Aws(err)),
    }
}

/// Whether an existing AWS resource found under our name may be managed by `obj`: ours by
/// the owner tag, or adopted on request (announced by an event). `Some`: a name clash the
/// user must resolve.
pub async fn claim<K: Reconciled>(
    ctx: &Context,
    obj: &K,
    what: &str,
    arn: &str,
    observed_tags: &std::collections::BTreeMap<String, String>,
    owner: &str,
    adopt_existing: bool,
) -> Option<Health> {
    let tags::Ownership::Foreign(by) = tags::ownership(observed_tags, owner) else {
        return None;
    };
    if !adopt_existing {
        return Some(Health::Stalled {
            reason: "NameClash",
            message: format!(
                "{what} {arn} already exists and is not managed by this object (owner tag: {by:?}); set adoptExisting: true to take it over"
            ),
            spec_change_needed: true,
        });
    }
    event(
        ctx,
        obj,
        EventType::Normal,
        "Adopted",
        &format!("adopted existing {what} {arn}"),
    )
    .await;
    None
}

/// `Create*` said the name exists, yet these credentials found nothing: most likely our own
/// resource, turned into the management account's account-level one when trusted access
/// went away, which a delegated administrator can no longer see.
pub fn not_visible(what: &str, name: &str, err: &AwsError) -> Health {
    Health::Stalled {
        reason: "NotVisible",
        message: format!(
            "a {what} named {name} exists but these credentials cannot see it: if trusted access was disabled, it is now an account-level {what} of the management account, and converting it back needs management credentials (--management-role-arn) ({}: {})",
            err.code, err.message
        ),
        spec_change_needed: false,
    }
}

/// Why an account-level trail or store must stay so for now, if it must: trusted access
/// is off, or a TrustedAccess object declares it `Disabled`. In the second case someone
/// turned it on by hand and the TrustedAccess controller is about to turn it off again;
/// converting in between would only recreate the member copies for moments.
pub async fn reconversion_blocked(ctx: &Context) -> AwsResult<Option<&'static str>> {
    if !ctx.cloudtrail_trusted().await? {
        return Ok(Some("trusted access for CloudTrail is disabled"));
    }
    if ctx.trust_declared_off().await {
        return Ok(Some(
            "a TrustedAccess object declares trusted access Disabled",
        ));
    }
    Ok(None)
}

/// When to look again after a reconcile that ended in `health`. An object waiting for
/// trusted access is woken when it comes back (`Context::trust_restored` and the
/// TrustedAccess watch), so it need not look sooner than the resync.
pub fn next_action(health: &Health, resync: Duration) -> Action {
    match health {
        Health::Stalled {
            spec_change_needed: true,
            ..
        } => Action::await_change(),
        _ => Action::requeue(resync),
    }
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

/// Publish an event; a failure to publish is logged, never fails the reconcile.
pub async fn publish(
    ctx: &Context,
    reference: &k8s_openapi::api::core::v1::ObjectReference,
    type_: EventType,
    reason: &str,
    note: &str,
) {
    let event = Event {
        type_,
        reason: reason.to_string(),
        note: Some(note.chars().take(1000).collect()),
        action: reason.to_string(),
        secondary: None,
    };
    if let Err(e) = ctx.recorder.publish(&event, reference).await {
        tracing::warn!(%e, reason, "publishing event failed");
    }
}

/// Publish an event about `obj`.
pub async fn event<K: Reconciled>(
    ctx: &Context,
    obj: &K,
    type_: EventType,
    reason: &str,
    note: &str,
) {
    publish(ctx, &obj.object_ref(&()), type_, reason, note).await;
}

/// The four status types share the observed-generation and conditions fields.
macro_rules! kind_status {
    ($($status:ty),*) => {$(
        impl KindStatus for $status {
            fn conditions(&self) -> &[Condition] {
                &self.conditions
            }
            fn set_observed(&mut self, generation: Option<i64>, conditions: Vec<Condition>) {
                self.observed_generation = generation;
                self.conditions = conditions;
            }
        }
    )*};
}
kind_status!(
    crate::api::TrustedAccessStatus,
    crate::api::DelegatedAdminStatus,
    crate::api::OrgTrailStatus,
    crate::api::OrgEventDataStoreStatus
);

/// Now, for condition transitions.
pub fn now() -> Time {
    Time(k8s_openapi::jiff::Timestamp::now())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(kind: ErrorKind) -> AwsError {
        AwsError::new(kind, "CreateTrail", "SomeCode", "AWS says no")
    }

    #[test]
    fn trusted_access_off_is_waiting_not_an_error() {
        let h = health_of(err(ErrorKind::PrerequisiteMissing(
            Prerequisite::TrustedAccessDisabled,
        )));
        assert!(matches!(
            h,
            Ok(Health::Waiting {
                reason: "TrustedAccessDisabled",
                ..
            })
        ));
    }

    #[test]
    fn human_fixes_stall_and_name_their_cause() {
        match health_of(err(ErrorKind::PrerequisiteMissing(
            Prerequisite::BucketPolicy,
        ))) {
            Ok(Health::Stalled {
                reason,
                spec_change_needed,
                ..
            }) => {
                assert_eq!(reason, "InsufficientS3BucketPolicy");
                assert!(
                    !spec_change_needed,
                    "a bucket policy fix happens in AWS: keep looking"
                );
            }
            other => panic!("{other:?}"),
        }
        match health_of(err(ErrorKind::AccessDenied {
            action: "cloudtrail:CreateTrail".into(),
        })) {
            Ok(Health::Stalled {
                reason, message, ..
            }) => {
                assert_eq!(reason, "AccessDenied");
                assert!(message.contains("cloudtrail:CreateTrail"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            health_of(err(ErrorKind::InvalidInput)),
            Ok(Health::Stalled {
                reason: "InvalidInput",
                spec_change_needed: true,
                ..
            })
        ));
    }

    #[test]
    fn retryable_failures_go_to_backoff() {
        for kind in [
            ErrorKind::Throttled,
            ErrorKind::Transient,
            ErrorKind::Conflict,
        ] {
            let e = health_of(err(kind)).expect_err("retryable");
            assert!(matches!(e, Error::Aws(_)));
        }
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let first = backoff(1);
        assert!(first >= Duration::from_millis(800) && first <= Duration::from_millis(1200));
        let fourth = backoff(4);
        assert!(fourth >= Duration::from_millis(6400) && fourth <= Duration::from_millis(9600));
        for attempt in [10, 20, u32::MAX] {
            assert!(backoff(attempt) <= Duration::from_secs(360), "{attempt}");
        }
    }
}
