//! The CloudTrail settings of 2025-2026 through the adapter: RecursiveLogging, event
//! configuration (aggregations of a trail; maximum event size and context keys of a
//! store), Insights with event categories on trails and stores, Lake query federation and
//! resource-based policies, and the errors they end in.

use orgtrail_operator::api::selectors::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, EventSelectors,
    InsightType, ReadWriteType,
};
use orgtrail_operator::api::settings::{
    AggregationEventCategory, AggregationTemplate, ContextKeyType,
};
use orgtrail_operator::aws::SourceEventCategory::{Data, Management};
use orgtrail_operator::aws::{
    AggregationConfiguration, CloudTrail, ContextKeySelector, ErrorKind, EventConfiguration,
    EventDataStoreSettings, FederationStatus, InsightSelector, Insights, MaxEventSize, Target,
    trail_arn,
};
use serde_json::Value;

use crate::harness::*;
use crate::support::MANAGEMENT_ACCOUNT;

/// Create a store; its ARN.
async fn created_store(aws: &impl CloudTrail, settings: &EventDataStoreSettings) -> String {
    aws.create_event_data_store(REGION, settings)
        .await
        .unwrap()
        .arn
}

/// An account store of management events (AWS's default selectors), unprotected.
fn store(name: &str) -> EventDataStoreSettings {
    EventDataStoreSettings {
        name: name.into(),
        multi_region_enabled: true,
        retention_period: 90,
        start_ingestion: true,
        ..EventDataStoreSettings::default()
    }
}

/// A store that only receives Insights events (an Insights destination).
fn insights_store(name: &str) -> EventDataStoreSettings {
    EventDataStoreSettings {
        advanced_event_selectors: vec![advanced("Insights events", "Insight")],
        ..store(name)
    }
}

fn advanced(name: &str, category: &str) -> AdvancedEventSelector {
    AdvancedEventSelector {
        name: Some(name.into()),
        field_selectors: vec![AdvancedFieldSelector {
            field: "eventCategory".into(),
            equals: vec![category.into()],
            ..Default::default()
        }],
    }
}

/// All management events plus S3 object data events.
fn management_and_data() -> EventSelectors {
    EventSelectors::Basic(vec![EventSelector {
        read_write_type: ReadWriteType::All,
        include_management_events: true,
        data_resources: vec![DataResource {
            type_: "AWS::S3::Object".into(),
            values: vec!["arn:aws:s3".into()],
        }],
        exclude_management_event_sources: vec![],
    }])
}

fn selector(
    insight_type: InsightType,
    categories: &[orgtrail_operator::aws::SourceEventCategory],
) -> InsightSelector {
    InsightSelector {
        insight_type,
        event_categories: categories.to_vec(),
    }
}

/// A policy letting account 222222222222 query the store `arn`.
fn query_policy(arn: &str) -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "QueryFromSecurity",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
            "Action": ["cloudtrail:StartQuery", "cloudtrail:GetQueryResults"],
            "Resource": arn,
        }],
    })
    .to_string()
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON policy")
}

#[tokio::test]
async fn recursive_logging_create_update_and_read_back() {
    let env = Env::start();
    let aws = env.management().await;

    // Not sent: AWS's default, on.
    let default = aws
        .create_trail(REGION, &trail("default", ORG_BUCKET, false))
        .await
        .unwrap();
    assert!(default.recursive_logging, "{default:?}");
    let got = aws.get_trail(REGION, &default.arn).await.unwrap().unwrap();
    assert!(got.recursive_logging);

    // Sent on create.
    let mut settings = trail("flat", ORG_BUCKET, false);
    settings.recursive_logging = Some(false);
    let created = aws.create_trail(REGION, &settings).await.unwrap();
    assert!(!created.recursive_logging);
    let arn = trail_arn(REGION, MANAGEMENT_ACCOUNT, "flat");
    assert!(
        !aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .recursive_logging
    );

    // Another field named: RecursiveLogging is not sent and stays as it is.
    settings.recursive_logging = Some(true);
    settings.s3_key_prefix = Some("flat".into());
    let updated = aws
        .update_trail(REGION, &arn, &settings, &["S3KeyPrefix"])
        .await
        .unwrap();
    assert!(!updated.recursive_logging, "a field not sent changed");

    // Named: sent.
    let updated = aws
        .update_trail(REGION, &arn, &settings, &["RecursiveLogging"])
        .await
        .unwrap();
    assert!(updated.recursive_logging);
    assert!(
        aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .recursive_logging
    );
    settings.recursive_logging = Some(false);
    aws.update_trail(REGION, &arn, &settings, &["RecursiveLogging"])
        .await
        .unwrap();
    assert!(
        !aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .recursive_logging
    );
}

