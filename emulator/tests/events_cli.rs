//! The AWS CLI (botocore's SQS JSON protocol and EventBridge) against the emulator: the
//! tamper-alert wiring an operator would set up by hand.

mod common;

use std::time::{Duration, Instant};

use common::{MANAGEMENT, aws, aws_err, aws_ok};
use serde_json::{Value, json};

const REGION: &str = "eu-west-1";

fn temp_file(name: &str, contents: &str) -> String {
    // Under target/tmp (cargo's scratch space for integration tests), not /tmp: nothing
    // is left behind outside the build folder.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("orgtrail-emu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    format!("file://{}", path.display())
}

#[test]
fn cli_wires_eventbridge_to_sqs_and_receives_a_stop_logging_event() {
    let emu = common::Emulator::start();
    let cli = |args: &[&str]| aws_ok(&emu, MANAGEMENT, REGION, args);
    let created = cli(&["sqs", "create-queue", "--queue-name", "tamper"]);
    let url = created["QueueUrl"].as_str().expect("QueueUrl").to_string();
    assert_eq!(url, format!("{}/111111111111/tamper", emu.url));
    let queue_arn = "arn:aws:sqs:eu-west-1:111111111111:tamper";
    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue_arn,
        }]
    })
    .to_string();
    let attrs = temp_file("attrs.json", &json!({"Policy": policy}).to_string());
    cli(&[
        "sqs",
        "set-queue-attributes",
        "--queue-url",
        &url,
        "--attributes",
        &attrs,
    ]);
    let got = cli(&[
        "sqs",
        "get-queue-attributes",
        "--queue-url",
        &url,
        "--attribute-names",
        "Policy",
        "QueueArn",
    ]);
    assert_eq!(got["Attributes"]["QueueArn"], queue_arn);
    let stored: Value =
        serde_json::from_str(got["Attributes"]["Policy"].as_str().unwrap()).unwrap();
    assert_eq!(
        stored["Statement"][0]["Principal"]["Service"],
        "events.amazonaws.com"
    );
    // A policy that is not JSON is refused.
    aws_err(
        &emu,
        MANAGEMENT,
        REGION,
        &[
            "sqs",
            "set-queue-attributes",
            "--queue-url",
            &url,
            "--attributes",
            "Policy=nope",
        ],
        "InvalidAttributeValue",
    );

    let pattern = temp_file(
        "pattern.json",
        r#"{"source": ["aws.cloudtrail"], "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventName": ["StopLogging"]}}"#,
    );
    let rule = cli(&[
        "events",
        "put-rule",
        "--name",
        "tamper",
        "--event-pattern",
        &pattern,
    ]);
    assert_eq!(
        rule["RuleArn"],
        "arn:aws:events:eu-west-1:111111111111:rule/tamper"
    );
    let targets = cli(&[
        "events",
        "put-targets",
        "--rule",
        "tamper",
        "--targets",
        &format!("Id=q,Arn={queue_arn}"),
    ]);
    assert_eq!(targets["FailedEntryCount"], 0);
    let bad = temp_file("bad.json", r#"{"source": [{"prefix": 1}]}"#);
    aws_err(
        &emu,
        MANAGEMENT,
        REGION,
        &[
            "events",
            "put-rule",
            "--name",
            "bad",
            "--event-pattern",
            &bad,
        ],
        "InvalidEventPatternException",
    );

    cli(&[
        "cloudtrail",
        "create-trail",
        "--name",
        "trail-1",
        "--s3-bucket-name",
        "orgtrail-logs",
    ]);
    cli(&["cloudtrail", "start-logging", "--name", "trail-1"]);
    cli(&["cloudtrail", "stop-logging", "--name", "trail-1"]);
    let t = Instant::now();
    let received = cli(&[
        "sqs",
        "receive-message",
        "--queue-url",
        &url,
        "--wait-time-seconds",
        "10",
        "--attribute-names",
        "All",
    ]);
    assert!(t.elapsed() < Duration::from_secs(8), "{:?}", t.elapsed());
    let msg = &received["Messages"][0];
    let event: Value = serde_json::from_str(msg["Body"].as_str().unwrap()).unwrap();
    assert_eq!(event["detail"]["eventName"], "StopLogging");
    assert_eq!(
        event["detail"]["requestParameters"],
        json!({"name": "trail-1"})
    );
    assert!(
        event["detail"]["userAgent"]
            .as_str()
            .unwrap()
            .contains("aws-cli")
    );
    assert_eq!(msg["Attributes"]["ApproximateReceiveCount"], "1");
    cli(&[
        "sqs",
        "delete-message",
        "--queue-url",
        &url,
        "--receipt-handle",
        msg["ReceiptHandle"].as_str().unwrap(),
    ]);
    let empty = aws(
        &emu,
        MANAGEMENT,
        REGION,
        &[
            "sqs",
            "receive-message",
            "--queue-url",
            &url,
            "--wait-time-seconds",
            "1",
        ],
    );
    assert!(empty.ok, "{}", empty.stderr);
    assert!(empty.json["Messages"].is_null(), "{}", empty.json);
    // botocore reads the legacy code from x-amzn-query-error.
    aws_err(
        &emu,
        MANAGEMENT,
        REGION,
        &["sqs", "get-queue-url", "--queue-name", "missing"],
        "AWS.SimpleQueueService.NonExistentQueue",
    );
    aws_err(
        &emu,
        MANAGEMENT,
        REGION,
        &["events", "delete-rule", "--name", "tamper"],
        "ValidationException",
    );
}
