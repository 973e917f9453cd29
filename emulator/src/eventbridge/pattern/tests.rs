//! The examples of the EventBridge user guide ("Event patterns", "Content filtering").

use serde_json::{Value, json};

use super::parse;

fn ec2_event() -> Value {
    json!({
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "EC2 Instance State-change Notification",
        "source": "aws.ec2",
        "account": "111122223333",
        "time": "2017-12-22T18:43:48Z",
        "region": "us-west-1",
        "resources": [
            "arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0",
            "arn:aws:ec2:us-west-1:123456789012:instance/i-0598c7d356eba48d7"
        ],
        "detail": {
            "instance-id": "i-1234567890abcdef0",
            "state": "terminated",
            "c-count": 5,
            "d-count": 12,
            "source-ip": "10.0.0.123",
            "location": null,
            "FileName": "picture.PNG",
            "nested": {"deeper": [{"k": "v1"}, {"k": "v2"}]}
        }
    })
}

fn m(pattern: Value) -> bool {
    parse(&pattern.to_string())
        .unwrap_or_else(|e| panic!("{pattern}: {e}"))
        .matches(&ec2_event())
}

#[test]
fn exact_values_nested_objects_and_arrays() {
    assert!(m(json!({"source": ["aws.ec2"]})));
    assert!(m(json!({"source": ["aws.s3", "aws.ec2"]})));
    assert!(!m(json!({"source": ["aws.s3"]})));
    assert!(m(
        json!({"detail-type": ["EC2 Instance State-change Notification"],
                     "detail": {"state": ["terminated"]}})
    ));
    assert!(!m(
        json!({"source": ["aws.ec2"], "detail": {"state": ["running"]}})
    ));
    // An event array matches when any element matches.
    assert!(m(json!({"resources": [
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        "arn:aws:ec2:us-west-1:123456789012:instance/i-0598c7d356eba48d7"
    ]})));
    // Arrays of objects are matched element by element.
    assert!(m(json!({"detail": {"nested": {"deeper": {"k": ["v2"]}}}})));
    assert!(!m(json!({"detail": {"nested": {"deeper": {"k": ["v3"]}}}})));
    // Numbers compare numerically; strings never match numbers.
    assert!(m(json!({"detail": {"c-count": [5.0]}})));
    assert!(!m(json!({"detail": {"c-count": ["5"]}})));
    // A missing field never matches a value.
    assert!(!m(json!({"detail": {"absent": ["x"]}})));
}

#[test]
fn null_and_exists() {
    assert!(m(json!({"detail": {"location": [null]}})));
    assert!(!m(json!({"detail": {"state": [null]}})));
    assert!(m(json!({"detail": {"state": [{"exists": true}]}})));
    assert!(!m(json!({"detail": {"state": [{"exists": false}]}})));
    assert!(m(json!({"detail": {"absent": [{"exists": false}]}})));
    assert!(!m(json!({"detail": {"absent": [{"exists": true}]}})));
    // exists matches leaf values only.
    assert!(!m(json!({"detail": {"nested": [{"exists": true}]}})));
}

