//! HTTP front end: protocol detection (awsJson1.0/1.1 via X-Amz-Target, awsQuery for STS),
//! caller resolution from the SigV4 credential scope, fault injection, call logging,
//! error rendering, event publishing, and the `/_emulator/` test hooks.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State as AxState};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::assumptions;
use crate::config::Config;
use crate::error::ApiError;
use crate::eventbridge::faults::EventHooks;
use crate::eventbridge::publish::{self, CallContext, Outgoing, Pending};
use crate::hooks::{CallRecord, Hooks};
use crate::req::Req;
use crate::rules;
use crate::state::{Caller, State, now};
use crate::{cloudtrail, eventbridge, hook_routes, organizations, sqs, sts};

const ORGANIZATIONS_PREFIX: &str = "AWSOrganizationsV20161128.";
/// botocore (AWS CLI) sends the model's full targetPrefix ...
const CLOUDTRAIL_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
/// ... while the Rust SDK sends the Smithy service shape name; AWS accepts both.
const CLOUDTRAIL_SHORT_PREFIX: &str = "CloudTrail_20131101.";
const SQS_PREFIX: &str = "AmazonSQS.";
const EVENTS_PREFIX: &str = "AWSEvents.";

pub struct App {
    pub initial: Config,
    pub state: Mutex<State>,
    pub hooks: Mutex<Hooks>,
    pub event_hooks: Mutex<EventHooks>,
    /// Woken whenever a queue may have a newly visible message (long polling waits on it).
    pub sqs_notify: Notify,
    /// Ordered event delivery (see eventbridge/publish.rs).
    pub event_tx: UnboundedSender<Pending>,
    event_rx: Mutex<Option<UnboundedReceiver<Pending>>>,
    /// Bumped by `/_emulator/reset`, so events published before it are not delivered after.
    pub generation: AtomicU64,
}

pub type Shared = Arc<App>;

impl App {
    pub fn new(config: Config) -> Shared {
        let (event_tx, event_rx) = unbounded_channel();
        Arc::new(App {
            state: Mutex::new(State::new(config.clone())),
            initial: config,
            hooks: Mutex::new(Hooks::default()),
            event_hooks: Mutex::new(EventHooks::default()),
            sqs_notify: Notify::new(),
            event_tx,
            event_rx: Mutex::new(Some(event_rx)),
            generation: AtomicU64::new(0),
        })
    }

    /// Starts the delivery worker on first use (from inside the runtime).
    pub fn start_event_worker(self: &Arc<Self>) {
        let rx = self
            .event_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(rx) = rx {
            tokio::spawn(publish::worker(self.clone(), rx));
        }
    }

    /// A poisoned lock only means another request panicked mid-way; the data is still the
    /// best we have, so keep serving rather than failing every later request.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn hooks(&self) -> MutexGuard<'_, Hooks> {
        self.hooks.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn event_hooks(&self) -> MutexGuard<'_, EventHooks> {
        self.event_hooks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn router(app: Shared) -> Router {
    Router::new()
        .route(
            "/_emulator/calls",
            get(hook_routes::get_calls).delete(hook_routes::clear_calls),
        )
        .route("/_emulator/counters", get(hook_routes::get_counters))
        .route(
            "/_emulator/faults",
            get(hook_routes::get_faults)
                .post(hook_routes::add_fault)
                .delete(hook_routes::clear_faults),
        )
        .route("/_emulator/state", get(hook_routes::get_state))
        .route("/_emulator/reset", post(hook_routes::reset))
        .route(
            "/_emulator/config",
            get(hook_routes::get_config).post(hook_routes::patch_config),
        )
        .route("/_emulator/assumptions", get(hook_routes::get_assumptions))
        .route(
            "/_emulator/events",
            get(eventbridge::hooks::get_events).delete(eventbridge::hooks::clear_events),
        )
        .route(
            "/_emulator/event-faults",
            get(eventbridge::hooks::get_event_faults)
                .post(eventbridge::hooks::add_event_fault)
                .delete(eventbridge::hooks::clear_event_faults),
        )
        .fallback(aws)
        .with_state(app)
}

fn request_id() -> String {
    let a: u128 = rand::random();
    let h = format!("{a:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Protocol {
    Json,
    Query,
}

struct Call {
    protocol: Protocol,
    service: &'static str,
    operation: String,
}

fn json_content_type(service: &str) -> &'static str {
    if service == "sqs" {
        "application/x-amz-json-1.0"
    } else {
        "application/x-amz-json-1.1"
    }
}

fn json_error(service: &str, e: &ApiError, rid: &str) -> Response {
    let mut body = json!({"__type": e.code});
    if service == "sqs" {
        return sqs_error(e, rid);
    }
    if service == "organizations" {
        body["Message"] = json!(e.message);
        if let Some(r) = &e.reason {
            body["Reason"] = json!(r);
        }
    } else {
        body["message"] = json!(e.message);
    }
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                "application/x-amz-json-1.1".to_string(),
            ),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                rid.to_string(),
            ),
        ],
        body.to_string(),
    )
        .into_response()
}

