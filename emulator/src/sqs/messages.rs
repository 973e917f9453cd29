//! SQS messages: send, receive (one non-blocking attempt; long polling is in `poll.rs`),
//! delete and visibility. A message is in flight while `visible_at` is in the future after a
//! receive, delayed while it is in the future before the first receive.

use serde::Serialize;
use serde_json::{Value, json};

use super::{Queue, err, find_by_url, invalid_parameter, str_req};
use crate::error::{ApiError, ApiResult};
use crate::req::{Req, member_str};
use crate::state::{Caller, State, now};

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub id: String,
    pub body: String,
    pub md5: String,
    pub sender_id: String,
    pub sent: f64,
    pub visible_at: f64,
    pub receive_count: u64,
    pub first_receive: Option<f64>,
    /// The handle of the latest receive.
    pub receipt_handle: Option<String>,
}

const ATTRIBUTE_NAMES: &[&str] = &[
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
];

pub fn enqueue(q: &mut Queue, body: String, sender: &str, delay: i64) -> (String, String) {
    let t = now();
    let id = crate::eventbridge::publish::uuid();
    let md5 = super::md5::hex_digest(body.as_bytes());
    q.messages.push(Message {
        id: id.clone(),
        md5: md5.clone(),
        body,
        sender_id: sender.to_string(),
        sent: t,
        visible_at: t + delay as f64,
        receive_count: 0,
        first_receive: None,
        receipt_handle: None,
    });
    (id, md5)
}

/// Drops messages past the retention period.
pub fn tidy(q: &mut Queue, t: f64) {
    let retention = q.attr_i64("MessageRetentionPeriod") as f64;
    q.messages.retain(|m| t - m.sent < retention);
}

/// (visible, in flight, delayed).
pub fn counts(q: &Queue, t: f64) -> (usize, usize, usize) {
    let hidden = |m: &&Message| m.visible_at > t;
    let in_flight = q
        .messages
        .iter()
        .filter(hidden)
        .filter(|m| m.receive_count > 0)
        .count();
    let delayed = q
        .messages
        .iter()
        .filter(hidden)
        .filter(|m| m.receive_count == 0)
        .count();
    (q.messages.len() - in_flight - delayed, in_flight, delayed)
}

/// SQS accepts only these XML characters in bodies.
fn valid_body(body: &str) -> bool {
    body.chars().all(|c| {
        matches!(c, '\u{9}' | '\u{a}' | '\u{d}' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
            || c >= '\u{10000}'
    })
}

fn check_body(q: &Queue, body: &str) -> ApiResult<()> {
    if body.is_empty() {
        return Err(err(
            "MissingRequiredParameterException",
            "The request must contain the parameter MessageBody.",
        ));
    }
    if !valid_body(body) {
        return Err(err(
            "InvalidMessageContents",
            "Invalid characters found in the message body.",
        ));
    }
    let max = q.attr_i64("MaximumMessageSize");
    if body.len() as i64 > max {
        return Err(invalid_parameter(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max} bytes."
        )));
    }
    Ok(())
}

fn delay_seconds(q: &Queue, v: Option<i64>) -> ApiResult<i64> {
    match v {
        None => Ok(q.attr_i64("DelaySeconds")),
        Some(d @ 0..=900) => Ok(d),
        Some(d) => Err(invalid_parameter(format!(
            "Value {d} for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900."
        ))),
    }
}

fn reject_message_attributes(has: bool) -> ApiResult<()> {
    if has {
        return Err(err(
            "UnsupportedOperation",
            "MessageAttributes and MessageSystemAttributes are not supported by this emulator.",
        ));
    }
    Ok(())
}

fn sender_id(c: &Caller) -> String {
    c.user_id.clone()
}

pub fn send(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let body = str_req(r, "MessageBody")?;
    reject_message_attributes(r.has("MessageAttributes") || r.has("MessageSystemAttributes"))?;
    let q = &mut st.sqs.queues[i];
    check_body(q, &body)?;
    let delay = delay_seconds(q, r.int_opt("DelaySeconds")?)?;
    let (id, md5) = enqueue(q, body, &sender_id(c), delay);
    Ok(json!({"MessageId": id, "MD5OfMessageBody": md5}))
}

