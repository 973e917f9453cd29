//! What an API call touched, in terms the controllers match their objects against.

use super::call::ApiCall;

/// Something an API call may have changed.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Hint {
    /// A trail: its name and home region (from the ARN if the call gave one, else the
    /// region of the call: trail writes must be made in the trail's home region).
    Trail {
        /// Trail name.
        name: String,
        /// Home region.
        region: String,
    },
    /// An event data store, by the id its ARN ends with.
    EventDataStore {
        /// The id (the ARN's last segment).
        id: String,
    },
    /// A delegated administrator registration of `account_id`.
    DelegatedAdmin {
        /// The member account.
        account_id: String,
    },
    /// Trusted access of a service principal.
    TrustedAccess {
        /// e.g. `cloudtrail.amazonaws.com`.
        service_principal: String,
    },
}

const CLOUDTRAIL: &str = "cloudtrail.amazonaws.com";
const ORGANIZATIONS: &str = "organizations.amazonaws.com";

/// Every (eventSource, eventName) [`hints`] maps, with the request parameters that may
/// name what it touched (the first present wins: `PutInsightSelectors` and
/// `PutEventConfiguration` take a trail or a store). The event pattern must match all of
/// them (`pattern` tests it).
pub const MAPPED: &[(&str, &str, &[&str])] = &[
    (CLOUDTRAIL, "StopLogging", &["name"]),
    (CLOUDTRAIL, "StartLogging", &["name"]),
    (CLOUDTRAIL, "DeleteTrail", &["name"]),
    (CLOUDTRAIL, "UpdateTrail", &["name"]),
    (CLOUDTRAIL, "PutEventSelectors", &["trailName"]),
    (
        CLOUDTRAIL,
        "PutInsightSelectors",
        &["trailName", "eventDataStore"],
    ),
    (
        CLOUDTRAIL,
        "PutEventConfiguration",
        &["trailName", "eventDataStore"],
    ),
    (CLOUDTRAIL, "AddTags", &["resourceId"]),
    (CLOUDTRAIL, "RemoveTags", &["resourceId"]),
    (CLOUDTRAIL, "UpdateEventDataStore", &["eventDataStore"]),
    (CLOUDTRAIL, "DeleteEventDataStore", &["eventDataStore"]),
    (
        CLOUDTRAIL,
        "StopEventDataStoreIngestion",
        &["eventDataStore"],
    ),
    (
        CLOUDTRAIL,
        "StartEventDataStoreIngestion",
        &["eventDataStore"],
    ),
    (CLOUDTRAIL, "RestoreEventDataStore", &["eventDataStore"]),
    (CLOUDTRAIL, "EnableFederation", &["eventDataStore"]),
    (CLOUDTRAIL, "DisableFederation", &["eventDataStore"]),
    (CLOUDTRAIL, "PutResourcePolicy", &["resourceArn"]),
    (CLOUDTRAIL, "DeleteResourcePolicy", &["resourceArn"]),
    (
        CLOUDTRAIL,
        "RegisterOrganizationDelegatedAdmin",
        &["memberAccountId"],
    ),
    (
        CLOUDTRAIL,
        "DeregisterOrganizationDelegatedAdmin",
        &["delegatedAdminAccountId"],
    ),
    (
        ORGANIZATIONS,
        "DisableAWSServiceAccess",
        &["servicePrincipal"],
    ),
    (
        ORGANIZATIONS,
        "EnableAWSServiceAccess",
        &["servicePrincipal"],
    ),
    (
        ORGANIZATIONS,
        "RegisterDelegatedAdministrator",
        &["accountId"],
    ),
    (
        ORGANIZATIONS,
        "DeregisterDelegatedAdministrator",
        &["accountId"],
    ),
];

