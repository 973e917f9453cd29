//! The settings CloudTrail added in 2025–2026, through the real aws-sdk-cloudtrail client:
//! RecursiveLogging, Put/GetEventConfiguration, Insights EventCategories and Insights on
//! event data stores, Lake query federation, resource-based policies; plus the
//! Organizations account `State` (the retired `Status` is not sent).

mod common;

use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::config::{Credentials, Region};
use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::types::{
    AdvancedEventSelector, AdvancedFieldSelector, AggregationConfiguration, ContextKeySelector,
    DataResource, EventCategoryAggregation, EventSelector, FederationStatus, InsightSelector,
    InsightType, MaxEventSize, ReadWriteType, SourceEventCategory, Template, Type,
};
use common::{DELEGATED, Emulator, MANAGEMENT, MEMBER};
use serde_json::Value;

const HOME: &str = "us-east-1";
const BUCKET: &str = "orgtrail-logs";

async fn config(emu: &Emulator, key: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&emu.url)
        .region(Region::new(region.to_string()))
        .credentials_provider(Credentials::new(key, "secret", None, None, "test"))
        .load()
        .await
}

async fn ct(emu: &Emulator, key: &str) -> Client {
    Client::new(&config(emu, key, HOME).await)
}

fn code<E: ProvideErrorMetadata>(e: &E) -> String {
    e.code().unwrap_or("<none>").to_string()
}

/// Trusted access on and 222222222222 registered as CloudTrail delegated administrator.
async fn organization(emu: &Emulator) {
    aws_sdk_organizations::Client::new(&config(emu, MANAGEMENT, HOME).await)
        .enable_aws_service_access()
        .service_principal("cloudtrail.amazonaws.com")
        .send()
        .await
        .expect("trusted access");
    ct(emu, MANAGEMENT)
        .await
        .register_organization_delegated_admin()
        .member_account_id("222222222222")
        .send()
        .await
        .expect("delegated admin");
}

fn field(name: &str, value: &str) -> AdvancedFieldSelector {
    AdvancedFieldSelector::builder()
        .field(name)
        .equals(value)
        .build()
        .expect("field")
}

fn selector(category: &str) -> AdvancedEventSelector {
    AdvancedEventSelector::builder()
        .field_selectors(field("eventCategory", category))
        .build()
        .expect("selector")
}

fn s3_data_events() -> EventSelector {
    EventSelector::builder()
        .read_write_type(ReadWriteType::All)
        .data_resources(
            DataResource::builder()
                .r#type("AWS::S3::Object")
                .values("arn:aws:s3")
                .build(),
        )
        .build()
}

fn context(ty: Type, keys: &[&str]) -> ContextKeySelector {
    ContextKeySelector::builder()
        .r#type(ty)
        .set_equals(Some(keys.iter().map(|k| k.to_string()).collect()))
        .build()
        .expect("context key selector")
}

fn aggregation(templates: &[Template]) -> AggregationConfiguration {
    AggregationConfiguration::builder()
        .set_templates(Some(templates.to_vec()))
        .event_category(EventCategoryAggregation::Data)
        .build()
        .expect("aggregation")
}

async fn store(ct: &Client, name: &str, category: Option<&str>) -> String {
    ct.create_event_data_store()
        .name(name)
        .set_advanced_event_selectors(category.map(|c| vec![selector(c)]))
        .termination_protection_enabled(false)
        .send()
        .await
        .expect("create store")
        .event_data_store_arn
        .expect("arn")
}

async fn org_trail(emu: &Emulator) -> String {
    ct(emu, MANAGEMENT)
        .await
        .create_trail()
        .name("org-trail")
        .s3_bucket_name(BUCKET)
        .is_organization_trail(true)
        .is_multi_region_trail(true)
        .send()
        .await
        .expect("org trail")
        .trail_arn
        .expect("arn")
}

