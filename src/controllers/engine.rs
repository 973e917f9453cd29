//! The shared controller engine: the guarded watch, the finalizer, backoff, and one
//! reconcile = the kind's observe → plan → act, then one status write.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::ResourceExt;
use kube::api::Api;
use kube::core::DeserializeGuard;
use kube::runtime::Predicate;
use kube::runtime::controller::{Action, Controller};
use kube::runtime::finalizer::{Event as Finalized, finalizer};
use kube::runtime::reflector::{ObjectRef, Store, store::Writer};
use kube::runtime::{WatchStreamExt, predicates, reflector, watcher};

use super::events::{Note, RECONVERTED, Report, publish};
use super::failure::outcome_of;
use super::outcome::{Outcome, READY};
use super::status::{KindStatus, write_status};
use super::{FINALIZER, Reconciled, invalid, observe_only};
use crate::api::{ManagementPolicy, TrustedAccess};
use crate::aws::ErrorKind;
use crate::aws::priority::with_priority;
use crate::runtime::context::Context;
use crate::runtime::error::{Error, Result};
use crate::runtime::watch_backoff::{Immediate, watch_backoff};
use crate::triggers::Triggers;
use crate::triggers::hub::{Attribution, Hinted};

/// Run the controller of `K` on the cache `store` (made by the composition root, which
/// shares some caches) until `shutdown` resolves.
pub async fn run<K: Reconciled>(
    ctx: Arc<Context>,
    store: (Store<DeserializeGuard<K>>, Writer<DeserializeGuard<K>>),
    shutdown: impl Future<Output = ()> + Send + Sync + 'static,
) {
    let client = ctx.client.clone();
    let (reader, writer) = store;
    // DeserializeGuard: one malformed object is reported, never stops the watch.
    let api = Api::<DeserializeGuard<K>>::all(client.clone());
    // Reconcile on spec changes (generation), deletion and finalizer changes — not on our
    // own status writes, so a status update never triggers another reconcile.
    let stream = watcher(api, watcher::Config::default().any_semantic())
        .backoff(watch_backoff())
        .reflect(writer)
        .applied_objects()
        .predicate_filter(
            predicates::generation.combine(predicates::finalizers),
            Default::default(),
        );
    // Each trigger stream backs off on its own errors (watch_backoff).
    let mut controller = Controller::for_stream(stream, reader).trigger_backoff(Immediate);
    if K::FOLLOWS_TRUSTED_ACCESS {
        // Trusted access seen coming back, by whoever turned it on: wake everything.
        controller = controller.reconcile_all_on(ctx.trust.restored());
        let store = controller.store();
        // Guarded too: one unreadable TrustedAccess must not stop this trigger. With the
        // same backoff as every watch (kube's `watches` has none: a dead API server would
        // be retried in a hot loop).
        let trusted_access = watcher(
            Api::<DeserializeGuard<TrustedAccess>>::all(client),
            watcher::Config::default(),
        )
        .backoff(watch_backoff())
        .touched_objects();
        controller =
            controller.watches_stream(trusted_access, move |_: DeserializeGuard<TrustedAccess>| {
                store
                    .state()
                    .into_iter()
                    .map(|o| ObjectRef::from_obj(&*o))
                    .collect::<Vec<_>>()
            });
    }
    if ctx.triggers.enabled() {
        // AWS API call events: reconcile just what a call touched, now. When events stop
        // flowing, look at everything once: what changed meanwhile was not announced.
        let store = controller.store();
        let hub = ctx.clone();
        let touched = ctx.triggers.subscribe().flat_map(move |delivery| {
            futures::stream::iter(affected(&store, delivery.as_ref(), &hub.triggers))
        });
        controller = controller
            .reconcile_on(touched)
            .reconcile_all_on(ctx.triggers.outages());
    }
    controller
        .graceful_shutdown_on(shutdown)
        .run(reconcile::<K>, error_policy::<K>, ctx)
        .for_each(|_| futures::future::ready(()))
        .await;
}