/// SQS (awsQueryCompatible): namespaced `__type` plus the legacy code in `x-amzn-query-error`.
fn sqs_error(e: &ApiError, rid: &str) -> Response {
    let body = json!({"__type": format!("com.amazonaws.sqs#{}", e.code), "message": e.message});
    let fault = if e.status >= 500 {
        "Receiver"
    } else {
        "Sender"
    };
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [
            (header::CONTENT_TYPE, json_content_type("sqs").to_string()),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                rid.to_string(),
            ),
            (
                header::HeaderName::from_static("x-amzn-query-error"),
                format!("{};{fault}", sqs::query_code(&e.code)),
            ),
        ],
        body.to_string(),
    )
        .into_response()
}

fn xml_response(status: u16, body: String, rid: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        [
            (header::CONTENT_TYPE, "text/xml".to_string()),
            (
                header::HeaderName::from_static("x-amzn-requestid"),
                rid.to_string(),
            ),
        ],
        body,
    )
        .into_response()
}

fn render_error(call: &Call, e: &ApiError, rid: &str) -> Response {
    match call.protocol {
        Protocol::Json => json_error(call.service, e, rid),
        Protocol::Query => xml_response(e.status, sts::error_xml(e, rid), rid),
    }
}

/// Form parameters of an awsQuery request: URL query string plus form body.
fn query_params(uri: &Uri, body: &[u8]) -> BTreeMap<String, String> {
    let mut p: BTreeMap<String, String> = uri
        .query()
        .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
        .unwrap_or_default();
    p.extend(form_urlencoded::parse(body).into_owned());
    p
}

fn classify(headers: &HeaderMap, params: &BTreeMap<String, String>) -> Result<Call, ApiError> {
    if let Some(target) = headers.get("x-amz-target") {
        let target = target.to_str().unwrap_or_default();
        let (service, op) = if let Some(op) = target.strip_prefix(ORGANIZATIONS_PREFIX) {
            ("organizations", op)
        } else if let Some(op) = target
            .strip_prefix(CLOUDTRAIL_PREFIX)
            .or_else(|| target.strip_prefix(CLOUDTRAIL_SHORT_PREFIX))
        {
            ("cloudtrail", op)
        } else if let Some(op) = target.strip_prefix(SQS_PREFIX) {
            ("sqs", op)
        } else if let Some(op) = target.strip_prefix(EVENTS_PREFIX) {
            ("events", op)
        } else {
            return Err(ApiError::new(
                "UnknownOperationException",
                format!("Unknown X-Amz-Target {target}"),
            ));
        };
        return Ok(Call {
            protocol: Protocol::Json,
            service,
            operation: op.to_string(),
        });
    }
    match params.get("Action") {
        Some(action) => Ok(Call {
            protocol: Protocol::Query,
            service: "sts",
            operation: action.clone(),
        }),
        None => Err(ApiError::new(
            "UnknownOperationException",
            "Requests need an X-Amz-Target header (awsJson1.1) or an Action parameter (STS).",
        )),
    }
}

/// Maps the SigV4 access key to the calling identity (see docs/emulator.md "Accounts and keys").
fn resolve_caller(
    st: &State,
    headers: &HeaderMap,
    params: &BTreeMap<String, String>,
    sts_call: bool,
) -> Result<Caller, ApiError> {
    let scope = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(rules::parse_authorization)
        .or_else(|| {
            params
                .get("X-Amz-Credential")
                .and_then(|c| rules::parse_authorization(&format!("Credential={c}")))
        });
    let Some(scope) = scope else {
        let code = if sts_call {
            "MissingAuthenticationToken"
        } else {
            "MissingAuthenticationTokenException"
        };
        return Err(
            ApiError::new(code, "Request is missing Authentication Token").with_status(403),
        );
    };
    if !rules::valid_region(&scope.region) {
        let code = if sts_call {
            "InvalidClientTokenId"
        } else {
            "UnrecognizedClientException"
        };
        return Err(ApiError::new(
            code,
            format!("Invalid region in credential scope: {}", scope.region),
        )
        .with_status(403));
    }
    let key = scope.access_key;
    let invalid = || {
        let code = if sts_call {
            "InvalidClientTokenId"
        } else {
            "UnrecognizedClientException"
        };
        ApiError::new(
            code,
            "The security token included in the request is invalid.",
        )
        .with_status(403)
    };
    let (account, arn, user_id, denied) = if let Some(k) = st.config.access_keys.get(&key) {
        let user = k.user.clone().unwrap_or_else(|| "orgtrail".into());
        (
            k.account.clone(),
            format!("arn:aws:iam::{}:user/{user}", k.account),
            format!(
                "AIDA{}",
                &key.chars()
                    .filter(char::is_ascii_alphanumeric)
                    .collect::<String>()
            ),
            k.denied_actions.clone(),
        )
    } else if st.account(&key).is_some() {
        (
            key.clone(),
            format!("arn:aws:iam::{key}:root"),
            key.clone(),
            Vec::new(),
        )
    } else if let Some(s) = st.sessions.get(&key) {
        if s.expiration < now() {
            let code = if sts_call {
                "ExpiredToken"
            } else {
                "ExpiredTokenException"
            };
            return Err(ApiError::new(
                code,
                "The security token included in the request is expired",
            )
            .with_status(403));
        }
        let role = s.role_arn.rsplit('/').next().unwrap_or_default();
        (
            s.account.clone(),
            format!(
                "arn:aws:sts::{}:assumed-role/{role}/{}",
                s.account, s.session_name
            ),
            format!("AROA{}:{}", &key[4.min(key.len())..], s.session_name),
            Vec::new(),
        )
    } else {
        return Err(invalid());
    };
    Ok(Caller {
        access_key: key,
        account,
        region: scope.region,
        arn,
        user_id,
        denied_actions: denied,
    })
}

