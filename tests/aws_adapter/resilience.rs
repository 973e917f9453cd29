//! Throttling, 5xx, latency and a dead endpoint: the SDK's standard retries run first
//! (3 attempts), and what is left is classified Throttled or Transient.

use std::time::Duration;

use orgtrail_operator::aws::sdk::SdkAws;
use orgtrail_operator::aws::{CloudTrail, ErrorKind, Organizations};
use serde_json::json;

use crate::harness::*;
use crate::support::{self, AKID_MANAGEMENT, Emulator};

/// Standard retry mode: one call plus two retries.
const ATTEMPTS: usize = 3;

#[tokio::test]
async fn throttling_beyond_the_sdk_retries() {
    let env = Env::start();
    let aws = env.management().await;
    env.emu.throttle("ListTrails", 10);
    assert_error(
        aws.list_trails(REGION).await,
        ErrorKind::Throttled,
        "ThrottlingException",
    );
    assert_eq!(env.emu.calls_of("ListTrails").len(), ATTEMPTS);

    env.emu.throttle("DescribeOrganization", 10);
    assert_error(
        aws.describe_organization().await,
        ErrorKind::Throttled,
        "TooManyRequestsException",
    );
}

#[tokio::test]
async fn throttling_within_the_sdk_retries_succeeds() {
    let env = Env::start();
    let aws = env.management().await;
    env.emu.throttle("ListTrails", 2);
    aws.list_trails(REGION).await.unwrap();
    assert_eq!(env.emu.calls_of("ListTrails").len(), ATTEMPTS);
}

#[tokio::test]
async fn server_errors_beyond_the_sdk_retries() {
    let env = Env::start();
    let aws = env.management().await;
    env.emu.fail_5xx("ListTrails", 10);
    let e = err(aws.list_trails(REGION).await);
    assert_eq!(e.kind, ErrorKind::Transient, "{e}");
    assert_eq!(env.emu.calls_of("ListTrails").len(), ATTEMPTS);

    env.emu.add_fault(json!({
        "operation": "DescribeOrganization", "kind": "error5xx", "count": 10, "status": 503
    }));
    let e = err(aws.describe_organization().await);
    assert_eq!(e.kind, ErrorKind::Transient, "{e}");
}

#[tokio::test]
async fn one_server_error_is_retried_by_the_sdk() {
    let env = Env::start();
    let aws = env.management().await;
    env.emu.fail_5xx("DescribeOrganization", 1);
    aws.describe_organization().await.unwrap();
    assert_eq!(env.emu.calls_of("DescribeOrganization").len(), 2);
}

#[tokio::test]
async fn slow_answers_time_out_as_transient() {
    let env = Env::start();
    let conf = support::sdk_config_with(
        &env.emu,
        AKID_MANAGEMENT,
        REGION,
        Some(Duration::from_millis(300)),
    )
    .await;
    let aws = SdkAws::new(&conf, None);
    env.emu.add_fault(json!({
        "operation": "ListTrails", "kind": "latency", "latency_ms": 2000, "count": 10
    }));
    assert_error(
        aws.list_trails(REGION).await,
        ErrorKind::Transient,
        "TimeoutError",
    );
}

#[tokio::test]
async fn dead_endpoint_is_transient() {
    let emu = Emulator::start();
    let conf = support::sdk_config(&emu, AKID_MANAGEMENT, REGION).await;
    drop(emu); // nothing listens on that port any more
    let aws = SdkAws::new(&conf, None);
    assert_error(
        aws.list_trails(REGION).await,
        ErrorKind::Transient,
        "DispatchFailure",
    );
}
