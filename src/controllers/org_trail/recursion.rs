//! The recursive-logging guard (pure): does a trail record, as data events, CloudTrail's
//! own deliveries to its destinations? Each log file CloudTrail writes to the trail's
//! bucket is an S3 `PutObject` (and each batch sent to its log group a CloudWatch Logs
//! `PutLogEvents`); a trail logging data events on its own bucket records those, whose
//! log files are deliveries again: a loop paid for at the price of data events.
//! `RecursiveLogging=false` makes CloudTrail drop them.
//!
//! It is a status warning, not an admission rule: AWS accepts the configuration, a user
//! may want it (S3 data events on the whole bucket, log delivery included, for an
//! auditor), and selectors that cover the log files can be written in ways CEL cannot
//! judge. To keep false alarms at zero, a condition on a field this code cannot evaluate
//! for a delivery counts as not matching it.

use crate::api::OrgTrailSpec;
use crate::api::selectors::{AdvancedFieldSelector, EventSelectors, ReadWriteType};

use super::plan::desired_selectors;

/// What of its own deliveries the trail records as data events (for people to read), or
/// `None`. Only when recursive logging is on: `recursive_logging` is AWS's value, or the
/// spec's when it declares one.
pub fn own_deliveries(spec: &OrgTrailSpec, recursive_logging: bool) -> Option<String> {
    if spec.recursive_logging == Some(false) || !recursive_logging {
        return None;
    }
    let selectors = desired_selectors(spec);
    let s3 = Delivery::s3(spec);
    let mut found = vec![];
    if s3.recorded_by(&selectors) {
        found.push(format!(
            "S3 data events on its own bucket {}",
            spec.s3_bucket_name
        ));
    }
    if let Some(group) = Delivery::log_group(spec)
        && group.recorded_by(&selectors)
    {
        found.push("CloudWatch Logs data events on its own log group".to_string());
    }
    (!found.is_empty()).then(|| found.join(" and "))
}

/// The message of the condition and of its Warning event.
pub fn warning(what: &str) -> String {
    format!(
        "the trail logs {what}, so it also records CloudTrail's own delivery of each log file, at the price of data events, again and again; set recursiveLogging: false (or exclude the trail's destination from the selectors)"
    )
}

/// One delivery event as CloudTrail records it.
struct Delivery {
    event_source: &'static str,
    event_name: &'static str,
    /// `resources.type`; `None`: a CloudWatch Logs type (any `AWS::Logs::` one).
    resource_type: Option<&'static str>,
    /// The ARN prefix every delivered object (or the log group) falls under.
    area: String,
}

impl Delivery {
    fn s3(spec: &OrgTrailSpec) -> Self {
        let prefix = spec
            .s3_key_prefix
            .as_deref()
            .filter(|p| !p.is_empty())
            .map(|p| format!("{}/", p.trim_end_matches('/')))
            .unwrap_or_default();
        Delivery {
            event_source: "s3.amazonaws.com",
            event_name: "PutObject",
            resource_type: Some("AWS::S3::Object"),
            area: format!("arn:aws:s3:::{}/{prefix}AWSLogs/", spec.s3_bucket_name),
        }
    }

    fn log_group(spec: &OrgTrailSpec) -> Option<Self> {
        let arn = spec.cloud_watch_logs_log_group_arn.as_deref()?;
        Some(Delivery {
            event_source: "logs.amazonaws.com",
            event_name: "PutLogEvents",
            resource_type: None,
            area: normalize(arn.trim_end_matches(":*")),
        })
    }

    fn recorded_by(&self, selectors: &EventSelectors) -> bool {
        match selectors {
            EventSelectors::Basic(basic) => basic.iter().any(|s| {
                s.read_write_type != ReadWriteType::ReadOnly
                    && s.data_resources.iter().any(|r| {
                        Some(r.type_.as_str()) == self.resource_type
                            && r.values.iter().any(|v| self.covers_prefix(v))
                    })
            }),
            EventSelectors::Advanced(advanced) => advanced
                .iter()
                .any(|s| s.field_selectors.iter().all(|f| self.matches(f))),
        }
    }