#[tokio::test]
async fn aggregation_configurations_on_a_trail() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("aggregated", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    let target = Target::Trail(&arn);
    // Nothing configured yet.
    let got = aws.get_event_configuration(REGION, target).await.unwrap();
    assert!(got.aggregation_configurations.is_empty(), "{got:?}");
    assert!(got.context_key_selectors.is_empty(), "{got:?}");

    // Aggregation summarises data events: the trail logs some first.
    aws.put_event_selectors(REGION, &arn, &management_and_data())
        .await
        .unwrap();
    let wanted = EventConfiguration {
        aggregation_configurations: vec![AggregationConfiguration {
            templates: vec![
                AggregationTemplate::UserActions,
                AggregationTemplate::ApiActivity,
            ],
            event_category: AggregationEventCategory::Data,
        }],
        ..EventConfiguration::default()
    };
    aws.put_event_configuration(REGION, target, &wanted)
        .await
        .unwrap();
    let got = aws.get_event_configuration(REGION, target).await.unwrap();
    assert_eq!(got, wanted.clone().canonical());
    assert_eq!(
        got.aggregation_configurations[0].templates,
        [
            AggregationTemplate::ApiActivity,
            AggregationTemplate::UserActions
        ],
        "canonical: sorted"
    );

    // A put replaces the whole configuration: none clears it.
    aws.put_event_configuration(REGION, target, &EventConfiguration::default())
        .await
        .unwrap();
    assert!(
        aws.get_event_configuration(REGION, target)
            .await
            .unwrap()
            .aggregation_configurations
            .is_empty()
    );
}

#[tokio::test]
async fn aggregation_without_data_events_is_refused() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("management-only", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    let wanted = EventConfiguration {
        aggregation_configurations: vec![AggregationConfiguration {
            templates: vec![AggregationTemplate::ResourceAccess],
            event_category: AggregationEventCategory::Data,
        }],
        ..EventConfiguration::default()
    };
    let e = err(aws
        .put_event_configuration(REGION, Target::Trail(&arn), &wanted)
        .await);
    assert_eq!(e.kind, ErrorKind::InvalidInput, "{e}");
}

#[tokio::test]
async fn insight_selectors_with_event_categories_on_a_trail() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("insights", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    let target = Target::Trail(&arn);
    aws.put_event_selectors(REGION, &arn, &management_and_data())
        .await
        .unwrap();
    let wanted = Insights {
        selectors: vec![
            selector(InsightType::ApiErrorRateInsight, &[Data]),
            selector(InsightType::ApiCallRateInsight, &[Data, Management]),
        ],
        destination: None,
    };
    aws.put_insight_selectors(REGION, target, &wanted)
        .await
        .unwrap();
    let got = aws.get_insight_selectors(REGION, target).await.unwrap();
    assert_eq!(got, wanted.clone().canonical());
    assert_eq!(
        got.selectors[0],
        selector(InsightType::ApiCallRateInsight, &[Management, Data]),
        "canonical: sorted by type, categories sorted"
    );
    assert!(
        aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .has_insight_selectors
    );

    // Categories sent replace the old ones: Data only turns Management off.
    let data_only = Insights {
        selectors: vec![selector(InsightType::ApiCallRateInsight, &[Data])],
        destination: None,
    };
    aws.put_insight_selectors(REGION, target, &data_only)
        .await
        .unwrap();
    assert_eq!(
        aws.get_insight_selectors(REGION, target).await.unwrap(),
        data_only
    );
}

#[tokio::test]
async fn insights_on_data_events_need_a_trail_that_logs_them() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("no-data", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    let wanted = Insights {
        selectors: vec![selector(InsightType::ApiErrorRateInsight, &[Data])],
        destination: None,
    };
    assert_error(
        aws.put_insight_selectors(REGION, Target::Trail(&arn), &wanted)
            .await,
        ErrorKind::InvalidInput,
        "InvalidInsightSelectorsException",
    );
}