#[test]
fn prefix_suffix_and_case() {
    assert!(m(json!({"time": [{"prefix": "2017-12-22"}]})));
    assert!(!m(json!({"time": [{"prefix": "2018"}]})));
    assert!(m(json!({"detail": {"FileName": [{"suffix": ".PNG"}]}})));
    assert!(!m(json!({"detail": {"FileName": [{"suffix": ".png"}]}})));
    assert!(m(
        json!({"detail": {"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]}})
    ));
    assert!(m(
        json!({"source": [{"prefix": {"equals-ignore-case": "AWS."}}]})
    ));
    assert!(m(
        json!({"detail-type": [{"equals-ignore-case": "ec2 instance state-change notification"}]})
    ));
    assert!(m(
        json!({"detail": {"instance-id": [{"wildcard": "i-*cdef0"}]}})
    ));
    assert!(!m(
        json!({"detail": {"instance-id": [{"wildcard": "i-*abc"}]}})
    ));
}

#[test]
fn anything_but() {
    assert!(m(
        json!({"detail": {"state": [{"anything-but": "initializing"}]}})
    ));
    assert!(!m(
        json!({"detail": {"state": [{"anything-but": "terminated"}]}})
    ));
    assert!(!m(
        json!({"detail": {"state": [{"anything-but": ["stopped", "terminated"]}]}})
    ));
    assert!(m(
        json!({"detail": {"c-count": [{"anything-but": [1, 2, 3]}]}})
    ));
    assert!(!m(
        json!({"detail": {"state": [{"anything-but": {"prefix": "term"}}]}})
    ));
    assert!(m(
        json!({"detail": {"state": [{"anything-but": {"prefix": "init"}}]}})
    ));
    assert!(!m(
        json!({"detail": {"state": [{"anything-but": {"suffix": "ated"}}]}})
    ));
    assert!(!m(
        json!({"detail": {"state": [{"anything-but": {"equals-ignore-case": ["TERMINATED"]}}]}})
    ));
    // anything-but needs the field to be present.
    assert!(!m(json!({"detail": {"absent": [{"anything-but": "x"}]}})));
}

#[test]
fn numeric_cidr_and_or() {
    assert!(m(
        json!({"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}})
    ));
    assert!(!m(
        json!({"detail": {"c-count": [{"numeric": [">", 0, "<", 5]}]}})
    ));
    assert!(m(json!({"detail": {"d-count": [{"numeric": ["=", 12]}]}})));
    assert!(!m(json!({"detail": {"state": [{"numeric": [">", 0]}]}})));
    assert!(m(
        json!({"detail": {"source-ip": [{"cidr": "10.0.0.0/24"}]}})
    ));
    assert!(!m(
        json!({"detail": {"source-ip": [{"cidr": "10.0.1.0/24"}]}})
    ));
    assert!(m(json!({"$or": [
        {"detail": {"c-count": [{"numeric": [">", 0, "<=", 5]}]}},
        {"detail": {"d-count": [{"numeric": ["<", 10]}]}}
    ]})));
    assert!(!m(json!({"source": ["aws.ec2"], "$or": [
        {"detail": {"c-count": [{"numeric": [">", 5]}]}},
        {"detail": {"d-count": [{"numeric": ["<", 10]}]}}
    ]})));
    assert!(m(
        json!({"detail": {"$or": [{"state": ["running"]}, {"c-count": [5]}]}})
    ));
}

#[test]
fn cloudtrail_api_call_pattern() {
    let p = parse(
        r#"{"source": ["aws.cloudtrail"], "detail-type": ["AWS API Call via CloudTrail"],
            "detail": {"eventSource": ["cloudtrail.amazonaws.com"],
                       "eventName": ["StopLogging", "DeleteTrail"]}}"#,
    )
    .unwrap();
    let ev = json!({"source": "aws.cloudtrail", "detail-type": "AWS API Call via CloudTrail",
                    "detail": {"eventSource": "cloudtrail.amazonaws.com", "eventName": "StopLogging"}});
    assert!(p.matches(&ev));
    let other = json!({"source": "aws.cloudtrail", "detail-type": "AWS API Call via CloudTrail",
                       "detail": {"eventSource": "cloudtrail.amazonaws.com", "eventName": "StartLogging"}});
    assert!(!p.matches(&other));
}

#[test]
fn invalid_patterns_are_rejected() {
    for bad in [
        "not json",
        "[]",
        r#"{"source": "aws.ec2"}"#,
        r#"{"source": []}"#,
        r#"{"source": [["nested"]]}"#,
        r#"{"source": [{"unknown-filter": "x"}]}"#,
        r#"{"source": [{"prefix": 5}]}"#,
        r#"{"n": [{"numeric": [">", "x"]}]}"#,
        r#"{"n": [{"numeric": ["<", 5, ">", 1]}]}"#,
        r#"{"n": [{"numeric": ["!=", 5]}]}"#,
        r#"{"n": [{"exists": "yes"}]}"#,
        r#"{"n": [{"prefix": "a", "suffix": "b"}]}"#,
        r#"{"$or": [{"a": ["x"]}]}"#,
        r#"{"ip": [{"cidr": "10.0.0.0/33"}]}"#,
    ] {
        assert!(parse(bad).is_err(), "{bad} should be invalid");
    }
}