    /// Whether an ARN prefix takes in some deliveries: it leads to the area, or into it.
    fn covers_prefix(&self, value: &str) -> bool {
        let v = normalize(value);
        // Basic selectors' "all buckets" values.
        v == "arn:aws:s3" || self.area.starts_with(&v) || v.starts_with(&self.area)
    }

    fn matches(&self, f: &AdvancedFieldSelector) -> bool {
        match f.field.as_str() {
            "eventCategory" => text(f, "Data"),
            "eventSource" => text(f, self.event_source),
            "eventName" => text(f, self.event_name),
            "readOnly" => text(f, "false"),
            "resources.type" => match self.resource_type {
                Some(t) => text(f, t),
                None => logs_type(f),
            },
            "resources.ARN" => self.arn(f),
            // userIdentity.arn, errorCode, vpcEndpointId, ...: not judged (no false alarm).
            _ => false,
        }
    }

    /// An ARN condition takes in some deliveries (each log file has its own ARN under the
    /// area; its name ends in `.json.gz`).
    fn arn(&self, f: &AdvancedFieldSelector) -> bool {
        const FILE_END: &str = ".json.gz";
        let inside = |v: &String| normalize(v).starts_with(&self.area);
        let leads = |v: &String| {
            let v = normalize(v);
            self.area.starts_with(&v) || v.starts_with(&self.area)
        };
        let ends = |v: &String| FILE_END.ends_with(v.as_str()) || v.ends_with(FILE_END);
        (f.equals.is_empty() || f.equals.iter().any(inside))
            && (f.starts_with.is_empty() || f.starts_with.iter().any(leads))
            && (f.ends_with.is_empty() || f.ends_with.iter().any(ends))
            && !f
                .not_starts_with
                .iter()
                .any(|v| self.area.starts_with(&normalize(v)))
            && !f
                .not_ends_with
                .iter()
                .any(|v| FILE_END.ends_with(v.as_str()))
    }
}

/// A condition on a single-valued field, for the value `s`.
fn text(f: &AdvancedFieldSelector, s: &str) -> bool {
    (f.equals.is_empty() || f.equals.iter().any(|v| v == s))
        && (f.starts_with.is_empty() || f.starts_with.iter().any(|v| s.starts_with(v.as_str())))
        && (f.ends_with.is_empty() || f.ends_with.iter().any(|v| s.ends_with(v.as_str())))
        && !f.not_equals.iter().any(|v| v == s)
        && !f.not_starts_with.iter().any(|v| s.starts_with(v.as_str()))
        && !f.not_ends_with.iter().any(|v| s.ends_with(v.as_str()))
}

/// A `resources.type` condition that selects CloudWatch Logs resources.
fn logs_type(f: &AdvancedFieldSelector) -> bool {
    const LOGS: &str = "AWS::Logs::";
    let any = f.equals.iter().any(|v| v.starts_with(LOGS))
        || f.starts_with
            .iter()
            .any(|v| LOGS.starts_with(v.as_str()) || v.starts_with(LOGS));
    any && f
        .not_starts_with
        .iter()
        .all(|v| !LOGS.starts_with(v.as_str()))
}

