//! The AWS CLI (`aws`, or `$AWS_CLI`) drives the settings CloudTrail added in 2025–2026:
//! `update-trail --no-recursive-logging`, `put-event-configuration` /
//! `get-event-configuration` on a trail and on an event data store, `enable-federation`,
//! `put-resource-policy`. `RecursiveLogging` reaches the pinned CLI through the model extras
//! in tests/aws-data (no CLI v1 release has it yet; see the README there).

mod common;

use common::{MANAGEMENT, MEMBER, aws_err, aws_ok};
use serde_json::{Value, json};

const CT: &str = "cloudtrail.amazonaws.com";
const HOME: &str = "us-east-1";

fn ct(emu: &common::Emulator, args: &[&str]) -> Value {
    let mut all = vec!["cloudtrail"];
    all.extend_from_slice(args);
    aws_ok(emu, MANAGEMENT, HOME, &all)
}

#[test]
fn recursive_logging_and_trail_aggregation() {
    let emu = common::Emulator::start();
    let created = ct(
        &emu,
        &[
            "create-trail",
            "--name",
            "data-trail",
            "--s3-bucket-name",
            "orgtrail-logs",
        ],
    );
    assert_eq!(created["RecursiveLogging"], true, "AWS default");
    let updated = ct(
        &emu,
        &[
            "update-trail",
            "--name",
            "data-trail",
            "--no-recursive-logging",
        ],
    );
    assert_eq!(updated["RecursiveLogging"], false);
    let got = ct(&emu, &["get-trail", "--name", "data-trail"]);
    assert_eq!(got["Trail"]["RecursiveLogging"], false);

    let default = ct(
        &emu,
        &["get-event-configuration", "--trail-name", "data-trail"],
    );
    assert_eq!(default, json!({"TrailARN": created["TrailARN"]}));
    let aggregation =
        r#"[{"EventCategory": "Data", "Templates": ["API_ACTIVITY", "RESOURCE_ACCESS"]}]"#;
    let put_aggregation = [
        "cloudtrail",
        "put-event-configuration",
        "--trail-name",
        "data-trail",
        "--aggregation-configurations",
        aggregation,
    ];
    // The user guide: configure data events before aggregating them.
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &put_aggregation,
        "InvalidParameterCombinationException",
    );
    ct(
        &emu,
        &[
            "put-event-selectors",
            "--trail-name",
            "data-trail",
            "--advanced-event-selectors",
            r#"[{"Name": "s3", "FieldSelectors": [{"Field": "eventCategory", "Equals": ["Data"]}, {"Field": "resources.type", "Equals": ["AWS::S3::Object"]}]}]"#,
        ],
    );
    let put = aws_ok(&emu, MANAGEMENT, HOME, &put_aggregation);
    assert_eq!(
        put["AggregationConfigurations"][0]["Templates"],
        json!(["API_ACTIVITY", "RESOURCE_ACCESS"])
    );
    let got = ct(
        &emu,
        &["get-event-configuration", "--trail-name", "data-trail"],
    );
    assert_eq!(
        got["AggregationConfigurations"],
        put["AggregationConfigurations"]
    );
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "put-event-configuration",
            "--trail-name",
            "data-trail",
            "--max-event-size",
            "Large",
        ],
        "InvalidParameterCombinationException",
    );
}

#[test]
fn event_data_store_configuration_federation_and_policy() {
    let emu = common::Emulator::start_with(&["--trusted-access", CT]);
    let arn = ct(&emu, &["create-event-data-store", "--name", "lake"])["EventDataStoreArn"]
        .as_str()
        .expect("arn")
        .to_string();

    let default = ct(
        &emu,
        &["get-event-configuration", "--event-data-store", &arn],
    );
    assert_eq!(
        default,
        json!({"EventDataStoreArn": arn, "MaxEventSize": "Standard"})
    );
    let keys = r#"[{"Type": "TagContext", "Equals": ["team", "cost-center"]}, {"Type": "RequestContext", "Equals": ["aws:MultiFactorAuthAge"]}]"#;
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "put-event-configuration",
            "--event-data-store",
            &arn,
            "--max-event-size",
            "Standard",
            "--context-key-selectors",
            keys,
        ],
        "InvalidParameterCombinationException",
    );
    let put = ct(
        &emu,
        &[
            "put-event-configuration",
            "--event-data-store",
            &arn,
            "--max-event-size",
            "Large",
            "--context-key-selectors",
            keys,
        ],
    );
    assert_eq!(put["MaxEventSize"], "Large");
    assert_eq!(
        put["ContextKeySelectors"][0]["Equals"],
        json!(["team", "cost-center"])
    );
    let got = ct(
        &emu,
        &["get-event-configuration", "--event-data-store", &arn],
    );
    assert_eq!(got["ContextKeySelectors"], put["ContextKeySelectors"]);

    let role = "arn:aws:iam::111111111111:role/LakeFederation";
    let fed = ct(
        &emu,
        &[
            "enable-federation",
            "--event-data-store",
            &arn,
            "--federation-role-arn",
            role,
        ],
    );
    assert_eq!(
        fed,
        json!({"EventDataStoreArn": arn, "FederationStatus": "ENABLED", "FederationRoleArn": role})
    );
    let store = ct(&emu, &["get-event-data-store", "--event-data-store", &arn]);
    assert_eq!(store["FederationStatus"], "ENABLED");
    assert_eq!(store["FederationRoleArn"], role);
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "enable-federation",
            "--event-data-store",
            &arn,
            "--federation-role-arn",
            role,
        ],
        "EventDataStoreFederationEnabledException",
    );

    let policy = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "CrossAccountQueries",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::333333333333:root"]},
            "Action": ["cloudtrail:StartQuery", "cloudtrail:GetQueryResults"],
            "Resource": arn,
        }],
    })
    .to_string();
    let put = ct(
        &emu,
        &[
            "put-resource-policy",
            "--resource-arn",
            &arn,
            "--resource-policy",
            &policy,
        ],
    );
    assert_eq!(put["ResourceArn"], arn);
    assert_eq!(put["ResourcePolicy"], policy);
    let got = ct(&emu, &["get-resource-policy", "--resource-arn", &arn]);
    assert_eq!(got["ResourcePolicy"], policy);
    aws_err(
        &emu,
        MANAGEMENT,
        HOME,
        &[
            "cloudtrail",
            "put-resource-policy",
            "--resource-arn",
            &arn,
            "--resource-policy",
            r#"{"Statement": [{"Effect": "Allow", "Principal": {"AWS": "nobody"}, "Action": "cloudtrail:StartQuery"}]}"#,
        ],
        "ResourcePolicyNotValidException",
    );
    // Another account can't see the store at all.
    aws_err(
        &emu,
        MEMBER,
        HOME,
        &["cloudtrail", "get-resource-policy", "--resource-arn", &arn],
        "ResourceNotFoundException",
    );
}