#[tokio::test]
async fn insight_selectors_on_a_store_with_a_destination() {
    let env = Env::start();
    let aws = env.management().await;
    let source = created_store(&aws, &store("source")).await;
    let destination = created_store(&aws, &insights_store("insights")).await;
    let target = Target::EventDataStore(&source);
    assert_eq!(
        aws.get_insight_selectors(REGION, target).await.unwrap(),
        Insights::default(),
        "never enabled"
    );
    let wanted = Insights {
        selectors: vec![
            selector(InsightType::ApiCallRateInsight, &[Management]),
            selector(InsightType::ApiErrorRateInsight, &[]),
        ],
        destination: Some(destination.clone()),
    };
    aws.put_insight_selectors(REGION, target, &wanted)
        .await
        .unwrap();
    let got = aws.get_insight_selectors(REGION, target).await.unwrap();
    assert_eq!(got, wanted.clone().canonical());
    assert_eq!(got.destination.as_deref(), Some(destination.as_str()));

    // Off again.
    aws.put_insight_selectors(REGION, target, &Insights::default())
        .await
        .unwrap();
    assert_eq!(
        aws.get_insight_selectors(REGION, target).await.unwrap(),
        Insights::default()
    );
}

#[tokio::test]
async fn store_insights_errors() {
    let env = Env::start();
    let aws = env.management().await;
    let source = created_store(&aws, &store("source")).await;
    let destination = created_store(&aws, &insights_store("insights")).await;
    let target = Target::EventDataStore(&source);
    // A store's Insights need a destination.
    let mut wanted = Insights {
        selectors: vec![selector(InsightType::ApiCallRateInsight, &[])],
        destination: None,
    };
    assert_error(
        aws.put_insight_selectors(REGION, target, &wanted).await,
        ErrorKind::InvalidInput,
        "InvalidParameterCombinationException",
    );
    // Stores get Insights on management events only.
    wanted.destination = Some(destination);
    wanted.selectors[0].event_categories = vec![Data];
    assert_error(
        aws.put_insight_selectors(REGION, target, &wanted).await,
        ErrorKind::InvalidInput,
        "InvalidInsightSelectorsException",
    );
}

#[tokio::test]
async fn max_event_size_and_context_keys_on_a_store() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("enriched")).await;
    let target = Target::EventDataStore(&arn);
    let fresh = aws.get_event_configuration(REGION, target).await.unwrap();
    assert!(fresh.context_key_selectors.is_empty(), "{fresh:?}");
    assert!(
        matches!(fresh.max_event_size, None | Some(MaxEventSize::Standard)),
        "{fresh:?}"
    );

    let wanted = EventConfiguration {
        max_event_size: Some(MaxEventSize::Large),
        context_key_selectors: vec![
            ContextKeySelector {
                type_: ContextKeyType::RequestContext,
                equals: vec!["aws:PrincipalArn".into()],
            },
            ContextKeySelector {
                type_: ContextKeyType::TagContext,
                equals: vec!["team".into(), "env".into()],
            },
        ],
        aggregation_configurations: vec![],
    };
    aws.put_event_configuration(REGION, target, &wanted)
        .await
        .unwrap();
    let got = aws.get_event_configuration(REGION, target).await.unwrap();
    assert_eq!(got, wanted.clone().canonical());
    assert_eq!(
        got.context_key_selectors[0].type_,
        ContextKeyType::TagContext,
        "canonical: sorted by type"
    );

    // A put replaces the whole configuration: no keys, standard size.
    let standard = EventConfiguration {
        max_event_size: Some(MaxEventSize::Standard),
        ..EventConfiguration::default()
    };
    aws.put_event_configuration(REGION, target, &standard)
        .await
        .unwrap();
    assert_eq!(
        aws.get_event_configuration(REGION, target).await.unwrap(),
        standard
    );
}

#[tokio::test]
async fn context_keys_need_the_large_event_size() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("too-small")).await;
    let keys = vec![ContextKeySelector {
        type_: ContextKeyType::TagContext,
        equals: vec!["team".into()],
    }];
    for max_event_size in [None, Some(MaxEventSize::Standard)] {
        let wanted = EventConfiguration {
            max_event_size,
            context_key_selectors: keys.clone(),
            aggregation_configurations: vec![],
        };
        let e = err(aws
            .put_event_configuration(REGION, Target::EventDataStore(&arn), &wanted)
            .await);
        assert_eq!(e.kind, ErrorKind::InvalidInput, "{max_event_size:?}: {e}");
    }
}

