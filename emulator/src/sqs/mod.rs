//! Amazon SQS, standard queues, over the protocol current SDKs speak: awsJson1.0 with
//! `X-Amz-Target: AmazonSQS.<Op>`. SQS is "awsQueryCompatible": errors carry both the JSON
//! `__type` and the legacy query code in `x-amzn-query-error`, which the SDKs prefer.
//! Queue operations live here, message operations in `messages.rs`.

mod md5;
pub mod messages;
pub mod poll;

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::cloudtrail::put_opt;
use crate::error::{ApiError, ApiResult};
use crate::req::{self, Req};
use crate::state::{Caller, State, now};

pub const OPERATIONS: &[&str] = &[
    "CreateQueue",
    "GetQueueUrl",
    "GetQueueAttributes",
    "SetQueueAttributes",
    "ListQueues",
    "DeleteQueue",
    "PurgeQueue",
    "SendMessage",
    "SendMessageBatch",
    "ReceiveMessage",
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
];

#[derive(Debug, Clone, Default, Serialize)]
pub struct SqsState {
    pub queues: Vec<Queue>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub name: String,
    pub account: String,
    pub region: String,
    pub arn: String,
    pub created: f64,
    pub last_modified: f64,
    /// Settable attributes (defaults filled in at creation), as SQS returns them: strings.
    pub attributes: BTreeMap<String, String>,
    pub messages: Vec<messages::Message>,
    pub last_purge: Option<f64>,
}

/// (attribute, default, min, max) of the numeric attributes.
const NUMERIC: &[(&str, i64, i64, i64)] = &[
    ("DelaySeconds", 0, 0, 900),
    ("MaximumMessageSize", 262_144, 1024, 1_048_576),
    ("MessageRetentionPeriod", 345_600, 60, 1_209_600),
    ("ReceiveMessageWaitTimeSeconds", 0, 0, 20),
    ("VisibilityTimeout", 30, 0, 43_200),
    ("KmsDataKeyReusePeriodSeconds", 300, 60, 86_400),
];
const JSON_ATTRS: &[&str] = &["Policy", "RedrivePolicy", "RedriveAllowPolicy"];
const COMPUTED: &[&str] = &[
    "QueueArn",
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
];

impl Queue {
    pub fn attr_i64(&self, name: &str) -> i64 {
        self.attributes
            .get(name)
            .and_then(|v| v.parse().ok())
            .or_else(|| NUMERIC.iter().find(|n| n.0 == name).map(|n| n.1))
            .unwrap_or(0)
    }

    pub fn url(&self, base: &str) -> String {
        format!("{base}/{}/{}", self.account, self.name)
    }
}

/// An SQS error: `code` is the Smithy shape (JSON `__type`), see [`query_code`].
pub fn err(code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(code, message)
}

pub fn invalid_parameter(message: impl Into<String>) -> ApiError {
    err("InvalidParameterValueException", message)
}

fn missing(member: &str) -> ApiError {
    err(
        "MissingRequiredParameterException",
        format!("The request must contain the parameter {member}."),
    )
}

/// The legacy awsQuery error code SQS sends in `x-amzn-query-error` for a shape; the SDKs
/// match their modelled errors on it.
pub fn query_code(shape: &str) -> String {
    let prefixed = [
        "QueueDoesNotExist",
        "MessageNotInflight",
        "EmptyBatchRequest",
        "TooManyEntriesInBatchRequest",
        "BatchEntryIdsNotDistinct",
        "InvalidBatchEntryId",
        "BatchRequestTooLong",
        "PurgeQueueInProgress",
        "QueueDeletedRecently",
        "UnsupportedOperation",
    ];
    match shape {
        "QueueDoesNotExist" => "AWS.SimpleQueueService.NonExistentQueue".into(),
        "QueueNameExists" => "QueueAlreadyExists".into(),
        "InvalidParameterValueException" => "InvalidParameterValue".into(),
        "MissingRequiredParameterException" => "MissingParameter".into(),
        s if prefixed.contains(&s) => format!("AWS.SimpleQueueService.{s}"),
        s => s.into(),
    }
}

pub fn str_req(r: &Req, member: &str) -> ApiResult<String> {
    r.str_opt(member)?.ok_or_else(|| missing(member))
}

fn no_queue() -> ApiError {
    err(
        "QueueDoesNotExist",
        "The specified queue does not exist or you do not have access to it.",
    )
}

