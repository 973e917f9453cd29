//! The settings CloudTrail added in 2025–2026 on trails, through the real aws-sdk-cloudtrail
//! client: RecursiveLogging, Put/GetEventConfiguration (trail aggregation, store context keys
//! and event size), Insights EventCategories; plus the Organizations account `State` (the
//! retired `Status` is not sent). Store Insights, federation and resource policies:
//! lake_settings_sdk.rs.

mod common;

use aws_sdk_cloudtrail::Client;
use aws_sdk_cloudtrail::types::{
    EventSelector, InsightType, MaxEventSize, ReadWriteType, SourceEventCategory, Template, Type,
};
use common::settings::*;
use common::{DELEGATED, Emulator, MANAGEMENT, MEMBER};

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