#[tokio::test]
async fn event_configuration_of_an_insights_store_is_refused() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &insights_store("insights")).await;
    let wanted = EventConfiguration {
        max_event_size: Some(MaxEventSize::Large),
        ..EventConfiguration::default()
    };
    assert_error(
        aws.put_event_configuration(REGION, Target::EventDataStore(&arn), &wanted)
            .await,
        ErrorKind::InvalidInput,
        "InvalidEventDataStoreCategoryException",
    );
}

#[tokio::test]
async fn event_configuration_of_a_store_pending_deletion_waits() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("doomed")).await;
    aws.delete_event_data_store(REGION, &arn).await.unwrap();
    let wanted = EventConfiguration {
        max_event_size: Some(MaxEventSize::Large),
        ..EventConfiguration::default()
    };
    assert_error(
        aws.put_event_configuration(REGION, Target::EventDataStore(&arn), &wanted)
            .await,
        ErrorKind::Conflict,
        "InactiveEventDataStoreException",
    );
}

#[tokio::test]
async fn federation_enable_and_disable() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("federated")).await;
    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.federation_status, FederationStatus::Disabled);
    assert_eq!(got.federation_role_arn, None);

    let role = format!("arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/lake-federation");
    aws.enable_federation(REGION, &arn, &role).await.unwrap();
    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got.federation_status.heading_to(),
        Some(true),
        "{:?}",
        got.federation_status
    );
    assert_eq!(got.federation_role_arn.as_deref(), Some(role.as_str()));

    // Already federated: the store's state is in the way, not the request.
    assert_error(
        aws.enable_federation(REGION, &arn, &role).await,
        ErrorKind::Conflict,
        "EventDataStoreFederationEnabledException",
    );
    // A federated store cannot be deleted until federation is off.
    assert_error(
        aws.delete_event_data_store(REGION, &arn).await,
        ErrorKind::InvalidInput,
        "EventDataStoreFederationEnabledException",
    );

    aws.disable_federation(REGION, &arn).await.unwrap();
    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        got.federation_status.heading_to(),
        Some(false),
        "{:?}",
        got.federation_status
    );
    assert_eq!(got.federation_role_arn, None);
    aws.delete_event_data_store(REGION, &arn).await.unwrap();
}

#[tokio::test]
async fn federation_role_of_another_account_is_refused() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("federated")).await;
    let e = err(aws
        .enable_federation(REGION, &arn, "arn:aws:iam::999999999999:role/elsewhere")
        .await);
    assert_eq!(e.kind, ErrorKind::InvalidInput, "{e}");
    let got = aws
        .get_event_data_store(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(got.federation_status, FederationStatus::Disabled);
}

#[tokio::test]
async fn federation_denied_by_iam_names_the_action() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("federated")).await;
    env.deny(crate::support::AKID_MANAGEMENT, &["glue:CreateDatabase"]);
    let role = format!("arn:aws:iam::{MANAGEMENT_ACCOUNT}:role/lake-federation");
    assert_error(
        aws.enable_federation(REGION, &arn, &role).await,
        ErrorKind::AccessDenied {
            action: "glue:CreateDatabase".into(),
        },
        "AccessDeniedException",
    );
}

#[tokio::test]
async fn resource_policy_put_get_delete() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("shared")).await;
    // None yet: AWS answers ResourcePolicyNotFoundException; the port says "none".
    assert_eq!(aws.get_resource_policy(REGION, &arn).await.unwrap(), None);

    let policy = query_policy(&arn);
    aws.put_resource_policy(REGION, &arn, &policy)
        .await
        .unwrap();
    let got = aws
        .get_resource_policy(REGION, &arn)
        .await
        .unwrap()
        .expect("the policy put");
    assert_eq!(json(&got), json(&policy));

    aws.delete_resource_policy(REGION, &arn).await.unwrap();
    assert_eq!(aws.get_resource_policy(REGION, &arn).await.unwrap(), None);
    assert_error(
        aws.delete_resource_policy(REGION, &arn).await,
        ErrorKind::NotFound,
        "ResourcePolicyNotFoundException",
    );
}