/// The objects a hint names (all of them when hints were lost), remembering for each who
/// made the call, for the event that reports a correction.
fn affected<K: Reconciled>(
    store: &Store<DeserializeGuard<K>>,
    delivery: Option<&Hinted>,
    triggers: &Triggers,
) -> Vec<ObjectRef<DeserializeGuard<K>>> {
    store
        .state()
        .into_iter()
        .filter(|guard| {
            let (Some(hinted), Ok(obj)) = (delivery, &guard.0) else {
                return delivery.is_none();
            };
            let affected = obj.affected_by(&hinted.hint);
            if affected {
                let key = ObjectRef::from_obj(obj).to_string();
                triggers.attribute(key, hinted.attribution.clone());
            }
            affected
        })
        .map(|guard| ObjectRef::from_obj(&*guard))
        .collect()
}

async fn reconcile<K: Reconciled>(
    guard: Arc<DeserializeGuard<K>>,
    ctx: Arc<Context>,
) -> Result<Action> {
    let _timer = ctx.metrics.reconcile_started(K::KIND);
    let obj = match &guard.0 {
        Ok(obj) => Arc::new(obj.clone()),
        Err(bad) => return invalid::report(&ctx, &guard, bad).await,
    };
    // A periodic re-read of a converged object gives way to reconciles answering a change
    // when AWS calls queue for the quota (aws::priority).
    let key = ObjectRef::from_obj(&*obj).to_string();
    let priority = ctx
        .schedule
        .priority(&key, converged(&*obj), Instant::now());
    with_priority(priority, reconcile_converged(obj, guard, ctx)).await
}