#[tokio::test]
async fn recursive_logging_defaults_true_and_round_trips() {
    let emu = Emulator::start();
    let ct = ct(&emu, MANAGEMENT).await;
    let created = ct
        .create_trail()
        .name("loop-safe")
        .s3_bucket_name(BUCKET)
        .send()
        .await
        .expect("create");
    assert_eq!(created.recursive_logging, Some(true), "AWS default");
    let off = ct
        .create_trail()
        .name("no-loop")
        .s3_bucket_name(BUCKET)
        .recursive_logging(false)
        .send()
        .await
        .expect("create off");
    assert_eq!(off.recursive_logging, Some(false));
    let trail = ct
        .get_trail()
        .name("no-loop")
        .send()
        .await
        .expect("get")
        .trail
        .expect("trail");
    assert_eq!(trail.recursive_logging, Some(false));
    // UpdateTrail without the member keeps it; with it, changes it.
    let kept = ct
        .update_trail()
        .name("no-loop")
        .enable_log_file_validation(true)
        .send()
        .await
        .expect("update");
    assert_eq!(kept.recursive_logging, Some(false));
    let updated = ct
        .update_trail()
        .name("loop-safe")
        .recursive_logging(false)
        .send()
        .await
        .expect("update");
    assert_eq!(updated.recursive_logging, Some(false));
    let listed = ct.describe_trails().send().await.expect("describe");
    assert!(
        listed
            .trail_list()
            .iter()
            .all(|t| t.recursive_logging == Some(false))
    );
}

#[tokio::test]
async fn event_configuration_on_trails_aggregates_data_events() {
    let emu = Emulator::start();
    organization(&emu).await;
    let arn = org_trail(&emu).await;
    let mgmt = ct(&emu, MANAGEMENT).await;

    let fresh = mgmt
        .get_event_configuration()
        .trail_name(&arn)
        .send()
        .await
        .expect("get default");
    assert_eq!(fresh.trail_arn(), Some(arn.as_str()));
    assert!(fresh.aggregation_configurations().is_empty());
    assert!(fresh.max_event_size().is_none() && fresh.event_data_store_arn().is_none());

    let agg = aggregation(&[Template::ApiActivity, Template::ResourceAccess]);
    let err = mgmt
        .put_event_configuration()
        .trail_name(&arn)
        .aggregation_configurations(agg.clone())
        .send()
        .await
        .expect_err("no data events yet");
    assert_eq!(code(&err), "InvalidParameterCombinationException");
    mgmt.put_event_selectors()
        .trail_name(&arn)
        .event_selectors(s3_data_events())
        .send()
        .await
        .expect("data events");
    let put = mgmt
        .put_event_configuration()
        .trail_name(&arn)
        .aggregation_configurations(agg.clone())
        .send()
        .await
        .expect("aggregate");
    assert_eq!(put.trail_arn(), Some(arn.as_str()));
    assert_eq!(put.aggregation_configurations(), std::slice::from_ref(&agg));
    // A member sees the org trail's configuration but can't change it; the delegated
    // admin can, by ARN.
    let member = ct(&emu, MEMBER).await;
    let seen = member
        .get_event_configuration()
        .trail_name(&arn)
        .send()
        .await
        .expect("member reads");
    assert_eq!(
        seen.aggregation_configurations(),
        std::slice::from_ref(&agg)
    );
    let err = member
        .put_event_configuration()
        .trail_name(&arn)
        .send()
        .await
        .expect_err("member writes");
    assert_eq!(code(&err), "NotOrganizationMasterAccountException");
    let users = aggregation(&[Template::UserActions]);
    ct(&emu, DELEGATED)
        .await
        .put_event_configuration()
        .trail_name(&arn)
        .aggregation_configurations(users.clone())
        .send()
        .await
        .expect("delegated admin writes");
    let elsewhere = Client::new(&config(&emu, MANAGEMENT, "eu-west-1").await);
    let err = elsewhere
        .put_event_configuration()
        .trail_name(&arn)
        .aggregation_configurations(users.clone())
        .send()
        .await
        .expect_err("not the home region");
    assert_eq!(code(&err), "InvalidHomeRegionException");

    for (what, req) in [
        (
            "MaxEventSize on a trail",
            mgmt.put_event_configuration()
                .trail_name(&arn)
                .max_event_size(MaxEventSize::Large),
        ),
        (
            "context keys on a trail",
            mgmt.put_event_configuration()
                .trail_name(&arn)
                .context_key_selectors(context(Type::TagContext, &["team"])),
        ),
        (
            "trail and store",
            mgmt.put_event_configuration()
                .trail_name(&arn)
                .event_data_store("abc"),
        ),
        ("neither", mgmt.put_event_configuration()),
    ] {
        let err = req.send().await.expect_err(what);
        assert_eq!(code(&err), "InvalidParameterCombinationException", "{what}");
    }
    let err = mgmt
        .put_event_configuration()
        .trail_name(&arn)
        .aggregation_configurations(users.clone())
        .aggregation_configurations(agg)
        .send()
        .await
        .expect_err("model max 1");
    assert_eq!(code(&err), "ValidationException");
    let err = mgmt
        .get_event_configuration()
        .send()
        .await
        .expect_err("neither");
    assert_eq!(code(&err), "InvalidParameterCombinationException");
    // A put without AggregationConfigurations replaces the configuration: aggregation off.
    mgmt.put_event_configuration()
        .trail_name(&arn)
        .send()
        .await
        .expect("clear");
    let cleared = mgmt
        .get_event_configuration()
        .trail_name(&arn)
        .send()
        .await
        .expect("get");
    assert!(cleared.aggregation_configurations().is_empty());
}

