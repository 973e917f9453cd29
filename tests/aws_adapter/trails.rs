//! Trail round trips through the adapter: create, read, update, logging, selectors,
//! Insights, tags, listing and deletion, plus organization trails made by the delegated
//! administrator and addressed by ARN.

use std::collections::BTreeMap;

use orgtrail_operator::api::selectors::{
    AdvancedEventSelector, AdvancedFieldSelector, DataResource, EventSelector, EventSelectors,
    InsightType, ReadWriteType,
};
use orgtrail_operator::aws::SourceEventCategory::Management;
use orgtrail_operator::aws::{CloudTrail, ErrorKind, InsightSelector, Insights, Target, trail_arn};
use serde_json::json;

use crate::harness::*;
use crate::support::{DELEGATED_ACCOUNT, MANAGEMENT_ACCOUNT};

#[tokio::test]
async fn account_trail_round_trip() {
    let env = Env::start();
    let aws = env.management().await;
    let mut settings = trail("audit", ORG_BUCKET, false);
    settings.s3_key_prefix = Some("prefix".into());
    settings.tags = BTreeMap::from([("team".into(), "security".into())]);
    let created = aws.create_trail(REGION, &settings).await.unwrap();
    let arn = trail_arn(REGION, MANAGEMENT_ACCOUNT, "audit");
    assert_eq!(created.arn, arn);
    assert_eq!(created.home_region, REGION);
    assert!(!created.is_organization_trail);
    assert_eq!(created.s3_key_prefix.as_deref(), Some("prefix"));

    let got = aws
        .get_trail(REGION, &arn)
        .await
        .unwrap()
        .expect("trail exists");
    assert_eq!(got.name, "audit");
    assert_eq!(got.s3_bucket_name, ORG_BUCKET);
    assert!(got.is_multi_region_trail && got.include_global_service_events);
    assert!(got.log_file_validation_enabled);
    assert!(!got.has_insight_selectors);

    // A new trail does not log until StartLogging.
    assert!(!aws.get_trail_status(REGION, &arn).await.unwrap().is_logging);
    aws.start_logging(REGION, &arn).await.unwrap();
    assert!(aws.get_trail_status(REGION, &arn).await.unwrap().is_logging);
    aws.stop_logging(REGION, &arn).await.unwrap();
    assert!(!aws.get_trail_status(REGION, &arn).await.unwrap().is_logging);

    // UpdateTrail sends the named fields: an unset prefix clears the old one; a field not
    // named is left alone even where `changed` differs.
    let mut changed = settings.clone();
    changed.s3_key_prefix = None;
    changed.enable_log_file_validation = false;
    changed.kms_key_id = Some("alias/orgtrail".into());
    changed.include_global_service_events = !settings.include_global_service_events;
    let fields = ["S3KeyPrefix", "EnableLogFileValidation", "KmsKeyId"];
    let updated = aws
        .update_trail(REGION, &arn, &changed, &fields)
        .await
        .unwrap();
    assert_eq!(updated.s3_key_prefix, None);
    assert!(!updated.log_file_validation_enabled);
    let got = aws.get_trail(REGION, &arn).await.unwrap().unwrap();
    assert_eq!(got.s3_key_prefix, None);
    assert!(got.kms_key_id.unwrap().contains("alias/orgtrail"));
    assert_eq!(
        got.include_global_service_events, settings.include_global_service_events,
        "a field not sent changed"
    );
    changed.kms_key_id = None;
    aws.update_trail(REGION, &arn, &changed, &["KmsKeyId"])
        .await
        .unwrap();
    assert_eq!(
        aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .kms_key_id,
        None
    );

    assert_eq!(
        aws.list_tags(REGION, &arn).await.unwrap(),
        settings.tags,
        "create-time tags"
    );

    aws.delete_trail(REGION, &arn).await.unwrap();
    assert_eq!(aws.get_trail(REGION, &arn).await.unwrap(), None);
    assert_error(
        aws.delete_trail(REGION, &arn).await,
        ErrorKind::NotFound,
        "TrailNotFoundException",
    );
}

#[tokio::test]
async fn event_selectors_basic_then_advanced() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("selectors", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    let basic = EventSelectors::Basic(vec![EventSelector {
        read_write_type: ReadWriteType::WriteOnly,
        include_management_events: true,
        data_resources: vec![DataResource {
            type_: "AWS::S3::Object".into(),
            values: vec!["arn:aws:s3:::orgtrail-logs/".into()],
        }],
        exclude_management_event_sources: vec!["kms.amazonaws.com".into()],
    }]);
    aws.put_event_selectors(REGION, &arn, &basic).await.unwrap();
    assert_eq!(aws.get_event_selectors(REGION, &arn).await.unwrap(), basic);
    assert!(
        aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .has_custom_event_selectors
    );

    let advanced = EventSelectors::Advanced(vec![AdvancedEventSelector {
        name: Some("management only".into()),
        field_selectors: vec![AdvancedFieldSelector {
            field: "eventCategory".into(),
            equals: vec!["Management".into()],
            ..Default::default()
        }],
    }]);
    aws.put_event_selectors(REGION, &arn, &advanced)
        .await
        .unwrap();
    // Advanced replaces basic: AWS keeps one kind only.
    assert_eq!(
        aws.get_event_selectors(REGION, &arn).await.unwrap(),
        advanced
    );
}

