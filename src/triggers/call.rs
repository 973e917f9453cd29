//! An EventBridge "AWS API Call via CloudTrail" event, reduced to what triggering needs.

use serde_json::Value;

/// EventBridge's `detail-type` of CloudTrail-recorded API calls.
pub const DETAIL_TYPE: &str = "AWS API Call via CloudTrail";

/// Who made a call, as CloudTrail recorded it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// `userIdentity.arn` (or, for AWS services, `invokedBy`; else the identity type).
    pub arn: String,
    /// `sourceIPAddress`.
    pub source_ip: String,
}

/// One API call.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiCall {
    /// `detail.eventID`.
    pub event_id: String,
    /// `detail.eventSource`, e.g. `cloudtrail.amazonaws.com`.
    pub event_source: String,
    /// `detail.eventName`, e.g. `StopLogging`.
    pub event_name: String,
    /// `detail.awsRegion`: where the call was made.
    pub region: String,
    /// `detail.eventTime` (RFC 3339, UTC).
    pub time: String,
    /// Who made it.
    pub actor: Actor,
    /// `detail.errorCode`: the call failed, so it changed nothing.
    pub error_code: Option<String>,
    /// `detail.requestParameters` (null when CloudTrail recorded none).
    pub request: Value,
}

impl ApiCall {
    /// A string member of `requestParameters`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.request.get(name).and_then(Value::as_str)
    }
}

/// Parse a queue message body. Anything that is not an API call event is an error
/// (reported and dropped, never retried: the same body cannot parse later).
pub fn parse(body: &str) -> Result<ApiCall, String> {
    let event: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let detail_type = event.get("detail-type").and_then(Value::as_str);
    if detail_type != Some(DETAIL_TYPE) {
        return Err(format!(
            "detail-type is {detail_type:?}, not {DETAIL_TYPE:?}"
        ));
    }
    let detail = event.get("detail").ok_or("no detail")?;
    let text = |name: &str| detail.get(name).and_then(Value::as_str).map(str::to_owned);
    let required = |name: &str| text(name).ok_or(format!("detail.{name} missing"));
    let identity = detail.get("userIdentity");
    let identity_text = |name: &str| {
        identity
            .and_then(|i| i.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let arn = identity_text("arn")
        .or_else(|| identity_text("invokedBy"))
        .or_else(|| identity_text("type"))
        .unwrap_or_else(|| "unknown".to_owned());
    Ok(ApiCall {
        event_id: text("eventID").unwrap_or_default(),
        event_source: required("eventSource")?,
        event_name: required("eventName")?,
        region: required("awsRegion")?,
        time: text("eventTime").unwrap_or_default(),
        actor: Actor {
            arn,
            source_ip: text("sourceIPAddress").unwrap_or_default(),
        },
        error_code: text("errorCode"),
        request: detail
            .get("requestParameters")
            .cloned()
            .unwrap_or(Value::Null),
    })
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use serde_json::json;

    /// An event as EventBridge delivers it (shape from the CloudTrail record reference).
    pub fn event(source: &str, name: &str, region: &str, request: Value) -> String {
        json!({
            "version": "0",
            "id": "6f7b8f0e-0000-0000-0000-000000000000",
            "detail-type": DETAIL_TYPE,
            "source": format!("aws.{}", source.trim_end_matches(".amazonaws.com")),
            "account": "111111111111",
            "time": "2026-12-02T10:00:00Z",
            "region": region,
            "resources": [],
            "detail": {
                "eventVersion": "1.11",
                "userIdentity": {
                    "type": "AssumedRole",
                    "principalId": "AROAEXAMPLE:mallory",
                    "arn": "arn:aws:sts::111111111111:assumed-role/Admin/mallory",
                    "accountId": "111111111111"
                },
                "eventTime": "2026-12-02T10:00:00Z",
                "eventSource": source,
                "eventName": name,
                "awsRegion": region,
                "sourceIPAddress": "203.0.113.7",
                "userAgent": "aws-cli/1.45.11",
                "requestParameters": request,
                "responseElements": null,
                "requestID": "r",
                "eventID": "e",
                "readOnly": false,
                "eventType": "AwsApiCall",
                "managementEvent": true,
                "recipientAccountId": "111111111111",
                "eventCategory": "Management"
            }
        })
        .to_string()
    }

    #[test]
    fn an_api_call_event_parses_with_its_actor() {
        let body = event(
            "cloudtrail.amazonaws.com",
            "StopLogging",
            "eu-west-1",
            json!({"name": "org"}),
        );
        let call = parse(&body).unwrap();
        assert_eq!(call.event_name, "StopLogging");
        assert_eq!(call.region, "eu-west-1");
        assert_eq!(call.param("name"), Some("org"));
        assert_eq!(
            call.actor.arn,
            "arn:aws:sts::111111111111:assumed-role/Admin/mallory"
        );
        assert_eq!(call.actor.source_ip, "203.0.113.7");
        assert_eq!(call.error_code, None);
    }

    #[test]
    fn other_events_and_garbage_are_refused() {
        assert!(parse("{").is_err());
        assert!(parse(r#"{"detail-type":"Scheduled Event","detail":{}}"#).is_err());
        let no_name = r#"{"detail-type":"AWS API Call via CloudTrail","detail":{"eventSource":"x","awsRegion":"r"}}"#;
        assert!(parse(no_name).unwrap_err().contains("eventName"));
    }
}