#[tokio::test]
async fn event_configuration_on_stores_needs_large_for_context_keys() {
    let emu = Emulator::start();
    let ct = ct(&emu, MANAGEMENT).await;
    let arn = store(&ct, "enriched", None).await;
    let id = arn.rsplit('/').next().expect("id").to_string();

    let fresh = ct
        .get_event_configuration()
        .event_data_store(&id)
        .send()
        .await
        .expect("default by id");
    assert_eq!(fresh.event_data_store_arn(), Some(arn.as_str()));
    assert_eq!(fresh.max_event_size(), Some(&MaxEventSize::Standard));
    assert!(fresh.context_key_selectors().is_empty() && fresh.trail_arn().is_none());

    let tags = context(Type::TagContext, &["team", "cost-center"]);
    let request = context(
        Type::RequestContext,
        &["aws:MultiFactorAuthAge", "aws:SourceIp"],
    );
    for (what, size) in [
        ("Standard", Some(MaxEventSize::Standard)),
        ("omitted", None),
    ] {
        let err = ct
            .put_event_configuration()
            .event_data_store(&arn)
            .set_max_event_size(size)
            .context_key_selectors(tags.clone())
            .send()
            .await
            .expect_err(what);
        assert_eq!(code(&err), "InvalidParameterCombinationException", "{what}");
    }
    let err = ct
        .put_event_configuration()
        .event_data_store(&arn)
        .max_event_size(MaxEventSize::Large)
        .context_key_selectors(request)
        .send()
        .await
        .expect_err("aws:SourceIp is not a listed enriched-event key");
    assert_eq!(code(&err), "InvalidParameterException");
    let err = ct
        .put_event_configuration()
        .event_data_store(&arn)
        .max_event_size(MaxEventSize::Large)
        .context_key_selectors(tags.clone())
        .context_key_selectors(context(Type::TagContext, &["owner"]))
        .send()
        .await
        .expect_err("two TagContext selectors");
    assert_eq!(code(&err), "InvalidParameterException");
    let many: Vec<String> = (0..51).map(|i| format!("k{i}")).collect();
    let keys: Vec<&str> = many.iter().map(String::as_str).collect();
    for (what, selectors) in [
        (
            "three selectors",
            vec![tags.clone(), tags.clone(), tags.clone()],
        ),
        ("51 keys", vec![context(Type::TagContext, &keys)]),
    ] {
        let err = ct
            .put_event_configuration()
            .event_data_store(&arn)
            .max_event_size(MaxEventSize::Large)
            .set_context_key_selectors(Some(selectors))
            .send()
            .await
            .expect_err(what);
        assert_eq!(code(&err), "ValidationException", "{what}");
    }
    let err = ct
        .put_event_configuration()
        .event_data_store(&arn)
        .aggregation_configurations(aggregation(&[Template::ApiActivity]))
        .send()
        .await
        .expect_err("aggregation is for trails");
    assert_eq!(code(&err), "InvalidParameterCombinationException");

    let mfa = context(Type::RequestContext, &["aws:MultiFactorAuthAge"]);
    let put = ct
        .put_event_configuration()
        .event_data_store(&arn)
        .max_event_size(MaxEventSize::Large)
        .context_key_selectors(tags.clone())
        .context_key_selectors(mfa.clone())
        .send()
        .await
        .expect("enrich");
    assert_eq!(put.max_event_size(), Some(&MaxEventSize::Large));
    assert_eq!(put.context_key_selectors(), [tags, mfa]);
    let roles = &emu.state()["service_linked_roles"]["111111111111"];
    assert!(
        roles
            .as_array()
            .is_some_and(|r| r.contains(&"AWSServiceRoleForCloudTrailEventContext".into())),
        "TagContext creates the event-context role: {roles}"
    );
    // Large alone (the user guide's way to drop context keys), then nothing: Standard again.
    ct.put_event_configuration()
        .event_data_store(&arn)
        .max_event_size(MaxEventSize::Large)
        .send()
        .await
        .expect("drop keys");
    let got = ct
        .get_event_configuration()
        .event_data_store(&arn)
        .send()
        .await
        .expect("get");
    assert!(got.context_key_selectors().is_empty());
    assert_eq!(got.max_event_size(), Some(&MaxEventSize::Large));
    ct.put_event_configuration()
        .event_data_store(&arn)
        .send()
        .await
        .expect("reset");
    let got = ct
        .get_event_configuration()
        .event_data_store(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.max_event_size(), Some(&MaxEventSize::Standard));

    // Insights and Config stores don't hold enriched CloudTrail events.
    let insights = store(&ct, "insights", Some("Insight")).await;
    let err = ct
        .get_event_configuration()
        .event_data_store(&insights)
        .send()
        .await
        .expect_err("wrong category");
    assert_eq!(code(&err), "InvalidEventDataStoreCategoryException");
    // A pending-deletion store is inactive.
    ct.delete_event_data_store()
        .event_data_store(&arn)
        .send()
        .await
        .expect("delete");
    let err = ct
        .put_event_configuration()
        .event_data_store(&arn)
        .send()
        .await
        .expect_err("inactive");
    assert_eq!(code(&err), "InactiveEventDataStoreException");

    // Without the event-context role, a caller denied iam:CreateServiceLinkedRole fails.
    emu.hook(
        "POST",
        "/_emulator/config",
        Some(r#"{"denied_actions": {"AKIDMEMBER": ["iam:CreateServiceLinkedRole"]}}"#),
    );
    let member = self::ct(&emu, MEMBER).await;
    let own = store(&member, "member-store", None).await;
    let err = member
        .put_event_configuration()
        .event_data_store(&own)
        .max_event_size(MaxEventSize::Large)
        .context_key_selectors(context(Type::TagContext, &["team"]))
        .send()
        .await
        .expect_err("no role");
    assert_eq!(code(&err), "InsufficientIAMAccessPermissionException");
}

fn insight(ty: InsightType, categories: &[SourceEventCategory]) -> InsightSelector {
    InsightSelector::builder()
        .insight_type(ty)
        .set_event_categories((!categories.is_empty()).then(|| categories.to_vec()))
        .build()
}

#[tokio::test]
async fn insights_keep_event_categories_on_trails() {
    let emu = Emulator::start();
    let ct = ct(&emu, MANAGEMENT).await;
    ct.create_trail()
        .name("insightful")
        .s3_bucket_name(BUCKET)
        .send()
        .await
        .expect("create");
    let put = ct
        .put_insight_selectors()
        .trail_name("insightful")
        .insight_selectors(insight(InsightType::ApiCallRateInsight, &[]))
        .send()
        .await
        .expect("management by default");
    assert_eq!(
        put.insight_selectors()[0].event_categories(),
        [SourceEventCategory::Management]
    );
    let err = ct
        .put_insight_selectors()
        .trail_name("insightful")
        .insight_selectors(insight(
            InsightType::ApiErrorRateInsight,
            &[SourceEventCategory::Data],
        ))
        .send()
        .await
        .expect_err("the trail logs no data events");
    assert_eq!(code(&err), "InvalidInsightSelectorsException");
    ct.put_event_selectors()
        .trail_name("insightful")
        .event_selectors(s3_data_events())
        .send()
        .await
        .expect("data events");
    let both = [SourceEventCategory::Management, SourceEventCategory::Data];
    ct.put_insight_selectors()
        .trail_name("insightful")
        .insight_selectors(insight(InsightType::ApiErrorRateInsight, &both))
        .insight_selectors(insight(
            InsightType::ApiCallRateInsight,
            &[SourceEventCategory::Data],
        ))
        .send()
        .await
        .expect("data Insights");
    let got = ct
        .get_insight_selectors()
        .trail_name("insightful")
        .send()
        .await
        .expect("get");
    assert_eq!(got.insight_selectors()[0].event_categories(), both);
    assert_eq!(
        got.insight_selectors()[1].event_categories(),
        [SourceEventCategory::Data]
    );
    assert!(got.event_data_store_arn().is_none());

    // Call-rate Insights on management events need write management events.
    let reads = EventSelector::builder()
        .read_write_type(ReadWriteType::ReadOnly)
        .build();
    ct.put_event_selectors()
        .trail_name("insightful")
        .event_selectors(reads)
        .send()
        .await
        .expect("read-only");
    let err = ct
        .put_insight_selectors()
        .trail_name("insightful")
        .insight_selectors(insight(InsightType::ApiCallRateInsight, &[]))
        .send()
        .await
        .expect_err("no write events");
    assert_eq!(code(&err), "InvalidInsightSelectorsException");
    let err = ct
        .put_insight_selectors()
        .trail_name("insightful")
        .event_data_store("abc")
        .insight_selectors(insight(InsightType::ApiErrorRateInsight, &[]))
        .send()
        .await
        .expect_err("trail and store");
    assert_eq!(code(&err), "InvalidParameterCombinationException");
    ct.put_insight_selectors()
        .trail_name("insightful")
        .set_insight_selectors(Some(vec![]))
        .send()
        .await
        .expect("off");
    let err = ct
        .get_insight_selectors()
        .trail_name("insightful")
        .send()
        .await
        .expect_err("off");
    assert_eq!(code(&err), "InsightNotEnabledException");
}

#[tokio::test]
async fn insights_on_event_data_stores() {
    let emu = Emulator::start();
    organization(&emu).await;
    let ct = ct(&emu, MANAGEMENT).await;
    let source = store(&ct, "source", None).await;
    let destination = store(&ct, "insights-dest", Some("Insight")).await;
    let rate = insight(InsightType::ApiCallRateInsight, &[]);

    let err = ct
        .get_insight_selectors()
        .event_data_store(&source)
        .send()
        .await
        .expect_err("none yet");
    assert_eq!(code(&err), "InsightNotEnabledException");
    let err = ct
        .put_insight_selectors()
        .event_data_store(&source)
        .insight_selectors(rate.clone())
        .send()
        .await
        .expect_err("destination missing");
    assert_eq!(code(&err), "InvalidParameterCombinationException");
    let err = ct
        .put_insight_selectors()
        .trail_name("t-x")
        .insights_destination(&destination)
        .insight_selectors(rate.clone())
        .send()
        .await
        .expect_err("destination with a trail");
    assert_eq!(code(&err), "InvalidParameterCombinationException");
    let err = ct
        .put_insight_selectors()
        .event_data_store(&source)
        .insights_destination(&destination)
        .insight_selectors(insight(
            InsightType::ApiCallRateInsight,
            &[SourceEventCategory::Data],
        ))
        .send()
        .await
        .expect_err("data Insights are for trails");
    assert_eq!(code(&err), "InvalidInsightSelectorsException");
    let other = store(&ct, "not-insights", None).await;
    let err = ct
        .put_insight_selectors()
        .event_data_store(&source)
        .insights_destination(&other)
        .insight_selectors(rate.clone())
        .send()
        .await
        .expect_err("destination must log Insights events");
    assert_eq!(code(&err), "InvalidInsightSelectorsException");

    let put = ct
        .put_insight_selectors()
        .event_data_store(&source)
        .insights_destination(&destination)
        .insight_selectors(rate.clone())
        .send()
        .await
        .expect("enable");
    assert_eq!(put.event_data_store_arn(), Some(source.as_str()));
    assert_eq!(put.insights_destination(), Some(destination.as_str()));
    let got = ct
        .get_insight_selectors()
        .event_data_store(&source)
        .send()
        .await
        .expect("get");
    assert_eq!(got.insights_destination(), Some(destination.as_str()));
    assert_eq!(
        got.insight_selectors()[0].event_categories(),
        [SourceEventCategory::Management]
    );
    assert!(got.trail_arn().is_none());
    // With Insights on, the source must keep logging management events.
    let err = ct
        .update_event_data_store()
        .event_data_store(&source)
        .advanced_event_selectors(selector("Data"))
        .send()
        .await
        .expect_err("incompatible selectors");
    assert_eq!(code(&err), "InvalidInsightSelectorsException");
    ct.put_insight_selectors()
        .event_data_store(&source)
        .set_insight_selectors(Some(vec![]))
        .send()
        .await
        .expect("off");
    let err = ct
        .get_insight_selectors()
        .event_data_store(&source)
        .send()
        .await
        .expect_err("off");
    assert_eq!(code(&err), "InsightNotEnabledException");

    // Organization stores: Insights are the management account's alone.
    let org = ct
        .create_event_data_store()
        .name("org-store")
        .organization_enabled(true)
        .send()
        .await
        .expect("org store")
        .event_data_store_arn
        .expect("arn");
    let err = self::ct(&emu, DELEGATED)
        .await
        .put_insight_selectors()
        .event_data_store(&org)
        .insights_destination(&destination)
        .insight_selectors(rate.clone())
        .send()
        .await
        .expect_err("delegated admin");
    assert_eq!(code(&err), "NotOrganizationMasterAccountException");
    ct.put_insight_selectors()
        .event_data_store(&org)
        .insights_destination(&destination)
        .insight_selectors(rate)
        .send()
        .await
        .expect("management account");
}

#[tokio::test]
async fn federation_lifecycle_and_errors() {
    let emu = Emulator::start();
    organization(&emu).await;
    let ct = ct(&emu, MANAGEMENT).await;
    let arn = store(&ct, "federated", None).await;
    let role = "arn:aws:iam::111111111111:role/LakeFederation";

    for (what, bad, expected) in [
        (
            "another account's role",
            "arn:aws:iam::333333333333:role/LakeFederation",
            "InvalidParameterException",
        ),
        (
            "not a role",
            "arn:aws:iam::111111111111:user/alice",
            "InvalidParameterException",
        ),
        ("too short", "ab", "ValidationException"),
    ] {
        let err = ct
            .enable_federation()
            .event_data_store(&arn)
            .federation_role_arn(bad)
            .send()
            .await
            .expect_err(what);
        assert_eq!(code(&err), expected, "{what}");
    }
    let on = ct
        .enable_federation()
        .event_data_store(&arn)
        .federation_role_arn(role)
        .send()
        .await
        .expect("enable");
    assert_eq!(on.federation_status(), Some(&FederationStatus::Enabled));
    assert_eq!(on.federation_role_arn(), Some(role));
    assert_eq!(on.event_data_store_arn(), Some(arn.as_str()));
    let got = ct
        .get_event_data_store()
        .event_data_store(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.federation_status(), Some(&FederationStatus::Enabled));
    assert_eq!(got.federation_role_arn(), Some(role));
    let err = ct
        .enable_federation()
        .event_data_store(&arn)
        .federation_role_arn(role)
        .send()
        .await
        .expect_err("already federated");
    assert_eq!(code(&err), "EventDataStoreFederationEnabledException");
    let err = ct
        .delete_event_data_store()
        .event_data_store(&arn)
        .send()
        .await
        .expect_err("federated stores can't be deleted");
    assert_eq!(code(&err), "EventDataStoreFederationEnabledException");
    let updated = ct
        .update_event_data_store()
        .event_data_store(&arn)
        .retention_period(90)
        .send()
        .await
        .expect("update");
    assert_eq!(
        updated.federation_status(),
        Some(&FederationStatus::Enabled)
    );

    // The SDK does not retry ConcurrentModificationException; an error fault injects it.
    let (status, _) = emu.hook(
        "POST",
        "/_emulator/faults",
        Some(r#"{"kind": "error", "code": "ConcurrentModificationException", "operation": "DisableFederation", "count": 1}"#),
    );
    assert_eq!(status, 200);
    let err = ct
        .disable_federation()
        .event_data_store(&arn)
        .send()
        .await
        .expect_err("injected");
    assert_eq!(code(&err), "ConcurrentModificationException");
    let off = ct
        .disable_federation()
        .event_data_store(&arn)
        .send()
        .await
        .expect("disable");
    assert_eq!(off.federation_status(), Some(&FederationStatus::Disabled));
    let got = ct
        .get_event_data_store()
        .event_data_store(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.federation_status(), Some(&FederationStatus::Disabled));
    assert!(got.federation_role_arn().is_none());
    ct.disable_federation()
        .event_data_store(&arn)
        .send()
        .await
        .expect("disabling again is a no-op");
    ct.delete_event_data_store()
        .event_data_store(&arn)
        .send()
        .await
        .expect("delete");
    let err = ct
        .enable_federation()
        .event_data_store(&arn)
        .federation_role_arn(role)
        .send()
        .await
        .expect_err("pending deletion");
    assert_eq!(code(&err), "InactiveEventDataStoreException");

    // Organization store: the delegated admin federates it with a role of its own account;
    // members can't see it; the management account disables it.
    let org = ct
        .create_event_data_store()
        .name("org-store")
        .organization_enabled(true)
        .send()
        .await
        .expect("org store")
        .event_data_store_arn
        .expect("arn");
    let da = self::ct(&emu, DELEGATED).await;
    let err = da
        .enable_federation()
        .event_data_store(&org)
        .federation_role_arn(role)
        .send()
        .await
        .expect_err("role of the management account");
    assert_eq!(code(&err), "InvalidParameterException");
    da.enable_federation()
        .event_data_store(&org)
        .federation_role_arn("arn:aws:iam::222222222222:role/LakeFederation")
        .send()
        .await
        .expect("delegated admin enables");
    let err = ct
        .enable_federation()
        .event_data_store(&org)
        .federation_role_arn(role)
        .send()
        .await
        .expect_err("only one account enables it");
    assert_eq!(code(&err), "EventDataStoreFederationEnabledException");
    let err = self::ct(&emu, MEMBER)
        .await
        .disable_federation()
        .event_data_store(&org)
        .send()
        .await
        .expect_err("member");
    assert_eq!(code(&err), "EventDataStoreNotFoundException");
    ct.disable_federation()
        .event_data_store(&org)
        .send()
        .await
        .expect("management disables");

    emu.hook(
        "POST",
        "/_emulator/config",
        Some(r#"{"denied_actions": {"AKIDMANAGEMENT": ["iam:PassRole"]}}"#),
    );
    let err = ct
        .enable_federation()
        .event_data_store(&org)
        .federation_role_arn(role)
        .send()
        .await
        .expect_err("no iam:PassRole");
    assert_eq!(code(&err), "AccessDeniedException");
    assert!(err.message().unwrap_or("").contains("iam:PassRole"));
}

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"query","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::333333333333:root"]},"Action":["cloudtrail:StartQuery","cloudtrail:GetQueryResults"],"Resource":"*"}]}"#;