#[tokio::test]
async fn resource_policy_errors() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = created_store(&aws, &store("shared")).await;
    assert_error(
        aws.put_resource_policy(REGION, &arn, "{not a policy").await,
        ErrorKind::InvalidInput,
        "ResourcePolicyNotValidException",
    );
    let no_principal = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "cloudtrail:StartQuery", "Resource": arn}],
    })
    .to_string();
    assert_error(
        aws.put_resource_policy(REGION, &arn, &no_principal).await,
        ErrorKind::InvalidInput,
        "ResourcePolicyNotValidException",
    );
    assert_eq!(aws.get_resource_policy(REGION, &arn).await.unwrap(), None);

    // The store itself missing is not "no policy".
    let missing = format!(
        "arn:aws:cloudtrail:{REGION}:{MANAGEMENT_ACCOUNT}:eventdatastore/00000000-0000-0000-0000-000000000000"
    );
    assert_error(
        aws.get_resource_policy(REGION, &missing).await,
        ErrorKind::NotFound,
        "ResourceNotFoundException",
    );
}

#[tokio::test]
async fn organization_store_reads_only_the_policy_put() {
    // CloudTrail adds a DelegatedAdminResourcePolicy to organization stores; that one is
    // AWS's, not a policy the operator put.
    let env = Env::start();
    env.with_delegated_admin().await;
    let aws = env.management().await;
    let settings = EventDataStoreSettings {
        organization_enabled: true,
        ..store("org-lake")
    };
    let arn = created_store(&aws, &settings).await;
    assert_eq!(aws.get_resource_policy(REGION, &arn).await.unwrap(), None);
    let policy = query_policy(&arn);
    aws.put_resource_policy(REGION, &arn, &policy)
        .await
        .unwrap();
    let got = aws
        .get_resource_policy(REGION, &arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(json(&got), json(&policy));
}

#[tokio::test]
async fn new_calls_are_observed() {
    // Every new call goes through the adapter's per-call machinery: the observer hears
    // each, with its outcome.
    use std::sync::{Arc, Mutex};

    use orgtrail_operator::aws::CallObserver;
    use orgtrail_operator::aws::sdk::SdkAws;

    #[derive(Default)]
    struct Seen(Mutex<Vec<(&'static str, &'static str)>>);
    impl CallObserver for Seen {
        fn observe(&self, _: &'static str, operation: &'static str, outcome: &'static str) {
            self.0.lock().unwrap().push((operation, outcome));
        }
    }

    let env = Env::start();
    let seen = Arc::new(Seen::default());
    let conf = crate::support::sdk_config(&env.emu, crate::support::AKID_MANAGEMENT, REGION).await;
    let aws = SdkAws::new(&conf, Some(seen.clone()));
    let arn = created_store(&aws, &store("observed")).await;
    let target = Target::EventDataStore(&arn);
    aws.get_insight_selectors(REGION, target).await.unwrap();
    aws.get_event_configuration(REGION, target).await.unwrap();
    aws.get_resource_policy(REGION, &arn).await.unwrap();
    aws.put_resource_policy(REGION, &arn, "{")
        .await
        .unwrap_err();
    let seen = seen.0.lock().unwrap().clone();
    assert_eq!(
        seen,
        [
            ("CreateEventDataStore", "ok"),
            // The "none" answers are still AWS errors, counted as such.
            ("GetInsightSelectors", "not_found"),
            ("GetEventConfiguration", "ok"),
            ("GetResourcePolicy", "not_found"),
            ("PutResourcePolicy", "invalid_input"),
        ]
    );
}

#[tokio::test]
async fn only_the_owner_changes_an_organization_store_policy() {
    let env = Env::start();
    env.with_delegated_admin().await;
    let settings = EventDataStoreSettings {
        organization_enabled: true,
        ..store("org-lake")
    };
    let arn = env
        .management()
        .await
        .create_event_data_store(REGION, &settings)
        .await
        .unwrap()
        .arn;
    let delegated = env.delegated().await;
    assert_eq!(
        delegated.get_resource_policy(REGION, &arn).await.unwrap(),
        None
    );
    // Not a missing prerequisite the operator could wait for: the spec asks for something
    // this account may not do.
    assert_error(
        delegated
            .put_resource_policy(REGION, &arn, &query_policy(&arn))
            .await,
        ErrorKind::InvalidInput,
        "OperationNotPermittedException",
    );
}