/// What `call` may have changed; empty when it is nothing we could manage (a call we do
/// not map, or one without the parameter that would say what it touched).
pub fn hints(call: &ApiCall) -> Vec<Hint> {
    let Some(&(_, name, params)) = MAPPED
        .iter()
        .find(|(source, name, _)| *source == call.event_source && *name == call.event_name)
    else {
        return vec![];
    };
    let Some((param, value)) = params
        .iter()
        .find_map(|p| Some((*p, call.param(p).filter(|v| !v.is_empty())?)))
    else {
        return vec![];
    };
    let hint = match (call.event_source.as_str(), param) {
        (CLOUDTRAIL, "name" | "trailName") => trail(value, &call.region),
        // Tags are on trails and stores alike: the ARN says which.
        (CLOUDTRAIL, "resourceId") if value.contains(":eventdatastore/") => store(value),
        (CLOUDTRAIL, "resourceId") => trail(value, &call.region),
        (CLOUDTRAIL, "eventDataStore") => store(value),
        // Resource policies are also on channels and dashboards, which we do not manage.
        (CLOUDTRAIL, "resourceArn") if value.contains(":eventdatastore/") => store(value),
        (CLOUDTRAIL, "resourceArn") => return vec![],
        (_, "memberAccountId" | "delegatedAdminAccountId" | "accountId") => Hint::DelegatedAdmin {
            account_id: value.to_owned(),
        },
        (ORGANIZATIONS, "servicePrincipal") => Hint::TrustedAccess {
            service_principal: value.to_owned(),
        },
        _ => unreachable!("{name}: every MAPPED parameter has an arm"),
    };
    vec![hint]
}

/// A trail named by `value`: a bare name (the caller's own trail, in the call's region)
/// or an ARN `arn:<partition>:cloudtrail:<region>:<account>:trail/<name>`.
fn trail(value: &str, call_region: &str) -> Hint {
    match value.strip_prefix("arn:") {
        Some(rest) => {
            let region = rest.split(':').nth(2).unwrap_or(call_region);
            let name = rest.rsplit_once(":trail/").map_or(value, |(_, n)| n);
            Hint::Trail {
                name: name.to_owned(),
                region: region.to_owned(),
            }
        }
        None => Hint::Trail {
            name: value.to_owned(),
            region: call_region.to_owned(),
        },
    }
}