#[tokio::test]
async fn resource_policies_on_event_data_stores() {
    let emu = Emulator::start();
    let ct = ct(&emu, MANAGEMENT).await;
    let arn = store(&ct, "shared", None).await;

    let err = ct
        .get_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .expect_err("none yet");
    assert_eq!(code(&err), "ResourcePolicyNotFoundException");
    let err = ct
        .delete_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .expect_err("none yet");
    assert_eq!(code(&err), "ResourcePolicyNotFoundException");
    for bad in [
        "{not json",
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"someone"},"Action":"cloudtrail:StartQuery"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"cloudtrail:DeleteTrail"}]}"#,
    ] {
        let err = ct
            .put_resource_policy()
            .resource_arn(&arn)
            .resource_policy(bad)
            .send()
            .await
            .expect_err(bad);
        assert_eq!(code(&err), "ResourcePolicyNotValidException", "{bad}");
    }
    let trail = ct
        .create_trail()
        .name("not-a-store")
        .s3_bucket_name(BUCKET)
        .send()
        .await
        .expect("trail")
        .trail_arn
        .expect("arn");
    let unknown = arn.replace(arn.rsplit('/').next().expect("id"), "00000000-aaaa");
    for (what, resource, expected) in [
        ("trail", trail.as_str(), "ResourceTypeNotSupportedException"),
        (
            "unknown store",
            unknown.as_str(),
            "ResourceNotFoundException",
        ),
        (
            "dashboard",
            "arn:aws:cloudtrail:us-east-1:111111111111:dashboard/exampleDash",
            "ResourceNotFoundException",
        ),
        ("not an ARN", "eds-123", "ResourceARNNotValidException"),
    ] {
        let err = ct
            .put_resource_policy()
            .resource_arn(resource)
            .resource_policy(POLICY)
            .send()
            .await
            .expect_err(what);
        assert_eq!(code(&err), expected, "{what}");
    }

    let put = ct
        .put_resource_policy()
        .resource_arn(&arn)
        .resource_policy(POLICY)
        .send()
        .await
        .expect("put");
    assert_eq!(put.resource_arn(), Some(arn.as_str()));
    assert_eq!(put.resource_policy(), Some(POLICY));
    assert!(put.delegated_admin_resource_policy().is_none());
    let got = ct
        .get_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .expect("get");
    assert_eq!(got.resource_policy(), Some(POLICY));
    ct.delete_resource_policy()
        .resource_arn(&arn)
        .send()
        .await
        .expect("delete");
    assert!(
        ct.get_resource_policy()
            .resource_arn(&arn)
            .send()
            .await
            .is_err()
    );

    // Organization store: CloudTrail's DelegatedAdminResourcePolicy names the delegated admin.
    organization(&emu).await;
    let org = ct
        .create_event_data_store()
        .name("org-store")
        .organization_enabled(true)
        .send()
        .await
        .expect("org store")
        .event_data_store_arn
        .expect("arn");
    let da = self::ct(&emu, DELEGATED).await;
    let generated = da
        .get_resource_policy()
        .resource_arn(&org)
        .send()
        .await
        .expect("the generated policy alone");
    assert!(generated.resource_policy().is_none());
    let da_policy: Value = serde_json::from_str(
        generated
            .delegated_admin_resource_policy()
            .expect("delegated admin policy"),
    )
    .expect("json");
    assert_eq!(
        da_policy["Statement"][0]["Principal"]["AWS"][0],
        "arn:aws:iam::222222222222:root"
    );
    assert_eq!(da_policy["Statement"][0]["Resource"], org.as_str());
    let err = da
        .put_resource_policy()
        .resource_arn(&org)
        .resource_policy(POLICY)
        .send()
        .await
        .expect_err("only the owner");
    assert_eq!(code(&err), "OperationNotPermittedException");
    let put = ct
        .put_resource_policy()
        .resource_arn(&org)
        .resource_policy(POLICY)
        .send()
        .await
        .expect("owner");
    assert!(put.delegated_admin_resource_policy().is_some());
    let err = self::ct(&emu, MEMBER)
        .await
        .get_resource_policy()
        .resource_arn(&org)
        .send()
        .await
        .expect_err("members can't see org stores");
    assert_eq!(code(&err), "ResourceNotFoundException");
}