/// The ARN in the `aws` partition, so `aws-us-gov` and `aws-cn` ARNs compare alike.
fn normalize(arn: &str) -> String {
    let mut parts = arn.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("arn"), Some(_), Some(rest)) => format!("arn:aws:{rest}"),
        (Some("arn"), Some(_), None) => "arn:aws".to_string(),
        _ => arn.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(extra: serde_json::Value) -> OrgTrailSpec {
        let mut v = serde_json::json!({
            "name": "audit", "homeRegion": "us-east-1", "s3BucketName": "org-logs",
        });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        serde_json::from_value(v).unwrap()
    }

    fn advanced(fields: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"advancedEventSelectors": [{"fieldSelectors": fields}]})
    }

    #[test]
    fn management_events_only_is_no_loop() {
        assert_eq!(own_deliveries(&spec(serde_json::json!({})), true), None);
    }

    #[test]
    fn all_s3_data_events_record_the_trails_own_bucket() {
        let s = spec(advanced(serde_json::json!([
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
        ])));
        let what = own_deliveries(&s, true).expect("loop");
        assert!(what.contains("org-logs"), "{what}");
        // Off in AWS, or declared off: no loop.
        assert_eq!(own_deliveries(&s, false), None);
        let mut off = s.clone();
        off.recursive_logging = Some(false);
        assert_eq!(own_deliveries(&off, true), None);
    }

    #[test]
    fn arn_conditions_decide() {
        let on = |arn: serde_json::Value| {
            own_deliveries(
                &spec(advanced(serde_json::json!([
                    {"field": "eventCategory", "equals": ["Data"]},
                    {"field": "resources.type", "equals": ["AWS::S3::Object"]},
                    arn,
                ]))),
                true,
            )
            .is_some()
        };
        assert!(on(
            serde_json::json!({"field": "resources.ARN", "startsWith": ["arn:aws:s3:::org-logs/"]})
        ));
        assert!(!on(
            serde_json::json!({"field": "resources.ARN", "startsWith": ["arn:aws:s3:::other/"]})
        ));
        assert!(!on(
            serde_json::json!({"field": "resources.ARN", "notStartsWith": ["arn:aws:s3:::org-logs/"]})
        ));
        assert!(!on(
            serde_json::json!({"field": "resources.ARN", "startsWith": ["arn:aws:s3:::org-logs-archive/"]})
        ));
    }

    #[test]
    fn read_only_and_unjudged_fields_raise_no_alarm() {
        let read_only = spec(advanced(serde_json::json!([
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "readOnly", "equals": ["true"]},
        ])));
        assert_eq!(own_deliveries(&read_only, true), None);
        let by_user = spec(advanced(serde_json::json!([
            {"field": "eventCategory", "equals": ["Data"]},
            {"field": "resources.type", "equals": ["AWS::S3::Object"]},
            {"field": "userIdentity.arn", "startsWith": ["arn:aws:iam::111111111111:user/"]},
        ])));
        assert_eq!(own_deliveries(&by_user, true), None);
    }

    #[test]
    fn basic_selectors_on_the_bucket_or_all_buckets() {
        let basic = |values: serde_json::Value, rw: &str| {
            spec(serde_json::json!({"eventSelectors": [{
                "readWriteType": rw,
                "dataResources": [{"type": "AWS::S3::Object", "values": values}],
            }]}))
        };
        assert!(
            own_deliveries(
                &basic(serde_json::json!(["arn:aws:s3:::org-logs/"]), "All"),
                true
            )
            .is_some()
        );
        assert!(
            own_deliveries(&basic(serde_json::json!(["arn:aws:s3"]), "WriteOnly"), true).is_some()
        );
        assert!(
            own_deliveries(
                &basic(serde_json::json!(["arn:aws:s3:::org-logs/"]), "ReadOnly"),
                true
            )
            .is_none()
        );
        assert!(
            own_deliveries(
                &basic(serde_json::json!(["arn:aws:s3:::data/"]), "All"),
                true
            )
            .is_none()
        );
    }

    #[test]
    fn key_prefix_narrows_the_area() {
        let s = |prefix: &str, start: &str| {
            let mut v = advanced(serde_json::json!([
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.ARN", "startsWith": [start]},
            ]));
            v["s3KeyPrefix"] = prefix.into();
            own_deliveries(&spec(v), true).is_some()
        };
        // Without resources.type the selector takes every data event type.
        assert!(s("trail", "arn:aws:s3:::org-logs/trail/"));
        assert!(!s("trail", "arn:aws:s3:::org-logs/uploads/"));
    }

    #[test]
    fn log_group_data_events() {
        let s = spec(serde_json::json!({
            "cloudWatchLogsLogGroupArn": "arn:aws:logs:us-east-1:111111111111:log-group:trail:*",
            "cloudWatchLogsRoleArn": "arn:aws:iam::111111111111:role/ct",
            "advancedEventSelectors": [{"fieldSelectors": [
                {"field": "eventCategory", "equals": ["Data"]},
                {"field": "resources.type", "startsWith": ["AWS::Logs::"]},
                {"field": "resources.ARN", "startsWith": ["arn:aws:logs:us-east-1:111111111111:log-group:trail"]},
            ]}],
        }));
        let what = own_deliveries(&s, true).expect("loop");
        assert!(what.contains("log group"), "{what}");
    }
}
