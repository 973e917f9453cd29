//! The emulator's `/_emulator/` test hooks over a minimal HTTP/1.1 client.
//!
//! The hooks are plain JSON on loopback, so a blocking `std::net` request with
//! `Connection: close` is all it takes (no extra HTTP client dependency).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::{Value, json};

use super::Emulator;

impl Emulator {
    /// One request to a hook; returns (status, JSON body or `Null`).
    pub fn hook(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let body = body.map(Value::to_string).unwrap_or_default();
        let mut stream = TcpStream::connect(self.addr()).expect("connect to the emulator");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("set read timeout");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.addr(),
            body.len()
        )
        .expect("write hook request");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read hook response");
        let (status, body) = parse_response(&raw);
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    fn hook_ok(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let (status, value) = self.hook(method, path, body);
        assert!(
            (200..300).contains(&status),
            "{method} {path} answered {status}: {value}"
        );
        value
    }

    /// `GET /_emulator/calls`: the call log, oldest first.
    pub fn calls(&self) -> Vec<Value> {
        let v = self.hook_ok("GET", "/_emulator/calls", None);
        match v {
            Value::Array(calls) => calls,
            Value::Object(mut o) => match o.remove("calls") {
                Some(Value::Array(calls)) => calls,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// `GET /_emulator/events`: the AWS API call events published, oldest first, each
    /// with `published_ms` and where it went (or why not).
    pub fn published_events(&self) -> Vec<Value> {
        match self.hook_ok("GET", "/_emulator/events", None) {
            Value::Array(events) => events,
            Value::Object(mut o) => match o.remove("events") {
                Some(Value::Array(events)) => events,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        }
    }

    /// `POST /_emulator/event-faults`: drop, duplicate, delay or reorder events.
    pub fn add_event_fault(&self, fault: Value) {
        self.hook_ok("POST", "/_emulator/event-faults", Some(&fault));
    }

    /// Calls of one operation, in order.
    pub fn calls_of(&self, operation: &str) -> Vec<Value> {
        self.calls()
            .into_iter()
            .filter(|c| c["operation"] == operation)
            .collect()
    }

    /// `DELETE /_emulator/calls`.
    pub fn clear_calls(&self) {
        self.hook_ok("DELETE", "/_emulator/calls", None);
    }

    /// `GET /_emulator/counters`.
    pub fn counters(&self) -> Value {
        self.hook_ok("GET", "/_emulator/counters", None)
    }

    /// `POST /_emulator/faults`.
    pub fn add_fault(&self, fault: Value) {
        self.hook_ok("POST", "/_emulator/faults", Some(&fault));
    }

    /// Throttle the next `count` calls of `operation`.
    pub fn throttle(&self, operation: &str, count: u64) {
        self.add_fault(json!({"operation": operation, "kind": "throttle", "count": count}));
    }

    /// Answer the next `count` calls of `operation` with a 5xx.
    pub fn fail_5xx(&self, operation: &str, count: u64) {
        self.add_fault(json!({"operation": operation, "kind": "error5xx", "count": count}));
    }

    /// `DELETE /_emulator/faults`.
    pub fn clear_faults(&self) {
        self.hook_ok("DELETE", "/_emulator/faults", None);
    }

    /// `GET /_emulator/state`.
    pub fn state(&self) -> Value {
        self.hook_ok("GET", "/_emulator/state", None)
    }

    /// `POST /_emulator/reset`.
    pub fn reset(&self) {
        self.hook_ok("POST", "/_emulator/reset", None);
    }

    /// `POST /_emulator/config` (a partial config patch).
    pub fn configure(&self, patch: Value) {
        self.hook_ok("POST", "/_emulator/config", Some(&patch));
    }
}

/// The most of `times` (call-log milliseconds) that fall in any one-second window.
pub fn peak_per_second(times: &mut [u64]) -> usize {
    times.sort_unstable();
    let (mut peak, mut start) = (0, 0);
    for end in 0..times.len() {
        while times[end] - times[start] >= 1000 {
            start += 1;
        }
        peak = peak.max(end - start + 1);
    }
    peak
}

/// Status code and body of a raw HTTP/1.1 response (Content-Length or chunked).
fn parse_response(raw: &[u8]) -> (u16, Vec<u8>) {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("HTTP response has a header block");
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let body = &raw[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("HTTP status code");
    let chunked = head
        .lines()
        .any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked"));
    (
        status,
        if chunked {
            dechunk(body)
        } else {
            body.to_vec()
        },
    )
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size_text = String::from_utf8_lossy(&body[..eol]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("0").trim(), 16)
            .unwrap_or(0);
        body = &body[eol + 2..];
        if size == 0 || size > body.len() {
            break;
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or_default();
    }
    out
}