#[tokio::test]
async fn insight_selectors_on_and_off() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("insights", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    let target = Target::Trail(&arn);
    // Never enabled: AWS answers InsightNotEnabledException; the port says "none".
    assert_eq!(
        aws.get_insight_selectors(REGION, target).await.unwrap(),
        Insights::default()
    );
    // Without EventCategories: AWS's default, management events.
    let both = Insights {
        selectors: vec![
            InsightSelector {
                insight_type: InsightType::ApiErrorRateInsight,
                event_categories: vec![],
            },
            InsightSelector {
                insight_type: InsightType::ApiCallRateInsight,
                event_categories: vec![],
            },
        ],
        destination: None,
    };
    aws.put_insight_selectors(REGION, target, &both)
        .await
        .unwrap();
    let got = aws.get_insight_selectors(REGION, target).await.unwrap();
    assert_eq!(got, both.clone().canonical());
    assert!(
        got.selectors
            .iter()
            .all(|s| s.event_categories == [Management])
    );
    assert!(
        aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .has_insight_selectors
    );
    aws.put_insight_selectors(REGION, target, &Insights::default())
        .await
        .unwrap();
    assert_eq!(
        aws.get_insight_selectors(REGION, target).await.unwrap(),
        Insights::default()
    );
    assert!(
        !aws.get_trail(REGION, &arn)
            .await
            .unwrap()
            .unwrap()
            .has_insight_selectors
    );
}

#[tokio::test]
async fn tags_add_overwrite_remove() {
    let env = Env::start();
    let aws = env.management().await;
    let arn = aws
        .create_trail(REGION, &trail("tagged", ORG_BUCKET, false))
        .await
        .unwrap()
        .arn;
    assert!(aws.list_tags(REGION, &arn).await.unwrap().is_empty());
    let tags = BTreeMap::from([
        ("a".to_owned(), "1".to_owned()),
        ("b".to_owned(), "2".to_owned()),
    ]);
    aws.add_tags(REGION, &arn, &tags).await.unwrap();
    aws.add_tags(REGION, &arn, &BTreeMap::from([("a".into(), "one".into())]))
        .await
        .unwrap();
    aws.remove_tags(REGION, &arn, &["b".into()]).await.unwrap();
    assert_eq!(
        aws.list_tags(REGION, &arn).await.unwrap(),
        BTreeMap::from([("a".to_owned(), "one".to_owned())])
    );
}

#[tokio::test]
async fn list_trails_pages_to_the_end() {
    let env = Env::start();
    let aws = env.management().await;
    for name in ["one", "two", "three"] {
        aws.create_trail(REGION, &trail(name, ORG_BUCKET, false))
            .await
            .unwrap();
    }
    env.emu.configure(json!({"empty_first_page": true}));
    env.emu.clear_calls();
    let mut names: Vec<_> = aws
        .list_trails(REGION)
        .await
        .unwrap()
        .into_iter()
        .map(|t| {
            assert_eq!(t.home_region, REGION);
            t.name
        })
        .collect();
    names.sort();
    assert_eq!(names, vec!["one", "three", "two"]);
    assert!(
        env.emu.calls_of("ListTrails").len() >= 2,
        "followed the token"
    );
}

#[tokio::test]
async fn delegated_admin_org_trail_is_owned_by_management_and_addressed_by_arn() {
    let env = Env::start();
    env.with_delegated_admin().await;
    let delegated = env.delegated().await;
    let created = delegated
        .create_trail(REGION, &trail("org-trail", ORG_BUCKET, true))
        .await
        .unwrap();
    let arn = trail_arn(REGION, MANAGEMENT_ACCOUNT, "org-trail");
    assert_eq!(created.arn, arn, "the management account owns it");
    assert!(created.is_organization_trail);
    assert!(!arn.contains(DELEGATED_ACCOUNT));

    // The delegated admin reads and manages it by ARN.
    let got = delegated.get_trail(REGION, &arn).await.unwrap().unwrap();
    assert!(got.is_organization_trail);
    delegated.start_logging(REGION, &arn).await.unwrap();
    assert!(
        delegated
            .get_trail_status(REGION, &arn)
            .await
            .unwrap()
            .is_logging
    );

    // The management account sees the same ARN.
    let mgmt = env.management().await;
    assert_eq!(
        mgmt.get_trail(REGION, &arn).await.unwrap().unwrap().arn,
        arn
    );
    // A member sees it but cannot touch it.
    let member = env.member().await;
    assert!(member.get_trail(REGION, &arn).await.unwrap().is_some());
    assert_prerequisite(
        member.stop_logging(REGION, &arn).await,
        orgtrail_operator::aws::Prerequisite::NotManagementAccount,
        "NotOrganizationMasterAccountException",
    );
}
