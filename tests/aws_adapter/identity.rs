//! Credentials and plumbing: assume-role through the emulator's STS, the explicit
//! endpoint override, and the CallObserver.

use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudtrail::config::Credentials;
use aws_types::sdk_config::SharedCredentialsProvider;
use orgtrail_operator::aws::sdk::{SdkAws, assume_role_config};
use orgtrail_operator::aws::{
    CLOUDTRAIL_SERVICE_PRINCIPAL, CallObserver, CloudTrail, ErrorKind, Organizations, trail_arn,
};

use crate::harness::*;
use crate::support::{self, AKID_MEMBER, MANAGEMENT_ACCOUNT, MEMBER_ACCOUNT};

#[tokio::test]
async fn assume_role_into_the_management_account() {
    let env = Env::start();
    let base = support::sdk_config(&env.emu, AKID_MEMBER, REGION).await;
    let role = format!("arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/OrgTrailOperator");
    let assumed = assume_role_config(&base, &role, Some("orgtrail-test")).await;
    let aws = SdkAws::new(&assumed, None);
    let me = aws.caller_identity().await.unwrap();
    assert_eq!(me.account_id, MANAGEMENT_ACCOUNT);
    // The assumed session may do what only the management account may.
    aws.enable_aws_service_access(CLOUDTRAIL_SERVICE_PRINCIPAL)
        .await
        .unwrap();
    // The base credentials are still the member's.
    let base_aws = SdkAws::new(&base, None);
    assert_eq!(
        base_aws.caller_identity().await.unwrap().account_id,
        MEMBER_ACCOUNT
    );
    assert_eq!(env.emu.calls_of("AssumeRole").len(), 1);
}

#[tokio::test]
async fn explicit_endpoint_override() {
    let env = Env::start();
    // No endpoint in the SdkConfig: the explicit override alone reaches the emulator.
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            support::AKID_MANAGEMENT,
            "secret",
            None,
            None,
            "test",
        )))
        .load()
        .await;
    let aws = SdkAws::new(&conf, None).with_endpoint_url(env.emu.url());
    assert_eq!(aws.endpoint_url(), Some(env.emu.url()));
    assert_eq!(
        aws.describe_organization()
            .await
            .unwrap()
            .management_account_id,
        MANAGEMENT_ACCOUNT
    );
    aws.create_trail(OTHER_REGION, &trail("regional", ORG_BUCKET, false))
        .await
        .unwrap();
    // The CloudTrail call went to (was signed for) the region asked for.
    let call = env.emu.calls_of("CreateTrail").pop().unwrap();
    assert_eq!(call["region"], OTHER_REGION);
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(String, String, String)>>);

impl CallObserver for Recorder {
    fn observe(&self, service: &'static str, operation: &'static str, outcome: &'static str) {
        self.0
            .lock()
            .unwrap()
            .push((service.into(), operation.into(), outcome.into()));
    }
}

#[tokio::test]
async fn call_observer_sees_every_port_call_once() {
    let env = Env::start();
    let recorder = Arc::new(Recorder::default());
    let conf = support::sdk_config(&env.emu, support::AKID_MANAGEMENT, REGION).await;
    let aws = SdkAws::new(&conf, Some(recorder.clone()));
    let arn = trail_arn(REGION, MANAGEMENT_ACCOUNT, "observed");
    assert_eq!(aws.get_trail(REGION, &arn).await.unwrap(), None);
    aws.create_trail(REGION, &trail("observed", ORG_BUCKET, false))
        .await
        .unwrap();
    let e = err(aws
        .create_trail(REGION, &trail("observed", ORG_BUCKET, false))
        .await);
    assert_eq!(e.kind, ErrorKind::AlreadyExists);
    aws.caller_identity().await.unwrap();
    aws.list_aws_service_access().await.unwrap();
    env.emu.throttle("ListTrails", 10);
    err(aws.list_trails(REGION).await);

    let seen = recorder.0.lock().unwrap().clone();
    let expected = [
        ("cloudtrail", "GetTrail", "not_found"),
        ("cloudtrail", "CreateTrail", "ok"),
        ("cloudtrail", "CreateTrail", "already_exists"),
        ("sts", "GetCallerIdentity", "ok"),
        ("organizations", "ListAWSServiceAccessForOrganization", "ok"),
        // Once per port call, after the SDK's retries.
        ("cloudtrail", "ListTrails", "throttled"),
    ];
    let seen: Vec<_> = seen
        .iter()
        .map(|(s, o, r)| (s.as_str(), o.as_str(), r.as_str()))
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn refused_assume_role_is_access_denied() {
    let env = Env::start();
    let base = support::sdk_config(&env.emu, AKID_MEMBER, REGION).await;
    let role = "arn:aws:iam::999999999999:role/Elsewhere";
    let aws = SdkAws::new(&assume_role_config(&base, role, None).await, None);
    let e = err(aws.describe_organization().await);
    assert_eq!(
        e.kind,
        ErrorKind::AccessDenied {
            action: "sts:AssumeRole".into()
        },
        "{e}"
    );
    assert_eq!(e.code, "AccessDenied");
    assert_eq!(e.operation, "DescribeOrganization");
}