/// Batch entries: 1..=10, ids unique and `[A-Za-z0-9_-]{1,80}`.
fn batch_entries(r: &Req, member: &str) -> ApiResult<Vec<Value>> {
    let entries = r.list_opt(member)?.unwrap_or_default();
    if entries.is_empty() {
        return Err(err(
            "EmptyBatchRequest",
            "There should be at least one entry in the request.",
        ));
    }
    if entries.len() > 10 {
        return Err(err(
            "TooManyEntriesInBatchRequest",
            format!(
                "Maximum number of entries per request are 10. You have sent {}.",
                entries.len()
            ),
        ));
    }
    let mut ids = Vec::new();
    for e in &entries {
        let id = member_str(e, "Id", member)?.unwrap_or_default();
        let valid = (1..=80).contains(&id.len())
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(err(
                "InvalidBatchEntryId",
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.",
            ));
        }
        if ids.contains(&id) {
            return Err(err(
                "BatchEntryIdsNotDistinct",
                format!("Id {id} repeated."),
            ));
        }
        ids.push(id);
    }
    Ok(entries)
}

fn failed(id: &str, e: &ApiError) -> Value {
    json!({"Id": id, "SenderFault": true, "Code": super::query_code(&e.code), "Message": e.message})
}

pub fn send_batch(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let entries = batch_entries(r, "Entries")?;
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let q = &mut st.sqs.queues[i];
    for e in &entries {
        let id = member_str(e, "Id", "Entries")?.unwrap_or_default();
        let attempt = (|| {
            reject_message_attributes(
                e.get("MessageAttributes").is_some() || e.get("MessageSystemAttributes").is_some(),
            )?;
            let body = member_str(e, "MessageBody", "Entries")?.unwrap_or_default();
            check_body(q, &body)?;
            let delay = delay_seconds(q, e.get("DelaySeconds").and_then(Value::as_i64))?;
            Ok::<_, ApiError>(enqueue(q, body, &sender_id(c), delay))
        })();
        match attempt {
            Ok((mid, md5)) => ok.push(json!({"Id": id, "MessageId": mid, "MD5OfMessageBody": md5})),
            Err(e) => bad.push(failed(&id, &e)),
        }
    }
    Ok(json!({"Successful": ok, "Failed": bad}))
}

fn int_in(r: &Req, member: &str, lo: i64, hi: i64) -> ApiResult<Option<i64>> {
    match r.int_opt(member)? {
        Some(v) if v < lo || v > hi => Err(invalid_parameter(format!(
            "Value {v} for parameter {member} is invalid. Reason: Must be between {lo} and {hi}."
        ))),
        v => Ok(v),
    }
}

/// The WaitTimeSeconds of a ReceiveMessage: the request's or the queue's default.
pub fn wait_seconds(st: &State, c: &Caller, r: &Req) -> ApiResult<i64> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    Ok(int_in(r, "WaitTimeSeconds", 0, 20)?
        .unwrap_or_else(|| st.sqs.queues[i].attr_i64("ReceiveMessageWaitTimeSeconds")))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// One receive attempt. Returns the response and, when nothing was returned, the next time