/// A store named by its ARN or by the id the ARN ends with.
fn store(value: &str) -> Hint {
    Hint::EventDataStore {
        id: value.rsplit('/').next().unwrap_or(value).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::call::{parse, tests::event};
    use super::*;
    use serde_json::json;

    fn hints_of(source: &str, name: &str, request: serde_json::Value) -> Vec<Hint> {
        hints(&parse(&event(source, name, "eu-west-1", request)).unwrap())
    }

    fn trail_hint(name: &str, region: &str) -> Vec<Hint> {
        vec![Hint::Trail {
            name: name.into(),
            region: region.into(),
        }]
    }

    #[test]
    fn trail_calls_name_the_trail_by_name_or_arn() {
        assert_eq!(
            hints_of(CLOUDTRAIL, "StopLogging", json!({"name": "org"})),
            trail_hint("org", "eu-west-1")
        );
        let arn = "arn:aws:cloudtrail:us-east-1:111111111111:trail/org";
        assert_eq!(
            hints_of(CLOUDTRAIL, "DeleteTrail", json!({ "name": arn })),
            trail_hint("org", "us-east-1"),
            "the ARN's region wins over the call's"
        );
        assert_eq!(
            hints_of(CLOUDTRAIL, "PutEventSelectors", json!({"trailName": "org"})),
            trail_hint("org", "eu-west-1")
        );
        assert_eq!(
            hints_of(CLOUDTRAIL, "RemoveTags", json!({ "resourceId": arn })),
            trail_hint("org", "us-east-1")
        );
    }

    #[test]
    fn store_calls_name_the_store_id() {
        let arn = "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-id";
        let id = vec![Hint::EventDataStore {
            id: "EXAMPLE-id".into(),
        }];
        assert_eq!(
            hints_of(
                CLOUDTRAIL,
                "DeleteEventDataStore",
                json!({ "eventDataStore": arn })
            ),
            id
        );
        assert_eq!(
            hints_of(
                CLOUDTRAIL,
                "StopEventDataStoreIngestion",
                json!({"eventDataStore": "EXAMPLE-id"})
            ),
            id
        );
        assert_eq!(
            hints_of(CLOUDTRAIL, "AddTags", json!({ "resourceId": arn })),
            id
        );
    }

    #[test]
    fn calls_on_a_trail_or_a_store_name_either() {
        assert_eq!(
            hints_of(
                CLOUDTRAIL,
                "PutEventConfiguration",
                json!({"trailName": "org"})
            ),
            trail_hint("org", "eu-west-1")
        );
        let store = vec![Hint::EventDataStore {
            id: "EXAMPLE-f852".into(),
        }];
        let arn = "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/EXAMPLE-f852";
        assert_eq!(
            hints_of(
                CLOUDTRAIL,
                "PutInsightSelectors",
                json!({"eventDataStore": arn})
            ),
            store
        );
        assert_eq!(
            hints_of(
                CLOUDTRAIL,
                "EnableFederation",
                json!({"eventDataStore": arn})
            ),
            store
        );
        assert_eq!(
            hints_of(CLOUDTRAIL, "PutResourcePolicy", json!({"resourceArn": arn})),
            store
        );
        let channel = "arn:aws:cloudtrail:us-east-1:111111111111:channel/abc";
        assert!(
            hints_of(
                CLOUDTRAIL,
                "PutResourcePolicy",
                json!({"resourceArn": channel})
            )
            .is_empty()
        );
    }

    #[test]
    fn organizations_calls_name_the_principal_or_account() {
        assert_eq!(
            hints_of(
                ORGANIZATIONS,
                "DisableAWSServiceAccess",
                json!({"servicePrincipal": "cloudtrail.amazonaws.com"})
            ),
            vec![Hint::TrustedAccess {
                service_principal: "cloudtrail.amazonaws.com".into()
            }]
        );
        let da = vec![Hint::DelegatedAdmin {
            account_id: "222222222222".into(),
        }];
        assert_eq!(
            hints_of(
                ORGANIZATIONS,
                "DeregisterDelegatedAdministrator",
                json!({"accountId": "222222222222", "servicePrincipal": "cloudtrail.amazonaws.com"})
            ),
            da
        );
        assert_eq!(
            hints_of(
                CLOUDTRAIL,
                "DeregisterOrganizationDelegatedAdmin",
                json!({"delegatedAdminAccountId": "222222222222"})
            ),
            da
        );
    }

    #[test]
    fn unmapped_calls_and_missing_parameters_name_nothing() {
        assert!(hints_of(CLOUDTRAIL, "CreateTrail", json!({"name": "org"})).is_empty());
        assert!(hints_of(CLOUDTRAIL, "StopLogging", json!({})).is_empty());
        assert!(hints_of(CLOUDTRAIL, "StopLogging", serde_json::Value::Null).is_empty());
        // The same name from another service is not ours.
        assert!(hints_of(ORGANIZATIONS, "StopLogging", json!({"name": "org"})).is_empty());
    }

    #[test]
    fn every_mapped_call_yields_a_hint() {
        for (source, name, params) in MAPPED {
            for param in *params {
                let value = match *param {
                    "resourceId" => "arn:aws:cloudtrail:us-east-1:111111111111:trail/x",
                    "resourceArn" => "arn:aws:cloudtrail:us-east-1:111111111111:eventdatastore/x",
                    _ => "x",
                };
                assert_eq!(
                    hints_of(source, name, json!({ *param: value })).len(),
                    1,
                    "{name} {param}"
                );
            }
        }
    }
}