fn valid_queue_name(name: &str) -> bool {
    (1..=80).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `(region, account, name)` of `arn:aws:sqs:<region>:<account>:<name>`.
pub fn parse_queue_arn(arn: &str) -> Option<(String, String, String)> {
    let mut it = arn.strip_prefix("arn:aws:sqs:")?.splitn(3, ':');
    let (region, account, name) = (it.next()?, it.next()?, it.next()?);
    (crate::rules::valid_region(region)
        && crate::rules::valid_account_id(account)
        && valid_queue_name(name))
    .then(|| (region.into(), account.into(), name.into()))
}

/// The queue a QueueUrl names, in the caller's Region (the URL host is not checked, so any
/// endpoint override works). See assumptions.rs "sqs-cross-account".
pub fn find_by_url(st: &State, c: &Caller, url: &str) -> ApiResult<usize> {
    let path = url
        .split_once("://")
        .map_or(url, |(_, rest)| rest.split_once('/').map_or("", |(_, p)| p));
    let mut parts = path.trim_matches('/').split('/');
    let (Some(account), Some(name), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid_parameter(format!(
            "Value {url} for parameter QueueUrl is invalid. Reason: Invalid queue URL."
        )));
    };
    find(st, account, &c.region, name).ok_or_else(no_queue)
}

fn find(st: &State, account: &str, region: &str, name: &str) -> Option<usize> {
    st.sqs
        .queues
        .iter()
        .position(|q| q.account == account && q.region == region && q.name == name)
}

pub fn handle(st: &mut State, c: &Caller, op: &str, r: &Req, base: &str) -> ApiResult<Value> {
    match op {
        "CreateQueue" => create_queue(st, c, r, base),
        "GetQueueUrl" => get_queue_url(st, c, r, base),
        "GetQueueAttributes" => get_queue_attributes(st, c, r),
        "SetQueueAttributes" => set_queue_attributes(st, c, r),
        "ListQueues" => list_queues(st, c, r, base),
        "DeleteQueue" => {
            let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
            st.sqs.queues.remove(i);
            Ok(json!({}))
        }
        "PurgeQueue" => purge_queue(st, c, r),
        "SendMessage" => messages::send(st, c, r),
        "SendMessageBatch" => messages::send_batch(st, c, r),
        "ReceiveMessage" => messages::receive_now(st, c, r).map(|(v, _)| v),
        "DeleteMessage" => messages::delete(st, c, r),
        "DeleteMessageBatch" => messages::delete_batch(st, c, r),
        "ChangeMessageVisibility" => messages::change_visibility(st, c, r),
        _ => Err(ApiError::unknown_operation(op)),
    }
}

/// Validates an `Attributes` map for CreateQueue/SetQueueAttributes.
fn parse_attributes(r: &Req) -> ApiResult<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in r.object_opt("Attributes")?.unwrap_or_default() {
        let v = v
            .as_str()
            .ok_or_else(|| ApiError::serialization("Expected string for attribute values"))?
            .to_string();
        let bad_value = || {
            err(
                "InvalidAttributeValue",
                format!("Invalid value for the parameter {k}."),
            )
        };
        let valid = match k.as_str() {
            n if NUMERIC.iter().any(|x| x.0 == n) => {
                let (_, _, min, max) = NUMERIC
                    .iter()
                    .find(|x| x.0 == n)
                    .copied()
                    .unwrap_or_default();
                v.parse::<i64>().is_ok_and(|x| (min..=max).contains(&x))
            }
            n if JSON_ATTRS.contains(&n) => {
                v.is_empty() || serde_json::from_str::<Value>(&v).is_ok_and(|j| j.is_object())
            }
            "SqsManagedSseEnabled" => v == "true" || v == "false",
            "KmsMasterKeyId" => true,
            // Standard queues only: FifoQueue=false is the default, anything FIFO is unknown.
            "FifoQueue" if v == "false" => continue,
            _ => {
                return Err(err(
                    "InvalidAttributeName",
                    format!("Unknown Attribute {k}."),
                ));
            }
        };
        if !valid {
            return Err(bad_value());
        }
        out.insert(k, v);
    }
    Ok(out)
}

fn create_queue(st: &mut State, c: &Caller, r: &Req, base: &str) -> ApiResult<Value> {
    let name = str_req(r, "QueueName")?;
    if !valid_queue_name(&name) {
        return Err(invalid_parameter(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length",
        ));
    }
    let attrs = parse_attributes(r)?;
    if let Some(i) = find(st, &c.account, &c.region, &name) {
        let q = &st.sqs.queues[i];
        let same = attrs.iter().all(|(k, v)| {
            q.attributes.get(k).map(String::as_str).unwrap_or_default() == v.as_str()
        });
        if !same {
            return Err(err(
                "QueueNameExists",
                "A queue already exists with the same name and a different value for attribute(s).",
            ));
        }
        return Ok(json!({"QueueUrl": q.url(base)}));
    }
    let mut attributes: BTreeMap<String, String> = NUMERIC
        .iter()
        .filter(|n| n.0 != "KmsDataKeyReusePeriodSeconds")
        .map(|n| (n.0.to_string(), n.1.to_string()))
        .collect();
    attributes.insert("SqsManagedSseEnabled".into(), "true".into());
    attributes.extend(attrs);
    let t = now();
    let q = Queue {
        arn: format!("arn:aws:sqs:{}:{}:{name}", c.region, c.account),
        name,
        account: c.account.clone(),
        region: c.region.clone(),
        created: t,
        last_modified: t,
        attributes,
        messages: Vec::new(),
        last_purge: None,
    };
    let url = q.url(base);
    st.sqs.queues.push(q);
    Ok(json!({"QueueUrl": url}))
}

