//! HTTP front end: protocol detection (awsJson1.1 via X-Amz-Target, awsQuery for STS),
//! caller resolution from the SigV4 credential scope, fault injection, call logging,
//! error rendering, and the `/_emulator/` test hooks.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::assumptions;
use crate::config::{Config, ConfigPatch};
use crate::error::ApiError;
use crate::hooks::{CallRecord, Fault, Hooks};
use crate::req::Req;
use crate::rules;
use crate::state::{Caller, State, now};
use crate::{cloudtrail, organizations, sts};

const ORGANIZATIONS_PREFIX: &str = "AWSOrganizationsV20161128.";
/// botocore (AWS CLI) sends the model's full targetPrefix ...
const CLOUDTRAIL_PREFIX: &str = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";
/// ... while the Rust SDK sends the Smithy service shape name; AWS accepts both.
const CLOUDTRAIL_SHORT_PREFIX: &str = "CloudTrail_20131101.";

pub struct App {
    pub initial: Config,
    pub state: Mutex<State>,
    pub hooks: Mutex<Hooks>,
}

pub type Shared = Arc<App>;

impl App {
    pub fn new(config: Config) -> Shared {
        Arc::new(App {
            state: Mutex::new(State::new(config.clone())),
            initial: config,
            hooks: Mutex::new(Hooks::default()),
        })
    }

    /// A poisoned lock only means another request panicked mid-way; the data is still the
    /// best we have, so keep serving rather than failing every later request.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn hooks(&self) -> MutexGuard<'_, Hooks> {
        self.hooks.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn router(app: Shared) -> Router {
    Router::new()
        .route("/_emulator/calls", get(get_calls).delete(clear_calls))
        .route("/_emulator/counters", get(get_counters))
        .route(
            "/_emulator/faults",
            get(get_faults).post(add_fault).delete(clear_faults),
        )
        .route("/_emulator/state", get(get_state))
        .route("/_emulator/reset", post(reset))
        .route("/_emulator/config", get(get_config).post(patch_config))
        .route("/_emulator/assumptions", get(get_assumptions))
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

fn json_error(service: &str, e: &ApiError, rid: &str) -> Response {
    let mut body = json!({"__type": e.code});
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

async fn aws(AxState(app): AxState<Shared>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let rid = request_id();
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
    let caller = {
        let st = app.state();
        resolve_caller(&st, &headers, &params, call.protocol == Protocol::Query)
    };
    let mut record = CallRecord {
        seq: 0,
        time_ms: (now() * 1000.0) as u64,
        service: call.service.to_string(),
        operation: call.operation.clone(),
        access_key: caller.as_ref().ok().map(|c| c.access_key.clone()),
        account: caller.as_ref().ok().map(|c| c.account.clone()),
        region: caller.as_ref().ok().map(|c| c.region.clone()),
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
            match fault.error {
                Some(e) => Err(e),
                None => dispatch(&app, &call, &caller, &body, &params),
            }
        }
    };
    if let Err(e) = &result {
        record.outcome = e.code.clone();
    }
    tracing::debug!(service = call.service, op = %call.operation, outcome = %record.outcome, "call");
    app.hooks().record(record);
    match result {
        Ok(body) => match call.protocol {
            Protocol::Json => (
                StatusCode::OK,
                [
                    (
                        header::CONTENT_TYPE,
                        "application/x-amz-json-1.1".to_string(),
                    ),
                    (header::HeaderName::from_static("x-amzn-requestid"), rid),
                ],
                body,
            )
                .into_response(),
            Protocol::Query => xml_response(200, body, &rid),
        },
        Err(e) => render_error(&call, &e, &rid),
    }
}

fn dispatch(
    app: &App,
    call: &Call,
    caller: &Caller,
    body: &[u8],
    params: &BTreeMap<String, String>,
) -> Result<String, ApiError> {
    let action = format!("{}:{}", call.service, call.operation);
    let known = match call.service {
        "organizations" => organizations::OPERATIONS.contains(&call.operation.as_str()),
        "cloudtrail" => cloudtrail::OPERATIONS.contains(&call.operation.as_str()),
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
    match call.protocol {
        Protocol::Json => {
            let req = Req::parse(body, call.service == "organizations")?;
            let mut st = app.state();
            let out = if call.service == "organizations" {
                organizations::handle(&mut st, caller, &call.operation, &req)?
            } else {
                cloudtrail::handle(&mut st, caller, &call.operation, &req)?
            };
            Ok(out.to_string())
        }
        Protocol::Query => {
            let mut st = app.state();
            let inner = sts::handle(&mut st, caller, &call.operation, params)?;
            Ok(sts::success_xml(&call.operation, &inner, &request_id()))
        }
    }
}

// ---- test hooks ----

fn hook_json(status: StatusCode, v: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

fn bad_hook_request(msg: impl std::fmt::Display) -> Response {
    hook_json(StatusCode::BAD_REQUEST, json!({"error": msg.to_string()}))
}

async fn get_calls(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, json!({"calls": app.hooks().calls}))
}

async fn clear_calls(AxState(app): AxState<Shared>) -> Response {
    app.hooks().calls.clear();
    hook_json(StatusCode::OK, json!({}))
}

async fn get_counters(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, app.hooks().counters())
}

async fn get_faults(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, json!({"faults": app.hooks().faults}))
}

async fn add_fault(AxState(app): AxState<Shared>, body: Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_hook_request(e),
    };
    match app.hooks().add_fault(fault) {
        Ok(id) => hook_json(StatusCode::OK, json!({"id": id})),
        Err(e) => bad_hook_request(e),
    }
}

async fn clear_faults(AxState(app): AxState<Shared>) -> Response {
    app.hooks().faults.clear();
    hook_json(StatusCode::OK, json!({}))
}

async fn get_state(AxState(app): AxState<Shared>) -> Response {
    let st = app.state();
    match serde_json::to_value(&*st) {
        Ok(v) => hook_json(StatusCode::OK, v),
        Err(e) => hook_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": e.to_string()}),
        ),
    }
}

/// Back to the startup organization; the call log and faults are cleared too.
async fn reset(AxState(app): AxState<Shared>) -> Response {
    *app.state() = State::new(app.initial.clone());
    let mut h = app.hooks();
    h.calls.clear();
    h.faults.clear();
    hook_json(StatusCode::OK, json!({}))
}

async fn get_config(AxState(app): AxState<Shared>) -> Response {
    let st = app.state();
    hook_json(
        StatusCode::OK,
        serde_json::to_value(&st.config).unwrap_or(Value::Null),
    )
}

async fn patch_config(AxState(app): AxState<Shared>, body: Bytes) -> Response {
    let patch: ConfigPatch = match serde_json::from_slice(&body) {
        Ok(p) => p,
        Err(e) => return bad_hook_request(e),
    };
    let mut st = app.state();
    match patch.apply(&mut st.config) {
        Ok(()) => hook_json(
            StatusCode::OK,
            serde_json::to_value(&st.config).unwrap_or(Value::Null),
        ),
        Err(e) => bad_hook_request(e),
    }
}

async fn get_assumptions() -> Response {
    let list: Vec<Value> = assumptions::ASSUMPTIONS
        .iter()
        .map(|(id, text)| json!({"id": id, "assumption": text}))
        .collect();
    hook_json(StatusCode::OK, json!({"assumptions": list}))
}
