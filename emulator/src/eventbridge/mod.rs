//! Amazon EventBridge (awsJson1.1, `X-Amz-Target: AWSEvents.<Op>`): rules and targets on the
//! `default` event bus of each account and region, plus PutEvents. Matching and delivery of
//! events live in `pattern.rs` and `publish.rs`.

pub mod faults;
pub mod hooks;
pub mod pattern;
pub mod publish;

use serde::Serialize;
use serde_json::{Value, json};

use crate::cloudtrail::put_opt;
use crate::error::{ApiError, ApiResult};
use crate::req::{self, Req, member_str};
use crate::state::{Caller, State};

pub const OPERATIONS: &[&str] = &[
    "PutRule",
    "DescribeRule",
    "ListRules",
    "DeleteRule",
    "EnableRule",
    "DisableRule",
    "PutTargets",
    "RemoveTargets",
    "ListTargetsByRule",
    "PutEvents",
];

/// AWS's documented limit of targets per rule.
const MAX_TARGETS: usize = 5;

#[derive(Debug, Clone, Default, Serialize)]
pub struct EventBridgeState {
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rule {
    pub name: String,
    pub account: String,
    pub region: String,
    pub arn: String,
    pub event_pattern: Option<String>,
    #[serde(skip)]
    pub pattern: Option<pattern::Pattern>,
    pub schedule_expression: Option<String>,
    /// ENABLED, DISABLED or ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS.
    pub state: String,
    pub description: Option<String>,
    pub role_arn: Option<String>,
    pub targets: Vec<Target>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Target {
    pub id: String,
    pub arn: String,
    pub role_arn: Option<String>,
    /// Constant JSON sent instead of the event.
    pub input: Option<String>,
}

impl Rule {
    pub fn enabled(&self) -> bool {
        self.state != "DISABLED"
    }
}

pub fn handle(st: &mut State, c: &Caller, op: &str, r: &Req) -> ApiResult<Value> {
    match op {
        "PutRule" => put_rule(st, c, r),
        "DescribeRule" => describe_rule(st, c, r),
        "ListRules" => list_rules(st, c, r),
        "DeleteRule" => delete_rule(st, c, r),
        "EnableRule" => set_state(st, c, r, "ENABLED"),
        "DisableRule" => set_state(st, c, r, "DISABLED"),
        "PutTargets" => put_targets(st, c, r),
        "RemoveTargets" => remove_targets(st, c, r),
        "ListTargetsByRule" => list_targets(st, c, r),
        _ => Err(ApiError::unknown_operation(op)),
    }
}

pub fn bus_arn(region: &str, account: &str) -> String {
    format!("arn:aws:events:{region}:{account}:event-bus/default")
}

/// `(region, account)` of an event bus ARN `arn:aws:events:<region>:<account>:event-bus/<name>`.
pub fn parse_bus_arn(arn: &str) -> Option<(String, String, String)> {
    let rest = arn.strip_prefix("arn:aws:events:")?;
    let mut it = rest.splitn(3, ':');
    let (region, account, res) = (it.next()?, it.next()?, it.next()?);
    let name = res.strip_prefix("event-bus/")?;
    (crate::rules::valid_region(region) && crate::rules::valid_account_id(account))
        .then(|| (region.to_string(), account.to_string(), name.to_string()))
}

/// Only the default bus exists: by name or by its ARN in the caller's account and region.
fn check_bus(c: &Caller, r: &Req) -> ApiResult<()> {
    let Some(bus) = r.str_opt("EventBusName")? else {
        return Ok(());
    };
    if bus == "default" || bus == bus_arn(&c.region, &c.account) {
        return Ok(());
    }
    Err(ApiError::new(
        "ResourceNotFoundException",
        format!("Event bus {bus} does not exist."),
    ))
}

fn valid_name(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

fn rule_name(r: &Req) -> ApiResult<String> {
    let name = r.str_opt("Name")?.or(r.str_opt("Rule")?);
    let name = name.ok_or_else(|| ApiError::validation("name", "Member must not be null"))?;
    if !valid_name(&name) {
        return Err(ApiError::validation(
            "name",
            "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+",
        ));
    }
    Ok(name)
}

fn rule_not_found(name: &str) -> ApiError {
    ApiError::new(
        "ResourceNotFoundException",
        format!("Rule {name} does not exist on EventBus default."),
    )
}

fn find(st: &State, c: &Caller, name: &str) -> Option<usize> {
    st.events
        .rules
        .iter()
        .position(|x| x.account == c.account && x.region == c.region && x.name == name)
}

fn put_rule(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = rule_name(r)?;
    check_bus(c, r)?;
    let text = r.str_opt("EventPattern")?;
    let schedule = r.str_opt("ScheduleExpression")?;
    if text.is_none() && schedule.is_none() {
        return Err(ApiError::new(
            "ValidationException",
            "Parameter(s) EventPattern or ScheduleExpression must be specified.",
        ));
    }
    let parsed = match &text {
        Some(t) => Some(pattern::parse(t).map_err(|reason| {
            ApiError::new(
                "InvalidEventPatternException",
                format!("Event pattern is not valid. Reason: {reason}"),
            )
        })?),
        None => None,
    };
    let state = r.str_opt("State")?.unwrap_or_else(|| "ENABLED".into());
    if !matches!(
        state.as_str(),
        "ENABLED" | "DISABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS"
    ) {
        return Err(ApiError::validation(
            "state",
            "Member must satisfy enum value set: [ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS]",
        ));
    }
    let arn = format!("arn:aws:events:{}:{}:rule/{name}", c.region, c.account);
    let rule = Rule {
        name: name.clone(),
        account: c.account.clone(),
        region: c.region.clone(),
        arn: arn.clone(),
        event_pattern: text,
        pattern: parsed,
        schedule_expression: schedule,
        state,
        description: r.str_opt("Description")?,
        role_arn: r.str_opt("RoleArn")?,
        targets: Vec::new(),
    };
    // PutRule on an existing rule replaces its definition and keeps its targets.
    match find(st, c, &name) {
        Some(i) => {
            let targets = std::mem::take(&mut st.events.rules[i].targets);
            st.events.rules[i] = Rule { targets, ..rule };
        }
        None => st.events.rules.push(rule),
    }
    Ok(json!({"RuleArn": arn}))
}

fn rule_json(x: &Rule) -> Value {
    let mut v = json!({
        "Name": x.name,
        "Arn": x.arn,
        "State": x.state,
        "EventBusName": "default",
    });
    put_opt(&mut v, "EventPattern", x.event_pattern.clone());
    put_opt(&mut v, "ScheduleExpression", x.schedule_expression.clone());
    put_opt(&mut v, "Description", x.description.clone());
    put_opt(&mut v, "RoleArn", x.role_arn.clone());
    v
}

fn describe_rule(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = rule_name(r)?;
    check_bus(c, r)?;
    let i = find(st, c, &name).ok_or_else(|| rule_not_found(&name))?;
    let mut v = rule_json(&st.events.rules[i]);
    v["CreatedBy"] = json!(c.account);
    Ok(v)
}

fn list_rules(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    check_bus(c, r)?;
    let prefix = r.str_opt("NamePrefix")?.unwrap_or_default();
    let limit = match r.int_opt("Limit")? {
        None => 100,
        Some(n @ 1..=100) => n as usize,
        Some(_) => {
            return Err(ApiError::validation(
                "limit",
                "Member must have value between 1 and 100",
            ));
        }
    };
    let mut items: Vec<&Rule> = st
        .events
        .rules
        .iter()
        .filter(|x| x.account == c.account && x.region == c.region && x.name.starts_with(&prefix))
        .collect();
    items.sort_by(|a, b| a.name.cmp(&b.name));
    let items: Vec<Value> = items.into_iter().map(rule_json).collect();
    let token = r.str_opt("NextToken")?;
    let (page, next) = req::page(&items, token.as_deref(), limit, false).ok_or_else(|| {
        ApiError::new("ValidationException", "The NextToken provided is invalid.")
    })?;
    let mut out = json!({"Rules": page});
    put_opt(&mut out, "NextToken", next);
    Ok(out)
}

fn delete_rule(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = rule_name(r)?;
    check_bus(c, r)?;
    // Deleting a rule that does not exist succeeds (DeleteRule is idempotent in AWS).
    if let Some(i) = find(st, c, &name) {
        if !st.events.rules[i].targets.is_empty() {
            return Err(ApiError::new(
                "ValidationException",
                "Rule can't be deleted since it has targets.",
            ));
        }
        st.events.rules.remove(i);
    }
    Ok(json!({}))
}

fn set_state(st: &mut State, c: &Caller, r: &Req, state: &str) -> ApiResult<Value> {
    let name = rule_name(r)?;
    check_bus(c, r)?;
    let i = find(st, c, &name).ok_or_else(|| rule_not_found(&name))?;
    st.events.rules[i].state = state.into();
    Ok(json!({}))
}

/// Why a target cannot be added, as a FailedEntries error (see assumptions.rs
/// "put-targets-entry-errors").
fn target_problem(c: &Caller, t: &Target) -> Option<&'static str> {
    if t.arn.starts_with("arn:aws:sqs:") {
        let ok = crate::sqs::parse_queue_arn(&t.arn).is_some();
        return (!ok).then_some("The SQS queue ARN is not valid.");
    }
    if let Some((region, account, name)) = parse_bus_arn(&t.arn) {
        if name != "default" {
            return Some("Only the default event bus exists in this emulator.");
        }
        if (region != c.region || account != c.account) && t.role_arn.is_none() {
            return Some(
                "RoleArn is required for an event bus target in another Region or account.",
            );
        }
        return None;
    }
    Some("Only SQS queue and event bus targets are supported by this emulator.")
}

fn put_targets(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = rule_name(r)?;
    check_bus(c, r)?;
    let items = r.list_req("Targets")?;
    if items.is_empty() || items.len() > 10 {
        return Err(ApiError::validation(
            "targets",
            "Member must have length between 1 and 10",
        ));
    }
    let i = find(st, c, &name).ok_or_else(|| rule_not_found(&name))?;
    let mut targets = Vec::new();
    for v in &items {
        if !v.is_object() {
            return Err(ApiError::serialization(
                "Expected structure for Targets member",
            ));
        }
        for unsupported in ["InputPath", "InputTransformer", "SqsParameters"] {
            if v.get(unsupported).is_some_and(|x| !x.is_null()) {
                return Err(ApiError::new(
                    "ValidationException",
                    format!("{unsupported} is not supported by this emulator."),
                ));
            }
        }
        let id = member_str(v, "Id", "Targets")?.unwrap_or_default();
        let arn = member_str(v, "Arn", "Targets")?.unwrap_or_default();
        if !valid_name(&id) || arn.is_empty() {
            return Err(ApiError::validation(
                "targets.member.id",
                "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+ and Arn must not be null",
            ));
        }
        if targets.iter().any(|t: &Target| t.id == id) {
            return Err(ApiError::new(
                "ValidationException",
                format!("Target ids must be unique within a request: {id}"),
            ));
        }
        targets.push(Target {
            id,
            arn,
            role_arn: member_str(v, "RoleArn", "Targets")?,
            input: member_str(v, "Input", "Targets")?,
        });
    }
    let rule = &mut st.events.rules[i];
    let new_ids = targets
        .iter()
        .filter(|t| !rule.targets.iter().any(|e| e.id == t.id))
        .count();
    if rule.targets.len() + new_ids > MAX_TARGETS {
        return Err(ApiError::new(
            "LimitExceededException",
            format!(
                "The requested resource exceeds the maximum number allowed ({MAX_TARGETS} targets per rule)."
            ),
        ));
    }
    let mut failed = Vec::new();
    for t in targets {
        if let Some(msg) = target_problem(c, &t) {
            failed.push(
                json!({"TargetId": t.id, "ErrorCode": "ValidationException", "ErrorMessage": msg}),
            );
            continue;
        }
        match rule.targets.iter_mut().find(|e| e.id == t.id) {
            Some(e) => *e = t,
            None => rule.targets.push(t),
        }
    }
    Ok(json!({"FailedEntryCount": failed.len(), "FailedEntries": failed}))
}

fn remove_targets(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = rule_name(r)?;
    check_bus(c, r)?;
    let ids = r.str_list_opt("Ids")?.unwrap_or_default();
    if ids.is_empty() || ids.len() > 100 {
        return Err(ApiError::validation(
            "ids",
            "Member must have length between 1 and 100",
        ));
    }
    let i = find(st, c, &name).ok_or_else(|| rule_not_found(&name))?;
    st.events.rules[i].targets.retain(|t| !ids.contains(&t.id));
    Ok(json!({"FailedEntryCount": 0, "FailedEntries": []}))
}

fn list_targets(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let name = rule_name(r)?;
    check_bus(c, r)?;
    let i = find(st, c, &name).ok_or_else(|| rule_not_found(&name))?;
    let items: Vec<Value> = st.events.rules[i]
        .targets
        .iter()
        .map(|t| {
            let mut v = json!({"Id": t.id, "Arn": t.arn});
            put_opt(&mut v, "RoleArn", t.role_arn.clone());
            put_opt(&mut v, "Input", t.input.clone());
            v
        })
        .collect();
    let token = r.str_opt("NextToken")?;
    let (page, next) = req::page(&items, token.as_deref(), 100, false).ok_or_else(|| {
        ApiError::new("ValidationException", "The NextToken provided is invalid.")
    })?;
    let mut out = json!({"Targets": page});
    put_opt(&mut out, "NextToken", next);
    Ok(out)
}

/// PutEvents: validates each entry and returns the response plus the events to route.
pub fn put_events(c: &Caller, r: &Req, time: &str) -> ApiResult<(Value, Vec<Value>)> {
    let entries = r.list_req("Entries")?;
    if entries.is_empty() || entries.len() > 10 {
        return Err(ApiError::validation(
            "entries",
            "Member must have length between 1 and 10",
        ));
    }
    let mut results = Vec::new();
    let mut events = Vec::new();
    for e in &entries {
        let bus = member_str(e, "EventBusName", "Entries")?;
        let source = member_str(e, "Source", "Entries")?;
        let detail_type = member_str(e, "DetailType", "Entries")?;
        let detail = member_str(e, "Detail", "Entries")?;
        let fail = |code: &str, msg: &str| json!({"ErrorCode": code, "ErrorMessage": msg});
        if bus
            .as_deref()
            .is_some_and(|b| b != "default" && b != bus_arn(&c.region, &c.account))
        {
            results.push(fail(
                "NotAuthorizedForEventBus",
                "Only the default event bus exists.",
            ));
            continue;
        }
        let (Some(source), Some(detail_type), Some(detail)) = (source, detail_type, detail) else {
            results.push(fail(
                "InvalidArgument",
                "Parameters Source, DetailType and Detail are required.",
            ));
            continue;
        };
        if source.starts_with("aws.") {
            results.push(fail(
                "NotAuthorizedForSourceException",
                "Not authorized for the source.",
            ));
            continue;
        }
        let detail: Value = match serde_json::from_str(&detail) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                results.push(fail("MalformedDetail", "Detail is malformed."));
                continue;
            }
        };
        let resources = e.get("Resources").cloned().unwrap_or_else(|| json!([]));
        let id = publish::uuid();
        events.push(json!({
            "version": "0",
            "id": id,
            "detail-type": detail_type,
            "source": source,
            "account": c.account,
            "time": time,
            "region": c.region,
            "resources": resources,
            "detail": detail,
        }));
        results.push(json!({"EventId": id}));
    }
    let failed = results
        .iter()
        .filter(|x| x.get("ErrorCode").is_some())
        .count();
    Ok((
        json!({"FailedEntryCount": failed, "Entries": results}),
        events,
    ))
}
