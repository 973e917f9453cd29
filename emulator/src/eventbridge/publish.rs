//! "AWS API Call via CloudTrail" events: built after successful CloudTrail/Organizations
//! calls, gated on a logging trail, then delivered asynchronously (like EventBridge, about
//! right away) to the matching rules' targets: SQS queues or another Region's default bus.

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

use super::faults::{Delivery, EventRecord};
use crate::assumptions;
use crate::server::Shared;
use crate::state::{Caller, State, now};

/// Where EventBridge sees Organizations (a global service) events.
pub const GLOBAL_EVENTS_REGION: &str = "us-east-1";

pub fn uuid() -> String {
    let h = format!("{:032x}", rand::random::<u128>());
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

fn now_ms() -> u64 {
    (now() * 1000.0) as u64
}

/// Logging trails as they were *before* a call (see assumptions.rs "events-need-logging-trail").
#[derive(Debug, Clone, Default)]
pub struct LoggingSnapshot {
    trails: Vec<LoggingTrail>,
    org_accounts: BTreeSet<String>,
}

#[derive(Debug, Clone)]
struct LoggingTrail {
    owner: String,
    home_region: String,
    multi_region: bool,
    organization: bool,
    global_events: bool,
}

pub fn snapshot(st: &State) -> LoggingSnapshot {
    LoggingSnapshot {
        trails: st
            .trails
            .iter()
            .filter(|t| t.is_logging)
            .map(|t| LoggingTrail {
                owner: t.owner.clone(),
                home_region: t.home_region.clone(),
                multi_region: t.is_multi_region_trail,
                organization: t.is_organization_trail,
                global_events: t.include_global_service_events,
            })
            .collect(),
        org_accounts: if st.config.organization.in_use {
            st.accounts().iter().map(|a| a.id.clone()).collect()
        } else {
            BTreeSet::new()
        },
    }
}

impl LoggingSnapshot {
    /// Whether a logging trail records `account`'s events in `region`; global-service
    /// events need a trail that includes global service events.
    pub fn covers(&self, account: &str, region: &str, global: bool) -> bool {
        self.trails.iter().any(|t| {
            (t.home_region == region || t.multi_region)
                && (!global || t.global_events)
                && (t.owner == account || (t.organization && self.org_accounts.contains(account)))
        })
    }
}

/// The HTTP-level facts of a call that CloudTrail records.
pub struct CallContext<'a> {
    pub service: &'a str,
    pub operation: &'a str,
    pub caller: &'a Caller,
    pub request: &'a [u8],
    pub request_id: &'a str,
    pub source_ip: &'a str,
    pub user_agent: &'a str,
}

/// An event ready to publish to one account's default bus.
pub struct Outgoing {
    pub account: String,
    pub region: String,
    pub event: Value,
    /// False when no logging trail covered the call (logged, never delivered).
    pub logged: bool,
}

/// CloudTrail writes request/response members with a lower-case first letter.
fn lower_keys(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let mut c = k.chars();
                    let key = match c.next() {
                        Some(f) => f.to_lowercase().chain(c).collect(),
                        None => String::new(),
                    };
                    (key, lower_keys(v))
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(lower_keys).collect()),
        other => other.clone(),
    }
}

fn non_empty_object(v: Value) -> Value {
    match v {
        Value::Object(m) if !m.is_empty() => lower_keys(&Value::Object(m)),
        _ => Value::Null,
    }
}

fn user_identity(st: &State, c: &Caller) -> Value {
    if c.arn.contains(":assumed-role/") {
        let session = st.sessions.get(&c.access_key);
        let role_arn = session.map(|s| s.role_arn.clone()).unwrap_or_default();
        let role_name = role_arn.rsplit('/').next().unwrap_or_default();
        let role_id = c.user_id.split(':').next().unwrap_or_default();
        let created = session.map(|s| crate::rules::iso8601(s.created));
        return json!({
            "type": "AssumedRole",
            "principalId": c.user_id,
            "arn": c.arn,
            "accountId": c.account,
            "accessKeyId": c.access_key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": role_id,
                    "arn": role_arn,
                    "accountId": c.account,
                    "userName": role_name,
                },
                "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
            },
        });
    }
    if c.arn.ends_with(":root") {
        return json!({
            "type": "Root",
            "principalId": c.account,
            "arn": c.arn,
            "accountId": c.account,
            "accessKeyId": c.access_key,
        });
    }
    json!({
        "type": "IAMUser",
        "principalId": c.user_id,
        "arn": c.arn,
        "accountId": c.account,
        "accessKeyId": c.access_key,
        "userName": c.arn.rsplit('/').next().unwrap_or_default(),
    })
}