fn get_queue_url(st: &mut State, c: &Caller, r: &Req, base: &str) -> ApiResult<Value> {
    let name = str_req(r, "QueueName")?;
    let owner = r
        .str_opt("QueueOwnerAWSAccountId")?
        .unwrap_or_else(|| c.account.clone());
    let i = find(st, &owner, &c.region, &name).ok_or_else(no_queue)?;
    Ok(json!({"QueueUrl": st.sqs.queues[i].url(base)}))
}

fn get_queue_attributes(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let names = r.str_list_opt("AttributeNames")?.unwrap_or_default();
    let t = now();
    let q = &mut st.sqs.queues[i];
    messages::tidy(q, t);
    let counts = messages::counts(q, t);
    let mut all: BTreeMap<String, String> = q.attributes.clone();
    all.insert("QueueArn".into(), q.arn.clone());
    all.insert("ApproximateNumberOfMessages".into(), counts.0.to_string());
    all.insert(
        "ApproximateNumberOfMessagesNotVisible".into(),
        counts.1.to_string(),
    );
    all.insert(
        "ApproximateNumberOfMessagesDelayed".into(),
        counts.2.to_string(),
    );
    all.insert("CreatedTimestamp".into(), (q.created as i64).to_string());
    all.insert(
        "LastModifiedTimestamp".into(),
        (q.last_modified as i64).to_string(),
    );
    let mut out = serde_json::Map::new();
    for n in &names {
        if n == "All" {
            out.extend(all.iter().map(|(k, v)| (k.clone(), json!(v))));
            continue;
        }
        let known = COMPUTED.contains(&n.as_str())
            || NUMERIC.iter().any(|x| x.0 == n)
            || JSON_ATTRS.contains(&n.as_str())
            || matches!(n.as_str(), "SqsManagedSseEnabled" | "KmsMasterKeyId");
        if !known {
            return Err(err(
                "InvalidAttributeName",
                format!("Unknown Attribute {n}."),
            ));
        }
        if let Some(v) = all.get(n) {
            out.insert(n.clone(), json!(v));
        }
    }
    let mut v = json!({});
    if !out.is_empty() {
        v["Attributes"] = Value::Object(out);
    }
    Ok(v)
}

fn set_queue_attributes(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    if !r.has("Attributes") {
        return Err(missing("Attributes"));
    }
    let attrs = parse_attributes(r)?;
    let q = &mut st.sqs.queues[i];
    for (k, v) in attrs {
        // An empty Policy/RedrivePolicy removes it.
        if v.is_empty() && JSON_ATTRS.contains(&k.as_str()) {
            q.attributes.remove(&k);
        } else {
            q.attributes.insert(k, v);
        }
    }
    q.last_modified = now();
    Ok(json!({}))
}

fn list_queues(st: &mut State, c: &Caller, r: &Req, base: &str) -> ApiResult<Value> {
    let prefix = r.str_opt("QueueNamePrefix")?.unwrap_or_default();
    let max = match r.int_opt("MaxResults")? {
        None => 1000,
        Some(n @ 1..=1000) => n as usize,
        Some(_) => return Err(invalid_parameter("MaxResults must be between 1 and 1000.")),
    };
    let urls: Vec<String> = st
        .sqs
        .queues
        .iter()
        .filter(|q| q.account == c.account && q.region == c.region && q.name.starts_with(&prefix))
        .map(|q| q.url(base))
        .collect();
    let token = r.str_opt("NextToken")?;
    let (page, next) = req::page(&urls, token.as_deref(), max, false)
        .ok_or_else(|| invalid_parameter("Invalid NextToken value."))?;
    let mut out = json!({});
    if !page.is_empty() {
        out["QueueUrls"] = json!(page);
    }
    // SQS pages only when MaxResults is given.
    if r.has("MaxResults") {
        put_opt(&mut out, "NextToken", next);
    }
    Ok(out)
}

fn purge_queue(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let t = now();
    let q = &mut st.sqs.queues[i];
    if q.last_purge.is_some_and(|p| t - p < 60.0) {
        return Err(err(
            "PurgeQueueInProgress",
            format!(
                "Only one PurgeQueue operation on {} is allowed every 60 seconds.",
                q.name
            ),
        ));
    }
    q.last_purge = Some(t);
    q.messages.clear();
    Ok(json!({}))
}

/// EventBridge hands an event to a queue target (no queue policy evaluation; see docs).
pub fn deliver(st: &mut State, arn: &str, body: String, sender: &str) -> Result<(), &'static str> {
    let (region, account, name) = parse_queue_arn(arn).ok_or("invalid_queue_arn")?;
    let i = find(st, &account, &region, &name).ok_or("queue_does_not_exist")?;
    let q = &mut st.sqs.queues[i];
    if body.len() as i64 > q.attr_i64("MaximumMessageSize") {
        return Err("message_too_large");
    }
    messages::enqueue(q, body, sender, 0);
    Ok(())
}
