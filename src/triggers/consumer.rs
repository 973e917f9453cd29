//! The event queue's consumer: long-poll, map, hand over, delete. Runs while leading
//! (a standby must not take messages the leader needs).

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use k8s_openapi::jiff::Timestamp;

use super::call::{ApiCall, parse};
use super::hints::{Hint, hints};
use super::hub::{Attribution, Hinted, Triggers};
use crate::aws::access::Aws;
use crate::aws::queue::{EventQueue, QueueMessage};
use crate::aws::sdk::sqs::MAX_WAIT;
use crate::aws::{AwsError, ErrorKind};
use crate::runtime::metrics::Metrics;

/// Longest wait between receive attempts after failures (a missing queue or a denied
/// receive is reported at once and retried this often; polling covers meanwhile).
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What became of one message.
#[derive(Debug, PartialEq, Eq)]
pub enum Fate {
    /// It names things we may manage.
    Matched(Vec<Hint>),
    /// Nothing to do; why (a metric-free label for logs).
    Ignored(&'static str),
}

/// Decide about one call: `own` are the operator's own identities (its writes come back
/// as events and must not wake it again).
pub fn fate(call: &ApiCall, own: &[String]) -> Fate {
    if call.error_code.is_some() {
        return Fate::Ignored("failed call");
    }
    if own.contains(&call.actor.arn) {
        return Fate::Ignored("own call");
    }
    match hints(call) {
        h if h.is_empty() => Fate::Ignored("nothing managed"),
        h => Fate::Matched(h),
    }
}

/// Consume `queue` until `stop` resolves.
pub async fn consume(
    queue: Arc<dyn EventQueue>,
    aws: &Aws,
    hub: &Triggers,
    metrics: &Metrics,
    stop: impl Future<Output = ()>,
) {
    tokio::pin!(stop);
    let mut own: Option<Vec<String>> = None;
    let mut failures = 0u32;
    loop {
        if own.is_none() {
            own = own_identities(aws).await;
        }
        let received = tokio::select! {
            _ = &mut stop => return,
            r = queue.receive(MAX_WAIT, 10) => r,
        };
        match received {
            Ok(messages) => {
                failures = 0;
                if hub.set_healthy(true) {
                    metrics.events_queue_healthy(true);
                    tracing::info!("event queue receiving: resync at the periods with events");
                }
                let own = own.as_deref().unwrap_or_default();
                for message in &messages {
                    handle(message, own, hub, metrics);
                }
                delete(queue.as_ref(), &messages, metrics).await;
            }
            Err(e) => {
                failures = failures.saturating_add(1);
                metrics.events_queue_error(e.kind.label());
                if hub.set_healthy(false) || failures == 1 {
                    metrics.events_queue_healthy(false);
                    tracing::error!(error = %e, hint = remedy(&e), "event queue unavailable: polling at the periods without events until it answers");
                }
                let wait = crate::controllers::engine::backoff(failures).min(MAX_BACKOFF);
                tokio::select! {
                    _ = &mut stop => return,
                    _ = tokio::time::sleep(wait) => {}
                }
            }
        }
    }
}

fn handle(message: &QueueMessage, own: &[String], hub: &Triggers, metrics: &Metrics) {
    let call = match parse(&message.body) {
        Ok(call) => call,
        Err(e) => {
            metrics.event_received("unparseable");
            tracing::warn!(message_id = %message.message_id, error = %e, "dropping a message that is not an API call event");
            return;
        }
    };
    if let Some(age) = age(&call, message.sent_at) {
        metrics.event_age(age);
    }
    match fate(&call, own) {
        Fate::Ignored(why) => {
            metrics.event_received("ignored");
            tracing::debug!(event = %call.event_name, id = %call.event_id, why, "event ignored");
        }
        Fate::Matched(found) => {
            metrics.event_received("matched");
            let attribution = Attribution {
                actor: call.actor.clone(),
                event_name: call.event_name.clone(),
                time: call.time.clone(),
            };
            tracing::info!(event = %call.event_name, by = %call.actor.arn, hints = ?found, "AWS API call event: reconciling what it touched");
            for hint in found {
                hub.send(Hinted {
                    hint,
                    attribution: attribution.clone(),
                });
            }
        }
    }
}

/// Delete what was handled. A message that stays is received again after the visibility
/// timeout: one more hint, harmless.
async fn delete(queue: &dyn EventQueue, messages: &[QueueMessage], metrics: &Metrics) {
    match queue.delete(messages).await {
        Ok(failed) if failed.is_empty() => {}
        Ok(failed) => tracing::warn!(
            ?failed,
            "some messages were not deleted; they will be seen again"
        ),
        Err(e) => {
            metrics.events_queue_error(e.kind.label());
            tracing::warn!(error = %e, "deleting messages failed; they will be seen again");
        }
    }
}

/// From the call to now (the event's own time; else when EventBridge queued it).
fn age(call: &ApiCall, sent_at: Option<SystemTime>) -> Option<Duration> {
    let now = SystemTime::now();
    let at = Timestamp::from_str(&call.time)
        .ok()
        .map(SystemTime::from)
        .or(sent_at)?;
    now.duration_since(at).ok()
}

/// The identities the operator writes with: its own credentials', and the management
/// role's if it has one. `None` until STS answers (then every event is a hint, which
/// costs a few reads, never a wrong write).
async fn own_identities(aws: &Aws) -> Option<Vec<String>> {
    let mut own = vec![aws.caller().await.ok()?.arn.clone()];
    if let Some(management) = &aws.management {
        own.push(management.organizations.caller_identity().await.ok()?.arn);
    }
    Some(own)
}

/// What to check when the queue refuses.
fn remedy(e: &AwsError) -> &'static str {
    match e.kind {
        ErrorKind::NotFound => {
            "the queue does not exist: check --events-queue-url and the setup (docs/events.md)"
        }
        ErrorKind::AccessDenied { .. } => {
            "the operator's role needs sqs:ReceiveMessage and sqs:DeleteMessage on the queue (docs/iam-policy.json)"
        }
        ErrorKind::Throttled => "SQS is throttling; retrying with backoff",
        _ => "retrying with backoff",
    }
}