/// The account owning the resource a call named (trail/event data store ARN in the request
/// or the response), when it is not the caller's.
fn resource_owner(request: &Value, response: &Value, caller: &str) -> Option<String> {
    let candidates = [
        "Name",
        "TrailName",
        "EventDataStore",
        "ResourceId",
        "ResourceArn",
    ]
    .iter()
    .filter_map(|k| request.get(k))
    .chain(
        ["TrailARN", "EventDataStoreArn"]
            .iter()
            .filter_map(|k| response.get(k)),
    );
    candidates
        .filter_map(Value::as_str)
        .filter_map(crate::rules::parse_cloudtrail_arn)
        .map(|a| a.account)
        .find(|a| a != caller)
}

fn has_read_only_rule(st: &State, account: &str, region: &str) -> bool {
    st.events.rules.iter().any(|r| {
        r.account == account
            && r.region == region
            && r.state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    })
}

/// The events a successful CloudTrail/Organizations call produces: one per recipient
/// account (the caller, and the resource owner when different).
pub fn api_call_events(
    st: &State,
    snap: &LoggingSnapshot,
    ctx: &CallContext,
    response: &Value,
) -> Vec<Outgoing> {
    let global = ctx.service == "organizations";
    let region = if global {
        GLOBAL_EVENTS_REGION
    } else {
        ctx.caller.region.as_str()
    };
    let read_only = assumptions::call_kind(ctx.operation) == "read";
    let request: Value = serde_json::from_slice(ctx.request).unwrap_or(Value::Null);
    let mut recipients = vec![ctx.caller.account.clone()];
    if let Some(owner) = resource_owner(&request, response, &ctx.caller.account)
        && st.account(&owner).is_some()
    {
        recipients.push(owner);
    }
    let time = crate::rules::iso8601(now());
    let event_id = uuid();
    let source = format!("aws.{}", ctx.service);
    let response_elements = if read_only {
        Value::Null
    } else {
        non_empty_object(response.clone())
    };
    recipients
        .into_iter()
        // Read-only events reach only buses with a rule opted in to them (see docs).
        .filter(|acct| !read_only || has_read_only_rule(st, acct, region))
        .map(|account| {
            let detail = json!({
                "eventVersion": "1.11",
                "userIdentity": user_identity(st, ctx.caller),
                "eventTime": time,
                "eventSource": format!("{}.amazonaws.com", ctx.service),
                "eventName": ctx.operation,
                "awsRegion": region,
                "sourceIPAddress": ctx.source_ip,
                "userAgent": ctx.user_agent,
                "requestParameters": non_empty_object(request.clone()),
                "responseElements": response_elements,
                "requestID": ctx.request_id,
                "eventID": event_id,
                "readOnly": read_only,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": account,
                "eventCategory": "Management",
            });
            let event = json!({
                "version": "0",
                "id": uuid(),
                "detail-type": "AWS API Call via CloudTrail",
                "source": source,
                "account": account,
                "time": time,
                "region": region,
                "resources": [],
                "detail": detail,
            });
            Outgoing {
                logged: snap.covers(&account, region, global),
                account,
                region: region.to_string(),
                event,
            }
        })
        .collect()
}

/// Matches `event` against the enabled rules of one bus and hands it to their targets.
/// Events that arrived from another bus are not forwarded again (one hop).
pub fn route(st: &mut State, account: &str, region: &str, event: &Value, hop: u8) -> Vec<Delivery> {
    let read_only = event["detail-type"] == "AWS API Call via CloudTrail"
        && event["detail"]["readOnly"] == json!(true);
    let matched: Vec<(String, super::Target)> = st
        .events
        .rules
        .iter()
        .filter(|r| r.account == account && r.region == region && r.enabled())
        .filter(|r| !read_only || r.state == "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS")
        .filter(|r| r.pattern.as_ref().is_some_and(|p| p.matches(event)))
        .flat_map(|r| r.targets.iter().map(|t| (r.arn.clone(), t.clone())))
        .collect();
    let bus = super::bus_arn(region, account);
    let mut out = Vec::new();
    for (rule_arn, target) in matched {
        let mut nested = Vec::new();
        let outcome = if target.arn.starts_with("arn:aws:sqs:") {
            let body = target.input.clone().unwrap_or_else(|| event.to_string());
            match crate::sqs::deliver(
                st,
                &target.arn,
                body,
                assumptions::EVENTBRIDGE_SQS_SENDER_ID,
            ) {
                Ok(()) => "ok".to_string(),
                Err(reason) => reason.to_string(),
            }
        } else if let Some((to_region, to_account, _)) = super::parse_bus_arn(&target.arn) {
            if hop > 0 {
                "not_forwarded_again".to_string()
            } else {
                nested = route(st, &to_account, &to_region, event, hop + 1);
                "ok".to_string()
            }
        } else {
            "unsupported_target".to_string()
        };
        out.push(Delivery {
            delivered_ms: now_ms(),
            event_bus: bus.clone(),
            rule_arn,
            target_id: target.id,
            target_arn: target.arn,
            outcome,
        });
        out.extend(nested);
    }
    out
}