/// The request facts CloudTrail records and SQS needs for queue URLs.
struct HttpFacts {
    source_ip: String,
    user_agent: String,
    /// `http://<host the request came to>`, the base of queue URLs.
    base_url: String,
}

fn http_facts(req: &Request) -> HttpFacts {
    let headers = req.headers();
    let source_ip = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "127.0.0.1".into());
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
    };
    let host = text(header::HOST)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_else(|| "localhost".into());
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    HttpFacts {
        source_ip,
        user_agent: text(header::USER_AGENT).unwrap_or_default(),
        base_url: format!("{scheme}://{host}"),
    }
}

async fn aws(AxState(app): AxState<Shared>, request: Request) -> Response {
    let rid = request_id();
    let facts = http_facts(&request);
    let (parts, body) = request.into_parts();
    let (uri, headers) = (parts.uri, parts.headers);
    let body = match axum::body::to_bytes(body, 16 * 1024 * 1024).await {
        Ok(b) => b,
        Err(e) => {
            let err = ApiError::serialization(format!("Cannot read the request body: {e}"));
            return json_error("cloudtrail", &err, &rid);
        }
    };
    let params = if headers.contains_key("x-amz-target") {
        query_params(&uri, b"")
    } else {
        query_params(&uri, &body)
    };
    let call = match classify(&headers, &params) {
        Ok(c) => c,
        Err(e) => {
            return json_error("cloudtrail", &e, &rid);
        }
    };
    // AssumeRoleWithWebIdentity is the one unsigned action: the token authenticates it, and a
    // signature, if any, is ignored. Every other request needs a known access key.
    let anonymous = call.protocol == Protocol::Query && call.operation == sts::WEB_IDENTITY_ACTION;
    let caller = if anonymous {
        Ok(None)
    } else {
        let st = app.state();
        resolve_caller(&st, &headers, &params, call.protocol == Protocol::Query).map(Some)
    };
    let known = caller.as_ref().ok().and_then(Option::as_ref);
    let mut record = CallRecord {
        seq: 0,
        time_ms: (now() * 1000.0) as u64,
        service: call.service.to_string(),
        operation: call.operation.clone(),
        access_key: known.map(|c| c.access_key.clone()),
        account: known.map(|c| c.account.clone()),
        region: known.map(|c| c.region.clone()),
        kind: assumptions::call_kind(&call.operation),
        outcome: "ok".into(),
    };
    let result = match caller {
        Err(e) => Err(e),
        Ok(caller) => {
            let fault = app.hooks().decide(call.service, &call.operation);
            if fault.latency_ms > 0 {
                tokio::time::sleep(Duration::from_millis(fault.latency_ms)).await;
            }
            match (fault.error, caller) {
                (Some(e), _) => Err(e),
                (None, None) => {
                    let mut st = app.state();
                    sts::assume_role_with_web_identity(&mut st, &params).map(|(inner, account)| {
                        // The call log names the role's account; there is no access key.
                        record.account = Some(account);
                        Dispatched {
                            body: sts::success_xml(&call.operation, &inner, &rid),
                            events: Vec::new(),
                        }
                    })
                }
                (None, Some(caller)) => match precheck(&call, &caller) {
                    Err(e) => Err(e),
                    // Long polling waits outside the state lock, so it is async.
                    Ok(()) if call.service == "sqs" && call.operation == "ReceiveMessage" => {
                        sqs::poll::receive(&app, &caller, &body)
                            .await
                            .map(|v| Dispatched {
                                body: v.to_string(),
                                events: Vec::new(),
                            })
                    }
                    Ok(()) => {
                        let ctx = CallContext {
                            service: call.service,
                            operation: &call.operation,
                            caller: &caller,
                            request: &body,
                            request_id: &rid,
                            source_ip: &facts.source_ip,
                            user_agent: &facts.user_agent,
                        };
                        dispatch(&app, &call, &ctx, &params, &facts.base_url)
                    }
                },
            }
        }
    };
    if let Err(e) = &result {
        record.outcome = e.code.clone();
    }
    tracing::debug!(service = call.service, op = %call.operation, outcome = %record.outcome, "call");
    app.hooks().record(record);
    match result {
        Ok(out) => {
            if call.service == "sqs" {
                app.sqs_notify.notify_waiters();
            }
            if !out.events.is_empty() {
                publish::publish(&app, out.events);
            }
            match call.protocol {
                Protocol::Json => (
                    StatusCode::OK,
                    [
                        (
                            header::CONTENT_TYPE,
                            json_content_type(call.service).to_string(),
                        ),
                        (header::HeaderName::from_static("x-amzn-requestid"), rid),
                    ],
                    out.body,
                )
                    .into_response(),
                Protocol::Query => xml_response(200, out.body, &rid),
            }
        }
        Err(e) => render_error(&call, &e, &rid),
    }
}