/// a hidden message becomes visible (for the long-poll wake-up).
pub fn receive_now(st: &mut State, c: &Caller, r: &Req) -> ApiResult<(Value, Option<f64>)> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let max = int_in(r, "MaxNumberOfMessages", 1, 10)?.unwrap_or(1) as usize;
    int_in(r, "WaitTimeSeconds", 0, 20)?;
    let visibility = int_in(r, "VisibilityTimeout", 0, 43_200)?;
    reject_message_attributes(
        r.str_list_opt("MessageAttributeNames")?
            .is_some_and(|n| !n.is_empty()),
    )?;
    let mut wanted = r
        .str_list_opt("MessageSystemAttributeNames")?
        .unwrap_or_default();
    wanted.extend(r.str_list_opt("AttributeNames")?.unwrap_or_default());
    let all = wanted.iter().any(|n| n == "All");
    let t = now();
    let q = &mut st.sqs.queues[i];
    tidy(q, t);
    let visibility = visibility.unwrap_or_else(|| q.attr_i64("VisibilityTimeout")) as f64;
    let arn = q.arn.clone();
    let mut out = Vec::new();
    for m in q
        .messages
        .iter_mut()
        .filter(|m| m.visible_at <= t)
        .take(max)
    {
        m.receive_count += 1;
        m.first_receive.get_or_insert(t);
        m.visible_at = t + visibility;
        let nonce: u64 = rand::random();
        let handle = hex(&format!("{arn}|{}|{nonce:016x}", m.id));
        m.receipt_handle = Some(handle.clone());
        let mut attrs = serde_json::Map::new();
        let values = [
            m.sender_id.clone(),
            ((m.sent * 1000.0) as u64).to_string(),
            m.receive_count.to_string(),
            ((m.first_receive.unwrap_or(t) * 1000.0) as u64).to_string(),
        ];
        for (name, value) in ATTRIBUTE_NAMES.iter().zip(values) {
            if all || wanted.iter().any(|w| w == name) {
                attrs.insert(name.to_string(), json!(value));
            }
        }
        let mut msg = json!({
            "MessageId": m.id,
            "ReceiptHandle": handle,
            "MD5OfBody": m.md5,
            "Body": m.body,
        });
        if !attrs.is_empty() {
            msg["Attributes"] = Value::Object(attrs);
        }
        out.push(msg);
    }
    if out.is_empty() {
        let next = q
            .messages
            .iter()
            .map(|m| m.visible_at)
            .filter(|v| *v > t)
            .fold(None, |acc: Option<f64>, v| {
                Some(acc.map_or(v, |a| a.min(v)))
            });
        return Ok((json!({}), next));
    }
    Ok((json!({"Messages": out}), None))
}

/// Resolves a receipt handle to the message index; `Ok(None)` when the message is gone.
fn by_handle(q: &Queue, handle: &str) -> ApiResult<Option<usize>> {
    let invalid = || {
        err(
            "ReceiptHandleIsInvalid",
            format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
        )
    };
    let text = unhex(handle).ok_or_else(invalid)?;
    let mut parts = text.split('|');
    let (Some(arn), Some(id), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if arn != q.arn {
        return Err(invalid());
    }
    Ok(q.messages.iter().position(|m| m.id == id))
}

pub fn delete(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let handle = str_req(r, "ReceiptHandle")?;
    let q = &mut st.sqs.queues[i];
    // Deleting an already-deleted message succeeds, as in SQS.
    if let Some(m) = by_handle(q, &handle)? {
        q.messages.remove(m);
    }
    Ok(json!({}))
}

pub fn delete_batch(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let entries = batch_entries(r, "Entries")?;
    let (mut ok, mut bad) = (Vec::new(), Vec::new());
    let q = &mut st.sqs.queues[i];
    for e in &entries {
        let id = member_str(e, "Id", "Entries")?.unwrap_or_default();
        let handle = member_str(e, "ReceiptHandle", "Entries")?.unwrap_or_default();
        match by_handle(q, &handle) {
            Ok(found) => {
                if let Some(m) = found {
                    q.messages.remove(m);
                }
                ok.push(json!({"Id": id}));
            }
            Err(e) => bad.push(failed(&id, &e)),
        }
    }
    Ok(json!({"Successful": ok, "Failed": bad}))
}

pub fn change_visibility(st: &mut State, c: &Caller, r: &Req) -> ApiResult<Value> {
    let i = find_by_url(st, c, &str_req(r, "QueueUrl")?)?;
    let handle = str_req(r, "ReceiptHandle")?;
    let timeout = int_in(r, "VisibilityTimeout", 0, 43_200)?
        .ok_or_else(|| super::missing("VisibilityTimeout"))?;
    let t = now();
    let q = &mut st.sqs.queues[i];
    let Some(m) = by_handle(q, &handle)? else {
        return Err(invalid_parameter(format!(
            "Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change."
        )));
    };
    let m = &mut q.messages[m];
    if m.receive_count == 0 || m.visible_at <= t {
        return Err(err(
            "MessageNotInflight",
            "The message referred to isn't in flight.",
        ));
    }
    m.visible_at = t + timeout as f64;
    Ok(json!({}))
}
