//! "AWS API Call via CloudTrail" events through EventBridge into SQS, with the real
//! aws-sdk-cloudtrail/-organizations/-eventbridge/-sqs clients.

mod common;

use std::time::{Duration, Instant};

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_cloudtrail::config::{Credentials, Region};
use aws_sdk_eventbridge::types::Target;
use aws_sdk_sqs::error::ProvideErrorMetadata;
use aws_sdk_sqs::types::{
    DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName,
    SendMessageBatchRequestEntry,
};
use common::{Emulator, MANAGEMENT};
use serde_json::{Value, json};

const HOME: &str = "eu-west-1";
const CT_PATTERN: &str = r#"{"source": ["aws.cloudtrail"], "detail-type": ["AWS API Call via CloudTrail"],
  "detail": {"eventSource": ["cloudtrail.amazonaws.com"], "eventName": ["StopLogging", "DeleteTrail"]}}"#;

async fn sdk(emu: &Emulator, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&emu.url)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(MANAGEMENT, "secret", None, None, "test"))
        .load()
        .await
}

struct Clients {
    ct: aws_sdk_cloudtrail::Client,
    sqs: aws_sdk_sqs::Client,
    eb: aws_sdk_eventbridge::Client,
    org: aws_sdk_organizations::Client,
}

async fn clients(emu: &Emulator, region: &str) -> Clients {
    let c = sdk(emu, region).await;
    Clients {
        ct: aws_sdk_cloudtrail::Client::new(&c),
        sqs: aws_sdk_sqs::Client::new(&c),
        eb: aws_sdk_eventbridge::Client::new(&c),
        org: aws_sdk_organizations::Client::new(&c),
    }
}

/// Creates a queue and returns (url, arn).
async fn queue(c: &Clients, name: &str) -> (String, String) {
    let url = c
        .sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .expect("create queue")
        .queue_url
        .expect("url");
    let attrs = c
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .expect("attrs");
    let arn = attrs.attributes.expect("attributes")[&QueueAttributeName::QueueArn].clone();
    (url, arn)
}

async fn rule_to(c: &Clients, name: &str, pattern: &str, target_arn: &str, role: Option<&str>) {
    let arn =
        c.eb.put_rule()
            .name(name)
            .event_pattern(pattern)
            .send()
            .await
            .expect("put rule")
            .rule_arn
            .expect("rule arn");
    assert!(arn.starts_with("arn:aws:events:") && arn.ends_with(&format!(":rule/{name}")));
    let out =
        c.eb.put_targets()
            .rule(name)
            .targets(
                Target::builder()
                    .id("t1")
                    .arn(target_arn)
                    .set_role_arn(role.map(str::to_string))
                    .build()
                    .expect("target"),
            )
            .send()
            .await
            .expect("put targets");
    assert_eq!(out.failed_entry_count, 0, "{out:?}");
}

async fn logging_trail(c: &Clients, name: &str) {
    c.ct.create_trail()
        .name(name)
        .s3_bucket_name("orgtrail-logs")
        .send()
        .await
        .expect("create trail");
    c.ct.start_logging().name(name).send().await.expect("start");
}

/// Long-polls until `n` messages arrived or `wait` is over; returns the parsed bodies with
/// their receipt handles.
async fn receive(c: &Clients, url: &str, n: usize, wait: Duration) -> Vec<(Value, String)> {
    let deadline = Instant::now() + wait;
    let mut out = Vec::new();
    while out.len() < n && Instant::now() < deadline {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs()
            .clamp(1, 20);
        let r = c
            .sqs
            .receive_message()
            .queue_url(url)
            .max_number_of_messages(10)
            .wait_time_seconds(left as i32)
            .send()
            .await
            .expect("receive");
        for m in r.messages.unwrap_or_default() {
            let body = serde_json::from_str(m.body.as_deref().unwrap_or("")).expect("json body");
            out.push((body, m.receipt_handle.unwrap_or_default()));
        }
    }
    out
}

