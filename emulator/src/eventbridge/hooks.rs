//! HTTP handlers of `/_emulator/events` and `/_emulator/event-faults`.

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::faults::EventFault;
use crate::hook_routes::{bad_hook_request, hook_json};
use crate::server::Shared;

pub async fn get_events(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, json!({"events": app.event_hooks().events}))
}

pub async fn clear_events(AxState(app): AxState<Shared>) -> Response {
    app.event_hooks().events.clear();
    hook_json(StatusCode::OK, json!({}))
}

pub async fn get_event_faults(AxState(app): AxState<Shared>) -> Response {
    hook_json(StatusCode::OK, json!({"faults": app.event_hooks().faults}))
}

pub async fn add_event_fault(AxState(app): AxState<Shared>, body: Bytes) -> Response {
    let fault: EventFault = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => return bad_hook_request(e),
    };
    match app.event_hooks().add_fault(fault) {
        Ok(id) => hook_json(StatusCode::OK, json!({"id": id})),
        Err(e) => bad_hook_request(e),
    }
}

pub async fn clear_event_faults(AxState(app): AxState<Shared>) -> Response {
    app.event_hooks().faults.clear();
    hook_json(StatusCode::OK, json!({}))
}
