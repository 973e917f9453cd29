//! The EventBridge event pattern the setup installs (`deploy/events/event-pattern.json`,
//! used as-is by the CloudFormation template, the Terraform module and the CLI script).

/// The pattern, as JSON.
pub const EVENT_PATTERN: &str = include_str!("../../deploy/events/event-pattern.json");

#[cfg(test)]
mod tests {
    use super::super::hints::MAPPED;
    use super::*;
    use serde_json::Value;

    fn strings(v: &Value) -> Vec<&str> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default()
    }

    /// A call we map but the rule does not deliver would only ever be seen by the resync.
    #[test]
    fn the_pattern_delivers_every_call_the_operator_maps() {
        let pattern: Value = serde_json::from_str(EVENT_PATTERN).unwrap();
        assert_eq!(
            strings(&pattern["detail-type"]),
            ["AWS API Call via CloudTrail"]
        );
        let sources = strings(&pattern["detail"]["eventSource"]);
        let names = strings(&pattern["detail"]["eventName"]);
        for (source, name, _) in MAPPED {
            assert!(sources.contains(source), "{source}");
            let rule_source = format!("aws.{}", source.trim_end_matches(".amazonaws.com"));
            assert!(
                strings(&pattern["source"]).contains(&rule_source.as_str()),
                "{source}"
            );
            assert!(
                names.contains(name),
                "{name} is mapped but not in the pattern"
            );
        }
        // And nothing is delivered that is never used: each message costs a receive.
        for name in names {
            assert!(
                MAPPED.iter().any(|(_, n, _)| *n == name),
                "{name} is in the pattern but not mapped"
            );
        }
    }
}
