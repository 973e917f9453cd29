//! CloudTrail Lake settings added in 2025–2026, through the real aws-sdk-cloudtrail client:
//! Insights on event data stores, Lake query federation, resource-based policies, and the
//! API-call events of the new mutating operations.

mod common;

use aws_sdk_cloudtrail::error::ProvideErrorMetadata;
use aws_sdk_cloudtrail::types::{FederationStatus, InsightType, SourceEventCategory, Template};
use common::settings::*;
use common::{DELEGATED, Emulator, MANAGEMENT, MEMBER};
use serde_json::Value;

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
    let org = org_store(&ct, "org-store").await;
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
    let org = org_store(&ct, "org-store").await;
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
    let org = org_store(&ct, "org-store").await;
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