/// A successful call: the response body and the events it publishes.
struct Dispatched {
    body: String,
    events: Vec<Outgoing>,
}

/// Known operation and not denied to the caller.
fn precheck(call: &Call, caller: &Caller) -> Result<(), ApiError> {
    let action = format!("{}:{}", call.service, call.operation);
    let known = match call.service {
        "organizations" => organizations::OPERATIONS.contains(&call.operation.as_str()),
        "cloudtrail" => cloudtrail::OPERATIONS.contains(&call.operation.as_str()),
        "sqs" => sqs::OPERATIONS.contains(&call.operation.as_str()),
        "events" => eventbridge::OPERATIONS.contains(&call.operation.as_str()),
        _ => true,
    };
    if !known {
        return Err(crate::error::ApiError::unknown_operation(&call.operation));
    }
    if caller.denied(&action) {
        let e = ApiError::access_denied(&caller.arn, &action);
        return Err(if call.protocol == Protocol::Query {
            ApiError {
                code: "AccessDenied".into(),
                status: 403,
                ..e
            }
        } else {
            e
        });
    }
    Ok(())
}

fn dispatch(
    app: &App,
    call: &Call,
    ctx: &CallContext,
    params: &BTreeMap<String, String>,
    base_url: &str,
) -> Result<Dispatched, ApiError> {
    let caller = ctx.caller;
    let plain = |v: Value| Dispatched {
        body: v.to_string(),
        events: Vec::new(),
    };
    match (call.protocol, call.service) {
        (Protocol::Json, "organizations" | "cloudtrail") => {
            let org = call.service == "organizations";
            let req = Req::parse(ctx.request, org)?;
            let mut st = app.state();
            // Logging is judged on the state before the call (assumptions.rs).
            let snap = publish::snapshot(&st);
            let out = if org {
                organizations::handle(&mut st, caller, &call.operation, &req)?
            } else {
                cloudtrail::handle(&mut st, caller, &call.operation, &req)?
            };
            let events = publish::api_call_events(&st, &snap, ctx, &out);
            Ok(Dispatched {
                body: out.to_string(),
                events,
            })
        }
        (Protocol::Json, "sqs") => {
            let req = Req::parse(ctx.request, false)?;
            let mut st = app.state();
            sqs::handle(&mut st, caller, &call.operation, &req, base_url).map(plain)
        }
        (Protocol::Json, _) if call.operation == "PutEvents" => {
            let req = Req::parse(ctx.request, false)?;
            let (out, events) =
                eventbridge::put_events(caller, &req, &crate::rules::iso8601(now()))?;
            let events = events
                .into_iter()
                .map(|event| Outgoing {
                    account: caller.account.clone(),
                    region: caller.region.clone(),
                    event,
                    logged: true,
                })
                .collect();
            Ok(Dispatched {
                body: out.to_string(),
                events,
            })
        }
        (Protocol::Json, _) => {
            let req = Req::parse(ctx.request, false)?;
            let mut st = app.state();
            eventbridge::handle(&mut st, caller, &call.operation, &req).map(plain)
        }
        (Protocol::Query, _) => {
            let mut st = app.state();
            let inner = sts::handle(&mut st, caller, &call.operation, params)?;
            Ok(Dispatched {
                body: sts::success_xml(&call.operation, &inner, &request_id()),
                events: Vec::new(),
            })
        }
    }
}
