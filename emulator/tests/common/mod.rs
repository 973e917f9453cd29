//! Shared test support: spawn the emulator binary, talk to its hooks, run the AWS CLI.
#![allow(dead_code)] // each test crate uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub mod settings;

pub struct Emulator {
    child: Child,
    pub url: String,
    pub addr: String,
}

impl Emulator {
    pub fn start() -> Emulator {
        Self::start_with(&[])
    }

    /// Spawns the built binary on a free loopback port and reads the announced URL.
    pub fn start_with(extra: &[&str]) -> Emulator {
        let mut child = Command::new(env!("CARGO_BIN_EXE_orgtrail-emulator"))
            .args(["--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn orgtrail-emulator");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read first line");
        let url = line
            .trim()
            .strip_prefix("orgtrail-emulator listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        let addr = url.trim_start_matches("http://").to_string();
        Emulator { child, url, addr }
    }

    /// A plain HTTP/1.1 request to the test hooks; returns (status, JSON body).
    pub fn hook(&self, method: &str, path: &str, body: Option<&str>) -> (u16, Value) {
        let headers = [("Content-Type", "application/json")];
        let (status, text) = raw_request(&self.addr, method, path, &headers, body.unwrap_or(""));
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub fn state(&self) -> Value {
        self.hook("GET", "/_emulator/state", None).1
    }

    /// The call log (`GET /_emulator/calls`), oldest first.
    pub fn calls(&self) -> Vec<Value> {
        self.hook("GET", "/_emulator/calls", None).1["calls"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }
}

/// One HTTP/1.1 request over a fresh connection; returns (status, body text).
/// The emulator answers with Content-Length, so no chunked decoding is needed.
pub fn raw_request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    req.push_str(body);
    s.write_all(req.as_bytes()).expect("write");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let status: u16 = resp
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .expect("status code");
    let text = resp.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, text.to_string())
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The AWS CLI result: parsed stdout JSON on success, or the error code from stderr.
#[derive(Debug)]
pub struct CliResult {
    pub ok: bool,
    pub json: Value,
    pub error_code: Option<String>,
    pub stderr: String,
}

pub const MANAGEMENT: &str = "AKIDMANAGEMENT";
pub const DELEGATED: &str = "AKIDDELEGATED";
pub const MEMBER: &str = "AKIDMEMBER";

/// Model extras botocore merges into the CLI's CloudTrail model: `RecursiveLogging`, which
/// no AWS CLI v1 release has yet (see tests/aws-data/README.md).
pub const AWS_DATA_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/aws-data");

/// Runs `aws <args>` against the emulator as the identity behind `key` in `region`.
pub fn aws(emu: &Emulator, key: &str, region: &str, args: &[&str]) -> CliResult {
    let bin = std::env::var("AWS_CLI").unwrap_or_else(|_| "aws".into());
    let data_path = match std::env::var("AWS_DATA_PATH") {
        Ok(p) if !p.is_empty() => format!("{AWS_DATA_PATH}:{p}"),
        _ => AWS_DATA_PATH.to_string(),
    };
    let out = Command::new(&bin)
        .args(["--endpoint-url", &emu.url, "--region", region, "--output", "json"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_PAGER", "")
        .env("AWS_DATA_PATH", data_path)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run the AWS CLI ({bin}): {e}. Install it with `pip install awscli` or set AWS_CLI.")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let error_code = stderr
        .split_once("An error occurred (")
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, _)| code.to_string());
    CliResult {
        ok: out.status.success(),
        json: serde_json::from_str(&stdout).unwrap_or(Value::Null),
        error_code,
        stderr,
    }
}

/// Like [`aws`] but the call must succeed.
pub fn aws_ok(emu: &Emulator, key: &str, region: &str, args: &[&str]) -> Value {
    let r = aws(emu, key, region, args);
    assert!(r.ok, "aws {args:?} failed: {}", r.stderr);
    r.json
}

/// Like [`aws`] but the call must fail with `code`.
pub fn aws_err(emu: &Emulator, key: &str, region: &str, args: &[&str], code: &str) {
    let r = aws(emu, key, region, args);
    assert!(!r.ok, "aws {args:?} unexpectedly succeeded: {}", r.json);
    assert_eq!(
        r.error_code.as_deref(),
        Some(code),
        "aws {args:?}: {}",
        r.stderr
    );
}