/// A published event waiting for delivery.
pub struct Pending {
    seq: u64,
    generation: u64,
    account: String,
    region: String,
    event: Value,
    deliver_at: Instant,
    copies: u8,
}

/// Logs the events and schedules their delivery, applying the event faults.
pub fn publish(app: &Shared, events: Vec<Outgoing>) {
    app.start_event_worker();
    let generation = app.generation.load(Ordering::SeqCst);
    for o in events {
        let name = o.event["detail"]["eventName"].as_str().map(str::to_string);
        let mut hooks = app.event_hooks();
        let decision = if o.logged {
            hooks.decide(name.as_deref())
        } else {
            Default::default()
        };
        let status = if !o.logged {
            "no_logging_trail"
        } else if decision.drop {
            "dropped_by_fault"
        } else {
            "pending"
        };
        let seq = hooks.push(EventRecord {
            seq: 0,
            published_ms: now_ms(),
            account: o.account.clone(),
            region: o.region.clone(),
            event: o.event.clone(),
            status: status.into(),
            faults: decision.fired.clone(),
            deliveries: Vec::new(),
        });
        drop(hooks);
        if status != "pending" {
            continue;
        }
        let p = Pending {
            seq,
            generation,
            account: o.account,
            region: o.region,
            event: o.event,
            deliver_at: Instant::now() + Duration::from_millis(decision.delay_ms),
            copies: if decision.duplicate { 2 } else { 1 },
        };
        if decision.reorder_ms > 0 {
            // Held back outside the ordered worker, so later events overtake it.
            let app = app.clone();
            let hold = Duration::from_millis(decision.reorder_ms);
            tokio::spawn(async move {
                tokio::time::sleep_until(p.deliver_at + hold).await;
                deliver(&app, &p);
            });
        } else if let Err(e) = app.event_tx.send(p) {
            tracing::warn!("event worker gone: {e}");
        }
    }
}

/// Delivers queued events in order; a delayed event holds back the ones behind it.
pub async fn worker(app: Shared, mut rx: UnboundedReceiver<Pending>) {
    while let Some(p) = rx.recv().await {
        tokio::time::sleep_until(p.deliver_at).await;
        deliver(&app, &p);
    }
}

fn deliver(app: &Shared, p: &Pending) {
    // An event published before `/_emulator/reset` must not reach the fresh world.
    if app.generation.load(Ordering::SeqCst) != p.generation {
        return;
    }
    let mut deliveries = Vec::new();
    {
        let mut st = app.state();
        for _ in 0..p.copies {
            deliveries.extend(route(&mut st, &p.account, &p.region, &p.event, 0));
        }
    }
    app.sqs_notify.notify_waiters();
    let mut hooks = app.event_hooks();
    if let Some(rec) = hooks.get_mut(p.seq) {
        rec.deliveries.extend(deliveries);
        rec.status = if rec.deliveries.is_empty() {
            "no_matching_rule".into()
        } else {
            "delivered".into()
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_lowercased_recursively() {
        let v = json!({"TrailName": "t", "EventSelectors": [{"ReadWriteType": "All"}]});
        assert_eq!(
            lower_keys(&v),
            json!({"trailName": "t", "eventSelectors": [{"readWriteType": "All"}]})
        );
        assert_eq!(non_empty_object(json!({})), Value::Null);
    }

    #[test]
    fn owner_from_arns() {
        let req = json!({"Name": "arn:aws:cloudtrail:us-east-1:111111111111:trail/org"});
        assert_eq!(
            resource_owner(&req, &json!({}), "222222222222").as_deref(),
            Some("111111111111")
        );
        assert_eq!(resource_owner(&req, &json!({}), "111111111111"), None);
        assert_eq!(
            resource_owner(&json!({"Name": "plain"}), &json!({}), "1"),
            None
        );
    }

    #[test]
    fn coverage() {
        let snap = LoggingSnapshot {
            trails: vec![LoggingTrail {
                owner: "111111111111".into(),
                home_region: "eu-west-1".into(),
                multi_region: false,
                organization: true,
                global_events: true,
            }],
            org_accounts: ["111111111111", "333333333333"].map(String::from).into(),
        };
        assert!(snap.covers("333333333333", "eu-west-1", false));
        assert!(!snap.covers("333333333333", "us-east-1", false));
        assert!(!snap.covers("999999999999", "eu-west-1", false));
        assert!(uuid().len() == 36 && uuid() != uuid());
    }
}
