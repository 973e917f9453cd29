//! HTTP handlers of the `/_emulator/` test hooks (call log, counters, faults, state, reset,
//! config, assumptions); the event hooks are in `eventbridge/hooks.rs`.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::assumptions;
use crate::config::ConfigPatch;
use crate::hooks::Fault;
use crate::server::Shared;
use crate::state::State;

pub fn hook_json(status: StatusCode, v: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        v.to_string(),
    )
        .into_response()
}

pub fn bad_hook_request(msg: impl std::fmt::Display) -> Response {
    hook_json(StatusCode::BAD_REQUEST, json!({"error": msg.to_string()}))
}

pub async fn get_calls(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, json!({"calls": app.hooks().calls}))
}

pub async fn clear_calls(AxState(app): AxState<Shared>) -> Response {
    app.hooks().calls.clear();
    hook_json(StatusCode::OK, json!({}))
}

pub async fn get_counters(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, app.hooks().counters())
}

pub async fn get_faults(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, json!({"faults": app.hooks().faults}))
}

pub async fn add_fault(AxState(app): AxState<Shared>, body: Bytes) -> Response {
    let fault: Fault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_hook_request(e),
    };
    match app.hooks().add_fault(fault) {
        Ok(id) => hook_json(StatusCode::OK, json!({"id": id})),
        Err(e) => bad_hook_request(e),
    }
}

pub async fn clear_faults(AxState(app): AxState<Shared>) -> Response {
    app.hooks().faults.clear();
    hook_json(StatusCode::OK, json!({}))
}

pub async fn get_state(AxState(app): AxState<Shared>) -> Response {
    let st = app.state();
    match serde_json::to_value(&*st) {
        Ok(v) => hook_json(StatusCode::OK, v),
        Err(e) => hook_json(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"error": e.to_string()}),
        ),
    }
}

/// Back to the startup organization; the call log, faults, queues, rules and events are
/// cleared too, and events still waiting for delivery are discarded.
pub async fn reset(AxState(app): AxState<Shared>) -> Response {
    app.generation.fetch_add(1, Ordering::SeqCst);
    *app.state() = State::new(app.initial.clone());
    app.event_hooks().clear();
    app.sqs_notify.notify_waiters();
    let mut h = app.hooks();
    h.calls.clear();
    h.faults.clear();
    hook_json(StatusCode::OK, json!({}))
}

pub async fn get_config(AxState(app): AxState<Shared>) -> Response {
    let st = app.state();
    hook_json(
        StatusCode::OK,
        serde_json::to_value(&st.config).unwrap_or(Value::Null),
    )
}

pub async fn patch_config(AxState(app): AxState<Shared>, body: Bytes) -> Response {
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

pub async fn get_assumptions() -> Response {
    let list: Vec<Value> = assumptions::ASSUMPTIONS
        .iter()
        .map(|(id, text)| json!({"id": id, "assumption": text}))
        .collect();
    hook_json(StatusCode::OK, json!({"assumptions": list}))
}