async fn reconcile_converged<K: Reconciled>(
    obj: Arc<K>,
    guard: Arc<DeserializeGuard<K>>,
    ctx: Arc<Context>,
) -> Result<Action> {
    let result = if K::CLEANUP {
        let api = Api::<K>::all(ctx.client.clone());
        finalizer(&api, FINALIZER, obj, |event| async {
            match event {
                Finalized::Apply(o) => apply(o, ctx.clone()).await,
                Finalized::Cleanup(o) => cleanup(o, ctx.clone()).await,
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

/// Observe, plan and act, then write the status once; when to look again follows from
/// the outcome.
async fn apply<K: Reconciled>(obj: Arc<K>, ctx: Arc<Context>) -> Result<Action> {
    let mut status = obj.status().cloned().unwrap_or_default();
    let key = ObjectRef::from_obj(&*obj).to_string();
    let report = Publisher {
        ctx: &ctx,
        obj: &*obj,
        changed_by: ctx.triggers.take_attribution(&key),
        checkpointed: std::sync::Mutex::new(None),
    };
    let outcome = if obj.management_policy() == ManagementPolicy::Observe {
        observe_only::reconcile(&*obj, &ctx, &mut status).await?
    } else {
        match obj
            .reconcile(&ctx, &ctx.aws, &ctx.trust, &mut status, &report)
            .await
        {
            Ok(outcome) => outcome,
            Err(e) => {
                // Refused for lack of trusted access: remember it is off, so its return
                // is watched for (TrustGate::recheck_while_off).
                ctx.trust.forget_if_refused(&e);
                outcome_of(e)?
            }
        }
    };
    // Compared with what is stored: a checkpoint may have changed it since it was read
    // (skipping this write then would leave the checkpoint's status standing).
    let stored = report
        .checkpointed
        .into_inner()
        .expect("checkpoint poisoned");
    write_status(
        &ctx,
        &*obj,
        stored.as_ref().or(obj.status()),
        status,
        &outcome,
    )
    .await?;
    let resync = jittered(K::resync(&ctx));
    let action = next_action(&outcome, resync);
    if action == Action::await_change() {
        ctx.schedule.forget(&key);
    } else {
        ctx.schedule.due_at(key, Instant::now() + resync);
    }
    Ok(action)
}

/// Whether `obj`'s status says Ready for its current generation.
pub(crate) fn converged<K: Reconciled>(obj: &K) -> bool {
    obj.status().is_some_and(|status| {
        status.conditions().iter().any(|c| {
            c.type_ == READY && c.status == "True" && c.observed_generation == obj.meta().generation
        })
    })
}

/// The object is being deleted: apply its deletion policy, then let it go.
async fn cleanup<K: Reconciled>(obj: Arc<K>, ctx: Arc<Context>) -> Result<Action> {
    ctx.schedule.forget(&ObjectRef::from_obj(&*obj).to_string());
    // An observed object never changes AWS, not even on deletion.
    if obj.management_policy() == ManagementPolicy::Observe {
        return Ok(Action::await_change());
    }
    if let Some(note) = obj.cleanup(&ctx).await? {
        publish(&ctx, &obj.object_ref(&()), &note).await;
    }
    Ok(Action::await_change())
}

/// Publishes act's events about `obj` and writes its checkpoints.
struct Publisher<'a, K: Reconciled> {
    ctx: &'a Context,
    obj: &'a K,
    /// Who made the AWS API call this reconcile answers, if an event said so.
    changed_by: Option<Attribution>,
    /// The status the last checkpoint wrote.
    checkpointed: std::sync::Mutex<Option<K::Status>>,
}

impl<K: Reconciled> Report<K::Status> for Publisher<'_, K> {
    async fn note(&self, note: Note) {
        if note.reason == RECONVERTED {
            self.ctx.metrics.reconverted(K::KIND);
        }
        let note = attributed(note, self.changed_by.as_ref());
        publish(self.ctx, &self.obj.object_ref(&()), &note).await;
    }

    async fn checkpoint(&self, status: &K::Status, outcome: &Outcome) {
        let stored = self
            .checkpointed
            .lock()
            .expect("checkpoint poisoned")
            .clone();
        let stored = stored.as_ref().or(self.obj.status());
        match write_status(self.ctx, self.obj, stored, status.clone(), outcome).await {
            Ok(written) => *self.checkpointed.lock().expect("checkpoint poisoned") = Some(written),
            Err(e) => tracing::warn!(kind = K::KIND, %e, "status write before a step failed"),
        }
    }

    fn corrected(&self, fields: &[&'static str]) -> Vec<&'static str> {
        let object = ObjectRef::from_obj(self.obj).to_string();
        self.ctx.contests.corrected(&object, fields)
    }
}

/// Events that report undoing a change made outside the operator.
const CORRECTIONS: &[&str] = &[
    "Updated",
    super::org_scoped::plan::DRIFT_CORRECTED,
    "Restored",
    "Recreated",
    "LoggingRestarted",
    RECONVERTED,
    "DisabledOutOfBand",
    "Enabled",
    "Disabled",
    "Registered",
];

/// A correction answering someone else's API call is a Warning that names them: the
/// caller's ARN, source IP, the call and its time, as CloudTrail recorded them.
fn attributed(note: Note, changed_by: Option<&Attribution>) -> Note {
    match changed_by {
        Some(by) if CORRECTIONS.contains(&note.reason) => Note {
            type_: kube::runtime::events::EventType::Warning,
            message: format!("{} (after {})", note.message, by.describe()),
            ..note
        },
        _ => note,
    }
}

fn error_policy<K: Reconciled>(
    guard: Arc<DeserializeGuard<K>>,
    error: &Error,
    ctx: Arc<Context>,
) -> Action {
    if error.is_stale_cache() {
        tracing::debug!(kind = K::KIND, name = %guard.name_any(), %error, "finalizer patch raced a newer copy; retrying");
        return Action::requeue(STALE_CACHE_RETRY);
    }
    ctx.metrics.reconcile_failed(K::KIND, error.category());
    let attempt = ctx.failed(&ObjectRef::from_obj(&*guard));
    tracing::warn!(kind = K::KIND, name = %guard.name_any(), attempt, %error, "reconcile failed");
    Action::requeue(backoff(attempt).min(retry_cap(error)))
}

/// The longest wait before retrying after `error`. AWS throttling and faults pass by
/// themselves: once AWS answers again, the object should converge within half a minute,
/// not after a backoff grown while AWS was unavailable. Anything else (RBAC, the API
/// server) may wait up to five minutes between attempts.
fn retry_cap(error: &Error) -> Duration {
    match error {
        Error::Aws(e) if matches!(e.kind, ErrorKind::Throttled | ErrorKind::Transient) => {
            AWS_RETRY_CAP
        }
        _ => Duration::MAX,
    }
}

/// See [`retry_cap`].
const AWS_RETRY_CAP: Duration = Duration::from_secs(30);

/// How soon a reconcile whose finalizer patch met a newer copy of the object runs again
/// (the watch usually delivers that copy sooner, which also triggers it).
const STALE_CACHE_RETRY: Duration = Duration::from_secs(1);

/// A cache for [`run`]: the composition root makes one per kind.
pub fn store<K: Reconciled>() -> (Store<DeserializeGuard<K>>, Writer<DeserializeGuard<K>>) {
    reflector::store()
}

/// Exponential backoff with ±20% jitter: 1s, 2s, 4s, ... capped at 5 minutes.
pub fn backoff(attempt: u32) -> Duration {
    let base =
        Duration::from_secs(1u64 << attempt.saturating_sub(1).min(9)).min(Duration::from_secs(300));
    base.mul_f64(rand::random_range(0.8..1.2))
}

/// When to look again after a reconcile that ended in `outcome`, `resync` being this
/// object's (jittered) period. An object waiting for trusted access is woken when it comes
/// back (`TrustGate::restored` and the TrustedAccess watch), so it need not look sooner
/// than the resync.
pub fn next_action(outcome: &Outcome, resync: Duration) -> Action {
    match outcome {
        Outcome::Stalled {
            spec_change_needed: true,
            ..
        } => Action::await_change(),
        _ => Action::requeue(resync),
    }
}

/// `period` ±10%: objects applied together drift apart over a few resyncs instead of
/// reading AWS in one synchronized burst every period.
pub fn jittered(period: Duration) -> Duration {
    period.mul_f64(rand::random_range(0.9..1.1))
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn only_input_aws_rejected_waits_for_a_spec_change() {
        let resync = Duration::from_secs(300);
        let stalled = |spec_change_needed| Outcome::Stalled {
            reason: "X",
            message: String::new(),
            spec_change_needed,
        };
        assert_eq!(next_action(&stalled(true), resync), Action::await_change());
        assert_ne!(next_action(&stalled(false), resync), Action::await_change());
        let waiting = Outcome::Waiting {
            reason: "TrustedAccessDisabled",
            message: String::new(),
        };
        assert_ne!(next_action(&waiting, resync), Action::await_change());
    }

    #[test]
    fn resyncs_spread_around_the_period() {
        let period = Duration::from_secs(300);
        let waits: Vec<Duration> = (0..200).map(|_| jittered(period)).collect();
        assert!(
            waits
                .iter()
                .all(|w| *w >= period.mul_f64(0.9) && *w <= period.mul_f64(1.1))
        );
        let early = waits.iter().filter(|w| **w < period).count();
        assert!(
            early > 20 && early < 180,
            "{early} of 200 early: not spread"
        );
    }

    #[test]
    fn a_correction_after_someone_elses_call_names_them() {
        use crate::triggers::{Actor, Attribution};
        let by = Attribution {
            actor: Actor {
                arn: "arn:aws:iam::111111111111:user/mallory".into(),
                source_ip: "203.0.113.7".into(),
            },
            event_name: "StopLogging".into(),
            time: "2026-12-02T10:00:00Z".into(),
        };
        let restarted = Note::normal("LoggingRestarted", "logging restarted");
        let note = attributed(restarted.clone(), Some(&by));
        assert_eq!(note.type_, kube::runtime::events::EventType::Warning);
        assert!(
            note.message.contains("user/mallory from 203.0.113.7"),
            "{}",
            note.message
        );
        assert_eq!(attributed(restarted.clone(), None), restarted);
        let created = Note::normal("Created", "created");
        assert_eq!(
            attributed(created.clone(), Some(&by)),
            created,
            "not a correction"
        );
    }

    #[test]
    fn aws_throttling_and_faults_are_retried_within_half_a_minute() {
        use crate::aws::AwsError;
        let aws = |kind| Error::Aws(AwsError::new(kind, "GetTrail", "X", "x"));
        assert_eq!(retry_cap(&aws(ErrorKind::Throttled)), AWS_RETRY_CAP);
        assert_eq!(retry_cap(&aws(ErrorKind::Transient)), AWS_RETRY_CAP);
        assert_eq!(retry_cap(&aws(ErrorKind::Conflict)), Duration::MAX);
        assert!(backoff(20).min(AWS_RETRY_CAP) <= Duration::from_secs(30));
    }
}