#[tokio::test]
async fn new_mutating_calls_publish_api_call_events() {
    let emu = Emulator::start();
    organization(&emu).await;
    let arn = org_trail(&emu).await;
    let mgmt = ct(&emu, MANAGEMENT).await;
    mgmt.start_logging().name(&arn).send().await.expect("log");
    mgmt.put_event_selectors()
        .trail_name(&arn)
        .event_selectors(s3_data_events())
        .send()
        .await
        .expect("data events");
    emu.hook("DELETE", "/_emulator/events", None);
    ct(&emu, DELEGATED)
        .await
        .put_event_configuration()
        .trail_name(&arn)
        .aggregation_configurations(aggregation(&[Template::ApiActivity]))
        .send()
        .await
        .expect("delegated admin aggregates");
    let eds = store(&mgmt, "published", None).await;
    mgmt.enable_federation()
        .event_data_store(&eds)
        .federation_role_arn("arn:aws:iam::111111111111:role/Fed")
        .send()
        .await
        .expect("federate");
    mgmt.put_resource_policy()
        .resource_arn(&eds)
        .resource_policy(POLICY)
        .send()
        .await
        .expect("policy");
    mgmt.get_resource_policy()
        .resource_arn(&eds)
        .send()
        .await
        .expect("read");
    let events = emu.hook("GET", "/_emulator/events", None).1["events"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let named = |name: &str| -> Vec<Value> {
        events
            .iter()
            .filter(|e| e["event"]["detail"]["eventName"] == name)
            .cloned()
            .collect()
    };
    // The delegated admin's call reaches its own bus and the trail owner's.
    let accounts: Vec<String> = named("PutEventConfiguration")
        .iter()
        .filter_map(|e| e["account"].as_str().map(str::to_string))
        .collect();
    assert_eq!(accounts, ["222222222222", "111111111111"]);
    let fed = named("EnableFederation");
    assert_eq!(fed.len(), 1);
    assert_eq!(
        fed[0]["event"]["detail"]["requestParameters"]["federationRoleArn"],
        "arn:aws:iam::111111111111:role/Fed"
    );
    assert_eq!(
        fed[0]["event"]["detail"]["responseElements"]["federationStatus"],
        "ENABLED"
    );
    assert_eq!(named("PutResourcePolicy").len(), 1);
    assert!(
        named("GetResourcePolicy").is_empty(),
        "reads need an opted-in rule"
    );
}

#[tokio::test]
async fn accounts_carry_state_not_the_retired_status() {
    let emu = Emulator::start();
    let org = aws_sdk_organizations::Client::new(&config(&emu, MANAGEMENT, HOME).await);
    let accounts = org.list_accounts().send().await.expect("list");
    assert_eq!(accounts.accounts().len(), 4);
    #[allow(deprecated)]
    for a in accounts.accounts() {
        assert_eq!(
            a.state(),
            Some(&aws_sdk_organizations::types::AccountState::Active)
        );
        assert!(a.status().is_none(), "Status was retired on 2026-09-09");
    }
    let one = org
        .describe_account()
        .account_id("444444444444")
        .send()
        .await
        .expect("describe")
        .account
        .expect("account");
    assert_eq!(
        one.state(),
        Some(&aws_sdk_organizations::types::AccountState::Active)
    );
}