#[cfg(test)]
mod tests {
    use super::super::call::tests::event;
    use super::*;
    use serde_json::json;

    fn call(name: &str, request: serde_json::Value) -> ApiCall {
        parse(&event(
            "cloudtrail.amazonaws.com",
            name,
            "us-east-1",
            request,
        ))
        .unwrap()
    }

    #[test]
    fn a_foreign_change_to_a_trail_is_a_hint() {
        let c = call("StopLogging", json!({"name": "org"}));
        assert_eq!(
            fate(
                &c,
                &["arn:aws:sts::111111111111:assumed-role/Operator/x".into()]
            ),
            Fate::Matched(vec![Hint::Trail {
                name: "org".into(),
                region: "us-east-1".into()
            }])
        );
    }

    #[test]
    fn our_own_calls_and_failed_calls_are_ignored() {
        let c = call("StopLogging", json!({"name": "org"}));
        let own = vec![c.actor.arn.clone()];
        assert_eq!(fate(&c, &own), Fate::Ignored("own call"));
        let mut failed = c.clone();
        failed.error_code = Some("AccessDenied".into());
        assert_eq!(fate(&failed, &[]), Fate::Ignored("failed call"));
        let unmapped = call("CreateTrail", json!({"name": "org"}));
        assert_eq!(fate(&unmapped, &[]), Fate::Ignored("nothing managed"));
    }

    #[test]
    fn age_is_measured_from_the_call() {
        let mut c = call("StopLogging", json!({"name": "org"}));
        c.time = Timestamp::now().to_string();
        assert!(age(&c, None).unwrap() < Duration::from_secs(5));
        c.time = "garbage".into();
        let sent = SystemTime::now() - Duration::from_secs(30);
        assert!(age(&c, Some(sent)).unwrap() >= Duration::from_secs(30));
        assert_eq!(age(&c, None), None);
    }
}