fn events(emu: &Emulator) -> Vec<Value> {
    emu.hook("GET", "/_emulator/events", None).1["events"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn event_named<'a>(all: &'a [Value], name: &str) -> Vec<&'a Value> {
    all.iter()
        .filter(|e| e["event"]["detail"]["eventName"] == name)
        .collect()
}

#[tokio::test]
async fn stop_logging_reaches_the_queue_within_seconds_with_the_cloudtrail_shape() {
    let emu = Emulator::start();
    let c = clients(&emu, HOME).await;
    logging_trail(&c, "trail-1").await;
    // A second logging trail keeps the account covered after trail-1 stops.
    logging_trail(&c, "trail-2").await;
    let (url, arn) = queue(&c, "tamper").await;
    assert_eq!(arn, "arn:aws:sqs:eu-west-1:111111111111:tamper");
    assert!(url.ends_with("/111111111111/tamper") && url.starts_with(&emu.url));
    rule_to(&c, "ct-tamper", CT_PATTERN, &arn, None).await;

    // The receiver is already waiting when the tamper happens.
    let poll = {
        let (sqs, url) = (c.sqs.clone(), url.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            let r = sqs
                .receive_message()
                .queue_url(url)
                .wait_time_seconds(15)
                .message_system_attribute_names(MessageSystemAttributeName::All)
                .send()
                .await
                .expect("receive");
            (t.elapsed(), r)
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.ct.stop_logging()
        .name("trail-1")
        .send()
        .await
        .expect("stop");
    let (elapsed, r) = poll.await.expect("join");
    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    let msgs = r.messages.expect("a message");
    assert_eq!(msgs.len(), 1);
    let attrs = msgs[0].attributes.clone().expect("attributes");
    assert_eq!(
        attrs[&MessageSystemAttributeName::SenderId],
        "events.amazonaws.com"
    );
    assert_eq!(
        attrs[&MessageSystemAttributeName::ApproximateReceiveCount],
        "1"
    );
    assert!(attrs.contains_key(&MessageSystemAttributeName::SentTimestamp));
    assert_eq!(msgs[0].md5_of_body.as_deref().map(str::len), Some(32));
    let ev: Value = serde_json::from_str(msgs[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(ev["version"], "0");
    assert_eq!(ev["detail-type"], "AWS API Call via CloudTrail");
    assert_eq!(ev["source"], "aws.cloudtrail");
    assert_eq!(ev["account"], "111111111111");
    assert_eq!(ev["region"], HOME);
    assert_eq!(ev["resources"], json!([]));
    assert_eq!(ev["id"].as_str().unwrap().len(), 36);
    let d = &ev["detail"];
    assert_eq!(d["eventName"], "StopLogging");
    assert_eq!(d["eventSource"], "cloudtrail.amazonaws.com");
    assert_eq!(d["awsRegion"], HOME);
    assert_eq!(d["requestParameters"], json!({"name": "trail-1"}));
    assert_eq!(d["responseElements"], Value::Null);
    assert_eq!(d["userIdentity"]["type"], "IAMUser");
    assert_eq!(d["userIdentity"]["accountId"], "111111111111");
    assert_eq!(d["userIdentity"]["accessKeyId"], MANAGEMENT);
    assert_eq!(
        d["userIdentity"]["arn"],
        "arn:aws:iam::111111111111:user/orgtrail"
    );
    assert_eq!(d["sourceIPAddress"], "127.0.0.1");
    assert!(
        d["userAgent"].as_str().unwrap().contains("aws-sdk-rust"),
        "{d}"
    );
    assert_eq!(d["readOnly"], false);
    assert_eq!(d["eventType"], "AwsApiCall");
    assert_eq!(d["managementEvent"], true);
    assert_eq!(d["recipientAccountId"], "111111111111");
    assert_eq!(d["eventCategory"], "Management");
    assert_eq!(d["eventTime"], ev["time"]);
    assert!(d["requestID"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(d["eventID"].as_str().unwrap().len(), 36);

    // StartLogging does not match the pattern: published, never delivered.
    c.ct.start_logging()
        .name("trail-1")
        .send()
        .await
        .expect("start");
    assert!(
        receive(&c, &url, 1, Duration::from_secs(1))
            .await
            .is_empty()
    );
    let log = events(&emu);
    let stop = event_named(&log, "StopLogging");
    assert_eq!(stop[0]["status"], "delivered");
    assert_eq!(stop[0]["deliveries"][0]["target_arn"], arn);
    assert_eq!(
        stop[0]["deliveries"][0]["rule_arn"],
        "arn:aws:events:eu-west-1:111111111111:rule/ct-tamper"
    );
    assert!(stop[0]["published_ms"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(
        event_named(&log, "StartLogging").last().unwrap()["status"],
        "no_matching_rule"
    );
    // Read-only calls are not published to ENABLED rules.
    c.ct.describe_trails().send().await.expect("describe");
    assert!(event_named(&events(&emu), "DescribeTrails").is_empty());

    c.sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle(msgs[0].receipt_handle.clone().unwrap())
        .send()
        .await
        .expect("delete");
    let counts = c
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(
        counts[&QueueAttributeName::ApproximateNumberOfMessages],
        "0"
    );
    assert_eq!(
        counts[&QueueAttributeName::ApproximateNumberOfMessagesNotVisible],
        "0"
    );
}

#[tokio::test]
async fn only_calls_made_while_a_trail_logs_are_delivered() {
    let emu = Emulator::start();
    let c = clients(&emu, HOME).await;
    let (url, arn) = queue(&c, "all-ct").await;
    rule_to(&c, "all", r#"{"source": ["aws.cloudtrail"]}"#, &arn, None).await;
    c.ct.create_trail()
        .name("trail-1")
        .s3_bucket_name("orgtrail-logs")
        .send()
        .await
        .unwrap();
    // No trail was logging before these calls.
    c.ct.start_logging().name("trail-1").send().await.unwrap();
    // Logging now: this one and the stop of the last logging trail are delivered.
    c.ct.put_event_selectors()
        .trail_name("trail-1")
        .event_selectors(
            aws_sdk_cloudtrail::types::EventSelector::builder()
                .read_write_type(aws_sdk_cloudtrail::types::ReadWriteType::WriteOnly)
                .build(),
        )
        .send()
        .await
        .unwrap();
    c.ct.stop_logging().name("trail-1").send().await.unwrap();
    c.ct.delete_trail().name("trail-1").send().await.unwrap();
    let got = receive(&c, &url, 3, Duration::from_secs(3)).await;
    let names: Vec<&str> = got
        .iter()
        .map(|(e, _)| e["detail"]["eventName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["PutEventSelectors", "StopLogging"]);
    assert_eq!(
        got[0].0["detail"]["requestParameters"]["trailName"],
        "trail-1"
    );
    assert_eq!(
        got[0].0["detail"]["requestParameters"]["eventSelectors"][0]["readWriteType"],
        "WriteOnly"
    );
    let log = events(&emu);
    for quiet in ["CreateTrail", "StartLogging", "DeleteTrail"] {
        assert_eq!(
            event_named(&log, quiet)[0]["status"],
            "no_logging_trail",
            "{quiet}"
        );
    }
    // A trail in another Region (single-region) does not cover this one.
    let us = clients(&emu, "us-east-1").await;
    logging_trail(&us, "us-only").await;
    c.ct.create_trail()
        .name("trail-2")
        .s3_bucket_name("orgtrail-logs")
        .send()
        .await
        .unwrap();
    let log = events(&emu);
    assert_eq!(
        event_named(&log, "CreateTrail").last().unwrap()["status"],
        "no_logging_trail"
    );
}

#[tokio::test]
async fn organizations_events_arrive_via_us_east_1_and_an_event_bus_target() {
    let emu = Emulator::start();
    let home = clients(&emu, HOME).await;
    let east = clients(&emu, "us-east-1").await;
    // An organization trail, multi-region, logging.
    home.org
        .enable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .unwrap();
    home.ct
        .create_trail()
        .name("org")
        .s3_bucket_name("orgtrail-logs")
        .is_organization_trail(true)
        .is_multi_region_trail(true)
        .send()
        .await
        .unwrap();
    home.ct.start_logging().name("org").send().await.unwrap();
    let (url, arn) = queue(&home, "org-events").await;
    let pattern = r#"{"source": ["aws.organizations"],
        "detail": {"eventName": ["DisableAWSServiceAccess"]}}"#;
    rule_to(&home, "org-home", pattern, &arn, None).await;
    let disable = || async {
        // Signed for the home Region: Organizations events still land in us-east-1.
        home.org
            .disable_aws_service_access()
            .service_principal("config.amazonaws.com")
            .send()
            .await
            .unwrap();
    };
    disable().await;
    assert!(
        receive(&home, &url, 1, Duration::from_secs(1))
            .await
            .is_empty()
    );
    let log = events(&emu);
    let first = event_named(&log, "DisableAWSServiceAccess")[0];
    assert_eq!(first["region"], "us-east-1");
    assert_eq!(first["status"], "no_matching_rule");

    let bus = format!("arn:aws:events:{HOME}:111111111111:event-bus/default");
    let role = "arn:aws:iam::111111111111:role/forward-events";
    // Without RoleArn the cross-Region bus target is refused per entry.
    east.eb
        .put_rule()
        .name("org-forward")
        .event_pattern(pattern)
        .send()
        .await
        .unwrap();
    let refused = east
        .eb
        .put_targets()
        .rule("org-forward")
        .targets(Target::builder().id("bus").arn(&bus).build().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.failed_entry_count, 1);
    assert_eq!(refused.failed_entries()[0].target_id(), Some("bus"));
    rule_to(&east, "org-forward", pattern, &bus, Some(role)).await;
    disable().await;
    let got = receive(&home, &url, 1, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 1);
    let ev = &got[0].0;
    assert_eq!(ev["source"], "aws.organizations");
    assert_eq!(ev["region"], "us-east-1");
    assert_eq!(ev["detail"]["awsRegion"], "us-east-1");
    assert_eq!(ev["detail"]["eventSource"], "organizations.amazonaws.com");
    assert_eq!(
        ev["detail"]["requestParameters"],
        json!({"servicePrincipal": "config.amazonaws.com"})
    );
    let log = events(&emu);
    let rec = event_named(&log, "DisableAWSServiceAccess")[1];
    let targets: Vec<&str> = rec["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["target_arn"].as_str().unwrap())
        .collect();
    assert_eq!(targets, [bus.as_str(), arn.as_str()]);
}

#[tokio::test]
async fn batches_visibility_timeouts_and_sqs_errors() {
    let emu = Emulator::start();
    let c = clients(&emu, HOME).await;
    let (url, _) = queue(&c, "work").await;
    let entries = (0..3)
        .map(|i| {
            SendMessageBatchRequestEntry::builder()
                .id(format!("m{i}"))
                .message_body(format!("body {i}"))
                .build()
                .unwrap()
        })
        .collect();
    let sent = c
        .sqs
        .send_message_batch()
        .queue_url(&url)
        .set_entries(Some(entries))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.successful.len(), 3);
    let receive_all = |vis: i32, wait: i32| {
        c.sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .visibility_timeout(vis)
            .wait_time_seconds(wait)
            .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
            .send()
    };
    let first = receive_all(1, 0).await.unwrap().messages.unwrap();
    assert_eq!(first.len(), 3);
    assert!(
        receive_all(1, 0).await.unwrap().messages.is_none(),
        "all in flight"
    );
    // They come back once the 1 s visibility timeout is over; long polling notices.
    let t = Instant::now();
    let again = receive_all(30, 5).await.unwrap().messages.unwrap();
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert_eq!(again.len(), 3);
    let count = &again[0].attributes.as_ref().unwrap()
        [&MessageSystemAttributeName::ApproximateReceiveCount];
    assert_eq!(count, "2");
    let mut batch: Vec<_> = again[..2]
        .iter()
        .enumerate()
        .map(|(i, m)| {
            DeleteMessageBatchRequestEntry::builder()
                .id(format!("d{i}"))
                .receipt_handle(m.receipt_handle.clone().unwrap())
                .build()
                .unwrap()
        })
        .collect();
    batch.push(
        DeleteMessageBatchRequestEntry::builder()
            .id("bogus")
            .receipt_handle("not-a-handle")
            .build()
            .unwrap(),
    );
    let del = c
        .sqs
        .delete_message_batch()
        .queue_url(&url)
        .set_entries(Some(batch))
        .send()
        .await
        .unwrap();
    assert_eq!(del.successful.len(), 2);
    assert_eq!(del.failed.len(), 1);
    assert_eq!(del.failed[0].id, "bogus");
    assert_eq!(del.failed[0].code, "ReceiptHandleIsInvalid");
    assert!(del.failed[0].sender_fault);
    let attrs = c
        .sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(attrs[&QueueAttributeName::ApproximateNumberOfMessages], "0");
    assert_eq!(
        attrs[&QueueAttributeName::ApproximateNumberOfMessagesNotVisible],
        "1"
    );
    assert_eq!(attrs[&QueueAttributeName::VisibilityTimeout], "30");

    // A send wakes a waiting receiver at once.
    let (q2, _) = queue(&c, "wake").await;
    let waiter = {
        let (sqs, q2) = (c.sqs.clone(), q2.clone());
        tokio::spawn(async move {
            let t = Instant::now();
            let r = sqs
                .receive_message()
                .queue_url(q2)
                .wait_time_seconds(10)
                .send()
                .await;
            (t.elapsed(), r.unwrap().messages.map(|m| m.len()))
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.sqs
        .send_message()
        .queue_url(&q2)
        .message_body("hi")
        .send()
        .await
        .unwrap();
    let (took, n) = waiter.await.unwrap();
    assert_eq!(n, Some(1));
    assert!(took < Duration::from_secs(2), "{took:?}");

    // Modelled errors arrive through x-amzn-query-error.
    let e = c
        .sqs
        .get_queue_url()
        .queue_name("nope")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_queue_does_not_exist()),
        "{e:?}"
    );
    let e = c
        .sqs
        .create_queue()
        .queue_name("work")
        .attributes(QueueAttributeName::VisibilityTimeout, "5")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_queue_name_exists()),
        "{e:?}"
    );
    let e = c
        .sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(11)
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("InvalidParameterValue"));
    let e = c
        .sqs
        .delete_message()
        .queue_url(&url)
        .receipt_handle("garbage")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_receipt_handle_is_invalid()),
        "{e:?}"
    );
    // Same attributes: CreateQueue is idempotent.
    c.sqs
        .create_queue()
        .queue_name("work")
        .send()
        .await
        .unwrap();
    let listed = c
        .sqs
        .list_queues()
        .send()
        .await
        .unwrap()
        .queue_urls
        .unwrap();
    assert_eq!(listed.len(), 2);
    c.sqs.delete_queue().queue_url(&q2).send().await.unwrap();
    c.sqs.purge_queue().queue_url(&url).send().await.unwrap();
    let e = c
        .sqs
        .purge_queue()
        .queue_url(&url)
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_purge_queue_in_progress()),
        "{e:?}"
    );
}

async fn add_tags(c: &Clients, trail_arn: &str, op: &str) {
    let tag = aws_sdk_cloudtrail::types::Tag::builder()
        .key("k")
        .value("v")
        .build()
        .unwrap();
    if op == "AddTags" {
        c.ct.add_tags()
            .resource_id(trail_arn)
            .tags_list(tag)
            .send()
            .await
            .unwrap();
    } else {
        c.ct.remove_tags()
            .resource_id(trail_arn)
            .tags_list(tag)
            .send()
            .await
            .unwrap();
    }
}

fn names(got: &[(Value, String)]) -> Vec<String> {
    got.iter()
        .map(|(e, _)| e["detail"]["eventName"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn event_faults_drop_duplicate_delay_and_reorder() {
    let emu = Emulator::start();
    let c = clients(&emu, HOME).await;
    logging_trail(&c, "trail-1").await;
    let trail = "arn:aws:cloudtrail:eu-west-1:111111111111:trail/trail-1";
    let (url, arn) = queue(&c, "faults").await;
    let pattern = r#"{"detail": {"eventName": ["AddTags", "RemoveTags"]}}"#;
    rule_to(&c, "tags", pattern, &arn, None).await;
    let fault = |body: &str| {
        let (s, v) = emu.hook("POST", "/_emulator/event-faults", Some(body));
        assert_eq!(s, 200, "{v}");
        assert!(v["id"].as_u64().is_some());
    };
    for bad in [
        r#"{"kind": "delay"}"#,
        r#"{"kind": "bogus"}"#,
        r#"{"kind": "drop", "rate": 2}"#,
    ] {
        let (s, v) = emu.hook("POST", "/_emulator/event-faults", Some(bad));
        assert_eq!(s, 400, "{bad}");
        assert!(v["error"].is_string());
    }

    fault(r#"{"kind": "drop", "count": 1, "event_name": "AddTags"}"#);
    add_tags(&c, trail, "AddTags").await;
    add_tags(&c, trail, "AddTags").await;
    let got = receive(&c, &url, 2, Duration::from_secs(2)).await;
    assert_eq!(names(&got), ["AddTags"], "the first one was dropped");
    let log = events(&emu);
    let adds = event_named(&log, "AddTags");
    assert_eq!(adds[0]["status"], "dropped_by_fault");
    assert_eq!(adds[0]["faults"], json!(["drop"]));
    assert_eq!(adds[1]["status"], "delivered");
    delete_all(&c, &url, &got).await;

    fault(r#"{"kind": "duplicate", "count": 1}"#);
    add_tags(&c, trail, "AddTags").await;
    let got = receive(&c, &url, 2, Duration::from_secs(3)).await;
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0].0["id"], got[1].0["id"],
        "a duplicate is the same event"
    );
    delete_all(&c, &url, &got).await;

    fault(r#"{"kind": "delay", "delay_ms": 1500, "count": 1, "event_name": "AddTags"}"#);
    let t = Instant::now();
    add_tags(&c, trail, "AddTags").await;
    add_tags(&c, trail, "RemoveTags").await;
    let got = receive(&c, &url, 2, Duration::from_secs(5)).await;
    assert!(
        t.elapsed() >= Duration::from_millis(1400),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(
        names(&got),
        ["AddTags", "RemoveTags"],
        "a delay keeps the order"
    );
    delete_all(&c, &url, &got).await;

    fault(r#"{"kind": "reorder", "delay_ms": 1000, "count": 1, "event_name": "AddTags"}"#);
    add_tags(&c, trail, "AddTags").await;
    add_tags(&c, trail, "RemoveTags").await;
    let got = receive(&c, &url, 2, Duration::from_secs(5)).await;
    assert_eq!(
        names(&got),
        ["RemoveTags", "AddTags"],
        "reorder lets later events overtake"
    );

    let listed = emu.hook("GET", "/_emulator/event-faults", None).1;
    assert_eq!(listed["faults"].as_array().unwrap().len(), 4);
    assert_eq!(emu.hook("DELETE", "/_emulator/event-faults", None).0, 200);
    assert!(
        emu.hook("GET", "/_emulator/event-faults", None).1["faults"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(emu.hook("DELETE", "/_emulator/events", None).0, 200);
    assert!(events(&emu).is_empty());
    // Reset clears queues and rules too.
    emu.hook("POST", "/_emulator/reset", None);
    let e = c
        .sqs
        .get_queue_url()
        .queue_name("faults")
        .send()
        .await
        .unwrap_err();
    assert!(
        e.as_service_error()
            .is_some_and(|s| s.is_queue_does_not_exist())
    );
    assert!(c.eb.describe_rule().name("tags").send().await.is_err());
}

async fn delete_all(c: &Clients, url: &str, got: &[(Value, String)]) {
    for (_, handle) in got {
        c.sqs
            .delete_message()
            .queue_url(url)
            .receipt_handle(handle)
            .send()
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn rule_lifecycle_patterns_and_put_events() {
    let emu = Emulator::start();
    let c = clients(&emu, HOME).await;
    let e =
        c.eb.put_rule()
            .name("bad")
            .event_pattern(r#"{"source": "aws.cloudtrail"}"#)
            .send()
            .await
            .unwrap_err();
    assert_eq!(e.code(), Some("InvalidEventPatternException"));
    let e =
        c.eb.put_rule()
            .name("bad")
            .event_pattern("{nope")
            .send()
            .await
            .unwrap_err();
    assert_eq!(e.code(), Some("InvalidEventPatternException"));
    let (url, arn) = queue(&c, "app").await;
    let pattern = r#"{"source": ["my.app"], "detail": {"level": [{"numeric": [">=", 3]}]}}"#;
    rule_to(&c, "app", pattern, &arn, None).await;
    let d = c.eb.describe_rule().name("app").send().await.unwrap();
    assert_eq!(d.event_pattern(), Some(pattern));
    assert_eq!(d.state().map(|s| s.as_str()), Some("ENABLED"));
    assert_eq!(c.eb.list_rules().send().await.unwrap().rules().len(), 1);
    let targets =
        c.eb.list_targets_by_rule()
            .rule("app")
            .send()
            .await
            .unwrap();
    assert_eq!(targets.targets()[0].arn(), arn);

    let put = |level: i32| {
        c.eb.put_events()
            .entries(
                aws_sdk_eventbridge::types::PutEventsRequestEntry::builder()
                    .source("my.app")
                    .detail_type("Alarm")
                    .detail(json!({"level": level}).to_string())
                    .build(),
            )
            .send()
    };
    assert_eq!(put(1).await.unwrap().failed_entry_count, 0);
    assert_eq!(put(5).await.unwrap().failed_entry_count, 0);
    let got = receive(&c, &url, 2, Duration::from_secs(2)).await;
    assert_eq!(got.len(), 1, "level 1 does not match");
    assert_eq!(got[0].0["detail"]["level"], 5);
    assert_eq!(got[0].0["detail-type"], "Alarm");

    // A disabled rule delivers nothing; updating the pattern keeps the targets.
    c.eb.put_rule()
        .name("app")
        .event_pattern(pattern)
        .state(aws_sdk_eventbridge::types::RuleState::Disabled)
        .send()
        .await
        .unwrap();
    put(9).await.unwrap();
    assert!(
        receive(&c, &url, 1, Duration::from_secs(1))
            .await
            .is_empty()
    );
    let e = c.eb.delete_rule().name("app").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ValidationException"));
    assert_eq!(
        e.message(),
        Some("Rule can't be deleted since it has targets.")
    );
    c.eb.remove_targets()
        .rule("app")
        .ids("t1")
        .send()
        .await
        .unwrap();
    c.eb.delete_rule().name("app").send().await.unwrap();
    let e = c.eb.describe_rule().name("app").send().await.unwrap_err();
    assert_eq!(e.code(), Some("ResourceNotFoundException"));
}
