//! The real aws-sdk clients against the emulator: test hooks (call log, counters,
//! faults the SDK retries), malformed input, selectors/tags/Insights, STS, paging,
//! IAM denials and concurrency.

mod common;

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, SdkConfig, retry::RetryConfig};
use aws_sdk_cloudtrail::config::{Credentials, Region};
use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, EventSelector, InsightSelector, InsightType, Tag,
};
use common::{DELEGATED, Emulator, MANAGEMENT, raw_request};
use serde_json::Value;

async fn sdk(emu: &Emulator, key: &str, token: Option<&str>, attempts: u32) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&emu.url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            key,
            "secret",
            token.map(str::to_string),
            None,
            "test",
        ))
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(attempts)
                .with_initial_backoff(Duration::from_millis(10)),
        )
        .load()
        .await
}

async fn cloudtrail(emu: &Emulator, key: &str) -> aws_sdk_cloudtrail::Client {
    aws_sdk_cloudtrail::Client::new(&sdk(emu, key, None, 3).await)
}

async fn organizations(emu: &Emulator, key: &str, attempts: u32) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::new(&sdk(emu, key, None, attempts).await)
}

fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<none>").to_string()
}

#[tokio::test]
async fn sdk_retries_injected_throttling_and_the_call_log_shows_it() {
    let emu = Emulator::start();
    let ct = cloudtrail(&emu, MANAGEMENT).await;
    let (s, _) = emu.hook(
        "POST",
        "/_emulator/faults",
        Some(r#"{"operation": "ListTrails", "kind": "throttle", "count": 2}"#),
    );
    assert_eq!(s, 200);
    ct.list_trails()
        .send()
        .await
        .expect("third attempt succeeds");
    let log = emu.calls();
    let outcomes: Vec<&str> = log
        .iter()
        .map(|c| c["outcome"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        outcomes,
        ["ThrottlingException", "ThrottlingException", "ok"]
    );
    assert!(log.iter().all(|c| c["kind"] == "read"
        && c["access_key"] == "AKIDMANAGEMENT"
        && c["account"] == "111111111111"
        && c["service"] == "cloudtrail"));
    let counters = emu.hook("GET", "/_emulator/counters", None).1;
    assert_eq!(
        counters["by_operation"]["cloudtrail:ListTrails"]["total"],
        3
    );
    assert_eq!(
        counters["by_operation"]["cloudtrail:ListTrails"]["error"],
        2
    );
    assert_eq!(counters["by_kind"]["read"], 3);

    // Organizations throttles as TooManyRequestsException; without retries it surfaces.
    emu.hook(
        "POST",
        "/_emulator/faults",
        Some(r#"{"service": "organizations", "kind": "throttle", "count": 1}"#),
    );
    let org = organizations(&emu, MANAGEMENT, 1).await;
    let err = org
        .describe_organization()
        .send()
        .await
        .expect_err("throttled");
    assert_eq!(code(&err), "TooManyRequestsException");
    // 503s are retried by the SDK.
    emu.hook(
        "POST",
        "/_emulator/faults",
        Some(r#"{"service": "organizations", "kind": "error5xx", "status": 503, "count": 1}"#),
    );
    let org = organizations(&emu, MANAGEMENT, 3).await;
    org.describe_organization()
        .send()
        .await
        .expect("retried past the 503");
    let last: Vec<String> = emu
        .calls()
        .iter()
        .rev()
        .take(2)
        .map(|c| c["outcome"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(last, ["ok", "ServiceUnavailableException"]);

    emu.hook("DELETE", "/_emulator/faults", None);
    emu.hook(
        "POST",
        "/_emulator/faults",
        Some(r#"{"kind": "latency", "latency_ms": 300, "operation": "GetTrail"}"#),
    );
    let started = Instant::now();
    let err = ct
        .get_trail()
        .name("missing")
        .send()
        .await
        .expect_err("no such trail");
    assert_eq!(code(&err), "TrailNotFoundException");
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(
        emu.hook("POST", "/_emulator/faults", Some(r#"{"kind": "explode"}"#))
            .0,
        400
    );

    emu.hook("DELETE", "/_emulator/calls", None);
    assert!(emu.calls().is_empty());
}

#[tokio::test]
async fn malformed_requests_get_aws_shaped_errors() {
    let emu = Emulator::start();
    let auth = "AWS4-HMAC-SHA256 Credential=AKIDMANAGEMENT/20240101/us-east-1/cloudtrail/aws4_request, SignedHeaders=host, Signature=00";
    let target = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.CreateTrail";
    let send = |target: &str, auth: &str, body: &str| {
        let headers = [
            ("X-Amz-Target", target),
            ("Authorization", auth),
            ("Content-Type", "application/x-amz-json-1.1"),
        ];
        let (status, text) = raw_request(&emu.addr, "POST", "/", &headers, body);
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        (status, v["__type"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        send(target, auth, "{not json"),
        (400, "SerializationException".into())
    );
    assert_eq!(
        send(
            target,
            auth,
            r#"{"Name": 7, "S3BucketName": "orgtrail-logs"}"#
        ),
        (400, "SerializationException".into())
    );
    assert_eq!(
        send(target, auth, r#"{"S3BucketName": "orgtrail-logs"}"#),
        (400, "ValidationException".into())
    );
    assert_eq!(
        send(target, auth, "[]"),
        (400, "SerializationException".into())
    );
    assert_eq!(
        send("CloudTrail_20131101.Explode", auth, "{}"),
        (400, "UnknownOperationException".into())
    );
    assert_eq!(
        send(target, "", "{}"),
        (403, "MissingAuthenticationTokenException".into())
    );
    assert_eq!(
        send(target, "AWS4-HMAC-SHA256 Credential=garbage", "{}"),
        (403, "MissingAuthenticationTokenException".into())
    );
    let bad_key = auth.replace("AKIDMANAGEMENT", "AKIDNOBODY");
    assert_eq!(
        send(target, &bad_key, "{}"),
        (403, "UnrecognizedClientException".into())
    );
    // Organizations errors carry Reason.
    let org_auth = auth.replace("/cloudtrail/", "/organizations/");
    let headers = [
        ("X-Amz-Target", "AWSOrganizationsV20161128.DescribeAccount"),
        ("Authorization", org_auth.as_str()),
    ];
    let (status, text) = raw_request(&emu.addr, "POST", "/", &headers, r#"{"AccountId": "12"}"#);
    let v: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        (status, v["__type"].as_str(), v["Reason"].as_str()),
        (400, Some("InvalidInputException"), Some("INVALID_PATTERN"))
    );
    // STS errors are XML.
    let sts_auth = bad_key.replace("/cloudtrail/", "/sts/");
    let headers = [
        ("Authorization", sts_auth.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
    ];
    let (status, text) = raw_request(
        &emu.addr,
        "POST",
        "/",
        &headers,
        "Action=GetCallerIdentity&Version=2011-06-15",
    );
    assert_eq!(status, 403);
    assert!(text.contains("<Code>InvalidClientTokenId</Code>"), "{text}");
    // The emulator is still healthy afterwards.
    cloudtrail(&emu, MANAGEMENT)
        .await
        .list_trails()
        .send()
        .await
        .expect("still serving");
}

#[tokio::test]
async fn selectors_insights_and_tags() {
    let emu = Emulator::start();
    let ct = cloudtrail(&emu, MANAGEMENT).await;
    let arn = ct
        .create_trail()
        .name("sel")
        .s3_bucket_name("orgtrail-logs")
        .send()
        .await
        .expect("create")
        .trail_arn
        .expect("arn");
    let basic = EventSelector::builder()
        .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::WriteOnly)
        .build();
    let field = AdvancedFieldSelector::builder()
        .field("eventCategory")
        .equals("Management")
        .build()
        .expect("field");
    let advanced = AdvancedEventSelector::builder()
        .name("mgmt")
        .field_selectors(field)
        .build()
        .expect("selector");
    let err = ct
        .put_event_selectors()
        .trail_name(&arn)
        .event_selectors(basic.clone())
        .advanced_event_selectors(advanced.clone())
        .send()
        .await
        .expect_err("mutually exclusive");
    assert_eq!(code(&err), "InvalidEventSelectorsException");
    let err = ct
        .put_event_selectors()
        .trail_name(&arn)
        .set_event_selectors(Some(vec![basic.clone(); 6]))
        .send()
        .await
        .expect_err("too many");
    assert_eq!(code(&err), "InvalidEventSelectorsException");
    ct.put_event_selectors()
        .trail_name(&arn)
        .advanced_event_selectors(advanced)
        .send()
        .await
        .expect("advanced");
    let got = ct
        .get_event_selectors()
        .trail_name(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.advanced_event_selectors().len(), 1);
    assert!(got.event_selectors().is_empty());
    assert_eq!(
        ct.get_trail()
            .name(&arn)
            .send()
            .await
            .expect("trail")
            .trail
            .expect("t")
            .has_custom_event_selectors,
        Some(true)
    );

    let err = ct
        .get_insight_selectors()
        .trail_name(&arn)
        .send()
        .await
        .expect_err("insights off");
    assert_eq!(code(&err), "InsightNotEnabledException");
    let rate = InsightSelector::builder()
        .insight_type(InsightType::ApiCallRateInsight)
        .build();
    ct.put_insight_selectors()
        .trail_name(&arn)
        .insight_selectors(rate)
        .send()
        .await
        .expect("insights on");
    assert_eq!(
        ct.get_insight_selectors()
            .trail_name(&arn)
            .send()
            .await
            .expect("get")
            .insight_selectors()
            .len(),
        1
    );
    ct.put_insight_selectors()
        .trail_name(&arn)
        .set_insight_selectors(Some(vec![]))
        .send()
        .await
        .expect("insights off");
    assert!(
        ct.get_insight_selectors()
            .trail_name(&arn)
            .send()
            .await
            .is_err()
    );

    let tags: Vec<Tag> = (0..50)
        .map(|i| {
            Tag::builder()
                .key(format!("k{i}"))
                .value("v")
                .build()
                .expect("tag")
        })
        .collect();
    ct.add_tags()
        .resource_id(&arn)
        .set_tags_list(Some(tags))
        .send()
        .await
        .expect("50 tags");
    let one_more = Tag::builder().key("k50").build().expect("tag");
    let err = ct
        .add_tags()
        .resource_id(&arn)
        .tags_list(one_more)
        .send()
        .await
        .expect_err("51 tags");
    assert_eq!(code(&err), "TagsLimitExceededException");
    let err = ct
        .add_tags()
        .resource_id("sel")
        .tags_list(Tag::builder().key("a").build().expect("tag"))
        .send()
        .await
        .expect_err("needs an ARN");
    assert_eq!(code(&err), "CloudTrailARNInvalidException");
    let listed = ct
        .list_tags()
        .resource_id_list(&arn)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.resource_tag_list()[0].tags_list().len(), 50);
}

#[tokio::test]
async fn assume_role_credentials_act_as_the_target_account() {
    let emu = Emulator::start();
    let sts = aws_sdk_sts::Client::new(&sdk(&emu, MANAGEMENT, None, 1).await);
    let who = sts.get_caller_identity().send().await.expect("identity");
    assert_eq!(who.account(), Some("111111111111"));
    let creds = sts
        .assume_role()
        .role_arn("arn:aws:iam::333333333333:role/Reader")
        .role_session_name("op")
        .send()
        .await
        .expect("assume")
        .credentials
        .expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    let assumed = sdk(&emu, creds.access_key_id(), Some(creds.session_token()), 1).await;
    let who = aws_sdk_sts::Client::new(&assumed)
        .get_caller_identity()
        .send()
        .await
        .expect("identity");
    assert_eq!(who.account(), Some("333333333333"));
    // The member account cannot enable trusted access.
    let err = aws_sdk_organizations::Client::new(&assumed)
        .enable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect_err("member");
    assert_eq!(code(&err), "AccessDeniedException");
    let err = sts
        .assume_role()
        .role_arn("arn:aws:iam::999999999999:role/X")
        .role_session_name("op")
        .send()
        .await
        .expect_err("outside org");
    assert_eq!(code(&err), "AccessDenied");
}

#[tokio::test]
async fn empty_first_pages_and_reset() {
    let emu = Emulator::start();
    emu.hook(
        "POST",
        "/_emulator/config",
        Some(r#"{"empty_first_page": true}"#),
    );
    let org = organizations(&emu, MANAGEMENT, 1).await;
    let first = org.list_accounts().send().await.expect("page");
    assert!(first.accounts().is_empty() && first.next_token().is_some());
    let pages = org
        .list_accounts()
        .max_results(2)
        .into_paginator()
        .send()
        .try_collect()
        .await
        .expect("all pages");
    // One empty page first, then 2 + 2 accounts.
    assert_eq!(pages.len(), 3);
    let ids: Vec<&str> = pages
        .iter()
        .flat_map(|p| p.accounts())
        .filter_map(|a| a.id())
        .collect();
    assert_eq!(
        ids,
        [
            "111111111111",
            "222222222222",
            "333333333333",
            "444444444444"
        ]
    );
    let ct = cloudtrail(&emu, MANAGEMENT).await;
    ct.create_trail()
        .name("to-reset")
        .s3_bucket_name("orgtrail-logs")
        .send()
        .await
        .expect("create");
    assert_eq!(emu.state()["trails"].as_array().map(Vec::len), Some(1));
    emu.hook("POST", "/_emulator/reset", None);
    assert_eq!(emu.state()["trails"].as_array().map(Vec::len), Some(0));
    assert_eq!(emu.state()["config"]["empty_first_page"], false);
}

#[tokio::test]
async fn iam_denials_from_the_config() {
    let emu = Emulator::start();
    let org = organizations(&emu, MANAGEMENT, 1).await;
    org.enable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect("enable");
    let patch = r#"{"denied_actions": {"AKIDMANAGEMENT": ["iam:CreateServiceLinkedRole"], "AKIDDELEGATED": ["cloudtrail:Describe*"]}}"#;
    assert_eq!(emu.hook("POST", "/_emulator/config", Some(patch)).0, 200);
    let ct = cloudtrail(&emu, MANAGEMENT).await;
    let err = ct
        .register_organization_delegated_admin()
        .member_account_id("222222222222")
        .send()
        .await
        .expect_err("no SLR permission");
    assert_eq!(code(&err), "InsufficientIAMAccessPermissionException");
    let err = cloudtrail(&emu, DELEGATED)
        .await
        .describe_trails()
        .send()
        .await
        .expect_err("denied");
    assert_eq!(code(&err), "AccessDeniedException");
    assert!(
        err.message()
            .unwrap_or("")
            .contains("cloudtrail:DescribeTrails")
    );
}

#[tokio::test]
async fn concurrent_creates_of_one_name_yield_one_trail() {
    let emu = Emulator::start();
    let ct = cloudtrail(&emu, MANAGEMENT).await;
    emu.hook("POST", "/_emulator/config", Some(r#"{"trail_quota": 100}"#));
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let ct = ct.clone();
            tokio::spawn(async move {
                ct.create_trail()
                    .name("race")
                    .s3_bucket_name("orgtrail-logs")
                    .send()
                    .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => ok += 1,
            Err(e) => assert_eq!(code(&e), "TrailAlreadyExistsException"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(emu.state()["trails"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn organization_conditions_produce_their_documented_errors() {
    let emu = Emulator::start_with(&[
        "--member",
        "222222222222,333333333333,444444444444,555555555555",
    ]);
    let org = organizations(&emu, MANAGEMENT, 1).await;
    let ct = cloudtrail(&emu, MANAGEMENT).await;
    let err = org
        .register_delegated_administrator()
        .account_id("222222222222")
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect_err("trusted access off");
    assert_eq!(code(&err), "ConstraintViolationException");
    assert!(format!("{err:?}").contains("SERVICE_ACCESS_NOT_ENABLED"));
    org.enable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect("enable");
    for id in ["222222222222", "333333333333", "444444444444"] {
        ct.register_organization_delegated_admin()
            .member_account_id(id)
            .send()
            .await
            .expect("register");
    }
    let err = ct
        .register_organization_delegated_admin()
        .member_account_id("555555555555")
        .send()
        .await
        .expect_err("limit");
    assert_eq!(code(&err), "DelegatedAdminAccountLimitExceededException");

    // A delegated admin's org store lives in the management account; plain members can't see it.
    let da = cloudtrail(&emu, DELEGATED).await;
    let store = da
        .create_event_data_store()
        .name("org-store")
        .organization_enabled(true)
        .send()
        .await
        .expect("org store")
        .event_data_store_arn
        .expect("arn");
    assert!(store.contains(":111111111111:eventdatastore/"));
    let err = da
        .create_event_data_store()
        .name("org-store")
        .organization_enabled(true)
        .send()
        .await
        .expect_err("dup");
    assert_eq!(code(&err), "EventDataStoreAlreadyExistsException");
    let member = cloudtrail(&emu, "555555555555").await;
    let err = member
        .get_event_data_store()
        .event_data_store(&store)
        .send()
        .await
        .expect_err("hidden");
    assert_eq!(code(&err), "EventDataStoreNotFoundException");

    emu.hook(
        "POST",
        "/_emulator/config",
        Some(r#"{"lake_open_to_new_customers": false}"#),
    );
    let err = member
        .create_event_data_store()
        .name("mine")
        .send()
        .await
        .expect_err("closed");
    assert_eq!(code(&err), "OperationNotPermittedException");

    emu.hook(
        "POST",
        "/_emulator/config",
        Some(r#"{"feature_set": "CONSOLIDATED_BILLING"}"#),
    );
    let err = ct
        .create_trail()
        .name("org")
        .s3_bucket_name("orgtrail-logs")
        .is_organization_trail(true)
        .send()
        .await
        .expect_err("not all features");
    assert_eq!(code(&err), "OrganizationNotInAllFeaturesModeException");
    emu.hook(
        "POST",
        "/_emulator/config",
        Some(r#"{"organization_in_use": false}"#),
    );
    let err = org
        .describe_organization()
        .send()
        .await
        .expect_err("no org");
    assert_eq!(code(&err), "AWSOrganizationsNotInUseException");
}
